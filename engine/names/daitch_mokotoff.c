/*
 * Daitch-Mokotoff Soundex (Randy Daitch and Gary Mokotoff, 1985), written from the
 * published coding chart (Avotaynu; JewishGen's "Soundex Coding" page).
 *
 * The chart maps letters and letter groups to codes of one or two digits, with three
 * columns: at the start of the name, before a vowel (A, E, I, O, U), and anywhere else;
 * an empty code means "not coded". At each position the longest group that matches
 * is coded. Some groups sound two ways (C as K or TS, CH as KH or TCH, CK, J, RS, RZ):
 * each then splits every branch in two, so a name can have several codes. Within a
 * branch a code that the previous group's code ends with is not repeated (a vowel or
 * other uncoded group in between resets this), except that M and N next to each other
 * are always both coded. Codes are cut at six digits and padded with zeros.
 *
 * Where the versions of the chart differ, and in the details the chart leaves open,
 * this follows Apache Commons Codec's DaitchMokotoffSoundex (the reference, see
 * tests/oracles/), as its behaviour shows: UE before a vowel is 1 (QUEEN 516000);
 * alternatives come in the order 4|5 (C, CH), 5|45 (CK), 1|4 (J), 4|94 (RS, RZ);
 * branches that reach the same digits are merged after every group, keeping the
 * first, which decides both which codes exist and their order.
 * Commons Codec also folds accented letters (Ą, Ę, Ţ, ...); here the input is ASCII
 * letters only, other bytes are dropped. At most PW_DMS_BRANCHES branches are followed
 * (no real name comes near: the oracle table's largest has 8), words are cut at
 * PW_DMS_WORD_MAX letters.
 *
 * The chart is a static const table indexed by first letter; no allocation.
 */
#include "names/names.h"

#include <string.h>

#define PW_DMS_WORD_MAX 255
#define PW_DMS_BRANCHES 64
#define PW_DMS_DIGITS 6

/* One row of the chart: a letter group, its length, and its codes at the start of a
 * word, before a vowel, and elsewhere. "5|4" is two alternatives; "" is not coded. */
typedef struct dms_rule {
    const char *group;
    uint8_t len;
    const char *start, *before_vowel, *other;
} dms_rule;

#define R(group, start, before_vowel, other)                                                       \
    {                                                                                              \
        group, sizeof(group) - 1, start, before_vowel, other                                       \
    }

/* The chart, one array per first letter, longest groups first, so that the first
 * match is the longest. Columns: group, at the start, before a vowel, elsewhere. */
