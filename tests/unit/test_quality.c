/*
 * Data quality in the store (engine/store/quality.c): findings and message receipts are
 * stored once however often the same input is screened, and the per-sender, per-flight
 * summary behind `paxwatch quality` counts findings, distinct travellers, messages and
 * travellers sent, keeps the first examples in input order, and filters by sender and
 * flight. Also: every finding a PAXLST file produces can be stored (the CHECK on the
 * kind column knows every kind).
 */
#include <criterion/criterion.h>

#include <stdlib.h>
#include <string.h>

#include "core/core.h"
#include "ingest/ingest.h"
#include "store/store.h"

static pw_store *open_store(void)
{
    pw_store *s = NULL;
    pw_error err = {0};
    cr_assert_eq(pw_store_open(":memory:", &s, &err), 0, "%s", err.msg);
    return s;
}

static pw_finding finding(enum pw_finding_kind kind, const char *sender, const char *number,
                          const char *record_id, long line, const char *detail)
{
    return (pw_finding){.kind = kind,
                        .source = "a.edi",
                        .format = "paxlst",
                        .sender = sender,
                        .interchange_ref = "IC1",
                        .message_ref = "M1",
                        .carrier = "QQ",
                        .flight_number = number,
                        .departure = "2008-08-10T20:00",
                        .line = line,
                        .segment = "NAD",
                        .field = "traveller.dob",
                        .record_id = record_id,
                        .detail = detail};
}

static void put(pw_store *s, pw_finding f, bool want_inserted)
{
    bool inserted = !want_inserted;
    pw_error err = {0};
    cr_assert_eq(pw_store_put_finding(s, &f, &inserted, &err), 0, "%s", err.msg);
    cr_expect_eq(inserted, want_inserted, "%s", f.detail ? f.detail : "");
}

static void put_record(pw_store *s, const char *id, const char *number)
{
    pw_record r = {.record_id = id,
                   .flight = {.carrier = "QQ", .number = number, .departure = "2008-08-10T20:00"},
                   .traveller = {.surname = "X"}};
    pw_error err = {0};
    cr_assert_eq(pw_store_put_record(s, &r, NULL, &err), 0, "%s", err.msg);
}

Test(quality, a_finding_is_stored_once)
{
    pw_store *s = open_store();
    pw_finding f = finding(PW_FINDING_MISSING_DOB, "AIR1", "827", "r1", 21, "no date of birth");
    put(s, f, true);
    put(s, f, false);
    f.source = "elsewhere/a.edi"; /* the same message from another file */
    put(s, f, false);
    f.line = 33; /* another traveller's finding */
    f.record_id = "r2";
    put(s, f, true);
    cr_expect_eq(pw_store_count(s, "quality_findings"), 2);

    pw_finding m = finding(PW_FINDING_MESSAGE, "AIR1", "827", NULL, 1, "message received");
    m.count = 2;
    put(s, m, true);
    put(s, m, false);
    m.interchange_ref = "IC2"; /* the message sent again under a new interchange */
    put(s, m, true);
    cr_expect_eq(pw_store_count(s, "quality_messages"), 2);
    cr_expect_eq(pw_store_count(s, "quality_findings"), 2, "receipts are not findings");
    pw_store_close(s);
}

Test(quality, every_kind_can_be_stored)
{
    pw_store *s = open_store();
    for (int k = 0; k < PW_FINDING__COUNT; k++) {
        pw_finding f = finding((enum pw_finding_kind)k, "S", "1", NULL, k + 1, "x");
        put(s, f, true);
    }
    cr_expect_eq(pw_store_count(s, "quality_findings"), PW_FINDING__COUNT - 1);
    cr_expect_eq(pw_store_count(s, "quality_messages"), 1);
    pw_finding bad = finding((enum pw_finding_kind)PW_FINDING__COUNT, "S", "1", NULL, 1, "x");
    pw_error err = {0};
    cr_expect_eq(pw_store_put_finding(s, &bad, NULL, &err), PW_EINVAL);
    pw_store_close(s);
}

