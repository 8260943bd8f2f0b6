/*
 * The UN/EDIFACT tokenizer (engine/ingest/edifact.c) and the PAXLST reader
 * (engine/ingest/paxlst*.c).
 *
 * Tokenizer tests feed bytes through fmemopen (a stdio stream without a descriptor) or
 * a temporary file (read(2)), and check segments, elements, components, ordinals, byte
 * offsets and every syntax error class with its position and expectation. Reader tests
 * read the constructed messages in tests/data/paxlst_*.edi (one feature each: delimiter
 * sets, release characters, multi-part assembly, crew lists, multi-leg flights, every
 * control mismatch, every error class, data-quality findings) and the three shared GTAS
 * samples (PW_SHARED_DATA/paxlst, one test per quirk that SOURCES.md lists for them);
 * the golden cases tests/golden/paxlst_* check the samples field by field through the
 * CLI.
 */
#include <criterion/criterion.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/core.h"
#include "ingest/edifact.h"
#include "ingest/ingest.h"

#define DATA(name) PW_TEST_DATA "/" name
#define SAMPLE(name) PW_SHARED_DATA "/paxlst/" name

/* ---- helpers: the tokenizer --------------------------------------------------------- */

/* Everything pw_edi_next returned for an input, as text: one line per event,
 * "TAG|e1c1:e1c2|e2c1" for segments, "ERROR@offset#ordinal tag: msg", "JUNK@offset+len". */
static char *tokens(const char *data, size_t n)
{
    FILE *fp = fmemopen((void *)data, n, "r");
    cr_assert_not_null(fp);
    pw_edi *e = pw_edi_new(fp);
    cr_assert_not_null(e);
    pw_strbuf out = {0};
    pw_edi_segment seg;
    pw_edi_error err;
    pw_edi_junk junk;
    pw_error fail;
    int ev;
    while ((ev = pw_edi_next(e, &seg, &err, &junk, &fail)) > 0) {
        if (ev == PW_EDI_SEGMENT) {
            pw_strbuf_append(&out, seg.tag);
            for (unsigned el = 1; el <= seg.n_elements; el++) {
                pw_strbuf_append(&out, "|");
                for (unsigned c = 1; c <= pw_edi_components(&seg, el); c++) {
                    if (c > 1)
                        pw_strbuf_append(&out, ":");
                    pw_strbuf_append(&out, pw_edi_value(&seg, el, c));
                }
            }
        } else if (ev == PW_EDI_ERROR) {
            pw_strbuf_printf(&out, "ERROR@%lld#%ld %s: %s", err.offset, err.ordinal, err.tag,
                             err.msg);
        } else {
            pw_strbuf_printf(&out, "JUNK@%lld+%lld '%s'", junk.offset, junk.length, junk.sample);
        }
        pw_strbuf_append(&out, "\n");
    }
    cr_assert_eq(ev, PW_EDI_END, "read error %d", ev);
    pw_edi_free(e);
    fclose(fp);
    if (!out.data)
        pw_strbuf_append(&out, "");
    return out.data;
}

static char *tokens_str(const char *s)
{
    return tokens(s, strlen(s));
}

static void expect_tokens(const char *input, const char *want)
{
    char *got = tokens_str(input);
    cr_expect_str_eq(got, want, "input: %s", input);
    free(got);
}

/* ---- helpers: the reader -------------------------------------------------------------- */

#define MAX_RECS 64
#define MAX_ITEMS 128

struct item {
    enum pw_finding_kind kind;
    long line, count;
    char *segment, *field, *detail, *record_id, *message_ref, *sender, *carrier, *number,
        *departure, *reason, *raw, *interchange;
};

/* What reading one input gave: records (in arena), rejects and findings (copied). */
struct run {
    pw_arena *arena;
    long n_rec, n_rej, n_find;
    pw_record rec[MAX_RECS];
    struct item rej[MAX_ITEMS];
    struct item find[MAX_ITEMS];
};

static char *dup0(const char *s)
{
    return s ? strdup(s) : NULL;
}

static void on_reject(void *ctx, const pw_reject *r)
{
    struct run *run = ctx;
    cr_assert_str_eq(r->kind, "record");
    cr_assert(r->reason && *r->reason, "a reject has a reason");
    if (run->n_rej < MAX_ITEMS)
        run->rej[run->n_rej] = (struct item){.line = r->line,
                                             .field = dup0(r->field),
                                             .reason = dup0(r->reason),
                                             .raw = dup0(r->raw)};
    run->n_rej++;
}

static void on_finding(void *ctx, const pw_finding *f)
{
    struct run *run = ctx;
    cr_assert(f->detail && *f->detail, "a finding has a detail");
    cr_assert_str_eq(f->format, "paxlst");
    bool about_one = f->kind == PW_FINDING_MISSING_DOB || f->kind == PW_FINDING_MISSING_DOCUMENT ||
                     f->kind == PW_FINDING_EXPIRED_DOCUMENT ||
                     f->kind == PW_FINDING_PLACEHOLDER_NAME;
    cr_assert(!about_one || f->record_id, "a traveller finding names its record (%s)", f->detail);
    if (run->n_find < MAX_ITEMS)
        run->find[run->n_find] = (struct item){.kind = f->kind,
                                               .line = f->line,
                                               .count = f->count,
                                               .segment = dup0(f->segment),
                                               .field = dup0(f->field),
                                               .detail = dup0(f->detail),
                                               .record_id = dup0(f->record_id),
                                               .message_ref = dup0(f->message_ref),
                                               .sender = dup0(f->sender),
                                               .carrier = dup0(f->carrier),
                                               .number = dup0(f->flight_number),
                                               .departure = dup0(f->departure),
                                               .interchange = dup0(f->interchange_ref)};
    run->n_find++;
}

/* Reads path as PAXLST (format fmt) to its end. */
static struct run *read_path(const char *path, enum pw_input_format fmt)
{
    struct run *run = calloc(1, sizeof *run);
    cr_assert_not_null(run);
    run->arena = pw_arena_new(0);
    pw_reader *r;
    pw_error err;
    cr_assert_eq(pw_reader_open(path, fmt, &r, &err), 0, "open %s: %s", path, err.msg);
    cr_assert_eq(pw_reader_format(r), PW_INPUT_PAXLST, "%s is read as PAXLST", path);
    pw_reader_set_findings(r, on_finding, run);

    pw_record rec;
    int rc;
    while ((rc = pw_reader_next(r, run->arena, &rec, on_reject, run, &err)) == 1) {
        cr_assert_lt(run->n_rec, MAX_RECS);
        run->rec[run->n_rec++] = rec;
    }
    cr_assert_eq(rc, 0, "%s: %s", path, err.msg);
    pw_reader_close(r);
    return run;
}

static struct run *read_edi(const char *path)
{
    return read_path(path, PW_INPUT_AUTO);
}

/* Writes data to a temporary file and reads it (as PAXLST). */
static struct run *read_bytes(const void *data, size_t n)
{
    char path[] = "/tmp/pw_test_paxlst.XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    cr_assert_eq(write(fd, data, n), (ssize_t)n);
    close(fd);
    struct run *run = read_path(path, PW_INPUT_PAXLST);
    unlink(path);
    return run;
}

static struct run *read_str(const char *s)
{
    return read_bytes(s, strlen(s));
}

static void item_free(struct item *it)
{
    char **s[] = {&it->segment,     &it->field,  &it->detail,  &it->record_id,
                  &it->message_ref, &it->sender, &it->carrier, &it->number,
                  &it->departure,   &it->reason, &it->raw,     &it->interchange};
    for (size_t i = 0; i < sizeof s / sizeof s[0]; i++)
        free(*s[i]);
}

static void run_free(struct run *run)
{
    for (long i = 0; i < run->n_rej && i < MAX_ITEMS; i++)
        item_free(&run->rej[i]);
    for (long i = 0; i < run->n_find && i < MAX_ITEMS; i++)
        item_free(&run->find[i]);
    pw_arena_free(run->arena);
    free(run);
}

