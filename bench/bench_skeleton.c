/*
 * bench_skeleton: measures the analysis half of engine/names (pw_name_analyse).
 *
 *  1. Cross-script token hit rate on the UN consolidated list: for every individual
 *     with an Arabic- or Cyrillic-script NAME_ORIGINAL_SCRIPT and a Latin name in
 *     FIRST_NAME..FOURTH_NAME, the share of the Latin name's words that meet a token
 *     of the original-script name's analysis with equal text or plain form (exact), or
 *     failing that with an equal skeleton. A control pairs each Latin name with the
 *     original-script name of another individual (index + N/2): its hit rate is what
 *     chance and common tokens (AL, MOHAMMAD) give, and must stay low.
 *  2. Skeleton collisions on the 50,000 synthetic travellers: distinct word texts
 *     against distinct skeletons, the largest skeleton bucket, and the mean number of
 *     distinct texts sharing a text's skeleton.
 *  3. Speed on one core (names per second of thread CPU time, so that other load on
 *     the machine does not dilute it): pw_name_analyse alone and with Double
 *     Metaphone + NYSIIS of every word, Latin-script and other-script travellers
 *     separately, each with a plain baseline (copy and upper-case the same bytes) in
 *     the same run, plus p50/p99 per name. ICU's one-off loading of each script's
 *     rules (Han-Latin alone takes ~0.2 s) is paid on a few names outside the set and
 *     reported apart; the first pass over the set, where every distinct word meets
 *     ICU once (the scratch's transliteration cache is cold), is reported apart from
 *     the later passes, where repeated words come from the cache.
 *
 * Usage: bench_skeleton [--un FILE] [--passengers FILE] [--rounds N] [--verbose]
 *        bench_skeleton --show NAME...   (prints the analysis of each NAME)
 * Output: "key value" lines. Fixed inputs, no randomness.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "names/names.h"

#ifndef PW_SOURCE_DIR
#define PW_SOURCE_DIR "."
#endif

typedef struct person {
    char *id, *orig, *latin;
} person;

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* CPU time of this thread: throughput per core that other processes on the machine
 * do not dilute (they still share its caches). */
static double cpu_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static char *xstrdup(const char *s)
{
    size_t n = strlen(s);
    char *p = malloc(n + 1);
    if (!p) {
        fprintf(stderr, "out of memory\n");
        exit(1);
    }
    memcpy(p, s, n + 1);
    return p;
}

/* Does the UTF-8 string hold an Arabic-script (U+0600..U+06FF, U+0750..U+077F,
 * U+FB50..U+FDFF, U+FE70..U+FEFF) or Cyrillic (U+0400..U+04FF) letter? */
static bool arabic_or_cyrillic(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    for (; *p; p++) {
        unsigned cp = 0;
        if ((p[0] & 0xE0) == 0xC0 && (p[1] & 0xC0) == 0x80)
            cp = (p[0] & 0x1Fu) << 6 | (p[1] & 0x3Fu);
        else if ((p[0] & 0xF0) == 0xE0 && (p[1] & 0xC0) == 0x80 && (p[2] & 0xC0) == 0x80)
            cp = (p[0] & 0x0Fu) << 12 | (p[1] & 0x3Fu) << 6 | (p[2] & 0x3Fu);
        if ((cp >= 0x0400 && cp <= 0x06FF) || (cp >= 0x0750 && cp <= 0x077F) ||
            (cp >= 0xFB50 && cp <= 0xFDFF) || (cp >= 0xFE70 && cp <= 0xFEFF))
            return true;
    }
    return false;
}

static const char *child_text(xmlNode *n, const char *name, xmlChar **hold)
{
    for (xmlNode *c = n->children; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE && strcmp((const char *)c->name, name) == 0) {
            *hold = xmlNodeGetContent(c);
            return (const char *)*hold;
        }
    return NULL;
}

/* The UN individuals with an Arabic- or Cyrillic-script original name and a Latin
 * name. */
