/*
 * Tests for rule evaluation (engine/rules/eval.c, fields.c): every operator, every
 * derived field, documents, watchlist conditions, hits and their explanations,
 * validity, the daily guard, and the prefilter (which must never change a result).
 *
 * Records are written as canonical JSON with single quotes (J() swaps them for double
 * quotes) and read with pw_rules_records_from_json, the reader screening uses. Rules
 * are one-rule files whose `when` is given inline. Expected values were worked out by
 * hand from the calendar (ages, day differences).
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "rules/rules.h"
#include "rules/rules_internal.h"

static pw_arena *arena;

static void setup(void)
{
    arena = pw_arena_new(0);
}

static void teardown(void)
{
    pw_arena_free(arena);
}

TestSuite(eval, .init = setup, .fini = teardown);
TestSuite(derived, .init = setup, .fini = teardown);
TestSuite(watchlist, .init = setup, .fini = teardown);
TestSuite(hits, .init = setup, .fini = teardown);
TestSuite(prefilter, .init = setup, .fini = teardown);

/* The JSON text j with ' turned into " (arena). */
static const char *J(const char *j)
{
    char *s = pw_arena_strdup(arena, j);
    for (char *p = s; *p; p++)
        if (*p == '\'')
            *p = '"';
    return s;
}

static pw_record rec(const char *json)
{
    const char *lines[1] = {J(json)};
    pw_record r;
    pw_error err = {0};
    long n = pw_rules_records_from_json(lines, 1, arena, &r, &err);
    cr_assert_eq(n, 1, "record %s: %s", json, err.msg);
    return r;
}

static pw_ruleset *load(const char *text)
{
    pw_errlist errs = {0};
    pw_ruleset *set = NULL;
    int rc = pw_rules_load_string("t.yaml", text, strlen(text), &set, &errs);
    for (size_t i = 0; i < errs.n; i++)
        pw_error_print(&errs.items[i], stderr);
    cr_assert_eq(rc, 0, "%s", text);
    pw_errlist_free(&errs);
    return set;
}

/* A pack of one record rule: `when: <when>`, plus set lines when given. */
static pw_ruleset *rule(const char *when)
{
    pw_strbuf b = {0};
    pw_strbuf_printf(&b,
                     "sets:\n  nordic: [DNK, FIN, ISL, NOR, SWE]\n  hubs: [IST, DXB, AMS]\n"
                     "rules:\n  - id: r\n    version: 2\n    title: T\n    severity: medium\n"
                     "    score: 0.4\n    when: %s\n",
                     when);
    pw_ruleset *set = load(b.data);
    pw_strbuf_free(&b);
    return set;
}

static pw_rules_options opts_today(void)
{
    /* today is 2026-06-15 unless a test says otherwise */
    return (pw_rules_options){.today = pwr_day_number((pw_date){2026, 6, 15})};
}

static size_t eval_n(pw_ruleset *set, const char *json, const pw_candidate *c, size_t n,
                     const pw_rules_options *o, pw_rules_result *res_out)
{
    pw_rules_ctx *ctx = pw_rules_ctx_new();
    pw_record r = rec(json);
    pw_rules_result res;
    pw_rules_options d = opts_today();
    cr_assert_eq(pw_rules_evaluate(set, &r, c, n, o ? o : &d, ctx, arena, &res), 0);
    /* the prefilter never changes a result */
    pw_rules_options np = o ? *o : d;
    np.no_prefilter = true;
    pw_rules_result res2;
    cr_assert_eq(pw_rules_evaluate(set, &r, c, n, &np, ctx, arena, &res2), 0);
    cr_assert_eq(res.n_hits, res2.n_hits, "prefilter changed the result for %s", json);
    pw_rules_ctx_free(ctx);
    if (res_out)
        *res_out = res;
    return res.n_hits;
}

/* Does `when` fire on the record? */
static bool fires(const char *when, const char *json)
{
    pw_ruleset *set = rule(when);
    size_t n = eval_n(set, json, NULL, 0, NULL, NULL);
    pw_ruleset_free(set);
    return n > 0;
}

#define FIRES(w, j) cr_expect(fires(w, j), "%s should fire on %s", w, j)
#define SILENT(w, j) cr_expect_not(fires(w, j), "%s should not fire on %s", w, j)

/* ---- operators ----------------------------------------------------------------------- */

Test(eval, eq_and_ne_ignore_case_and_missing_is_false)
{
    const char *durand = "{'traveller':{'surname':'Durand'}}";
    const char *noname = "{'traveller':{'full_name':'CLAIRE DURAND'}}";
    FIRES("{traveller.surname: DURAND}", durand);
    FIRES("{traveller.surname: {eq: durand}}", durand);
    SILENT("{traveller.surname: DUPONT}", durand);
    FIRES("{traveller.surname: {ne: DUPONT}}", durand);
    SILENT("{traveller.surname: {ne: DURAND}}", durand);
    /* a missing value: every comparison is false, ne included; not turns it round */
    SILENT("{traveller.surname: {ne: DUPONT}}", noname);
    FIRES("{not: {traveller.surname: DUPONT}}", noname);
    FIRES("{flight.number: 877}", "{'flight':{'number':'877'},'traveller':{'surname':'A'}}");
}

