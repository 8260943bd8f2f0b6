/*
 * CSV traveller records: a header row, then one traveller per row, RFC 4180 quoting
 * (pw_csv does the tokenizing: quoted commas and newlines, CRLF, BOM).
 *
 * Columns are matched by name (blanks around it ignored, any case; order free) and are
 * the CONTRACT.md fields, flattened:
 *
 *   record_id, carrier, flight_number (or number), origin, destination, departure,
 *   arrival, role, surname (or last_name), given_names, first_name, middle_name,
 *   full_name, gender, dob (or date_of_birth), nationality, residence, birth_place (or
 *   place_of_birth), embarkation, debarkation, booking_ref, passenger_ref, seat,
 *   document_type, document_number, document_issuer, document_expiry, document_issued
 *
 * given_names, when empty, is first_name and middle_name joined by a space; gender
 * takes words too ("male", "female", "other"). So a file such as yente's synthetic
 * negatives_us.csv (full_name, first_name, middle_name, last_name, gender,
 * date_of_birth, place_of_birth, nationality with English country names) is read as it
 * is. Columns with other names are ignored, silently: a CSV export commonly carries
 * columns a screening engine has no use for, and reporting them per file is the
 * caller's business (they are not bad records).
 *
 * The header fails the whole input when it names no name column (surname, last_name
 * or full_name: every row would be rejected) or names one field twice. A row is
 * rejected, and reading goes on, when its field count differs from the header's or it
 * has no name; the field in the reject is the column name as the header spells it. A
 * field-level problem (an invalid date, an unknown role, gender or country) does not
 * reject the row: the field is left empty, the problem becomes a data-quality finding
 * naming the column, and the traveller is screened. A quote left open at the end of
 * the input rejects that last row (without raw text: the tokenizer keeps no text for a
 * partial row).
 */
#include "ingest/csv_tokenizer.h"
#include "ingest/ingest.h"
#include "ingest/reader_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum col {
    COL_IGNORED = 0,
    COL_RECORD_ID,
    COL_CARRIER,
    COL_NUMBER,
    COL_ORIGIN,
    COL_DESTINATION,
    COL_DEPARTURE,
    COL_ARRIVAL,
    COL_ROLE,
    COL_SURNAME,
    COL_GIVEN_NAMES,
    COL_FIRST_NAME,
    COL_MIDDLE_NAME,
    COL_FULL_NAME,
    COL_GENDER,
    COL_DOB,
    COL_NATIONALITY,
    COL_RESIDENCE,
    COL_BIRTH_PLACE,
    COL_EMBARKATION,
    COL_DEBARKATION,
    COL_BOOKING_REF,
    COL_PASSENGER_REF,
    COL_SEAT,
    COL_DOC_TYPE,
    COL_DOC_NUMBER,
    COL_DOC_ISSUER,
    COL_DOC_EXPIRY,
    COL_DOC_ISSUED,
    COL_COUNT,
};

/* Header names, with the record field (a pw_record_normalise field path) each fills. */
static const struct {
    const char *name;
    enum col col;
    const char *path;
} column_names[] = {
    {"record_id", COL_RECORD_ID, "record_id"},
    {"carrier", COL_CARRIER, "flight.carrier"},
    {"flight_number", COL_NUMBER, "flight.number"},
    {"number", COL_NUMBER, "flight.number"},
    {"origin", COL_ORIGIN, "flight.origin"},
    {"destination", COL_DESTINATION, "flight.destination"},
    {"departure", COL_DEPARTURE, "flight.departure"},
    {"arrival", COL_ARRIVAL, "flight.arrival"},
    {"role", COL_ROLE, "traveller.role"},
    {"surname", COL_SURNAME, "traveller.surname"},
    {"last_name", COL_SURNAME, "traveller.surname"},
    {"given_names", COL_GIVEN_NAMES, "traveller.given_names"},
    {"first_name", COL_FIRST_NAME, "traveller.given_names"},
    {"middle_name", COL_MIDDLE_NAME, "traveller.given_names"},
    {"full_name", COL_FULL_NAME, "traveller.full_name"},
    {"gender", COL_GENDER, "traveller.gender"},
    {"dob", COL_DOB, "traveller.dob"},
    {"date_of_birth", COL_DOB, "traveller.dob"},
    {"nationality", COL_NATIONALITY, "traveller.nationality"},
    {"residence", COL_RESIDENCE, "traveller.residence"},
    {"birth_place", COL_BIRTH_PLACE, "traveller.birth_place"},
    {"place_of_birth", COL_BIRTH_PLACE, "traveller.birth_place"},
    {"embarkation", COL_EMBARKATION, "traveller.embarkation"},
    {"debarkation", COL_DEBARKATION, "traveller.debarkation"},
    {"booking_ref", COL_BOOKING_REF, "traveller.booking_ref"},
    {"passenger_ref", COL_PASSENGER_REF, "traveller.passenger_ref"},
    {"seat", COL_SEAT, "traveller.seat"},
    {"document_type", COL_DOC_TYPE, "traveller.documents[0].type"},
    {"document_number", COL_DOC_NUMBER, "traveller.documents[0].number"},
    {"document_issuer", COL_DOC_ISSUER, "traveller.documents[0].issuer"},
    {"document_expiry", COL_DOC_EXPIRY, "traveller.documents[0].expiry"},
    {"document_issued", COL_DOC_ISSUED, "traveller.documents[0].issued"},
};

