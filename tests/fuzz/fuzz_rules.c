/*
 * Fuzz target: the rule pack loader (engine/rules/rules.c) with pw_rules_load_string.
 *
 * A load either yields a ruleset and no errors, or no ruleset and at least one error
 * with a message. A loaded ruleset must keep the promises of rules.h: unique ids
 * of 1 to 64 letters, digits, '-', '_' and '.' (README.md), versions >= 1, scores and minimum
 * scores in [0, 1], a watchlist condition on every rule, pw_ruleset_find finding each
 * rule by its id. The errors are printed into a memory stream (pw_errlist_print) so
 * the printing code runs too, without writing anywhere.
 */
#include "fuzz_common.h"
#include "rules/rules.h"

#include <ctype.h>
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
    FUZZ_CHECK(r->severity >= PW_SEV_NONE && r->severity <= PW_SEV_CRITICAL, "rule severity");
    FUZZ_CHECK(!r->has_score || (r->score >= 0 && r->score <= 1), "rule score in [0, 1]");
    FUZZ_CHECK(r->n_tags == 0 || r->tags, "tags array");
    for (size_t i = 0; i < r->n_tags; i++)
        fuzz_check_string(r->tags[i], false, "rule tag");
    FUZZ_CHECK(strcmp(r->file, "fuzz.yaml") == 0 && r->line >= 1 && r->col >= 1, "rule position");
    const pw_rule_watchlist *wl = r->watchlist;
    FUZZ_CHECK(wl != NULL, "a watchlist condition");
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
    double min = pw_rule_min_score(r, 0.5);
    const char *list = wl->n_lists ? wl->lists[0] : "ANY";
    const char *cat = wl->n_categories ? wl->categories[0] : NULL;
    FUZZ_CHECK(pw_rule_watchlist_fires(r, list, cat, 1.0, 0.5) == r->enabled,
               "an enabled rule fires for a perfect candidate it admits");
    FUZZ_CHECK(min >= 0 && min <= 1, "pw_rule_min_score");
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
    } else {
        FUZZ_CHECK(set == NULL, "no ruleset on failure");
        FUZZ_CHECK(rc == PW_ERULE || rc == PW_ENOMEM, "PW_ERULE or PW_ENOMEM");
        FUZZ_CHECK(errs.n > 0 || errs.oom, "at least one error");
        for (size_t i = 0; i < errs.n; i++) {
            FUZZ_CHECK(errs.items[i].code < 0 && errs.items[i].msg[0], "error code and message");
            FUZZ_CHECK(strcmp(errs.items[i].file, "fuzz.yaml") == 0, "error names the file");
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
