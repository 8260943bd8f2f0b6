/*
 * Internal to ingest: what the watchlist importers (import_csv.c, import_ofac.c,
 * import_unxml.c) share. The helpers live in import_list.c.
 *
 *  - pw_imp_entry builds one pw_entry in an arena: its arrays (names, dates of birth,
 *    nationalities, documents) grow by doubling inside the arena, so nothing is freed
 *    one by one; the importer resets the arena after the entry callback.
 *  - pw_imp_idset remembers the entry ids seen in one import (and the line of each) so
 *    that a duplicate id is rejected rather than silently replacing an entry.
 *  - small text helpers: whitespace clean-up, UTF-8 checks, month names, rejects.
 *
 * Thread safety: everything here works on caller-owned state. Ownership: strings passed
 * to the pw_imp_add_* functions must live in the builder's arena (or longer).
 */
#ifndef PW_INGEST_IMPORT_INTERNAL_H
#define PW_INGEST_IMPORT_INTERNAL_H

#include <stdbool.h>
#include <stdio.h>

#include "core/core.h"
#include "ingest/ingest.h"

/* The raw text passed to a reject callback is cut to this many bytes (at a UTF-8
 * character boundary) so that one huge bad row does not bloat the dead-letter table. */
#define PW_IMPORT_RAW_MAX 4096

/* ---- entry builder --------------------------------------------------------- */

typedef struct pw_imp_entry {
    pw_entry e;
    pw_arena *arena;
    size_t cap_names, cap_dobs, cap_nats, cap_docs;
} pw_imp_entry;

/* Starts an empty entry (type individual, severity none) built in arena. */
void pw_imp_entry_init(pw_imp_entry *b, pw_arena *arena);

/* Appends a name unless the same full text with the same kind is already there.
 * With split, "SURNAME, Given Names" fills surname and given (split at the first
 * comma, both sides non-empty). full must not be empty. 0 or PW_ENOMEM. */
int pw_imp_add_name(pw_imp_entry *b, enum pw_name_kind kind, enum pw_alias_quality quality,
                    const char *full, bool split);

/* Appends a date of birth unless an identical one is there. 0 or PW_ENOMEM. */
int pw_imp_add_dob(pw_imp_entry *b, pw_dob dob);

/* Appends an alpha-3 code (static or arena string) unless already there. */
int pw_imp_add_nationality(pw_imp_entry *b, const char *alpha3);

/* Appends a copy of *doc (its strings must live in the arena) unless a document with
 * the same type, number and issuer is there. */
int pw_imp_add_document(pw_imp_entry *b, const pw_document *doc);

/* Calls the entry callback for b, counts it in stats and passes a callback failure
 * on: returns 0 or the callback's code (with *err filled). */
int pw_imp_emit(const pw_import_callbacks *cb, const pw_imp_entry *b, pw_import_stats *stats,
                pw_error *err);

/* ---- id set ------------------------------------------------------------------ */

typedef struct pw_imp_idset pw_imp_idset;

pw_imp_idset *pw_imp_idset_new(void);
void pw_imp_idset_free(pw_imp_idset *s);
/* Adds id (copied) first seen on line. Returns 1 when added, 0 when id was already
 * there (*first_line, when not NULL, gets the line it was first seen on), PW_ENOMEM. */
int pw_imp_idset_add(pw_imp_idset *s, const char *id, long line, long *first_line);

/* ---- text -------------------------------------------------------------------- */

/* Copies s[0..n) into the arena with leading and trailing white space removed and
 * inner runs of white space (space, tab, CR, LF) collapsed to one space. Returns NULL
 * when nothing is left (or on out of memory: check *oom when it matters). */
char *pw_imp_clean(pw_arena *a, const char *s, size_t n, bool *oom);

/* Copies s (Latin-1 when it is not valid UTF-8) into the arena as UTF-8. */
char *pw_imp_to_utf8(pw_arena *a, const char *s);

/* Month number (1..12) for an English month name or its three-letter abbreviation,
 * with or without a final '.', any case ("Feb", "feb.", "February", "Sept"); 0 when
 * s[0..n) is not a month. */
int pw_imp_month(const char *s, size_t n);

/* Case-insensitive ASCII prefix test; returns the rest of s after the prefix, or NULL. */
const char *pw_imp_prefix(const char *s, const char *prefix);

/* The last path component ("sdn.csv" for "/data/ofac/sdn.csv"). */
const char *pw_imp_basename(const char *path);

/* Opens path for reading: PW_EIO naming the file when it cannot be opened or is a
 * directory. */
int pw_imp_fopen(const char *path, FILE **out, pw_error *err);

/* Passes a watchlist reject to cb->reject (when set); raw is cut to PW_IMPORT_RAW_MAX
 * bytes and bytes that are not UTF-8 become '?'. */
void pw_imp_reject(const pw_import_callbacks *cb, const char *source, long line, const char *field,
                   const char *reason, const char *raw);

/* The per-format importers behind the public ones, sharing one id set across the
 * files of one pw_import_list call. */
int pw_imp_csv_file(const char *path, pw_imp_idset *ids, const pw_import_callbacks *cb,
                    pw_import_stats *stats, pw_error *err);
int pw_imp_un_file(const char *path, pw_imp_idset *ids, const pw_import_callbacks *cb,
                   pw_import_stats *stats, pw_error *err);

#endif
