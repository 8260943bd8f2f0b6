/*
 * Tests for what rule authors run: embedded tests (pass, failure report), reading
 * canonical JSON records back, back-testing counts, the rule statistics in the store
 * (store/rulestats.c: the rule_stats view, dispositions, records by date), and the
 * commands end to end through the paxwatch binary (rules check | test | stats, and
 * screen raising rule hits in the CONTRACT alert format).
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rules/rules.h"
#include "store/store.h"

static char dir[64];

static void setup(void)
{
    snprintf(dir, sizeof dir, "/tmp/pw_rules_tools_XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
}

static void teardown(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", dir);
}

TestSuite(tools, .init = setup, .fini = teardown);

static const char *path_in(const char *name)
{
    static char buf[16][256]; /* a ring: a test keeps up to 16 paths at once */
    static int k;
    k = (k + 1) % 16;
    snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
    return buf[k];
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f, "%s", path);
    fputs(text, f);
    fclose(f);
}

/* Runs a shell command; returns its exit status and, in *out (malloc'ed), its stdout. */
static int run(const char *cmd, char **out)
{
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p);
    char *buf = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, p)) > 0)
        fwrite(chunk, 1, n, mem);
    fclose(mem);
    int st = pclose(p);
    *out = buf;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static const char pack[] =
    "rules:\n"
    "  - id: expired\n"
    "    version: 1\n"
    "    title: Expired document\n"
    "    severity: medium\n"
    "    score: 0.4\n"
    "    when: {document.days_to_expiry: {lt: 0}}\n"
    "    tests:\n"
    "      - name: expired yesterday\n"
    "        expect: fire\n"
    "        record: {flight: {departure: 2026-12-01},\n"
    "                 traveller: {surname: A, documents: [{number: '1', expiry: 2026-11-30}]}}\n"
    "      - name: wrongly expected to fire\n"
    "        expect: fire\n"
    "        record: {flight: {departure: 2026-12-01},\n"
    "                 traveller: {surname: A, documents: [{number: '1', expiry: 2026-12-01}]}}\n"
    "  - id: route\n"
    "    version: 2\n"
    "    title: Route\n"
    "    severity: low\n"
    "    score: 0.2\n"
    "    enabled: false\n"
    "    max_hits_per_day: 1\n"
    "    when: {flight.route: JFK-CDG}\n";

/* ---- embedded tests ---------------------------------------------------------------- */

Test(tools, embedded_tests_report_failures_precisely)
{
    pw_errlist errs = {0};
    pw_ruleset *set = NULL;
    cr_assert_eq(pw_rules_load_string("pack.yaml", pack, strlen(pack), &set, &errs), 0);
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    pw_rules_test_summary sum;
    int rc = pw_rules_run_tests(set, NULL, out, &sum);
    fclose(out);
    cr_assert_eq(rc, PW_ERULE);
    cr_assert_eq(sum.rules, 1);
    cr_assert_eq(sum.tests, 2);
    cr_assert_eq(sum.failed, 1);
    cr_assert_eq(sum.untested, 1);
    cr_assert(strstr(buf, "pack.yaml:13:9: rule 'expired' test 2 (wrongly expected to fire): "
                          "expected a hit, but it did not fire\n"
                          "    the record: {\"title\":\"Expired document\",\"fields\":{"
                          "\"document.days_to_expiry\":[0]}}\n") == buf,
              "%s", buf);
    free(buf);
    pw_ruleset_free(set);
}

/* ---- records from JSON --------------------------------------------------------------- */