/* clang-format off */
static const dms_rule rules_a[] = {
    R("AI",      "0",     "1",     ""),
    R("AJ",      "0",     "1",     ""),
    R("AY",      "0",     "1",     ""),
    R("AU",      "0",     "7",     ""),
    R("A",       "0",     "",      ""),
};
static const dms_rule rules_b[] = {
    R("B",       "7",     "7",     "7"),
};
static const dms_rule rules_c[] = {
    R("CHS",     "5",     "54",    "54"),
    R("CSZ",     "4",     "4",     "4"),
    R("CZS",     "4",     "4",     "4"),
    R("CH",      "4|5",   "4|5",   "4|5"),
    R("CK",      "5|45",  "5|45",  "5|45"),
    R("CZ",      "4",     "4",     "4"),
    R("CS",      "4",     "4",     "4"),
    R("C",       "4|5",   "4|5",   "4|5"),
};
static const dms_rule rules_d[] = {
    R("DRZ",     "4",     "4",     "4"),
    R("DRS",     "4",     "4",     "4"),
    R("DSH",     "4",     "4",     "4"),
    R("DSZ",     "4",     "4",     "4"),
    R("DZH",     "4",     "4",     "4"),
    R("DZS",     "4",     "4",     "4"),
    R("DS",      "4",     "4",     "4"),
    R("DZ",      "4",     "4",     "4"),
    R("DT",      "3",     "3",     "3"),
    R("D",       "3",     "3",     "3"),
};
static const dms_rule rules_e[] = {
    R("EI",      "0",     "1",     ""),
    R("EJ",      "0",     "1",     ""),
    R("EY",      "0",     "1",     ""),
    R("EU",      "1",     "1",     ""),
    R("E",       "0",     "",      ""),
};
static const dms_rule rules_f[] = {
    R("FB",      "7",     "7",     "7"),
    R("F",       "7",     "7",     "7"),
};
static const dms_rule rules_g[] = {
    R("G",       "5",     "5",     "5"),
};
static const dms_rule rules_h[] = {
    R("H",       "5",     "5",     ""),
};
static const dms_rule rules_i[] = {
    R("IA",      "1",     "",      ""),
    R("IE",      "1",     "",      ""),
    R("IO",      "1",     "",      ""),
    R("IU",      "1",     "",      ""),
    R("I",       "0",     "",      ""),
};
static const dms_rule rules_j[] = {
    R("J",       "1|4",   "|4",    "|4"),
};
static const dms_rule rules_k[] = {
    R("KS",      "5",     "54",    "54"),
    R("KH",      "5",     "5",     "5"),
    R("K",       "5",     "5",     "5"),
};
static const dms_rule rules_l[] = {
    R("L",       "8",     "8",     "8"),
};
static const dms_rule rules_m[] = {
    R("MN",      "66",    "66",    "66"),
    R("M",       "6",     "6",     "6"),
};
static const dms_rule rules_n[] = {
    R("NM",      "66",    "66",    "66"),
    R("N",       "6",     "6",     "6"),
};
static const dms_rule rules_o[] = {
    R("OI",      "0",     "1",     ""),
    R("OJ",      "0",     "1",     ""),
    R("OY",      "0",     "1",     ""),
    R("O",       "0",     "",      ""),
};
static const dms_rule rules_p[] = {
    R("PF",      "7",     "7",     "7"),
    R("PH",      "7",     "7",     "7"),
    R("P",       "7",     "7",     "7"),
};
static const dms_rule rules_q[] = {
    R("Q",       "5",     "5",     "5"),
};
static const dms_rule rules_r[] = {
    R("RS",      "4|94",  "4|94",  "4|94"),
    R("RZ",      "4|94",  "4|94",  "4|94"),
    R("R",       "9",     "9",     "9"),
};
static const dms_rule rules_s[] = {
    R("SCHTSCH", "2",     "4",     "4"),
    R("SCHTSH",  "2",     "4",     "4"),
    R("SCHTCH",  "2",     "4",     "4"),
    R("SHTSH",   "2",     "4",     "4"),
    R("SHTCH",   "2",     "4",     "4"),
    R("STSCH",   "2",     "4",     "4"),
    R("SCHT",    "2",     "43",    "43"),
    R("SCHD",    "2",     "43",    "43"),
    R("SHCH",    "2",     "4",     "4"),
    R("STCH",    "2",     "4",     "4"),
    R("STRZ",    "2",     "4",     "4"),
    R("STRS",    "2",     "4",     "4"),
    R("STSH",    "2",     "4",     "4"),
    R("SZCZ",    "2",     "4",     "4"),
    R("SZCS",    "2",     "4",     "4"),
    R("SCH",     "4",     "4",     "4"),
    R("SHT",     "2",     "43",    "43"),
    R("SZT",     "2",     "43",    "43"),
    R("SHD",     "2",     "43",    "43"),
    R("SZD",     "2",     "43",    "43"),
    R("SH",      "4",     "4",     "4"),
    R("SC",      "2",     "4",     "4"),
    R("ST",      "2",     "43",    "43"),
    R("SD",      "2",     "43",    "43"),
    R("SZ",      "4",     "4",     "4"),
    R("S",       "4",     "4",     "4"),
};
static const dms_rule rules_t[] = {
    R("TTSCH",   "4",     "4",     "4"),
    R("TTCH",    "4",     "4",     "4"),
    R("TSCH",    "4",     "4",     "4"),
    R("TTSZ",    "4",     "4",     "4"),
    R("TCH",     "4",     "4",     "4"),
    R("TRZ",     "4",     "4",     "4"),
    R("TRS",     "4",     "4",     "4"),
    R("TSH",     "4",     "4",     "4"),
    R("TTS",     "4",     "4",     "4"),
    R("TTZ",     "4",     "4",     "4"),
    R("TZS",     "4",     "4",     "4"),
    R("TSZ",     "4",     "4",     "4"),
    R("TH",      "3",     "3",     "3"),
    R("TS",      "4",     "4",     "4"),
    R("TC",      "4",     "4",     "4"),
    R("TZ",      "4",     "4",     "4"),
    R("T",       "3",     "3",     "3"),
};
static const dms_rule rules_u[] = {
    R("UI",      "0",     "1",     ""),
    R("UJ",      "0",     "1",     ""),
    R("UY",      "0",     "1",     ""),
    R("UE",      "0",     "1",     ""),
    R("U",       "0",     "",      ""),
};
static const dms_rule rules_v[] = {
    R("V",       "7",     "7",     "7"),
};
static const dms_rule rules_w[] = {
    R("W",       "7",     "7",     "7"),
};
static const dms_rule rules_x[] = {
    R("X",       "5",     "54",    "54"),
};
static const dms_rule rules_y[] = {
    R("Y",       "1",     "",      ""),
};
static const dms_rule rules_z[] = {
    R("ZHDZH",   "2",     "4",     "4"),
    R("ZDZH",    "2",     "4",     "4"),
    R("ZSCH",    "4",     "4",     "4"),
    R("ZDZ",     "2",     "4",     "4"),
    R("ZHD",     "2",     "43",    "43"),
    R("ZSH",     "4",     "4",     "4"),
    R("ZD",      "2",     "43",    "43"),
    R("ZH",      "4",     "4",     "4"),
    R("ZS",      "4",     "4",     "4"),
    R("Z",       "4",     "4",     "4"),
};
/* clang-format on */

#define LETTER(x)                                                                                  \
    {                                                                                              \
        rules_##x, sizeof rules_##x / sizeof rules_##x[0]                                          \
    }
