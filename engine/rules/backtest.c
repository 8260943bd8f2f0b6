/*
 * Back-testing: what each rule would have hit over stored records.
 *
 * The caller evaluates every record (with include_disabled and no_guard, so a rule in
 * development is counted too and the guard is judged here instead) and hands the
 * result to pw_backtest_add. Per rule, the back-test counts hits, distinct travellers
 * (a 64-bit hash of surname, given names, full name, date of birth and nationality)
 * and distinct flights (carrier, number, departure date) in small open-addressing
 * sets of hashes, keeps the first few record ids as examples (ids only: no names in a
 * report that may be pasted around), and, for a rule with max_hits_per_day, its hits
 * per departure day, from which the report says how many hits the guard would have
 * withheld.
 *
 * Hash collisions can only merge two travellers or flights (2^-64 per pair): the
 * counts are for judging a rule, not for accounting.
 */
#include "rules/rules_internal.h"

#include <stdlib.h>
#include <string.h>

#define N_EXAMPLES 3

/* A growable set of 64-bit hashes (0 is never stored: hashes are made non-zero). */
typedef struct u64set {
    uint64_t *slots;
    size_t mask, n;
} u64set;

/* A growable map day -> hits. */
typedef struct daymap {
    int *days;
    long *counts;
    size_t cap, n;
} daymap;

typedef struct bt_rule {
    long hits;
    u64set travellers, flights;
    daymap days;
    char *examples[N_EXAMPLES];
    size_t n_examples;
} bt_rule;

struct pw_backtest {
    const pw_ruleset *set;
    bt_rule *rules;
    long records;
};

static int u64set_add(u64set *s, uint64_t h)
{
    h = h ? h : 1;
    if (2 * (s->n + 1) > (s->slots ? s->mask + 1 : 0)) {
        size_t cap = s->slots ? 2 * (s->mask + 1) : 64;
        uint64_t *slots = calloc(cap, sizeof *slots);
        if (!slots)
            return PW_ENOMEM;
        for (size_t i = 0; s->slots && i <= s->mask; i++) {
            if (!s->slots[i])
                continue;
            size_t j = s->slots[i] & (cap - 1);
            while (slots[j])
                j = (j + 1) & (cap - 1);
            slots[j] = s->slots[i];
        }
        free(s->slots);
        s->slots = slots;
        s->mask = cap - 1;
    }
    size_t j = h & s->mask;
    while (s->slots[j]) {
        if (s->slots[j] == h)
            return 0;
        j = (j + 1) & s->mask;
    }
    s->slots[j] = h;
    s->n++;
    return 0;
}

static int daymap_add(daymap *m, int day)
{
    for (size_t i = 0; i < m->n; i++) {
        if (m->days[i] == day) {
            m->counts[i]++;
            return 0;
        }
    }
    if (m->n == m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 16;
        int *days = realloc(m->days, cap * sizeof *days);
        if (days)
            m->days = days;
        long *counts = days ? realloc(m->counts, cap * sizeof *counts) : NULL;
        if (!counts)
            return PW_ENOMEM;
        m->counts = counts;
        m->cap = cap;
    }
    m->days[m->n] = day;
    m->counts[m->n++] = 1;
    return 0;
}

/* FNV-1a over parts, each followed by a 0x1F separator. */
static uint64_t hash_parts(const char *const *parts, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++) {
        for (const char *p = parts[i] ? parts[i] : ""; *p; p++) {
            h ^= (unsigned char)*p;
            h *= 1099511628211ull;
        }
        h ^= 0x1F;
        h *= 1099511628211ull;
    }
    return h;
}

int pw_backtest_new(const pw_ruleset *set, pw_backtest **out)
{
    *out = NULL;
    pw_backtest *bt = calloc(1, sizeof *bt);
    if (!bt)
        return PW_ENOMEM;
    bt->set = set;
    bt->rules = calloc(set->n ? set->n : 1, sizeof *bt->rules);
    if (!bt->rules) {
        free(bt);
        return PW_ENOMEM;
    }
    *out = bt;
    return 0;
}

void pw_backtest_free(pw_backtest *bt)
{
    if (!bt)
        return;
    for (size_t i = 0; i < bt->set->n; i++) {
        bt_rule *r = &bt->rules[i];
        free(r->travellers.slots);
        free(r->flights.slots);
        free(r->days.days);
        free(r->days.counts);
        for (size_t k = 0; k < r->n_examples; k++)
            free(r->examples[k]);
    }
    free(bt->rules);
    free(bt);
}