/* The record whose surname is surname. */
static const pw_record *by_surname(const struct run *run, const char *surname)
{
    for (long i = 0; i < run->n_rec; i++)
        if (run->rec[i].traveller.surname && strcmp(run->rec[i].traveller.surname, surname) == 0)
            return &run->rec[i];
    cr_assert_fail("no record for %s", surname);
    return NULL;
}

static long count_kind(const struct run *run, enum pw_finding_kind kind)
{
    long n = 0;
    for (long i = 0; i < run->n_find && i < MAX_ITEMS; i++)
        n += run->find[i].kind == kind;
    return n;
}

/* The finding of kind whose detail contains needle (asserted to exist). */
static const struct item *finding(const struct run *run, enum pw_finding_kind kind,
                                  const char *needle)
{
    for (long i = 0; i < run->n_find && i < MAX_ITEMS; i++)
        if (run->find[i].kind == kind && strstr(run->find[i].detail, needle))
            return &run->find[i];
    for (long i = 0; i < run->n_find && i < MAX_ITEMS; i++)
        cr_log_info("finding %s: %s", pw_finding_kind_name(run->find[i].kind), run->find[i].detail);
    cr_assert_fail("no %s finding with '%s'", pw_finding_kind_name(kind), needle);
    return NULL;
}

/* The number of problems found: findings other than message receipts. */
static long problems(const struct run *run)
{
    return run->n_find - count_kind(run, PW_FINDING_MESSAGE);
}

static void expect_str(const char *got, const char *want, const char *what)
{
    if (!want) {
        cr_expect_null(got, "%s: '%s', expected NULL", what, got);
        return;
    }
    cr_expect(got && strcmp(got, want) == 0, "%s: '%s', expected '%s'", what, got ? got : "(null)",
              want);
}

static void expect_date(pw_date d, const char *want, const char *what)
{
    char buf[11];
    pw_date_format(d, buf);
    cr_expect_str_eq(buf, want, "%s", what);
}

static void expect_flight(const pw_flight *f, const char *carrier, const char *number,
                          const char *origin, const char *destination, const char *departure,
                          const char *arrival)
{
    expect_str(f->carrier, carrier, "carrier");
    expect_str(f->number, number, "number");
    expect_str(f->origin, origin, "origin");
    expect_str(f->destination, destination, "destination");
    expect_str(f->departure, departure, "departure");
    expect_str(f->arrival, arrival, "arrival");
}

/* ---- tokenizer ---------------------------------------------------------------------- */

Test(edifact, default_delimiters_without_una)
{
    expect_tokens("UNB+UNOA:4+AIR1+DHS'UNH+1+PAXLST:D:05B:UN:IATA'NAD+FL+++DOE:JOHN'UNZ+1+1'",
                  "UNB|UNOA:4|AIR1|DHS\n"
                  "UNH|1|PAXLST:D:05B:UN:IATA\n"
                  "NAD|FL|||DOE:JOHN\n"
                  "UNZ|1|1\n");
}

Test(edifact, una_declares_any_delimiter_set)
{
    /* component |, element ^, decimal ',', release !, reserved _, terminator ~ */
    expect_tokens("UNA|^,!_~UNB^UNOA|4^X~NAD^FL^^^O!^BRIEN|ANNE!|MARIE~UNZ^1^1~",
                  "UNA\n"
                  "UNB|UNOA:4|X\n"
                  "NAD|FL|||O^BRIEN:ANNE|MARIE\n"
                  "UNZ|1|1\n");
    /* the GTAS airline2 set: * between elements, $ ending segments, a space reserved */
    expect_tokens("UNA:*.? $UNB*UNOA:4*SDT:ZZ$UNZ*1*X$", "UNA\nUNB|UNOA:4|SDT:ZZ\nUNZ|1|X\n");
    /* a newline as the segment terminator, and no release character (space) */
    expect_tokens("UNA:+.  \nUNB+UNOA:4+A?B\nUNZ+1+1\n", "UNA\nUNB|UNOA:4|A?B\nUNZ|1|1\n");
}

Test(edifact, release_character)
{
    expect_tokens("UNB+X'NAD+FL+++O?'NEIL:MARY?+ANN?:JO+A??B'UNZ+1+1'",
                  "UNB|X\nNAD|FL|||O'NEIL:MARY+ANN:JO|A?B\nUNZ|1|1\n");
}

Test(edifact, defaults_come_back_after_unz)
{
    expect_tokens("UNA:*.? $UNB*X$UNZ*1*1$\nUNB+Y+Z:W'UNZ+1+2'",
                  "UNA\nUNB|X\nUNZ|1|1\nUNB|Y|Z:W\nUNZ|1|2\n");
}

Test(edifact, lines_crlf_spaces_and_several_segments_per_line)
{
    expect_tokens("  UNB+X'\r\n   UNH+1+PAXLST'BGM+745'\r\nNAD+FL+++SMI\r\nTH:JO\nHN'\r\n\r\n"
                  "UNG +PAXLST+A'UNZ+1+1'",
                  "UNB|X\nUNH|1|PAXLST\nBGM|745\nNAD|FL|||SMITH:JOHN\nUNG|PAXLST|A\n"
                  "UNZ|1|1\n");
}

Test(edifact, trailing_spaces_in_a_tag)
{
    /* gtas_airline2.edi: "UNG *PAXLST*...": the space is not part of the tag */
    expect_tokens("UNA:*.? $UNB*X$UNG *PAXLST*AMERICAN AIRLINES:ZZ$UNZ*1*1$",
                  "UNA\nUNB|X\nUNG|PAXLST|AMERICAN AIRLINES:ZZ\nUNZ|1|1\n");
}

Test(edifact, junk_after_unz_and_before_unb)
{
    expect_tokens("UNB+X'UNZ+1+1'\n13Nov09\n", "UNB|X\nUNZ|1|1\nJUNK@15+8 '13Nov09.'\n");
    expect_tokens("header line\nUNB+X'UNZ+1+1'", "JUNK@0+12 'header line.'\nUNB|X\nUNZ|1|1\n");
    expect_tokens("UNB+X'UNZ+1+1'trailer\n  UNB+Y'UNZ+1+2'",
                  "UNB|X\nUNZ|1|1\nJUNK@14+10 'trailer.  '\nUNB|Y\nUNZ|1|2\n");
}

Test(edifact, positions_of_segments)
{
    static const char in[] = "UNB+X'\nUNH+1'\r\n  BGM+745'";
    FILE *fp = fmemopen((void *)in, sizeof in - 1, "r");
    pw_edi *e = pw_edi_new(fp);
    pw_edi_segment s;
    pw_error fail;
    long long offsets[3];
    long lines[3], ordinals[3];
    for (int i = 0; i < 3; i++) {
        cr_assert_eq(pw_edi_next(e, &s, NULL, NULL, &fail), PW_EDI_SEGMENT);
        offsets[i] = s.offset;
        lines[i] = s.line;
        ordinals[i] = s.ordinal;
    }
    cr_expect_eq(offsets[0], 0);
    cr_expect_eq(offsets[1], 7);
    cr_expect_eq(offsets[2], 17);
    cr_expect_eq(lines[0], 1);
    cr_expect_eq(lines[1], 2);
    cr_expect_eq(lines[2], 3);
    cr_expect_eq(ordinals[2], 3);
    cr_expect_eq(s.raw_len, 8);
    cr_expect(memcmp(s.raw, "BGM+745'", 8) == 0);
    cr_expect_eq(pw_edi_next(e, &s, NULL, NULL, &fail), PW_EDI_END);
    pw_edi_free(e);
    fclose(fp);
}

Test(edifact, latin1_values_become_utf8)
{
    /* UNOC (ISO 8859-1): M\xDCLLER; valid UTF-8 is left alone */
    expect_tokens("UNB+UNOC:3+X'NAD+FL+++M\xDCLLER:J\xC3\xB6RG'UNZ+1+1'",
                  "UNB|UNOC:3|X\nNAD|FL|||M\xC3\x9CLLER:J\xC3\xB6RG\nUNZ|1|1\n");
}

