/*
 * bench_rules: rule evaluation throughput with 10, 100 and 1,000 generated rules.
 *
 * A fixed-seed generator builds synthetic travellers (flights over a pool of routes,
 * nationalities, dates of birth, one or two documents) and rule packs of the shapes
 * rule authors write: route and airport rules, nationality and document-issuer rules,
 * journey rules (all indexable by the prefilter), and about one rule in ten that the
 * prefilter cannot index (age windows, document expiry, a regular expression on the
 * document number), which therefore runs for every traveller. Records are built in
 * memory before timing, so the figures are the rules engine alone: pw_rules_evaluate
 * per traveller, with 2 threads (each with its own pw_rules_ctx and arena, reset per
 * traveller), as the pipeline's workers call it.
 *
 * For each pack size it reports travellers per second, the ratio to the 10-rule run of
 * the same process, p50/p99 latency per traveller, hits, rules evaluated per traveller
 * after the prefilter, and the same run with the prefilter off (every rule runs: the
 * peer that shows what the prefilter buys). The last line is a machine-readable
 * summary. Usage: bench_rules [TRAVELLERS] [THREADS]  (defaults 200000 and 2).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "rules/rules.h"

#define N_AIRPORTS 60
#define N_ROUTES 400
#define SEED 0x5eed1234abcdULL

static const char *const countries[] = {
    "FRA", "DEU", "ITA", "ESP", "PRT", "NLD", "BEL", "GBR", "IRL", "USA", "CAN", "MEX",
    "BRA", "ARG", "CHL", "PER", "COL", "NGA", "GHA", "KEN", "ZAF", "EGY", "MAR", "TUN",
    "TUR", "GRC", "POL", "CZE", "AUT", "CHE", "SWE", "NOR", "FIN", "DNK", "RUS", "UKR",
    "IND", "PAK", "BGD", "CHN", "JPN", "KOR", "VNM", "THA", "IDN", "PHL", "AUS", "NZL",
};
#define N_COUNTRIES (sizeof countries / sizeof *countries)

/* xorshift64*: the benchmark's own generator, so runs are identical everywhere. */
static uint64_t rng_state = SEED;
static uint64_t rnd(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 2685821657736338717ULL;
}
static unsigned pick(unsigned n)
{
    return (unsigned)(rnd() % n);
}

static char airports[N_AIRPORTS][4];
static int routes[N_ROUTES][2];

static void make_pools(void)
{
    for (int i = 0; i < N_AIRPORTS; i++) {
        airports[i][0] = (char)('A' + i % 26);
        airports[i][1] = (char)('A' + (i * 7 + 3) % 26);
        airports[i][2] = (char)('A' + (i / 26 + 5) % 26);
        airports[i][3] = '\0';
    }
    for (int i = 0; i < N_ROUTES; i++) {
        routes[i][0] = (int)pick(N_AIRPORTS);
        do
            routes[i][1] = (int)pick(N_AIRPORTS);
        while (routes[i][1] == routes[i][0]);
    }
}

/* ---- travellers ------------------------------------------------------------------ */

static void make_records(pw_record *recs, size_t n, pw_arena *a)
{
    for (size_t i = 0; i < n; i++) {
        pw_record *r = &recs[i];
        memset(r, 0, sizeof *r);
        int rt = (int)pick(N_ROUTES);
        r->record_id = pw_arena_printf(a, "R%zu", i);
        r->flight.carrier = pick(2) ? "QQ" : "XZ";
        r->flight.number = pw_arena_printf(a, "%u", 100 + pick(900));
        r->flight.origin = airports[routes[rt][0]];
        r->flight.destination = airports[routes[rt][1]];
        r->flight.departure = pw_arena_printf(a, "2026-%02u-%02uT%02u:%02u", 1 + pick(12),
                                              1 + pick(28), pick(24), pick(60));
        pw_traveller *t = &r->traveller;
        t->role = pick(20) == 0   ? PW_ROLE_CREW
                  : pick(10) == 0 ? PW_ROLE_TRANSIT_PASSENGER
                                  : PW_ROLE_PASSENGER;
        t->surname = pw_arena_printf(a, "SURNAME%u", pick(100000));
        t->given_names = "GIVEN";
        t->gender = pick(2) ? 'M' : 'F';
        t->dob = (pw_date){.year = (int16_t)(1940 + pick(75)),
                           .month = (uint8_t)(1 + pick(12)),
                           .day = (uint8_t)(1 + pick(28))};
        t->nationality = countries[pick(N_COUNTRIES)];
        if (pick(4) == 0) {
            t->embarkation = airports[pick(N_AIRPORTS)];
            t->debarkation = r->flight.destination;
        }
        t->n_documents = 1 + (pick(5) == 0);
        t->documents = pw_arena_alloc(a, t->n_documents * sizeof *t->documents);
        for (size_t d = 0; d < t->n_documents; d++) {
            pw_document *doc = &t->documents[d];
            doc->type = d == 0 ? "P" : "I";
            doc->number =
                pw_arena_printf(a, "%c%c%07u", 'A' + pick(26), 'A' + pick(26), pick(10000000));
            doc->issuer = pick(10) == 0 ? countries[pick(N_COUNTRIES)] : t->nationality;
            doc->expiry = (pw_date){.year = (int16_t)(2025 + pick(11)),
                                    .month = (uint8_t)(1 + pick(12)),
                                    .day = (uint8_t)(1 + pick(28))};
        }
    }
}