Test(eval, in_and_not_in_with_lists_and_named_sets)
{
    const char *fin = "{'traveller':{'surname':'A','nationality':'FI'}}";
    const char *fra = "{'traveller':{'surname':'A','nationality':'France'}}";
    FIRES("{traveller.nationality: [FRA, Finland]}", fin);
    FIRES("{traveller.nationality: {in: [fra, DEU]}}", fra);
    FIRES("{traveller.nationality: {in: nordic}}", fin);
    SILENT("{traveller.nationality: {in: nordic}}", fra);
    FIRES("{traveller.nationality: {not_in: nordic}}", fra);
    SILENT("{traveller.nationality: {not_in: nordic}}", fin);
    SILENT("{traveller.nationality: {not_in: nordic}}", "{'traveller':{'surname':'A'}}");
    FIRES("{flight.origin: {in: hubs}}", "{'flight':{'origin':'ams'},'traveller':{'surname':'A'}}");
}

Test(eval, matches_is_a_case_sensitive_search)
{
    const char *r = "{'traveller':{'surname':'A','documents':[{'number':'YY3478621G'}]}}";
    FIRES("{document.number: {matches: '3478'}}", r);
    FIRES("{document.number: {matches: '^YY3478[0-9]{3}[A-Z]$'}}", r);
    SILENT("{document.number: {matches: '^yy3478'}}", r);
    FIRES("{document.number: {matches: '(?i)^yy3478'}}", r);
    FIRES("{traveller.full_name: {matches: '^J.rgen M.ller$'}}",
          "{'traveller':{'full_name':'Jürgen Müller'}}");
}

Test(eval, regex_limits_count_as_no_match)
{
    pw_ruleset *set = rule("{traveller.surname: {matches: '^(a+)+$'}}");
    pw_rules_result res;
    char json[200];
    snprintf(json, sizeof json, "{'traveller':{'surname':'%s'}}",
             "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab");
    cr_assert_eq(eval_n(set, json, NULL, 0, NULL, &res), 0);
    cr_assert_gt(res.regex_limits, 0, "a catastrophic pattern stops at PCRE2's limits");
    pw_ruleset_free(set);
}

Test(eval, exists_and_missing)
{
    const char *with = "{'traveller':{'surname':'A','dob':'1980-01-01'}}";
    const char *without = "{'traveller':{'surname':'A'}}";
    FIRES("{traveller.dob: {exists: true}}", with);
    SILENT("{traveller.dob: {exists: true}}", without);
    FIRES("{traveller.dob: {exists: false}}", without);
    FIRES("{traveller.dob: {missing: true}}", without);
    SILENT("{traveller.dob: {missing: true}}", with);
    FIRES("{traveller.dob: {missing: false}}", with);
}

Test(eval, numbers)
{
    /* 30 on the departure date */
    const char *r = "{'flight':{'departure':'2026-12-01'},'traveller':{'surname':'A','dob':"
                    "'1996-12-01'}}";
    FIRES("{traveller.age: 30}", r);
    FIRES("{traveller.age: {lt: 31}}", r);
    SILENT("{traveller.age: {lt: 30}}", r);
    FIRES("{traveller.age: {le: 30}}", r);
    FIRES("{traveller.age: {gt: 29.5}}", r);
    SILENT("{traveller.age: {gt: 30}}", r);
    FIRES("{traveller.age: {ge: 30}}", r);
    FIRES("{traveller.age: {between: [30, 30]}}", r);
    SILENT("{traveller.age: {between: [31, 60]}}", r);
    FIRES("{traveller.age: {ne: 29}}", r);
    FIRES("{traveller.age: {ge: 18, lt: 65}}", r);
}

Test(eval, dates_and_times)
{
    const char *r = "{'flight':{'departure':'2026-12-01T20:00','arrival':'2026-12-02'},"
                    "'traveller':{'surname':'A','dob':'1968-02-23'}}";
    FIRES("{traveller.dob: 1968-02-23}", r);
    FIRES("{traveller.dob: {lt: 1970-01-01}}", r);
    SILENT("{traveller.dob: {gt: 1968-02-23}}", r);
    FIRES("{traveller.dob: {between: [1968-01-01, 1968-12-31]}}", r);
    /* a time field compared with a date compares days */
    FIRES("{flight.departure: 2026-12-01}", r);
    FIRES("{flight.departure: {ge: 2026-12-01, le: 2026-12-01}}", r);
    /* ... and with a time, minutes */
    FIRES("{flight.departure: {ge: 2026-12-01T20:00}}", r);
    SILENT("{flight.departure: {gt: 2026-12-01T20:00}}", r);
    FIRES("{flight.departure: {between: [2026-12-01T19:59, 2026-12-01T20:01]}}", r);
    /* an arrival without a time of day is midnight */
    FIRES("{flight.arrival: {lt: 2026-12-02T00:01}}", r);
}

