/*
 * translit.c: the character tables of name analysis and the ICU transliteration of
 * one word.
 *
 * Tables, built once per process from ICU's own data (pthread_once), read-only after:
 *  - the Latin table, U+00A0..U+02FF and U+1E00..U+1EFF: for each letter its plain
 *    form (ICU "Latin-ASCII" applied to its NFKC form: Ø -> O, Ł -> L, ß -> SS) and
 *    its text form (the same, except where ICAO Doc 9303 Part 3 prescribes another:
 *    Ä -> AE, Å -> AA, Æ -> AE, Ĳ -> IJ, Ö -> OE, Ø -> OE, Œ -> OE, Ü -> UE, ß -> SS,
 *    Þ -> TH); for each other character whether it separates words. The fast path of
 *    analyse.c needs nothing else for Latin names, so it never calls ICU;
 *  - the confusable look-alikes: for each ASCII letter the Cyrillic and Greek letter
 *    whose ICU confusable skeleton (uspoof_getSkeleton, UTS #39) is the same, and the
 *    skeletons of the ASCII letters themselves;
 *  - Arabic-script letters that ICU 72's Arabic-Latin leaves untouched (Urdu, Pashto,
 *    Sindhi, Kurdish letters such as ٹ ډ ړ ڼ ې ے): mapped to the base letter that
 *    their Unicode name gives ("ARABIC LETTER DAL WITH RING" -> DAL), plus a few
 *    letters whose names name no base (TTEH -> TEH, YEH BARREE -> YEH, ...).
 * The one hand-written table is ICAO Doc 9303's Cyrillic table: a standard, not
 * Unicode data.
 *
 * Per scratch: the transliterators (utrans_openU once, never per name; ICU loads a
 * script's rules on first use, once per process) and a spoof checker.
 *
 * Shared by every scratch of the process, since a word's transliteration does not
 * depend on the scratch that asks: a four-way set-associative LRU cache of
 * transliterated words (16,384 entries of 72 bytes: names repeat, and the thousandth
 * محمد costs a hash and a memcmp instead of 2-20 us of ICU rules), and a table of the
 * romanisations of the CJK Unified Ideographs filled on first use (ICU's Han-Latin
 * costs ~5 us a character). Shared, a word is transliterated once per process rather
 * than once per worker. Both are guarded by 64 mutexes, each for a stripe of cache sets
 * and table entries, held only to look up or store (never across ICU): workers rarely
 * meet on one. Neither changes a result: a word gives the same keys from the cache as
 * from ICU (the fuzz target checks it).
 */
#include "names/analyse_int.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/uscript.h>
#include <unicode/ustring.h>
#include <unicode/utf16.h>

/* ---- process-wide tables ---------------------------------------------------- */

#define LATIN_A_FIRST 0x00A0
#define LATIN_A_END 0x0300
#define LATIN_B_FIRST 0x1E00
#define LATIN_B_END 0x1F00

static pw_latin_entry latin_a[LATIN_A_END - LATIN_A_FIRST];
static pw_latin_entry latin_b[LATIN_B_END - LATIN_B_FIRST];
static UChar twin_cyrillic[128], twin_greek[128];
static UChar ascii_skel[128][4]; /* skeleton of each ASCII letter, NUL-terminated */
static UChar arabic_base[0x0780 - 0x0600];
static pthread_once_t tables_once = PTHREAD_ONCE_INIT;
static int tables_status = PW_EINTERNAL;

#define TCACHE_WAYS 4
#define TCACHE_LOCKS 64
#define HAN_FIRST 0x4E00
#define HAN_END 0xA000
static pw_tcache_entry tcache[PW_TCACHE_SLOTS];
static char han_table[HAN_END - HAN_FIRST][8]; /* [0] = length + 1, 0 until filled */
static pthread_mutex_t tcache_locks[TCACHE_LOCKS];

/* ICAO Doc 9303 Part 3, "Transliteration of multinational Latin-based characters":
 * the rows whose recommended form is not the plain base letter. Both cases. */
