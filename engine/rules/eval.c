/*
 * Evaluation: the prefilter, the predicate programs, hits, explanations and the daily
 * guard.
 *
 * For each record, the prefilter first builds a bitmap of the rules worth running: the
 * rules without keys (always), OR the posting lists of the (field, value) pairs the
 * record carries for each indexed field (one hash probe per field, per document for
 * document fields). The bitmap is then walked in rule order, so hits come out in load
 * order whatever the prefilter did; the prefilter never changes a result, only which
 * rules are run (the embedded tests run through it, and `no_prefilter` gives the
 * benchmark its peer).
 *
 * A program is walked recursively over the flat node array (see rules_internal.h);
 * record fields are computed once per record by the view, document fields per
 * document. A missing value makes every comparison false except `missing` (so `ne` and
 * `not_in` need a value too); `not` is the only way to turn that around. Patterns are
 * compiled with PCRE2_MATCH_INVALID_UTF, so their JIT code runs straight on any bytes
 * (pcre2_jit_match, no UTF check per match; pcre2_match where JIT is unavailable), with
 * per-context match data, a JIT stack and match/depth limits: a pattern that hits a
 * limit counts as no match and is counted in regex_limits, so one pathological rule
 * cannot stall a worker.
 *
 * Memory: the context owns the rule bitmap and a hit buffer that grow to the largest
 * ruleset seen and are reused; hits and their strings are copied into the caller's
 * arena at the end. Nothing here calls malloc per record once the context is warm.
 *
 * The daily guard of max_hits_per_day is one atomic word per (rule id, version) in a
 * process-wide list (created under a mutex at load time, never freed), holding the UTC
 * day number and that day's hits: a hit takes a ticket with compare-and-swap; tickets
 * beyond the limit are withheld, and the first withheld one of each day is reported on
 * standard error. A reload finds the same word, so the count survives it.
 */
#include "rules/rules_internal.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define MATCH_LIMIT 1000000
#define DEPTH_LIMIT 10000
#define JIT_STACK_MAX (1024 * 1024)

struct pw_rules_ctx {
    pcre2_match_data *md;
    pcre2_match_context *mctx;
    pcre2_jit_stack *jit;
    uint64_t *bits;
    size_t cap_words;
    pw_hit *hits;
    uint32_t *rule_of;
    size_t cap_hits;
    pwr_view view;
    pw_strbuf explain;
    /* during one evaluation */
    const pw_ruleset *set;
    const pw_config *cfg;
    const pw_document *doc;
    const pw_candidate *cand;
    size_t regex_limits;
};

pw_rules_ctx *pw_rules_ctx_new(void)
{
    pw_rules_ctx *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->md = pcre2_match_data_create(1, NULL);
    c->mctx = pcre2_match_context_create(NULL);
    c->jit = pcre2_jit_stack_create(32 * 1024, JIT_STACK_MAX, NULL);
    if (!c->md || !c->mctx) {
        pw_rules_ctx_free(c);
        return NULL;
    }
    if (c->jit)
        pcre2_jit_stack_assign(c->mctx, NULL, c->jit);
    pcre2_set_match_limit(c->mctx, MATCH_LIMIT);
    pcre2_set_depth_limit(c->mctx, DEPTH_LIMIT);
    return c;
}

void pw_rules_ctx_free(pw_rules_ctx *c)
{
    if (!c)
        return;
    pcre2_match_data_free(c->md);
    pcre2_match_context_free(c->mctx);
    pcre2_jit_stack_free(c->jit);
    free(c->bits);
    free(c->hits);
    free(c->rule_of);
    pw_strbuf_free(&c->explain);
    free(c);
}

/* ---- the guard --------------------------------------------------------------------- */

static pthread_mutex_t guard_mu = PTHREAD_MUTEX_INITIALIZER;
static pwr_guard *guards;

#define GUARD_COUNT_BITS 40
#define GUARD_COUNT_MASK ((1ull << GUARD_COUNT_BITS) - 1)

pwr_guard *pwr_guard_get(const char *id, int version)
{
    char key[96];
    snprintf(key, sizeof key, "%s\n%d", id, version);
    pthread_mutex_lock(&guard_mu);
    pwr_guard *g = guards;
    while (g && strcmp(g->key, key) != 0)
        g = g->next;
    if (!g) {
        g = calloc(1, sizeof *g + strlen(key) + 1);
        if (g) {
            memcpy(g->key, key, strlen(key) + 1);
            atomic_init(&g->state, 0);
            g->next = guards;
            guards = g;
        }
    }
    pthread_mutex_unlock(&guard_mu);
    return g;
}

