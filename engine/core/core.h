/*
 * core: the vocabulary every other module shares.
 *
 *  - error codes and the caller-owned pw_error that carries file:line:col details;
 *  - pw_arena, a bump allocator: records and watchlist entries live in one arena
 *    that is reset between items, so the hot path does not call malloc per record;
 *  - partial dates (year, year-month, full) and two-digit-year century rules;
 *  - countries: ISO 3166 alpha-2/alpha-3/English names and ICAO Doc 9303 codes,
 *    all normalised to alpha-3;
 *  - the canonical traveller record, the watchlist entry and the alert models;
 *  - a 128-bit content hash for deterministic keys, and a small growable string.
 *
 * Thread safety: every function is reentrant. An arena, a pw_strbuf or a record
 * belongs to one thread at a time. The country tables are immutable.
 * Ownership: strings inside pw_record, pw_entry and pw_alert are borrowed: they
 * point into an arena (or a caller's buffer) and live as long as it does.
 */
#ifndef PW_CORE_H
#define PW_CORE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define PW_VERSION "0.1.0"

/* ---- errors ------------------------------------------------------------ */

enum pw_code {
    PW_OK = 0,
    PW_ENOMEM = -1,    /* out of memory */
    PW_EINVAL = -2,    /* invalid argument or value */
    PW_EIO = -3,       /* file cannot be read or written */
    PW_EPARSE = -4,    /* syntax error in input */
    PW_EDB = -5,       /* database error */
    PW_ENOTFOUND = -6, /* named thing does not exist */
    PW_ECONFIG = -7,   /* invalid configuration */
    PW_ERULE = -8,     /* invalid rule */
    PW_EINTERNAL = -9, /* a bug: an invariant did not hold */
};

typedef struct pw_error {
    int code;
    char file[512]; /* empty when the error has no source position */
    int line;       /* 1-based; 0 when unknown */
    int col;        /* 1-based; 0 when unknown */
    char msg[1024];
} pw_error;

/* Name of an error code ("out of memory", ...). Never NULL. */
const char *pw_strerror(int code);

/* Fills *err (when not NULL) and returns code, so callers can write
 * `return pw_error_set(err, PW_EIO, path, 0, 0, "cannot open: %s", strerror(errno));`.
 * file may be NULL. */
int pw_error_set(pw_error *err, int code, const char *file, int line, int col, const char *fmt,
                 ...) __attribute__((format(printf, 6, 7)));

/* Writes "file:line:col: msg" (omitting absent parts) and a newline to out. */
void pw_error_print(const pw_error *err, FILE *out);

/* ---- arena ------------------------------------------------------------- */

typedef struct pw_arena pw_arena;