Test(edifact, syntax_errors_name_offset_ordinal_tag_and_expectation)
{
    /* a bad tag: the segment is skipped whole, the next one is read */
    expect_tokens("UNB+X'nad+FL'UNZ+1+1'",
                  "UNB|X\nERROR@6#2 nad: expected a segment tag (three capital letters) followed "
                  "by '+', found 'nad'\nUNZ|1|1\n");
    /* a NUL byte inside a segment */
    static const char nul[] = "UNB+X'NAD+F\0L'UNZ+1+1'";
    char *got = tokens(nul, sizeof nul - 1);
    cr_expect_str_eq(got, "UNB|X\nERROR@11#2 NAD: a NUL byte inside segment NAD: expected text\n"
                          "UNZ|1|1\n");
    free(got);
    /* the input ends after a release character */
    expect_tokens("UNB+X'NAD+A?", "UNB|X\nERROR@11#2 NAD: the input ends after the release "
                                  "character '?': expected the character it releases\n");
    /* a malformed UNA: its characters must differ; the defaults stay */
    expect_tokens("UNA::.? 'UNB+X'UNZ+1+1'",
                  "ERROR@0#1 UNA: UNA '::.? '': the component separator, element separator, "
                  "release character and segment terminator must differ\nUNB|X\nUNZ|1|1\n");
    expect_tokens("UNA:+", "ERROR@0#1 UNA: UNA must be followed by six service characters; the "
                           "input ends after 2\n");
}

Test(edifact, too_many_elements_and_too_long_segments)
{
    size_t n = 600 * 2 + 64;
    char *in = malloc(n);
    size_t k = (size_t)snprintf(in, n, "UNB+X'FTX");
    for (int i = 0; i < 600; i++)
        in[k++] = '+', in[k++] = 'a';
    k += (size_t)snprintf(in + k, n - k, "'UNZ+1+1'");
    char *got = tokens(in, k);
    cr_expect(strstr(got, "ERROR@") && strstr(got, "#2 FTX: segment FTX has more than 511 data "
                                                   "elements"),
              "%s", got);
    cr_expect(strstr(got, "\nUNZ|1|1\n"), "reading goes on: %s", got);
    free(got);
    free(in);

    /* 1.5 MB without a terminator: an error, then the next segment */
    size_t big = 3u << 19;
    in = malloc(big + 64);
    k = (size_t)snprintf(in, 64, "UNB+X'FTX+");
    memset(in + k, 'A', big);
    k += big;
    k += (size_t)snprintf(in + k, 64, "'UNZ+1+1'");
    got = tokens(in, k);
    cr_expect_str_eq(got, "UNB|X\nERROR@6#2 FTX: a segment longer than 1048576 bytes: expected "
                          "the segment terminator '''\nUNZ|1|1\n");
    free(got);
    free(in);
}

Test(edifact, segments_across_chunks_and_read2)
{
    /* 40,000 segments (about 1.3 MB: several chunks), read through a file (read(2)) and
     * through fmemopen (fread): the same segments, none lost at chunk boundaries */
    size_t cap = 40000 * 40 + 64, k = 0;
    char *in = malloc(cap);
    k += (size_t)snprintf(in + k, cap - k, "UNB+X'");
    for (int i = 0; i < 40000; i++)
        k += (size_t)snprintf(in + k, cap - k, "NAD+FL+++N%d:G?'%d'\n", i, i);
    k += (size_t)snprintf(in + k, cap - k, "UNZ+1+1'");
    char path[] = "/tmp/pw_test_edi.XXXXXX";
    int fd = mkstemp(path);
    cr_assert_eq(write(fd, in, k), (ssize_t)k);
    lseek(fd, 0, SEEK_SET);
    FILE *fp = fdopen(fd, "r");
    pw_edi *e = pw_edi_new(fp);
    pw_edi_segment s;
    pw_error fail;
    long n = 0, good = 0;
    char want[64];
    while (pw_edi_next(e, &s, NULL, NULL, &fail) == PW_EDI_SEGMENT) {
        if (strcmp(s.tag, "NAD") == 0) {
            snprintf(want, sizeof want, "N%ld", n);
            char want2[32];
            snprintf(want2, sizeof want2, "G'%ld", n);
            good += strcmp(pw_edi_value(&s, 4, 1), want) == 0 &&
                    strcmp(pw_edi_value(&s, 4, 2), want2) == 0;
            n++;
        }
    }
    cr_expect_eq(n, 40000);
    cr_expect_eq(good, 40000);
    cr_expect_eq(pw_edi_position(e), (long long)k);
    pw_edi_free(e);
    fclose(fp);
    unlink(path);
    char *got = tokens(in, k);
    cr_expect(strstr(got, "NAD|FL|||N39999:G'39999\nUNZ|1|1\n"));
    free(got);
    free(in);
}

/* ---- reader: features ------------------------------------------------------------------ */

Test(paxlst, every_traveller_field)
{
    struct run *run = read_edi(DATA("paxlst_full.edi"));
    cr_assert_eq(run->n_rej, 0);
    cr_assert_eq(run->n_rec, 1);
    const pw_record *r = &run->rec[0];
    expect_flight(&r->flight, "ZZ", "100", "LHR", "JFK", "2024-03-01T12:00", "2024-03-01T15:00");
    cr_expect_eq(r->flight.n_legs, 0, "one leg: no legs list");
    const pw_traveller *t = &r->traveller;
    cr_expect_eq(t->role, PW_ROLE_PASSENGER);
    expect_str(t->surname, "DOE", "surname");
    expect_str(t->given_names, "JANE MARY", "given and middle");
    cr_expect_eq(t->gender, 'F');
    expect_date(t->dob, "1985-06-12", "dob");
    expect_str(t->clearance, "JFK", "LOC+22");
    expect_str(t->residence, "GBR", "LOC+174");
    expect_str(t->embarkation, "LHR", "LOC+178");
    expect_str(t->debarkation, "JFK", "LOC+179");
    expect_str(t->birth_place, "LONDON", "LOC+180 place name");
    expect_str(t->nationality, "GBR", "NAT alpha-2 to alpha-3");
    expect_str(t->booking_ref, "ABC123", "RFF+AVF");
    expect_str(t->passenger_ref, "PAX0001", "RFF+ABO");
    expect_str(t->seat, "12A", "RFF+SEA");
    cr_assert_eq(t->n_documents, 2);
    expect_str(t->documents[0].type, "P", "doc type");
    expect_str(t->documents[0].number, "P12345678", "doc number");
    expect_str(t->documents[0].issuer, "GBR", "LOC+91");
    expect_date(t->documents[0].expiry, "2030-01-01", "DTM+36");
    expect_date(t->documents[0].issued, "2020-01-01", "DTM+182");
    expect_str(t->documents[1].type, "V", "second doc");
    expect_str(t->documents[1].issuer, "USA", "second issuer");
    expect_date(t->documents[1].expiry, "2025-01-01", "second expiry");
    /* provenance */
    expect_str(r->source.format, "paxlst", "format");
    expect_str(r->source.sender, "ZZAIR", "UNB sender");
    expect_str(r->source.recipient, "BORDER", "UNB recipient");
    expect_str(r->source.interchange_ref, "IC0001", "interchange");
    expect_str(r->source.group_ref, NULL, "no group");
    expect_str(r->source.message_ref, "M0001", "message");
    expect_str(r->source.reporting_party, "OPS DESK", "NAD+MS");
    expect_str(r->source.document_code, "745", "BGM");
    expect_str(r->source.document_type, "passenger_list", "type");
    expect_str(r->source.document_status, "CP", "sub-code");
    expect_str(r->source.document_action, "change", "action");
    cr_expect_eq(r->source.first_segment, 10);
    cr_expect_eq(r->source.last_segment, 28);
    cr_expect_eq(r->source_line, 11, "NAD is the 11th segment of the file");
    expect_str(r->source_file, DATA("paxlst_full.edi"), "file");
    cr_expect_eq(problems(run), 0, "a clean message has no findings");
    cr_expect_eq(count_kind(run, PW_FINDING_MESSAGE), 1, "one receipt");
    cr_expect_eq(run->find[0].count, 1, "the receipt counts one traveller");

    /* the JSON carries the extensions */
    pw_strbuf b = {0};
    pw_record_to_json(r, &b);
    cr_expect(strstr(b.data, "\"clearance\":\"JFK\""), "%s", b.data);
    cr_expect(strstr(b.data, "\"source\":{\"format\":\"paxlst\""), "%s", b.data);
    cr_expect(strstr(b.data, "\"document\":{\"code\":\"745\",\"type\":\"passenger_list\","
                             "\"status\":\"CP\",\"action\":\"change\"}"),
              "%s", b.data);
    cr_expect(strstr(b.data, "\"segments\":[10,28]"), "%s", b.data);
    pw_strbuf_free(&b);
    run_free(run);
}

