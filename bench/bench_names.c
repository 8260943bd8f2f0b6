/*
 * bench_names: the speed of engine/names on real names, per core.
 *
 * Design. Every section runs one function over a fixed set of real inputs and is
 * reported as calls per second and as a ratio to a plain baseline over the same inputs
 * in the same run (copying and upper-casing the same bytes), so figures from different
 * machines can be compared through the ratio. Inputs:
 *
 *  - words: the 10,000 name words of tests/oracles/phonetic_commons_codec.tsv (OFAC,
 *    UN and traveller names, drawn by tests/oracles/extract_names.py), for the
 *    encoders: Double Metaphone (length 4), NYSIIS (strict), Soundex, Daitch-Mokotoff;
 *  - pairs: the 10,000 pairs of tests/oracles/measures_jellyfish.tsv (aliases, typos,
 *    random pairs, whole names), for Jaro-Winkler, OSA (bound 2, as a scorer uses it,
 *    and unbounded) and Myers' Levenshtein;
 *  - Latin names: the full_name column of the 50,000 synthetic travellers
 *    (../shared/data/passengers/negatives_us.csv), and non-Latin names: the
 *    NAME_ORIGINAL_SCRIPT values of the UN list (Arabic, Cyrillic, ...), for
 *    "normalise + keys": pw_name_analyse, then per token Double Metaphone and NYSIIS
 *    (the target: >= 1,000,000 Latin names/s/core; >= 100,000 non-Latin
 *    names/s/core through ICU), and "all keys" (also Soundex, Daitch-Mokotoff, and
 *    Double Metaphone of the plain form where it differs);
 *  - Latin tokens: the token texts pw_name_analyse makes of the Latin names (analysed
 *    once before timing), for Double Metaphone + NYSIIS alone: the encoders' share of
 *    the pipeline, apart from the analysis.
 *
 * Timing. Throughput comes from whole passes over the inputs, repeated for at least
 * --seconds per section after one warm-up pass, timed two ways: by the thread's CPU
 * time (CLOCK_THREAD_CPUTIME_ID: the per-core figure, which time spent descheduled on a
 * busy machine does not inflate; calls_per_s and the ratios use it) and by the wall
 * clock (CLOCK_MONOTONIC: wall_calls_per_s). Latency: further passes cut into batches of 16
 * consecutive calls, each batch timed on CLOCK_MONOTONIC; a call's latency is its batch's time / 16
 * (a single call of the fastest encoders is shorter than a clock read), and p50/p99 come from the
 * sorted batch sample. Results feed a checksum so the compiler cannot drop the calls. Single
 * thread; the inputs are the same on every run (no randomness).
 *
 * Output: a table, one "bench:" line per section (key=value), and last one
 * "summary:" line with the headline figures and peak memory.
 *
 * Usage: bench_names [--seconds S] [--data DIR]   (DIR: the shared data, default
 * ../shared/data beside the repository)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "names/names.h"

#define BATCH 16
#define MAX_SAMPLES (1 << 20)

/* ---- inputs ------------------------------------------------------------------- */

typedef struct strings {
    char **s;
    size_t *len;
    size_t n, cap;
} strings;

static void push(strings *v, const char *s, size_t len)
{
    if (v->n == v->cap) {
        v->cap = v->cap ? v->cap * 2 : 1024;
        v->s = realloc(v->s, v->cap * sizeof *v->s);
        v->len = realloc(v->len, v->cap * sizeof *v->len);
        if (!v->s || !v->len) {
            fprintf(stderr, "bench_names: out of memory\n");
            exit(1);
        }
    }
    v->s[v->n] = malloc(len + 1);
    if (!v->s[v->n]) {
        fprintf(stderr, "bench_names: out of memory\n");
        exit(1);
    }
    memcpy(v->s[v->n], s, len);
    v->s[v->n][len] = '\0';
    v->len[v->n++] = len;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "bench_names: cannot open %s\n", path);
        exit(1);
    }
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *text = malloc((size_t)size + 1);
    if (!text || fread(text, 1, (size_t)size, f) != (size_t)size) {
        fprintf(stderr, "bench_names: cannot read %s\n", path);
        exit(1);
    }
    fclose(f);
    text[size] = '\0';
    return text;
}

