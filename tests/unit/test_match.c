/*
 * Tests for engine/index and engine/match: token-set candidates through the index,
 * entry-level de-duplication, and explanations of date of birth, nationality and
 * documents.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <string.h>

#include "index/index.h"
#include "match/match.h"

static pw_index *idx;
static pw_match_scratch *scratch;
static pw_arena *arena;

static pw_entry_name names1[] = {
    {PW_NAME_PRIMARY, PW_QUALITY_UNKNOWN, "BADEGE, Eric", "BADEGE", "Eric"},
    {PW_NAME_ALIAS, PW_QUALITY_GOOD, "Eric Badegé", NULL, NULL},
    {PW_NAME_ALIAS, PW_QUALITY_LOW, "Commandant Eric", NULL, NULL},
};
static pw_dob dobs1[] = {{PW_DOB_EXACT, {1971, 0, 0}, {0, 0, 0}}};
static const char *nats1[] = {"COD"};
static pw_document docs1[] = {{"P", "OB0123456", "COD", {0, 0, 0}, {0, 0, 0}}};
static pw_entry_name names2[] = {
    {PW_NAME_PRIMARY, PW_QUALITY_UNKNOWN, "Jules MUTEBUTSI", NULL, NULL},
    {PW_NAME_ALIAS, PW_QUALITY_GOOD, "Jules Mutebuzi", NULL, NULL},
};
static pw_dob dobs2[] = {{PW_DOB_RANGE, {1960, 0, 0}, {1965, 0, 0}}};

static void setup(void)
{
    pw_entry e1 = {.list = "UN",
                   .list_version = 3,
                   .entry_id = "6907993",
                   .names = names1,
                   .n_names = 3,
                   .dobs = dobs1,
                   .n_dobs = 1,
                   .nationalities = nats1,
                   .n_nationalities = 1,
                   .documents = docs1,
                   .n_documents = 1};
    pw_entry e2 = {.list = "UN",
                   .list_version = 3,
                   .entry_id = "6908009",
                   .names = names2,
                   .n_names = 2,
                   .dobs = dobs2,
                   .n_dobs = 1};
    pw_index_builder *b = pw_index_builder_new();
    cr_assert_not_null(b);
    cr_assert_eq(pw_index_builder_add(b, &e1, NULL), 0);
    cr_assert_eq(pw_index_builder_add(b, &e2, NULL), 0);
    cr_assert_eq(pw_index_builder_finish(b, &idx, NULL), 0);
    scratch = pw_match_scratch_new();
    arena = pw_arena_new(0);
}

static void teardown(void)
{
    pw_index_free(idx);
    pw_match_scratch_free(scratch);
    pw_arena_free(arena);
}

TestSuite(match, .init = setup, .fini = teardown);

static pw_record person(const char *surname, const char *given, const char *full)
{
    pw_record r = {0};
    r.traveller.surname = surname;
    r.traveller.given_names = given;
    r.traveller.full_name = full;
    return r;
}

Test(match, index_counts_entries_and_names)
{
    cr_assert_eq(pw_index_entry_count(idx), 2);
    cr_assert_eq(pw_index_name_count(idx), 5);
    cr_assert_str_eq(pw_index_entry(idx, 1)->entry_id, "6908009");
    cr_assert_null(pw_index_entry(idx, 2));
}

Test(match, finds_primary_name_in_either_order_once_per_entry)
{
    pw_record r = person("Badege", "ERIC", NULL);
    const pw_candidate *c;
    int n = pw_match_record(idx, &r, scratch, arena, &c);
    cr_assert_eq(n, 1, "primary and alias share a token set: one candidate");
    cr_assert_str_eq(c[0].entry->entry_id, "6907993");
    cr_assert_eq(c[0].name->kind, PW_NAME_PRIMARY, "the primary name wins over the alias");
    cr_assert_float_eq(c[0].score, 1.0, 1e-9);
}

Test(match, finds_alias_from_full_name)
{
    pw_record r = person(NULL, NULL, "MUTEBUZI JULES");
    const pw_candidate *c;
    cr_assert_eq(pw_match_record(idx, &r, scratch, arena, &c), 1);
    cr_assert_str_eq(c[0].name->full, "Jules Mutebuzi");
}

Test(match, no_candidate_for_other_names)
{
    const pw_candidate *c;
    pw_record r = person("BADEGE", "ERICA", NULL);
    cr_assert_eq(pw_match_record(idx, &r, scratch, arena, &c), 0);
    r = person("BADEGE", NULL, NULL);
    cr_assert_eq(pw_match_record(idx, &r, scratch, arena, &c), 0, "a surname alone is not the whole name");
}

Test(match, explanation_reports_dob_nationality_document)
{
    pw_document doc = {"P", "ob0123456", "COD", {0, 0, 0}, {0, 0, 0}};
    pw_record r = person("BADEGE", "Eric", NULL);
    r.traveller.dob = (pw_date){1971, 3, 2};
    r.traveller.nationality = "FRA";
    r.traveller.documents = &doc;
    r.traveller.n_documents = 1;
    const pw_candidate *c;
    cr_assert_eq(pw_match_record(idx, &r, scratch, arena, &c), 1);
    json_t *j = json_loads(c[0].explanation, 0, NULL);
    cr_assert_not_null(j, "explanation is JSON: %s", c[0].explanation);
    cr_assert_str_eq(json_string_value(json_object_get(j, "dob")),
                     "record 1971-03-02 agrees with list 1971");
    cr_assert_str_eq(json_string_value(json_object_get(j, "nationality")),
                     "record FRA differs from list COD");
    cr_assert_str_eq(json_string_value(json_object_get(j, "document")),
                     "document number agrees, same issuer");
    cr_assert_eq(json_array_size(json_object_get(j, "name")), 2);
    json_decref(j);
}

Test(match, dob_sentences)
{
    char buf[128];
    const pw_entry *e2 = pw_index_entry(idx, 1);
    cr_assert_eq(pw_match_explain_dob((pw_date){1962, 5, 1}, e2, buf, sizeof buf), 1);
    cr_assert_str_eq(buf, "record 1962-05-01 agrees with list 1960..1965");
    cr_assert_eq(pw_match_explain_dob((pw_date){1970, 5, 1}, e2, buf, sizeof buf), -1);
    cr_assert_str_eq(buf, "record 1970-05-01 contradicts list 1960..1965");
    cr_assert_eq(pw_match_explain_dob((pw_date){0, 0, 0}, e2, buf, sizeof buf), 0);
    cr_assert_str_eq(buf, "record has no date of birth: neither for nor against");
}

Test(match, contradicting_dob_lowers_the_score_missing_one_does_not)
{
    pw_record r = person("BADEGE", "Eric", NULL);
    const pw_candidate *c;
    cr_assert_eq(pw_match_record(idx, &r, scratch, arena, &c), 1);
    cr_assert_float_eq(c[0].score, 1.0, 1e-9);
    r.traveller.dob = (pw_date){1980, 1, 2};
    cr_assert_eq(pw_match_record(idx, &r, scratch, arena, &c), 1);
    cr_assert_float_eq(c[0].score, PW_MATCH_DOB_CONTRADICTION, 1e-9);
}
