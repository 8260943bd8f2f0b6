/*
 * The SQLite store: connection setup, cached statements, screening transactions,
 * records, alerts, dead letters, the audit log and row counts. Watchlist imports and
 * loading live in watchlist.c, the schema and its migrations in schema.c.
 *
 * Design:
 *  - One connection per pw_store, opened without SQLite's own mutex (a store belongs
 *    to one thread at a time), in WAL mode with synchronous=FULL: input is
 *    acknowledged once committed, so a commit must survive a power cut, and WAL keeps
 *    readers running beside the single writer. Foreign keys are on; a busy timeout
 *    makes writers wait for each other instead of failing at once, and a writer that
 *    still finds the database locked says so in words.
 *  - Every statement is prepared once, on first use, with SQLITE_PREPARE_PERSISTENT
 *    and cached in s->stmts by an enum id; after each use it is reset and its
 *    bindings cleared (so text bound with SQLITE_STATIC is never referenced later).
 *  - The write-ahead log is checkpointed every 16,384 pages, not SQLite's 1,000 (see
 *    pw_store_open), and records, alerts, hits and audit rows are stamped by the store
 *    (pws_utc_now), not by a column default SQLite would format for every row: both
 *    for the screening writer, the one serial stage of the pipeline.
 *  - Writers start with BEGIN IMMEDIATE: in WAL mode a deferred transaction that
 *    reads first and then writes can fail with SQLITE_BUSY without waiting.
 *  - Idempotent writes use ON CONFLICT(key) DO NOTHING rather than INSERT OR IGNORE:
 *    OR IGNORE would also swallow NOT NULL and CHECK violations, silently dropping a
 *    bad row.
 *  - An alert is written inside a SAVEPOINT (its record, the alert, its hits, the
 *    audit row), so it is stored whole or not at all, in or outside a transaction.
 */
#include "store/store_internal.h"

#include "store/schema.h"

#include <limits.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_BUSY_MS 5000
#define DEFAULT_ACTOR "paxwatch"

/* ---- enumerations as stored text (see store_internal.h) -------------------- */

const char *const pws_entry_types[] = {"individual", "entity", "vessel", "aircraft"};
const char *const pws_name_kinds[] = {"primary", "alias", "original_script"};
const char *const pws_qualities[] = {"unknown", "good", "low"};
const char *const pws_dob_kinds[] = {"exact", "approx", "range"};
const char *const pws_severities[] = {"none", "low", "medium", "high", "critical"};

/* ---- statements ------------------------------------------------------------ */

#define CURRENT_VERSIONS                                                                           \
    "SELECT w.name, w.current_version, v.id FROM watchlists w "                                    \
    "JOIN watchlist_versions v ON v.list_id = w.id AND v.version = w.current_version "

/* The child queries return rows ordered by the entry's rowid, like ST_LOAD_ENTRIES. */
#define CHILD_QUERY(cols, table)                                                                   \
    "SELECT c.entry, " cols " FROM entries e JOIN " table " c ON c.entry = e.id "                  \
    "WHERE e.list_version_id = ?1 ORDER BY e.id, c.ordinal"

