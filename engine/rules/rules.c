/*
 * Rule loader: YAML rule packs and set files compiled into an immutable pw_ruleset.
 *
 * Each file is read whole, parsed into a pw_yaml tree (config/) and walked in document
 * order. Rules are checked exhaustively: a validation error is recorded in the loader
 * and the walk goes on with the next key, the next rule and the next file, so
 * "paxwatch rules check" shows a rule author everything at once. Errors stay in
 * document order because they are reported as the walk meets them; what is missing
 * from a rule is reported after its keys.
 *
 * A YAML syntax error ends its file (libyaml cannot go on past one). A duplicate key
 * does not: the tree builder refuses the file at the duplicate, so the loader reports
 * it, renames the duplicate in a private copy of the text to a placeholder key (one
 * character from U+2400 onwards, so columns do not move), parses again and skips
 * placeholder keys from then on. A file with several duplicates is parsed once per
 * duplicate (at most MAX_REPARSE times).
 *
 * Order of work: the set files of the pack's sets/ directory first (global sets),
 * then each rule file in name order: its `sets:` (local to the file, whatever their
 * place in the file), its rules (metadata, `when` compiled by compile.c, `tests` read
 * by ruletest.c), then the file's test records, parsed together. When every file is
 * done, the prefilter is built from the keys the compiler chose for each rule.
 *
 * Rules are kept in malloc'ed arrays (pw_rule, and pwr_rule for the evaluator); their
 * strings and lists live in the set's arena, copied out of the YAML trees before the
 * trees are freed. A set with errors is freed and never returned.
 */
#include "rules/rules_internal.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#define RULE_ID_MAX 64
#define SET_NAME_MAX 64
#define MAX_REPARSE 64
#define MAX_HITS_PER_DAY_MAX 1000000000L

static const char *const file_keys[] = {"rules", "sets", NULL};
static const char *const set_file_keys[] = {"sets", NULL};
static const char *const set_keys[] = {"description", "values", NULL};
static const char *const rule_keys[] = {"id",     "version",          "title",       "description",
                                        "author", "severity",         "score",       "enabled",
                                        "tags",   "valid_from",       "valid_until", "when",
                                        "tests",  "max_hits_per_day", NULL};
static const char *const severities[] = {"low", "medium", "high", "critical", NULL};
static const enum pw_severity severity_values[] = {PW_SEV_LOW, PW_SEV_MEDIUM, PW_SEV_HIGH,
                                                   PW_SEV_CRITICAL};

/* ---- error reporting ----------------------------------------------------- */

void pwr_report(pwr_loader *ld, const pw_error *e)
{
    ld->n_errors++;
    if (e->code == PW_ENOMEM)
        ld->oom = true;
    if (ld->errs)
        pw_errlist_add(ld->errs, e); /* on failure errs->oom says errors were lost */
}

/* Reports rc from a pw_yaml reader: validation failures become PW_ERULE. */
void pwr_report_rc(pwr_loader *ld, int rc, pw_error *e)
{
    if (!rc)
        return;
    if (e->code == PW_EINVAL)
        e->code = PW_ERULE;
    pwr_report(ld, e);
}

static void vfail(pwr_loader *ld, const char *file, int line, int col, const char *fmt, va_list ap)
{
    pw_error e = {.code = PW_ERULE, .line = line, .col = col};
    snprintf(e.file, sizeof e.file, "%s", file ? file : "");
    vsnprintf(e.msg, sizeof e.msg, fmt, ap);
    pwr_report(ld, &e);
}

/* Reports a PW_ERULE error at node n (n NULL: at the current file, no position). */
void pwr_fail_at(pwr_loader *ld, const pw_yaml_node *n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (n)
        vfail(ld, pw_yaml_node_file(n), pw_yaml_line(n), pw_yaml_col(n), fmt, ap);
    else
        vfail(ld, ld->file, 0, 0, fmt, ap);
    va_end(ap);
}

void pwr_fail_pos(pwr_loader *ld, const char *file, int line, int col, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfail(ld, file, line, col, fmt, ap);
    va_end(ap);
}

void pwr_out_of_memory(pwr_loader *ld)
{
    pw_error e = {0};
    pw_error_set(&e, PW_ENOMEM, ld->file, 0, 0, "out of memory");
    pwr_report(ld, &e);
}

/* An arena copy of s; NULL (and ld->oom) on out of memory. */
static const char *keep(pwr_loader *ld, const char *s)
{
    char *copy = pw_arena_strdup(ld->set->arena, s);
    if (!copy)
        pwr_out_of_memory(ld);
    return copy;
}