static const struct {
    UChar32 c;
    const char *text;
} icao_latin[] = {
    {0x00C4, "AE"}, {0x00E4, "AE"}, /* Ä ä */
    {0x00C5, "AA"}, {0x00E5, "AA"}, /* Å å */
    {0x00C6, "AE"}, {0x00E6, "AE"}, /* Æ æ */
    {0x00D6, "OE"}, {0x00F6, "OE"}, /* Ö ö */
    {0x00D8, "OE"}, {0x00F8, "OE"}, /* Ø ø */
    {0x00DC, "UE"}, {0x00FC, "UE"}, /* Ü ü */
    {0x00DF, "SS"}, {0x1E9E, "SS"}, /* ß ẞ */
    {0x00DE, "TH"}, {0x00FE, "TH"}, /* Þ þ */
    {0x0132, "IJ"}, {0x0133, "IJ"}, /* Ĳ ĳ */
    {0x0152, "OE"}, {0x0153, "OE"}, /* Œ œ */
};

/* ICAO Doc 9303 Part 3, "Transliteration of Cyrillic characters" (the recommended
 * column; national variants such as Ukrainian И -> Y are not applied because the
 * language of a name is unknown; the plain form uses ICU's BGN/PCGN rules instead).
 * Indexed by upper-case code point - 0x400. Ь has no row: it is dropped (""). Ћ has
 * no row: ICU transliterates it (C). */
static const char *const icao_cyr[256] = {
    [0x00] = "E",  /* Ѐ: Е with grave, accents dropped */
    [0x01] = "E",  /* Ё */
    [0x02] = "D",  /* Ђ */
    [0x03] = "G",  /* Ѓ */
    [0x04] = "IE", /* Є */
    [0x05] = "DZ", /* Ѕ */
    [0x06] = "I",  /* І */
    [0x07] = "I",  /* Ї */
    [0x08] = "J",  /* Ј */
    [0x09] = "LJ", /* Љ */
    [0x0A] = "NJ", /* Њ */
    [0x0C] = "K",  /* Ќ */
    [0x0D] = "I",  /* Ѝ: И with grave */
    [0x0E] = "U",  /* Ў */
    [0x0F] = "DZ", /* Џ */
    [0x10] = "A",  [0x11] = "B",    [0x12] = "V",  [0x13] = "G",  [0x14] = "D",  [0x15] = "E",
    [0x16] = "ZH", [0x17] = "Z",    [0x18] = "I",  [0x19] = "I",  [0x1A] = "K",  [0x1B] = "L",
    [0x1C] = "M",  [0x1D] = "N",    [0x1E] = "O",  [0x1F] = "P",  [0x20] = "R",  [0x21] = "S",
    [0x22] = "T",  [0x23] = "U",    [0x24] = "F",  [0x25] = "KH", [0x26] = "TS", [0x27] = "CH",
    [0x28] = "SH", [0x29] = "SHCH", [0x2A] = "IE", [0x2B] = "Y",  [0x2C] = "",   [0x2D] = "E",
    [0x2E] = "IU", [0x2F] = "IA",   [0x6A] = "U", /* Ѫ */
    [0x90] = "G",                                 /* Ґ */
    [0xBA] = "C",                                 /* Һ */
};

const char *pw_icao_cyrillic(UChar32 c)
{
    UChar32 up = u_toupper(c);
    if (up < 0x400 || up > 0x4FF)
        return NULL;
    return icao_cyr[up - 0x400];
}

/* Characters that separate words as an apostrophe does (O'NEIL, SA'ID), in the
 * source text; in a transliterator's output they are dropped. */
static bool is_apostrophe(UChar32 c)
{
    switch (c) {
    case 0x0027:
    case 0x0060:
    case 0x00B4:
    case 0x02B9:
    case 0x02BB:
    case 0x02BC:
    case 0x02BD:
    case 0x02BE:
    case 0x02BF:
    case 0x2018:
    case 0x2019:
    case 0x201B:
    case 0x2032:
    case 0xFF07:
        return true;
    default:
        return false;
    }
}

bool pw_is_apostrophe(UChar32 c)
{
    return is_apostrophe(c);
}

/* Upper-cases the ASCII letters and digits of u[0..n) into out (cap >= 4); false
 * when anything else is left. */
static bool ascii_upper(const UChar *u, int32_t n, char *out, size_t cap)
{
    size_t w = 0;
    for (int32_t i = 0; i < n; i++) {
        UChar c = u[i];
        if (c >= 'a' && c <= 'z')
            c = (UChar)(c - 32);
        else if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')))
            continue; /* Latin-ASCII leaves apostrophes (ŉ -> 'n): drop them */
        if (c > 0x7F || w + 1 >= cap)
            return false;
        out[w++] = (char)c;
    }
    out[w] = '\0';
    return w > 0;
}

