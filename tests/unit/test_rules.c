/*
 * Tests for engine/rules: loading rule files and directories, every error at its exact
 * file:line:col (positions counted by hand in the fixtures tests/data/rules_* and in
 * the inline files, whose line 1 is "rules:"), the shipped packs, the metadata keys
 * and the watchlist-condition helpers. Operators, fields and evaluation are in
 * test_rules_eval.c; tests, back-testing and the CLI in test_rules_tools.c.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rules/rules.h"

#define DATA(name) PW_TEST_DATA "/" name

typedef struct expected {
    const char *file_suffix;
    int line, col;
    const char *msg; /* a substring of the message */
} expected;

static bool ends_with(const char *s, const char *suffix)
{
    size_t ls = strlen(s), lx = strlen(suffix);
    return ls >= lx && !strcmp(s + ls - lx, suffix);
}

/* Asserts errs holds exactly the n expected errors, in order. */
static void assert_errors(const pw_errlist *errs, const expected *want, size_t n)
{
    for (size_t i = 0; i < errs->n && i < n; i++) {
        const pw_error *e = &errs->items[i];
        cr_expect(ends_with(e->file, want[i].file_suffix), "error %zu: file %s", i, e->file);
        cr_expect_eq(e->line, want[i].line, "error %zu: line %d, want %d (%s)", i, e->line,
                     want[i].line, e->msg);
        cr_expect_eq(e->col, want[i].col, "error %zu: col %d, want %d (%s)", i, e->col, want[i].col,
                     e->msg);
        cr_expect(strstr(e->msg, want[i].msg), "error %zu: '%s' lacks '%s'", i, e->msg,
                  want[i].msg);
    }
    if (errs->n != n) {
        for (size_t i = 0; i < errs->n; i++)
            pw_error_print(&errs->items[i], stderr);
    }
    cr_assert_eq(errs->n, n, "got %zu errors, want %zu", errs->n, n);
}

/* Loads an inline rule file; expects failure; returns the errors. */
static pw_errlist load_bad(const char *text)
{
    pw_errlist errs = {0};
    pw_ruleset *set = (pw_ruleset *)1;
    int rc = pw_rules_load_string("inline.yaml", text, strlen(text), &set, &errs);
    cr_assert_eq(rc, PW_ERULE);
    cr_assert_null(set);
    return errs;
}

static pw_ruleset *load_good(const char *text)
{
    pw_errlist errs = {0};
    pw_ruleset *set = NULL;
    int rc = pw_rules_load_string("inline.yaml", text, strlen(text), &set, &errs);
    for (size_t i = 0; i < errs.n; i++)
        pw_error_print(&errs.items[i], stderr);
    cr_assert_eq(rc, 0);
    cr_assert_eq(errs.n, 0);
    pw_errlist_free(&errs);
    return set;
}

/* Runs pw_rules_check and returns what it printed (malloc'ed). */
static char *check_output(const char *path, int *rc)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    *rc = pw_rules_check(path, out);
    fclose(out);
    return buf;
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f, "%s", path);
    fputs(text, f);
    fclose(f);
}

/* The header of an inline record rule: lines 1-7, `when:` on line 8. */
#define HEAD                                                                                       \
    "rules:\n"                                                                                     \
    "  - id: r\n"                                                                                  \
    "    version: 1\n"                                                                             \
    "    title: t\n"                                                                               \
    "    severity: low\n"                                                                          \
    "    score: 0.5\n"                                                                             \
    "    enabled: true\n"

/* ---- shipped rules -------------------------------------------------------- */

Test(rules, shipped_packs_load)
{
    pw_errlist errs = {0};
    pw_ruleset *set = NULL;
    int rc = pw_rules_load(PW_SOURCE_DIR "/rules", &set, &errs);
    for (size_t i = 0; i < errs.n; i++)
        pw_error_print(&errs.items[i], stderr);
    cr_assert_eq(rc, 0);
    cr_assert_eq(pw_ruleset_files(set), 3, "documents.yaml, travel.yaml, watchlist.yaml");
    cr_assert_geq(pw_ruleset_count(set), 9);
    cr_assert_geq(pw_ruleset_sets(set), 4, "the sets of rules/sets/");

    const pw_rule *r = pw_ruleset_find(set, "watchlist-match");
    cr_assert_not_null(r);
    cr_assert_eq(r, pw_ruleset_rule(set, pw_ruleset_count(set) - 1), "watchlist.yaml is last");
    cr_assert_eq(r->version, 1);
    cr_assert_eq(r->severity, PW_SEV_HIGH);
    cr_assert(r->enabled);
    cr_assert_not(r->has_score);
    cr_assert(ends_with(r->file, "rules/watchlist.yaml"), "%s", r->file);
    cr_assert_not_null(r->watchlist);
    cr_assert(r->watchlist->list_threshold);
    cr_assert_eq(r->watchlist->n_lists, 0);
    cr_assert_eq(r->watchlist->n_categories, 0);
    cr_assert_geq(r->n_tests, 3);

    /* every list, every category, at or above the list's threshold */
    cr_assert(pw_rule_watchlist_fires(r, "UN", NULL, 0.85, 0.85));
    cr_assert(pw_rule_watchlist_fires(r, "OFAC", "SDGT", 0.99, 0.85));
    cr_assert(pw_rule_watchlist_fires(r, "SAMPLE", NULL, 0.85 - 1e-12, 0.85), "rounding slack");
    cr_assert_not(pw_rule_watchlist_fires(r, "UN", NULL, 0.849, 0.85));
    cr_assert(pw_rule_watchlist_fires(r, "UN", NULL, 0.70, 0.70), "threshold comes from caller");
    cr_assert_null(pw_ruleset_find(set, "nope"));

    /* Every shipped rule has tests; only the watchlist rule is enabled by default, so
     * that screening with the shipped pack raises the alerts CONTRACT.md describes. */
    for (size_t i = 0; i < pw_ruleset_count(set); i++) {
        const pw_rule *x = pw_ruleset_rule(set, i);
        cr_expect_gt(x->n_tests, 0, "rule %s has no tests", x->id);
        cr_expect_eq(x->enabled, x == r, "rule %s enabled=%d", x->id, x->enabled);
    }
    pw_rules_test_summary sum;
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    rc = pw_rules_run_tests(set, NULL, out, &sum);
    fclose(out);
    cr_assert_eq(rc, 0, "%s", buf);
    cr_assert_eq(sum.failed, 0);
    cr_assert_eq(sum.untested, 0);
    cr_assert_geq(sum.tests, 20);
    free(buf);
    pw_ruleset_free(set);
    pw_errlist_free(&errs);
}

