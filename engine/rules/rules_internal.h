/*
 * rules_internal: what the files of the rules module share. Not a public header.
 *
 *  - fields.c: the field table (names, types, scopes, prefilter weights) and reading a
 *    field's value from a record, a document or the derived values;
 *  - sets.c: case-insensitive string hash sets (named sets, `in` lists, prefilter);
 *  - rules.c: files, directories, set files and rule metadata (the loader);
 *  - compile.c: `when:` trees into node programs, regular expressions, prefilter keys;
 *  - eval.c: per-thread contexts, the prefilter, evaluation, hits and the daily guard;
 *  - ruletest.c: embedded tests and canonical JSON records;
 *  - backtest.c: back-testing counts.
 *
 * A compiled rule is a run of `node`s in the ruleset's node array, in pre-order: a
 * combinator (all, any, not, any_document, every_document) is followed by its children
 * and its `next` is the index just past its subtree, so children are walked by jumping
 * from next to next and a false child of `all` skips the rest at once. Leaves carry
 * their field, operator and literal (number, string, set, regex index, watchlist
 * condition). Nodes are 24 bytes and a rule's nodes sit together in memory.
 */
#ifndef PW_RULES_INTERNAL_H
#define PW_RULES_INTERNAL_H

#include "rules/rules.h"

#include <stdatomic.h>
#include <stdint.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

/* ---- fields ----------------------------------------------------------------- */

enum pwr_type {
    T_STRING = 0, /* free text and codes; eq/in ignore ASCII case */
    T_COUNTRY,    /* alpha-3; literals may be alpha-2, alpha-3 or English names */
    T_AIRPORT,    /* 3-letter IATA or 4-letter ICAO code */
    T_ROUTE,      /* "JFK-CDG" */
    T_ENUM,       /* one of the field's enum_values */
    T_DATE,       /* compared as day numbers */
    T_DATETIME,   /* compared as minutes; a date literal compares dates only */
    T_NUMBER,
    T_BOOL,
    T__COUNT
};

enum pwr_scope { S_RECORD = 0, S_DOCUMENT };

enum pwr_field {
    F_RECORD_ID = 0,
    F_FLIGHT_CARRIER,
    F_FLIGHT_NUMBER,
    F_FLIGHT_ORIGIN,
    F_FLIGHT_DESTINATION,
    F_FLIGHT_ROUTE,
    F_FLIGHT_DEPARTURE,
    F_FLIGHT_ARRIVAL,
    F_FLIGHT_DEPARTURE_HOUR,
    F_FLIGHT_LEG_COUNT,
    F_T_ROLE,
    F_T_SURNAME,
    F_T_GIVEN_NAMES,
    F_T_FULL_NAME,
    F_T_NAME,
    F_T_GENDER,
    F_T_DOB,
    F_T_AGE,
    F_T_NATIONALITY,
    F_T_RESIDENCE,
    F_T_BIRTH_PLACE,
    F_T_EMBARKATION,
    F_T_DEBARKATION,
    F_T_CLEARANCE,
    F_T_JOURNEY,
    F_T_TRANSIT,
    F_T_BOOKING_REF,
    F_T_PASSENGER_REF,
    F_T_SEAT,
    F_T_DOCUMENT_COUNT,
    F_BOOKING_HOURS,
    F_SOURCE_FORMAT,
    F_SOURCE_SENDER,
    F_SOURCE_DOCUMENT_TYPE,
    F_SOURCE_DOCUMENT_ACTION,
    F_D_TYPE,
    F_D_NUMBER,
    F_D_ISSUER,
    F_D_EXPIRY,
    F_D_ISSUED,
    F_D_DAYS_TO_EXPIRY,
    F_D_DAYS_SINCE_ISSUE,
    F_D_ISSUER_DIFFERS,
    F__COUNT
};

typedef struct pwr_field_def {
    const char *name; /* "traveller.nationality" */
    uint8_t type;     /* enum pwr_type */
    uint8_t scope;    /* enum pwr_scope */
    uint8_t weight;   /* prefilter cost of one key (lower is more selective); 0: not indexable */
    const char *const *enum_values; /* T_ENUM: NULL-terminated */
} pwr_field_def;

extern const pwr_field_def pwr_fields[F__COUNT];
/* Every field name, NULL-terminated (for "did you mean"). */
extern const char *const pwr_field_names[F__COUNT + 1];
/* The field called name, or -1. */
int pwr_field_find(const char *name);
const char *pwr_type_name(int type); /* "a string", "a date", ... */

/* A field's value in one record (or document). */
enum { V_MISSING = 0, V_STR, V_NUM };
typedef struct pwr_value {
    uint8_t kind;
    bool date_only; /* T_DATETIME without a time of day */
    uint32_t len;   /* V_STR */
    const char *s;  /* V_STR: not NUL-terminated in general */
    double num;     /* V_NUM: numbers, day numbers, minutes, 0/1 for booleans */
} pwr_value;

/* Days since 1970-01-01 of a (possibly partial) date: a missing month or day counts as
 * the first. */