Test(tools, records_from_json_keep_their_index)
{
    const char *lines[4] = {
        "{\"record_id\":\"a\",\"traveller\":{\"surname\":\"A\",\"nationality\":\"France\"}}",
        "{\"record_id\":\"b\",\"traveller\":{}}", /* no name: rejected */
        "not json",
        "{\"record_id\":\"d\",\"flight\":{\"origin\":\"JFK\"},\"traveller\":{\"full_name\":\"D\","
        "\"documents\":[{\"number\":\"X\",\"expiry\":\"2030-01-01\"}]}}",
    };
    pw_arena *a = pw_arena_new(0);
    pw_record recs[4];
    pw_error err = {0};
    cr_assert_eq(pw_rules_records_from_json(lines, 4, a, recs, &err), 2);
    cr_assert_str_eq(recs[0].record_id, "a");
    cr_assert_str_eq(recs[0].traveller.nationality, "FRA");
    cr_assert_null(recs[1].record_id);
    cr_assert_null(recs[2].record_id);
    cr_assert_str_eq(recs[3].record_id, "d");
    cr_assert_eq(recs[3].traveller.n_documents, 1);
    cr_assert_eq(recs[3].traveller.documents[0].expiry.year, 2030);
    pw_arena_free(a);
}

/* ---- back-testing --------------------------------------------------------------------- */

Test(tools, backtest_counts_travellers_flights_and_the_guard)
{
    pw_errlist errs = {0};
    pw_ruleset *set = NULL;
    cr_assert_eq(pw_rules_load_string("pack.yaml", pack, strlen(pack), &set, &errs), 0);
    const char *lines[5] = {
        /* same traveller, two flights on one day */
        "{\"record_id\":\"r1\",\"flight\":{\"carrier\":\"QQ\",\"number\":\"1\",\"origin\":\"JFK\","
        "\"destination\":\"CDG\",\"departure\":\"2026-12-01T08:00\"},\"traveller\":{\"surname\":"
        "\"A\"}}",
        "{\"record_id\":\"r2\",\"flight\":{\"carrier\":\"QQ\",\"number\":\"2\",\"origin\":\"JFK\","
        "\"destination\":\"CDG\",\"departure\":\"2026-12-01T18:00\"},\"traveller\":{\"surname\":"
        "\"A\"}}",
        /* another traveller on the first flight */
        "{\"record_id\":\"r3\",\"flight\":{\"carrier\":\"QQ\",\"number\":\"1\",\"origin\":\"JFK\","
        "\"destination\":\"CDG\",\"departure\":\"2026-12-01T08:00\"},\"traveller\":{\"surname\":"
        "\"B\"}}",
        /* the next day */
        "{\"record_id\":\"r4\",\"flight\":{\"carrier\":\"QQ\",\"number\":\"1\",\"origin\":\"JFK\","
        "\"destination\":\"CDG\",\"departure\":\"2026-12-02T08:00\"},\"traveller\":{\"surname\":"
        "\"B\"}}",
        "{\"record_id\":\"r5\",\"flight\":{\"origin\":\"LHR\",\"destination\":\"CDG\"},"
        "\"traveller\":{\"surname\":\"C\"}}",
    };
    pw_arena *a = pw_arena_new(0);
    pw_record recs[5];
    cr_assert_eq(pw_rules_records_from_json(lines, 5, a, recs, NULL), 5);
    pw_backtest *bt = NULL;
    cr_assert_eq(pw_backtest_new(set, &bt), 0);
    pw_rules_ctx *ctx = pw_rules_ctx_new();
    pw_rules_options o = {.include_disabled = true, .no_guard = true, .today = 20000};
    for (int i = 0; i < 5; i++) {
        pw_rules_result res;
        cr_assert_eq(pw_rules_evaluate(set, &recs[i], NULL, 0, &o, ctx, a, &res), 0);
        cr_assert_eq(pw_backtest_add(bt, &recs[i], &res), 0);
    }
    pw_backtest_rule c;
    pw_backtest_get(bt, 1, &c);
    cr_assert_eq(c.hits, 4);
    cr_assert_eq(c.travellers, 2);
    cr_assert_eq(c.flights, 3, "QQ1 on two days and QQ2");
    cr_assert_eq(c.over_limit, 2, "limit 1 a day: 2 over on 12-01, none on 12-02");
    cr_assert_str_eq(c.examples[0], "r1");
    cr_assert_str_eq(c.examples[2], "r3");
    pw_backtest_get(bt, 0, &c);
    cr_assert_eq(c.hits, 0);
    cr_assert_eq(pw_backtest_records(bt), 5);
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    pw_backtest_print(bt, out);
    fclose(out);
    cr_assert(strstr(buf, "route (disabled)") && strstr(buf, "r1, r2, r3"), "%s", buf);
    cr_assert(strstr(buf, "5 records back-tested; 1 of 2 rules would have fired"), "%s", buf);
    free(buf);
    pw_rules_ctx_free(ctx);
    pw_backtest_free(bt);
    pw_arena_free(a);
    pw_ruleset_free(set);
}