Test(rules, shipped_file_loads_directly_with_its_sets)
{
    int rc;
    char *out = check_output(PW_SOURCE_DIR "/rules/watchlist.yaml", &rc);
    cr_assert_eq(rc, 0);
    cr_assert_str_eq(out, "1 rule OK in 1 file\n");
    free(out);
    /* travel.yaml uses sets of rules/sets/: loading the file alone finds them */
    out = check_output(PW_SOURCE_DIR "/rules/travel.yaml", &rc);
    cr_assert_eq(rc, 0, "%s", out);
    cr_assert(strstr(out, "rules OK in 1 file\n"), "%s", out);
    free(out);
}

/* ---- valid packs ------------------------------------------------------------- */

Test(rules, directory_loads_rule_files_in_name_order)
{
    pw_errlist errs = {0};
    pw_ruleset *set = NULL;
    int rc = pw_rules_load(DATA("rules_dir_valid"), &set, &errs);
    for (size_t i = 0; i < errs.n; i++)
        pw_error_print(&errs.items[i], stderr);
    cr_assert_eq(rc, 0, "the hidden .hidden.yaml (an invalid rule) must be skipped");
    cr_assert_eq(pw_ruleset_files(set), 3);
    cr_assert_eq(pw_ruleset_count(set), 2);

    const pw_rule *un = pw_ruleset_rule(set, 0), *ofac = pw_ruleset_rule(set, 1);
    cr_assert_str_eq(un->id, "un-terror");
    cr_assert_str_eq(ofac->id, "ofac-any");
    cr_assert_eq(un->version, 4);
    cr_assert_str_eq(un->title, "UN terrorism entries, strict");
    cr_assert_str_eq(un->author, "unit test");
    cr_assert_str_eq(un->description,
                     "Only UN entries in the terrorism category, at 0.95 or above.");
    cr_assert_eq(un->severity, PW_SEV_CRITICAL);
    cr_assert(un->has_score);
    cr_assert_float_eq(un->score, 0.9, 1e-12);
    cr_assert_eq(un->n_tags, 2);
    cr_assert_str_eq(un->tags[1], "terrorism");
    cr_assert_eq(un->line, 2);
    cr_assert_eq(un->col, 5);

    cr_assert(pw_rule_applies_to_list(un, "UN"));
    cr_assert_not(pw_rule_applies_to_list(un, "OFAC"));
    cr_assert_not(pw_rule_applies_to_list(un, NULL));
    cr_assert(pw_rule_applies_to_category(un, "terrorism"), "categories ignore case");
    cr_assert_not(pw_rule_applies_to_category(un, "narcotics"));
    cr_assert_not(pw_rule_applies_to_category(un, NULL));
    cr_assert_float_eq(pw_rule_min_score(un, 0.5), 0.95, 1e-12, "own min_score wins");
    cr_assert(pw_rule_watchlist_fires(un, "UN", "TERRORISM", 0.95, 0.5));
    cr_assert_not(pw_rule_watchlist_fires(un, "UN", "TERRORISM", 0.94, 0.5));
    cr_assert_not(pw_rule_watchlist_fires(un, "OFAC", "TERRORISM", 0.99, 0.5));

    cr_assert_not(ofac->enabled);
    cr_assert(pw_rule_applies_to_list(ofac, "OFAC"));
    cr_assert(pw_rule_applies_to_category(ofac, NULL), "no filter admits no category");
    cr_assert_float_eq(pw_rule_min_score(ofac, 0.8), 0.8, 1e-12);
    cr_assert_not(pw_rule_watchlist_fires(ofac, "OFAC", NULL, 1.0, 0.8), "disabled");

    pw_ruleset_free(set);
    pw_errlist_free(&errs);

    int crc;
    char *out = check_output(DATA("rules_dir_valid"), &crc);
    cr_assert_eq(crc, 0);
    cr_assert_str_eq(out, "2 rules OK in 3 files\n");
    free(out);
}

