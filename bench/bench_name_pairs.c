/*
 * bench_name_pairs: name-matching quality on OpenSanctions' labelled name pairs,
 * beside OpenSanctions' own logic-v2 scores for the same pairs.
 *
 * Design. Every row of name_bench_cases.csv (case_group, schema, name1, name2,
 * is_match, quality, category, notes) is scored through the public matcher
 * interfaces only (index.h, match.h), so the figures follow the matcher as it
 * improves: a one-entry pw_index is built whose entry has name1 as its primary name
 * (type individual for Person rows, entity otherwise), and a pw_record whose only
 * evidence is traveller.full_name = name2 is matched against it. The pair's score is
 * the best candidate's score, 0 when there is no candidate. A one-entry index leaves
 * token rarity nothing to compare with; that is the point: this measures the name
 * score alone, as name_bench does for logic-v2.
 *
 * A pair is predicted to match when its score is > 0 and >= the threshold (a pair
 * without a candidate can never alert, whatever the threshold). Figures: precision,
 * recall and F1 at the shipped threshold (matching.default_threshold read from
 * config/paxwatch.yaml with pw_config_load) and at the best threshold of a sweep over
 * 0.00..1.00 in steps of 0.01 (ties go to the threshold nearest the shipped one), for
 * Person rows and for all rows.
 *
 * The logic-v2 scores file (name_bench_logicv2_scores.csv: the case columns plus
 * case_id, score, predicted_match, outcome) comes from a different revision of the
 * cases: 812 rows against 826, some case_groups renamed, five labels flipped. It is
 * therefore joined on the names, (schema, name1, name2), which are unique per score
 * (duplicated pairs carry the same score), not on row order; labels always come from
 * the cases file. Rows without a logic-v2 score (11 today) are left out of the
 * logic-v2 figures, and paxwatch is reported both on all rows and on exactly the
 * joined rows, so the two can be compared like for like. logic-v2 is judged at its
 * own threshold 0.70 and at its best.
 *
 * No name is ever printed: --errors lists the CSV line numbers of the pairs paxwatch
 * gets wrong at the shipped threshold. The last line of output is one machine-readable
 * "summary:" line.
 *
 * Usage: bench_name_pairs [--cases CSV] [--scores CSV] [--config YAML] [--errors]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config/config.h"
#include "core/core.h"
#include "index/index.h"
#include "ingest/csv_tokenizer.h"
#include "match/match.h"

#define DEFAULT_CASES PW_SOURCE_DIR "/../shared/data/names/name_bench_cases.csv"
#define DEFAULT_SCORES PW_SOURCE_DIR "/../shared/data/names/name_bench_logicv2_scores.csv"
#define DEFAULT_CONFIG PW_SOURCE_DIR "/config/paxwatch.yaml"
#define LOGICV2_THRESHOLD 0.70
#define SWEEP_STEPS 100

/* One labelled pair with both scores. */
typedef struct pair {
    char *schema;
    char *name1;
    char *name2;
    char *category;
    char *group;
    bool is_match;
    bool person;
    long line;    /* CSV line of the row, for --errors */
    double score; /* paxwatch */
    double lv2;   /* logic-v2, when has_lv2 */
    bool has_lv2;
} pair;

typedef struct pairs {
    pair *items;
    size_t n;
    size_t cap;
} pairs;

/* A logic-v2 score keyed by (schema, name1, name2). */
typedef struct lv2_row {
    char *schema;
    char *name1;
    char *name2;
    double score;
} lv2_row;

/* Confusion counts and the figures derived from them. */
typedef struct figures {
    long tp, fp, fn, tn;
    double precision, recall, f1;
} figures;

static char *xstrdup(const char *s)
{
    char *d = strdup(s ? s : "");
    if (!d) {
        fprintf(stderr, "bench_name_pairs: out of memory\n");
        exit(1);
    }
    return d;
}

static void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n);
    if (!q) {
        fprintf(stderr, "bench_name_pairs: out of memory\n");
        exit(1);
    }
    return q;
}

/* Position of column name in the header row, or -1. */
static int column(char **fields, int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (strcmp(fields[i], name) == 0)
            return i;
    return -1;
}

/* Opens path and reads its header row; fills idx[i] with the position of cols[i].
 * Exits with a one-line reason when the file or a column is missing. */
