/*
 * bench_index: the matcher against a large synthetic list.
 *
 * Builds a list of N names (default 1,000,000) from name parts: the given names and
 * surnames of ../shared/data/passengers/negatives_us.csv combined at random with a
 * fixed seed (two to four words, some with a particle), indexes it, and screens
 * travellers with 2 threads taking them 64 at a time from one queue: the 50,000
 * synthetic travellers as they are (background) and 5,000 planted travellers made from
 * list entries with one typo (two adjacent Latin letters swapped) or a swapped order.
 * Each carries a name and a full date of birth, as an API record does (planted_dob);
 * the default list's entries have none, so there the date neither raises nor lowers.
 * Reports index build time, index bytes per name, travellers/s with p50/p99 matcher
 * latency and the threads' CPU time per traveller (what the matcher costs, whatever
 * else the host is running), recall of planted travellers at the shipped threshold,
 * and the share of background travellers with a candidate at that threshold; and, from
 * the same run, travellers/s, latency and CPU for the background travellers alone (the
 * traffic, as an operator sizing a system sees it: planted travellers are 9% of the
 * run, a hundred times the watchlist hits of a border's traffic, and cost more each).
 * The baseline in the same run is the same travellers through an index of the
 * 1,003-entry-sized prefix of the list, to show how throughput scales with list size.
 *
 * Usage: bench_index [--list FILE] [N_NAMES] [THRESHOLD] [TRAVELLERS]
 *
 * --list FILE: the list is FILE instead, a watchlist in paxwatch's native CSV (as
 * bench/gen_synthetic_list.py writes it from the name parts of the UN and OFAC lists:
 * the list bench/peer_postgres.sh screens at a million names), each entry with its
 * aliases; N_NAMES is then ignored. The planted travellers are names of its entries as
 * a traveller carries them (given names first), with the same typo or order swapped,
 * and count as found when alerted on their entry. The default list, made of the
 * travellers' own name parts, is the harder one: about half of the background
 * travellers hold a name in it (true name collisions), where the sanctions lists'
 * parts give a few percent.
 *
 * TRAVELLERS, for profiling (valgrind --tool=callgrind --collect-atstart=no
 * --toggle-collect=pw_match_record): screens only about that many travellers, evenly
 * spaced over the background and planted ones, and no baseline, so that the profile is
 * the full list's matching alone and a run takes minutes, not hours.
 */
#include <ctype.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "ingest/csv_tokenizer.h"
#include "ingest/ingest.h"
#include "match/match.h"

#define SHARED "/../shared/data/passengers/negatives_us.csv"
#define PLANTED 5000

typedef struct words {
    char **w;
    size_t n, cap;
} words;

/* The background travellers' dates of birth, in the order of their full names. */
typedef struct dates {
    pw_date *d;
    size_t n, cap;
} dates;

static void push_date(dates *ds, const char *s)
{
    pw_date d = {0};
    pw_error err = {0};
    if (s && *s && pw_date_parse(s, &d, &err))
        d = (pw_date){0}; /* (an unreadable date: the traveller has none) */
    if (ds->n == ds->cap) {
        ds->cap = ds->cap ? ds->cap * 2 : 1024;
        if (!(ds->d = realloc(ds->d, ds->cap * sizeof *ds->d))) {
            fprintf(stderr, "bench_index: out of memory\n");
            exit(1);
        }
    }
    ds->d[ds->n++] = d;
}

static void push_word(words *ws, const char *s)
{
    if (!s || !*s)
        return;
    if (ws->n == ws->cap) {
        ws->cap = ws->cap ? ws->cap * 2 : 1024;
        ws->w = realloc(ws->w, ws->cap * sizeof *ws->w);
    }
    ws->w[ws->n++] = strdup(s);
}

/* xorshift64*: the bench's own seeded generators, one for the list and the planted
 * travellers' names, one for the dates planted travellers are given (so that the
 * names are the same whatever the dates). */
static uint64_t next_random(uint64_t *state)
{
    *state ^= *state >> 12;
    *state ^= *state << 25;
    *state ^= *state >> 27;
    return *state * 2685821657736338717ULL;
}