Test(paxlst, una_delimiters_and_release_characters)
{
    struct run *run = read_edi(DATA("paxlst_una_delims.edi"));
    cr_assert_eq(run->n_rec, 1);
    const pw_traveller *t = &run->rec[0].traveller;
    expect_str(t->surname, "O^BRIEN", "released element separator");
    expect_str(t->given_names, "ANNE|MARIE", "released component separator");
    expect_str(t->booking_ref, "AB~12!", "released terminator and release character");
    expect_str(t->nationality, "IRL", "nationality");
    expect_flight(&run->rec[0].flight, "ZZ", "101", "CDG", "JFK", "2024-03-01T13:00",
                  "2024-03-01T16:00");
    cr_expect_eq(count_kind(run, PW_FINDING_CONTROL_MISMATCH), 0, "UNT counts 14 segments");
    run_free(run);
}

Test(paxlst, release_crlf_and_a_segment_over_lines)
{
    struct run *run = read_edi(DATA("paxlst_release.edi"));
    cr_assert_eq(run->n_rej, 0);
    cr_assert_eq(run->n_rec, 1);
    const pw_traveller *t = &run->rec[0].traveller;
    expect_str(t->surname, "O'NEIL", "released apostrophe");
    expect_str(t->given_names, "MARY+ANN", "a name split over three lines, released +");
    expect_date(t->dob, "1960-02-29", "a leap day");
    expect_str(t->booking_ref, "A:B?C", "released : and ?");
    cr_expect_eq(count_kind(run, PW_FINDING_CONTROL_MISMATCH), 0);
    run_free(run);
}

Test(paxlst, multi_part_messages_are_assembled)
{
    struct run *run = read_edi(DATA("paxlst_multipart.edi"));
    cr_assert_eq(run->n_rej, 0);
    cr_assert_eq(run->n_rec, 4);
    /* the single message between parts 2 and 3 comes out first: the assembly waits for
     * its final part */
    expect_str(run->rec[0].traveller.surname, "SOLO", "single message first");
    expect_str(run->rec[1].traveller.surname, "ALPHA", "part 1");
    expect_str(run->rec[2].traveller.surname, "BRAVO", "part 2");
    expect_str(run->rec[3].traveller.surname, "CHARLIE", "part 3");
    for (int i = 1; i <= 3; i++)
        expect_flight(&run->rec[i].flight, "ZZ", "200", "FRA", "ORD", "2024-03-01T10:00",
                      "2024-03-01T13:00");
    expect_str(run->rec[2].source.message_ref, "P2", "each traveller names its part");
    expect_str(run->rec[2].source.part, "2:C", "part label");
    expect_str(run->rec[3].source.part, "3:F", "final part");
    expect_flight(&run->rec[0].flight, "ZZ", "300", "MUC", "EWR", "2024-03-01T11:00",
                  "2024-03-01T14:00");
    cr_expect_eq(problems(run), 0, "CNT+42:3 in the final part counts the whole assembly");
    cr_expect_eq(count_kind(run, PW_FINDING_MESSAGE), 4, "a receipt per part");
    run_free(run);
}

Test(paxlst, multi_part_gaps_and_a_final_part_that_never_comes)
{
    struct run *run = read_edi(DATA("paxlst_multipart_gaps.edi"));
    cr_assert_eq(run->n_rec, 3, "travellers of incomplete messages are still screened");
    expect_str(run->rec[0].traveller.surname, "DELTA", "ACC1 part 1");
    expect_str(run->rec[1].traveller.surname, "ECHO", "ACC1 part 3");
    expect_str(run->rec[2].traveller.surname, "FOXTROT", "ACC2, at the end of the input");
    expect_flight(&run->rec[1].flight, "ZZ", "400", "AMS", "YYZ", "2024-03-01T09:00",
                  "2024-03-01T12:00");
    const struct item *f =
        finding(run, PW_FINDING_CONTROL_MISMATCH, "multi-part message ACC1: part 2 of 3 missing");
    expect_str(f->segment, "UNH", "segment");
    finding(run, PW_FINDING_COUNT_MISMATCH,
            "CNT+42 gives 3 passengers, the message has 2 (parts of the message are missing)");
    finding(run, PW_FINDING_CONTROL_MISMATCH,
            "multi-part message ACC2: the final part (F) never arrived");
    run_free(run);
}

Test(paxlst, crew_list)
{
    struct run *run = read_edi(DATA("paxlst_crew.edi"));
    cr_assert_eq(run->n_rec, 2);
    const pw_record *k = by_surname(run, "KILO");
    cr_expect_eq(k->traveller.role, PW_ROLE_CREW, "NAD+FM");
    expect_str(k->traveller.documents[0].type, "AC", "crew member certificate");
    expect_date(k->traveller.documents[0].expiry, "2026-12-31", "expiry");
    const pw_record *l = by_surname(run, "LIMA");
    cr_expect_eq(l->traveller.role, PW_ROLE_TRANSIT_CREW, "NAD+DDT");
    expect_str(l->source.document_type, "crew_list", "BGM+250");
    expect_str(l->source.document_status, "C", "sub-code");
    expect_str(l->source.group_ref, "GR6", "UNG reference");
    expect_flight(&l->flight, "ZZ", "600", "SIN", "SYD", "2024-03-01T23:00", "2024-03-02T09:00");
    cr_expect_eq(problems(run), 0, "CNT+41:2, UNE and UNZ agree");
    run_free(run);
}

Test(paxlst, multi_leg_flight_from_loc_92)
{
    struct run *run = read_edi(DATA("paxlst_multileg.edi"));
    cr_assert_eq(run->n_rec, 1);
    const pw_record *r = &run->rec[0];
    cr_expect_eq(r->traveller.role, PW_ROLE_TRANSIT_PASSENGER, "NAD+DDU");
    expect_date(r->traveller.dob, "1999-01-01", "two-digit year before the flight");
    /* no LOC+125/87: the last leg is the flight */
    expect_flight(&r->flight, "ZZ", "701", "HNL", "LAX", "2024-03-01T14:00", "2024-03-01T21:00");
    cr_assert_eq(r->flight.n_legs, 2);
    expect_flight(&r->flight.legs[0], "ZZ", "700", "NRT", "HNL", "2024-03-01T01:00",
                  "2024-03-01T12:00");
    expect_flight(&r->flight.legs[1], "ZZ", "701", "HNL", "LAX", "2024-03-01T14:00",
                  "2024-03-01T21:00");
    pw_strbuf b = {0};
    pw_record_to_json(r, &b);
    cr_expect(strstr(b.data, "\"legs\":[{\"carrier\":\"ZZ\",\"number\":\"700\""), "%s", b.data);
    pw_strbuf_free(&b);
    cr_expect_eq(problems(run), 0);
    run_free(run);
}