static pw_csv *open_csv(const char *path, FILE **fp, const char *const *cols, int *idx, int ncols)
{
    *fp = fopen(path, "rb");
    if (!*fp) {
        fprintf(stderr, "bench_name_pairs: cannot open %s\n", path);
        exit(1);
    }
    pw_csv *c = pw_csv_new(*fp, ',');
    char **f;
    int n = c ? pw_csv_next_row(c, &f) : PW_ENOMEM;
    if (n <= 0) {
        fprintf(stderr, "bench_name_pairs: %s: no header row\n", path);
        exit(1);
    }
    for (int i = 0; i < ncols; i++) {
        idx[i] = column(f, n, cols[i]);
        if (idx[i] < 0) {
            fprintf(stderr, "bench_name_pairs: %s: no column '%s'\n", path, cols[i]);
            exit(1);
        }
    }
    return c;
}

static void read_cases(const char *path, pairs *out)
{
    static const char *const cols[] = {"case_group", "schema",   "name1",
                                       "name2",      "is_match", "category"};
    int idx[6];
    FILE *fp;
    pw_csv *c = open_csv(path, &fp, cols, idx, 6);
    char **f;
    int n;
    while ((n = pw_csv_next_row(c, &f)) > 0) {
        int max = 0;
        for (int i = 0; i < 6; i++)
            max = idx[i] > max ? idx[i] : max;
        if (n <= max) {
            fprintf(stderr, "bench_name_pairs: %s:%ld: too few fields\n", path, pw_csv_row_line(c));
            exit(1);
        }
        if (out->n == out->cap) {
            out->cap = out->cap ? out->cap * 2 : 1024;
            out->items = xrealloc(out->items, out->cap * sizeof *out->items);
        }
        pair *p = &out->items[out->n++];
        memset(p, 0, sizeof *p);
        p->group = xstrdup(f[idx[0]]);
        p->schema = xstrdup(f[idx[1]]);
        p->name1 = xstrdup(f[idx[2]]);
        p->name2 = xstrdup(f[idx[3]]);
        p->is_match = strcmp(f[idx[4]], "true") == 0;
        p->category = xstrdup(f[idx[5]][0] ? f[idx[5]] : "(none)");
        p->person = strcmp(p->schema, "Person") == 0;
        p->line = pw_csv_row_line(c);
    }
    if (n < 0) {
        fprintf(stderr, "bench_name_pairs: %s: %s\n", path, pw_strerror(n));
        exit(1);
    }
    pw_csv_free(c);
    fclose(fp);
}

/* Attaches the logic-v2 score of each pair (joined on schema, name1, name2). Returns
 * the number of pairs that got one. */
static size_t join_logicv2(const char *path, pairs *ps)
{
    static const char *const cols[] = {"schema", "name1", "name2", "score"};
    int idx[4];
    FILE *fp;
    pw_csv *c = open_csv(path, &fp, cols, idx, 4);
    lv2_row *rows = NULL;
    size_t n_rows = 0, cap = 0;
    char **f;
    int n;
    while ((n = pw_csv_next_row(c, &f)) > 0) {
        if (n <= idx[3] || n <= idx[2]) {
            fprintf(stderr, "bench_name_pairs: %s:%ld: too few fields\n", path, pw_csv_row_line(c));
            exit(1);
        }
        if (n_rows == cap) {
            cap = cap ? cap * 2 : 1024;
            rows = xrealloc(rows, cap * sizeof *rows);
        }
        rows[n_rows].schema = xstrdup(f[idx[0]]);
        rows[n_rows].name1 = xstrdup(f[idx[1]]);
        rows[n_rows].name2 = xstrdup(f[idx[2]]);
        rows[n_rows].score = strtod(f[idx[3]], NULL);
        n_rows++;
    }
    pw_csv_free(c);
    fclose(fp);

    size_t joined = 0;
    for (size_t i = 0; i < ps->n; i++) {
        pair *p = &ps->items[i];
        for (size_t j = 0; j < n_rows; j++) {
            if (strcmp(rows[j].name1, p->name1) == 0 && strcmp(rows[j].name2, p->name2) == 0 &&
                strcmp(rows[j].schema, p->schema) == 0) {
                p->lv2 = rows[j].score;
                p->has_lv2 = true;
                joined++;
                break;
            }
        }
    }
    for (size_t j = 0; j < n_rows; j++) {
        free(rows[j].schema);
        free(rows[j].name1);
        free(rows[j].name2);
    }
    free(rows);
    return joined;
}