Test(rules, defaults_and_null_watchlist)
{
    pw_ruleset *set = load_good("rules:\n"
                                "  - id: all-lists\n"
                                "    version: 1\n"
                                "    title: t\n"
                                "    severity: low\n"
                                "    when:\n"
                                "      watchlist:\n");
    const pw_rule *r = pw_ruleset_rule(set, 0);
    cr_assert(r->enabled);
    cr_assert_null(r->description);
    cr_assert_null(r->author);
    cr_assert_eq(r->n_tags, 0);
    cr_assert(r->watchlist->list_threshold);
    cr_assert_eq(r->watchlist->on, PW_RULE_ON_ANY);
    cr_assert_not(pw_date_is_set(r->valid_from));
    cr_assert_eq(r->max_hits_per_day, 0);
    cr_assert(pw_rule_watchlist_fires(r, "ANY", "anything", 0.9, 0.9));
    pw_ruleset_free(set);

    set = load_good("rules: []\n");
    cr_assert_eq(pw_ruleset_count(set), 0);
    pw_ruleset_free(set);
}

Test(rules, metadata_keys)
{
    pw_ruleset *set = load_good("rules:\n"
                                "  - id: campaign\n"
                                "    version: 3\n"
                                "    title: Winter campaign\n"
                                "    severity: medium\n"
                                "    score: 0.25\n"
                                "    valid_from: 2026-12-01\n"
                                "    valid_until: 2027-02-28\n"
                                "    max_hits_per_day: 40\n"
                                "    tags: []\n"
                                "    when: {flight.route: JFK-CDG}\n"
                                "  - id: wl\n"
                                "    version: 1\n"
                                "    title: t\n"
                                "    severity: high\n"
                                "    when: {watchlist: {on: document, lists: [UN]}}\n");
    const pw_rule *r = pw_ruleset_rule(set, 0);
    cr_assert_eq(r->valid_from.year, 2026);
    cr_assert_eq(r->valid_from.month, 12);
    cr_assert_eq(r->valid_until.day, 28);
    cr_assert_eq(r->max_hits_per_day, 40);
    cr_assert_float_eq(r->score, 0.25, 1e-12);
    cr_assert_null(r->watchlist, "a record rule");
    cr_assert(r->indexed, "a route is indexable");
    const pw_rule *w = pw_ruleset_rule(set, 1);
    cr_assert_not_null(w->watchlist);
    cr_assert_eq(w->watchlist->on, PW_RULE_ON_DOCUMENT);
    cr_assert_not(w->indexed);
    cr_assert_eq(pw_ruleset_unindexed(set), 1);
    pw_ruleset_free(set);
}

/* ---- errors: the loader ------------------------------------------------------------ */

Test(rules, unknown_condition)
{
    pw_errlist errs = {0};
    pw_ruleset *set = NULL;
    int rc = pw_rules_load(DATA("rules_unknown_condition.yaml"), &set, &errs);
    cr_assert_eq(rc, PW_ERULE);
    cr_assert_null(set);
    expected want[] = {
        {"rules_unknown_condition.yaml", 7, 7, "unknown field or condition 'one_of'"},
    };
    assert_errors(&errs, want, 1);
    cr_assert_eq(errs.items[0].code, PW_ERULE);
    pw_errlist_free(&errs);
}

Test(rules, unknown_field_with_suggestion)
{
    pw_errlist errs = {0};
    pw_ruleset *set = NULL;
    int rc = pw_rules_load(DATA("rules_unknown_field.yaml"), &set, &errs);
    cr_assert_eq(rc, PW_ERULE);
    expected want[] = {
        {"rules_unknown_field.yaml", 4, 5, "unknown key 'titel' in a rule; did you mean 'title'?"},
        {"rules_unknown_field.yaml", 2, 5, "rule 'typo' is missing 'title'"},
    };
    assert_errors(&errs, want, 2);
    pw_errlist_free(&errs);
}

Test(rules, duplicate_id_across_files_names_both_positions)
{
    pw_errlist errs = {0};
    pw_ruleset *set = NULL;
    int rc = pw_rules_load(DATA("rules_dup"), &set, &errs);
    cr_assert_eq(rc, PW_ERULE);
    cr_assert_null(set);
    expected want[] = {
        {"rules_dup/b.yaml", 9, 9, "duplicate rule id 'watchlist-un' (first defined at "},
    };
    assert_errors(&errs, want, 1);
    cr_assert(strstr(errs.items[0].msg, "rules_dup/a.yaml:2:5)"), "%s", errs.items[0].msg);
    pw_errlist_free(&errs);
}

Test(rules, duplicate_id_in_one_file)
{
    pw_errlist errs =
        load_bad("rules:\n"
                 "  - {id: a, version: 1, title: t, severity: low, when: {watchlist: {}}}\n"
                 "  - {id: a, version: 2, title: t, severity: low, when: {watchlist: {}}}\n");
    expected want[] = {{"inline.yaml", 3, 10,
                        "duplicate rule id 'a' (first defined at "
                        "inline.yaml:2:5)"}};
    assert_errors(&errs, want, 1);
    pw_errlist_free(&errs);
}