Test(paxlst, every_control_mismatch)
{
    struct run *run = read_edi(DATA("paxlst_controls.edi"));
    cr_assert_eq(run->n_rec, 2, "control mismatches never stop screening");
    cr_expect_eq(run->n_rej, 0);
    const struct item *f =
        finding(run, PW_FINDING_COUNT_MISMATCH, "CNT+42 gives 5 passengers, the message has 1");
    expect_str(f->message_ref, "K1", "message");
    cr_expect_eq(f->line, 13, "CNT is segment 13 of the message");
    expect_str(f->carrier, "ZZ", "flight");
    finding(run, PW_FINDING_COUNT_MISMATCH, "CNT+41 gives 0 crew members, the message has 1");
    f = finding(run, PW_FINDING_CONTROL_MISMATCH, "UNT gives 99 segments, the message has 14");
    expect_str(f->segment, "UNT", "segment");
    finding(run, PW_FINDING_CONTROL_MISMATCH, "UNT reference 'K9' differs from UNH reference 'K1'");
    f = finding(run, PW_FINDING_CONTROL_MISMATCH, "UNE gives 3 messages, 1 read");
    cr_expect_eq(f->line, 17, "outside a message: the segment's ordinal in the file");
    expect_str(f->sender, "ZZAIR", "sender");
    expect_str(f->interchange, "IC0008", "interchange");
    finding(run, PW_FINDING_CONTROL_MISMATCH, "UNE reference 'GR9' differs from UNG 'GR8'");
    finding(run, PW_FINDING_CONTROL_MISMATCH, "UNZ gives 2 groups, 1 read");
    finding(run, PW_FINDING_CONTROL_MISMATCH, "UNZ reference 'IC9999' differs from UNB 'IC0008'");
    cr_expect_eq(count_kind(run, PW_FINDING_CONTROL_MISMATCH), 6);
    cr_expect_eq(count_kind(run, PW_FINDING_COUNT_MISMATCH), 2);
    run_free(run);
}

Test(paxlst, missing_trailers_and_segments)
{
    struct run *run = read_edi(DATA("paxlst_missing_trailers.edi"));
    cr_assert_eq(run->n_rec, 1);
    expect_str(run->rec[0].source.document_type, "passenger_list", "no BGM: a passenger list");
    finding(run, PW_FINDING_STRUCTURE, "no BGM");
    finding(run, PW_FINDING_STRUCTURE, "no TDT");
    finding(run, PW_FINDING_STRUCTURE, "no CNT+42 or CNT+41");
    finding(run, PW_FINDING_CONTROL_MISMATCH, "group GR9 has no UNE trailer");
    finding(run, PW_FINDING_CONTROL_MISMATCH, "interchange IC0009 has no UNZ trailer");
    run_free(run);
}

Test(paxlst, several_interchanges_and_messages_per_file)
{
    struct run *run = read_edi(DATA("paxlst_several.edi"));
    cr_assert_eq(run->n_rec, 3);
    expect_str(run->rec[0].traveller.surname, "XRAY", "first interchange ($ and *)");
    expect_str(run->rec[0].source.interchange_ref, "IC0011A", "interchange A");
    expect_date(run->rec[0].traveller.dob, "2001-01-01", "dob");
    expect_str(run->rec[1].traveller.surname, "YANKEE", "second interchange (defaults)");
    expect_str(run->rec[2].traveller.surname, "ZULU", "second message of it");
    expect_str(run->rec[2].source.interchange_ref, "IC0011B", "interchange B");
    expect_flight(&run->rec[2].flight, "ZZ", "112", "KEF", "BOS", "2024-03-01T11:00",
                  "2024-03-01T14:00");
    const struct item *f = finding(run, PW_FINDING_STRUCTURE, "not EDIFACT after UNZ");
    cr_expect(strstr(f->detail, "'garbage line between'"), "%s", f->detail);
    cr_expect_eq(problems(run), 1, "the junk line is the only problem");
    run_free(run);
}

Test(paxlst, document_codes_and_sub_codes)
{
    struct run *run =
        read_str("UNB+UNOA:4+A+B+240301:0900+1'UNH+1+PAXLST:D:05B:UN:IATA'BGM+266+CLOB'"
                 "TDT+20+ZZ1+++ZZ'LOC+125+AAA'DTM+189:2403010900:201'LOC+87+BBB'"
                 "NAD+FL+++CLOSE:OUT'DTM+329:700101'DOC+P+1'CNT+42:1'UNT+12+1'"
                 "UNH+2+PAXLST:D:05B:UN:IATA'BGM+745+XR'TDT+20+ZZ1+++ZZ'NAD+FL+++CANCEL:ME'"
                 "DTM+329:700101'DOC+P+2'CNT+42:1'UNT+8+2'"
                 "UNH+3+PAXLST:D:05B:UN:IATA'BGM+999'TDT+20+ZZ1+++ZZ'NAD+FL+++ODD:CODE'"
                 "DTM+329:700101'DOC+P+3'CNT+42:1'UNT+8+3'UNZ+3+1'");
    cr_assert_eq(run->n_rec, 3);
    expect_str(by_surname(run, "CLOSE")->source.document_type, "flight_status_update", "266");
    expect_str(by_surname(run, "CLOSE")->source.document_action, "close_out", "CLOB");
    expect_str(by_surname(run, "CANCEL")->source.document_action, "cancel", "XR");
    expect_str(by_surname(run, "ODD")->source.document_type, NULL, "unknown code");
    expect_str(by_surname(run, "ODD")->source.document_code, "999", "kept as sent");
    finding(run, PW_FINDING_UNKNOWN_CODE, "document name code '999'");
    run_free(run);
}

Test(paxlst, century_rules)
{
    /* flight on 2024-03-01: a birth date cannot be after it, expiry takes the nearest */
    struct run *run =
        read_str("UNB+UNOA:4+A+B+240301:0900+1'UNH+1+PAXLST:D:05B:UN:IATA'BGM+745'"
                 "TDT+20+ZZ1+++ZZ'LOC+125+AAA'DTM+189:2403010900:201'LOC+87+BBB'"
                 "NAD+FL+++BABY:ONE'DTM+329:240229'DOC+P+1'DTM+36:700101'"
                 "NAD+FL+++OLD:TWO'DTM+329:240302'DOC+P+2'DTM+36:340101'DTM+182:890101'"
                 "NAD+FL+++FOUR:DIGITS'DTM+329:19240302:102'DOC+P+3'"
                 "CNT+42:3'UNT+20+1'UNZ+1+1'");
    cr_assert_eq(run->n_rec, 3);
    expect_date(by_surname(run, "BABY")->traveller.dob, "2024-02-29", "the day before");
    expect_date(by_surname(run, "BABY")->traveller.documents[0].expiry, "2070-01-01",
                "46 years ahead is nearer than 54 back");
    expect_date(by_surname(run, "OLD")->traveller.dob, "1924-03-02", "the day after: 1924");
    expect_date(by_surname(run, "OLD")->traveller.documents[0].expiry, "2034-01-01", "expiry");
    expect_date(by_surname(run, "OLD")->traveller.documents[0].issued, "1989-01-01", "issue");
    expect_date(by_surname(run, "FOUR")->traveller.dob, "1924-03-02", "CCYYMMDD (102)");
    cr_expect_eq(problems(run), 0);
    run_free(run);
}

Test(paxlst, same_message_again_gives_the_same_record_ids)
{
    static const char body[] =
        "UNH+%s+PAXLST:D:05B:UN:IATA'BGM+745'TDT+20+ZZ1+++ZZ'LOC+125+AAA'"
        "DTM+189:2403010900:201'LOC+87+BBB'NAD+FL+++SAME:ONE'DTM+329:700101'DOC+P+1'"
        "CNT+42:1'UNT+11+%s'";
    char a[1024], b[1024];
    int n = snprintf(a, sizeof a, "UNB+UNOA:4+A+B+240301:0900+IC1'");
    n += snprintf(a + n, sizeof a - (size_t)n, body, "M1", "M1");
    snprintf(a + n, sizeof a - (size_t)n, "UNZ+1+IC1'");
    n = snprintf(b, sizeof b, "UNA:+.? '\nUNB+UNOA:4+A+B+240302:0900+IC2'\n");
    n += snprintf(b + n, sizeof b - (size_t)n, body, "M7", "M7");
    snprintf(b + n, sizeof b - (size_t)n, "UNZ+1+IC2'");
    struct run *ra = read_str(a), *rb = read_str(b);
    cr_assert_eq(ra->n_rec, 1);
    cr_assert_eq(rb->n_rec, 1);
    cr_expect_str_eq(ra->rec[0].record_id, rb->rec[0].record_id,
                     "provenance is not content: a re-sent message makes no new record");
    expect_str(rb->rec[0].source.interchange_ref, "IC2", "but the provenance differs");
    run_free(ra);
    run_free(rb);
}

/* ---- reader: error classes --------------------------------------------------------- */