static const char *const stmt_sql[ST__COUNT] = {
    [ST_BEGIN] = "BEGIN",
    [ST_BEGIN_IMMEDIATE] = "BEGIN IMMEDIATE",
    [ST_COMMIT] = "COMMIT",
    [ST_ROLLBACK] = "ROLLBACK",
    [ST_SAVEPOINT] = "SAVEPOINT pw_store",
    [ST_RELEASE] = "RELEASE pw_store",
    [ST_ROLLBACK_TO] = "ROLLBACK TO pw_store",
    [ST_LIST_FIND] = "SELECT id FROM watchlists WHERE name = ?1",
    [ST_LIST_INSERT] = "INSERT INTO watchlists(name) VALUES (?1)",
    [ST_LIST_SET_CURRENT] = "UPDATE watchlists SET current_version = ?2 WHERE id = ?1",
    [ST_VERSION_NEXT] =
        "SELECT coalesce(max(version), 0) + 1 FROM watchlist_versions WHERE list_id = ?1",
    [ST_VERSION_INSERT] = "INSERT INTO watchlist_versions(list_id, version, format, sources) "
                          "VALUES (?1, ?2, ?3, ?4)",
    [ST_VERSION_SUPERSEDE] = "UPDATE watchlist_versions SET status = 'superseded' "
                             "WHERE list_id = ?1 AND status = 'current'",
    [ST_VERSION_FINISH] = "UPDATE watchlist_versions SET status = 'current', n_entries = ?2, "
                          "n_individuals = ?3, n_entities = ?4, n_rejected = ?5 WHERE id = ?1",
    [ST_ENTRY_INSERT] = "INSERT INTO entries(list_version_id, entry_id, type, category, "
                        "severity, gender, birth_place, remarks, source_ref) "
                        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    [ST_ENTRY_DELETE] = "DELETE FROM entries WHERE id = ?1",
    [ST_NAME_INSERT] = "INSERT INTO entry_names(entry, ordinal, kind, quality, full_name, "
                       "surname, given) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    [ST_DOB_INSERT] = "INSERT INTO entry_dobs(entry, ordinal, kind, from_date, to_date) "
                      "VALUES (?1, ?2, ?3, ?4, ?5)",
    [ST_NAT_INSERT] = "INSERT INTO entry_nationalities(entry, ordinal, alpha3) VALUES (?1, ?2, ?3)",
    [ST_DOC_INSERT] = "INSERT INTO entry_documents(entry, ordinal, type, number, issuer, "
                      "expiry, issued) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    [ST_LISTS_CURRENT] = CURRENT_VERSIONS "ORDER BY w.name",
    [ST_LIST_CURRENT] = CURRENT_VERSIONS "WHERE w.name = ?1",
    [ST_LOAD_ENTRIES] = "SELECT id, entry_id, type, category, severity, gender, "
                        "birth_place, remarks, source_ref FROM entries "
                        "WHERE list_version_id = ?1 ORDER BY id",
    [ST_LOAD_NAMES] =
        CHILD_QUERY("c.kind, c.quality, c.full_name, c.surname, c.given", "entry_names"),
    [ST_LOAD_DOBS] = CHILD_QUERY("c.kind, c.from_date, c.to_date", "entry_dobs"),
    [ST_LOAD_NATS] = CHILD_QUERY("c.alpha3", "entry_nationalities"),
    [ST_LOAD_DOCS] =
        CHILD_QUERY("c.type, c.number, c.issuer, c.expiry, c.issued", "entry_documents"),
    [ST_WATCHLISTS] = "SELECT w.name, w.current_version, v.n_entries, v.n_individuals, "
                      "v.n_entities, v.format, v.imported_at, v.sources FROM watchlists w "
                      "JOIN watchlist_versions v "
                      "ON v.list_id = w.id AND v.version = w.current_version ORDER BY w.name",
    [ST_RECORD_INSERT] =
        "INSERT INTO record_rows(record_id, role, carrier, flight_number, origin, destination, "
        "departure, arrival, surname, given_names, full_name, gender, dob, nationality, "
        "source_file, source_line, json, screened_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, "
        "?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18) ON CONFLICT(record_id) DO NOTHING",
    [ST_RECORD_GROUP_KEYS] = "SELECT id, record_keys FROM record_batches "
                             "WHERE record_group = ?1 AND id > ?2 ORDER BY id",
    [ST_RECORD_BATCH_INSERT] =
        "INSERT INTO record_batches(carrier, flight_number, origin, destination, departure, "
        "arrival, source_file, first_line, last_line, n_records, records, screened_at, "
        "record_group, record_keys) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, "
        "?13, ?14)",
    [ST_ALERT_INSERT] =
        "INSERT INTO alerts(alert_id, key, record_id, state, severity, score, carrier, "
        "flight_number, origin, destination, departure, created_at, updated_at) VALUES (?1, "
        "?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12) ON CONFLICT(key) DO NOTHING",
    [ST_ALERT_FIND] = "SELECT id, alert_id, severity, score FROM alerts WHERE key = ?1",
    [ST_ALERT_UPDATE] = "UPDATE alerts SET severity = ?2, score = ?3, updated_at = ?4 WHERE id = ?1",
    [ST_HIT_INSERT] =
        "INSERT INTO alert_hits(alert, type, rule_id, rule_version, score, severity, list, "
        "list_version, entry_id, entry_name, matched_name, explanation, created_at) VALUES "
        "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13) "
        "ON CONFLICT(alert, type, rule_id, list, entry_id) DO NOTHING",
    [ST_DEAD_LETTER_INSERT] =
        "INSERT INTO dead_letters(kind, source, line, field, reason, raw, list_version_id, key) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT(key) DO NOTHING",
    [ST_AUDIT_INSERT] =
        "INSERT INTO audit(actor, action, object, detail, at) VALUES (?1, ?2, ?3, ?4, ?5)",
};

/* ---- the store ------------------------------------------------------------- */

/* Turns SQLite's last error into PW_EDB, naming the database file and what was being
 * done; a busy or locked database gets a sentence of its own. */
