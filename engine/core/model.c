/*
 * The shared models: names of the enums and their parsers, the traveller's display
 * name, deterministic ids and keys, and the canonical JSON for records, flights and
 * alerts (CONTRACT.md).
 *
 * JSON is written by hand into a pw_strbuf, compact (no spaces), fields in the
 * order CONTRACT.md lists them, absent (NULL or unset) fields left out. Strings go
 * through pw_strbuf_append_json; numbers are written in the C locale's format even
 * when the process runs in another locale.
 *
 * Ids and keys are pw_hash_hex over a fixed list of parts with a version tag as the
 * first part, so a later change of the parts gives new keys rather than silently
 * colliding with old ones. Alert keys upper-case names (Unicode-aware, through
 * utf8proc) so that "Barrett" and "BARRETT" on the same flight are one alert.
 */
#include "core/core.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <utf8proc.h>

/* ---- enum names -------------------------------------------------------- */

static const char *const role_names[] = {"passenger", "crew", "transit_passenger", "transit_crew"};
static const char *const name_kind_names[] = {"primary", "alias", "original_script"};
static const char *const quality_names[] = {"unknown", "good", "low"};
static const char *const entry_type_names[] = {"individual", "entity", "vessel", "aircraft"};
static const char *const severity_names[] = {"none", "low", "medium", "high", "critical"};

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

/* names[v], or "unknown" for a value outside the enum. */
static const char *enum_name(const char *const *names, size_t n, int v)
{
    return v >= 0 && (size_t)v < n ? names[v] : "unknown";
}

/* Index of s in names (case-insensitive), or -1. */
static int enum_parse(const char *const *names, size_t n, const char *s)
{
    if (!s)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (strcasecmp(s, names[i]) == 0)
            return (int)i;
    return -1;
}

const char *pw_role_name(enum pw_role role)
{
    return enum_name(role_names, N_OF(role_names), (int)role);
}

int pw_role_parse(const char *s, enum pw_role *out)
{
    int v = enum_parse(role_names, N_OF(role_names), s);
    if (v < 0 || !out)
        return PW_EINVAL;
    *out = (enum pw_role)v;
    return PW_OK;
}

const char *pw_name_kind_name(enum pw_name_kind k)
{
    return enum_name(name_kind_names, N_OF(name_kind_names), (int)k);
}

const char *pw_alias_quality_name(enum pw_alias_quality q)
{
    return enum_name(quality_names, N_OF(quality_names), (int)q);
}

const char *pw_entry_type_name(enum pw_entry_type t)
{
    return enum_name(entry_type_names, N_OF(entry_type_names), (int)t);
}

int pw_entry_type_parse(const char *s, enum pw_entry_type *out)
{
    int v = enum_parse(entry_type_names, N_OF(entry_type_names), s);
    if (v < 0 || !out)
        return PW_EINVAL;
    *out = (enum pw_entry_type)v;
    return PW_OK;
}

static const char *const finding_kind_names[] = {
    "message",          "missing_dob",        "missing_document",
    "expired_document", "malformed_document", "unknown_country",
    "invalid_date",     "unknown_code",       "invalid_field",
    "placeholder_name", "count_mismatch",     "control_mismatch",
    "structure",        "rejected",
};
_Static_assert(N_OF(finding_kind_names) == PW_FINDING__COUNT, "a name for every finding kind");

const char *pw_finding_kind_name(enum pw_finding_kind kind)
{
    return enum_name(finding_kind_names, N_OF(finding_kind_names), (int)kind);
}

int pw_finding_kind_parse(const char *s, enum pw_finding_kind *out)
{
    int v = enum_parse(finding_kind_names, N_OF(finding_kind_names), s);
    if (v < 0 || !out)
        return PW_EINVAL;
    *out = (enum pw_finding_kind)v;
    return PW_OK;
}

bool pw_finding_kind_is_traveller(enum pw_finding_kind kind)
{
    return kind >= PW_FINDING_MISSING_DOB && kind <= PW_FINDING_PLACEHOLDER_NAME;
}

const char *pw_severity_name(enum pw_severity s)
{
    return enum_name(severity_names, N_OF(severity_names), (int)s);
}

/* Accepts "none", "low", "medium", "high", "critical" in any case; "" is invalid
 * (a caller that treats an empty cell as "the list's default" checks for it). */
int pw_severity_parse(const char *s, enum pw_severity *out)
{
    int v = enum_parse(severity_names, N_OF(severity_names), s);
    if (v < 0 || !out)
        return PW_EINVAL;
    *out = (enum pw_severity)v;
    return PW_OK;
}

