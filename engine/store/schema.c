/*
 * The store's schema, as migrations.
 *
 * Design: the schema is an ordered array of SQL scripts. Script i takes the database
 * from PRAGMA user_version i to i + 1; each runs in its own BEGIN IMMEDIATE
 * transaction together with the user_version bump, so a migration either happens
 * completely or not at all, and two processes opening the same old file cannot both
 * apply it (the second re-reads user_version under the write lock and finds it done).
 * Foreign keys are switched off while migrating (SQLite cannot change that pragma
 * inside a transaction, and table rebuilds need it off) and PRAGMA foreign_key_check
 * must come back empty before a migration commits. Released scripts are never edited:
 * changes are new scripts appended to the array.
 *
 * Scripts are grouped by feature: 1 holds watchlists (versioned), the audit log and
 * dead letters; 2 holds screening (records, alerts, alert hits); 3 holds data quality
 * (messages received and findings per sender and flight); 4 rule statistics; 5 the
 * spool journal and dead-letter keys; 6 rebuilds records without a JSON check; 7 indexes
 * rule hits by day; 8 rebuilds alerts and alert_hits with their severity checks written
 * as comparisons; 9 stores the records without an alert in batches (record_batches),
 * keeps every stored record's id (record_ids) and makes `records` a view over the
 * batches and the single rows (record_rows); 10 replaces record_ids by the keys each
 * batch keeps of its members, found by the batch's record group (its flight, or its
 * input file for records without one); 11 makes the view put back the input file a
 * batch member's JSON leaves to its batch.
 *
 * Conventions in the SQL: timestamps are UTC ISO 8601 text with milliseconds, set by
 * column defaults (the store binds the same text itself for the rows the screening
 * writer stores: records, alerts, hits, audit); enumerations are lower-case text guarded by CHECK
 * constraints so the file reads well in the sqlite3 shell; child tables of entries are WITHOUT
 * ROWID tables keyed (entry, ordinal), so one entry's names, dates, nationalities and documents sit
 * together on disk in their original order, which is what the loader walks.
 */
#include "store/schema.h"

#include <stdio.h>
#include <string.h>

/* 0x50585754, "PXWT": marks the file as a paxwatch database (PRAGMA application_id).
 * Decimal because it is pasted into SQL text. */
#define PW_APPLICATION_ID 1347966804
#define STR_(x) #x
#define STR(x) STR_(x)

#define NOW "(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))"
#define SEVERITIES "('none', 'low', 'medium', 'high', 'critical')"