static uint64_t rng_state = 42, date_rng_state = 4242;
static uint64_t rnd(void) { return next_random(&rng_state); }

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

typedef struct traveller {
    char name[160];
    pw_date dob;
    long truth; /* entry index it was planted from, or -1 */
} traveller;

/* The travellers both threads take from, a chunk at a time (as the pipeline's workers
 * take batches from one queue): a static half each would leave one thread idle while
 * the other finishes the costlier travellers. */
typedef struct work_queue {
    atomic_size_t next;
    size_t n;
} work_queue;

#define CHUNK 64

typedef struct job {
    const pw_index *idx;
    traveller *t;
    work_queue *queue;
    double threshold;
    double *lat_us;
    size_t n_traffic; /* the travellers before this one are the traffic (see screen) */
    long found, alerted_bg;
    double cpu_s; /* the thread's CPU time: steadier than the wall clock on a busy host */
    double traffic_cpu_s, traffic_done_s; /* its CPU time, and the time, at the traffic's end */
} job;

static double thread_cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Screens traveller i: its latency, and whether it was found (planted) or alerted
 * (background). */
static void screen_one(job *j, pw_match_scratch *s, pw_arena *a, size_t i)
{
    pw_record r = {0};
    r.traveller.full_name = j->t[i].name;
    r.traveller.dob = j->t[i].dob;
    double t0 = now_s();
    const pw_candidate *c;
    int n = pw_match_record(j->idx, &r, j->threshold, s, a, &c);
    j->lat_us[i] = (now_s() - t0) * 1e6;
    if (j->t[i].truth >= 0) {
        for (int k = 0; k < n; k++)
            if (c[k].entry == pw_index_entry(j->idx, (uint32_t)j->t[i].truth))
                j->found++;
    } else if (n > 0) {
        j->alerted_bg++;
    }
    pw_arena_reset(a);
}

static void *run_job(void *arg)
{
    job *j = arg;
    double cpu0 = thread_cpu_s();
    pw_match_scratch *s = pw_match_scratch_new();
    pw_arena *a = pw_arena_new(0);
    bool in_traffic = true;
    for (;;) {
        size_t from = atomic_fetch_add(&j->queue->next, CHUNK);
        if (from >= j->queue->n)
            break;
        size_t to = from + CHUNK < j->queue->n ? from + CHUNK : j->queue->n;
        for (size_t i = from; i < to; i++) {
            if (in_traffic && i >= j->n_traffic) { /* (the queue hands travellers out in order) */
                j->traffic_cpu_s = thread_cpu_s() - cpu0;
                j->traffic_done_s = now_s();
                in_traffic = false;
            }
            screen_one(j, s, a, i);
        }
    }
    pw_match_scratch_free(s);
    pw_arena_free(a);
    j->cpu_s = thread_cpu_s() - cpu0;
    if (in_traffic) {
        j->traffic_cpu_s = j->cpu_s;
        j->traffic_done_s = now_s();
    }
    return NULL;
}

static int compare_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* What one screening run measured. */
typedef struct result {
    double rate;   /* travellers/s, wall clock */
    double cpu_us; /* the threads' CPU time per traveller */
    double p50_us, p99_us;
    double recall;     /* % of planted travellers alerted on their entry */
    double background; /* % of background travellers with a candidate */
    /* the same for the traffic alone (the background travellers, screened first), when
     * the run has planted travellers after them */
    double traffic_rate, traffic_cpu_us, traffic_p50_us, traffic_p99_us;
} result;

/* Screens all travellers with 2 threads; prints and returns what it measured. The
 * planted travellers (n_planted, after the background: as the threads take travellers
 * in order, they reach them once the background is done but for the last chunks) are
 * a hundred times more watchlist hits than a border sees, and cost about four times
 * a background traveller on the sanctions lists' parts (their words are the list's,
 * common in it): so the background alone, the traffic, is measured in the same run
 * too, up to the moment both threads have passed it, as an operator sizing a system
 * for that traffic would want. */