/* ---- records ----------------------------------------------------------- */

static bool has_text(const char *s)
{
    return s && *s;
}

/*
 * full_name when given, else "GIVEN SURNAME" in the arena, else whichever of the
 * two is given. The result is either arena memory or one of the record's own
 * strings, so it lives as long as both. "" when the record has no name; NULL only
 * when the arena is out of memory (or NULL and a join was needed).
 */
const char *pw_record_display_name(const pw_record *r, pw_arena *a)
{
    if (!r)
        return "";
    const pw_traveller *t = &r->traveller;
    if (has_text(t->full_name))
        return t->full_name;
    bool g = has_text(t->given_names), s = has_text(t->surname);
    if (g && s)
        return pw_arena_printf(a, "%s %s", t->given_names, t->surname);
    if (s)
        return t->surname;
    if (g)
        return t->given_names;
    return "";
}

/* Hash of the documents' (type, number, issuer), folded one document at a time
 * so any number of them fits a fixed parts array. NULL when there are none. */
static const char *documents_hash(const pw_traveller *t, char acc[33])
{
    if (!t->documents || t->n_documents == 0)
        return NULL;
    acc[0] = '\0';
    for (size_t i = 0; i < t->n_documents; i++) {
        const pw_document *d = &t->documents[i];
        const char *parts[] = {acc, d->type, d->number, d->issuer};
        char next[33];
        pw_hash_hex(parts, N_OF(parts), next);
        memcpy(acc, next, sizeof next);
    }
    return acc;
}

/*
 * The record id used when the input gives none: a hash of the flight, the names,
 * dob, nationality and documents exactly as they are in the record, so the same
 * input line always gets the same id.
 */
void pw_record_content_id(const pw_record *r, char out[33])
{
    static const pw_record empty;
    if (!r)
        r = &empty;
    const pw_flight *f = &r->flight;
    const pw_traveller *t = &r->traveller;
    char dob[11], docs[33];
    pw_date_format(t->dob, dob);
    const char *parts[] = {
        "pw-record/1",
        f->carrier,
        f->number,
        f->origin,
        f->destination,
        f->departure,
        f->arrival,
        t->surname,
        t->given_names,
        t->full_name,
        pw_date_is_set(t->dob) ? dob : NULL,
        t->nationality,
        documents_hash(t, docs),
    };
    pw_hash_hex(parts, N_OF(parts), out);
}

/* ---- JSON helpers ------------------------------------------------------ */

/* Writes the separating comma (except before the first member) and "key":. The keys
 * here are short ASCII literals that need no escaping. */
static inline void json_key(pw_strbuf *b, bool *first, const char *key)
{
    if (!*first)
        pw_strbuf_appendn(b, ",", 1);
    *first = false;
    pw_strbuf_appendn(b, "\"", 1);
    pw_strbuf_appendn(b, key, strlen(key));
    pw_strbuf_appendn(b, "\":", 2);
}

static inline void json_str(pw_strbuf *b, bool *first, const char *key, const char *val)
{
    if (!val)
        return;
    pw_strbuf_append_json_member(b, !*first, key, strlen(key), val);
    *first = false;
}

static void json_date(pw_strbuf *b, bool *first, const char *key, pw_date d)
{
    if (!pw_date_is_set(d))
        return;
    char buf[11];
    pw_date_format(d, buf);
    json_str(b, first, key, buf);
}

static void json_int(pw_strbuf *b, bool *first, const char *key, int v)
{
    json_key(b, first, key);
    pw_strbuf_append_int(b, v);
}

/*
 * A score as a JSON number with 4 significant digits. NaN and infinities, which
 * JSON cannot represent, become 0; a decimal comma from a non-C locale becomes a
 * point.
 */
static void json_score(pw_strbuf *b, bool *first, const char *key, double v)
{
    char buf[32];
    if (!isfinite(v))
        v = 0;
    snprintf(buf, sizeof buf, "%.4g", v);
    for (char *p = buf; *p; p++)
        if (*p == ',')
            *p = '.';
    json_key(b, first, key);
    pw_strbuf_append(b, buf);
}

static bool flight_is_empty(const pw_flight *f)
{
    return !f->carrier && !f->number && !f->origin && !f->destination && !f->departure &&
           !f->arrival && !(f->legs && f->n_legs);
}

