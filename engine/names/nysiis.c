/*
 * NYSIIS, the New York State Identification and Intelligence System phonetic code
 * (Robert L. Taft, "Name Search Techniques", 1970), written from the published rules:
 *
 *  1. the start of the name: MAC -> MCC, KN -> NN, K -> C, PH and PF -> FF, SCH -> SSS;
 *  2. the end: EE and IE -> Y; DT, RT, RD, NT and ND -> D;
 *  3. the first letter of the key is the first letter of the name;
 *  4. each later letter is rewritten in the name itself, in order: EV -> AF, other
 *     vowels -> A; Q -> G, Z -> S, M -> N; KN -> N, K -> C; SCH -> SSS, PH -> FF; H
 *     after or before a non-vowel -> the letter before it; W after a vowel -> the
 *     letter before it; the rewritten letter joins the key unless it repeats the letter
 *     before it in the rewritten name;
 *  5. the end of the key: a final S is dropped, AY becomes Y, a final A is dropped;
 *  6. strict mode keeps the first six letters.
 *
 * Two texts of the rules differ in step 4's "repeats": Apache Commons Codec (the
 * reference, tests/oracles/) compares with the previous letter of the rewritten name,
 * jellyfish with the last letter of the key, and they also differ on the order of the
 * end rules; this file follows Commons Codec, and the tests use jellyfish as a second
 * opinion only on the words where the two agree. Step 5 never empties a key of one
 * letter.
 *
 * Input: ASCII letters, other bytes dropped, words cut at PW_NYSIIS_WORD_MAX letters;
 * the key is cut at PW_NAME_TOKEN_MAX - 1 bytes. Stack buffers only.
 */
#include "names/names.h"

#include <string.h>

#define PW_NYSIIS_WORD_MAX 255

/* Each byte's upper-case ASCII letter, or 0. */
#define LETTER(c) [c] = c, [c + 32] = c
static const char nysiis_letter[256] = {
    LETTER('A'), LETTER('B'), LETTER('C'), LETTER('D'), LETTER('E'), LETTER('F'), LETTER('G'),
    LETTER('H'), LETTER('I'), LETTER('J'), LETTER('K'), LETTER('L'), LETTER('M'), LETTER('N'),
    LETTER('O'), LETTER('P'), LETTER('Q'), LETTER('R'), LETTER('S'), LETTER('T'), LETTER('U'),
    LETTER('V'), LETTER('W'), LETTER('X'), LETTER('Y'), LETTER('Z'),
};
#undef LETTER

static bool is_vowel(char c)
{
    return c == 'A' || c == 'E' || c == 'I' || c == 'O' || c == 'U';
}

/* Inlined: prefix and suffix are literals, so the lengths and compares fold. */
static inline __attribute__((always_inline)) bool starts(const char *w, int len, const char *prefix)
{
    int n = (int)__builtin_strlen(prefix);
    return len >= n && __builtin_memcmp(w, prefix, (size_t)n) == 0;
}

static inline __attribute__((always_inline)) bool ends(const char *w, int len, const char *suffix)
{
    int n = (int)__builtin_strlen(suffix);
    return len >= n && __builtin_memcmp(w + len - n, suffix, (size_t)n) == 0;
}

/* What step 4 makes of each letter A-Z when no neighbour matters: vowels become A, Q G,
 * Z S, M N, other consonants stay; 0 for the letters whose rule looks at a neighbour
 * (E before V, K, S before CH, P before H, H, W), which special() handles. */
static const char plain_rewrite[26] = {
    'A', 'B', 'C', 'D', 0,   'F', 'G', 0,   'A', 'J', 0,   'L', 'N',
    'N', 'A', 0,   'G', 'R', 0,   'T', 'A', 'V', 0,   'X', 'Y', 'S',
};

/*
 * Step 4 for the letters of plain_rewrite marked 0: rewrites name[i] (and the letters
 * after it that the rule covers) in place. name has len letters and a NUL after them;
 * name[i - 1] is already rewritten.
 */
static void special(char *name, int len, int i)
{
    char c = name[i];
    char next = name[i + 1]; /* the NUL at the end */
    switch (c) {
    case 'E': /* EV -> AF, else a vowel */
        name[i] = 'A';
        if (next == 'V')
            name[i + 1] = 'F';
        break;
    case 'K': /* KN -> N, else C */
        name[i] = next == 'N' ? 'N' : 'C';
        break;
    case 'S': /* SCH -> SSS */
        if (next == 'C' && i + 2 < len && name[i + 2] == 'H')
            name[i + 1] = name[i + 2] = 'S';
        break;
    case 'P': /* PH -> FF */
        if (next == 'H')
            name[i] = name[i + 1] = 'F';
        break;
    case 'H': /* after or before a non-vowel (the end counts as one): the letter before */
        if (!is_vowel(name[i - 1]) || !is_vowel(next))
            name[i] = name[i - 1];
        break;
    case 'W': /* after a vowel: the letter before */
        if (is_vowel(name[i - 1]))
            name[i] = name[i - 1];
        break;
    }
}

/* Encodes word into out (PW_NAME_TOKEN_MAX bytes); strict keeps six letters. */
void pw_nysiis(const char *word, bool strict, char *out)
{
    char name[PW_NYSIIS_WORD_MAX + 1];
    int len = 0;
    for (const unsigned char *p = (const unsigned char *)word; *p && len < PW_NYSIIS_WORD_MAX; p++)
        if (nysiis_letter[*p])
            name[len++] = nysiis_letter[*p];
    name[len] = '\0';
    if (len == 0) {
        out[0] = '\0';
        return;
    }

    /* 1. the start */
    if (starts(name, len, "MAC")) {
        name[1] = 'C';
    } else if (starts(name, len, "KN")) {
        name[0] = 'N';
    } else if (name[0] == 'K') {
        name[0] = 'C';
    } else if (starts(name, len, "PH") || starts(name, len, "PF")) {
        name[0] = name[1] = 'F';
    } else if (starts(name, len, "SCH")) {
        name[1] = name[2] = 'S';
    }
    /* 2. the end */
    if (ends(name, len, "EE") || ends(name, len, "IE")) {
        name[len - 2] = 'Y';
        name[--len] = '\0';
    } else if (ends(name, len, "DT") || ends(name, len, "RT") || ends(name, len, "RD") ||
               ends(name, len, "NT") || ends(name, len, "ND")) {
        name[len - 2] = 'D';
        name[--len] = '\0';
    }

    /* 3. and 4. */
    char key[PW_NYSIIS_WORD_MAX + 1];
    int klen = 0;
    key[klen++] = name[0];
    for (int i = 1; i < len; i++) {
        char r = plain_rewrite[name[i] - 'A'];
        if (r)
            name[i] = r;
        else
            special(name, len, i);
        if (name[i] != name[i - 1])
            key[klen++] = name[i];
    }

    /* 5. the end of the key, for keys of two letters or more: a final S goes; then AY
     * becomes Y in keys of three letters or more; then a final A (seen before the AY
     * rule) goes, but the key keeps its first letter (Commons Codec empties AS). */
    if (klen > 1) {
        char last = key[klen - 1];
        if (last == 'S')
            last = key[--klen - 1];
        if (klen > 2 && key[klen - 2] == 'A' && last == 'Y') {
            key[klen - 2] = 'Y';
            klen--;
        }
        if (last == 'A' && klen > 1)
            klen--;
    }

    /* 6. */
    int cap = strict ? 6 : PW_NAME_TOKEN_MAX - 1;
    if (klen > cap)
        klen = cap;
    memcpy(out, key, (size_t)klen);
    out[klen] = '\0';
}