static const char migration_1[] = "PRAGMA application_id = " STR(
    PW_APPLICATION_ID) ";\n"

                       /* A list by name; current_version is NULL until its first import commits. */
                       "CREATE TABLE watchlists (\n"
                       "    id              INTEGER PRIMARY KEY,\n"
                       "    name            TEXT NOT NULL UNIQUE,\n"
                       "    current_version INTEGER,\n"
                       "    created_at      TEXT NOT NULL DEFAULT " NOW "\n"
                       ");\n"

                       /* One row per import. Versions count from 1 per list; rolled-back imports
                        * leave no row, so numbers have no gaps. */
                       "CREATE TABLE watchlist_versions (\n"
                       "    id            INTEGER PRIMARY KEY,\n"
                       "    list_id       INTEGER NOT NULL REFERENCES watchlists(id),\n"
                       "    version       INTEGER NOT NULL CHECK (version >= 1),\n"
                       "    format        TEXT NOT NULL,\n"
                       "    sources       TEXT NOT NULL DEFAULT '',\n"
                       "    imported_at   TEXT NOT NULL DEFAULT " NOW ",\n"
                       "    status        TEXT NOT NULL DEFAULT 'importing'\n"
                       "                  CHECK (status IN ('importing', 'current', "
                       "'superseded')),\n"
                       "    n_entries     INTEGER NOT NULL DEFAULT 0,\n"
                       "    n_individuals INTEGER NOT NULL DEFAULT 0,\n"
                       "    n_entities    INTEGER NOT NULL DEFAULT 0,\n"
                       "    n_rejected    INTEGER NOT NULL DEFAULT 0,\n"
                       "    UNIQUE (list_id, version)\n"
                       ");\n"
                       /* At most one current version per list. */
                       "CREATE UNIQUE INDEX watchlist_versions_current ON "
                       "watchlist_versions(list_id)\n"
                       "    WHERE status = 'current';\n"

                       /* Entries belong to one version; old versions keep theirs (alerts cite
                          them). */
                       "CREATE TABLE entries (\n"
                       "    id              INTEGER PRIMARY KEY,\n"
                       "    list_version_id INTEGER NOT NULL REFERENCES watchlist_versions(id),\n"
                       "    entry_id        TEXT NOT NULL,\n"
                       "    type            TEXT NOT NULL\n"
                       "                    CHECK (type IN ('individual', 'entity', 'vessel', "
                       "'aircraft')),\n"
                       "    category        TEXT,\n"
                       "    severity        TEXT NOT NULL DEFAULT 'none' CHECK (severity "
                       "IN " SEVERITIES "),\n"
                       "    gender          TEXT CHECK (gender IN ('M', 'F')),\n"
                       "    birth_place     TEXT,\n"
                       "    remarks         TEXT,\n"
                       "    source_ref      TEXT,\n"
                       "    UNIQUE (list_version_id, entry_id)\n"
                       ");\n"
                       /* The loader walks one version's entries in import (rowid) order. */
                       "CREATE INDEX entries_version ON entries(list_version_id, id);\n"

                       "CREATE TABLE entry_names (\n"
                       "    entry     INTEGER NOT NULL REFERENCES entries(id) ON DELETE CASCADE,\n"
                       "    ordinal   INTEGER NOT NULL,\n"
                       "    kind      TEXT NOT NULL CHECK (kind IN ('primary', 'alias', "
                       "'original_script')),\n"
                       "    quality   TEXT NOT NULL DEFAULT 'unknown' CHECK (quality IN "
                       "('unknown', 'good', "
                       "'low')),\n"
                       "    full_name TEXT NOT NULL,\n"
                       "    surname   TEXT,\n"
                       "    given     TEXT,\n"
                       "    PRIMARY KEY (entry, ordinal)\n"
                       ") WITHOUT ROWID;\n"

                       /* Partial dates as text: YYYY, YYYY-MM or YYYY-MM-DD; to_date ends a range.
                        */
                       "CREATE TABLE entry_dobs (\n"
                       "    entry     INTEGER NOT NULL REFERENCES entries(id) ON DELETE CASCADE,\n"
                       "    ordinal   INTEGER NOT NULL,\n"
                       "    kind      TEXT NOT NULL CHECK (kind IN ('exact', 'approx', 'range')),\n"
                       "    from_date TEXT NOT NULL CHECK (length(from_date) IN (4, 7, 10)),\n"
                       "    to_date   TEXT CHECK (to_date IS NULL OR length(to_date) IN (4, 7, "
                       "10)),\n"
                       "    PRIMARY KEY (entry, ordinal)\n"
                       ") WITHOUT ROWID;\n"

                       "CREATE TABLE entry_nationalities (\n"
                       "    entry   INTEGER NOT NULL REFERENCES entries(id) ON DELETE CASCADE,\n"
                       "    ordinal INTEGER NOT NULL,\n"
                       "    alpha3  TEXT NOT NULL CHECK (length(alpha3) = 3),\n"
                       "    PRIMARY KEY (entry, ordinal)\n"
                       ") WITHOUT ROWID;\n"

                       "CREATE TABLE entry_documents (\n"
                       "    entry   INTEGER NOT NULL REFERENCES entries(id) ON DELETE CASCADE,\n"
                       "    ordinal INTEGER NOT NULL,\n"
                       "    type    TEXT,\n"
                       "    number  TEXT NOT NULL,\n"
                       "    issuer  TEXT,\n"
                       "    expiry  TEXT,\n"
                       "    issued  TEXT,\n"
                       "    PRIMARY KEY (entry, ordinal)\n"
                       ") WITHOUT ROWID;\n"
                       /* For analysts: which entries carry this document number. */
                       "CREATE INDEX entry_documents_number ON entry_documents(number, issuer);\n"

                       /* Append-only: the triggers refuse UPDATE and DELETE (and so also disable
                        * the truncate optimisation of an unqualified DELETE). AUTOINCREMENT: ids
                        * are never reused, so a gap shows. */
                       "CREATE TABLE audit (\n"
                       "    id     INTEGER PRIMARY KEY AUTOINCREMENT,\n"
                       "    at     TEXT NOT NULL DEFAULT " NOW ",\n"
                       "    actor  TEXT NOT NULL,\n"
                       "    action TEXT NOT NULL,\n"
                       "    object TEXT,\n"
                       "    detail TEXT\n"
                       ");\n"
                       "CREATE INDEX audit_object ON audit(object, id);\n"
                       "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit\n"
                       "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;\n"
                       "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit\n"
                       "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;\n"

                       /* Rejected input; list_version_id is set for rows an import rejected. */
                       "CREATE TABLE dead_letters (\n"
                       "    id              INTEGER PRIMARY KEY,\n"
                       "    at              TEXT NOT NULL DEFAULT " NOW ",\n"
                       "    kind            TEXT NOT NULL,\n"
                       "    source          TEXT,\n"
                       "    line            INTEGER,\n"
                       "    field           TEXT,\n"
                       "    reason          TEXT NOT NULL,\n"
                       "    raw             TEXT,\n"
                       "    list_version_id INTEGER REFERENCES watchlist_versions(id)\n"
                       ");\n"
                       "CREATE INDEX dead_letters_kind ON dead_letters(kind, at);\n";