/* ---- store: statistics --------------------------------------------------------------- */

static void put_alert(pw_store *s, const pw_record *r, const pw_hit *hits, size_t n)
{
    pw_alert al = {.record = r,
                   .state = "new",
                   .severity = PW_SEV_LOW,
                   .score = 0.5,
                   .hits = (pw_hit *)hits,
                   .n_hits = n};
    pw_alert_make_key(&al);
    cr_assert_eq(pw_store_put_record(s, r, NULL, NULL), 0);
    cr_assert_eq(pw_store_put_alert(s, &al, NULL, NULL, NULL), 0);
}

Test(tools, rule_stats_count_hits_alerts_and_dispositions)
{
    pw_store *s = NULL;
    pw_error err = {0};
    cr_assert_eq(pw_store_open(path_in("s.db"), &s, &err), 0, "%s", err.msg);
    pw_record r1 = {.record_id = "r1",
                    .flight = {.carrier = "QQ", .number = "1", .departure = "2026-12-01T08:00"},
                    .traveller = {.surname = "A"}};
    pw_record r2 = {.record_id = "r2",
                    .flight = {.carrier = "QQ", .number = "2", .departure = "2026-12-03"},
                    .traveller = {.surname = "B"}};
    pw_hit rule = {.type = "rule",
                   .rule_id = "route",
                   .rule_version = 2,
                   .score = 0.3,
                   .severity = PW_SEV_LOW,
                   .explanation = "{}"};
    pw_hit wl = {.type = "watchlist",
                 .rule_id = "watchlist-match",
                 .rule_version = 1,
                 .score = 0.9,
                 .severity = PW_SEV_HIGH,
                 .list = "UN",
                 .list_version = 1,
                 .entry_id = "E1",
                 .entry_name = "X",
                 .matched_name = "X",
                 .explanation = "{}"};
    pw_hit both[2] = {rule, wl};
    put_alert(s, &r1, both, 2);
    put_alert(s, &r2, &rule, 1);
    put_alert(s, &r2, &rule, 1); /* screened again: no new hit */

    pw_alert al = {.record = &r1};
    pw_alert_make_key(&al);
    cr_assert_eq(pw_store_set_hit_disposition(s, al.alert_id, "route", NULL, "confirmed",
                                              "analyst1", "seen at the gate", &err),
                 0, "%s", err.msg);
    cr_assert_eq(pw_store_set_hit_disposition(s, al.alert_id, "watchlist-match", "E1",
                                              "false_positive", NULL, NULL, &err),
                 0);
    cr_assert_eq(
        pw_store_set_hit_disposition(s, al.alert_id, "nope", NULL, "confirmed", NULL, NULL, &err),
        PW_ENOTFOUND);
    cr_assert_eq(
        pw_store_set_hit_disposition(s, al.alert_id, "route", NULL, "maybe", NULL, NULL, &err),
        PW_EINVAL);

    pw_rule_stat *st = NULL;
    size_t n = 0;
    cr_assert_eq(pw_store_rule_stats(s, &st, &n, &err), 0, "%s", err.msg);
    cr_assert_eq(n, 2);
    cr_assert_str_eq(st[0].rule_id, "route");
    cr_assert_eq(st[0].rule_version, 2);
    cr_assert_eq(st[0].hits, 2);
    cr_assert_eq(st[0].alerts, 2);
    cr_assert_eq(st[0].confirmed, 1);
    cr_assert_eq(st[0].false_positives, 0);
    cr_assert_str_eq(st[1].rule_id, "watchlist-match");
    cr_assert_eq(st[1].false_positives, 1);
    cr_assert_eq(strlen(st[0].first_hit), 24, "%s", st[0].first_hit);
    free(st);
    cr_assert_eq(pw_store_count(s, "hit_dispositions"), 2);
    pw_store_close(s);
}