Test(rules, duplicate_keys_are_reported_and_checking_goes_on)
{
    /* The YAML tree refuses a file at its first duplicate key; the loader reports it,
     * renames the duplicate and reads on, so later mistakes are reported too. */
    pw_errlist errs = load_bad("rules:\n"
                               "  - id: a\n"
                               "    version: 1\n"
                               "    title: t\n"
                               "    severity: low\n"
                               "    score: 0.5\n"
                               "    title: again\n"
                               "    when:\n"
                               "      traveller.age: {lt: 18, lt: 20}\n"
                               "      flight.routes: JFK-CDG\n"
                               "  - id: b\n"
                               "    version: 1\n"
                               "    'version': 2\n"
                               "    title: t\n"
                               "    severity: hihg\n"
                               "    when: {watchlist: {}}\n");
    expected want[] = {
        {"inline.yaml", 7, 5, "duplicate key 'title' (first at line 4, column 5)"},
        {"inline.yaml", 9, 31, "duplicate key 'lt' (first at line 9, column 23)"},
        {"inline.yaml", 13, 5, "duplicate key 'version' (first at line 12, column 5)"},
        {"inline.yaml", 10, 7,
         "unknown field or condition 'flight.routes'; did you mean 'flight.route'?"},
        {"inline.yaml", 15, 15, "severity: expected low, medium, high or critical, got 'hihg'"},
    };
    assert_errors(&errs, want, sizeof want / sizeof *want);
    for (size_t i = 0; i < 3; i++)
        cr_expect_eq(errs.items[i].code, PW_EPARSE);
    pw_errlist_free(&errs);
}

Test(rules, every_error_in_a_file_is_reported)
{
    pw_errlist errs = {0};
    pw_ruleset *set = NULL;
    int rc = pw_rules_load(DATA("rules_several.yaml"), &set, &errs);
    cr_assert_eq(rc, PW_ERULE);
    const char *f = "rules_several.yaml";
    expected want[] = {
        {f, 2, 9, "id: 'bad one' is not a valid rule id"},
        {f, 3, 14, "version: expected an integer from 1 to 1000000000, got '0'"},
        {f, 5, 15,
         "severity: expected low, medium, high or critical, got 'hihg'; did you "
         "mean 'high'?"},
        {f, 6, 14, "enabled: expected true or false, got 'maybe'"},
        {f, 9, 16, "lists: must not be empty"},
        {f, 10, 20, "min_score: expected list-threshold or a number from 0 to 1, got '1.2'"},
        {f, 11, 9,
         "unknown key 'categroies' in the watchlist condition; did you mean "
         "'categories'?"},
        {f, 17, 7, "unknown field or condition 'field'"},
        {f, 18, 5, "rule is missing 'id'"},
        {f, 18, 5, "rule is missing 'when'"},
    };
    assert_errors(&errs, want, sizeof want / sizeof *want);
    for (size_t i = 0; i < errs.n; i++)
        cr_expect_eq(errs.items[i].code, PW_ERULE);
    pw_errlist_free(&errs);

    int crc;
    char *out = check_output(DATA("rules_several.yaml"), &crc);
    cr_assert_eq(crc, PW_ERULE);
    cr_assert(strstr(out, "rules_several.yaml:2:9: id: 'bad one'"), "%s", out);
    cr_assert(strstr(out, "rules_several.yaml:18:5: rule is missing 'when'\n10 errors\n"), "%s",
              out);
    free(out);
}

Test(rules, errors_in_several_files_are_all_reported)
{
    /* A directory of good and bad files: both bad files report. */
    char dir[] = "/tmp/pw_test_rules_XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    char a[128], b[128], c[128];
    snprintf(a, sizeof a, "%s/a.yaml", dir);
    snprintf(b, sizeof b, "%s/b.yml", dir);
    snprintf(c, sizeof c, "%s/c.yaml", dir);
    write_file(a, "rules:\n  - id: x\n    verison: 1\n");
    write_file(b, "rules: [\n");
    write_file(c,
               "rules:\n  - {id: y, version: 1, title: t, severity: low, when: {watchlist: {}}}\n");

    pw_errlist errs = {0};
    pw_ruleset *set = NULL;
    int rc = pw_rules_load(dir, &set, &errs);
    cr_assert_eq(rc, PW_ERULE);
    expected want[] = {
        {"/a.yaml", 3, 5, "unknown key 'verison' in a rule; did you mean 'version'?"},
        {"/a.yaml", 2, 5, "rule 'x' is missing 'version'"},
        {"/a.yaml", 2, 5, "rule 'x' is missing 'title'"},
        {"/a.yaml", 2, 5, "rule 'x' is missing 'severity'"},
        {"/a.yaml", 2, 5, "rule 'x' is missing 'when'"},
        {"/b.yml", 2, 1, "did not find expected node content"},
    };
    assert_errors(&errs, want, sizeof want / sizeof *want);
    cr_assert_eq(errs.items[5].code, PW_EPARSE);
    pw_errlist_free(&errs);

    int crc;
    char *out = check_output(dir, &crc);
    cr_assert_eq(crc, PW_ERULE);
    cr_assert(strstr(out, "\n6 errors\n"), "%s", out);
    free(out);

    unlink(a);
    unlink(b);
    unlink(c);
    rmdir(dir);
}

Test(rules, yaml_syntax_error)
{
    pw_errlist errs = {0};
    pw_ruleset *set = NULL;
    int rc = pw_rules_load(DATA("rules_syntax.yaml"), &set, &errs);
    cr_assert_eq(rc, PW_ERULE);
    expected want[] = {
        {"rules_syntax.yaml", 6, 1, "found unexpected end of stream"},
    };
    assert_errors(&errs, want, 1);
    cr_assert_eq(errs.items[0].code, PW_EPARSE);
    cr_assert(strstr(errs.items[0].msg, "quoted scalar at line 4, column 12"), "%s",
              errs.items[0].msg);
    pw_errlist_free(&errs);
}