static const char migration_2[] =
    /* Screened records: key fields for queries, the canonical JSON for everything. */
    "CREATE TABLE records (\n"
    "    id            INTEGER PRIMARY KEY,\n"
    "    record_id     TEXT NOT NULL UNIQUE,\n"
    "    role          TEXT,\n"
    "    carrier       TEXT,\n"
    "    flight_number TEXT,\n"
    "    origin        TEXT,\n"
    "    destination   TEXT,\n"
    "    departure     TEXT,\n"
    "    arrival       TEXT,\n"
    "    surname       TEXT,\n"
    "    given_names   TEXT,\n"
    "    full_name     TEXT,\n"
    "    gender        TEXT,\n"
    "    dob           TEXT,\n"
    "    nationality   TEXT,\n"
    "    source_file   TEXT,\n"
    "    source_line   INTEGER,\n"
    "    json          TEXT NOT NULL CHECK (json_valid(json)),\n"
    "    screened_at   TEXT NOT NULL DEFAULT " NOW "\n"
    ");\n"
    "CREATE INDEX records_flight ON records(carrier, flight_number, departure);\n"
    /* Retention: depersonalisation and deletion go by age. */
    "CREATE INDEX records_screened_at ON records(screened_at);\n"

    /* One alert per traveller per flight, found by its deterministic key. */
    "CREATE TABLE alerts (\n"
    "    id            INTEGER PRIMARY KEY,\n"
    "    alert_id      TEXT NOT NULL UNIQUE,\n"
    "    key           TEXT NOT NULL UNIQUE,\n"
    "    record_id     TEXT NOT NULL REFERENCES records(record_id),\n"
    "    state         TEXT NOT NULL DEFAULT 'new',\n"
    "    severity      TEXT NOT NULL CHECK (severity IN " SEVERITIES "),\n"
    "    score         REAL NOT NULL CHECK (score >= 0 AND score <= 1),\n"
    "    created_at    TEXT NOT NULL DEFAULT " NOW ",\n"
    "    updated_at    TEXT NOT NULL DEFAULT " NOW ",\n"
    "    carrier       TEXT,\n"
    "    flight_number TEXT,\n"
    "    origin        TEXT,\n"
    "    destination   TEXT,\n"
    "    departure     TEXT\n"
    ");\n"
    /* The analysts' queue: open alerts, oldest first. */
    "CREATE INDEX alerts_state ON alerts(state, created_at);\n"
    "CREATE INDEX alerts_record ON alerts(record_id);\n"
    "CREATE INDEX alerts_flight ON alerts(carrier, flight_number, departure);\n"

    /* list and entry_id are '' (not NULL) for rule hits: NULLs never collide in a
     * UNIQUE constraint, so rule hits would otherwise never be de-duplicated. */
    "CREATE TABLE alert_hits (\n"
    "    id           INTEGER PRIMARY KEY,\n"
    "    alert        INTEGER NOT NULL REFERENCES alerts(id),\n"
    "    type         TEXT NOT NULL CHECK (type IN ('watchlist', 'rule')),\n"
    "    rule_id      TEXT NOT NULL,\n"
    "    rule_version INTEGER NOT NULL DEFAULT 0,\n"
    "    score        REAL NOT NULL CHECK (score >= 0 AND score <= 1),\n"
    "    severity     TEXT NOT NULL CHECK (severity IN " SEVERITIES "),\n"
    "    list         TEXT NOT NULL DEFAULT '',\n"
    "    list_version INTEGER,\n"
    "    entry_id     TEXT NOT NULL DEFAULT '',\n"
    "    entry_name   TEXT,\n"
    "    matched_name TEXT,\n"
    "    explanation  TEXT CHECK (explanation IS NULL OR json_valid(explanation)),\n"
    "    created_at   TEXT NOT NULL DEFAULT " NOW ",\n"
    "    UNIQUE (alert, type, rule_id, list, entry_id)\n"
    ");\n"
    /* Which alerts did this watchlist entry raise (e.g. after a list correction). */
    "CREATE INDEX alert_hits_entry ON alert_hits(list, entry_id);\n";

/* Data quality (PAXLST and the other readers): what each sender sent and what was wrong
 * with it. quality_messages has one row per message received (the report's
 * denominators); quality_findings one row per finding. Both are keyed by a
 * deterministic hash of their content without the file name, so screening the same
 * input again adds nothing; the key starts with a hash of the message alone, so the
 * findings of one message sit together in the key's index (a random key would touch a
 * page per finding). No personal data beyond the record id: the details name segments,
 * codes and counts, never names. */
static const char migration_3[] =
    "CREATE TABLE quality_messages (\n"
    "    id              INTEGER PRIMARY KEY,\n"
    "    key             TEXT NOT NULL UNIQUE,\n"
    "    format          TEXT,\n"
    "    source          TEXT,\n"
    "    sender          TEXT,\n"
    "    interchange_ref TEXT,\n"
    "    message_ref     TEXT,\n"
    "    carrier         TEXT,\n"
    "    flight_number   TEXT,\n"
    "    departure       TEXT,\n"
    "    travellers      INTEGER NOT NULL DEFAULT 0 CHECK (travellers >= 0),\n"
    "    detail          TEXT,\n"
    "    received_at     TEXT NOT NULL DEFAULT " NOW "\n"
    ");\n"
    "CREATE INDEX quality_messages_flight ON quality_messages(sender, carrier, flight_number, "
    "departure);\n"
    "CREATE TABLE quality_findings (\n"
    "    id              INTEGER PRIMARY KEY,\n"
    "    key             TEXT NOT NULL UNIQUE,\n"
    "    kind            TEXT NOT NULL CHECK (kind IN ('missing_dob', 'missing_document',\n"
    "                    'expired_document', 'malformed_document', 'unknown_country',\n"
    "                    'invalid_date', 'unknown_code', 'invalid_field', 'placeholder_name',\n"
    "                    'count_mismatch', 'control_mismatch', 'structure', 'rejected')),\n"
    "    format          TEXT,\n"
    "    source          TEXT,\n"
    "    sender          TEXT,\n"
    "    interchange_ref TEXT,\n"
    "    message_ref     TEXT,\n"
    "    carrier         TEXT,\n"
    "    flight_number   TEXT,\n"
    "    departure       TEXT,\n"
    "    line            INTEGER,\n"
    "    segment         TEXT,\n"
    "    field           TEXT,\n"
    "    record_id       TEXT,\n"
    "    detail          TEXT NOT NULL,\n"
    "    found_at        TEXT NOT NULL DEFAULT " NOW "\n"
    ");\n"
    "CREATE INDEX quality_findings_flight ON quality_findings(sender, carrier, flight_number, "
    "departure, kind);\n";