static person *load_un(const char *path, size_t *n_out)
{
    xmlDoc *doc = xmlReadFile(path, NULL, XML_PARSE_NONET | XML_PARSE_HUGE);
    if (!doc) {
        fprintf(stderr, "cannot read %s\n", path);
        exit(1);
    }
    size_t n = 0, cap = 1024;
    person *v = malloc(cap * sizeof *v);
    for (xmlNode *top = xmlDocGetRootElement(doc)->children; top; top = top->next) {
        if (top->type != XML_ELEMENT_NODE || strcmp((const char *)top->name, "INDIVIDUALS"))
            continue;
        for (xmlNode *ind = top->children; ind; ind = ind->next) {
            if (ind->type != XML_ELEMENT_NODE)
                continue;
            xmlChar *h[6] = {0};
            const char *orig = child_text(ind, "NAME_ORIGINAL_SCRIPT", &h[0]);
            const char *id = child_text(ind, "DATAID", &h[1]);
            static const char *const parts[] = {"FIRST_NAME", "SECOND_NAME", "THIRD_NAME",
                                                "FOURTH_NAME"};
            char latin[1024] = "";
            size_t ll = 0;
            for (int k = 0; k < 4; k++) {
                const char *p = child_text(ind, parts[k], &h[2 + k]);
                if (!p || !*p || ll + strlen(p) + 2 >= sizeof latin)
                    continue;
                ll += (size_t)snprintf(latin + ll, sizeof latin - ll, "%s%s", ll ? " " : "", p);
            }
            if (orig && *orig && ll && arabic_or_cyrillic(orig) && n < cap)
                v[n++] = (person){xstrdup(id ? id : "?"), xstrdup(orig), xstrdup(latin)};
            for (int k = 0; k < 6; k++)
                xmlFree(h[k]);
        }
    }
    xmlFreeDoc(doc);
    *n_out = n;
    return v;
}

/* The full_name column of the travellers' CSV (first field, RFC 4180 quoting). */
static char **load_passengers(const char *path, size_t *n_out)
{
    FILE *fp = fopen(path, "r");
    if (!fp) {
        fprintf(stderr, "cannot read %s\n", path);
        exit(1);
    }
    size_t n = 0, cap = 65536;
    char **v = malloc(cap * sizeof *v);
    char line[4096];
    bool header = true;
    while (fgets(line, sizeof line, fp) && n < cap) {
        if (header) {
            header = false;
            continue;
        }
        char field[1024];
        size_t w = 0;
        const char *p = line;
        if (*p == '"') {
            for (p++; *p && w + 1 < sizeof field; p++) {
                if (*p == '"' && p[1] == '"')
                    field[w++] = *p++;
                else if (*p == '"')
                    break;
                else
                    field[w++] = *p;
            }
        } else {
            for (; *p && *p != ',' && *p != '\n' && w + 1 < sizeof field; p++)
                field[w++] = *p;
        }
        field[w] = '\0';
        v[n++] = xstrdup(field);
    }
    fclose(fp);
    *n_out = n;
    return v;
}

static bool any_non_ascii_letter_script(const char *s)
{
    /* A name is "Latin" here when it has no character from U+0370 up (Greek,
     * Cyrillic, Arabic, CJK, ...); Latin-1 and Latin Extended count as Latin. */
    const unsigned char *p = (const unsigned char *)s;
    for (; *p; p++) {
        if (*p < 0x80 || (*p & 0xC0) == 0x80)
            continue;
        unsigned cp = 0;
        if ((p[0] & 0xE0) == 0xC0)
            cp = (p[0] & 0x1Fu) << 6 | (p[1] & 0x3Fu);
        else
            cp = 0x10000; /* three or four bytes: U+0800 and up */
        if (cp >= 0x0370 && !(cp >= 0x1E00 && cp <= 0x1EFF))
            return true;
    }
    return false;
}

static void show(pw_names_scratch *s, const char *name)
{
    pw_name nm;
    char latin[256];
    if (pw_name_analyse(s, name, NULL, NULL, &nm) != 0 ||
        pw_names_latin(s, name, latin, sizeof latin) != 0) {
        printf("%s: error\n", name);
        return;
    }
    printf("%s -> %s%s%s%s%s (titles %u)\n", name, latin, nm.non_latin ? " [non-latin]" : "",
           nm.given_unknown ? " [given unknown]" : "",
           nm.surname_unknown ? " [surname unknown]" : "", nm.invalid_utf8 ? " [invalid]" : "",
           nm.n_titles);
    for (int i = 0; i < nm.n_tokens; i++) {
        const pw_name_token *t = &nm.tokens[i];
        printf("  %-20s plain %-20s skeleton %-12s word %u span %u%s%s%s%s%s\n", t->text, t->plain,
               t->skeleton, t->word, t->span, t->flags & PW_TOKEN_PARTICLE ? " particle" : "",
               t->flags & PW_TOKEN_INITIAL ? " initial" : "",
               t->flags & PW_TOKEN_JOINED ? " joined" : "",
               t->flags & PW_TOKEN_SURNAME ? " surname" : "",
               t->flags & PW_TOKEN_GIVEN ? " given" : "");
    }
}

