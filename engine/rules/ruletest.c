/*
 * Tests embedded in rules, and canonical JSON records.
 *
 * A rule's `tests:` is a sequence of small cases: a record in the canonical JSON form
 * (CONTRACT.md) written as YAML, whether the rule must fire on it (`expect: fire` or
 * `expect: no-fire`), optionally how many hits it must give (`hits:`) and, for
 * watchlist rules, the candidates the matcher would have found (`watchlist:` one or a
 * sequence of {list, category, score, on, severity, entry_id}), since a test cannot
 * depend on which lists are imported.
 *
 * Test records are read by the same JSON Lines reader that screening uses, so a test
 * sees exactly what screening sees (normalised countries, dates, new fields as ingest
 * adds them). The loader turns each test's YAML record into one JSON line and, at the
 * end of the file, writes them all to an anonymous memory file (memfd) and reads them
 * back with pw_reader; a record the reader rejects, or a field it had to leave empty
 * (an unknown country, an impossible date), is an error in the rule file, reported at
 * the YAML node of that field when the reader names it. Back-testing reads stored
 * records through the same path (pw_rules_records_from_json).
 *
 * Running a test evaluates that one rule (disabled or not, guard off) through the
 * whole evaluator, prefilter included, so a test also checks that the prefilter keeps
 * the rule where it must fire. A failure prints the rule's fields and their values in
 * the test record, which is usually all an author needs to see why.
 */
#include "rules/rules_internal.h"

#include "ingest/ingest.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static const char *const test_keys[] = {"name", "expect", "record", "watchlist", "hits", NULL};
static const char *const expect_words[] = {"fire", "no-fire", NULL};
static const char *const candidate_keys[] = {"list",     "category", "score",      "on",
                                             "severity", "entry_id", "entry_name", NULL};

/* A test record waiting for the end of its file. */
struct pwr_pending {
    pwr_test *test;
    const pw_yaml_node *record; /* alive until the file's tree is freed */
    char *json;                 /* malloc'ed */
};

static void clear_pending(pwr_loader *ld);

/* ---- YAML to JSON ----------------------------------------------------------------- */

/* Every scalar becomes a JSON string (the canonical record has only strings), null
 * stays null. */
static void yaml_to_json(const pw_yaml_node *n, pw_strbuf *b)
{
    if (pw_yaml_is_null(n)) {
        pw_strbuf_append(b, "null");
        return;
    }
    switch (pw_yaml_kind(n)) {
    case PW_YAML_MAPPING: {
        pw_strbuf_append(b, "{");
        bool first = true;
        for (size_t i = 0; i < pw_yaml_size(n); i++) {
            const pw_yaml_node *k = pw_yaml_key(n, i);
            if (pwr_is_placeholder_key(k))
                continue;
            pw_strbuf_append(b, first ? "" : ",");
            first = false;
            pw_strbuf_append_json(b, pw_yaml_scalar(k, NULL));
            pw_strbuf_append(b, ":");
            yaml_to_json(pw_yaml_value(n, i), b);
        }
        pw_strbuf_append(b, "}");
        break;
    }
    case PW_YAML_SEQUENCE:
        pw_strbuf_append(b, "[");
        for (size_t i = 0; i < pw_yaml_size(n); i++) {
            pw_strbuf_append(b, i ? "," : "");
            yaml_to_json(pw_yaml_item(n, i), b);
        }
        pw_strbuf_append(b, "]");
        break;
    default:
        pw_strbuf_append_json(b, pw_yaml_scalar(n, NULL));
        break;
    }
}

/* The node a reader field path ("traveller.documents[0].expiry") names under root, or
 * the deepest one found on the way. */
static const pw_yaml_node *node_at(const pw_yaml_node *root, const char *path)
{
    const pw_yaml_node *n = root;
    char seg[64];
    while (path && *path && n) {
        size_t len = strcspn(path, ".[");
        if (len >= sizeof seg)
            return n;
        memcpy(seg, path, len);
        seg[len] = '\0';
        path += len;
        const pw_yaml_node *next = len ? pw_yaml_get(n, seg) : n;
        if (!next)
            return n;
        n = next;
        while (*path == '[') {
            char *end;
            long i = strtol(path + 1, &end, 10);
            if (*end != ']')
                return n;
            const pw_yaml_node *item = pw_yaml_item(n, (size_t)i);
            if (!item)
                return n;
            n = item;
            path = end + 1;
        }
        if (*path == '.')
            path++;
    }
    return n;
}