int pws_fail(pw_store *s, int sqlite_rc, const char *what, pw_error *err)
{
    int primary = sqlite_rc & 0xff;
    if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED)
        return pw_error_set(err, PW_EDB, s->path, 0, 0,
                            "%s: database is locked: another process or connection is "
                            "writing to it (waited %d ms); try again when it has finished",
                            what, s->busy_ms);
    const char *msg = sqlite3_errmsg(s->db);
    if (!msg || !*msg || strcmp(msg, "not an error") == 0)
        msg = sqlite3_errstr(sqlite_rc);
    return pw_error_set(err, PW_EDB, s->path, 0, 0, "%s: %s", what, msg);
}

/* The cached statement id, prepared on first use. */
int pws_stmt(pw_store *s, enum stmt_id id, sqlite3_stmt **out, pw_error *err)
{
    if (!s->stmts[id]) {
        int rc = sqlite3_prepare_v3(s->db, stmt_sql[id], -1, SQLITE_PREPARE_PERSISTENT,
                                    &s->stmts[id], NULL);
        if (rc != SQLITE_OK) {
            s->stmts[id] = NULL;
            return pws_fail(s, rc, "preparing a statement", err);
        }
    }
    *out = s->stmts[id];
    s->bind_rc = SQLITE_OK;
    return 0;
}

void pws_done(sqlite3_stmt *st)
{
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
}

void pws_utc_now(pw_store *s, char out[25])
{
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    if (ts.tv_sec != s->stamp_second || !s->stamp_prefix[0]) {
        gmtime_r(&ts.tv_sec, &tm);
        strftime(s->stamp_prefix, sizeof s->stamp_prefix, "%Y-%m-%dT%H:%M:%S", &tm);
        s->stamp_second = ts.tv_sec;
    }
    long ms = ts.tv_nsec / 1000000;
    memcpy(out, s->stamp_prefix, 19);
    out[19] = '.';
    out[20] = (char)('0' + ms / 100);
    out[21] = (char)('0' + ms / 10 % 10);
    out[22] = (char)('0' + ms % 10);
    out[23] = 'Z';
    out[24] = '\0';
}


/* Binding helpers: NULL text binds SQL NULL; a failure is remembered in s->bind_rc
 * and reported by the next pws_step(). Text is bound SQLITE_STATIC: every caller clears
 * the bindings (pws_done) before the text goes away. */
void pws_bind_text(pw_store *s, sqlite3_stmt *st, int i, const char *text)
{
    int rc = text ? sqlite3_bind_text(st, i, text, -1, SQLITE_STATIC) : sqlite3_bind_null(st, i);
    if (rc != SQLITE_OK && s->bind_rc == SQLITE_OK)
        s->bind_rc = rc;
}

void pws_bind_textn(pw_store *s, sqlite3_stmt *st, int i, const char *text, size_t len)
{
    int rc = !text            ? sqlite3_bind_null(st, i)
             : len > INT_MAX ? SQLITE_TOOBIG
                              : sqlite3_bind_text(st, i, text, (int)len, SQLITE_STATIC);
    if (rc != SQLITE_OK && s->bind_rc == SQLITE_OK)
        s->bind_rc = rc;
}

void pws_bind_blob(pw_store *s, sqlite3_stmt *st, int i, const void *data, size_t len)
{
    int rc = len > INT_MAX ? SQLITE_TOOBIG
                           : sqlite3_bind_blob(st, i, data, (int)len, SQLITE_STATIC);
    if (rc != SQLITE_OK && s->bind_rc == SQLITE_OK)
        s->bind_rc = rc;
}

void pws_bind_int(pw_store *s, sqlite3_stmt *st, int i, sqlite3_int64 v)
{
    int rc = sqlite3_bind_int64(st, i, v);
    if (rc != SQLITE_OK && s->bind_rc == SQLITE_OK)
        s->bind_rc = rc;
}

void pws_bind_double(pw_store *s, sqlite3_stmt *st, int i, double v)
{
    int rc = sqlite3_bind_double(st, i, v);
    if (rc != SQLITE_OK && s->bind_rc == SQLITE_OK)
        s->bind_rc = rc;
}

/* sqlite3_step, unless a bind failed since pws_stmt(): a statement is always bound and then
 * stepped before the next pws_stmt() call. */
int pws_step(pw_store *s, sqlite3_stmt *st)
{
    if (s->bind_rc != SQLITE_OK) {
        int rc = s->bind_rc;
        s->bind_rc = SQLITE_OK;
        return rc;
    }
    return sqlite3_step(st);
}

/* Steps a statement that returns no rows (or whose rows do not matter), then resets
 * it. */