void pw_flight_to_json(const pw_flight *f, pw_strbuf *out)
{
    static const pw_flight empty;
    if (!out)
        return;
    if (!f)
        f = &empty;
    bool first = true;
    pw_strbuf_appendn(out, "{", 1);
    json_str(out, &first, "carrier", f->carrier);
    json_str(out, &first, "number", f->number);
    json_str(out, &first, "origin", f->origin);
    json_str(out, &first, "destination", f->destination);
    json_str(out, &first, "departure", f->departure);
    json_str(out, &first, "arrival", f->arrival);
    if (f->legs && f->n_legs) { /* an extension of the contract: multi-leg flights */
        json_key(out, &first, "legs");
        pw_strbuf_appendn(out, "[", 1);
        for (size_t i = 0; i < f->n_legs; i++) {
            if (i)
                pw_strbuf_appendn(out, ",", 1);
            pw_flight leg = f->legs[i];
            leg.legs = NULL; /* a leg has no legs of its own */
            leg.n_legs = 0;
            pw_flight_to_json(&leg, out);
        }
        pw_strbuf_appendn(out, "]", 1);
    }
    pw_strbuf_appendn(out, "}", 1);
}

static void document_to_json(const pw_document *d, pw_strbuf *out)
{
    bool first = true;
    pw_strbuf_appendn(out, "{", 1);
    json_str(out, &first, "type", d->type);
    json_str(out, &first, "number", d->number);
    json_str(out, &first, "issuer", d->issuer);
    json_date(out, &first, "expiry", d->expiry);
    json_date(out, &first, "issued", d->issued);
    pw_strbuf_appendn(out, "}", 1);
}

/* The "source" object: where the record came from (pw_provenance with source_file and
 * source_line). Written only for records that carry provenance (the readers set
 * source.format), so a record built by hand keeps its contract-only JSON. Without
 * with_file, the file is left out when the `records` view can put it back as it was
 * (pw_record_to_batch_json). */
static void source_to_json(const pw_record *r, pw_strbuf *out, bool *first, bool with_file)
{
    const pw_provenance *p = &r->source;
    if (!p->format && !p->sender && !p->message_ref)
        return;
    json_key(out, first, "source");
    bool f = true;
    pw_strbuf_appendn(out, "{", 1);
    json_str(out, &f, "format", p->format);
    if (r->source_file && (with_file || !pw_utf8_valid(r->source_file, strlen(r->source_file))))
        json_str(out, &f, "file", r->source_file);
    if (r->source_line > 0) {
        json_key(out, &f, "line");
        pw_strbuf_append_int(out, r->source_line);
    }
    json_str(out, &f, "sender", p->sender);
    json_str(out, &f, "recipient", p->recipient);
    json_str(out, &f, "interchange", p->interchange_ref);
    json_str(out, &f, "group", p->group_ref);
    json_str(out, &f, "message", p->message_ref);
    json_str(out, &f, "part", p->part);
    json_str(out, &f, "reporting_party", p->reporting_party);
    if (p->document_code || p->document_type || p->document_status) {
        json_key(out, &f, "document");
        bool d = true;
        pw_strbuf_appendn(out, "{", 1);
        json_str(out, &d, "code", p->document_code);
        json_str(out, &d, "type", p->document_type);
        json_str(out, &d, "status", p->document_status);
        json_str(out, &d, "action", p->document_action);
        pw_strbuf_appendn(out, "}", 1);
    }
    if (p->first_segment > 0) {
        json_key(out, &f, "segments");
        pw_strbuf_printf(out, "[%ld,%ld]", p->first_segment,
                         p->last_segment >= p->first_segment ? p->last_segment : p->first_segment);
    }
    if (p->format && p->offset >= 0 && (p->first_segment > 0 || p->offset > 0)) {
        json_key(out, &f, "offset");
        pw_strbuf_printf(out, "%lld", p->offset);
    }
    pw_strbuf_appendn(out, "}", 1);
}

/*
 * The canonical record of CONTRACT.md: record_id, flight (left out when every
 * flight field is absent) and traveller with its documents. role is always
 * written (every record has one); seat, clearance, a document's issued date and the
 * flight's legs are extra fields beyond the contract's example. Where the record came
 * from goes in a "source" object after the traveller (see source_to_json); it is not
 * content (pw_record_content_id leaves it out).
 */
