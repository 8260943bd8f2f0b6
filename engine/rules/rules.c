/*
 * Rule loader: YAML rule packs validated into an immutable pw_ruleset.
 *
 * Each file is parsed into a pw_yaml tree (config/), then walked in document order.
 * Unlike the configuration, which stops at its first mistake, rules are checked
 * exhaustively: a validation error is recorded in the loader and the walk goes on
 * with the next key, the next rule and the next file, so "paxwatch rules check"
 * shows a rule author everything at once. Only a YAML syntax error ends a file
 * early, since libyaml cannot continue past one. Errors stay in document order
 * because they are reported as the walk meets them; what is missing from a rule is
 * reported after its keys.
 *
 * Rules are kept in one malloc'ed array; their strings and lists live in the set's
 * arena, copied out of the YAML tree before the tree is freed. A set with errors is
 * freed and never returned.
 *
 * Forward compatibility: the rule keys are the full rule language's; `when` holds
 * one condition keyed by its name, so all/any/not and field conditions can arrive
 * as new names without changing what today's files mean.
 */
#include "rules/rules.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

struct pw_ruleset {
    pw_arena *arena;
    pw_rule *rules;
    size_t n, cap;
    size_t n_files;
};

typedef struct loader {
    pw_ruleset *set;
    pw_errlist *errs; /* may be NULL */
    size_t n_errors;
    bool oom;
} loader;

#define RULE_ID_MAX 64
#define QUOTE_MAX 60

static const char *const file_keys[] = {"rules", NULL};
static const char *const rule_keys[] = {"id",     "version",  "title", "description",
                                        "author", "severity", "score", "enabled",
                                        "tags",   "when",     NULL};
static const char *const supported_conditions[] = {"watchlist", NULL};
static const char *const watchlist_keys[] = {"lists", "min_score", "categories", NULL};
static const char *const severities[] = {"low", "medium", "high", "critical", NULL};
static const enum pw_severity severity_values[] = {PW_SEV_LOW, PW_SEV_MEDIUM, PW_SEV_HIGH,
                                                   PW_SEV_CRITICAL};
static const char *const list_threshold_word[] = {"list-threshold", NULL};

/* ---- error reporting ----------------------------------------------------- */

static void report(loader *ld, const pw_error *e)
{
    ld->n_errors++;
    if (e->code == PW_ENOMEM)
        ld->oom = true;
    if (ld->errs)
        pw_errlist_add(ld->errs, e); /* on failure errs->oom says errors were lost */
}

/* Reports rc from a pw_yaml reader: validation failures become PW_ERULE. */
static void report_rc(loader *ld, int rc, pw_error *e)
{
    if (!rc)
        return;
    if (e->code == PW_EINVAL)
        e->code = PW_ERULE;
    report(ld, e);
}

/* Reports a PW_ERULE error at node n (n NULL: at file with no position). */
static void __attribute__((format(printf, 4, 5)))
fail_at(loader *ld, const pw_yaml_node *n, const char *file, const char *fmt, ...)
{
    pw_error e = {.code = PW_ERULE};
    if (n) {
        file = pw_yaml_node_file(n);
        e.line = pw_yaml_line(n);
        e.col = pw_yaml_col(n);
    }
    snprintf(e.file, sizeof e.file, "%s", file ? file : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e.msg, sizeof e.msg, fmt, ap);
    va_end(ap);
    report(ld, &e);
}

static void out_of_memory(loader *ld, const char *file)
{
    pw_error e = {0};
    pw_error_set(&e, PW_ENOMEM, file, 0, 0, "out of memory");
    report(ld, &e);
}

/* An arena copy of s; NULL (and ld->oom) on out of memory. */
static const char *keep(loader *ld, const char *s)
{
    char *copy = pw_arena_strdup(ld->set->arena, s);
    if (!copy)
        out_of_memory(ld, NULL);
    return copy;
}

/* ---- rule fields ----------------------------------------------------------- */

