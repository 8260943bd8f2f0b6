/*
 * Internal to ingest: what the traveller record readers (reader.c, jsonl.c,
 * record_csv.c) share.
 *
 * A pw_reader is a FILE plus the state of one format reader. Every format reader
 * fills a pw_record whose strings are *borrowed* from its own buffers (the jansson
 * object of the line, the CSV tokenizer's row) or live in the reader's scratch arena,
 * which is reset before each input record. pw_reader_finish then normalises the record
 * in the scratch arena and deep-copies it into the caller's arena. So a rejected record
 * costs the caller's arena nothing, however many bad lines follow each other, and a
 * good record's strings are copied exactly once into the caller's arena.
 *
 * Thread safety: a reader belongs to one thread. Ownership: everything here is owned by
 * the pw_reader and freed by pw_reader_close.
 */
#ifndef PW_INGEST_READER_INTERNAL_H
#define PW_INGEST_READER_INTERNAL_H

#include <stdio.h>

#include "core/core.h"
#include "ingest/ingest.h"

/* The raw text passed to a reject callback is cut to this many bytes (at a UTF-8
 * character boundary) so that one huge bad line does not bloat the dead-letter table. */
#define PW_REJECT_RAW_MAX 4096

struct pw_jsonl;
struct pw_record_csv;
struct pw_paxlst;

/* A field-level problem found while reading or normalising one record: the field was
 * left empty (or the document dropped) and the record kept. pw_reader_finish turns each
 * into a pw_finding. Strings are static or in the reader's scratch arena. */
typedef struct pw_issue {
    enum pw_finding_kind kind;
    const char *field;   /* record field path ("traveller.dob") */
    const char *detail;  /* what is wrong ("unknown country 'XXA'") */
    long line;           /* PAXLST: segment number in the message; 0: the record's line */
    const char *segment; /* PAXLST: segment tag; NULL otherwise */
} pw_issue;

#define PW_ISSUES_MAX 32

/* The issues of the record being read; reset before each record. */
typedef struct pw_issues {
    pw_issue items[PW_ISSUES_MAX];
    size_t n;
} pw_issues;

/* Adds an issue (kept when there is room: a record with more than PW_ISSUES_MAX problems
 * reports the first ones). issues may be NULL. */
void pw_issue_add(pw_issues *issues, enum pw_finding_kind kind, const char *field,
                  const char *detail);

/* The country texts a reader remembers (a power of two), and how long one may be. */
#define PW_COUNTRY_MEMO 256
#define PW_COUNTRY_MEMO_TEXT 32

typedef struct pw_country_memo {
    char text[PW_COUNTRY_MEMO_TEXT];
    const char *alpha3;
} pw_country_memo;

/* What a format reader tells normalisation about its strings, and what normalisation
 * keeps from one record of the reader to the next (pw_record_normalise_issues). */
typedef struct pw_normalise_state {
    /* Every string is valid UTF-8 already (the JSON parser rejects a line that is not),
     * so normalisation does not check it again. */
    bool utf8_checked;
    /* Countries looked up, with their alpha-3 (NULL: unknown), by a hash of the text
     * (a text pushes out the one before it in its entry): records name the same few
     * hundred again and again (nationality, document issuer), and pw_country_alpha3
     * folds the whole text each time. Texts of PW_COUNTRY_MEMO_TEXT bytes or more are
     * not kept; an entry with an empty text is unused. */
    pw_country_memo countries[PW_COUNTRY_MEMO];
} pw_normalise_state;

struct pw_reader {
    FILE *fp;      /* what the format reader reads (may be the peek wrapper) */
    FILE *base;    /* the opened file or stdin; NULL when fp is base */
    bool own_base; /* fclose base (or fp) on close; false for stdin */
    char *path;    /* as given; "-" for stdin */
    enum pw_input_format format;
    pw_arena *scratch;               /* per-record temporaries; reset before each record */
    char raw[PW_REJECT_RAW_MAX + 1]; /* truncated raw text for rejects */
    struct pw_jsonl *jsonl;
    struct pw_record_csv *csv;
    struct pw_paxlst *paxlst;
    pw_finding_fn on_finding; /* pw_reader_set_findings; NULL drops findings */
    void *finding_ctx;
    pw_issues issues; /* of the record being read (pw_reader_begin_record) */
    pw_date today;    /* reference date when a record has no flight date */
    /* Maps an issue's record field path to the name the input uses (the CSV column);
     * NULL keeps the path. */
    const char *(*issue_field)(const pw_reader *r, const char *field);
    /* Set by a format reader whose records are already in normalised form (strings
     * trimmed, non-empty and UTF-8, countries alpha-3, canonical times, gender and role
     * valid, documents with a number): pw_reader_finish then only checks the name and
     * fills the record id (pw_record_normalise_canonical). The PAXLST reader builds its
     * records that way; the fuzz targets check that it does. */
    bool canonical;
    pw_normalise_state norm; /* for pw_record_normalise_issues */
};

/* Format readers: open prepares the state (the CSV reader reads its header), next has
 * the contract of pw_reader_next, close frees the state (NULL-safe). */