/* Fills one Latin-table entry: the kind of c, and for a letter its two forms. */
static void latin_entry(UTransliterator *ascii, const UNormalizer2 *nfkc, UChar32 c,
                        pw_latin_entry *e)
{
    UErrorCode err = U_ZERO_ERROR;
    int8_t type = u_charType(c);
    memset(e, 0, sizeof *e);
    if (is_apostrophe(c)) {
        e->kind = PW_LK_APOS;
        return;
    }
    if (c == 0x00AD) { /* soft hyphen: invisible, inside a word */
        e->kind = PW_LK_DROP;
        return;
    }
    if (type == U_DASH_PUNCTUATION) {
        e->kind = PW_LK_HYPHEN;
        return;
    }
    if (!u_isalpha(c)) {
        /* Separators, punctuation and symbols split words; numbers such as ² or ½
         * change under NFKC and take the full path. */
        bool sep = (U_GET_GC_MASK(c) & (U_GC_Z_MASK | U_GC_P_MASK | U_GC_S_MASK)) != 0;
        e->kind = sep ? PW_LK_SPACE : PW_LK_UNKNOWN;
        return;
    }
    UChar src[4], norm[16];
    int32_t n = 0;
    U16_APPEND_UNSAFE(src, n, c);
    int32_t nn = unorm2_normalize(nfkc, src, n, norm, 16, &err);
    if (U_FAILURE(err) || nn <= 0)
        return;
    for (int32_t i = 0; i < nn;) { /* only Latin letters (and marks) qualify: µ -> μ does not */
        UChar32 d;
        U16_NEXT(norm, i, nn, d);
        UErrorCode e2 = U_ZERO_ERROR;
        UScriptCode sc = uscript_getScript(d, &e2);
        if (sc != USCRIPT_LATIN && sc != USCRIPT_INHERITED)
            return;
    }
    UChar buf[32];
    u_memcpy(buf, norm, nn);
    int32_t len = nn, limit = nn;
    utrans_transUChars(ascii, buf, &len, 32, 0, &limit, &err);
    if (U_FAILURE(err) || !ascii_upper(buf, len, e->plain, sizeof e->plain))
        return;
    memcpy(e->text, e->plain, sizeof e->text);
    UChar32 base = c;
    if (nn == 1 || (nn == 2 && U16_IS_LEAD(norm[0])))
        U16_GET(norm, 0, 0, nn, base);
    for (size_t i = 0; i < sizeof icao_latin / sizeof icao_latin[0]; i++)
        if (icao_latin[i].c == base || icao_latin[i].c == c)
            memcpy(e->text, icao_latin[i].text, strlen(icao_latin[i].text) + 1);
    e->kind = PW_LK_LETTER;
}

/* The skeleton of one code point into out (cap 4, NUL-terminated); false if longer. */
static bool skeleton_of(USpoofChecker *sc, UChar32 c, UChar out[4])
{
    UChar in[2];
    int32_t n = 0;
    UErrorCode err = U_ZERO_ERROR;
    U16_APPEND_UNSAFE(in, n, c);
    int32_t k = uspoof_getSkeleton(sc, 0, in, n, out, 4, &err);
    if (U_FAILURE(err) || k >= 4)
        return false;
    out[k] = 0;
    return true;
}

/* Picks, among the letters of [first, last] whose skeleton equals that of the ASCII
 * letter a, one of the same case, preferring the basic block [pref_first, pref_last]. */
static UChar twin_of(USpoofChecker *sc, char a, UChar32 first, UChar32 last, UChar32 pref_first,
                     UChar32 pref_last)
{
    UChar32 best = 0;
    int best_score = -1;
    for (UChar32 c = first; c <= last; c++) {
        UChar sk[4];
        if (!u_isalpha(c) || !skeleton_of(sc, c, sk) || u_strcmp(sk, ascii_skel[(int)a]) != 0)
            continue;
        int score =
            (u_isupper(c) == (a >= 'A' && a <= 'Z')) * 2 + (c >= pref_first && c <= pref_last);
        if (score > best_score) {
            best = c;
            best_score = score;
        }
    }
    return (UChar)best;
}

