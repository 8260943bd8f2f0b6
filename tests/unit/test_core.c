/*
 * Unit tests for engine/core: errors, arena, strbuf, the content hash, dates and
 * century rules, enum names, record/alert ids and the CONTRACT JSON they produce.
 * JSON output is parsed back with jansson, an independent parser, so a test fails
 * on output a consumer could not read, not only on output that differs from ours.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/core.h"

/* ---- helpers ----------------------------------------------------------- */

/* pw_error_print into a string (caller frees). */
static char *print_error(const pw_error *err)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    cr_assert_not_null(f);
    pw_error_print(err, f);
    fclose(f);
    return text;
}

/* Parses JSON text or fails the test with jansson's message. */
static json_t *parse_json(const char *text)
{
    json_error_t jerr;
    json_t *j = json_loads(text, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
    cr_assert_not_null(j, "jansson rejected %s: %s (col %d)", text, jerr.text, jerr.column);
    return j;
}

static const char *jstr(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    cr_assert(json_is_string(v), "field %s is not a string", key);
    return json_string_value(v);
}

static bool is_lower_hex(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return s[n] == '\0';
}

/* ---- errors ------------------------------------------------------------ */

Test(errors, strerror_names_every_code)
{
    int codes[] = {PW_OK,  PW_ENOMEM,    PW_EINVAL,  PW_EIO,   PW_EPARSE,
                   PW_EDB, PW_ENOTFOUND, PW_ECONFIG, PW_ERULE, PW_EINTERNAL};
    size_t n = sizeof codes / sizeof codes[0];
    for (size_t i = 0; i < n; i++) {
        const char *s = pw_strerror(codes[i]);
        cr_assert_not_null(s);
        cr_assert_str_neq(s, pw_strerror(-1000), "code %d has no name", codes[i]);
        for (size_t j = 0; j < i; j++)
            cr_assert_str_neq(s, pw_strerror(codes[j]), "codes %d and %d share a name", codes[i],
                              codes[j]);
    }
    cr_assert_str_eq(pw_strerror(PW_ENOMEM), "out of memory");
    cr_assert_not_null(pw_strerror(12345));
}

Test(errors, set_fills_and_returns_code)
{
    pw_error err = {0};
    int rc = pw_error_set(&err, PW_EIO, "rules/a.yaml", 3, 7, "cannot open: %s (%d)", "gone", 2);
    cr_assert_eq(rc, PW_EIO);
    cr_assert_eq(err.code, PW_EIO);
    cr_assert_str_eq(err.file, "rules/a.yaml");
    cr_assert_eq(err.line, 3);
    cr_assert_eq(err.col, 7);
    cr_assert_str_eq(err.msg, "cannot open: gone (2)");

    /* NULL err: just the code. NULL file: empty file. */
    cr_assert_eq(pw_error_set(NULL, PW_EDB, "x", 1, 1, "m"), PW_EDB);
    pw_error_set(&err, PW_EPARSE, NULL, 0, 0, "bad");
    cr_assert_str_eq(err.file, "");
    cr_assert_eq(err.line, 0);
    cr_assert_eq(err.col, 0);
}

Test(errors, set_truncates_long_file_and_message)
{
    pw_error err;
    char big[3000];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    pw_error_set(&err, PW_EINVAL, big, 1, 2, "%s%s", big, big);
    cr_assert_eq(strlen(err.file), sizeof err.file - 1);
    cr_assert_eq(strlen(err.msg), sizeof err.msg - 1);
}

Test(errors, set_may_reuse_its_own_fields)
{
    pw_error err;
    pw_error_set(&err, PW_EPARSE, "a.csv", 4, 0, "unterminated quote");
    pw_error_set(&err, PW_EIO, err.file, err.line, 0, "import failed: %s", err.msg);
    cr_assert_str_eq(err.file, "a.csv");
    cr_assert_str_eq(err.msg, "import failed: unterminated quote");
}

Test(errors, print_omits_absent_parts)
{
    pw_error err;
    char *s;

    pw_error_set(&err, PW_ERULE, "rules/x.yaml", 12, 5, "unknown key 'scroe'");
    s = print_error(&err);
    cr_assert_str_eq(s, "rules/x.yaml:12:5: unknown key 'scroe'\n");
    free(s);

    pw_error_set(&err, PW_ERULE, "rules/x.yaml", 12, 0, "duplicate rule id");
    s = print_error(&err);
    cr_assert_str_eq(s, "rules/x.yaml:12: duplicate rule id\n");
    free(s);

    pw_error_set(&err, PW_EIO, "in.jsonl", 0, 9, "cannot open");
    s = print_error(&err);
    cr_assert_str_eq(s, "in.jsonl: cannot open\n");
    free(s);

    pw_error_set(&err, PW_EINVAL, NULL, 3, 4, "bad --threads");
    s = print_error(&err);
    cr_assert_str_eq(s, "bad --threads\n");
    free(s);
}

/* ---- arena ------------------------------------------------------------- */

Test(arena, alignment_and_zeroing)
{
    pw_arena *a = pw_arena_new(512);
    cr_assert_not_null(a);
    for (size_t size = 0; size < 600; size += 7) {
        unsigned char *p = pw_arena_alloc(a, size);
        cr_assert_not_null(p);
        cr_assert_eq((uintptr_t)p % 8, 0, "size %zu not 8-aligned", size);
        for (size_t i = 0; i < size; i++)
            cr_assert_eq(p[i], 0);
        memset(p, 0xAB, size);
    }
    /* Memory reused after reset is zeroed again. */
    pw_arena_reset(a);
    for (int i = 0; i < 100; i++) {
        unsigned char *p = pw_arena_alloc(a, 24);
        for (int k = 0; k < 24; k++)
            cr_assert_eq(p[k], 0);
        memset(p, 0xCD, 24);
    }
    pw_arena_free(a);
}

Test(arena, allocations_survive_new_blocks)
{
    pw_arena *a = pw_arena_new(256);
    char *ptrs[500];
    for (int i = 0; i < 500; i++) {
        ptrs[i] = pw_arena_printf(a, "item-%d", i);
        cr_assert_not_null(ptrs[i]);
    }
    /* A big allocation gets its own block and leaves the others alone. */
    char *big = pw_arena_alloc(a, 100000);
    cr_assert_not_null(big);
    memset(big, 'z', 100000);
    for (int i = 0; i < 500; i++) {
        char want[32];
        snprintf(want, sizeof want, "item-%d", i);
        cr_assert_str_eq(ptrs[i], want);
    }
    pw_arena_free(a);
}

Test(arena, reset_reuses_first_block)
{
    pw_arena *a = pw_arena_new(0);
    void *first = pw_arena_alloc(a, 16);
    for (int i = 0; i < 10000; i++)
        cr_assert_not_null(pw_arena_alloc(a, 40));
    cr_assert_not_null(pw_arena_alloc(a, 1 << 20));
    pw_arena_reset(a);
    cr_assert_eq(pw_arena_alloc(a, 16), first);
    pw_arena_free(a);
}

Test(arena, zero_size_and_overflow)
{
    pw_arena *a = pw_arena_new(0);
    void *p = pw_arena_alloc(a, 0), *q = pw_arena_alloc(a, 0);
    cr_assert_not_null(p);
    cr_assert_neq(p, q);
    cr_assert_null(pw_arena_alloc(a, SIZE_MAX));
    cr_assert_null(pw_arena_alloc(a, SIZE_MAX - 4));
    cr_assert_null(pw_arena_alloc(NULL, 8));
    pw_arena_free(a);
    pw_arena_free(NULL);
    pw_arena_reset(NULL);
}

Test(arena, uninit_allocations)
{
    /* without the zeroing, but aligned, disjoint and kept like the others */
    pw_arena *a = pw_arena_new(256);
    unsigned char *prev = NULL;
    size_t prev_size = 0;
    for (size_t size = 0; size < 300; size += 13) {
        unsigned char *p = pw_arena_alloc_uninit(a, size);
        cr_assert_not_null(p);
        cr_assert_eq((uintptr_t)p % 8, 0, "size %zu not 8-aligned", size);
        memset(p, (int)(size & 0xFF), size);
        if (prev)
            for (size_t i = 0; i < prev_size; i++)
                cr_assert_eq(prev[i], (unsigned char)((prev_size)&0xFF), "overwritten");
        prev = p;
        prev_size = size;
    }
    cr_assert_neq(pw_arena_alloc_uninit(a, 0), pw_arena_alloc_uninit(a, 0));
    cr_assert_null(pw_arena_alloc_uninit(a, SIZE_MAX));
    cr_assert_null(pw_arena_alloc_uninit(NULL, 8));
    /* pw_arena_alloc still zeroes memory an uninit allocation wrote before a reset */
    pw_arena_reset(a);
    memset(pw_arena_alloc_uninit(a, 64), 0xEE, 64);
    pw_arena_reset(a);
    unsigned char *z = pw_arena_alloc(a, 64);
    for (int i = 0; i < 64; i++)
        cr_assert_eq(z[i], 0);
    pw_arena_free(a);
}

Test(arena, string_helpers)
{
    pw_arena *a = pw_arena_new(0);
    cr_assert_str_eq(pw_arena_strdup(a, "BARRETT"), "BARRETT");
    cr_assert_str_eq(pw_arena_strdup(a, ""), "");
    cr_assert_null(pw_arena_strdup(a, NULL));
    cr_assert_str_eq(pw_arena_strndup(a, "BARRETT, TODD", 7), "BARRETT");
    cr_assert_str_eq(pw_arena_strndup(a, "AB", 10), "AB");
    cr_assert_null(pw_arena_strndup(a, NULL, 3));
    /* A buffer that is not NUL-terminated: exactly n bytes are read. */
    char raw[4] = {'Q', 'Q', '8', '7'};
    cr_assert_str_eq(pw_arena_strndup(a, raw, 4), "QQ87");
    cr_assert_str_eq(pw_arena_printf(a, "%s:%d", "sdn.csv", 123), "sdn.csv:123");
    char long_text[5000];
    memset(long_text, 'x', sizeof long_text - 1);
    long_text[sizeof long_text - 1] = '\0';
    cr_assert_str_eq(pw_arena_printf(a, "%s", long_text), long_text);
    pw_arena_free(a);
}

/* ---- strbuf ------------------------------------------------------------ */

Test(strbuf, append_and_printf_grow)
{
    pw_strbuf b = {0};
    pw_strbuf_append(&b, "");
    cr_assert_not_null(b.data);
    cr_assert_str_eq(b.data, "");
    pw_strbuf_append(&b, "ab");
    pw_strbuf_appendn(&b, "cdef", 2);
    pw_strbuf_append(&b, NULL);
    cr_assert_str_eq(b.data, "abcd");
    cr_assert_eq(b.len, 4);
    for (int i = 0; i < 2000; i++)
        pw_strbuf_printf(&b, "%d,", i % 10);
    cr_assert_eq(b.len, 4 + 4000);
    cr_assert_eq(strlen(b.data), b.len);
    cr_assert_eq(strncmp(b.data + 4, "0,1,2,", 6), 0);
    cr_assert_not(b.oom);

    /* One printf much bigger than the free space. */
    char big[10000];
    memset(big, 'y', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    pw_strbuf_reset(&b);
    pw_strbuf_printf(&b, "<%s>", big);
    cr_assert_eq(b.len, sizeof big + 1);
    cr_assert_eq(b.data[0], '<');
    cr_assert_eq(b.data[b.len - 1], '>');
    cr_assert_eq(b.data[b.len], '\0');
    pw_strbuf_free(&b);
    cr_assert_null(b.data);
    pw_strbuf_free(&b); /* twice is harmless */
}

/* pw_strbuf_append_int writes what snprintf's "%lld" writes (the C library is the
 * reference), limits included. */
Test(strbuf, append_int_matches_printf)
{
    const long long values[] = {
        0, 7, -7, 10, -10, 123456789, 2147483647LL, -2147483648LL, LLONG_MAX, LLONG_MIN};
    for (size_t i = 0; i < sizeof values / sizeof *values; i++) {
        pw_strbuf b = {0};
        char want[32];
        snprintf(want, sizeof want, "%lld", values[i]);
        pw_strbuf_append(&b, "n=");
        pw_strbuf_append_int(&b, values[i]);
        cr_assert_str_eq(b.data + 2, want);
        cr_assert_eq(b.len, 2 + strlen(want));
        pw_strbuf_free(&b);
    }
}

/* pw_strbuf_append_fixed2 against glibc's "%.2f" (the oracle): every thousandth and
 * its neighbours one ulp away in [0, 2] (the ties, such as 0.125 and 0.375, and values
 * stored just below or above a half), 200,000 seeded random values in [0, 1.2] and
 * [0, 600], negative, huge and not-a-number values (which it leaves to printf). */
static void check_fixed2(double v)
{
    pw_strbuf b = {0};
    char want[64];
    snprintf(want, sizeof want, "%.2f", v);
    pw_strbuf_append_fixed2(&b, v);
    cr_assert_str_eq(b.data, want, "%.17g", v);
    pw_strbuf_free(&b);
}

Test(strbuf, append_fixed2_matches_printf)
{
    for (int k = 0; k <= 2000; k++) {
        double v = k / 1000.0;
        check_fixed2(v);
        check_fixed2(nextafter(v, 0));
        check_fixed2(nextafter(v, 3));
    }
    uint64_t x = 0x9E3779B97F4A7C15ull;
    for (int i = 0; i < 200000; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        double u = (double)(x >> 11) / 9007199254740992.0;
        check_fixed2(u * 1.2);
        check_fixed2(u * 600);
    }
    const double special[] = {-0.0, -0.001, -0.5, -1.25, 511.995, 512, 1e20, INFINITY, NAN};
    for (size_t i = 0; i < sizeof special / sizeof *special; i++)
        check_fixed2(special[i]);
}

Test(strbuf, reset_keeps_memory)
{
    pw_strbuf b = {0};
    pw_strbuf_append(&b, "some text that is long enough");
    char *data = b.data;
    size_t cap = b.cap;
    pw_strbuf_reset(&b);
    cr_assert_eq(b.len, 0);
    cr_assert_eq(b.data, data);
    cr_assert_eq(b.cap, cap);
    cr_assert_str_eq(b.data, "");
    pw_strbuf_free(&b);
}

/* Parameters are copied into the test's worker process, where pointers into this
 * binary are not valid (Criterion re-executes it): keep the text in arrays. */
struct json_case {
    char in[16];
    char out[64];
};

ParameterizedTestParameters(strbuf, json_escape)
{
    static struct json_case cases[] = {
        {"plain", "\"plain\""},
        {"", "\"\""},
        {"O\"BRIEN", "\"O\\\"BRIEN\""},
        {"a\\b", "\"a\\\\b\""},
        {"a/b", "\"a/b\""},
        {"\n\r\t\b\f", "\"\\n\\r\\t\\b\\f\""},
        {"\x01\x1f", "\"\\u0001\\u001f\""},
        {"del\x7f", "\"del\x7f\""},
        {"Zo\xc3\xab", "\"Zo\xc3\xab\""},                             /* ë */
        {"\xe6\x97\xa5\xe6\x9c\xac", "\"\xe6\x97\xa5\xe6\x9c\xac\""}, /* 日本 */
        {"\xd8\xa7\xd9\x84", "\"\xd8\xa7\xd9\x84\""},                 /* Arabic */
        {"\xf0\x9f\x98\x80", "\"\xf0\x9f\x98\x80\""},                 /* U+1F600 */
        {"\xe2\x80\xa8", "\"\xe2\x80\xa8\""},                         /* U+2028 */
        {"\xff", "\"\xef\xbf\xbd\""},                                 /* not UTF-8 */
        {"a\xc0\xafz", "\"a\xef\xbf\xbd\xef\xbf\xbdz\""},             /* overlong '/' */
        {"\xed\xa0\x80", "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\""}, /* surrogate */
        {"\xf4\x90\x80\x80", "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\""},
        {"x\xe6\x97", "\"x\xef\xbf\xbd\xef\xbf\xbd\""}, /* truncated */
        {"\xc3\"", "\"\xef\xbf\xbd\\\"\""},
    };
    return cr_make_param_array(struct json_case, cases, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct json_case *c, strbuf, json_escape)
{
    pw_strbuf b = {0};
    pw_strbuf_append_json(&b, c->in);
    cr_assert_str_eq(b.data, c->out);
    /* a member's value is written the same way, after its key */
    pw_strbuf_reset(&b);
    pw_strbuf_append_json_member(&b, false, "k", 1, c->in);
    cr_assert(strncmp(b.data, "\"k\":", 4) == 0 && strcmp(b.data + 4, c->out) == 0, "%s", b.data);
    pw_strbuf_free(&b);
}

Test(strbuf, json_null_and_jansson_roundtrip)
{
    pw_strbuf b = {0};
    pw_strbuf_append_json(&b, NULL);
    cr_assert_str_eq(b.data, "null");

    /* Every byte 1..127 plus multi-byte text survives a trip through jansson. */
    char all[160];
    size_t n = 0;
    for (int c = 1; c < 128; c++)
        all[n++] = (char)c;
    memcpy(all + n, "\xc3\xab\xe6\x97\xa5\xf0\x9f\x98\x80", 9);
    n += 9;
    all[n] = '\0';
    pw_strbuf_reset(&b);
    pw_strbuf_append(&b, "[");
    pw_strbuf_append_json(&b, all);
    pw_strbuf_append(&b, "]");
    json_t *j = parse_json(b.data);
    cr_assert_str_eq(json_string_value(json_array_get(j, 0)), all);
    json_decref(j);

    /* Invalid UTF-8 still gives JSON that parses. */
    pw_strbuf_reset(&b);
    pw_strbuf_append_json(&b, "\xfe\xff\x80 ok \xc3");
    j = parse_json(b.data);
    cr_assert_str_eq(json_string_value(j), "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd ok \xef\xbf\xbd");
    json_decref(j);
    pw_strbuf_free(&b);
}

/* Runs that need no escaping are found 16, 8 or 4 bytes at a time: a byte that does,
 * at any place in or across those blocks of a string of any length, is still escaped
 * (checked through jansson). */
Test(strbuf, json_escape_at_every_position_of_a_long_string)
{
    static const char *specials[] = {"\x01", "\"",       "\\",           "\x1f",
                                     "\x7f", "\xc3\xa9", "\xe2\x80\xa8", "\xf0\x9f\x98\x80"};
    pw_strbuf b = {0};
    for (size_t k = 0; k < sizeof specials / sizeof *specials; k++)
        for (size_t len = 1; len <= 41; len++)
            for (size_t at = 0; at < len; at++) {
                char text[64];
                memset(text, 'a', len);
                size_t n = strlen(specials[k]);
                memcpy(text + at, specials[k], n);
                text[at + n > len ? at + n : len] = '\0';
                pw_strbuf_reset(&b);
                pw_strbuf_append(&b, "[");
                pw_strbuf_append_json(&b, text);
                pw_strbuf_append(&b, "]");
                json_t *j = parse_json(b.data);
                cr_assert_str_eq(json_string_value(json_array_get(j, 0)), text,
                                 "special %zu at %zu of %zu: %s", k, at, len, b.data);
                json_decref(j);
            }
    /* an ill-formed byte after a long clean run becomes U+FFFD */
    pw_strbuf_reset(&b);
    pw_strbuf_append_json(&b, "abcdefghijklmnopqrstuvwxyz\xff");
    cr_assert_str_eq(b.data, "\"abcdefghijklmnopqrstuvwxyz\xef\xbf\xbd\"");
    pw_strbuf_free(&b);
}

/* Long strings are escaped a few thousand bytes per reservation: a UTF-8 sequence, an
 * escape or an ill-formed byte at the seam between two of them comes out as anywhere
 * else (checked through jansson), and a member writes a long value as
 * pw_strbuf_append_json does. */
Test(strbuf, json_escape_across_reservations)
{
    static const struct {
        const char *in, *out;
    } specials[] = {{"\x01", "\x01"},
                    {"\"", "\""},
                    {"\xc3\xa9", "\xc3\xa9"},
                    {"\xe2\x80\xa8", "\xe2\x80\xa8"},
                    {"\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80"},
                    {"\xff", "\xef\xbf\xbd"}};
    size_t len = 3 * 4096 + 10;
    char *text = malloc(len + 1), *want = malloc(3 * len + 1);
    cr_assert(text && want);
    pw_strbuf b = {0}, m = {0};
    for (size_t k = 0; k < sizeof specials / sizeof *specials; k++)
        for (size_t at = 4090; at <= 4097; at++) {
            size_t in_len = strlen(specials[k].in), out_len = strlen(specials[k].out);
            memset(text, 'a', len);
            text[len] = '\0';
            memcpy(text + at, specials[k].in, in_len);
            memcpy(text + 2 * at, specials[k].in, in_len);
            size_t w = 0;
            memset(want, 'a', at);
            w = at;
            memcpy(want + w, specials[k].out, out_len);
            w += out_len;
            memset(want + w, 'a', at - in_len);
            w += at - in_len;
            memcpy(want + w, specials[k].out, out_len);
            w += out_len;
            memset(want + w, 'a', len - 2 * at - in_len);
            w += len - 2 * at - in_len;
            want[w] = '\0';
            pw_strbuf_reset(&b);
            pw_strbuf_append_json(&b, text);
            json_t *j = parse_json(b.data);
            cr_assert_str_eq(json_string_value(j), want, "special %zu at %zu", k, at);
            json_decref(j);
            pw_strbuf_reset(&m);
            pw_strbuf_append_json_member(&m, true, "k", 1, text);
            cr_assert(memcmp(m.data, ",\"k\":", 5) == 0 && strcmp(m.data + 5, b.data) == 0,
                      "special %zu at %zu", k, at);
        }
    free(text);
    free(want);
    pw_strbuf_free(&b);
    pw_strbuf_free(&m);
}

/* ---- hashing ----------------------------------------------------------- */

/*
 * Reference values: MurmurHash3_x64_128, seed 0, of the framed bytes (0x00 for a
 * NULL part; 0x01, the length as 8 little-endian bytes and the bytes for a string)
 * computed with the npm package murmurhash3js-revisited 3.0.0 (x64.hash128), which
 * gives e34bbc7bbc071b6c7a433ca9c49a9347 for "The quick brown fox jumps over the
 * lazy dog" as the C++ reference does.
 */
struct hash_case {
    char parts[4][48];
    bool is_null[4];
    size_t n;
    char hex[33];
};

ParameterizedTestParameters(hash, reference_values)
{
    static struct hash_case cases[] = {
        {{""}, {false}, 0, "00000000000000000000000000000000"},
        {{""}, {true}, 1, "4610abe56eff5cb551622daa78f83583"},
        {{""}, {false}, 1, "3d9d8ba8f33bdc48fd26c615229c23e9"},
        {{"x"}, {false}, 1, "7a479c1190bd9ce67918f800bc5d2de2"},
        {{"ab", "c"}, {false}, 2, "8c777de7739a77dac4258be24f70b84f"},
        {{"a", "bc"}, {false}, 2, "fcd2eecc140ebdc5ab32f0c658e60a73"},
        {{"The quick brown fox jumps over the lazy dog", "", "", "Zo\xc3\xab"},
         {false, true, false, false},
         4,
         "64991829b37f5e18190844c0153a17f1"},
    };
    return cr_make_param_array(struct hash_case, cases, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct hash_case *c, hash, reference_values)
{
    const char *parts[4];
    for (int i = 0; i < 4; i++)
        parts[i] = c->is_null[i] ? NULL : c->parts[i];
    char out[33];
    pw_hash_hex(parts, c->n, out);
    cr_assert_str_eq(out, c->hex);
}

Test(hash, separator_safe_and_null_distinct)
{
    char h1[33], h2[33], h3[33], h4[33];
    const char *ab_c[] = {"ab", "c"}, *a_bc[] = {"a", "bc"};
    const char *null1[] = {NULL}, *empty1[] = {""};
    pw_hash_hex(ab_c, 2, h1);
    pw_hash_hex(a_bc, 2, h2);
    pw_hash_hex(null1, 1, h3);
    pw_hash_hex(empty1, 1, h4);
    cr_assert_str_neq(h1, h2);
    cr_assert_str_neq(h3, h4);
    cr_assert(is_lower_hex(h1, 32));
    /* Deterministic. */
    pw_hash_hex(ab_c, 2, h2);
    cr_assert_str_eq(h1, h2);
    /* Two NULL parts differ from one; trailing "" matters. */
    const char *null2[] = {NULL, NULL}, *abce[] = {"ab", "c", ""};
    pw_hash_hex(null2, 2, h2);
    cr_assert_str_neq(h2, h3);
    pw_hash_hex(abce, 3, h2);
    cr_assert_str_neq(h1, h2);
}

/* ---- dates ------------------------------------------------------------- */

struct date_ok {
    char text[16];
    int y, m, d;
    char formatted[11];
};

ParameterizedTestParameters(dates, parse_valid)
{
    static struct date_ok cases[] = {
        {"1968-02-23", 1968, 2, 23, "1968-02-23"},
        {"1968-02", 1968, 2, 0, "1968-02"},
        {"1968", 1968, 0, 0, "1968"},
        {"19680223", 1968, 2, 23, "1968-02-23"},
        {"2000-02-29", 2000, 2, 29, "2000-02-29"},
        {"2024-02-29", 2024, 2, 29, "2024-02-29"},
        {"1000-01-01", 1000, 1, 1, "1000-01-01"},
        {"2999-12-31", 2999, 12, 31, "2999-12-31"},
        {"1970-04-30", 1970, 4, 30, "1970-04-30"},
    };
    return cr_make_param_array(struct date_ok, cases, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct date_ok *c, dates, parse_valid)
{
    pw_date d;
    pw_error err = {0};
    cr_assert_eq(pw_date_parse(c->text, &d, &err), PW_OK, "%s: %s", c->text, err.msg);
    cr_assert_eq(d.year, c->y);
    cr_assert_eq(d.month, c->m);
    cr_assert_eq(d.day, c->d);
    char buf[11];
    pw_date_format(d, buf);
    cr_assert_str_eq(buf, c->formatted);
}

struct date_bad {
    char text[24];
    char msg[100]; /* the whole message */
};

ParameterizedTestParameters(dates, parse_invalid)
{
    static struct date_bad cases[] = {
        {"1968-02-30", "invalid date '1968-02-30': February 1968 has 29 days"},
        {"1900-02-29", "invalid date '1900-02-29': February 1900 has 28 days"},
        {"2023-02-29", "invalid date '2023-02-29': February 2023 has 28 days"},
        {"1968-04-31", "invalid date '1968-04-31': April 1968 has 30 days"},
        {"19681232", "invalid date '19681232': December 1968 has 31 days"},
        {"1968-01-00", "invalid date '1968-01-00': day 00 does not exist (01..31)"},
        {"1968-13-01", "invalid date '1968-13-01': month 13 does not exist (01..12)"},
        {"1968-00", "invalid date '1968-00': month 00 does not exist (01..12)"},
        {"0999", "invalid date '0999': year 0999 is outside 1000..2999"},
        {"3000-01-01", "invalid date '3000-01-01': year 3000 is outside 1000..2999"},
        {"", "invalid date '': empty, expected YYYY-MM-DD, YYYY-MM, YYYY or YYYYMMDD"},
        {"1968-2-3", "invalid date '1968-2-3': expected YYYY-MM-DD, YYYY-MM, YYYY or YYYYMMDD"},
        {"68-02-23", "invalid date '68-02-23': expected YYYY-MM-DD, YYYY-MM, YYYY or YYYYMMDD"},
        {" 1968", "invalid date ' 1968': expected YYYY-MM-DD, YYYY-MM, YYYY or YYYYMMDD"},
        {"1968/02/23", "invalid date '1968/02/23': expected YYYY-MM-DD, YYYY-MM, YYYY or YYYYMMDD"},
        {"1968-02-23T10:00",
         "invalid date '1968-02-23T10:00': expected YYYY-MM-DD, YYYY-MM, YYYY or YYYYMMDD"},
        {"abcd", "invalid date 'abcd': expected YYYY-MM-DD, YYYY-MM, YYYY or YYYYMMDD"},
        {"-968", "invalid date '-968': expected YYYY-MM-DD, YYYY-MM, YYYY or YYYYMMDD"},
        {"1968-0a", "invalid date '1968-0a': expected YYYY-MM-DD, YYYY-MM, YYYY or YYYYMMDD"},
    };
    return cr_make_param_array(struct date_bad, cases, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct date_bad *c, dates, parse_invalid)
{
    pw_date d = {.year = 1, .month = 1, .day = 1};
    pw_error err = {0};
    cr_assert_eq(pw_date_parse(c->text, &d, &err), PW_EINVAL, "accepted '%s'", c->text);
    cr_assert_eq(err.code, PW_EINVAL);
    cr_assert_str_eq(err.msg, c->msg);
    cr_assert_not(pw_date_is_set(d), "failed parse leaves a date set");
    /* err is optional. */
    cr_assert_eq(pw_date_parse(c->text, &d, NULL), PW_EINVAL);
}

Test(dates, parse_null_and_long_input)
{
    pw_date d;
    pw_error err;
    cr_assert_eq(pw_date_parse(NULL, &d, &err), PW_EINVAL);
    cr_assert_eq(pw_date_parse("1968", NULL, &err), PW_EINVAL);
    char long_text[4000];
    memset(long_text, '1', sizeof long_text - 1);
    long_text[sizeof long_text - 1] = '\0';
    cr_assert_eq(pw_date_parse(long_text, &d, &err), PW_EINVAL);
    cr_assert_lt(strlen(err.msg), 200, "the quoted text is cut");
}

Test(dates, format_unset_and_out_of_range)
{
    char buf[11];
    pw_date_format((pw_date){0}, buf);
    cr_assert_str_eq(buf, "");
    pw_date_format((pw_date){.year = 1968, .month = 13, .day = 5}, buf);
    cr_assert_str_eq(buf, "1968");
    pw_date_format((pw_date){.year = -5}, buf);
    cr_assert_str_eq(buf, "");
}

struct cmp_case {
    char a[11], b[11];
    int want;
};

ParameterizedTestParameters(dates, compare)
{
    static struct cmp_case cases[] = {
        {"1968", "1968-02-23", 0},       {"1968-02", "1968-02-23", 0},
        {"1968-02", "1968-03-01", -1},   {"1968-02-23", "1968-02-24", -1},
        {"1968-02-24", "1968-02-23", 1}, {"1969", "1968-12-31", 1},
        {"1968-02-23", "1968-02-23", 0}, {"1967-12", "1968", -1},
    };
    return cr_make_param_array(struct cmp_case, cases, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct cmp_case *c, dates, compare)
{
    pw_date a, b;
    cr_assert_eq(pw_date_parse(c->a, &a, NULL), 0);
    cr_assert_eq(pw_date_parse(c->b, &b, NULL), 0);
    cr_assert_eq(pw_date_compare(a, b), c->want, "%s vs %s", c->a, c->b);
    cr_assert_eq(pw_date_compare(b, a), -c->want, "%s vs %s", c->b, c->a);
}

Test(dates, compare_unset_sorts_first)
{
    pw_date unset = {0}, d = {.year = 1968};
    cr_assert_eq(pw_date_compare(unset, d), -1);
    cr_assert_eq(pw_date_compare(d, unset), 1);
    cr_assert_eq(pw_date_compare(unset, unset), 0);
}

Test(dates, today_is_today_in_utc)
{
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    pw_date t = pw_date_today();
    /* Tolerate the day changing between the two calls. */
    if (t.day != tm.tm_mday) {
        now = time(NULL);
        gmtime_r(&now, &tm);
    }
    cr_assert_eq(t.year, tm.tm_year + 1900);
    cr_assert_eq(t.month, tm.tm_mon + 1);
    cr_assert_eq(t.day, tm.tm_mday);
}

struct century_case {
    int yy, month, day;
    enum pw_century_rule rule;
    int want;
};

ParameterizedTestParameters(dates, century)
{
    /* ref = 2026-11-26 throughout. */
    static struct century_case cases[] = {
        {26, 12, 0, PW_CENTURY_PAST, 1926},   {26, 1, 0, PW_CENTURY_PAST, 2026},
        {60, 0, 0, PW_CENTURY_PAST, 1960},    {26, 11, 26, PW_CENTURY_PAST, 2026},
        {26, 11, 27, PW_CENTURY_PAST, 1926},  {26, 11, 0, PW_CENTURY_PAST, 2026},
        {26, 0, 0, PW_CENTURY_PAST, 2026},    {0, 1, 1, PW_CENTURY_PAST, 2000},
        {27, 1, 1, PW_CENTURY_PAST, 1927},    {99, 12, 31, PW_CENTURY_PAST, 1999},
        {30, 1, 1, PW_CENTURY_NEAREST, 2030}, {90, 1, 1, PW_CENTURY_NEAREST, 1990},
        {75, 0, 0, PW_CENTURY_NEAREST, 2075}, {76, 0, 0, PW_CENTURY_NEAREST, 2076},
        {77, 0, 0, PW_CENTURY_NEAREST, 1977}, {20, 5, 1, PW_CENTURY_NEAREST, 2020},
    };
    return cr_make_param_array(struct century_case, cases, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct century_case *c, dates, century)
{
    pw_date ref = {.year = 2026, .month = 11, .day = 26};
    int y = pw_date_century(c->yy, (uint8_t)c->month, (uint8_t)c->day, ref, c->rule);
    cr_assert_eq(y, c->want, "yy=%02d %02d-%02d rule %d: got %d", c->yy, c->month, c->day, c->rule,
                 y);
}

Test(dates, century_edges)
{
    pw_date ref = {.year = 2099, .month = 6, .day = 1};
    cr_assert_eq(pw_date_century(1, 1, 1, ref, PW_CENTURY_NEAREST), 2101);
    ref = (pw_date){.year = 2001, .month = 1, .day = 1};
    cr_assert_eq(pw_date_century(99, 1, 1, ref, PW_CENTURY_NEAREST), 1999);
    cr_assert_eq(pw_date_century(-1, 1, 1, ref, PW_CENTURY_PAST), PW_EINVAL);
    cr_assert_eq(pw_date_century(100, 1, 1, ref, PW_CENTURY_PAST), PW_EINVAL);
    /* An unset ref means today: a birth year is never in the future. */
    pw_date today = pw_date_today();
    int y = pw_date_century(today.year % 100, 12, 31, (pw_date){0}, PW_CENTURY_PAST);
    cr_assert(y == today.year || y == today.year - 100);
    cr_assert_leq(y, today.year);
}

Test(dates, dob_format)
{
    char buf[32];
    pw_dob d = {.kind = PW_DOB_EXACT, .from = {1968, 2, 23}};
    pw_dob_format(&d, buf);
    cr_assert_str_eq(buf, "1968-02-23");
    d = (pw_dob){.kind = PW_DOB_EXACT, .from = {1968, 2, 0}};
    pw_dob_format(&d, buf);
    cr_assert_str_eq(buf, "1968-02");
    d = (pw_dob){.kind = PW_DOB_APPROX, .from = {1968, 0, 0}};
    pw_dob_format(&d, buf);
    cr_assert_str_eq(buf, "~1968");
    d = (pw_dob){.kind = PW_DOB_RANGE, .from = {1960, 0, 0}, .to = {1965, 0, 0}};
    pw_dob_format(&d, buf);
    cr_assert_str_eq(buf, "1960..1965");
    d = (pw_dob){.kind = PW_DOB_RANGE, .from = {1960, 1, 1}, .to = {1965, 12, 31}};
    pw_dob_format(&d, buf);
    cr_assert_str_eq(buf, "1960-01-01..1965-12-31");
    d = (pw_dob){0};
    pw_dob_format(&d, buf);
    cr_assert_str_eq(buf, "");
    pw_dob_format(NULL, buf);
    cr_assert_str_eq(buf, "");
}

/* ---- enums ------------------------------------------------------------- */

Test(model, enum_names_round_trip)
{
    const char *roles[] = {"passenger", "crew", "transit_passenger", "transit_crew"};
    for (int i = 0; i < 4; i++) {
        enum pw_role r;
        cr_assert_str_eq(pw_role_name((enum pw_role)i), roles[i]);
        cr_assert_eq(pw_role_parse(roles[i], &r), PW_OK);
        cr_assert_eq((int)r, i);
    }
    enum pw_role r;
    cr_assert_eq(pw_role_parse("CREW", &r), PW_OK);
    cr_assert_eq(r, PW_ROLE_CREW);
    cr_assert_eq(pw_role_parse("pilot", &r), PW_EINVAL);
    cr_assert_eq(pw_role_parse(NULL, &r), PW_EINVAL);
    cr_assert_eq(pw_role_parse("", &r), PW_EINVAL);

    const char *sev[] = {"none", "low", "medium", "high", "critical"};
    for (int i = 0; i < 5; i++) {
        enum pw_severity s;
        cr_assert_str_eq(pw_severity_name((enum pw_severity)i), sev[i]);
        cr_assert_eq(pw_severity_parse(sev[i], &s), PW_OK);
        cr_assert_eq((int)s, i);
    }
    enum pw_severity s;
    cr_assert_eq(pw_severity_parse("High", &s), PW_OK);
    cr_assert_eq(s, PW_SEV_HIGH);
    cr_assert_eq(pw_severity_parse("severe", &s), PW_EINVAL);
    cr_assert_eq(pw_severity_parse("", &s), PW_EINVAL);

    const char *types[] = {"individual", "entity", "vessel", "aircraft"};
    for (int i = 0; i < 4; i++) {
        enum pw_entry_type t;
        cr_assert_str_eq(pw_entry_type_name((enum pw_entry_type)i), types[i]);
        cr_assert_eq(pw_entry_type_parse(types[i], &t), PW_OK);
        cr_assert_eq((int)t, i);
    }
    enum pw_entry_type t;
    cr_assert_eq(pw_entry_type_parse("ship", &t), PW_EINVAL);

    cr_assert_str_eq(pw_name_kind_name(PW_NAME_PRIMARY), "primary");
    cr_assert_str_eq(pw_name_kind_name(PW_NAME_ALIAS), "alias");
    cr_assert_str_eq(pw_name_kind_name(PW_NAME_ORIGINAL_SCRIPT), "original_script");
    cr_assert_str_eq(pw_alias_quality_name(PW_QUALITY_UNKNOWN), "unknown");
    cr_assert_str_eq(pw_alias_quality_name(PW_QUALITY_GOOD), "good");
    cr_assert_str_eq(pw_alias_quality_name(PW_QUALITY_LOW), "low");

    /* Out-of-range values still give a string. */
    cr_assert_not_null(pw_role_name((enum pw_role)99));
    cr_assert_not_null(pw_severity_name((enum pw_severity) - 1));
}

/* ---- records ----------------------------------------------------------- */

static pw_document barrett_docs[] = {
    {.type = "P", .number = "YY3478621G", .issuer = "FRA", .expiry = {2008, 12, 30}},
};

/* The CONTRACT.md example record. */
static pw_record barrett(void)
{
    return (pw_record){
        .record_id = "r-1",
        .flight = {.carrier = "QQ",
                   .number = "877",
                   .origin = "JFK",
                   .destination = "CDG",
                   .departure = "2008-08-10T20:00",
                   .arrival = "2008-08-11T06:30"},
        .traveller = {.role = PW_ROLE_PASSENGER,
                      .surname = "BARRETT",
                      .given_names = "TODD",
                      .full_name = "TODD BARRETT",
                      .gender = 'M',
                      .dob = {1968, 2, 23},
                      .nationality = "FRA",
                      .residence = "FRA",
                      .birth_place = "PARIS",
                      .embarkation = "MIA",
                      .debarkation = "CDG",
                      .booking_ref = "GJIO3RT",
                      .passenger_ref = "UUI34T543",
                      .documents = barrett_docs,
                      .n_documents = 1},
        .source_file = "in.jsonl",
        .source_line = 1,
    };
}

Test(model, display_name)
{
    pw_arena *a = pw_arena_new(0);
    pw_record r = barrett();
    cr_assert_str_eq(pw_record_display_name(&r, a), "TODD BARRETT");
    r.traveller.full_name = NULL;
    cr_assert_str_eq(pw_record_display_name(&r, a), "TODD BARRETT");
    r.traveller.given_names = "TODD JAMES";
    r.traveller.surname = "BARRETT";
    cr_assert_str_eq(pw_record_display_name(&r, a), "TODD JAMES BARRETT");
    r.traveller.given_names = NULL;
    cr_assert_str_eq(pw_record_display_name(&r, a), "BARRETT");
    r.traveller.given_names = "";
    cr_assert_str_eq(pw_record_display_name(&r, a), "BARRETT");
    r.traveller.surname = NULL;
    r.traveller.full_name = "ERIC BADEGE";
    cr_assert_str_eq(pw_record_display_name(&r, a), "ERIC BADEGE");
    r.traveller.full_name = NULL;
    r.traveller.given_names = NULL;
    cr_assert_str_eq(pw_record_display_name(&r, a), "");
    pw_arena_free(a);
}

Test(model, content_id_is_deterministic_and_sensitive)
{
    pw_record r = barrett();
    char id[33], again[33], other[33];
    pw_record_content_id(&r, id);
    cr_assert(is_lower_hex(id, 32));
    pw_record_content_id(&r, again);
    cr_assert_str_eq(id, again);

    /* record_id and source position are not content. */
    r.record_id = "other";
    r.source_line = 99;
    pw_record_content_id(&r, again);
    cr_assert_str_eq(id, again);

    pw_document docs[] = {barrett_docs[0]};
    docs[0].number = "YY3478621H";
    r = barrett();
    r.traveller.documents = docs;
    pw_record_content_id(&r, other);
    cr_assert_str_neq(id, other, "document number ignored");

    r = barrett();
    r.traveller.dob.day = 24;
    pw_record_content_id(&r, other);
    cr_assert_str_neq(id, other, "dob ignored");

    r = barrett();
    r.flight.departure = "2008-08-11T20:00";
    pw_record_content_id(&r, other);
    cr_assert_str_neq(id, other, "departure ignored");

    r = barrett();
    r.traveller.n_documents = 0;
    pw_record_content_id(&r, other);
    cr_assert_str_neq(id, other, "documents ignored");

    /* Moving text between adjacent fields changes the id. */
    pw_record x = {.traveller = {.surname = "AB", .given_names = "C"}};
    pw_record y = {.traveller = {.surname = "A", .given_names = "BC"}};
    pw_record_content_id(&x, id);
    pw_record_content_id(&y, other);
    cr_assert_str_neq(id, other);
}

Test(model, record_to_json_contract_example)
{
    pw_record r = barrett();
    pw_strbuf b = {0};
    pw_record_to_json(&r, &b);
    cr_assert_str_eq(
        b.data,
        "{\"record_id\":\"r-1\","
        "\"flight\":{\"carrier\":\"QQ\",\"number\":\"877\",\"origin\":\"JFK\","
        "\"destination\":\"CDG\",\"departure\":\"2008-08-10T20:00\","
        "\"arrival\":\"2008-08-11T06:30\"},"
        "\"traveller\":{\"role\":\"passenger\",\"surname\":\"BARRETT\",\"given_names\":\"TODD\","
        "\"full_name\":\"TODD BARRETT\",\"gender\":\"M\",\"dob\":\"1968-02-23\","
        "\"nationality\":\"FRA\",\"residence\":\"FRA\",\"birth_place\":\"PARIS\","
        "\"embarkation\":\"MIA\",\"debarkation\":\"CDG\",\"booking_ref\":\"GJIO3RT\","
        "\"passenger_ref\":\"UUI34T543\","
        "\"documents\":[{\"type\":\"P\",\"number\":\"YY3478621G\",\"issuer\":\"FRA\","
        "\"expiry\":\"2008-12-30\"}]}}");
    json_t *j = parse_json(b.data);
    json_decref(j);
    pw_strbuf_free(&b);
}

Test(model, record_to_json_omits_absent_fields)
{
    pw_record r = {.traveller = {.role = PW_ROLE_TRANSIT_CREW,
                                 .full_name = "J\xc3\x96RG \"JO\" M\xc3\x9cLLER",
                                 .dob = {1970, 0, 0}}};
    pw_strbuf b = {0};
    pw_record_to_json(&r, &b);
    cr_assert_str_eq(b.data, "{\"traveller\":{\"role\":\"transit_crew\","
                             "\"full_name\":\"J\xc3\x96RG \\\"JO\\\" M\xc3\x9cLLER\","
                             "\"dob\":\"1970\"}}");
    json_t *j = parse_json(b.data);
    cr_assert_str_eq(jstr(json_object_get(j, "traveller"), "full_name"),
                     "J\xc3\x96RG \"JO\" M\xc3\x9cLLER");
    json_decref(j);

    pw_strbuf_reset(&b);
    pw_flight f = {.carrier = "QQ", .departure = "2008-08-10"};
    pw_flight_to_json(&f, &b);
    cr_assert_str_eq(b.data, "{\"carrier\":\"QQ\",\"departure\":\"2008-08-10\"}");
    pw_strbuf_free(&b);
}

/* ---- alerts ------------------------------------------------------------ */

static void key_of(const pw_record *r, pw_alert *al)
{
    memset(al, 0, sizeof *al);
    al->record = r;
    pw_alert_make_key(al);
}

Test(alerts, key_identifies_traveller_on_flight)
{
    pw_record r = barrett();
    pw_alert a1, a2;
    key_of(&r, &a1);
    cr_assert(is_lower_hex(a1.key, 32));
    cr_assert_eq(strlen(a1.alert_id), 27);
    cr_assert_eq(strncmp(a1.alert_id, "al-", 3), 0);
    cr_assert_eq(strncmp(a1.alert_id + 3, a1.key, 24), 0);

    /* Screened again: other record id, source, departure time, name case. */
    pw_record again = barrett();
    again.record_id = "r-2";
    again.source_file = "other.csv";
    again.flight.departure = "2008-08-10T21:15";
    again.flight.arrival = NULL;
    again.traveller.surname = "Barrett";
    again.traveller.given_names = "Todd";
    again.traveller.full_name = "Todd Barrett";
    key_of(&again, &a2);
    cr_assert_str_eq(a1.key, a2.key);
    cr_assert_str_eq(a1.alert_id, a2.alert_id);

    /* Unicode case folding: "José" and "JOSÉ" are one traveller. */
    pw_record j1 = {.flight = r.flight, .traveller = {.full_name = "Jos\xc3\xa9 L\xc3\xb3pez"}};
    pw_record j2 = {.flight = r.flight, .traveller = {.full_name = "JOS\xc3\x89 L\xc3\x93PEZ"}};
    key_of(&j1, &a1);
    key_of(&j2, &a2);
    cr_assert_str_eq(a1.key, a2.key);
}

Test(alerts, key_differs_by_flight_and_traveller)
{
    pw_record base = barrett();
    pw_alert a0, a1;
    key_of(&base, &a0);

    pw_record r = barrett();
    r.flight.departure = "2008-08-11T20:00";
    key_of(&r, &a1);
    cr_assert_str_neq(a0.key, a1.key, "another day is another flight");

    r = barrett();
    r.flight.number = "878";
    key_of(&r, &a1);
    cr_assert_str_neq(a0.key, a1.key);

    r = barrett();
    r.traveller.dob.year = 1969;
    key_of(&r, &a1);
    cr_assert_str_neq(a0.key, a1.key);

    r = barrett();
    r.traveller.given_names = "TOD";
    key_of(&r, &a1);
    cr_assert_str_neq(a0.key, a1.key);

    pw_document docs[] = {barrett_docs[0]};
    docs[0].number = "ZZ1";
    r = barrett();
    r.traveller.documents = docs;
    key_of(&r, &a1);
    cr_assert_str_neq(a0.key, a1.key);

    /* A name longer than the stack buffer is still upper-cased. */
    char lower[600], upper[600];
    memset(lower, 'a', sizeof lower - 1);
    memset(upper, 'A', sizeof upper - 1);
    lower[sizeof lower - 1] = upper[sizeof upper - 1] = '\0';
    pw_record l = {.traveller = {.surname = lower}}, u = {.traveller = {.surname = upper}};
    key_of(&l, &a0);
    key_of(&u, &a1);
    cr_assert_str_eq(a0.key, a1.key);
}

Test(alerts, to_json_parses_and_has_contract_fields)
{
    pw_record r = barrett();
    pw_hit hits[] = {
        {.type = "watchlist",
         .rule_id = "watchlist-match",
         .rule_version = 1,
         .score = 0.93,
         .severity = PW_SEV_HIGH,
         .list = "UN",
         .list_version = 3,
         .entry_id = "6907993",
         .entry_name = "ERIC BADEGE",
         .matched_name = "BADEGE, Eric",
         .explanation = "{\"name\":[{\"token\":\"BADEGE\",\"score\":1}],\"dob\":\"exact\"}"},
        {.type = "rule",
         .rule_id = "young-crew",
         .rule_version = 2,
         .score = 0.4,
         .severity = PW_SEV_LOW},
    };
    pw_alert al = {.record = &r,
                   .state = "new",
                   .severity = PW_SEV_HIGH,
                   .score = 0.93,
                   .hits = hits,
                   .n_hits = 2};
    pw_alert_make_key(&al);
    pw_arena *a = pw_arena_new(0);
    pw_strbuf b = {0};
    pw_alert_to_json(&al, a, &b);
    cr_assert_not(b.oom);
    cr_assert_eq(strchr(b.data, '\n'), NULL, "an alert is one JSON line");

    json_t *j = parse_json(b.data);
    cr_assert_str_eq(jstr(j, "alert_id"), al.alert_id);
    cr_assert_str_eq(jstr(j, "key"), al.key);
    cr_assert_str_eq(jstr(j, "record_id"), "r-1");
    cr_assert_str_eq(jstr(j, "state"), "new");
    cr_assert_str_eq(jstr(j, "severity"), "high");
    cr_assert_float_eq(json_number_value(json_object_get(j, "score")), 0.93, 1e-9);
    json_t *f = json_object_get(j, "flight");
    cr_assert_str_eq(jstr(f, "carrier"), "QQ");
    cr_assert_str_eq(jstr(f, "departure"), "2008-08-10T20:00");
    json_t *t = json_object_get(j, "traveller");
    cr_assert_str_eq(jstr(t, "name"), "TODD BARRETT");
    cr_assert_str_eq(jstr(t, "dob"), "1968-02-23");
    cr_assert_str_eq(jstr(t, "nationality"), "FRA");

    json_t *hs = json_object_get(j, "hits");
    cr_assert_eq(json_array_size(hs), 2);
    json_t *h0 = json_array_get(hs, 0), *h1 = json_array_get(hs, 1);
    cr_assert_str_eq(jstr(h0, "type"), "watchlist");
    cr_assert_str_eq(jstr(h0, "rule_id"), "watchlist-match");
    cr_assert_eq(json_integer_value(json_object_get(h0, "rule_version")), 1);
    cr_assert_float_eq(json_number_value(json_object_get(h0, "score")), 0.93, 1e-9);
    cr_assert_str_eq(jstr(h0, "severity"), "high");
    cr_assert_str_eq(jstr(h0, "list"), "UN");
    cr_assert_eq(json_integer_value(json_object_get(h0, "list_version")), 3);
    cr_assert_str_eq(jstr(h0, "entry_id"), "6907993");
    cr_assert_str_eq(jstr(h0, "entry_name"), "ERIC BADEGE");
    cr_assert_str_eq(jstr(h0, "matched_name"), "BADEGE, Eric");
    json_t *ex = json_object_get(h0, "explanation");
    cr_assert(json_is_object(ex));
    cr_assert_str_eq(jstr(ex, "dob"), "exact");
    cr_assert(json_is_array(json_object_get(ex, "name")));

    cr_assert_str_eq(jstr(h1, "type"), "rule");
    cr_assert_eq(json_integer_value(json_object_get(h1, "rule_version")), 2);
    cr_assert_str_eq(jstr(h1, "severity"), "low");
    cr_assert_null(json_object_get(h1, "list"), "rule hits carry no list");
    cr_assert_null(json_object_get(h1, "entry_id"));
    cr_assert(json_is_object(json_object_get(h1, "explanation")));
    cr_assert_eq(json_object_size(json_object_get(h1, "explanation")), 0);

    json_decref(j);
    pw_strbuf_free(&b);
    pw_arena_free(a);
}

Test(alerts, to_json_exact_minimal)
{
    pw_record r = {.record_id = "r-9",
                   .flight = {.carrier = "QQ", .number = "1"},
                   .traveller = {.surname = "DOE", .given_names = "JANE"}};
    pw_alert al = {.record = &r, .severity = PW_SEV_MEDIUM, .score = 0.5};
    memcpy(al.key, "0123456789abcdef0123456789abcdef", 33);
    memcpy(al.alert_id, "al-0123456789abcdef01234567", 28);
    pw_arena *a = pw_arena_new(0);
    pw_strbuf b = {0};
    pw_alert_to_json(&al, a, &b);
    cr_assert_str_eq(b.data, "{\"alert_id\":\"al-0123456789abcdef01234567\","
                             "\"key\":\"0123456789abcdef0123456789abcdef\","
                             "\"record_id\":\"r-9\",\"state\":\"new\",\"severity\":\"medium\","
                             "\"score\":0.5,\"flight\":{\"carrier\":\"QQ\",\"number\":\"1\"},"
                             "\"traveller\":{\"name\":\"JANE DOE\"},\"hits\":[]}");
    json_decref(parse_json(b.data));

    /* Without an arena the joined name is still written. */
    pw_strbuf_reset(&b);
    pw_alert_to_json(&al, NULL, &b);
    json_t *j = parse_json(b.data);
    cr_assert_str_eq(jstr(json_object_get(j, "traveller"), "name"), "JANE DOE");
    json_decref(j);
    pw_strbuf_free(&b);
    pw_arena_free(a);
}

Test(alerts, scores_are_always_json_numbers)
{
    pw_record r = barrett();
    double scores[] = {NAN, INFINITY, -INFINITY, 1e-7, 0.99999, 1.0, 0.0, 0.123456789};
    for (size_t i = 0; i < sizeof scores / sizeof scores[0]; i++) {
        pw_hit hit = {.type = "rule", .rule_id = "r", .score = scores[i]};
        pw_alert al = {.record = &r, .score = scores[i], .hits = &hit, .n_hits = 1};
        pw_alert_make_key(&al);
        pw_strbuf b = {0};
        pw_alert_to_json(&al, NULL, &b);
        json_t *j = parse_json(b.data);
        json_t *s = json_object_get(j, "score");
        cr_assert(json_is_number(s), "score %g not a number in %s", scores[i], b.data);
        if (isfinite(scores[i]))
            cr_assert_float_eq(json_number_value(s), scores[i], 1e-4);
        else
            cr_assert_float_eq(json_number_value(s), 0.0, 1e-12);
        json_decref(j);
        pw_strbuf_free(&b);
    }
}

/* Well-formed UTF-8 as Unicode Table 3-7 defines it (utf8proc's decoder underneath). */
Test(strbuf, utf8_valid_follows_table_3_7)
{
    static const struct {
        const char *s;
        bool ok;
    } cases[] = {
        {"", true},
        {"PLAIN", true},
        {"M\xc3\x9cLLER", true},     /* U+00DC */
        {"\xe0\xa4\x85", true},      /* U+0905 */
        {"\xf0\x9f\x98\x80", true},  /* U+1F600 */
        {"\xf4\x8f\xbf\xbf", true},  /* U+10FFFF */
        {"M\xdcLLER", false},        /* ISO 8859-1 */
        {"\xc0\xaf", false},         /* overlong '/' */
        {"\xe0\x80\xaf", false},     /* overlong, 3 bytes */
        {"\xed\xa0\x80", false},     /* surrogate U+D800 */
        {"\xf4\x90\x80\x80", false}, /* above U+10FFFF */
        {"\xe2\x82", false},         /* cut short */
        {"\x80", false},             /* lone continuation */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        cr_expect_eq(pw_utf8_valid(cases[i].s, strlen(cases[i].s)), cases[i].ok, "case %zu", i);
    cr_expect(pw_utf8_valid("A\0B", 3), "a NUL byte is a character");
    cr_expect(!pw_utf8_valid("\xc3\x9c", 1), "the length bounds the sequence");
}