/* A non-empty string copied into the arena; NULL after reporting an error. */
static const char *text_field(loader *ld, const pw_yaml_node *v, const char *what)
{
    pw_error e;
    const char *s;
    int rc = pw_yaml_string(v, what, &s, &e);
    if (rc) {
        report_rc(ld, rc, &e);
        return NULL;
    }
    if (!*s) {
        fail_at(ld, v, NULL, "%s: must not be empty", what);
        return NULL;
    }
    return keep(ld, s);
}

/* A sequence of non-empty strings into *out and *n (arena). Reports every bad item. */
static void names_field(loader *ld, const pw_yaml_node *v, const char *what, bool allow_empty,
                        const char ***out, size_t *n)
{
    pw_error e;
    int rc = pw_yaml_expect(v, PW_YAML_SEQUENCE, what, &e);
    if (rc) {
        report_rc(ld, rc, &e);
        return;
    }
    size_t count = pw_yaml_size(v);
    if (count == 0) {
        if (!allow_empty)
            fail_at(ld, v, NULL, "%s: must not be empty (leave it out to mean all)", what);
        return;
    }
    const char **items = pw_arena_alloc(ld->set->arena, count * sizeof *items);
    if (!items) {
        out_of_memory(ld, pw_yaml_node_file(v));
        return;
    }
    size_t k = 0;
    for (size_t i = 0; i < count; i++) {
        const char *s = text_field(ld, pw_yaml_item(v, i), what);
        if (s)
            items[k++] = s;
    }
    *out = items;
    *n = k;
}

static bool valid_rule_id(const char *id)
{
    size_t len = strlen(id);
    if (len == 0 || len > RULE_ID_MAX || !isalnum((unsigned char)id[0]))
        return false;
    for (const char *c = id; *c; c++)
        if (!isalnum((unsigned char)*c) && !strchr("-_.", *c))
            return false;
    return true;
}

static void load_id(loader *ld, pw_rule *r, const pw_yaml_node *v)
{
    const char *id = text_field(ld, v, "id");
    if (!id)
        return;
    if (!valid_rule_id(id)) {
        fail_at(ld, v, NULL,
                "id: '%.*s' is not a valid rule id (1 to %d letters, digits, '-', '_' or '.', "
                "starting with a letter or digit)",
                QUOTE_MAX, id, RULE_ID_MAX);
        return;
    }
    r->id = id;
}

static void load_severity(loader *ld, pw_rule *r, const pw_yaml_node *v)
{
    pw_error e;
    const char *s;
    int rc = pw_yaml_string(v, "severity", &s, &e);
    if (rc) {
        report_rc(ld, rc, &e);
        return;
    }
    for (size_t i = 0; severities[i]; i++) {
        if (!strcmp(s, severities[i])) {
            r->severity = severity_values[i];
            return;
        }
    }
    const char *hint = pw_suggest(s, severities);
    fail_at(ld, v, NULL, "severity: expected low, medium, high or critical, got '%.*s'%s%s%s",
            QUOTE_MAX, s, hint ? "; did you mean '" : "", hint ? hint : "", hint ? "'?" : "");
}

static void load_min_score(loader *ld, pw_rule_watchlist *wl, const pw_yaml_node *v)
{
    const char *s = pw_yaml_scalar(v, NULL);
    if (s && !strcmp(s, "list-threshold")) {
        wl->list_threshold = true;
        return;
    }
    pw_error e;
    if (pw_yaml_double(v, "min_score", 0.0, 1.0, &wl->min_score, &e) == 0) {
        wl->list_threshold = false;
        return;
    }
    const char *hint = s ? pw_suggest(s, list_threshold_word) : NULL;
    if (s && !pw_yaml_is_null(v))
        fail_at(ld, v, NULL,
                "min_score: expected list-threshold or a number from 0 to 1, got '%.*s'%s",
                QUOTE_MAX, s, hint ? "; did you mean 'list-threshold'?" : "");
    else
        fail_at(ld, v, NULL, "min_score: expected list-threshold or a number from 0 to 1, got %s",
                pw_yaml_kind_name(v));
}

