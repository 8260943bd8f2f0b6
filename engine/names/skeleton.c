/*
 * skeleton.c: the consonant skeleton of a token, the key that lets names written
 * without short vowels meet their Latin spellings (ICU romanises صدام حسين as "sdam
 * hsyn": SDM HSN, as SADDAM HUSSEIN is).
 *
 * The rules, in order, on the token's text (A-Z, 0-9):
 *  1. digraphs: PH -> F; GH -> G; KH, SH, SCH, CH -> X (one "hushing" class: Cyrillic
 *     Х/Ш/Ч, Arabic خ/ش, French CH); DH -> D; TH -> T; DJ -> J; CK -> K;
 *  2. letters: Q -> K; C -> S before E, I, Y, else K; X -> KS;
 *  3. vowels A E I O U, W, Y (except a leading Y) and H (except a leading H) are
 *     vowels: Arabic romanisations write ح ه ع as H, ', a vowel or nothing
 *     (MUHAMMAD / mhmd, JUMA / jmah, SAHRAOUI / shrawy);
 *  4. a leading vowel is kept as A (ALI / ʿly -> AL, IBRAHIM / abrahym -> ABRM), other
 *     vowels are dropped, and equal consonants next to each other collapse (SADDAM
 *     -> SDM) but not across a vowel (MUHAMMAD -> MMD, AHMAD -> AMD: the two stay
 *     apart).
 *
 * How they were chosen: bench/bench_skeleton.c measures, over the 336 individuals of
 * the UN list with an Arabic- or Cyrillic-script name and a Latin name, the share of
 * Latin words meeting a token of the original-script analysis, against a control
 * that pairs each Latin name with another individual's original name, and the
 * collisions among the 50,000 synthetic travellers' words. Each rule above raised the
 * hit rate more than it raised the control or the collisions; these were tried and
 * left out: G -> K (GASMI / qasmy: +0.0 points, collisions +11%), J -> G (RAGAB / rjb:
 * -0.3), Z -> S (+0.1, collisions +8%), V -> F, P -> B (no gain), collapsing equal
 * consonants across vowels (+0.2 points, collisions +18%), dropping the leading vowel
 * (+0.1 points, collisions +45%), DH -> Z (-0.7), SH -> S (+0.2, collisions +8%).
 *
 * Pure function of its input; reentrant; no allocation.
 */
#include "names/names.h"

#include <string.h>

/* What a letter is alone: a consonant class, or 'a' for a vowel (A E I O U W Y H; a
 * leading Y or H is handled apart). Digits stand for themselves; anything else (0),
 * bytes from 0x80 included, is skipped. */
static const char single[256] = {
    ['0'] = '0', ['1'] = '1', ['2'] = '2', ['3'] = '3', ['4'] = '4', ['5'] = '5',
    ['6'] = '6', ['7'] = '7', ['8'] = '8', ['9'] = '9', ['A'] = 'a', ['B'] = 'B',
    ['C'] = 'K', ['D'] = 'D', ['E'] = 'a', ['F'] = 'F', ['G'] = 'G', ['H'] = 'a',
    ['I'] = 'a', ['J'] = 'J', ['K'] = 'K', ['L'] = 'L', ['M'] = 'M', ['N'] = 'N',
    ['O'] = 'a', ['P'] = 'P', ['Q'] = 'K', ['R'] = 'R', ['S'] = 'S', ['T'] = 'T',
    ['U'] = 'a', ['V'] = 'V', ['W'] = 'a', ['X'] = 'K', ['Y'] = 'a', ['Z'] = 'Z',
};

/* What a letter followed by H is, or 0 when the two are not a digraph. */
static const char before_h[256] = {
    ['C'] = 'X', ['D'] = 'D', ['G'] = 'G', ['K'] = 'X', ['P'] = 'F', ['S'] = 'X', ['T'] = 'T',
};

/* Letters that need more than single[]: the first of a digraph (C D S followed by
 * something; any letter followed by H is checked apart), and X. */
static const unsigned char tricky[256] = {['C'] = 1, ['D'] = 1, ['S'] = 1, ['X'] = 1};

/* The class of the letter at t: its class, a K to emit first (X -> KS), and how many
 * more letters it consumes (digraphs). Returned by value so that the caller's index
 * stays in a register. */
typedef struct cls {
    char o, extra;
    unsigned char skip;
} cls;

static cls slow_class(const char *t)
{
    unsigned char c = (unsigned char)t[0], d = (unsigned char)t[1];
    cls r = {single[c], 0, 0};
    if (d == 'H' && before_h[c]) {
        r.o = before_h[c];
        r.skip = 1;
    } else if (c == 'C') {
        if (d == 'K')
            r.skip = 1;
        else if (d == 'E' || d == 'I' || d == 'Y')
            r.o = 'S';
    } else if (c == 'D' && d == 'J') {
        r.o = 'J';
        r.skip = 1;
    } else if (c == 'S' && d == 'C' && t[2] == 'H') {
        r.o = 'X';
        r.skip = 2;
    } else if (c == 'X') {
        r.extra = 'K';
        r.o = 'S';
    }
    return r;
}

void pw_names_skeleton(const char *text, char *out)
{
    size_t w = 0, i = 0;
    char last = 'a';
    if (text[0] && (unsigned char)text[0] < 128) {
        unsigned char c = (unsigned char)text[0];
        cls r = c == 'Y' || c == 'H' ? (cls){(char)c, 0, 0} : slow_class(text);
        if (r.o == 'a') {
            out[w++] = 'A';
        } else if (r.o) {
            if (r.extra)
                out[w++] = r.extra;
            out[w++] = r.o;
            last = r.o;
        }
        i = 1 + r.skip;
    }
    /* The common case, branch-light: a letter with no H after it, not C D S X. A class
     * is written when it is a consonant's (from 1 to 0x60: digits and capitals, not 0
     * or the vowels' 'a') other than the last one; a byte from 0x80 is skipped (class 0,
     * no digraph). */
    size_t n = strnlen(text, PW_NAME_TOKEN_MAX - 1);
    for (; i < n && w + 2 < PW_NAME_TOKEN_MAX; i++) {
        unsigned char c = (unsigned char)text[i];
        char o;
        if (tricky[c] | (text[i + 1] == 'H')) {
            cls r = slow_class(text + i);
            if (r.extra && r.extra != last) {
                out[w++] = r.extra;
                last = r.extra;
            }
            o = r.o;
            i += r.skip;
        } else {
            o = single[c];
        }
        out[w] = o;
        w += (o != last) & ((unsigned char)(o - 1) < 0x60);
        last = o ? o : last;
    }
    out[w] = '\0';
}
