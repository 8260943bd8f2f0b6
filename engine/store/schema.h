/*
 * store/schema: the SQL schema as an ordered list of migration scripts, and the runner
 * that brings a database up to date. Internal to the store module (and its unit test,
 * which builds old-version databases from the same scripts); not a public header.
 *
 * Thread safety: the tables are immutable; pw_schema_migrate works on one connection.
 */
#ifndef PW_STORE_SCHEMA_H
#define PW_STORE_SCHEMA_H

#include "core/core.h"

#include <sqlite3.h>

/* Migration scripts: pw_schema_migrations[i] takes a database from user_version i to
 * i + 1. Never edit a released script: append a new one. */
extern const char *const pw_schema_migrations[];
extern const int pw_schema_version_latest;

/* The tables of the latest schema (for pw_store_count's check), NULL-terminated. */
extern const char *const pw_schema_tables[];

/* Applies the missing migrations, each in its own IMMEDIATE transaction, and sets
 * PRAGMA user_version after each. A database newer than this build is PW_EDB. path is
 * used in error messages only. Must be called outside any transaction. */
int pw_schema_migrate(sqlite3 *db, const char *path, pw_error *err);

/* Record groups (migration 10): a batch of stored records belongs to the group of its
 * flight (carrier, number, origin, destination, departure, arrival), or, for records
 * without a flight, of its input file; pw_schema_record_group is the group's id. Within
 * its group a record is known by its key, a 128-bit hash of its record id
 * (pw_schema_record_key, never all zero); a batch keeps its members' keys. */
#define PW_RECORD_KEY_LEN 16
int64_t pw_schema_record_group(const pw_flight *flight, const char *source_file);
void pw_schema_record_key(const char *record_id, unsigned char key[PW_RECORD_KEY_LEN]);

/* SQL: the canonical JSON of a record batch member, r a row of json_each(b.records) and
 * b its batch: the member as stored (pw_record_to_batch_json), with the batch's
 * source_file put back into its source object after the format, as pw_record_to_json
 * writes it. The inner json_patch onto '{}' leaves out a format or file that is NULL;
 * the outer one keeps its target's keys first, in order, and appends the member's
 * others (a member that kept its file keeps it). Part of migration 11's view, a
 * released script: never edited (another form needs another migration), and what
 * pw_store_each_record_json reads too, so that both give the same JSON. */
#define PW_BATCH_MEMBER_JSON                                                                 \
    "CASE WHEN json_extract(r.value, '$.source') IS NULL THEN r.value ELSE "               \
    "json_set(r.value, '$.source', json_patch(json_patch('{}', json_object("                \
    "'format', json_extract(r.value, '$.source.format'), 'file', b.source_file)), "         \
    "json_extract(r.value, '$.source'))) END"

/* Registers the SQL functions the migrations use on db (pw_record_group(carrier,
 * flight_number, origin, destination, departure, arrival, source_file) and the
 * aggregate pw_record_keys(record_id), the members' keys one after another);
 * pw_schema_migrate does so itself. */
int pw_schema_register_functions(sqlite3 *db);

/* PRAGMA user_version, or -1 on error. */
int pw_schema_version(sqlite3 *db);

#endif
