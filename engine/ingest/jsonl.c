/*
 * JSON Lines traveller records: one CONTRACT.md record object per line.
 *
 * Each line is read whole with getline into one buffer the reader keeps (so lines of
 * any length work without per-line allocation once the buffer has grown), parsed with
 * jansson into a json_t that is freed before the next line, and mapped onto a
 * pw_record whose strings borrow from the json_t; pw_reader_finish then normalises the
 * record and copies it into the caller's arena before the json_t goes away.
 *
 * A line is rejected, and reading goes on, when it cannot be read as a record: it is
 * not JSON (the reason carries jansson's message and column), not an object, or has no
 * name after normalisation. A field-level problem does not reject the line: a field of
 * the wrong type (say "dob": 123), an invalid date, an unknown role or gender, an unknown
 * country is left empty (role: passenger) and reported as a data-quality finding, and
 * the traveller is screened. Blank lines are skipped; a UTF-8 BOM before the first line
 * and CR before LF are ignored. null is the same as an absent field, and unknown fields
 * are ignored so that producers can add fields. Duplicate keys are rejected: which of
 * two values was meant cannot be known.
 */
#include "ingest/ingest.h"
#include "ingest/reader_internal.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

struct pw_jsonl {
    char *line; /* getline's buffer, reused */
    size_t cap;
    long line_no; /* lines read so far */
};

int pw_jsonl_open(pw_reader *r, pw_error *err)
{
    r->jsonl = calloc(1, sizeof *r->jsonl);
    if (!r->jsonl)
        return pw_error_set(err, PW_ENOMEM, NULL, 0, 0, "out of memory");
    return 0;
}

void pw_jsonl_close(pw_reader *r)
{
    if (!r->jsonl)
        return;
    free(r->jsonl->line);
    free(r->jsonl);
    r->jsonl = NULL;
}

/* Where a field failed: its JSON path and why. */
struct failure {
    const char *field;
    const char *reason;
};

static const char *type_name(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return "an object";
    case JSON_ARRAY:
        return "an array";
    case JSON_STRING:
        return "a string";
    case JSON_INTEGER:
    case JSON_REAL:
        return "a number";
    case JSON_TRUE:
    case JSON_FALSE:
        return "a boolean";
    default:
        return "null";
    }
}

/* Sets the failure for field prefix+key ("traveller.documents[0]." + "expiry"). */
static int fail(pw_reader *r, struct failure *f, const char *prefix, const char *key,
                const char *reason)
{
    f->field = pw_arena_printf(r->scratch, "%s%s", prefix, key);
    f->reason = reason;
    if (!f->field || !f->reason) {
        f->reason = "out of memory";
        return PW_ENOMEM;
    }
    return PW_EINVAL;
}

/* Records a field-level problem with field prefix+key: the field is left empty and the
 * record kept. Returns 0, or PW_ENOMEM (with the failure set). */
static int drop(pw_reader *r, struct failure *f, enum pw_finding_kind kind, const char *prefix,
                const char *key, const char *reason)
{
    const char *field = pw_arena_printf(r->scratch, "%s%s", prefix, key);
    if (!field || !reason)
        return fail(r, f, prefix, key, NULL);
    pw_issue_add(&r->issues, kind, field, reason);
    return 0;
}

/* Looks up key in obj: NULL when absent or null, and when it is not of type (an issue:
 * the field is left empty). */
static int member(pw_reader *r, json_t *obj, const char *prefix, const char *key, json_type type,
                  const char *type_label, json_t **out, struct failure *f)
{
    json_t *v = json_object_get(obj, key);
    *out = NULL;
    if (!v || json_is_null(v))
        return 0;
    if (json_typeof(v) != type)
        return drop(r, f, PW_FINDING_INVALID_FIELD, prefix, key,
                    pw_arena_printf(r->scratch, "%s%s must be %s, not %s", prefix, key, type_label,
                                    type_name(v)));
    *out = v;
    return 0;
}

/* The string member key of obj, borrowed from obj (NULL when absent or null). */
static int string(pw_reader *r, json_t *obj, const char *prefix, const char *key, const char **out,
                  struct failure *f)
{
    json_t *v;
    *out = NULL;
    int rc = member(r, obj, prefix, key, JSON_STRING, "a string", &v, f);
    if (rc == 0 && v)
        *out = json_string_value(v);
    return rc;
}