/* Arabic-script letters ICU leaves untouched whose Unicode names name no base
 * letter: the base letter by sound, and Pashto letters whose visual base misleads. */
static const struct {
    UChar from, to;
} arabic_extra[] = {
    {0x0679, 0x062A}, /* ٹ TTEH -> ت */
    {0x067A, 0x062A}, /* ٺ TTEHEH */
    {0x067F, 0x062A}, /* ٿ TEHEH */
    {0x067B, 0x0628}, /* ٻ BEEH -> ب */
    {0x0680, 0x0628}, /* ڀ BEHEH */
    {0x0681, 0x0632}, /* ځ Pashto dz -> ز */
    {0x0683, 0x062C}, /* ڃ NYEH -> ج */
    {0x0684, 0x062C}, /* ڄ DYEH */
    {0x0685, 0x0633}, /* څ Pashto ts -> س */
    {0x0687, 0x0686}, /* ڇ TCHEHEH -> چ */
    {0x0688, 0x062F}, /* ڈ DDAL -> د */
    {0x068C, 0x062F}, /* ڌ DAHAL */
    {0x068D, 0x062F}, /* ڍ DDAHAL */
    {0x068E, 0x062F}, /* ڎ DUL */
    {0x0691, 0x0631}, /* ڑ RREH -> ر */
    {0x0696, 0x0698}, /* ږ Pashto zh -> ژ */
    {0x069A, 0x0634}, /* ښ Pashto x/sh -> ش */
    {0x06A6, 0x067E}, /* ڦ PEHEH -> پ */
    {0x06AA, 0x0643}, /* ڪ SWASH KAF -> ك */
    {0x06B1, 0x0646}, /* ڱ NGOEH -> ن */
    {0x06B3, 0x06AF}, /* ڳ GUEH -> گ */
    {0x06BA, 0x0646}, /* ں NOON GHUNNA -> ن */
    {0x06BB, 0x0646}, /* ڻ RNOON */
    {0x06BE, 0x0647}, /* ھ HEH DOACHASHMEE -> ه */
    {0x06C1, 0x0647}, /* ہ HEH GOAL */
    {0x06C3, 0x0629}, /* ۃ TEH MARBUTA GOAL -> ة */
    {0x06C5, 0x0648}, /* ۅ KIRGHIZ OE -> و */
    {0x06C6, 0x0648}, /* ۆ OE */
    {0x06C7, 0x0648}, /* ۇ U */
    {0x06C8, 0x0648}, /* ۈ YU */
    {0x06C9, 0x0648}, /* ۉ KIRGHIZ YU */
    {0x06D0, 0x064A}, /* ې E -> ي */
    {0x06D2, 0x064A}, /* ے YEH BARREE */
    {0x06D5, 0x0647}, /* ە AE -> ه */
    {0x0671, 0x0627}, /* ٱ ALEF WASLA -> ا */
    {0x0674, 0x0621}, /* ٴ HIGH HAMZA -> ء */
};

/* Fills arabic_base: for each letter ICU's Any-Latin leaves in Arabic script, the
 * letter to give it instead. */
static void build_arabic_base(UTransliterator *any)
{
    for (UChar32 c = 0x0600; c < 0x0780; c++) {
        arabic_base[c - 0x0600] = 0;
        if (!u_isalpha(c))
            continue;
        UChar buf[16] = {(UChar)c};
        int32_t len = 1, limit = 1;
        UErrorCode err = U_ZERO_ERROR;
        utrans_transUChars(any, buf, &len, 16, 0, &limit, &err);
        bool left = false;
        for (int32_t i = 0; i < len; i++) {
            UErrorCode e2 = U_ZERO_ERROR;
            if (uscript_getScript(buf[i], &e2) == USCRIPT_ARABIC && u_isalpha(buf[i]))
                left = true;
        }
        if (!left)
            continue;
        char name[128];
        UErrorCode e3 = U_ZERO_ERROR;
        int32_t nl = u_charName(c, U_UNICODE_CHAR_NAME, name, sizeof name, &e3);
        char *with = U_SUCCESS(e3) && nl > 0 ? strstr(name, " WITH ") : NULL;
        if (with) {
            *with = '\0';
            e3 = U_ZERO_ERROR;
            UChar32 base = u_charFromName(U_UNICODE_CHAR_NAME, name, &e3);
            if (U_SUCCESS(e3) && base >= 0x0600 && base < 0x0780)
                arabic_base[c - 0x0600] = (UChar)base;
        }
    }
    for (size_t i = 0; i < sizeof arabic_extra / sizeof arabic_extra[0]; i++)
        arabic_base[arabic_extra[i].from - 0x0600] = arabic_extra[i].to;
    /* A base may itself need mapping (YEH BARREE WITH HAMZA ABOVE -> YEH BARREE). */
    for (int pass = 0; pass < 2; pass++)
        for (int i = 0; i < 0x0180; i++) {
            UChar b = arabic_base[i];
            if (b && arabic_base[b - 0x0600])
                arabic_base[i] = arabic_base[b - 0x0600];
        }
}