/* when: {watchlist: {lists: [...], min_score: ..., categories: [...]}} */
static void load_watchlist(loader *ld, pw_rule *r, const pw_yaml_node *v)
{
    pw_rule_watchlist *wl = pw_arena_alloc(ld->set->arena, sizeof *wl);
    if (!wl) {
        out_of_memory(ld, pw_yaml_node_file(v));
        return;
    }
    wl->list_threshold = true;
    r->watchlist = wl;
    if (pw_yaml_is_null(v))
        return; /* "watchlist:" alone: every list at its threshold */
    pw_error e;
    int rc = pw_yaml_expect(v, PW_YAML_MAPPING, "watchlist", &e);
    if (rc) {
        report_rc(ld, rc, &e);
        return;
    }
    for (size_t i = 0; i < pw_yaml_size(v); i++) {
        const pw_yaml_node *k = pw_yaml_key(v, i), *val = pw_yaml_value(v, i);
        rc = pw_yaml_check_key(k, watchlist_keys, "the watchlist condition", &e);
        if (rc) {
            report_rc(ld, rc, &e);
            continue;
        }
        const char *name = pw_yaml_scalar(k, NULL);
        if (!strcmp(name, "lists"))
            names_field(ld, val, "lists", false, &wl->lists, &wl->n_lists);
        else if (!strcmp(name, "categories"))
            names_field(ld, val, "categories", false, &wl->categories, &wl->n_categories);
        else
            load_min_score(ld, wl, val);
    }
}

static void load_when(loader *ld, pw_rule *r, const pw_yaml_node *v)
{
    if (pw_yaml_kind(v) == PW_YAML_MAPPING ? pw_yaml_size(v) == 0 : pw_yaml_is_null(v)) {
        fail_at(ld, v, NULL, "when: needs a condition, such as watchlist: {lists: [UN]}");
        return;
    }
    pw_error e;
    int rc = pw_yaml_expect(v, PW_YAML_MAPPING, "when", &e);
    if (rc) {
        report_rc(ld, rc, &e);
        return;
    }
    const char *first = pw_yaml_scalar(pw_yaml_key(v, 0), NULL);
    for (size_t i = 0; i < pw_yaml_size(v); i++) {
        const pw_yaml_node *k = pw_yaml_key(v, i);
        const char *name = pw_yaml_scalar(k, NULL);
        if (i > 0) {
            fail_at(ld, k, NULL,
                    "when: holds one condition, but '%.*s' follows '%.*s' (combining "
                    "conditions with all/any is not supported yet)",
                    QUOTE_MAX, name, QUOTE_MAX, first);
            continue;
        }
        if (!strcmp(name, "watchlist")) {
            load_watchlist(ld, r, pw_yaml_value(v, i));
            continue;
        }
        const char *hint = pw_suggest(name, supported_conditions);
        fail_at(ld, k, NULL, "condition '%.*s' is not supported yet%s%s%s", QUOTE_MAX, name,
                hint ? "; did you mean '" : " (supported: watchlist)", hint ? hint : "",
                hint ? "'?" : "");
    }
}

/* Appends r to the set; reports a duplicate id at id_node. */
static void add_rule(loader *ld, const pw_rule *r, const pw_yaml_node *id_node)
{
    if (r->id) {
        for (size_t i = 0; i < ld->set->n; i++) {
            const pw_rule *o = &ld->set->rules[i];
            if (o->id && !strcmp(o->id, r->id)) {
                fail_at(ld, id_node, NULL, "duplicate rule id '%s' (first defined at %s:%d:%d)",
                        r->id, o->file, o->line, o->col);
                return;
            }
        }
    }
    if (ld->set->n == ld->set->cap) {
        size_t cap = ld->set->cap ? ld->set->cap * 2 : 16;
        pw_rule *rules = realloc(ld->set->rules, cap * sizeof *rules);
        if (!rules) {
            out_of_memory(ld, r->file);
            return;
        }
        ld->set->rules = rules;
        ld->set->cap = cap;
    }
    ld->set->rules[ld->set->n++] = *r;
}