/* How a Latin word meets the tokens of another analysis: 2 exact, 1 skeleton, 0 not. */
static int meet(const pw_name_token *t, const pw_name *o)
{
    int best = 0;
    for (int j = 0; j < o->n_tokens; j++) {
        const pw_name_token *u = &o->tokens[j];
        if (!strcmp(t->text, u->text) || !strcmp(t->plain, u->plain) ||
            !strcmp(t->text, u->plain) || !strcmp(t->plain, u->text))
            return 2;
        if (!strcmp(t->skeleton, u->skeleton))
            best = 1;
    }
    return best;
}

typedef struct hits {
    long words, exact, skel, np_words, np_hits, full_people;
    long joined_hits; /* words met by themselves or by a joined variant covering them */
    double person_sum;
} hits;

/* Scores one Latin analysis against one original-script analysis. A word counts for
 * itself (exact, skeleton) and, in joined_hits, also when a joined variant covering
 * it meets (SA'D: SA and D are met through SAD; AL-TIKRITI through ALTIKRITI). */
static void score(const pw_name *lat, const pw_name *orig, hits *h, bool verbose, const person *p)
{
    int n = 0, got = 0;
    char line[2048];
    size_t ll = 0;
    for (int i = 0; i < lat->n_words; i++) {
        const pw_name_token *t = &lat->tokens[i];
        int m = meet(t, orig), mj = m;
        for (int j = lat->n_words; j < lat->n_tokens && mj == 0; j++) {
            const pw_name_token *u = &lat->tokens[j];
            if (u->word <= i && i < u->word + u->span)
                mj = meet(u, orig);
        }
        bool particle = t->flags & PW_TOKEN_PARTICLE;
        n++;
        got += mj > 0;
        h->words++;
        h->exact += m == 2;
        h->skel += m == 1;
        h->joined_hits += mj > 0;
        if (!particle) {
            h->np_words++;
            h->np_hits += mj > 0;
        }
        if (verbose && ll < sizeof line - 64)
            ll += (size_t)snprintf(line + ll, sizeof line - ll, " %s%s", t->text,
                                   m == 2   ? "="
                                   : m == 1 ? "~"
                                   : mj     ? "+"
                                            : "!");
    }
    if (n) {
        h->person_sum += (double)got / n;
        h->full_people += got == n;
    }
    if (verbose && p) {
        printf("# %s %.2f |%s | orig:", p->id, n ? (double)got / n : 0, line);
        for (int j = 0; j < orig->n_tokens; j++)
            printf(" %s/%s", orig->tokens[j].text, orig->tokens[j].skeleton);
        printf("\n");
    }
}

static void report_hits(const char *prefix, const hits *h, size_t people)
{
    printf("%s_people %zu\n", prefix, people);
    printf("%s_latin_words %ld\n", prefix, h->words);
    printf("%s_hit_exact %.4f\n", prefix, (double)h->exact / (double)h->words);
    printf("%s_hit_exact_or_skeleton %.4f\n", prefix,
           (double)(h->exact + h->skel) / (double)h->words);
    printf("%s_hit_with_joined %.4f\n", prefix, (double)h->joined_hits / (double)h->words);
    printf("%s_hit_with_joined_non_particle %.4f\n", prefix,
           (double)h->np_hits / (double)h->np_words);
    printf("%s_mean_per_person %.4f\n", prefix, h->person_sum / (double)people);
    printf("%s_people_all_words_hit %ld\n", prefix, h->full_people);
}

/* ---- a small string set for the collision count ----------------------------- */

typedef struct strset {
    char (*keys)[PW_NAME_TOKEN_MAX];
    int *vals;
    size_t cap, n;
} strset;

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211u;
    return h;
}

/* Returns the slot of key, inserting it (value 0) when absent. */
static size_t set_slot(strset *set, const char *key)
{
    size_t i = hash_str(key) & (set->cap - 1);
    while (set->keys[i][0] && strcmp(set->keys[i], key) != 0)
        i = (i + 1) & (set->cap - 1);
    if (!set->keys[i][0]) {
        snprintf(set->keys[i], PW_NAME_TOKEN_MAX, "%s", key);
        set->n++;
    }
    return i;
}