/* ---- loading tests ------------------------------------------------------------------ */

static bool add_pending(pwr_loader *ld, pwr_test *t, const pw_yaml_node *record)
{
    if (ld->n_pending == ld->cap_pending) {
        size_t cap = ld->cap_pending ? ld->cap_pending * 2 : 16;
        struct pwr_pending *p = realloc(ld->pending, cap * sizeof *p);
        if (!p)
            return false;
        ld->pending = p;
        ld->cap_pending = cap;
    }
    pw_strbuf b = {0};
    yaml_to_json(record, &b);
    if (b.oom || !b.data) {
        pw_strbuf_free(&b);
        return false;
    }
    ld->pending[ld->n_pending++] =
        (struct pwr_pending){.test = t, .record = record, .json = b.data};
    return true;
}

/* One fake candidate: {list, category, score, on, severity, entry_id, entry_name}. */
static bool load_candidate(pwr_loader *ld, const pw_yaml_node *v, pw_candidate *c)
{
    pw_error e;
    int rc = pw_yaml_expect(v, PW_YAML_MAPPING, "watchlist", &e);
    if (rc) {
        pwr_report_rc(ld, rc, &e);
        return false;
    }
    pw_arena *a = ld->set->arena;
    pw_entry *en = pw_arena_alloc(a, sizeof *en);
    pw_entry_name *nm = pw_arena_alloc(a, sizeof *nm);
    if (!en || !nm) {
        pwr_out_of_memory(ld);
        return false;
    }
    *nm = (pw_entry_name){.kind = PW_NAME_PRIMARY, .full = "TEST ENTRY"};
    *en = (pw_entry){.list_version = 1, .entry_id = "TEST-1", .names = nm, .n_names = 1};
    *c = (pw_candidate){
        .entry = en, .name = nm, .score = 1.0, .explanation = "{\"test\":true}", .on_name = true};
    bool ok = true;
    for (size_t i = 0; i < pw_yaml_size(v); i++) {
        const pw_yaml_node *k = pw_yaml_key(v, i), *val = pw_yaml_value(v, i);
        if (pwr_is_placeholder_key(k))
            continue;
        rc = pw_yaml_check_key(k, candidate_keys, "a test's watchlist candidate", &e);
        if (rc) {
            pwr_report_rc(ld, rc, &e);
            ok = false;
            continue;
        }
        const char *name = pw_yaml_scalar(k, NULL), *s = NULL;
        if (!strcmp(name, "score")) {
            rc = pw_yaml_double(val, "score", 0, 1, &c->score, &e);
        } else if (!strcmp(name, "severity")) {
            rc = pw_yaml_string(val, "severity", &s, &e);
            if (!rc && pw_severity_parse(s, &en->severity) != 0) {
                pwr_fail_at(ld, val, "severity: expected low, medium, high or critical");
                ok = false;
            }
        } else {
            rc = pw_yaml_string(val, name, &s, &e);
            const char *copy = rc ? NULL : pw_arena_strdup(a, s);
            if (!rc && !copy) {
                pwr_out_of_memory(ld);
                return false;
            }
            if (rc) {
            } else if (!strcmp(name, "list")) {
                en->list = copy;
            } else if (!strcmp(name, "category")) {
                en->category = copy;
            } else if (!strcmp(name, "entry_id")) {
                en->entry_id = copy;
            } else if (!strcmp(name, "entry_name")) {
                nm->full = copy;
            } else if (!strcmp(copy, "name") || !strcmp(copy, "document") ||
                       !strcmp(copy, "both")) { /* on */
                c->on_name = copy[0] != 'd';
                c->on_document = copy[0] != 'n';
            } else {
                pwr_fail_at(ld, val, "on: expected name, document or both, got '%.*s'",
                            PWR_QUOTE_MAX, copy);
                ok = false;
            }
        }
        if (rc) {
            pwr_report_rc(ld, rc, &e);
            ok = false;
        }
    }
    if (!en->list) {
        pwr_fail_at(ld, v, "a test's watchlist candidate needs 'list' (the list name)");
        ok = false;
    }
    return ok;
}

