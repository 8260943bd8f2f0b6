/*
 * Traveller record readers (engine/ingest/reader.c, jsonl.c, record_csv.c) and
 * pw_record_normalise: input that cannot be read as a record, or has no name, is
 * rejected with its line, field and reason while the good records around it still come
 * out; a field-level problem (invalid date, unknown country, role or gender, a field of
 * the wrong type) keeps the record with that field empty and becomes a data-quality
 * finding naming the line and field; format detection (BOM, blanks, pipes, PAXLST); and
 * yente's 50,000 synthetic travellers (negatives_us.csv, read from PW_SHARED_DATA) read
 * as they are. The PAXLST reader has its own tests (test_paxlst.c).
 *
 * Fixtures: tests/data/records_*.{jsonl,csv}. Inputs whose bytes matter (CRLF, BOM,
 * very long lines) are written to a temporary file by the test itself.
 */
#include <criterion/criterion.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/core.h"
#include "ingest/ingest.h"

#define DATA(name) PW_TEST_DATA "/" name
#define NEGATIVES PW_SHARED_DATA "/passengers/negatives_us.csv"

/* ---- helpers -------------------------------------------------------------- */

#define MAX_REJECTS 64

/* What the reject callback saw (copies: the strings live only during the call). */
struct rejects {
    long n;
    long line[MAX_REJECTS];
    char *field[MAX_REJECTS];
    char *reason[MAX_REJECTS];
    char *raw[MAX_REJECTS];
    char *kind[MAX_REJECTS];
    char *source[MAX_REJECTS];
};

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

static void on_reject(void *ctx, const pw_reject *rej)
{
    struct rejects *r = ctx;
    if (r->n < MAX_REJECTS) {
        r->line[r->n] = rej->line;
        r->field[r->n] = dup_or_null(rej->field);
        r->reason[r->n] = dup_or_null(rej->reason);
        r->raw[r->n] = dup_or_null(rej->raw);
        r->kind[r->n] = dup_or_null(rej->kind);
        r->source[r->n] = dup_or_null(rej->source);
    }
    r->n++;
}

/* What the findings callback saw (copies). */
#define MAX_FINDINGS 64
struct findings {
    long n;
    enum pw_finding_kind kind[MAX_FINDINGS];
    long line[MAX_FINDINGS];
    char *field[MAX_FINDINGS];
    char *detail[MAX_FINDINGS];
    char *record_id[MAX_FINDINGS];
};

static void on_finding(void *ctx, const pw_finding *f)
{
    struct findings *fs = ctx;
    if (fs->n < MAX_FINDINGS) {
        fs->kind[fs->n] = f->kind;
        fs->line[fs->n] = f->line;
        fs->field[fs->n] = dup_or_null(f->field);
        fs->detail[fs->n] = dup_or_null(f->detail);
        fs->record_id[fs->n] = dup_or_null(f->record_id);
    }
    fs->n++;
}

static void findings_free(struct findings *fs)
{
    for (long i = 0; i < fs->n && i < MAX_FINDINGS; i++) {
        free(fs->field[i]);
        free(fs->detail[i]);
        free(fs->record_id[i]);
    }
    memset(fs, 0, sizeof *fs);
}

/* Asserts a finding of kind on line for field, whose detail contains needle. */
static void expect_finding(const struct findings *fs, long line, enum pw_finding_kind kind,
                           const char *field, const char *needle)
{
    for (long i = 0; i < fs->n && i < MAX_FINDINGS; i++) {
        if (fs->line[i] != line || fs->kind[i] != kind || !fs->field[i] ||
            strcmp(fs->field[i], field) != 0)
            continue;
        cr_expect(fs->detail[i] && strstr(fs->detail[i], needle),
                  "line %ld: detail '%s' lacks '%s'", line,
                  fs->detail[i] ? fs->detail[i] : "(null)", needle);
        cr_expect(fs->record_id[i] && strlen(fs->record_id[i]) > 0,
                  "line %ld: a finding about a kept record names it", line);
        return;
    }
    cr_assert_fail("no %s finding on line %ld for %s", pw_finding_kind_name(kind), line, field);
}

static void rejects_free(struct rejects *r)
{
    for (long i = 0; i < r->n && i < MAX_REJECTS; i++) {
        free(r->field[i]);
        free(r->reason[i]);
        free(r->raw[i]);
        free(r->kind[i]);
        free(r->source[i]);
    }
    memset(r, 0, sizeof *r);
}

/* Index of the reject on line, or -1. */
static long reject_at(const struct rejects *r, long line)
{
    for (long i = 0; i < r->n && i < MAX_REJECTS; i++)
        if (r->line[i] == line)
            return i;
    return -1;
}

/* Asserts a reject on line for field (NULL: no field) whose reason contains needle. */
static void expect_reject(const struct rejects *r, long line, const char *field, const char *needle)
{
    long i = reject_at(r, line);
    cr_assert_geq(i, 0, "no reject on line %ld", line);
    if (field)
        cr_expect(r->field[i] && strcmp(r->field[i], field) == 0,
                  "line %ld: field '%s', expected '%s'", line, r->field[i] ? r->field[i] : "(null)",
                  field);
    else
        cr_expect_null(r->field[i], "line %ld: field '%s', expected none", line, r->field[i]);
    cr_expect(r->reason[i] && strstr(r->reason[i], needle), "line %ld: reason '%s' lacks '%s'",
              line, r->reason[i] ? r->reason[i] : "(null)", needle);
}

/* Reads every record of path; keeps up to max records (copied shallowly: their
 * strings stay in arena) and, when fs is not NULL, the findings. Returns the number of
 * records. */
/* A record line for surname whose member x holds arrays nested depth deep. */
static void nested_record(char *out, size_t cap, const char *surname, int depth)
{
    size_t k = (size_t)snprintf(out, cap, "{\"traveller\": {\"surname\": \"%s\"}, \"x\": ",
                                surname);
    cr_assert_lt(k + 2 * (size_t)depth + 2, cap);
    memset(out + k, '[', (size_t)depth);
    memset(out + k + depth, ']', (size_t)depth);
    k += 2 * (size_t)depth;
    out[k++] = '}';
    out[k] = '\0';
}

static long read_all_findings(const char *path, enum pw_input_format fmt, pw_arena *arena,
                              pw_record *recs, long max, struct rejects *rej, struct findings *fs)
{
    pw_reader *r;
    pw_error err;
    int rc = pw_reader_open(path, fmt, &r, &err);
    cr_assert_eq(rc, 0, "open %s: %s", path, err.msg);
    if (fs)
        pw_reader_set_findings(r, on_finding, fs);
    long n = 0;
    pw_record rec;
    while ((rc = pw_reader_next(r, arena, &rec, on_reject, rej, &err)) == 1) {
        if (n < max)
            recs[n] = rec;
        n++;
    }
    cr_assert_eq(rc, 0, "next %s: %s", path, err.msg);
    pw_reader_close(r);
    return n;
}

