/*
 * The streaming UN/EDIFACT tokenizer (see edifact.h for what it accepts).
 *
 * Design: the input is read with read(2) (or fread for a stdio stream without a
 * descriptor, such as the reader's replay stream for pipes) into one buffer that starts
 * small and doubles while reads fill it, up to two CHUNKs (a large file is then read a
 * chunk or more at a time); buf[start..end) holds what has been read but not consumed. A segment
 * is tokenized in a single pass over its bytes with a 256-entry class table built from
 * the service characters in force: data bytes are copied to `out`, a component or
 * element separator ends the current value with a NUL and records where the next one
 * starts and how long the last one was, the release character copies the byte after it
 * as data, CR and LF are dropped, and the segment terminator ends the segment. The pass
 * takes 16 bytes at a time while it can (SSE2 compares set up once per set of service
 * characters, or the class table without SSE2): data and separators are copied whole
 * and the separators then patched to NULs, without limit checks while the segment is
 * far from PW_EDI_MAX_ELEMENTS, and only the other bytes (the terminator, releases, CR,
 * LF, NUL, bytes >= 0x80) go through the byte-by-byte switch, which also takes the last
 * bytes of the buffer. The line break after a terminator is skipped in the same pass,
 * so the next call starts at the next tag: when that tag is inside an interchange and
 * does not start with 'U' (it cannot be UNA or UNB), the call scans it at once, without
 * looking for blanks, UNA or junk first. The tag is checked with a small table of what
 * each byte may be in it (tag_cls). When the pass reaches the end of the buffer
 * before the terminator, the unread bytes are moved to the front, more are read and the
 * pass starts again from the segment's first byte (rare: once per chunk). So there is
 * no allocation per segment: `out` and the component table grow with the buffer and
 * are reused; the buffer itself grows only for a segment longer than a chunk, up to
 * PW_EDI_MAX_SEGMENT.
 *
 * Errors are found during the same pass (a NUL byte, too many components) or after it
 * (the tag); either way the pass has already found the segment's end, so the bad segment
 * is skipped as a whole and the next call starts at the following one. A segment that
 * does not end within PW_EDI_MAX_SEGMENT bytes is skipped up to its terminator without
 * keeping its bytes.
 */
#include "ingest/edifact.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#define CHUNK (256u << 10)
#define BUF_START (16u << 10) /* small inputs (messages, fuzz inputs) stay small */
#define BUF_MAX (PW_EDI_MAX_SEGMENT + CHUNK)

enum cls {
    C_DATA = 0,
    C_HIGH, /* a byte >= 0x80: data, but the value may need converting from Latin-1 */
    C_COMP,
    C_ELEM,
    C_REL,
    C_SEG,
    C_CR,
    C_LF,
    C_NUL,
};

/* Classifying 16 bytes at once for the common case: which are component or element
 * separators, which are elements, and which are "stops" (the terminator, the release
 * character, CR, LF, NUL and bytes >= 0x80: whatever the byte-by-byte switch must see;
 * a stop may also be a byte the switch merely copies). Bit k stands for byte k. Before
 * the first stop every byte is data or a separator. */
typedef struct block_mask {
    unsigned sep, elem, stop;
} block_mask;

#ifdef __SSE2__
typedef struct block_delims {
    __m128i comp, elem, seg, rel;
} block_delims;

static inline block_delims block_setup(pw_edi_delims d, const unsigned char *cls)
{
    (void)cls;
    /* without a release character, the terminator stands in for it */
    char rel = d.has_release ? d.release : d.segment;
    return (block_delims){.comp = _mm_set1_epi8(d.component),
                          .elem = _mm_set1_epi8(d.element),
                          .seg = _mm_set1_epi8(d.segment),
                          .rel = _mm_set1_epi8(rel)};
}

