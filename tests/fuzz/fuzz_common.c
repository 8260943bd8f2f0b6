/*
 * The helpers of fuzz_common.h. The checks restate the promises of the public
 * headers (core.h, ingest.h) in code, independently of the engine's own helpers: a
 * UTF-8 checker of their own, pw_record_to_json read back with jansson. They only
 * read what they are given, allocate nothing that outlives a call, and abort on the
 * first broken promise with the file and line of the check.
 */
#include "fuzz_common.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

void fuzz_fail(const char *file, int line, const char *what)
{
    fprintf(stderr, "%s:%d: fuzz invariant failed: %s\n", file, line, what);
    abort();
}

void fuzz_file_open(fuzz_file *f, const char *name, const void *data, size_t size)
{
    f->fd = memfd_create(name, MFD_CLOEXEC);
    FUZZ_CHECK(f->fd >= 0, "memfd_create");
    const char *p = data;
    size_t done = 0;
    while (done < size) {
        ssize_t k = write(f->fd, p + done, size - done);
        if (k < 0 && errno == EINTR)
            continue;
        FUZZ_CHECK(k > 0, "write to memfd");
        done += (size_t)k;
    }
    snprintf(f->path, sizeof f->path, "/proc/self/fd/%d", f->fd);
}

void fuzz_file_close(fuzz_file *f)
{
    if (f->fd >= 0)
        close(f->fd);
    f->fd = -1;
}