Test(eval, booleans_and_codes)
{
    const char *crew = "{'traveller':{'role':'crew','surname':'A','gender':'f'}}";
    FIRES("{traveller.role: crew}", crew);
    FIRES("{traveller.role: {in: [crew, transit_crew]}}", crew);
    SILENT("{traveller.role: passenger}", crew);
    FIRES("{traveller.gender: F}", crew);
    FIRES("{traveller.gender: f}", crew);
    FIRES("{traveller.transit: false}", crew);
    SILENT("{traveller.transit: true}", crew);
    FIRES("{traveller.transit: {ne: true}}", crew);
}

Test(eval, all_any_not_and_several_keys)
{
    const char *r = "{'flight':{'origin':'JFK','destination':'CDG'},'traveller':{'surname':'A',"
                    "'nationality':'ITA'}}";
    FIRES("{flight.origin: JFK, flight.destination: CDG}", r);
    SILENT("{flight.origin: JFK, flight.destination: ORY}", r);
    FIRES("{all: [{flight.origin: JFK}, {traveller.nationality: ITA}]}", r);
    SILENT("{all: [{flight.origin: JFK}, {traveller.nationality: FRA}]}", r);
    FIRES("{any: [{flight.origin: LHR}, {traveller.nationality: ITA}]}", r);
    SILENT("{any: [{flight.origin: LHR}, {traveller.nationality: FRA}]}", r);
    FIRES("{not: {traveller.nationality: FRA}}", r);
    FIRES("{any: [{not: {flight.origin: JFK}}, {all: [{flight.destination: CDG}, {not: "
          "{traveller.surname: B}}]}]}",
          r);
}

Test(eval, documents_any_every_and_side_by_side)
{
    /* a passport valid, an identity card expired */
    const char *r = "{'flight':{'departure':'2026-12-01'},'traveller':{'surname':'A',"
                    "'nationality':'ITA','documents':[{'type':'P','number':'1','issuer':'ITA',"
                    "'expiry':'2030-01-01'},{'type':'I','number':'2','issuer':'BRA','expiry':"
                    "'2020-01-01'}]}}";
    FIRES("{document.days_to_expiry: {lt: 0}}", r);
    /* side by side: the same document, and no passport has expired */
    SILENT("{document.type: P, document.days_to_expiry: {lt: 0}}", r);
    FIRES("{document.type: I, document.days_to_expiry: {lt: 0}}", r);
    /* separately: some passport, some expired document */
    FIRES("{all: [{document.type: P}, {document.days_to_expiry: {lt: 0}}]}", r);
    FIRES("{any_document: {document.type: P, document.issuer: ITA}}", r);
    SILENT("{every_document: {document.issuer: ITA}}", r);
    FIRES("{every_document: {document.number: {exists: true}}}", r);
    FIRES("{not: {document.type: V}}", r);
    SILENT("{not: {document.type: P}}", r);
    /* no documents: any and every are both false */
    const char *none = "{'traveller':{'surname':'A'}}";
    SILENT("{every_document: {document.number: {exists: true}}}", none);
    SILENT("{any_document: {document.number: {missing: true}}}", none);
    FIRES("{not: {document.type: P}}", none);
}

/* ---- derived fields -------------------------------------------------------------------- */

Test(derived, age_at_departure)
{
    const char *fmt = "{'flight':{'departure':'2026-12-01T09:00'},'traveller':{'surname':'A',"
                      "'dob':'%s'}}";
    char r[200];
    snprintf(r, sizeof r, fmt, "2008-12-01"); /* 18th birthday on the day */
    FIRES("{traveller.age: 18}", r);
    snprintf(r, sizeof r, fmt, "2008-12-02"); /* the day after: still 17 */
    FIRES("{traveller.age: 17}", r);
    snprintf(r, sizeof r, fmt, "2008-02-29"); /* leap-day births */
    FIRES("{traveller.age: 18}", r);
    snprintf(r, sizeof r, fmt, "1990"); /* partial: from 1 January */
    FIRES("{traveller.age: 36}", r);
    snprintf(r, sizeof r, fmt, "1990-12"); /* partial: from 1 December */
    FIRES("{traveller.age: 36}", r);
}

Test(derived, age_without_departure_uses_today)
{
    /* today is 2026-06-15 in these tests */
    FIRES("{traveller.age: 26}", "{'traveller':{'surname':'A','dob':'2000-06-15'}}");
    FIRES("{traveller.age: 25}", "{'traveller':{'surname':'A','dob':'2000-06-16'}}");
    SILENT("{traveller.age: {exists: true}}", "{'traveller':{'surname':'A'}}");
}