static long read_all(const char *path, enum pw_input_format fmt, pw_arena *arena, pw_record *recs,
                     long max, struct rejects *rej)
{
    return read_all_findings(path, fmt, arena, recs, max, rej, NULL);
}

/* Temporary files live in one directory per test process (Criterion runs each test in
 * its own process), removed at exit. */
static char tmp_dir[] = "/tmp/pw_test_reader.XXXXXX";
static bool tmp_made;
static char tmp_files[8][64];
static int n_tmp_files;

static void remove_temps(void)
{
    char path[1024];
    for (int i = 0; i < n_tmp_files; i++) {
        snprintf(path, sizeof path, "%s/%s", tmp_dir, tmp_files[i]);
        unlink(path);
    }
    rmdir(tmp_dir);
}

/* Writes n bytes to a file in the temporary directory; returns its path (static). */
static const char *write_temp(const char *name, const char *data, size_t n)
{
    static char path[256];
    if (!tmp_made) {
        cr_assert_not_null(mkdtemp(tmp_dir));
        tmp_made = true;
        atexit(remove_temps);
    }
    bool known = false;
    for (int i = 0; i < n_tmp_files; i++)
        known = known || strcmp(tmp_files[i], name) == 0;
    if (!known) {
        cr_assert_lt(n_tmp_files, 8);
        snprintf(tmp_files[n_tmp_files++], sizeof tmp_files[0], "%s", name);
    }
    snprintf(path, sizeof path, "%s/%s", tmp_dir, name);
    FILE *fp = fopen(path, "wb");
    cr_assert_not_null(fp);
    cr_assert_eq(fwrite(data, 1, n, fp), n);
    cr_assert_eq(fclose(fp), 0);
    return path;
}

static const char *write_temp_str(const char *name, const char *data)
{
    return write_temp(name, data, strlen(data));
}