int pws_run(pw_store *s, sqlite3_stmt *st, const char *what, pw_error *err)
{
    int rc = pws_step(s, st);
    int ret = 0;
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        ret = pws_fail(s, rc, what, err);
    pws_done(st);
    return ret;
}

/* Runs one of the parameterless cached statements (BEGIN, COMMIT, SAVEPOINT ...). */
int pws_run_id(pw_store *s, enum stmt_id id, const char *what, pw_error *err)
{
    sqlite3_stmt *st = NULL;
    int rc = pws_stmt(s, id, &st, err);
    return rc ? rc : pws_run(s, st, what, err);
}

/* Runs one pragma or other parameterless SQL with a text result copied into out. */
static int query_text(pw_store *s, const char *sql, char *out, size_t size, pw_error *err)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
    if (rc != SQLITE_OK)
        return pws_fail(s, rc, "opening the database", err);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        const char *text = (const char *)sqlite3_column_text(st, 0);
        snprintf(out, size, "%s", text ? text : "");
        rc = 0;
    } else if (rc == SQLITE_DONE) {
        out[0] = '\0';
        rc = 0;
    } else {
        rc = pws_fail(s, rc, "opening the database", err);
    }
    sqlite3_finalize(st);
    return rc;
}

/* ":memory:" and URI in-memory databases cannot use WAL. */
static bool is_memory_path(const char *path)
{
    return strcmp(path, ":memory:") == 0 || strncmp(path, "file::memory:", 13) == 0 ||
           strstr(path, "mode=memory") != NULL;
}

/* Opens the connection, migrates the schema (before switching the journal mode, so a
 * file that is not ours is refused untouched), then sets WAL, synchronous=FULL and
 * foreign keys, checking that each took effect. */
int pw_store_open(const char *path, pw_store **out, pw_error *err)
{
    int rc;
    char value[32];
    *out = NULL;
    if (!path || !*path)
        return pw_error_set(err, PW_EINVAL, NULL, 0, 0, "no database path given");
    pw_store *s = calloc(1, sizeof *s);
    if (!s || !(s->path = strdup(path))) {
        free(s);
        return pw_error_set(err, PW_ENOMEM, path, 0, 0, "out of memory");
    }
    snprintf(s->actor, sizeof s->actor, "%s", DEFAULT_ACTOR);
    s->busy_ms = DEFAULT_BUSY_MS;

    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI;
    rc = sqlite3_open_v2(path, &s->db, flags, NULL);
    if (rc != SQLITE_OK) {
        rc = pw_error_set(err, PW_EDB, path, 0, 0, "cannot open the database: %s",
                          s->db ? sqlite3_errmsg(s->db) : "out of memory");
        goto fail;
    }
    sqlite3_extended_result_codes(s->db, 1);
    sqlite3_busy_timeout(s->db, s->busy_ms);

    if ((rc = pw_schema_migrate(s->db, path, err)) != 0)
        goto fail;

    if ((rc = query_text(s, "PRAGMA journal_mode = WAL", value, sizeof value, err)) != 0)
        goto fail;
    if (strcmp(value, "wal") != 0 && !is_memory_path(path)) {
        rc = pw_error_set(err, PW_EDB, path, 0, 0,
                          "cannot switch the database to WAL mode (journal mode is %s); is it "
                          "on a network file system?",
                          value);
        goto fail;
    }
    if ((rc = query_text(s, "PRAGMA synchronous = FULL", value, sizeof value, err)) != 0)
        goto fail;
    if ((rc = query_text(s, "PRAGMA foreign_keys = ON", value, sizeof value, err)) != 0)
        goto fail;
    /* A page cache of 64 MiB (SQLite's default is 2 MiB): the screening writer inserts
     * records under a random unique key (the content hash), so with the default cache
     * most inserts read an index page back from the file, and the writer is the one
     * serial stage of the pipeline. */
    if ((rc = query_text(s, "PRAGMA cache_size = -65536", value, sizeof value, err)) != 0)
        goto fail;
    /* The write-ahead log is copied into the database (a checkpoint: page writes and
     * an fsync, in whichever commit crosses the limit) every 16,384 pages (64 MiB)
     * instead of SQLite's 1,000: screening every record rewrites the same index pages
     * commit after commit, and each checkpoint copied them again (50,000 records: 14
     * fsyncs instead of 31, 15-30% more records a second). The price: the commit that
     * crosses the limit waits for a larger copy, and the log file is kept at 64 MiB at
     * most once checkpointed. */
    if ((rc = query_text(s, "PRAGMA wal_autocheckpoint = 16384", value, sizeof value, err)) != 0 ||
        (rc = query_text(s, "PRAGMA journal_size_limit = 67108864", value, sizeof value, err)) !=
            0)
        goto fail;
    if ((rc = query_text(s, "PRAGMA foreign_keys", value, sizeof value, err)) != 0)
        goto fail;
    if (strcmp(value, "1") != 0) {
        rc = pw_error_set(err, PW_EDB, path, 0, 0,
                          "this SQLite library cannot enforce foreign keys");
        goto fail;
    }
    s->imp.s = s;
    *out = s;
    return 0;

fail:
    pw_store_close(s);
    return rc;
}