static void record_to_json(const pw_record *r, pw_strbuf *out, bool with_file)
{
    if (!out)
        return;
    if (!r) {
        pw_strbuf_append(out, "{}");
        return;
    }
    const pw_traveller *t = &r->traveller;
    bool first = true;
    pw_strbuf_appendn(out, "{", 1);
    json_str(out, &first, "record_id", r->record_id);
    if (!flight_is_empty(&r->flight)) {
        json_key(out, &first, "flight");
        pw_flight_to_json(&r->flight, out);
    }

    json_key(out, &first, "traveller");
    bool tf = true;
    pw_strbuf_appendn(out, "{", 1);
    json_str(out, &tf, "role", pw_role_name(t->role));
    json_str(out, &tf, "surname", t->surname);
    json_str(out, &tf, "given_names", t->given_names);
    json_str(out, &tf, "full_name", t->full_name);
    if (t->gender) {
        char g[2] = {t->gender, '\0'};
        json_str(out, &tf, "gender", g);
    }
    json_date(out, &tf, "dob", t->dob);
    json_str(out, &tf, "nationality", t->nationality);
    json_str(out, &tf, "residence", t->residence);
    json_str(out, &tf, "birth_place", t->birth_place);
    json_str(out, &tf, "embarkation", t->embarkation);
    json_str(out, &tf, "debarkation", t->debarkation);
    json_str(out, &tf, "booking_ref", t->booking_ref);
    json_str(out, &tf, "passenger_ref", t->passenger_ref);
    json_str(out, &tf, "seat", t->seat);
    if (t->documents && t->n_documents) {
        json_key(out, &tf, "documents");
        pw_strbuf_appendn(out, "[", 1);
        for (size_t i = 0; i < t->n_documents; i++) {
            if (i)
                pw_strbuf_appendn(out, ",", 1);
            document_to_json(&t->documents[i], out);
        }
        pw_strbuf_appendn(out, "]", 1);
    }
    json_str(out, &tf, "clearance", t->clearance);
    pw_strbuf_appendn(out, "}", 1);
    source_to_json(r, out, &first, with_file);
    pw_strbuf_appendn(out, "}", 1);
}

void pw_record_to_json(const pw_record *r, pw_strbuf *out)
{
    record_to_json(r, out, true);
}

void pw_record_to_batch_json(const pw_record *r, pw_strbuf *out)
{
    record_to_json(r, out, false);
}

/* ---- alerts ------------------------------------------------------------ */

/*
 * Upper-cases UTF-8 text codepoint by codepoint (utf8proc's simple mapping);
 * bytes that are not valid UTF-8 are kept as they are. Uses stack (cap bytes) when
 * the result fits, else malloc (*heap, freed by the caller). When malloc fails the
 * text is returned unchanged: the key is then still deterministic for that input.
 */
static const char *upper_utf8(const char *s, char *stack, size_t cap, char **heap)
{
    if (!s)
        return NULL;
    const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
    size_t len = strlen(s), need = 1;
    utf8proc_uint8_t enc[4];

    /* First pass: the size of the result. */
    for (size_t i = 0; i < len;) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t n = utf8proc_iterate(p + i, (utf8proc_ssize_t)(len - i), &cp);
        if (n <= 0) {
            need++;
            i++;
            continue;
        }
        need += (size_t)utf8proc_encode_char(utf8proc_toupper(cp), enc);
        i += (size_t)n;
    }

    char *d = stack;
    if (need > cap) {
        d = *heap = malloc(need);
        if (!d)
            return s;
    }
    size_t o = 0;
    for (size_t i = 0; i < len;) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t n = utf8proc_iterate(p + i, (utf8proc_ssize_t)(len - i), &cp);
        if (n <= 0) {
            d[o++] = s[i++];
            continue;
        }
        o += (size_t)utf8proc_encode_char(utf8proc_toupper(cp), (utf8proc_uint8_t *)d + o);
        i += (size_t)n;
    }
    d[o] = '\0';
    return d;
}

/*
 * The alert key: one per traveller per flight. The flight is carrier, number,
 * departure date (the first 10 characters of departure, so a changed departure
 * time is still the same flight), origin and destination; the traveller is the
 * upper-cased names, dob, nationality and first document number. Screening the
 * same traveller again gives the same key, which is how alerts de-duplicate.
 */