/* Makes standard input a pipe holding data (small enough for the pipe buffer). */
static void stdin_from_pipe(const char *data)
{
    int fds[2];
    cr_assert_eq(pipe(fds), 0);
    size_t n = strlen(data);
    cr_assert_eq(write(fds[1], data, n), (ssize_t)n);
    close(fds[1]);
    cr_assert_eq(dup2(fds[0], 0), 0);
    close(fds[0]);
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

/* ---- format names and opening ---------------------------------------------- */

Test(reader, format_names)
{
    enum pw_input_format f;
    cr_expect_eq(pw_input_format_parse("auto", &f), 0);
    cr_expect_eq(f, PW_INPUT_AUTO);
    cr_expect_eq(pw_input_format_parse("jsonl", &f), 0);
    cr_expect_eq(f, PW_INPUT_JSONL);
    cr_expect_eq(pw_input_format_parse("csv", &f), 0);
    cr_expect_eq(f, PW_INPUT_CSV);
    cr_expect_eq(pw_input_format_parse("paxlst", &f), 0);
    cr_expect_eq(f, PW_INPUT_PAXLST);
    cr_expect_eq(pw_input_format_parse("xml", &f), PW_EINVAL);
    cr_expect_eq(pw_input_format_parse("", &f), PW_EINVAL);
}

Test(reader, unreadable_file_is_eio_naming_it)
{
    pw_reader *r = (pw_reader *)1;
    pw_error err;
    memset(&err, 0, sizeof err);
    int rc = pw_reader_open(DATA("records_does_not_exist.jsonl"), PW_INPUT_AUTO, &r, &err);
    cr_assert_eq(rc, PW_EIO);
    cr_expect_null(r);
    cr_expect_eq(err.code, PW_EIO);
    cr_expect(strstr(err.msg, "cannot open '" DATA("records_does_not_exist.jsonl") "'"), "%s",
              err.msg);
    cr_expect(strstr(err.msg, strerror(ENOENT)), "%s", err.msg);

    rc = pw_reader_open(PW_TEST_DATA, PW_INPUT_CSV, &r, &err);
    cr_assert_eq(rc, PW_EIO, "a directory is not readable input");
    cr_expect(strstr(err.msg, strerror(EISDIR)), "%s", err.msg);
}

Test(reader, paxlst_is_detected)
{
    pw_reader *r = NULL;
    pw_error err;
    const char *edi = PW_SHARED_DATA "/paxlst/gtas_apisMessage.edi"; /* leading spaces */
    cr_assert_eq(pw_reader_open(edi, PW_INPUT_AUTO, &r, &err), 0, "%s", err.msg);
    cr_expect_eq(pw_reader_format(r), PW_INPUT_PAXLST);
    pw_reader_close(r);
    const char *unb = write_temp_str("unb.edi", "\xEF\xBB\xBF\n  UNB+UNOA:4+AIR1'");
    cr_assert_eq(pw_reader_open(unb, PW_INPUT_AUTO, &r, &err), 0, "%s", err.msg);
    cr_expect_eq(pw_reader_format(r), PW_INPUT_PAXLST);
    pw_reader_close(r);

    /* JSON read as PAXLST: no interchange, so one reject saying so, and no record */
    pw_arena *a = pw_arena_new(0);
    struct rejects rej = {0};
    cr_expect_eq(read_all(DATA("records_good.jsonl"), PW_INPUT_PAXLST, a, NULL, 0, &rej), 0);
    cr_assert_eq(rej.n, 1);
    cr_expect(strstr(rej.reason[0], "no UNB interchange header"), "%s", rej.reason[0]);
    rejects_free(&rej);
    pw_arena_free(a);
}

Test(reader, auto_detects_jsonl_and_csv)
{
    pw_reader *r;
    pw_error err;
    cr_assert_eq(pw_reader_open(DATA("records_good.jsonl"), PW_INPUT_AUTO, &r, &err), 0);
    cr_expect_eq(pw_reader_format(r), PW_INPUT_JSONL);
    pw_reader_close(r);
    cr_assert_eq(pw_reader_open(DATA("records_basic.csv"), PW_INPUT_AUTO, &r, &err), 0);
    cr_expect_eq(pw_reader_format(r), PW_INPUT_CSV);
    pw_reader_close(r);
    /* "UN" alone is not PAXLST: a CSV whose first column is named UN... */
    const char *un = write_temp_str("un.csv", "UNKNOWN,surname\n1,DOE\n");
    cr_assert_eq(pw_reader_open(un, PW_INPUT_AUTO, &r, &err), 0);
    cr_expect_eq(pw_reader_format(r), PW_INPUT_CSV);
    pw_reader_close(r);
}

Test(reader, empty_input_has_no_records)
{
    const char *path = write_temp_str("empty", "");
    pw_arena *a = pw_arena_new(0);
    struct rejects rej = {0};
    for (int f = PW_INPUT_AUTO; f <= PW_INPUT_CSV; f++)
        cr_expect_eq(read_all(path, (enum pw_input_format)f, a, NULL, 0, &rej), 0);
    cr_expect_eq(rej.n, 0);
    pw_arena_free(a);
}

/* ---- JSON Lines ------------------------------------------------------------- */

Test(jsonl, reads_every_contract_field)
{
    pw_arena *a = pw_arena_new(0);
    struct rejects rej = {0};
    pw_record recs[4];
    long n = read_all(DATA("records_good.jsonl"), PW_INPUT_AUTO, a, recs, 4, &rej);
    cr_assert_eq(rej.n, 0, "reject: line %ld %s", rej.line[0], rej.reason[0]);
    cr_assert_eq(n, 3);

    const pw_record *r = &recs[0];
    expect_str(r->record_id, "r-1", "record_id");
    expect_str(r->flight.carrier, "QQ", "carrier");
    expect_str(r->flight.number, "877", "number");
    expect_str(r->flight.origin, "JFK", "origin");
    expect_str(r->flight.destination, "CDG", "destination");
    expect_str(r->flight.departure, "2008-08-10T20:00", "departure");
    expect_str(r->flight.arrival, "2008-08-11T06:30", "arrival");
    const pw_traveller *t = &r->traveller;
    cr_expect_eq(t->role, PW_ROLE_PASSENGER);
    expect_str(t->surname, "BARRETT", "surname");
    expect_str(t->given_names, "TODD", "given_names");
    expect_str(t->full_name, "TODD BARRETT", "full_name");
    cr_expect_eq(t->gender, 'M');
    expect_date(t->dob, "1968-02-23", "dob");
    expect_str(t->nationality, "FRA", "nationality");
    expect_str(t->residence, "FRA", "residence");
    expect_str(t->birth_place, "PARIS", "birth_place");
    expect_str(t->embarkation, "MIA", "embarkation");
    expect_str(t->debarkation, "CDG", "debarkation");
    expect_str(t->booking_ref, "GJIO3RT", "booking_ref");
    expect_str(t->passenger_ref, "UUI34T543", "passenger_ref");
    expect_str(t->seat, "12A", "seat");
    cr_assert_eq(t->n_documents, 1);
    expect_str(t->documents[0].type, "P", "doc type");
    expect_str(t->documents[0].number, "YY3478621G", "doc number");
    expect_str(t->documents[0].issuer, "FRA", "doc issuer");
    expect_date(t->documents[0].expiry, "2008-12-30", "doc expiry");
    expect_str(r->source_file, DATA("records_good.jsonl"), "source_file");
    cr_expect_eq(r->source_line, 1);

    /* line 3 (after a blank line): trimmed, names, words, generated id, empty doc */
    r = &recs[1];
    cr_expect_eq(r->source_line, 3);
    cr_expect_eq(r->traveller.role, PW_ROLE_CREW);
    expect_str(r->traveller.full_name, "Ana María Pérez", "full_name trimmed");
    expect_str(r->traveller.surname, NULL, "surname");
    cr_expect_eq(r->traveller.gender, 'F');
    expect_date(r->traveller.dob, "1975-06", "partial dob");
    expect_str(r->traveller.nationality, "ESP", "country name");
    cr_assert_eq(r->traveller.n_documents, 1, "the empty document is dropped");
    expect_str(r->traveller.documents[0].issuer, "ESP", "alpha-2 issuer");
    expect_date(r->traveller.documents[0].issued, "2020-01-02", "issued");
    expect_date(r->traveller.documents[0].expiry, "2030", "expiry");
    cr_assert_not_null(r->record_id);
    cr_expect_eq(strlen(r->record_id), 32, "content id: '%s'", r->record_id);

    /* nulls are absent fields, unknown fields are ignored */
    r = &recs[2];
    expect_str(r->traveller.surname, "NULLS", "surname");
    expect_str(r->traveller.given_names, NULL, "given_names");
    cr_expect(!pw_date_is_set(r->traveller.dob));
    cr_expect_eq(r->traveller.n_documents, 0);
    pw_arena_free(a);
}

/* The record read from line, or NULL. */
static const pw_record *record_at(const pw_record *recs, long n, long line)
{
    for (long i = 0; i < n; i++)
        if (recs[i].source_line == line)
            return &recs[i];
    return NULL;
}

Test(jsonl, bad_lines_are_rejected_bad_fields_are_findings)
{
    pw_arena *a = pw_arena_new(0);
    struct rejects rej = {0};
    struct findings fs = {0};
    pw_record recs[16];
    long n = read_all_findings(DATA("records_mixed.jsonl"), PW_INPUT_JSONL, a, recs, 16, &rej, &fs);
    /* only what cannot be read, or has no name, is rejected */
    cr_assert_eq(rej.n, 5);
    expect_reject(&rej, 2, NULL, "invalid JSON at column");
    expect_reject(&rej, 4, NULL, "must be a JSON object, not an array");
    expect_reject(&rej, 9, "traveller.surname", "a name is required: surname or full_name");
    expect_reject(&rej, 12, "traveller.surname", "duplicate key: traveller.surname is given twice");
    expect_reject(&rej, 13, "traveller.surname", "a name is required");

    /* the rest is screened, with the bad field left empty and a finding */
    cr_assert_eq(n, 11);
    expect_str(recs[0].traveller.surname, "FIRST", "first good");
    cr_expect_eq(recs[0].source_line, 1);
    const pw_record *r = record_at(recs, n, 10);
    cr_assert_not_null(r);
    expect_str(r->traveller.full_name, "Jane Roe", "middle good");
    expect_str(r->traveller.nationality, "FRA", "lowercase alpha-2");
    cr_expect_eq(record_at(recs, n, 14)->source_line, 14);

    r = record_at(recs, n, 5);
    cr_assert_not_null(r, "\"dob\": 123 keeps the traveller");
    cr_expect(!pw_date_is_set(r->traveller.dob));
    expect_finding(&fs, 5, PW_FINDING_INVALID_FIELD, "traveller.dob",
                   "must be a string, not a number");
    r = record_at(recs, n, 6);
    cr_assert_not_null(r);
    cr_expect(!pw_date_is_set(r->traveller.dob), "an invalid date is left empty");
    expect_finding(&fs, 6, PW_FINDING_INVALID_DATE, "traveller.dob", "invalid date '1968-02-30'");
    r = record_at(recs, n, 7);
    cr_assert_not_null(r);
    expect_str(r->traveller.nationality, NULL, "unknown country left empty");
    expect_finding(&fs, 7, PW_FINDING_UNKNOWN_COUNTRY, "traveller.nationality",
                   "unknown country 'Atlantis'");
    r = record_at(recs, n, 8);
    cr_assert_not_null(r);
    cr_expect_eq(r->traveller.role, PW_ROLE_PASSENGER, "unknown role read as passenger");
    expect_finding(&fs, 8, PW_FINDING_UNKNOWN_CODE, "traveller.role", "unknown role 'pilot'");
    r = record_at(recs, n, 11);
    cr_assert_not_null(r);
    cr_assert_eq(r->traveller.n_documents, 1, "the document is kept");
    expect_str(r->traveller.documents[0].issuer, NULL, "without its unknown issuer");
    expect_finding(&fs, 11, PW_FINDING_UNKNOWN_COUNTRY, "traveller.documents[0].issuer",
                   "unknown country 'Nowhere'");
    r = record_at(recs, n, 15);
    cr_assert_not_null(r);
    expect_str(r->flight.departure, NULL, "invalid time left empty");
    expect_finding(&fs, 15, PW_FINDING_INVALID_DATE, "flight.departure",
                   "invalid time 'yesterday'");
    cr_assert_not_null(record_at(recs, n, 16), "a flight that is not an object is dropped");
    expect_finding(&fs, 16, PW_FINDING_INVALID_FIELD, "flight", "must be an object, not a string");
    r = record_at(recs, n, 17);
    cr_assert_not_null(r);
    cr_expect_eq(r->traveller.gender, 0);
    expect_finding(&fs, 17, PW_FINDING_UNKNOWN_CODE, "traveller.gender", "unknown gender 'yes'");
    cr_expect_eq(fs.n, 8, "one finding per bad field, nothing about good lines");
    findings_free(&fs);

    long i = reject_at(&rej, 2);
    cr_expect_str_eq(rej.kind[i], "record");
    cr_expect_str_eq(rej.source[i], DATA("records_mixed.jsonl"));
    cr_expect_str_eq(rej.raw[i], "{\"traveller\": {\"surname\": \"SYNTAX\"", "raw line");
    rejects_free(&rej);
    pw_arena_free(a);
}

/* The event walk (simdjson's DOM): what it keeps, what it skips and what it refuses. */
Test(jsonl, members_skipped_mistyped_and_refused)
{
    char deep[1400];
    nested_record(deep, sizeof deep, "DEEP", 600);
    char *data = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&data, &len);
    fputs(/* 1: unknown members of every shape are skipped, twice or not */
          "{\"z\": [[[]], {\"a\": {\"b\": [1, null]}}], \"traveller\": {\"x\": {\"surname\": "
          "\"NO\"}, \"surname\": \"KEPT\", \"x\": true}, \"z\": 1}\n"
          /* 2: a container where a string belongs is a finding; a string where the
           * documents array belongs too */
          "{\"traveller\": {\"surname\": \"TYPED\", \"seat\": {\"row\": 1}, \"documents\": "
          "\"P1\"}}\n"
          /* 3: documents: elements that are not objects are findings, the others kept,
           * however many */
          "{\"traveller\": {\"surname\": \"DOCS\", \"documents\": [1, {\"number\": \"A1\", "
          "\"x\": {\"number\": \"NO\"}}, [2], {\"number\": \"A3\"}, {\"number\": \"A4\"}, "
          "{\"number\": \"A5\"}, {\"number\": \"A6\"}]}}\n"
          /* 4: escapes are decoded */
          "{\"traveller\": {\"surname\": \"M\\u00fcller\\t\\\"Jr\\\"\"}}\n"
          /* 5: a NUL escape is refused */
          "{\"traveller\": {\"surname\": \"A\\u0000B\"}}\n"
          /* 6, 7: trailing text and a second value are refused */
          "{\"traveller\": {\"surname\": \"A\"}} x\n"
          "{\"traveller\": {\"surname\": \"A\"}} {}\n"
          /* 8: a record is an object */
          "\"just a string\"\n"
          /* 9: a field given twice is refused, null or not */
          "{\"flight\": {\"number\": null, \"number\": \"1\"}, \"traveller\": {\"surname\": "
          "\"A\"}}\n",
          mem);
    fputs(deep, mem); /* 10 */
    fputc('\n', mem);
    fputs("{\"traveller\": {\"surname\": \"A\", \"given_names\": \"B\xC0\x80\"}}\n"
          "{\"flight\": {\"carrier\": \"\xED\xA0\x80\"}, \"traveller\": {\"surname\": \"A\"}}\n",
          mem);
    fclose(mem);
    const char *path = write_temp("events.jsonl", data, len);
    free(data);
    pw_arena *a = pw_arena_new(0);
    struct rejects rej = {0};
    struct findings fs = {0};
    pw_record recs[16];
    long n = read_all_findings(path, PW_INPUT_JSONL, a, recs, 16, &rej, &fs);
    cr_expect_eq(n, 4);
    expect_str(record_at(recs, n, 1)->traveller.surname, "KEPT", "unknown members skipped");
    const pw_record *r = record_at(recs, n, 2);
    cr_assert_not_null(r);
    cr_expect_null(r->traveller.seat);
    cr_expect_eq(r->traveller.n_documents, 0);
    expect_finding(&fs, 2, PW_FINDING_INVALID_FIELD, "traveller.seat",
                   "must be a string, not an object");
    expect_finding(&fs, 2, PW_FINDING_INVALID_FIELD, "traveller.documents",
                   "must be an array, not a string");
    r = record_at(recs, n, 3);
    cr_assert_not_null(r);
    cr_assert_eq(r->traveller.n_documents, 5, "7 elements, 2 not documents");
    expect_str(r->traveller.documents[0].number, "A1", "first document");
    expect_str(r->traveller.documents[4].number, "A6", "last document");
    expect_finding(&fs, 3, PW_FINDING_MALFORMED_DOCUMENT, "traveller.documents[0]",
                   "must be an object, not a number");
    expect_finding(&fs, 3, PW_FINDING_MALFORMED_DOCUMENT, "traveller.documents[2]",
                   "must be an object, not an array");
    r = record_at(recs, n, 4);
    cr_assert_not_null(r);
    expect_str(r->traveller.surname, "M\xC3\xBCller\t\"Jr\"", "escapes decoded");
    expect_reject(&rej, 5, "traveller.surname", "traveller.surname holds a NUL character");
    expect_reject(&rej, 6, NULL, "invalid JSON at column 33: end of file expected near 'x'");
    expect_reject(&rej, 7, NULL, "invalid JSON at column 33: end of file expected near '{'");
    expect_reject(&rej, 8, NULL, "must be a JSON object, not a string");
    expect_reject(&rej, 9, "flight.number", "duplicate key: flight.number is given twice");
    expect_reject(&rej, 10, NULL, "nested too deep");
    /* 11, 12: bytes that are not UTF-8 (an overlong NUL, an encoded surrogate) are not
     * JSON: jansson names the byte and its column */
    expect_reject(&rej, 11, NULL, "invalid JSON at column 48: unable to decode byte 0xc0");
    expect_reject(&rej, 12, NULL, "invalid JSON at column 24: unable to decode byte 0xed");
    cr_expect_eq(rej.n, 8);
    findings_free(&fs);
    rejects_free(&rej);
    pw_arena_free(a);
}