/* The first (and with b, the second) tab-separated field of every non-comment line of
 * an oracle table. */
static void load_tsv(const char *path, strings *a, strings *b)
{
    char *text = slurp(path);
    for (char *line = text; *line;) {
        char *end = strchr(line, '\n');
        size_t n = end ? (size_t)(end - line) : strlen(line);
        if (n > 0 && line[0] != '#') {
            char *tab = memchr(line, '\t', n);
            size_t la = tab ? (size_t)(tab - line) : n;
            push(a, line, la);
            if (b) {
                char *second = tab + 1;
                char *tab2 = memchr(second, '\t', n - la - 1);
                push(b, second, tab2 ? (size_t)(tab2 - second) : n - la - 1);
            }
        }
        line += n + (end ? 1 : 0);
    }
    free(text);
}

/* The first column (full_name) of negatives_us.csv; a quoted field may hold commas. */
/* True when every character of s[0..n) is Latin script (below U+0250, which covers
 * Basic Latin to Latin Extended-B): UTF-8 lead bytes up to 0xC9. */
static bool latin_script(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] >= 0xCA)
            return false;
    return true;
}

/* The travellers' full names, split by script into latin and other. */
static void load_travellers(const char *path, strings *out, strings *other)
{
    char *text = slurp(path);
    char *line = strchr(text, '\n'); /* skip the header */
    while (line && *++line) {
        char *end = strchr(line, '\n');
        size_t n = 0;
        if (line[0] == '"') {
            char *q = strchr(line + 1, '"');
            n = q ? (size_t)(q - line - 1) : 0;
            if (n)
                push(latin_script(line + 1, n) ? out : other, line + 1, n);
        } else {
            n = strcspn(line, ",\n");
            if (n)
                push(latin_script(line, n) ? out : other, line, n);
        }
        line = end;
    }
    free(text);
}

/* Every <NAME_ORIGINAL_SCRIPT> value of the UN list. */
static void load_original_script(const char *path, strings *out)
{
    static const char open[] = "<NAME_ORIGINAL_SCRIPT>", close[] = "</NAME_ORIGINAL_SCRIPT>";
    char *text = slurp(path);
    for (char *p = strstr(text, open); p; p = strstr(p, open)) {
        p += sizeof open - 1;
        char *e = strstr(p, close);
        if (!e)
            break;
        if (e > p)
            push(out, p, (size_t)(e - p));
        p = e;
    }
    free(text);
}

/* ---- the sections ------------------------------------------------------------------- */

typedef struct ctx {
    const strings *a, *b;
    pw_names_scratch *scratch;
    unsigned long sink; /* checksum of the results */
} ctx;

/* A section runs its call on items [from, to). */
typedef void (*section_fn)(ctx *c, size_t from, size_t to);

/* The baseline: copy and upper-case each string (and the second one of a pair). */
static size_t copy_upper(const char *s, size_t n, char *buf, size_t cap)
{
    if (n >= cap)
        n = cap - 1;
    for (size_t k = 0; k < n; k++) {
        char ch = s[k];
        buf[k] = ch >= 'a' && ch <= 'z' ? (char)(ch - 32) : ch;
    }
    buf[n] = '\0';
    return n;
}

static void baseline_one(ctx *c, size_t from, size_t to)
{
    char buf[512];
    for (size_t i = from; i < to; i++)
        c->sink += copy_upper(c->a->s[i], c->a->len[i], buf, sizeof buf) + (unsigned char)buf[0];
}

static void baseline_two(ctx *c, size_t from, size_t to)
{
    char buf[512], buf2[512];
    for (size_t i = from; i < to; i++) {
        c->sink += copy_upper(c->a->s[i], c->a->len[i], buf, sizeof buf) + (unsigned char)buf[0];
        c->sink += copy_upper(c->b->s[i], c->b->len[i], buf2, sizeof buf2) + (unsigned char)buf2[0];
    }
}

