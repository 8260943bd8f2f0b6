/*
 * pw_strbuf, a growable NUL-terminated string for building output (JSON lines,
 * messages), and pw_hash_hex, the content hash behind record ids and alert keys.
 *
 * pw_strbuf grows by doubling. When growing fails it sets `oom` and from then on
 * ignores appends, so the content is a clean prefix of what was asked for and the
 * caller checks `oom` once at the end instead of after every append. JSON strings
 * are escaped per RFC 8259; bytes that are not well-formed UTF-8 become U+FFFD so
 * the output is always valid JSON, whatever the input bytes were.
 *
 * pw_hash_hex is MurmurHash3_x64_128 (Austin Appleby's public-domain algorithm,
 * seed 0), written here from its published description and run incrementally over
 * an unambiguous framing of the parts: each part is a tag byte, 0x00 for NULL or
 * 0x01 for a string followed by its length as 8 little-endian bytes and its bytes.
 * The framing makes ("ab","c"), ("a","bc"), (NULL) and ("") all distinct inputs.
 * Blocks are read little-endian explicitly, so keys are the same on every host:
 * they are stored in the database and must not change between builds.
 */
#include "core/core.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* ---- growable string --------------------------------------------------- */

/* Makes room for extra more bytes plus a NUL; false (and oom set) when it cannot. */
static bool strbuf_reserve(pw_strbuf *b, size_t extra)
{
    if (b->oom)
        return false;
    if (b->len > SIZE_MAX - 1 - extra) {
        b->oom = true;
        return false;
    }
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return true;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need) {
        if (cap > SIZE_MAX / 2) {
            cap = need;
            break;
        }
        cap *= 2;
    }
    char *d = realloc(b->data, cap);
    if (!d) {
        b->oom = true;
        return false;
    }
    b->data = d;
    b->cap = cap;
    return true;
}