/* Per rule and version: hits, alerts, analysts' decisions (migration_rule_stats; made
 * again by migration_alert_checks, which rebuilds the table under it). */
#define RULE_STATS_VIEW                                                                        \
    "CREATE VIEW rule_stats AS\n"                                                              \
    "SELECT h.rule_id, h.rule_version, count(*) AS hits, count(DISTINCT h.alert) AS alerts,\n" \
    "       coalesce(sum(d.disposition = 'confirmed'), 0) AS confirmed,\n"                     \
    "       coalesce(sum(d.disposition = 'false_positive'), 0) AS false_positives,\n"          \
    "       min(h.created_at) AS first_hit, max(h.created_at) AS last_hit\n"                   \
    "FROM alert_hits h LEFT JOIN hit_dispositions d ON d.hit = h.id\n"                         \
    "GROUP BY h.rule_id, h.rule_version;\n"

/* Rule statistics (engine/rules, store/rulestats.c): what analysts decided about each
 * hit, and per rule and version the hits, alerts and decisions, as a view over the
 * stored hits so that the counts never drift from them. */
static const char migration_rule_stats[] =
    "CREATE TABLE hit_dispositions (\n"
    "    hit         INTEGER PRIMARY KEY REFERENCES alert_hits(id),\n"
    "    disposition TEXT NOT NULL CHECK (disposition IN ('confirmed', 'false_positive')),\n"
    "    actor       TEXT NOT NULL,\n"
    "    decided_at  TEXT NOT NULL DEFAULT " NOW ",\n"
    "    note        TEXT\n"
    ");\n"
    "CREATE INDEX alert_hits_rule ON alert_hits(rule_id, rule_version);\n"
    RULE_STATS_VIEW;

/* The spool directory (pipeline/spool.c) and replay safety: a journal of the files a
 * spool took in, and a content key on dead letters so that screening a file again after
 * a crash (the same rejected bytes from the same source) adds no second row. Rows from
 * before this migration have no key; SQLite's unique index lets NULLs repeat. */
static const char migration_spool[] =
    "ALTER TABLE dead_letters ADD COLUMN key TEXT;\n"
    "CREATE UNIQUE INDEX dead_letters_key ON dead_letters(key);\n"
    "CREATE TABLE spool_files (\n"
    "    id           INTEGER PRIMARY KEY,\n"
    "    spool        TEXT NOT NULL,\n"
    "    name         TEXT NOT NULL,\n"
    "    size         INTEGER NOT NULL,\n"
    "    state        TEXT NOT NULL CHECK (state IN ('screening', 'done', 'failed', 'interrupted')),\n"
    "    started_at   TEXT NOT NULL DEFAULT " NOW ",\n"
    "    finished_at  TEXT,\n"
    "    records      INTEGER,\n"
    "    rejected     INTEGER,\n"
    "    alerts       INTEGER,\n"
    "    new_alerts   INTEGER,\n"
    "    moved_to     TEXT,\n"
    "    reason       TEXT\n"
    ");\n"
    "CREATE INDEX spool_files_name ON spool_files(spool, name, id);\n";

/* Screening speed: the records table without CHECK (json_valid(json)), which made SQLite
 * parse every record's JSON again on the single writer thread (about a fifth of its time
 * per record). The JSON is written by pw_record_to_json alone, and its validity is a unit
 * test. SQLite cannot drop a constraint, so the table is rebuilt (the documented
 * create-copy-drop-rename procedure, with foreign keys off as every migration runs). */
static const char migration_records_unchecked[] =
    "CREATE TABLE records_new (\n"
    "    id            INTEGER PRIMARY KEY,\n"
    "    record_id     TEXT NOT NULL UNIQUE,\n"
    "    role          TEXT,\n"
    "    carrier       TEXT,\n"
    "    flight_number TEXT,\n"
    "    origin        TEXT,\n"
    "    destination   TEXT,\n"
    "    departure     TEXT,\n"
    "    arrival       TEXT,\n"
    "    surname       TEXT,\n"
    "    given_names   TEXT,\n"
    "    full_name     TEXT,\n"
    "    gender        TEXT,\n"
    "    dob           TEXT,\n"
    "    nationality   TEXT,\n"
    "    source_file   TEXT,\n"
    "    source_line   INTEGER,\n"
    "    json          TEXT NOT NULL,\n"
    "    screened_at   TEXT NOT NULL DEFAULT " NOW "\n"
    ");\n"
    "INSERT INTO records_new SELECT id, record_id, role, carrier, flight_number, origin, "
    "destination, departure, arrival, surname, given_names, full_name, gender, dob, "
    "nationality, source_file, source_line, json, screened_at FROM records;\n"
    "DROP TABLE records;\n"
    "ALTER TABLE records_new RENAME TO records;\n"
    "CREATE INDEX records_flight ON records(carrier, flight_number, departure);\n"
    "CREATE INDEX records_screened_at ON records(screened_at);\n";