int pw_backtest_add(pw_backtest *bt, const pw_record *r, const pw_rules_result *res)
{
    bt->records++;
    if (res->n_hits == 0)
        return 0;
    const pw_traveller *t = &r->traveller;
    char dob[11], dep[11] = "";
    pw_date_format(t->dob, dob);
    if (r->flight.departure)
        snprintf(dep, sizeof dep, "%.10s", r->flight.departure);
    const char *tp[] = {t->surname, t->given_names, t->full_name, dob, t->nationality};
    const char *fp[] = {r->flight.carrier, r->flight.number, dep};
    uint64_t th = hash_parts(tp, 5), fh = hash_parts(fp, 3);
    pwr_view v;
    pwr_view_reset(&v, r, pwr_today(), NULL);
    uint32_t last = UINT32_MAX;
    for (size_t i = 0; i < res->n_hits; i++) {
        uint32_t ri = res->rule_of[i];
        if (ri >= bt->set->n)
            continue;
        bt_rule *br = &bt->rules[ri];
        br->hits++;
        if (bt->set->rules[ri].max_hits_per_day > 0 && daymap_add(&br->days, v.ref_day))
            return PW_ENOMEM;
        if (ri == last)
            continue; /* several candidates of one rule: one record */
        last = ri;
        if (u64set_add(&br->travellers, th) ||
            ((r->flight.carrier || r->flight.number) && u64set_add(&br->flights, fh)))
            return PW_ENOMEM;
        if (br->n_examples < N_EXAMPLES && r->record_id) {
            br->examples[br->n_examples] = strdup(r->record_id);
            if (!br->examples[br->n_examples])
                return PW_ENOMEM;
            br->n_examples++;
        }
    }
    return 0;
}

long pw_backtest_records(const pw_backtest *bt)
{
    return bt->records;
}

void pw_backtest_get(const pw_backtest *bt, size_t i, pw_backtest_rule *out)
{
    memset(out, 0, sizeof *out);
    if (i >= bt->set->n)
        return;
    const bt_rule *br = &bt->rules[i];
    out->hits = br->hits;
    out->travellers = (long)br->travellers.n;
    out->flights = (long)br->flights.n;
    long limit = bt->set->rules[i].max_hits_per_day;
    for (size_t d = 0; limit > 0 && d < br->days.n; d++)
        if (br->days.counts[d] > limit)
            out->over_limit += br->days.counts[d] - limit;
    for (size_t k = 0; k < br->n_examples; k++)
        out->examples[k] = br->examples[k];
}

void pw_backtest_print(const pw_backtest *bt, FILE *out)
{
    const pw_ruleset *set = bt->set;
    size_t w = 4;
    for (size_t i = 0; i < set->n; i++) {
        size_t len = strlen(set->rules[i].id) + (set->rules[i].enabled ? 0 : 11);
        if (len > w)
            w = len;
    }
    fprintf(out, "%-*s  %7s  %8s  %10s  %7s  %10s  %s\n", (int)w, "rule", "version", "hits",
            "travellers", "flights", "over-limit", "examples (record ids)");
    long firing = 0;
    for (size_t i = 0; i < set->n; i++) {
        const pw_rule *r = &set->rules[i];
        pw_backtest_rule c;
        pw_backtest_get(bt, i, &c);
        firing += c.hits > 0;
        char name[128], limit[24];
        snprintf(name, sizeof name, "%s%s", r->id, r->enabled ? "" : " (disabled)");
        if (r->max_hits_per_day > 0)
            snprintf(limit, sizeof limit, "%ld", c.over_limit);
        else
            snprintf(limit, sizeof limit, "-");
        fprintf(out, "%-*s  %7d  %8ld  %10ld  %7ld  %10s  ", (int)w, name, r->version, c.hits,
                c.travellers, c.flights, limit);
        for (size_t k = 0; k < N_EXAMPLES && c.examples[k]; k++)
            fprintf(out, "%s%s", k ? ", " : "", c.examples[k]);
        fputc('\n', out);
    }
    fprintf(out,
            "%ld record%s back-tested; %ld of %zu rule%s would have fired (no alert was "
            "raised)\n",
            bt->records, bt->records == 1 ? "" : "s", firing, set->n, set->n == 1 ? "" : "s");
}