static void run_double_metaphone(ctx *c, size_t from, size_t to)
{
    char p[PW_DMETAPHONE_MAX + 1], a[PW_DMETAPHONE_MAX + 1];
    for (size_t i = from; i < to; i++) {
        pw_double_metaphone(c->a->s[i], PW_DMETAPHONE_MAX, p, a);
        c->sink += (unsigned char)p[0] + (unsigned char)a[1];
    }
}

static void run_nysiis(ctx *c, size_t from, size_t to)
{
    char out[PW_NAME_TOKEN_MAX];
    for (size_t i = from; i < to; i++) {
        pw_nysiis(c->a->s[i], true, out);
        c->sink += (unsigned char)out[1];
    }
}

static void run_soundex(ctx *c, size_t from, size_t to)
{
    char out[5];
    for (size_t i = from; i < to; i++) {
        pw_soundex(c->a->s[i], out);
        c->sink += (unsigned char)out[1];
    }
}

static void run_daitch_mokotoff(ctx *c, size_t from, size_t to)
{
    uint32_t codes[16];
    for (size_t i = from; i < to; i++)
        c->sink += (unsigned long)pw_daitch_mokotoff(c->a->s[i], codes, 16) + codes[0];
}

static void run_jaro_winkler(ctx *c, size_t from, size_t to)
{
    double sum = 0;
    for (size_t i = from; i < to; i++)
        sum += pw_jaro_winkler(c->a->s[i], c->a->len[i], c->b->s[i], c->b->len[i]);
    c->sink += (unsigned long)(sum * 1000);
}

static void run_osa_bound2(ctx *c, size_t from, size_t to)
{
    for (size_t i = from; i < to; i++)
        c->sink +=
            (unsigned long)pw_osa_distance(c->a->s[i], c->a->len[i], c->b->s[i], c->b->len[i], 2);
}

static void run_osa_unbounded(ctx *c, size_t from, size_t to)
{
    for (size_t i = from; i < to; i++)
        c->sink += (unsigned long)pw_osa_distance(c->a->s[i], c->a->len[i], c->b->s[i],
                                                  c->b->len[i], 1024);
}

static void run_levenshtein(ctx *c, size_t from, size_t to)
{
    for (size_t i = from; i < to; i++)
        c->sink +=
            (unsigned long)pw_levenshtein(c->a->s[i], c->a->len[i], c->b->s[i], c->b->len[i]);
}

/* Double Metaphone and NYSIIS of one word: the encoders' share of "normalise + keys". */
static void run_dm_nysiis(ctx *c, size_t from, size_t to)
{
    char p[PW_DMETAPHONE_MAX + 1], a[PW_DMETAPHONE_MAX + 1], ny[PW_NAME_TOKEN_MAX];
    for (size_t i = from; i < to; i++) {
        pw_double_metaphone(c->a->s[i], PW_DMETAPHONE_MAX, p, a);
        pw_nysiis(c->a->s[i], true, ny);
        c->sink += (unsigned char)p[0] + (unsigned char)ny[0];
    }
}

static void analyse_or_die(ctx *c, const char *name, pw_name *out)
{
    if (pw_name_analyse(c->scratch, name, NULL, NULL, out) != 0) {
        fprintf(stderr, "bench_names: pw_name_analyse failed\n");
        exit(1);
    }
}

static void run_analyse(ctx *c, size_t from, size_t to)
{
    pw_name out;
    for (size_t i = from; i < to; i++) {
        analyse_or_die(c, c->a->s[i], &out);
        c->sink += out.n_tokens;
    }
}

/* Normalise + the keys the index needs first: Double Metaphone and NYSIIS per token. */
static void run_analyse_dm_nysiis(ctx *c, size_t from, size_t to)
{
    pw_name out;
    char p[PW_DMETAPHONE_MAX + 1], a[PW_DMETAPHONE_MAX + 1], ny[PW_NAME_TOKEN_MAX];
    for (size_t i = from; i < to; i++) {
        analyse_or_die(c, c->a->s[i], &out);
        for (int t = 0; t < out.n_tokens; t++) {
            pw_double_metaphone(out.tokens[t].text, PW_DMETAPHONE_MAX, p, a);
            pw_nysiis(out.tokens[t].text, true, ny);
            c->sink += (unsigned char)p[0] + (unsigned char)ny[0];
        }
    }
}