void pw_ruleset_guard_seed(const pw_ruleset *set, size_t i, long hits)
{
    pwr_guard *g = i < set->n ? set->impl[i].guard : NULL;
    if (!g || hits <= 0)
        return;
    uint64_t day = (uint64_t)pwr_today(), want = (uint64_t)hits & GUARD_COUNT_MASK;
    uint64_t st = atomic_load_explicit(&g->state, memory_order_relaxed);
    for (;;) {
        uint64_t d = st >> GUARD_COUNT_BITS, count = st & GUARD_COUNT_MASK;
        if (d == day && count >= want)
            return; /* this process has counted as many already */
        uint64_t next = day << GUARD_COUNT_BITS | want;
        if (atomic_compare_exchange_weak_explicit(&g->state, &st, next, memory_order_relaxed,
                                                  memory_order_relaxed))
            return;
    }
}

/* Takes a ticket for one hit today; false when the rule is over its limit. */
static bool guard_take(pwr_guard *g, const pw_rule *r, int day)
{
    uint64_t st = atomic_load_explicit(&g->state, memory_order_relaxed);
    uint64_t next;
    do {
        uint64_t d = st >> GUARD_COUNT_BITS, count = st & GUARD_COUNT_MASK;
        if (d != (uint64_t)day)
            count = 0;
        if (count < GUARD_COUNT_MASK)
            count++;
        next = (uint64_t)day << GUARD_COUNT_BITS | count;
    } while (!atomic_compare_exchange_weak_explicit(&g->state, &st, next, memory_order_relaxed,
                                                    memory_order_relaxed));
    uint64_t count = next & GUARD_COUNT_MASK;
    if (count == (uint64_t)r->max_hits_per_day + 1) {
        char date[11];
        pwr_format_day(day, date);
        fprintf(stderr,
                "paxwatch: rule '%s' version %d reached max_hits_per_day (%ld) on %s (UTC): its "
                "further hits today raise no alert\n",
                r->id, r->version, r->max_hits_per_day, date);
    }
    return count <= (uint64_t)r->max_hits_per_day;
}

/* ---- the prefilter -------------------------------------------------------------------- */

static uint64_t key_hash(int field, const char *s, size_t len)
{
    uint64_t h = pwr_hash_fold(s, len) ^ ((uint64_t)(field + 1) * 0x9E3779B97F4A7C15ull);
    return h ? h : 1;
}

static int cmp_keys(const void *a, const void *b)
{
    const pwr_key *x = a, *y = b;
    if (x->field != y->field)
        return x->field < y->field ? -1 : 1;
    size_t n = x->len < y->len ? x->len : y->len;
    for (size_t i = 0; i < n; i++) {
        int cx = (unsigned char)x->key[i], cy = (unsigned char)y->key[i];
        cx = cx >= 'a' && cx <= 'z' ? cx - 32 : cx;
        cy = cy >= 'a' && cy <= 'z' ? cy - 32 : cy;
        if (cx != cy)
            return cx < cy ? -1 : 1;
    }
    if (x->len != y->len)
        return x->len < y->len ? -1 : 1;
    return x->rule < y->rule ? -1 : x->rule > y->rule;
}

static bool same_key(const pwr_key *a, const pwr_key *b)
{
    return a->field == b->field && pwr_equal_fold(a->key, a->len, b->key, b->len);
}