/* ---- duplicate keys ------------------------------------------------------------ */

/* Placeholders are U+2400..U+243F: E2 90 80..BF in UTF-8. */
bool pwr_is_placeholder_key(const pw_yaml_node *k)
{
    const unsigned char *s = (const unsigned char *)pw_yaml_scalar(k, NULL);
    return s && s[0] == 0xE2 && s[1] == 0x90 && s[2] >= 0x80 && s[2] <= 0xBF;
}

/*
 * Replaces the first character of the key at line/col of *text (inside the quotes of a
 * quoted key) with placeholder number k. Returns false when it cannot (an empty or
 * escaped key), leaving *text alone; otherwise *text and *len change (malloc'ed).
 */
static bool rename_key(char **text, size_t *len, int line, int col, int k)
{
    char *t = *text;
    size_t p = 0;
    for (int l = 1; l < line; l++) {
        char *nl = memchr(t + p, '\n', *len - p);
        if (!nl)
            return false;
        p = (size_t)(nl - t) + 1;
    }
    for (int c = 1; c < col && p < *len; c++) {
        p++;
        while (p < *len && ((unsigned char)t[p] & 0xC0) == 0x80)
            p++;
    }
    if (p >= *len)
        return false;
    if (t[p] == '"' || t[p] == '\'') {
        char q = t[p++];
        if (p >= *len || t[p] == q || t[p] == '\\')
            return false;
    }
    size_t clen = 1;
    while (p + clen < *len && ((unsigned char)t[p + clen] & 0xC0) == 0x80)
        clen++;
    if (strchr(":#\n\r ", t[p]))
        return false;
    size_t nlen = *len - clen + 3;
    char *n = malloc(nlen + 1);
    if (!n)
        return false;
    memcpy(n, t, p);
    n[p] = (char)0xE2;
    n[p + 1] = (char)0x90;
    n[p + 2] = (char)(0x80 + k);
    memcpy(n + p + 3, t + p + clen, *len - p - clen);
    n[nlen] = '\0';
    free(t);
    *text = n;
    *len = nlen;
    return true;
}

/*
 * Parses *text (malloc'ed; may be replaced) into *doc, reporting errors; on a duplicate
 * key, reports it and parses again with the duplicate renamed. 0 with a document, or
 * the code of the error that ended the file.
 */
static int parse_yaml(pwr_loader *ld, const char *name, char **text, size_t *len, pw_yaml_doc **doc)
{
    static const char dup[] = "duplicate key '";
    for (int k = 0;; k++) {
        pw_error e = {0};
        int rc = pw_yaml_load_string(name, *text, *len, doc, &e);
        if (rc == 0)
            return 0;
        pwr_report(ld, &e);
        if (e.code != PW_EPARSE || strncmp(e.msg, dup, sizeof dup - 1) != 0 || k >= MAX_REPARSE ||
            !rename_key(text, len, e.line, e.col, k))
            return rc;
    }
}

/* Reads the file at path (malloc'ed, NUL-terminated); PW_EIO or PW_ENOMEM in *e. */
static int read_file(const char *path, char **out, size_t *len, pw_error *e)
{
    *out = NULL;
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return pw_error_set(e, PW_EIO, path, 0, 0, "cannot open: %s", strerror(errno));
    struct stat st;
    if (fstat(fileno(fp), &st) != 0 || !S_ISREG(st.st_mode)) {
        fclose(fp);
        return pw_error_set(e, PW_EIO, path, 0, 0, "cannot read: not a regular file");
    }
    if (st.st_size > PW_YAML_MAX_BYTES) {
        fclose(fp);
        return pw_error_set(e, PW_EIO, path, 0, 0, "file too large (%lld bytes; at most %ld)",
                            (long long)st.st_size, (long)PW_YAML_MAX_BYTES);
    }
    char *buf = malloc((size_t)st.st_size + 1);
    if (!buf) {
        fclose(fp);
        return pw_error_set(e, PW_ENOMEM, path, 0, 0, "out of memory");
    }
    size_t n = fread(buf, 1, (size_t)st.st_size, fp);
    bool bad = ferror(fp);
    fclose(fp);
    if (bad) {
        free(buf);
        return pw_error_set(e, PW_EIO, path, 0, 0, "cannot read: %s", strerror(errno));
    }
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return 0;
}

/* ---- rule fields ----------------------------------------------------------- */

/* A non-empty string copied into the arena; NULL after reporting an error. */
static const char *text_field(pwr_loader *ld, const pw_yaml_node *v, const char *what)
{
    pw_error e;
    const char *s;
    int rc = pw_yaml_string(v, what, &s, &e);
    if (rc) {
        pwr_report_rc(ld, rc, &e);
        return NULL;
    }
    if (!*s) {
        pwr_fail_at(ld, v, "%s: must not be empty", what);
        return NULL;
    }
    return keep(ld, s);
}