void pw_alert_make_key(pw_alert *alert)
{
    if (!alert)
        return;
    static const pw_record empty;
    const pw_record *r = alert->record ? alert->record : &empty;
    const pw_flight *f = &r->flight;
    const pw_traveller *t = &r->traveller;

    char dep[11];
    const char *dep_part = NULL;
    if (f->departure) {
        size_t n = strnlen(f->departure, 10);
        memcpy(dep, f->departure, n);
        dep[n] = '\0';
        dep_part = dep;
    }
    char dob[11];
    pw_date_format(t->dob, dob);

    char sur_buf[256], given_buf[256], full_buf[256];
    char *sur_heap = NULL, *given_heap = NULL, *full_heap = NULL;
    const char *parts[] = {
        "pw-alert/1",
        f->carrier,
        f->number,
        dep_part,
        f->origin,
        f->destination,
        upper_utf8(t->surname, sur_buf, sizeof sur_buf, &sur_heap),
        upper_utf8(t->given_names, given_buf, sizeof given_buf, &given_heap),
        upper_utf8(t->full_name, full_buf, sizeof full_buf, &full_heap),
        pw_date_is_set(t->dob) ? dob : NULL,
        t->nationality,
        t->documents && t->n_documents ? t->documents[0].number : NULL,
    };
    pw_hash_hex(parts, N_OF(parts), alert->key);
    free(sur_heap);
    free(given_heap);
    free(full_heap);

    memcpy(alert->alert_id, "al-", 3);
    memcpy(alert->alert_id + 3, alert->key, 24);
    alert->alert_id[27] = '\0';
}

/* Writes explanation text as it is (already a JSON object), {} when absent. */
static void json_raw_object(pw_strbuf *b, bool *first, const char *key, const char *raw)
{
    json_key(b, first, key);
    const char *p = raw;
    while (p && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
        p++;
    pw_strbuf_append(b, p && *p ? raw : "{}");
}

static void hit_to_json(const pw_hit *h, pw_strbuf *out)
{
    bool first = true;
    pw_strbuf_appendn(out, "{", 1);
    json_str(out, &first, "type", h->type);
    json_str(out, &first, "rule_id", h->rule_id);
    json_int(out, &first, "rule_version", h->rule_version);
    json_score(out, &first, "score", h->score);
    json_str(out, &first, "severity", pw_severity_name(h->severity));
    if ((h->type && strcmp(h->type, "watchlist") == 0) || h->list) {
        json_str(out, &first, "list", h->list);
        json_int(out, &first, "list_version", h->list_version);
        json_str(out, &first, "entry_id", h->entry_id);
        json_str(out, &first, "entry_name", h->entry_name);
        json_str(out, &first, "matched_name", h->matched_name);
    }
    json_raw_object(out, &first, "explanation", h->explanation);
    pw_strbuf_appendn(out, "}", 1);
}

/*
 * The CONTRACT alert object. The arena holds the traveller's display name; a
 * NULL arena (or one out of memory) still gives the name through a temporary
 * buffer. state defaults to "new".
 */
void pw_alert_to_json(const pw_alert *alert, pw_arena *a, pw_strbuf *out)
{
    if (!out)
        return;
    if (!alert) {
        pw_strbuf_append(out, "{}");
        return;
    }
    const pw_record *r = alert->record;
    bool first = true;
    pw_strbuf_appendn(out, "{", 1);
    json_str(out, &first, "alert_id", alert->alert_id);
    json_str(out, &first, "key", alert->key);
    if (r)
        json_str(out, &first, "record_id", r->record_id);
    json_str(out, &first, "state", alert->state ? alert->state : "new");
    json_str(out, &first, "severity", pw_severity_name(alert->severity));
    json_score(out, &first, "score", alert->score);

    if (r) {
        const pw_traveller *t = &r->traveller;
        json_key(out, &first, "flight");
        pw_flight_to_json(&r->flight, out);

        json_key(out, &first, "traveller");
        bool tf = true;
        pw_strbuf_appendn(out, "{", 1);
        const char *name = pw_record_display_name(r, a);
        if (name) {
            json_str(out, &tf, "name", name);
        } else {
            pw_strbuf tmp = {0};
            pw_strbuf_append(&tmp, t->given_names);
            pw_strbuf_append(&tmp, " ");
            pw_strbuf_append(&tmp, t->surname);
            json_str(out, &tf, "name", tmp.data ? tmp.data : "");
            out->oom |= tmp.oom;
            pw_strbuf_free(&tmp);
        }
        json_date(out, &tf, "dob", t->dob);
        json_str(out, &tf, "nationality", t->nationality);
        pw_strbuf_appendn(out, "}", 1);
    }

    json_key(out, &first, "hits");
    pw_strbuf_appendn(out, "[", 1);
    for (size_t i = 0; alert->hits && i < alert->n_hits; i++) {
        if (i)
            pw_strbuf_appendn(out, ",", 1);
        hit_to_json(&alert->hits[i], out);
    }
    pw_strbuf_appendn(out, "]}", 2);
}
