/*
 * What the fuzz targets share: memory files for the parsers that take a path, and
 * invariant checks on what the parsers hand back.
 *
 * Readers and importers open a path, so a target puts its input in an anonymous
 * memory file (memfd_create) and passes /proc/self/fd/N: nothing touches the disk
 * and opening it again rewinds, as a regular file would. The checks go beyond "does
 * not crash": every string a parser returns is read to its end (so AddressSanitizer
 * sees overreads), records and entries must keep the promises of core.h and ingest.h
 * (a name, alpha-3 countries, calendar-valid dates, well-formed UTF-8, JSON output
 * that parses), and a broken promise aborts with a message, which libFuzzer reports
 * as a crash and the replay test as a failure.
 *
 * Thread safety: none needed; a target runs one input at a time. Ownership: a
 * fuzz_file owns its descriptor until fuzz_file_close.
 */
#ifndef PW_FUZZ_COMMON_H
#define PW_FUZZ_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/core.h"
#include "ingest/ingest.h"

/* Every target defines this; libFuzzer or fuzz_replay.c calls it once per input. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Aborts with "fuzz invariant failed: what" unless cond holds. */
#define FUZZ_CHECK(cond, what)                                                                     \
    do {                                                                                           \
        if (!(cond))                                                                               \
            fuzz_fail(__FILE__, __LINE__, (what));                                                 \
    } while (0)

void fuzz_fail(const char *file, int line, const char *what) __attribute__((noreturn));

/* An anonymous memory file holding a copy of the input. */
typedef struct fuzz_file {
    int fd;
    char path[40]; /* "/proc/self/fd/N" */
} fuzz_file;

/* Creates the memory file (aborts when the system cannot: a broken harness must not
 * pass quietly). */
void fuzz_file_open(fuzz_file *f, const char *name, const void *data, size_t size);
void fuzz_file_close(fuzz_file *f);

/* A NUL-terminated malloc'ed copy of data (which may itself hold NULs). */
char *fuzz_strndup(const uint8_t *data, size_t size);

/* True when the n bytes at s are well-formed UTF-8 (RFC 3629: no overlongs,
 * surrogates or code points above U+10FFFF). Written independently of the engine's. */
bool fuzz_utf8_valid(const char *s, size_t n);

/* Reads s to its NUL (NULL allowed); with utf8, also requires well-formed UTF-8. */
void fuzz_check_string(const char *s, bool utf8, const char *what);
/* A pw_date that is unset (all zero) or a real, possibly partial, calendar date. */
void fuzz_check_date(pw_date d, const char *what);
/* NULL or an alpha-3 code that pw_country_name knows. */
void fuzz_check_alpha3(const char *code, const char *what);

/* A record as pw_reader_next returns it, including pw_record_to_json parsing back. */
void fuzz_check_record(const pw_record *r, pw_arena *arena);
/* An entry as an importer passes it to the entry callback. */
void fuzz_check_entry(const pw_entry *e);

/* Counts what a reader or importer produced (for comparing two runs). */
typedef struct fuzz_counts {
    long good;     /* records or entries */
    long rejects;  /* reject callback calls, warnings aside */
    long warnings; /* reject callback calls with warning set */
    long findings; /* data-quality findings (readers) */
    long line_sum; /* sum of the reject lines, a cheap fingerprint */
    char **ids;    /* entry ids seen (fuzz_on_entry), to find duplicates */
    size_t n_ids, cap_ids;
} fuzz_counts;

/* Frees the entry ids remembered in c. */
void fuzz_counts_free(fuzz_counts *c);

/* A pw_reject_fn: checks the reject and counts it in ctx (a fuzz_counts). */
void fuzz_on_reject(void *ctx, const pw_reject *rej);
/* A pw_entry_fn: checks the entry, that its id was not seen before in this import
 * (importers reject duplicates), and counts it in ctx (a fuzz_counts). */
int fuzz_on_entry(void *ctx, const pw_entry *e, pw_error *err);

/* Opens path with pw_reader_open in format, drains pw_reader_next, checks every
 * record, reject and data-quality finding. Returns the open or final read code (0 for a clean end)
 * and fills *counts and, when not NULL, *detected (the format pw_reader_format reports). */
int fuzz_drain_reader(const char *path, enum pw_input_format format, fuzz_counts *counts,
                      enum pw_input_format *detected);

#endif
