/*
 * JSON Lines traveller records: one CONTRACT.md record object per line.
 *
 * Each line is read whole with getline into one buffer the reader keeps (so lines of
 * any length work without per-line allocation once the buffer has grown), parsed with
 * jansson into a json_t that is freed before the next line, and mapped onto a
 * pw_record whose strings borrow from the json_t; pw_reader_finish then normalises the
 * record and copies it into the caller's arena before the json_t goes away.
 *
 * jansson's parse is nearly all the cost of a line, so the mapping around it is kept
 * lean: each object's members are walked once and sorted into slots by name (no hash
 * lookup per field, absent ones included), a field's JSON path is formatted only when
 * the field has a problem, and normalisation is told that the strings are UTF-8
 * already (jansson rejects a line that is not) so it does not check them again.
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
    r->norm.utf8_checked = true; /* jansson decodes only well-formed UTF-8 */
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

/* Where the members of an object sit in the record: the prefix of their field paths
 * ("traveller."), or, when prefix is NULL, document doc of the traveller
 * ("traveller.documents[0]."). Paths are built only for a field with a problem. */
struct where {
    const char *prefix;
    size_t doc;
};

/* The field path of member key ("traveller.documents[0].expiry"), in the scratch
 * arena; NULL on out of memory. */
static const char *path(pw_reader *r, const struct where *w, const char *key)
{
    if (w->prefix)
        return pw_arena_printf(r->scratch, "%s%s", w->prefix, key);
    return pw_arena_printf(r->scratch, "traveller.documents[%zu].%s", w->doc, key);
}

/* Sets the failure (out of memory) for member key. Returns PW_ENOMEM. */
static int fail(pw_reader *r, struct failure *f, const struct where *w, const char *key)
{
    f->field = path(r, w, key);
    f->reason = "out of memory";
    return PW_ENOMEM;
}

/* Records a field-level problem with field (its path, NULL when it could not be
 * built): the field is left empty and the record kept. reason NULL means it could not
 * be built either (out of memory). Returns 0, or PW_ENOMEM (with the failure set). */
static int drop(pw_reader *r, struct failure *f, enum pw_finding_kind kind, const char *field,
                const char *reason)
{
    if (!field || !reason) {
        f->field = field;
        f->reason = "out of memory";
        return PW_ENOMEM;
    }
    pw_issue_add(&r->issues, kind, field, reason);
    return 0;
}

/*
 * The members the reader knows of one kind of object, in the order they are checked
 * (which is the order of their findings). gather() walks the object's members once and
 * puts each known one in its slot, so a record costs no hash lookup per field, absent
 * fields included; unknown members are skipped.
 */
struct key {
    const char *name;
    size_t len;
};
#define KEY(s)                                                                                     \
    {                                                                                              \
        s, sizeof s - 1                                                                            \
    }

enum { ROOT_RECORD_ID, ROOT_FLIGHT, ROOT_TRAVELLER, ROOT_N };
static const struct key root_keys[ROOT_N] = {KEY("record_id"), KEY("flight"), KEY("traveller")};

enum { FL_CARRIER, FL_NUMBER, FL_ORIGIN, FL_DESTINATION, FL_DEPARTURE, FL_ARRIVAL, FL_N };
static const struct key flight_keys[FL_N] = {KEY("carrier"),     KEY("number"),    KEY("origin"),
                                             KEY("destination"), KEY("departure"), KEY("arrival")};

enum {
    TR_ROLE,
    TR_SURNAME,
    TR_GIVEN_NAMES,
    TR_FULL_NAME,
    TR_GENDER,
    TR_DOB,
    TR_NATIONALITY,
    TR_RESIDENCE,
    TR_BIRTH_PLACE,
    TR_EMBARKATION,
    TR_DEBARKATION,
    TR_BOOKING_REF,
    TR_PASSENGER_REF,
    TR_SEAT,
    TR_DOCUMENTS,
    TR_N
};
static const struct key traveller_keys[TR_N] = {
    KEY("role"),          KEY("surname"),     KEY("given_names"), KEY("full_name"),
    KEY("gender"),        KEY("dob"),         KEY("nationality"), KEY("residence"),
    KEY("birth_place"),   KEY("embarkation"), KEY("debarkation"), KEY("booking_ref"),
    KEY("passenger_ref"), KEY("seat"),        KEY("documents"),
};