/* A date member ("YYYY-MM-DD", "YYYY-MM" or "YYYY"). */
static int date(pw_reader *r, json_t *obj, const char *prefix, const char *key, pw_date *out,
                struct failure *f)
{
    const char *s, *reason = NULL;
    int rc = string(r, obj, prefix, key, &s, f);
    if (rc)
        return rc;
    rc = pw_reader_parse_date(r, s, out, &reason);
    if (rc == PW_EINVAL)
        return drop(r, f, PW_FINDING_INVALID_DATE, prefix, key, reason);
    return rc ? fail(r, f, prefix, key, NULL) : 0;
}

static int flight_from_json(pw_reader *r, json_t *o, pw_flight *fl, struct failure *f)
{
    const char *p = "flight.";
    int rc;
    if ((rc = string(r, o, p, "carrier", &fl->carrier, f)) ||
        (rc = string(r, o, p, "number", &fl->number, f)) ||
        (rc = string(r, o, p, "origin", &fl->origin, f)) ||
        (rc = string(r, o, p, "destination", &fl->destination, f)) ||
        (rc = string(r, o, p, "departure", &fl->departure, f)) ||
        (rc = string(r, o, p, "arrival", &fl->arrival, f)))
        return rc;
    return 0;
}

static int documents_from_json(pw_reader *r, json_t *arr, pw_traveller *t, struct failure *f)
{
    size_t n = json_array_size(arr);
    if (n == 0)
        return 0;
    t->documents = pw_arena_alloc(r->scratch, n * sizeof *t->documents);
    if (!t->documents)
        return fail(r, f, "traveller.", "documents", NULL);
    t->n_documents = n;
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_array_get(arr, i);
        char *p = pw_arena_printf(r->scratch, "traveller.documents[%zu]", i);
        if (!p)
            return fail(r, f, "traveller.", "documents", NULL);
        if (!json_is_object(o)) { /* left out: an empty document is dropped */
            int rc =
                drop(r, f, PW_FINDING_MALFORMED_DOCUMENT, p, "",
                     pw_arena_printf(r->scratch, "%s must be an object, not %s", p, type_name(o)));
            if (rc)
                return rc;
            continue;
        }
        p = pw_arena_printf(r->scratch, "%s.", p);
        if (!p)
            return fail(r, f, "traveller.", "documents", NULL);
        pw_document *d = &t->documents[i];
        int rc;
        if ((rc = string(r, o, p, "type", &d->type, f)) ||
            (rc = string(r, o, p, "number", &d->number, f)) ||
            (rc = string(r, o, p, "issuer", &d->issuer, f)) ||
            (rc = date(r, o, p, "expiry", &d->expiry, f)) ||
            (rc = date(r, o, p, "issued", &d->issued, f)))
            return rc;
    }
    return 0;
}

static int traveller_from_json(pw_reader *r, json_t *o, pw_traveller *t, struct failure *f)
{
    const char *p = "traveller.";
    const char *role = NULL, *gender = NULL, *reason = NULL;
    json_t *docs;
    int rc;
    if ((rc = string(r, o, p, "role", &role, f)) ||
        (rc = string(r, o, p, "surname", &t->surname, f)) ||
        (rc = string(r, o, p, "given_names", &t->given_names, f)) ||
        (rc = string(r, o, p, "full_name", &t->full_name, f)) ||
        (rc = string(r, o, p, "gender", &gender, f)) || (rc = date(r, o, p, "dob", &t->dob, f)) ||
        (rc = string(r, o, p, "nationality", &t->nationality, f)) ||
        (rc = string(r, o, p, "residence", &t->residence, f)) ||
        (rc = string(r, o, p, "birth_place", &t->birth_place, f)) ||
        (rc = string(r, o, p, "embarkation", &t->embarkation, f)) ||
        (rc = string(r, o, p, "debarkation", &t->debarkation, f)) ||
        (rc = string(r, o, p, "booking_ref", &t->booking_ref, f)) ||
        (rc = string(r, o, p, "passenger_ref", &t->passenger_ref, f)) ||
        (rc = string(r, o, p, "seat", &t->seat, f)) ||
        (rc = member(r, o, p, "documents", JSON_ARRAY, "an array", &docs, f)))
        return rc;
    rc = pw_reader_parse_role(r, role, &t->role, &reason);
    if (rc == PW_EINVAL)
        rc = drop(r, f, PW_FINDING_UNKNOWN_CODE, p, "role", reason);
    else if (rc)
        rc = fail(r, f, p, "role", NULL);
    if (rc)
        return rc;
    if (pw_gender_parse(gender, &t->gender) &&
        (rc = drop(r, f, PW_FINDING_UNKNOWN_CODE, p, "gender",
                   pw_arena_printf(r->scratch, "unknown gender '%.*s': expected M, F, U or X",
                                   (int)pw_utf8_cut(gender, strlen(gender), PW_REASON_VALUE_MAX),
                                   gender))))
        return rc;
    return docs ? documents_from_json(r, docs, t, f) : 0;
}

