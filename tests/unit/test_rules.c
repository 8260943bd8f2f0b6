/*
 * Tests for engine/rules: loading rule files and directories, reporting every
 * error at its exact file:line:col, duplicate ids across files, the evaluation
 * helpers the pipeline uses, `paxwatch rules check` output, and the shipped
 * rules/watchlist.yaml.
 *
 * Positions were counted by hand in the fixtures (tests/data/rules_*).
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
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

/* ---- shipped rules -------------------------------------------------------- */

Test(rules, shipped_watchlist_rule_loads)
{
    pw_errlist errs = {0};
    pw_ruleset *set = NULL;
    int rc = pw_rules_load(PW_SOURCE_DIR "/rules", &set, &errs);
    for (size_t i = 0; i < errs.n; i++)
        pw_error_print(&errs.items[i], stderr);
    cr_assert_eq(rc, 0);
    cr_assert_eq(pw_ruleset_count(set), 1);
    cr_assert_eq(pw_ruleset_files(set), 1);

    const pw_rule *r = pw_ruleset_find(set, "watchlist-match");
    cr_assert_not_null(r);
    cr_assert_eq(r, pw_ruleset_rule(set, 0));
    cr_assert_eq(r->version, 1);
    cr_assert_eq(r->severity, PW_SEV_HIGH);
    cr_assert(r->enabled);
    cr_assert_not(r->has_score);
    cr_assert(ends_with(r->file, "rules/watchlist.yaml"), "%s", r->file);
    cr_assert_not_null(r->watchlist);
    cr_assert(r->watchlist->list_threshold);
    cr_assert_eq(r->watchlist->n_lists, 0);
    cr_assert_eq(r->watchlist->n_categories, 0);

    /* every list, every category, at or above the list's threshold */
    cr_assert(pw_rule_watchlist_fires(r, "UN", NULL, 0.85, 0.85));
    cr_assert(pw_rule_watchlist_fires(r, "OFAC", "SDGT", 0.99, 0.85));
    cr_assert(pw_rule_watchlist_fires(r, "SAMPLE", NULL, 0.85 - 1e-12, 0.85), "rounding slack");
    cr_assert_not(pw_rule_watchlist_fires(r, "UN", NULL, 0.849, 0.85));
    cr_assert(pw_rule_watchlist_fires(r, "UN", NULL, 0.70, 0.70), "threshold comes from caller");
    cr_assert_null(pw_ruleset_find(set, "nope"));
    pw_ruleset_free(set);
    pw_errlist_free(&errs);
}

Test(rules, shipped_file_loads_directly_and_checks_ok)
{
    int rc;
    char *out = check_output(PW_SOURCE_DIR "/rules/watchlist.yaml", &rc);
    cr_assert_eq(rc, 0);
    cr_assert_str_eq(out, "1 rule OK in 1 file\n");
    free(out);
}

/* ---- valid packs and evaluation --------------------------------------------- */

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
    cr_assert(pw_rule_watchlist_fires(r, "ANY", "anything", 0.9, 0.9));
    pw_ruleset_free(set);

    set = load_good("rules: []\n");
    cr_assert_eq(pw_ruleset_count(set), 0);
    pw_ruleset_free(set);
}

/* ---- errors ---------------------------------------------------------------- */

Test(rules, unknown_condition)
{
    pw_errlist errs = {0};
    pw_ruleset *set = NULL;
    int rc = pw_rules_load(DATA("rules_unknown_condition.yaml"), &set, &errs);
    cr_assert_eq(rc, PW_ERULE);
    cr_assert_null(set);
    expected want[] = {
        {"rules_unknown_condition.yaml", 7, 7, "condition 'any' is not supported yet"},
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
        {f, 17, 7, "condition 'field' is not supported yet"},
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
    FILE *fp = fopen(a, "w");
    fputs("rules:\n  - id: x\n    verison: 1\n", fp);
    fclose(fp);
    fp = fopen(b, "w");
    fputs("rules: [\n", fp);
    fclose(fp);
    fp = fopen(c, "w");
    fputs("rules:\n  - {id: y, version: 1, title: t, severity: low, when: {watchlist: {}}}\n", fp);
    fclose(fp);

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

Test(rules, condition_shapes)
{
    pw_errlist errs = load_bad("rules:\n"
                               "  - id: a\n"
                               "    version: 1\n"
                               "    title: t\n"
                               "    severity: low\n"
                               "    when:\n"
                               "      watchlist: {min_score: list-treshold, lists: UN}\n"
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
        {"inline.yaml", 8, 7, "when: holds one condition, but 'all' follows 'watchlist'"},
        {"inline.yaml", 13, 11, "when: needs a condition"},
        {"inline.yaml", 18, 12,
         "condition 'watchlst' is not supported yet; did you mean "
         "'watchlist'?"},
    };
    assert_errors(&errs, want, sizeof want / sizeof *want);
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
