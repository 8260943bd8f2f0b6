/*
 * String measures for names: Jaro and Jaro-Winkler similarity, the optimal string
 * alignment (restricted Damerau-Levenshtein) distance with a bound, and Levenshtein
 * distance by Myers' bit-parallel algorithm.
 *
 *  - Jaro (M. A. Jaro, 1989) and Winkler's prefix boost (W. E. Winkler, 1990): two
 *    characters match when equal and no further apart than max(la, lb) / 2 - 1; t is
 *    half the matched characters that are out of order; jaro = (m/la + m/lb +
 *    (m - t)/m) / 3. Jaro-Winkler adds l * 0.1 * (1 - jaro) for a common prefix of l
 *    <= 4 characters, only when jaro > 0.7 (Winkler's threshold). Reference: jellyfish
 *    (jaro_similarity, jaro_winkler_similarity), which also gives 0 when either string
 *    is empty, so that two empty names never match.
 *  - OSA (Damerau 1964, restricted form): insertions, deletions, substitutions and
 *    transpositions of adjacent characters, no substring edited twice. The dynamic
 *    programme runs only in the band |i - j| <= max and stops as soon as a whole row
 *    exceeds max (row minima never decrease), returning max + 1. Reference: R's
 *    stringdist, method "osa"; jellyfish's damerau_levenshtein_distance is the
 *    unrestricted form and is at most the OSA distance (the tests check both).
 *  - Levenshtein: Myers (1999) in Hyyrö's (2001) form for the global distance; one
 *    64-bit word holds the shorter string's column, so when both strings are longer
 *    than 64 bytes the classic two-row programme takes over. Reference: jellyfish's
 *    levenshtein_distance and stringdist's "lv".
 *
 * Strings are byte strings (names reach here as upper-case ASCII keys). Every buffer
 * is on the stack; strings longer than PW_MEASURE_MAX bytes are compared on their first
 * PW_MEASURE_MAX bytes (names never come near).
 */
#include "names/names.h"

#include <string.h>

#define PW_MEASURE_MAX 1024

static size_t clamp_len(size_t n)
{
    return n > PW_MEASURE_MAX ? PW_MEASURE_MAX : n;
}

/* The Jaro formula from the matched characters m and the half-transpositions. */
static double jaro_of(size_t la, size_t lb, size_t m, size_t half_transposed)
{
    double md = (double)m;
    double t = (double)(half_transposed / 2);
    return (md / (double)la + md / (double)lb + (md - t) / md) / 3.0;
}

/* Jaro for strings of at most 64 bytes (names): the matched characters of each string
 * as the bits of one word instead of arrays to clear, the pairs for the transpositions
 * taken in order by lowest set bit. The same matches as the loop of pw_jaro. */
static double jaro_short(const char *a, size_t la, const char *b, size_t lb, size_t window)
{
    uint64_t matched_a = 0, matched_b = 0;
    size_t m = 0;
    for (size_t i = 0; i < la; i++) {
        size_t lo = i > window ? i - window : 0;
        size_t hi = i + window + 1 < lb ? i + window + 1 : lb;
        for (size_t j = lo; j < hi; j++) {
            if (a[i] == b[j] && !(matched_b >> j & 1)) {
                matched_a |= (uint64_t)1 << i;
                matched_b |= (uint64_t)1 << j;
                m++;
                break;
            }
        }
    }
    if (m == 0)
        return 0.0;
    size_t half_transposed = 0;
    for (; matched_a; matched_a &= matched_a - 1, matched_b &= matched_b - 1)
        half_transposed += a[__builtin_ctzll(matched_a)] != b[__builtin_ctzll(matched_b)];
    return jaro_of(la, lb, m, half_transposed);
}

/* Jaro similarity in [0, 1]; 0 when either string is empty. */
double pw_jaro(const char *a, size_t la, const char *b, size_t lb)
{
    la = clamp_len(la);
    lb = clamp_len(lb);
    if (la == 0 || lb == 0)
        return 0.0;
    size_t longer = la > lb ? la : lb;
    size_t window = longer / 2 > 0 ? longer / 2 - 1 : 0;
    if (longer <= 64)
        return jaro_short(a, la, b, lb, window);
    bool matched_a[PW_MEASURE_MAX];
    bool matched_b[PW_MEASURE_MAX];
    memset(matched_a, 0, la);
    memset(matched_b, 0, lb);

    size_t m = 0;
    for (size_t i = 0; i < la; i++) {
        size_t lo = i > window ? i - window : 0;
        size_t hi = i + window + 1 < lb ? i + window + 1 : lb;
        for (size_t j = lo; j < hi; j++) {
            if (!matched_b[j] && a[i] == b[j]) {
                matched_a[i] = matched_b[j] = true;
                m++;
                break;
            }
        }
    }
    if (m == 0)
        return 0.0;

    size_t half_transposed = 0;
    for (size_t i = 0, j = 0; i < la; i++) {
        if (!matched_a[i])
            continue;
        while (!matched_b[j])
            j++;
        if (a[i] != b[j])
            half_transposed++;
        j++;
    }
    return jaro_of(la, lb, m, half_transposed);
}

/* Jaro-Winkler: Jaro plus the prefix boost above 0.7. */
double pw_jaro_winkler(const char *a, size_t la, const char *b, size_t lb)
{
    double jaro = pw_jaro(a, la, b, lb);
    if (jaro <= 0.7)
        return jaro;
    size_t n = la < lb ? la : lb;
    size_t prefix = 0;
    while (prefix < n && prefix < 4 && a[prefix] == b[prefix])
        prefix++;
    return jaro + (double)prefix * 0.1 * (1.0 - jaro);
}

