/*
 * rules: loading YAML rule packs (rules/README.md documents the format).
 *
 * A rule file holds `rules:`, a sequence of rules; a rule has an id, a version, a
 * title, a severity and a `when:` condition, plus optional description, author,
 * score, enabled and tags. For now the only condition is `watchlist` (a watchlist
 * candidate from the given lists and categories scoring at or above a minimum);
 * all/any/not and record-field conditions come later and are reported as "not
 * supported yet", so today's files stay valid when they arrive.
 *
 * Loading reports every error in every file (file:line:col: message), not only the
 * first, and yields a ruleset only when there were none: a pack with one bad rule
 * is refused as a whole, which keeps a reload from silently dropping a rule.
 *
 * Thread safety: a loaded pw_ruleset is immutable; any number of threads may read it
 * (and its rules) concurrently. Loading and freeing belong to one thread.
 * Ownership: rules and every string in them belong to the ruleset and live until
 * pw_ruleset_free. Nothing borrows from the YAML files, which are closed on return.
 */
#ifndef PW_RULES_H
#define PW_RULES_H

#include "config/config.h"
#include "core/core.h"

typedef struct pw_ruleset pw_ruleset;

/* The `watchlist` condition. */
typedef struct pw_rule_watchlist {
    const char **lists; /* list names (exact match); n_lists 0 = every list */
    size_t n_lists;
    const char **categories; /* entry categories (case-insensitive); 0 = any */
    size_t n_categories;
    bool list_threshold; /* min_score: list-threshold (the default) */
    double min_score;    /* in [0, 1]; used when !list_threshold */
} pw_rule_watchlist;

/* One rule, read-only. */
typedef struct pw_rule {
    const char *id; /* unique across the ruleset: letters, digits, '-', '_', '.' */
    int version;    /* >= 1; recorded on every hit */
    const char *title;
    const char *description; /* NULL when absent */
    const char *author;      /* NULL when absent */
    enum pw_severity severity;
    bool has_score; /* score given; without it a watchlist hit scores as the candidate */
    double score;   /* in [0, 1] */
    bool enabled;   /* default true; disabled rules are loaded but never fire */
    const char **tags;
    size_t n_tags;
    /* The condition. Non-NULL for a watchlist rule (today every rule is one). */
    const pw_rule_watchlist *watchlist;
    const char *file; /* where the rule is defined */
    int line, col;
} pw_rule;

/*
 * Loads the rule file at path, or every *.yaml and *.yml file directly in the
 * directory at path (in byte order of their names; hidden files skipped). Every
 * error found is appended to errs (which may be NULL) with its own code: PW_EIO
 * (unreadable file), PW_EPARSE (YAML), PW_ERULE (invalid rule).
 * Returns 0 and *out, or without a ruleset: PW_EIO when path itself cannot be
 * read, PW_ERULE when any file had errors, PW_ENOMEM.
 * A directory without rule files is an error; a file with `rules: []` is not.
 */
int pw_rules_load(const char *path, pw_ruleset **out, pw_errlist *errs);
/* The same for one in-memory file; name is used in positions. */
int pw_rules_load_string(const char *name, const char *text, size_t len, pw_ruleset **out,
                         pw_errlist *errs);
void pw_ruleset_free(pw_ruleset *set); /* NULL is allowed */

size_t pw_ruleset_count(const pw_ruleset *set);
/* Rule i, in load order (files by name, then document order). */
const pw_rule *pw_ruleset_rule(const pw_ruleset *set, size_t i);
/* The rule with this id, or NULL. */
const pw_rule *pw_ruleset_find(const pw_ruleset *set, const char *id);
/* Number of files the rules came from. */
size_t pw_ruleset_files(const pw_ruleset *set);

/* ---- evaluating watchlist rules ---------------------------------------------- */

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

/* ---- paxwatch rules check ------------------------------------------------------ */

/* Loads path as pw_rules_load does and prints to out every error as
 * "file:line:col: message", then "N rules OK in M files" or "K errors".
 * Returns 0 when the rules are valid, PW_ERULE otherwise (also when path cannot be
 * read), PW_ENOMEM. */
int pw_rules_check(const char *path, FILE *out);

#endif