static result screen(const char *label, const pw_index *idx, traveller *t, size_t n,
                     double threshold, size_t n_planted)
{
    double *lat = calloc(n, sizeof *lat);
    work_queue queue = {.n = n};
    atomic_init(&queue.next, 0);
    size_t n_traffic = n - n_planted;
    job jobs[2] = {{idx, t, &queue, threshold, lat, n_traffic, 0, 0, 0, 0, 0},
                   {idx, t, &queue, threshold, lat, n_traffic, 0, 0, 0, 0, 0}};
    pthread_t th[2];
    double t0 = now_s();
    for (int i = 0; i < 2; i++)
        pthread_create(&th[i], NULL, run_job, &jobs[i]);
    for (int i = 0; i < 2; i++)
        pthread_join(th[i], NULL);
    double secs = now_s() - t0;
    result m = {0};
    if (n_planted > 0 && n_traffic > 0) {
        /* (the traffic's end: the later thread's; the other one worked on planted
         * travellers meanwhile, at most one chunk of them, CHUNK travellers' time the
         * traffic's figure leaves out) */
        double done = jobs[0].traffic_done_s > jobs[1].traffic_done_s ? jobs[0].traffic_done_s
                                                                      : jobs[1].traffic_done_s;
        double *tl = malloc(n_traffic * sizeof *tl);
        if (!tl) {
            fprintf(stderr, "bench_index: out of memory\n");
            exit(1);
        }
        memcpy(tl, lat, n_traffic * sizeof *tl);
        qsort(tl, n_traffic, sizeof *tl, compare_double);
        m.traffic_rate = (double)n_traffic / (done - t0);
        m.traffic_cpu_us = (jobs[0].traffic_cpu_s + jobs[1].traffic_cpu_s) * 1e6 / (double)n_traffic;
        m.traffic_p50_us = tl[n_traffic / 2];
        m.traffic_p99_us = tl[n_traffic * 99 / 100];
        free(tl);
    }
    qsort(lat, n, sizeof *lat, compare_double);
    long found = jobs[0].found + jobs[1].found;
    long bg = jobs[0].alerted_bg + jobs[1].alerted_bg;
    m.rate = (double)n / secs;
    m.cpu_us = (jobs[0].cpu_s + jobs[1].cpu_s) * 1e6 / (double)n;
    m.p50_us = lat[n / 2];
    m.p99_us = lat[n * 99 / 100];
    m.recall = n_planted ? 100.0 * (double)found / (double)n_planted : 0;
    m.background = 100.0 * (double)bg / (double)(n - n_planted);
    printf("%-22s %9.0f travellers/s  p50 %6.1f us  p99 %7.1f us  CPU %6.1f us/traveller  "
           "recall %5.1f%%  background with a candidate %.3f%%\n",
           label, m.rate, m.p50_us, m.p99_us, m.cpu_us, m.recall, m.background);
    if (m.traffic_rate > 0)
        printf("%-22s %9.0f travellers/s  p50 %6.1f us  p99 %7.1f us  CPU %6.1f us/traveller\n",
               "  of which the traffic", m.traffic_rate, m.traffic_p50_us, m.traffic_p99_us,
               m.traffic_cpu_us);
    free(lat);
    return m;
}

/* Builds an index of the first n synthetic entries. */
static pw_index *build(char **names, size_t n, double *secs)
{
    double t0 = now_s();
    pw_index_builder *b = pw_index_builder_new(NULL);
    for (size_t i = 0; i < n; i++) {
        char id[32];
        snprintf(id, sizeof id, "S%zu", i);
        pw_entry_name en = {.kind = PW_NAME_PRIMARY, .full = names[i]};
        pw_entry e = {.list = "SYN", .list_version = 1, .entry_id = id, .names = &en, .n_names = 1};
        if (pw_index_builder_add(b, &e, NULL))
            return NULL;
    }
    pw_index *idx = NULL;
    if (pw_index_builder_finish(b, &idx, NULL))
        return NULL;
    *secs = now_s() - t0;
    return idx;
}

