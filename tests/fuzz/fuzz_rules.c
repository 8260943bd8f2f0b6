/*
 * Fuzz target: the rule compiler (engine/rules) through pw_rules_load_string, and the
 * evaluator on whatever compiles.
 *
 * A load either yields a ruleset and no errors, or no ruleset and at least one error
 * with a message and the file name. A loaded ruleset must keep the promises of rules.h:
 * unique ids of 1 to 64 letters, digits, '-', '_' and '.', versions >= 1, scores and
 * minimum scores in [0, 1], a score on every record rule, validity windows in order,
 * pw_ruleset_find finding each rule by its id. Then every rule runs against a few fixed
 * travellers (with documents, without, with watchlist candidates) with and without the
 * prefilter, which must agree hit for hit; every hit must name a rule of the set, carry
 * a score in [0, 1], a type, and an explanation that is a JSON object. The embedded tests
 * run too (their outcome is the input's business, but they must not crash or leak).
 * Errors are printed into a memory stream (pw_errlist_print) so the printing code runs
 * too, without writing anywhere.
 */
#include "fuzz_common.h"
#include "rules/rules.h"

#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void check_rule(const pw_ruleset *set, const pw_rule *r)
{
    FUZZ_CHECK(r->id && strlen(r->id) >= 1 && strlen(r->id) <= 64, "rule id of 1 to 64 bytes");
    FUZZ_CHECK(isalnum((unsigned char)r->id[0]), "rule id starts with a letter or digit");
    for (const char *p = r->id; *p; p++)
        FUZZ_CHECK(isalnum((unsigned char)*p) || *p == '-' || *p == '_' || *p == '.',
                   "rule id characters");
    FUZZ_CHECK(pw_ruleset_find(set, r->id) == r, "ids are unique and found");
    FUZZ_CHECK(r->version >= 1, "rule version >= 1");
    FUZZ_CHECK(r->title != NULL, "rule title");
    fuzz_check_string(r->title, false, "rule title");
    fuzz_check_string(r->description, false, "rule description");
    fuzz_check_string(r->author, false, "rule author");
    FUZZ_CHECK(r->severity >= PW_SEV_LOW && r->severity <= PW_SEV_CRITICAL, "rule severity");
    FUZZ_CHECK(!r->has_score || (r->score >= 0 && r->score <= 1), "rule score in [0, 1]");
    FUZZ_CHECK(r->watchlist || r->has_score, "a record rule has a score");
    FUZZ_CHECK(r->n_tags == 0 || r->tags, "tags array");
    for (size_t i = 0; i < r->n_tags; i++)
        fuzz_check_string(r->tags[i], false, "rule tag");
    FUZZ_CHECK(strcmp(r->file, "fuzz.yaml") == 0 && r->line >= 1 && r->col >= 1, "rule position");
    fuzz_check_date(r->valid_from, "valid_from");
    fuzz_check_date(r->valid_until, "valid_until");
    FUZZ_CHECK(!pw_date_is_set(r->valid_from) || !pw_date_is_set(r->valid_until) ||
                   pw_date_compare(r->valid_from, r->valid_until) <= 0,
               "validity window in order");
    FUZZ_CHECK(r->max_hits_per_day >= 0, "max_hits_per_day");
    const pw_rule_watchlist *wl = r->watchlist;
    if (!wl)
        return;
    FUZZ_CHECK(wl->n_lists == 0 || wl->lists, "lists array");
    for (size_t i = 0; i < wl->n_lists; i++) {
        fuzz_check_string(wl->lists[i], false, "list name");
        FUZZ_CHECK(pw_rule_applies_to_list(r, wl->lists[i]), "a rule applies to its lists");
    }
    FUZZ_CHECK(wl->n_categories == 0 || wl->categories, "categories array");
    for (size_t i = 0; i < wl->n_categories; i++) {
        fuzz_check_string(wl->categories[i], false, "category");
        FUZZ_CHECK(pw_rule_applies_to_category(r, wl->categories[i]),
                   "a rule applies to its categories");
    }
    FUZZ_CHECK(wl->list_threshold || (wl->min_score >= 0 && wl->min_score <= 1),
               "min_score in [0, 1]");
    FUZZ_CHECK(wl->on >= PW_RULE_ON_ANY && wl->on <= PW_RULE_ON_DOCUMENT, "on");
    double min = pw_rule_min_score(r, 0.5);
    FUZZ_CHECK(min >= 0 && min <= 1, "pw_rule_min_score");
}

