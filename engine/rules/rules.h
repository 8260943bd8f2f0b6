/*
 * rules: the YAML risk-rule language (rules/README.md is its reference): loading,
 * compiling, evaluating, embedded tests and back-testing.
 *
 * A rule pack is a file, or a directory of *.yaml / *.yml files, plus named sets
 * (rules/sets/NAME.yaml, or `sets:` inside a rule file). Each rule carries metadata (id,
 * version, title, severity, score, validity window, a daily hit guard, tags) and a
 * condition tree `when:` of all / any / not over conditions on record fields, derived
 * fields and watchlist candidates. Loading compiles every rule into a small predicate
 * program (a flat pre-order array of nodes) and builds a prefilter: conditions on
 * indexable fields (route, airports, nationality, document issuer, ...) file each rule
 * under the values that can make it true, so a record only runs the rules whose keys it
 * carries, plus the few rules that have no indexable condition.
 *
 * Loading reports every error in every file (file:line:col: message), not only the
 * first, and yields a ruleset only when there were none: a pack with one bad rule is
 * refused as a whole, which keeps a reload from silently dropping a rule.
 *
 * Two kinds of rule:
 *  - a watchlist rule has a `watchlist` condition somewhere in `when`; it is evaluated
 *    once per watchlist candidate (the condition tests that candidate) and raises one
 *    hit of type "watchlist" per candidate for which `when` holds;
 *  - every other rule is a record rule: at most one hit of type "rule" per record.
 *
 * Thread safety: a loaded pw_ruleset is immutable (the daily hit counters of
 * max_hits_per_day are atomics kept outside it); any number of threads may evaluate it
 * at once, each with its own pw_rules_ctx. Loading and freeing belong to one thread.
 * Ownership: rules and every string in them belong to the ruleset until
 * pw_ruleset_free. Hits returned by pw_rules_evaluate are copied into the caller's
 * arena and do not borrow from the ruleset (they outlive a snapshot); they may borrow
 * the candidates' explanations, which live in the caller's arena too.
 */
#ifndef PW_RULES_H
#define PW_RULES_H

#include "config/config.h"
#include "core/core.h"
#include "match/match.h"

typedef struct pw_ruleset pw_ruleset;

/* What a watchlist condition asks of a candidate's match. */
enum pw_rule_on {
    PW_RULE_ON_ANY = 0,  /* name or document */
    PW_RULE_ON_NAME,     /* the name (or an alias) matched */
    PW_RULE_ON_DOCUMENT, /* a travel document matched */
};

/* A `watchlist` condition. */
typedef struct pw_rule_watchlist {
    const char **lists; /* list names (exact match); n_lists 0 = every list */
    size_t n_lists;
    const char **categories; /* entry categories (case-insensitive); 0 = any */
    size_t n_categories;
    bool list_threshold; /* min_score: list-threshold (the default) */
    double min_score;    /* in [0, 1]; used when !list_threshold */
    enum pw_rule_on on;
} pw_rule_watchlist;

/* One rule, read-only. */
typedef struct pw_rule {
    const char *id; /* unique across the ruleset: letters, digits, '-', '_', '.' */
    int version;    /* >= 1; recorded on every hit */
    const char *title;
    const char *description; /* NULL when absent */
    const char *author;      /* NULL when absent */
    enum pw_severity severity;
    bool has_score; /* given; required for record rules; a watchlist rule without one
                       scores as the candidate */
    double score;   /* in [0, 1] */
    bool enabled;   /* default true; disabled rules are loaded but never fire */
    const char **tags;
    size_t n_tags;
    /* The first watchlist condition of a watchlist rule; NULL for a record rule. */
    const pw_rule_watchlist *watchlist;
    const char *file; /* where the rule is defined */
    int line, col;
    /* Added with the full language: */
    pw_date valid_from;    /* unset: no lower bound (compared with the departure date) */
    pw_date valid_until;   /* unset: no upper bound; inclusive */
    long max_hits_per_day; /* 0: no guard */
    size_t n_tests;        /* embedded tests */
    bool indexed;          /* the prefilter files it under keys (else it runs always) */
} pw_rule;

/*
 * Loads the rule file at path, or every *.yaml and *.yml file directly in the
 * directory at path (in byte order of their names; hidden files skipped), with the set
 * files of the `sets` directory beside them (path/sets/ for a directory, the file's
 * directory's sets/ for a file) when it exists. Every error found is appended to errs
 * (which may be NULL) with its own code: PW_EIO (unreadable file), PW_EPARSE (YAML),
 * PW_ERULE (invalid rule).
 * Returns 0 and *out, or without a ruleset: PW_EIO when path itself cannot be
 * read, PW_ERULE when any file had errors, PW_ENOMEM.
 * A directory without rule files is an error; a file with `rules: []` is not.
 */