void pw_strbuf_appendn_grow(pw_strbuf *b, const char *s, size_t n)
{
    if (!b || !strbuf_reserve(b, n))
        return;
    if (n)
        memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

/* A NULL s appends nothing (but, like "", leaves data non-NULL). */
void pw_strbuf_append(pw_strbuf *b, const char *s)
{
    pw_strbuf_appendn(b, s, s ? strlen(s) : 0);
}

/* Formats straight into the free space; when that is too small, grows to the
 * measured size and formats again. */
void pw_strbuf_printf(pw_strbuf *b, const char *fmt, ...)
{
    if (!b || !fmt || !strbuf_reserve(b, 0))
        return;
    va_list ap;
    va_start(ap, fmt);
    size_t room = b->cap - b->len;
    int n = vsnprintf(b->data + b->len, room, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->data[b->len] = '\0';
        b->oom = true; /* an encoding error: report it as a failed append */
        return;
    }
    if ((size_t)n >= room) {
        if (!strbuf_reserve(b, (size_t)n)) {
            b->data[b->len] = '\0';
            return;
        }
        va_start(ap, fmt);
        vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
        va_end(ap);
    }
    b->len += (size_t)n;
}

void pw_strbuf_append_int(pw_strbuf *b, long long v)
{
    char digits[24];
    size_t i = sizeof digits;
    unsigned long long u = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
    do {
        digits[--i] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        digits[--i] = '-';
    pw_strbuf_appendn(b, digits + i, sizeof digits - i);
}

void pw_strbuf_append_fixed2(pw_strbuf *b, double v)
{
    /* v * 100 is within 2^-37 of its exact value for v below 512: unless that lands
     * next to a half, rounding it gives the hundredths %.2f gives. Near a half (0.125,
     * 0.285 as stored), negative (-0 too), large or not a number: printf decides. */
    double scaled = v * 100.0;
    double below = floor(scaled), frac = scaled - below;
    if (signbit(v) || !(v < 512) || fabs(frac - 0.5) < 1e-6) {
        pw_strbuf_printf(b, "%.2f", v);
        return;
    }
    long long hundredths = (long long)below + (frac > 0.5);
    pw_strbuf_append_int(b, hundredths / 100);
    char cents[3] = {'.', (char)('0' + hundredths % 100 / 10), (char)('0' + hundredths % 10)};
    pw_strbuf_appendn(b, cents, 3);
}

/* ASCII is passed eight bytes a step (the readers check every field of every record). */
bool pw_utf8_valid(const char *s, size_t n)
{
    const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
    size_t i = 0;
    while (i < n) {
        uint64_t eight;
        if (i + 8 <= n) {
            memcpy(&eight, p + i, 8);
            if (!(eight & 0x8080808080808080ULL)) {
                i += 8;
                continue;
            }
        }
        if (p[i] < 0x80) {
            i++;
            continue;
        }
        utf8proc_int32_t cp;
        utf8proc_ssize_t len = utf8proc_iterate(p + i, (utf8proc_ssize_t)(n - i), &cp);
        if (len < 0)
            return false;
        i += (size_t)len;
    }
    return true;
}

/*
 * Length of the well-formed UTF-8 sequence at s (Unicode Table 3-7: no overlong
 * forms, no surrogates, nothing above U+10FFFF), or 0 when s does not start one.
 * s is NUL-terminated, so reading stops at the NUL, which is never a continuation.
 */
static size_t utf8_valid_len(const unsigned char *s)
{
    unsigned char c = s[0];
    if (c < 0x80)
        return 1;
    unsigned char lo = 0x80, hi = 0xBF;
    size_t len;
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        if (c == 0xE0)
            lo = 0xA0;
        else if (c == 0xED)
            hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        if (c == 0xF0)
            lo = 0x90;
        else if (c == 0xF4)
            hi = 0x8F;
    } else {
        return 0;
    }
    if (s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < len; i++)
        if (s[i] < 0x80 || s[i] > 0xBF)
            return 0;
    return len;
}

/* Bitmask of the bytes of v that a JSON string cannot hold as they are: a signed
 * compare below 0x20 catches control bytes and, as negative numbers, every byte from
 * 0x80; then '"' and '\\'. */
#ifdef __SSE2__
static inline unsigned special_bytes(__m128i v)
{
    const __m128i space = _mm_set1_epi8(0x20), quote = _mm_set1_epi8('"'),
                  backslash = _mm_set1_epi8('\\');
    __m128i special =
        _mm_or_si128(_mm_cmplt_epi8(v, space),
                     _mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)));
    return (unsigned)_mm_movemask_epi8(special);
}
#endif

/* memcpy for the short pieces JSON members and hashes are mostly made of: fixed-size
 * moves that overlap instead of a library call (never reading outside s[0..n)). */
static inline void copy_bytes(unsigned char *d, const char *s, size_t n)
{
    if (n > 16) {
        memcpy(d, s, n);
    } else if (n >= 8) {
        memcpy(d, s, 8);
        memcpy(d + n - 8, s + n - 8, 8);
    } else if (n >= 4) {
        memcpy(d, s, 4);
        memcpy(d + n - 4, s + n - 4, 4);
    } else if (n) {
        d[0] = (unsigned char)s[0];
        d[n / 2] = (unsigned char)s[n / 2];
        d[n - 1] = (unsigned char)s[n - 1];
    }
}

/* Whether a JSON string holds byte c as it is: printable ASCII other than '"' and '\\'. */
static inline bool json_plain_byte(unsigned char c)
{
    return (unsigned char)(c - 0x20) < 0x60 && c != '"' && c != '\\';
}

#ifdef __SSE2__
/* The first special byte of the 2 * w bytes of v (0 < w <= 8) that are s[0..w) followed
 * by s[n - w..n): its offset in s, or n when there is none. */