/* What changed with simdjson: numbers out of range, lone surrogate escapes and bytes
 * that are not UTF-8 refuse the line even in members the reader does not know (yajl
 * skipped the first two and let overlong forms through); what did not: numbers in
 * range, a surrogate pair. A syntax error's column and words are jansson's. */
Test(jsonl, strict_json_and_jansson_columns)
{
    char deep[2600];
    nested_record(deep, sizeof deep, "A", 1100);
    char *data = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&data, &len);
    fputs(/* 1-3: numbers that fit neither a 64-bit integer nor a double */
          "{\"traveller\": {\"surname\": \"A\"}, \"x\": 1e400}\n"
          "{\"traveller\": {\"surname\": \"A\"}, \"x\": 18446744073709551616}\n"
          "{\"traveller\": {\"surname\": \"A\"}, \"x\": -9223372036854775809}\n"
          /* 4: a lone surrogate escape */
          "{\"traveller\": {\"surname\": \"A\"}, \"x\": \"\\uD800\"}\n"
          /* 5: an overlong form in a member not read */
          "{\"traveller\": {\"surname\": \"A\"}, \"x\": \"\xC0\x80\"}\n"
          /* 6: in range, and a pair: kept */
          "{\"traveller\": {\"surname\": \"KEPT\"}, \"x\": [18446744073709551615, "
          "-9223372036854775808, 1e-400, \"\\uD83D\\uDE00\"]}\n"
          /* 7: a syntax error: jansson's column (of the token it stopped at) and words */
          "{\"traveller\": {\"surname\" \"A\"}}\n"
          /* 8: the line ends inside a value: the column is the line's length */
          "{\"traveller\": {\"surname\": \"A\"}\n",
          mem);
    /* 9: jansson cannot read past a key holding \u0000: simdjson's words, no column */
    fputs("{\"traveller\": {\"surname\": \"A\"}, \"k\\u0000\": 1, \"x\": \"\\uD800\"}\n", mem);
    /* 10: ... unless simdjson found the line ending inside a string */
    fputs("{\"traveller\": {\"surname\": \"A\"}, \"k\\u0000\": 1, \"x\": \"abc\n", mem);
    fputs(deep, mem); /* 11: deeper than simdjson's limit (1024) */
    fputc('\n', mem);
    fclose(mem);
    const char *path = write_temp("strict.jsonl", data, len);
    free(data);
    pw_arena *a = pw_arena_new(0);
    struct rejects rej = {0};
    pw_record recs[4];
    long n = read_all(path, PW_INPUT_JSONL, a, recs, 4, &rej);
    cr_expect_eq(n, 1);
    expect_str(record_at(recs, n, 6)->traveller.surname, "KEPT", "numbers in range, a pair");
    expect_reject(&rej, 1, NULL, "invalid JSON at column 42: real number overflow near '1e400'");
    expect_reject(&rej, 2, NULL, "invalid JSON at column 57: too big integer");
    expect_reject(&rej, 3, NULL, "invalid JSON at column 57: too big negative integer");
    expect_reject(&rej, 4, NULL, "invalid JSON at column 45: invalid Unicode '\\uD800'");
    expect_reject(&rej, 5, NULL, "invalid JSON at column 38: unable to decode byte 0xc0");
    expect_reject(&rej, 7, NULL, "invalid JSON at column 28: ':' expected near '\"A\"'");
    expect_reject(&rej, 8, NULL,
                  "invalid JSON at column 30: the line ends inside a value (an object, array "
                  "or string not closed)");
    expect_reject(&rej, 9, NULL, "invalid JSON: Problem while parsing a string");
    expect_reject(&rej, 10, NULL,
                  "invalid JSON at column 55: the line ends inside a value (an object, array "
                  "or string not closed)");
    expect_reject(&rej, 11, NULL, "values nested too deep");
    cr_expect_eq(rej.n, 10);
    rejects_free(&rej);
    pw_arena_free(a);
}