/* A sequence of non-empty strings into *out and *n (arena). Reports every bad item. */
static void names_field(pwr_loader *ld, const pw_yaml_node *v, const char *what, const char ***out,
                        size_t *n)
{
    pw_error e;
    int rc = pw_yaml_expect(v, PW_YAML_SEQUENCE, what, &e);
    if (rc) {
        pwr_report_rc(ld, rc, &e);
        return;
    }
    size_t count = pw_yaml_size(v);
    if (count == 0)
        return;
    const char **items = pw_arena_alloc(ld->set->arena, count * sizeof *items);
    if (!items) {
        pwr_out_of_memory(ld);
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

static bool valid_name(const char *id, size_t max)
{
    size_t len = strlen(id);
    if (len == 0 || len > max || !isalnum((unsigned char)id[0]))
        return false;
    for (const char *c = id; *c; c++)
        if (!isalnum((unsigned char)*c) && !strchr("-_.", *c))
            return false;
    return true;
}

static void load_id(pwr_loader *ld, pw_rule *r, const pw_yaml_node *v)
{
    const char *id = text_field(ld, v, "id");
    if (!id)
        return;
    if (!valid_name(id, RULE_ID_MAX)) {
        pwr_fail_at(ld, v,
                    "id: '%.*s' is not a valid rule id (1 to %d letters, digits, '-', '_' or "
                    "'.', starting with a letter or digit)",
                    PWR_QUOTE_MAX, id, RULE_ID_MAX);
        return;
    }
    r->id = id;
}

static void load_severity(pwr_loader *ld, pw_rule *r, const pw_yaml_node *v)
{
    pw_error e;
    const char *s;
    int rc = pw_yaml_string(v, "severity", &s, &e);
    if (rc) {
        pwr_report_rc(ld, rc, &e);
        return;
    }
    for (size_t i = 0; severities[i]; i++) {
        if (!strcmp(s, severities[i])) {
            r->severity = severity_values[i];
            return;
        }
    }
    const char *hint = pw_suggest(s, severities);
    pwr_fail_at(ld, v, "severity: expected low, medium, high or critical, got '%.*s'%s%s%s",
                PWR_QUOTE_MAX, s, hint ? "; did you mean '" : "", hint ? hint : "",
                hint ? "'?" : "");
}

/* valid_from / valid_until: a full date. */
static void load_date(pwr_loader *ld, pw_date *out, const pw_yaml_node *v, const char *what)
{
    pw_error e = {0};
    const char *s;
    int rc = pw_yaml_string(v, what, &s, &e);
    if (rc) {
        pwr_report_rc(ld, rc, &e);
        return;
    }
    pw_date d;
    if (pw_date_parse(s, &d, &e) != 0) {
        pwr_fail_at(ld, v, "%s: %s (expected a date YYYY-MM-DD)", what, e.msg);
        return;
    }
    if (d.day == 0) {
        pwr_fail_at(ld, v, "%s: expected a full date YYYY-MM-DD, got '%.*s'", what, PWR_QUOTE_MAX,
                    s);
        return;
    }
    *out = d;
}

/* Appends r (and its evaluator part) to the set; reports a duplicate id at id_node. */
static void add_rule(pwr_loader *ld, const pw_rule *r, const pwr_rule *impl,
                     const pw_yaml_node *id_node)
{
    pw_ruleset *set = ld->set;
    if (r->id) {
        for (size_t i = 0; i < set->n; i++) {
            const pw_rule *o = &set->rules[i];
            if (o->id && !strcmp(o->id, r->id)) {
                pwr_fail_at(ld, id_node, "duplicate rule id '%s' (first defined at %s:%d:%d)",
                            r->id, o->file, o->line, o->col);
                return;
            }
        }
    }
    set->rules[set->n] = *r;
    set->impl[set->n] = *impl;
    set->n++;
}

static bool grow_rules(pwr_loader *ld)
{
    pw_ruleset *set = ld->set;
    if (set->n < set->cap)
        return true;
    size_t cap = set->cap ? set->cap * 2 : 16;
    pw_rule *rules = realloc(set->rules, cap * sizeof *rules);
    if (rules)
        set->rules = rules;
    pwr_rule *impl = rules ? realloc(set->impl, cap * sizeof *impl) : NULL;
    if (!impl) {
        pwr_out_of_memory(ld);
        return false;
    }
    set->impl = impl;
    set->cap = cap;
    return true;
}

static void load_rule(pwr_loader *ld, const pw_yaml_node *n, const char *file)
{
    pw_error e;
    int rc = pw_yaml_expect(n, PW_YAML_MAPPING, "rule", &e);
    if (rc) {
        pwr_report_rc(ld, rc, &e);
        return;
    }
    if (!grow_rules(ld))
        return;
    /* Compiled in place at set->rules[set->n] so that compile.c can fill it. */
    pw_rule *r = &ld->set->rules[ld->set->n];
    pwr_rule *impl = &ld->set->impl[ld->set->n];
    *r = (pw_rule){.enabled = true, .file = file, .line = pw_yaml_line(n), .col = pw_yaml_col(n)};
    *impl = (pwr_rule){.valid_from = INT_MIN, .valid_until = INT_MAX};
    ld->cur = impl;
    ld->cur_rule = r;
    ld->cur_watchlist = false;
    const pw_yaml_node *id_node = NULL, *when = NULL, *tests = NULL, *score_node = NULL;
    bool seen[sizeof rule_keys / sizeof *rule_keys] = {false};
    for (size_t i = 0; i < pw_yaml_size(n); i++) {
        const pw_yaml_node *k = pw_yaml_key(n, i), *v = pw_yaml_value(n, i);
        if (pwr_is_placeholder_key(k))
            continue;
        rc = pw_yaml_check_key(k, rule_keys, "a rule", &e);
        if (rc) {
            pwr_report_rc(ld, rc, &e);
            continue;
        }
        const char *name = pw_yaml_scalar(k, NULL);
        for (size_t j = 0; rule_keys[j]; j++)
            if (!strcmp(name, rule_keys[j]))
                seen[j] = true;
        if (!strcmp(name, "id")) {
            id_node = v;
            load_id(ld, r, v);
        } else if (!strcmp(name, "version")) {
            long version;
            rc = pw_yaml_int(v, "version", 1, 1000000000, &version, &e);
            if (rc)
                pwr_report_rc(ld, rc, &e);
            else
                r->version = (int)version;
        } else if (!strcmp(name, "title")) {
            r->title = text_field(ld, v, "title");
        } else if (!strcmp(name, "description")) {
            r->description = text_field(ld, v, "description");
        } else if (!strcmp(name, "author")) {
            r->author = text_field(ld, v, "author");
        } else if (!strcmp(name, "severity")) {
            load_severity(ld, r, v);
        } else if (!strcmp(name, "score")) {
            score_node = v;
            rc = pw_yaml_double(v, "score", 0.0, 1.0, &r->score, &e);
            pwr_report_rc(ld, rc, &e);
            r->has_score = rc == 0;
        } else if (!strcmp(name, "enabled")) {
            pwr_report_rc(ld, pw_yaml_bool(v, "enabled", &r->enabled, &e), &e);
        } else if (!strcmp(name, "tags")) {
            names_field(ld, v, "tags", &r->tags, &r->n_tags);
        } else if (!strcmp(name, "valid_from")) {
            load_date(ld, &r->valid_from, v, "valid_from");
        } else if (!strcmp(name, "valid_until")) {
            load_date(ld, &r->valid_until, v, "valid_until");
        } else if (!strcmp(name, "max_hits_per_day")) {
            rc = pw_yaml_int(v, "max_hits_per_day", 1, MAX_HITS_PER_DAY_MAX, &r->max_hits_per_day,
                             &e);
            pwr_report_rc(ld, rc, &e);
        } else if (!strcmp(name, "when")) {
            when = v;
            pwr_compile_when(ld, v);
        } else { /* tests: read after the rule's keys, once `when` is known */
            tests = v;
        }
    }
    static const char *const required[] = {"id", "version", "title", "severity", "when", NULL};
    for (size_t j = 0; rule_keys[j]; j++) {
        for (size_t q = 0; required[q]; q++) {
            if (!seen[j] && !strcmp(rule_keys[j], required[q])) {
                if (r->id)
                    pwr_fail_at(ld, n, "rule '%s' is missing '%s'", r->id, required[q]);
                else
                    pwr_fail_at(ld, n, "rule is missing '%s'", required[q]);
            }
        }
    }
    if (when && impl->has_prog && !impl->bound && !r->has_score && !score_node)
        pwr_fail_at(ld, n,
                    "rule '%s' needs a 'score' (its weight in the alert, from 0 to 1): only "
                    "watchlist rules may leave it out",
                    r->id ? r->id : "?");
    if (pw_date_is_set(r->valid_from) && pw_date_is_set(r->valid_until) &&
        pw_date_compare(r->valid_from, r->valid_until) > 0)
        pwr_fail_at(ld, n, "rule '%s': valid_from is after valid_until", r->id ? r->id : "?");
    if (pw_date_is_set(r->valid_from))
        impl->valid_from = pwr_day_number(r->valid_from);
    if (pw_date_is_set(r->valid_until))
        impl->valid_until = pwr_day_number(r->valid_until);
    if (tests)
        pwr_tests_load(ld, r, impl, tests);
    if (r->max_hits_per_day > 0 && r->id && r->version > 0) {
        impl->guard = pwr_guard_get(r->id, r->version);
        if (!impl->guard)
            pwr_out_of_memory(ld);
    }
    ld->cur = NULL;
    ld->cur_rule = NULL;
    /* A rule with errors is added too (so later duplicates of its id are reported); a
     * set with errors is never returned, so it is never evaluated. */
    add_rule(ld, r, impl, id_node);
}

/* ---- sets --------------------------------------------------------------------- */

/* name: [values] or name: {description: ..., values: [...]}; appended to *list. */
static void load_set(pwr_loader *ld, const pw_yaml_node *k, const pw_yaml_node *v, bool global)
{
    const char *name = pw_yaml_scalar(k, NULL);
    if (!valid_name(name, SET_NAME_MAX)) {
        pwr_fail_at(ld, k,
                    "'%.*s' is not a valid set name (1 to %d letters, digits, '-', '_' or '.', "
                    "starting with a letter or digit)",
                    PWR_QUOTE_MAX, name, SET_NAME_MAX);
        return;
    }
    pwr_set_def *old = pwr_find_set(ld, name);
    if (old) {
        pwr_fail_at(ld, k, "set '%s' is already defined at %s:%d:%d", name, old->file, old->line,
                    old->col);
        return;
    }
    const pw_yaml_node *values = v;
    if (pw_yaml_kind(v) == PW_YAML_MAPPING) {
        values = NULL;
        for (size_t i = 0; i < pw_yaml_size(v); i++) {
            const pw_yaml_node *sk = pw_yaml_key(v, i);
            pw_error e;
            if (pwr_is_placeholder_key(sk))
                continue;
            int rc = pw_yaml_check_key(sk, set_keys, "a set", &e);
            if (rc)
                pwr_report_rc(ld, rc, &e);
            else if (!strcmp(pw_yaml_scalar(sk, NULL), "values"))
                values = pw_yaml_value(v, i);
        }
        if (!values) {
            pwr_fail_at(ld, v, "set '%s' is missing 'values'", name);
            return;
        }
    }
    if (pw_yaml_kind(values) != PW_YAML_SEQUENCE || pw_yaml_size(values) == 0) {
        pwr_fail_at(ld, values, "set '%s': expected a non-empty sequence of values, got %s", name,
                    pw_yaml_kind(values) == PW_YAML_SEQUENCE ? "an empty one"
                                                             : pw_yaml_kind_name(values));
        return;
    }
    pw_arena *a = ld->set->arena;
    size_t n = pw_yaml_size(values);
    pwr_set_def *sd = pw_arena_alloc(a, sizeof *sd);
    if (!sd || !(sd->values = pw_arena_alloc(a, n * sizeof *sd->values)) ||
        !(sd->lines = pw_arena_alloc(a, n * sizeof *sd->lines)) ||
        !(sd->cols = pw_arena_alloc(a, n * sizeof *sd->cols)) || !(sd->name = keep(ld, name)) ||
        !(sd->file = keep(ld, pw_yaml_node_file(k)))) {
        pwr_out_of_memory(ld);
        return;
    }
    sd->line = pw_yaml_line(k);
    sd->col = pw_yaml_col(k);
    bool ok = true;
    for (size_t i = 0; i < n; i++) {
        const pw_yaml_node *it = pw_yaml_item(values, i);
        const char *s = text_field(ld, it, "set value");
        ok = ok && s;
        sd->values[sd->n] = s;
        sd->lines[sd->n] = pw_yaml_line(it);
        sd->cols[sd->n] = pw_yaml_col(it);
        sd->n += s != NULL;
    }
    if (!ok)
        return;
    pwr_set_def ***list = global ? &ld->set->sets : &ld->local_sets;
    size_t *count = global ? &ld->set->n_sets : &ld->n_local_sets;
    size_t *cap = global ? &ld->set->cap_sets : &ld->cap_local_sets;
    if (*count == *cap) {
        size_t ncap = *cap ? *cap * 2 : 8;
        pwr_set_def **grown = realloc(*list, ncap * sizeof *grown);
        if (!grown) {
            pwr_out_of_memory(ld);
            return;
        }
        *list = grown;
        *cap = ncap;
    }
    (*list)[(*count)++] = sd;
}

static void load_sets(pwr_loader *ld, const pw_yaml_node *v, bool global)
{
    pw_error e;
    int rc = pw_yaml_expect(v, PW_YAML_MAPPING, "sets", &e);
    if (rc) {
        pwr_report_rc(ld, rc, &e);
        return;
    }
    for (size_t i = 0; i < pw_yaml_size(v) && !ld->oom; i++)
        if (!pwr_is_placeholder_key(pw_yaml_key(v, i)))
            load_set(ld, pw_yaml_key(v, i), pw_yaml_value(v, i), global);
}

/* ---- files ------------------------------------------------------------------ */

static void load_rule_tree(pwr_loader *ld, const pw_yaml_doc *doc)
{
    const char *file = ld->file;
    const pw_yaml_node *root = pw_yaml_root(doc);
    if (!root) {
        pwr_fail_pos(ld, file, 0, 0, "empty rule file: expected 'rules:' and a sequence of rules");
        return;
    }
    pw_error e;
    int rc = pw_yaml_expect(root, PW_YAML_MAPPING, "a rule file", &e);
    if (rc) {
        pwr_report_rc(ld, rc, &e);
        return;
    }
    const pw_yaml_node *rules = NULL, *sets = NULL;
    for (size_t i = 0; i < pw_yaml_size(root); i++) {
        const pw_yaml_node *k = pw_yaml_key(root, i);
        if (pwr_is_placeholder_key(k))
            continue;
        rc = pw_yaml_check_key(k, file_keys, "a rule file", &e);
        if (rc)
            pwr_report_rc(ld, rc, &e);
        else if (!strcmp(pw_yaml_scalar(k, NULL), "rules"))
            rules = pw_yaml_value(root, i);
        else
            sets = pw_yaml_value(root, i);
    }
    if (sets)
        load_sets(ld, sets, false);
    if (!rules) {
        pwr_fail_at(ld, root, "missing 'rules:' (a sequence of rules)");
        return;
    }
    rc = pw_yaml_expect(rules, PW_YAML_SEQUENCE, "rules", &e);
    if (rc) {
        pwr_report_rc(ld, rc, &e);
        return;
    }
    for (size_t i = 0; i < pw_yaml_size(rules) && !ld->oom; i++)
        load_rule(ld, pw_yaml_item(rules, i), file);
    pwr_tests_finish_file(ld);
}

static void load_set_tree(pwr_loader *ld, const pw_yaml_doc *doc)
{
    const pw_yaml_node *root = pw_yaml_root(doc);
    if (!root) {
        pwr_fail_pos(ld, ld->file, 0, 0, "empty set file: expected 'sets:' and named sets");
        return;
    }
    pw_error e;
    int rc = pw_yaml_expect(root, PW_YAML_MAPPING, "a set file", &e);
    if (rc) {
        pwr_report_rc(ld, rc, &e);
        return;
    }
    const pw_yaml_node *sets = NULL;
    for (size_t i = 0; i < pw_yaml_size(root); i++) {
        const pw_yaml_node *k = pw_yaml_key(root, i);
        if (pwr_is_placeholder_key(k))
            continue;
        rc = pw_yaml_check_key(k, set_file_keys, "a set file", &e);
        if (rc)
            pwr_report_rc(ld, rc, &e);
        else
            sets = pw_yaml_value(root, i);
    }
    if (!sets)
        pwr_fail_at(ld, root, "missing 'sets:' (a mapping of set names to values)");
    else
        load_sets(ld, sets, true);
}

/* Loads one file (a rule file, or a set file when is_set) from text (malloc'ed; freed). */
static void load_text(pwr_loader *ld, const char *name, char *text, size_t len, bool is_set)
{
    ld->file = keep(ld, name);
    if (!ld->file) {
        free(text);
        return;
    }
    pw_yaml_doc *doc = NULL;
    if (parse_yaml(ld, ld->file, &text, &len, &doc) == 0) {
        ld->text = text;
        ld->text_len = len;
        if (is_set)
            load_set_tree(ld, doc);
        else
            load_rule_tree(ld, doc);
        pw_yaml_free(doc);
    }
    ld->text = NULL;
    ld->text_len = 0;
    ld->n_local_sets = 0;
    free(text);
}

static void load_one_file(pwr_loader *ld, const char *path, bool is_set)
{
    char *text = NULL;
    size_t len = 0;
    pw_error e;
    if (!is_set)
        ld->set->n_files++;
    if (read_file(path, &text, &len, &e)) {
        pwr_report(ld, &e);
        return;
    }
    load_text(ld, path, text, len, is_set);
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool yaml_file_name(const char *name)
{
    size_t len = strlen(name);
    if (name[0] == '.')
        return false;
    return (len > 5 && !strcmp(name + len - 5, ".yaml")) ||
           (len > 4 && !strcmp(name + len - 4, ".yml"));
}

/* The YAML files directly in dir, sorted by name, into *out (malloc'ed paths). A
 * missing directory is an error only when required. */
static void list_dir(pwr_loader *ld, const char *dir, bool required, char ***out, size_t *n_out)
{
    *out = NULL;
    *n_out = 0;
    DIR *d = opendir(dir);
    if (!d) {
        if (required) {
            pw_error e;
            pw_error_set(&e, PW_EIO, dir, 0, 0, "cannot open directory: %s", strerror(errno));
            pwr_report(ld, &e);
        }
        return;
    }
    char **paths = NULL;
    size_t n = 0, cap = 0;
    size_t dlen = strlen(dir);
    const char *sep = dlen > 0 && dir[dlen - 1] == '/' ? "" : "/";
    struct dirent *de;
    bool oom = false;
    while ((de = readdir(d)) != NULL) {
        if (!yaml_file_name(de->d_name))
            continue;
        size_t need = dlen + strlen(sep) + strlen(de->d_name) + 1;
        char *p = malloc(need);
        if (!p) {
            oom = true;
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
                oom = true;
                break;
            }
            paths = grown;
            cap = ncap;
        }
        paths[n++] = p;
    }
    closedir(d);
    if (oom)
        pwr_out_of_memory(ld);
    if (n)
        qsort(paths, n, sizeof *paths, cmp_names);
    *out = paths;
    *n_out = n;
}

static void free_paths(char **paths, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(paths[i]);
    free(paths);
}

/* Loads the set files of dir/sets, when that directory exists. */
static void load_set_dir(pwr_loader *ld, const char *dir)
{
    char sets[4096];
    int w = snprintf(sets, sizeof sets, "%s%s", dir,
                     dir[0] && dir[strlen(dir) - 1] == '/' ? "sets" : "/sets");
    struct stat st;
    if (w < 0 || (size_t)w >= sizeof sets || stat(sets, &st) != 0 || !S_ISDIR(st.st_mode))
        return;
    char **paths;
    size_t n;
    list_dir(ld, sets, true, &paths, &n);
    for (size_t i = 0; i < n && !ld->oom; i++)
        load_one_file(ld, paths[i], true);
    free_paths(paths, n);
}

/* Loads every rule file directly in dir, sorted by name, after dir/sets. */
static void load_dir(pwr_loader *ld, const char *dir)
{
    char **paths;
    size_t n;
    list_dir(ld, dir, true, &paths, &n);
    if (ld->n_errors)
        return;
    if (n == 0) {
        pw_error e;
        pw_error_set(&e, PW_ERULE, dir, 0, 0, "no rule files (*.yaml, *.yml) in this directory");
        pwr_report(ld, &e);
        free(paths);
        return;
    }
    load_set_dir(ld, dir);
    for (size_t i = 0; i < n && !ld->oom; i++)
        load_one_file(ld, paths[i], false);
    free_paths(paths, n);
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

/* Builds the prefilter, then hands the set over when the loader met no error; frees
 * it otherwise. */
static int finish(pwr_loader *ld, pw_ruleset **out, int fail_code)
{
    if (!ld->oom && ld->n_errors == 0) {
        for (size_t i = 0; i < ld->set->n; i++) {
            size_t before = ld->n_keys;
            bool indexed = pwr_collect_keys(ld, (uint32_t)i);
            if (!indexed)
                ld->n_keys = before;
            ld->set->rules[i].indexed = indexed;
            ld->set->n_unindexed += !indexed;
            ld->set->n_bound += ld->set->impl[i].bound;
        }
        if (!ld->oom && pwr_prefilter_build(ld) != 0)
            pwr_out_of_memory(ld);
    }
    free(ld->keys);
    free(ld->local_sets);
    pwr_tests_free_pending(ld);
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
    pwr_loader ld = {.errs = errs};
    if (new_set(&ld.set)) {
        pw_error e;
        pw_error_set(&e, PW_ENOMEM, path, 0, 0, "out of memory");
        pwr_report(&ld, &e);
        return PW_ENOMEM;
    }
    struct stat st;
    if (stat(path, &st) != 0) {
        pw_error e;
        pw_error_set(&e, PW_EIO, path, 0, 0, "cannot open: %s", strerror(errno));
        pwr_report(&ld, &e);
        return finish(&ld, out, PW_EIO);
    }
    if (S_ISDIR(st.st_mode)) {
        load_dir(&ld, path);
    } else {
        char dir[4096];
        snprintf(dir, sizeof dir, "%s", path);
        char *slash = strrchr(dir, '/');
        if (slash)
            slash[1] = '\0';
        else
            snprintf(dir, sizeof dir, ".");
        load_set_dir(&ld, dir);
        load_one_file(&ld, path, false);
    }
    return finish(&ld, out, PW_ERULE);
}

int pw_rules_load_string(const char *name, const char *text, size_t len, pw_ruleset **out,
                         pw_errlist *errs)
{
    *out = NULL;
    pwr_loader ld = {.errs = errs};
    if (new_set(&ld.set)) {
        pw_error e;
        pw_error_set(&e, PW_ENOMEM, name, 0, 0, "out of memory");
        pwr_report(&ld, &e);
        return PW_ENOMEM;
    }
    ld.set->n_files = 1;
    char *copy = malloc(len + 1);
    if (!copy) {
        pwr_out_of_memory(&ld);
        return finish(&ld, out, PW_ERULE);
    }
    if (len)
        memcpy(copy, text, len);
    copy[len] = '\0';
    load_text(&ld, name, copy, len, false);
    return finish(&ld, out, PW_ERULE);
}

void pw_ruleset_free(pw_ruleset *set)
{
    if (!set)
        return;
    for (size_t i = 0; i < set->n_regexes; i++)
        pcre2_code_free(set->regexes[i].code);
    free(set->regexes);
    free(set->nodes);
    free(set->sets);
    free(set->pf.slots);
    free(set->pf.postings);
    free(set->pf.always);
    pw_arena_free(set->arena);
    free(set->rules);
    free(set->impl);
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

size_t pw_ruleset_sets(const pw_ruleset *set)
{
    return set->n_sets;
}

size_t pw_ruleset_unindexed(const pw_ruleset *set)
{
    return set->n_unindexed;
}

/* Candidate bounds of a condition (pw_ruleset_candidate_floor): the lowest candidate
 * score that can decide it, NO_CANDIDATE_NEEDED for a condition on the record alone, or
 * UNBOUNDED_FLOOR for one that a weak candidate can satisfy (a `not` over a watchlist
 * condition, an `any` beside a record condition: the rule fires per candidate). */
#define NO_CANDIDATE_NEEDED 2.0
#define UNBOUNDED_FLOOR 0.5

static double candidate_bound(const pw_ruleset *set, uint32_t i, double lowest_threshold)
{
    const pwr_node *n = &set->nodes[i];
    if (n->op == OP_WATCHLIST)
        return n->v.wl->list_threshold ? lowest_threshold : n->v.wl->min_score;
    if (n->op != OP_ALL && n->op != OP_ANY && n->op != OP_NOT && n->op != OP_ANY_DOC &&
        n->op != OP_EVERY_DOC)
        return NO_CANDIDATE_NEEDED;
    double bound = NO_CANDIDATE_NEEDED;
    bool record_only_child = false;
    for (uint32_t c = i + 1; c < n->next; c = set->nodes[c].next) {
        double b = candidate_bound(set, c, lowest_threshold);
        if (b == NO_CANDIDATE_NEEDED)
            record_only_child = true;
        else if (bound == NO_CANDIDATE_NEEDED)
            bound = b;
        else if (n->op == OP_ANY ? b < bound : b > bound) /* any: the weakest; all: the strongest */
            bound = b;
    }
    if (bound == NO_CANDIDATE_NEEDED)
        return bound;
    if (n->op == OP_NOT || (n->op == OP_ANY && record_only_child))
        return bound < UNBOUNDED_FLOOR ? bound : UNBOUNDED_FLOOR;
    return bound;
}

double pw_ruleset_candidate_floor(const pw_ruleset *set, const pw_config *cfg,
                                  bool include_disabled)
{
    double lowest_threshold = cfg->default_threshold;
    for (size_t i = 0; i < cfg->n_lists; i++)
        if (cfg->lists[i].threshold < lowest_threshold)
            lowest_threshold = cfg->lists[i].threshold;
    double floor = 1.0;
    for (size_t r = 0; r < set->n; r++) {
        if ((!set->rules[r].enabled && !include_disabled) || !set->impl[r].has_prog)
            continue;
        double b = candidate_bound(set, set->impl[r].prog, lowest_threshold);
        if (b < floor)
            floor = b;
    }
    return floor;
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

/* ---- watchlist-condition helpers ------------------------------------------------ */

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