/* Loading a --list file: every entry goes into the full index, the first 1,003 into the
 * baseline's too; names counts the entries' names, rejected the rows the importer
 * rejected. */
typedef struct list_load {
    pw_index_builder *small, *big;
    size_t entries, names, rejected;
} list_load;

static int add_list_entry(void *ctx, const pw_entry *e, pw_error *err)
{
    list_load *l = ctx;
    if (l->entries < 1003 && pw_index_builder_add(l->small, e, err))
        return -1;
    l->entries++;
    l->names += e->n_names;
    return pw_index_builder_add(l->big, e, err);
}

/* A row of the list the importer rejected: the first few are told by line and field
 * (never their text, which holds a name); load_list gives the count. */
static void report_rejected(void *ctx, const pw_reject *rej)
{
    list_load *l = ctx;
    if (rej->warning)
        return;
    if (l->rejected++ < 10)
        fprintf(stderr, "bench_index: line %ld of the list rejected (field %s)\n", rej->line,
                rej->field ? rej->field : "-");
}

/* Builds the baseline and full indexes of a --list file; *n_names receives its names.
 * Says why on stderr and returns -1 when it cannot, or when the list holds no entry. */
static int load_list(const char *path, pw_index **small, pw_index **big, size_t *n_names,
                     double *secs)
{
    double t0 = now_s();
    list_load l = {pw_index_builder_new(NULL), pw_index_builder_new(NULL), 0, 0, 0};
    pw_import_callbacks cb = {.entry = add_list_entry, .reject = report_rejected, .ctx = &l};
    pw_import_stats stats = {0};
    pw_error err = {0};
    if (!l.small || !l.big) {
        fprintf(stderr, "bench_index: out of memory\n");
        pw_index_builder_free(l.small);
        pw_index_builder_free(l.big);
        return -1;
    }
    if (pw_import_csv(path, &cb, &stats, &err)) {
        pw_error_print(&err, stderr);
        pw_index_builder_free(l.small);
        pw_index_builder_free(l.big);
        return -1;
    }
    if (l.rejected)
        fprintf(stderr, "bench_index: %zu rows of the list rejected\n", l.rejected);
    /* (pw_index_builder_finish frees its builder, whether or not it succeeds) */
    if (pw_index_builder_finish(l.small, small, &err)) {
        pw_error_print(&err, stderr);
        pw_index_builder_free(l.big);
        return -1;
    }
    if (pw_index_builder_finish(l.big, big, &err)) {
        pw_error_print(&err, stderr);
        pw_index_free(*small);
        return -1;
    }
    if (l.entries == 0) {
        fprintf(stderr, "bench_index: %s holds no entry\n", path);
        pw_index_free(*small);
        pw_index_free(*big);
        return -1;
    }
    *n_names = l.names;
    *secs = now_s() - t0;
    return 0;
}

/* A name of entry e of a --list file as a traveller carries it (the list's "SURNAME,
 * GIVEN" written GIVEN SURNAME), into buf. */
static void traveller_name(const pw_entry *e, char *buf, size_t n)
{
    const char *full = e->names[e->n_names > 1 ? rnd() % e->n_names : 0].full;
    const char *comma = strchr(full, ',');
    if (!comma) {
        snprintf(buf, n, "%s", full);
        return;
    }
    const char *given = comma + 1;
    while (*given == ' ')
        given++;
    snprintf(buf, n, "%s %.*s", given, (int)(comma - full), full);
}

/* A planted traveller's date of birth, in full as a travel document gives it: the
 * entry's first date (exact or approximate; for a range, a year drawn within it), its
 * month and day drawn where the list gives only the year or month; drawn between 1940
 * and 2005 when the entry has none. */
