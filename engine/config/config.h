/*
 * config: YAML documents with positions, and the paxwatch configuration.
 *
 *  - pw_yaml: a small node tree (scalars, sequences, mappings) read with libyaml, in
 *    which every node keeps its file, line and column (1-based). Loading rejects what
 *    paxwatch files never need and what hides mistakes: duplicate keys, nesting deeper
 *    than PW_YAML_MAX_DEPTH, anchors and aliases, tags, non-scalar keys, and more than
 *    one document. Typed readers (integer, number, boolean, string) turn a node into a
 *    C value or an error at the node's position. Modules with their own YAML files
 *    (rules/) validate through this API, so every error names file:line:col.
 *  - pw_config: the typed configuration (config/paxwatch.yaml). Unknown keys are
 *    errors with a "did you mean" suggestion; wrong types and out-of-range values are
 *    errors at the value's position.
 *  - pw_errlist: a growable list of errors, for loaders that report every error
 *    rather than the first one.
 *
 * Thread safety: a loaded pw_yaml_doc and a loaded pw_config are immutable: any number
 * of threads may read them concurrently. Loading, freeing and pw_errlist_add belong to
 * one thread at a time. Every function is reentrant.
 * Ownership: nodes and scalar strings borrow from their pw_yaml_doc and live until
 * pw_yaml_free. A pw_config owns its strings (malloc'ed) until pw_config_free.
 */
#ifndef PW_CONFIG_H
#define PW_CONFIG_H

#include "core/core.h"

/* ---- YAML node tree ------------------------------------------------------ */

/* Collections may nest this deep (the document's root collection is level 1). */
#define PW_YAML_MAX_DEPTH 32
/* Files larger than this are refused (PW_EIO): configs and rule packs are small. */
#define PW_YAML_MAX_BYTES (64L * 1024 * 1024)

typedef struct pw_yaml_doc pw_yaml_doc;
typedef struct pw_yaml_node pw_yaml_node;

enum pw_yaml_kind {
    PW_YAML_SCALAR = 1,
    PW_YAML_SEQUENCE,
    PW_YAML_MAPPING,
};

/* Reads and parses the YAML file at path. Errors: PW_EIO (cannot read; err->file is
 * the path), PW_EPARSE (syntax error with libyaml's text, duplicate key, too deep,
 * alias, anchor, tag, second document: all at file:line:col), PW_ENOMEM. */
int pw_yaml_load_file(const char *path, pw_yaml_doc **out, pw_error *err);
/* The same for len bytes of text; name is the file name used in positions. */
int pw_yaml_load_string(const char *name, const char *text, size_t len, pw_yaml_doc **out,
                        pw_error *err);
void pw_yaml_free(pw_yaml_doc *doc); /* NULL is allowed */

/* The root node, or NULL when the document is empty (or holds only comments). */
const pw_yaml_node *pw_yaml_root(const pw_yaml_doc *doc);
/* The name given at load time. */
const char *pw_yaml_file(const pw_yaml_doc *doc);

enum pw_yaml_kind pw_yaml_kind(const pw_yaml_node *n);
/* "a string", "a mapping", "a sequence", "null", "a number", ... for messages. */
const char *pw_yaml_kind_name(const pw_yaml_node *n);
const char *pw_yaml_node_file(const pw_yaml_node *n);
int pw_yaml_line(const pw_yaml_node *n); /* 1-based */
int pw_yaml_col(const pw_yaml_node *n);  /* 1-based */

/* A scalar's text (NUL-terminated; may hold NULs written as "\0" escapes, which
 * pw_yaml_string rejects), or NULL for a collection. len may be NULL. */
const char *pw_yaml_scalar(const pw_yaml_node *n, size_t *len);
/* True for a scalar written quoted ('x', "x") or as a block (|, >): always a string,
 * never null, a number or a boolean. */
bool pw_yaml_is_quoted(const pw_yaml_node *n);
/* True for NULL, and for a plain scalar that YAML reads as null: empty, ~, null. */
bool pw_yaml_is_null(const pw_yaml_node *n);

/* Items of a sequence or key/value pairs of a mapping; 0 for a scalar. */
size_t pw_yaml_size(const pw_yaml_node *n);
/* Item i of a sequence, in document order (NULL when out of range or not a sequence). */
const pw_yaml_node *pw_yaml_item(const pw_yaml_node *seq, size_t i);
/* Key (always a scalar) and value of pair i of a mapping, in document order. */
const pw_yaml_node *pw_yaml_key(const pw_yaml_node *map, size_t i);
const pw_yaml_node *pw_yaml_value(const pw_yaml_node *map, size_t i);
/* The value for key in a mapping, or NULL (also when map is not a mapping). */
const pw_yaml_node *pw_yaml_get(const pw_yaml_node *map, const char *key);