/* ---- rules -------------------------------------------------------------------------- */

static void route_text(pw_strbuf *b, int rt)
{
    pw_strbuf_printf(b, "%s-%s", airports[routes[rt][0]], airports[routes[rt][1]]);
}

/* A pack of n rules; rule shapes cycle so every size has the same mix. */
static char *make_rules(size_t n)
{
    pw_strbuf b = {0};
    pw_strbuf_append(&b, "rules:\n");
    for (size_t i = 0; i < n; i++) {
        pw_strbuf_printf(&b,
                         "  - id: r%zu\n    version: 1\n    title: generated %zu\n"
                         "    severity: low\n    score: 0.3\n    when:\n",
                         i, i);
        switch (i % 10) {
        case 0:
        case 1:
        case 2:
        case 3: { /* two routes, an age window and some nationalities */
            pw_strbuf_append(&b, "      flight.route: {in: [");
            route_text(&b, (int)pick(N_ROUTES));
            pw_strbuf_append(&b, ", ");
            route_text(&b, (int)pick(N_ROUTES));
            unsigned age = 18 + pick(50);
            pw_strbuf_printf(&b,
                             "]}\n      traveller.age: {between: [%u, %u]}\n"
                             "      traveller.nationality: {in: [%s, %s, %s]}\n",
                             age, age + 5, countries[pick(N_COUNTRIES)],
                             countries[pick(N_COUNTRIES)], countries[pick(N_COUNTRIES)]);
            break;
        }
        case 4: /* a destination and a document expiring within two weeks */
            pw_strbuf_printf(&b,
                             "      flight.destination: %s\n"
                             "      document.days_to_expiry: {between: [0, 14]}\n",
                             airports[pick(N_AIRPORTS)]);
            break;
        case 5: /* an origin, transit or a young traveller of one gender */
            pw_strbuf_printf(&b,
                             "      flight.origin: %s\n      traveller.gender: %s\n"
                             "      any:\n"
                             "        - traveller.transit: true\n"
                             "        - traveller.age: {lt: 21}\n"
                             "      traveller.age: {lt: 30}\n",
                             airports[pick(N_AIRPORTS)], pick(2) ? "M" : "F");
            break;
        case 6: /* nationalities on some destinations, older travellers */
            pw_strbuf_printf(&b,
                             "      traveller.nationality: [%s, %s]\n"
                             "      flight.destination: {in: [%s, %s, %s]}\n"
                             "      traveller.age: {ge: 70}\n",
                             countries[pick(N_COUNTRIES)], countries[pick(N_COUNTRIES)],
                             airports[pick(N_AIRPORTS)], airports[pick(N_AIRPORTS)],
                             airports[pick(N_AIRPORTS)]);
            break;
        case 7: /* a document issuer differing from the nationality, young traveller */
            pw_strbuf_printf(&b,
                             "      any_document:\n        document.issuer: %s\n"
                             "        document.issuer_differs_from_nationality: true\n"
                             "      traveller.age: {lt: 21}\n",
                             countries[pick(N_COUNTRIES)]);
            break;
        case 8: /* a journey */
            pw_strbuf_printf(&b, "      traveller.journey: {in: [%s-%s, %s-%s]}\n",
                             airports[pick(N_AIRPORTS)], airports[pick(N_AIRPORTS)],
                             airports[pick(N_AIRPORTS)], airports[pick(N_AIRPORTS)]);
            break;
        default: /* not indexable: runs for every traveller */
            if (i % 20 == 9) {
                unsigned age = 20 + pick(50);
                pw_strbuf_printf(&b,
                                 "      traveller.age: {between: [%u, %u]}\n"
                                 "      document.days_to_expiry: {lt: -%u}\n"
                                 "      traveller.gender: %s\n",
                                 age, age, pick(200), pick(2) ? "M" : "F");
            } else {
                pw_strbuf_printf(&b, "      document.number: {matches: '^%c%c0[0-9]{3}%u'}\n",
                                 'A' + pick(26), 'A' + pick(26), pick(10));
            }
            break;
        }
    }
    return b.data;
}