Test(quality, summary_per_sender_and_flight)
{
    pw_store *s = open_store();
    put_record(s, "r1", "827");
    put_record(s, "r2", "827");
    put_record(s, "r3", "827");
    put_record(s, "r4", "827");
    put_record(s, "o1", "900");
    pw_finding m = finding(PW_FINDING_MESSAGE, "AIR1", "827", NULL, 1, "message received");
    m.count = 4;
    put(s, m, true);
    /* two travellers without DOB, one of them reported by two messages */
    put(s, finding(PW_FINDING_MISSING_DOB, "AIR1", "827", "r1", 10, "first"), true);
    put(s, finding(PW_FINDING_MISSING_DOB, "AIR1", "827", "r2", 20, "second"), true);
    pw_finding again = finding(PW_FINDING_MISSING_DOB, "AIR1", "827", "r1", 10, "first");
    again.message_ref = "M2";
    put(s, again, true);
    put(s, finding(PW_FINDING_MISSING_DOB, "AIR1", "827", "r3", 30, "third"), true);
    put(s, finding(PW_FINDING_MISSING_DOB, "AIR1", "827", "r4", 40, "fourth"), true);
    pw_finding cnt = finding(PW_FINDING_COUNT_MISMATCH, "AIR1", "827", NULL, 50, "CNT+42");
    cnt.segment = "CNT";
    put(s, cnt, true);
    put(s, finding(PW_FINDING_UNKNOWN_COUNTRY, "AIR2", "900", "o1", 5, "NAT"), true);

    pw_quality_group *g = NULL;
    size_t n = 0;
    pw_error err = {0};
    cr_assert_eq(pw_store_quality(s, NULL, NULL, &g, &n, &err), 0, "%s", err.msg);
    cr_assert_eq(n, 2);
    cr_expect_str_eq(g[0].sender, "AIR1");
    cr_expect_str_eq(g[0].carrier, "QQ");
    cr_expect_str_eq(g[0].flight_number, "827");
    cr_expect_str_eq(g[0].departure, "2008-08-10T20:00");
    cr_expect_eq(g[0].messages, 1);
    cr_expect_eq(g[0].travellers_sent, 4);
    cr_expect_eq(g[0].travellers, 4, "records stored for the flight");
    const pw_quality_count *dob = &g[0].kinds[PW_FINDING_MISSING_DOB];
    cr_expect_eq(dob->findings, 5);
    cr_expect_eq(dob->travellers, 4, "a traveller counts once");
    cr_assert_eq(dob->n_examples, PW_QUALITY_EXAMPLES);
    cr_expect_str_eq(dob->examples[0].detail, "first", "in input order");
    cr_expect_str_eq(dob->examples[1].detail, "second");
    cr_expect_str_eq(dob->examples[0].message_ref, "M1");
    cr_expect_eq(dob->examples[0].line, 10);
    cr_expect_str_eq(dob->examples[0].segment, "NAD");
    cr_expect_str_eq(dob->examples[0].record_id, "r1");
    cr_expect_str_eq(dob->examples[0].interchange_ref, "IC1");
    cr_expect_eq(g[0].kinds[PW_FINDING_COUNT_MISMATCH].findings, 1);
    cr_expect_eq(g[0].kinds[PW_FINDING_COUNT_MISMATCH].travellers, 0);
    cr_expect_str_eq(g[1].sender, "AIR2");
    cr_expect_eq(g[1].travellers, 1);
    cr_expect_eq(g[1].messages, 0, "no receipt: not PAXLST");
    cr_expect_eq(g[1].kinds[PW_FINDING_UNKNOWN_COUNTRY].travellers, 1);
    free(g);

    /* filters: sender; flight as carrier + number, or number, any case */
    cr_assert_eq(pw_store_quality(s, "AIR2", NULL, &g, &n, &err), 0);
    cr_expect_eq(n, 1);
    free(g);
    const char *flights[] = {"QQ827", "qq827", "827"};
    for (size_t i = 0; i < 3; i++) {
        cr_assert_eq(pw_store_quality(s, NULL, flights[i], &g, &n, &err), 0);
        cr_expect_eq(n, 1, "%s", flights[i]);
        cr_expect_str_eq(g[0].flight_number, "827");
        free(g);
    }
    cr_assert_eq(pw_store_quality(s, "AIR2", "827", &g, &n, &err), 0);
    cr_expect_eq(n, 0);
    free(g);
    pw_store_close(s);
}

