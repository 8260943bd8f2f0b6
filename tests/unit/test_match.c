/*
 * Tests for engine/match: candidate generation through the index and the scorer's
 * rules one by one. Each evidence type is checked to raise or lower the score by the
 * amount match.h documents, against the same name compared without that evidence.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <string.h>

#include "index/index.h"
#include "match/match.h"

static pw_index *idx;
static pw_match_scratch *scratch;
static pw_arena *arena;

static pw_entry_name badege_names[] = {
    {PW_NAME_PRIMARY, PW_QUALITY_UNKNOWN, "BADEGE, Eric", "BADEGE", "Eric"},
    {PW_NAME_ALIAS, PW_QUALITY_LOW, "Commandant Eric", NULL, NULL},
};
static pw_dob badege_dobs[] = {{PW_DOB_EXACT, {1971, 3, 2}, {0, 0, 0}}};
static const char *cod[] = {"COD"};
static pw_document badege_docs[] = {{"P", "OB0123456", "COD", {0, 0, 0}, {0, 0, 0}}};

static pw_entry_name mutebutsi_names[] = {
    {PW_NAME_PRIMARY, PW_QUALITY_UNKNOWN, "Jules MUTEBUTSI", NULL, NULL},
    {PW_NAME_ALIAS, PW_QUALITY_GOOD, "Jules Mutebuzi", NULL, NULL},
};
static pw_dob mutebutsi_dobs[] = {{PW_DOB_RANGE, {1960, 0, 0}, {1965, 0, 0}}};

static pw_entry_name qadhafi_names[] = {
    {PW_NAME_PRIMARY, PW_QUALITY_UNKNOWN, "Saadi Muammar AL QADHAFI", NULL, NULL},
};
static pw_entry_name mueller_names[] = {
    {PW_NAME_PRIMARY, PW_QUALITY_UNKNOWN, "MÜLLER, Jürgen Karl", "MÜLLER", "Jürgen Karl"},
};
static pw_entry_name smith_names[] = {
    {PW_NAME_PRIMARY, PW_QUALITY_UNKNOWN, "SMITH, John", "SMITH", "John"},
};

static void add(pw_index_builder *b, const char *id, pw_entry_name *names, size_t n_names,
                pw_dob *dobs, size_t n_dobs, char gender)
{
    pw_entry e = {.list = "TEST", .list_version = 1, .entry_id = id, .names = names,
                  .n_names = n_names, .dobs = dobs, .n_dobs = n_dobs, .gender = gender};
    if (strcmp(id, "badege") == 0) {
        e.nationalities = cod;
        e.n_nationalities = 1;
        e.documents = badege_docs;
        e.n_documents = 1;
    }
    cr_assert_eq(pw_index_builder_add(b, &e, NULL), 0);
}

static void setup(void)
{
    pw_index_builder *b = pw_index_builder_new(NULL);
    cr_assert_not_null(b);
    add(b, "badege", badege_names, 2, badege_dobs, 1, 'M');
    add(b, "mutebutsi", mutebutsi_names, 2, mutebutsi_dobs, 1, 0);
    add(b, "qadhafi", qadhafi_names, 1, NULL, 0, 'M');
    add(b, "mueller", mueller_names, 1, NULL, 0, 0);
    add(b, "smith", smith_names, 1, NULL, 0, 0);
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

/* The best candidate's score for entry id, or -1 when it is not a candidate. */
static double score_of(const pw_record *r, const char *id, const pw_candidate **found)
{
    const pw_candidate *c;
    int n = pw_match_record(idx, r, 0.0, scratch, arena, &c);
    cr_assert_geq(n, 0);
    for (int i = 0; i < n; i++)
        if (strcmp(c[i].entry->entry_id, id) == 0) {
            if (found)
                *found = &c[i];
            return c[i].score;
        }
    return -1;
}

Test(match, exact_name_in_either_order)
{
    pw_record r = person("Badege", "ERIC", NULL);
    cr_assert_float_eq(score_of(&r, "badege", NULL), 1.0, 1e-9);
    r = person(NULL, NULL, "eric badege");
    cr_assert_float_eq(score_of(&r, "badege", NULL), 1.0, 1e-9);
}