static inline size_t first_special_of_halves(__m128i v, size_t w, size_t n)
{
    unsigned mask = special_bytes(v), half = (1u << w) - 1;
    if (mask & half)
        return (size_t)__builtin_ctz(mask & half);
    mask = (mask >> w) & half;
    return mask ? n - w + (size_t)__builtin_ctz(mask) : n;
}

/* copy_plain_run for w <= n < 2 * w (w 4 or 8): s's first and last w bytes, copied to d
 * and looked at in one vector. */
static inline size_t copy_ends(char *d, const unsigned char *s, size_t n, size_t w)
{
    uint64_t first = 0, last = 0; /* (SSE2 hosts are little-endian: bytes in order) */
    memcpy(&first, s, w);
    memcpy(&last, s + n - w, w);
    memcpy(d, &first, w);
    memcpy(d + n - w, &last, w);
    __m128i v = w == 8 ? _mm_set_epi64x((long long)last, (long long)first)
                       : _mm_set_epi64x(0, (long long)(first | last << 32));
    return first_special_of_halves(v, w, n);
}
#endif

/* Copies the leading bytes of s[0..n) that a JSON string holds as they are to d and
 * returns how many there were. d has room for n bytes, and bytes are stored there
 * before they are looked at. Where SSE2 is there: sixteen bytes a step, the last step
 * overlapping the one before; and a string of 4 to 15 bytes (names and codes, most of
 * what is written) as its first and last 8 (or 4) bytes in one vector. */
static size_t copy_plain_run(char *d, const unsigned char *s, size_t n)
{
#ifdef __SSE2__
    if (n >= 16) {
        for (size_t i = 0; i + 16 <= n; i += 16) {
            __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
            _mm_storeu_si128((__m128i *)(void *)(d + i), v);
            unsigned mask = special_bytes(v);
            if (mask)
                return i + (size_t)__builtin_ctz(mask);
        }
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + n - 16));
        _mm_storeu_si128((__m128i *)(void *)(d + n - 16), v);
        unsigned mask = special_bytes(v);
        return mask ? n - 16 + (size_t)__builtin_ctz(mask) : n;
    }
    if (n >= 8)
        return copy_ends(d, s, n, 8);
    if (n >= 4)
        return copy_ends(d, s, n, 4);
#endif
    size_t i = 0;
    for (; i < n && json_plain_byte(s[i]); i++)
        d[i] = (char)s[i];
    return i;
}

/* The most bytes one input byte becomes in a JSON string (a control byte as \u00XX). */
#define JSON_ESCAPE_MAX 6
/* Input bytes escaped per reservation, so that a long string does not reserve six
 * times its length at once. */
#define JSON_ESCAPE_CHUNK 4096

/*
 * Writes the bytes of p from the start up to at least stop as the inside of a JSON
 * string into d: '"' and '\\' escaped, control characters as \b \f \n \r \t or \u00XX,
 * well-formed UTF-8 (including U+007F, U+2028, U+2029) passed through, and each byte
 * of an ill-formed sequence replaced by U+FFFD. p is NUL-terminated and stop is at most
 * its end; a UTF-8 sequence that begins before stop is finished, so up to 3 bytes past
 * it are consumed. d has room for JSON_ESCAPE_MAX bytes per byte consumed. Returns the
 * end of the output and sets *p_end to the first byte not consumed.
 */