/* The daily guard (max_hits_per_day) starts a process from the hits each rule stored
 * today: counted per rule and version from this index, not by scanning every hit. */
static const char migration_rule_hits_by_day[] =
    "CREATE INDEX alert_hits_rule_day ON alert_hits(rule_id, rule_version, created_at);\n";

/* The severity checks of alerts and alert_hits written as comparisons: SQLite builds a
 * temporary index for an IN list of more than two constants on every statement that
 * checks it (a list of two is compared in place), so each alert stored built two,
 * about a quarter of the cost of storing it (callgrind: 304,000 instructions an alert
 * against 225,000 with comparisons). Same rule, same rows: the tables are rebuilt by
 * the documented create-copy-drop-rename procedure, with their indexes and the
 * rule_stats view over alert_hits made again. */
#define SEVERITY_IS(col)                                                                       \
    "(" col " = 'none' OR " col " = 'low' OR " col " = 'medium' OR " col " = 'high' OR " col    \
    " = 'critical')"
static const char migration_alert_checks[] =
    "DROP VIEW rule_stats;\n"
    "CREATE TABLE alerts_new (\n"
    "    id            INTEGER PRIMARY KEY,\n"
    "    alert_id      TEXT NOT NULL UNIQUE,\n"
    "    key           TEXT NOT NULL UNIQUE,\n"
    "    record_id     TEXT NOT NULL REFERENCES records(record_id),\n"
    "    state         TEXT NOT NULL DEFAULT 'new',\n"
    "    severity      TEXT NOT NULL CHECK " SEVERITY_IS("severity") ",\n"
    "    score         REAL NOT NULL CHECK (score >= 0 AND score <= 1),\n"
    "    created_at    TEXT NOT NULL DEFAULT " NOW ",\n"
    "    updated_at    TEXT NOT NULL DEFAULT " NOW ",\n"
    "    carrier       TEXT,\n"
    "    flight_number TEXT,\n"
    "    origin        TEXT,\n"
    "    destination   TEXT,\n"
    "    departure     TEXT\n"
    ");\n"
    "INSERT INTO alerts_new SELECT id, alert_id, key, record_id, state, severity, score, "
    "created_at, updated_at, carrier, flight_number, origin, destination, departure "
    "FROM alerts;\n"
    "DROP TABLE alerts;\n"
    "ALTER TABLE alerts_new RENAME TO alerts;\n"
    "CREATE INDEX alerts_state ON alerts(state, created_at);\n"
    "CREATE INDEX alerts_record ON alerts(record_id);\n"
    "CREATE INDEX alerts_flight ON alerts(carrier, flight_number, departure);\n"
    "CREATE TABLE alert_hits_new (\n"
    "    id           INTEGER PRIMARY KEY,\n"
    "    alert        INTEGER NOT NULL REFERENCES alerts(id),\n"
    "    type         TEXT NOT NULL CHECK (type IN ('watchlist', 'rule')),\n"
    "    rule_id      TEXT NOT NULL,\n"
    "    rule_version INTEGER NOT NULL DEFAULT 0,\n"
    "    score        REAL NOT NULL CHECK (score >= 0 AND score <= 1),\n"
    "    severity     TEXT NOT NULL CHECK " SEVERITY_IS("severity") ",\n"
    "    list         TEXT NOT NULL DEFAULT '',\n"
    "    list_version INTEGER,\n"
    "    entry_id     TEXT NOT NULL DEFAULT '',\n"
    "    entry_name   TEXT,\n"
    "    matched_name TEXT,\n"
    "    explanation  TEXT CHECK (explanation IS NULL OR json_valid(explanation)),\n"
    "    created_at   TEXT NOT NULL DEFAULT " NOW ",\n"
    "    UNIQUE (alert, type, rule_id, list, entry_id)\n"
    ");\n"
    "INSERT INTO alert_hits_new SELECT id, alert, type, rule_id, rule_version, score, "
    "severity, list, list_version, entry_id, entry_name, matched_name, explanation, "
    "created_at FROM alert_hits;\n"
    "DROP TABLE alert_hits;\n"
    "ALTER TABLE alert_hits_new RENAME TO alert_hits;\n"
    "CREATE INDEX alert_hits_entry ON alert_hits(list, entry_id);\n"
    "CREATE INDEX alert_hits_rule ON alert_hits(rule_id, rule_version);\n"
    "CREATE INDEX alert_hits_rule_day ON alert_hits(rule_id, rule_version, created_at);\n"
    RULE_STATS_VIEW;

/* The records view (rows, and batch members that have no row) with a member's JSON
 * read as member_json: migration 9's reads it as stored, migration 10 creates that
 * again over the rebuilt record_batches, and migration 11 puts the batch's file back
 * (PW_BATCH_MEMBER_JSON). */