static void load_test(pwr_loader *ld, const pw_yaml_node *v, pwr_test *t)
{
    pw_error e;
    int rc = pw_yaml_expect(v, PW_YAML_MAPPING, "test", &e);
    if (rc) {
        pwr_report_rc(ld, rc, &e);
        return;
    }
    t->line = pw_yaml_line(v);
    t->col = pw_yaml_col(v);
    t->want_hits = -1;
    const pw_yaml_node *record = NULL;
    bool has_expect = false;
    for (size_t i = 0; i < pw_yaml_size(v); i++) {
        const pw_yaml_node *k = pw_yaml_key(v, i), *val = pw_yaml_value(v, i);
        if (pwr_is_placeholder_key(k))
            continue;
        rc = pw_yaml_check_key(k, test_keys, "a test", &e);
        if (rc) {
            pwr_report_rc(ld, rc, &e);
            continue;
        }
        const char *name = pw_yaml_scalar(k, NULL);
        if (!strcmp(name, "name")) {
            const char *s;
            rc = pw_yaml_string(val, "name", &s, &e);
            if (rc)
                pwr_report_rc(ld, rc, &e);
            else if (!(t->name = pw_arena_strdup(ld->set->arena, s)))
                pwr_out_of_memory(ld);
        } else if (!strcmp(name, "expect")) {
            const char *s = pw_yaml_kind(val) == PW_YAML_SCALAR ? pw_yaml_scalar(val, NULL) : NULL;
            if (s && (!strcmp(s, "fire") || !strcmp(s, "no-fire"))) {
                t->expect_fire = s[0] == 'f';
                has_expect = true;
            } else {
                const char *h = s ? pw_suggest(s, expect_words) : NULL;
                pwr_fail_at(ld, val, "expect: expected fire or no-fire, got %s%.*s%s%s%s%s",
                            s ? "'" : "", PWR_QUOTE_MAX, s ? s : pw_yaml_kind_name(val),
                            s ? "'" : "", h ? "; did you mean '" : "", h ? h : "", h ? "'?" : "");
            }
        } else if (!strcmp(name, "hits")) {
            rc = pw_yaml_int(val, "hits", 0, 100000, &t->want_hits, &e);
            pwr_report_rc(ld, rc, &e);
        } else if (!strcmp(name, "record")) {
            rc = pw_yaml_expect(val, PW_YAML_MAPPING, "record", &e);
            if (rc)
                pwr_report_rc(ld, rc, &e);
            else
                record = val;
        } else { /* watchlist */
            size_t n = pw_yaml_kind(val) == PW_YAML_SEQUENCE ? pw_yaml_size(val) : 1;
            t->cands = pw_arena_alloc(ld->set->arena, (n ? n : 1) * sizeof *t->cands);
            if (!t->cands) {
                pwr_out_of_memory(ld);
                continue;
            }
            for (size_t j = 0; j < n; j++) {
                const pw_yaml_node *it =
                    pw_yaml_kind(val) == PW_YAML_SEQUENCE ? pw_yaml_item(val, j) : val;
                if (load_candidate(ld, it, &t->cands[t->n_cands]))
                    t->n_cands++;
            }
        }
    }
    if (!has_expect && !pw_yaml_get(v, "expect"))
        pwr_fail_at(ld, v, "test is missing 'expect' (fire or no-fire)");
    if (!record && !pw_yaml_get(v, "record"))
        pwr_fail_at(ld, v, "test is missing 'record' (a traveller record, as in CONTRACT.md)");
    if (t->want_hits == 0 && has_expect && t->expect_fire)
        pwr_fail_at(ld, v, "test expects the rule to fire but with hits: 0");
    if (record && !add_pending(ld, t, record))
        pwr_out_of_memory(ld);
}

void pwr_tests_load(pwr_loader *ld, pw_rule *r, pwr_rule *impl, const pw_yaml_node *v)
{
    pw_error e;
    int rc = pw_yaml_expect(v, PW_YAML_SEQUENCE, "tests", &e);
    if (rc) {
        pwr_report_rc(ld, rc, &e);
        return;
    }
    size_t n = pw_yaml_size(v);
    if (n == 0)
        return;
    impl->tests = pw_arena_alloc(ld->set->arena, n * sizeof *impl->tests);
    if (!impl->tests) {
        pwr_out_of_memory(ld);
        return;
    }
    for (size_t i = 0; i < n; i++)
        load_test(ld, pw_yaml_item(v, i), &impl->tests[i]);
    impl->n_tests = n;
    r->n_tests = n;
}

typedef struct finish_ctx {
    pwr_loader *ld;
} finish_ctx;