static UTransliterator *open_tr(const char *id)
{
    UChar uid[96];
    int32_t n = 0;
    UErrorCode err = U_ZERO_ERROR;
    u_strFromUTF8(uid, 96, &n, id, -1, &err);
    if (U_FAILURE(err))
        return NULL;
    UTransliterator *t = utrans_openU(uid, n, UTRANS_FORWARD, NULL, 0, NULL, &err);
    if (U_FAILURE(err)) {
        utrans_close(t);
        return NULL;
    }
    return t;
}

static void build_tables(void)
{
    for (int i = 0; i < TCACHE_LOCKS; i++)
        if (pthread_mutex_init(&tcache_locks[i], NULL) != 0)
            return;
    UErrorCode err = U_ZERO_ERROR;
    const UNormalizer2 *nfkc = unorm2_getNFKCInstance(&err);
    UTransliterator *ascii = open_tr("Latin-ASCII");
    UTransliterator *any = open_tr("Any-Latin");
    USpoofChecker *sc = uspoof_open(&err);
    if (U_FAILURE(err) || !nfkc || !ascii || !any || !sc)
        goto done;
    for (UChar32 c = LATIN_A_FIRST; c < LATIN_A_END; c++)
        latin_entry(ascii, nfkc, c, &latin_a[c - LATIN_A_FIRST]);
    for (UChar32 c = LATIN_B_FIRST; c < LATIN_B_END; c++)
        latin_entry(ascii, nfkc, c, &latin_b[c - LATIN_B_FIRST]);
    for (int a = 'A'; a <= 'z'; a++)
        if (a <= 'Z' || a >= 'a')
            skeleton_of(sc, a, ascii_skel[a]);
    for (int a = 'A'; a <= 'z'; a++) {
        if (a > 'Z' && a < 'a')
            continue;
        twin_cyrillic[a] = twin_of(sc, (char)a, 0x0400, 0x04FF, 0x0410, 0x044F);
        twin_greek[a] = twin_of(sc, (char)a, 0x0370, 0x03FF, 0x0391, 0x03C9);
    }
    build_arabic_base(any);
    tables_status = 0;
done:
    utrans_close(ascii);
    utrans_close(any);
    uspoof_close(sc);
}

int pw_names_tables_init(void)
{
    pthread_once(&tables_once, build_tables);
    return tables_status;
}

const pw_latin_entry *pw_latin_lookup(UChar32 c)
{
    if (c >= LATIN_A_FIRST && c < LATIN_A_END)
        return &latin_a[c - LATIN_A_FIRST];
    if (c >= LATIN_B_FIRST && c < LATIN_B_END)
        return &latin_b[c - LATIN_B_FIRST];
    return NULL;
}

UChar32 pw_confusable_twin(UChar32 latin, int script)
{
    if (latin < 'A' || latin > 'z')
        return 0;
    if (script == USCRIPT_CYRILLIC)
        return twin_cyrillic[latin];
    if (script == USCRIPT_GREEK)
        return twin_greek[latin];
    return 0;
}

UChar32 pw_confusable_latin(pw_names_scratch *s, UChar32 c)
{
    UChar sk[4];
    if (!skeleton_of(s->spoof, c, sk))
        return 0;
    UChar32 best = 0;
    for (int a = 'A'; a <= 'z'; a++) {
        if ((a > 'Z' && a < 'a') || u_strcmp(sk, ascii_skel[a]) != 0)
            continue;
        if (!best || (u_isupper(c) == (a <= 'Z')))
            best = a;
    }
    return best;
}