static char *write_json_escaped(char *d, const unsigned char *p, const unsigned char *stop,
                                const unsigned char **p_end)
{
    static const char hex[] = "0123456789abcdef";
    while (p < stop) {
        size_t plain = copy_plain_run(d, p, (size_t)(stop - p));
        d += plain;
        p += plain;
        if (p == stop)
            break;
        unsigned char c = *p;
        if (c >= 0x80) {
            size_t n = utf8_valid_len(p);
            if (n) {
                copy_bytes((unsigned char *)d, (const char *)p, n);
                d += n;
                p += n;
            } else { /* an ill-formed UTF-8 byte: U+FFFD REPLACEMENT CHARACTER */
                memcpy(d, "\xEF\xBF\xBD", 3);
                d += 3;
                p++;
            }
            continue;
        }
        *d++ = '\\';
        switch (c) {
        case '"':
        case '\\':
            *d++ = (char)c;
            break;
        case '\b':
            *d++ = 'b';
            break;
        case '\f':
            *d++ = 'f';
            break;
        case '\n':
            *d++ = 'n';
            break;
        case '\r':
            *d++ = 'r';
            break;
        case '\t':
            *d++ = 't';
            break;
        default: /* the other control characters */
            memcpy(d, "u00", 3);
            d[3] = hex[c >> 4];
            d[4] = hex[c & 0xF];
            d += 5;
        }
        p++;
    }
    *p_end = p;
    return d;
}

/* Appends the escaped inside of the JSON string s[0..len) (NUL-terminated): one
 * reservation per JSON_ESCAPE_CHUNK bytes of input, then straight writes. */
static void append_json_escaped(pw_strbuf *b, const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + len;
    while (p < end) {
        size_t chunk =
            (size_t)(end - p) < JSON_ESCAPE_CHUNK ? (size_t)(end - p) : JSON_ESCAPE_CHUNK;
        /* a sequence begun in the chunk may run 3 bytes past it */
        if (!strbuf_reserve(b, (chunk + 3) * JSON_ESCAPE_MAX))
            return;
        char *d = b->data + b->len;
        d = write_json_escaped(d, p, p + chunk, &p);
        b->len = (size_t)(d - b->data);
    }
    b->data[b->len] = '\0';
}

/* Appends s as a JSON string, escaped as write_json_escaped says. */
void pw_strbuf_append_json(pw_strbuf *b, const char *s)
{
    if (!b)
        return;
    if (!s) {
        pw_strbuf_appendn(b, "null", 4);
        return;
    }
    pw_strbuf_appendn(b, "\"", 1);
    append_json_escaped(b, s, strlen(s));
    pw_strbuf_appendn(b, "\"", 1);
}

/* One reservation and one pass for the usual member, a short value: the record JSON
 * the screening workers write for every stored record is mostly these. */
void pw_strbuf_append_json_member(pw_strbuf *b, bool comma, const char *key, size_t key_len,
                                  const char *value)
{
    if (!b || !value)
        return;
    size_t len = strlen(value);
    if (len > JSON_ESCAPE_CHUNK) {
        if (comma)
            pw_strbuf_appendn(b, ",", 1);
        pw_strbuf_appendn(b, "\"", 1);
        pw_strbuf_appendn(b, key, key_len);
        pw_strbuf_appendn(b, "\":", 2);
        pw_strbuf_append_json(b, value);
        return;
    }
    if (!strbuf_reserve(b, key_len + (len + 3) * JSON_ESCAPE_MAX + 6))
        return;
    char *d = b->data + b->len;
    if (comma)
        *d++ = ',';
    *d++ = '"';
    copy_bytes((unsigned char *)d, key, key_len);
    d += key_len;
    memcpy(d, "\":\"", 3);
    d += 3;
    const unsigned char *p = (const unsigned char *)value;
    size_t plain = copy_plain_run(d, p, len); /* the whole value, mostly */
    d += plain;
    if (plain < len)
        d = write_json_escaped(d, p + plain, p + len, &p);
    *d++ = '"';
    *d = '\0';
    b->len = (size_t)(d - b->data);
}

/* Length 0 and a fresh start after a failed append; the memory is kept. */
void pw_strbuf_reset(pw_strbuf *b)
{
    if (!b)
        return;
    b->len = 0;
    b->oom = false;
    if (b->data)
        b->data[0] = '\0';
}

void pw_strbuf_free(pw_strbuf *b)
{
    if (!b)
        return;
    free(b->data);
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->oom = false;
}

/* ---- hashing ----------------------------------------------------------- */