Test(jsonl, crlf_bom_and_blank_lines)
{
    static const char data[] = "\xEF\xBB\xBF{\"traveller\": {\"surname\": \"ONE\"}}\r\n"
                               "\r\n"
                               "  \t\r\n"
                               "{\"traveller\": {\"surname\": \"TWO\", \"dob\": \"1970\"}}\r\n"
                               "{\"traveller\": {\"surname\": \"THREE\"}}"; /* no final EOL */
    const char *path = write_temp("crlf.jsonl", data, sizeof data - 1);
    pw_arena *a = pw_arena_new(0);
    struct rejects rej = {0};
    pw_record recs[4];
    long n = read_all(path, PW_INPUT_AUTO, a, recs, 4, &rej);
    cr_assert_eq(rej.n, 0, "reject: line %ld %s", rej.line[0], rej.reason[0]);
    cr_assert_eq(n, 3);
    expect_str(recs[0].traveller.surname, "ONE", "after BOM");
    expect_str(recs[1].traveller.surname, "TWO", "CRLF");
    cr_expect_eq(recs[1].source_line, 4);
    expect_date(recs[1].traveller.dob, "1970", "dob before CR");
    expect_str(recs[2].traveller.surname, "THREE", "no final newline");
    cr_expect_eq(recs[2].source_line, 5);
    pw_arena_free(a);
}

Test(jsonl, very_long_lines)
{
    size_t big = 3u << 20; /* 3 MB of given names */
    size_t cap = big + 256;
    char *data = malloc(cap * 2);
    cr_assert_not_null(data);
    size_t n =
        (size_t)snprintf(data, cap, "{\"traveller\": {\"surname\": \"LONG\", \"given_names\": \"");
    memset(data + n, 'A', big);
    n += big;
    n += (size_t)snprintf(data + n, cap * 2 - n, "\"}}\n{\"traveller\": {\"surname\": \"");
    memset(data + n, 'B', big); /* this one never closes its string: rejected */
    n += big;
    n += (size_t)snprintf(data + n, cap * 2 - n, "\n{\"traveller\": {\"surname\": \"AFTER\"}}\n");
    const char *path = write_temp("long.jsonl", data, n);
    free(data);

    pw_arena *a = pw_arena_new(0);
    struct rejects rej = {0};
    pw_record recs[4];
    long got = read_all(path, PW_INPUT_JSONL, a, recs, 4, &rej);
    cr_assert_eq(got, 2);
    cr_expect_eq(strlen(recs[0].traveller.given_names), big);
    expect_str(recs[1].traveller.surname, "AFTER", "after the long bad line");
    cr_expect_eq(recs[1].source_line, 3);
    cr_assert_eq(rej.n, 1);
    cr_expect_eq(rej.line[0], 2);
    cr_assert_not_null(rej.raw[0]);
    cr_expect_leq(strlen(rej.raw[0]), 4096, "raw text is truncated");
    cr_expect_geq(strlen(rej.raw[0]), 4000);
    rejects_free(&rej);
    pw_arena_free(a);
}