char *fuzz_strndup(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    FUZZ_CHECK(s != NULL, "malloc");
    if (size)
        memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

bool fuzz_utf8_valid(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        unsigned c = p[i];
        size_t len = c < 0x80             ? 1
                     : (c & 0xE0) == 0xC0 ? 2
                     : (c & 0xF0) == 0xE0 ? 3
                     : (c & 0xF8) == 0xF0 ? 4
                                          : 0;
        if (len == 0 || n - i < len)
            return false;
        uint32_t cp = len == 1 ? c : len == 2 ? c & 0x1F : len == 3 ? c & 0x0F : c & 0x07;
        for (size_t k = 1; k < len; k++) {
            if ((p[i + k] & 0xC0) != 0x80)
                return false;
            cp = cp << 6 | (p[i + k] & 0x3F);
        }
        static const uint32_t min[5] = {0, 0, 0x80, 0x800, 0x10000};
        if (cp < min[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += len;
    }
    return true;
}

void fuzz_check_string(const char *s, bool utf8, const char *what)
{
    if (!s)
        return;
    size_t n = strlen(s); /* ASan: the whole string must be readable */
    if (utf8)
        FUZZ_CHECK(fuzz_utf8_valid(s, n), what);
}

/* A normalised record string: NULL, or non-empty, trimmed, well-formed UTF-8. */
static void check_clean(const char *s, const char *what)
{
    if (!s)
        return;
    fuzz_check_string(s, true, what);
    size_t n = strlen(s);
    FUZZ_CHECK(n > 0, what);
    static const char blanks[] = " \t\r\n\f\v";
    FUZZ_CHECK(!strchr(blanks, s[0]) && !strchr(blanks, s[n - 1]), what);
}

static bool leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

void fuzz_check_date(pw_date d, const char *what)
{
    if (d.year == 0) {
        FUZZ_CHECK(d.month == 0 && d.day == 0, what);
        return;
    }
    static const int days[13] = {0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    FUZZ_CHECK(d.year >= 1000 && d.year <= 2999, what);
    FUZZ_CHECK(d.month <= 12, what);
    FUZZ_CHECK(d.month != 0 || d.day == 0, what);
    if (d.day) {
        FUZZ_CHECK(d.day <= days[d.month], what);
        FUZZ_CHECK(!(d.month == 2 && d.day == 29 && !leap(d.year)), what);
    }
}

void fuzz_check_alpha3(const char *code, const char *what)
{
    if (!code)
        return;
    FUZZ_CHECK(strlen(code) == 3, what);
    FUZZ_CHECK(pw_country_name(code) != NULL, what);
    FUZZ_CHECK(pw_country_alpha3(code) && strcmp(pw_country_alpha3(code), code) == 0, what);
}

/* "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM" (normalise.c rewrites the other accepted forms). */
static void check_time(const char *t, const char *what)
{
    if (!t)
        return;
    size_t n = strlen(t);
    FUZZ_CHECK(n == 10 || (n == 16 && t[10] == 'T' && t[13] == ':'), what);
    char date[11];
    memcpy(date, t, 10);
    date[10] = '\0';
    pw_date d;
    FUZZ_CHECK(pw_date_parse(date, &d, NULL) == 0 && d.day != 0, what);
}

void fuzz_check_record(const pw_record *r, pw_arena *arena)
{
    const pw_flight *f = &r->flight;
    const pw_traveller *t = &r->traveller;
    FUZZ_CHECK(r->record_id && *r->record_id, "record_id set");
    fuzz_check_string(r->record_id, true, "record_id UTF-8");
    fuzz_check_string(r->source_file, false, "source_file");
    FUZZ_CHECK(r->source_line >= 1, "source_line >= 1");
    const char *strings[] = {f->carrier,     f->number,      f->origin,      f->destination,
                             t->surname,     t->given_names, t->full_name,   t->birth_place,
                             t->embarkation, t->debarkation, t->booking_ref, t->passenger_ref,
                             t->seat};
    for (size_t i = 0; i < sizeof strings / sizeof strings[0]; i++)
        check_clean(strings[i], "record string trimmed, non-empty, UTF-8");
    check_time(f->departure, "flight.departure YYYY-MM-DD[THH:MM]");
    check_time(f->arrival, "flight.arrival YYYY-MM-DD[THH:MM]");
    FUZZ_CHECK(t->surname || t->full_name, "a record has a name");
    FUZZ_CHECK(t->role >= PW_ROLE_PASSENGER && t->role <= PW_ROLE_TRANSIT_CREW, "role");
    FUZZ_CHECK(t->gender == 0 || t->gender == 'M' || t->gender == 'F' || t->gender == 'U',
               "gender M, F, U or 0");
    fuzz_check_date(t->dob, "traveller.dob");
    fuzz_check_alpha3(t->nationality, "traveller.nationality alpha-3");
    fuzz_check_alpha3(t->residence, "traveller.residence alpha-3");
    FUZZ_CHECK(t->n_documents == 0 || t->documents, "documents array");
    for (size_t i = 0; i < t->n_documents; i++) {
        const pw_document *d = &t->documents[i];
        check_clean(d->type, "document.type");
        check_clean(d->number, "document.number");
        FUZZ_CHECK(d->number != NULL, "a document has a number");
        fuzz_check_alpha3(d->issuer, "document.issuer alpha-3");
        fuzz_check_date(d->expiry, "document.expiry");
        fuzz_check_date(d->issued, "document.issued");
    }

    const char *name = pw_record_display_name(r, arena);
    FUZZ_CHECK(name && *name, "display name");
    char id[33];
    pw_record_content_id(r, id);
    FUZZ_CHECK(strlen(id) == 32, "content id is 32 hex digits");

    /* The canonical JSON must be one valid JSON object. */
    pw_strbuf json = {0};
    pw_record_to_json(r, &json);
    FUZZ_CHECK(!json.oom && json.data, "pw_record_to_json output");
    json_error_t jerr;
    json_t *v = json_loadb(json.data, json.len, 0, &jerr);
    if (!v || !json_is_object(v)) {
        fprintf(stderr, "record JSON: %s\n%s\n", jerr.text, json.data);
        FUZZ_CHECK(false, "pw_record_to_json gives a JSON object");
    }
    json_decref(v);
    pw_strbuf_free(&json);
}

void fuzz_check_entry(const pw_entry *e)
{
    FUZZ_CHECK(e->type >= PW_ENTRY_INDIVIDUAL && e->type <= PW_ENTRY_AIRCRAFT, "entry type");
    FUZZ_CHECK(e->severity >= PW_SEV_NONE && e->severity <= PW_SEV_CRITICAL, "entry severity");
    FUZZ_CHECK(e->entry_id && *e->entry_id, "entry_id set");
    fuzz_check_string(e->entry_id, true, "entry_id UTF-8");
    FUZZ_CHECK(e->n_names >= 1 && e->names, "an entry has a primary name");
    FUZZ_CHECK(e->names[0].kind == PW_NAME_PRIMARY, "names[0] is the primary name");
    for (size_t i = 0; i < e->n_names; i++) {
        const pw_entry_name *n = &e->names[i];
        FUZZ_CHECK(n->full && *n->full, "entry name not empty");
        fuzz_check_string(n->full, true, "entry name UTF-8");
        fuzz_check_string(n->surname, true, "entry surname UTF-8");
        fuzz_check_string(n->given, true, "entry given UTF-8");
        FUZZ_CHECK(n->kind >= PW_NAME_PRIMARY && n->kind <= PW_NAME_ORIGINAL_SCRIPT, "name kind");
        FUZZ_CHECK(n->quality >= PW_QUALITY_UNKNOWN && n->quality <= PW_QUALITY_LOW,
                   "name quality");
    }
    FUZZ_CHECK(e->n_dobs == 0 || e->dobs, "dobs array");
    for (size_t i = 0; i < e->n_dobs; i++) {
        const pw_dob *d = &e->dobs[i];
        FUZZ_CHECK(d->kind >= PW_DOB_EXACT && d->kind <= PW_DOB_RANGE, "dob kind");
        fuzz_check_date(d->from, "dob.from");
        fuzz_check_date(d->to, "dob.to");
        FUZZ_CHECK(pw_date_is_set(d->from), "a dob has a date");
        FUZZ_CHECK(d->kind == PW_DOB_RANGE || !pw_date_is_set(d->to), "dob.to only for ranges");
        char buf[32];
        pw_dob_format(d, buf);
        FUZZ_CHECK(strlen(buf) < sizeof buf, "pw_dob_format");
    }
    FUZZ_CHECK(e->n_nationalities == 0 || e->nationalities, "nationalities array");
    for (size_t i = 0; i < e->n_nationalities; i++)
        fuzz_check_alpha3(e->nationalities[i], "entry nationality alpha-3");
    FUZZ_CHECK(e->gender == 0 || e->gender == 'M' || e->gender == 'F', "entry gender");
    FUZZ_CHECK(e->n_documents == 0 || e->documents, "entry documents array");
    for (size_t i = 0; i < e->n_documents; i++) {
        const pw_document *d = &e->documents[i];
        fuzz_check_string(d->type, true, "entry document type UTF-8");
        fuzz_check_string(d->number, true, "entry document number UTF-8");
        fuzz_check_alpha3(d->issuer, "entry document issuer alpha-3");
        fuzz_check_date(d->expiry, "entry document expiry");
        fuzz_check_date(d->issued, "entry document issued");
    }
    fuzz_check_string(e->birth_place, true, "entry birth_place UTF-8");
    fuzz_check_string(e->category, true, "entry category UTF-8");
    fuzz_check_string(e->remarks, true, "entry remarks UTF-8");
    fuzz_check_string(e->source_ref, true, "entry source_ref UTF-8");
}

void fuzz_on_reject(void *ctx, const pw_reject *rej)
{
    fuzz_counts *c = ctx;
    FUZZ_CHECK(rej->kind && rej->reason && *rej->reason, "a reject has a kind and a reason");
    FUZZ_CHECK(rej->line >= 0, "reject line >= 0");
    fuzz_check_string(rej->kind, false, "reject kind");
    fuzz_check_string(rej->source, false, "reject source");
    fuzz_check_string(rej->field, false, "reject field");
    fuzz_check_string(rej->reason, false, "reject reason");
    fuzz_check_string(rej->raw, false, "reject raw");
    if (rej->raw)
        FUZZ_CHECK(strlen(rej->raw) <= 4096, "reject raw cut to 4096 bytes");
    if (rej->warning) {
        c->warnings++;
        return;
    }
    c->rejects++;
    c->line_sum += rej->line;
}

int fuzz_on_entry(void *ctx, const pw_entry *e, pw_error *err)
{
    (void)err;
    fuzz_counts *c = ctx;
    fuzz_check_entry(e);
    for (size_t i = 0; i < c->n_ids; i++)
        FUZZ_CHECK(strcmp(c->ids[i], e->entry_id) != 0, "entry ids are unique in an import");
    if (c->n_ids == c->cap_ids) {
        c->cap_ids = c->cap_ids ? c->cap_ids * 2 : 16;
        c->ids = realloc(c->ids, c->cap_ids * sizeof *c->ids);
        FUZZ_CHECK(c->ids != NULL, "realloc");
    }
    c->ids[c->n_ids] = strdup(e->entry_id);
    FUZZ_CHECK(c->ids[c->n_ids] != NULL, "strdup");
    c->n_ids++;
    c->good++;
    return 0;
}

void fuzz_counts_free(fuzz_counts *c)
{
    for (size_t i = 0; i < c->n_ids; i++)
        free(c->ids[i]);
    free(c->ids);
    c->ids = NULL;
    c->n_ids = c->cap_ids = 0;
}

/* A pw_finding_fn: every string readable, a kind that has a name, a line >= 0. */
static void on_finding(void *ctx, const pw_finding *f)
{
    fuzz_counts *c = ctx;
    const char *name = pw_finding_kind_name(f->kind);
    FUZZ_CHECK(name && *name, "a finding has a known kind");
    FUZZ_CHECK(f->line >= 0, "finding line >= 0");
    const char *strings[] = {f->source,      f->format,  f->sender,        f->interchange_ref,
                             f->message_ref, f->carrier, f->flight_number, f->departure,
                             f->segment,     f->field,   f->record_id,     f->detail};
    for (size_t i = 0; i < sizeof strings / sizeof strings[0]; i++)
        fuzz_check_string(strings[i], false, "finding string");
    c->findings++;
}

int fuzz_drain_reader(const char *path, enum pw_input_format format, fuzz_counts *counts,
                      enum pw_input_format *detected)
{
    memset(counts, 0, sizeof *counts);
    pw_reader *r;
    pw_error err = {0};
    int rc = pw_reader_open(path, format, &r, &err);
    if (rc) {
        FUZZ_CHECK(rc < 0 && r == NULL, "a failed open gives no reader");
        return rc;
    }
    enum pw_input_format got = pw_reader_format(r);
    FUZZ_CHECK(got == PW_INPUT_JSONL || got == PW_INPUT_CSV || got == PW_INPUT_PAXLST,
               "a readable format");
    FUZZ_CHECK(format == PW_INPUT_AUTO || got == format, "the format asked for");
    if (detected)
        *detected = got;
    pw_reader_set_findings(r, on_finding, counts);
    pw_arena *arena = pw_arena_new(0);
    FUZZ_CHECK(arena != NULL, "pw_arena_new");
    pw_record rec;
    long last_line = 0;
    while ((rc = pw_reader_next(r, arena, &rec, fuzz_on_reject, counts, &err)) == 1) {
        fuzz_check_record(&rec, arena);
        /* PAXLST holds the travellers of a multi-part message back until its last
         * part, so only the line formats hand records out in input order. */
        if (got != PW_INPUT_PAXLST)
            FUZZ_CHECK(rec.source_line > last_line, "record lines increase");
        last_line = rec.source_line;
        counts->good++;
        pw_arena_reset(arena);
    }
    FUZZ_CHECK(rc <= 0, "pw_reader_next returns 1, 0 or an error");
    pw_arena_free(arena);
    pw_reader_close(r);
    return rc;
}