static void load_rule(loader *ld, const pw_yaml_node *n, const char *file)
{
    pw_error e;
    int rc = pw_yaml_expect(n, PW_YAML_MAPPING, "rule", &e);
    if (rc) {
        report_rc(ld, rc, &e);
        return;
    }
    pw_rule r = {.enabled = true, .file = file, .line = pw_yaml_line(n), .col = pw_yaml_col(n)};
    const pw_yaml_node *id_node = NULL;
    bool seen[sizeof rule_keys / sizeof *rule_keys] = {false};
    for (size_t i = 0; i < pw_yaml_size(n); i++) {
        const pw_yaml_node *k = pw_yaml_key(n, i), *v = pw_yaml_value(n, i);
        rc = pw_yaml_check_key(k, rule_keys, "a rule", &e);
        if (rc) {
            report_rc(ld, rc, &e);
            continue;
        }
        const char *name = pw_yaml_scalar(k, NULL);
        for (size_t j = 0; rule_keys[j]; j++)
            if (!strcmp(name, rule_keys[j]))
                seen[j] = true;
        if (!strcmp(name, "id")) {
            id_node = v;
            load_id(ld, &r, v);
        } else if (!strcmp(name, "version")) {
            long version;
            rc = pw_yaml_int(v, "version", 1, 1000000000, &version, &e);
            if (rc)
                report_rc(ld, rc, &e);
            else
                r.version = (int)version;
        } else if (!strcmp(name, "title")) {
            r.title = text_field(ld, v, "title");
        } else if (!strcmp(name, "description")) {
            r.description = text_field(ld, v, "description");
        } else if (!strcmp(name, "author")) {
            r.author = text_field(ld, v, "author");
        } else if (!strcmp(name, "severity")) {
            load_severity(ld, &r, v);
        } else if (!strcmp(name, "score")) {
            rc = pw_yaml_double(v, "score", 0.0, 1.0, &r.score, &e);
            report_rc(ld, rc, &e);
            r.has_score = rc == 0;
        } else if (!strcmp(name, "enabled")) {
            report_rc(ld, pw_yaml_bool(v, "enabled", &r.enabled, &e), &e);
        } else if (!strcmp(name, "tags")) {
            names_field(ld, v, "tags", true, &r.tags, &r.n_tags);
        } else { /* when */
            load_when(ld, &r, v);
        }
    }
    static const char *const required[] = {"id", "version", "title", "severity", "when", NULL};
    for (size_t j = 0; rule_keys[j]; j++) {
        for (size_t q = 0; required[q]; q++) {
            if (!seen[j] && !strcmp(rule_keys[j], required[q])) {
                if (r.id)
                    fail_at(ld, n, NULL, "rule '%s' is missing '%s'", r.id, required[q]);
                else
                    fail_at(ld, n, NULL, "rule is missing '%s'", required[q]);
            }
        }
    }
    add_rule(ld, &r, id_node);
}

/* ---- files ------------------------------------------------------------------ */

static void load_tree(loader *ld, const pw_yaml_doc *doc)
{
    const char *file = keep(ld, pw_yaml_file(doc));
    if (!file)
        return;
    const pw_yaml_node *root = pw_yaml_root(doc);
    if (!root) {
        fail_at(ld, NULL, file, "empty rule file: expected 'rules:' and a sequence of rules");
        return;
    }
    pw_error e;
    int rc = pw_yaml_expect(root, PW_YAML_MAPPING, "a rule file", &e);
    if (rc) {
        report_rc(ld, rc, &e);
        return;
    }
    const pw_yaml_node *rules = NULL;
    for (size_t i = 0; i < pw_yaml_size(root); i++) {
        rc = pw_yaml_check_key(pw_yaml_key(root, i), file_keys, "a rule file", &e);
        if (rc)
            report_rc(ld, rc, &e);
        else
            rules = pw_yaml_value(root, i);
    }
    if (!rules) {
        fail_at(ld, root, NULL, "missing 'rules:' (a sequence of rules)");
        return;
    }
    rc = pw_yaml_expect(rules, PW_YAML_SEQUENCE, "rules", &e);
    if (rc) {
        report_rc(ld, rc, &e);
        return;
    }
    for (size_t i = 0; i < pw_yaml_size(rules) && !ld->oom; i++)
        load_rule(ld, pw_yaml_item(rules, i), file);
}