#define RECORDS_VIEW_READING(member_json) \
    "CREATE VIEW records AS\n" \
    "SELECT record_id, role, carrier, flight_number, origin, destination, departure, arrival,\n" \
    "       surname, given_names, full_name, gender, dob, nationality, source_file,\n" \
    "       source_line, json, screened_at\n" \
    "FROM record_rows\n" \
    "UNION ALL\n" \
    "SELECT json_extract(r.value, '$.record_id'), json_extract(r.value, '$.traveller.role'),\n" \
    "       b.carrier, b.flight_number, b.origin, b.destination, b.departure, b.arrival,\n" \
    "       json_extract(r.value, '$.traveller.surname'),\n" \
    "       json_extract(r.value, '$.traveller.given_names'),\n" \
    "       json_extract(r.value, '$.traveller.full_name'),\n" \
    "       json_extract(r.value, '$.traveller.gender'),\n" \
    "       json_extract(r.value, '$.traveller.dob'),\n" \
    "       json_extract(r.value, '$.traveller.nationality'), b.source_file,\n" \
    "       json_extract(r.value, '$.source.line'), " member_json ", b.screened_at\n" \
    "FROM record_batches b, json_each(b.records) r\n" \
    "WHERE NOT EXISTS (SELECT 1 FROM record_rows w\n" \
    "                  WHERE w.record_id = json_extract(r.value, '$.record_id'));\n"
#define RECORDS_VIEW RECORDS_VIEW_READING("r.value")

/* Screening speed when every record is kept: the records that raised no alert are stored
 * in batches, one row holding the canonical JSON of up to PW_RECORD_BATCH_MAX
 * consecutive records of one input and one flight as one JSON array, instead of one row
 * and three index entries each (callgrind, the writer thread: about 28,000 instructions
 * a record as rows, the bound of `paxwatch screen` with store_records: all). Records
 * with an alert stay one row each, in the table renamed record_rows (alerts refer to
 * them; SQLite rewrites that reference with the rename). record_ids holds the id of
 * every record stored either way, so a record is stored once however often it is
 * screened (as the unique record_id of the old table ensured); a record batched first
 * and stored as a row later, when screened again against a changed list raised an
 * alert, is shown by the view as its row only. The view `records` shows both with the
 * columns the table had, so queries over records read as before. */
static const char migration_record_batches[] =
    "ALTER TABLE records RENAME TO record_rows;\n"
    "CREATE TABLE record_ids (record_id TEXT PRIMARY KEY) WITHOUT ROWID;\n"
    "INSERT INTO record_ids SELECT record_id FROM record_rows;\n"
    "CREATE TABLE record_batches (\n"
    "    id            INTEGER PRIMARY KEY,\n"
    "    carrier       TEXT,\n"
    "    flight_number TEXT,\n"
    "    origin        TEXT,\n"
    "    destination   TEXT,\n"
    "    departure     TEXT,\n"
    "    arrival       TEXT,\n"
    "    source_file   TEXT,\n"
    "    first_line    INTEGER,\n"
    "    last_line     INTEGER,\n"
    "    n_records     INTEGER NOT NULL CHECK (n_records > 0),\n"
    "    records       TEXT NOT NULL,\n"
    "    screened_at   TEXT NOT NULL\n"
    ");\n"
    "CREATE INDEX record_batches_flight ON record_batches(carrier, flight_number, departure);\n"
    "CREATE INDEX record_batches_screened_at ON record_batches(screened_at);\n"
    RECORDS_VIEW;

/* The writer's cost when every record is kept: record_ids, one B-tree entry a record
 * under its id (a content hash, in random order), cost the writer thread two thirds of
 * what storing a batched record costs (callgrind: 6,100 of 9,100 instructions), and
 * each commit rewrote every page of it an insert had touched: about one page a record
 * once the table outgrows a commit's inserts. A record is now told apart within its
 * group (its flight; records without one, their input file): each batch keeps the keys
 * of its members (record_keys, PW_RECORD_KEY_LEN bytes each) and its group
 * (record_group, indexed), and the writer reads a group's keys once, when it first
 * stores records of that group, instead of looking up every record. The table is
 * rebuilt so that the records' JSON, which fills overflow pages, is its last column:
 * SQLite walks a row's overflow pages to reach a column after them. */
static const char migration_record_groups[] =
    "DROP VIEW records;\n"
    "CREATE TABLE record_batches_new (\n"
    "    id            INTEGER PRIMARY KEY,\n"
    "    carrier       TEXT,\n"
    "    flight_number TEXT,\n"
    "    origin        TEXT,\n"
    "    destination   TEXT,\n"
    "    departure     TEXT,\n"
    "    arrival       TEXT,\n"
    "    source_file   TEXT,\n"
    "    first_line    INTEGER,\n"
    "    last_line     INTEGER,\n"
    "    n_records     INTEGER NOT NULL CHECK (n_records > 0),\n"
    "    screened_at   TEXT NOT NULL,\n"
    "    record_group  INTEGER NOT NULL,\n"
    "    record_keys   BLOB NOT NULL,\n"
    "    records       TEXT NOT NULL\n"
    ");\n"
    "INSERT INTO record_batches_new\n"
    "SELECT id, carrier, flight_number, origin, destination, departure, arrival, source_file,\n"
    "       first_line, last_line, n_records, screened_at,\n"
    "       pw_record_group(carrier, flight_number, origin, destination, departure, arrival,\n"
    "                       source_file),\n"
    "       coalesce((SELECT pw_record_keys(json_extract(r.value, '$.record_id'))\n"
    "                 FROM json_each(b.records) r), x''),\n"
    "       records\n"
    "FROM record_batches b;\n"
    "DROP TABLE record_batches;\n"
    "ALTER TABLE record_batches_new RENAME TO record_batches;\n"
    "CREATE INDEX record_batches_flight ON record_batches(carrier, flight_number, departure);\n"
    "CREATE INDEX record_batches_screened_at ON record_batches(screened_at);\n"
    "CREATE INDEX record_batches_group ON record_batches(record_group);\n"
    "DROP TABLE record_ids;\n" RECORDS_VIEW;