/* Scores one pair through a one-entry index: name1 is the entry, name2 the query. */
static int score_pair(pair *p, long row, pw_match_scratch *scratch, pw_arena *arena)
{
    char entry_id[32];
    snprintf(entry_id, sizeof entry_id, "row-%ld", row);
    pw_entry_name name = {PW_NAME_PRIMARY, PW_QUALITY_UNKNOWN, p->name1, NULL, NULL};
    pw_entry e = {.list = "NAME_BENCH",
                  .list_version = 1,
                  .entry_id = entry_id,
                  .type = p->person ? PW_ENTRY_INDIVIDUAL : PW_ENTRY_ENTITY,
                  .names = &name,
                  .n_names = 1};
    pw_error err = {0};
    pw_index *idx = NULL;
    pw_index_builder *b = pw_index_builder_new(NULL);
    if (!b)
        return PW_ENOMEM;
    int rc = pw_index_builder_add(b, &e, &err);
    if (rc) {
        pw_index_builder_free(b);
        fprintf(stderr, "bench_name_pairs: row %ld: cannot index: %s\n", row, err.msg);
        return rc;
    }
    rc = pw_index_builder_finish(b, &idx, &err);
    if (rc) {
        fprintf(stderr, "bench_name_pairs: row %ld: cannot index: %s\n", row, err.msg);
        return rc;
    }
    pw_record r = {0};
    r.record_id = entry_id;
    r.traveller.full_name = p->name2;
    const pw_candidate *cands;
    int n = pw_match_record(idx, &r, 0.0, scratch, arena, &cands);
    p->score = 0;
    for (int i = 0; i < n; i++)
        if (cands[i].score > p->score)
            p->score = cands[i].score;
    pw_index_free(idx);
    pw_arena_reset(arena);
    return n < 0 ? n : 0;
}

typedef enum { SCORE_PAXWATCH, SCORE_LOGICV2 } which_score;

/* Row filters for the figures. */
typedef enum { ROWS_ALL, ROWS_PERSONS } which_rows;

static bool selected(const pair *p, which_rows rows, which_score which, bool joined_only)
{
    if (rows == ROWS_PERSONS && !p->person)
        return false;
    if ((which == SCORE_LOGICV2 || joined_only) && !p->has_lv2)
        return false;
    return true;
}

static bool predicted(const pair *p, which_score which, double t)
{
    double s = which == SCORE_PAXWATCH ? p->score : p->lv2;
    return s > 0 && s >= t - 1e-9;
}

static figures compute(const pairs *ps, which_rows rows, which_score which, bool joined_only,
                       double t)
{
    figures f = {0};
    for (size_t i = 0; i < ps->n; i++) {
        const pair *p = &ps->items[i];
        if (!selected(p, rows, which, joined_only))
            continue;
        bool yes = predicted(p, which, t);
        if (yes && p->is_match)
            f.tp++;
        else if (yes)
            f.fp++;
        else if (p->is_match)
            f.fn++;
        else
            f.tn++;
    }
    f.precision = f.tp + f.fp ? (double)f.tp / (double)(f.tp + f.fp) : 0;
    f.recall = f.tp + f.fn ? (double)f.tp / (double)(f.tp + f.fn) : 0;
    f.f1 = f.precision + f.recall > 0 ? 2 * f.precision * f.recall / (f.precision + f.recall) : 0;
    return f;
}

/* The threshold with the highest F1 (ties: the one nearest to `near`). */
static double best_threshold(const pairs *ps, which_rows rows, which_score which, bool joined_only,
                             double near, figures *out)
{
    double best_t = 0;
    figures best = {0};
    best.f1 = -1;
    for (int i = 0; i <= SWEEP_STEPS; i++) {
        double t = (double)i / SWEEP_STEPS;
        figures f = compute(ps, rows, which, joined_only, t);
        bool better = f.f1 > best.f1 + 1e-12;
        bool tie_nearer = f.f1 > best.f1 - 1e-12 && !better &&
                          (t - near) * (t - near) < (best_t - near) * (best_t - near);
        if (better || tie_nearer) {
            best = f;
            best_t = t;
        }
    }
    *out = best;
    return best_t;
}

static long count_rows(const pairs *ps, which_rows rows, which_score which, bool joined_only)
{
    long n = 0;
    for (size_t i = 0; i < ps->n; i++)
        n += selected(&ps->items[i], rows, which, joined_only);
    return n;
}

static void print_line(const char *who, const char *rows_label, long n, double t, const figures *f)
{
    printf("  %-24s %-14s %5ld  %5.2f  %9.3f %6.3f %6.3f  %4ld %4ld %4ld\n", who, rows_label, n, t,
           f->precision, f->recall, f->f1, f->tp, f->fp, f->fn);
}

static const char *category_of(const pair *p)
{
    return p->category;
}
static const char *group_of(const pair *p)
{
    return p->group;
}

/* Prints recall and false positives for every distinct value of key(pair), in order of
 * first appearance. */