enum { DOC_TYPE, DOC_NUMBER, DOC_ISSUER, DOC_EXPIRY, DOC_ISSUED, DOC_N };
static const struct key document_keys[DOC_N] = {KEY("type"), KEY("number"), KEY("issuer"),
                                                KEY("expiry"), KEY("issued")};

#define MEMBERS_MAX TR_N /* the longest key table */

/* The known members of one object (NULL: absent) and where the object sits. */
struct members {
    json_t *v[MEMBERS_MAX];
    const struct key *keys;
    struct where at;
};

/* Fills m with obj's members named in keys (n of them). The search for a member's key
 * starts after the previous member's: producers write the members in one order, mostly
 * that of keys, so the first key compared is usually the one. */
static void gather(json_t *obj, const struct key *keys, size_t n, struct where at,
                   struct members *m)
{
    size_t next = 0;
    m->keys = keys;
    m->at = at;
    for (size_t i = 0; i < n; i++)
        m->v[i] = NULL;
    for (void *it = json_object_iter(obj); it; it = json_object_iter_next(obj, it)) {
        const char *name = json_object_iter_key(it);
        size_t len = json_object_iter_key_len(it);
        for (size_t k = 0; k < n; k++) {
            size_t i = next + k < n ? next + k : next + k - n;
            if (keys[i].len == len && memcmp(keys[i].name, name, len) == 0) {
                m->v[i] = json_object_iter_value(it);
                next = i + 1;
                break;
            }
        }
    }
}

/* Member i of m when it is of type; NULL when it is absent or null, and when it is of
 * another type (an issue: the field is left empty). */
static int member(pw_reader *r, const struct members *m, size_t i, json_type type,
                  const char *type_label, json_t **out, struct failure *f)
{
    json_t *v = m->v[i];
    *out = NULL;
    if (!v || json_is_null(v))
        return 0;
    if (json_typeof(v) != type) {
        const char *field = path(r, &m->at, m->keys[i].name);
        return drop(r, f, PW_FINDING_INVALID_FIELD, field,
                    field ? pw_arena_printf(r->scratch, "%s must be %s, not %s", field, type_label,
                                            type_name(v))
                          : NULL);
    }
    *out = v;
    return 0;
}

/* String member i of m, borrowed from the parsed line (NULL when absent or null). */
static int string(pw_reader *r, const struct members *m, size_t i, const char **out,
                  struct failure *f)
{
    json_t *v;
    *out = NULL;
    int rc = member(r, m, i, JSON_STRING, "a string", &v, f);
    if (rc == 0 && v)
        *out = json_string_value(v);
    return rc;
}

/* Date member i of m ("YYYY-MM-DD", "YYYY-MM" or "YYYY"). */
static int date(pw_reader *r, const struct members *m, size_t i, pw_date *out, struct failure *f)
{
    const char *s, *reason = NULL;
    int rc = string(r, m, i, &s, f);
    if (rc)
        return rc;
    rc = pw_reader_parse_date(r, s, out, &reason);
    if (rc == PW_EINVAL)
        return drop(r, f, PW_FINDING_INVALID_DATE, path(r, &m->at, m->keys[i].name), reason);
    return rc ? fail(r, f, &m->at, m->keys[i].name) : 0;
}

static int flight_from_json(pw_reader *r, json_t *o, pw_flight *fl, struct failure *f)
{
    struct members m;
    int rc;
    gather(o, flight_keys, FL_N, (struct where){"flight.", 0}, &m);
    if ((rc = string(r, &m, FL_CARRIER, &fl->carrier, f)) ||
        (rc = string(r, &m, FL_NUMBER, &fl->number, f)) ||
        (rc = string(r, &m, FL_ORIGIN, &fl->origin, f)) ||
        (rc = string(r, &m, FL_DESTINATION, &fl->destination, f)) ||
        (rc = string(r, &m, FL_DEPARTURE, &fl->departure, f)) ||
        (rc = string(r, &m, FL_ARRIVAL, &fl->arrival, f)))
        return rc;
    return 0;
}