static inline block_mask block_masks(const block_delims *d, const unsigned char *b)
{
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)b);
    __m128i comp = _mm_cmpeq_epi8(v, d->comp), elem = _mm_cmpeq_epi8(v, d->elem);
    /* one signed compare catches NUL, CR, LF and the bytes >= 0x80 (negative), with the
     * other control bytes below 0x0E, which the switch copies as data */
    __m128i stop = _mm_or_si128(_mm_cmpeq_epi8(v, d->seg), _mm_cmpeq_epi8(v, d->rel));
    stop = _mm_or_si128(stop, _mm_cmplt_epi8(v, _mm_set1_epi8(0x0E)));
    return (block_mask){.sep = (unsigned)_mm_movemask_epi8(_mm_or_si128(comp, elem)),
                        .elem = (unsigned)_mm_movemask_epi8(elem),
                        .stop = (unsigned)_mm_movemask_epi8(stop)};
}
#else
/* The same from the class table, one byte at a time. */
typedef struct block_delims {
    const unsigned char *cls;
} block_delims;

static inline block_delims block_setup(pw_edi_delims d, const unsigned char *cls)
{
    (void)d;
    return (block_delims){.cls = cls};
}

static inline block_mask block_masks(const block_delims *d, const unsigned char *b)
{
    block_mask m = {0, 0, 0};
    for (unsigned k = 0; k < 16; k++) {
        unsigned c = d->cls[b[k]];
        if (c == C_COMP || c == C_ELEM)
            m.sep |= 1u << k;
        if (c == C_ELEM)
            m.elem |= 1u << k;
        if (c != C_DATA && c != C_COMP && c != C_ELEM)
            m.stop |= 1u << k;
    }
    return m;
}
#endif

enum { TAG_FIRST = 1, TAG_OTHER = 2 };

struct pw_edi {
    FILE *fp;
    int fd;    /* fileno(fp), or -1: use fread */
    char *buf; /* buf[start..end) is read and not consumed */
    size_t cap, start, end;
    long long base; /* input offset of buf[0] */
    bool eof;
    bool big;     /* a read filled the whole buffer: the input is large, read in CHUNKs */
    bool between; /* at the start of the input or after UNZ: UNA, UNB or junk comes next */
    pw_edi_delims d;
    unsigned char cls[256];
    unsigned char tag_cls[256]; /* TAG_FIRST | TAG_OTHER: what a byte may be in a tag */
    block_delims bd;            /* the same for the 16-byte scan */
    long ordinal;               /* segments returned (and skipped) so far */
    long line;                  /* line of buf[start] */
    char *out;                  /* values of the current segment, NUL-separated; cap + 1 bytes */
    char *alt;                  /* Latin-1 values converted to UTF-8 */
    size_t alt_cap;
    const char **comp; /* PW_EDI_MAX_COMPONENTS + 1 */
    uint32_t *clen;    /* their lengths; PW_EDI_MAX_COMPONENTS */
    uint32_t elem[PW_EDI_MAX_ELEMENTS + 2];
};

pw_edi_delims pw_edi_default_delims(void)
{
    return (pw_edi_delims){.component = ':',
                           .element = '+',
                           .decimal = '.',
                           .release = '?',
                           .reserved = ' ',
                           .segment = '\'',
                           .has_release = true};
}

/* Installs a set of service characters and its class table. */
static void set_delims(pw_edi *e, pw_edi_delims d)
{
    e->d = d;
    for (int c = 0; c < 256; c++)
        e->cls[c] = c >= 0x80 ? C_HIGH : C_DATA;
    e->cls['\r'] = C_CR;
    e->cls['\n'] = C_LF;
    e->cls[0] = C_NUL;
    e->cls[(unsigned char)d.component] = C_COMP;
    e->cls[(unsigned char)d.element] = C_ELEM;
    if (d.has_release)
        e->cls[(unsigned char)d.release] = C_REL;
    e->cls[(unsigned char)d.segment] = C_SEG; /* wins over LF when LF terminates */
    e->bd = block_setup(d, e->cls);
}

pw_edi *pw_edi_new(FILE *fp)
{
    pw_edi *e = calloc(1, sizeof *e);
    if (!e)
        return NULL;
    e->fp = fp;
    e->fd = fp ? fileno(fp) : -1;
    e->cap = BUF_START;
    e->buf = malloc(e->cap);
    e->out = malloc(e->cap + 1);
    e->comp = malloc((PW_EDI_MAX_COMPONENTS + 1) * sizeof *e->comp);
    e->clen = malloc(PW_EDI_MAX_COMPONENTS * sizeof *e->clen);
    if (!e->buf || !e->out || !e->comp || !e->clen) {
        pw_edi_free(e);
        return NULL;
    }
    for (int c = '0'; c <= '9'; c++)
        e->tag_cls[c] = TAG_OTHER;
    for (int c = 'A'; c <= 'Z'; c++)
        e->tag_cls[c] = TAG_FIRST | TAG_OTHER;
    e->between = true;
    e->line = 1;
    set_delims(e, pw_edi_default_delims());
    return e;
}