/* SQL: the canonical JSON of a record batch member, r a row of json_each(b.records) and
 * b its batch: the member as stored (pw_record_to_batch_json), with the batch's
 * source_file put back into its source object after the format, as pw_record_to_json
 * writes it. The inner json_patch onto '{}' leaves out a format or file that is NULL;
 * the outer one keeps its target's keys first, in order, and appends the member's
 * others (a member that kept its file keeps it). Part of migration 11, a
 * released script: never edited (another form needs another migration).
 * pw_store_each_record_json gives the same JSON, spliced in C (rulestats.c). */
#define PW_BATCH_MEMBER_JSON                                                                 \
    "CASE WHEN json_extract(r.value, '$.source') IS NULL THEN r.value ELSE "               \
    "json_set(r.value, '$.source', json_patch(json_patch('{}', json_object("                \
    "'format', json_extract(r.value, '$.source.format'), 'file', b.source_file)), "         \
    "json_extract(r.value, '$.source'))) END"

/* A batch member's JSON leaves out the file its source came from (pw_record_to_batch_json),
 * which the batch's row holds once: 17% of the bytes of the synthetic travellers'
 * records (13.8 MB against 16.5), for the writer to store and the file to hold. The view
 * puts it back where the canonical JSON has it; members stored before (with it) read as
 * they did. */
static const char migration_batch_member_file[] =
    "DROP VIEW records;\n" RECORDS_VIEW_READING(PW_BATCH_MEMBER_JSON);

const char *const pw_schema_migrations[] = {
    migration_1,     migration_2,                 migration_3,
    migration_rule_stats, migration_spool, migration_records_unchecked,
    migration_rule_hits_by_day, migration_alert_checks, migration_record_batches,
    migration_record_groups, migration_batch_member_file};
const int pw_schema_version_latest =
    (int)(sizeof pw_schema_migrations / sizeof pw_schema_migrations[0]);

const char *const pw_schema_tables[] = {
    "watchlists", "watchlist_versions",  "entries",         "entry_names",
    "entry_dobs", "entry_nationalities", "entry_documents", "records",
    "alerts",     "alert_hits",          "audit",           "dead_letters",
    "quality_messages", "quality_findings", "hit_dispositions", "spool_files",
    "record_rows", "record_batches", NULL,
};

/* Runs one integer-valued query ("PRAGMA user_version"); -1 on error. */
static long long query_int(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st = NULL;
    long long v = -1;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return -1;
    if (sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

int pw_schema_version(sqlite3 *db)
{
    return (int)query_int(db, "PRAGMA user_version");
}

/* sqlite3_exec with errors turned into PW_EDB naming what was being done. */
static int exec(sqlite3 *db, const char *path, const char *sql, const char *what, pw_error *err)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK)
        return 0;
    int rc = pw_error_set(err, PW_EDB, path, 0, 0, "%s: %s", what, msg ? msg : sqlite3_errmsg(db));
    sqlite3_free(msg);
    return rc;
}

/* Refuses files that are SQLite databases but not ours: a non-empty database with
 * user_version 0, or a versioned one with another application_id. */
static int check_ownership(sqlite3 *db, const char *path, int version, pw_error *err)
{
    if (version == 0) {
        long long objects = query_int(db, "SELECT count(*) FROM sqlite_schema");
        if (objects < 0)
            return pw_error_set(err, PW_EDB, path, 0, 0, "cannot read the database: %s",
                                sqlite3_errmsg(db));
        if (objects > 0)
            return pw_error_set(err, PW_EDB, path, 0, 0,
                                "not a paxwatch database (it has tables but no paxwatch "
                                "schema version)");
        return 0;
    }
    if (query_int(db, "PRAGMA application_id") != PW_APPLICATION_ID)
        return pw_error_set(err, PW_EDB, path, 0, 0,
                            "not a paxwatch database (PRAGMA application_id differs)");
    return 0;
}

/* Fails when PRAGMA foreign_key_check reports a row: a migration broke a reference. */
static int check_foreign_keys(sqlite3 *db, const char *path, int to, pw_error *err)
{
    sqlite3_stmt *st = NULL;
    int rc = 0;
    if (sqlite3_prepare_v2(db, "PRAGMA foreign_key_check", -1, &st, NULL) != SQLITE_OK)
        return pw_error_set(err, PW_EDB, path, 0, 0, "migration %d: %s", to, sqlite3_errmsg(db));
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW)
        rc = pw_error_set(err, PW_EDB, path, 0, 0,
                          "migration %d leaves a broken foreign key in table %s", to,
                          (const char *)sqlite3_column_text(st, 0));
    else if (step != SQLITE_DONE)
        rc = pw_error_set(err, PW_EDB, path, 0, 0, "migration %d: %s", to, sqlite3_errmsg(db));
    sqlite3_finalize(st);
    return rc;
}

int64_t pw_schema_record_group(const pw_flight *f, const char *source_file)
{
    const char *flight[] = {f->carrier,   f->number,    f->origin,
                            f->destination, f->departure, f->arrival};
    const char *no_flight[] = {"no flight", source_file};
    bool has_flight = false;
    for (size_t i = 0; i < sizeof flight / sizeof flight[0]; i++)
        has_flight |= flight[i] != NULL;
    uint64_t h[2];
    if (has_flight)
        pw_hash128(flight, sizeof flight / sizeof flight[0], h);
    else
        pw_hash128(no_flight, 2, h);
    return (int64_t)h[0];
}