Test(derived, document_days)
{
    const char *fmt = "{'flight':{'departure':'2026-03-01'},'traveller':{'surname':'A',"
                      "'documents':[{'number':'1','expiry':'%s','issued':'%s'}]}}";
    char r[256];
    snprintf(r, sizeof r, fmt, "2026-03-01", "2025-03-01"); /* expires on the day */
    FIRES("{document.days_to_expiry: 0}", r);
    FIRES("{document.days_since_issue: 365}", r);
    snprintf(r, sizeof r, fmt, "2026-02-28", "2024-03-01"); /* day before; 2024 leap */
    FIRES("{document.days_to_expiry: -1}", r);
    FIRES("{document.days_since_issue: 730}", r);
    snprintf(r, sizeof r, fmt, "2027-03-01", "2026-03-01");
    FIRES("{document.days_to_expiry: 365}", r);
    FIRES("{document.days_since_issue: 0}", r);
    SILENT("{document.days_to_expiry: {exists: true}}",
           "{'traveller':{'surname':'A','documents':[{'number':'1'}]}}");
}

Test(derived, issuer_differs_from_nationality)
{
    FIRES("{document.issuer_differs_from_nationality: true}",
          "{'traveller':{'surname':'A','nationality':'ITA','documents':[{'number':'1',"
          "'issuer':'BRA'}]}}");
    FIRES("{document.issuer_differs_from_nationality: false}",
          "{'traveller':{'surname':'A','nationality':'Italy','documents':[{'number':'1',"
          "'issuer':'IT'}]}}");
    /* unknown on either side: missing, neither true nor false */
    const char *nonat = "{'traveller':{'surname':'A','documents':[{'number':'1','issuer':'BRA'}]}}";
    SILENT("{document.issuer_differs_from_nationality: true}", nonat);
    SILENT("{document.issuer_differs_from_nationality: false}", nonat);
    FIRES("{document.issuer_differs_from_nationality: {missing: true}}", nonat);
}

Test(derived, route_journey_and_transit)
{
    const char *direct = "{'flight':{'origin':'JFK','destination':'CDG'},'traveller':{'surname'"
                         ":'A','embarkation':'JFK','debarkation':'CDG'}}";
    const char *connecting = "{'flight':{'origin':'AMS','destination':'CDG'},'traveller':{"
                             "'surname':'A','embarkation':'JFK','debarkation':'CDG'}}";
    FIRES("{flight.route: JFK-CDG}", direct);
    FIRES("{flight.route: jfk-cdg}", direct);
    FIRES("{traveller.journey: JFK-CDG}", connecting);
    SILENT("{flight.route: JFK-CDG}", connecting);
    SILENT("{traveller.transit: true}", direct);
    FIRES("{traveller.transit: true}", connecting);
    FIRES("{traveller.transit: true}", "{'traveller':{'role':'transit_passenger','surname':'A'}}");
    SILENT("{flight.route: {exists: true}}", "{'flight':{'origin':'JFK'},'traveller':{'surname'"
                                             ":'A'}}");
}

Test(derived, hours_counts_names_and_source)
{
    const char *r = "{'flight':{'origin':'JFK','destination':'CDG','departure':'2026-12-01T"
                    "07:45'},'traveller':{'surname':'DURAND','given_names':'CLAIRE','documents':"
                    "[{'number':'1'},{'number':'2'}]}}";
    FIRES("{flight.departure_hour: 7}", r);
    FIRES("{flight.departure_hour: {lt: 8}}", r);
    FIRES("{traveller.document_count: 2}", r);
    FIRES("{flight.leg_count: 1}", r);
    FIRES("{traveller.name: CLAIRE DURAND}", r);
    FIRES("{source.format: jsonl}", r);
    SILENT("{flight.departure_hour: {exists: true}}",
           "{'flight':{'departure':'2026-12-01'},'traveller':{'surname':'A'}}");
}

Test(derived, booking_hours_is_missing_until_pnr)
{
    const char *r = "{'flight':{'departure':'2026-12-01T07:45'},'traveller':{'surname':'A',"
                    "'booking_ref':'GJIO3RT'}}";
    FIRES("{booking.hours_before_departure: {missing: true}}", r);
    SILENT("{booking.hours_before_departure: {lt: 1000000}}", r);
}

/* ---- watchlist conditions ---------------------------------------------------------------- */

typedef struct fake {
    pw_entry entry;
    pw_entry_name name;
    pw_candidate cand;
} fake;

static void make(fake *f, const char *list, const char *category, double score, bool on_name,
                 bool on_document, enum pw_severity sev)
{
    memset(f, 0, sizeof *f);
    f->name = (pw_entry_name){.full = "ERIC BADEGE"};
    f->entry = (pw_entry){.list = list,
                          .list_version = 3,
                          .entry_id = "E1",
                          .names = &f->name,
                          .n_names = 1,
                          .category = category,
                          .severity = sev};
    f->cand = (pw_candidate){.entry = &f->entry,
                             .name = &f->name,
                             .score = score,
                             .explanation = "{\"name\":[]}",
                             .on_name = on_name,
                             .on_document = on_document};
}