static pw_date planted_dob(const pw_entry *e)
{
    pw_date d = {(int16_t)(1940 + next_random(&date_rng_state) % 66), 0, 0};
    if (e->n_dobs > 0 && e->dobs[0].kind == PW_DOB_RANGE) {
        int span = e->dobs[0].to.year - e->dobs[0].from.year + 1;
        d.year = (int16_t)(e->dobs[0].from.year +
                           (span > 1 ? (int)(next_random(&date_rng_state) % (uint64_t)span) : 0));
    } else if (e->n_dobs > 0) {
        d = e->dobs[0].from;
    }
    if (!d.month)
        d.month = (uint8_t)(1 + next_random(&date_rng_state) % 12);
    if (!d.day)
        d.day = (uint8_t)(1 + next_random(&date_rng_state) % 28);
    return d;
}

int main(int argc, char **argv)
{
    const char *list_path = NULL;
    if (argc > 2 && strcmp(argv[1], "--list") == 0) {
        list_path = argv[2];
        argc -= 2;
        argv += 2;
    }
    size_t n_names = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000000;
    double threshold = argc > 2 ? strtod(argv[2], NULL) : 0.85;
    FILE *f = fopen(PW_SOURCE_DIR SHARED, "r");
    if (!f) {
        perror(PW_SOURCE_DIR SHARED);
        return 1;
    }
    pw_csv *csv = pw_csv_new(f, ',');
    char **row;
    words given = {0}, surnames = {0}, full = {0};
    dates born = {0};
    int c_full = -1, c_first = -1, c_last = -1, c_dob = -1;
    int nf = pw_csv_next_row(csv, &row);
    for (int i = 0; i < nf; i++) {
        if (strcmp(row[i], "full_name") == 0)
            c_full = i;
        if (strcmp(row[i], "first_name") == 0)
            c_first = i;
        if (strcmp(row[i], "last_name") == 0)
            c_last = i;
        if (strcmp(row[i], "date_of_birth") == 0)
            c_dob = i;
    }
    while ((nf = pw_csv_next_row(csv, &row)) > 0) {
        if (c_first >= 0 && c_first < nf)
            push_word(&given, row[c_first]);
        if (c_last >= 0 && c_last < nf)
            push_word(&surnames, row[c_last]);
        if (c_full >= 0 && c_full < nf && row[c_full][0]) {
            push_word(&full, row[c_full]);
            push_date(&born, c_dob >= 0 && c_dob < nf ? row[c_dob] : NULL);
        }
    }
    pw_csv_free(csv);
    fclose(f);
    double small_secs, big_secs;
    pw_index *small = NULL, *big = NULL;
    if (list_path && load_list(list_path, &small, &big, &n_names, &big_secs))
        return 1;
    static const char *particles[] = {"AL", "DE", "VAN", "BIN", "EL", "DA"};
    char **names = list_path ? NULL : malloc(n_names * sizeof *names);
    for (size_t i = 0; !list_path && i < n_names; i++) {
        char buf[160];
        int words_n = 2 + (int)(rnd() % 3);
        int w = snprintf(buf, sizeof buf, "%s", given.w[rnd() % given.n]);
        for (int k = 1; k < words_n - 1; k++)
            w += snprintf(buf + w, sizeof buf - (size_t)w, " %s", given.w[rnd() % given.n]);
        if (rnd() % 10 == 0)
            w += snprintf(buf + w, sizeof buf - (size_t)w, " %s", particles[rnd() % 6]);
        snprintf(buf + w, sizeof buf - (size_t)w, " %s", surnames.w[rnd() % surnames.n]);
        names[i] = strdup(buf);
    }
    if (!list_path) {
        size_t small_n = n_names < 1003 ? n_names : 1003;
        small = build(names, small_n, &small_secs);
        big = build(names, n_names, &big_secs);
    }
    struct rusage ru1;
    getrusage(RUSAGE_SELF, &ru1);
    if (!small || !big) {
        fprintf(stderr, "index build failed\n");
        return 1;
    }
    size_t n_entries = pw_index_entry_count(big);
    /* Travellers: the background as it is, then planted variants of list entries. */
    size_t n_trav = full.n + PLANTED;
    traveller *t = calloc(n_trav, sizeof *t);
    for (size_t i = 0; i < full.n; i++) {
        snprintf(t[i].name, sizeof t[i].name, "%s", full.w[i]);
        t[i].dob = born.d[i];
        t[i].truth = -1;
    }
    for (size_t i = 0; i < PLANTED; i++) {
        traveller *p = &t[full.n + i];
        p->truth = (long)(rnd() % n_entries);
        p->dob = planted_dob(pw_index_entry(big, (uint32_t)p->truth));
        if (list_path)
            traveller_name(pw_index_entry(big, (uint32_t)p->truth), p->name, sizeof p->name);
        else /* (as it is: a surname of the travellers may hold a comma) */
            snprintf(p->name, sizeof p->name, "%s", names[p->truth]);
        size_t len = strlen(p->name);
        /* one typo: two adjacent Latin letters inside a word swapped (letters, not
         * bytes: swapping the bytes of a UTF-8 character makes invalid text, or another
         * character, which no traveller's document holds) */
        size_t k = len > 6 ? 1 + rnd() % (len - 3) : 0;
        bool typo = false;
        for (size_t tries = 0; i % 2 == 0 && len > 6 && !typo && tries < len; tries++) {
            typo = isalpha((unsigned char)p->name[k]) && isalpha((unsigned char)p->name[k + 1]) &&
                   p->name[k] != p->name[k + 1];
            if (typo) {
                char c = p->name[k];
                p->name[k] = p->name[k + 1];
                p->name[k + 1] = c;
            }
            k = 1 + k % (len - 3);
        }
        if (!typo) { /* order swapped (or no two Latin letters to swap): surname first */
            char *last = strrchr(p->name, ' ');
            if (last) {
                char tmp[2 * sizeof p->name];
                *last = '\0';
                snprintf(tmp, sizeof tmp, "%s %s", last + 1, p->name);
                snprintf(p->name, sizeof p->name, "%.159s", tmp);
            }
        }
    }

    size_t n_planted = PLANTED, n_background = full.n;
    size_t sample = argc > 3 ? strtoul(argv[3], NULL, 10) : 0;
    if (sample > 0 && sample < n_trav) { /* keep every stride-th traveller */
        size_t stride = n_trav / sample, kept = 0;
        n_planted = n_background = 0;
        for (size_t i = 0; i < n_trav; i += stride) {
            t[kept++] = t[i];
            *(t[i].truth >= 0 ? &n_planted : &n_background) += 1;
        }
        n_trav = kept;
    }

    size_t bytes = pw_index_memory(big);
    printf("list: %s, %zu names; index built in %.1f s%s; %zu bytes (%.0f bytes/name); "
           "peak RSS %.0f MiB\n",
           list_path ? list_path : "the travellers' name parts", n_names, big_secs,
           list_path ? " (reading the file included)" : "", bytes, (double)bytes / (double)n_names,
           (double)ru1.ru_maxrss / 1024.0);
    /* (the baseline screens the background travellers only: its index holds few of the
     * planted travellers' entries) */
    result base = {0};
    if (!sample)
        base = screen("baseline (1,003 entries)", small, t, n_background, threshold, 0);
    result full_list = screen("full list", big, t, n_trav, threshold, n_planted);
    printf("summary: names=%zu build_s=%.1f bytes_per_name=%.0f travellers_per_s_2t=%.0f "
           "ratio_vs_1003=%.2f cpu_us_per_traveller=%.1f p50_us=%.1f p99_us=%.1f "
           "recall=%.1f background_with_candidate=%.3f threshold=%.2f traffic_per_s_2t=%.0f "
           "traffic_ratio_vs_1003=%.2f traffic_cpu_us=%.1f traffic_p50_us=%.1f "
           "traffic_p99_us=%.1f\n",
           n_names, big_secs, (double)bytes / (double)n_names, full_list.rate,
           base.rate > 0 ? full_list.rate / base.rate : 0, full_list.cpu_us, full_list.p50_us,
           full_list.p99_us, full_list.recall, full_list.background, threshold,
           full_list.traffic_rate, base.rate > 0 ? full_list.traffic_rate / base.rate : 0,
           full_list.traffic_cpu_us, full_list.traffic_p50_us, full_list.traffic_p99_us);
    pw_index_free(small);
    pw_index_free(big);
    return 0;
}