Test(jsonl, truncated_raw_keeps_utf8_whole)
{
    /* "é" is two bytes; pad so that the 4096-byte cut falls inside one */
    char line[6000];
    size_t n = (size_t)snprintf(line, sizeof line, "{\"x\": \"");
    while (n < 5000) {
        line[n++] = '\xC3';
        line[n++] = '\xA9';
    }
    line[n++] = '\n';
    const char *path = write_temp("utf8.jsonl", line, n);
    pw_arena *a = pw_arena_new(0);
    struct rejects rej = {0};
    cr_expect_eq(read_all(path, PW_INPUT_JSONL, a, NULL, 0, &rej), 0);
    cr_assert_eq(rej.n, 1);
    size_t len = strlen(rej.raw[0]);
    cr_expect_leq(len, 4096);
    cr_expect_neq((unsigned char)rej.raw[0][len - 1], 0xC3, "cut inside a character");
    rejects_free(&rej);
    pw_arena_free(a);
}

Test(jsonl, reads_standard_input_pipe)
{
    stdin_from_pipe("\n\n{\"traveller\": {\"surname\": \"PIPED\"}}\nnot json\n"
                    "{\"traveller\": {\"surname\": \"TOO\"}}\n");
    pw_arena *a = pw_arena_new(0);
    struct rejects rej = {0};
    pw_record recs[4];
    pw_reader *r;
    pw_error err;
    cr_assert_eq(pw_reader_open("-", PW_INPUT_AUTO, &r, &err), 0, "%s", err.msg);
    cr_assert_eq(pw_reader_format(r), PW_INPUT_JSONL);
    long n = 0;
    while (pw_reader_next(r, a, &recs[n], on_reject, &rej, &err) == 1 && n < 3)
        n++;
    pw_reader_close(r);
    cr_assert_eq(n, 2);
    expect_str(recs[0].traveller.surname, "PIPED", "first");
    cr_expect_eq(recs[0].source_line, 3, "peeked blank lines still count");
    expect_str(recs[0].source_file, "-", "stdin source");
    expect_str(recs[1].traveller.surname, "TOO", "second");
    cr_assert_eq(rej.n, 1);
    cr_expect_eq(rej.line[0], 4);
    cr_expect_str_eq(rej.source[0], "-");
    rejects_free(&rej);
    pw_arena_free(a);
}

Test(jsonl, reads_standard_input_file)
{
    /* a seekable standard input is rewound after the peek instead of replayed */
    int fd = open(DATA("records_good.jsonl"), O_RDONLY);
    cr_assert_geq(fd, 0);
    cr_assert_eq(dup2(fd, 0), 0);
    close(fd);
    pw_arena *a = pw_arena_new(0);
    struct rejects rej = {0};
    pw_record recs[4];
    cr_expect_eq(read_all("-", PW_INPUT_AUTO, a, recs, 4, &rej), 3);
    cr_expect_eq(rej.n, 0);
    expect_str(recs[0].record_id, "r-1", "first record, from byte 0");
    pw_arena_free(a);
}

/* ---- CSV ---------------------------------------------------------------------- */

Test(csv, reads_columns_quotes_and_documents)
{
    pw_arena *a = pw_arena_new(0);
    struct rejects rej = {0};
    pw_record recs[4];
    long n = read_all(DATA("records_basic.csv"), PW_INPUT_CSV, a, recs, 4, &rej);
    cr_assert_eq(rej.n, 0, "reject: line %ld %s: %s", rej.line[0], rej.field[0], rej.reason[0]);
    cr_assert_eq(n, 3);

    const pw_record *r = &recs[0];
    expect_str(r->record_id, "r1", "record_id");
    expect_str(r->flight.carrier, "QQ", "carrier");
    expect_str(r->flight.number, "877", "flight_number");
    expect_str(r->flight.departure, "2008-08-10T20:00", "departure");
    expect_str(r->traveller.surname, "BARRETT", "surname");
    expect_date(r->traveller.dob, "1968-02-23", "dob");
    expect_str(r->traveller.residence, "FRA", "alpha-2 residence");
    cr_assert_eq(r->traveller.n_documents, 1);
    expect_str(r->traveller.documents[0].number, "YY3478621G", "document_number");
    expect_str(r->traveller.documents[0].issuer, "FRA", "document_issuer");
    expect_date(r->traveller.documents[0].expiry, "2008-12-30", "document_expiry");
    cr_expect_eq(r->source_line, 2);

    r = &recs[1];
    cr_expect_eq(r->traveller.role, PW_ROLE_CREW);
    expect_str(r->traveller.surname, "O'NEIL, JR", "quoted comma");
    expect_str(r->traveller.birth_place, "Paris, \"Texas\"\nUSA", "quotes and newline");
    expect_str(r->traveller.nationality, "GBR", "country name");
    cr_expect_eq(r->traveller.gender, 'F');
    expect_str(r->flight.departure, "2008-08-10T20:00", "seconds and space normalised");
    expect_str(r->flight.arrival, NULL, "empty arrival");
    cr_expect_eq(r->traveller.n_documents, 0, "no document columns filled");
    cr_expect_eq(r->source_line, 3);

    r = &recs[2];
    cr_expect_eq(r->source_line, 5, "line after a quoted newline");
    expect_str(r->traveller.surname, "SMITH", "surname");
    cr_assert_not_null(r->record_id, "generated id");
    cr_expect_eq(strlen(r->record_id), 32);
    pw_arena_free(a);
}

Test(csv, bad_rows_are_rejected_bad_fields_are_findings)
{
    pw_arena *a = pw_arena_new(0);
    struct rejects rej = {0};
    struct findings fs = {0};
    pw_record recs[8];
    long n = read_all_findings(DATA("records_bad.csv"), PW_INPUT_AUTO, a, recs, 8, &rej, &fs);
    cr_assert_eq(n, 4);
    expect_str(recs[0].traveller.surname, "GOOD", "first");
    expect_str(recs[0].traveller.nationality, "DEU", "nationality");
    expect_str(recs[1].traveller.surname, "BADDATE", "a bad date keeps the row");
    cr_expect(!pw_date_is_set(recs[1].traveller.dob));
    expect_str(recs[2].traveller.surname, "BADCOUNTRY", "an unknown country keeps the row");
    expect_str(recs[2].traveller.nationality, NULL, "left empty");
    expect_str(recs[3].traveller.given_names, "TWO", "last");
    cr_expect_eq(recs[3].source_line, 7);

    /* findings name the column as the header spells it */
    cr_assert_eq(fs.n, 2);
    expect_finding(&fs, 4, PW_FINDING_INVALID_DATE, "DOB", "invalid date '1980-13-01'");
    expect_finding(&fs, 5, PW_FINDING_UNKNOWN_COUNTRY, "nationality", "unknown country 'Atlantis'");

    cr_assert_eq(rej.n, 3);
    expect_reject(&rej, 3, "Surname", "a name is required");
    expect_reject(&rej, 6, NULL, "expected 4 fields as in the header, found 2");
    expect_reject(&rej, 8, NULL, "quoted field is not closed");
    cr_expect_str_eq(rej.raw[reject_at(&rej, 6)], "SHORT,ROW");
    cr_expect_str_eq(rej.kind[0], "record");
    rejects_free(&rej);
    findings_free(&fs);
    pw_arena_free(a);
}