/* Normalise + all keys: also Soundex, Daitch-Mokotoff, and Double Metaphone of the
 * plain form where it differs from the main one. */
static void run_analyse_all_keys(ctx *c, size_t from, size_t to)
{
    pw_name out;
    char p[PW_DMETAPHONE_MAX + 1], a[PW_DMETAPHONE_MAX + 1], ny[PW_NAME_TOKEN_MAX], sx[5];
    uint32_t codes[8];
    for (size_t i = from; i < to; i++) {
        analyse_or_die(c, c->a->s[i], &out);
        for (int t = 0; t < out.n_tokens; t++) {
            const pw_name_token *tok = &out.tokens[t];
            pw_double_metaphone(tok->text, PW_DMETAPHONE_MAX, p, a);
            pw_nysiis(tok->text, true, ny);
            pw_soundex(tok->text, sx);
            int n = pw_daitch_mokotoff(tok->text, codes, 8);
            c->sink += (unsigned char)p[0] + (unsigned char)ny[0] + (unsigned char)sx[0] +
                       (unsigned long)n;
            if (strcmp(tok->plain, tok->text) != 0) {
                pw_double_metaphone(tok->plain, PW_DMETAPHONE_MAX, p, a);
                c->sink += (unsigned char)p[0];
            }
        }
    }
}

/* ---- timing ----------------------------------------------------------------------------- */