struct pw_record_csv {
    pw_csv *csv;
    enum col *cols;       /* per header column */
    char **headers;       /* header names as spelled, for rejects */
    size_t n_cols;        /* header width */
    int where[COL_COUNT]; /* header column of each field, -1 when absent */
    bool done;            /* a quote was left open: nothing more to read */
};

void pw_record_csv_close(pw_reader *r)
{
    struct pw_record_csv *c = r->csv;
    if (!c)
        return;
    pw_csv_free(c->csv);
    if (c->headers)
        for (size_t i = 0; i < c->n_cols; i++)
            free(c->headers[i]);
    free(c->headers);
    free(c->cols);
    free(c);
    r->csv = NULL;
}

static bool is_blank(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

/* The column a (trimmed) header name stands for (COL_IGNORED when unknown). */
static enum col lookup(const char *name)
{
    for (size_t i = 0; i < sizeof column_names / sizeof column_names[0]; i++)
        if (strcasecmp(column_names[i].name, name) == 0)
            return column_names[i].col;
    return COL_IGNORED;
}

/* Reads and checks the header row. */
static int read_header(pw_reader *r, struct pw_record_csv *c, pw_error *err)
{
    char **fields;
    int n = pw_csv_next_row(c->csv, &fields);
    if (n == 0)
        return 0; /* empty input: no records */
    if (n == PW_EPARSE)
        return pw_error_set(err, PW_EPARSE, r->path, pw_csv_row_line(c->csv), 0,
                            "CSV header: a quoted field is not closed");
    if (n < 0)
        return pw_error_set(err, n, r->path, 0, 0, "cannot read the CSV header: %s",
                            n == PW_EIO ? strerror(errno) : pw_strerror(n));
    long line = pw_csv_row_line(c->csv);
    c->n_cols = (size_t)n;
    c->cols = calloc(c->n_cols, sizeof *c->cols);
    c->headers = calloc(c->n_cols, sizeof *c->headers);
    if (!c->cols || !c->headers)
        return pw_error_set(err, PW_ENOMEM, NULL, 0, 0, "out of memory");
    for (size_t i = 0; i < c->n_cols; i++) {
        const char *h = fields[i];
        size_t len = strlen(h);
        while (len > 0 && is_blank((unsigned char)h[len - 1]))
            len--;
        while (len > 0 && is_blank((unsigned char)*h)) {
            h++;
            len--;
        }
        c->headers[i] = strndup(h, len); /* trimmed: rejects name the column cleanly */
        if (!c->headers[i])
            return pw_error_set(err, PW_ENOMEM, NULL, 0, 0, "out of memory");
        enum col k = lookup(c->headers[i]);
        c->cols[i] = k;
        if (k == COL_IGNORED)
            continue;
        if (c->where[k] >= 0)
            return pw_error_set(err, PW_EPARSE, r->path, line, 0,
                                "CSV header: columns '%s' and '%s' give the same field",
                                c->headers[c->where[k]], c->headers[i]);
        c->where[k] = (int)i;
    }
    if (c->where[COL_SURNAME] < 0 && c->where[COL_FULL_NAME] < 0)
        return pw_error_set(err, PW_EPARSE, r->path, line, 0,
                            "CSV header has no name column: surname, last_name or full_name");
    return 0;
}

static const char *issue_column(const pw_reader *r, const char *field);

/* Sets up the tokenizer on r->fp and reads the header. */
int pw_record_csv_open(pw_reader *r, pw_error *err)
{
    struct pw_record_csv *c = calloc(1, sizeof *c);
    if (!c)
        return pw_error_set(err, PW_ENOMEM, NULL, 0, 0, "out of memory");
    r->csv = c;
    for (int i = 0; i < COL_COUNT; i++)
        c->where[i] = -1;
    r->issue_field = issue_column;
    c->csv = pw_csv_new(r->fp, ',');
    if (!c->csv)
        return pw_error_set(err, PW_ENOMEM, NULL, 0, 0, "out of memory");
    return read_header(r, c, err);
}

/* The value of field k in the row, NULL when the column is absent or the value blank. */
static const char *value(const struct pw_record_csv *c, char **fields, enum col k)
{
    if (c->where[k] < 0)
        return NULL;
    const char *s = fields[c->where[k]];
    for (const char *p = s; *p; p++)
        if (!is_blank((unsigned char)*p))
            return s;
    return NULL;
}

/* The header name of the column that fills the record field `path` (a normalise field
 * path), or path itself when no column does. */
static const char *column_for(const struct pw_record_csv *c, const char *path)
{
    if (!path)
        return NULL;
    for (size_t i = 0; i < sizeof column_names / sizeof column_names[0]; i++)
        if (strcmp(column_names[i].path, path) == 0 && c->where[column_names[i].col] >= 0)
            return c->headers[c->where[column_names[i].col]];
    if (strcmp(path, "traveller.surname") == 0 && c->where[COL_FULL_NAME] >= 0)
        return c->headers[c->where[COL_FULL_NAME]];
    return path;
}

/* pw_reader's issue_field hook: findings name the column, as rejects do. */
static const char *issue_column(const pw_reader *r, const char *field)
{
    return column_for(r->csv, field);
}

/* given_names, or first_name and middle_name joined; NULL when all are blank. */
static const char *given_names(pw_reader *r, const struct pw_record_csv *c, char **fields,
                               bool *oom)
{
    const char *given = value(c, fields, COL_GIVEN_NAMES);
    if (given)
        return given;
    const char *first = value(c, fields, COL_FIRST_NAME);
    const char *middle = value(c, fields, COL_MIDDLE_NAME);
    if (!first || !middle)
        return first ? first : middle;
    size_t lf = strlen(first), lm = strlen(middle);
    char *s = pw_arena_alloc_uninit(r->scratch, lf + 1 + lm + 1); /* (not printf: per row) */
    *oom = s == NULL;
    if (s) {
        memcpy(s, first, lf);
        s[lf] = ' ';
        memcpy(s + lf + 1, middle, lm + 1);
    }
    return s;
}

/* A field-level problem in column k: the field stays empty, the row is kept. Returns
 * 0, or PW_ENOMEM for a failed parse that was not about the value. */
static int drop(pw_reader *r, const struct pw_record_csv *c, enum col k, int rc,
                enum pw_finding_kind kind, const char *reason)
{
    if (rc != PW_EINVAL)
        return rc;
    pw_issue_add(&r->issues, kind, c->where[k] >= 0 ? c->headers[c->where[k]] : NULL, reason);
    return 0;
}

/* Maps a row onto rec (strings borrowed from the row or in the scratch arena).
 * Field-level problems become issues. Returns 0, or PW_ENOMEM with *k the failing
 * column and *reason set. */
static int record_from_row(pw_reader *r, const struct pw_record_csv *c, char **fields,
                           pw_record *rec, enum col *k, const char **reason)
{
    pw_flight *f = &rec->flight;
    pw_traveller *t = &rec->traveller;
    bool oom = false;
    int rc;
    rec->record_id = value(c, fields, COL_RECORD_ID);
    f->carrier = value(c, fields, COL_CARRIER);
    f->number = value(c, fields, COL_NUMBER);
    f->origin = value(c, fields, COL_ORIGIN);
    f->destination = value(c, fields, COL_DESTINATION);
    f->departure = value(c, fields, COL_DEPARTURE);
    f->arrival = value(c, fields, COL_ARRIVAL);
    t->surname = value(c, fields, COL_SURNAME);
    t->given_names = given_names(r, c, fields, &oom);
    t->full_name = value(c, fields, COL_FULL_NAME);
    t->nationality = value(c, fields, COL_NATIONALITY);
    t->residence = value(c, fields, COL_RESIDENCE);
    t->birth_place = value(c, fields, COL_BIRTH_PLACE);
    t->embarkation = value(c, fields, COL_EMBARKATION);
    t->debarkation = value(c, fields, COL_DEBARKATION);
    t->booking_ref = value(c, fields, COL_BOOKING_REF);
    t->passenger_ref = value(c, fields, COL_PASSENGER_REF);
    t->seat = value(c, fields, COL_SEAT);
    if (oom) {
        *k = COL_GIVEN_NAMES;
        *reason = "out of memory";
        return PW_ENOMEM;
    }
    *k = COL_ROLE;
    rc = pw_reader_parse_role(r, value(c, fields, COL_ROLE), &t->role, reason);
    if ((rc = drop(r, c, COL_ROLE, rc, PW_FINDING_UNKNOWN_CODE, *reason)))
        return rc;
    *k = COL_GENDER;
    const char *gender = value(c, fields, COL_GENDER);
    if (pw_gender_parse(gender, &t->gender)) {
        *reason =
            pw_arena_printf(r->scratch, "unknown gender '%.*s': expected M, F, U or X",
                            (int)pw_utf8_cut(gender, strlen(gender), PW_REASON_VALUE_MAX), gender);
        if (!*reason)
            return PW_ENOMEM;
        drop(r, c, COL_GENDER, PW_EINVAL, PW_FINDING_UNKNOWN_CODE, *reason);
    }
    *k = COL_DOB;
    rc = pw_reader_parse_date(r, value(c, fields, COL_DOB), &t->dob, reason);
    if ((rc = drop(r, c, COL_DOB, rc, PW_FINDING_INVALID_DATE, *reason)))
        return rc;

    pw_document d;
    memset(&d, 0, sizeof d);
    d.type = value(c, fields, COL_DOC_TYPE);
    d.number = value(c, fields, COL_DOC_NUMBER);
    d.issuer = value(c, fields, COL_DOC_ISSUER);
    *k = COL_DOC_EXPIRY;
    rc = pw_reader_parse_date(r, value(c, fields, COL_DOC_EXPIRY), &d.expiry, reason);
    if ((rc = drop(r, c, COL_DOC_EXPIRY, rc, PW_FINDING_INVALID_DATE, *reason)))
        return rc;
    *k = COL_DOC_ISSUED;
    rc = pw_reader_parse_date(r, value(c, fields, COL_DOC_ISSUED), &d.issued, reason);
    if ((rc = drop(r, c, COL_DOC_ISSUED, rc, PW_FINDING_INVALID_DATE, *reason)))
        return rc;
    if (d.type || d.number || d.issuer || pw_date_is_set(d.expiry) || pw_date_is_set(d.issued)) {
        t->documents = pw_arena_alloc(r->scratch, sizeof d);
        *k = COL_DOC_NUMBER;
        if (!t->documents) {
            *reason = "out of memory";
            return PW_ENOMEM;
        }
        t->documents[0] = d;
        t->n_documents = 1;
    }
    return 0;
}

/* Reads rows until one gives a valid record (1), the input ends (0) or reading fails;
 * bad rows are rejected on the way, and a quote left open ends the input. */
int pw_record_csv_next(pw_reader *r, pw_arena *arena, pw_record *out, pw_reject_fn reject,
                       void *ctx, pw_error *err)
{
    struct pw_record_csv *c = r->csv;
    if (c->done || c->n_cols == 0)
        return 0;
    for (;;) {
        char **fields;
        int n = pw_csv_next_row(c->csv, &fields);
        if (n == 0)
            return 0;
        long line = pw_csv_row_line(c->csv);
        if (n == PW_EPARSE) {
            c->done = true;
            pw_reader_reject(r, line, NULL,
                             "a quoted field is not closed before the end of the input", NULL, 0,
                             reject, ctx);
            return 0;
        }
        if (n == PW_EIO)
            return pw_error_set(err, PW_EIO, r->path, line, 0, "read error: %s",
                                strerror(errno ? errno : EIO));
        if (n < 0)
            return pw_error_set(err, n, r->path, line, 0, "%s", pw_strerror(n));
        const char *field = NULL, *reason = NULL;
        int rc;
        pw_reader_begin_record(r);
        if ((size_t)n != c->n_cols) {
            reason = pw_arena_printf(r->scratch, "expected %zu fields as in the header, found %d",
                                     c->n_cols, n);
            rc = reason ? PW_EINVAL : PW_ENOMEM;
        } else {
            pw_record rec;
            enum col k;
            memset(&rec, 0, sizeof rec);
            rc = record_from_row(r, c, fields, &rec, &k, &reason);
            if (rc) {
                field = c->where[k] >= 0 ? c->headers[c->where[k]] : NULL;
            } else {
                rc = pw_reader_finish(r, &rec, line, arena, out, &field, &reason);
                if (rc)
                    field = column_for(c, field);
            }
        }
        if (rc == 0)
            return 1;
        if (rc == PW_ENOMEM)
            return pw_error_set(err, PW_ENOMEM, r->path, line, 0, "out of memory");
        const char *raw = pw_csv_row_text(c->csv);
        pw_reader_reject(r, line, field, reason, raw, strlen(raw), reject, ctx);
    }
}