Test(rules, file_shapes)
{
    pw_errlist errs = load_bad("");
    expected empty[] = {{"inline.yaml", 0, 0, "empty rule file"}};
    assert_errors(&errs, empty, 1);
    pw_errlist_free(&errs);

    errs = load_bad("rule:\n  - id: x\n");
    expected typo[] = {
        {"inline.yaml", 1, 1, "unknown key 'rule' in a rule file; did you mean 'rules'?"},
        {"inline.yaml", 1, 1, "missing 'rules:'"},
    };
    assert_errors(&errs, typo, 2);
    pw_errlist_free(&errs);

    errs = load_bad("rules:\n  id: x\n");
    expected notseq[] = {{"inline.yaml", 2, 3, "rules: expected a sequence, got a mapping"}};
    assert_errors(&errs, notseq, 1);
    pw_errlist_free(&errs);

    errs = load_bad("rules:\n  - just a string\n");
    expected notmap[] = {{"inline.yaml", 2, 5, "rule: expected a mapping, got 'just a string'"}};
    assert_errors(&errs, notmap, 1);
    pw_errlist_free(&errs);

    errs = load_bad("rules:\n  - id: x\n    version: \"1\"\n    title: \"\"\n    tags: [a, ~]\n"
                    "    severity: low\n    when: {watchlist: {categories: [ ]}}\n");
    expected fields[] = {
        {"inline.yaml", 3, 14,
         "version: expected an integer from 1 to 1000000000, got the "
         "quoted string '1'"},
        {"inline.yaml", 4, 12, "title: must not be empty"},
        {"inline.yaml", 5, 15, "tags: expected a string, got null"},
        {"inline.yaml", 7, 36, "categories: must not be empty"},
    };
    assert_errors(&errs, fields, sizeof fields / sizeof *fields);
    pw_errlist_free(&errs);
}

Test(rules, metadata_errors)
{
    pw_errlist errs = load_bad("rules:\n"
                               "  - id: a\n"
                               "    version: 1\n"
                               "    title: t\n"
                               "    severity: low\n"
                               "    valid_from: 2026-02-30\n"
                               "    valid_until: 2026-02\n"
                               "    max_hits_per_day: 0\n"
                               "    when: {traveller.role: crew}\n"
                               "  - id: b\n"
                               "    version: 1\n"
                               "    title: t\n"
                               "    severity: low\n"
                               "    score: 0.1\n"
                               "    valid_from: 2027-01-01\n"
                               "    valid_until: 2026-01-01\n"
                               "    when: {traveller.role: crew}\n");
    expected want[] = {
        {"inline.yaml", 6, 17, "valid_from: invalid date '2026-02-30': February 2026 has 28 days"},
        {"inline.yaml", 7, 18, "valid_until: expected a full date YYYY-MM-DD, got '2026-02'"},
        {"inline.yaml", 8, 23, "max_hits_per_day: expected an integer from 1 to 1000000000"},
        {"inline.yaml", 2, 5,
         "rule 'a' needs a 'score' (its weight in the alert, from 0 to 1): only watchlist rules "
         "may leave it out"},
        {"inline.yaml", 10, 5, "rule 'b': valid_from is after valid_until"},
    };
    assert_errors(&errs, want, sizeof want / sizeof *want);
    pw_errlist_free(&errs);
}

Test(rules, missing_path_and_empty_directory)
{
    const char *path = PW_TEST_DATA "/rules_does_not_exist";
    pw_errlist errs = {0};
    pw_ruleset *set = NULL;
    int rc = pw_rules_load(path, &set, &errs);
    cr_assert_eq(rc, PW_EIO);
    cr_assert_null(set);
    cr_assert_eq(errs.n, 1);
    cr_assert_eq(errs.items[0].code, PW_EIO);
    cr_assert_str_eq(errs.items[0].file, path);
    cr_assert(strstr(errs.items[0].msg, "No such file"), "%s", errs.items[0].msg);
    pw_errlist_free(&errs);

    int crc;
    char *out = check_output(path, &crc);
    cr_assert_eq(crc, PW_ERULE);
    cr_assert(strstr(out, "rules_does_not_exist: cannot open: No such file or directory\n"
                          "1 error\n"),
              "%s", out);
    free(out);

    char dir[] = "/tmp/pw_test_rules_XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    rc = pw_rules_load(dir, &set, &errs);
    cr_assert_eq(rc, PW_ERULE);
    cr_assert_eq(errs.n, 1);
    cr_assert(strstr(errs.items[0].msg, "no rule files"), "%s", errs.items[0].msg);
    pw_errlist_free(&errs);
    rmdir(dir);

    /* errs may be NULL: the return code still tells */
    rc = pw_rules_load(DATA("rules_several.yaml"), &set, NULL);
    cr_assert_eq(rc, PW_ERULE);
    cr_assert_null(set);
}

/* ---- errors: conditions -------------------------------------------------------------- */