static void collisions(pw_names_scratch *s, char **names, size_t n)
{
    strset texts = {calloc(1 << 18, PW_NAME_TOKEN_MAX), calloc(1 << 18, sizeof(int)), 1 << 18, 0};
    strset skels = {calloc(1 << 18, PW_NAME_TOKEN_MAX), calloc(1 << 18, sizeof(int)), 1 << 18, 0};
    pw_name nm;
    for (size_t i = 0; i < n; i++) {
        if (pw_name_analyse(s, names[i], NULL, NULL, &nm) != 0)
            continue;
        for (int k = 0; k < nm.n_words; k++) {
            size_t before = texts.n;
            set_slot(&texts, nm.tokens[k].text);
            if (texts.n > before) /* a new distinct text: count it in its skeleton's bucket */
                skels.vals[set_slot(&skels, nm.tokens[k].skeleton)]++;
        }
    }
    double sumsq = 0;
    int biggest = 0;
    const char *big = "";
    for (size_t i = 0; i < skels.cap; i++) {
        if (!skels.keys[i][0])
            continue;
        sumsq += (double)skels.vals[i] * skels.vals[i];
        if (skels.vals[i] > biggest) {
            biggest = skels.vals[i];
            big = skels.keys[i];
        }
    }
    printf("travellers_names %zu\n", n);
    printf("travellers_distinct_words %zu\n", texts.n);
    printf("travellers_distinct_skeletons %zu\n", skels.n);
    printf("travellers_words_per_skeleton %.3f\n", (double)texts.n / (double)skels.n);
    printf("travellers_mean_words_sharing_a_skeleton %.3f\n", sumsq / (double)texts.n);
    printf("travellers_largest_skeleton_bucket %d (%s)\n", biggest, big);
    free(texts.keys);
    free(texts.vals);
    free(skels.keys);
    free(skels.vals);
}

/* ---- speed ------------------------------------------------------------------ */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static volatile unsigned sink;

/* What a baseline does with one name: copy and upper-case its bytes. */
static void baseline_one(const char *name, char *buf, size_t cap)
{
    size_t i = 0;
    for (; name[i] && i + 1 < cap; i++) {
        char c = name[i];
        buf[i] = c >= 'a' && c <= 'z' ? (char)(c - 32) : c;
    }
    buf[i] = '\0';
    sink += (unsigned char)buf[0];
}

static void encode(const pw_name *nm)
{
    char p[PW_DMETAPHONE_MAX + 1], a[PW_DMETAPHONE_MAX + 1], ny[PW_NAME_TOKEN_MAX];
    for (int k = 0; k < nm->n_words; k++) {
        pw_double_metaphone(nm->tokens[k].text, PW_DMETAPHONE_MAX, p, a);
        pw_nysiis(nm->tokens[k].text, true, ny);
        sink += (unsigned char)p[0] + (unsigned char)ny[0];
    }
}

/* Times `rounds` passes of mode (0 baseline, 1 analyse, 2 analyse + encoders) over
 * names; returns names per second. */
static double timed(pw_names_scratch *s, char **names, size_t n, int rounds, int mode)
{
    pw_name nm;
    char buf[1024];
    double t0 = cpu_now();
    for (int r = 0; r < rounds; r++)
        for (size_t i = 0; i < n; i++) {
            if (mode == 0) {
                baseline_one(names[i], buf, sizeof buf);
                continue;
            }
            pw_name_analyse(s, names[i], NULL, NULL, &nm);
            sink += nm.n_tokens;
            if (mode == 2)
                encode(&nm);
        }
    return (double)n * rounds / (cpu_now() - t0);
}

/* p50 and p99 of one pass of pw_name_analyse, in microseconds of wall time (a busy
 * machine's preemptions show in p99). */
static void latencies(pw_names_scratch *s, char **names, size_t n, double *p50, double *p99)
{
    double *d = malloc(n * sizeof *d);
    pw_name nm;
    for (size_t i = 0; i < n; i++) {
        double t0 = now();
        pw_name_analyse(s, names[i], NULL, NULL, &nm);
        d[i] = (now() - t0) * 1e6;
    }
    qsort(d, n, sizeof *d, cmp_double);
    *p50 = d[n / 2];
    *p99 = d[n * 99 / 100];
    free(d);
}

