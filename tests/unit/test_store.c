/*
 * Unit tests for engine/store: opening and migrating databases (including an old-version
 * file built from the first migration script only), watchlist import versions (commit,
 * abort, duplicates, every field read back), the append-only audit log, idempotent
 * records and alerts, dead letters, counting, a locked database, and the load time of
 * ten thousand entries.
 *
 * Each test works in its own temporary directory. Where a test checks what is on disk it
 * opens a second, raw sqlite3 connection, as an analyst's tool would.
 */
#include <criterion/criterion.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/core.h"
#include "store/schema.h"
#include "store/store_internal.h"
#include "store/store.h"

/* ---- fixtures ---------------------------------------------------------------- */

static char dir[64];
static char db_path[128];

static void setup(void)
{
    snprintf(dir, sizeof dir, "/tmp/pw_store_XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    snprintf(db_path, sizeof db_path, "%s/test.db", dir);
}

static void teardown(void)
{
    const char *suffixes[] = {"", "-wal", "-shm", "-journal"};
    char p[160];
    for (size_t i = 0; i < 4; i++) {
        snprintf(p, sizeof p, "%s%s", db_path, suffixes[i]);
        unlink(p);
    }
    rmdir(dir);
}

TestSuite(store, .init = setup, .fini = teardown);

static pw_store *open_store(void)
{
    pw_store *s = NULL;
    pw_error err = {0};
    int rc = pw_store_open(db_path, &s, &err);
    cr_assert_eq(rc, 0, "open: %s", err.msg);
    return s;
}

/* A raw connection to the test database. */
static sqlite3 *raw_open(void)
{
    sqlite3 *db = NULL;
    cr_assert_eq(sqlite3_open(db_path, &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 2000);
    cr_assert_eq(pw_schema_register_functions(db), SQLITE_OK); /* migration 10 uses one */
    return db;
}

/* Runs SQL on a raw connection; returns SQLite's code, copies the message to msg. */
static int raw_exec(sqlite3 *db, const char *sql, char *msg, size_t size)
{
    char *m = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &m);
    if (msg)
        snprintf(msg, size, "%s", m ? m : "");
    sqlite3_free(m);
    return rc;
}

/* The first column of the first row of sql as text (malloc'ed), or NULL. */
static char *raw_text(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st = NULL;
    char *out = NULL;
    cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK, "%s: %s", sql,
                 sqlite3_errmsg(db));
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
        out = strdup((const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return out;
}

static long raw_long(sqlite3 *db, const char *sql)
{
    char *t = raw_text(db, sql);
    long v = t ? strtol(t, NULL, 10) : -1;
    free(t);
    return v;
}

/* ---- entries -------------------------------------------------------------------- */

static pw_date date(int y, int m, int d)
{
    return (pw_date){.year = (int16_t)y, .month = (uint8_t)m, .day = (uint8_t)d};
}

/* An individual using every field, with names in three kinds and two scripts. */
static pw_entry_name rich_names[] = {
    {PW_NAME_PRIMARY, PW_QUALITY_UNKNOWN, "BADEGE, Eric", "BADEGE", "Eric"},
    {PW_NAME_ALIAS, PW_QUALITY_GOOD, "Éric Badégé", NULL, NULL},
    {PW_NAME_ALIAS, PW_QUALITY_LOW, "Le Général", NULL, NULL},
    {PW_NAME_ORIGINAL_SCRIPT, PW_QUALITY_UNKNOWN, "Эрик Бадеге", NULL, NULL},
};
static pw_dob rich_dobs[3];
static const char *rich_nats[] = {"COD", "RWA"};
static pw_document rich_docs[2];

static pw_entry rich_entry(void)
{
    rich_dobs[0] = (pw_dob){PW_DOB_EXACT, date(1971, 1, 12), {0}};
    rich_dobs[1] = (pw_dob){PW_DOB_APPROX, date(1970, 0, 0), {0}};
    rich_dobs[2] = (pw_dob){PW_DOB_RANGE, date(1965, 0, 0), date(1966, 6, 0)};
    rich_docs[0] = (pw_document){"P", "YY3478621G", "FRA", date(2030, 12, 31), date(2020, 1, 2)};
    rich_docs[1] = (pw_document){NULL, "ID-77", NULL, {0}, {0}};
    return (pw_entry){
        .entry_id = "6907993",
        .type = PW_ENTRY_INDIVIDUAL,
        .names = rich_names,
        .n_names = 4,
        .dobs = rich_dobs,
        .n_dobs = 3,
        .nationalities = rich_nats,
        .n_nationalities = 2,
        .gender = 'M',
        .documents = rich_docs,
        .n_documents = 2,
        .birth_place = "Goma",
        .category = "UN 1533",
        .severity = PW_SEV_HIGH,
        .remarks = "said \"le général\"; it's 'him'",
        .source_ref = "un.xml:42",
    };
}

/* An entity with one name and nothing else. */
static pw_entry_name plain_name[] = {
    {PW_NAME_PRIMARY, PW_QUALITY_UNKNOWN, "ACME TRADING", NULL, NULL}};

static pw_entry plain_entry(const char *id)
{
    return (pw_entry){.entry_id = id, .type = PW_ENTRY_ENTITY, .names = plain_name, .n_names = 1};
}

/* Entries seen by a load, deep-copied into a test arena (the store's are valid only
 * during the callback). */
typedef struct seen {
    pw_arena *arena;
    pw_entry items[64];
    size_t n;
    int stop_after; /* 0: never; else return PW_EINTERNAL after that many */
} seen;

static const char *adup(pw_arena *a, const char *s)
{
    return s ? pw_arena_strdup(a, s) : NULL;
}

static int collect(void *ctx, const pw_entry *e, pw_error *err)
{
    seen *sn = ctx;
    (void)err;
    cr_assert_lt(sn->n, 64);
    pw_entry *c = &sn->items[sn->n++];
    pw_arena *a = sn->arena;
    *c = *e;
    c->list = adup(a, e->list);
    c->entry_id = adup(a, e->entry_id);
    c->birth_place = adup(a, e->birth_place);
    c->category = adup(a, e->category);
    c->remarks = adup(a, e->remarks);
    c->source_ref = adup(a, e->source_ref);
    c->names = pw_arena_alloc(a, (e->n_names + 1) * sizeof *c->names);
    for (size_t i = 0; i < e->n_names; i++) {
        c->names[i] = e->names[i];
        c->names[i].full = adup(a, e->names[i].full);
        c->names[i].surname = adup(a, e->names[i].surname);
        c->names[i].given = adup(a, e->names[i].given);
    }
    c->dobs = pw_arena_alloc(a, (e->n_dobs + 1) * sizeof *c->dobs);
    if (e->n_dobs)
        memcpy(c->dobs, e->dobs, e->n_dobs * sizeof *c->dobs);
    c->nationalities = pw_arena_alloc(a, (e->n_nationalities + 1) * sizeof(char *));
    for (size_t i = 0; i < e->n_nationalities; i++)
        c->nationalities[i] = adup(a, e->nationalities[i]);
    c->documents = pw_arena_alloc(a, (e->n_documents + 1) * sizeof *c->documents);
    for (size_t i = 0; i < e->n_documents; i++) {
        c->documents[i] = e->documents[i];
        c->documents[i].type = adup(a, e->documents[i].type);
        c->documents[i].number = adup(a, e->documents[i].number);
        c->documents[i].issuer = adup(a, e->documents[i].issuer);
    }
    if (sn->stop_after && (int)sn->n >= sn->stop_after)
        return PW_EINTERNAL;
    return 0;
}

static void seen_init(seen *sn)
{
    memset(sn, 0, sizeof *sn);
    sn->arena = pw_arena_new(0);
    cr_assert_not_null(sn->arena);
}

static void seen_free(seen *sn)
{
    pw_arena_free(sn->arena);
}

/* Imports entries as a new version of list; returns the version number. */
static int import(pw_store *s, const char *list, const pw_entry *entries, size_t n)
{
    pw_store_import *imp = NULL;
    pw_error err = {0};
    int version = 0;
    cr_assert_eq(pw_store_import_begin(s, list, "csv", "test.csv", &imp, &err), 0, "%s", err.msg);
    for (size_t i = 0; i < n; i++)
        cr_assert_eq(pw_store_import_entry(imp, &entries[i], &err), 0, "%s", err.msg);
    cr_assert_eq(pw_store_import_commit(imp, &version, &err), 0, "%s", err.msg);
    return version;
}

static void load_list(pw_store *s, const char *list, seen *sn)
{
    pw_error err = {0};
    int rc = list ? pw_store_each_list_entry(s, list, collect, sn, &err)
                  : pw_store_each_entry(s, collect, sn, &err);
    cr_assert_eq(rc, 0, "load: %s", err.msg);
}

static void assert_date(pw_date got, pw_date want, const char *what)
{
    cr_assert(got.year == want.year && got.month == want.month && got.day == want.day,
              "%s: got %d-%d-%d, want %d-%d-%d", what, got.year, got.month, got.day, want.year,
              want.month, want.day);
}

static void assert_str(const char *got, const char *want, const char *what)
{
    if (!want)
        cr_assert_null(got, "%s: want NULL, got \"%s\"", what, got);
    else {
        cr_assert_not_null(got, "%s: want \"%s\", got NULL", what, want);
        cr_assert_str_eq(got, want, "%s", what);
    }
}

/* ---- opening and migrating ------------------------------------------------------ */

Test(store, open_creates_latest_schema_in_wal_mode)
{
    pw_store *s = open_store();
    cr_assert_eq(pw_store_schema_version(s), pw_schema_version_latest);
    cr_assert_geq(pw_schema_version_latest, 2);
    for (size_t i = 0; pw_schema_tables[i]; i++)
        cr_assert_eq(pw_store_count(s, pw_schema_tables[i]), 0, "table %s", pw_schema_tables[i]);
    pw_store_close(s);

    sqlite3 *db = raw_open();
    char *mode = raw_text(db, "PRAGMA journal_mode");
    cr_assert_str_eq(mode, "wal");
    free(mode);
    sqlite3_close(db);

    /* Opening again is a no-op migration. */
    s = open_store();
    cr_assert_eq(pw_store_schema_version(s), pw_schema_version_latest);
    pw_store_close(s);
}

Test(store, old_version_database_is_migrated_with_its_data)
{
    /* A database written by a build that knew only migration 1, holding one list. */
    sqlite3 *db = raw_open();
    char msg[256];
    cr_assert_eq(raw_exec(db, pw_schema_migrations[0], msg, sizeof msg), SQLITE_OK, "%s", msg);
    cr_assert_eq(
        raw_exec(db,
                 "PRAGMA user_version = 1;"
                 "INSERT INTO watchlists(id, name, current_version) VALUES (1, 'OLD', 1);"
                 "INSERT INTO watchlist_versions(id, list_id, version, format, status, "
                 "n_entries, n_individuals) VALUES (1, 1, 1, 'csv', 'current', 1, 1);"
                 "INSERT INTO entries(id, list_version_id, entry_id, type, severity, gender) "
                 "VALUES (1, 1, 'X1', 'individual', 'low', 'F');"
                 "INSERT INTO entry_names(entry, ordinal, kind, quality, full_name) "
                 "VALUES (1, 0, 'primary', 'unknown', 'JANE OLDLIST');",
                 msg, sizeof msg),
        SQLITE_OK, "%s", msg);
    cr_assert_null(raw_text(db, "SELECT name FROM sqlite_schema WHERE name = 'records'"));
    sqlite3_close(db);

    pw_store *s = open_store();
    cr_assert_eq(pw_store_schema_version(s), pw_schema_version_latest);
    seen sn;
    seen_init(&sn);
    load_list(s, NULL, &sn);
    cr_assert_eq(sn.n, 1);
    cr_assert_str_eq(sn.items[0].list, "OLD");
    cr_assert_str_eq(sn.items[0].entry_id, "X1");
    cr_assert_str_eq(sn.items[0].names[0].full, "JANE OLDLIST");
    cr_assert_eq(sn.items[0].severity, PW_SEV_LOW);
    cr_assert_eq(sn.items[0].gender, 'F');
    seen_free(&sn);

    /* The screening tables of migration 2 work. */
    pw_record r = {.record_id = "r1", .traveller = {.surname = "DOE"}};
    bool inserted = false;
    pw_error err = {0};
    cr_assert_eq(pw_store_put_record(s, &r, &inserted, &err), 0, "%s", err.msg);
    cr_assert(inserted);
    cr_assert_eq(pw_store_count(s, "records"), 1);
    /* A new import numbers on from the old data. */
    pw_entry e = plain_entry("X2");
    cr_assert_eq(import(s, "OLD", &e, 1), 2);
    pw_store_close(s);

    db = raw_open();
    char *mode = raw_text(db, "PRAGMA journal_mode");
    cr_assert_str_eq(mode, "wal");
    free(mode);
    sqlite3_close(db);
}

/* migration_alert_checks rebuilds alerts and alert_hits with the severity checks as
 * comparisons: the rows, ids and decisions stay, the rule_stats view and foreign keys
 * work on the new tables, and a severity outside the five is still refused. */
/* A database as a build that knew the first n migrations left it. */
static sqlite3 *raw_at_version(int n)
{
    sqlite3 *db = raw_open();
    char msg[256];
    for (int i = 0; i < n; i++)
        cr_assert_eq(raw_exec(db, pw_schema_migrations[i], msg, sizeof msg), SQLITE_OK, "%s",
                     msg);
    char bump[64];
    snprintf(bump, sizeof bump, "PRAGMA user_version = %d", n);
    cr_assert_eq(raw_exec(db, bump, msg, sizeof msg), SQLITE_OK, "%s", msg);
    return db;
}

Test(store, alert_tables_rebuilt_keep_their_rows_and_checks)
{
    sqlite3 *db = raw_at_version(7); /* migration 8 rebuilds the alert tables */
    char msg[256];
    cr_assert_eq(
        raw_exec(db,
                 "INSERT INTO records(id, record_id, json) VALUES (1, 'r1', '{}');"
                 "INSERT INTO alerts(id, alert_id, key, record_id, severity, score) "
                 "VALUES (7, 'al-7', 'k7', 'r1', 'high', 0.9);"
                 "INSERT INTO alert_hits(id, alert, type, rule_id, score, severity, list, "
                 "entry_id, explanation) VALUES (70, 7, 'watchlist', 'watchlist:UN', 0.9, "
                 "'high', 'UN', 'QDi.1', '{\"name\":[]}');"
                 "INSERT INTO hit_dispositions(hit, disposition, actor) "
                 "VALUES (70, 'confirmed', 'analyst');",
                 msg, sizeof msg),
        SQLITE_OK, "%s", msg);
    sqlite3_close(db);

    pw_store *s = open_store();
    cr_assert_eq(pw_store_schema_version(s), pw_schema_version_latest);
    pw_store_close(s);
    db = raw_open();
    char *v = raw_text(db, "SELECT alert_id || ' ' || severity FROM alerts WHERE id = 7");
    cr_assert_str_eq(v, "al-7 high");
    free(v);
    v = raw_text(db, "SELECT h.entry_id || ' ' || d.disposition FROM alert_hits h "
                     "JOIN hit_dispositions d ON d.hit = h.id WHERE h.alert = 7");
    cr_assert_str_eq(v, "QDi.1 confirmed");
    free(v);
    v = raw_text(db, "SELECT hits || ' ' || confirmed FROM rule_stats");
    cr_assert_str_eq(v, "1 1");
    free(v);
    v = raw_text(db, "SELECT count(*) FROM pragma_foreign_key_check");
    cr_assert_str_eq(v, "0");
    free(v);
    v = raw_text(db, "SELECT sql FROM sqlite_schema WHERE name = 'alerts'");
    cr_assert_null(strstr(v, "severity IN"), "%s", v);
    free(v);
    cr_assert_neq(raw_exec(db,
                           "INSERT INTO alerts(alert_id, key, record_id, severity, score) "
                           "VALUES ('al-8', 'k8', 'r1', 'urgent', 0.5)",
                           msg, sizeof msg),
                  SQLITE_OK, "severity 'urgent' accepted");
    cr_assert_neq(raw_exec(db,
                           "INSERT INTO alert_hits(alert, type, rule_id, score, severity) "
                           "VALUES (7, 'rule', 'r', 0.5, 'HIGH')",
                           msg, sizeof msg),
                  SQLITE_OK, "severity 'HIGH' accepted");
    cr_assert_eq(raw_exec(db,
                          "INSERT INTO alert_hits(alert, type, rule_id, score, severity) "
                          "VALUES (7, 'rule', 'r', 0.5, 'critical')",
                          msg, sizeof msg),
                 SQLITE_OK, "%s", msg);
    sqlite3_close(db);
}

/* Migration 9 renames the records table record_rows and makes `records` a view over it
 * and the record batches: the rows stay, alerts still refer to their record, and new
 * alerts can. */
Test(store, records_table_becomes_a_view_keeping_rows_and_alerts)
{
    sqlite3 *db = raw_at_version(8);
    char msg[256];
    cr_assert_eq(raw_exec(db,
                          "INSERT INTO records(id, record_id, surname, source_line, json) "
                          "VALUES (1, 'r1', 'DOE', 3, '{\"record_id\":\"r1\"}');"
                          "INSERT INTO alerts(id, alert_id, key, record_id, severity, score) "
                          "VALUES (7, 'al-7', 'k7', 'r1', 'high', 0.9);",
                          msg, sizeof msg),
                 SQLITE_OK, "%s", msg);
    sqlite3_close(db);

    pw_store *s = open_store();
    cr_assert_eq(pw_store_schema_version(s), pw_schema_version_latest);
    cr_assert_eq(pw_store_count(s, "records"), 1);
    cr_assert_eq(pw_store_count(s, "record_rows"), 1);
    pw_store_close(s);
    db = raw_open();
    char *v = raw_text(db, "SELECT record_id || ' ' || surname || ' ' || source_line "
                           "FROM records");
    cr_assert_str_eq(v, "r1 DOE 3");
    free(v);
    v = raw_text(db, "SELECT type FROM sqlite_schema WHERE name = 'records'");
    cr_assert_str_eq(v, "view");
    free(v);
    v = raw_text(db, "SELECT count(*) FROM pragma_foreign_key_check");
    cr_assert_str_eq(v, "0");
    free(v);
    cr_assert_eq(raw_exec(db, "PRAGMA foreign_keys = ON", msg, sizeof msg), SQLITE_OK, "%s", msg);
    cr_assert_eq(raw_exec(db,
                          "INSERT INTO alerts(alert_id, key, record_id, severity, score) "
                          "VALUES ('al-8', 'k8', 'r1', 'low', 0.5)",
                          msg, sizeof msg),
                 SQLITE_OK, "%s", msg);
    cr_assert_neq(raw_exec(db,
                           "INSERT INTO alerts(alert_id, key, record_id, severity, score) "
                           "VALUES ('al-9', 'k9', 'nobody', 'low', 0.5)",
                           msg, sizeof msg),
                  SQLITE_OK, "an alert for a record never stored was accepted");
    sqlite3_close(db);
}

Test(store, newer_schema_is_refused)
{
    sqlite3 *db = raw_open();
    for (int i = 0; i < pw_schema_version_latest; i++)
        cr_assert_eq(raw_exec(db, pw_schema_migrations[i], NULL, 0), SQLITE_OK);
    cr_assert_eq(raw_exec(db, "PRAGMA user_version = 99", NULL, 0), SQLITE_OK);
    sqlite3_close(db);

    pw_store *s = NULL;
    pw_error err = {0};
    cr_assert_eq(pw_store_open(db_path, &s, &err), PW_EDB);
    cr_assert_null(s);
    cr_assert_not_null(strstr(err.msg, "99"), "%s", err.msg);
    cr_assert_not_null(strstr(err.msg, "newer"), "%s", err.msg);
    cr_assert_str_eq(err.file, db_path);
}

Test(store, foreign_database_is_refused_untouched)
{
    sqlite3 *db = raw_open();
    cr_assert_eq(raw_exec(db, "CREATE TABLE other(x); INSERT INTO other VALUES (1);", NULL, 0),
                 SQLITE_OK);
    sqlite3_close(db);

    pw_store *s = NULL;
    pw_error err = {0};
    cr_assert_eq(pw_store_open(db_path, &s, &err), PW_EDB);
    cr_assert_not_null(strstr(err.msg, "not a paxwatch database"), "%s", err.msg);

    db = raw_open();
    char *mode = raw_text(db, "PRAGMA journal_mode");
    cr_assert_str_eq(mode, "delete");
    free(mode);
    cr_assert_eq(raw_long(db, "SELECT count(*) FROM sqlite_schema"), 1);
    sqlite3_close(db);
}

Test(store, garbage_file_is_a_db_error_naming_the_file)
{
    FILE *f = fopen(db_path, "w");
    cr_assert_not_null(f);
    for (int i = 0; i < 200; i++)
        fputs("this is not a database at all. ", f);
    fclose(f);
    pw_store *s = NULL;
    pw_error err = {0};
    cr_assert_eq(pw_store_open(db_path, &s, &err), PW_EDB);
    cr_assert_str_eq(err.file, db_path);
    cr_assert_not_null(strstr(err.msg, "not a database"), "%s", err.msg);
}

/* ---- watchlist versions ------------------------------------------------------------ */

Test(store, entry_round_trips_field_by_field)
{
    pw_store *s = open_store();
    pw_entry in[2] = {rich_entry(), plain_entry("E-2")};
    cr_assert_eq(import(s, "UN", in, 2), 1);

    seen sn;
    seen_init(&sn);
    load_list(s, "UN", &sn);
    cr_assert_eq(sn.n, 2);

    const pw_entry *e = &sn.items[0];
    cr_assert_str_eq(e->list, "UN");
    cr_assert_eq(e->list_version, 1);
    cr_assert_str_eq(e->entry_id, "6907993");
    cr_assert_eq(e->type, PW_ENTRY_INDIVIDUAL);
    cr_assert_eq(e->gender, 'M');
    cr_assert_eq(e->severity, PW_SEV_HIGH);
    assert_str(e->birth_place, "Goma", "birth_place");
    assert_str(e->category, "UN 1533", "category");
    assert_str(e->remarks, in[0].remarks, "remarks");
    assert_str(e->source_ref, "un.xml:42", "source_ref");

    cr_assert_eq(e->n_names, 4);
    for (size_t i = 0; i < 4; i++) {
        cr_assert_eq(e->names[i].kind, rich_names[i].kind, "name %zu kind", i);
        cr_assert_eq(e->names[i].quality, rich_names[i].quality, "name %zu quality", i);
        assert_str(e->names[i].full, rich_names[i].full, "name full");
        assert_str(e->names[i].surname, rich_names[i].surname, "name surname");
        assert_str(e->names[i].given, rich_names[i].given, "name given");
    }

    cr_assert_eq(e->n_dobs, 3);
    cr_assert_eq(e->dobs[0].kind, PW_DOB_EXACT);
    assert_date(e->dobs[0].from, date(1971, 1, 12), "exact dob");
    cr_assert_eq(e->dobs[1].kind, PW_DOB_APPROX);
    assert_date(e->dobs[1].from, date(1970, 0, 0), "approx dob");
    assert_date(e->dobs[1].to, date(0, 0, 0), "approx dob end");
    cr_assert_eq(e->dobs[2].kind, PW_DOB_RANGE);
    assert_date(e->dobs[2].from, date(1965, 0, 0), "range start");
    assert_date(e->dobs[2].to, date(1966, 6, 0), "range end");

    cr_assert_eq(e->n_nationalities, 2);
    cr_assert_str_eq(e->nationalities[0], "COD");
    cr_assert_str_eq(e->nationalities[1], "RWA");

    cr_assert_eq(e->n_documents, 2);
    assert_str(e->documents[0].type, "P", "doc type");
    assert_str(e->documents[0].number, "YY3478621G", "doc number");
    assert_str(e->documents[0].issuer, "FRA", "doc issuer");
    assert_date(e->documents[0].expiry, date(2030, 12, 31), "doc expiry");
    assert_date(e->documents[0].issued, date(2020, 1, 2), "doc issued");
    assert_str(e->documents[1].type, NULL, "doc 2 type");
    assert_str(e->documents[1].number, "ID-77", "doc 2 number");
    assert_str(e->documents[1].issuer, NULL, "doc 2 issuer");
    cr_assert_not(pw_date_is_set(e->documents[1].expiry));

    /* The plain entity: absent fields come back absent. */
    const pw_entry *p = &sn.items[1];
    cr_assert_str_eq(p->entry_id, "E-2");
    cr_assert_eq(p->type, PW_ENTRY_ENTITY);
    cr_assert_eq(p->gender, 0);
    cr_assert_eq(p->severity, PW_SEV_NONE);
    cr_assert_eq(p->n_names, 1);
    cr_assert_eq(p->n_dobs + p->n_nationalities + p->n_documents, 0);
    assert_str(p->birth_place, NULL, "birth_place");
    assert_str(p->remarks, NULL, "remarks");
    assert_str(p->names[0].surname, NULL, "surname");

    pw_watchlist_info *info = NULL;
    size_t n = 0;
    pw_error err = {0};
    cr_assert_eq(pw_store_watchlists(s, &info, &n, &err), 0, "%s", err.msg);
    cr_assert_eq(n, 1);
    cr_assert_str_eq(info[0].name, "UN");
    cr_assert_eq(info[0].version, 1);
    cr_assert_eq(info[0].entries, 2);
    cr_assert_eq(info[0].individuals, 1);
    cr_assert_eq(info[0].entities, 1);
    cr_assert_str_eq(info[0].format, "csv");
    cr_assert_str_eq(info[0].sources, "test.csv");
    cr_assert_eq(strlen(info[0].imported_at), 24, "%s", info[0].imported_at); /* ...Z */
    free(info);
    seen_free(&sn);
    pw_store_close(s);
}

Test(store, second_version_becomes_current_and_old_one_is_kept)
{
    pw_store *s = open_store();
    pw_entry v1[2] = {plain_entry("A"), plain_entry("B")};
    pw_entry v2[1] = {plain_entry("C")};
    cr_assert_eq(import(s, "UN", v1, 2), 1);
    cr_assert_eq(import(s, "UN", v2, 1), 2);

    seen sn;
    seen_init(&sn);
    load_list(s, "UN", &sn);
    cr_assert_eq(sn.n, 1);
    cr_assert_str_eq(sn.items[0].entry_id, "C");
    cr_assert_eq(sn.items[0].list_version, 2);
    seen_free(&sn);

    cr_assert_eq(pw_store_count(s, "entries"), 3, "old version's entries are kept");
    cr_assert_eq(pw_store_count(s, "watchlist_versions"), 2);
    pw_store_close(s);

    sqlite3 *db = raw_open();
    char *st1 = raw_text(db, "SELECT status FROM watchlist_versions WHERE version = 1");
    char *st2 = raw_text(db, "SELECT status FROM watchlist_versions WHERE version = 2");
    cr_assert_str_eq(st1, "superseded");
    cr_assert_str_eq(st2, "current");
    free(st1);
    free(st2);
    cr_assert_eq(raw_long(db, "SELECT current_version FROM watchlists WHERE name = 'UN'"), 2);
    cr_assert_eq(raw_long(db, "SELECT count(*) FROM audit WHERE action = 'watchlist.import' "
                              "AND object = 'watchlist:UN'"),
                 2);
    char *detail = raw_text(db, "SELECT detail FROM audit ORDER BY id DESC LIMIT 1");
    cr_assert_not_null(strstr(detail, "\"version\":2"), "%s", detail);
    cr_assert_not_null(strstr(detail, "\"entries\":1"), "%s", detail);
    free(detail);
    sqlite3_close(db);
}

Test(store, lists_load_in_name_order)
{
    pw_store *s = open_store();
    pw_entry un[1] = {plain_entry("U1")};
    pw_entry ofac[2] = {plain_entry("O1"), plain_entry("O2")};
    import(s, "UN", un, 1);
    import(s, "OFAC", ofac, 2);
    seen sn;
    seen_init(&sn);
    load_list(s, NULL, &sn);
    cr_assert_eq(sn.n, 3);
    cr_assert_str_eq(sn.items[0].list, "OFAC");
    cr_assert_str_eq(sn.items[0].entry_id, "O1");
    cr_assert_str_eq(sn.items[1].entry_id, "O2");
    cr_assert_str_eq(sn.items[2].list, "UN");
    seen_free(&sn);

    /* A callback's error stops the load and comes back. */
    seen_init(&sn);
    sn.stop_after = 1;
    pw_error err = {0};
    cr_assert_eq(pw_store_each_entry(s, collect, &sn, &err), PW_EINTERNAL);
    cr_assert_eq(sn.n, 1);
    seen_free(&sn);

    cr_assert_eq(pw_store_each_list_entry(s, "NOPE", collect, &sn, &err), PW_ENOTFOUND);
    cr_assert_not_null(strstr(err.msg, "NOPE"), "%s", err.msg);
    pw_store_close(s);
}

Test(store, aborted_import_leaves_previous_version_intact)
{
    pw_store *s = open_store();
    pw_entry v1[2] = {plain_entry("A"), plain_entry("B")};
    cr_assert_eq(import(s, "UN", v1, 2), 1);
    long audit_before = pw_store_count(s, "audit");

    pw_store_import *imp = NULL;
    pw_error err = {0};
    cr_assert_eq(pw_store_import_begin(s, "UN", "csv", "bad.csv", &imp, &err), 0, "%s", err.msg);
    pw_entry e = plain_entry("Z");
    cr_assert_eq(pw_store_import_entry(imp, &e, &err), 0, "%s", err.msg);
    pw_reject rej = {.kind = "watchlist", .source = "bad.csv", .line = 3, .reason = "bad"};
    cr_assert_eq(pw_store_import_reject(imp, &rej), 0);
    pw_store_import_abort(imp);

    seen sn;
    seen_init(&sn);
    load_list(s, "UN", &sn);
    cr_assert_eq(sn.n, 2);
    cr_assert_str_eq(sn.items[0].entry_id, "A");
    cr_assert_eq(sn.items[0].list_version, 1);
    seen_free(&sn);
    cr_assert_eq(pw_store_count(s, "entries"), 2);
    cr_assert_eq(pw_store_count(s, "watchlist_versions"), 1);
    cr_assert_eq(pw_store_count(s, "dead_letters"), 0, "the import's dead letters go with it");
    cr_assert_eq(pw_store_count(s, "audit"), audit_before);

    /* Version numbers have no gap, and a new list that is aborted does not exist. */
    cr_assert_eq(import(s, "UN", &e, 1), 2);
    cr_assert_eq(pw_store_import_begin(s, "NEW", "csv", "", &imp, &err), 0, "%s", err.msg);
    cr_assert_eq(pw_store_import_entry(imp, &e, &err), 0, "%s", err.msg);
    pw_store_import_abort(imp);
    cr_assert_eq(pw_store_each_list_entry(s, "NEW", collect, &sn, &err), PW_ENOTFOUND);
    cr_assert_eq(pw_store_count(s, "watchlists"), 1);
    pw_store_close(s);
}

Test(store, duplicate_entry_id_is_rejected_and_import_goes_on)
{
    pw_store *s = open_store();
    pw_store_import *imp = NULL;
    pw_error err = {0};
    cr_assert_eq(pw_store_import_begin(s, "UN", "csv", "dup.csv", &imp, &err), 0, "%s", err.msg);
    pw_entry a = rich_entry(), b = plain_entry("6907993"), c = plain_entry("C");
    cr_assert_eq(pw_store_import_entry(imp, &a, &err), 0, "%s", err.msg);
    memset(&err, 0, sizeof err);
    cr_assert_eq(pw_store_import_entry(imp, &b, &err), PW_EINVAL);
    cr_assert_eq(err.code, PW_EINVAL);
    cr_assert_not_null(strstr(err.msg, "duplicate entry_id \"6907993\""), "%s", err.msg);
    cr_assert_eq(pw_store_import_entry(imp, &c, &err), 0, "%s", err.msg);

    /* Invalid entries are refused with a sentence and leave no trace. */
    pw_entry nameless = {.entry_id = "N", .type = PW_ENTRY_INDIVIDUAL};
    cr_assert_eq(pw_store_import_entry(imp, &nameless, &err), PW_EINVAL);
    cr_assert_not_null(strstr(err.msg, "no name"), "%s", err.msg);
    pw_dob bad_dob = {PW_DOB_EXACT, date(1970, 2, 30), {0}};
    pw_entry bad = plain_entry("BAD");
    bad.dobs = &bad_dob;
    bad.n_dobs = 1;
    cr_assert_eq(pw_store_import_entry(imp, &bad, &err), PW_EINVAL);
    cr_assert_not_null(strstr(err.msg, "date of birth"), "%s", err.msg);

    int version = 0;
    cr_assert_eq(pw_store_import_commit(imp, &version, &err), 0, "%s", err.msg);
    cr_assert_eq(version, 1);
    seen sn;
    seen_init(&sn);
    load_list(s, "UN", &sn);
    cr_assert_eq(sn.n, 2);
    cr_assert_eq(sn.items[0].n_names, 4, "the first entry is untouched by the duplicate");
    cr_assert_str_eq(sn.items[1].entry_id, "C");
    seen_free(&sn);
    cr_assert_eq(pw_store_count(s, "entry_names"), 5);
    cr_assert_eq(pw_store_count(s, "entry_dobs"), 3);

    /* The same entry_id in the next version is fine. */
    cr_assert_eq(import(s, "UN", &a, 1), 2);
    pw_store_close(s);
}

Test(store, one_import_at_a_time)
{
    pw_store *s = open_store();
    pw_store_import *imp = NULL, *imp2 = NULL;
    pw_error err = {0};
    cr_assert_eq(pw_store_import_begin(s, "UN", "csv", "", &imp, &err), 0, "%s", err.msg);
    cr_assert_eq(pw_store_import_begin(s, "OFAC", "csv", "", &imp2, &err), PW_EINVAL);
    cr_assert_null(imp2);
    cr_assert_eq(pw_store_begin(s, &err), PW_EINVAL);
    pw_store_import_abort(imp);
    pw_store_import_abort(NULL);
    cr_assert_eq(pw_store_import_begin(s, "", "csv", "", &imp, &err), PW_EINVAL);
    pw_store_close(s);
}

/* ---- audit ------------------------------------------------------------------------ */

Test(store, audit_log_is_append_only)
{
    pw_store *s = open_store();
    pw_error err = {0};
    cr_assert_eq(pw_store_audit(s, "alice", "alert.view", "alert:al-1", "{}", &err), 0, "%s",
                 err.msg);
    pw_store_set_actor(s, "cli");
    cr_assert_eq(pw_store_audit(s, NULL, "screen.run", "run", NULL, &err), 0, "%s", err.msg);
    cr_assert_eq(pw_store_count(s, "audit"), 2);
    pw_store_close(s);

    sqlite3 *db = raw_open();
    char msg[256];
    cr_assert_eq(raw_exec(db, "PRAGMA foreign_keys = ON", NULL, 0), SQLITE_OK);
    cr_assert_neq(raw_exec(db, "UPDATE audit SET actor = 'mallory'", msg, sizeof msg), SQLITE_OK);
    cr_assert_not_null(strstr(msg, "append-only"), "%s", msg);
    cr_assert_neq(raw_exec(db, "DELETE FROM audit WHERE id = 1", msg, sizeof msg), SQLITE_OK);
    cr_assert_not_null(strstr(msg, "append-only"), "%s", msg);
    cr_assert_neq(raw_exec(db, "DELETE FROM audit", msg, sizeof msg), SQLITE_OK);
    cr_assert_eq(raw_long(db, "SELECT count(*) FROM audit"), 2);
    char *actor = raw_text(db, "SELECT actor FROM audit WHERE id = 1");
    cr_assert_str_eq(actor, "alice");
    free(actor);
    actor = raw_text(db, "SELECT actor FROM audit WHERE id = 2");
    cr_assert_str_eq(actor, "cli");
    free(actor);
    char *at = raw_text(db, "SELECT at FROM audit WHERE id = 1");
    cr_assert_eq(strlen(at), 24, "%s", at);
    cr_assert_eq(at[23], 'Z');
    free(at);
    sqlite3_close(db);
}

/* ---- records and alerts -------------------------------------------------------------- */

static pw_document rec_doc = {"P", "YY3478621G", "FRA", {2008, 12, 30}, {0}};

static pw_record sample_record(void)
{
    return (pw_record){
        .record_id = "rec-1",
        .flight = {"QQ", "877", "JFK", "CDG", "2008-08-10T20:00", "2008-08-11T06:30"},
        .traveller = {.role = PW_ROLE_PASSENGER,
                      .surname = "BARRETT",
                      .given_names = "TODD",
                      .full_name = "TODD BARRETT",
                      .gender = 'M',
                      .dob = {1968, 2, 23},
                      .nationality = "FRA",
                      .documents = &rec_doc,
                      .n_documents = 1},
        .source_file = "flight.jsonl",
        .source_line = 7,
    };
}

/* The store stamps screened_at itself, as SQLite's strftime('%Y-%m-%dT%H:%M:%fZ',
 * 'now') would (the column's default, which SQLite formats afresh for every row). */
Test(store, record_stamped_like_sqlite_now)
{
    pw_store *s = open_store();
    pw_record r = sample_record();
    bool inserted = false;
    pw_error err = {0};
    cr_assert_eq(pw_store_put_record(s, &r, &inserted, &err), 0, "%s", err.msg);
    pw_store_close(s);
    sqlite3 *db = raw_open();
    char *at = raw_text(db, "SELECT screened_at FROM records WHERE record_id = 'rec-1'");
    cr_assert_not_null(at);
    cr_expect_eq(raw_long(db, "SELECT screened_at GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]T"
                              "[0-2][0-9]:[0-5][0-9]:[0-6][0-9].[0-9][0-9][0-9]Z' FROM records"),
                 1, "%s", at);
    cr_expect_eq(raw_long(db, "SELECT abs(julianday('now') - julianday(screened_at)) * 86400 < 5 "
                              "FROM records"),
                 1, "%s is now", at);
    cr_expect_eq(raw_long(db, "SELECT strftime('%Y-%m-%dT%H:%M:%fZ', screened_at) = screened_at "
                              "FROM records"),
                 1, "%s reads back as written", at);
    free(at);
    sqlite3_close(db);
}

/* Alerts, their hits and the audit row are stamped by the store too (pws_utc_now), in
 * the text SQLite's strftime('%Y-%m-%dT%H:%M:%fZ', 'now') writes, and an update moves
 * updated_at on. */
Test(store, alert_rows_stamped_like_sqlite_now)
{
    pw_store *s = open_store();
    pw_record r = sample_record();
    pw_hit h = {.type = "watchlist",
                .rule_id = "watchlist:UN",
                .score = 0.9,
                .severity = PW_SEV_HIGH,
                .list = "UN",
                .list_version = 1,
                .entry_id = "QDi.1"};
    pw_alert a = {.record = &r, .severity = PW_SEV_HIGH, .score = 0.9, .hits = &h, .n_hits = 1};
    pw_alert_make_key(&a);
    bool created = false;
    int added = 0;
    pw_error err = {0};
    cr_assert_eq(pw_store_put_alert(s, &a, &created, &added, &err), 0, "%s", err.msg);
    pw_store_close(s);
    static const char *const stamps[] = {
        "SELECT created_at FROM alerts", "SELECT updated_at FROM alerts",
        "SELECT created_at FROM alert_hits", "SELECT at FROM audit WHERE action = 'alert.create'"};
    sqlite3 *db = raw_open();
    for (size_t i = 0; i < sizeof stamps / sizeof *stamps; i++) {
        char *at = raw_text(db, stamps[i]);
        cr_assert_not_null(at, "%s", stamps[i]);
        char sql[512];
        snprintf(sql, sizeof sql,
                 "SELECT '%s' GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]T[0-2][0-9]:"
                 "[0-5][0-9]:[0-6][0-9].[0-9][0-9][0-9]Z' AND strftime('%%Y-%%m-%%dT%%H:%%M:%%fZ', "
                 "'%s') = '%s' AND abs(julianday('now') - julianday('%s')) * 86400 < 5",
                 at, at, at, at);
        cr_expect_eq(raw_long(db, sql), 1, "%s: %s", stamps[i], at);
        free(at);
    }
    cr_assert_eq(raw_exec(db, "UPDATE alerts SET updated_at = '2000-01-01T00:00:00.000Z'", NULL, 0),
                 SQLITE_OK);
    sqlite3_close(db);
    /* a second hit on the same alert updates it */
    s = open_store();
    pw_hit h2 = h;
    h2.entry_id = "QDi.2";
    pw_hit both[2] = {h, h2};
    a.hits = both;
    a.n_hits = 2;
    cr_assert_eq(pw_store_put_alert(s, &a, &created, &added, &err), 0, "%s", err.msg);
    cr_assert_not(created);
    cr_assert_eq(added, 1);
    pw_store_close(s);
    db = raw_open();
    cr_expect_eq(raw_long(db, "SELECT abs(julianday('now') - julianday(updated_at)) * 86400 < 5 "
                              "FROM alerts"),
                 1, "updated_at moved on");
    sqlite3_close(db);
}

Test(store, record_is_stored_once)
{
    pw_store *s = open_store();
    pw_record r = sample_record();
    bool inserted = false;
    pw_error err = {0};
    cr_assert_eq(pw_store_put_record(s, &r, &inserted, &err), 0, "%s", err.msg);
    cr_assert(inserted);
    r.traveller.surname = "CHANGED";
    cr_assert_eq(pw_store_put_record(s, &r, &inserted, &err), 0, "%s", err.msg);
    cr_assert_not(inserted);
    cr_assert_eq(pw_store_count(s, "records"), 1);

    /* Without a record_id, the content id keys the record. */
    pw_record anon = sample_record();
    anon.record_id = NULL;
    cr_assert_eq(pw_store_put_record(s, &anon, &inserted, &err), 0, "%s", err.msg);
    cr_assert(inserted);
    cr_assert_eq(pw_store_put_record(s, &anon, &inserted, &err), 0, "%s", err.msg);
    cr_assert_not(inserted);
    pw_store_close(s);

    sqlite3 *db = raw_open();
    char *sur = raw_text(db, "SELECT surname FROM records WHERE record_id = 'rec-1'");
    cr_assert_str_eq(sur, "BARRETT", "the first write wins");
    free(sur);
    char *dob = raw_text(db, "SELECT dob FROM records WHERE record_id = 'rec-1'");
    cr_assert_str_eq(dob, "1968-02-23");
    free(dob);
    char *num = raw_text(db, "SELECT json_extract(json, '$.traveller.documents[0].number') "
                             "FROM records WHERE record_id = 'rec-1'");
    cr_assert_str_eq(num, "YY3478621G");
    free(num);
    cr_assert_eq(raw_long(db, "SELECT source_line FROM records WHERE record_id = 'rec-1'"), 7);
    char content_id[33];
    pw_record_content_id(&anon, content_id);
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM records WHERE record_id = '%s'", content_id);
    cr_assert_eq(raw_long(db, sql), 1);
    sqlite3_close(db);
}

static pw_store_batcher *new_batcher(pw_store *s)
{
    pw_store_batcher *b = NULL;
    pw_error err = {0};
    cr_assert_eq(pw_store_batcher_begin(s, &b, &err), 0, "%s", err.msg);
    return b;
}

/* Writes what the batcher holds and commits, as the pipeline does at each commit. */
static void flush_and_commit(pw_store *s, pw_store_batcher *b)
{
    pw_error err = {0};
    cr_assert_eq(pw_store_batcher_flush(b, &err), 0, "%s", err.msg);
    cr_assert_eq(pw_store_commit(s, &err), 0, "%s", err.msg);
}

/* A batched record, as the pipeline stores one: with its JSON as a batch keeps it. */
static int batch_put(pw_store_batcher *b, const pw_record *r)
{
    pw_strbuf json = {0};
    pw_record_to_batch_json(r, &json);
    pw_error err = {0};
    int rc = pw_store_batcher_put(b, r, json.data, json.len, &err);
    cr_assert_eq(rc, 0, "%s", err.msg);
    pw_strbuf_free(&json);
    return rc;
}

/* Records batched read back through the `records` view exactly as rows of their own
 * read: every column, the JSON included. */
Test(store, batched_records_read_as_rows_do)
{
    pw_store *s = open_store();
    pw_error err = {0};
    pw_record r = sample_record();
    r.source.format = "jsonl"; /* as the readers set it: the JSON then says the line */
    r.record_id = "as-row";
    cr_assert_eq(pw_store_put_record(s, &r, NULL, &err), 0, "%s", err.msg);
    pw_store_batcher *b = new_batcher(s);
    r.record_id = "batched";
    cr_assert_eq(pw_store_begin(s, &err), 0, "%s", err.msg);
    batch_put(b, &r);
    cr_assert_eq(pw_store_count(s, "record_batches"), 0, "written before its run ended");
    cr_assert_eq(pw_store_batcher_flush(b, &err), 0, "%s", err.msg);
    cr_assert_eq(pw_store_count(s, "record_batches"), 1);
    cr_assert_eq(pw_store_commit(s, &err), 0, "%s", err.msg);
    pw_store_batcher_end(b);
    pw_store_close(s);

    sqlite3 *db = raw_open();
    static const char cols[] =
        "SELECT role || carrier || flight_number || origin || destination || departure || "
        "arrival || surname || given_names || full_name || gender || dob || nationality || "
        "source_file || source_line || replace(json, record_id, '') FROM records "
        "WHERE record_id = ";
    char sql[512];
    snprintf(sql, sizeof sql, "%s'as-row'", cols);
    char *row = raw_text(db, sql);
    snprintf(sql, sizeof sql, "%s'batched'", cols);
    char *batched = raw_text(db, sql);
    cr_assert_not_null(row);
    cr_assert_not_null(batched);
    cr_assert_str_eq(batched, row);
    free(row);
    free(batched);
    cr_assert_eq(raw_long(db, "SELECT count(*) FROM record_batches WHERE first_line = 7 AND "
                              "last_line = 7 AND n_records = 1 AND carrier = 'QQ'"),
                 1);
    sqlite3_close(db);
}

static int collect_json(void *ctx, const char *record_id, const char *json, pw_error *err)
{
    (void)record_id;
    (void)err;
    pw_strbuf *all = ctx;
    pw_strbuf_append(all, json);
    pw_strbuf_append(all, "\n");
    return 0;
}

/* A batch member is stored without its source file (the batch's row holds it), and the
 * `records` view and pw_store_each_record_json give back its canonical JSON byte for
 * byte: a file name that needs escaping, PAXLST provenance, provenance without a
 * format, none at all, a file name that is not UTF-8 (kept in the member), a member
 * stored whole, as before migration 11, no file name and an empty one. */
Test(store, batched_records_give_back_their_canonical_json)
{
    pw_store *s = open_store();
    pw_error err = {0};
    enum { N = 8 };
    pw_record r[N];
    for (int i = 0; i < N; i++)
        r[i] = sample_record();
    r[0].source_file = "/data/in \"Zürich\"\t\\ flights.csv";
    r[0].source.format = "csv";
    r[1].source = (pw_provenance){.format = "paxlst",
                                  .sender = "AIRLINE1",
                                  .interchange_ref = "0001",
                                  .message_ref = "MSG1",
                                  .document_code = "745",
                                  .document_type = "passenger_list",
                                  .first_segment = 12,
                                  .last_segment = 19,
                                  .offset = 640};
    r[2].source.sender = "AIRLINE2"; /* (no format) */
    r[3].source_line = 0;             /* (no provenance: no source object) */
    r[4].source_file = "bad\xff.csv";
    r[4].source.format = "csv";
    r[5].source_file = "old.jsonl";
    r[5].source.format = "jsonl";
    r[6].source_file = NULL; /* (a record built by a program: no file) */
    r[6].source.format = "jsonl";
    r[7].source_file = "";
    r[7].source.format = "csv";
    pw_store_batcher *b = new_batcher(s);
    cr_assert_eq(pw_store_begin(s, &err), 0, "%s", err.msg);
    pw_strbuf want = {0};
    char ids[N][8];
    for (int i = 0; i < N; i++) {
        snprintf(ids[i], sizeof ids[i], "m%d", i);
        r[i].record_id = ids[i];
        pw_strbuf json = {0};
        if (i == 5)
            pw_record_to_json(&r[i], &json);
        else
            pw_record_to_batch_json(&r[i], &json);
        cr_assert_eq(pw_store_batcher_put(b, &r[i], json.data, json.len, &err), 0, "%s", err.msg);
        pw_strbuf_free(&json);
        pw_record_to_json(&r[i], &want);
        pw_strbuf_append(&want, "\n");
    }
    flush_and_commit(s, b);
    pw_store_batcher_end(b);
    pw_strbuf got = {0};
    cr_assert_eq(pw_store_each_record_json(s, NULL, NULL, collect_json, &got, &err), 0, "%s",
                 err.msg);
    cr_assert_str_eq(got.data, want.data);
    pw_store_close(s);

    sqlite3 *db = raw_open();
    char *view = raw_text(db, "SELECT group_concat(json, char(10)) || char(10) FROM "
                              "(SELECT json FROM records ORDER BY record_id)");
    cr_assert_str_eq(view, want.data);
    free(view);
    cr_assert_eq(raw_long(db, "SELECT count(*) FROM record_batches WHERE instr(records, 'Zürich')"),
                 0, "the member kept its file");
    cr_assert_eq(raw_long(db, "SELECT count(*) FROM record_batches WHERE instr(records, 'bad')"),
                 1, "a file that is not UTF-8 is kept in the member");
    sqlite3_close(db);
    pw_strbuf_free(&want);
    pw_strbuf_free(&got);
}

/* A batch holds records of one input and one flight, at most PW_RECORD_BATCH_MAX; the
 * same records put again are not stored again. */
Test(store, batches_end_with_their_flight_input_or_size)
{
    pw_store *s = open_store();
    pw_error err = {0};
    pw_store_batcher *b = new_batcher(s);
    for (int round = 0; round < 2; round++) {
        cr_assert_eq(pw_store_begin(s, &err), 0, "%s", err.msg);
        char id[32];
        pw_record r = sample_record();
        r.record_id = id;
        for (int i = 0; i < PW_RECORD_BATCH_MAX + 3; i++) { /* one flight: two batches */
            snprintf(id, sizeof id, "a%d", i);
            r.source_line = i + 1;
            batch_put(b, &r);
        }
        r.flight.number = "878"; /* another flight, same input */
        for (int i = 0; i < 2; i++) {
            snprintf(id, sizeof id, "b%d", i);
            batch_put(b, &r);
        }
        r.source_file = "other.jsonl"; /* another input, same flight */
        snprintf(id, sizeof id, "c0");
        batch_put(b, &r);
        flush_and_commit(s, b);
        cr_assert_eq(pw_store_count(s, "record_batches"), 4, "round %d", round);
        cr_assert_eq(pw_store_count(s, "records"), PW_RECORD_BATCH_MAX + 6, "round %d", round);
    }
    pw_store_batcher_end(b);

    sqlite3 *db = raw_open();
    char *v = raw_text(db, "SELECT group_concat(n_records || ':' || flight_number || ':' || "
                           "source_file || ':' || first_line || '-' || last_line, ' ') "
                           "FROM (SELECT * FROM record_batches ORDER BY id)");
    cr_assert_str_eq(v, "256:877:flight.jsonl:1-256 3:877:flight.jsonl:257-259 "
                        "2:878:flight.jsonl:259-259 1:878:other.jsonl:259-259");
    free(v);
    sqlite3_close(db);
    pw_store_close(s);
}

/* Records of flights interleaved in the input (an interactive API feed, a merged
 * backlog) are batched by flight, each batch in input order; with more flights open than
 * the batcher keeps, the run put to longest ago is written first, and nothing is lost. */
Test(store, interleaved_flights_are_batched_by_flight)
{
    pw_store *s = open_store();
    pw_error err = {0};
    pw_store_batcher *b = new_batcher(s);
    pw_record r = sample_record();
    char number[16], id[32];
    r.record_id = id;
    r.flight.number = number;
    cr_assert_eq(pw_store_begin(s, &err), 0, "%s", err.msg);
    for (int i = 0; i < 10; i++)
        for (int f = 0; f < 3; f++) {
            snprintf(number, sizeof number, "%d", f);
            snprintf(id, sizeof id, "%d-%d", f, i);
            r.source_line = 3 * i + f + 1;
            batch_put(b, &r);
        }
    cr_assert_eq(pw_store_batcher_flush(b, &err), 0, "%s", err.msg);
    for (int i = 0; i < 3; i++) /* more flights than are kept open (1,024) */
        for (int f = 0; f < 1100; f++) {
            snprintf(number, sizeof number, "x%d", f);
            snprintf(id, sizeof id, "x%d-%d", f, i);
            batch_put(b, &r);
        }
    flush_and_commit(s, b);
    pw_store_batcher_end(b);
    pw_store_close(s);

    sqlite3 *db = raw_open();
    char *v = raw_text(db, "SELECT group_concat(n_records || ':' || flight_number || ':' || "
                           "first_line || '-' || last_line, ' ') "
                           "FROM (SELECT * FROM record_batches WHERE id <= 3 ORDER BY id)");
    cr_assert_str_eq(v, "10:0:1-28 10:1:2-29 10:2:3-30");
    free(v);
    v = raw_text(db, "SELECT group_concat(json_extract(value, '$.record_id'), ' ') FROM "
                     "record_batches b, json_each(b.records) WHERE b.id = 1");
    cr_assert_str_eq(v, "0-0 0-1 0-2 0-3 0-4 0-5 0-6 0-7 0-8 0-9");
    free(v);
    cr_assert_eq(raw_long(db, "SELECT count(*) FROM records"), 3330);
    cr_assert_eq(raw_long(db, "SELECT count(DISTINCT record_id) FROM records"), 3330);
    sqlite3_close(db);
}

/* Whichever way a record is stored, and however often, the records view has it once:
 * a record put twice in one run, one stored as a row and then batched, one batched and
 * then stored as a row (an alert's record, screened again against a changed list: the
 * view then shows the row). */
Test(store, a_record_is_shown_once_batched_or_as_a_row)
{
    pw_store *s = open_store();
    pw_error err = {0};
    pw_store_batcher *b = new_batcher(s);
    cr_assert_eq(pw_store_begin(s, &err), 0, "%s", err.msg);
    pw_record r = sample_record();
    r.record_id = "twice";
    batch_put(b, &r);
    batch_put(b, &r); /* the same record twice in a run */
    r.record_id = "row-first";
    cr_assert_eq(pw_store_put_record(s, &r, NULL, &err), 0, "%s", err.msg);
    batch_put(b, &r); /* a record stored as a row */
    r.record_id = "batch-first";
    batch_put(b, &r);
    flush_and_commit(s, b);
    r.traveller.surname = "AS ROW";
    bool inserted = false;
    cr_assert_eq(pw_store_put_record(s, &r, &inserted, &err), 0, "%s", err.msg);
    cr_assert(inserted, "the record of an alert gets its row");
    pw_store_batcher_end(b);
    pw_store_close(s);

    sqlite3 *db = raw_open();
    char *v = raw_text(db, "SELECT group_concat(record_id || ':' || surname, ' ') FROM "
                           "(SELECT * FROM records ORDER BY record_id)");
    cr_assert_str_eq(v, "batch-first:AS ROW row-first:BARRETT twice:BARRETT");
    free(v);
    cr_assert_eq(raw_long(db, "SELECT count(*) FROM records"), 3, "a record shown twice");
    cr_assert_eq(raw_long(db, "SELECT n_records FROM record_batches"), 3,
                 "twice once, row-first (shown as its row) and batch-first");
    cr_assert_eq(raw_long(db, "SELECT count(*) FROM record_batches"), 1);
    sqlite3_close(db);
}

/* A batch whose members were all stored before leaves no row; the same record id on
 * another flight is another record, stored again. */
Test(store, a_batch_of_records_stored_before_is_not_kept_and_flights_keep_their_ids)
{
    pw_store *s = open_store();
    pw_error err = {0};
    pw_store_batcher *b = new_batcher(s);
    pw_record r = sample_record();
    for (int round = 0; round < 2; round++) { /* the same input screened twice */
        cr_assert_eq(pw_store_begin(s, &err), 0, "%s", err.msg);
        char id[16];
        for (int i = 0; i < 40; i++) { /* more than one claim statement */
            snprintf(id, sizeof id, "p%d", i);
            r.record_id = id;
            batch_put(b, &r);
        }
        flush_and_commit(s, b);
    }
    r.record_id = "p0";
    r.flight.number = "999";
    cr_assert_eq(pw_store_begin(s, &err), 0, "%s", err.msg);
    batch_put(b, &r);
    flush_and_commit(s, b);
    pw_store_batcher_end(b);
    pw_store_close(s);

    sqlite3 *db = raw_open();
    cr_assert_eq(raw_long(db, "SELECT count(*) FROM record_batches"), 2,
                 "the second screening left a batch");
    cr_assert_eq(raw_long(db, "SELECT count(*) FROM records"), 41);
    cr_assert_eq(raw_long(db, "SELECT count(*) FROM records WHERE record_id = 'p0'"), 2,
                 "p0 of another flight is another record");
    cr_assert_eq(raw_long(db, "SELECT sum(length(record_keys)) FROM record_batches"),
                 41 * PW_RECORD_KEY_LEN, "every batch keeps its members' keys");
    sqlite3_close(db);
}

/* The batcher holds about a million keys in memory: past that it drops them and reads
 * a flight's keys again from the database when the flight comes back, so its records
 * stay stored once (here with a limit of 50 keys, and flights interleaved). */
Test(store, a_flight_back_after_many_others_is_not_stored_again)
{
    pw_store *s = open_store();
    pw_error err = {0};
    pw_store_batcher *b = new_batcher(s);
    pws_batcher_limit_keys(b, 50);
    pw_record r = sample_record();
    char number[16];
    for (int round = 0; round < 2; round++) {
        cr_assert_eq(pw_store_begin(s, &err), 0, "%s", err.msg);
        for (int flight = 0; flight < 100; flight++) { /* more than the batcher holds */
            snprintf(number, sizeof number, "%d", flight);
            r.flight.number = number;
            r.record_id = "same-id-on-every-flight";
            batch_put(b, &r);
            r.record_id = "other";
            batch_put(b, &r);
        }
        flush_and_commit(s, b);
    }
    pw_store_batcher_end(b);
    pw_store_close(s);

    sqlite3 *db = raw_open();
    cr_assert_eq(raw_long(db, "SELECT count(*) FROM records"), 200);
    cr_assert_eq(raw_long(db, "SELECT count(*) FROM record_batches"), 100);
    cr_assert_eq(raw_long(db, "SELECT count(DISTINCT record_group) FROM record_batches"), 100);
    sqlite3_close(db);
}

/* A group holding more keys than the batcher keeps is not told apart: its records are
 * all stored (none is taken for one stored before), the second screening's again. */
Test(store, a_group_too_large_to_hold_stores_every_record)
{
    pw_store *s = open_store();
    pw_error err = {0};
    pw_store_batcher *b = new_batcher(s);
    pws_batcher_limit_keys(b, 10);
    pw_record r = sample_record();
    char id[16];
    for (int round = 0; round < 2; round++) {
        cr_assert_eq(pw_store_begin(s, &err), 0, "%s", err.msg);
        for (int i = 0; i < 30; i++) {
            snprintf(id, sizeof id, "r%d", i);
            r.record_id = id;
            batch_put(b, &r);
        }
        flush_and_commit(s, b);
    }
    pw_store_batcher_end(b);
    pw_store_close(s);

    sqlite3 *db = raw_open();
    cr_assert_eq(raw_long(db, "SELECT count(DISTINCT record_id) FROM records"), 30);
    cr_assert_eq(raw_long(db, "SELECT count(*) FROM records"), 60);
    sqlite3_close(db);
}

/* Against a model, random work of the writer: records of a few flights and inputs
 * (some without a flight), ids repeated, flights interleaved, some stored as rows (an
 * alert's record), flushes and commits at random, a batcher of 70 keys (so that it drops
 * and reads its groups again) and a second batcher later (another run of paxwatch). The
 * view must show each (group, id) batched once and each row's id once, and nothing else:
 * a row hides the batched records of its id. */
Test(store, random_batching_matches_a_model)
{
    enum { IDS = 60, GROUPS = 6, OPS = 3000 };
    static const char *const numbers[GROUPS] = {"1", "2", "3", NULL, NULL, "4"};
    static const char *const sources[GROUPS] = {"a.csv", "a.csv", "b.csv", "a.csv", "c.csv",
                                                "c.csv"};
    bool batched[GROUPS][IDS] = {{false}}, row[IDS] = {false};
    pw_store *s = open_store();
    pw_error err = {0};
    uint64_t rnd = 12345;
    char id[16];
    for (int process = 0; process < 2; process++) {
        pw_store_batcher *b = new_batcher(s);
        pws_batcher_limit_keys(b, 70);
        cr_assert_eq(pw_store_begin(s, &err), 0, "%s", err.msg);
        for (int op = 0; op < OPS; op++) {
            rnd = rnd * 6364136223846793005ULL + 1442695040888963407ULL;
            int g = (int)((rnd >> 33) % GROUPS), i = (int)((rnd >> 45) % IDS);
            int what = (int)((rnd >> 20) % 100);
            pw_record r = sample_record();
            snprintf(id, sizeof id, "id%d", i);
            r.record_id = id;
            r.flight = (pw_flight){.carrier = numbers[g] ? "QQ" : NULL, .number = numbers[g]};
            r.source_file = sources[g];
            if (what < 3) {
                flush_and_commit(s, b);
                cr_assert_eq(pw_store_begin(s, &err), 0, "%s", err.msg);
            } else if (what < 6) {
                cr_assert_eq(pw_store_put_record(s, &r, NULL, &err), 0, "%s", err.msg);
                row[i] = true;
            } else {
                batch_put(b, &r);
                batched[g][i] = true;
            }
        }
        flush_and_commit(s, b);
        pw_store_batcher_end(b);
    }
    pw_store_close(s);

    sqlite3 *db = raw_open();
    long expected = 0;
    for (int i = 0; i < IDS; i++) {
        long shown = row[i];
        for (int g = 0; g < GROUPS && !row[i]; g++)
            shown += batched[g][i];
        expected += shown;
        char sql[128];
        snprintf(sql, sizeof sql, "SELECT count(*) FROM records WHERE record_id = 'id%d'", i);
        long got = raw_long(db, sql);
        cr_assert_eq(got, shown, "id%d: shown %ld times, expected %ld", i, got, shown);
    }
    cr_assert_eq(raw_long(db, "SELECT count(*) FROM records"), expected);
    sqlite3_close(db);
}

/* Migration 10 gives every batch of a version-9 database its group and its members'
 * keys, as the writer computes them: screening the members again stores nothing new. */
Test(store, record_groups_migration_keys_batched_records)
{
    sqlite3 *db = raw_at_version(9);
    char msg[256];
    cr_assert_eq(raw_exec(db,
                          "INSERT INTO record_rows(record_id, carrier, flight_number, json) "
                          "VALUES ('row', 'LH', '400', '{}');"
                          "INSERT INTO record_ids VALUES ('row'), ('b1'), ('b2');"
                          "INSERT INTO record_batches(id, carrier, flight_number, n_records, "
                          "records, screened_at) VALUES (5, 'LH', '400', 2, "
                          "'[{\"record_id\":\"b1\"},{\"record_id\":\"b2\"}]', 'now');",
                          msg, sizeof msg),
                 SQLITE_OK, "%s", msg);
    sqlite3_close(db);

    pw_store *s = open_store();
    pw_error err = {0};
    pw_store_batcher *b = new_batcher(s);
    cr_assert_eq(pw_store_begin(s, &err), 0, "%s", err.msg);
    pw_record r = {.flight = {.carrier = "LH", .number = "400"}};
    const char *ids[] = {"row", "b1", "b2", "new"};
    for (size_t i = 0; i < 4; i++) {
        r.record_id = ids[i];
        batch_put(b, &r);
    }
    flush_and_commit(s, b);
    pw_store_batcher_end(b);
    pw_store_close(s);

    db = raw_open();
    cr_assert_eq(raw_long(db, "SELECT count(*) FROM records"), 4);
    char *v = raw_text(db, "SELECT records FROM record_batches WHERE id <> 5");
    cr_assert_not_null(strstr(v, "\"new\""), "%s", v);
    cr_assert_null(strstr(v, "\"b1\""), "%s", v);
    cr_assert_null(strstr(v, "\"b2\""), "%s", v);
    free(v);
    cr_assert_eq(raw_long(db, "SELECT count(DISTINCT record_group) FROM record_batches"), 1,
                 "the migrated batch and the new one are not of one group");
    cr_assert_eq(raw_long(db, "SELECT length(record_keys) FROM record_batches WHERE id = 5"),
                 2 * PW_RECORD_KEY_LEN);
    sqlite3_close(db);
}

static pw_hit hit_un = {.type = "watchlist",
                        .rule_id = "watchlist-match",
                        .rule_version = 1,
                        .score = 0.93,
                        .severity = PW_SEV_HIGH,
                        .list = "UN",
                        .list_version = 3,
                        .entry_id = "6907993",
                        .entry_name = "ERIC BADEGE",
                        .matched_name = "ERIC BADEGE",
                        .explanation = "{\"name\":[{\"q\":\"TODD\",\"e\":\"ERIC\"}]}"};
static pw_hit hit_rule = {.type = "rule",
                          .rule_id = "young-traveller",
                          .rule_version = 2,
                          .score = 0.4,
                          .severity = PW_SEV_CRITICAL,
                          .explanation = "{\"field\":\"dob\"}"};

Test(store, a_rules_hits_today_are_counted_for_its_daily_guard)
{
    pw_store *s = open_store();
    pw_record r = sample_record();
    pw_hit hits[1] = {hit_rule};
    pw_alert a = {.record = &r, .state = "new", .severity = PW_SEV_HIGH, .score = 0.4,
                  .hits = hits, .n_hits = 1};
    pw_alert_make_key(&a);
    pw_error err = {0};
    cr_assert_eq(pw_store_put_alert(s, &a, NULL, NULL, &err), 0, "%s", err.msg);
    long n = -1;
    cr_assert_eq(pw_store_rule_hits_today(s, "young-traveller", 2, &n, &err), 0, "%s", err.msg);
    cr_assert_eq(n, 1);
    cr_assert_eq(pw_store_rule_hits_today(s, "young-traveller", 1, &n, &err), 0);
    cr_assert_eq(n, 0, "another version is another rule");
    pw_store_close(s);
    sqlite3 *db = raw_open();
    cr_assert_eq(sqlite3_exec(db, "UPDATE alert_hits SET created_at = '2001-01-01T00:00:00.000Z'",
                              NULL, NULL, NULL),
                 SQLITE_OK);
    sqlite3_close(db);
    s = open_store();
    cr_assert_eq(pw_store_rule_hits_today(s, "young-traveller", 2, &n, &err), 0);
    cr_assert_eq(n, 0, "yesterday's hits do not count");
    pw_store_close(s);
}

Test(store, alert_is_idempotent_and_gains_only_new_hits)
{
    pw_store *s = open_store();
    pw_record r = sample_record();
    pw_hit hits[2] = {hit_un, hit_rule};
    pw_alert a = {.record = &r,
                  .state = "new",
                  .severity = PW_SEV_HIGH,
                  .score = 0.93,
                  .hits = hits,
                  .n_hits = 1};
    pw_alert_make_key(&a);
    bool created = false;
    int added = -1;
    pw_error err = {0};

    cr_assert_eq(pw_store_put_alert(s, &a, &created, &added, &err), 0, "%s", err.msg);
    cr_assert(created);
    cr_assert_eq(added, 1);
    cr_assert_eq(pw_store_count(s, "records"), 1, "the alert's record is stored with it");

    cr_assert_eq(pw_store_put_alert(s, &a, &created, &added, &err), 0, "%s", err.msg);
    cr_assert_not(created);
    cr_assert_eq(added, 0);

    /* Screening again finds the rule hit as well: only that one is added. */
    a.n_hits = 2;
    a.severity = PW_SEV_CRITICAL;
    cr_assert_eq(pw_store_put_alert(s, &a, &created, &added, &err), 0, "%s", err.msg);
    cr_assert_not(created);
    cr_assert_eq(added, 1);
    /* Rule hits (no list, no entry) de-duplicate too. */
    cr_assert_eq(pw_store_put_alert(s, &a, &created, &added, &err), 0, "%s", err.msg);
    cr_assert_eq(added, 0);

    cr_assert_eq(pw_store_count(s, "alerts"), 1);
    cr_assert_eq(pw_store_count(s, "alert_hits"), 2);
    pw_store_close(s);

    sqlite3 *db = raw_open();
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT severity FROM alerts WHERE key = '%s'", a.key);
    char *sev = raw_text(db, sql);
    cr_assert_str_eq(sev, "critical", "severity rises with the new hit");
    free(sev);
    snprintf(sql, sizeof sql,
             "SELECT alert_id || '|' || state || '|' || record_id || '|' || "
             "carrier || flight_number FROM alerts");
    char *row = raw_text(db, sql);
    char want[128];
    snprintf(want, sizeof want, "%s|new|rec-1|QQ877", a.alert_id);
    cr_assert_str_eq(row, want);
    free(row);
    char *expl = raw_text(db, "SELECT json_extract(explanation, '$.name[0].e') FROM alert_hits "
                              "WHERE entry_id = '6907993'");
    cr_assert_str_eq(expl, "ERIC");
    free(expl);
    cr_assert_eq(raw_long(db, "SELECT list_version FROM alert_hits WHERE list = 'UN'"), 3);
    cr_assert_eq(raw_long(db, "SELECT count(*) FROM audit WHERE action = 'alert.create'"), 1);
    cr_assert_eq(raw_long(db, "SELECT count(*) FROM audit WHERE action = 'alert.update'"), 1);
    snprintf(sql, sizeof sql, "SELECT object FROM audit WHERE action = 'alert.create'");
    char *object = raw_text(db, sql);
    snprintf(want, sizeof want, "alert:%s", a.alert_id);
    cr_assert_str_eq(object, want);
    free(object);
    /* No personal data in the audit log. */
    cr_assert_eq(raw_long(db, "SELECT count(*) FROM audit WHERE detail LIKE '%BARRETT%' "
                              "OR detail LIKE '%TODD%' OR detail LIKE '%1968%' "
                              "OR detail LIKE '%YY3478621G%' OR detail LIKE '%BADEGE%'"),
                 0);
    sqlite3_close(db);
}

Test(store, bad_alerts_are_refused_whole)
{
    pw_store *s = open_store();
    pw_record r = sample_record();
    pw_hit bad = hit_un;
    bad.score = 1.5;
    pw_hit hits[2] = {hit_un, bad};
    pw_alert a = {.record = &r, .severity = PW_SEV_HIGH, .score = 0.9, .hits = hits, .n_hits = 2};
    pw_error err = {0};
    cr_assert_eq(pw_store_put_alert(s, &a, NULL, NULL, &err), PW_EINVAL, "no key yet");
    pw_alert_make_key(&a);
    cr_assert_eq(pw_store_put_alert(s, &a, NULL, NULL, &err), PW_EINVAL);
    cr_assert_not_null(strstr(err.msg, "hit 2"), "%s", err.msg);
    /* Invalid explanation JSON fails in SQLite: the savepoint drops the whole alert. */
    hits[1] = hit_rule;
    hits[1].explanation = "{not json";
    cr_assert_eq(pw_store_put_alert(s, &a, NULL, NULL, &err), PW_EDB);
    cr_assert_str_eq(err.file, db_path);
    cr_assert_eq(pw_store_count(s, "alerts"), 0);
    cr_assert_eq(pw_store_count(s, "alert_hits"), 0);
    cr_assert_eq(pw_store_count(s, "records"), 0);
    cr_assert_eq(pw_store_count(s, "audit"), 0);
    pw_store_close(s);
}

Test(store, transaction_commits_and_rolls_back)
{
    pw_store *s = open_store();
    pw_record r = sample_record();
    pw_alert a = {.record = &r, .severity = PW_SEV_LOW, .score = 0.5, .hits = &hit_un, .n_hits = 1};
    pw_alert_make_key(&a);
    pw_error err = {0};
    cr_assert_eq(pw_store_begin(s, &err), 0, "%s", err.msg);
    cr_assert_eq(pw_store_put_alert(s, &a, NULL, NULL, &err), 0, "%s", err.msg);
    cr_assert_eq(pw_store_rollback(s), 0);
    cr_assert_eq(pw_store_count(s, "alerts"), 0);
    cr_assert_eq(pw_store_count(s, "records"), 0);

    cr_assert_eq(pw_store_begin(s, &err), 0, "%s", err.msg);
    cr_assert_eq(pw_store_put_alert(s, &a, NULL, NULL, &err), 0, "%s", err.msg);
    cr_assert_eq(pw_store_commit(s, &err), 0, "%s", err.msg);
    cr_assert_eq(pw_store_count(s, "alerts"), 1);
    cr_assert_eq(pw_store_rollback(s), 0, "rollback without a transaction is harmless");
    pw_store_close(s);
}

/* ---- dead letters and counting ------------------------------------------------------- */

Test(store, dead_letters_are_kept)
{
    pw_store *s = open_store();
    pw_reject rej = {.kind = "record",
                     .source = "in.jsonl",
                     .line = 12,
                     .field = "dob",
                     .reason = "invalid date '1968-02-30'",
                     .raw = "{\"dob\":\"1968-02-30\"}"};
    pw_error err = {0};
    cr_assert_eq(pw_store_put_dead_letter(s, &rej, &err), 0, "%s", err.msg);

    pw_store_import *imp = NULL;
    cr_assert_eq(pw_store_import_begin(s, "UN", "un-xml", "un.xml", &imp, &err), 0, "%s", err.msg);
    pw_reject wl = {.source = "un.xml", .line = 40, .reason = "no name"};
    cr_assert_eq(pw_store_import_reject(imp, &wl), 0);
    cr_assert_eq(pw_store_import_commit(imp, NULL, &err), 0, "%s", err.msg);
    cr_assert_eq(pw_store_count(s, "dead_letters"), 2);
    pw_store_close(s);

    sqlite3 *db = raw_open();
    char *row = raw_text(db, "SELECT kind || '|' || source || '|' || line || '|' || field || "
                             "'|' || reason || '|' || raw FROM dead_letters WHERE id = 1");
    cr_assert_str_eq(row, "record|in.jsonl|12|dob|invalid date '1968-02-30'|"
                          "{\"dob\":\"1968-02-30\"}");
    free(row);
    row = raw_text(db, "SELECT d.kind || '|' || v.version || '|' || v.n_rejected FROM "
                       "dead_letters d JOIN watchlist_versions v ON v.id = d.list_version_id");
    cr_assert_str_eq(row, "watchlist|1|1");
    free(row);
    sqlite3_close(db);
}

Test(store, the_same_rejection_screened_again_is_one_dead_letter)
{
    pw_store *s = open_store();
    pw_reject rej = {.kind = "record", .source = "in.jsonl", .line = 3, .reason = "bad JSON",
                     .raw = "{bad"};
    pw_error err = {0};
    cr_assert_eq(pw_store_put_dead_letter(s, &rej, &err), 0, "%s", err.msg);
    cr_assert_eq(pw_store_put_dead_letter(s, &rej, &err), 0, "%s", err.msg);
    cr_assert_eq(pw_store_count(s, "dead_letters"), 1, "a replay after a crash adds nothing");
    rej.line = 4; /* the same bytes elsewhere in the file are another rejection */
    cr_assert_eq(pw_store_put_dead_letter(s, &rej, &err), 0, "%s", err.msg);
    rej.source = "other.jsonl";
    cr_assert_eq(pw_store_put_dead_letter(s, &rej, &err), 0, "%s", err.msg);
    cr_assert_eq(pw_store_count(s, "dead_letters"), 3);
    pw_store_close(s);
}

Test(store, spool_journal_marks_what_a_killed_process_left)
{
    pw_store *s = open_store();
    pw_error err = {0};
    long long first = 0, second = 0;
    long n = -1;
    cr_assert_eq(pw_store_spool_begin(s, "/spool", "a.edi", 10, &first, &err), 0, "%s", err.msg);
    cr_assert_eq(pw_store_spool_interrupted(s, "/spool", &n, &err), 0, "%s", err.msg);
    cr_assert_eq(n, 1);
    cr_assert_eq(pw_store_spool_begin(s, "/spool", "a.edi", 10, &second, &err), 0, "%s", err.msg);
    pw_spool_file done = {.records = 7, .alerts = 1, .new_alerts = 1, .moved_to = "done/a.edi"};
    cr_assert_eq(pw_store_spool_finish(s, second, &done, &err), 0, "%s", err.msg);
    cr_assert_eq(pw_store_spool_interrupted(s, "/spool", &n, &err), 0, "%s", err.msg);
    cr_assert_eq(n, 0, "a finished file is not interrupted");
    pw_store_close(s);

    sqlite3 *db = raw_open();
    char *row = raw_text(db, "SELECT group_concat(name || ':' || state || ':' || "
                             "coalesce(records, '-') || ':' || coalesce(moved_to, '-'), ' ') "
                             "FROM spool_files ORDER BY id");
    cr_assert_str_eq(row, "a.edi:interrupted:-:- a.edi:done:7:done/a.edi");
    free(row);
    sqlite3_close(db);
}

Test(store, count_accepts_only_schema_tables)
{
    pw_store *s = open_store();
    cr_assert_eq(pw_store_count(s, "alerts"), 0);
    cr_assert_eq(pw_store_count(s, "nope"), -1);
    cr_assert_eq(pw_store_count(s, "sqlite_schema"), -1);
    cr_assert_eq(pw_store_count(s, "alerts; DROP TABLE audit"), -1);
    cr_assert_eq(pw_store_count(s, "alerts\" --"), -1);
    cr_assert_eq(pw_store_count(s, NULL), -1);
    cr_assert_eq(pw_store_count(s, "audit"), 0);
    pw_store_close(s);
}

/* ---- concurrency -------------------------------------------------------------------- */

Test(store, locked_database_says_so)
{
    pw_store *a = open_store(), *b = open_store();
    pw_error err = {0};
    cr_assert_eq(pw_store_begin(a, &err), 0, "%s", err.msg);
    pw_store_set_busy_timeout(b, 50);
    pw_store_import *imp = NULL;
    cr_assert_eq(pw_store_import_begin(b, "UN", "csv", "", &imp, &err), PW_EDB);
    cr_assert_null(imp);
    cr_assert_not_null(strstr(err.msg, "database is locked"), "%s", err.msg);
    cr_assert_str_eq(err.file, db_path);

    /* Readers are not blocked by the writer (WAL). */
    seen sn;
    seen_init(&sn);
    load_list(b, NULL, &sn);
    seen_free(&sn);

    cr_assert_eq(pw_store_commit(a, &err), 0, "%s", err.msg);
    pw_entry e = plain_entry("A");
    cr_assert_eq(import(b, "UN", &e, 1), 1);
    pw_store_close(a);
    pw_store_close(b);
}

/* ---- load time ---------------------------------------------------------------------- */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

typedef struct tally {
    long entries, names, dobs, nats, docs;
} tally;

static int count_entry(void *ctx, const pw_entry *e, pw_error *err)
{
    tally *t = ctx;
    (void)err;
    t->entries++;
    t->names += (long)e->n_names;
    t->dobs += (long)e->n_dobs;
    t->nats += (long)e->n_nationalities;
    t->docs += (long)e->n_documents;
    return 0;
}

/* 9,000 + 1,000 entries shaped like OFAC's and the UN's (three names, a date of birth,
 * a nationality, a document): the load that builds a screening snapshot. */
Test(store, ten_thousand_entries_load_fast, .timeout = 60)
{
    pw_store *s = open_store();
    pw_error err = {0};
    const char *lists[] = {"OFAC", "UN"};
    const int sizes[] = {9000, 1000};
    double t0 = now_s();
    for (int l = 0; l < 2; l++) {
        pw_store_import *imp = NULL;
        cr_assert_eq(pw_store_import_begin(s, lists[l], "csv", "gen", &imp, &err), 0, "%s",
                     err.msg);
        for (int i = 0; i < sizes[l]; i++) {
            char id[16], full[32], alias1[32], alias2[32], doc[16];
            snprintf(id, sizeof id, "%d", i);
            snprintf(full, sizeof full, "SURNAME%d, Given", i);
            snprintf(alias1, sizeof alias1, "ALIAS ONE %d", i);
            snprintf(alias2, sizeof alias2, "ALIAS TWO %d", i);
            snprintf(doc, sizeof doc, "D%07d", i);
            pw_entry_name names[3] = {{PW_NAME_PRIMARY, 0, full, NULL, NULL},
                                      {PW_NAME_ALIAS, PW_QUALITY_GOOD, alias1, NULL, NULL},
                                      {PW_NAME_ALIAS, PW_QUALITY_LOW, alias2, NULL, NULL}};
            pw_dob dob = {PW_DOB_EXACT, date(1950 + i % 50, 1 + i % 12, 1 + i % 28), {0}};
            const char *nat[1] = {"IRN"};
            pw_document d = {"P", doc, "IRN", {0}, {0}};
            pw_entry e = {.entry_id = id,
                          .type = i % 3 ? PW_ENTRY_INDIVIDUAL : PW_ENTRY_ENTITY,
                          .names = names,
                          .n_names = 3,
                          .dobs = &dob,
                          .n_dobs = 1,
                          .nationalities = nat,
                          .n_nationalities = 1,
                          .documents = &d,
                          .n_documents = 1,
                          .remarks = "generated"};
            cr_assert_eq(pw_store_import_entry(imp, &e, &err), 0, "%s", err.msg);
        }
        cr_assert_eq(pw_store_import_commit(imp, NULL, &err), 0, "%s", err.msg);
    }
    double t1 = now_s();
    tally t = {0};
    cr_assert_eq(pw_store_each_entry(s, count_entry, &t, &err), 0, "%s", err.msg);
    double t2 = now_s();
    cr_assert_eq(t.entries, 10000);
    cr_assert_eq(t.names, 30000);
    cr_assert_eq(t.dobs + t.nats + t.docs, 30000);
    cr_log_info("import of 10,000 entries: %.3f s; load: %.3f s", t1 - t0, t2 - t1);
    fprintf(stderr, "store: import of 10,000 entries %.3f s, load %.3f s\n", t1 - t0, t2 - t1);
    /* Well under a second in an optimised build; generous for sanitizer builds. */
    cr_assert_lt(t2 - t1, 2.0, "loading 10,000 entries took %.3f s", t2 - t1);
    pw_store_close(s);
}

/* A flight's run written and closed to make room for others (more than
 * 1,024 flights open in one transaction) and then back in the same transaction: its
 * records already put are not stored again; the same flight read from two inputs is one
 * record group, so an id is stored once across them. */
Test(store, evicted_flight_back_in_the_same_transaction_is_not_stored_again)
{
    pw_store *s = open_store();
    pw_error err = {0};
    pw_store_batcher *b = new_batcher(s);
    pw_record r = sample_record();
    char number[16], id[32];
    r.flight.number = number;
    r.record_id = id;
    cr_assert_eq(pw_store_begin(s, &err), 0, "%s", err.msg);
    for (int round = 0; round < 3; round++)
        for (int f = 0; f < 1300; f++) {
            snprintf(number, sizeof number, "%d", f);
            r.source_file = (round & 1) ? "b.jsonl" : "a.jsonl";
            snprintf(id, sizeof id, "p%d", round == 2 ? 1 : 0); /* p0, p0 again, p1 */
            r.source_line = round * 10000 + f + 1;
            batch_put(b, &r);
        }
    flush_and_commit(s, b);
    pw_store_batcher_end(b);
    pw_store_close(s);

    sqlite3 *db = raw_open();
    cr_assert_eq(raw_long(db, "SELECT count(*) FROM records"), 2 * 1300);
    cr_assert_eq(raw_long(db, "SELECT count(*) FROM (SELECT DISTINCT flight_number, record_id "
                              "FROM records)"),
                 2 * 1300);
    cr_assert_eq(raw_long(db, "SELECT count(*) FROM record_batches WHERE source_file = "
                              "'b.jsonl'"),
                 0, "p0 from the second input is the same record of the same flight");
    cr_assert_eq(raw_long(db, "SELECT count(*) FROM record_batches WHERE first_line > last_line "
                              "OR first_line IS NULL OR n_records <> 1"),
                 0);
    sqlite3_close(db);
}

/* A batcher begun and ended without a record (an empty input). */
Test(store, batcher_without_records)
{
    pw_store *s = open_store();
    pw_error err = {0};
    pw_store_batcher *b = new_batcher(s);
    cr_assert_eq(pw_store_begin(s, &err), 0, "%s", err.msg);
    flush_and_commit(s, b);
    pw_store_batcher_end(b);
    pw_store_close(s);
}

/* Random work over more flights than the batcher keeps open (runs
 * written and closed a quarter at a time, reopened) with a small key limit, against a
 * model: each (flight, id) shown once. */
Test(store, random_batching_over_many_flights_matches_a_model)
{
    enum { IDS = 4, FLIGHTS = 1500, OPS = 40000 };
    static bool batched[FLIGHTS][IDS];
    memset(batched, 0, sizeof batched);
    pw_store *s = open_store();
    pw_error err = {0};
    uint64_t rnd = 987654321;
    char id[16], number[16];
    for (int process = 0; process < 2; process++) {
        pw_store_batcher *b = new_batcher(s);
        pws_batcher_limit_keys(b, process ? 900 : 5000);
        cr_assert_eq(pw_store_begin(s, &err), 0, "%s", err.msg);
        for (int op = 0; op < OPS; op++) {
            rnd = rnd * 6364136223846793005ULL + 1442695040888963407ULL;
            int f = (int)((rnd >> 33) % FLIGHTS), i = (int)((rnd >> 50) % IDS);
            int what = (int)((rnd >> 20) % 1000);
            pw_record r = sample_record();
            snprintf(id, sizeof id, "id%d", i);
            snprintf(number, sizeof number, "%d", f);
            r.record_id = id;
            r.flight.number = number;
            r.source_file = (rnd >> 60) & 1 ? "a.csv" : "b.csv";
            if (what < 2) {
                flush_and_commit(s, b);
                cr_assert_eq(pw_store_begin(s, &err), 0, "%s", err.msg);
            } else {
                batch_put(b, &r);
                batched[f][i] = true;
            }
        }
        flush_and_commit(s, b);
        pw_store_batcher_end(b);
    }
    pw_store_close(s);
    long expected = 0;
    for (int f = 0; f < FLIGHTS; f++)
        for (int i = 0; i < IDS; i++)
            expected += batched[f][i];
    sqlite3 *db = raw_open();
    cr_assert_eq(raw_long(db, "SELECT count(*) FROM records"), expected);
    cr_assert_eq(raw_long(db, "SELECT count(*) FROM (SELECT DISTINCT flight_number, record_id "
                              "FROM records)"),
                 expected);
    sqlite3_close(db);
}

/* A batch refused by the database, when its run is closed to make room
 * and at the flush: the put and the flush report it, and ending the batcher frees
 * everything (run under ASan). */
Test(store, a_refused_batch_fails_the_put_and_the_flush)
{
    pw_store_close(open_store());
    sqlite3 *db = raw_open();
    cr_assert_eq(sqlite3_exec(db,
                              "CREATE TRIGGER refuse BEFORE INSERT ON record_batches "
                              "WHEN NEW.flight_number = 'bad' "
                              "BEGIN SELECT RAISE(ABORT, 'refused'); END",
                              NULL, NULL, NULL),
                 SQLITE_OK);
    sqlite3_close(db);
    pw_store *s = open_store();
    pw_error err = {0};
    char number[16];
    pw_record r = sample_record();
    r.record_id = "x";
    for (int at_flush = 0; at_flush < 2; at_flush++) {
        pw_store_batcher *b = new_batcher(s);
        cr_assert_eq(pw_store_begin(s, &err), 0, "%s", err.msg);
        r.flight.number = "bad";
        batch_put(b, &r);
        int rc = 0;
        for (int f = 0; f < (at_flush ? 10 : 1100) && rc == 0; f++) {
            snprintf(number, sizeof number, "%d", f);
            r.flight.number = number;
            pw_strbuf json = {0};
            pw_record_to_batch_json(&r, &json);
            rc = pw_store_batcher_put(b, &r, json.data, json.len, &err);
            pw_strbuf_free(&json);
        }
        if (at_flush) {
            cr_assert_eq(rc, 0);
            rc = pw_store_batcher_flush(b, &err);
        }
        cr_assert_eq(rc, PW_EDB, "%d %s", rc, err.msg);
        pw_store_batcher_end(b);
        pw_store_rollback(s);
    }
    pw_store_close(s);
}