void pw_edi_free(pw_edi *e)
{
    if (!e)
        return;
    free(e->buf);
    free(e->out);
    free(e->alt);
    free(e->comp);
    free(e->clen);
    free(e);
}

pw_edi_delims pw_edi_current_delims(const pw_edi *e)
{
    return e->d;
}

long long pw_edi_position(const pw_edi *e)
{
    return e->base + (long long)e->start;
}

/* ---- reading ------------------------------------------------------------------ */

enum { FILL_EOF = 0, FILL_MORE = 1, FILL_FULL = 2 };

/* Moves the unread bytes to the front and reads more after them, growing the buffer
 * when it is full (up to BUF_MAX). FILL_MORE when bytes were added, FILL_EOF at the end
 * of the input, FILL_FULL when the buffer cannot grow, negative on a read error. */
static int fill(pw_edi *e, pw_error *fail)
{
    if (e->eof)
        return FILL_EOF;
    if (e->start > 0) {
        memmove(e->buf, e->buf + e->start, e->end - e->start);
        e->base += (long long)e->start;
        e->end -= e->start;
        e->start = 0;
    }
    /* grow when a segment does not fit, or (up to two chunks) when the input is large */
    if (e->end == e->cap || (e->big && e->cap < 2 * CHUNK)) {
        if (e->cap >= BUF_MAX)
            return FILL_FULL;
        size_t ncap = e->cap * 2 > BUF_MAX ? BUF_MAX : e->cap * 2;
        char *nb = realloc(e->buf, ncap);
        if (!nb)
            return pw_error_set(fail, PW_ENOMEM, NULL, 0, 0, "out of memory");
        e->buf = nb;
        char *no = realloc(e->out, ncap + 1);
        if (!no)
            return pw_error_set(fail, PW_ENOMEM, NULL, 0, 0, "out of memory");
        e->out = no;
        e->cap = ncap;
    }
    size_t want = e->cap - e->end;
    for (;;) {
        ssize_t n;
        if (e->fd >= 0) {
            n = read(e->fd, e->buf + e->end, want);
        } else {
            size_t k = fread(e->buf + e->end, 1, want < 4096 ? want : 4096, e->fp);
            n = (ssize_t)k;
            if (k == 0 && ferror(e->fp))
                n = -1;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return pw_error_set(fail, PW_EIO, NULL, 0, 0, "read error: %s",
                                strerror(errno ? errno : EIO));
        if (n == 0) {
            e->eof = true;
            return FILL_EOF;
        }
        e->end += (size_t)n;
        e->big = (size_t)n == want;
        return FILL_MORE;
    }
}

/* Makes at least n unread bytes available when the input has them. Returns the number
 * available (possibly fewer at the end of the input), or negative on a read error. */
static long long need(pw_edi *e, size_t n, pw_error *fail)
{
    while (e->end - e->start < n) {
        int rc = fill(e, fail);
        if (rc < 0)
            return rc;
        if (rc != FILL_MORE)
            break;
    }
    return (long long)(e->end - e->start);
}

static bool is_blank(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

/* Skips blanks (and stray segment terminators, i.e. empty segments) before the next
 * segment, and a UTF-8 byte-order mark at the very start. Returns 1 when a byte
 * follows, 0 at the end of the input, negative on a read error. */
static int skip_blanks(pw_edi *e, pw_error *fail)
{
    if (e->base == 0 && e->start == 0) {
        long long got = need(e, 3, fail);
        if (got < 0)
            return (int)got;
        if (got >= 3 && memcmp(e->buf, "\xEF\xBB\xBF", 3) == 0)
            e->start = 3;
    }
    for (;;) {
        while (e->start < e->end) {
            unsigned char c = (unsigned char)e->buf[e->start];
            if (c > ' ' && c != (unsigned char)e->d.segment)
                return 1; /* the usual case: the next segment's tag */
            if (c == (unsigned char)e->d.segment && !is_blank(c) && !e->between) {
                e->start++; /* an empty segment */
                continue;
            }
            if (!is_blank(c))
                return 1;
            if (c == '\n')
                e->line++;
            e->start++;
        }
        int rc = fill(e, fail);
        if (rc < 0)
            return rc;
        if (rc == FILL_EOF)
            return 0;
    }
}

/* ---- UTF-8 ---------------------------------------------------------------------- */

/* Converts the components of the current segment that are not UTF-8 from ISO 8859-1
 * (out_len bytes of values in out, n components). Returns 0 or PW_ENOMEM. */
static int latin1_to_utf8(pw_edi *e, size_t out_len, uint32_t n)
{
    size_t want = 2 * out_len + n + 1;
    if (e->alt_cap < want) {
        char *na = realloc(e->alt, want);
        if (!na)
            return PW_ENOMEM;
        e->alt = na;
        e->alt_cap = want;
    }
    size_t o = 0;
    for (uint32_t i = 0; i < n; i++) {
        const unsigned char *s = (const unsigned char *)e->comp[i];
        if (pw_utf8_valid((const char *)s, strlen((const char *)s)))
            continue;
        char *dst = e->alt + o;
        for (; *s; s++) {
            if (*s < 0x80) {
                e->alt[o++] = (char)*s;
            } else {
                e->alt[o++] = (char)(0xC0 | (*s >> 6));
                e->alt[o++] = (char)(0x80 | (*s & 0x3F));
            }
        }
        e->alt[o++] = '\0';
        e->clen[i] = (uint32_t)(e->alt + o - 1 - dst);
        e->comp[i] = dst;
    }
    return 0;
}

/* ---- segments -------------------------------------------------------------------- */

enum { SCAN_DONE = 0, SCAN_MORE = 1 };
enum problem { P_NONE = 0, P_NUL, P_TOO_MANY, P_RELEASE_AT_END };

typedef struct scan {
    size_t stop;     /* index after the segment (after its terminator) */
    size_t next;     /* index after the line break that follows, if any */
    bool terminated; /* false: the input ended first */
    enum problem problem;
    size_t problem_at; /* buffer index of the problem */
    bool high;         /* a byte >= 0x80 was copied */
    long lines;        /* line feeds inside the segment */
    size_t out_len;
    uint32_t n_comp, n_elem;
} scan;

/* Where the values of the segment being scanned go (the tokenizer's comp/clen/elem, in
 * locals so that the byte stores of the scan do not make the compiler reload them). */
typedef struct values {
    const char **comp;
    uint32_t *clen, *elem;
    char *cur; /* the value being written */
    uint32_t nc, ne;
} values;

/* Ends the value being written (its bytes end just before the separator at next - 1):
 * its length goes to clen, and the next value, of a new element when `element`, starts
 * at `next`. The caller has made sure the limits are not reached. */
static inline void add_value(values *v, bool element, char *next)
{
    v->clen[v->nc - 1] = (uint32_t)(next - 1 - v->cur);
    if (element)
        v->elem[++v->ne] = v->nc;
    v->comp[v->nc++] = next;
    v->cur = next;
}

/* add_value with the limits checked (the separator at buffer index i): past them the
 * segment gets a problem and the rest of its values are run together. */
static inline void next_value(values *v, scan *s, bool element, char *next, size_t i)
{
    if (v->nc >= PW_EDI_MAX_COMPONENTS || (element && v->ne + 1 >= PW_EDI_MAX_ELEMENTS)) {
        v->clen[v->nc - 1] = (uint32_t)(next - 1 - v->cur);
        if (!s->problem) {
            s->problem = P_TOO_MANY;
            s->problem_at = i;
        }
        return;
    }
    add_value(v, element, next);
}

/* Tokenizes the segment starting at buf[p] into out/comp/clen/elem (see the file comment).
 * SCAN_MORE when the buffer ends first and more input may come. */
static int scan_segment(pw_edi *e, size_t p, scan *s)
{
    const unsigned char *b = (const unsigned char *)e->buf;
    const unsigned char *cls = e->cls;
    const size_t end = e->end;
    const block_delims delims = e->bd;
    const unsigned char seg = (unsigned char)e->d.segment;
    char *out = e->out;
    size_t o = 0;
    values v = {.comp = e->comp, .clen = e->clen, .elem = e->elem, .cur = out, .nc = 1, .ne = 0};
    *s = (scan){.problem = P_NONE};
    v.elem[0] = 0;
    v.comp[0] = out;
    size_t i = p;
    while (i < end) {
        /* the common case first, 16 bytes at a time: plain data and separators are
         * copied whole, then each separator becomes the NUL that ends its value; the
         * first byte of another class (a stop) is left to the switch below */
        while (end - i >= 16) {
            block_mask m = block_masks(&delims, b + i);
            memcpy(out + o, b + i, 16);
            unsigned n = m.stop ? (unsigned)__builtin_ctz(m.stop) : 16;
            /* 16 bytes end at most 16 values: away from the limits, no checks (there are
             * fewer elements than components, and fewer may be) */
            bool roomy = v.nc + 17 < PW_EDI_MAX_ELEMENTS;
            for (unsigned sep = m.sep & ((1u << n) - 1); sep; sep &= sep - 1) {
                unsigned k = (unsigned)__builtin_ctz(sep);
                out[o + k] = '\0';
                if (roomy)
                    add_value(&v, (m.elem >> k) & 1, out + o + k + 1);
                else
                    next_value(&v, s, (m.elem >> k) & 1, out + o + k + 1, i + k);
            }
            i += n;
            o += n;
            if (n < 16) {
                if (b[i] == seg)
                    goto terminated; /* the usual stop */
                break;
            }
        }
        /* near the end of the buffer, byte by byte: a run of plain data bytes */
        while (i < end && cls[b[i]] == C_DATA)
            out[o++] = (char)b[i++];
        if (i >= end)
            break;
        unsigned char c = b[i];
        switch (cls[c]) {
        case C_DATA: /* not reached */
        case C_HIGH:
            out[o++] = (char)c;
            s->high = true;
            break;
        case C_CR:
            break;
        case C_LF:
            s->lines++;
            break;
        case C_NUL:
            if (!s->problem) {
                s->problem = P_NUL;
                s->problem_at = i;
            }
            break;
        case C_REL:
            if (i + 1 >= end) {
                if (!e->eof)
                    return SCAN_MORE;
                if (!s->problem) {
                    s->problem = P_RELEASE_AT_END;
                    s->problem_at = i;
                }
                break;
            }
            c = b[++i];
            if (c == '\n')
                s->lines++;
            if (c == 0 && !s->problem) {
                s->problem = P_NUL;
                s->problem_at = i;
            }
            if (c != '\r' && c != '\n' && c != 0) {
                out[o++] = (char)c;
                if (c >= 0x80)
                    s->high = true;
            }
            break;
        case C_COMP:
        case C_ELEM:
            out[o++] = '\0';
            next_value(&v, s, cls[c] == C_ELEM, out + o, i);
            break;
        case C_SEG:
            goto terminated;
        }
        i++;
    }
    if (!e->eof)
        return SCAN_MORE;
    out[o] = '\0';
    s->stop = s->next = end;
    s->terminated = false;
    goto done;
terminated:
    if (b[i] == '\n')
        s->lines++;
    out[o] = '\0';
    s->stop = i + 1;
    s->terminated = true;
    /* the line break that usually follows is skipped here, as skip_blanks would */
    for (i++; i < end; i++) {
        if (b[i] == '\n')
            s->lines++;
        else if (b[i] != '\r')
            break;
    }
    s->next = i;
done:
    v.clen[v.nc - 1] = (uint32_t)(out + o - v.cur);
    v.elem[v.ne + 1] = v.nc;
    s->out_len = o;
    s->n_comp = v.nc;
    s->n_elem = v.ne;
    return SCAN_DONE;
}

/* Printable form of up to n bytes of s for messages: control bytes become '.'. */
static void sample(char *dst, size_t size, const char *s, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n && k + 1 < size; i++) {
        unsigned char c = (unsigned char)s[i];
        dst[k++] = c < 0x20 || c == 0x7F ? '.' : (char)c;
    }
    dst[k] = '\0';
}

/* Checks the tag (component 1 of element 0) of the segment just scanned: three capital
 * letters or digits, the first a letter, trailing blanks ignored. Returns its PW_EDI_TAG,
 * or 0 (no valid tag packs to 0). The three bytes are looked up in tag_cls together. */
static inline uint32_t check_tag(const pw_edi *e)
{
    const unsigned char *t = (const unsigned char *)e->comp[0];
    size_t n = e->clen[0];
    if (n != 3) {
        while (n > 0 && (t[n - 1] == ' ' || t[n - 1] == '\t'))
            n--;
        if (n != 3)
            return 0;
    }
    const unsigned char *tc = e->tag_cls;
    if (!(tc[t[0]] & (tc[t[1]] >> 1) & (tc[t[2]] >> 1) & 1) || e->elem[1] != 1)
        return 0;
    return PW_EDI_TAG(t[0], t[1], t[2]);
}

/* Fills an error about the segment at buf[p..stop). */
static void seg_error(pw_edi *e, pw_edi_error *err, size_t p, size_t stop, long line, long long at,
                      const char *tag, const char *fmt, ...) __attribute__((format(printf, 8, 9)));
static void seg_error(pw_edi *e, pw_edi_error *err, size_t p, size_t stop, long line, long long at,
                      const char *tag, const char *fmt, ...)
{
    if (!err)
        return;
    memset(err, 0, sizeof *err);
    err->offset = at;
    err->ordinal = e->ordinal;
    err->line = line;
    snprintf(err->tag, sizeof err->tag, "%s", tag ? tag : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    err->raw = stop > p ? e->buf + p : NULL;
    err->raw_len = stop > p ? stop - p : 0;
}

/* Skips the rest of a segment too long to hold (it has no terminator in the whole
 * buffer): reads and drops bytes up to and including the next unreleased terminator.
 * Returns 0 or negative on a read error. */
static int skip_long_segment(pw_edi *e, pw_error *fail)
{
    bool released = false;
    for (;;) {
        while (e->start < e->end) {
            unsigned char c = (unsigned char)e->buf[e->start++];
            if (c == '\n')
                e->line++;
            if (released) {
                released = false;
                continue;
            }
            if (e->d.has_release && c == (unsigned char)e->d.release) {
                released = true;
                continue;
            }
            if (c == (unsigned char)e->d.segment)
                return 0;
        }
        int rc = fill(e, fail); /* everything was consumed: fill() starts afresh */
        if (rc < 0)
            return rc;
        if (rc == FILL_EOF)
            return 0;
    }
}

/* Reads a UNA service string advice at buf[start] (9 bytes available, or fewer at the
 * end of the input): installs its characters and returns PW_EDI_SEGMENT, or
 * PW_EDI_ERROR with the defaults kept. */
static int read_una(pw_edi *e, size_t avail, pw_edi_segment *seg, pw_edi_error *err)
{
    size_t p = e->start;
    long long at = e->base + (long long)p;
    e->ordinal++;
    if (avail < 9) {
        e->start = e->end;
        seg_error(e, err, p, p + avail, e->line, at, "UNA",
                  "UNA must be followed by six service characters; the input ends after %zu",
                  avail - 3);
        return PW_EDI_ERROR;
    }
    const char *u = e->buf + p + 3;
    pw_edi_delims d = {.component = u[0],
                       .element = u[1],
                       .decimal = u[2],
                       .release = u[3],
                       .reserved = u[4],
                       .segment = u[5],
                       .has_release = u[3] != ' '};
    const char *why = NULL;
    char roles[4] = {d.component, d.element, d.has_release ? d.release : 0, d.segment};
    for (int i = 0; i < 4 && !why; i++) {
        unsigned char c = (unsigned char)roles[i];
        if (i == 2 && !c)
            continue;
        if ((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == 0 ||
            (i != 3 && is_blank(c)))
            why = "a service character must not be a letter, a digit or a blank";
        for (int j = 0; j < i && !why; j++)
            if (roles[j] && roles[j] == roles[i])
                why = "the component separator, element separator, release character and "
                      "segment terminator must differ";
    }
    e->start = p + 9;
    if (why) {
        char shown[8];
        sample(shown, sizeof shown, u, 6);
        seg_error(e, err, p, p + 9, e->line, at, "UNA", "UNA '%s': %s", shown, why);
        return PW_EDI_ERROR;
    }
    set_delims(e, d);
    e->between = false;
    if (seg) {
        static const uint32_t no_elements[2] = {0, 1};
        memcpy(seg->tag, "UNA", 4);
        seg->code = PW_EDI_TAG('U', 'N', 'A');
        e->out[0] = '\0';
        e->comp[0] = e->out;
        e->clen[0] = 0;
        seg->n_elements = 0;
        seg->elem = no_elements;
        seg->comp = (const char *const *)e->comp;
        seg->len = e->clen;
        seg->ordinal = e->ordinal;
        seg->offset = at;
        seg->line = e->line;
        seg->unterminated = false;
        seg->raw = e->buf + p;
        seg->raw_len = 9;
    }
    return PW_EDI_SEGMENT;
}

/* True when the unread bytes start "UNA" followed by a character that is not a letter or
 * digit (a UNA, not a segment whose tag starts with UNA). */
static bool at_una(const pw_edi *e, size_t avail)
{
    const char *b = e->buf + e->start;
    if (avail < 3 || memcmp(b, "UNA", 3) != 0)
        return false;
    if (avail == 3)
        return true;
    unsigned char c = (unsigned char)b[3];
    return !((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'));
}

/* Skips bytes that are not EDIFACT, up to a line that starts (after blanks) with UNA or
 * UNB, or the end of the input. */
static int skip_junk(pw_edi *e, pw_edi_junk *junk, pw_error *fail)
{
    pw_edi_junk j = {.offset = e->base + (long long)e->start, .line = e->line};
    j.after_unz = e->ordinal > 0;
    size_t avail = e->end - e->start;
    sample(j.sample, sizeof j.sample, e->buf + e->start, avail < 40 ? avail : 40);
    bool line_start = false;
    for (;;) {
        while (e->start < e->end) {
            const char *b = e->buf + e->start;
            unsigned char c = (unsigned char)*b;
            if (line_start) {
                if (c == ' ' || c == '\t') {
                    e->start++;
                    j.length++;
                    continue;
                }
                if (e->end - e->start < 3 && !e->eof)
                    break; /* read more to decide */
                if (e->end - e->start >= 3 &&
                    (memcmp(b, "UNA", 3) == 0 || memcmp(b, "UNB", 3) == 0))
                    goto done;
                line_start = false;
            }
            if (c == '\n' || c == '\r') {
                if (c == '\n')
                    e->line++;
                line_start = true;
            }
            e->start++;
            j.length++;
        }
        int rc = fill(e, fail);
        if (rc < 0)
            return rc;
        if (rc == FILL_EOF && e->start >= e->end)
            break;
        if (rc == FILL_EOF && e->end - e->start < 3) {
            j.length += (long long)(e->end - e->start);
            e->start = e->end;
            break;
        }
    }
done:
    if (j.length < (long long)strlen(j.sample))
        j.sample[j.length] = '\0'; /* only the junk itself */
    if (junk)
        *junk = j;
    return PW_EDI_JUNK;
}

enum { FIND_SCAN = PW_EDI_ERROR + 1 };

/* Finds the start of the next segment: skips blanks, reads a UNA, starts an interchange
 * at UNB or skips junk between interchanges. FIND_SCAN when a segment to scan starts at
 * buf[start], otherwise what pw_edi_next returns. */
static int find_segment(pw_edi *e, pw_edi_segment *seg, pw_edi_error *err, pw_edi_junk *junk,
                        pw_error *fail)
{
    int rc = skip_blanks(e, fail);
    if (rc <= 0)
        return rc < 0 ? rc : PW_EDI_END;
    long long avail = need(e, 9, fail);
    if (avail < 0)
        return (int)avail;
    if (at_una(e, (size_t)avail))
        return read_una(e, (size_t)avail, seg, err);
    if (e->between) {
        if (avail >= 3 && memcmp(e->buf + e->start, "UNB", 3) == 0) {
            set_delims(e, pw_edi_default_delims());
            e->between = false;
        } else {
            return skip_junk(e, junk, fail);
        }
    }
    return FIND_SCAN;
}

int pw_edi_next(pw_edi *e, pw_edi_segment *seg, pw_edi_error *err, pw_edi_junk *junk,
                pw_error *fail)
{
    /* the usual case: inside an interchange, the scan of the previous segment stopped at
     * the next tag, and a tag not starting with 'U' cannot be UNA: nothing to find */
    unsigned char first = e->start < e->end ? (unsigned char)e->buf[e->start] : 0;
    if (e->between || first <= ' ' || first == (unsigned char)e->d.segment || first == 'U') {
        int rc = find_segment(e, seg, err, junk, fail);
        if (rc != FIND_SCAN)
            return rc;
    }

    scan s;
    int rc;
    for (;;) {
        if (scan_segment(e, e->start, &s) == SCAN_DONE)
            break;
        rc = fill(e, fail);
        if (rc < 0)
            return rc;
        if (rc == FILL_FULL) {
            long long at = e->base + (long long)e->start;
            long line = e->line;
            e->ordinal++;
            char tag[4] = "";
            if (e->end - e->start >= 3)
                memcpy(tag, e->buf + e->start, 3);
            tag[3] = '\0';
            for (int i = 0; i < 3; i++)
                if ((unsigned char)tag[i] < 0x20 || (unsigned char)tag[i] >= 0x7F)
                    tag[i] = '.';
            if ((rc = skip_long_segment(e, fail)) < 0)
                return rc;
            seg_error(e, err, 0, 0, line, at, tag,
                      "a segment longer than %u bytes: expected the segment terminator '%c'",
                      PW_EDI_MAX_SEGMENT, e->d.segment);
            return PW_EDI_ERROR;
        }
        /* FILL_MORE or FILL_EOF: scan again (at the end of the input it completes) */
    }

    size_t p = e->start;
    long long at = e->base + (long long)p;
    long line = e->line;
    e->ordinal++;
    e->start = s.next;
    e->line += s.lines;
    uint32_t code = check_tag(e);
    char shown[16];
    if (!code) {
        sample(shown, sizeof shown, e->comp[0], strnlen(e->comp[0], 12));
        seg_error(e, err, p, s.stop, line, at, shown,
                  "expected a segment tag (three capital letters) followed by '%c', found '%s'",
                  e->d.element, shown);
        return PW_EDI_ERROR;
    }
    if (s.problem) {
        const char tag[4] = {e->comp[0][0], e->comp[0][1], e->comp[0][2], '\0'};
        long long pat = e->base + (long long)s.problem_at;
        switch (s.problem) {
        case P_NUL:
            seg_error(e, err, p, s.stop, line, pat, tag,
                      "a NUL byte inside segment %s: expected text", tag);
            break;
        case P_TOO_MANY:
            seg_error(e, err, p, s.stop, line, pat, tag,
                      "segment %s has more than %d data elements or %d components: "
                      "expected the segment terminator '%c' earlier",
                      tag, PW_EDI_MAX_ELEMENTS - 1, PW_EDI_MAX_COMPONENTS, e->d.segment);
            break;
        default:
            seg_error(e, err, p, s.stop, line, pat, tag,
                      "the input ends after the release character '%c': expected the "
                      "character it releases",
                      e->d.release);
            break;
        }
        return PW_EDI_ERROR;
    }
    if (s.high && latin1_to_utf8(e, s.out_len, s.n_comp))
        return pw_error_set(fail, PW_ENOMEM, NULL, 0, 0, "out of memory");
    if (code == PW_EDI_TAG('U', 'N', 'Z'))
        e->between = true;
    if (seg) {
        memcpy(seg->tag, e->comp[0], 3);
        seg->tag[3] = '\0';
        seg->code = code;
        seg->n_elements = s.n_elem;
        seg->elem = e->elem;
        seg->comp = (const char *const *)e->comp;
        seg->len = e->clen;
        seg->ordinal = e->ordinal;
        seg->offset = at;
        seg->line = line;
        seg->unterminated = !s.terminated;
        seg->raw = e->buf + p;
        seg->raw_len = s.stop - p;
    }
    return PW_EDI_SEGMENT;
}
