/*
 * Fuzz target: the phonetic encoders and string measures of engine/names
 * (dmetaphone.c, nysiis.c, soundex.c, daitch_mokotoff.c, similarity.c).
 *
 * The input is split into two strings at its first tab (or, without one, in the
 * middle). The measures read the two halves in place (the invariants below on at most
 * 128 bytes of each, long halves get one call per measure), with explicit lengths and no
 * terminator, so a sanitizer build sees any read past them; the encoders get
 * NUL-terminated copies. Beyond "does not crash", each result must keep its promises:
 *
 *  - codes hold only the characters their algorithm emits and respect their lengths
 *    (Double Metaphone <= max_len, NYSIIS strict <= 6 and a prefix of the full key,
 *    Soundex "" or a letter and three digits, Daitch-Mokotoff <= max six-digit codes
 *    without duplicates); a word codes as its ASCII letters upper-cased do, and a
 *    word without letters codes as nothing;
 *  - Jaro and Jaro-Winkler lie in [0, 1], Jaro-Winkler >= Jaro, both are symmetric,
 *    and a non-empty string is 1 against itself;
 *  - |la - lb| <= OSA <= Levenshtein <= max(la, lb), both symmetric, 0 exactly for
 *    equal strings, and the bounded OSA is min(OSA, max + 1) for every max tried.
 */
#include "fuzz_common.h"

#include <stdlib.h>
#include <string.h>

#include "names/names.h"

#define FUZZ_MEASURE_MAX 1024 /* the measures compare at most this many bytes */

/* The ASCII letters of s, upper-cased, into out (cap bytes); returns the count. */
static size_t letters_of(const char *s, char *out, size_t cap)
{
    size_t n = 0;
    for (; *s && n + 1 < cap; s++) {
        char c = *s;
        if (c >= 'a' && c <= 'z')
            c = (char)(c - 'a' + 'A');
        if (c >= 'A' && c <= 'Z')
            out[n++] = c;
    }
    out[n] = '\0';
    return n;
}

static bool only(const char *s, const char *alphabet)
{
    return s[strspn(s, alphabet)] == '\0';
}