int pwr_day_number(pw_date d);
/* Today's UTC day number. */
int pwr_today(void);
/* "YYYY-MM-DD" of a day number; buf holds 11 bytes. */
void pwr_format_day(int day, char buf[11]);

/* What field values are computed from: the record, the reference day (departure date,
 * else today), buffers for derived strings. */
typedef struct pwr_view {
    const pw_record *rec;
    int ref_day;
    pw_arena *arena; /* for the display name */
    pwr_value vals[F__COUNT];
    uint64_t have; /* bit f: vals[f] computed (record scope only) */
    char route[24], journey[24];
} pwr_view;

/* Starts a view of record r. */
void pwr_view_reset(pwr_view *v, const pw_record *r, int today, pw_arena *arena);
/* The value of record-scope field f (computed once per view). */
const pwr_value *pwr_view_get(pwr_view *v, int f);
/* The value of document-scope field f for document d. */
void pwr_doc_value(pwr_view *v, const pw_document *d, int f, pwr_value *out);

/* ---- string sets ------------------------------------------------------------ */

typedef struct pwr_set_slot {
    uint64_t hash; /* 0: empty */
    const char *s; /* upper case for codes; as given for free text */
    uint32_t len;
} pwr_set_slot;

/* An immutable hash set of strings compared ignoring ASCII case. */
typedef struct pwr_strset {
    pwr_set_slot *slots;
    uint32_t mask; /* capacity - 1 (capacity a power of two) */
    uint32_t n;
    uint32_t max_len;
} pwr_strset;

uint64_t pwr_hash_fold(const char *s, size_t len);
bool pwr_equal_fold(const char *a, size_t alen, const char *b, size_t blen);
/* Builds a set of n strings in arena (duplicates collapse). NULL on out of memory. */
pwr_strset *pwr_strset_build(pw_arena *arena, const char *const *items, size_t n);
bool pwr_strset_has(const pwr_strset *set, const char *s, size_t len);

/* ---- compiled rules ----------------------------------------------------------- */

enum pwr_op {
    OP_ALL = 0,
    OP_ANY,
    OP_NOT,
    OP_ANY_DOC,
    OP_EVERY_DOC,
    OP_WATCHLIST,
    OP_EXISTS,
    OP_MISSING,
    OP_EQ_STR,
    OP_NE_STR,
    OP_IN,
    OP_NOT_IN,
    OP_MATCHES,
    OP_EQ_NUM,
    OP_NE_NUM,
    OP_LT,
    OP_LE,
    OP_GT,
    OP_GE,
    OP_BETWEEN,
    OP__COUNT
};

#define NF_DATE_LEVEL 1 /* T_DATETIME compared with a date: compare days */

typedef struct pwr_node {
    uint8_t op;
    uint8_t field;
    uint8_t flags;
    uint32_t next; /* index just past this node's subtree */
    union {
        struct {
            const char *s;
            uint32_t len;
        } str;
        double num;
        double range[2];
        const pwr_strset *set;
        uint32_t regex;
        const pw_rule_watchlist *wl;
    } v;
} pwr_node;

typedef struct pwr_regex {
    pcre2_code *code;
    bool jit;
} pwr_regex;

/* The daily guard of a rule with max_hits_per_day: process-wide per (id, version), so
 * that a reload keeps the day's count. state = day << 40 | hits that day. */
typedef struct pwr_guard {
    _Atomic uint64_t state;
    struct pwr_guard *next;
    char key[];
} pwr_guard;

/* A test embedded in a rule. */
typedef struct pwr_test {
    const char *name; /* NULL when not given */
    int line, col;
    bool expect_fire;
    long want_hits; /* -1: any number of hits */
    pw_record record;
    bool record_ok;
    pw_candidate *cands;
    size_t n_cands;
} pwr_test;

/* What the evaluator needs of a rule beyond pw_rule. */
typedef struct pwr_rule {
    uint32_t prog;               /* root node */
    bool bound;                  /* a watchlist rule: evaluated per candidate */
    bool has_prog;               /* false only while loading a rule with errors */
    uint64_t fields;             /* bit f: the rule reads field f (explanations) */
    int valid_from, valid_until; /* day numbers; INT32_MIN / INT32_MAX without bounds */
    pwr_guard *guard;
    pwr_test *tests;
    size_t n_tests;
} pwr_rule;

/* The prefilter: (field, value) -> rules. */
typedef struct pwr_pf_slot {
    uint64_t hash; /* 0: empty */
    const char *key;
    uint32_t len;
    uint8_t field;
    uint32_t first, count; /* into postings */
} pwr_pf_slot;

typedef struct pwr_prefilter {
    pwr_pf_slot *slots;
    uint32_t mask;
    uint32_t *postings;       /* rule indexes, ascending within a key */
    uint64_t *always;         /* bitmap of the rules without keys */
    uint8_t fields[F__COUNT]; /* the indexed fields that have keys */
    size_t n_fields;
    bool doc_fields; /* some indexed field is a document field */
} pwr_prefilter;