static double clock_ns(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static double now_ns(void)
{
    return clock_ns(CLOCK_MONOTONIC);
}

static int cmp_double(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

typedef struct result {
    const char *name;
    const char *input;
    size_t items;
    double per_s;      /* calls per second of the thread's CPU time */
    double wall_per_s; /* calls per second of wall-clock time */
    double p50, p99;   /* ns per call */
    double ratio;      /* per_s / the baseline's per_s */
} result;

static double *samples;

/* Times fn over items [0, n): warm-up, throughput passes for at least seconds, then
 * batch-timed passes for the latency sample (at least seconds / 2). */
static result measure(const char *name, const char *input, section_fn fn, ctx *c, size_t n,
                      double seconds)
{
    result r = {name, input, n, 0, 0, 0, 0, 0};
    fn(c, 0, n); /* warm-up: caches, ICU's lazy data */

    double spent = 0, cpu = 0;
    size_t calls = 0;
    do {
        double t0 = now_ns(), c0 = clock_ns(CLOCK_THREAD_CPUTIME_ID);
        fn(c, 0, n);
        cpu += clock_ns(CLOCK_THREAD_CPUTIME_ID) - c0;
        spent += now_ns() - t0;
        calls += n;
    } while (spent < seconds * 1e9 || calls < 3 * n);
    r.per_s = (double)calls / (cpu / 1e9);
    r.wall_per_s = (double)calls / (spent / 1e9);

    size_t ns = 0;
    double lat_spent = 0;
    do {
        for (size_t i = 0; i + BATCH <= n && ns < MAX_SAMPLES; i += BATCH) {
            double t0 = now_ns();
            fn(c, i, i + BATCH);
            double dt = now_ns() - t0;
            samples[ns++] = dt / BATCH;
            lat_spent += dt;
        }
    } while (lat_spent < seconds * 0.5e9 && ns < MAX_SAMPLES);
    qsort(samples, ns, sizeof *samples, cmp_double);
    r.p50 = samples[ns / 2];
    r.p99 = samples[ns * 99 / 100];
    return r;
}

static void report(const result *r, const result *baseline)
{
    double ratio = baseline ? r->per_s / baseline->per_s : 1.0;
    printf("  %-26s %-10s %7zu %14.0f %14.0f %9.3f %9.1f %9.1f\n", r->name, r->input, r->items,
           r->per_s, r->wall_per_s, ratio, r->p50, r->p99);
}

static void machine_line(const result *r)
{
    printf("bench: section=%s input=%s items=%zu calls_per_s=%.0f wall_calls_per_s=%.0f "
           "ratio_to_baseline=%.4f p50_ns=%.1f p99_ns=%.1f\n",
           r->name, r->input, r->items, r->per_s, r->wall_per_s, r->ratio, r->p50, r->p99);
}

static const result *find(const result *r, int n, const char *name, const char *input)
{
    for (int i = 0; i < n; i++)
        if (strcmp(r[i].name, name) == 0 && strcmp(r[i].input, input) == 0)
            return &r[i];
    abort(); /* a section the summary names is missing from the plan */
}

static void usage(FILE *out)
{
    fprintf(out, "usage: bench_names [--seconds S] [--data DIR]\n");
}

int main(int argc, char **argv)
{
    double seconds = 0.5;
    const char *data = PW_SOURCE_DIR "/../shared/data";
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc) {
            seconds = atof(argv[++i]);
        } else if (strcmp(argv[i], "--data") == 0 && i + 1 < argc) {
            data = argv[++i];
        } else {
            usage(strcmp(argv[i], "--help") == 0 ? stdout : stderr);
            return strcmp(argv[i], "--help") == 0 ? 0 : 2;
        }
    }

    strings words = {0}, pa = {0}, pb = {0}, latin = {0}, nonlatin = {0};
    load_tsv(PW_SOURCE_DIR "/tests/oracles/phonetic_commons_codec.tsv", &words, NULL);
    load_tsv(PW_SOURCE_DIR "/tests/oracles/measures_jellyfish.tsv", &pa, &pb);
    char path[1024];
    snprintf(path, sizeof path, "%s/passengers/negatives_us.csv", data);
    load_travellers(path, &latin, &nonlatin);
    snprintf(path, sizeof path, "%s/watchlists/un/UN_consolidated.xml", data);
    load_original_script(path, &nonlatin);
    samples = malloc(MAX_SAMPLES * sizeof *samples);
    pw_names_scratch *scratch = pw_names_scratch_new();
    if (!samples || !scratch) {
        fprintf(stderr, "bench_names: cannot set up (out of memory or ICU)\n");
        return 1;
    }
    /* The token texts pw_name_analyse makes of the Latin names, to time the encoders'
     * share of "normalise + keys" apart from the analysis. */
    strings latin_tokens = {0};
    for (size_t i = 0; i < latin.n; i++) {
        pw_name nm;
        if (pw_name_analyse(scratch, latin.s[i], NULL, NULL, &nm) != 0) {
            fprintf(stderr, "bench_names: pw_name_analyse failed\n");
            return 1;
        }
        for (int t = 0; t < nm.n_tokens; t++)
            push(&latin_tokens, nm.tokens[t].text, nm.tokens[t].len);
    }

    printf("bench_names: %zu words, %zu pairs, %zu Latin names (%zu tokens), %zu non-Latin "
           "names; %.2f s per section, 1 thread\n",
           words.n, pa.n, latin.n, latin_tokens.n, nonlatin.n, seconds);
    printf("  %-26s %-10s %7s %14s %14s %9s %9s %9s\n", "section", "input", "items", "calls/s(cpu)",
           "calls/s(wall)", "x_base", "p50_ns", "p99_ns");

    struct plan {
        const char *name;
        const char *input;
        section_fn fn;
        const strings *a, *b;
        bool baseline; /* the baseline of the sections after it */
    } plan[] = {
        {"baseline_copy_upper", "words", baseline_one, &words, NULL, true},
        {"double_metaphone", "words", run_double_metaphone, &words, NULL, false},
        {"nysiis", "words", run_nysiis, &words, NULL, false},
        {"soundex", "words", run_soundex, &words, NULL, false},
        {"daitch_mokotoff", "words", run_daitch_mokotoff, &words, NULL, false},
        {"baseline_copy_upper", "pairs", baseline_two, &pa, &pb, true},
        {"jaro_winkler", "pairs", run_jaro_winkler, &pa, &pb, false},
        {"osa_max2", "pairs", run_osa_bound2, &pa, &pb, false},
        {"osa_unbounded", "pairs", run_osa_unbounded, &pa, &pb, false},
        {"levenshtein_myers", "pairs", run_levenshtein, &pa, &pb, false},
        {"baseline_copy_upper", "latin_tok", baseline_one, &latin_tokens, NULL, true},
        {"dm_nysiis", "latin_tok", run_dm_nysiis, &latin_tokens, NULL, false},
        {"baseline_copy_upper", "latin", baseline_one, &latin, NULL, true},
        {"analyse", "latin", run_analyse, &latin, NULL, false},
        {"analyse_dm_nysiis", "latin", run_analyse_dm_nysiis, &latin, NULL, false},
        {"analyse_all_keys", "latin", run_analyse_all_keys, &latin, NULL, false},
        {"baseline_copy_upper", "nonlatin", baseline_one, &nonlatin, NULL, true},
        {"analyse", "nonlatin", run_analyse, &nonlatin, NULL, false},
        {"analyse_dm_nysiis", "nonlatin", run_analyse_dm_nysiis, &nonlatin, NULL, false},
        {"analyse_all_keys", "nonlatin", run_analyse_all_keys, &nonlatin, NULL, false},
    };
    enum { N_PLAN = sizeof plan / sizeof plan[0] };
    result results[N_PLAN];
    ctx c = {0};
    c.scratch = scratch;
    result *baseline = NULL;
    for (int i = 0; i < N_PLAN; i++) {
        c.a = plan[i].a;
        c.b = plan[i].b;
        if (plan[i].a->n < BATCH) {
            fprintf(stderr, "bench_names: too few %s inputs\n", plan[i].input);
            return 1;
        }
        results[i] = measure(plan[i].name, plan[i].input, plan[i].fn, &c, plan[i].a->n, seconds);
        if (plan[i].baseline)
            baseline = &results[i];
        results[i].ratio = results[i].per_s / baseline->per_s;
        report(&results[i], plan[i].baseline ? NULL : baseline);
    }
    printf("\n");
    for (int i = 0; i < N_PLAN; i++)
        machine_line(&results[i]);

    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    const result *lat = find(results, N_PLAN, "analyse_dm_nysiis", "latin");
    const result *nl = find(results, N_PLAN, "analyse_dm_nysiis", "nonlatin");
    printf("summary: latin_analyse_dm_nysiis_per_s=%.0f latin_ratio=%.4f latin_p99_ns=%.0f "
           "nonlatin_analyse_dm_nysiis_per_s=%.0f nonlatin_ratio=%.4f nonlatin_p99_ns=%.0f "
           "dm_per_s=%.0f nysiis_per_s=%.0f soundex_per_s=%.0f dmsoundex_per_s=%.0f "
           "jw_per_s=%.0f osa2_per_s=%.0f myers_per_s=%.0f peak_rss_kb=%ld checksum=%lu\n",
           lat->per_s, lat->ratio, lat->p99, nl->per_s, nl->ratio, nl->p99,
           find(results, N_PLAN, "double_metaphone", "words")->per_s,
           find(results, N_PLAN, "nysiis", "words")->per_s,
           find(results, N_PLAN, "soundex", "words")->per_s,
           find(results, N_PLAN, "daitch_mokotoff", "words")->per_s,
           find(results, N_PLAN, "jaro_winkler", "pairs")->per_s,
           find(results, N_PLAN, "osa_max2", "pairs")->per_s,
           find(results, N_PLAN, "levenshtein_myers", "pairs")->per_s, ru.ru_maxrss, c.sink);

    pw_names_scratch_free(scratch);
    free(samples);
    strings *all[] = {&words, &pa, &pb, &latin, &nonlatin, &latin_tokens};
    for (size_t k = 0; k < sizeof all / sizeof *all; k++) {
        for (size_t i = 0; i < all[k]->n; i++)
            free(all[k]->s[i]);
        free(all[k]->s);
        free(all[k]->len);
    }
    return 0;
}