static void encoders(const char *word, uint8_t knob)
{
    /* Letters beyond the encoders' 255-letter cut would differ from the letters-only
     * copy only by that cut: compare on words that fit. */
    char letters[256];
    size_t n_letters = letters_of(word, letters, sizeof letters);
    bool fits = strlen(word) < sizeof letters;

    size_t max_len = knob % 20; /* beyond 16 is clamped to 16 */
    size_t cap = max_len > 16 ? 16 : max_len;
    char p[17], a[17], p2[17], a2[17];
    pw_double_metaphone(word, max_len, p, a);
    FUZZ_CHECK(strlen(p) <= cap && strlen(a) <= cap, "double metaphone length");
    FUZZ_CHECK(only(p, "AFHJKLMNPRSTX0") && only(a, "AFHJKLMNPRSTX0"), "double metaphone alphabet");
    if (n_letters == 0)
        FUZZ_CHECK(p[0] == '\0' && a[0] == '\0', "double metaphone of no letters");
    if (fits) {
        pw_double_metaphone(letters, max_len, p2, a2);
        FUZZ_CHECK(strcmp(p, p2) == 0 && strcmp(a, a2) == 0, "double metaphone reads letters");
    }

    char strict[PW_NAME_TOKEN_MAX], full[PW_NAME_TOKEN_MAX];
    pw_nysiis(word, true, strict);
    pw_nysiis(word, false, full);
    FUZZ_CHECK(strlen(strict) <= 6 && strlen(full) < PW_NAME_TOKEN_MAX, "nysiis length");
    FUZZ_CHECK(only(full, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"), "nysiis alphabet");
    FUZZ_CHECK(strncmp(strict, full, 6) == 0, "strict nysiis is the full key cut");
    FUZZ_CHECK((full[0] == '\0') == (n_letters == 0), "nysiis is empty only without letters");

    char sx[5];
    pw_soundex(word, sx);
    if (n_letters == 0) {
        FUZZ_CHECK(sx[0] == '\0', "soundex of no letters");
    } else {
        FUZZ_CHECK(strlen(sx) == 4 && sx[0] == letters[0] && only(sx + 1, "0123456"),
                   "soundex form");
    }

    uint32_t codes[16];
    int max = knob % 17;
    int n = pw_daitch_mokotoff(word, codes, max);
    FUZZ_CHECK(n >= 0 && n <= max, "daitch-mokotoff count");
    FUZZ_CHECK((n > 0) == (n_letters > 0 && max > 0), "daitch-mokotoff codes exist");
    for (int i = 0; i < n; i++) {
        FUZZ_CHECK(codes[i] <= 999999u, "daitch-mokotoff six digits");
        for (int j = 0; j < i; j++)
            FUZZ_CHECK(codes[i] != codes[j], "daitch-mokotoff duplicates");
    }
}

static void measures(const char *a, size_t la, const char *b, size_t lb)
{
    double jaro = pw_jaro(a, la, b, lb);
    double jw = pw_jaro_winkler(a, la, b, lb);
    FUZZ_CHECK(jaro >= 0.0 && jaro <= 1.0 && jw >= jaro && jw <= 1.0, "jaro-winkler range");
    FUZZ_CHECK(pw_jaro(b, lb, a, la) == jaro && pw_jaro_winkler(b, lb, a, la) == jw,
               "jaro-winkler symmetric");
    if (la > 0)
        FUZZ_CHECK(pw_jaro_winkler(a, la, a, la) == 1.0, "jaro-winkler of a string with itself");

    size_t ca = la > FUZZ_MEASURE_MAX ? FUZZ_MEASURE_MAX : la;
    size_t cb = lb > FUZZ_MEASURE_MAX ? FUZZ_MEASURE_MAX : lb;
    int lev = pw_levenshtein(a, la, b, lb);
    int osa = pw_osa_distance(a, la, b, lb, FUZZ_MEASURE_MAX);
    int diff = (int)(ca > cb ? ca - cb : cb - ca);
    int longer = (int)(ca > cb ? ca : cb);
    FUZZ_CHECK(diff <= osa && osa <= lev && lev <= longer, "distance bounds");
    FUZZ_CHECK(pw_levenshtein(b, lb, a, la) == lev, "levenshtein symmetric");
    FUZZ_CHECK(pw_osa_distance(b, lb, a, la, FUZZ_MEASURE_MAX) == osa, "osa symmetric");
    bool equal = ca == cb && memcmp(a, b, ca) == 0;
    FUZZ_CHECK((lev == 0) == equal && (osa == 0) == equal, "distance 0 exactly when equal");
    for (int max = -1; max <= osa + 1 && max <= 12; max++) {
        int bound = max < 0 ? 0 : max; /* max < 0 counts as 0 */
        int want = osa > bound ? bound + 1 : osa;
        FUZZ_CHECK(pw_osa_distance(a, la, b, lb, max) == want, "bounded osa");
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *tab = memchr(data, '\t', size);
    size_t la = tab ? (size_t)(tab - data) : size / 2;
    const char *a = (const char *)data;
    const char *b = (const char *)data + la + (tab ? 1 : 0);
    size_t lb = size - la - (tab ? 1 : 0);

    /* The invariants run many calls, quadratic in the lengths: on long inputs they see
     * the first 128 bytes of each half, and the full lengths (cut at 1,024 inside the
     * measures) get one call of each measure for memory safety. */
    measures(a, la < 128 ? la : 128, b, lb < 128 ? lb : 128);
    if (la > 128 || lb > 128) {
        double jw = pw_jaro_winkler(a, la, b, lb);
        FUZZ_CHECK(jw >= 0.0 && jw <= 1.0, "jaro-winkler range (long)");
        int lev = pw_levenshtein(a, la, b, lb);
        int osa = pw_osa_distance(a, la, b, lb, 3);
        FUZZ_CHECK(lev >= 0 && osa >= 0 && osa <= 4 && (osa == 4 || osa <= lev),
                   "distances (long)");
    }

    char *wa = fuzz_strndup(data, la);
    char *wb = fuzz_strndup((const uint8_t *)b, lb);
    uint8_t knob = size > 0 ? data[size - 1] : 4;
    encoders(wa, knob);
    encoders(wb, (uint8_t)(knob + 7));
    free(wa);
    free(wb);
    return 0;
}