/*
 * OSA distance bounded by max: the banded programme over three rows (the row before
 * the previous one feeds transpositions). Cells outside the band hold max + 1.
 */
int pw_osa_distance(const char *a, size_t la, const char *b, size_t lb, int max)
{
    la = clamp_len(la);
    lb = clamp_len(lb);
    if (max < 0)
        max = 0;
    if (max > PW_MEASURE_MAX)
        max = PW_MEASURE_MAX;
    /* Common prefixes and suffixes never change the distance. */
    while (la > 0 && lb > 0 && a[0] == b[0])
        a++, b++, la--, lb--;
    while (la > 0 && lb > 0 && a[la - 1] == b[lb - 1])
        la--, lb--;
    size_t diff = la > lb ? la - lb : lb - la;
    if (diff > (size_t)max)
        return max + 1;
    if (la == 0 || lb == 0)
        return (int)diff;

    const uint16_t inf = (uint16_t)(max + 1);
    uint16_t rows[3][PW_MEASURE_MAX + 1];
    uint16_t *before = rows[0], *prev = rows[1], *cur = rows[2];
    for (size_t j = 0; j <= lb; j++)
        prev[j] = j <= (size_t)max ? (uint16_t)j : inf;
    for (size_t i = 1; i <= la; i++) {
        size_t lo = i > (size_t)max ? i - (size_t)max : 1;
        size_t hi = i + (size_t)max < lb ? i + (size_t)max : lb;
        cur[lo - 1] = lo == 1 && i <= (size_t)max ? (uint16_t)i : inf;
        uint16_t row_min = cur[lo - 1];
        for (size_t j = lo; j <= hi; j++) {
            unsigned cost = a[i - 1] != b[j - 1];
            unsigned d = prev[j - 1] + cost; /* substitute or match */
            unsigned del = prev[j] + 1u, ins = cur[j - 1] + 1u;
            if (del < d)
                d = del;
            if (ins < d)
                d = ins;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                before[j - 2] + 1u < d)
                d = before[j - 2] + 1u; /* transpose */
            if (d > inf)
                d = inf;
            cur[j] = (uint16_t)d;
            if (cur[j] < row_min)
                row_min = cur[j];
        }
        if (hi < lb)
            cur[hi + 1] = inf;
        if (row_min > max)
            return max + 1;
        uint16_t *t = before;
        before = prev;
        prev = cur;
        cur = t;
    }
    return prev[lb] > max ? max + 1 : prev[lb];
}

/* The classic two-row Levenshtein programme, for strings both longer than 64. */
static int levenshtein_rows(const char *a, size_t la, const char *b, size_t lb)
{
    uint16_t row[PW_MEASURE_MAX + 1];
    for (size_t j = 0; j <= lb; j++)
        row[j] = (uint16_t)j;
    for (size_t i = 1; i <= la; i++) {
        uint16_t diag = row[0];
        row[0] = (uint16_t)i;
        for (size_t j = 1; j <= lb; j++) {
            uint16_t up = row[j];
            unsigned d = diag + (unsigned)(a[i - 1] != b[j - 1]);
            if (up + 1u < d)
                d = up + 1u;
            if (row[j - 1] + 1u < d)
                d = row[j - 1] + 1u;
            row[j] = (uint16_t)d;
            diag = up;
        }
    }
    return row[lb];
}

/*
 * Levenshtein distance. The shorter string (at most 64 bytes) is the pattern: one bit
 * per character in the vertical delta vectors Pv (+1) and Mv (-1); each character of
 * the other string updates them in a constant number of word operations, and the
 * score follows the bottom row of the matrix.
 */
int pw_levenshtein(const char *a, size_t la, const char *b, size_t lb)
{
    la = clamp_len(la);
    lb = clamp_len(lb);
    while (la > 0 && lb > 0 && a[0] == b[0])
        a++, b++, la--, lb--;
    while (la > 0 && lb > 0 && a[la - 1] == b[lb - 1])
        la--, lb--;
    if (la > lb) { /* the pattern is the shorter string */
        const char *ts = a;
        a = b;
        b = ts;
        size_t tl = la;
        la = lb;
        lb = tl;
    }
    if (la == 0)
        return (int)lb;
    if (la > 64)
        return levenshtein_rows(a, la, b, lb);

    uint64_t peq[256];
    for (size_t j = 0; j < lb; j++)
        peq[(unsigned char)b[j]] = 0;
    for (size_t i = 0; i < la; i++)
        peq[(unsigned char)a[i]] = 0;
    for (size_t i = 0; i < la; i++)
        peq[(unsigned char)a[i]] |= (uint64_t)1 << i;

    const uint64_t last = (uint64_t)1 << (la - 1);
    uint64_t pv = ~(uint64_t)0, mv = 0;
    int score = (int)la;
    for (size_t j = 0; j < lb; j++) {
        uint64_t eq = peq[(unsigned char)b[j]];
        uint64_t xv = eq | mv;
        uint64_t xh = (((eq & pv) + pv) ^ pv) | eq;
        uint64_t ph = mv | ~(xh | pv);
        uint64_t mh = pv & xh;
        if (ph & last)
            score++;
        else if (mh & last)
            score--;
        ph = (ph << 1) | 1;
        mh <<= 1;
        pv = mh | ~(xv | ph);
        mv = ph & xv;
    }
    return score;
}