Test(csv, crlf_and_bom)
{
    static const char data[] = "\xEF\xBB\xBF"
                               "last_name,first_name,middle_name,gender,date_of_birth\r\n"
                               "DOE,JOHN,PAUL,male,1970-01-02\r\n"
                               "\r\n"
                               "ROE,\"JANE\r\nX\",,FEMALE,1971\r\n";
    const char *path = write_temp("crlf.csv", data, sizeof data - 1);
    pw_arena *a = pw_arena_new(0);
    struct rejects rej = {0};
    pw_record recs[4];
    long n = read_all(path, PW_INPUT_AUTO, a, recs, 4, &rej);
    cr_assert_eq(rej.n, 0, "reject: line %ld %s: %s", rej.line[0], rej.field[0], rej.reason[0]);
    cr_assert_eq(n, 2);
    expect_str(recs[0].traveller.surname, "DOE", "BOM before the header");
    expect_str(recs[0].traveller.given_names, "JOHN PAUL", "first + middle");
    cr_expect_eq(recs[0].traveller.gender, 'M');
    expect_date(recs[0].traveller.dob, "1970-01-02", "no CR in the last field");
    expect_str(recs[1].traveller.given_names, "JANE\r\nX", "CRLF inside quotes is data");
    cr_expect_eq(recs[1].source_line, 4);
    pw_arena_free(a);
}

Test(csv, header_without_a_name_column_fails_the_input)
{
    pw_reader *r = NULL;
    pw_error err;
    const char *p = write_temp_str("noname.csv", "given_names,dob\nJOHN,1970\n");
    cr_assert_eq(pw_reader_open(p, PW_INPUT_CSV, &r, &err), PW_EPARSE);
    cr_expect(strstr(err.msg, "no name column"), "%s", err.msg);
    cr_expect_null(r);
    p = write_temp_str("dup.csv", "surname,last_name\nA,B\n");
    cr_assert_eq(pw_reader_open(p, PW_INPUT_CSV, &r, &err), PW_EPARSE);
    cr_expect(strstr(err.msg, "'surname' and 'last_name'"), "%s", err.msg);
}

Test(csv, reads_standard_input_pipe)
{
    stdin_from_pipe("surname,nationality\nPIPED,Germany\nBAD,Nowhere\n,FRA\n");
    pw_arena *a = pw_arena_new(0);
    struct rejects rej = {0};
    struct findings fs = {0};
    pw_record recs[4];
    long n = read_all_findings("-", PW_INPUT_AUTO, a, recs, 4, &rej, &fs);
    cr_assert_eq(n, 2);
    expect_str(recs[0].traveller.nationality, "DEU", "nationality");
    expect_str(recs[1].traveller.nationality, NULL, "unknown country left empty");
    cr_assert_eq(fs.n, 1);
    expect_finding(&fs, 3, PW_FINDING_UNKNOWN_COUNTRY, "nationality", "unknown country 'Nowhere'");
    cr_assert_eq(rej.n, 1);
    expect_reject(&rej, 4, "surname", "a name is required");
    rejects_free(&rej);
    findings_free(&fs);
    pw_arena_free(a);
}

/* ---- yente's synthetic travellers ------------------------------------------------ */

Test(csv, negatives_us_first_100_rows)
{
    pw_reader *r;
    pw_error err;
    cr_assert_eq(pw_reader_open(NEGATIVES, PW_INPUT_AUTO, &r, &err), 0, "%s", err.msg);
    cr_assert_eq(pw_reader_format(r), PW_INPUT_CSV);
    pw_arena *a = pw_arena_new(0);
    struct rejects rej = {0};
    pw_record rec;
    long n = 0;
    while (n < 100 && pw_reader_next(r, a, &rec, on_reject, &rej, &err) == 1) {
        if (n == 0) {
            /* Ingeborg Abrahamsen,Ingeborg,,Abrahamsen,female,1972-11-21,Birmingham,France */
            expect_str(rec.traveller.full_name, "Ingeborg Abrahamsen", "full_name");
            expect_str(rec.traveller.given_names, "Ingeborg", "first_name");
            expect_str(rec.traveller.surname, "Abrahamsen", "last_name");
            cr_expect_eq(rec.traveller.gender, 'F');
            expect_date(rec.traveller.dob, "1972-11-21", "date_of_birth");
            expect_str(rec.traveller.birth_place, "Birmingham", "place_of_birth");
            expect_str(rec.traveller.nationality, "FRA", "nationality");
        } else if (n == 2) {
            /* Reni Mehdi Klemm,Reni,Mehdi,Klemm,female,1965-01-07,Hamburg,Denmark */
            expect_str(rec.traveller.given_names, "Reni Mehdi", "first + middle");
            expect_str(rec.traveller.nationality, "DNK", "nationality");
        } else if (n == 3) {
            expect_str(rec.traveller.surname, "Leão", "UTF-8 surname");
        }
        n++;
        pw_arena_reset(a);
    }
    pw_reader_close(r);
    cr_expect_eq(n, 100);
    cr_expect_eq(rej.n, 0, "first reject: line %ld %s: %s", rej.line[0], rej.field[0],
                 rej.reason[0]);
    rejects_free(&rej);
    pw_arena_free(a);
}

Test(csv, negatives_us_all_rows, .timeout = 120)
{
    pw_reader *r;
    pw_error err;
    cr_assert_eq(pw_reader_open(NEGATIVES, PW_INPUT_AUTO, &r, &err), 0, "%s", err.msg);
    pw_arena *a = pw_arena_new(0);
    struct rejects rej = {0};
    pw_record rec;
    long n = 0, genders[3] = {0};
    int rc;
    while ((rc = pw_reader_next(r, a, &rec, on_reject, &rej, &err)) == 1) {
        n++;
        genders[rec.traveller.gender == 'M' ? 0 : rec.traveller.gender == 'F' ? 1 : 2]++;
        pw_arena_reset(a);
    }
    pw_reader_close(r);
    cr_assert_eq(rc, 0, "%s", err.msg);
    for (long i = 0; i < rej.n && i < 10; i++)
        cr_log_warn("negatives_us.csv:%ld: %s: %s", rej.line[i], rej.field[i], rej.reason[i]);
    cr_expect_eq(n + rej.n, 50000);
    cr_expect_eq(rej.n, 0);
    /* counted with Python's csv module: 22492 male, 22374 female, 5134 other */
    cr_expect_eq(genders[0], 22492);
    cr_expect_eq(genders[1], 22374);
    cr_expect_eq(genders[2], 5134);
    rejects_free(&rej);
    pw_arena_free(a);
}