void pw_store_close(pw_store *s)
{
    if (!s)
        return;
    for (int i = 0; i < ST__COUNT; i++)
        sqlite3_finalize(s->stmts[i]);
    /* An open transaction (an unfinished import) is rolled back by sqlite3_close. */
    sqlite3_close(s->db);
    pw_strbuf_free(&s->buf);
    free(s->path);
    free(s);
}

int pw_store_schema_version(pw_store *s)
{
    return pw_schema_version(s->db);
}

void pw_store_set_actor(pw_store *s, const char *actor)
{
    snprintf(s->actor, sizeof s->actor, "%s", actor && *actor ? actor : DEFAULT_ACTOR);
}

void pw_store_set_busy_timeout(pw_store *s, int ms)
{
    s->busy_ms = ms < 0 ? 0 : ms;
    sqlite3_busy_timeout(s->db, s->busy_ms);
}

int pw_store_set_temp_in_memory(pw_store *s, bool on, pw_error *err)
{
    char value[16];
    return query_text(s, on ? "PRAGMA temp_store = MEMORY" : "PRAGMA temp_store = DEFAULT", value,
                      sizeof value, err);
}
/* ---- audit ------------------------------------------------------------------- */

int pw_store_audit(pw_store *s, const char *actor, const char *action, const char *object,
                   const char *detail, pw_error *err)
{
    sqlite3_stmt *st = NULL;
    int rc;
    if (!action || !*action)
        return pw_error_set(err, PW_EINVAL, NULL, 0, 0, "audit row without an action");
    if ((rc = pws_stmt(s, ST_AUDIT_INSERT, &st, err)) != 0)
        return rc;
    pws_bind_text(s, st, 1, actor && *actor ? actor : s->actor);
    pws_bind_text(s, st, 2, action);
    pws_bind_text(s, st, 3, object);
    pws_bind_text(s, st, 4, detail);
    char now[25];
    pws_utc_now(s, now);
    pws_bind_text(s, st, 5, now);
    return pws_run(s, st, "writing the audit log", err);
}
/* ---- dead letters ------------------------------------------------------------ */

/* One dead-letter row; list_version_id is 0 outside an import. */
int pws_put_dead_letter(pw_store *s, const pw_reject *rej, sqlite3_int64 list_version_id,
                        const char *default_kind, pw_error *err)
{
    sqlite3_stmt *st = NULL;
    int rc;
    if (!rej)
        return pw_error_set(err, PW_EINVAL, NULL, 0, 0, "no rejected input given");
    if ((rc = pws_stmt(s, ST_DEAD_LETTER_INSERT, &st, err)) != 0)
        return rc;
    const char *kind = rej->kind && *rej->kind ? rej->kind : default_kind;
    const char *reason = rej->reason && *rej->reason ? rej->reason : "rejected";
    /* The key: the same rejection of the same bytes from the same source (and list
     * version) is one row, however often that input is screened again. */
    char line[24], version[24], key[33];
    snprintf(line, sizeof line, "%ld", rej->line);
    snprintf(version, sizeof version, "%lld", (long long)list_version_id);
    const char *parts[] = {kind,   rej->source ? rej->source : "", line, rej->field ? rej->field : "",
                           reason, rej->raw ? rej->raw : "",       version};
    pw_hash_hex(parts, sizeof parts / sizeof parts[0], key);
    pws_bind_text(s, st, 1, kind);
    pws_bind_text(s, st, 2, rej->source);
    if (rej->line > 0)
        pws_bind_int(s, st, 3, rej->line);
    pws_bind_text(s, st, 4, rej->field);
    pws_bind_text(s, st, 5, reason);
    pws_bind_text(s, st, 6, rej->raw);
    if (list_version_id > 0)
        pws_bind_int(s, st, 7, list_version_id);
    pws_bind_text(s, st, 8, key);
    return pws_run(s, st, "writing a dead letter", err);
}

int pw_store_put_dead_letter(pw_store *s, const pw_reject *rej, pw_error *err)
{
    return pws_put_dead_letter(s, rej, 0, "record", err);
}
/* ---- screening transactions --------------------------------------------------------- */