static int documents_from_json(pw_reader *r, json_t *arr, pw_traveller *t, struct failure *f)
{
    static const struct where in_traveller = {"traveller.", 0};
    size_t n = json_array_size(arr);
    if (n == 0)
        return 0;
    t->documents = pw_arena_alloc(r->scratch, n * sizeof *t->documents);
    if (!t->documents)
        return fail(r, f, &in_traveller, "documents");
    t->n_documents = n;
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_array_get(arr, i);
        if (!json_is_object(o)) { /* left out: an empty document is dropped */
            const char *p = pw_arena_printf(r->scratch, "traveller.documents[%zu]", i);
            int rc = drop(
                r, f, PW_FINDING_MALFORMED_DOCUMENT, p,
                p ? pw_arena_printf(r->scratch, "%s must be an object, not %s", p, type_name(o))
                  : NULL);
            if (rc)
                return rc;
            continue;
        }
        pw_document *d = &t->documents[i];
        struct members m;
        int rc;
        gather(o, document_keys, DOC_N, (struct where){NULL, i}, &m);
        if ((rc = string(r, &m, DOC_TYPE, &d->type, f)) ||
            (rc = string(r, &m, DOC_NUMBER, &d->number, f)) ||
            (rc = string(r, &m, DOC_ISSUER, &d->issuer, f)) ||
            (rc = date(r, &m, DOC_EXPIRY, &d->expiry, f)) ||
            (rc = date(r, &m, DOC_ISSUED, &d->issued, f)))
            return rc;
    }
    return 0;
}

static int traveller_from_json(pw_reader *r, json_t *o, pw_traveller *t, struct failure *f)
{
    const struct where w = {"traveller.", 0};
    const char *role = NULL, *gender = NULL, *reason = NULL;
    struct members m;
    json_t *docs;
    int rc;
    gather(o, traveller_keys, TR_N, w, &m);
    if ((rc = string(r, &m, TR_ROLE, &role, f)) ||
        (rc = string(r, &m, TR_SURNAME, &t->surname, f)) ||
        (rc = string(r, &m, TR_GIVEN_NAMES, &t->given_names, f)) ||
        (rc = string(r, &m, TR_FULL_NAME, &t->full_name, f)) ||
        (rc = string(r, &m, TR_GENDER, &gender, f)) || (rc = date(r, &m, TR_DOB, &t->dob, f)) ||
        (rc = string(r, &m, TR_NATIONALITY, &t->nationality, f)) ||
        (rc = string(r, &m, TR_RESIDENCE, &t->residence, f)) ||
        (rc = string(r, &m, TR_BIRTH_PLACE, &t->birth_place, f)) ||
        (rc = string(r, &m, TR_EMBARKATION, &t->embarkation, f)) ||
        (rc = string(r, &m, TR_DEBARKATION, &t->debarkation, f)) ||
        (rc = string(r, &m, TR_BOOKING_REF, &t->booking_ref, f)) ||
        (rc = string(r, &m, TR_PASSENGER_REF, &t->passenger_ref, f)) ||
        (rc = string(r, &m, TR_SEAT, &t->seat, f)) ||
        (rc = member(r, &m, TR_DOCUMENTS, JSON_ARRAY, "an array", &docs, f)))
        return rc;
    rc = pw_reader_parse_role(r, role, &t->role, &reason);
    if (rc == PW_EINVAL)
        rc = drop(r, f, PW_FINDING_UNKNOWN_CODE, path(r, &w, "role"), reason);
    else if (rc)
        rc = fail(r, f, &w, "role");
    if (rc)
        return rc;
    if (pw_gender_parse(gender, &t->gender) &&
        (rc = drop(r, f, PW_FINDING_UNKNOWN_CODE, path(r, &w, "gender"),
                   pw_arena_printf(r->scratch, "unknown gender '%.*s': expected M, F, U or X",
                                   (int)pw_utf8_cut(gender, strlen(gender), PW_REASON_VALUE_MAX),
                                   gender))))
        return rc;
    return docs ? documents_from_json(r, docs, t, f) : 0;
}

/* Maps a parsed line onto rec (strings borrowed from root). */
static int record_from_json(pw_reader *r, json_t *root, pw_record *rec, struct failure *f)
{
    struct members m;
    json_t *flight, *traveller;
    int rc;
    gather(root, root_keys, ROOT_N, (struct where){"", 0}, &m);
    if ((rc = string(r, &m, ROOT_RECORD_ID, &rec->record_id, f)) ||
        (rc = member(r, &m, ROOT_FLIGHT, JSON_OBJECT, "an object", &flight, f)) ||
        (rc = member(r, &m, ROOT_TRAVELLER, JSON_OBJECT, "an object", &traveller, f)))
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
