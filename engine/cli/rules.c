/*
 * paxwatch rules check | test | stats: what a rule author runs before a rule goes live.
 *
 *  - check PATH: compiles the pack and lists every error as file:line:col;
 *  - test PATH: runs every rule's embedded tests; with --db, also back-tests the pack
 *    against the records the database holds (re-running match and rules on each, as
 *    screening would, without raising an alert) and prints per rule the hits,
 *    travellers, flights and a few record ids;
 *  - stats --db DB: hits, alerts and analysts' decisions per rule and version, from
 *    the alert store.
 *
 * Back-testing streams the records table in batches of BATCH records: their canonical
 * JSON is read back with the ingest reader (pw_rules_records_from_json) into a batch
 * arena, each record is matched against the watchlist index built from the store's
 * current list versions and evaluated, and the arenas are reset, so memory stays flat
 * whatever the number of stored records.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "index/index.h"
#include "match/match.h"
#include "rules/rules.h"
#include "store/store.h"

#define BATCH 1024

static const char usage_rules_check[] =
    "usage: paxwatch rules check PATH\n"
    "\n"
    "Validates the rule file PATH, or every *.yaml / *.yml file in the directory PATH (with\n"
    "the named sets of PATH/sets/). Prints every error as file:line:col: message; exits\n"
    "non-zero when there is any.\n";

static const char usage_rules_test[] =
    "usage: paxwatch rules test PATH [--config FILE] [--db DB [--since DATE] [--until DATE]]\n"
    "\n"
    "Runs the tests embedded in every rule of PATH (disabled rules included) and prints\n"
    "each failure with the rule's fields in the test record; exits non-zero when a test\n"
    "fails or the rules do not compile.\n"
    "\n"
    "  --config FILE  list thresholds for watchlist conditions (default: built-in)\n"
    "  --db DB        also back-test: re-run the rules over the records stored in DB and\n"
    "                 report per rule how many travellers and flights it would have hit,\n"
    "                 with a few record ids; no alert is raised\n"
    "  --since DATE   back-test only records whose flight departs on or after DATE\n"
    "                 (YYYY-MM-DD; records without a departure: screened on or after)\n"
    "  --until DATE   ... and on or before DATE\n";

static const char usage_rules_stats[] =
    "usage: paxwatch rules stats --db DB [--rules PATH]\n"
    "\n"
    "Shows per rule and version the hits stored in DB, the alerts they belong to, and how\n"
    "many hits analysts confirmed or marked false. With --rules, the rules of PATH that\n"
    "have no hit yet are listed too.\n";

static bool is_help(int argc, char **argv)
{
    return argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0);
}

int pw_cli_rules_check(int argc, char **argv)
{
    if (is_help(argc, argv)) {
        fputs(usage_rules_check, stdout);
        return 0;
    }
    if (argc != 2 || argv[1][0] == '-')
        return pw_cli_usage_error("rules check", "give exactly one PATH");
    return pw_rules_check(argv[1], stdout) == 0 ? 0 : 1;
}

/* Loads the pack, printing every error; NULL when it does not compile. */
static pw_ruleset *load_or_report(const char *path)
{
    pw_errlist errs = {0};
    pw_ruleset *set = NULL;
    int rc = pw_rules_load(path, &set, &errs);
    pw_errlist_print(&errs, stdout);
    if (rc) {
        size_t n = errs.n ? errs.n : 1;
        printf("%zu error%s\n", n, n == 1 ? "" : "s");
    }
    pw_errlist_free(&errs);
    return set;
}

static bool valid_day(const char *s)
{
    pw_date d;
    return strlen(s) == 10 && pw_date_parse(s, &d, NULL) == 0 && d.day != 0;
}

/* ---- back-testing ------------------------------------------------------------------ */

typedef struct backtest_run {
    const pw_ruleset *set;
    const pw_config *cfg;
    double floor; /* the lowest candidate score a rule can depend on */
    pw_index *index;
    pw_match_scratch *scratch;
    pw_rules_ctx *ctx;
    pw_arena *batch, *work;
    const char *json[BATCH];
    pw_record recs[BATCH];
    size_t n;
    pw_backtest *bt;
    long unreadable, regex_limits;
} backtest_run;