int pw_store_begin(pw_store *s, pw_error *err)
{
    if (s->imp.active)
        return pw_error_set(err, PW_EINVAL, NULL, 0, 0,
                            "cannot start a transaction during an import");
    return pws_run_id(s, ST_BEGIN_IMMEDIATE, "starting a transaction", err);
}

int pw_store_commit(pw_store *s, pw_error *err)
{
    return pws_run_id(s, ST_COMMIT, "committing", err);
}

int pw_store_rollback(pw_store *s)
{
    if (sqlite3_get_autocommit(s->db))
        return 0;
    return pws_run_id(s, ST_ROLLBACK, "rolling back", NULL);
}

/* ---- records ------------------------------------------------------------------------ */

int pw_store_put_record(pw_store *s, const pw_record *r, bool *inserted, pw_error *err)
{
    if (!r)
        return pw_error_set(err, PW_EINVAL, NULL, 0, 0, "no record given");
    pw_strbuf_reset(&s->buf);
    pw_record_to_json(r, &s->buf);
    if (s->buf.oom || !s->buf.data)
        return pw_error_set(err, PW_ENOMEM, NULL, 0, 0, "out of memory");
    return pw_store_put_record_json(s, r, s->buf.data, s->buf.len, inserted, err);
}

int pw_store_put_record_json(pw_store *s, const pw_record *r, const char *json, size_t len,
                             bool *inserted, pw_error *err)
{
    sqlite3_stmt *st = NULL;
    char content_id[33], dob[11], now[25];
    char gender[2] = {0, 0};
    int rc;
    if (inserted)
        *inserted = false;
    if (!r || !json)
        return pw_error_set(err, PW_EINVAL, NULL, 0, 0, "no record given");
    const char *record_id = r->record_id;
    if (!record_id || !*record_id) {
        pw_record_content_id(r, content_id);
        record_id = content_id;
    }
    const pw_traveller *t = &r->traveller;
    gender[0] = t->gender;
    pw_date_format(t->dob, dob);

    if ((rc = pws_stmt(s, ST_RECORD_INSERT, &st, err)) != 0)
        return rc;
    pws_bind_text(s, st, 1, record_id);
    pws_bind_text(s, st, 2, pw_role_name(t->role));
    pws_bind_text(s, st, 3, r->flight.carrier);
    pws_bind_text(s, st, 4, r->flight.number);
    pws_bind_text(s, st, 5, r->flight.origin);
    pws_bind_text(s, st, 6, r->flight.destination);
    pws_bind_text(s, st, 7, r->flight.departure);
    pws_bind_text(s, st, 8, r->flight.arrival);
    pws_bind_text(s, st, 9, t->surname);
    pws_bind_text(s, st, 10, t->given_names);
    pws_bind_text(s, st, 11, t->full_name);
    pws_bind_text(s, st, 12, t->gender ? gender : NULL);
    pws_bind_text(s, st, 13, dob[0] ? dob : NULL);
    pws_bind_text(s, st, 14, t->nationality);
    pws_bind_text(s, st, 15, r->source_file);
    if (r->source_line > 0)
        pws_bind_int(s, st, 16, r->source_line);
    pws_bind_textn(s, st, 17, json, len);
    pws_utc_now(s, now);
    pws_bind_text(s, st, 18, now);
    if ((rc = pws_run(s, st, "storing a record", err)) != 0)
        return rc;
    if (inserted)
        *inserted = sqlite3_changes(s->db) > 0;
    return 0;
}

/* ---- alerts --------------------------------------------------------------------------- */

static bool score_ok(double score)
{
    return score >= 0.0 && score <= 1.0; /* false for NaN too */
}

/* Checks an alert before writing it; hits need a known type and a score in [0, 1]. */
static int validate_alert(const pw_alert *a, pw_error *err)
{
    if (!a->key[0] || !a->alert_id[0])
        return pw_error_set(err, PW_EINVAL, NULL, 0, 0,
                            "alert without a key (call pw_alert_make_key)");
    if (!a->record)
        return pw_error_set(err, PW_EINVAL, NULL, 0, 0, "alert %s has no record", a->alert_id);
    if (!score_ok(a->score) ||
        !pws_enum_text(pws_severities, PWS_COUNT(pws_severities), (int)a->severity))
        return pw_error_set(err, PW_EINVAL, NULL, 0, 0,
                            "alert %s: score must be in [0, 1] and severity known", a->alert_id);
    if (a->n_hits && !a->hits)
        return pw_error_set(err, PW_EINVAL, NULL, 0, 0, "alert %s: hits missing", a->alert_id);
    for (size_t i = 0; i < a->n_hits; i++) {
        const pw_hit *h = &a->hits[i];
        if (!h->type || (strcmp(h->type, "watchlist") != 0 && strcmp(h->type, "rule") != 0))
            return pw_error_set(err, PW_EINVAL, NULL, 0, 0,
                                "alert %s: hit %zu has type \"%s\" (watchlist or rule)",
                                a->alert_id, i + 1, h->type ? h->type : "");
        if (!score_ok(h->score) ||
            !pws_enum_text(pws_severities, PWS_COUNT(pws_severities), (int)h->severity))
            return pw_error_set(err, PW_EINVAL, NULL, 0, 0,
                                "alert %s: hit %zu: score must be in [0, 1] and severity known",
                                a->alert_id, i + 1);
    }
    return 0;
}