/* block_size: bytes per block (0 picks a default). NULL on out of memory. */
pw_arena *pw_arena_new(size_t block_size);
/* Returns 8-byte-aligned zeroed memory, or NULL on out of memory. */
void *pw_arena_alloc(pw_arena *a, size_t size);
/* The same without the zeroing: for memory the caller overwrites at once. */
void *pw_arena_alloc_uninit(pw_arena *a, size_t size);
char *pw_arena_strdup(pw_arena *a, const char *s);           /* NULL s gives NULL */
char *pw_arena_strndup(pw_arena *a, const char *s, size_t n); /* at most n bytes, adds NUL */
char *pw_arena_printf(pw_arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Frees everything allocated; keeps the first block for reuse. */
void pw_arena_reset(pw_arena *a);
void pw_arena_free(pw_arena *a);
/* Bytes the arena holds from the system (blocks and their headers). */
size_t pw_arena_size(const pw_arena *a);

/* ---- fresh memory ------------------------------------------------------ */

/* Writes a zero into each 4 KiB page that [p, p + size) overlaps, which must be zeroed
 * memory. Fresh memory from the kernel (a large calloc, mmap) is then mapped a page at
 * a time by one fault each, where a read before the first write would map the shared
 * zero page and the write copy it: a second fault, which flushes the TLB of every core
 * running the process's threads (for tables that a look-up reads before it writes). */
void pw_touch_pages(void *p, size_t size);

/* ---- growable string --------------------------------------------------- */

typedef struct pw_strbuf {
    char *data; /* NUL-terminated once anything was appended; owned */
    size_t len;
    size_t cap;
    bool oom; /* set when an append failed: the content is then truncated */
} pw_strbuf;

void pw_strbuf_append(pw_strbuf *b, const char *s);
/* The part of pw_strbuf_appendn that grows the buffer first (or sets oom). */
void pw_strbuf_appendn_grow(pw_strbuf *b, const char *s, size_t n);
/* Appends the n bytes at s. Inline when they fit: JSON is written in many short pieces. */
static inline void pw_strbuf_appendn(pw_strbuf *b, const char *s, size_t n)
{
    if (b && !b->oom && n < b->cap - b->len) { /* room for the bytes and the NUL */
        if (n)
            memcpy(b->data + b->len, s, n);
        b->len += n;
        b->data[b->len] = '\0';
        return;
    }
    pw_strbuf_appendn_grow(b, s, n);
}
void pw_strbuf_printf(pw_strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends v in decimal (what "%lld" writes, without printf's cost). */
void pw_strbuf_append_int(pw_strbuf *b, long long v);
/* Appends v with two decimals, byte for byte what "%.2f" writes in the C locale (v
 * rounded as its exact binary value, ties to even), without printf's cost for the usual
 * v: a score or similarity in [0, 1]. */
void pw_strbuf_append_fixed2(pw_strbuf *b, double v);
/* True when the n bytes at s are well-formed UTF-8 (no overlong forms, no surrogates,
 * nothing above U+10FFFF), as utf8proc decodes it. */
bool pw_utf8_valid(const char *s, size_t n);
/* Appends s as a JSON string literal with quotes and escapes; NULL gives null. */
void pw_strbuf_append_json(pw_strbuf *b, const char *s);
/* Appends an object member "key":"value" (key: ASCII needing no escape, key_len bytes;
 * value escaped as pw_strbuf_append_json does; NULL appends nothing), after a comma
 * when comma is set. */
void pw_strbuf_append_json_member(pw_strbuf *b, bool comma, const char *key, size_t key_len,
                                  const char *value);
void pw_strbuf_reset(pw_strbuf *b); /* length 0, keeps memory */
void pw_strbuf_free(pw_strbuf *b);

/* ---- hashing ----------------------------------------------------------- */

/* A 128-bit content hash (MurmurHash3 x64 128) of the n_parts strings (NULL parts
 * allowed), separator-safe: ("ab","c") and ("a","bc") differ. */
void pw_hash128(const char *const *parts, size_t n_parts, uint64_t h[2]);
/* pw_hash128 as 32 lowercase hex digits. out must hold 33 bytes. */
void pw_hash_hex(const char *const *parts, size_t n_parts, char out[33]);

/* ---- dates ------------------------------------------------------------- */

/* A calendar date that may be partial: year only, year-month, or full.
 * year 0 means "no date"; month 0 means unknown month (day must then be 0). */
typedef struct pw_date {
    int16_t year;
    uint8_t month;
    uint8_t day;
} pw_date;

static inline bool pw_date_is_set(pw_date d) { return d.year != 0; }

/* Parses "YYYY-MM-DD", "YYYY-MM" or "YYYY" (also "YYYYMMDD"), checking the calendar
 * (days per month, leap years) and 1000 <= year <= 2999. */
int pw_date_parse(const char *s, pw_date *out, pw_error *err);
/* Writes the partial form ("1968", "1968-02", "1968-02-23"); "" for no date.
 * buf must hold 11 bytes. */
void pw_date_format(pw_date d, char buf[11]);
/* Today's date in UTC. */
pw_date pw_date_today(void);
/* -1, 0, 1 comparing the common precision of a and b (1968 equals 1968-02-23). */
int pw_date_compare(pw_date a, pw_date b);

enum pw_century_rule {
    PW_CENTURY_PAST,    /* birth dates: latest century that is not after `ref` */
    PW_CENTURY_NEAREST, /* expiry and issue dates: the century closest to `ref` */
};
/* Expands a two-digit year yy (0..99) into a four-digit year relative to ref. */
int pw_date_century(int yy, uint8_t month, uint8_t day, pw_date ref, enum pw_century_rule rule);

/* A date of birth on a watchlist: exact, approximate, or a range. */
enum pw_dob_kind { PW_DOB_EXACT = 0, PW_DOB_APPROX = 1, PW_DOB_RANGE = 2 };
typedef struct pw_dob {
    enum pw_dob_kind kind;
    pw_date from; /* the date itself for EXACT and APPROX (may be partial) */
    pw_date to;   /* end of the range for RANGE; unset otherwise */
} pw_dob;

/* Writes "1968-02-23", "~1968", "1960..1965" for the three kinds. buf: 32 bytes. */
void pw_dob_format(const pw_dob *d, char buf[32]);

/* ---- countries --------------------------------------------------------- */

/* Alpha-3 code for an alpha-2 or alpha-3 code, an ICAO Doc 9303 code (D, GBD, GBN, ...),
 * or an English name or common variant ("Iran (Islamic Republic of)", "Syria");
 * case- and space-insensitive. Returns a static string, or NULL when unknown. */
const char *pw_country_alpha3(const char *text);
/* English short name for an alpha-3 code, or NULL. */
const char *pw_country_name(const char *alpha3);

/* ---- traveller records ------------------------------------------------- */

enum pw_role {
    PW_ROLE_PASSENGER = 0,
    PW_ROLE_CREW,
    PW_ROLE_TRANSIT_PASSENGER,
    PW_ROLE_TRANSIT_CREW,
};
const char *pw_role_name(enum pw_role role);
/* Parses "passenger", "crew", "transit_passenger", "transit_crew". */
int pw_role_parse(const char *s, enum pw_role *out);

typedef struct pw_document {
    const char *type;   /* "P", "I", ... or NULL */
    const char *number; /* as given */
    const char *issuer; /* alpha-3, or NULL */
    pw_date expiry;
    pw_date issued;
} pw_document;

typedef struct pw_flight {
    const char *carrier;   /* IATA/ICAO designator */
    const char *number;    /* flight number without carrier */
    const char *origin;    /* IATA airport */
    const char *destination;
    const char *departure; /* local "YYYY-MM-DDTHH:MM" (or a prefix of it) */
    const char *arrival;
    /* The legs of a multi-leg flight (PAXLST LOC+92 pairs, one per TDT), in route order,
     * when the input gives more than one; each leg is a pw_flight without legs of its
     * own. NULL / 0 otherwise. */
    const struct pw_flight *legs;
    size_t n_legs;
} pw_flight;

typedef struct pw_traveller {
    enum pw_role role;
    const char *surname;     /* NULL when only full_name is known */
    const char *given_names; /* may hold middle names */
    const char *full_name;   /* order unknown when surname is NULL */
    char gender;             /* 'M', 'F', 'U' or 0 */
    pw_date dob;
    const char *nationality; /* alpha-3 */
    const char *residence;   /* alpha-3 */
    const char *birth_place;
    const char *embarkation;
    const char *debarkation;
    const char *booking_ref;
    const char *passenger_ref;
    const char *seat;
    pw_document *documents;
    size_t n_documents;
    const char *clearance; /* airport of clearance (PAXLST LOC+22) */
} pw_traveller;

/*
 * Where a record came from, beyond source_file and source_line: the format and, for
 * PAXLST, the EDIFACT envelope, the message's document code and the traveller's
 * segments, so that an alert leads back to its message. Provenance is not content: it is
 * left out of pw_record_content_id, so a message sent again gives the same record ids.
 */
typedef struct pw_provenance {
    const char *format;          /* "paxlst", "jsonl", "csv"; NULL when unknown */
    const char *sender;          /* UNB interchange sender */
    const char *recipient;       /* UNB interchange recipient */
    const char *interchange_ref; /* UNB interchange control reference */
    const char *group_ref;       /* UNG group reference; NULL without groups */
    const char *message_ref;     /* UNH message reference */
    const char *part;            /* UNH sequence of a multi-part message ("2:C"), or NULL */
    const char *reporting_party; /* NAD+MS name */
    const char *document_code;   /* BGM document name code: "745", "250", ... */
    const char *document_type;   /* "passenger_list", "crew_list", ... or NULL */
    const char *document_status; /* BGM sub-code as sent: "CP", "XR", "CLOB", ... or NULL */
    const char *document_action; /* the sub-code's meaning: "change", "cancel", "close_out", ... */
    long first_segment; /* the traveller's first and last segment, numbered in the message */
    long last_segment;  /* as UNT counts them (UNH is 1); 0 when unknown */
    long long offset;   /* byte offset of the traveller's first segment in the file; -1 unknown */
} pw_provenance;

typedef struct pw_record {
    const char *record_id; /* given, or derived deterministically from the content */
    pw_flight flight;
    pw_traveller traveller;
    const char *source_file; /* where the record came from ("-" for stdin) */
    long source_line;        /* 1-based line (PAXLST: the traveller's segment in the file) */
    pw_provenance source;    /* not content: see pw_provenance */
} pw_record;

/* The traveller's display name: full_name, else "GIVEN SURNAME" (allocated in the
 * arena), else the surname. NULL only on out of memory. */
const char *pw_record_display_name(const pw_record *r, pw_arena *a);
/* Deterministic record id from the record's content (flight, names, dob, documents),
 * used when the input gives none. out: 33 bytes. */
void pw_record_content_id(const pw_record *r, char out[33]);
/* Canonical JSON object for the record, as in CONTRACT.md, extended with the flight's
 * "legs", the traveller's "clearance" and a "source" object (file, line, format and the
 * PAXLST envelope, when known). */
void pw_record_to_json(const pw_record *r, pw_strbuf *out);
/* The same as a member of a record batch keeps it: without the source's "file", which
 * the batch's row holds once for all its members and the `records` view puts back in
 * its place (kept when it is not well-formed UTF-8, which JSON cannot carry as it is). */
void pw_record_to_batch_json(const pw_record *r, pw_strbuf *out);
void pw_flight_to_json(const pw_flight *f, pw_strbuf *out);

/* ---- watchlist entries ------------------------------------------------- */

enum pw_name_kind {
    PW_NAME_PRIMARY = 0,
    PW_NAME_ALIAS,
    PW_NAME_ORIGINAL_SCRIPT, /* the name in its own script (Arabic, Cyrillic, ...) */
};
enum pw_alias_quality {
    PW_QUALITY_UNKNOWN = 0,
    PW_QUALITY_GOOD, /* UN "Good", OFAC a.k.a. */
    PW_QUALITY_LOW,  /* UN "Low", OFAC weak a.k.a. */
};
const char *pw_name_kind_name(enum pw_name_kind k);
const char *pw_alias_quality_name(enum pw_alias_quality q);

typedef struct pw_entry_name {
    enum pw_name_kind kind;
    enum pw_alias_quality quality;
    const char *full;    /* the whole name as the list gives it */
    const char *surname; /* NULL unless the source marks it */
    const char *given;   /* NULL unless the source marks it */
} pw_entry_name;

enum pw_entry_type {
    PW_ENTRY_INDIVIDUAL = 0,
    PW_ENTRY_ENTITY,
    PW_ENTRY_VESSEL,
    PW_ENTRY_AIRCRAFT,
};
const char *pw_entry_type_name(enum pw_entry_type t);
int pw_entry_type_parse(const char *s, enum pw_entry_type *out);

enum pw_severity {
    PW_SEV_NONE = 0,
    PW_SEV_LOW,
    PW_SEV_MEDIUM,
    PW_SEV_HIGH,
    PW_SEV_CRITICAL,
};
const char *pw_severity_name(enum pw_severity s); /* "low" ... "critical"; "none" */
int pw_severity_parse(const char *s, enum pw_severity *out);

typedef struct pw_entry {
    const char *list;  /* list name; set by the store when loading */
    int list_version;  /* set by the store when loading */
    const char *entry_id;
    enum pw_entry_type type;
    pw_entry_name *names; /* names[0] is the primary name */
    size_t n_names;
    pw_dob *dobs;
    size_t n_dobs;
    const char **nationalities; /* alpha-3 */
    size_t n_nationalities;
    char gender; /* 'M', 'F' or 0 */
    pw_document *documents;
    size_t n_documents;
    const char *birth_place;
    const char *category;
    enum pw_severity severity; /* PW_SEV_NONE: the list's default */
    const char *remarks;
    const char *source_ref; /* where in the source file: "sdn.csv:123", "UN:QDi.001" */
} pw_entry;

/* Called once per good entry; the entry is valid only during the call.
 * A non-zero return stops the import with that code. */
typedef int (*pw_entry_fn)(void *ctx, const pw_entry *entry, pw_error *err);

/* ---- rejected input ----------------------------------------------------- */

/* A piece of input that was rejected and goes to the dead-letter table. */
typedef struct pw_reject {
    const char *kind;   /* "record", "watchlist" */
    const char *source; /* file name ("-" for stdin) */
    long line;          /* 1-based line, XML line, or segment ordinal; 0 unknown */
    const char *field;  /* the field at fault, or NULL */
    const char *reason; /* a sentence a user understands */
    const char *raw;    /* the rejected text (may be truncated), or NULL */
    bool warning;       /* nothing was rejected: a notice about the input (an ignored
                           column); shown to the user, not kept as a dead letter */
} pw_reject;

typedef void (*pw_reject_fn)(void *ctx, const pw_reject *rej);

/* ---- data-quality findings --------------------------------------------- */

/*
 * A data-quality finding: something wrong with the input that did not stop a traveller
 * from being screened (a field left empty, a document dropped, a control count that does
 * not match), or a notice that a message was received or rejected. Readers report them
 * per sender (the UNB sender, else the carrier) and per flight, so that an airline can
 * be told what to fix. A finding carries no personal data beyond the record id.
 */
enum pw_finding_kind {
    PW_FINDING_MESSAGE = 0,        /* a message was received (count: its travellers) */
    PW_FINDING_MISSING_DOB,        /* a traveller without a date of birth */
    PW_FINDING_MISSING_DOCUMENT,   /* a traveller without a travel document */
    PW_FINDING_EXPIRED_DOCUMENT,   /* a document that expires before the flight */
    PW_FINDING_MALFORMED_DOCUMENT, /* a document without a number, or a malformed one */
    PW_FINDING_UNKNOWN_COUNTRY,    /* a country code that is not ISO 3166 / ICAO 9303 */
    PW_FINDING_INVALID_DATE,       /* a date or time that is not a calendar date */
    PW_FINDING_UNKNOWN_CODE,       /* a gender, role or other code outside its list */
    PW_FINDING_INVALID_FIELD,      /* a field of the wrong type or not UTF-8: left empty */
    PW_FINDING_PLACEHOLDER_NAME,   /* FNU, LNU, UNKNOWN ... instead of a name */
    PW_FINDING_COUNT_MISMATCH,     /* CNT+42 / CNT+41 against the travellers sent */
    PW_FINDING_CONTROL_MISMATCH,   /* UNT, UNE, UNZ counts and references; missing parts */
    PW_FINDING_STRUCTURE,          /* missing or misplaced segments, junk after UNZ */
    PW_FINDING_REJECTED,           /* a message or traveller went to the dead-letter table */
    PW_FINDING__COUNT
};
/* "message", "missing_dob", ... "rejected"; "unknown" outside the enum. */
const char *pw_finding_kind_name(enum pw_finding_kind kind);
int pw_finding_kind_parse(const char *s, enum pw_finding_kind *out);
/* True for the kinds about one traveller (missing_dob ... placeholder_name): they carry
 * a record id; the others are about a message or an interchange. */
bool pw_finding_kind_is_traveller(enum pw_finding_kind kind);

typedef struct pw_finding {
    enum pw_finding_kind kind;
    const char *source;          /* file ("-" for stdin) */
    const char *format;          /* "paxlst", "jsonl", "csv" */
    const char *sender;          /* UNB sender, else the carrier; NULL when unknown */
    const char *interchange_ref; /* PAXLST only */
    const char *message_ref;     /* PAXLST only */
    const char *carrier;         /* the flight, when known */
    const char *flight_number;
    const char *departure;
    long line;             /* PAXLST: segment number in the message (UNH is 1), or in the
                              file for findings outside a message; else the input line */
    const char *segment;   /* PAXLST: the segment tag ("DTM"); NULL otherwise */
    const char *field;     /* the record field at fault ("traveller.dob"), or NULL */
    const char *record_id; /* the traveller's record for traveller findings, else NULL */
    const char *detail;    /* what is wrong, in words, without names */
    long count;            /* PW_FINDING_MESSAGE: travellers read from the message */
} pw_finding;

/* Called for each finding; the finding is valid only during the call. */
typedef void (*pw_finding_fn)(void *ctx, const pw_finding *finding);

/* ---- alerts ------------------------------------------------------------ */

typedef struct pw_hit {
    const char *type; /* "watchlist" or "rule" */
    const char *rule_id;
    int rule_version;
    double score;
    enum pw_severity severity;
    /* watchlist hits only (NULL / 0 otherwise): */
    const char *list;
    int list_version;
    const char *entry_id;
    const char *entry_name;   /* the entry's primary name */
    const char *matched_name; /* the name or alias that matched */
    const char *explanation;  /* a valid JSON object, as text: it is pasted into alerts */
} pw_hit;

typedef struct pw_alert {
    char alert_id[40]; /* "al-" + first 24 hex of key */
    char key[33];      /* deterministic: flight + traveller identity */
    const pw_record *record;
    const char *state; /* "new" */
    enum pw_severity severity;
    double score;
    pw_hit *hits;
    size_t n_hits;
} pw_alert;

/* Fills alert->key and alert->alert_id from the record: one key per traveller per flight. */
void pw_alert_make_key(pw_alert *alert);
/* The CONTRACT JSON object for an alert, without a trailing newline. */
void pw_alert_to_json(const pw_alert *alert, pw_arena *a, pw_strbuf *out);

#endif
