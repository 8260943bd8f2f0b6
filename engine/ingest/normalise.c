/*
 * pw_record_normalise: the one place where a traveller record, from whatever reader,
 * becomes canonical. Readers only parse syntax (JSON types, CSV columns, PAXLST
 * segments, dates with pw_date_parse, gender words, roles); every rule about content
 * lives here so that the JSON Lines, CSV and PAXLST readers agree.
 *
 * The product rule: a field-level problem must not keep a traveller from being
 * screened. Only a record without a name fails (and goes to the dead-letter table);
 * anything else that cannot be normalised is left empty and reported as an issue
 * (pw_issues, which pw_reader_finish turns into data-quality findings):
 *
 *  - strings are trimmed of ASCII blanks; an empty string becomes NULL; a string that
 *    is not valid UTF-8 (downstream name folding and JSON output need it) is left
 *    empty with an invalid_field issue;
 *  - a name is required: surname or full_name (given_names alone is not enough);
 *    full_name is not synthesised: consumers use pw_record_display_name. When the
 *    name was dropped as invalid, the reason says so;
 *  - countries (nationality, residence, document issuers) become alpha-3 with
 *    pw_country_alpha3; an unknown country is left empty (unknown_country);
 *  - gender is 'M', 'F', 'U' or 0 ('X' and lowercase letters are accepted); another
 *    letter is left empty (unknown_code), as is a role outside the enum (passenger);
 *  - departure and arrival must be "YYYY-MM-DD" optionally followed by "THH:MM"
 *    (a space for the 'T' and ":SS" seconds are accepted; seconds are dropped);
 *    another value is left empty (invalid_date);
 *  - documents with no field at all are dropped silently; a document without a number
 *    is dropped with a malformed_document issue;
 *  - record_id, when absent, is pw_record_content_id of the normalised record.
 *
 * The record is modified in place: a trimmed string either points further into the
 * original (leading blanks) or is a copy in the arena (trailing blanks); the caller's
 * strings are never written to, so string literals are fine. Field names in errors are
 * the CONTRACT.md JSON paths ("traveller.dob", "traveller.documents[0].issuer").
 *
 * A reader passes its pw_normalise_state (reader_internal.h): whether its strings are
 * known to be UTF-8 (the JSON reader's are: the check is then skipped), and a small
 * table of the countries already resolved, since records name the same few hundred
 * over and over and pw_country_alpha3 folds the whole text on every call.
 */
#include "ingest/ingest.h"
#include "ingest/reader_internal.h"

#include <stdint.h>
#include <string.h>
#include <strings.h>