/* ---- timing ------------------------------------------------------------------------ */

#define HIST_SUB 16
#define HIST_BUCKETS (64 * HIST_SUB)

typedef struct histogram {
    uint64_t counts[HIST_BUCKETS];
    uint64_t total;
} histogram;

static size_t hist_bucket(uint64_t ns)
{
    if (ns < HIST_SUB)
        return (size_t)ns;
    int msb = 63 - __builtin_clzll(ns);
    return (size_t)(msb - 3) * HIST_SUB + (size_t)((ns >> (msb - 4)) & (HIST_SUB - 1));
}

static double hist_value(size_t b)
{
    if (b < HIST_SUB)
        return (double)b;
    int msb = (int)(b / HIST_SUB) + 3;
    return (double)((HIST_SUB + b % HIST_SUB) << (msb - 4));
}

static double quantile_us(const histogram *h, double q)
{
    uint64_t want = (uint64_t)(q * (double)h->total), seen = 0;
    for (size_t b = 0; b < HIST_BUCKETS; b++) {
        seen += h->counts[b];
        if (seen > want)
            return hist_value(b) / 1000.0;
    }
    return 0;
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

typedef struct job {
    const pw_ruleset *set;
    const pw_record *recs;
    size_t from, to;
    bool prefilter;
    histogram hist;
    long hits, evaluated;
    double cpu_seconds; /* the thread's own CPU time */
    int rc;
} job;

static double thread_cpu_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *run_job(void *arg)
{
    job *j = arg;
    pw_rules_ctx *ctx = pw_rules_ctx_new();
    pw_arena *arena = pw_arena_new(16384);
    pw_rules_options opts = {.no_prefilter = !j->prefilter, .today = 20600};
    if (!ctx || !arena) {
        j->rc = PW_ENOMEM;
        goto done;
    }
    double cpu0 = thread_cpu_seconds();
    for (size_t i = j->from; i < j->to; i++) {
        uint64_t t0 = now_ns();
        pw_rules_result res;
        j->rc = pw_rules_evaluate(j->set, &j->recs[i], NULL, 0, &opts, ctx, arena, &res);
        pw_arena_reset(arena);
        uint64_t dt = now_ns() - t0;
        j->hist.counts[hist_bucket(dt)]++;
        j->hist.total++;
        j->hits += (long)res.n_hits;
        j->evaluated += (long)res.evaluated;
        if (j->rc)
            break;
    }
    j->cpu_seconds = thread_cpu_seconds() - cpu0;
done:
    pw_rules_ctx_free(ctx);
    pw_arena_free(arena);
    return NULL;
}

typedef struct result {
    double rate;     /* travellers per second of wall time */
    double cpu_rate; /* travellers per second if each thread had a core of its own */
    double p50, p99, per_record_rules;
    long hits;
} result;

static int measure(const pw_ruleset *set, const pw_record *recs, size_t n, int threads,
                   bool prefilter, result *out)
{
    job *jobs = calloc((size_t)threads, sizeof *jobs);
    pthread_t *tids = calloc((size_t)threads, sizeof *tids);
    if (!jobs || !tids)
        return PW_ENOMEM;
    uint64_t t0 = now_ns();
    for (int i = 0; i < threads; i++) {
        jobs[i] = (job){.set = set,
                        .recs = recs,
                        .prefilter = prefilter,
                        .from = n * (size_t)i / (size_t)threads,
                        .to = n * (size_t)(i + 1) / (size_t)threads};
        pthread_create(&tids[i], NULL, run_job, &jobs[i]);
    }
    histogram all = {0};
    long evaluated = 0;
    double cpu_max = 0;
    int rc = 0;
    memset(out, 0, sizeof *out);
    for (int i = 0; i < threads; i++) {
        pthread_join(tids[i], NULL);
        for (size_t b = 0; b < HIST_BUCKETS; b++)
            all.counts[b] += jobs[i].hist.counts[b];
        all.total += jobs[i].hist.total;
        out->hits += jobs[i].hits;
        evaluated += jobs[i].evaluated;
        if (jobs[i].cpu_seconds > cpu_max)
            cpu_max = jobs[i].cpu_seconds;
        if (jobs[i].rc)
            rc = jobs[i].rc;
    }
    double secs = (double)(now_ns() - t0) / 1e9;
    out->rate = (double)n / secs;
    out->cpu_rate = cpu_max > 0 ? (double)n / cpu_max : 0;
    out->p50 = quantile_us(&all, 0.50);
    out->p99 = quantile_us(&all, 0.99);
    out->per_record_rules = (double)evaluated / (double)n;
    free(jobs);
    free(tids);
    return rc;
}

int main(int argc, char **argv)
{
    size_t n = argc > 1 ? (size_t)strtoul(argv[1], NULL, 10) : 200000;
    int threads = argc > 2 ? atoi(argv[2]) : 2;
    if (n < 1000 || threads < 1) {
        fprintf(stderr, "usage: bench_rules [TRAVELLERS >= 1000] [THREADS >= 1]\n");
        return 2;
    }
    make_pools();
    pw_arena *arena = pw_arena_new(1 << 20);
    pw_record *recs = calloc(n, sizeof *recs);
    if (!arena || !recs)
        return 1;
    make_records(recs, n, arena);

    static const size_t sizes[] = {10, 100, 1000};
    result with[3], without[3];
    size_t unindexed[3];
    double compile_ms[3];
    double load[1] = {0};
    getloadavg(load, 1);
    printf("bench_rules: %zu travellers, %d threads, fixed seed; load average %.2f on %ld "
           "cores\n",
           n, threads, load[0], sysconf(_SC_NPROCESSORS_ONLN));
    printf("%6s  %12s  %6s  %12s  %7s  %7s  %9s  %7s  %14s  %10s\n", "rules", "travellers/s",
           "ratio", "per-core CPU", "p50 us", "p99 us", "rules run", "hits", "no prefilter/s",
           "compile ms");
    for (int k = 0; k < 3; k++) {
        char *text = make_rules(sizes[k]);
        pw_errlist errs = {0};
        pw_ruleset *set = NULL;
        uint64_t t0 = now_ns();
        int rc = text ? pw_rules_load_string("generated.yaml", text, strlen(text), &set, &errs)
                      : PW_ENOMEM;
        compile_ms[k] = (double)(now_ns() - t0) / 1e6;
        if (rc) {
            pw_errlist_print(&errs, stderr);
            fprintf(stderr, "bench_rules: the generated rules do not compile\n");
            return 1;
        }
        pw_errlist_free(&errs);
        free(text);
        unindexed[k] = pw_ruleset_unindexed(set);
        if (measure(set, recs, n, threads, true, &with[k]) ||
            measure(set, recs, n / 4, threads, false, &without[k]))
            return 1;
        printf("%6zu  %12.0f  %6.3f  %12.0f  %7.2f  %7.2f  %9.1f  %7ld  %14.0f  %10.1f\n", sizes[k],
               with[k].rate, with[k].rate / with[0].rate, with[k].cpu_rate, with[k].p50,
               with[k].p99, with[k].per_record_rules, with[k].hits, without[k].rate, compile_ms[k]);
        pw_ruleset_free(set);
    }
    printf("(ratio: travellers/s relative to the 10-rule run of this process; per-core CPU: "
           "travellers/s were each thread on a core of its own (from thread CPU time: the "
           "wall-clock rate drops when other processes share the cores); rules run: rule "
           "conditions evaluated per traveller after the prefilter; %zu of 1000 rules are not "
           "indexable)\n",
           unindexed[2]);
    bool pass = with[2].rate >= 50000;
    printf("summary: bench=rules threads=%d travellers=%zu rps_10=%.0f rps_100=%.0f "
           "rps_1000=%.0f ratio_100=%.3f ratio_1000=%.3f cpu_rps_1000=%.0f p50_us_1000=%.2f "
           "p99_us_1000=%.2f hits_per_traveller_1000=%.4f rps_1000_no_prefilter=%.0f "
           "target_rps_1000=50000 pass=%s load=%.2f\n",
           threads, n, with[0].rate, with[1].rate, with[2].rate, with[1].rate / with[0].rate,
           with[2].rate / with[0].rate, with[2].cpu_rate, with[2].p50, with[2].p99,
           (double)with[2].hits / (double)n, without[2].rate, pass ? "yes" : "no", load[0]);
    free(recs);
    pw_arena_free(arena);
    return 0;
}