/* Maps a parsed line onto rec (strings borrowed from root). */
static int record_from_json(pw_reader *r, json_t *root, pw_record *rec, struct failure *f)
{
    json_t *flight, *traveller;
    int rc;
    if ((rc = string(r, root, "", "record_id", &rec->record_id, f)) ||
        (rc = member(r, root, "", "flight", JSON_OBJECT, "an object", &flight, f)) ||
        (rc = member(r, root, "", "traveller", JSON_OBJECT, "an object", &traveller, f)))
        return rc;
    if (flight && (rc = flight_from_json(r, flight, &rec->flight, f)))
        return rc;
    if (traveller && (rc = traveller_from_json(r, traveller, &rec->traveller, f)))
        return rc;
    return 0;
}

/* Parses one non-blank line (len bytes at s, no newline). Returns 1 with a record in
 * *out, 0 when the line was rejected, PW_ENOMEM. */
static int parse_line(pw_reader *r, const char *s, size_t len, long line_no, pw_arena *arena,
                      pw_record *out, pw_reject_fn reject, void *ctx)
{
    pw_reader_begin_record(r);
    json_error_t jerr;
    json_t *root = json_loadb(s, len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &jerr);
    struct failure f = {NULL, NULL};
    int rc = 0;
    if (!root) {
        f.reason = jerr.column > 0 ? pw_arena_printf(r->scratch, "invalid JSON at column %d: %s",
                                                     jerr.column, jerr.text)
                                   : pw_arena_printf(r->scratch, "invalid JSON: %s", jerr.text);
        rc = f.reason ? PW_EINVAL : PW_ENOMEM;
    } else if (!json_is_object(root)) {
        f.reason =
            pw_arena_printf(r->scratch, "a record must be a JSON object, not %s", type_name(root));
        rc = f.reason ? PW_EINVAL : PW_ENOMEM;
    } else {
        pw_record rec;
        memset(&rec, 0, sizeof rec);
        rc = record_from_json(r, root, &rec, &f);
        if (rc == 0)
            rc = pw_reader_finish(r, &rec, line_no, arena, out, &f.field, &f.reason);
    }
    if (rc == PW_EINVAL)
        pw_reader_reject(r, line_no, f.field, f.reason, s, len, reject, ctx);
    json_decref(root);
    if (rc == PW_ENOMEM)
        return rc;
    return rc == 0 ? 1 : 0;
}

/* Reads lines until one gives a valid record (1), the input ends (0) or reading fails;
 * blank lines are skipped and bad lines rejected on the way. */
int pw_jsonl_next(pw_reader *r, pw_arena *arena, pw_record *out, pw_reject_fn reject, void *ctx,
                  pw_error *err)
{
    struct pw_jsonl *j = r->jsonl;
    for (;;) {
        errno = 0;
        ssize_t got = getline(&j->line, &j->cap, r->fp);
        if (got < 0) {
            if (ferror(r->fp))
                return pw_error_set(err, PW_EIO, r->path, j->line_no + 1, 0, "read error: %s",
                                    strerror(errno ? errno : EIO));
            if (errno == ENOMEM)
                return pw_error_set(err, PW_ENOMEM, r->path, j->line_no + 1, 0, "out of memory");
            return 0;
        }
        j->line_no++;
        const char *s = j->line;
        size_t len = (size_t)got;
        if (j->line_no == 1 && len >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) {
            s += 3;
            len -= 3;
        }
        while (len > 0 && (s[len - 1] == '\n' || s[len - 1] == '\r'))
            len--;
        size_t i = 0;
        while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\f'))
            i++;
        if (i == len)
            continue; /* blank line */
        int rc = parse_line(r, s, len, j->line_no, arena, out, reject, ctx);
        if (rc < 0)
            return pw_error_set(err, rc, r->path, j->line_no, 0, "out of memory");
        if (rc == 1)
            return 1;
    }
}