/* Adds the alert's hits that it does not have yet; *added counts them. */
static int put_hits(pw_store *s, const pw_alert *a, sqlite3_int64 alert_row, int *added,
                    pw_error *err)
{
    sqlite3_stmt *st = NULL;
    int rc;
    char now[25];
    pws_utc_now(s, now);
    *added = 0;
    for (size_t i = 0; i < a->n_hits; i++) {
        const pw_hit *h = &a->hits[i];
        if ((rc = pws_stmt(s, ST_HIT_INSERT, &st, err)) != 0)
            return rc;
        pws_bind_int(s, st, 1, alert_row);
        pws_bind_text(s, st, 2, h->type);
        pws_bind_text(s, st, 3, h->rule_id ? h->rule_id : "");
        pws_bind_int(s, st, 4, h->rule_version);
        pws_bind_double(s, st, 5, h->score);
        pws_bind_text(s, st, 6, pws_severities[h->severity]);
        pws_bind_text(s, st, 7, h->list ? h->list : "");
        if (h->list)
            pws_bind_int(s, st, 8, h->list_version);
        pws_bind_text(s, st, 9, h->entry_id ? h->entry_id : "");
        pws_bind_text(s, st, 10, h->entry_name);
        pws_bind_text(s, st, 11, h->matched_name);
        pws_bind_text(s, st, 12, h->explanation);
        pws_bind_text(s, st, 13, now);
        if ((rc = pws_run(s, st, "storing an alert hit", err)) != 0)
            return rc;
        *added += sqlite3_changes(s->db);
    }
    return 0;
}

/* Raises an existing alert's severity and score to the new alert's when higher and
 * touches updated_at; called when hits were added. */
static int update_alert(pw_store *s, sqlite3_int64 row, const char *old_sev, double old_score,
                        const pw_alert *a, pw_error *err)
{
    sqlite3_stmt *st = NULL;
    int rc;
    int sev = pws_enum_index(pws_severities, PWS_COUNT(pws_severities), old_sev);
    if (sev < (int)a->severity)
        sev = (int)a->severity;
    if ((rc = pws_stmt(s, ST_ALERT_UPDATE, &st, err)) != 0)
        return rc;
    pws_bind_int(s, st, 1, row);
    pws_bind_text(s, st, 2, pws_severities[sev]);
    pws_bind_double(s, st, 3, a->score > old_score ? a->score : old_score);
    char now[25];
    pws_utc_now(s, now);
    pws_bind_text(s, st, 4, now);
    return pws_run(s, st, "updating an alert", err);
}

/* The alert's audit row: ids and counts only, never personal data. */
static int audit_alert(pw_store *s, const pw_alert *a, const char *action, int hits,
                       const char *record_id, pw_error *err)
{
    char object[64];
    snprintf(object, sizeof object, "alert:%s", a->alert_id);
    pw_strbuf_reset(&s->buf);
    pw_strbuf_append(&s->buf, "{\"record_id\":");
    pw_strbuf_append_json(&s->buf, record_id);
    pw_strbuf_printf(&s->buf, ",\"hits\":%d,\"severity\":\"%s\",\"score\":%.4f}", hits,
                     pws_severities[a->severity], a->score);
    if (s->buf.oom)
        return pw_error_set(err, PW_ENOMEM, NULL, 0, 0, "out of memory");
    return pw_store_audit(s, NULL, action, object, s->buf.data, err);
}

/* Stores the alert's record (if new), then the alert (if new, with an "alert.create"
 * audit row) and the hits it does not have yet; an existing alert that gains hits is
 * updated and audited as "alert.update". All inside one savepoint, so the alert and
 * its hits are written together or not at all, in or outside a transaction. */