Test(paxlst, a_syntax_error_rejects_its_message_only)
{
    struct run *run = read_edi(DATA("paxlst_err_syntax.edi"));
    cr_assert_eq(run->n_rec, 1, "the next message of the interchange is read");
    expect_str(run->rec[0].traveller.surname, "VICTOR", "message E2");
    cr_assert_eq(run->n_rej, 1);
    const struct item *rej = &run->rej[0];
    cr_expect_eq(rej->line, 10, "reject line: the file ordinal of the bad segment");
    expect_str(rej->field, "nad", "field: the segment tag as read");
    cr_expect(strstr(rej->reason, "message E1") && strstr(rej->reason, "byte 194") &&
                  strstr(rej->reason, "segment 10 of the input (9 of the message)") &&
                  strstr(rej->reason, "expected a segment tag") &&
                  strstr(rej->reason, "not screened"),
              "%s", rej->reason);
    cr_expect(rej->raw && strncmp(rej->raw, "UNH+E1+PAXLST", 13) == 0, "raw: the message");
    const struct item *f = finding(run, PW_FINDING_REJECTED, "message E1");
    expect_str(f->message_ref, "E1", "message");
    cr_expect_eq(f->line, 9, "the segment in the message");
    cr_expect_eq(count_kind(run, PW_FINDING_STRUCTURE), 0,
                 "the rest of the broken message is skipped quietly");
    cr_expect_eq(count_kind(run, PW_FINDING_CONTROL_MISMATCH), 0, "UNZ counts both messages");
    run_free(run);
}

Test(paxlst, input_that_ends_inside_a_message)
{
    struct run *run = read_edi(DATA("paxlst_err_truncated.edi"));
    cr_assert_eq(run->n_rec, 1, "the complete message before is screened");
    expect_str(run->rec[0].traveller.surname, "WHOLE", "W0");
    cr_assert_eq(run->n_rej, 1);
    cr_expect(strstr(run->rej[0].reason, "message W1") &&
                  strstr(run->rej[0].reason, "the input ends at byte") &&
                  strstr(run->rej[0].reason, "expected UNT"),
              "%s", run->rej[0].reason);
    expect_str(run->rej[0].field, "UNT", "what was expected");
    finding(run, PW_FINDING_CONTROL_MISMATCH, "interchange IC0013 has no UNZ trailer");
    run_free(run);
}

Test(paxlst, unh_before_unt)
{
    struct run *run = read_edi(DATA("paxlst_err_unh.edi"));
    cr_assert_eq(run->n_rec, 1);
    expect_str(run->rec[0].traveller.surname, "XAVIER", "X2");
    cr_assert_eq(run->n_rej, 1);
    cr_expect(strstr(run->rej[0].reason, "message X1") &&
                  strstr(run->rej[0].reason, "UNH at segment 9 of the message: expected UNT "
                                             "first"),
              "%s", run->rej[0].reason);
    expect_str(run->rej[0].field, "UNH", "field");
    run_free(run);
}

Test(paxlst, a_message_that_is_not_paxlst)
{
    struct run *run = read_edi(DATA("paxlst_err_type.edi"));
    cr_assert_eq(run->n_rec, 1);
    expect_str(run->rec[0].traveller.surname, "YOUNG", "the PAXLST message");
    cr_assert_eq(run->n_rej, 1);
    cr_expect(strstr(run->rej[0].reason, "message type 'CUSRES' is not PAXLST"), "%s",
              run->rej[0].reason);
    cr_expect_eq(run->rej[0].line, 2, "UNH's ordinal");
    run_free(run);
}

Test(paxlst, a_traveller_without_a_name_is_rejected_alone)
{
    struct run *run = read_edi(DATA("paxlst_err_noname.edi"));
    cr_assert_eq(run->n_rec, 1);
    expect_str(run->rec[0].traveller.surname, "ZETA", "the named traveller");
    cr_assert_eq(run->n_rej, 2);
    cr_expect_eq(run->rej[0].line, 9, "the NAD's ordinal in the file");
    expect_str(run->rej[0].field, "NAD", "field");
    cr_expect(strstr(run->rej[0].reason, "traveller at segment 8 of message Z1") &&
                  strstr(run->rej[0].reason, "a name is required"),
              "%s", run->rej[0].reason);
    expect_str(run->rej[0].raw, "NAD+FL+++:NOSURNAME'", "raw: the NAD");
    cr_expect(strstr(run->rej[1].reason, "NAD+FM"), "%s", run->rej[1].reason);
    cr_expect_eq(count_kind(run, PW_FINDING_REJECTED), 2);
    cr_expect_eq(count_kind(run, PW_FINDING_COUNT_MISMATCH), 0,
                 "CNT counts the travellers sent, named or not");
    run_free(run);
}

Test(paxlst, a_malformed_una)
{
    struct run *run = read_edi(DATA("paxlst_err_una.edi"));
    cr_assert_eq(run->n_rec, 1, "the defaults are used");
    const struct item *f = finding(run, PW_FINDING_STRUCTURE, "UNA '::.? ''");
    cr_expect(strstr(f->detail, "syntax error at byte 0, segment 1, UNA"), "%s", f->detail);
    run_free(run);
}

Test(paxlst, nul_byte_and_release_at_the_end)
{
    static const char nul[] = "UNB+A+B+1+1'UNH+1+PAXLST:D:05B:UN:IATA'BGM+745'NAD+FL+++N\0UL'"
                              "UNT+4+1'UNZ+1+1'";
    struct run *run = read_bytes(nul, sizeof nul - 1);
    cr_expect_eq(run->n_rec, 0);
    cr_assert_eq(run->n_rej, 1);
    cr_expect(strstr(run->rej[0].reason, "a NUL byte inside segment NAD"), "%s",
              run->rej[0].reason);
    expect_str(run->rej[0].field, "NAD", "field");
    run_free(run);

    run = read_str("UNB+A+B+1+1'UNH+1+PAXLST:D:05B:UN:IATA'NAD+FL+++X?");
    cr_assert_eq(run->n_rej, 1);
    cr_expect(strstr(run->rej[0].reason, "ends after the release character"), "%s",
              run->rej[0].reason);
    run_free(run);
}

Test(paxlst, a_broken_unh)
{
    /* a UNH that cannot be read: the message is skipped to its UNT and rejected whole */
    static const char in[] = "UNB+UNOA:4+A+B+240301:0900+1'UNH+1+PAXLST\0'BGM+745'"
                             "NAD+FL+++LOST:ONE'UNT+4+1'UNH+2+PAXLST:D:05B:UN:IATA'BGM+745'"
                             "TDT+20+ZZ1+++ZZ'NAD+FL+++KEPT:TWO'DTM+329:700101'DOC+P+1'"
                             "CNT+42:1'UNT+8+2'UNZ+2+1'";
    struct run *run = read_bytes(in, sizeof in - 1);
    cr_assert_eq(run->n_rec, 1);
    expect_str(run->rec[0].traveller.surname, "KEPT", "the next message");
    cr_assert_eq(run->n_rej, 1);
    expect_str(run->rej[0].field, "UNH", "field");
    cr_expect(strstr(run->rej[0].reason, "NUL byte"), "%s", run->rej[0].reason);
    cr_expect_eq(count_kind(run, PW_FINDING_STRUCTURE), 0, "no segment is 'outside a message'");
    cr_expect_eq(count_kind(run, PW_FINDING_CONTROL_MISMATCH), 0, "UNZ counts both");
    run_free(run);
}

Test(paxlst, input_without_an_interchange)
{
    struct run *run = read_str("this is not EDIFACT\nat all\n");
    cr_expect_eq(run->n_rec, 0);
    cr_assert_eq(run->n_rej, 1);
    cr_expect(strstr(run->rej[0].reason, "no UNB interchange header"), "%s", run->rej[0].reason);
    finding(run, PW_FINDING_STRUCTURE, "before the first UNB");
    run_free(run);

    run = read_str("");
    cr_expect_eq(run->n_rec, 0);
    cr_expect_eq(run->n_rej, 1, "an empty input says so too");
    run_free(run);
}