#define MM3_C1 0x87c37b91114253d5ULL
#define MM3_C2 0x4cf5ad432745937fULL

/* Incremental MurmurHash3_x64_128: 16-byte blocks are mixed as they fill up. */
typedef struct mm3_state {
    uint64_t h1, h2;
    uint64_t total;         /* bytes fed so far */
    unsigned char tail[16]; /* bytes of the block being filled */
    size_t n_tail;
} mm3_state;

static inline uint64_t rotl64(uint64_t x, int r)
{
    return (x << r) | (x >> (64 - r));
}

static inline uint64_t load_le64(const unsigned char *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap64(v);
#endif
    return v;
}

/* The finalisation mix: forces all bits of a block to avalanche. */
static inline uint64_t fmix64(uint64_t k)
{
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdULL;
    k ^= k >> 33;
    k *= 0xc4ceb9fe1a85ec53ULL;
    k ^= k >> 33;
    return k;
}

static void mm3_block(mm3_state *st, const unsigned char *blk)
{
    uint64_t k1 = load_le64(blk), k2 = load_le64(blk + 8);

    k1 *= MM3_C1;
    k1 = rotl64(k1, 31);
    k1 *= MM3_C2;
    st->h1 ^= k1;
    st->h1 = rotl64(st->h1, 27);
    st->h1 += st->h2;
    st->h1 = st->h1 * 5 + 0x52dce729;

    k2 *= MM3_C2;
    k2 = rotl64(k2, 33);
    k2 *= MM3_C1;
    st->h2 ^= k2;
    st->h2 = rotl64(st->h2, 31);
    st->h2 += st->h1;
    st->h2 = st->h2 * 5 + 0x38495ab5;
}

static void mm3_update(mm3_state *st, const void *data, size_t n)
{
    const unsigned char *p = data;
    st->total += n;
    if (st->n_tail) {
        size_t take = 16 - st->n_tail < n ? 16 - st->n_tail : n;
        memcpy(st->tail + st->n_tail, p, take);
        st->n_tail += take;
        p += take;
        n -= take;
        if (st->n_tail < 16)
            return;
        mm3_block(st, st->tail);
        st->n_tail = 0;
    }
    for (; n >= 16; p += 16, n -= 16)
        mm3_block(st, p);
    if (n)
        memcpy(st->tail, p, n);
    st->n_tail = n;
}

/* Mixes the last 0..15 bytes and the total length, as the reference does. */
static void mm3_final(mm3_state *st, uint64_t out[2])
{
    const unsigned char *t = st->tail;
    uint64_t k1 = 0, k2 = 0;
    switch (st->n_tail) {
    case 15:
        k2 ^= (uint64_t)t[14] << 48; /* fall through */
    case 14:
        k2 ^= (uint64_t)t[13] << 40; /* fall through */
    case 13:
        k2 ^= (uint64_t)t[12] << 32; /* fall through */
    case 12:
        k2 ^= (uint64_t)t[11] << 24; /* fall through */
    case 11:
        k2 ^= (uint64_t)t[10] << 16; /* fall through */
    case 10:
        k2 ^= (uint64_t)t[9] << 8; /* fall through */
    case 9:
        k2 ^= (uint64_t)t[8];
        k2 *= MM3_C2;
        k2 = rotl64(k2, 33);
        k2 *= MM3_C1;
        st->h2 ^= k2;
        /* fall through */
    case 8:
        k1 ^= (uint64_t)t[7] << 56; /* fall through */
    case 7:
        k1 ^= (uint64_t)t[6] << 48; /* fall through */
    case 6:
        k1 ^= (uint64_t)t[5] << 40; /* fall through */
    case 5:
        k1 ^= (uint64_t)t[4] << 32; /* fall through */
    case 4:
        k1 ^= (uint64_t)t[3] << 24; /* fall through */
    case 3:
        k1 ^= (uint64_t)t[2] << 16; /* fall through */
    case 2:
        k1 ^= (uint64_t)t[1] << 8; /* fall through */
    case 1:
        k1 ^= (uint64_t)t[0];
        k1 *= MM3_C1;
        k1 = rotl64(k1, 31);
        k1 *= MM3_C2;
        st->h1 ^= k1;
    }

    uint64_t h1 = st->h1 ^ st->total, h2 = st->h2 ^ st->total;
    h1 += h2;
    h2 += h1;
    h1 = fmix64(h1);
    h2 = fmix64(h2);
    h1 += h2;
    h2 += h1;
    out[0] = h1;
    out[1] = h2;
}