int pw_store_put_alert(pw_store *s, const pw_alert *alert, bool *created, int *new_hits,
                       pw_error *err)
{
    sqlite3_stmt *st = NULL;
    sqlite3_int64 row = 0;
    char old_sev[16] = "none";
    double old_score = 0;
    bool is_new = false;
    int added = 0, rc;
    char content_id[33];

    if (created)
        *created = false;
    if (new_hits)
        *new_hits = 0;
    if (!alert)
        return pw_error_set(err, PW_EINVAL, NULL, 0, 0, "no alert given");
    if ((rc = validate_alert(alert, err)) != 0)
        return rc;
    const pw_record *r = alert->record;
    const char *record_id = r->record_id;
    if (!record_id || !*record_id) {
        pw_record_content_id(r, content_id);
        record_id = content_id;
    }

    if ((rc = pws_run_id(s, ST_SAVEPOINT, "storing an alert", err)) != 0)
        return rc;
    if ((rc = pw_store_put_record(s, r, NULL, err)) != 0)
        goto fail;

    if ((rc = pws_stmt(s, ST_ALERT_INSERT, &st, err)) != 0)
        goto fail;
    pws_bind_text(s, st, 1, alert->alert_id);
    pws_bind_text(s, st, 2, alert->key);
    pws_bind_text(s, st, 3, record_id);
    pws_bind_text(s, st, 4, alert->state && *alert->state ? alert->state : "new");
    pws_bind_text(s, st, 5, pws_severities[alert->severity]);
    pws_bind_double(s, st, 6, alert->score);
    pws_bind_text(s, st, 7, r->flight.carrier);
    pws_bind_text(s, st, 8, r->flight.number);
    pws_bind_text(s, st, 9, r->flight.origin);
    pws_bind_text(s, st, 10, r->flight.destination);
    pws_bind_text(s, st, 11, r->flight.departure);
    char now[25];
    pws_utc_now(s, now);
    pws_bind_text(s, st, 12, now);
    if ((rc = pws_run(s, st, "storing an alert", err)) != 0)
        goto fail;
    is_new = sqlite3_changes(s->db) > 0;

    if (is_new) {
        row = sqlite3_last_insert_rowid(s->db);
    } else {
        if ((rc = pws_stmt(s, ST_ALERT_FIND, &st, err)) != 0)
            goto fail;
        pws_bind_text(s, st, 1, alert->key);
        rc = pws_step(s, st);
        if (rc == SQLITE_ROW) {
            row = sqlite3_column_int64(st, 0);
            const char *sev = (const char *)sqlite3_column_text(st, 2);
            snprintf(old_sev, sizeof old_sev, "%s", sev ? sev : "none");
            old_score = sqlite3_column_double(st, 3);
            rc = 0;
        } else {
            rc = rc == SQLITE_DONE
                     ? pw_error_set(err, PW_EINTERNAL, s->path, 0, 0,
                                    "alert %s vanished while being stored", alert->alert_id)
                     : pws_fail(s, rc, "finding an alert", err);
        }
        pws_done(st);
        if (rc)
            goto fail;
    }

    if ((rc = put_hits(s, alert, row, &added, err)) != 0)
        goto fail;
    if (is_new)
        rc = audit_alert(s, alert, "alert.create", added, record_id, err);
    else if (added > 0 && (rc = update_alert(s, row, old_sev, old_score, alert, err)) == 0)
        rc = audit_alert(s, alert, "alert.update", added, record_id, err);
    if (rc)
        goto fail;
    if ((rc = pws_run_id(s, ST_RELEASE, "storing an alert", err)) != 0)
        goto fail;
    if (created)
        *created = is_new;
    if (new_hits)
        *new_hits = added;
    return 0;

fail:
    if (!sqlite3_get_autocommit(s->db)) {
        pws_run_id(s, ST_ROLLBACK_TO, "rolling back an alert", NULL);
        pws_run_id(s, ST_RELEASE, "rolling back an alert", NULL);
    }
    return rc;
}

/* ---- counting ------------------------------------------------------------------------- */

/* Counts a table's rows. The name must be one of the schema's tables: it is pasted
 * into SQL, so anything else is refused rather than quoted. */
long pw_store_count(pw_store *s, const char *table)
{
    char sql[96];
    sqlite3_stmt *st = NULL;
    long n = -1;
    bool known = false;
    for (size_t i = 0; table && pw_schema_tables[i]; i++)
        if (strcmp(pw_schema_tables[i], table) == 0)
            known = true;
    if (!s || !known)
        return -1;
    snprintf(sql, sizeof sql, "SELECT count(*) FROM \"%s\"", table);
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return -1;
    if (sqlite3_step(st) == SQLITE_ROW)
        n = (long)sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}
