/*
 * The traveller record reader: opens the input, picks the format, and hands each
 * record to the format reader (jsonl.c, record_csv.c, paxlst.c).
 *
 * Auto-detection peeks at the first non-blank bytes after an optional UTF-8 BOM:
 * '{' is JSON Lines, "UNA" or "UNB" is PAXLST, anything else (also an empty input) is
 * CSV. The peek uses read(2) on the descriptor, never stdio, so nothing is buffered
 * behind the format reader's back. A seekable input is then rewound with fseeko; a
 * pipe (standard input) cannot be, so the peeked bytes are replayed in front of the
 * descriptor by a small fopencookie stream. Either way the format reader sees the
 * input from its first byte, BOM included, and line numbers stay exact. The cookie
 * stream reads the descriptor with read(2), which returns what a pipe holds rather
 * than waiting for a full buffer, so records flow as the producer writes them.
 *
 * This file also holds what the format readers share (see reader_internal.h): the
 * reject helper that truncates raw text, date and role parsing with user-facing
 * reasons, and pw_reader_finish, which normalises a record in the reader's scratch
 * arena, reports its field-level problems as data-quality findings and deep-copies the
 * result into the caller's arena (a reader that keeps its strings packed names the runs
 * that hold them, and each run is copied with one memcpy: pw_reader_finish_spans).
 */
#include "ingest/ingest.h"
#include "ingest/reader_internal.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

/* Peek no further than this for the first non-blank byte: an input that starts with
 * more blanks than that is read as CSV (which skips blank lines). */
#define PEEK_MAX (1u << 20)

int pw_input_format_parse(const char *s, enum pw_input_format *out)
{
    static const struct {
        const char *name;
        enum pw_input_format format;
    } names[] = {
        {"auto", PW_INPUT_AUTO},
        {"jsonl", PW_INPUT_JSONL},
        {"csv", PW_INPUT_CSV},
        {"paxlst", PW_INPUT_PAXLST},
    };
    if (!s)
        return PW_EINVAL;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (strcasecmp(s, names[i].name) == 0) {
            *out = names[i].format;
            return 0;
        }
    }
    return PW_EINVAL;
}

/* ---- peeking --------------------------------------------------------------- */

/* The replay stream for inputs that cannot be rewound: the peeked bytes, then fd. */
struct peek {
    int fd;
    char *buf;
    size_t n, pos;
};

static ssize_t peek_read(void *cookie, char *out, size_t size)
{
    struct peek *p = cookie;
    if (p->pos < p->n) {
        size_t k = p->n - p->pos < size ? p->n - p->pos : size;
        memcpy(out, p->buf + p->pos, k);
        p->pos += k;
        return (ssize_t)k;
    }
    for (;;) {
        ssize_t k = read(p->fd, out, size);
        if (k >= 0 || errno != EINTR)
            return k;
    }
}

static int peek_close(void *cookie)
{
    struct peek *p = cookie;
    free(p->buf);
    free(p);
    return 0;
}