static int count_json(void *ctx, const char *id, const char *json, pw_error *err)
{
    (void)err;
    cr_assert(json && strstr(json, id), "the JSON holds its record id");
    (*(int *)ctx)++;
    return 0;
}

Test(tools, stored_records_by_departure_date)
{
    pw_store *s = NULL;
    cr_assert_eq(pw_store_open(path_in("r.db"), &s, NULL), 0);
    static const char *const deps[] = {"2026-11-30T23:00", "2026-12-01", "2026-12-02T01:00", NULL};
    for (int i = 0; i < 4; i++) {
        char id[8];
        snprintf(id, sizeof id, "r%d", i);
        pw_record r = {
            .record_id = id, .flight = {.departure = deps[i]}, .traveller = {.surname = "A"}};
        cr_assert_eq(pw_store_put_record(s, &r, NULL, NULL), 0);
    }
    int n = 0;
    cr_assert_eq(pw_store_each_record_json(s, NULL, NULL, count_json, &n, NULL), 0);
    cr_assert_eq(n, 4);
    n = 0;
    cr_assert_eq(pw_store_each_record_json(s, "2026-12-01", "2026-12-01", count_json, &n, NULL), 0);
    cr_assert_eq(n, 1);
    /* a record without a departure counts by its screening date: today */
    char today[11];
    pw_date_format(pw_date_today(), today);
    n = 0;
    cr_assert_eq(pw_store_each_record_json(s, "2026-12-01", NULL, count_json, &n, NULL), 0);
    cr_assert_eq(n, strcmp(today, "2026-12-01") >= 0 ? 3 : 2);
    n = 0;
    cr_assert_eq(pw_store_each_record_json(s, today, today, count_json, &n, NULL), 0);
    cr_assert_geq(n, 1, "the record without a departure, screened today");
    pw_store_close(s);
}

/* ---- commands -------------------------------------------------------------------------- */