/* Fixed travellers: a rich one, a bare one, a transit crew member without documents. */
static const char *const records[] = {
    "{\"record_id\":\"f1\",\"flight\":{\"carrier\":\"QQ\",\"number\":\"877\",\"origin\":\"JFK\","
    "\"destination\":\"CDG\",\"departure\":\"2026-12-01T20:00\",\"arrival\":\"2026-12-02T09:30\"},"
    "\"traveller\":{\"role\":\"passenger\",\"surname\":\"BARRETT\",\"given_names\":\"TODD\","
    "\"gender\":\"M\",\"dob\":\"1968-02-23\",\"nationality\":\"FRA\",\"residence\":\"FRA\","
    "\"embarkation\":\"MIA\",\"debarkation\":\"CDG\",\"booking_ref\":\"GJIO3RT\",\"seat\":\"10B\","
    "\"documents\":[{\"type\":\"P\",\"number\":\"YY3478621G\",\"issuer\":\"FRA\",\"expiry\":"
    "\"2026-11-30\",\"issued\":\"2016-12-01\"},{\"type\":\"I\",\"number\":\"ID1\",\"issuer\":"
    "\"BEL\"}]}}",
    "{\"record_id\":\"f2\",\"traveller\":{\"full_name\":\"J\\u00fcrgen M\\u00fcller\"}}",
    "{\"record_id\":\"f3\",\"flight\":{\"origin\":\"IST\",\"destination\":\"AMS\",\"departure\":"
    "\"2027-01-01\"},\"traveller\":{\"role\":\"transit_crew\",\"surname\":\"X\",\"gender\":\"F\","
    "\"dob\":\"2010\"}}",
};
#define N_RECORDS (sizeof records / sizeof *records)

/* Checks one evaluation result against the set. */
static void check_result(const pw_ruleset *set, const pw_rules_result *res)
{
    FUZZ_CHECK(res->n_hits == 0 || (res->hits && res->rule_of), "hit arrays");
    for (size_t i = 0; i < res->n_hits; i++) {
        const pw_hit *h = &res->hits[i];
        const pw_rule *r = pw_ruleset_rule(set, res->rule_of[i]);
        FUZZ_CHECK(r != NULL, "a hit names a rule of the set");
        FUZZ_CHECK(h->rule_id && strcmp(h->rule_id, r->id) == 0, "hit rule id");
        FUZZ_CHECK(h->rule_version == r->version, "hit rule version");
        FUZZ_CHECK(h->score >= 0 && h->score <= 1, "hit score in [0, 1]");
        FUZZ_CHECK(h->type && (!strcmp(h->type, "rule") || !strcmp(h->type, "watchlist")),
                   "hit type");
        FUZZ_CHECK(!strcmp(h->type, "watchlist") == (r->watchlist != NULL), "hit type by rule");
        FUZZ_CHECK(i == 0 || res->rule_of[i - 1] <= res->rule_of[i], "hits in rule order");
        if (h->explanation) {
            json_t *j = json_loads(h->explanation, 0, NULL);
            FUZZ_CHECK(j && json_is_object(j), "explanation is a JSON object");
            json_decref(j);
        }
    }
}