void pw_schema_record_key(const char *record_id, unsigned char key[PW_RECORD_KEY_LEN])
{
    uint64_t h[2];
    pw_hash128(&record_id, 1, h);
    h[1] |= h[0] ? 0 : 1; /* never all zero: a key set marks its empty slots so */
    memcpy(key, h, PW_RECORD_KEY_LEN);
}

static void sql_record_group(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    const char *text[7] = {0};
    for (int i = 0; i < argc && i < 7; i++)
        text[i] = (const char *)sqlite3_value_text(argv[i]);
    pw_flight f = {.carrier = text[0], .number = text[1], .origin = text[2],
                   .destination = text[3], .departure = text[4], .arrival = text[5]};
    sqlite3_result_int64(ctx, pw_schema_record_group(&f, text[6]));
}

static void sql_record_keys_step(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    pw_strbuf *keys = sqlite3_aggregate_context(ctx, sizeof *keys);
    if (!keys || argc != 1) {
        sqlite3_result_error_nomem(ctx);
        return;
    }
    unsigned char key[PW_RECORD_KEY_LEN];
    pw_schema_record_key((const char *)sqlite3_value_text(argv[0]), key);
    pw_strbuf_appendn(keys, (const char *)key, sizeof key);
}

static void sql_record_keys_final(sqlite3_context *ctx)
{
    pw_strbuf *keys = sqlite3_aggregate_context(ctx, 0);
    if (!keys || keys->len == 0)
        sqlite3_result_null(ctx);
    else if (keys->oom)
        sqlite3_result_error_nomem(ctx);
    else
        sqlite3_result_blob(ctx, keys->data, (int)keys->len, SQLITE_TRANSIENT);
    if (keys)
        pw_strbuf_free(keys);
}

int pw_schema_register_functions(sqlite3 *db)
{
    int flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS;
    int rc = sqlite3_create_function_v2(db, "pw_record_group", 7, flags, NULL, sql_record_group,
                                        NULL, NULL, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_create_function_v2(db, "pw_record_keys", 1, flags, NULL, NULL,
                                        sql_record_keys_step, sql_record_keys_final, NULL);
    return rc;
}

/* Applies the missing migrations one transaction at a time (see the file comment).
 * Leaves foreign keys on. */
int pw_schema_migrate(sqlite3 *db, const char *path, pw_error *err)
{
    int rc = 0;
    int version = pw_schema_version(db);
    if (version < 0)
        return pw_error_set(err, PW_EDB, path, 0, 0, "cannot read the schema version: %s",
                            sqlite3_errmsg(db));
    if ((rc = check_ownership(db, path, version, err)) != 0)
        return rc;
    if (version > pw_schema_version_latest)
        goto too_new;
    if (version == pw_schema_version_latest)
        return 0;

    if (pw_schema_register_functions(db) != SQLITE_OK)
        return pw_error_set(err, PW_EDB, path, 0, 0, "migrating: %s", sqlite3_errmsg(db));
    if ((rc = exec(db, path, "PRAGMA foreign_keys = OFF", "migrating", err)) != 0)
        return rc;
    for (;;) {
        if ((rc = exec(db, path, "BEGIN IMMEDIATE", "migrating", err)) != 0)
            goto fail;
        /* Re-read under the write lock: another process may have migrated meanwhile. */
        version = pw_schema_version(db);
        if (version < 0 || version > pw_schema_version_latest) {
            exec(db, path, "ROLLBACK", "migrating", NULL);
            if (version < 0) {
                rc = pw_error_set(err, PW_EDB, path, 0, 0, "cannot read the schema version: %s",
                                  sqlite3_errmsg(db));
                goto fail;
            }
            exec(db, path, "PRAGMA foreign_keys = ON", "migrating", NULL);
            goto too_new;
        }
        if (version == pw_schema_version_latest) {
            if ((rc = exec(db, path, "COMMIT", "migrating", err)) != 0)
                goto fail;
            break;
        }
        char what[64];
        snprintf(what, sizeof what, "migration %d", version + 1);
        if ((rc = exec(db, path, pw_schema_migrations[version], what, err)) != 0)
            goto fail;
        if ((rc = check_foreign_keys(db, path, version + 1, err)) != 0)
            goto fail;
        char bump[64];
        snprintf(bump, sizeof bump, "PRAGMA user_version = %d", version + 1);
        if ((rc = exec(db, path, bump, what, err)) != 0)
            goto fail;
        if ((rc = exec(db, path, "COMMIT", what, err)) != 0)
            goto fail;
    }
    return exec(db, path, "PRAGMA foreign_keys = ON", "migrating", err);

fail:
    if (!sqlite3_get_autocommit(db))
        exec(db, path, "ROLLBACK", "migrating", NULL);
    exec(db, path, "PRAGMA foreign_keys = ON", "migrating", NULL);
    return rc;
too_new:
    return pw_error_set(err, PW_EDB, path, 0, 0,
                        "database schema version %d is newer than this paxwatch supports (%d); "
                        "use a newer paxwatch",
                        version, pw_schema_version_latest);
}
