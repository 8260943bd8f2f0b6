/*
 * American Soundex (Robert C. Russell and Margaret K. Odell, US patents 1,261,167 and
 * 1,435,663; the form the US National Archives publishes for the census indexes),
 * written from that description:
 *
 *  - the first letter is kept; the others become digits: B F P V 1, C G J K Q S X Z 2,
 *    D T 3, L 4, M N 5, R 6; vowels (A E I O U and Y) are dropped but separate letters;
 *    H and W are dropped and do not separate;
 *  - letters next to each other (or separated only by H or W) with the same digit are
 *    coded once, including the first letter (PFISTER is P236, TYMCZAK T522);
 *  - the result is cut or padded with zeros to a letter and three digits.
 *
 * Reference: Apache Commons Codec's Soundex.US_ENGLISH, with jellyfish's soundex as a
 * second opinion (tests/oracles/; the two agree on every word of the table). Bytes
 * other than ASCII letters are skipped. One pass over a static const table of the 256
 * byte values; no buffers.
 */
#include "names/names.h"

/* Each byte's Soundex class: its digit, '0' for a vowel (A E I O U Y: separates), '-'
 * for H and W (do not separate), 0 for a byte that is not an ASCII letter. */
#define CLASS(c, d) [c] = d, [c + 32] = d
static const char soundex_class[256] = {
    CLASS('A', '0'), CLASS('B', '1'), CLASS('C', '2'), CLASS('D', '3'), CLASS('E', '0'),
    CLASS('F', '1'), CLASS('G', '2'), CLASS('H', '-'), CLASS('I', '0'), CLASS('J', '2'),
    CLASS('K', '2'), CLASS('L', '4'), CLASS('M', '5'), CLASS('N', '5'), CLASS('O', '0'),
    CLASS('P', '1'), CLASS('Q', '2'), CLASS('R', '6'), CLASS('S', '2'), CLASS('T', '3'),
    CLASS('U', '0'), CLASS('V', '1'), CLASS('W', '-'), CLASS('X', '2'), CLASS('Y', '0'),
    CLASS('Z', '2'),
};
#undef CLASS

/* Writes the four-character code of word into out, or "" when it has no letter. */
void pw_soundex(const char *word, char out[5])
{
    const unsigned char *p = (const unsigned char *)word;
    while (*p && !soundex_class[*p])
        p++;
    if (!*p) {
        out[0] = '\0';
        return;
    }
    out[0] = (char)(*p & 0xDF);      /* the first letter, upper-cased */
    char last = soundex_class[*p++]; /* digit of the previous coded letter, '0' after a vowel */
    int n = 1;
    for (; *p && n < 4; p++) {
        char d = soundex_class[*p];
        if (d == 0 || d == '-') /* not a letter; H or W */
            continue;
        if (d != '0' && d != last)
            out[n++] = d;
        last = d;
    }
    while (n < 4)
        out[n++] = '0';
    out[4] = '\0';
}