Test(paxlst, memory_stays_bounded_for_hostile_input)
{
    /* a traveller with 40 DOCs keeps 32 and says so; a message with 300 misplaced
     * segments keeps 256 findings about them; a traveller's issues stop at 32 */
    pw_strbuf b = {0};
    pw_strbuf_append(&b, "UNB+UNOA:4+A+B+240301:0900+1'UNH+1+PAXLST:D:05B:UN:IATA'BGM+745'"
                         "TDT+20+ZZ1+++ZZ'NAD+FL+++MANY:DOCS'DTM+329:700101'");
    for (int i = 0; i < 40; i++)
        pw_strbuf_printf(&b, "DOC+P+N%d'", i);
    for (int i = 0; i < 20; i++)
        pw_strbuf_append(&b, "NAT+2+XXQ'");
    pw_strbuf_append(&b, "CNT+42:1'UNT+67+1'");
    pw_strbuf_append(&b, "UNH+2+PAXLST:D:05B:UN:IATA'BGM+745'");
    for (int i = 0; i < 300; i++)
        pw_strbuf_append(&b, "DTM+189:2403011000:201'");
    pw_strbuf_append(&b, "TDT+20+ZZ1+++ZZ'NAD+FL+++ONE:MORE'CNT+42:1'UNT+306+2'UNZ+2+1'");
    struct run *run = read_bytes(b.data, b.len);
    pw_strbuf_free(&b);
    cr_assert_eq(run->n_rec, 2);
    cr_expect_eq(by_surname(run, "MANY")->traveller.n_documents, 32);
    finding(run, PW_FINDING_MALFORMED_DOCUMENT, "more than 32 DOC segments");
    cr_expect_eq(count_kind(run, PW_FINDING_UNKNOWN_COUNTRY), 20, "each bad NAT, under the cap");
    /* message 1: receipt, 20 countries, documents; message 2: 256 of the 300 "DTM before
     * any TDT", then its receipt and ONE's missing date of birth and document */
    cr_expect_eq(run->n_find, 22 + 256 + 3, "%ld findings", run->n_find);
    run_free(run);
}

Test(paxlst, long_values_and_many_travellers_are_copied_whole)
{
    /* records are copied out of the reader a run of values at a time: travellers whose
     * values fill the reader's string blocks, spill over one, or are long enough to be
     * held apart must come out intact, and stay so after the reader is closed */
    enum { N = 60 };
    char name[N][1400];
    pw_strbuf b = {0};
    pw_strbuf_append(&b, "UNB+UNOA:4+A+B+240301:0900+1'UNH+1+PAXLST:D:05B:UN:IATA'BGM+745'"
                         "TDT+20+ZZ1+++ZZ'LOC+125+OSL'DTM+189:2403011000:201'LOC+87+BGO'");
    for (int i = 0; i < N; i++) {
        size_t len = i == 7 ? 1300 : 200 + (size_t)(i * 53) % 700; /* one over 1 KiB */
        for (size_t k = 0; k < len; k++)
            name[i][k] = (char)('A' + (i + k) % 26);
        name[i][len] = '\0';
        pw_strbuf_printf(&b,
                         "NAD+FL+++%s:GIVEN%d:MIDDLE'NAT+2+DE'RFF+AVF:BK%d'DOC+P+N%d'LOC+91+FR'",
                         name[i], i, i, i);
    }
    pw_strbuf_printf(&b, "CNT+42:%d'UNT+%d+1'UNZ+1+1'", N, 6 + 5 * N + 2);
    struct run *run = read_bytes(b.data, b.len);
    pw_strbuf_free(&b);
    cr_assert_eq(run->n_rec, N);
    for (int i = 0; i < N; i++) {
        const pw_record *r = &run->rec[i];
        char want[64];
        expect_str(r->traveller.surname, name[i], "surname");
        snprintf(want, sizeof want, "GIVEN%d MIDDLE", i);
        expect_str(r->traveller.given_names, want, "given names");
        snprintf(want, sizeof want, "BK%d", i);
        expect_str(r->traveller.booking_ref, want, "booking ref");
        expect_str(r->traveller.nationality, "DEU", "nationality");
        cr_assert_eq(r->traveller.n_documents, 1);
        snprintf(want, sizeof want, "N%d", i);
        expect_str(r->traveller.documents[0].number, want, "document number");
        expect_str(r->traveller.documents[0].issuer, "FRA", "issuer");
        expect_flight(&r->flight, "ZZ", "1", "OSL", "BGO", "2024-03-01T10:00", NULL);
        expect_str(r->source.message_ref, "1", "message");
        expect_str(r->source.sender, "A", "sender");
        char id[33];
        pw_record_content_id(r, id);
        expect_str(r->record_id, id, "record id");
    }
    run_free(run);
}

Test(paxlst, latin1_names)
{
    struct run *run = read_str("UNB+UNOC:3+A+B+1+1'UNH+1+PAXLST:D:05B:UN:IATA'BGM+745'"
                               "NAD+FL+++M\xDCLLER:J\xD6RG'UNT+4+1'UNZ+1+1'");
    cr_assert_eq(run->n_rec, 1);
    expect_str(run->rec[0].traveller.surname, "M\xC3\x9CLLER", "ISO 8859-1 to UTF-8");
    expect_str(run->rec[0].traveller.given_names, "J\xC3\x96RG", "given");
    run_free(run);
}

Test(paxlst, standard_input_pipe)
{
    int fds[2];
    cr_assert_eq(pipe(fds), 0);
    FILE *in = fopen(DATA("paxlst_multipart.edi"), "rb");
    char buf[4096];
    size_t n = fread(buf, 1, sizeof buf, in);
    fclose(in);
    cr_assert_eq(write(fds[1], buf, n), (ssize_t)n);
    close(fds[1]);
    cr_assert_eq(dup2(fds[0], 0), 0);
    close(fds[0]);
    struct run *run = read_path("-", PW_INPUT_AUTO);
    cr_expect_eq(run->n_rec, 4, "the peeked bytes are replayed");
    expect_str(run->rec[3].traveller.surname, "CHARLIE", "last");
    expect_str(run->rec[3].source_file, "-", "file");
    run_free(run);
}

/* ---- data quality ------------------------------------------------------------------- */