int pwr_prefilter_build(pwr_loader *ld)
{
    pw_ruleset *set = ld->set;
    pwr_prefilter *pf = &set->pf;
    size_t words = (set->n + 63) / 64;
    pf->always = calloc(words ? words : 1, sizeof *pf->always);
    if (!pf->always)
        return PW_ENOMEM;
    for (size_t i = 0; i < set->n; i++)
        if (!set->rules[i].indexed)
            pf->always[i / 64] |= 1ull << (i % 64);
    if (ld->n_keys) /* keys is NULL when no rule has one: qsort(NULL, 0) is undefined */
        qsort(ld->keys, ld->n_keys, sizeof *ld->keys, cmp_keys);
    size_t groups = 0;
    for (size_t i = 0; i < ld->n_keys; i++)
        groups += i == 0 || !same_key(&ld->keys[i - 1], &ld->keys[i]);
    uint32_t cap = 8;
    while (cap < 2 * groups + 2)
        cap *= 2;
    pf->slots = calloc(cap, sizeof *pf->slots);
    pf->postings = malloc((ld->n_keys ? ld->n_keys : 1) * sizeof *pf->postings);
    if (!pf->slots || !pf->postings)
        return PW_ENOMEM;
    pf->mask = cap - 1;
    uint32_t np = 0;
    bool field_seen[F__COUNT] = {false};
    for (size_t i = 0; i < ld->n_keys;) {
        const pwr_key *k = &ld->keys[i];
        uint64_t h = key_hash(k->field, k->key, k->len);
        uint32_t j = (uint32_t)h & pf->mask;
        while (pf->slots[j].hash)
            j = (j + 1) & pf->mask;
        pwr_pf_slot *sl = &pf->slots[j];
        *sl =
            (pwr_pf_slot){.hash = h, .key = k->key, .len = k->len, .field = k->field, .first = np};
        size_t e = i;
        while (e < ld->n_keys && same_key(&ld->keys[e], k)) {
            if (np == sl->first || pf->postings[np - 1] != ld->keys[e].rule)
                pf->postings[np++] = ld->keys[e].rule;
            e++;
        }
        sl->count = np - sl->first;
        if (!field_seen[k->field]) {
            field_seen[k->field] = true;
            pf->fields[pf->n_fields++] = k->field;
            pf->doc_fields |= pwr_fields[k->field].scope == S_DOCUMENT;
        }
        i = e;
    }
    return 0;
}

/* ORs into bits the rules filed under (field, s). */
static void pf_probe(const pwr_prefilter *pf, uint64_t *bits, int field, const char *s, size_t len)
{
    uint64_t h = key_hash(field, s, len);
    for (uint32_t j = (uint32_t)h & pf->mask; pf->slots[j].hash; j = (j + 1) & pf->mask) {
        const pwr_pf_slot *sl = &pf->slots[j];
        if (sl->hash == h && sl->field == field && pwr_equal_fold(sl->key, sl->len, s, len)) {
            for (uint32_t p = sl->first; p < sl->first + sl->count; p++)
                bits[pf->postings[p] / 64] |= 1ull << (pf->postings[p] % 64);
            return;
        }
    }
}

static void prefilter(pw_rules_ctx *c, size_t words)
{
    const pwr_prefilter *pf = &c->set->pf;
    memcpy(c->bits, pf->always, words * sizeof *c->bits);
    const pw_traveller *t = &c->view.rec->traveller;
    for (size_t i = 0; i < pf->n_fields; i++) {
        int f = pf->fields[i];
        if (pwr_fields[f].scope == S_RECORD) {
            const pwr_value *v = pwr_view_get(&c->view, f);
            if (v->kind == V_STR)
                pf_probe(pf, c->bits, f, v->s, v->len);
            continue;
        }
        for (size_t d = 0; d < t->n_documents; d++) {
            pwr_value v;
            pwr_doc_value(&c->view, &t->documents[d], f, &v);
            if (v.kind == V_STR)
                pf_probe(pf, c->bits, f, v.s, v.len);
        }
    }
}

/* ---- programs ----------------------------------------------------------------------- */

static bool regex_match(pw_rules_ctx *c, uint32_t idx, const char *s, size_t len)
{
    const pwr_regex *re = &c->set->regexes[idx];
    int rc = re->jit ? pcre2_jit_match(re->code, (PCRE2_SPTR)s, len, 0, 0, c->md, c->mctx)
                     : pcre2_match(re->code, (PCRE2_SPTR)s, len, 0, 0, c->md, c->mctx);
    if (rc >= 0)
        return true;
    if (rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT ||
        rc == PCRE2_ERROR_HEAPLIMIT || rc == PCRE2_ERROR_JIT_STACKLIMIT)
        c->regex_limits++;
    return false;
}

static bool watchlist_matches(pw_rules_ctx *c, const pw_rule_watchlist *wl)
{
    const pw_candidate *cand = c->cand;
    if (!cand || !cand->entry)
        return false;
    const pw_entry *e = cand->entry;
    if (wl->n_lists) {
        bool found = false;
        for (size_t i = 0; e->list && i < wl->n_lists && !found; i++)
            found = !strcmp(wl->lists[i], e->list);
        if (!found)
            return false;
    }
    if (wl->n_categories) {
        bool found = false;
        for (size_t i = 0; e->category && i < wl->n_categories && !found; i++)
            found = !strcasecmp(wl->categories[i], e->category);
        if (!found)
            return false;
    }
    double min = wl->min_score;
    if (wl->list_threshold)
        min = c->cfg ? pw_config_threshold(c->cfg, e->list) : PW_CONFIG_DEFAULT_THRESHOLD;
    if (cand->score + 1e-9 < min)
        return false;
    if (wl->on == PW_RULE_ON_NAME && !cand->on_name)
        return false;
    if (wl->on == PW_RULE_ON_DOCUMENT && !cand->on_document)
        return false;
    return true;
}

