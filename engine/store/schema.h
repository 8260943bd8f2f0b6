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

/* PRAGMA user_version, or -1 on error. */
int pw_schema_version(sqlite3 *db);

#endif