static bool is_blank(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

/* Decides the format from the first n bytes of the input (eof: there are no more).
 * Returns false when more bytes are needed to decide. */
static bool decide(const unsigned char *b, size_t n, bool eof, enum pw_input_format *fmt)
{
    static const unsigned char bom[3] = {0xEF, 0xBB, 0xBF};
    size_t i = 0;
    if (memcmp(b, bom, n < 3 ? n : 3) == 0) {
        if (n < 3 && !eof)
            return false;
        if (n >= 3)
            i = 3;
    }
    while (i < n && is_blank(b[i]))
        i++;
    if (i == n) {
        if (!eof)
            return false;
        *fmt = PW_INPUT_CSV; /* empty: any reader finds no record */
        return true;
    }
    if (b[i] == '{') {
        *fmt = PW_INPUT_JSONL;
        return true;
    }
    size_t rest = n - i;
    bool una = memcmp(b + i, "UNA", rest < 3 ? rest : 3) == 0;
    bool unb = memcmp(b + i, "UNB", rest < 3 ? rest : 3) == 0;
    if (rest < 3 && !eof && (una || unb))
        return false;
    *fmt = rest >= 3 && (una || unb) ? PW_INPUT_PAXLST : PW_INPUT_CSV;
    return true;
}

/* Detects the format of r->fp (untouched by stdio so far) and leaves r->fp positioned
 * at the first byte of the input, wrapping it in a replay stream when it cannot seek. */
static int detect(pw_reader *r, enum pw_input_format *fmt, pw_error *err)
{
    int fd = fileno(r->fp);
    off_t start = lseek(fd, 0, SEEK_CUR);
    unsigned char *buf = NULL;
    size_t n = 0, cap = 0;
    bool eof = false;
    while (!decide(buf ? buf : (const unsigned char *)"", n, eof, fmt)) {
        if (n >= PEEK_MAX) {
            eof = true; /* only blanks so far: decide as if the input ended */
            continue;
        }
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 4096;
            unsigned char *nb = realloc(buf, ncap);
            if (!nb) {
                free(buf);
                return pw_error_set(err, PW_ENOMEM, NULL, 0, 0, "out of memory");
            }
            buf = nb;
            cap = ncap;
        }
        ssize_t k = read(fd, buf + n, cap - n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0) {
            int e = errno;
            free(buf);
            return pw_error_set(err, PW_EIO, NULL, 0, 0, "cannot read '%s': %s", r->path,
                                strerror(e));
        }
        if (k == 0)
            eof = true;
        n += (size_t)k;
    }
    if (start >= 0 && fseeko(r->fp, start, SEEK_SET) == 0) {
        free(buf);
        return 0;
    }
    struct peek *p = calloc(1, sizeof *p);
    cookie_io_functions_t io = {.read = peek_read, .close = peek_close};
    FILE *fp = p ? fopencookie(p, "r", io) : NULL;
    if (!fp) {
        free(p);
        free(buf);
        return pw_error_set(err, PW_ENOMEM, NULL, 0, 0, "out of memory");
    }
    p->fd = fd;
    p->buf = (char *)buf;
    p->n = n;
    r->base = r->fp;
    r->fp = fp;
    return 0;
}

/* The PAXLST (UN/EDIFACT passenger list) reader is paxlst.c: pw_paxlst_open is called
 * for PW_INPUT_PAXLST, both when asked for and when auto-detected, and pw_reader_next /
 * pw_reader_close dispatch to its next and close like the others. */

/* ---- the reader ------------------------------------------------------------ */

/* Opens the input, detects the format when asked to, and opens the format reader (the
 * CSV reader reads its header here). Everything is released on failure. */
int pw_reader_open(const char *path, enum pw_input_format format, pw_reader **out, pw_error *err)
{
    *out = NULL;
    if (!path || format < PW_INPUT_AUTO || format > PW_INPUT_PAXLST)
        return pw_error_set(err, PW_EINVAL, NULL, 0, 0, "invalid reader arguments");
    pw_reader *r = calloc(1, sizeof *r);
    if (!r)
        return pw_error_set(err, PW_ENOMEM, NULL, 0, 0, "out of memory");
    int rc;
    r->path = strdup(path);
    r->scratch = pw_arena_new(0);
    r->today = pw_date_today();
    if (!r->path || !r->scratch) {
        rc = pw_error_set(err, PW_ENOMEM, NULL, 0, 0, "out of memory");
        goto fail;
    }
    if (strcmp(path, "-") == 0) {
        r->fp = stdin;
    } else {
        r->fp = fopen(path, "re");
        if (!r->fp) {
            rc = pw_error_set(err, PW_EIO, NULL, 0, 0, "cannot open '%s': %s", path,
                              strerror(errno));
            goto fail;
        }
        r->own_base = true;
        struct stat st;
        if (fstat(fileno(r->fp), &st) == 0 && S_ISDIR(st.st_mode)) {
            rc = pw_error_set(err, PW_EIO, NULL, 0, 0, "cannot open '%s': %s", path,
                              strerror(EISDIR));
            goto fail;
        }
    }
    if (format == PW_INPUT_AUTO && (rc = detect(r, &format, err)))
        goto fail;
    r->format = format;
    switch (format) {
    case PW_INPUT_JSONL:
        rc = pw_jsonl_open(r, err);
        break;
    case PW_INPUT_CSV:
        rc = pw_record_csv_open(r, err);
        break;
    default:
        rc = pw_paxlst_open(r, err);
        break;
    }
    if (rc)
        goto fail;
    *out = r;
    return 0;
fail:
    pw_reader_close(r);
    return rc;
}