Test(rules, condition_errors_name_field_operator_and_value)
{
    pw_errlist errs = load_bad(HEAD "    when:\n"
                                    "      all:\n"
                                    "        - traveller.nationalty: FRA\n"
                                    "        - traveller.age: {gte: 18}\n"
                                    "        - traveller.age: {lt: eighteen}\n"
                                    "        - traveller.age: {matches: '^1'}\n"
                                    "        - traveller.dob: {lt: 1990-13-01}\n"
                                    "        - traveller.nationality: Atlantis\n"
                                    "        - flight.origin: {in: [JFK, J]}\n"
                                    "        - flight.route: JFKCDG\n"
                                    "        - traveller.gender: Q\n"
                                    "        - traveller.transit: {eq: maybe}\n"
                                    "        - traveller.age: {between: [65, 18]}\n"
                                    "        - flight.departure: {gt: 2026-12-01T25:00}\n"
                                    "        - traveller.dob: {exists: 1}\n"
                                    "        - eq: FRA\n"
                                    "        - traveller.age: {traveller.dob: x}\n"
                                    "        - traveller.age: [1, 2]\n"
                                    "      any: []\n"
                                    "      not: [{traveller.role: crew}]\n");
    const char *f = "inline.yaml";
    expected want[] = {
        {f, 10, 11,
         "unknown field or condition 'traveller.nationalty'; did you mean "
         "'traveller.nationality'?"},
        {f, 11, 27, "unknown operator 'gte' for traveller.age; did you mean 'gt'?"},
        {f, 12, 31, "traveller.age: lt expects a number, got 'eighteen'"},
        {f, 13, 27,
         "operator 'matches' does not apply to traveller.age, which is a number "
         "(use eq, ne, lt, le, gt, ge, between, exists, missing)"},
        {f, 14, 31, "traveller.dob: lt: invalid date '1990-13-01'"},
        {f, 15, 34, "traveller.nationality: 'Atlantis' is not a country"},
        {f, 16, 37, "flight.origin: 'J' is not an airport code"},
        {f, 17, 25, "flight.route: 'JFKCDG' is not a route: write ORIGIN-DESTINATION"},
        {f, 18, 29, "traveller.gender: 'Q' is not one of M, F, U"},
        {f, 19, 35, "traveller.transit: eq expects true or false, got 'maybe'"},
        {f, 20, 36, "traveller.age: between: the low end is above the high end"},
        {f, 21, 34,
         "flight.departure: gt expects a date YYYY-MM-DD or a time YYYY-MM-DDTHH:MM, got "
         "'2026-12-01T25:00'"},
        {f, 22, 35, "traveller.dob: exists expects true or false, got '1'"},
        {f, 23, 11, "unknown field or condition 'eq' (an operator goes inside a field"},
        {f, 24, 27,
         "unknown operator 'traveller.dob' for traveller.age (a field cannot be "
         "nested inside another"},
        {f, 25, 26, "traveller.age: a list means 'in', which does not apply to a number"},
        {f, 26, 12, "any: expects a non-empty sequence of conditions, got an empty one"},
        {f, 27, 12,
         "not: expects one condition (a mapping); to negate several, write not: "
         "{all: [...]}, got a sequence"},
    };
    assert_errors(&errs, want, sizeof want / sizeof *want);
    pw_errlist_free(&errs);
}

Test(rules, unknown_sets_and_bad_set_values)
{
    pw_errlist errs = load_bad("sets:\n"
                               "  watched-routes: [JFK-CDG, LHR]\n"
                               "  hubs: [IST, Narnia]\n"
                               "  bad name: [x]\n"
                               "  empty: []\n"
                               "rules:\n"
                               "  - id: r\n"
                               "    version: 1\n"
                               "    title: t\n"
                               "    severity: low\n"
                               "    score: 0.5\n"
                               "    when:\n"
                               "      flight.route: {in: watched-route}\n"
                               "      flight.origin: {not_in: hubs}\n"
                               "      traveller.nationality: {in: hubs}\n"
                               "      traveller.journey: {in: watched-routes}\n");
    const char *f = "inline.yaml";
    expected want[] = {
        {f, 4, 3, "'bad name' is not a valid set name"},
        {f, 5, 10, "set 'empty': expected a non-empty sequence of values, got an empty one"},
        {f, 13, 26, "flight.route: unknown set 'watched-route'; did you mean 'watched-routes'?"},
        {f, 3, 15,
         "set 'hubs' (used with flight.origin at inline.yaml:14:31): 'Narnia' is not "
         "an airport code"},
        {f, 3, 10,
         "set 'hubs' (used with traveller.nationality at inline.yaml:15:35): 'IST' is "
         "not a country"},
        {f, 3, 15,
         "set 'hubs' (used with traveller.nationality at inline.yaml:15:35): 'Narnia' "
         "is not a country"},
        {f, 2, 29,
         "set 'watched-routes' (used with traveller.journey at inline.yaml:16:31): "
         "'LHR' is not a route"},
    };
    assert_errors(&errs, want, sizeof want / sizeof *want);
    pw_errlist_free(&errs);
}