static void speed(const char *prefix, char **names, size_t n, int rounds)
{
    /* ICU loads a script's rules the first time a scratch meets the script (Han-Latin
     * takes ~0.2 s): a few names outside the measured set pay for that first. */
    static const char *const warm[] = {"王",   "김",    "Иван",   "Ївга",   "محمد", "राम",
                                       "שלום", "สมชาย", "あきら", "Αλέξης", "Ölçer"};
    pw_names_scratch *s = pw_names_scratch_new();
    pw_name w;
    double t0 = cpu_now();
    for (size_t i = 0; i < sizeof warm / sizeof warm[0]; i++)
        pw_name_analyse(s, warm[i], NULL, NULL, &w);
    double load_s = cpu_now() - t0;
    t0 = cpu_now();
    double first = timed(s, names, n, 1, 1);
    double first_s = cpu_now() - t0;
    double base = timed(s, names, n, rounds, 0);
    double analyse = timed(s, names, n, rounds, 1);
    double keys = timed(s, names, n, rounds, 2);
    double p50, p99;
    latencies(s, names, n, &p50, &p99);
    printf("%s_names %zu\n", prefix, n);
    printf("%s_icu_rule_loading_s %.3f\n", prefix, load_s);
    printf("%s_first_pass_names_per_s %.0f (%.3f s: each distinct word transliterated once)\n",
           prefix, first, first_s);
    printf("%s_baseline_names_per_s %.0f\n", prefix, base);
    printf("%s_analyse_names_per_s %.0f (%.4f of baseline)\n", prefix, analyse, analyse / base);
    printf("%s_analyse_dm_nysiis_names_per_s %.0f\n", prefix, keys);
    printf("%s_analyse_us_p50 %.3f\n", prefix, p50);
    printf("%s_analyse_us_p99 %.3f\n", prefix, p99);
    pw_names_scratch_free(s);
}

int main(int argc, char **argv)
{
    const char *un = PW_SOURCE_DIR "/../shared/data/watchlists/un/UN_consolidated.xml";
    const char *pax = PW_SOURCE_DIR "/../shared/data/passengers/negatives_us.csv";
    int rounds = 5;
    bool verbose = false;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--un") && i + 1 < argc) {
            un = argv[++i];
        } else if (!strcmp(argv[i], "--passengers") && i + 1 < argc) {
            pax = argv[++i];
        } else if (!strcmp(argv[i], "--rounds") && i + 1 < argc) {
            rounds = atoi(argv[++i]);
        } else if (!strcmp(argv[i], "--verbose")) {
            verbose = true;
        } else if (!strcmp(argv[i], "--show")) {
            pw_names_scratch *s = pw_names_scratch_new();
            for (i++; i < argc; i++)
                show(s, argv[i]);
            pw_names_scratch_free(s);
            return 0;
        } else {
            fprintf(stderr,
                    "usage: %s [--un FILE] [--passengers FILE] [--rounds N] "
                    "[--verbose] | --show NAME...\n",
                    argv[0]);
            return 2;
        }
    }
    if (rounds < 1)
        rounds = 1;
    /* Speed first, in a process that has not met any script yet, so that ICU's rule
     * loading is measured as a user sees it. */
    size_t nt = 0;
    char **travellers = load_passengers(pax, &nt);
    char **latin = malloc(nt * sizeof *latin), **other = malloc(nt * sizeof *other);
    size_t nl = 0, no = 0;
    for (size_t i = 0; i < nt; i++) {
        if (any_non_ascii_letter_script(travellers[i]))
            other[no++] = travellers[i];
        else
            latin[nl++] = travellers[i];
    }
    speed("latin", latin, nl, rounds);
    speed("non_latin", other, no, rounds);

    pw_names_scratch *s = pw_names_scratch_new();
    if (!s) {
        fprintf(stderr, "cannot open the ICU transliterators\n");
        return 1;
    }
    size_t np = 0;
    person *people = load_un(un, &np);
    pw_name *lat = malloc(np * sizeof *lat), *orig = malloc(np * sizeof *orig);
    for (size_t i = 0; i < np; i++) {
        pw_name_analyse(s, people[i].latin, NULL, NULL, &lat[i]);
        pw_name_analyse(s, people[i].orig, NULL, NULL, &orig[i]);
    }
    hits h = {0}, control = {0};
    for (size_t i = 0; i < np; i++) {
        score(&lat[i], &orig[i], &h, verbose, &people[i]);
        score(&lat[i], &orig[(i + np / 2) % np], &control, false, NULL);
    }
    report_hits("un", &h, np);
    report_hits("un_control", &control, np);
    collisions(s, travellers, nt);
    pw_names_scratch_free(s);
    for (size_t i = 0; i < np; i++) {
        free(people[i].id);
        free(people[i].orig);
        free(people[i].latin);
    }
    for (size_t i = 0; i < nt; i++)
        free(travellers[i]);
    free(people);
    free(lat);
    free(orig);
    free(travellers);
    free(latin);
    free(other);
    return 0;
}