static void on_problem(void *vctx, size_t index, const char *field, const char *reason, bool fatal)
{
    finish_ctx *fc = vctx;
    pwr_loader *ld = fc->ld;
    if (index >= ld->n_pending)
        return;
    const struct pwr_pending *p = &ld->pending[index];
    const pw_yaml_node *n = field ? node_at(p->record, field) : p->record;
    pwr_fail_at(ld, n, "test record: %s%s%s%s", field ? field : "", field ? ": " : "",
                reason ? reason : "invalid", fatal ? " (the record was rejected)" : "");
}

void pwr_tests_finish_file(pwr_loader *ld)
{
    if (ld->n_pending == 0)
        return;
    const char **json = malloc(ld->n_pending * sizeof *json);
    pw_record *recs = malloc(ld->n_pending * sizeof *recs);
    if (!json || !recs) {
        free(json);
        free(recs);
        pwr_out_of_memory(ld);
        clear_pending(ld);
        return;
    }
    for (size_t i = 0; i < ld->n_pending; i++)
        json[i] = ld->pending[i].json;
    finish_ctx fc = {.ld = ld};
    pw_error err = {0};
    long n =
        pwr_records_from_json(json, ld->n_pending, ld->set->arena, recs, on_problem, &fc, &err);
    if (n < 0) {
        pwr_report(ld, &err);
    } else {
        for (size_t i = 0; i < ld->n_pending; i++) {
            pwr_test *t = ld->pending[i].test;
            t->record = recs[i];
            t->record_ok = recs[i].record_id != NULL;
            if (t->record_ok)
                t->record.source_file = ld->file;
        }
    }
    free(json);
    free(recs);
    clear_pending(ld);
}

/* Frees the pending records' JSON; keeps the vector for the next file. */
static void clear_pending(pwr_loader *ld)
{
    for (size_t i = 0; i < ld->n_pending; i++)
        free(ld->pending[i].json);
    ld->n_pending = 0;
}

void pwr_tests_free_pending(pwr_loader *ld)
{
    clear_pending(ld);
    free(ld->pending);
    ld->pending = NULL;
    ld->cap_pending = 0;
}

/* ---- records from JSON ------------------------------------------------------------------ */

typedef struct read_ctx {
    size_t n;
    pwr_problem_fn fn;
    void *ctx;
} read_ctx;

static void on_reject(void *vctx, const pw_reject *rej)
{
    read_ctx *rc = vctx;
    if (rej->warning || !rc->fn || rej->line < 1)
        return;
    rc->fn(rc->ctx, (size_t)rej->line - 1, rej->field, rej->reason, true);
}

static void on_finding(void *vctx, const pw_finding *f)
{
    read_ctx *rc = vctx;
    if (!rc->fn || f->line < 1)
        return;
    switch (f->kind) {
    case PW_FINDING_UNKNOWN_COUNTRY:
    case PW_FINDING_INVALID_DATE:
    case PW_FINDING_UNKNOWN_CODE:
    case PW_FINDING_INVALID_FIELD:
    case PW_FINDING_MALFORMED_DOCUMENT:
        rc->fn(rc->ctx, (size_t)f->line - 1, f->field, f->detail, false);
        break;
    default:
        break;
    }
}

static int write_all(int fd, const char *s, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, s, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        s += w;
        n -= (size_t)w;
    }
    return 0;
}

long pwr_records_from_json(const char *const *json, size_t n, pw_arena *arena, pw_record *out,
                           pwr_problem_fn fn, void *ctx, pw_error *err)
{
    memset(out, 0, n * sizeof *out);
    if (n == 0)
        return 0;
    int fd = memfd_create("pw-records", MFD_CLOEXEC);
    if (fd < 0)
        return pw_error_set(err, PW_EIO, NULL, 0, 0, "cannot create a memory file: %s",
                            strerror(errno));
    for (size_t i = 0; i < n; i++) {
        const char *s = json[i] ? json[i] : "";
        /* one record a line: a line break inside would shift every later record */
        if (strchr(s, '\n'))
            s = "";
        if (write_all(fd, s, strlen(s)) || write_all(fd, "\n", 1)) {
            close(fd);
            return pw_error_set(err, PW_EIO, NULL, 0, 0, "cannot write a memory file: %s",
                                strerror(errno));
        }
    }
    char path[40];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    pw_reader *rd = NULL;
    int rc = pw_reader_open(path, PW_INPUT_JSONL, &rd, err);
    if (rc) {
        close(fd);
        return rc;
    }
    read_ctx rctx = {.n = n, .fn = fn, .ctx = ctx};
    pw_reader_set_findings(rd, on_finding, &rctx);
    long count = 0;
    pw_record rec;
    while ((rc = pw_reader_next(rd, arena, &rec, on_reject, &rctx, err)) == 1) {
        if (rec.source_line >= 1 && (size_t)rec.source_line <= n) {
            out[rec.source_line - 1] = rec;
            count++;
        }
    }
    pw_reader_close(rd);
    close(fd);
    return rc < 0 ? rc : count;
}