static void count_finding(void *ctx, const pw_finding *f)
{
    long *n = ctx;
    cr_expect(f->detail && f->sender && f->kind != PW_FINDING_MESSAGE);
    (*n)++;
}

Test(quality, each_finding_with_filters)
{
    pw_store *s = open_store();
    put(s, finding(PW_FINDING_MISSING_DOB, "AIR1", "827", "r1", 10, "a"), true);
    put(s, finding(PW_FINDING_MISSING_DOB, "AIR2", "827", "r2", 10, "b"), true);
    pw_finding m = finding(PW_FINDING_MESSAGE, "AIR1", "827", NULL, 1, "message received");
    put(s, m, true);
    long n = 0;
    pw_error err = {0};
    cr_assert_eq(pw_store_each_finding(s, NULL, NULL, count_finding, &n, &err), 0);
    cr_expect_eq(n, 2);
    n = 0;
    cr_assert_eq(pw_store_each_finding(s, "AIR1", "QQ827", count_finding, &n, &err), 0);
    cr_expect_eq(n, 1);
    pw_store_close(s);
}

/* Stores what the reader reports for a file, as the pipeline does. */
static void store_finding(void *ctx, const pw_finding *f)
{
    pw_error err = {0};
    cr_assert_eq(pw_store_put_finding(ctx, f, NULL, &err), 0, "%s", err.msg);
}

static void read_into(pw_store *s, const char *path)
{
    pw_reader *r;
    pw_error err = {0};
    cr_assert_eq(pw_reader_open(path, PW_INPUT_AUTO, &r, &err), 0, "%s", err.msg);
    pw_reader_set_findings(r, store_finding, s);
    pw_arena *a = pw_arena_new(0);
    pw_record rec;
    while (pw_reader_next(r, a, &rec, NULL, NULL, &err) == 1) {
        cr_assert_eq(pw_store_put_record(s, &rec, NULL, &err), 0, "%s", err.msg);
        pw_arena_reset(a);
    }
    pw_arena_free(a);
    pw_reader_close(r);
}

Test(quality, a_paxlst_file_twice)
{
    pw_store *s = open_store();
    read_into(s, PW_TEST_DATA "/paxlst_quality.edi");
    long findings = pw_store_count(s, "quality_findings");
    long messages = pw_store_count(s, "quality_messages");
    long records = pw_store_count(s, "records");
    cr_expect_eq(findings, 12);
    cr_expect_eq(messages, 1);
    cr_expect_eq(records, 8);
    read_into(s, PW_TEST_DATA "/paxlst_quality.edi");
    cr_expect_eq(pw_store_count(s, "quality_findings"), findings, "nothing new");
    cr_expect_eq(pw_store_count(s, "quality_messages"), messages);
    cr_expect_eq(pw_store_count(s, "records"), records);

    pw_quality_group *g = NULL;
    size_t n = 0;
    pw_error err = {0};
    cr_assert_eq(pw_store_quality(s, "ZZAIR", "ZZ120", &g, &n, &err), 0);
    cr_assert_eq(n, 1);
    cr_expect_eq(g[0].travellers, 8);
    cr_expect_eq(g[0].travellers_sent, 8);
    cr_expect_eq(g[0].kinds[PW_FINDING_UNKNOWN_COUNTRY].findings, 3);
    cr_expect_eq(g[0].kinds[PW_FINDING_UNKNOWN_COUNTRY].travellers, 1);
    cr_expect_eq(g[0].kinds[PW_FINDING_MALFORMED_DOCUMENT].travellers, 1);
    free(g);
    pw_store_close(s);
}