static size_t wl_hits(const char *when, const pw_candidate *c, size_t n, pw_rules_result *res)
{
    pw_strbuf b = {0};
    pw_strbuf_printf(&b,
                     "rules:\n  - id: w\n    version: 1\n    title: T\n    severity: low\n"
                     "    when: %s\n",
                     when);
    pw_ruleset *set = load(b.data);
    pw_strbuf_free(&b);
    size_t hits = eval_n(set, "{'flight':{'destination':'CDG'},'traveller':{'surname':'X'}}", c, n,
                         NULL, res);
    pw_ruleset_free(set);
    return hits;
}

Test(watchlist, one_hit_per_candidate_copied_into_the_arena)
{
    fake f[3];
    make(&f[0], "UN", "Terrorism", 0.97, true, false, PW_SEV_CRITICAL);
    make(&f[1], "OFAC", NULL, 0.90, false, true, PW_SEV_NONE);
    make(&f[2], "OFAC", NULL, 0.80, true, false, PW_SEV_NONE);
    pw_candidate c[3] = {f[0].cand, f[1].cand, f[2].cand};
    pw_rules_result res;
    cr_assert_eq(wl_hits("{watchlist: {}}", c, 3, &res), 2, "two at or above 0.85");
    const pw_hit *h = &res.hits[0];
    cr_assert_str_eq(h->type, "watchlist");
    cr_assert_str_eq(h->rule_id, "w");
    cr_assert_str_eq(h->list, "UN");
    cr_assert_eq(h->list_version, 3);
    cr_assert_str_eq(h->entry_id, "E1");
    cr_assert_str_eq(h->entry_name, "ERIC BADEGE");
    cr_assert_str_eq(h->matched_name, "ERIC BADEGE");
    cr_assert_float_eq(h->score, 0.97, 1e-12, "scores as the candidate");
    cr_assert_eq(h->severity, PW_SEV_CRITICAL, "the entry's own severity");
    cr_assert_eq(res.hits[1].severity, PW_SEV_LOW, "else the rule's");
    cr_assert_neq((void *)h->list, (void *)f[0].entry.list, "copied, not borrowed");
    cr_assert_str_eq(h->explanation, "{\"name\":[]}");
    cr_assert_eq(res.rule_of[1], 0);
    cr_assert_eq(wl_hits("{watchlist: {}}", NULL, 0, &res), 0, "no candidates, no hit");
}

Test(watchlist, filters)
{
    fake f[3];
    make(&f[0], "UN", "Terrorism", 0.97, true, false, PW_SEV_NONE);
    make(&f[1], "OFAC", "sdgt", 0.90, false, true, PW_SEV_NONE);
    make(&f[2], "OFAC", NULL, 0.99, true, true, PW_SEV_NONE);
    pw_candidate c[3] = {f[0].cand, f[1].cand, f[2].cand};
    cr_expect_eq(wl_hits("{watchlist: {lists: [UN]}}", c, 3, NULL), 1);
    cr_expect_eq(wl_hits("{watchlist: {lists: [un]}}", c, 3, NULL), 0, "list names are exact");
    cr_expect_eq(wl_hits("{watchlist: {categories: [TERRORISM, SDGT]}}", c, 3, NULL), 2);
    cr_expect_eq(wl_hits("{watchlist: {min_score: 0.95}}", c, 3, NULL), 2);
    cr_expect_eq(wl_hits("{watchlist: {min_score: 0.99}}", c, 3, NULL), 1, "0.99 counts");
    cr_expect_eq(wl_hits("{watchlist: {on: name}}", c, 3, NULL), 2);
    cr_expect_eq(wl_hits("{watchlist: {on: document}}", c, 3, NULL), 2);
    cr_expect_eq(wl_hits("{watchlist: {on: any}}", c, 3, NULL), 3);
    cr_expect_eq(
        wl_hits("{watchlist: {lists: [OFAC], on: document, categories: [sdgt]}}", c, 3, NULL), 1);
    /* with record conditions, and negated: "this candidate is not from UN" */
    cr_expect_eq(wl_hits("{watchlist: {}, flight.destination: CDG}", c, 3, NULL), 3);
    cr_expect_eq(wl_hits("{watchlist: {}, flight.destination: ORY}", c, 3, NULL), 0);
    cr_expect_eq(wl_hits("{all: [{watchlist: {}}, {not: {watchlist: {lists: [UN]}}}]}", c, 3, NULL),
                 2);
}