static const struct {
    const dms_rule *rules;
    size_t n;
} by_letter[26] = {
    LETTER(a), LETTER(b), LETTER(c), LETTER(d), LETTER(e), LETTER(f), LETTER(g),
    LETTER(h), LETTER(i), LETTER(j), LETTER(k), LETTER(l), LETTER(m), LETTER(n),
    LETTER(o), LETTER(p), LETTER(q), LETTER(r), LETTER(s), LETTER(t), LETTER(u),
    LETTER(v), LETTER(w), LETTER(x), LETTER(y), LETTER(z),
};
#undef LETTER
#undef R

/* One way of reading the word so far: its digits and the code of the last group. */
typedef struct dms_branch {
    char code[PW_DMS_DIGITS];
    uint8_t len;      /* digits in code */
    uint8_t last_len; /* digits in last: 0 after an uncoded group */
    char last[2];     /* the last group's code (codes have one or two digits) */
} dms_branch;

typedef struct dms_set {
    dms_branch b[PW_DMS_BRANCHES];
    int n;
} dms_set;

/* Each byte's upper-case ASCII letter, or 0. */
#define LETTER(c) [c] = c, [c + 32] = c
static const char dms_letter[256] = {
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

/* The longest rule matching the len letters of w at i (every letter has one; the
 * first letter of each of its rules matches by construction). */
static const dms_rule *match(const char *w, int len, int i)
{
    const dms_rule *r = by_letter[w[i] - 'A'].rules;
    size_t n = by_letter[w[i] - 'A'].n;
    for (size_t k = 0; k < n; k++) {
        int gl = r[k].len, j = 1;
        if (gl > len - i)
            continue;
        while (j < gl && w[i + j] == r[k].group[j])
            j++;
        if (j == gl)
            return &r[k];
    }
    return &r[n - 1]; /* not reached: the last rule is the single letter */
}

/* Appends to set a copy of from extended by code (one alternative: the n <= 2 digits
 * at code), unless a branch with the same digits is there already. The code is not
 * added when the previous group's code ends with it, unless force. */
static void extend(dms_set *set, const dms_branch *from, const char *code, int n, bool force)
{
    dms_branch nb = *from;
    bool repeat = !force && n <= from->last_len &&
                  (n == 0 || (from->last[from->last_len - 1] == code[n - 1] &&
                              (n == 1 || from->last[0] == code[0])));
    if (!repeat)
        for (int k = 0; k < n && nb.len < PW_DMS_DIGITS; k++)
            nb.code[nb.len++] = code[k];
    nb.last_len = (uint8_t)n;
    for (int k = 0; k < n; k++)
        nb.last[k] = code[k];
    for (int k = 0; k < set->n; k++)
        if (set->b[k].len == nb.len && memcmp(set->b[k].code, nb.code, nb.len) == 0)
            return;
    if (set->n < PW_DMS_BRANCHES)
        set->b[set->n++] = nb;
}

/*
 * Codes word into up to max six-digit codes (as integers: "064000" is 64000), in the
 * order of Commons Codec's branches. Returns the count: 0 for a word without letters.
 */
int pw_daitch_mokotoff(const char *word, uint32_t *codes, int max)
{
    char w[PW_DMS_WORD_MAX];
    int len = 0;
    for (const unsigned char *p = (const unsigned char *)word; *p && len < PW_DMS_WORD_MAX; p++)
        if (dms_letter[*p])
            w[len++] = dms_letter[*p];
    if (len == 0 || max <= 0)
        return 0;

    dms_set sets[2];
    dms_set *cur = &sets[0], *next = &sets[1];
    cur->n = 1;
    cur->b[0].len = cur->b[0].last_len = 0;

    char prev_first = 0; /* first letter of the previous group */
    for (int i = 0; i < len;) {
        const dms_rule *r = match(w, len, i);
        int n = r->len;
        const char *alts = i == 0                              ? r->start
                           : i + n < len && is_vowel(w[i + n]) ? r->before_vowel
                                                               : r->other;
        /* M and N next to each other are both coded even with the same digit (as in
         * MN and NM, coded 66): MNN is 666. */
        bool force = (prev_first == 'M' && w[i] == 'N') || (prev_first == 'N' && w[i] == 'M');
        prev_first = w[i];
        next->n = 0;
        for (int b = 0; b < cur->n; b++) {
            const char *a = alts;
            for (;;) { /* each alternative, '|'-separated */
                int an = 0;
                while (a[an] && a[an] != '|')
                    an++;
                extend(next, &cur->b[b], a, an, force);
                if (a[an] != '|')
                    break;
                a += an + 1;
            }
        }
        dms_set *t = cur;
        cur = next;
        next = t;
        i += n;
    }

    int out = 0;
    for (int b = 0; b < cur->n && out < max; b++) {
        uint32_t v = 0;
        for (int k = 0; k < PW_DMS_DIGITS; k++)
            v = v * 10 + (uint32_t)(k < cur->b[b].len ? cur->b[b].code[k] - '0' : 0);
        codes[out++] = v;
    }
    return out;
}