/* Matches and evaluates the batch, then empties it. */
static int flush(backtest_run *b, pw_error *err)
{
    long got = pw_rules_records_from_json(b->json, b->n, b->batch, b->recs, err);
    if (got < 0)
        return (int)got;
    b->unreadable += (long)b->n - got;
    pw_rules_options opts = {
        .config = b->cfg, .include_disabled = true, .no_guard = true, .no_explanation = true};
    int rc = 0;
    for (size_t i = 0; i < b->n && rc == 0; i++) {
        const pw_record *r = &b->recs[i];
        if (!r->record_id)
            continue;
        const pw_candidate *cands = NULL;
        int nc = pw_match_record(b->index, r, b->floor, b->scratch, b->work, &cands);
        if (nc < 0) {
            rc = nc;
            break;
        }
        pw_rules_result res;
        rc = pw_rules_evaluate(b->set, r, cands, (size_t)nc, &opts, b->ctx, b->work, &res);
        if (rc == 0)
            rc = pw_backtest_add(b->bt, r, &res);
        b->regex_limits += (long)res.regex_limits;
        pw_arena_reset(b->work);
    }
    pw_arena_reset(b->batch);
    b->n = 0;
    if (rc)
        pw_error_set(err, rc, NULL, 0, 0, "out of memory while back-testing");
    return rc;
}

static int on_record(void *ctx, const char *record_id, const char *json, pw_error *err)
{
    (void)record_id;
    backtest_run *b = ctx;
    b->json[b->n] = pw_arena_strdup(b->batch, json ? json : "");
    if (!b->json[b->n])
        return pw_error_set(err, PW_ENOMEM, NULL, 0, 0, "out of memory");
    if (++b->n == BATCH)
        return flush(b, err);
    return 0;
}

static int build_index(pw_store *store, pw_index **out, pw_error *err)
{
    pw_index_builder *builder = pw_index_builder_new(NULL);
    if (!builder)
        return pw_error_set(err, PW_ENOMEM, NULL, 0, 0, "out of memory");
    int rc = pw_store_each_entry(store, pw_index_builder_add_fn, builder, err);
    if (rc) {
        pw_index_builder_free(builder);
        return rc;
    }
    return pw_index_builder_finish(builder, out, err);
}

static int backtest(const pw_ruleset *set, const pw_config *cfg, const char *db, const char *since,
                    const char *until)
{
    pw_error err = {0};
    pw_store *store = NULL;
    backtest_run *b = calloc(1, sizeof *b);
    int rc = b ? pw_store_open(db, &store, &err)
               : pw_error_set(&err, PW_ENOMEM, NULL, 0, 0, "out of memory");
    if (rc)
        goto done;
    b->set = set;
    b->cfg = cfg;
    /* candidates from the lowest score any rule, disabled ones too, can fire on */
    b->floor = pw_ruleset_candidate_floor(set, cfg, true);
    if ((rc = build_index(store, &b->index, &err)) != 0)
        goto done;
    b->scratch = pw_match_scratch_new();
    b->ctx = pw_rules_ctx_new();
    b->batch = pw_arena_new(0);
    b->work = pw_arena_new(0);
    if (!b->scratch || !b->ctx || !b->batch || !b->work || pw_backtest_new(set, &b->bt)) {
        rc = pw_error_set(&err, PW_ENOMEM, NULL, 0, 0, "out of memory");
        goto done;
    }
    printf("back-testing %zu rule%s against the records in %s", pw_ruleset_count(set),
           pw_ruleset_count(set) == 1 ? "" : "s", db);
    if (since || until)
        printf(" (flights from %s to %s)", since ? since : "the first", until ? until : "the last");
    printf(", with %zu watchlist entr%s\n", pw_index_entry_count(b->index),
           pw_index_entry_count(b->index) == 1 ? "y" : "ies");
    rc = pw_store_each_record_json(store, since, until, on_record, b, &err);
    if (rc == 0 && b->n)
        rc = flush(b, &err);
    if (rc)
        goto done;
    pw_backtest_print(b->bt, stdout);
    if (b->unreadable)
        printf("%ld stored record%s could not be read back and were skipped\n", b->unreadable,
               b->unreadable == 1 ? "" : "s");
    if (b->regex_limits)
        printf("%ld pattern match%s stopped at PCRE2's limits (counted as no match)\n",
               b->regex_limits, b->regex_limits == 1 ? "" : "es");
done:
    if (b) {
        pw_backtest_free(b->bt);
        pw_arena_free(b->batch);
        pw_arena_free(b->work);
        pw_rules_ctx_free(b->ctx);
        pw_match_scratch_free(b->scratch);
        pw_index_free(b->index);
        free(b);
    }
    pw_store_close(store);
    return rc ? pw_cli_fail(&err) : 0;
}