Test(watchlist, list_threshold_from_the_configuration_and_rule_score)
{
    pw_config cfg;
    cr_assert_eq(pw_config_defaults(&cfg), 0);
    pw_config_list lists[1] = {{.name = "UN", .threshold = 0.6}};
    pw_config_list *saved = cfg.lists;
    size_t saved_n = cfg.n_lists;
    cfg.lists = lists;
    cfg.n_lists = 1;
    fake f[2];
    make(&f[0], "UN", NULL, 0.65, true, false, PW_SEV_NONE);
    make(&f[1], "OFAC", NULL, 0.65, true, false, PW_SEV_NONE);
    pw_candidate c[2] = {f[0].cand, f[1].cand};
    pw_ruleset *set = load("rules:\n  - id: w\n    version: 1\n    title: T\n    severity: high\n"
                           "    score: 0.5\n    when: {watchlist: {min_score: list-threshold}}\n");
    pw_rules_options o = opts_today();
    o.config = &cfg;
    pw_rules_result res;
    cr_assert_eq(eval_n(set, "{'traveller':{'surname':'X'}}", c, 2, &o, &res), 1,
                 "UN at its 0.6 threshold, OFAC below the default 0.85");
    cr_assert_str_eq(res.hits[0].list, "UN");
    cr_assert_float_eq(res.hits[0].score, 0.5, 1e-12, "the rule's own score");
    o.config = NULL;
    cr_assert_eq(eval_n(set, "{'traveller':{'surname':'X'}}", c, 2, &o, NULL), 0,
                 "without a configuration the default threshold applies");
    cfg.lists = saved;
    cfg.n_lists = saved_n;
    pw_config_free(&cfg);
    pw_ruleset_free(set);
}

/* ---- hits ----------------------------------------------------------------------------------- */

Test(hits, record_rule_hit_and_explanation)
{
    pw_ruleset *set = rule("{flight.route: JFK-CDG, document.days_to_expiry: {lt: 0}}");
    pw_rules_result res;
    cr_assert_eq(eval_n(set,
                        "{'flight':{'origin':'JFK','destination':'CDG','departure':'2026-12-01'},"
                        "'traveller':{'surname':'A','documents':[{'number':'1','expiry':"
                        "'2026-11-30'},{'number':'2'}]}}",
                        NULL, 0, NULL, &res),
                 1);
    const pw_hit *h = &res.hits[0];
    cr_assert_str_eq(h->type, "rule");
    cr_assert_str_eq(h->rule_id, "r");
    cr_assert_eq(h->rule_version, 2);
    cr_assert_float_eq(h->score, 0.4, 1e-12);
    cr_assert_eq(h->severity, PW_SEV_MEDIUM);
    cr_assert_null(h->list);
    json_error_t jerr;
    json_t *ex = json_loads(h->explanation, 0, &jerr);
    cr_assert_not_null(ex, "explanation is JSON: %s", h->explanation);
    cr_assert_str_eq(json_string_value(json_object_get(ex, "title")), "T");
    json_t *fields = json_object_get(ex, "fields");
    cr_assert_str_eq(json_string_value(json_object_get(fields, "flight.route")), "JFK-CDG");
    json_t *days = json_object_get(fields, "document.days_to_expiry");
    cr_assert_eq(json_array_size(days), 2, "one value per document");
    cr_assert_eq(
        json_integer_value(json_array_get(days, 0)) + json_real_value(json_array_get(days, 0)), -1);
    cr_assert(json_is_null(json_array_get(days, 1)));
    json_decref(ex);
    pw_ruleset_free(set);
}

Test(hits, enabled_validity_and_include_disabled)
{
    pw_ruleset *set = load("rules:\n"
                           "  - {id: off, version: 1, title: T, severity: low, score: 0.1,\n"
                           "     enabled: false, when: {traveller.surname: A}}\n"
                           "  - {id: season, version: 1, title: T, severity: low, score: 0.1,\n"
                           "     valid_from: 2026-12-01, valid_until: 2026-12-31,\n"
                           "     when: {traveller.surname: A}}\n");
    const char *dec = "{'flight':{'departure':'2026-12-31T23:59'},'traveller':{'surname':'A'}}";
    const char *jan = "{'flight':{'departure':'2027-01-01T00:00'},'traveller':{'surname':'A'}}";
    pw_rules_result res;
    cr_assert_eq(eval_n(set, dec, NULL, 0, NULL, &res), 1);
    cr_assert_str_eq(res.hits[0].rule_id, "season");
    cr_assert_eq(eval_n(set, jan, NULL, 0, NULL, NULL), 0, "valid_until is inclusive, no later");
    pw_rules_options o = opts_today();
    o.include_disabled = true;
    cr_assert_eq(eval_n(set, dec, NULL, 0, &o, NULL), 2);
    o.only = pw_ruleset_find(set, "off");
    cr_assert_eq(eval_n(set, dec, NULL, 0, &o, &res), 1);
    cr_assert_str_eq(res.hits[0].rule_id, "off");
    /* without a departure, validity is judged on today */
    o = opts_today();
    cr_assert_eq(eval_n(set, "{'traveller':{'surname':'A'}}", NULL, 0, &o, NULL), 0);
    o.today = pwr_day_number((pw_date){2026, 12, 24});
    cr_assert_eq(eval_n(set, "{'traveller':{'surname':'A'}}", NULL, 0, &o, NULL), 1);
    pw_ruleset_free(set);
}