Test(rules, set_files_in_the_sets_directory)
{
    char dir[] = "/tmp/pw_test_sets_XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    char sets[128], rules[128], setf[160], other[160];
    snprintf(sets, sizeof sets, "%s/sets", dir);
    snprintf(rules, sizeof rules, "%s/r.yaml", dir);
    snprintf(setf, sizeof setf, "%s/countries.yaml", sets);
    snprintf(other, sizeof other, "%s/more.yml", sets);
    cr_assert_eq(mkdir(sets, 0700), 0);
    write_file(setf, "# a set file\n"
                     "sets:\n"
                     "  nordic:\n"
                     "    description: the Nordic countries\n"
                     "    values: [DNK, Finland, IS, NOR, SWE]\n");
    write_file(other, "sets:\n  nordic: [DNK]\n  typo:\n    valuse: [x]\n");
    write_file(rules, "rules:\n"
                      "  - id: r\n"
                      "    version: 1\n"
                      "    title: t\n"
                      "    severity: low\n"
                      "    score: 0.5\n"
                      "    when: {traveller.nationality: {in: nordic}}\n");
    pw_errlist errs = {0};
    pw_ruleset *set = NULL;
    int rc = pw_rules_load(dir, &set, &errs);
    cr_assert_eq(rc, PW_ERULE);
    expected want[] = {
        {"sets/more.yml", 2, 3, "set 'nordic' is already defined at "},
        {"sets/more.yml", 4, 5, "unknown key 'valuse' in a set; did you mean 'values'?"},
        {"sets/more.yml", 4, 5, "set 'typo' is missing 'values'"},
    };
    assert_errors(&errs, want, sizeof want / sizeof *want);
    cr_assert(strstr(errs.items[0].msg, "sets/countries.yaml:3:3"), "%s", errs.items[0].msg);
    pw_errlist_free(&errs);

    unlink(other);
    rc = pw_rules_load(dir, &set, &errs);
    cr_assert_eq(rc, 0);
    cr_assert_eq(pw_ruleset_sets(set), 1);
    cr_assert_eq(pw_ruleset_files(set), 1, "set files are not rule files");
    pw_ruleset_free(set);
    /* the rule file alone finds the sets directory beside it */
    rc = pw_rules_load(rules, &set, &errs);
    cr_assert_eq(rc, 0);
    pw_ruleset_free(set);
    pw_errlist_free(&errs);
    unlink(setf);
    unlink(rules);
    rmdir(sets);
    rmdir(dir);
}

Test(rules, watchlist_condition_errors)
{
    pw_errlist errs = load_bad("rules:\n"
                               "  - id: a\n"
                               "    version: 1\n"
                               "    title: t\n"
                               "    severity: low\n"
                               "    when:\n"
                               "      watchlist: {min_score: list-treshold, lists: UN, on: nmae}\n"
                               "      all: []\n"
                               "  - id: b\n"
                               "    version: 1\n"
                               "    title: t\n"
                               "    severity: low\n"
                               "    when: {}\n"
                               "  - id: c\n"
                               "    version: 1\n"
                               "    title: t\n"
                               "    severity: low\n"
                               "    when: {watchlst: {}}\n");
    expected want[] = {
        {"inline.yaml", 7, 30, "got 'list-treshold'; did you mean 'list-threshold'?"},
        {"inline.yaml", 7, 52, "lists: expected a sequence, got 'UN'"},
        {"inline.yaml", 7, 60,
         "on: expected name, document or any, got 'nmae'; did you mean "
         "'name'?"},
        {"inline.yaml", 8, 12, "all: expects a non-empty sequence of conditions"},
        {"inline.yaml", 13, 11, "when: needs a condition"},
        {"inline.yaml", 18, 12, "unknown field or condition 'watchlst'; did you mean 'watchlist'?"},
    };
    assert_errors(&errs, want, sizeof want / sizeof *want);
    pw_errlist_free(&errs);
}

/* ---- errors: regular expressions --------------------------------------------------------- */

Test(rules, regex_errors_map_pcre2_offsets_to_the_source)
{
    /* Line 10 onwards; PCRE2 reports "missing closing parenthesis" at the end of the
     * pattern (offset = its length) and "quantifier does not follow a repeatable item"
     * at the quantifier. */
    pw_errlist errs =
        load_bad(HEAD "    when:\n"
                      "      any:\n"
                      "        - traveller.surname: {matches: ^AB(C}\n"
                      "        - traveller.surname: {matches: 'it''s(x'}\n"
                      "        - traveller.surname: {matches: \"\\u00e9(x\"}\n"
                      "        - traveller.surname: {matches: \"*x\"}\n"
                      "        - traveller.surname:\n"
                      "            matches: |\n"
                      "              ^ok$\n"
                      "              ab(c\n"
                      "        - traveller.surname:\n"
                      "            matches: >\n"
                      "              ab\n"
                      "              (c\n"
                      "        - traveller.given_names: {matches: \"\\\\x{110000}\"}\n");
    const char *f = "inline.yaml";
    expected want[] = {
        /* plain: the pattern starts at col 40; offset 5 is col 45 */
        {f, 10, 45,
         "traveller.surname: invalid regular expression: missing closing "
         "parenthesis (at offset 5 of the pattern)"},
        /* single-quoted: '' is one character of the pattern (offset 6, the end, is the
         * closing quote at col 48) */
        {f, 11, 48, "missing closing parenthesis (at offset 6 of the pattern)"},
        /* double-quoted: \u00e9 is 6 source characters for 2 bytes of the pattern */
        {f, 12, 49, "missing closing parenthesis (at offset 4 of the pattern)"},
        {f, 13, 41, "quantifier does not follow a repeatable item (at offset 0 of the pattern)"},
        /* literal block: the end of the pattern (after its final line break) is the end
         * of its last line, after "ab(c" */
        {f, 17, 19, "missing closing parenthesis (at offset 10 of the pattern)"},
        /* folded block: reported at the scalar, with the offset */
        {f, 19, 22,
         "missing closing parenthesis (at offset 6 of the pattern, which starts "
         "here)"},
        /* \\ is one byte: offset 9 is the closing brace */
        {f, 22, 55, "character code point value in \\x{} or \\o{} is too large"},
    };
    assert_errors(&errs, want, sizeof want / sizeof *want);
    pw_errlist_free(&errs);
}

/* ---- errors: tests ------------------------------------------------------------------------- */