int pw_reader_next(pw_reader *r, pw_arena *arena, pw_record *out, pw_reject_fn reject, void *ctx,
                   pw_error *err)
{
    memset(out, 0, sizeof *out);
    switch (r->format) {
    case PW_INPUT_JSONL:
        return pw_jsonl_next(r, arena, out, reject, ctx, err);
    case PW_INPUT_CSV:
        return pw_record_csv_next(r, arena, out, reject, ctx, err);
    case PW_INPUT_PAXLST:
        return pw_paxlst_next(r, arena, out, reject, ctx, err);
    default:
        return pw_error_set(err, PW_EINTERNAL, NULL, 0, 0, "reader has no format");
    }
}

enum pw_input_format pw_reader_format(const pw_reader *r)
{
    return r->format;
}

void pw_reader_set_findings(pw_reader *r, pw_finding_fn fn, void *ctx)
{
    r->on_finding = fn;
    r->finding_ctx = ctx;
}

void pw_reader_close(pw_reader *r)
{
    if (!r)
        return;
    pw_jsonl_close(r);
    pw_record_csv_close(r);
    pw_paxlst_close(r);
    if (r->base) {
        fclose(r->fp); /* the replay stream */
        if (r->own_base)
            fclose(r->base);
    } else if (r->fp && r->own_base) {
        fclose(r->fp);
    }
    pw_arena_free(r->scratch);
    free(r->path);
    free(r);
}

/* ---- shared by the format readers ----------------------------------------- */

size_t pw_utf8_cut(const char *s, size_t n, size_t max)
{
    if (n <= max)
        return n;
    n = max;
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
        n--; /* s[n] continues the character before it: leave that out too */
    return n;
}

void pw_reader_reject(pw_reader *r, long line, const char *field, const char *reason,
                      const char *raw, size_t raw_len, pw_reject_fn reject, void *ctx)
{
    if (!reject)
        return;
    const char *text = NULL;
    if (raw) {
        size_t n = pw_utf8_cut(raw, raw_len, PW_REJECT_RAW_MAX);
        memcpy(r->raw, raw, n);
        r->raw[n] = '\0';
        text = r->raw;
    }
    pw_reject rej = {.kind = "record",
                     .source = r->path,
                     .line = line,
                     .field = field,
                     .reason = reason,
                     .raw = text};
    reject(ctx, &rej);
}

/*
 * Deep copy of a record into the caller's arena. Every string of the record (names,
 * flight and legs, provenance, documents) is gathered in one walk, with its length, then
 * copied back to back into a single arena allocation, so a record costs one allocation
 * for its strings however many it has (this runs for every record). Strings beyond what
 * the gathering holds, or too many bytes to fit a small block, are copied one by one.
 *
 * A reader that keeps a record's strings packed together (pw_span: the PAXLST reader's
 * string space) names those runs: each run is copied whole with one memcpy and the
 * strings inside it are moved with it, with no strlen and no copy of their own; only
 * the strings outside every run are gathered as above.
 */
#define POOL_MAX 2048   /* bytes of strings copied into one allocation */
#define POOL_STRINGS 64 /* strings gathered for it */