/* ---- pw_record_normalise ---------------------------------------------------------- */

Test(normalise, trims_and_maps)
{
    pw_arena *a = pw_arena_new(0);
    pw_document docs[2] = {{.number = " X1 ", .issuer = "Germany"}, {.type = "  "}};
    pw_record r = {.flight = {.carrier = " QQ ", .departure = "2008-08-10"},
                   .traveller = {.surname = "  DOE ",
                                 .given_names = "",
                                 .full_name = "   ",
                                 .gender = 'f',
                                 .nationality = " de",
                                 .residence = "Iran (Islamic Republic of)",
                                 .documents = docs,
                                 .n_documents = 2}};
    const char *field, *reason;
    cr_assert_eq(pw_record_normalise(&r, a, &field, &reason), 0, "%s: %s", field, reason);
    expect_str(r.flight.carrier, "QQ", "carrier");
    expect_str(r.flight.departure, "2008-08-10", "date-only departure");
    expect_str(r.traveller.surname, "DOE", "surname");
    expect_str(r.traveller.given_names, NULL, "empty given_names");
    expect_str(r.traveller.full_name, NULL, "full_name is not synthesised");
    cr_expect_eq(r.traveller.gender, 'F');
    expect_str(r.traveller.nationality, "DEU", "alpha-2");
    expect_str(r.traveller.residence, "IRN", "UN-style name");
    cr_assert_eq(r.traveller.n_documents, 1, "empty document dropped");
    expect_str(r.traveller.documents[0].number, "X1", "number");
    expect_str(r.traveller.documents[0].issuer, "DEU", "issuer");
    cr_assert_not_null(r.record_id);

    /* the same content gives the same id; a given id is kept */
    pw_record r2 = {
        .flight = {.carrier = "QQ", .departure = "2008-08-10"},
        .traveller = {.surname = "DOE", .gender = 'F', .nationality = "DEU", .residence = "IRN"}};
    pw_document doc2 = {.number = "X1", .issuer = "DEU"};
    r2.traveller.documents = &doc2;
    r2.traveller.n_documents = 1;
    cr_assert_eq(pw_record_normalise(&r2, a, &field, &reason), 0);
    cr_expect_str_eq(r.record_id, r2.record_id);
    pw_record r3 = {.record_id = " given ", .traveller = {.full_name = "X Y"}};
    cr_assert_eq(pw_record_normalise(&r3, a, &field, &reason), 0);
    expect_str(r3.record_id, "given", "given id kept (trimmed)");
    pw_arena_free(a);
}

Test(normalise, only_a_missing_name_fails)
{
    pw_arena *a = pw_arena_new(0);
    const char *field, *reason;
    pw_record r = {.traveller = {.given_names = "JOHN"}};
    cr_expect_eq(pw_record_normalise(&r, a, &field, &reason), PW_EINVAL);
    cr_expect_str_eq(field, "traveller.surname");
    cr_expect_str_eq(reason, "a name is required: surname or full_name");

    /* a name that is not UTF-8 is dropped, which leaves no name: the reason says why */
    pw_record u = {.traveller = {.surname = "D\xC3\xBC\xFF"}};
    cr_expect_eq(pw_record_normalise(&u, a, &field, &reason), PW_EINVAL);
    cr_expect_str_eq(field, "traveller.surname");
    cr_expect(strstr(reason, "a name is required") && strstr(reason, "UTF-8"), "%s", reason);
    pw_arena_free(a);
}

Test(normalise, field_problems_leave_the_field_empty)
{
    pw_arena *a = pw_arena_new(0);
    const char *field, *reason;
    pw_record c = {.traveller = {.surname = "X", .residence = "Narnia", .nationality = "fr"}};
    cr_expect_eq(pw_record_normalise(&c, a, &field, &reason), 0);
    expect_str(c.traveller.residence, NULL, "unknown country");
    expect_str(c.traveller.nationality, "FRA", "the good country stays");
    cr_assert_not_null(c.record_id);

    pw_document d[2] = {{.type = "P", .issuer = "FRA"}, {.number = "X1"}};
    pw_record nd = {.traveller = {.surname = "X", .documents = d, .n_documents = 2}};
    cr_expect_eq(pw_record_normalise(&nd, a, &field, &reason), 0);
    cr_assert_eq(nd.traveller.n_documents, 1, "the document without a number is dropped");
    expect_str(nd.traveller.documents[0].number, "X1", "the other one stays");

    pw_record g = {.traveller = {.surname = "X", .gender = 'Q', .role = (enum pw_role)9}};
    cr_expect_eq(pw_record_normalise(&g, a, &field, &reason), 0);
    cr_expect_eq(g.traveller.gender, 0);
    cr_expect_eq(g.traveller.role, PW_ROLE_PASSENGER);

    pw_record u = {.traveller = {.surname = "X", .given_names = "D\xC3\xBC\xFF"}};
    cr_expect_eq(pw_record_normalise(&u, a, &field, &reason), 0);
    expect_str(u.traveller.given_names, NULL, "given names that are not UTF-8");

    static const char *const bad_times[] = {"2008-02-30T10:00", "2008-08-10T24:00",
                                            "2008-08-10T10:60", "2008-08-10T10",
                                            "2008-08-10Z10:00", "10:00"};
    for (size_t i = 0; i < sizeof bad_times / sizeof bad_times[0]; i++) {
        pw_record t = {.flight = {.arrival = bad_times[i], .departure = "2008-08-10"},
                       .traveller = {.surname = "X"}};
        cr_expect_eq(pw_record_normalise(&t, a, &field, &reason), 0, "%s", bad_times[i]);
        expect_str(t.flight.arrival, NULL, bad_times[i]);
        expect_str(t.flight.departure, "2008-08-10", "the other time stays");
    }
    pw_arena_free(a);
}

Test(normalise, gender_words)
{
    static const struct {
        const char *in;
        char out;
    } cases[] = {{"M", 'M'}, {"male", 'M'},  {" Female ", 'F'}, {"f", 'F'}, {"X", 'U'},
                 {"U", 'U'}, {"other", 'U'}, {"unknown", 'U'},  {"", 0},    {"  ", 0}};
    /* through the CSV reader, the way words reach the record */
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char data[128];
        int n = snprintf(data, sizeof data, "surname,gender\nX,%s\n", cases[i].in);
        const char *p = write_temp("gender.csv", data, (size_t)n);
        pw_arena *a = pw_arena_new(0);
        struct rejects rej = {0};
        pw_record rec;
        cr_assert_eq(read_all(p, PW_INPUT_CSV, a, &rec, 1, &rej), 1, "'%s'", cases[i].in);
        cr_expect_eq(rec.traveller.gender, cases[i].out, "'%s'", cases[i].in);
        pw_arena_free(a);
    }
}