Test(tools, rules_commands_end_to_end)
{
    char cmd[1024], *out = NULL;
    const char *rules = path_in("pack");
    mkdir(rules, 0700);
    char file[256];
    snprintf(file, sizeof file, "%s/a.yaml", rules);
    write_file(file, pack);

    snprintf(cmd, sizeof cmd, "%s rules check %s", PW_BINARY, rules);
    cr_assert_eq(run(cmd, &out), 0);
    cr_assert_str_eq(out, "2 rules OK in 1 file\n");
    free(out);

    snprintf(cmd, sizeof cmd, "%s rules test %s", PW_BINARY, rules);
    cr_assert_eq(run(cmd, &out), 1, "a failing test fails the command");
    cr_assert(strstr(out, "a.yaml:13:9: rule 'expired' test 2"), "%s", out);
    cr_assert(strstr(out, "1 rule, 2 tests: 1 passed, 1 failed (1 rule without tests)\n"), "%s",
              out);
    free(out);

    /* fix the test: the pack passes, and screening raises rule hits */
    static const char from[] = "      - name: wrongly expected to fire\n        expect: fire\n";
    static const char to[] = "      - name: valid on the day\n        expect: no-fire\n";
    const char *at = strstr(pack, from);
    cr_assert_not_null(at);
    pw_strbuf fixed = {0};
    pw_strbuf_appendn(&fixed, pack, (size_t)(at - pack));
    pw_strbuf_append(&fixed, to);
    pw_strbuf_append(&fixed, at + strlen(from));
    write_file(file, fixed.data);
    pw_strbuf_free(&fixed);
    snprintf(cmd, sizeof cmd, "sed -i 's/enabled: false/enabled: true/' %s", file);
    cr_assert_eq(system(cmd), 0);
    snprintf(cmd, sizeof cmd, "%s rules test %s", PW_BINARY, rules);
    cr_assert_eq(run(cmd, &out), 0, "%s", out);
    free(out);

    const char *db = path_in("e2e.db"), *in = path_in("in.jsonl"), *alerts = path_in("a.jsonl");
    write_file(in, "{\"record_id\":\"p1\",\"flight\":{\"carrier\":\"QQ\",\"number\":\"877\","
                   "\"origin\":\"JFK\",\"destination\":\"CDG\",\"departure\":\"2026-12-01T20:00\"},"
                   "\"traveller\":{\"surname\":\"A\",\"documents\":[{\"number\":\"1\",\"expiry\":"
                   "\"2026-01-01\"}]}}\n"
                   "{\"record_id\":\"p2\",\"flight\":{\"carrier\":\"QQ\",\"number\":\"877\","
                   "\"origin\":\"LHR\",\"destination\":\"CDG\",\"departure\":\"2026-12-01T20:00\"},"
                   "\"traveller\":{\"surname\":\"B\"}}\n");
    const char *list = path_in("list.csv");
    write_file(list, "entry_id,name,documents\nE1,ERIC BADEGE,P:YY1234:FRA\n");
    snprintf(cmd, sizeof cmd, "%s watchlist import --db %s --list T --format csv %s >/dev/null",
             PW_BINARY, db, list);
    cr_assert_eq(run(cmd, &out), 0);
    free(out);
    snprintf(cmd, sizeof cmd, "%s screen --db %s --rules %s --alerts-out %s %s 2>&1", PW_BINARY, db,
             rules, alerts, in);
    cr_assert_eq(run(cmd, &out), 0, "%s", out);
    free(out);
    FILE *f = fopen(alerts, "r");
    cr_assert_not_null(f);
    char line[8192];
    cr_assert_not_null(fgets(line, sizeof line, f));
    json_error_t jerr;
    json_t *a = json_loads(line, 0, &jerr);
    cr_assert_not_null(a, "%s", jerr.text);
    cr_assert_str_eq(json_string_value(json_object_get(a, "record_id")), "p1");
    cr_assert_float_eq(json_real_value(json_object_get(a, "score")), 0.4, 1e-9,
                       "the alert scores as its best hit");
    cr_assert_str_eq(json_string_value(json_object_get(a, "severity")), "medium");
    json_t *hits = json_object_get(a, "hits");
    cr_assert_eq(json_array_size(hits), 2);
    json_t *h = json_array_get(hits, 0);
    cr_assert_str_eq(json_string_value(json_object_get(h, "type")), "rule");
    cr_assert_str_eq(json_string_value(json_object_get(h, "rule_id")), "expired");
    cr_assert_eq(json_integer_value(json_object_get(h, "rule_version")), 1);
    cr_assert(json_is_object(json_object_get(h, "explanation")));
    cr_assert_null(json_object_get(h, "list"), "rule hits carry no list");
    json_decref(a);
    cr_assert_null(fgets(line, sizeof line, f), "p2 raises nothing");
    fclose(f);

    snprintf(cmd, sizeof cmd, "%s rules stats --db %s --rules %s", PW_BINARY, db, rules);
    cr_assert_eq(run(cmd, &out), 0);
    cr_assert(strstr(out, "expired  ") && strstr(out, "2 rule versions with hits"), "%s", out);
    free(out);

    snprintf(cmd, sizeof cmd, "%s rules test %s --db %s --since 2026-12-01", PW_BINARY, rules, db);
    cr_assert_eq(run(cmd, &out), 0);
    cr_assert(strstr(out, "2 records back-tested; 2 of 2 rules would have fired"), "%s", out);
    free(out);

    snprintf(cmd, sizeof cmd, "%s rules test %s --since 2026-12-01 2>&1", PW_BINARY, rules);
    cr_assert_eq(run(cmd, &out), 2, "--since needs --db");
    free(out);
    snprintf(cmd, sizeof cmd, "printf 'rules:\\n  - id: x\\n' > %s/bad.yaml; %s rules test %s",
             rules, PW_BINARY, rules);
    cr_assert_eq(run(cmd, &out), 1, "a pack that does not compile");
    cr_assert(strstr(out, "bad.yaml:2:5: rule 'x' is missing 'version'"), "%s", out);
    free(out);
}