struct pool {
    pw_arena *a;
    const pw_span *spans;      /* runs copied whole */
    char *moved[PW_SPANS_MAX]; /* where each run's copy starts */
    size_t n_spans;
    const char **field[POOL_STRINGS]; /* where each gathered string's pointer is */
    size_t len[POOL_STRINGS];         /* its length with the NUL */
    size_t n, need;
    bool alone; /* some strings were copied one by one */
    bool oom;
};

/* Moves *s with its span when it lies in one (NULL stays NULL), else gathers it, or
 * copies it at once when the gathering is full. */
static inline void pool_str(struct pool *pl, const char **s)
{
    if (!*s)
        return;
    for (size_t i = 0; i < pl->n_spans; i++) {
        size_t at = (uintptr_t)*s - (uintptr_t)pl->spans[i].base;
        if (at < pl->spans[i].len) {
            *s = pl->moved[i] + at;
            return;
        }
    }
    if (pl->n == POOL_STRINGS) {
        *s = pw_arena_strdup(pl->a, *s);
        pl->oom |= *s == NULL;
        pl->alone = true;
        return;
    }
    size_t n = strlen(*s);
    pl->field[pl->n] = s;
    pl->len[pl->n++] = n + 1;
    pl->need += n + 1;
}

static void pool_flight(struct pool *pl, pw_flight *f)
{
    pool_str(pl, &f->carrier);
    pool_str(pl, &f->number);
    pool_str(pl, &f->origin);
    pool_str(pl, &f->destination);
    pool_str(pl, &f->departure);
    pool_str(pl, &f->arrival);
}

/* Walks every string of rec (legs and documents already in their final arrays). */
static void pool_record(struct pool *pl, pw_record *rec)
{
    pw_flight *f = &rec->flight;
    pw_traveller *t = &rec->traveller;
    pw_provenance *p = &rec->source;
    const char **strings[] = {
        &rec->record_id,
        &rec->source_file,
        &t->surname,
        &t->given_names,
        &t->full_name,
        &t->nationality,
        &t->residence,
        &t->birth_place,
        &t->embarkation,
        &t->debarkation,
        &t->booking_ref,
        &t->passenger_ref,
        &t->seat,
        &t->clearance,
        &p->sender,
        &p->recipient,
        &p->interchange_ref,
        &p->group_ref,
        &p->message_ref,
        &p->part,
        &p->reporting_party,
        &p->document_code,
        &p->document_status,
    };
    /* format, document_type and document_action are static strings */
    for (size_t i = 0; i < sizeof strings / sizeof strings[0]; i++)
        pool_str(pl, strings[i]);
    pool_flight(pl, f);
    for (size_t i = 0; i < f->n_legs; i++)
        pool_flight(pl, (pw_flight *)&f->legs[i]);
    for (size_t i = 0; i < t->n_documents; i++) {
        pw_document *d = &t->documents[i];
        pool_str(pl, &d->type);
        pool_str(pl, &d->number);
        pool_str(pl, &d->issuer);
    }
}