static void load_one_file(loader *ld, const char *path)
{
    pw_yaml_doc *doc = NULL;
    pw_error e;
    ld->set->n_files++;
    int rc = pw_yaml_load_file(path, &doc, &e);
    if (rc) {
        report(ld, &e);
        return;
    }
    load_tree(ld, doc);
    pw_yaml_free(doc);
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool rule_file_name(const char *name)
{
    size_t len = strlen(name);
    if (name[0] == '.')
        return false;
    return (len > 5 && !strcmp(name + len - 5, ".yaml")) ||
           (len > 4 && !strcmp(name + len - 4, ".yml"));
}

/* Loads every rule file directly in dir, sorted by name. */
static void load_dir(loader *ld, const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) {
        pw_error e;
        pw_error_set(&e, PW_EIO, dir, 0, 0, "cannot open directory: %s", strerror(errno));
        report(ld, &e);
        return;
    }
    char **paths = NULL;
    size_t n = 0, cap = 0;
    size_t dlen = strlen(dir);
    const char *sep = dlen > 0 && dir[dlen - 1] == '/' ? "" : "/";
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (!rule_file_name(de->d_name))
            continue;
        size_t need = dlen + strlen(sep) + strlen(de->d_name) + 1;
        char *p = malloc(need);
        if (!p) {
            ld->oom = true;
            break;
        }
        snprintf(p, need, "%s%s%s", dir, sep, de->d_name);
        struct stat st;
        if (stat(p, &st) != 0 || !S_ISREG(st.st_mode)) {
            free(p);
            continue;
        }
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            char **grown = realloc(paths, ncap * sizeof *paths);
            if (!grown) {
                free(p);
                ld->oom = true;
                break;
            }
            paths = grown;
            cap = ncap;
        }
        paths[n++] = p;
    }
    closedir(d);
    if (ld->oom) {
        out_of_memory(ld, dir);
    } else if (n == 0) {
        pw_error e;
        pw_error_set(&e, PW_ERULE, dir, 0, 0, "no rule files (*.yaml, *.yml) in this directory");
        report(ld, &e);
    } else {
        qsort(paths, n, sizeof *paths, cmp_names);
        for (size_t i = 0; i < n && !ld->oom; i++)
            load_one_file(ld, paths[i]);
    }
    for (size_t i = 0; i < n; i++)
        free(paths[i]);
    free(paths);
}

static int new_set(pw_ruleset **out)
{
    pw_ruleset *set = calloc(1, sizeof *set);
    if (!set)
        return PW_ENOMEM;
    if (!(set->arena = pw_arena_new(0))) {
        free(set);
        return PW_ENOMEM;
    }
    *out = set;
    return 0;
}

/* Hands the set over when the loader met no error; frees it otherwise. */
static int finish(loader *ld, pw_ruleset **out, int fail_code)
{
    if (ld->oom || ld->n_errors > 0) {
        pw_ruleset_free(ld->set);
        return ld->oom ? PW_ENOMEM : fail_code;
    }
    *out = ld->set;
    return 0;
}

int pw_rules_load(const char *path, pw_ruleset **out, pw_errlist *errs)
{
    *out = NULL;
    loader ld = {.errs = errs};
    if (new_set(&ld.set)) {
        pw_error e;
        pw_error_set(&e, PW_ENOMEM, path, 0, 0, "out of memory");
        report(&ld, &e);
        return PW_ENOMEM;
    }
    struct stat st;
    if (stat(path, &st) != 0) {
        pw_error e;
        pw_error_set(&e, PW_EIO, path, 0, 0, "cannot open: %s", strerror(errno));
        report(&ld, &e);
        return finish(&ld, out, PW_EIO);
    }
    if (S_ISDIR(st.st_mode))
        load_dir(&ld, path);
    else
        load_one_file(&ld, path);
    return finish(&ld, out, PW_ERULE);
}