Test(paxlst, data_quality_findings)
{
    struct run *run = read_edi(DATA("paxlst_quality.edi"));
    cr_assert_eq(run->n_rej, 0);
    cr_assert_eq(run->n_rec, 8, "every traveller is screened");
    const struct item *f = finding(run, PW_FINDING_MISSING_DOB, "no date of birth");
    expect_str(f->record_id, by_surname(run, "NODOB")->record_id, "names the record");
    cr_expect_eq(f->line, 8, "the traveller's NAD in the message");
    expect_str(f->segment, "NAD", "segment");
    expect_str(f->sender, "ZZAIR", "sender");
    expect_str(f->message_ref, "Q1", "message");
    expect_str(f->carrier, "ZZ", "carrier");
    expect_str(f->number, "120", "flight number");
    expect_str(f->departure, "2024-03-01T10:00", "departure");

    f = finding(run, PW_FINDING_MISSING_DOCUMENT, "no travel document");
    expect_str(f->record_id, by_surname(run, "NODOC")->record_id, "record");

    f = finding(run, PW_FINDING_EXPIRED_DOCUMENT,
                "document 1 (P) expired on 2023-01-01, before the flight on 2024-03-01");
    expect_str(f->segment, "DOC", "segment");
    cr_expect_eq(f->line, 14, "the DOC");
    cr_expect_eq(by_surname(run, "EXPIRED")->traveller.n_documents, 1, "kept");

    const pw_record *m = by_surname(run, "MALFORMED");
    cr_expect_eq(m->traveller.n_documents, 1, "the DOC without a number is left out");
    finding(run, PW_FINDING_MALFORMED_DOCUMENT, "DOC without a document number");
    f = finding(run, PW_FINDING_MALFORMED_DOCUMENT, "not 1 to 25 letters and digits");
    cr_expect(!strstr(f->detail, "AB-12"), "no document number in the detail");

    const pw_record *c = by_surname(run, "COUNTRY");
    expect_str(c->traveller.nationality, NULL, "unknown NAT left empty");
    expect_str(c->traveller.residence, NULL, "unknown LOC+174 left empty");
    expect_str(c->traveller.documents[0].issuer, NULL, "unknown LOC+91 left empty");
    f = finding(run, PW_FINDING_UNKNOWN_COUNTRY, "NAT+2: unknown country code 'XXQ'");
    expect_str(f->field, "traveller.nationality", "field");
    cr_expect_eq(f->line, 22, "the NAT");
    finding(run, PW_FINDING_UNKNOWN_COUNTRY, "LOC+174: unknown country code 'ZZZ'");
    finding(run, PW_FINDING_UNKNOWN_COUNTRY, "LOC+91: unknown country code 'QQQ'");

    const pw_record *d = by_surname(run, "BADDATE");
    cr_expect(!pw_date_is_set(d->traveller.dob), "invalid DTM+329 left empty");
    cr_expect(!pw_date_is_set(d->traveller.documents[0].expiry), "invalid DTM+36 left empty");
    f = finding(run, PW_FINDING_INVALID_DATE, "DTM+329 '801301': not a calendar date");
    expect_str(f->field, "traveller.dob", "field");
    finding(run, PW_FINDING_INVALID_DATE, "DTM+36 '300231'");

    cr_expect_eq(by_surname(run, "GENDER")->traveller.gender, 0, "unknown gender left empty");
    finding(run, PW_FINDING_UNKNOWN_CODE, "ATT+2 gender 'Q'");
    f = finding(run, PW_FINDING_PLACEHOLDER_NAME, "placeholder");
    expect_str(f->record_id, by_surname(run, "SMITH")->record_id, "record");
    expect_str(f->field, "traveller.given_names", "FNU as the given name");

    /* nothing else: a traveller with an invalid DOB has no missing_dob too */
    cr_expect_eq(count_kind(run, PW_FINDING_MISSING_DOB), 1);
    cr_expect_eq(count_kind(run, PW_FINDING_MISSING_DOCUMENT), 1);
    cr_expect_eq(problems(run), 12);
    /* the details name codes and positions, never the travellers */
    for (long i = 0; i < run->n_find; i++) {
        static const char *const names[] = {"NODOB",   "ANNA",   "EXPIRED", "MALFORMED", "COUNTRY",
                                            "BADDATE", "GENDER", "SMITH",   "GIL"};
        for (size_t k = 0; k < sizeof names / sizeof names[0]; k++)
            cr_expect(!strstr(run->find[i].detail, names[k]), "%s", run->find[i].detail);
    }
    run_free(run);
}

/* ---- the shared GTAS samples: one test per quirk of SOURCES.md ------------------------- */

Test(samples, multiple_flight_leg_multi_leg)
{
    struct run *run = read_edi(SAMPLE("gtas_multiple_flight_leg.edi"));
    cr_assert_eq(run->n_rec, 2);
    const pw_record *r = by_surname(run, "BARRETT");
    /* LOC+125/87 give the reported leg; the LOC+92 pairs the earlier legs */
    expect_flight(&r->flight, "QQ", "827", "JFK", "CDG", "2008-08-10T20:00", "2008-08-11T06:30");
    cr_assert_eq(r->flight.n_legs, 3);
    expect_flight(&r->flight.legs[0], "QQ", "877", "MIA", "IAD", "2008-07-10T15:00",
                  "2008-07-10T17:55");
    expect_flight(&r->flight.legs[1], "QQ", "827", "IAD", "JFK", "2008-08-10T18:30",
                  "2008-08-10T19:30");
    run_free(run);
}

Test(samples, multiple_flight_leg_several_segments_on_one_line)
{
    /* line 1 holds UNA, UNB, UNG and UNH */
    struct run *run = read_edi(SAMPLE("gtas_multiple_flight_leg.edi"));
    const pw_record *r = by_surname(run, "LANG");
    expect_str(r->source.sender, "APIS*ABE", "UNB on line 1 ('*' is data here)");
    expect_str(r->source.group_ref, "123456789", "UNG on line 1");
    expect_str(r->source.message_ref, "123456789", "UNH on line 1");
    cr_expect_eq(r->source.first_segment, 33);
    cr_expect_eq(count_kind(run, PW_FINDING_CONTROL_MISMATCH), 0, "UNT+46 is right");
    run_free(run);
}

Test(samples, multiple_flight_leg_junk_after_unz)
{
    struct run *run = read_edi(SAMPLE("gtas_multiple_flight_leg.edi"));
    cr_expect_eq(run->n_rej, 0, "junk is a warning, not a failure");
    const struct item *f = finding(run, PW_FINDING_STRUCTURE, "after UNZ");
    cr_expect(strstr(f->detail, "7 bytes") && strstr(f->detail, "'13Nov09'"), "%s", f->detail);
    expect_str(f->sender, "APIS*ABE", "the sender it came with");
    cr_expect_eq(problems(run), 1);
    run_free(run);
}

Test(samples, airline2_custom_delimiters_and_crlf)
{
    struct run *run = read_edi(SAMPLE("gtas_airline2.edi"));
    cr_assert_eq(run->n_rec, 10, "ten travellers");
    const pw_record *r = by_surname(run, "BETTON");
    expect_str(r->traveller.given_names, "DAVID", "'*' elements, ':' components, no CR");
    expect_str(r->traveller.documents[0].number, "178556534", "$-terminated, CRLF");
    expect_flight(&r->flight, "TN", "506", "BRE", "YEU", "2014-05-11T13:40", "2014-05-11T17:00");
    run_free(run);
}

Test(samples, airline2_space_inside_ung)
{
    struct run *run = read_edi(SAMPLE("gtas_airline2.edi"));
    /* "UNG *PAXLST*...": read as UNG, so the group and its UNE check out */
    expect_str(run->rec[0].source.group_ref, "1402111800", "UNG reference");
    for (long i = 0; i < run->n_find; i++)
        cr_expect(!strstr(run->find[i].detail, "UNE") && !strstr(run->find[i].detail, "UNG"), "%s",
                  run->find[i].detail);
    run_free(run);
}

Test(samples, airline2_multi_part_unh)
{
    struct run *run = read_edi(SAMPLE("gtas_airline2.edi"));
    expect_str(run->rec[0].source.part, "10:F", "UNH S010 10:F");
    finding(run, PW_FINDING_CONTROL_MISMATCH, "multi-part message AA346: parts 1-9 of 10 missing");
    finding(run, PW_FINDING_COUNT_MISMATCH, "CNT+42 gives 136 passengers, the message has 10");
    finding(run, PW_FINDING_CONTROL_MISMATCH, "UNT gives 121 segments, the message has 111");
    finding(run, PW_FINDING_CONTROL_MISMATCH, "UNT reference '140211180 0' differs");
    cr_expect_eq(problems(run), 4);
    run_free(run);
}

Test(samples, apis_message_leading_spaces)
{
    struct run *run = read_edi(SAMPLE("gtas_apisMessage.edi"));
    cr_assert_eq(run->n_rec, 2);
    expect_str(run->rec[0].source.sender, "AIR1", "UNB after a leading space");
    expect_str(run->rec[0].source.recipient, "DHS", "recipient");
    cr_expect_eq(count_kind(run, PW_FINDING_CONTROL_MISMATCH), 0, "UNT+33, UNE+1+1 and UNZ agree");
    run_free(run);
}

Test(samples, apis_message_una_with_a_reserved_star)
{
    /* UNA:+.?*' declares '*' as the repetition separator: it is not a delimiter here */
    struct run *run = read_edi(SAMPLE("gtas_apisMessage.edi"));
    const pw_record *r = by_surname(run, "CLARK");
    expect_str(r->source.reporting_party, "JOHN SMITH", "NAD+MS");
    expect_flight(&r->flight, "AA", "124", "ORD", "JFK", "2007-02-19T18:40", "2007-02-19T19:55");
    cr_assert_eq(r->flight.n_legs, 2, "two TDTs with LOC+92 pairs");
    run_free(run);
}

Test(samples, apis_message_passengers_without_documents)
{
    struct run *run = read_edi(SAMPLE("gtas_apisMessage.edi"));
    cr_expect_eq(run->rec[0].traveller.n_documents, 0);
    cr_expect_eq(count_kind(run, PW_FINDING_MISSING_DOCUMENT), 2, "both are reported");
    cr_expect_eq(problems(run), 2);
    run_free(run);
}