void pw_arabic_premap(UChar *w, int32_t n)
{
    for (int32_t i = 0; i < n; i++) {
        if (w[i] >= 0x0600 && w[i] < 0x0780 && arabic_base[w[i] - 0x0600])
            w[i] = arabic_base[w[i] - 0x0600];
        /* ة (ta marbuta) ends a word as a vowel in Latin spellings (HAMZA, SAMIRA,
         * OSAMA), not as ICU's construct-state t (hmzt): write it as alef. */
        if (w[i] == 0x0629)
            w[i] = 0x0627;
    }
}

/* ---- per scratch ------------------------------------------------------------ */

static const char *const tr_ids[PW_TR_COUNT] = {
    [PW_TR_ANY] = "Any-Latin",
    [PW_TR_RUSSIAN] = "Russian-Latin/BGN; Any-Latin",
    [PW_TR_UKRAINIAN] = "Ukrainian-Latin/BGN; Any-Latin",
    [PW_TR_GREEK] = "Greek-Latin/UNGEGN; Any-Latin",
    [PW_TR_ASCII] = "Latin-ASCII",
};

/* One word per script Any-Latin handles, and the scripts of the other transliterators
 * (warm_up). */
static const char *const warm_up_text[PW_TR_COUNT] = {
    [PW_TR_ANY] = "محمد Հայկ বাংলা Иван देव ქართ Γιώργος ગુજ ਪੰਜ 王 김 דוד さくら ಕನ್ನ "
                  "サクラ മല ଓଡ଼ ܐܒܐ தமிழ் తెలు ދިވެ ไทย",
    [PW_TR_RUSSIAN] = "Иван",
    [PW_TR_UKRAINIAN] = "Їжак",
    [PW_TR_GREEK] = "Γιώργος",
};

/* ICU builds a transliterator for each script on the first word in that script: 200
 * ms for Han-Latin's rules the first time in the process, 0.1-1 ms per script in
 * every later instance. Running one word of each script through a scratch's
 * transliterators as it opens them does that work up front, so that the first Han or
 * Hangul traveller a worker screens does not stall it (175-206 ms measured without).
 * Only a speed-up: a word ICU cannot take here is simply left for later. */
static void warm_up(pw_names_scratch *s)
{
    for (int i = 0; i < PW_TR_COUNT; i++) {
        if (!warm_up_text[i])
            continue;
        UChar u[256];
        int32_t n = 0;
        UErrorCode err = U_ZERO_ERROR;
        u_strFromUTF8(u, 256, &n, warm_up_text[i], -1, &err);
        if (U_FAILURE(err) || !pw_grow_u(&s->t, &s->tcap, n * 8))
            continue;
        u_memcpy(s->t, u, n);
        int32_t len = n, limit = n;
        utrans_transUChars(s->tr[i], s->t, &len, s->tcap, 0, &limit, &err);
    }
}

int pw_translit_open(pw_names_scratch *s)
{
    if (pw_names_tables_init() != 0)
        return PW_EINTERNAL;
    for (int i = 0; i < PW_TR_COUNT; i++)
        if (!(s->tr[i] = open_tr(tr_ids[i])))
            return PW_EINTERNAL;
    warm_up(s);
    UErrorCode err = U_ZERO_ERROR;
    s->spoof = uspoof_open(&err);
    return U_FAILURE(err) ? PW_EINTERNAL : 0;
}

void pw_translit_close(pw_names_scratch *s)
{
    for (int i = 0; i < PW_TR_COUNT; i++)
        utrans_close(s->tr[i]);
    uspoof_close(s->spoof);
}

/* Makes *buf hold at least need UTF-16 units. */
static bool grow_u(UChar **buf, int32_t *cap, int32_t need)
{
    if (need <= *cap)
        return true;
    int32_t n = *cap ? *cap : 64;
    while (n < need)
        n *= 2;
    UChar *p = realloc(*buf, (size_t)n * sizeof *p);
    if (!p)
        return false;
    *buf = p;
    *cap = n;
    return true;
}

bool pw_grow_u(UChar **buf, int32_t *cap, int32_t need)
{
    return grow_u(buf, cap, need);
}

/* Appends the ASCII string a to out, keeping one byte for the NUL. */
static void put(char *out, size_t cap, size_t *w, const char *a)
{
    for (; *a && *w + 1 < cap; a++)
        out[(*w)++] = *a;
}