static void print_breakdown(const pairs *ps, const char *title, const char *(*key)(const pair *),
                            double shipped)
{
    printf("\n%s (paxwatch at %.2f, logic-v2 at %.2f; logic-v2 columns cover the joined rows)\n",
           title, shipped, LOGICV2_THRESHOLD);
    printf("  %-30s %5s %5s  %9s %6s  %5s %9s %6s\n", "value", "rows", "pos", "pw_recall", "pw_fp",
           "lv2_n", "lv2_recall", "lv2_fp");
    bool *done = calloc(ps->n, sizeof *done);
    if (!done) {
        fprintf(stderr, "bench_name_pairs: out of memory\n");
        exit(1);
    }
    for (size_t i = 0; i < ps->n; i++) {
        if (done[i])
            continue;
        const char *value = key(&ps->items[i]);
        long rows = 0, pos = 0, pw_tp = 0, pw_fp = 0, lv_n = 0, lv_pos = 0, lv_tp = 0, lv_fp = 0;
        for (size_t j = i; j < ps->n; j++) {
            const pair *p = &ps->items[j];
            if (strcmp(key(p), value) != 0)
                continue;
            done[j] = true;
            rows++;
            pos += p->is_match;
            bool yes = predicted(p, SCORE_PAXWATCH, shipped);
            pw_tp += yes && p->is_match;
            pw_fp += yes && !p->is_match;
            if (p->has_lv2) {
                bool lyes = predicted(p, SCORE_LOGICV2, LOGICV2_THRESHOLD);
                lv_n++;
                lv_pos += p->is_match;
                lv_tp += lyes && p->is_match;
                lv_fp += lyes && !p->is_match;
            }
        }
        char pw_recall[16] = "-", lv_recall[16] = "-";
        if (pos)
            snprintf(pw_recall, sizeof pw_recall, "%.2f", (double)pw_tp / (double)pos);
        if (lv_pos)
            snprintf(lv_recall, sizeof lv_recall, "%.2f", (double)lv_tp / (double)lv_pos);
        printf("  %-30.30s %5ld %5ld  %9s %6ld  %5ld %9s %6ld\n", value, rows, pos, pw_recall,
               pw_fp, lv_n, lv_recall, lv_fp);
    }
    free(done);
}

static void usage(FILE *out)
{
    fprintf(out, "usage: bench_name_pairs [--cases CSV] [--scores CSV] [--config YAML] "
                 "[--errors]\n");
}

