/*
 * The spool journal: one row per file a spool directory took in (pipeline/spool.c),
 * with its state (screening, done, failed, or interrupted when the process that was
 * screening it stopped before it finished), its counts and where it was moved.
 *
 * Design: the journal is an account for operators, not the source of truth for
 * replay safety: screening a file again is harmless because records, alerts, hits,
 * findings and dead letters are all keyed by content. Statements are prepared per
 * call: a few per file, never on the per-record path.
 */
#include "store/store_internal.h"

#include <sqlite3.h>

/* Runs one prepared-and-bound statement to completion and finalizes it. */
static int run_once(pw_store *s, sqlite3_stmt *st, const char *what, pw_error *err)
{
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : pws_fail(s, rc, what, err);
}

int pw_store_spool_interrupted(pw_store *s, const char *spool, long *n, pw_error *err)
{
    *n = 0;
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(s->db,
                                "UPDATE spool_files SET state = 'interrupted', finished_at = "
                                "strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), reason = 'the process "
                                "stopped before the file was committed' "
                                "WHERE spool = ?1 AND state = 'screening'",
                                -1, &st, NULL);
    if (rc != SQLITE_OK)
        return pws_fail(s, rc, "updating the spool journal", err);
    sqlite3_bind_text(st, 1, spool, -1, SQLITE_TRANSIENT);
    if ((rc = run_once(s, st, "updating the spool journal", err)) != 0)
        return rc;
    *n = (long)sqlite3_changes(s->db);
    return 0;
}

int pw_store_spool_begin(pw_store *s, const char *spool, const char *name, long long size,
                         long long *id, pw_error *err)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(s->db,
                                "INSERT INTO spool_files(spool, name, size, state) "
                                "VALUES (?1, ?2, ?3, 'screening')",
                                -1, &st, NULL);
    if (rc != SQLITE_OK)
        return pws_fail(s, rc, "writing the spool journal", err);
    sqlite3_bind_text(st, 1, spool, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 3, size);
    if ((rc = run_once(s, st, "writing the spool journal", err)) != 0)
        return rc;
    *id = sqlite3_last_insert_rowid(s->db);
    return 0;
}

int pw_store_spool_finish(pw_store *s, long long id, const pw_spool_file *f, pw_error *err)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(
        s->db,
        "UPDATE spool_files SET state = ?2, finished_at = strftime('%Y-%m-%dT%H:%M:%fZ', "
        "'now'), records = ?3, rejected = ?4, alerts = ?5, new_alerts = ?6, moved_to = ?7, "
        "reason = ?8 WHERE id = ?1",
        -1, &st, NULL);
    if (rc != SQLITE_OK)
        return pws_fail(s, rc, "writing the spool journal", err);
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_text(st, 2, f->failed ? "failed" : "done", -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, f->records);
    sqlite3_bind_int64(st, 4, f->rejected);
    sqlite3_bind_int64(st, 5, f->alerts);
    sqlite3_bind_int64(st, 6, f->new_alerts);
    sqlite3_bind_text(st, 7, f->moved_to, -1, SQLITE_TRANSIENT);
    if (f->reason && *f->reason)
        sqlite3_bind_text(st, 8, f->reason, -1, SQLITE_TRANSIENT);
    return run_once(s, st, "writing the spool journal", err);
}
