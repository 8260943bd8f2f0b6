/*
 * ingest: turns input files into canonical models.
 *
 *  - traveller record readers (JSON Lines, CSV, UN/EDIFACT PAXLST) that validate and
 *    normalise each record (dates, countries to alpha-3). A record that cannot be read
 *    at all, or has no name, goes to a reject callback with its line number (PAXLST: its
 *    segment), field and reason, and reading goes on. A field-level problem (an unknown
 *    country, an invalid date, an unknown gender code) does not keep a traveller from
 *    being screened: the field is left empty and the problem is reported as a
 *    data-quality finding (pw_reader_set_findings), as are PAXLST control-count
 *    mismatches and incomplete travellers (no date of birth, no document);
 *  - watchlist importers (native CSV, OFAC SDN legacy CSV, UN consolidated XML)
 *    that emit one pw_entry per good row and reject bad rows the same way.
 *
 * Thread safety: a reader belongs to one thread; importers are reentrant.
 * Ownership: a record returned by pw_reader_next lives in the caller's arena until
 * the caller resets it; an entry passed to a pw_entry_fn is valid during the call.
 */
#ifndef PW_INGEST_H
#define PW_INGEST_H

#include "core/core.h"

/* ---- traveller records ---------------------------------------------------- */

enum pw_input_format {
    PW_INPUT_AUTO = 0, /* by content: '{' JSON Lines, "UNA"/"UNB" PAXLST, else CSV */
    PW_INPUT_JSONL,
    PW_INPUT_CSV,
    PW_INPUT_PAXLST,
};
int pw_input_format_parse(const char *s, enum pw_input_format *out);

typedef struct pw_reader pw_reader;

/* Opens path ("-" is standard input). Fails with PW_EIO naming the file when it cannot
 * be read, PW_EINVAL for a format this build cannot read. */
int pw_reader_open(const char *path, enum pw_input_format format, pw_reader **out,
                   pw_error *err);

/* Reads the next valid record into *out, allocating its strings in arena. Invalid
 * records are passed to reject (with ctx) and skipped. Returns 1 with a record, 0 at
 * end of input, negative on an error that stops the input (read error). */
int pw_reader_next(pw_reader *r, pw_arena *arena, pw_record *out, pw_reject_fn reject,
                   void *ctx, pw_error *err);

/* Data-quality findings of this reader (see core.h) go to fn with ctx, during
 * pw_reader_next, before the record they are about is returned; fn NULL (the default)
 * drops them. Findings about a traveller carry the record id it is returned with. */
void pw_reader_set_findings(pw_reader *r, pw_finding_fn fn, void *ctx);

/* The format actually being read (after auto-detection). */
enum pw_input_format pw_reader_format(const pw_reader *r);
void pw_reader_close(pw_reader *r);

/* Validates and normalises a record in place: requires a name; countries become
 * alpha-3; fills record_id from the content when absent. A field that cannot be
 * normalised (an unknown country, an invalid time, text that is not UTF-8) is left empty
 * and a document without a number is dropped: the record is kept. Returns PW_EINVAL
 * with *field and *reason set (static strings or arena strings) only when the record
 * has no name. */
int pw_record_normalise(pw_record *r, pw_arena *arena, const char **field,
                        const char **reason);

/* ---- watchlist importers --------------------------------------------------- */

enum pw_list_format {
    PW_LIST_CSV = 0,
    PW_LIST_OFAC_SDN,
    PW_LIST_UN_XML,
};
int pw_list_format_parse(const char *s, enum pw_list_format *out);

typedef struct pw_import_stats {
    long rows;     /* rows / records seen */
    long imported; /* entries emitted */
    long skipped;  /* rows rejected */
    long by_type[4]; /* imported entries by enum pw_entry_type */
} pw_import_stats;

typedef struct pw_import_callbacks {
    pw_entry_fn entry;
    pw_reject_fn reject;
    void *ctx;
} pw_import_callbacks;

/* Imports the files of one list release. For PW_LIST_OFAC_SDN, paths are sdn.csv and
 * optionally alt.csv and add.csv (recognised by their names or in that order).
 * Returns 0 when the files were read to the end (some rows may have been rejected),
 * negative when the import as a whole must fail: unreadable file, truncated or
 * malformed XML, an error returned by the entry callback. */
int pw_import_list(enum pw_list_format format, const char *const *paths, size_t n_paths,
                   const pw_import_callbacks *cb, pw_import_stats *stats, pw_error *err);

/* The individual importers, called by pw_import_list. */
int pw_import_csv(const char *path, const pw_import_callbacks *cb, pw_import_stats *stats,
                  pw_error *err);
int pw_import_ofac_sdn(const char *sdn_path, const char *alt_path, const char *add_path,
                       const pw_import_callbacks *cb, pw_import_stats *stats, pw_error *err);
int pw_import_un_xml(const char *path, const pw_import_callbacks *cb, pw_import_stats *stats,
                     pw_error *err);

#endif
