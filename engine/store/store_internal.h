/*
 * store/store_internal: what store.c (connection, statements, records, alerts, audit,
 * dead letters) and watchlist.c (imports, loading entries) share. Internal to the
 * store module; see store.c for the design.
 */
#ifndef PW_STORE_INTERNAL_H
#define PW_STORE_INTERNAL_H

#include "store/schema.h"
#include "store/store.h"

#include <sqlite3.h>
#include <string.h>
#include <time.h>

/* ---- enumerations as stored text ------------------------------------------ */

/* The database spells enumerations itself (the CHECK constraints in schema.c list the
 * same words, in enum order) so that a change of display name in core never changes
 * the file. */
extern const char *const pws_entry_types[4];
extern const char *const pws_name_kinds[3];
extern const char *const pws_qualities[3];
extern const char *const pws_dob_kinds[3];
extern const char *const pws_severities[5];

#define PWS_COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Index of text in names, or -1. */
static inline int pws_enum_index(const char *const *names, size_t n, const char *text)
{
    if (!text)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (strcmp(names[i], text) == 0)
            return (int)i;
    return -1;
}

static inline const char *pws_enum_text(const char *const *names, size_t n, int value)
{
    return value >= 0 && (size_t)value < n ? names[value] : NULL;
}

/* ---- cached statements ----------------------------------------------------- */

enum stmt_id {
    ST_BEGIN,
    ST_BEGIN_IMMEDIATE,
    ST_COMMIT,
    ST_ROLLBACK,
    ST_SAVEPOINT,
    ST_RELEASE,
    ST_ROLLBACK_TO,
    ST_LIST_FIND,
    ST_LIST_INSERT,
    ST_LIST_SET_CURRENT,
    ST_VERSION_NEXT,
    ST_VERSION_INSERT,
    ST_VERSION_SUPERSEDE,
    ST_VERSION_FINISH,
    ST_ENTRY_INSERT,
    ST_ENTRY_DELETE,
    ST_NAME_INSERT,
    ST_DOB_INSERT,
    ST_NAT_INSERT,
    ST_DOC_INSERT,
    ST_LISTS_CURRENT,
    ST_LIST_CURRENT,
    ST_LOAD_ENTRIES,
    ST_LOAD_NAMES,
    ST_LOAD_DOBS,
    ST_LOAD_NATS,
    ST_LOAD_DOCS,
    ST_WATCHLISTS,
    ST_RECORD_INSERT,
    ST_RECORD_GROUP_KEYS,
    ST_RECORD_BATCH_INSERT,
    ST_ALERT_INSERT,
    ST_ALERT_FIND,
    ST_ALERT_UPDATE,
    ST_HIT_INSERT,
    ST_DEAD_LETTER_INSERT,
    ST_AUDIT_INSERT,
    ST__COUNT
};

/* ---- the store ------------------------------------------------------------- */

struct pw_store_import {
    pw_store *s;
    bool active;
    bool failed; /* a DB error happened: commit must fail with fail_err */
    pw_error fail_err;
    sqlite3_int64 list_id;
    sqlite3_int64 version_id;
    int version;
    char list[128];
    long n_entries, n_individuals, n_entities, n_rejected;
    char format[16];
    char sources[512];
};

struct pw_store {
    sqlite3 *db;
    char *path;
    char actor[64];
    int busy_ms;
    int bind_rc; /* first failed sqlite3_bind_* since the last step */
    sqlite3_stmt *stmts[ST__COUNT];
    pw_strbuf buf;       /* record JSON, audit details */
    pw_store_import imp; /* at most one import at a time */
    time_t stamp_second; /* the second stamp_prefix holds (pws_utc_now) */
    char stamp_prefix[24];
};

/* ---- helpers (store.c) ----------------------------------------------------- */

/* The time now as SQLite's strftime('%Y-%m-%dT%H:%M:%fZ', 'now') writes it
 * (2026-11-26T21:58:03.123Z), for columns the application stamps itself: SQLite
 * formats its default afresh for every row, a fifth of what storing a record costs.
 * The date and time up to the second are formatted once a second. */
void pws_utc_now(pw_store *s, char out[25]);

/* Turns SQLite's last error into PW_EDB, naming the database file and what was being
 * done; a busy or locked database gets a sentence of its own. */
int pws_fail(pw_store *s, int sqlite_rc, const char *what, pw_error *err);
/* The cached statement id, prepared on first use. */
int pws_stmt(pw_store *s, enum stmt_id id, sqlite3_stmt **out, pw_error *err);
/* Resets a statement and clears its bindings. */
void pws_done(sqlite3_stmt *st);
/* Binding helpers: NULL text binds SQL NULL; a failure is remembered in s->bind_rc
 * and reported by the next pws_step(). Text is bound SQLITE_STATIC: every caller clears
 * the bindings (pws_done) before the text goes away. */
void pws_bind_text(pw_store *s, sqlite3_stmt *st, int i, const char *text);
void pws_bind_textn(pw_store *s, sqlite3_stmt *st, int i, const char *text, size_t len);
void pws_bind_blob(pw_store *s, sqlite3_stmt *st, int i, const void *data, size_t len);
void pws_bind_int(pw_store *s, sqlite3_stmt *st, int i, sqlite3_int64 v);
void pws_bind_double(pw_store *s, sqlite3_stmt *st, int i, double v);
/* sqlite3_step, unless a bind failed since pws_stmt(): a statement is always bound and then
 * stepped before the next pws_stmt() call. */
int pws_step(pw_store *s, sqlite3_stmt *st);
/* Steps a statement that returns no rows (or whose rows do not matter), then resets
 * it. */
int pws_run(pw_store *s, sqlite3_stmt *st, const char *what, pw_error *err);
/* Runs one of the parameterless cached statements (BEGIN, COMMIT, SAVEPOINT ...). */
int pws_run_id(pw_store *s, enum stmt_id id, const char *what, pw_error *err);
/* Sets how many record keys a batcher holds in memory (batches.c), for tests of what
 * it does past that; the default is about a million. */
void pws_batcher_limit_keys(pw_store_batcher *b, size_t max_keys);
/* One dead-letter row; list_version_id is 0 outside an import. */
int pws_put_dead_letter(pw_store *s, const pw_reject *rej, sqlite3_int64 list_version_id,
                        const char *default_kind, pw_error *err);

#endif