int main(int argc, char **argv)
{
    const char *cases_path = DEFAULT_CASES, *scores_path = DEFAULT_SCORES;
    const char *config_path = DEFAULT_CONFIG;
    bool list_errors = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--cases") == 0 && i + 1 < argc)
            cases_path = argv[++i];
        else if (strcmp(argv[i], "--scores") == 0 && i + 1 < argc)
            scores_path = argv[++i];
        else if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
            config_path = argv[++i];
        else if (strcmp(argv[i], "--errors") == 0)
            list_errors = true;
        else if (strcmp(argv[i], "--help") == 0) {
            usage(stdout);
            return 0;
        } else {
            usage(stderr);
            return 2;
        }
    }

    pw_config cfg;
    pw_error err = {0};
    if (pw_config_load(config_path, &cfg, &err)) {
        pw_error_print(&err, stderr);
        return 1;
    }
    double shipped = cfg.default_threshold;
    pw_config_free(&cfg);

    pairs ps = {0};
    read_cases(cases_path, &ps);
    size_t joined = join_logicv2(scores_path, &ps);

    pw_match_scratch *scratch = pw_match_scratch_new();
    pw_arena *arena = pw_arena_new(0);
    if (!scratch || !arena) {
        fprintf(stderr, "bench_name_pairs: out of memory\n");
        return 1;
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (size_t i = 0; i < ps.n; i++) {
        int rc = score_pair(&ps.items[i], ps.items[i].line, scratch, arena);
        if (rc) {
            fprintf(stderr, "bench_name_pairs: line %ld: %s\n", ps.items[i].line, pw_strerror(rc));
            return 1;
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    pw_match_scratch_free(scratch);
    pw_arena_free(arena);

    printf("name pairs: %zu rows (%ld Person) from %s\n", ps.n,
           count_rows(&ps, ROWS_PERSONS, SCORE_PAXWATCH, false), cases_path);
    printf("logic-v2 scores joined on (schema, name1, name2): %zu of %zu rows (%ld Person); "
           "labels from the cases file\n",
           joined, ps.n, count_rows(&ps, ROWS_PERSONS, SCORE_LOGICV2, false));
    printf("shipped threshold %.2f (matching.default_threshold in %s); a pair matches when "
           "its score is > 0 and >= the threshold\n",
           shipped, config_path);
    printf("scored %zu pairs in %.3f s (one-entry index built per pair)\n\n", ps.n, secs);

    printf("  %-24s %-14s %5s  %5s  %9s %6s %6s  %4s %4s %4s\n", "scorer", "rows", "n", "thr",
           "precision", "recall", "F1", "TP", "FP", "FN");
    struct {
        which_rows rows;
        const char *label;
    } sets[] = {{ROWS_PERSONS, "Person"}, {ROWS_ALL, "all"}};
    figures pf_ship[2], pf_best[2], lf_ship[2], lf_best[2];
    double pt_best[2], lt_best[2];
    for (int s = 0; s < 2; s++) {
        char label[32];
        figures f;
        pf_ship[s] = compute(&ps, sets[s].rows, SCORE_PAXWATCH, false, shipped);
        pt_best[s] = best_threshold(&ps, sets[s].rows, SCORE_PAXWATCH, false, shipped, &pf_best[s]);
        long n_all = count_rows(&ps, sets[s].rows, SCORE_PAXWATCH, false);
        long n_joined = count_rows(&ps, sets[s].rows, SCORE_PAXWATCH, true);
        print_line("paxwatch shipped", sets[s].label, n_all, shipped, &pf_ship[s]);
        print_line("paxwatch best", sets[s].label, n_all, pt_best[s], &pf_best[s]);
        snprintf(label, sizeof label, "%s joined", sets[s].label);
        f = compute(&ps, sets[s].rows, SCORE_PAXWATCH, true, shipped);
        print_line("paxwatch shipped", label, n_joined, shipped, &f);
        double t = best_threshold(&ps, sets[s].rows, SCORE_PAXWATCH, true, shipped, &f);
        print_line("paxwatch best", label, n_joined, t, &f);
        lf_ship[s] = compute(&ps, sets[s].rows, SCORE_LOGICV2, true, LOGICV2_THRESHOLD);
        lt_best[s] =
            best_threshold(&ps, sets[s].rows, SCORE_LOGICV2, true, LOGICV2_THRESHOLD, &lf_best[s]);
        print_line("logic-v2 own threshold", label, n_joined, LOGICV2_THRESHOLD, &lf_ship[s]);
        print_line("logic-v2 best", label, n_joined, lt_best[s], &lf_best[s]);
        printf("\n");
    }

    print_breakdown(&ps, "By category", category_of, shipped);
    print_breakdown(&ps, "By case_group", group_of, shipped);

    if (list_errors) {
        printf("\npaxwatch errors at %.2f (CSV line numbers of %s):\n", shipped, cases_path);
        for (size_t i = 0; i < ps.n; i++) {
            const pair *p = &ps.items[i];
            bool yes = predicted(p, SCORE_PAXWATCH, shipped);
            if (yes != p->is_match)
                printf("  line %ld %s %s score %.3f\n", p->line, p->schema,
                       yes ? "false-positive" : "false-negative", p->score);
        }
    }

    printf("\nsummary: shipped_threshold=%.2f persons_n=%ld persons_precision_shipped=%.3f "
           "persons_recall_shipped=%.3f persons_f1_shipped=%.3f persons_f1_best=%.3f "
           "best_threshold=%.2f all_f1_shipped=%.3f all_f1_best=%.3f all_best_threshold=%.2f "
           "logicv2_f1_070=%.3f logicv2_f1_best=%.3f logicv2_best_threshold=%.2f "
           "logicv2_all_f1_070=%.3f logicv2_all_f1_best=%.3f target_persons_f1_shipped=0.85 "
           "pairs_per_s=%.0f\n",
           shipped, count_rows(&ps, ROWS_PERSONS, SCORE_PAXWATCH, false), pf_ship[0].precision,
           pf_ship[0].recall, pf_ship[0].f1, pf_best[0].f1, pt_best[0], pf_ship[1].f1,
           pf_best[1].f1, pt_best[1], lf_ship[0].f1, lf_best[0].f1, lt_best[0], lf_ship[1].f1,
           lf_best[1].f1, secs > 0 ? (double)ps.n / secs : 0);

    for (size_t i = 0; i < ps.n; i++) {
        free(ps.items[i].schema);
        free(ps.items[i].name1);
        free(ps.items[i].name2);
        free(ps.items[i].category);
        free(ps.items[i].group);
    }
    free(ps.items);
    return 0;
}
