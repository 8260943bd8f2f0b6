/*
 * JSON Lines traveller records: one CONTRACT.md record object per line.
 *
 * Each line is read whole with getline into one buffer the reader keeps (so lines of
 * any length work without per-line allocation once the buffer has grown; it is kept
 * PW_JSON_EVENTS_PADDING bytes longer than the line so simdjson parses in place) and
 * parsed and validated by simdjson's DOM parser (json_events.h), which hands the line
 * back as events in document order: as the walk meets each member, the members the
 * reader knows go into slots (one per field of the record, flight, traveller and each
 * document; their strings copied into the scratch arena), and everything else is
 * skipped without being kept. The slots are then mapped onto a pw_record, field by
 * field in a fixed order (the order of the findings), and pw_reader_finish normalises
 * the record and copies it into the caller's arena.
 *
 * Why simdjson's DOM and not a tree of allocated values: jansson (which paxwatch uses
 * for the JSON it writes, and here to say where a rejected line goes wrong) builds one
 * per line through a per-character stream: reading a sample-flight record took
 * 21.7 us (88,000 instructions in jansson), more than matching it, on the single
 * reader thread. yajl's events brought a record to 31,400 instructions, 14,000 of them
 * in its lexer; with simdjson (its parse about 4,600, its memory reused from line to
 * line) a record takes 21,100 (callgrind, 5,000 sample-flight records).
 * simdjson validates the UTF-8 of the whole line (no overlong forms, no encoded
 * surrogates) and decodes escapes, so strings are not checked again here, and
 * normalisation need not check them.
 *
 * A line is rejected, and reading goes on, when it cannot be read as a record: it is
 * not JSON (the reason gives the byte column and jansson's message, or simdjson's when
 * jansson reads the line), not an object, or has no name after normalisation. A
 * field-level problem does not reject the line: a field of the wrong type (say
 * "dob": 123), an invalid date, an unknown role or gender, an unknown country is left
 * empty (role: passenger) and reported as a data-quality finding, and the traveller is
 * screened. Blank lines are skipped; a UTF-8 BOM before the first line and CR before LF
 * are ignored. null is the same as an absent field, and unknown fields are ignored so
 * that producers can add fields. A field given twice is rejected: which of the two
 * values was meant cannot be known. A known string holding NUL (\u0000) is rejected: no
 * field can hold it. Members the reader does not know are skipped: their duplicates and
 * NULs do not reject the line. Since yajl was replaced, three things reject the line
 * wherever they are, in unknown members too: a number that fits neither a 64-bit
 * integer nor a double (1e400, 2^64), a lone surrogate escape (\uD800; yajl read it as
 * '?'), and bytes that are not UTF-8 (the reason is then jansson's, "unable to decode
 * byte", with its column). Two yajl leniencies went with it: form feed and vertical tab
 * between tokens, and an unclosed string after the record, are not JSON and reject the
 * line. A line with a syntax error is refused for it, even where a member before the
 * error would have refused it (the whole line is parsed before any member is read).
 */
#include "ingest/ingest.h"
#include "ingest/json_events.h"
#include "ingest/reader_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct pw_jsonl {
    char *line; /* getline's buffer, reused; PW_JSON_EVENTS_PADDING bytes longer than
                   the longest line so far, so lines are parsed in place */
    size_t cap;
    long line_no; /* lines read so far */
    pw_json_events *events;
};

/* What a JSON value is; V_ABSENT for a member the object does not have. */
enum vtype { V_ABSENT, V_NULL, V_BOOL, V_NUMBER, V_STRING, V_OBJECT, V_ARRAY };

int pw_jsonl_open(pw_reader *r, pw_error *err)
{
    r->jsonl = calloc(1, sizeof *r->jsonl);
    if (!r->jsonl || !(r->jsonl->events = pw_json_events_new())) {
        pw_jsonl_close(r);
        return pw_error_set(err, PW_ENOMEM, NULL, 0, 0, "out of memory");
    }
    r->norm.utf8_checked = true; /* simdjson validates the whole line */
    return 0;
}

void pw_jsonl_close(pw_reader *r)
{
    if (!r->jsonl)
        return;
    free(r->jsonl->line);
    pw_json_events_free(r->jsonl->events);
    free(r->jsonl);
    r->jsonl = NULL;
}

/* Where a field failed: its JSON path and why. */
struct failure {
    const char *field;
    const char *reason;
};