Test(hits, max_hits_per_day_withholds_hits_and_survives_a_reload)
{
    static const char text[] = "rules:\n  - {id: guarded-unit, version: 7, title: T, severity: "
                               "low, score: 0.1, max_hits_per_day: 2, when: {traveller.surname: "
                               "A}}\n";
    pw_ruleset *set = load(text);
    pw_rules_ctx *ctx = pw_rules_ctx_new();
    pw_record r = rec("{'traveller':{'surname':'A'}}");
    pw_rules_options o = {.today = 30000};
    pw_rules_result res;
    size_t hits = 0, suppressed = 0;
    for (int i = 0; i < 3; i++) {
        cr_assert_eq(pw_rules_evaluate(set, &r, NULL, 0, &o, ctx, arena, &res), 0);
        hits += res.n_hits;
        suppressed += res.suppressed;
    }
    cr_assert_eq(hits, 2);
    cr_assert_eq(suppressed, 1);
    /* a reload (a new ruleset with the same id and version) keeps the day's count */
    pw_ruleset *again = load(text);
    cr_assert_eq(pw_rules_evaluate(again, &r, NULL, 0, &o, ctx, arena, &res), 0);
    cr_assert_eq(res.n_hits, 0);
    cr_assert_eq(res.suppressed, 1);
    /* the guard is off for tests and back-testing */
    o.no_guard = true;
    cr_assert_eq(pw_rules_evaluate(again, &r, NULL, 0, &o, ctx, arena, &res), 0);
    cr_assert_eq(res.n_hits, 1);
    /* the next day starts again */
    o.no_guard = false;
    o.today = 30001;
    cr_assert_eq(pw_rules_evaluate(again, &r, NULL, 0, &o, ctx, arena, &res), 0);
    cr_assert_eq(res.n_hits, 1);
    pw_rules_ctx_free(ctx);
    pw_ruleset_free(set);
    pw_ruleset_free(again);
}

/* ---- prefilter ----------------------------------------------------------------------------- */

Test(prefilter, files_rules_under_their_cheapest_keys)
{
    pw_ruleset *set = load("rules:\n"
                           "  - {id: a, version: 1, title: T, severity: low, score: 0.1,\n"
                           "     when: {flight.route: JFK-CDG, traveller.gender: F}}\n"
                           "  - {id: b, version: 1, title: T, severity: low, score: 0.1,\n"
                           "     when: {any: [{flight.origin: JFK}, {document.issuer: FRA}]}}\n"
                           "  - {id: c, version: 1, title: T, severity: low, score: 0.1,\n"
                           "     when: {any: [{flight.origin: JFK}, {traveller.age: {lt: 18}}]}}\n"
                           "  - {id: d, version: 1, title: T, severity: low, score: 0.1,\n"
                           "     when: {not: {flight.origin: JFK}}}\n"
                           "  - {id: e, version: 1, title: T, severity: low, score: 0.1,\n"
                           "     when: {every_document: {document.type: P}}}\n");
    cr_assert(pw_ruleset_find(set, "a")->indexed);
    cr_assert(pw_ruleset_find(set, "b")->indexed, "every branch of the any has keys");
    cr_assert_not(pw_ruleset_find(set, "c")->indexed, "an any with a branch without keys");
    cr_assert_not(pw_ruleset_find(set, "d")->indexed, "not has no keys");
    cr_assert(pw_ruleset_find(set, "e")->indexed);
    cr_assert_eq(pw_ruleset_unindexed(set), 2);
    pw_rules_result res;
    /* a traveller with none of the keys runs only the two unindexed rules */
    cr_assert_eq(
        eval_n(set, "{'flight':{'origin':'LHR'},'traveller':{'surname':'A'}}", NULL, 0, NULL, &res),
        1, "d");
    cr_assert_eq(res.evaluated, 2);
    cr_assert_eq(eval_n(set,
                        "{'flight':{'origin':'LHR'},'traveller':{'surname':'A','documents':[{"
                        "'type':'P','number':'1','issuer':'fra'}]}}",
                        NULL, 0, NULL, &res),
                 3, "b (document issuer, any case), d, e");
    pw_ruleset_free(set);
}

/* xorshift: the test's own generator (fixed seed) */
static uint64_t seed = 88172645463325252ull;
static unsigned next_rand(unsigned n)
{
    seed ^= seed << 13;
    seed ^= seed >> 7;
    seed ^= seed << 17;
    return (unsigned)(seed % n);
}

