/*
 * Fuzz target: the UN/EDIFACT tokenizer (engine/ingest/edifact.c) alone.
 *
 * The input is tokenized twice: through fmemopen (a stdio stream without a descriptor:
 * the tokenizer reads with fread) and through a memory file (read(2)); both must give
 * the same events. Every event is checked against edifact.h: a segment has a tag of
 * three capital letters or digits, ordinals grow by one, offsets grow and stay inside
 * the input, the raw bytes lie inside the input, every value is NUL-terminated UTF-8
 * (Latin-1 is converted), pw_edi_value never returns NULL; an error has a message and a
 * position inside the input; junk has a length; and at the end the tokenizer has
 * consumed exactly the whole input. An event fingerprint (hash of tags, values and
 * positions) compares the two runs.
 */
#include "fuzz_common.h"

#include "ingest/edifact.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* FNV-1a over n bytes, folded into *h. */
static void mix(uint64_t *h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) {
        *h ^= b[i];
        *h *= 1099511628211ull;
    }
}

/* Tokenizes fp to its end, checking every event; returns the fingerprint. */
static uint64_t run(FILE *fp, const uint8_t *data, size_t size, long *events)
{
    pw_edi *e = pw_edi_new(fp);
    FUZZ_CHECK(e != NULL, "pw_edi_new");
    uint64_t h = 1469598103934665603ull;
    pw_edi_segment s;
    pw_edi_error err;
    pw_edi_junk junk;
    pw_error fail;
    long last_ordinal = 0;
    long long last_offset = -1;
    int ev;
    *events = 0;
    while ((ev = pw_edi_next(e, &s, &err, &junk, &fail)) > 0) {
        (*events)++;
        mix(&h, &ev, sizeof ev);
        if (ev == PW_EDI_SEGMENT) {
            FUZZ_CHECK(strlen(s.tag) == 3, "a tag has three characters");
            for (int i = 0; i < 3; i++)
                FUZZ_CHECK((s.tag[i] >= 'A' && s.tag[i] <= 'Z') ||
                               (i > 0 && s.tag[i] >= '0' && s.tag[i] <= '9'),
                           "tag characters");
            FUZZ_CHECK(s.ordinal == last_ordinal + 1, "ordinals grow by one");
            FUZZ_CHECK(s.offset > last_offset && s.offset < (long long)size, "offset");
            FUZZ_CHECK(s.raw >= (const char *)0 && s.raw_len > 0 && s.raw_len <= size,
                       "raw length");
            FUZZ_CHECK(memcmp(s.raw, data + s.offset, s.raw_len) == 0,
                       "raw bytes are the input's at the offset");
            FUZZ_CHECK(s.line >= 1, "line");
            last_ordinal = s.ordinal;
            last_offset = s.offset;
            mix(&h, s.tag, 3);
            mix(&h, &s.offset, sizeof s.offset);
            for (unsigned el = 0; el <= s.n_elements + 1; el++) {
                unsigned nc = pw_edi_components(&s, el);
                for (unsigned c = 0; c <= nc + 1; c++) {
                    const char *v = pw_edi_value(&s, el, c);
                    FUZZ_CHECK(v != NULL, "pw_edi_value is never NULL");
                    size_t n = strlen(v);
                    FUZZ_CHECK(fuzz_utf8_valid(v, n), "values are UTF-8");
                    mix(&h, v, n + 1);
                }
            }
        } else if (ev == PW_EDI_ERROR) {
            FUZZ_CHECK(err.msg[0] != '\0', "an error says what was expected");
            FUZZ_CHECK(err.offset >= 0 && err.offset <= (long long)size, "error offset");
            FUZZ_CHECK(err.ordinal == last_ordinal + 1, "an error takes an ordinal");
            FUZZ_CHECK(!err.raw || err.raw_len <= size, "error raw");
            last_ordinal = err.ordinal;
            mix(&h, err.msg, strlen(err.msg));
            mix(&h, &err.offset, sizeof err.offset);
        } else {
            FUZZ_CHECK(ev == PW_EDI_JUNK, "known event");
            FUZZ_CHECK(junk.length > 0 && junk.offset >= 0 &&
                           junk.offset + junk.length <= (long long)size,
                       "junk inside the input");
            mix(&h, &junk.offset, sizeof junk.offset);
            mix(&h, &junk.length, sizeof junk.length);
        }
    }
    FUZZ_CHECK(ev == PW_EDI_END, "memory input reads without error");
    FUZZ_CHECK(pw_edi_position(e) == (long long)size, "the whole input is consumed");
    pw_edi_free(e);
    return h;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    long n1, n2;
    FILE *mem = fmemopen(size ? (void *)data : (void *)"", size, "r");
    FUZZ_CHECK(mem != NULL || size == 0, "fmemopen");
    uint64_t h1 = 0;
    if (mem) {
        h1 = run(mem, data, size, &n1);
        fclose(mem);
    }
    fuzz_file f;
    fuzz_file_open(&f, "fuzz.edi", data, size);
    FILE *fp = fopen(f.path, "r");
    FUZZ_CHECK(fp != NULL, "open memfd");
    uint64_t h2 = run(fp, data, size, &n2);
    fclose(fp);
    fuzz_file_close(&f);
    if (mem)
        FUZZ_CHECK(h1 == h2 && n1 == n2, "fread and read(2) give the same events");
    return 0;
}