static const char *type_name(enum vtype t)
{
    switch (t) {
    case V_OBJECT:
        return "an object";
    case V_ARRAY:
        return "an array";
    case V_STRING:
        return "a string";
    case V_NUMBER:
        return "a number";
    case V_BOOL:
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
 * The members the reader knows of one kind of object, in the order they are mapped
 * (which is the order of their findings). Members not in these tables are skipped.
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

/* A known member's value: its type, and for a string its text (NUL-terminated, in the
 * scratch arena). */
struct value {
    enum vtype type;
    const char *text;
};

/* One element of traveller.documents: its type, and the members of an object. */
struct doc_slot {
    enum vtype type;
    struct value v[DOC_N];
};

/* The objects the parse is inside of that hold known members (at most four deep:
 * record, traveller, documents, document). */
enum frame { F_ROOT, F_FLIGHT, F_TRAVELLER, F_DOCUMENTS, F_DOCUMENT };
#define FRAMES_MAX 4
#define NESTING_MAX 512 /* deeper values are refused (a line of [[[[... is not a record) */

/* The state of one line's parse: the slots filled so far and where the parser is. */
struct parse {
    pw_reader *r;
    enum vtype root_type;
    enum frame frames[FRAMES_MAX];
    int depth;   /* frames open */
    int member;  /* slot of the member whose value comes next in the innermost object,
                    -1 for one the reader does not know */
    int last;    /* slot of the last member named (where the next key's search starts) */
    size_t skip; /* levels of a skipped value still open */
    struct value root[ROOT_N], flight[FL_N], traveller[TR_N];
    struct doc_slot *docs;
    size_t n_docs, cap_docs;
    const char *field, *reason; /* why the line is refused (the parse was cancelled) */
    bool out_of_memory;
};

/* The slots and key table of the innermost frame, which holds an object. */
static struct value *frame_slots(struct parse *p, const struct key **keys, size_t *n)
{
    switch (p->frames[p->depth - 1]) {
    case F_ROOT:
        *keys = root_keys, *n = ROOT_N;
        return p->root;
    case F_FLIGHT:
        *keys = flight_keys, *n = FL_N;
        return p->flight;
    case F_TRAVELLER:
        *keys = traveller_keys, *n = TR_N;
        return p->traveller;
    case F_DOCUMENT:
        *keys = document_keys, *n = DOC_N;
        return p->docs[p->n_docs - 1].v;
    default:
        *keys = NULL, *n = 0;
        return NULL;
    }
}

/* The JSON path of the innermost frame's member i (for a refusal), in the scratch
 * arena. */
static const char *member_path(struct parse *p, int i)
{
    const struct key *keys;
    size_t n;
    frame_slots(p, &keys, &n);
    switch (p->frames[p->depth - 1]) {
    case F_FLIGHT:
        return pw_arena_printf(p->r->scratch, "flight.%s", keys[i].name);
    case F_TRAVELLER:
        return pw_arena_printf(p->r->scratch, "traveller.%s", keys[i].name);
    case F_DOCUMENT:
        return pw_arena_printf(p->r->scratch, "traveller.documents[%zu].%s", p->n_docs - 1,
                               keys[i].name);
    default:
        return keys[i].name;
    }
}

/* Cancels the parse: the line is refused for reason (NULL: out of memory). */
static int refuse(struct parse *p, const char *field, const char *reason)
{
    p->field = field;
    p->reason = reason;
    p->out_of_memory = reason == NULL;
    return 0;
}

/* A value of type begins where the parse reads into frame when into is true: opens the
 * frame, or starts skipping the value when it is an object or array read no further. */
static void enter(struct parse *p, enum vtype type, bool into, enum frame frame)
{
    if (into)
        p->frames[p->depth++] = frame;
    else if (type == V_OBJECT || type == V_ARRAY)
        p->skip = 1;
}

/* A value of type begins (a scalar, or the start of an object or array): puts it in
 * its slot, opens a frame for an object or array the reader reads into, and starts
 * skipping one it does not. Returns the slot for a string's text (NULL: not kept), or
 * NULL with the parse cancelled (refuse) when the return of *ok is 0. */
static struct value *value_begins(struct parse *p, enum vtype type, int *ok)
{
    bool container = type == V_OBJECT || type == V_ARRAY;
    *ok = 1;
    if (p->skip) {
        if (container && ++p->skip > NESTING_MAX)
            *ok = refuse(p, NULL, "values nested too deep");
        return NULL;
    }
    if (p->depth == 0) {
        p->root_type = type;
        enter(p, type, type == V_OBJECT, F_ROOT);
        return NULL;
    }
    enum frame in = p->frames[p->depth - 1];
    if (in == F_DOCUMENTS) {
        if (p->n_docs == p->cap_docs) {
            size_t cap = p->cap_docs ? 2 * p->cap_docs : 4;
            struct doc_slot *d = pw_arena_alloc_uninit(p->r->scratch, cap * sizeof *d);
            if (!d) {
                *ok = refuse(p, NULL, NULL);
                return NULL;
            }
            if (p->n_docs)
                memcpy(d, p->docs, p->n_docs * sizeof *d);
            p->docs = d;
            p->cap_docs = cap;
        }
        struct doc_slot *d = &p->docs[p->n_docs++];
        memset(d, 0, sizeof *d);
        d->type = type;
        enter(p, type, type == V_OBJECT, F_DOCUMENT);
        return NULL;
    }
    if (p->member < 0) {
        enter(p, type, false, F_ROOT);
        return NULL;
    }
    const struct key *keys;
    size_t n;
    struct value *v = &frame_slots(p, &keys, &n)[p->member];
    v->type = type;
    /* (a member of another type than the field's is reported when mapped) */
    if (in == F_ROOT && p->member == ROOT_FLIGHT)
        enter(p, type, type == V_OBJECT, F_FLIGHT);
    else if (in == F_ROOT && p->member == ROOT_TRAVELLER)
        enter(p, type, type == V_OBJECT, F_TRAVELLER);
    else
        enter(p, type, type == V_ARRAY && in == F_TRAVELLER && p->member == TR_DOCUMENTS,
              F_DOCUMENTS);
    p->member = -1;
    return type == V_STRING ? v : NULL;
}

static int on_null(void *ctx)
{
    int ok;
    value_begins(ctx, V_NULL, &ok);
    return ok;
}

static int on_boolean(void *ctx)
{
    int ok;
    value_begins(ctx, V_BOOL, &ok);
    return ok;
}

static int on_number(void *ctx)
{
    int ok;
    value_begins(ctx, V_NUMBER, &ok);
    return ok;
}

/* A string value: kept, NUL-terminated in the scratch arena, when it is a known
 * member's. A NUL (\u0000) in it refuses the line; its UTF-8 was checked by simdjson. */
static int on_string(void *ctx, const char *text, size_t len)
{
    struct parse *p = ctx;
    int ok, member = p->member;
    struct value *v = value_begins(p, V_STRING, &ok);
    if (!v)
        return ok;
    if (memchr(text, '\0', len)) {
        const char *field = member_path(p, member);
        return refuse(
            p, field,
            field ? pw_arena_printf(p->r->scratch, "%s holds a NUL character (\\u0000)", field)
                  : NULL);
    }
    char *copy = pw_arena_alloc_uninit(p->r->scratch, len + 1);
    if (!copy)
        return refuse(p, NULL, NULL);
    memcpy(copy, text, len);
    copy[len] = '\0';
    v->text = copy;
    return 1;
}

static int on_start_object(void *ctx)
{
    int ok;
    value_begins(ctx, V_OBJECT, &ok);
    return ok;
}

static int on_start_array(void *ctx)
{
    int ok;
    value_begins(ctx, V_ARRAY, &ok);
    return ok;
}

static int on_end(void *ctx)
{
    struct parse *p = ctx;
    if (p->skip)
        p->skip--;
    else
        p->depth--;
    return 1;
}

/* A member's name: which slot its value goes to. The search starts after the previous
 * member's: producers write the members in one order, mostly that of the table. */
static int on_key(void *ctx, const char *name, size_t len)
{
    struct parse *p = ctx;
    if (p->skip)
        return 1;
    const struct key *keys;
    size_t n;
    struct value *slots = frame_slots(p, &keys, &n);
    p->member = -1;
    if (n == 0) /* (no frame of known members: its values are skipped) */
        return 1;
    size_t next = (size_t)(p->last + 1) % n;
    for (size_t k = 0; k < n; k++) {
        size_t i = next + k < n ? next + k : next + k - n;
        if (keys[i].len == len && memcmp(keys[i].name, name, len) == 0) {
            if (slots[i].type != V_ABSENT) {
                const char *field = member_path(p, (int)i);
                return refuse(p, field,
                              field ? pw_arena_printf(p->r->scratch,
                                                      "duplicate key: %s is given twice", field)
                                    : NULL);
            }
            p->member = p->last = (int)i;
            break;
        }
    }
    return 1;
}

static const pw_json_callbacks callbacks = {
    .on_null = on_null,
    .on_boolean = on_boolean,
    .on_number = on_number,
    .on_string = on_string,
    .on_start_object = on_start_object,
    .on_key = on_key,
    .on_end_object = on_end,
    .on_start_array = on_start_array,
    .on_end_array = on_end,
};

/* The known members of one object and where the object sits. */
struct members {
    const struct value *v;
    const struct key *keys;
    struct where at;
};

/* Member i of m when it is of type; absent when it is absent or null, and when it is
 * of another type (an issue: the field is left empty). *present says which. */
static int member(pw_reader *r, const struct members *m, size_t i, enum vtype type, bool *present,
                  struct failure *f)
{
    enum vtype t = m->v[i].type;
    *present = false;
    if (t == V_ABSENT || t == V_NULL)
        return 0;
    if (t != type) {
        const char *field = path(r, &m->at, m->keys[i].name);
        return drop(r, f, PW_FINDING_INVALID_FIELD, field,
                    field ? pw_arena_printf(r->scratch, "%s must be %s, not %s", field,
                                            type_name(type), type_name(t))
                          : NULL);
    }
    *present = true;
    return 0;
}

/* String member i of m (NULL when absent or null). */
static int string(pw_reader *r, const struct members *m, size_t i, const char **out,
                  struct failure *f)
{
    bool present;
    int rc = member(r, m, i, V_STRING, &present, f);
    *out = rc == 0 && present ? m->v[i].text : NULL;
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

static int flight_from_slots(pw_reader *r, const struct parse *p, pw_flight *fl, struct failure *f)
{
    const struct members m = {p->flight, flight_keys, {"flight.", 0}};
    int rc;
    if ((rc = string(r, &m, FL_CARRIER, &fl->carrier, f)) ||
        (rc = string(r, &m, FL_NUMBER, &fl->number, f)) ||
        (rc = string(r, &m, FL_ORIGIN, &fl->origin, f)) ||
        (rc = string(r, &m, FL_DESTINATION, &fl->destination, f)) ||
        (rc = string(r, &m, FL_DEPARTURE, &fl->departure, f)) ||
        (rc = string(r, &m, FL_ARRIVAL, &fl->arrival, f)))
        return rc;
    return 0;
}

static int documents_from_slots(pw_reader *r, const struct parse *p, pw_traveller *t,
                                struct failure *f)
{
    static const struct where in_traveller = {"traveller.", 0};
    size_t n = p->n_docs;
    if (n == 0)
        return 0;
    t->documents = pw_arena_alloc(r->scratch, n * sizeof *t->documents);
    if (!t->documents)
        return fail(r, f, &in_traveller, "documents");
    t->n_documents = n;
    for (size_t i = 0; i < n; i++) {
        const struct doc_slot *slot = &p->docs[i];
        if (slot->type != V_OBJECT) { /* left out: an empty document is dropped */
            const char *at = pw_arena_printf(r->scratch, "traveller.documents[%zu]", i);
            int rc = drop(r, f, PW_FINDING_MALFORMED_DOCUMENT, at,
                          at ? pw_arena_printf(r->scratch, "%s must be an object, not %s", at,
                                               type_name(slot->type))
                             : NULL);
            if (rc)
                return rc;
            continue;
        }
        pw_document *d = &t->documents[i];
        const struct members m = {slot->v, document_keys, {NULL, i}};
        int rc;
        if ((rc = string(r, &m, DOC_TYPE, &d->type, f)) ||
            (rc = string(r, &m, DOC_NUMBER, &d->number, f)) ||
            (rc = string(r, &m, DOC_ISSUER, &d->issuer, f)) ||
            (rc = date(r, &m, DOC_EXPIRY, &d->expiry, f)) ||
            (rc = date(r, &m, DOC_ISSUED, &d->issued, f)))
            return rc;
    }
    return 0;
}

static int traveller_from_slots(pw_reader *r, const struct parse *p, pw_traveller *t,
                                struct failure *f)
{
    const struct where w = {"traveller.", 0};
    const struct members m = {p->traveller, traveller_keys, w};
    const char *role = NULL, *gender = NULL, *reason = NULL;
    bool docs;
    int rc;
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
        (rc = member(r, &m, TR_DOCUMENTS, V_ARRAY, &docs, f)))
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
    return docs ? documents_from_slots(r, p, t, f) : 0;
}

/* Maps a parsed line's slots onto rec (strings borrowed from the scratch arena). */
static int record_from_slots(pw_reader *r, const struct parse *p, pw_record *rec, struct failure *f)
{
    const struct members m = {p->root, root_keys, {"", 0}};
    bool flight, traveller;
    int rc;
    if ((rc = string(r, &m, ROOT_RECORD_ID, &rec->record_id, f)) ||
        (rc = member(r, &m, ROOT_FLIGHT, V_OBJECT, &flight, f)) ||
        (rc = member(r, &m, ROOT_TRAVELLER, V_OBJECT, &traveller, f)))
        return rc;
    if (flight && (rc = flight_from_slots(r, p, &rec->flight, f)))
        return rc;
    if (traveller && (rc = traveller_from_slots(r, p, &rec->traveller, f)))
        return rc;
    return 0;
}

/* Parses s (len bytes, capacity readable) into p's slots. Returns 0, PW_EINVAL with f
 * set (the line is not a record), PW_ENOMEM. */
static int parse_events(pw_reader *r, struct parse *p, const char *s, size_t len, size_t capacity,
                        struct failure *f)
{
    pw_json_syntax_error syntax;
    int rc = pw_json_events_parse(r->jsonl->events, s, len, capacity, &callbacks, p, &syntax);
    if (rc == PW_JSON_EVENTS_CANCELLED) {
        f->field = p->field;
        f->reason = p->reason;
        return p->out_of_memory ? PW_ENOMEM : PW_EINVAL;
    }
    if (rc != PW_EPARSE)
        return rc;
    if (syntax.too_deep)
        f->reason = "values nested too deep";
    else if (syntax.ends_inside_value)
        f->reason = pw_arena_printf(r->scratch,
                                    "invalid JSON at column %zu: the line ends inside a value "
                                    "(an object, array or string not closed)",
                                    syntax.column);
    else if (syntax.column)
        f->reason = pw_arena_printf(r->scratch, "invalid JSON at column %zu: %s", syntax.column,
                                    syntax.message);
    else
        f->reason = pw_arena_printf(r->scratch, "invalid JSON: %s", syntax.message);
    return f->reason ? PW_EINVAL : PW_ENOMEM;
}

/* Parses one non-blank line (len bytes at s, no newline). Returns 1 with a record in
 * *out, 0 when the line was rejected, PW_ENOMEM. */
static int parse_line(pw_reader *r, const char *s, size_t len, size_t capacity, long line_no,
                      pw_arena *arena, pw_record *out, pw_reject_fn reject, void *ctx)
{
    pw_reader_begin_record(r);
    struct parse p;
    memset(&p, 0, sizeof p);
    p.r = r;
    p.member = p.last = -1;
    struct failure f = {NULL, NULL};
    int rc = parse_events(r, &p, s, len, capacity, &f);
    if (rc == 0 && p.root_type != V_OBJECT) {
        f.reason = pw_arena_printf(r->scratch, "a record must be a JSON object, not %s",
                                   type_name(p.root_type));
        rc = f.reason ? PW_EINVAL : PW_ENOMEM;
    } else if (rc == 0) {
        pw_record rec;
        memset(&rec, 0, sizeof rec);
        rc = record_from_slots(r, &p, &rec, &f);
        if (rc == 0)
            rc = pw_reader_finish(r, &rec, line_no, arena, out, &f.field, &f.reason);
    }
    if (rc == PW_EINVAL)
        pw_reader_reject(r, line_no, f.field, f.reason, s, len, reject, ctx);
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
        if (j->cap < (size_t)got + PW_JSON_EVENTS_PADDING) {
            char *grown = realloc(j->line, (size_t)got + PW_JSON_EVENTS_PADDING);
            if (!grown)
                return pw_error_set(err, PW_ENOMEM, r->path, j->line_no + 1, 0, "out of memory");
            j->line = grown;
            j->cap = (size_t)got + PW_JSON_EVENTS_PADDING;
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
        int rc = parse_line(r, s, len, j->cap - (size_t)(s - j->line), j->line_no, arena, out,
                            reject, ctx);
        if (rc < 0)
            return pw_error_set(err, rc, r->path, j->line_no, 0, "out of memory");
        if (rc == 1)
            return 1;
    }
}
