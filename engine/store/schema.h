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

/* Registers the SQL functions the migrations use on db (pw_record_group(carrier,
 * flight_number, origin, destination, departure, arrival, source_file) and the
 * aggregate pw_record_keys(record_id), the members' keys one after another);
 * pw_schema_migrate does so itself. */
int pw_schema_register_functions(sqlite3 *db);

/* PRAGMA user_version, or -1 on error. */
int pw_schema_version(sqlite3 *db);

#endif