/* A named set as written: values and their positions, normalised per field type on
 * first use. */
typedef struct pwr_set_def {
    const char *name;
    const char *file;
    int line, col;
    const char **values;
    int *lines, *cols;
    size_t n;
    pwr_strset *inst[T__COUNT];
    bool tried[T__COUNT];
} pwr_set_def;

struct pw_ruleset {
    pw_arena *arena;
    pw_rule *rules;
    pwr_rule *impl;
    size_t n, cap;
    size_t n_files;
    pwr_node *nodes;
    size_t n_nodes, cap_nodes;
    pwr_regex *regexes;
    size_t n_regexes, cap_regexes;
    pwr_set_def **sets; /* global sets (set files) */
    size_t n_sets, cap_sets;
    pwr_prefilter pf;
    size_t n_unindexed;
    size_t n_bound;
};

/* ---- the loader (rules.c), shared with compile.c and ruletest.c ---------------- */

typedef struct pwr_key {
    uint8_t field;
    const char *key; /* arena */
    uint32_t len;
    uint32_t rule;
} pwr_key;

typedef struct pwr_loader {
    pw_ruleset *set;
    pw_errlist *errs; /* may be NULL */
    size_t n_errors;
    bool oom;
    /* the file being loaded */
    const char *file;
    const char *text; /* its source, for mapping regex offsets */
    size_t text_len;
    pwr_set_def **local_sets; /* `sets:` of this file */
    size_t n_local_sets, cap_local_sets;
    /* the rule being compiled */
    pwr_rule *cur;
    const pw_rule *cur_rule;
    bool cur_watchlist; /* a watchlist condition seen */
    /* prefilter keys of every rule */
    pwr_key *keys;
    size_t n_keys, cap_keys;
    /* test records of the current file, parsed together at its end */
    struct pwr_pending *pending;
    size_t n_pending, cap_pending;
} pwr_loader;

#define PWR_QUOTE_MAX 60

void pwr_report(pwr_loader *ld, const pw_error *e);
void pwr_report_rc(pwr_loader *ld, int rc, pw_error *e);
void pwr_fail_at(pwr_loader *ld, const pw_yaml_node *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void pwr_fail_pos(pwr_loader *ld, const char *file, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
void pwr_out_of_memory(pwr_loader *ld);
/* True for a key the loader renamed after reporting it as a duplicate (see rules.c). */
bool pwr_is_placeholder_key(const pw_yaml_node *k);
/* Looks up a set visible from the file being loaded. */
pwr_set_def *pwr_find_set(pwr_loader *ld, const char *name);
/* Names of the visible sets, NULL-terminated, in arena (for suggestions); NULL on OOM. */
const char **pwr_set_names(pwr_loader *ld);
/* The set's values normalised for a field of type t (errors reported at the values);
 * NULL when a value does not fit or on out of memory. */
const pwr_strset *pwr_set_instance(pwr_loader *ld, pwr_set_def *sd, int type, const char *field,
                                   const pw_yaml_node *use);
/* Normalises a literal for a field type: upper-cased codes, alpha-3 countries.
 * Returns the arena string, or NULL with *why set (a sentence) when it does not fit. */
const char *pwr_normalise_literal(pw_arena *a, int type, int field, const char *s,
                                  const char **why);

/* compile.c: compiles `when` for the current rule; false after reporting errors. */
bool pwr_compile_when(pwr_loader *ld, const pw_yaml_node *when);
/* compile.c: the prefilter keys of rule index ri's program appended to ld->keys;
 * false when the rule cannot be indexed. */
bool pwr_collect_keys(pwr_loader *ld, uint32_t ri);
/* eval.c: builds set->pf from ld->keys. */
int pwr_prefilter_build(pwr_loader *ld);
/* eval.c: the guard for (id, version), created on first use; NULL on out of memory. */
pwr_guard *pwr_guard_get(const char *id, int version);

/* ruletest.c: reads `tests:` of the current rule (records parsed at the end of the
 * file by pwr_tests_finish_file). */
void pwr_tests_load(pwr_loader *ld, pw_rule *r, pwr_rule *impl, const pw_yaml_node *v);
/* ruletest.c: parses the test records gathered from the current file. */
void pwr_tests_finish_file(pwr_loader *ld);
/* ruletest.c: frees what the loader gathered for tests. */
void pwr_tests_free_pending(pwr_loader *ld);

/* eval.c: writes the explanation object of rule ri for the record in view (fields and
 * values) to b. */
void pwr_explain_fields(const pw_ruleset *set, uint32_t ri, pwr_view *v, pw_strbuf *b);

/* Records from JSON lines: problems (field, reason) of each line go to fn; fatal says
 * the record was rejected. Returns the number of records read, or a negative code. */
typedef void (*pwr_problem_fn)(void *ctx, size_t index, const char *field, const char *reason,
                               bool fatal);
long pwr_records_from_json(const char *const *json, size_t n, pw_arena *arena, pw_record *out,
                           pwr_problem_fn fn, void *ctx, pw_error *err);

#endif