static bool leaf(pw_rules_ctx *c, const pwr_node *n)
{
    pwr_value tmp;
    const pwr_value *v;
    if (pwr_fields[n->field].scope == S_DOCUMENT) {
        if (!c->doc)
            return false;
        pwr_doc_value(&c->view, c->doc, n->field, &tmp);
        v = &tmp;
    } else {
        v = pwr_view_get(&c->view, n->field);
    }
    if (n->op == OP_MISSING)
        return v->kind == V_MISSING;
    if (v->kind == V_MISSING)
        return false;
    switch (n->op) {
    case OP_EXISTS:
        return true;
    case OP_EQ_STR:
        return pwr_equal_fold(v->s, v->len, n->v.str.s, n->v.str.len);
    case OP_NE_STR:
        return !pwr_equal_fold(v->s, v->len, n->v.str.s, n->v.str.len);
    case OP_IN:
        return pwr_strset_has(n->v.set, v->s, v->len);
    case OP_NOT_IN:
        return !pwr_strset_has(n->v.set, v->s, v->len);
    case OP_MATCHES:
        return regex_match(c, n->v.regex, v->s, v->len);
    default:
        break;
    }
    double x = v->num;
    if (n->flags & NF_DATE_LEVEL)
        x = floor(x / 1440.0);
    switch (n->op) {
    case OP_EQ_NUM:
        return x == n->v.num;
    case OP_NE_NUM:
        return x != n->v.num;
    case OP_LT:
        return x < n->v.num;
    case OP_LE:
        return x <= n->v.num;
    case OP_GT:
        return x > n->v.num;
    case OP_GE:
        return x >= n->v.num;
    case OP_BETWEEN:
        return x >= n->v.range[0] && x <= n->v.range[1];
    default:
        return false;
    }
}

/* Evaluates the subtree at node i. */
static bool eval(pw_rules_ctx *c, uint32_t i)
{
    const pwr_node *nodes = c->set->nodes, *n = &nodes[i];
    switch (n->op) {
    case OP_ALL:
        for (uint32_t j = i + 1; j < n->next; j = nodes[j].next)
            if (!eval(c, j))
                return false;
        return true;
    case OP_ANY:
        for (uint32_t j = i + 1; j < n->next; j = nodes[j].next)
            if (eval(c, j))
                return true;
        return false;
    case OP_NOT:
        return !eval(c, i + 1);
    case OP_ANY_DOC:
    case OP_EVERY_DOC: {
        const pw_traveller *t = &c->view.rec->traveller;
        if (t->n_documents == 0)
            return false;
        bool every = n->op == OP_EVERY_DOC, result = every;
        for (size_t d = 0; d < t->n_documents; d++) {
            c->doc = &t->documents[d];
            bool ok = eval(c, i + 1);
            if (ok != every) {
                result = ok;
                break;
            }
        }
        c->doc = NULL;
        return result;
    }
    case OP_WATCHLIST:
        return watchlist_matches(c, n->v.wl);
    default:
        return leaf(c, n);
    }
}

/* ---- explanations ------------------------------------------------------------------------ */