Test(match, alias_matches_and_names_what_matched)
{
    pw_record r = person(NULL, NULL, "MUTEBUZI JULES");
    const pw_candidate *c = NULL;
    cr_assert_float_eq(score_of(&r, "mutebutsi", &c), 1.0, 1e-9);
    cr_assert_str_eq(c->name->full, "Jules Mutebuzi");
    cr_assert(c->on_name);
}

Test(match, one_typo_still_matches)
{
    pw_record r = person("MUTEBUTSY", "JULES", NULL);
    double s = score_of(&r, "mutebutsi", NULL);
    cr_assert_geq(s, 0.85, "score %f", s);
    cr_assert_lt(s, 1.0);
}

Test(match, missing_middle_name_still_matches)
{
    pw_record r = person("MUELLER", "JURGEN", NULL);
    double s = score_of(&r, "mueller", NULL);
    cr_assert_geq(s, 0.85, "score %f", s);
}

Test(match, icao_and_plain_transliterations_meet)
{
    pw_record a = person("MUELLER", "JUERGEN KARL", NULL);
    pw_record b = person("MULLER", "JURGEN KARL", NULL);
    cr_assert_geq(score_of(&a, "mueller", NULL), 0.95);
    cr_assert_geq(score_of(&b, "mueller", NULL), 0.95);
}

Test(match, joined_particle_meets_split_one)
{
    pw_record r = person("ALQADHAFI", "SAADI MUAMMAR", NULL);
    double s = score_of(&r, "qadhafi", NULL);
    cr_assert_geq(s, 0.9, "score %f", s);
}

Test(match, one_word_in_common_is_not_enough)
{
    pw_record r = person("SMITH", "ANNA", NULL);
    double s = score_of(&r, "smith", NULL);
    cr_assert_lt(s, 0.85, "score %f", s);
    r = person("DOE", "JOHN", NULL);
    cr_assert_lt(score_of(&r, "smith", NULL), 0.85);
}

Test(match, unrelated_name_is_no_candidate)
{
    pw_record r = person("WASHINGTON", "GEORGE", NULL);
    const pw_candidate *c;
    cr_assert_eq(pw_match_record(idx, &r, 0.5, scratch, arena, &c), 0);
}

Test(match, dob_evidence_raises_or_lowers_by_documented_amounts)
{
    /* An extra middle name keeps the name score below 1, so nothing is clamped. */
    pw_record r = person("BADEGE", "ERIC JEAN", NULL);
    double base = score_of(&r, "badege", NULL);
    cr_assert_lt(base, 0.94);
    r.traveller.dob = (pw_date){1971, 3, 2};
    cr_assert_float_eq(score_of(&r, "badege", NULL), base + PW_MATCH_DOB_EXACT, 1e-6);
    r.traveller.dob = (pw_date){1971, 2, 3};
    cr_assert_float_eq(score_of(&r, "badege", NULL), base + PW_MATCH_DOB_SWAPPED, 1e-6);
    r.traveller.dob = (pw_date){1971, 3, 0};
    cr_assert_float_eq(score_of(&r, "badege", NULL), base + PW_MATCH_DOB_PARTIAL, 1e-6);
    r.traveller.dob = (pw_date){1971, 0, 0};
    cr_assert_float_eq(score_of(&r, "badege", NULL), base + PW_MATCH_DOB_YEAR, 1e-6);
    r.traveller.dob = (pw_date){1972, 1, 1};
    cr_assert_float_eq(score_of(&r, "badege", NULL), base, 1e-6, "within a year: neutral");
    r.traveller.dob = (pw_date){1985, 6, 1};
    cr_assert_float_eq(score_of(&r, "badege", NULL), base + PW_MATCH_DOB_CONTRADICTS, 1e-6);
}