/* h[0] then h[1] as 32 lowercase hex digits and a NUL, most significant first. */
static void hex32(const uint64_t h[2], char out[33])
{
#if defined(__SSE2__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    /* all 32 nibbles at once: the bytes most significant first, split into high and
     * low nibbles, interleaved, and each turned into '0'..'9' or 'a'..'f' */
    __m128i v =
        _mm_set_epi64x((long long)__builtin_bswap64(h[1]), (long long)__builtin_bswap64(h[0]));
    __m128i mask = _mm_set1_epi8(0x0F);
    __m128i lo = _mm_and_si128(v, mask), hi = _mm_and_si128(_mm_srli_epi16(v, 4), mask);
    __m128i digits[2] = {_mm_unpacklo_epi8(hi, lo), _mm_unpackhi_epi8(hi, lo)};
    for (int k = 0; k < 2; k++) {
        __m128i letter = _mm_and_si128(_mm_cmpgt_epi8(digits[k], _mm_set1_epi8(9)),
                                       _mm_set1_epi8('a' - '0' - 10));
        __m128i text = _mm_add_epi8(_mm_add_epi8(digits[k], _mm_set1_epi8('0')), letter);
        _mm_storeu_si128((__m128i *)(void *)(out + 16 * k), text);
    }
#else
    static const char hex[] = "0123456789abcdef";
    for (int w = 0; w < 2; w++)
        for (int k = 0; k < 16; k++)
            out[w * 16 + k] = hex[(h[w] >> (60 - 4 * k)) & 0xF];
#endif
    out[32] = '\0';
}

/* Hashes the framed parts (see the note at the top of the file): h[0], h[1] as the
 * reference implementation returns them. */
void pw_hash128(const char *const *parts, size_t n_parts, uint64_t h[2])
{
    mm3_state st = {0};
    /* The framed bytes are gathered in a local buffer and fed in large pieces: the
     * hash of the concatenation is the same, the per-call overhead is not. */
    unsigned char buf[1024];
    size_t used = 0;
    for (size_t i = 0; parts && i < n_parts; i++) {
        uint64_t len = parts[i] ? strlen(parts[i]) : 0;
        if (used + 9 > sizeof buf) {
            mm3_update(&st, buf, used);
            used = 0;
        }
        if (!parts[i]) {
            buf[used++] = 0x00;
            continue;
        }
        buf[used++] = 0x01;
        uint64_t le = len;
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
        le = __builtin_bswap64(le);
#endif
        memcpy(buf + used, &le, 8);
        used += 8;
        if (used + len <= sizeof buf) {
            copy_bytes(buf + used, parts[i], (size_t)len);
            used += (size_t)len;
        } else {
            mm3_update(&st, buf, used);
            used = 0;
            mm3_update(&st, parts[i], (size_t)len);
        }
    }
    if (used)
        mm3_update(&st, buf, used);
    mm3_final(&st, h);
}

/* h1 then h2 of pw_hash128 as 16 lowercase hex digits each, most significant first: the
 * same text the reference implementation's 128-bit value gives when printed as h1, h2. */
void pw_hash_hex(const char *const *parts, size_t n_parts, char out[33])
{
    uint64_t h[2];
    pw_hash128(parts, n_parts, h);
    hex32(h, out);
}