int pw_rules_load(const char *path, pw_ruleset **out, pw_errlist *errs);
/* The same for one in-memory file (no set files; `sets:` in the file work); name is
 * used in positions. */
int pw_rules_load_string(const char *name, const char *text, size_t len, pw_ruleset **out,
                         pw_errlist *errs);
void pw_ruleset_free(pw_ruleset *set); /* NULL is allowed */

size_t pw_ruleset_count(const pw_ruleset *set);
/* Rule i, in load order (files by name, then document order). */
const pw_rule *pw_ruleset_rule(const pw_ruleset *set, size_t i);
/* The rule with this id, or NULL. */
const pw_rule *pw_ruleset_find(const pw_ruleset *set, const char *id);
/* Number of rule files the rules came from (set files are not counted). */
size_t pw_ruleset_files(const pw_ruleset *set);
/* Number of named sets loaded, and of rules the prefilter cannot index. */
size_t pw_ruleset_sets(const pw_ruleset *set);
size_t pw_ruleset_unindexed(const pw_ruleset *set);
/* The lowest candidate score on which any enabled rule's outcome (with
 * include_disabled, any rule's: back-testing evaluates them all) can depend: a
 * watchlist condition's min_score (list-threshold: the lowest threshold in cfg), the
 * strongest of an `all`, the weakest of an `any`, and 0.5 (the matcher's old fixed
 * floor) where a weak candidate can satisfy the rule (a `not` over a watchlist
 * condition, an `any` beside a condition on the record alone). 1.0 when no enabled
 * rule has a watchlist condition. The pipeline asks the matcher for candidates from
 * this score up, so that no rule misses a candidate and none is scored and explained
 * for nothing. */
double pw_ruleset_candidate_floor(const pw_ruleset *set, const pw_config *cfg,
                                  bool include_disabled);
/* Raises rule i's daily guard (max_hits_per_day) to at least hits for today (UTC): the
 * hits it raised today before this process started (pw_store_rule_hits_today), as the
 * guard is kept in memory. No effect on a rule without a guard. Thread-safe. */
void pw_ruleset_guard_seed(const pw_ruleset *set, size_t i, long hits);

/* ---- watchlist-condition helpers ----------------------------------------------
 * These look at r->watchlist only: for a rule whose `when` is just a watchlist
 * condition they say exactly when it fires; pw_rules_evaluate is the general path. */

/* True when r is a watchlist rule whose lists filter admits list. */
bool pw_rule_applies_to_list(const pw_rule *r, const char *list);
/* True when r is a watchlist rule whose categories filter admits category (an entry
 * without a category, NULL or "", passes only when the rule has no filter). */
bool pw_rule_applies_to_category(const pw_rule *r, const char *category);
/* The minimum candidate score for r: list_threshold (the list's threshold, which the
 * caller resolves with pw_config_threshold) or the rule's own min_score. */
double pw_rule_min_score(const pw_rule *r, double list_threshold);
/* True when the enabled watchlist rule r fires for a candidate of list/category
 * scoring score: every filter admits it and score >= the minimum (with 1e-9 slack
 * for rounding, so 0.85 computed as 0.84999999999 still counts as 0.85). */
bool pw_rule_watchlist_fires(const pw_rule *r, const char *list, const char *category, double score,
                             double list_threshold);

/* ---- evaluation ---------------------------------------------------------------- */

/* Per-thread evaluation state: PCRE2 match data and limits, the prefilter's rule
 * bitmap, the record's field values and an explanation buffer. Grows (once) to the
 * largest ruleset it meets; never allocates per record after that. */
typedef struct pw_rules_ctx pw_rules_ctx;

pw_rules_ctx *pw_rules_ctx_new(void); /* NULL on out of memory */
void pw_rules_ctx_free(pw_rules_ctx *ctx);

typedef struct pw_rules_options {
    const pw_config *config; /* list thresholds; NULL: PW_CONFIG_DEFAULT_THRESHOLD */
    const pw_rule *only;     /* evaluate this rule only (tests); NULL: every rule */
    bool include_disabled;   /* evaluate disabled rules too (tests, back-testing) */
    bool no_guard;           /* ignore max_hits_per_day (tests, back-testing) */
    bool no_prefilter;       /* run every rule (the benchmark's peer) */
    bool no_explanation;     /* rule hits get no explanation (back-testing) */
    int today;               /* day number (days since 1970-01-01) for records without a
                                departure and for the daily guard; 0: the UTC date now */
} pw_rules_options;