int pw_reader_copy_record(pw_record *rec, pw_arena *a, const pw_span *spans, size_t n_spans,
                          pw_span *packed)
{
    pw_flight *f = &rec->flight;
    pw_traveller *t = &rec->traveller;
    if (packed)
        *packed = (pw_span){NULL, 0};
    if (!f->legs)
        f->n_legs = 0;
    if (!t->documents)
        t->n_documents = 0;
    struct pool pl;
    pl.a = a;
    pl.spans = spans;
    pl.n_spans = n_spans < PW_SPANS_MAX ? n_spans : PW_SPANS_MAX; /* the rest: as strings */
    pl.n = pl.need = 0; /* the arrays are filled as far as n says */
    pl.alone = false;
    pl.oom = false;
    /* the legs, the documents and the spans in one allocation (the arrays first: their
     * sizes keep the 8-byte alignment) */
    size_t legs_size = f->n_legs * sizeof *f->legs,
           docs_size = t->n_documents * sizeof *t->documents;
    size_t size = legs_size + docs_size;
    for (size_t i = 0; i < pl.n_spans; i++)
        size += spans[i].len;
    char *block = size ? pw_arena_alloc_uninit(a, size) : NULL;
    if (size && !block)
        return PW_ENOMEM;
    if (f->n_legs) {
        pw_flight *legs = (pw_flight *)(void *)block;
        for (size_t i = 0; i < f->n_legs; i++) {
            legs[i] = f->legs[i];
            legs[i].legs = NULL;
            legs[i].n_legs = 0;
        }
        f->legs = legs;
    } else {
        f->legs = NULL;
    }
    if (t->n_documents) {
        pw_document *docs = (pw_document *)(void *)(block + legs_size);
        memcpy(docs, t->documents, docs_size);
        t->documents = docs;
    } else {
        t->documents = NULL;
    }
    char *at = block ? block + legs_size + docs_size : NULL;
    for (size_t i = 0; i < pl.n_spans; i++) {
        pl.moved[i] = at; /* an empty span holds no string: at is never used then */
        if (spans[i].len) {
            memcpy(at, spans[i].base, spans[i].len);
            at += spans[i].len;
        }
    }
    pool_record(&pl, rec);
    char *next = pl.need && pl.need <= POOL_MAX ? pw_arena_alloc_uninit(a, pl.need) : NULL;
    if (pl.need && pl.need <= POOL_MAX && !next)
        return PW_ENOMEM;
    if (packed && next && !pl.alone && pl.n_spans == 0)
        *packed = (pw_span){next, pl.need};
    for (size_t i = 0; i < pl.n; i++) {
        const char **s = pl.field[i];
        if (next) {
            memcpy(next, *s, pl.len[i]);
            *s = next;
            next += pl.len[i];
        } else {
            *s = pw_arena_strndup(a, *s, pl.len[i] - 1);
            pl.oom |= *s == NULL;
        }
    }
    return pl.oom ? PW_ENOMEM : 0;
}

const char *pw_reader_format_name(enum pw_input_format format)
{
    switch (format) {
    case PW_INPUT_JSONL:
        return "jsonl";
    case PW_INPUT_CSV:
        return "csv";
    case PW_INPUT_PAXLST:
        return "paxlst";
    default:
        return NULL;
    }
}

void pw_issue_add(pw_issues *issues, enum pw_finding_kind kind, const char *field,
                  const char *detail)
{
    if (!issues || issues->n >= PW_ISSUES_MAX)
        return;
    issues->items[issues->n++] =
        (pw_issue){.kind = kind, .field = field, .detail = detail ? detail : "", .line = 0};
}

void pw_reader_begin_record(pw_reader *r)
{
    pw_arena_reset(r->scratch);
    r->issues.n = 0;
}

void pw_reader_emit_finding(pw_reader *r, pw_finding *f)
{
    if (!r->on_finding)
        return;
    if (!f->source)
        f->source = r->path;
    if (!f->format)
        f->format = pw_reader_format_name(r->format);
    r->on_finding(r->finding_ctx, f);
}

/* The finding about rec that its issues and checks start from: where it came from and
 * which flight; the sender is the UNB sender or else the carrier. */
static pw_finding finding_for(const pw_reader *r, const pw_record *rec)
{
    const pw_provenance *p = &rec->source;
    return (pw_finding){.source = r->path,
                        .format = p->format,
                        .sender = p->sender ? p->sender : rec->flight.carrier,
                        .interchange_ref = p->interchange_ref,
                        .message_ref = p->message_ref,
                        .carrier = rec->flight.carrier,
                        .flight_number = rec->flight.number,
                        .departure = rec->flight.departure,
                        .line = p->first_segment > 0 ? p->first_segment : rec->source_line,
                        .segment = p->first_segment > 0 ? "NAD" : NULL,
                        .record_id = rec->record_id};
}