Test(match, dob_range_on_the_list)
{
    char buf[160];
    const pw_entry *e = NULL;
    for (uint32_t i = 0; i < pw_index_entry_count(idx); i++)
        if (strcmp(pw_index_entry(idx, i)->entry_id, "mutebutsi") == 0)
            e = pw_index_entry(idx, i);
    double adj;
    cr_assert_eq(pw_match_explain_dob((pw_date){1962, 5, 1}, e, buf, sizeof buf, &adj), 1);
    cr_assert_float_eq(adj, PW_MATCH_DOB_YEAR, 1e-9);
    cr_assert_eq(pw_match_explain_dob((pw_date){1975, 5, 1}, e, buf, sizeof buf, &adj), -1);
    cr_assert_float_eq(adj, PW_MATCH_DOB_CONTRADICTS, 1e-9);
    cr_assert_eq(pw_match_explain_dob((pw_date){0, 0, 0}, e, buf, sizeof buf, &adj), 0);
    cr_assert_str_eq(buf, "record has no date of birth: neither for nor against");
}

Test(match, nationality_and_gender_evidence)
{
    pw_record r = person("BADEGE", "ERIC JEAN", NULL);
    double base = score_of(&r, "badege", NULL);
    r.traveller.nationality = "COD";
    cr_assert_float_eq(score_of(&r, "badege", NULL), base + PW_MATCH_NATIONALITY_AGREES, 1e-6);
    r.traveller.nationality = "FRA";
    cr_assert_float_eq(score_of(&r, "badege", NULL), base + PW_MATCH_NATIONALITY_DIFFERS, 1e-6);
    r.traveller.nationality = NULL;
    r.traveller.gender = 'F';
    cr_assert_float_eq(score_of(&r, "badege", NULL), base + PW_MATCH_GENDER_DIFFERS, 1e-6);
    r.traveller.gender = 'M';
    cr_assert_float_eq(score_of(&r, "badege", NULL), base, 1e-6);
}

Test(match, document_evidence)
{
    pw_document doc = {"P", "ob-0123456", "COD", {0, 0, 0}, {0, 0, 0}};
    pw_record r = person("NOBODY", "ELSE", NULL);
    r.traveller.documents = &doc;
    r.traveller.n_documents = 1;
    const pw_candidate *c = NULL;
    double s = score_of(&r, "badege", &c);
    cr_assert_geq(s, PW_MATCH_DOCUMENT_EXACT, "a document in common is a candidate on its own");
    cr_assert(c->on_document);
    cr_assert_not(c->on_name);
    doc.number = "08O123456"; /* B->8 and 0->O misread: agrees after OCR folding */
    r = person("BADEGE", "ERIC JEAN", NULL);
    double base = score_of(&r, "badege", NULL);
    r.traveller.documents = &doc;
    r.traveller.n_documents = 1;
    cr_assert_float_eq(score_of(&r, "badege", NULL), base + PW_MATCH_DOCUMENT_OCR, 1e-6);
}

Test(match, explanation_is_json_with_every_contribution)
{
    pw_record r = person("BADEGE", "Eric Jean", NULL);
    r.traveller.dob = (pw_date){1971, 3, 2};
    r.traveller.nationality = "FRA";
    const pw_candidate *c = NULL;
    score_of(&r, "badege", &c);
    cr_assert_not_null(c);
    json_t *j = json_loads(c->explanation, 0, NULL);
    cr_assert_not_null(j, "explanation is JSON: %s", c->explanation);
    cr_assert_eq(json_array_size(json_object_get(j, "name")), 2);
    cr_assert_str_eq(json_string_value(json_array_get(json_object_get(j, "record_only"), 0)),
                     "JEAN");
    cr_assert_str_eq(json_string_value(json_object_get(j, "dob")),
                     "record 1971-03-02 agrees with list 1971-03-02 (+0.06)");
    cr_assert_str_eq(json_string_value(json_object_get(j, "nationality")),
                     "record FRA differs from list COD (-0.03)");
    cr_assert_not_null(json_object_get(j, "document"));
    cr_assert_not_null(json_object_get(j, "gender"));
    cr_assert_float_eq(json_number_value(json_object_get(j, "score")), c->score, 0.006);
    json_decref(j);
}

Test(match, low_quality_alias_weighs_less)
{
    pw_record r = person(NULL, NULL, "Commandant Eric");
    const pw_candidate *c = NULL;
    double s = score_of(&r, "badege", &c);
    cr_assert_lt(s, 1.0);
    cr_assert_eq(c->name->quality, PW_QUALITY_LOW);
}