int pw_rules_load_string(const char *name, const char *text, size_t len, pw_ruleset **out,
                         pw_errlist *errs)
{
    *out = NULL;
    loader ld = {.errs = errs};
    pw_error e;
    if (new_set(&ld.set)) {
        pw_error_set(&e, PW_ENOMEM, name, 0, 0, "out of memory");
        report(&ld, &e);
        return PW_ENOMEM;
    }
    ld.set->n_files = 1;
    pw_yaml_doc *doc = NULL;
    int rc = pw_yaml_load_string(name, text, len, &doc, &e);
    if (rc)
        report(&ld, &e);
    else
        load_tree(&ld, doc);
    pw_yaml_free(doc);
    return finish(&ld, out, PW_ERULE);
}

void pw_ruleset_free(pw_ruleset *set)
{
    if (!set)
        return;
    pw_arena_free(set->arena);
    free(set->rules);
    free(set);
}

size_t pw_ruleset_count(const pw_ruleset *set)
{
    return set->n;
}
size_t pw_ruleset_files(const pw_ruleset *set)
{
    return set->n_files;
}

const pw_rule *pw_ruleset_rule(const pw_ruleset *set, size_t i)
{
    return i < set->n ? &set->rules[i] : NULL;
}

const pw_rule *pw_ruleset_find(const pw_ruleset *set, const char *id)
{
    for (size_t i = 0; i < set->n; i++)
        if (!strcmp(set->rules[i].id, id))
            return &set->rules[i];
    return NULL;
}

/* ---- evaluation ---------------------------------------------------------------- */

bool pw_rule_applies_to_list(const pw_rule *r, const char *list)
{
    const pw_rule_watchlist *wl = r->watchlist;
    if (!wl)
        return false;
    if (wl->n_lists == 0)
        return true;
    for (size_t i = 0; list && i < wl->n_lists; i++)
        if (!strcmp(wl->lists[i], list))
            return true;
    return false;
}

bool pw_rule_applies_to_category(const pw_rule *r, const char *category)
{
    const pw_rule_watchlist *wl = r->watchlist;
    if (!wl)
        return false;
    if (wl->n_categories == 0)
        return true;
    for (size_t i = 0; category && i < wl->n_categories; i++)
        if (!strcasecmp(wl->categories[i], category))
            return true;
    return false;
}

double pw_rule_min_score(const pw_rule *r, double list_threshold)
{
    if (!r->watchlist || r->watchlist->list_threshold)
        return list_threshold;
    return r->watchlist->min_score;
}

bool pw_rule_watchlist_fires(const pw_rule *r, const char *list, const char *category, double score,
                             double list_threshold)
{
    return r->enabled && pw_rule_applies_to_list(r, list) &&
           pw_rule_applies_to_category(r, category) &&
           score + 1e-9 >= pw_rule_min_score(r, list_threshold);
}

/* ---- rules check ------------------------------------------------------------------ */

int pw_rules_check(const char *path, FILE *out)
{
    pw_errlist errs = {0};
    pw_ruleset *set = NULL;
    int rc = pw_rules_load(path, &set, &errs);
    pw_errlist_print(&errs, out);
    if (rc == 0) {
        size_t n = pw_ruleset_count(set), files = pw_ruleset_files(set);
        fprintf(out, "%zu rule%s OK in %zu file%s\n", n, n == 1 ? "" : "s", files,
                files == 1 ? "" : "s");
    } else {
        size_t n = errs.n ? errs.n : 1;
        fprintf(out, "%zu error%s\n", n, n == 1 ? "" : "s");
    }
    pw_ruleset_free(set);
    pw_errlist_free(&errs);
    if (rc == PW_ENOMEM)
        return rc;
    return rc ? PW_ERULE : 0;
}