/* Appends len bytes of s as a JSON string, cut at 200 bytes on a character boundary. */
static void append_json_n(pw_strbuf *b, const char *s, size_t len)
{
    char tmp[204];
    size_t n = len < 200 ? len : 200;
    while (n < len && n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
        n--;
    memcpy(tmp, s, n);
    tmp[n] = '\0';
    pw_strbuf_append_json(b, tmp);
}

static void append_value(pw_strbuf *b, int f, const pwr_value *v)
{
    char buf[32];
    if (v->kind == V_MISSING) {
        pw_strbuf_append(b, "null");
        return;
    }
    if (v->kind == V_STR) {
        append_json_n(b, v->s, v->len);
        return;
    }
    switch (pwr_fields[f].type) {
    case T_BOOL:
        pw_strbuf_append(b, v->num != 0 ? "true" : "false");
        break;
    case T_DATE:
        pwr_format_day((int)v->num, buf);
        pw_strbuf_append_json(b, buf);
        break;
    case T_DATETIME: {
        char day[11];
        double m = v->num;
        int d = (int)floor(m / 1440.0);
        int minutes = (int)(m - (double)d * 1440.0);
        pwr_format_day(d, day);
        if (v->date_only)
            snprintf(buf, sizeof buf, "%s", day);
        else
            snprintf(buf, sizeof buf, "%sT%02d:%02d", day, minutes / 60 % 24, minutes % 60);
        pw_strbuf_append_json(b, buf);
        break;
    }
    default:
        pw_strbuf_printf(b, "%g", v->num);
        break;
    }
}

void pwr_explain_fields(const pw_ruleset *set, uint32_t ri, pwr_view *v, pw_strbuf *b)
{
    const pwr_rule *impl = &set->impl[ri];
    pw_strbuf_append(b, "{\"title\":");
    pw_strbuf_append_json(b, set->rules[ri].title);
    pw_strbuf_append(b, ",\"fields\":{");
    bool first = true;
    const pw_traveller *t = &v->rec->traveller;
    for (int f = 0; f < F__COUNT; f++) {
        if (!(impl->fields & (1ull << f)))
            continue;
        pw_strbuf_append(b, first ? "" : ",");
        first = false;
        pw_strbuf_append_json(b, pwr_fields[f].name);
        pw_strbuf_append(b, ":");
        if (pwr_fields[f].scope == S_RECORD) {
            append_value(b, f, pwr_view_get(v, f));
            continue;
        }
        pw_strbuf_append(b, "[");
        for (size_t d = 0; d < t->n_documents; d++) {
            pwr_value dv;
            pwr_doc_value(v, &t->documents[d], f, &dv);
            pw_strbuf_append(b, d ? "," : "");
            append_value(b, f, &dv);
        }
        pw_strbuf_append(b, "]");
    }
    pw_strbuf_append(b, "}}");
}

/* ---- evaluation ------------------------------------------------------------------------- */

static int grow(pw_rules_ctx *c, size_t words, size_t hits)
{
    if (words > c->cap_words) {
        uint64_t *bits = realloc(c->bits, words * sizeof *bits);
        if (!bits)
            return PW_ENOMEM;
        c->bits = bits;
        c->cap_words = words;
    }
    if (hits > c->cap_hits) {
        size_t cap = c->cap_hits ? c->cap_hits : 16;
        while (cap < hits)
            cap *= 2;
        pw_hit *h = realloc(c->hits, cap * sizeof *h);
        if (h)
            c->hits = h;
        uint32_t *ro = h ? realloc(c->rule_of, cap * sizeof *ro) : NULL;
        if (!ro)
            return PW_ENOMEM;
        c->rule_of = ro;
        c->cap_hits = cap;
    }
    return 0;
}

/* Appends a hit of rule ri (for candidate cand, or a record hit when NULL). */
static int add_hit(pw_rules_ctx *c, uint32_t ri, const pw_candidate *cand, size_t *n_hits,
                   const pw_rules_options *opts, pw_arena *a)
{
    if (grow(c, 0, *n_hits + 1))
        return PW_ENOMEM;
    const pw_rule *r = &c->set->rules[ri];
    pw_hit *h = &c->hits[*n_hits];
    if (cand) {
        const pw_entry *e = cand->entry;
        *h = (pw_hit){.type = "watchlist",
                      .rule_id = pw_arena_strdup(a, r->id),
                      .rule_version = r->version,
                      .score = r->has_score ? r->score : cand->score,
                      .severity = e->severity != PW_SEV_NONE ? e->severity : r->severity,
                      .list = pw_arena_strdup(a, e->list ? e->list : ""),
                      .list_version = e->list_version,
                      .entry_id = pw_arena_strdup(a, e->entry_id ? e->entry_id : ""),
                      .entry_name = pw_arena_strdup(a, e->n_names ? e->names[0].full : ""),
                      .matched_name = pw_arena_strdup(
                          a, cand->name && cand->name->full ? cand->name->full : ""),
                      .explanation = cand->explanation};
        if (!h->rule_id || !h->list || !h->entry_id || !h->entry_name || !h->matched_name)
            return PW_ENOMEM;
    } else {
        *h = (pw_hit){.type = "rule",
                      .rule_id = pw_arena_strdup(a, r->id),
                      .rule_version = r->version,
                      .score = r->score,
                      .severity = r->severity};
        if (!h->rule_id)
            return PW_ENOMEM;
        if (!opts->no_explanation) {
            pw_strbuf_reset(&c->explain);
            pwr_explain_fields(c->set, ri, &c->view, &c->explain);
            if (c->explain.oom)
                return PW_ENOMEM;
            h->explanation = pw_arena_strdup(a, c->explain.data);
            if (!h->explanation)
                return PW_ENOMEM;
        }
    }
    c->rule_of[*n_hits] = ri;
    (*n_hits)++;
    return 0;
}

/* Runs rule ri; appends its hits. */
static int run_rule(pw_rules_ctx *c, uint32_t ri, const pw_candidate *cands, size_t n,
                    const pw_rules_options *opts, int today, pw_arena *a, size_t *n_hits,
                    pw_rules_result *out)
{
    const pw_rule *r = &c->set->rules[ri];
    const pwr_rule *impl = &c->set->impl[ri];
    if (!r->enabled && !opts->include_disabled)
        return 0;
    int day = c->view.ref_day;
    if (day < impl->valid_from || day > impl->valid_until)
        return 0;
    if (impl->bound && n == 0)
        return 0;
    out->evaluated++;
    bool guarded = impl->guard && !opts->no_guard;
    if (!impl->bound) {
        if (!eval(c, impl->prog))
            return 0;
        if (guarded && !guard_take(impl->guard, r, today)) {
            out->suppressed++;
            return 0;
        }
        return add_hit(c, ri, NULL, n_hits, opts, a);
    }
    for (size_t i = 0; i < n; i++) {
        c->cand = &cands[i];
        bool fire = eval(c, impl->prog);
        c->cand = NULL;
        if (!fire)
            continue;
        if (guarded && !guard_take(impl->guard, r, today)) {
            out->suppressed++;
            continue;
        }
        int rc = add_hit(c, ri, &cands[i], n_hits, opts, a);
        if (rc)
            return rc;
    }
    return 0;
}

int pw_rules_evaluate(const pw_ruleset *set, const pw_record *r, const pw_candidate *cands,
                      size_t n, const pw_rules_options *opts, pw_rules_ctx *ctx, pw_arena *arena,
                      pw_rules_result *out)
{
    static const pw_rules_options defaults;
    memset(out, 0, sizeof *out);
    if (!opts)
        opts = &defaults;
    if (!set || set->n == 0)
        return 0;
    size_t words = (set->n + 63) / 64;
    if (grow(ctx, words, 0))
        return PW_ENOMEM;
    int today = opts->today ? opts->today : pwr_today();
    pwr_view_reset(&ctx->view, r, today, arena);
    ctx->set = set;
    ctx->cfg = opts->config;
    ctx->doc = NULL;
    ctx->cand = NULL;
    ctx->regex_limits = 0;
    if (opts->no_prefilter) {
        memset(ctx->bits, 0xFF, words * sizeof *ctx->bits);
        if (set->n % 64)
            ctx->bits[words - 1] = (1ull << (set->n % 64)) - 1;
    } else {
        prefilter(ctx, words);
    }
    size_t n_hits = 0;
    int rc = 0;
    if (opts->only) {
        uint32_t ri = (uint32_t)(opts->only - set->rules);
        if (ri < set->n && (ctx->bits[ri / 64] >> (ri % 64) & 1))
            rc = run_rule(ctx, ri, cands, n, opts, today, arena, &n_hits, out);
    } else {
        for (size_t w = 0; w < words && rc == 0; w++) {
            for (uint64_t b = ctx->bits[w]; b && rc == 0; b &= b - 1) {
                uint32_t ri = (uint32_t)(w * 64 + (size_t)__builtin_ctzll(b));
                rc = run_rule(ctx, ri, cands, n, opts, today, arena, &n_hits, out);
            }
        }
    }
    out->regex_limits = ctx->regex_limits;
    if (rc)
        return rc;
    if (n_hits == 0)
        return 0;
    out->hits = pw_arena_alloc(arena, n_hits * sizeof *out->hits);
    out->rule_of = pw_arena_alloc(arena, n_hits * sizeof *out->rule_of);
    if (!out->hits || !out->rule_of)
        return PW_ENOMEM;
    memcpy(out->hits, ctx->hits, n_hits * sizeof *out->hits);
    memcpy(out->rule_of, ctx->rule_of, n_hits * sizeof *out->rule_of);
    out->n_hits = n_hits;
    return 0;
}