int pw_cli_rules_test(int argc, char **argv)
{
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'}, {"db", required_argument, NULL, 'd'},
        {"since", required_argument, NULL, 's'},  {"until", required_argument, NULL, 'u'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0}};
    const char *config = NULL, *db = NULL, *since = NULL, *until = NULL;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            config = optarg;
            break;
        case 'd':
            db = optarg;
            break;
        case 's':
            since = optarg;
            break;
        case 'u':
            until = optarg;
            break;
        case 'h':
            fputs(usage_rules_test, stdout);
            return 0;
        case ':':
            return pw_cli_usage_error("rules test", "an option needs a value");
        default:
            return pw_cli_usage_error("rules test", "unknown option");
        }
    }
    if (optind != argc - 1)
        return pw_cli_usage_error("rules test", "give exactly one PATH");
    if ((since || until) && !db)
        return pw_cli_usage_error("rules test", "--since and --until need --db");
    if ((since && !valid_day(since)) || (until && !valid_day(until)))
        return pw_cli_usage_error("rules test", "--since and --until take a date YYYY-MM-DD");
    const char *path = argv[optind];

    pw_config cfg = {0};
    pw_error err = {0};
    int rc = config ? pw_config_load(config, &cfg, &err) : pw_config_defaults(&cfg);
    if (rc)
        return pw_cli_fail(&err);
    pw_ruleset *set = load_or_report(path);
    if (!set) {
        pw_config_free(&cfg);
        return 1;
    }
    pw_rules_test_summary sum;
    rc = pw_rules_run_tests(set, &cfg, stdout, &sum);
    int status = 0;
    if (rc == PW_ENOMEM) {
        pw_error_set(&err, rc, NULL, 0, 0, "out of memory running the tests");
        status = pw_cli_fail(&err);
    } else {
        printf("%zu rule%s, %zu test%s: %zu passed, %zu failed", sum.rules,
               sum.rules == 1 ? "" : "s", sum.tests, sum.tests == 1 ? "" : "s",
               sum.tests - sum.failed, sum.failed);
        if (sum.untested)
            printf(" (%zu rule%s without tests)", sum.untested, sum.untested == 1 ? "" : "s");
        printf("\n");
        status = sum.failed ? 1 : 0;
    }
    if (status == 0 && db)
        status = backtest(set, &cfg, db, since, until);
    pw_ruleset_free(set);
    pw_config_free(&cfg);
    return status;
}

int pw_cli_rules_stats(int argc, char **argv)
{
    static const struct option opts[] = {{"db", required_argument, NULL, 'd'},
                                         {"rules", required_argument, NULL, 'r'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *db = NULL, *rules = NULL;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        switch (c) {
        case 'd':
            db = optarg;
            break;
        case 'r':
            rules = optarg;
            break;
        case 'h':
            fputs(usage_rules_stats, stdout);
            return 0;
        case ':':
            return pw_cli_usage_error("rules stats", "an option needs a value");
        default:
            return pw_cli_usage_error("rules stats", "unknown option");
        }
    }
    if (!db || optind != argc)
        return pw_cli_usage_error("rules stats", "give --db DB (and no other argument)");
    pw_ruleset *set = NULL;
    if (rules && !(set = load_or_report(rules)))
        return 1;
    pw_error err = {0};
    pw_store *store = NULL;
    pw_rule_stat *stats = NULL;
    size_t n = 0;
    int rc = pw_store_open(db, &store, &err);
    if (rc == 0)
        rc = pw_store_rule_stats(store, &stats, &n, &err);
    if (rc == 0) {
        printf("%-32s  %7s  %8s  %8s  %9s  %6s  %-10s  %-10s\n", "rule", "version", "hits",
               "alerts", "confirmed", "false", "first hit", "last hit");
        for (size_t i = 0; i < n; i++) {
            const pw_rule_stat *s = &stats[i];
            printf("%-32s  %7d  %8ld  %8ld  %9ld  %6ld  %-10.10s  %-10.10s\n", s->rule_id,
                   s->rule_version, s->hits, s->alerts, s->confirmed, s->false_positives,
                   s->first_hit, s->last_hit);
        }
        size_t quiet = 0;
        for (size_t i = 0; set && i < pw_ruleset_count(set); i++) {
            const pw_rule *r = pw_ruleset_rule(set, i);
            bool seen = false;
            for (size_t k = 0; k < n && !seen; k++)
                seen = !strcmp(stats[k].rule_id, r->id) && stats[k].rule_version == r->version;
            if (!seen) {
                printf("%-32s  %7d  %8d  %8d  %9d  %6d  %-10s  %-10s\n", r->id, r->version, 0, 0, 0,
                       0, "-", "-");
                quiet++;
            }
        }
        printf("%zu rule version%s with hits", n, n == 1 ? "" : "s");
        if (set)
            printf("; %zu rule%s of %s without any", quiet, quiet == 1 ? "" : "s", rules);
        printf("\n");
    }
    free(stats);
    pw_store_close(store);
    pw_ruleset_free(set);
    return rc ? pw_cli_fail(&err) : 0;
}