int pw_jsonl_open(pw_reader *r, pw_error *err);
int pw_jsonl_next(pw_reader *r, pw_arena *arena, pw_record *out, pw_reject_fn reject, void *ctx,
                  pw_error *err);
void pw_jsonl_close(pw_reader *r);

int pw_paxlst_open(pw_reader *r, pw_error *err);
int pw_paxlst_next(pw_reader *r, pw_arena *arena, pw_record *out, pw_reject_fn reject, void *ctx,
                   pw_error *err);
void pw_paxlst_close(pw_reader *r);

int pw_record_csv_open(pw_reader *r, pw_error *err);
int pw_record_csv_next(pw_reader *r, pw_arena *arena, pw_record *out, pw_reject_fn reject,
                       void *ctx, pw_error *err);
void pw_record_csv_close(pw_reader *r);

/* Passes one rejected record to reject (when not NULL) with kind "record" and the
 * reader's path; raw (raw_len bytes, may be NULL) is truncated to PW_REJECT_RAW_MAX. */
void pw_reader_reject(pw_reader *r, long line, const char *field, const char *reason,
                      const char *raw, size_t raw_len, pw_reject_fn reject, void *ctx);

/* Starts a record: resets the scratch arena and the issues. */
void pw_reader_begin_record(pw_reader *r);

/* Normalises rec (strings borrowed or in the scratch arena) in the scratch arena, then
 * copies it into arena as *out with source_file, source_line and source.format set
 * (the caller may have filled the rest of rec->source). Field-level problems (r->issues
 * and those normalisation finds) and the traveller checks (no date of birth, no
 * document, an expired document, a placeholder name) go to the findings callback with
 * the record id. Returns 0, PW_EINVAL with *field and *reason set when the record has
 * no name, or PW_ENOMEM. */
int pw_reader_finish(pw_reader *r, pw_record *rec, long line, pw_arena *arena, pw_record *out,
                     const char **field, const char **reason);

/* A run of memory that holds some of a record's strings whole, and nothing a string
 * outside it continues into: a reader that keeps strings packed (the PAXLST reader's
 * string space) names such runs so that they are copied with one memcpy each. */
typedef struct pw_span {
    const char *base;
    size_t len;
} pw_span;

#define PW_SPANS_MAX 4 /* spans pw_reader_copy_record takes; further ones are ignored */

/* pw_reader_finish for a record some of whose strings lie in spans: each span is copied
 * whole and the strings inside it are moved with it; the others are copied alone. */
int pw_reader_finish_spans(pw_reader *r, pw_record *rec, long line, pw_arena *arena, pw_record *out,
                           const char **field, const char **reason, const pw_span *spans,
                           size_t n_spans);

/* Deep-copies rec's strings, legs and documents into a (strings inside spans as above,
 * the others back to back in one allocation when they fit a small block). When every
 * string went into that one allocation, *packed (may be NULL) is it, so rec can later
 * be copied as a span; else {NULL, 0}. Returns 0 or PW_ENOMEM. */
int pw_reader_copy_record(pw_record *rec, pw_arena *a, const pw_span *spans, size_t n_spans,
                          pw_span *packed);

/* Normalises like pw_record_normalise, adding the field-level problems to issues (may
 * be NULL); state (may be NULL) is the reader's (see pw_normalise_state). */
int pw_record_normalise_issues(pw_record *r, pw_arena *arena, pw_issues *issues,
                               pw_normalise_state *state, const char **field, const char **reason);

/* The part of pw_record_normalise that a record already in normalised form needs: the
 * name check and the record id. */
int pw_record_normalise_canonical(pw_record *r, pw_arena *arena, const char **field,
                                  const char **reason);

/* Passes a finding to the reader's findings callback (when set), filling source and
 * format from the reader when the finding leaves them NULL. */
void pw_reader_emit_finding(pw_reader *r, pw_finding *f);

/* The name of a reader format for provenance: "jsonl", "csv", "paxlst". */
const char *pw_reader_format_name(enum pw_input_format format);

/* Parses a date field for a reader: 0, or PW_EINVAL with *reason in the scratch arena
 * ("invalid date '1968-02-30': ..."). s may be NULL or blank (no date). */
int pw_reader_parse_date(pw_reader *r, const char *s, pw_date *out, const char **reason);

/* Parses a role for a reader (blanks around it ignored, any case); NULL or blank gives
 * PW_ROLE_PASSENGER. PW_EINVAL with *reason in the scratch arena otherwise. */
int pw_reader_parse_role(pw_reader *r, const char *s, enum pw_role *out, const char **reason);

/* The length of s (n bytes) cut to at most max bytes without splitting a UTF-8
 * character: for quoting values in reasons and raw text. */
size_t pw_utf8_cut(const char *s, size_t n, size_t max);

/* Values quoted in a reason are cut to this many bytes. */
#define PW_REASON_VALUE_MAX 120

/* Gender words to the record's letter: M/male, F/female, U/X/unknown/other/unspecified
 * (any case, surrounding blanks ignored); NULL or blank gives 0. PW_EINVAL otherwise. */
int pw_gender_parse(const char *s, char *out);

#endif