Test(prefilter, never_changes_a_result)
{
    static const char *const airports[] = {"JFK", "CDG", "LHR", "IST", "AMS"};
    static const char *const countries[] = {"FRA", "ITA", "BRA", "NOR"};
    pw_strbuf b = {0};
    pw_strbuf_append(&b, "sets:\n  hubs: [IST, AMS]\nrules:\n");
    for (int i = 0; i < 60; i++) {
        pw_strbuf_printf(&b,
                         "  - {id: r%d, version: 1, title: T, severity: low, score: 0.1, "
                         "when: ",
                         i);
        switch (i % 6) {
        case 0:
            pw_strbuf_printf(&b, "{flight.route: %s-%s}", airports[next_rand(5)],
                             airports[next_rand(5)]);
            break;
        case 1:
            pw_strbuf_printf(&b, "{any: [{flight.origin: {in: hubs}}, {document.issuer: %s}]}",
                             countries[next_rand(4)]);
            break;
        case 2:
            pw_strbuf_printf(&b, "{traveller.nationality: [%s, %s], traveller.age: {lt: %u}}",
                             countries[next_rand(4)], countries[next_rand(4)], 20 + next_rand(40));
            break;
        case 3:
            pw_strbuf_printf(&b, "{not: {flight.destination: %s}}", airports[next_rand(5)]);
            break;
        case 4:
            pw_strbuf_printf(&b, "{every_document: {document.issuer: %s}}",
                             countries[next_rand(4)]);
            break;
        default:
            pw_strbuf_printf(&b, "{traveller.journey: %s-%s, traveller.gender: %s}",
                             airports[next_rand(5)], airports[next_rand(5)],
                             next_rand(2) ? "M" : "F");
            break;
        }
        pw_strbuf_append(&b, "}\n");
    }
    pw_ruleset *set = load(b.data);
    pw_strbuf_free(&b);
    long total = 0, evaluated = 0, plain = 0;
    pw_rules_ctx *ctx = pw_rules_ctx_new();
    for (int i = 0; i < 400; i++) {
        char json[512];
        snprintf(json, sizeof json,
                 "{'flight':{'origin':'%s','destination':'%s','departure':'2026-05-01'},"
                 "'traveller':{'surname':'A','gender':'%s','dob':'19%02u-01-01','nationality':'%s',"
                 "'embarkation':'%s','debarkation':'%s','documents':[{'number':'1','issuer':'%s'}"
                 "]}}",
                 airports[next_rand(5)], airports[next_rand(5)], next_rand(2) ? "M" : "F",
                 50 + next_rand(50), countries[next_rand(4)], airports[next_rand(5)],
                 airports[next_rand(5)], countries[next_rand(4)]);
        pw_record r = rec(json);
        pw_rules_options with = opts_today(), without = opts_today();
        without.no_prefilter = true;
        pw_rules_result a, c;
        cr_assert_eq(pw_rules_evaluate(set, &r, NULL, 0, &with, ctx, arena, &a), 0);
        cr_assert_eq(pw_rules_evaluate(set, &r, NULL, 0, &without, ctx, arena, &c), 0);
        cr_assert_eq(a.n_hits, c.n_hits, "record %d", i);
        for (size_t k = 0; k < a.n_hits; k++)
            cr_assert_eq(a.rule_of[k], c.rule_of[k], "record %d hit %zu", i, k);
        total += (long)a.n_hits;
        evaluated += (long)a.evaluated;
        plain += (long)c.evaluated;
        pw_arena_reset(arena);
    }
    cr_assert_gt(total, 0, "the rules fire sometimes");
    cr_assert_lt(evaluated * 2, plain, "the prefilter runs far fewer rules");
    pw_rules_ctx_free(ctx);
    pw_ruleset_free(set);
}

Test(prefilter, field_table_names_match)
{
    for (int f = 0; f < F__COUNT; f++)
        cr_assert_str_eq(pwr_field_names[f], pwr_fields[f].name);
    cr_assert_null(pwr_field_names[F__COUNT]);
}

Test(hits, the_daily_guard_goes_on_from_the_hits_stored_today)
{
    /* pw_ruleset_guard_seed: a new process (the snapshot build) raises each guard to the
     * hits its rule stored today, so a restart does not reopen a day's allowance */
    pw_ruleset *set = load("rules:\n  - {id: seeded-unit, version: 1, title: T, severity: low, "
                           "score: 0.1, max_hits_per_day: 2, when: {traveller.surname: A}}\n");
    pw_rules_ctx *ctx = pw_rules_ctx_new();
    pw_record r = rec("{'traveller':{'surname':'A'}}");
    pw_rules_options o = {0}; /* today */
    pw_rules_result res;
    pw_ruleset_guard_seed(set, 0, 1);
    cr_assert_eq(pw_rules_evaluate(set, &r, NULL, 0, &o, ctx, arena, &res), 0);
    cr_assert_eq(res.n_hits, 1, "one of two left today");
    pw_ruleset_guard_seed(set, 0, 1); /* fewer than counted already: no change */
    cr_assert_eq(pw_rules_evaluate(set, &r, NULL, 0, &o, ctx, arena, &res), 0);
    cr_assert_eq(res.n_hits, 0);
    cr_assert_eq(res.suppressed, 1);
    pw_rules_ctx_free(ctx);
    pw_ruleset_free(set);
}