static bool is_blank(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

/* Trims *s in place (see the note at the top). Returns 0, PW_EINVAL for invalid UTF-8
 * (with *reason set; not checked when the reader's strings are known to be UTF-8),
 * PW_ENOMEM. */
static int clean(const char **s, pw_arena *a, const pw_normalise_state *st, const char **reason)
{
    const char *p = *s;
    if (!p)
        return 0;
    while (is_blank((unsigned char)*p))
        p++;
    size_t n = strlen(p);
    while (n > 0 && is_blank((unsigned char)p[n - 1]))
        n--;
    if (n == 0) {
        *s = NULL;
        return 0;
    }
    if (!(st && st->utf8_checked) && !pw_utf8_valid(p, n)) {
        *reason = "the text is not valid UTF-8";
        return PW_EINVAL;
    }
    if (p[n] != '\0') {
        p = pw_arena_strndup(a, p, n);
        if (!p) {
            *reason = "out of memory";
            return PW_ENOMEM;
        }
    }
    *s = p;
    return 0;
}

/* pw_country_alpha3, remembered in st (may be NULL) for short texts. */
static const char *alpha3(const char *s, pw_normalise_state *st)
{
    if (!st)
        return pw_country_alpha3(s);
    uint32_t h = 2166136261u; /* FNV-1a */
    size_t n = 0;
    for (; s[n] && n < PW_COUNTRY_MEMO_TEXT; n++)
        h = (h ^ (unsigned char)s[n]) * 16777619u;
    if (n == PW_COUNTRY_MEMO_TEXT)
        return pw_country_alpha3(s);
    pw_country_memo *e = &st->countries[h & (PW_COUNTRY_MEMO - 1)];
    if (memcmp(e->text, s, n + 1) == 0)
        return e->alpha3; /* n > 0: clean() leaves no empty string */
    e->alpha3 = pw_country_alpha3(s);
    memcpy(e->text, s, n + 1);
    return e->alpha3;
}

/* Replaces a country (alpha-2, alpha-3, ICAO code or English name) by its alpha-3. */
static int country(const char **s, pw_arena *a, pw_normalise_state *st, const char **reason)
{
    if (!*s)
        return 0;
    const char *code = alpha3(*s, st);
    if (!code) {
        *reason = pw_arena_printf(a, "unknown country '%.*s'",
                                  (int)pw_utf8_cut(*s, strlen(*s), PW_REASON_VALUE_MAX), *s);
        if (!*reason) {
            *reason = "out of memory";
            return PW_ENOMEM;
        }
        return PW_EINVAL;
    }
    *s = code;
    return 0;
}

static bool digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

/* Checks a departure/arrival time and rewrites it as "YYYY-MM-DD" or
 * "YYYY-MM-DDTHH:MM". */
static int flight_time(const char **s, pw_arena *a, const char **reason)
{
    const char *t = *s;
    if (!t)
        return 0;
    size_t n = strlen(t);
    pw_date d;
    char date[11];
    bool ok = n >= 10 && digits(t, 4) && t[4] == '-' && digits(t + 5, 2) && t[7] == '-' &&
              digits(t + 8, 2);
    if (ok) {
        memcpy(date, t, 10);
        date[10] = '\0';
        ok = pw_date_parse(date, &d, NULL) == 0;
    }
    if (ok && n > 10) {
        ok = (n == 16 || n == 19) && (t[10] == 'T' || t[10] == ' ') && digits(t + 11, 2) &&
             t[13] == ':' && digits(t + 14, 2) && (n == 16 || (t[16] == ':' && digits(t + 17, 2)));
        ok = ok && (t[11] - '0') * 10 + (t[12] - '0') < 24 && t[14] < '6' &&
             (n == 16 || t[17] < '6');
    }
    if (!ok) {
        *reason = pw_arena_printf(a, "invalid time '%.*s': expected YYYY-MM-DDTHH:MM",
                                  (int)pw_utf8_cut(t, n, PW_REASON_VALUE_MAX), t);
        if (!*reason) {
            *reason = "out of memory";
            return PW_ENOMEM;
        }
        return PW_EINVAL;
    }
    if (n == 10 || (n == 16 && t[10] == 'T'))
        return 0;
    char *c = pw_arena_strndup(a, t, 16);
    if (!c) {
        *reason = "out of memory";
        return PW_ENOMEM;
    }
    c[10] = 'T';
    *s = c;
    return 0;
}

int pw_gender_parse(const char *s, char *out)
{
    static const struct {
        const char *word;
        char letter;
    } words[] = {
        {"m", 'M'}, {"male", 'M'},    {"f", 'F'},     {"female", 'F'},      {"u", 'U'},
        {"x", 'U'}, {"unknown", 'U'}, {"other", 'U'}, {"unspecified", 'U'},
    };
    *out = 0;
    if (!s)
        return 0;
    while (is_blank((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n > 0 && is_blank((unsigned char)s[n - 1]))
        n--;
    if (n == 0)
        return 0;
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
        if (strlen(words[i].word) == n && strncasecmp(words[i].word, s, n) == 0) {
            *out = words[i].letter;
            return 0;
        }
    }
    return PW_EINVAL;
}

/* The field path of document i's member ("traveller.documents[0].issuer"). */
static const char *doc_field(pw_arena *a, size_t i, const char *member)
{
    const char *f =
        pw_arena_printf(a, "traveller.documents[%zu].%s", i, member ? member : "(member)");
    return f ? f : "traveller.documents";
}

/* clean() for a field that is left empty, with an issue, when it is not UTF-8. The
 * field's name is field, or document doc's member when field is NULL (built only when
 * there is an issue: this runs for every record). Returns 0 or PW_ENOMEM. */
static int clean_or_drop(const char **s, pw_arena *a, const pw_normalise_state *st,
                         pw_issues *issues, const char *field, size_t doc, const char *member)
{
    const char *reason = NULL;
    int rc = clean(s, a, st, &reason);
    if (rc == PW_EINVAL) {
        *s = NULL;
        pw_issue_add(issues, PW_FINDING_INVALID_FIELD, field ? field : doc_field(a, doc, member),
                     reason);
        return 0;
    }
    return rc;
}

/* country() for a field that is left empty, with an issue, when it is unknown (field as
 * for clean_or_drop). */
static int country_or_drop(const char **s, pw_arena *a, pw_normalise_state *st, pw_issues *issues,
                           const char *field, size_t doc, const char *member)
{
    const char *reason = NULL;
    int rc = country(s, a, st, &reason);
    if (rc == PW_EINVAL) {
        *s = NULL;
        pw_issue_add(issues, PW_FINDING_UNKNOWN_COUNTRY, field ? field : doc_field(a, doc, member),
                     reason);
        return 0;
    }
    return rc;
}

/* Normalises the document list: drops empty documents and (with an issue) documents
 * without a number, maps the issuer. Returns 0 or PW_ENOMEM. */
static int documents(pw_traveller *t, pw_arena *a, pw_normalise_state *st, pw_issues *issues)
{
    size_t kept = 0;
    for (size_t i = 0; i < t->n_documents; i++) {
        pw_document *d = &t->documents[i];
        int rc;
        if ((rc = clean_or_drop(&d->type, a, st, issues, NULL, i, "type")) ||
            (rc = clean_or_drop(&d->number, a, st, issues, NULL, i, "number")) ||
            (rc = clean_or_drop(&d->issuer, a, st, issues, NULL, i, "issuer")))
            return rc;
        if (!d->type && !d->number && !d->issuer && !pw_date_is_set(d->expiry) &&
            !pw_date_is_set(d->issued))
            continue; /* an empty document: CSV rows without document columns */
        if (!d->number) {
            pw_issue_add(issues, PW_FINDING_MALFORMED_DOCUMENT, doc_field(a, i, "number"),
                         "a document needs a number: the document is left out");
            continue;
        }
        if ((rc = country_or_drop(&d->issuer, a, st, issues, NULL, i, "issuer")))
            return rc;
        t->documents[kept++] = *d;
    }
    t->n_documents = kept;
    if (kept == 0)
        t->documents = NULL;
    return 0;
}

/* The issue about field among issues, or NULL. */
static const pw_issue *issue_on(const pw_issues *issues, const char *field)
{
    for (size_t i = 0; issues && i < issues->n; i++)
        if (issues->items[i].field && strcmp(issues->items[i].field, field) == 0)
            return &issues->items[i];
    return NULL;
}

/* The record id from the content when the record has none. */
static int fill_record_id(pw_record *r, pw_arena *arena, const char **field, const char **reason)
{
    if (r->record_id)
        return 0;
    char id[33];
    pw_record_content_id(r, id);
    r->record_id = pw_arena_strndup(arena, id, sizeof id - 1);
    if (!r->record_id) {
        *field = "record_id";
        *reason = "out of memory";
        return PW_ENOMEM;
    }
    return 0;
}

int pw_record_normalise_canonical(pw_record *r, pw_arena *arena, const char **field,
                                  const char **reason)
{
    *field = NULL;
    *reason = NULL;
    if (!r->traveller.surname && !r->traveller.full_name) {
        *field = "traveller.surname";
        *reason = "a name is required: surname or full_name";
        return PW_EINVAL;
    }
    return fill_record_id(r, arena, field, reason);
}

int pw_record_normalise(pw_record *r, pw_arena *arena, const char **field, const char **reason)
{
    return pw_record_normalise_issues(r, arena, NULL, NULL, field, reason);
}

int pw_record_normalise_issues(pw_record *r, pw_arena *arena, pw_issues *issues,
                               pw_normalise_state *state, const char **field, const char **reason)
{
    static const char *const nomem = "out of memory";
    pw_flight *f = &r->flight;
    pw_traveller *t = &r->traveller;
    struct {
        const char **s;
        const char *name;
    } strings[] = {
        {&r->record_id, "record_id"},
        {&f->carrier, "flight.carrier"},
        {&f->number, "flight.number"},
        {&f->origin, "flight.origin"},
        {&f->destination, "flight.destination"},
        {&f->departure, "flight.departure"},
        {&f->arrival, "flight.arrival"},
        {&t->surname, "traveller.surname"},
        {&t->given_names, "traveller.given_names"},
        {&t->full_name, "traveller.full_name"},
        {&t->nationality, "traveller.nationality"},
        {&t->residence, "traveller.residence"},
        {&t->birth_place, "traveller.birth_place"},
        {&t->embarkation, "traveller.embarkation"},
        {&t->debarkation, "traveller.debarkation"},
        {&t->booking_ref, "traveller.booking_ref"},
        {&t->passenger_ref, "traveller.passenger_ref"},
        {&t->seat, "traveller.seat"},
        {&t->clearance, "traveller.clearance"},
    };
    const char *dummy_field, *dummy_reason;
    if (!field)
        field = &dummy_field;
    if (!reason)
        reason = &dummy_reason;
    *field = NULL;
    *reason = NULL;

    pw_issues local; /* not zeroed (it is large): only the n first items are ever read */
    local.n = 0;
    if (!issues)
        issues = &local; /* the name check below needs to see what was dropped */
    int rc;
    for (size_t i = 0; i < sizeof strings / sizeof strings[0]; i++) {
        if (!*strings[i].s) /* absent: nothing to clean (most of a record's fields) */
            continue;
        if ((rc = clean_or_drop(strings[i].s, arena, state, issues, strings[i].name, 0, NULL))) {
            *field = strings[i].name;
            *reason = nomem;
            return rc;
        }
    }
    if (!t->surname && !t->full_name) {
        *field = "traveller.surname";
        *reason = "a name is required: surname or full_name";
        const pw_issue *why = issue_on(issues, "traveller.surname");
        if (!why)
            why = issue_on(issues, "traveller.full_name");
        if (why) {
            *field = why->field;
            const char *r2 =
                pw_arena_printf(arena, "a name is required: surname or full_name (%s: %s)",
                                why->field, why->detail);
            if (r2)
                *reason = r2;
        }
        return PW_EINVAL;
    }
    if (t->role < PW_ROLE_PASSENGER || t->role > PW_ROLE_TRANSIT_CREW) {
        pw_issue_add(issues, PW_FINDING_UNKNOWN_CODE, "traveller.role",
                     "unknown role: read as passenger");
        t->role = PW_ROLE_PASSENGER;
    }
    char g = t->gender;
    if (g == 'm' || g == 'f' || g == 'u')
        g = (char)(g - 'a' + 'A');
    if (g == 'X' || g == 'x')
        g = 'U';
    if (g != 0 && g != 'M' && g != 'F' && g != 'U') {
        pw_issue_add(issues, PW_FINDING_UNKNOWN_CODE, "traveller.gender",
                     "unknown gender: expected M, F, U or X");
        g = 0;
    }
    t->gender = g;

    if ((rc = country_or_drop(&t->nationality, arena, state, issues, "traveller.nationality", 0,
                              NULL)) ||
        (rc = country_or_drop(&t->residence, arena, state, issues, "traveller.residence", 0,
                              NULL))) {
        *reason = nomem;
        return rc;
    }
    const char **times[2] = {&f->departure, &f->arrival};
    static const char *const time_fields[2] = {"flight.departure", "flight.arrival"};
    for (int i = 0; i < 2; i++) {
        const char *why = NULL;
        rc = flight_time(times[i], arena, &why);
        if (rc == PW_EINVAL) {
            *times[i] = NULL;
            pw_issue_add(issues, PW_FINDING_INVALID_DATE, time_fields[i], why);
        } else if (rc) {
            *field = time_fields[i];
            *reason = nomem;
            return rc;
        }
    }
    if ((rc = documents(t, arena, state, issues))) {
        *field = "traveller.documents";
        *reason = nomem;
        return rc;
    }

    return fill_record_id(r, arena, field, reason);
}