long pw_rules_records_from_json(const char *const *json, size_t n, pw_arena *arena, pw_record *out,
                                pw_error *err)
{
    return pwr_records_from_json(json, n, arena, out, NULL, NULL, err);
}

/* ---- running tests ---------------------------------------------------------------------- */

static void print_failure(const pw_ruleset *set, uint32_t ri, size_t k, const pwr_test *t,
                          size_t hits, pw_arena *arena, FILE *out)
{
    const pw_rule *r = &set->rules[ri];
    char want[64], got[64];
    if (!t->expect_fire)
        snprintf(want, sizeof want, "no hit");
    else if (t->want_hits > 0)
        snprintf(want, sizeof want, "%ld hit%s", t->want_hits, t->want_hits == 1 ? "" : "s");
    else
        snprintf(want, sizeof want, "a hit");
    if (hits == 0)
        snprintf(got, sizeof got, "it did not fire");
    else
        snprintf(got, sizeof got, "it fired (%zu hit%s)", hits, hits == 1 ? "" : "s");
    fprintf(out, "%s:%d:%d: rule '%s' test %zu%s%s%s: expected %s, but %s\n", r->file, t->line,
            t->col, r->id, k + 1, t->name ? " (" : "", t->name ? t->name : "", t->name ? ")" : "",
            want, got);
    pwr_view v;
    pw_strbuf b = {0};
    pwr_view_reset(&v, &t->record, pwr_today(), arena);
    pwr_explain_fields(set, ri, &v, &b);
    fprintf(out, "    the record: %s\n", b.data ? b.data : "{}");
    pw_strbuf_free(&b);
    for (size_t i = 0; i < t->n_cands; i++) {
        const pw_candidate *c = &t->cands[i];
        fprintf(out, "    candidate %zu: list %s, category %s, score %.3f, on %s\n", i + 1,
                c->entry->list, c->entry->category ? c->entry->category : "(none)", c->score,
                c->on_name && c->on_document ? "name and document"
                : c->on_document             ? "document"
                                             : "name");
    }
    if (set->impl[ri].bound && t->n_cands == 0)
        fprintf(out, "    (a watchlist rule needs candidates: give the test a 'watchlist:')\n");
}

int pw_rules_run_tests(const pw_ruleset *set, const pw_config *cfg, FILE *out,
                       pw_rules_test_summary *summary)
{
    pw_rules_test_summary sum = {0};
    pw_rules_ctx *ctx = pw_rules_ctx_new();
    pw_arena *arena = pw_arena_new(0);
    int rc = 0;
    if (!ctx || !arena) {
        rc = PW_ENOMEM;
        goto done;
    }
    for (size_t i = 0; i < set->n && rc == 0; i++) {
        const pwr_rule *impl = &set->impl[i];
        if (impl->n_tests == 0) {
            sum.untested++;
            continue;
        }
        sum.rules++;
        for (size_t k = 0; k < impl->n_tests; k++) {
            const pwr_test *t = &impl->tests[k];
            pw_arena_reset(arena);
            pw_rules_options opts = {
                .config = cfg, .only = &set->rules[i], .include_disabled = true, .no_guard = true};
            pw_rules_result res;
            sum.tests++;
            rc = pw_rules_evaluate(set, &t->record, t->cands, t->n_cands, &opts, ctx, arena, &res);
            if (rc)
                break;
            bool pass = t->expect_fire ? res.n_hits > 0 && (t->want_hits < 0 ||
                                                            res.n_hits == (size_t)t->want_hits)
                                       : res.n_hits == 0;
            if (!pass) {
                sum.failed++;
                if (out)
                    print_failure(set, (uint32_t)i, k, t, res.n_hits, arena, out);
            }
        }
    }
done:
    pw_rules_ctx_free(ctx);
    pw_arena_free(arena);
    if (summary)
        *summary = sum;
    if (rc)
        return rc;
    return sum.failed ? PW_ERULE : 0;
}