static void run_rules(const pw_ruleset *set)
{
    pw_arena *arena = pw_arena_new(0);
    pw_rules_ctx *ctx = pw_rules_ctx_new();
    FUZZ_CHECK(arena && ctx, "context");
    pw_record recs[N_RECORDS];
    long n = pw_rules_records_from_json(records, N_RECORDS, arena, recs, NULL);
    FUZZ_CHECK(n == (long)N_RECORDS, "the fixed records read");
    pw_entry_name name = {.full = "ERIC BADEGE"};
    pw_entry entries[2] = {
        {.list = "UN",
         .list_version = 1,
         .entry_id = "1",
         .names = &name,
         .n_names = 1,
         .category = "terrorism"},
        {.list = "OFAC",
         .list_version = 2,
         .entry_id = "2",
         .names = &name,
         .n_names = 1,
         .severity = PW_SEV_CRITICAL},
    };
    pw_candidate cands[2] = {
        {.entry = &entries[0], .name = &name, .score = 0.9, .explanation = "{}", .on_name = true},
        {.entry = &entries[1],
         .name = &name,
         .score = 0.5,
         .explanation = "{}",
         .on_document = true},
    };
    for (size_t i = 0; i < N_RECORDS; i++) {
        for (size_t k = 0; k <= 2; k++) {
            /* no guard: its counts are process-wide and would differ between runs */
            pw_rules_options a = {.today = 20600, .include_disabled = true, .no_guard = true};
            pw_rules_options b = a;
            b.no_prefilter = true;
            pw_rules_result ra, rb;
            FUZZ_CHECK(pw_rules_evaluate(set, &recs[i], cands, k, &a, ctx, arena, &ra) == 0,
                       "evaluate");
            FUZZ_CHECK(pw_rules_evaluate(set, &recs[i], cands, k, &b, ctx, arena, &rb) == 0,
                       "evaluate without the prefilter");
            check_result(set, &ra);
            FUZZ_CHECK(ra.n_hits == rb.n_hits, "the prefilter never changes a result");
            for (size_t h = 0; h < ra.n_hits; h++)
                FUZZ_CHECK(ra.rule_of[h] == rb.rule_of[h], "same hits with and without it");
            FUZZ_CHECK(ra.evaluated <= rb.evaluated, "the prefilter never runs more rules");
        }
    }
    pw_rules_test_summary sum;
    int rc = pw_rules_run_tests(set, NULL, NULL, &sum);
    FUZZ_CHECK(rc == 0 || rc == PW_ERULE, "tests run");
    FUZZ_CHECK(sum.failed <= sum.tests, "test counts");
    pw_rules_ctx_free(ctx);
    pw_arena_free(arena);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pw_errlist errs = {0};
    pw_ruleset *set = NULL;
    int rc = pw_rules_load_string("fuzz.yaml", (const char *)data, size, &set, &errs);
    if (rc == 0) {
        FUZZ_CHECK(set != NULL && errs.n == 0, "a ruleset and no errors");
        FUZZ_CHECK(pw_ruleset_files(set) == 1, "one file");
        size_t n = pw_ruleset_count(set);
        for (size_t i = 0; i < n; i++) {
            const pw_rule *r = pw_ruleset_rule(set, i);
            FUZZ_CHECK(r != NULL, "rule i");
            check_rule(set, r);
        }
        FUZZ_CHECK(pw_ruleset_rule(set, n) == NULL, "no rule past the end");
        FUZZ_CHECK(pw_ruleset_unindexed(set) <= n, "unindexed count");
        run_rules(set);
    } else {
        FUZZ_CHECK(set == NULL, "no ruleset on failure");
        FUZZ_CHECK(rc == PW_ERULE || rc == PW_ENOMEM, "PW_ERULE or PW_ENOMEM");
        FUZZ_CHECK(errs.n > 0 || errs.oom, "at least one error");
        for (size_t i = 0; i < errs.n; i++) {
            FUZZ_CHECK(errs.items[i].code < 0 && errs.items[i].msg[0], "error code and message");
            FUZZ_CHECK(strcmp(errs.items[i].file, "fuzz.yaml") == 0, "error names the file");
            FUZZ_CHECK(errs.items[i].line >= 0 && errs.items[i].col >= 0, "error position");
        }
    }
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    FUZZ_CHECK(out != NULL, "open_memstream");
    pw_errlist_print(&errs, out);
    fclose(out);
    free(text);
    pw_errlist_free(&errs);
    pw_ruleset_free(set);
    return 0;
}