/*
 * Typed readers. Each returns 0 and sets *out, or PW_EINVAL with err at the node's
 * position. `what` names the value in messages ("threads"); it may be NULL.
 *  - int: a plain decimal integer (optional sign) in [min, max];
 *  - double: a plain decimal number (1, 0.85, 1e-3; no inf/nan/hex) in [min, max];
 *  - bool: true/false/yes/no (also Capitalised and UPPER CASE), plain only;
 *  - string: any non-null scalar, plain or quoted (so `id: 42` reads as "42"),
 *    without embedded NULs; *out borrows from the document.
 */
int pw_yaml_int(const pw_yaml_node *n, const char *what, long min, long max, long *out,
                pw_error *err);
int pw_yaml_double(const pw_yaml_node *n, const char *what, double min, double max, double *out,
                   pw_error *err);
int pw_yaml_bool(const pw_yaml_node *n, const char *what, bool *out, pw_error *err);
int pw_yaml_string(const pw_yaml_node *n, const char *what, const char **out, pw_error *err);
/* Fails with "expected a mapping/sequence for <what>, got ..." unless n has that kind. */
int pw_yaml_expect(const pw_yaml_node *n, enum pw_yaml_kind kind, const char *what, pw_error *err);

/* Checks a mapping key against allowed (NULL-terminated). 0 when allowed; otherwise
 * PW_EINVAL at the key: "unknown key 'thraeds' in <context>; did you mean 'threads'?"
 * (the suggestion only when one is close). context may be NULL. */
int pw_yaml_check_key(const pw_yaml_node *key, const char *const *allowed, const char *context,
                      pw_error *err);

/* The candidate closest to word (case-insensitive edit distance with transpositions)
 * when it is close enough to be a likely typo, else NULL. candidates is NULL-terminated. */
const char *pw_suggest(const char *word, const char *const *candidates);

/* ---- error lists ----------------------------------------------------------- */

typedef struct pw_errlist {
    pw_error *items; /* malloc'ed, in the order reported */
    size_t n;
    size_t cap;
    bool oom; /* an add failed: some errors were lost */
} pw_errlist;

/* Appends a copy of *e. PW_ENOMEM (and l->oom) when memory runs out. */
int pw_errlist_add(pw_errlist *l, const pw_error *e);
/* Prints every error as "file:line:col: msg", one a line. */
void pw_errlist_print(const pw_errlist *l, FILE *out);
void pw_errlist_free(pw_errlist *l); /* empties the list; the struct may be reused */

/* ---- the paxwatch configuration -------------------------------------------- */

/* A per-watchlist override. */
typedef struct pw_config_list {
    char *name;       /* the list's name as imported ("UN"); compared exactly */
    double threshold; /* in [0, 1] */
} pw_config_list;

/*
 * Relative paths (database, rules_dir) are used as they are, that is relative to
 * the process's current directory, not to the config file: the same meaning as
 * the command-line options that override them.
 */
/* Which screened records the database keeps. */
enum pw_store_records {
    PW_STORE_RECORDS_ALL = 0, /* every record (the default) */
    PW_STORE_RECORDS_ALERTED, /* only records that raised an alert: data minimisation
                                 where the API/PNR data are kept elsewhere */
};

typedef struct pw_config {
    char *database;           /* SQLite file; default "paxwatch.db" */
    enum pw_store_records store_records;
    int threads;              /* worker threads; 0 (default) = one per online core */
    char *rules_dir;          /* rule file or directory; default "rules" */
    double default_threshold; /* minimum candidate score for lists without their own */
    pw_config_list *lists;    /* per-list thresholds, in file order */
    size_t n_lists;
    char *source; /* the file it was loaded from, or NULL for built-in defaults */
} pw_config;

#define PW_CONFIG_DEFAULT_DATABASE "paxwatch.db"
#define PW_CONFIG_DEFAULT_RULES_DIR "rules"
#define PW_CONFIG_DEFAULT_THRESHOLD 0.85
#define PW_CONFIG_MAX_THREADS 1024

/* Fills *cfg with the built-in defaults (the values config/paxwatch.yaml documents).
 * 0 or PW_ENOMEM. Free with pw_config_free. */
int pw_config_defaults(pw_config *cfg);
/* Loads and validates the file at path over the defaults: keys absent from the file
 * keep their default. Errors: PW_EIO (unreadable), PW_EPARSE (YAML), PW_ECONFIG
 * (unknown key, wrong type, value out of range; at file:line:col), PW_ENOMEM. On
 * failure *cfg is left zeroed (pw_config_free on it is harmless). */
int pw_config_load(const char *path, pw_config *cfg, pw_error *err);
void pw_config_free(pw_config *cfg); /* frees the strings and zeroes *cfg; NULL allowed */

/* The minimum score for candidates from list: its own threshold, or the default. */
double pw_config_threshold(const pw_config *cfg, const char *list);
/* Worker threads to start: cfg->threads, or the number of online cores when 0. */
int pw_config_threads(const pw_config *cfg);
/* "all", "alerted". */
const char *pw_store_records_name(enum pw_store_records v);

#endif