int pw_reader_finish(pw_reader *r, pw_record *rec, long line, pw_arena *arena, pw_record *out,
                     const char **field, const char **reason)
{
    return pw_reader_finish_spans(r, rec, line, arena, out, field, reason, NULL, 0);
}

int pw_reader_finish_spans(pw_reader *r, pw_record *rec, long line, pw_arena *arena, pw_record *out,
                           const char **field, const char **reason, const pw_span *spans,
                           size_t n_spans)
{
    rec->source_file = r->path;
    rec->source_line = line;
    if (!rec->source.format)
        rec->source.format = pw_reader_format_name(r->format);
    int rc = r->canonical
                 ? pw_record_normalise_canonical(rec, r->scratch, field, reason)
                 : pw_record_normalise_issues(rec, r->scratch, &r->issues, &r->norm, field, reason);
    if (rc) {
        r->issues.n = 0;
        return rc;
    }
    if (pw_reader_copy_record(rec, arena, spans, n_spans, NULL)) {
        *field = NULL;
        *reason = "out of memory";
        return PW_ENOMEM;
    }
    *out = *rec;
    if (r->on_finding) {
        for (size_t i = 0; i < r->issues.n; i++) {
            const pw_issue *is = &r->issues.items[i];
            pw_finding f = finding_for(r, out);
            f.kind = is->kind;
            f.field = r->issue_field ? r->issue_field(r, is->field) : is->field;
            f.detail = is->detail;
            f.segment = is->segment;
            if (is->line > 0)
                f.line = is->line;
            pw_reader_emit_finding(r, &f);
        }
    }
    r->issues.n = 0;
    return 0;
}

int pw_reader_parse_date(pw_reader *r, const char *s, pw_date *out, const char **reason)
{
    memset(out, 0, sizeof *out);
    if (!s)
        return 0;
    while (is_blank((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n > 0 && is_blank((unsigned char)s[n - 1]))
        n--;
    if (n == 0)
        return 0;
    const char *d = s[n] ? pw_arena_strndup(r->scratch, s, n) : s;
    if (!d) {
        *reason = "out of memory";
        return PW_ENOMEM;
    }
    if (pw_date_parse(d, out, NULL) == 0)
        return 0;
    /* parsed again for the message only when the date is invalid: a pw_error is 1.5 KiB
     * to clear, and this runs for every date of every record */
    pw_error e;
    memset(&e, 0, sizeof e);
    pw_date_parse(d, out, &e);
    memset(out, 0, sizeof *out);
    /* pw_date_parse's message quotes the value and says what is wrong with it */
    *reason = e.msg[0] ? pw_arena_strdup(r->scratch, e.msg)
                       : pw_arena_printf(r->scratch, "invalid date '%.*s'",
                                         (int)pw_utf8_cut(d, n, PW_REASON_VALUE_MAX), d);
    if (!*reason) {
        *reason = "out of memory";
        return PW_ENOMEM;
    }
    return PW_EINVAL;
}

int pw_reader_parse_role(pw_reader *r, const char *s, enum pw_role *out, const char **reason)
{
    *out = PW_ROLE_PASSENGER;
    if (!s)
        return 0;
    while (is_blank((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n > 0 && is_blank((unsigned char)s[n - 1]))
        n--;
    if (n == 0)
        return 0;
    char word[32];
    if (n < sizeof word) {
        for (size_t i = 0; i < n; i++)
            word[i] = (char)tolower((unsigned char)s[i]);
        word[n] = '\0';
        if (pw_role_parse(word, out) == 0)
            return 0;
    }
    *out = PW_ROLE_PASSENGER;
    *reason = pw_arena_printf(r->scratch,
                              "unknown role '%.*s': expected passenger, crew, "
                              "transit_passenger or transit_crew",
                              (int)pw_utf8_cut(s, n, PW_REASON_VALUE_MAX), s);
    if (!*reason) {
        *reason = "out of memory";
        return PW_ENOMEM;
    }
    return PW_EINVAL;
}