/* Folds a transliterator's output t[0..len) into upper-case ASCII letters and digits,
 * pieces separated by one space. Marks, apostrophes, hyphens and modifier letters
 * (ʿ ʾ ʹ) join; ICU's syllable spaces separate. */
static size_t fold_output(pw_names_scratch *s, const UChar *t, int32_t len, char *out, size_t cap)
{
    size_t w = 0;
    for (int32_t i = 0; i < len;) {
        UChar32 c;
        U16_NEXT(t, i, len, c);
        char one[2] = {0, 0};
        if (c < 0x80) {
            if ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
                one[0] = (char)c;
            else if (c >= 'a' && c <= 'z')
                one[0] = (char)(c - 32);
            else if (c == ' ' && w > 0 && out[w - 1] != ' ')
                one[0] = ' ';
            put(out, cap, &w, one);
            continue;
        }
        const pw_latin_entry *e = pw_latin_lookup(c);
        if (e && e->kind == PW_LK_LETTER) {
            put(out, cap, &w, e->plain);
        } else if (c == 0x02BF) {
            /* ICU writes ʿayn as ʿ; Latin spellings write a vowel there (ʿmr: OMAR,
             * ʿly: ALI, sʿd: SA'D), so does the key: A. */
            put(out, cap, &w, "A");
        } else if (u_isUWhiteSpace(c)) {
            if (w > 0 && out[w - 1] != ' ')
                put(out, cap, &w, " ");
        } else if (!e && u_isalpha(c)) {
            UErrorCode err = U_ZERO_ERROR;
            if (uscript_getScript(c, &err) != USCRIPT_LATIN)
                continue; /* nothing ICU could romanise: dropped */
            UChar buf[16];
            int32_t n = 0;
            U16_APPEND_UNSAFE(buf, n, c);
            int32_t lim = n;
            utrans_transUChars(s->tr[PW_TR_ASCII], buf, &n, 16, 0, &lim, &err);
            char a[16];
            if (U_SUCCESS(err) && ascii_upper(buf, n, a, sizeof a))
                put(out, cap, &w, a);
        }
    }
    while (w > 0 && out[w - 1] == ' ')
        w--;
    out[w] = '\0';
    return w;
}

static uint32_t hash_word(enum pw_tr tr, const UChar *w, int32_t n)
{
    uint32_t h = 2166136261u ^ (uint32_t)tr;
    for (int32_t i = 0; i < n; i++) {
        h ^= w[i];
        h *= 16777619u;
    }
    return h | 1;
}

/* The mutex of the stripe that holds cache set set_first (its first entry). */
static pthread_mutex_t *set_lock(uint32_t set_first)
{
    return &tcache_locks[(set_first / TCACHE_WAYS) % TCACHE_LOCKS];
}

/* Looks w up in its cache set (the caller holds the set's lock): a four-way
 * set-associative table kept in recency order (the most recently used entry of a set
 * first). Returns the entry, moved to the front of its set, or NULL. */
static pw_tcache_entry *cache_get(uint32_t h, enum pw_tr tr, const UChar *w, int32_t n)
{
    pw_tcache_entry *set = &tcache[h & (PW_TCACHE_SLOTS - TCACHE_WAYS)];
    for (int way = 0; way < TCACHE_WAYS; way++) {
        pw_tcache_entry *e = &set[way];
        if (e->hash == h && e->tr == tr && e->klen == n &&
            memcmp(e->key, w, (size_t)n * sizeof *w) == 0) {
            if (way > 0) {
                pw_tcache_entry hit = *e;
                memmove(&set[1], &set[0], (size_t)way * sizeof *set);
                set[0] = hit;
            }
            return &set[0];
        }
    }
    return NULL;
}

/* Copies the cached result for w into out (cap bytes); its length, or -1 when w is
 * not in the cache. */
static int cache_copy_out(uint32_t h, enum pw_tr tr, const UChar *w, int32_t n, char *out,
                          size_t cap)
{
    pthread_mutex_t *lock = set_lock(h & (PW_TCACHE_SLOTS - TCACHE_WAYS));
    pthread_mutex_lock(lock);
    const pw_tcache_entry *e = cache_get(h, tr, w, n);
    int len = -1;
    if (e) {
        len = e->olen < cap ? e->olen : (int)cap - 1;
        memcpy(out, e->out, (size_t)len);
        out[len] = '\0';
    }
    pthread_mutex_unlock(lock);
    return len;
}