Test(rules, test_errors_are_at_the_test_and_record_fields)
{
    pw_errlist errs = load_bad(HEAD "    when: {traveller.age: {lt: 18}}\n"
                                    "    tests:\n"
                                    "      - expect: fires\n"
                                    "        record: {traveller: {surname: A}}\n"
                                    "      - expect: fire\n"
                                    "        recrod: {}\n"
                                    "      - expect: no-fire\n"
                                    "        record:\n"
                                    "          flight: {departure: 2026-12-01}\n"
                                    "          traveller:\n"
                                    "            surname: B\n"
                                    "            nationality: Narnia\n"
                                    "            documents: [{number: X1, expiry: 2026-02-30}]\n"
                                    "      - expect: fire\n"
                                    "        record: {traveller: {dob: 2010-01-01}}\n"
                                    "      - expect: fire\n"
                                    "        hits: 0\n"
                                    "        record: {traveller: {surname: C}}\n"
                                    "        watchlist: {score: 2}\n");
    const char *f = "inline.yaml";
    expected want[] = {
        {f, 10, 17, "expect: expected fire or no-fire, got 'fires'; did you mean 'fire'?"},
        {f, 13, 9, "unknown key 'recrod' in a test; did you mean 'record'?"},
        {f, 12, 9, "test is missing 'record'"},
        {f, 26, 28, "score: expected a number from 0 to 1, got '2'"},
        {f, 26, 20, "a test's watchlist candidate needs 'list'"},
        {f, 23, 9, "test expects the rule to fire but with hits: 0"},
        /* the reader's findings, at the YAML node of the field they name */
        {f, 20, 46, "test record: traveller.documents[0].expiry: "},
        {f, 19, 26, "test record: traveller.nationality: "},
        /* no name: the record is rejected; the error is at the traveller mapping */
        {f, 22, 29, "test record: traveller.surname: a name is required"},
    };
    assert_errors(&errs, want, sizeof want / sizeof *want);
    cr_assert(strstr(errs.items[7].msg, "Narnia"), "%s", errs.items[7].msg);
    cr_assert(strstr(errs.items[8].msg, "(the record was rejected)"), "%s", errs.items[8].msg);
    pw_errlist_free(&errs);
}

Test(rules, candidate_floor_is_the_lowest_score_an_enabled_rule_can_fire_on)
{
    pw_config cfg;
    pw_config_defaults(&cfg);
    pw_ruleset *none = load_good("rules:\n  - id: r\n    version: 1\n    title: t\n"
                                 "    severity: low\n    score: 0.3\n"
                                 "    when: {traveller.nationality: {eq: FRA}}\n");
    cr_assert_float_eq(pw_ruleset_candidate_floor(none, &cfg, false), 1.0, 1e-9,
                       "no watchlist condition: no candidate is needed");
    pw_ruleset_free(none);

    pw_ruleset *set = load_good(
        "rules:\n"
        "  - id: list\n    version: 1\n    title: t\n    severity: high\n"
        "    when: {watchlist: {}}\n"
        "  - id: low-disabled\n    version: 1\n    title: t\n    severity: low\n"
        "    enabled: false\n    when: {watchlist: {min_score: 0.4}}\n"
        "  - id: nested\n    version: 1\n    title: t\n    severity: low\n"
        "    when: {all: [{traveller.nationality: {eq: FRA}},\n"
        "                 {watchlist: {min_score: 0.7}}]}\n");
    cr_assert_float_eq(pw_ruleset_candidate_floor(set, &cfg, false), 0.7, 1e-9,
                       "a nested condition counts, a disabled rule does not");
    double shipped = cfg.default_threshold;
    cr_assert_gt(shipped, 0.7);
    pw_ruleset_free(set);

    /* Per candidate, `all` needs its strongest watchlist condition ... */
    set = load_good("rules:\n  - id: both\n    version: 1\n    title: t\n    severity: low\n"
                    "    when: {all: [{watchlist: {min_score: 0.9}}, {watchlist: {min_score: 0.6}}]}\n");
    cr_assert_float_eq(pw_ruleset_candidate_floor(set, &cfg, false), 0.9, 1e-9);
    pw_ruleset_free(set);
    /* ... while a weak candidate satisfies a `not`, or an `any` beside a record condition:
     * those keep the matcher's fixed floor of 0.5, so adding another rule changes nothing. */
    set = load_good("rules:\n  - id: none-strong\n    version: 1\n    title: t\n"
                    "    severity: low\n    when: {not: {watchlist: {min_score: 0.99}}}\n");
    cr_assert_float_eq(pw_ruleset_candidate_floor(set, &cfg, false), 0.5, 1e-9);
    pw_ruleset_free(set);
    set = load_good("rules:\n  - id: either\n    version: 1\n    title: t\n    severity: low\n"
                    "    when: {any: [{traveller.nationality: {eq: FRA}},\n"
                    "                 {watchlist: {min_score: 0.9}}]}\n");
    cr_assert_float_eq(pw_ruleset_candidate_floor(set, &cfg, false), 0.5, 1e-9);
    pw_ruleset_free(set);
    /* A disabled rule counts only for back-testing, which evaluates every rule. */
    set = load_good("rules:\n  - id: off\n    version: 1\n    title: t\n    severity: low\n"
                    "    enabled: false\n    when: {watchlist: {min_score: 0.6}}\n");
    cr_assert_float_eq(pw_ruleset_candidate_floor(set, &cfg, false), 1.0, 1e-9);
    cr_assert_float_eq(pw_ruleset_candidate_floor(set, &cfg, true), 0.6, 1e-9);
    pw_ruleset_free(set);
    pw_config_free(&cfg);
}