typedef struct pw_rules_result {
    pw_hit *hits; /* in the arena; rule order, then candidate order */
    size_t n_hits;
    uint32_t *rule_of;   /* rule index of each hit (pw_ruleset_rule) */
    size_t suppressed;   /* hits withheld by max_hits_per_day */
    size_t evaluated;    /* rule conditions run after the prefilter */
    size_t regex_limits; /* pattern matches stopped by PCRE2's limits (counted as no match) */
} pw_rules_result;

/*
 * Evaluates the enabled rules valid for the record's departure date against record r
 * and its n watchlist candidates. Hits (with every string copied into arena) go to
 * *out. A record rule hit has type "rule", the rule's score and severity and an
 * explanation naming the rule's fields and their values; a watchlist rule hit has type
 * "watchlist", the candidate's entry, score (or the rule's score when it has one) and
 * explanation, and the entry's severity unless it has none. Hits beyond a rule's
 * max_hits_per_day for the current UTC day are withheld and counted in
 * out->suppressed; the first one withheld each day is reported on standard error.
 * Returns 0 or PW_ENOMEM.
 */
int pw_rules_evaluate(const pw_ruleset *set, const pw_record *r, const pw_candidate *cands,
                      size_t n, const pw_rules_options *opts, pw_rules_ctx *ctx, pw_arena *arena,
                      pw_rules_result *out);

/* ---- embedded tests -------------------------------------------------------------- */

typedef struct pw_rules_test_summary {
    size_t rules; /* rules with tests */
    size_t tests;
    size_t failed;
    size_t untested; /* rules without tests */
} pw_rules_test_summary;

/* Runs every embedded test of every rule (disabled rules included, guards off) with
 * the thresholds of cfg (NULL: defaults), printing each failure to out as
 * "file:line:col: rule 'id' test N (name): expected ..., <what happened>" followed by
 * the rule's fields and their values in the test record. Returns 0 when every test
 * passed, PW_ERULE when one failed, PW_ENOMEM. */
int pw_rules_run_tests(const pw_ruleset *set, const pw_config *cfg, FILE *out,
                       pw_rules_test_summary *summary);

/* ---- records from canonical JSON ---------------------------------------------------- */

/* Parses n canonical JSON records (CONTRACT.md; what the store keeps in records.json)
 * with the ingest JSON Lines reader into out[0..n), strings in arena. A record that
 * cannot be read leaves out[i].record_id NULL. Returns the number read, or a negative
 * PW_E* code (err says why). */
long pw_rules_records_from_json(const char *const *json, size_t n, pw_arena *arena, pw_record *out,
                                pw_error *err);

/* ---- back-testing ------------------------------------------------------------------ */

/* Counts, per rule, what it would have hit over a stream of records, without raising
 * alerts: hits, distinct travellers (name, date of birth and nationality), distinct
 * flights (carrier, number, departure date), the first few record ids, and how many
 * hits max_hits_per_day would have withheld (per departure day). */
typedef struct pw_backtest pw_backtest;

int pw_backtest_new(const pw_ruleset *set, pw_backtest **out);
void pw_backtest_free(pw_backtest *bt);
/* Adds one record and the result of evaluating it (with include_disabled and no_guard). */
int pw_backtest_add(pw_backtest *bt, const pw_record *r, const pw_rules_result *res);
/* Prints the per-rule report: a table, then a summary line. */
void pw_backtest_print(const pw_backtest *bt, FILE *out);
/* Rule i's counts (for tests). */
typedef struct pw_backtest_rule {
    long hits, travellers, flights, over_limit;
    const char *examples[3]; /* record ids, NULL when fewer */
} pw_backtest_rule;
void pw_backtest_get(const pw_backtest *bt, size_t i, pw_backtest_rule *out);
long pw_backtest_records(const pw_backtest *bt);

/* ---- paxwatch rules check ------------------------------------------------------ */

/* Loads path as pw_rules_load does and prints to out every error as
 * "file:line:col: message", then "N rules OK in M files" or "K errors".
 * Returns 0 when the rules are valid, PW_ERULE otherwise (also when path cannot be
 * read), PW_ENOMEM. */
int pw_rules_check(const char *path, FILE *out);

#endif