/* Stores a result at the front of its set, the least recently used entry going,
 * unless another scratch has stored it meanwhile. */
static void cache_put(uint32_t h, enum pw_tr tr, const UChar *w, int32_t n, const char *out,
                      size_t olen)
{
    uint32_t first = h & (PW_TCACHE_SLOTS - TCACHE_WAYS);
    pthread_mutex_t *lock = set_lock(first);
    pthread_mutex_lock(lock);
    if (!cache_get(h, tr, w, n)) {
        pw_tcache_entry *set = &tcache[first];
        memmove(&set[1], &set[0], (TCACHE_WAYS - 1) * sizeof *set);
        set[0].hash = h;
        set[0].tr = (uint8_t)tr;
        set[0].klen = (uint8_t)n;
        u_memcpy(set[0].key, w, n);
        set[0].olen = (uint8_t)olen;
        memcpy(set[0].out, out, olen + 1);
    }
    pthread_mutex_unlock(lock);
}

int pw_translit(pw_names_scratch *s, enum pw_tr tr, const UChar *w, int32_t n, char *out,
                size_t cap)
{
    uint32_t h = 0;
    if (n <= PW_TCACHE_KEY) {
        h = hash_word(tr, w, n);
        int len = cache_copy_out(h, tr, w, n, out, cap);
        if (len >= 0)
            return len;
    }
    int32_t len = n;
    UErrorCode err = U_ZERO_ERROR;
    for (int32_t want = n * 4 + 16;; want *= 2) {
        if (want > (1 << 22) || !grow_u(&s->t, &s->tcap, want))
            return PW_ENOMEM;
        u_memcpy(s->t, w, n);
        len = n;
        int32_t limit = n;
        err = U_ZERO_ERROR;
        utrans_transUChars(s->tr[tr], s->t, &len, s->tcap, 0, &limit, &err);
        if (err != U_BUFFER_OVERFLOW_ERROR)
            break;
    }
    if (U_FAILURE(err))
        len = 0; /* ICU could not: nothing comes out of this word */
    size_t olen = fold_output(s, s->t, len, out, cap);
    if (n <= PW_TCACHE_KEY && olen < PW_TCACHE_OUT)
        cache_put(h, tr, w, n, out, olen);
    return (int)olen;
}

/* The table entry of c copied into out (cap bytes) under its stripe's lock: its
 * length, or -1 when c has none yet. */
static int han_copy_out(UChar32 c, char *out, size_t cap)
{
    pthread_mutex_t *lock = &tcache_locks[c % TCACHE_LOCKS];
    pthread_mutex_lock(lock);
    const char *e = han_table[c - HAN_FIRST];
    int len = -1;
    if (e[0]) {
        len = (size_t)e[0] - 1 < cap ? e[0] - 1 : (int)cap - 1;
        memcpy(out, e + 1, (size_t)len);
        out[len] = '\0';
    }
    pthread_mutex_unlock(lock);
    return len;
}

int pw_translit_han(pw_names_scratch *s, UChar32 c, char *out, size_t cap)
{
    if (c < HAN_FIRST || c >= HAN_END) {
        UChar u[2];
        int32_t n = 0;
        U16_APPEND_UNSAFE(u, n, c);
        return pw_translit(s, PW_TR_ANY, u, n, out, cap);
    }
    int len = han_copy_out(c, out, cap);
    if (len >= 0)
        return len;
    UChar u[1] = {(UChar)c};
    char buf[PW_NAME_TOKEN_MAX];
    int r = pw_translit(s, PW_TR_ANY, u, 1, buf, sizeof buf);
    if (r < 0)
        return r;
    if (r <= 6 && !strchr(buf, ' ')) { /* one short syllable: kept */
        pthread_mutex_t *lock = &tcache_locks[c % TCACHE_LOCKS];
        pthread_mutex_lock(lock);
        char *e = han_table[c - HAN_FIRST];
        e[0] = (char)(r + 1);
        memcpy(e + 1, buf, (size_t)r);
        pthread_mutex_unlock(lock);
    }
    len = (size_t)r < cap ? r : (int)cap - 1;
    memcpy(out, buf, (size_t)len);
    out[len] = '\0';
    return len;
}
