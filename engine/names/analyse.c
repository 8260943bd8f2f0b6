/*
 * analyse.c: from a name in any script to tokens with their keys.
 *
 * Splitting. A name is cut into words at white space, punctuation, symbols and
 * invalid bytes; hyphens and apostrophes cut too but are remembered, so that the
 * joined form comes back as a variant. Each word gets two Latin forms in capitals:
 * text (ICAO Doc 9303 where it covers the letters: MUELLER, ZHUKOV) and plain (the
 * accent-stripped or second common form: MULLER; for Cyrillic ICU's BGN/PCGN
 * romanisation, for Greek ICU's Any-Latin while text follows ELOT 743/UNGEGN).
 *
 *  - Fast path: when every character is ASCII or in the Latin table of translit.c
 *    (Latin-1, Latin Extended-A/B, Latin Extended Additional, common dashes, spaces
 *    and apostrophes), the bytes are read once and nothing from ICU is called. Any
 *    other character (a combining mark, another script, an invalid byte) sends the
 *    whole string to the full path, which gives the same result for what the fast
 *    path accepts.
 *  - Full path: UTF-8 to UTF-16 with every ill-formed sequence replaced by U+FFFD
 *    (a word boundary; invalid_utf8 is set), NFKC, words cut by Unicode general
 *    category, and per word: a word mixing Latin with another script has its
 *    minority letters replaced by their look-alikes from ICU's confusable skeletons
 *    (a Cyrillic а in a Latin word becomes a; a Latin y in a Cyrillic word becomes
 *    у); a word in one script is transliterated, never skeleton-mapped. Then Latin
 *    words use the table; Cyrillic words the ICAO table (text) and ICU Russian- or
 *    Ukrainian-Latin/BGN (plain); Greek words ICU Greek-Latin/UNGEGN (text) and
 *    Any-Latin (plain); Han characters one by one and kana by runs (WANG XIAO MING);
 *    everything else ICU Any-Latin. Words romanised from Han or Hangul are marked
 *    syllabic (PW_TOKEN_SYLLABIC): each syllable stands for one character, so two
 *    such names differing in a syllable are different names; kana, which spell
 *    sounds (foreign names: BARAKU OBAMA), are not.
 *  - Arabic script, where ICU's romanisation is consonantal: the letters ICU 72
 *    leaves untouched (Urdu, Pashto) take their base letter; ة is written as a vowel
 *    (HMZA, as HAMZA) and ʿayn as A (عمر: AMR, as OMAR), not as ICU's t and ʿ; a
 *    glued article is split off (التكريتي -> AL + TKRYTY, joined ALTKRYTY kept, and
 *    ATTKRYTY where a sun letter assimilates it, as AT-TIKRITI), as are a glued ABD
 *    or ABU (عبدالله -> ABD AL LH, ابوبكر -> ABW BKR); a word followed by -al-Din,
 *    -Allah or -al-Haq is joined with it (نور الدين -> NWRALDYN, NWRADDYN, as
 *    NOUREDDINE), and so is a word followed by الله or the Dari and Pashto elements
 *    زاده جان خیل written apart (RHMTALLAH, KAKAZADAH), or by -al-Din, -al-Haq, -Allah
 *    glued to it (نورالدين -> NWR + AL + DYN); الله itself keeps its article (ALLAH); ة
 *    before a compound's second element is T (HDAYATALLAH); a final ى is A and a
 *    final ه after a consonant AH (YHYA, TAH); when the name has a letter only
 *    Persian, Urdu or Pashto use (پ چ ژ گ ک ی ...), ث is S and ذ ض ظ are Z (FAZL,
 *    ZAKIR), as those languages say them, and the Arabic values are the plain form
 *    (and the other way round otherwise: فضل FDL, plain FZL); a word without those
 *    letters has ق and ج read as the spoken G in its plain form (QASMY, GASMY). Words
 *    from Arabic, Hebrew and Syriac script are flagged PW_TOKEN_ABJAD.
 *
 * Tokens. Titles and suffixes (MR MRS MS MISS MSTR MX DR PROF SIR MME MLLE, JR SR JNR
 * SNR II III IV) are set aside when another word remains. Placeholders (FNU, NFN:
 * given name unknown; LNU: surname unknown; UNK, UNKNOWN, XX, XXX: by field, else
 * given when before any name, surname otherwise) set the unknown flags. Only
 * Latin-script words can be titles or placeholders. A single letter is an initial,
 * unless an apostrophe ties it to the word before (HYO'K). A glued PNR title is cut
 * from the last given-name word (from the given field, or after the comma or slash of
 * "SURNAME, Given" / "SURNAME/GIVEN") when at least three letters remain (with two
 * left, NIMR, AAMR, the word is as likely a name: it is read both ways, as below):
 * MSTR, MISS, MRS, MR always; MS only in the slash (PNR) form, because WILLIAMS and
 * ADAMS end in MS (elsewhere that word, in a name of two words or more, is read both
 * ways as below, MS included: AQSAMS is AQSA or AQSAMS); DR never (ALEKSANDR, KHADR,
 * BADR end in DR). Any other word of a name of two words or more (CHARLESMR SMITH, or
 * the surname field of a sender that swapped the fields) is not cut but read both
 * ways: text without MSTR, MISS, MRS or MR (CHARLES), plain as written (CHARLESMR),
 * flagged PW_TOKEN_GLUED_TITLE. Particles are flagged when a word of the same part
 * follows them (LE and DO ending a name are Vietnamese surnames); the assimilated
 * Arabic articles (AD AN AR AS ASH AT AZ UD UL UN UR US ...) and O' D' L' only when
 * hyphen- or apostrophe-joined to it. Joined variants:
 * each run of words joined by hyphens, apostrophes or the article split (ABD-AL-LATIF
 * -> ABDALLATIF), each run of initials (S. M. -> SM, as bookings write them), each
 * run of particles with the word after it (VAN DER BERG ->
 * VANDERBERG and DERBERG), the Han syllables of one word (WANGXIAOMING, and XIAOMING
 * as Chinese passports write a given name); never across a comma, slash or field,
 * never twice the same text over the same words (SA'ID, Sa'id has SAID twice). A
 * glued particle (ALQADHAFI) is not split.
 *
 * Thread safety: all state is in the scratch, one per thread; the tables of
 * translit.c and the special words here are built once per process (pthread_once)
 * and only read afterwards.
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

/* ---- scratch ---------------------------------------------------------------- */

static pthread_once_t special_once = PTHREAD_ONCE_INIT;
static void build_special_table(void);

pw_names_scratch *pw_names_scratch_new(void)
{
    pthread_once(&special_once, build_special_table);
    pw_names_scratch *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    if (pw_translit_open(s) != 0) {
        pw_names_scratch_free(s);
        return NULL;
    }
    return s;
}

void pw_names_scratch_fill_skeletons(pw_names_scratch *s, bool fill)
{
    s->no_skeletons = !fill;
}

void pw_names_scratch_free(pw_names_scratch *s)
{
    if (!s)
        return;
    pw_translit_close(s);
    free(s->u);
    free(s->n);
    free(s->t);
    free(s->w);
    free(s);
}

/* ---- splitting: words ------------------------------------------------------- */

/* The rank of a separator: the strongest seen between two words wins. */
static int sep_rank(uint8_t sep)
{
    switch (sep) {
    case PW_SEP_SPACE:
        return 3;
    case PW_SEP_HYPHEN:
    case PW_SEP_APOS:
        return 2;
    case PW_SEP_JOIN:
    case PW_SEP_SYLL:
        return 1;
    default:
        return 0;
    }
}

static void note_sep(pw_names_scratch *s, uint8_t sep)
{
    if (sep_rank(sep) > sep_rank(s->pending_sep))
        s->pending_sep = sep;
}

/* A comma or a slash: in a whole name the first one ends the surname part. */
static void note_side(pw_names_scratch *s, int first_word, bool slash)
{
    note_sep(s, PW_SEP_SPACE);
    if (s->field == 0 && !s->side1 && s->n_words > first_word) {
        s->side1 = true;
        s->slash = slash;
    }
}

void pw_split_begin(pw_names_scratch *s)
{
    s->n_words = 0;
    s->pending_sep = PW_SEP_NONE;
    s->field = 0;
    s->side1 = s->slash = false;
    s->invalid = s->truncated = s->nonlatin = s->persian = false;
}

/* Appends a word. sep is what precedes it (the pending separator for the first piece
 * of a source word, JOIN or SYLL for the next pieces). An empty text takes the plain
 * form; a word empty in both forms is no word. */
static void push_word(pw_names_scratch *s, const char *text, size_t tlen, const char *plain,
                      size_t plen, uint8_t sep, bool nonlatin)
{
    if (tlen == 0) {
        text = plain;
        tlen = plen;
    }
    if (plen == 0) {
        plain = text;
        plen = tlen;
    }
    if (tlen == 0)
        return;
    if (s->n_words >= PW_WORDS_MAX) {
        s->truncated = true;
        return;
    }
    pw_word *w = &s->words[s->n_words++];
    if (tlen >= PW_NAME_TOKEN_MAX || plen >= PW_NAME_TOKEN_MAX) {
        s->truncated = true;
        tlen = tlen < PW_NAME_TOKEN_MAX ? tlen : PW_NAME_TOKEN_MAX - 1;
        plen = plen < PW_NAME_TOKEN_MAX ? plen : PW_NAME_TOKEN_MAX - 1;
    }
    memcpy(w->text, text, tlen);
    w->text[tlen] = '\0';
    memcpy(w->plain, plain, plen);
    w->plain[plen] = '\0';
    w->tlen = (uint8_t)tlen;
    w->plen = (uint8_t)plen;
    w->sep = s->n_words == 1 ? PW_SEP_NONE : sep;
    w->field = s->field;
    w->flags = (uint8_t)((nonlatin ? PW_WORD_NONLATIN : 0) | (s->side1 ? PW_WORD_SIDE1 : 0));
    w->sun = 0;
    if (nonlatin)
        s->nonlatin = true;
    s->pending_sep = PW_SEP_NONE;
}

/* A word being built from pieces of at most a few letters each. */
typedef struct wbuild {
    char text[2 * PW_NAME_TOKEN_MAX];
    char plain[2 * PW_NAME_TOKEN_MAX];
    size_t tl, pl;
} wbuild;

static void wb_add(pw_names_scratch *s, wbuild *b, const char *t, const char *p)
{
    for (; *t; t++) {
        if (b->tl + 1 < sizeof b->text)
            b->text[b->tl++] = *t;
        else
            s->truncated = true;
    }
    for (; *p; p++) {
        if (b->pl + 1 < sizeof b->plain)
            b->plain[b->pl++] = *p;
        else
            s->truncated = true;
    }
}

static void wb_flush(pw_names_scratch *s, wbuild *b, bool nonlatin)
{
    if (b->tl || b->pl)
        push_word(s, b->text, b->tl, b->plain, b->pl, s->pending_sep, nonlatin);
    b->tl = b->pl = 0;
}

/* The fast path: ASCII and the Latin table only, no ICU. Returns false, having
 * pushed nothing, when the text needs the full path. */
static bool split_fast(pw_names_scratch *s, const unsigned char *p, size_t len)
{
    const int first = s->n_words;
    const uint8_t pending = s->pending_sep;
    const bool side1 = s->side1, slash = s->slash, truncated = s->truncated;
    wbuild b;
    b.tl = b.pl = 0;
    for (size_t i = 0; i < len;) {
        unsigned c = p[i];
        if (c < 0x80) {
            i++;
            if ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z')) {
                char up = (char)(c >= 'a' ? c - 32 : c);
                if (b.tl + 1 < sizeof b.text && b.pl + 1 < sizeof b.plain) {
                    b.text[b.tl++] = up;
                    b.plain[b.pl++] = up;
                } else {
                    s->truncated = true;
                }
                continue;
            }
            wb_flush(s, &b, false);
            if (c == '-')
                note_sep(s, PW_SEP_HYPHEN);
            else if (c == '\'' || c == '`')
                note_sep(s, PW_SEP_APOS);
            else if (c == ',' || c == '/')
                note_side(s, first, c == '/');
            else
                note_sep(s, PW_SEP_SPACE);
            continue;
        }
        UChar32 cp;
        if ((c & 0xE0) == 0xC0 && i + 1 < len && (p[i + 1] & 0xC0) == 0x80) {
            cp = (UChar32)((c & 0x1F) << 6 | (p[i + 1] & 0x3F));
            if (cp < 0x80)
                goto full;
            i += 2;
        } else if ((c & 0xF0) == 0xE0 && i + 2 < len && (p[i + 1] & 0xC0) == 0x80 &&
                   (p[i + 2] & 0xC0) == 0x80) {
            cp = (UChar32)((c & 0x0F) << 12 | (p[i + 1] & 0x3F) << 6 | (p[i + 2] & 0x3F));
            if (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))
                goto full;
            i += 3;
        } else {
            goto full;
        }
        const pw_latin_entry *e = pw_latin_lookup(cp);
        uint8_t kind = e ? e->kind : PW_LK_UNKNOWN;
        if (!e) {
            if ((cp >= 0x2000 && cp <= 0x200A) || cp == 0x202F || cp == 0x205F ||
                (cp >= 0x201C && cp <= 0x201F) || cp == 0x2026)
                kind = PW_LK_SPACE;
            else if (cp >= 0x2010 && cp <= 0x2015)
                kind = PW_LK_HYPHEN;
            else if (cp == 0x2018 || cp == 0x2019 || cp == 0x201B || cp == 0x2032)
                kind = PW_LK_APOS;
        }
        switch (kind) {
        case PW_LK_LETTER:
            wb_add(s, &b, e->text, e->plain);
            break;
        case PW_LK_SPACE:
            wb_flush(s, &b, false);
            note_sep(s, PW_SEP_SPACE);
            break;
        case PW_LK_HYPHEN:
            wb_flush(s, &b, false);
            note_sep(s, PW_SEP_HYPHEN);
            break;
        case PW_LK_APOS:
            wb_flush(s, &b, false);
            note_sep(s, PW_SEP_APOS);
            break;
        case PW_LK_DROP:
            break;
        default:
            goto full;
        }
    }
    wb_flush(s, &b, false);
    return true;
full:
    s->n_words = first;
    s->pending_sep = pending;
    s->side1 = side1;
    s->slash = slash;
    s->truncated = truncated;
    return false;
}

enum { IN_WORD = 0, SEP_COMMA = 100, SEP_SLASH = 101 };

/* What a code point of NFKC text is: part of a word, or which separator. Agrees
 * with the Latin table on the characters the fast path accepts. */
static int classify(UChar32 c)
{
    if (c == 0xFFFD)
        return PW_SEP_SPACE;
    if (pw_is_apostrophe(c))
        return PW_SEP_APOS;
    if (c == ',' || c == 0x060C || c == 0x3001 || c == 0xFE50 || c == 0xFE51 || c == 0xFF64)
        return SEP_COMMA;
    if (c == '/' || c == 0x2044 || c == 0x2215)
        return SEP_SLASH;
    int8_t type = u_charType(c);
    if (type == U_DASH_PUNCTUATION || c == 0x2212)
        return PW_SEP_HYPHEN;
    uint32_t m = U_MASK(type);
    if (m & (U_GC_L_MASK | U_GC_M_MASK | U_GC_ND_MASK | U_GC_NL_MASK | U_GC_CF_MASK))
        return IN_WORD;
    return PW_SEP_SPACE;
}

/* Pushes the space-separated pieces of a transliteration: text and plain pair up
 * piece by piece (when their counts differ, plain repeats text). The first piece
 * takes the pending separator, the others `more`. */
static void push_pieces(pw_names_scratch *s, const char *text, const char *plain, uint8_t more)
{
    int nt = 0, np = 0;
    for (const char *p = text; *p; p++)
        nt += *p == ' ';
    for (const char *p = plain; *p; p++)
        np += *p == ' ';
    if (nt != np)
        plain = text;
    const char *t = text, *q = plain;
    bool first = true;
    while (*t) {
        const char *te = strchr(t, ' '), *qe = strchr(q, ' ');
        size_t tl = te ? (size_t)(te - t) : strlen(t);
        size_t ql = qe ? (size_t)(qe - q) : strlen(q);
        push_word(s, t, tl, q, ql, first ? s->pending_sep : more, true);
        first = false;
        t += tl + (te != NULL);
        q += ql + (qe != NULL);
    }
}

/* A word of Latin letters (after NFKC): the table, or ICU Latin-ASCII for the rare
 * letters outside it. Marks and format characters vanish. */
static int latin_word(pw_names_scratch *s, const UChar *w, int32_t n)
{
    wbuild b;
    b.tl = b.pl = 0;
    for (int32_t i = 0; i < n;) {
        UChar32 c;
        int32_t at = i;
        U16_NEXT(w, i, n, c);
        char one[2] = {0, 0};
        if (c < 0x80) {
            if ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
                one[0] = (char)c;
            else if (c >= 'a' && c <= 'z')
                one[0] = (char)(c - 32);
            wb_add(s, &b, one, one);
            continue;
        }
        const pw_latin_entry *e = pw_latin_lookup(c);
        if (e && e->kind == PW_LK_LETTER) {
            wb_add(s, &b, e->text, e->plain);
        } else if (u_isdigit(c)) {
            one[0] = (char)('0' + u_charDigitValue(c));
            wb_add(s, &b, one, one);
        } else if (u_isalpha(c) && u_charType(c) != U_MODIFIER_LETTER) {
            char a[PW_NAME_TOKEN_MAX];
            int r = pw_translit(s, PW_TR_ASCII, w + at, i - at, a, sizeof a);
            if (r < 0)
                return r;
            wb_add(s, &b, a, a);
        }
    }
    wb_flush(s, &b, false);
    return 0;
}

/* A Cyrillic word: text by the ICAO Doc 9303 table (letters it has no row for go
 * through ICU), plain by ICU's BGN/PCGN rules, Ukrainian ones when the word has a
 * letter only Ukrainian uses (Є І Ї Ґ). */
static int cyrillic_word(pw_names_scratch *s, const UChar *w, int32_t n)
{
    char text[2 * PW_NAME_TOKEN_MAX], plain[4 * PW_NAME_TOKEN_MAX];
    size_t tl = 0;
    bool ukrainian = false;
    for (int32_t i = 0; i < n;) {
        UChar32 c;
        int32_t at = i;
        U16_NEXT(w, i, n, c);
        UChar32 up = u_toupper(c);
        if (up == 0x0404 || up == 0x0406 || up == 0x0407 || up == 0x0490)
            ukrainian = true;
        const char *icao = pw_icao_cyrillic(c);
        char a[PW_NAME_TOKEN_MAX];
        if (!icao && u_isalpha(c)) {
            int r = pw_translit(s, PW_TR_ANY, w + at, i - at, a, sizeof a);
            if (r < 0)
                return r;
            icao = a;
        }
        for (; icao && *icao; icao++)
            if (*icao != ' ' && tl + 1 < sizeof text)
                text[tl++] = *icao;
    }
    text[tl] = '\0';
    int r = pw_translit(s, ukrainian ? PW_TR_UKRAINIAN : PW_TR_RUSSIAN, w, n, plain, sizeof plain);
    if (r < 0)
        return r;
    if (strchr(plain, ' ')) /* one word in, one word out */
        plain[0] = '\0';
    push_word(s, text, tl, plain, strlen(plain), s->pending_sep, true);
    return 0;
}

/* Number of letters in w[0..n). */
static int count_letters(const UChar *w, int32_t n)
{
    int k = 0;
    for (int32_t i = 0; i < n;) {
        UChar32 c;
        U16_NEXT(w, i, n, c);
        k += u_isalpha(c) != 0;
    }
    return k;
}

/* Does w[0..n) start with the code units of prefix (pn of them)? */
static bool starts_with(const UChar *w, int32_t n, const UChar *prefix, int32_t pn)
{
    return n >= pn && u_memcmp(w, prefix, pn) == 0;
}

/* Is c an Arabic "sun letter", the consonants the article assimilates (AL + RAHMAN
 * is said and often written AR-RAHMAN)? */
static bool sun_letter(UChar c)
{
    switch (c) {
    case 0x062A:
    case 0x062B:
    case 0x062F:
    case 0x0630:
    case 0x0631:
    case 0x0632:
    case 0x0633:
    case 0x0634:
    case 0x0635:
    case 0x0636:
    case 0x0637:
    case 0x0638:
    case 0x0644:
    case 0x0646:
        return true;
    default:
        return false;
    }
}

/* Does w[0..n) end in ه after a consonant letter? Word-final ه after a consonant
 * closes the word on a vowel: -a, -e or -ah (طه TAHA, زاده ZADA or ZADEH, طلحه TALHA,
 * الله ALLAH), where ICU writes a bare h (TH, ZADH, ALLH; TH would even read as the
 * digraph of ث). */
static bool final_heh_vowel(const UChar *w, int32_t n)
{
    int32_t i = n - 1;
    while (i > 0 && (U_GET_GC_MASK(w[i]) & U_GC_M_MASK))
        i--;
    if (i < 1 || w[i] != 0x0647)
        return false;
    i--;
    while (i > 0 && (U_GET_GC_MASK(w[i]) & U_GC_M_MASK))
        i--;
    switch (w[i]) {
    case 0x0621: /* ء and the letters that write long vowels */
    case 0x0622:
    case 0x0623:
    case 0x0624:
    case 0x0625:
    case 0x0626:
    case 0x0627:
    case 0x0648:
    case 0x0649:
    case 0x064A:
    case 0x06CC:
        return false;
    default:
        return u_isalpha(w[i]) != 0;
    }
}

/* Writes a word's final H (from ه, see final_heh_vowel) as AH, room permitting. */
static void final_heh_as_ah(pw_word *wd)
{
    if (wd->tlen < 2 || wd->text[wd->tlen - 1] != 'H' || wd->text[wd->tlen - 2] == 'A' ||
        wd->tlen + 1 >= PW_NAME_TOKEN_MAX || wd->plen + 1 >= PW_NAME_TOKEN_MAX ||
        wd->plain[wd->plen - 1] != 'H')
        return;
    wd->text[wd->tlen - 1] = 'A';
    wd->text[wd->tlen++] = 'H';
    wd->text[wd->tlen] = '\0';
    wd->plain[wd->plen - 1] = 'A';
    wd->plain[wd->plen++] = 'H';
    wd->plain[wd->plen] = '\0';
}

/* The length of the second element of a compound glued to the word before it, at
 * the end of w[0..n): الدين (-al-Din), الحق (-al-Haq), الله (Allah), after at least
 * two letters; 0 when there is none. */
static int32_t glued_compound_tail(const UChar *w, int32_t n)
{
    static const UChar din[] = {0x0627, 0x0644, 0x062F, 0x064A, 0x0646},
                       din2[] = {0x0627, 0x0644, 0x062F, 0x06CC, 0x0646},
                       haq[] = {0x0627, 0x0644, 0x062D, 0x0642},
                       allah[] = {0x0627, 0x0644, 0x0644, 0x0647};
    if (n >= 7 && (u_memcmp(w + n - 5, din, 5) == 0 || u_memcmp(w + n - 5, din2, 5) == 0))
        return 5;
    if (n >= 6 && (u_memcmp(w + n - 4, haq, 4) == 0 || u_memcmp(w + n - 4, allah, 4) == 0))
        return 4;
    return 0;
}

/* Flags the words pushed since index from as romanised from an abjad. */
static void mark_abjad(pw_names_scratch *s, int from)
{
    for (int i = from; i < s->n_words; i++)
        s->words[i].flags |= PW_WORD_ABJAD;
}

/* An Arabic-script word (in s->w, which it may change): letters ICU leaves alone
 * are mapped (pw_arabic_premap), a glued ABD or ABU and a glued article are split off
 * (عبدالرحمن -> ABD + AL + RHMN, ابوبكر -> ABW + BKR), each piece transliterated;
 * the pieces are joined by JOIN, and an article remembers a following sun letter. */
static int arabic_word(pw_names_scratch *s, UChar *w, int32_t n)
{
    static const UChar al[] = {0x0627, 0x0644}, abd[] = {0x0639, 0x0628, 0x062F},
                       abu[] = {0x0627, 0x0628, 0x0648}, abu2[] = {0x0623, 0x0628, 0x0648},
                       allah_word[] = {0x0627, 0x0644, 0x0644, 0x0647};
    int32_t end = n - 1;
    while (end > 0 && (U_GET_GC_MASK(w[end]) & U_GC_M_MASK))
        end--;
    bool ta_marbuta = end >= 0 && w[end] == 0x0629;
    pw_arabic_premap(w, n);
    /* A final alif maqsura (ى) is the vowel a (يحيى YAHYA, موسى MUSA, مصطفى MUSTAFA),
     * not ICU's y: it is written as alif (YHYA, one edit from YAHYA). */
    int32_t last = n - 1;
    while (last > 0 && (U_GET_GC_MASK(w[last]) & U_GC_M_MASK))
        last--;
    if (last > 0 && w[last] == 0x0649)
        w[last] = 0x0627;
    /* Persian values of the Arabic letters (ث S; ذ ض ظ Z) in the text form when the
     * name has a letter only Persian, Urdu or Pashto use, and in the plain form
     * otherwise: the other reading of those letters is kept as the plain form (فضل:
     * FDL, plain FZL as Afghans and Pakistanis write FAZL; in a Persian name ضیا: ZYA,
     * plain DYA as DIYA), which the matcher compares too. A word without those letters
     * gets as its other reading the spoken value of ق and ج: G in Arabic names
     * (Maghreb and Gulf GASMI, BELGACEM for قاسمي, بلقاسم; Egyptian RAGAB, GAMAL for
     * رجب, جمال), GH for ق in Persian ones (آقا AGHA). */
    UChar alt[PW_NAME_TOKEN_MAX];
    bool has_alt = false, spoken = false;
    for (int32_t i = 0; i < n; i++) {
        UChar c = w[i], p = c;
        if (c == 0x062B)
            p = 0x0633;
        else if (c == 0x0630 || c == 0x0636 || c == 0x0638)
            p = 0x0632;
        has_alt = has_alt || (p != c && c != 0x0638); /* ظ is Z either way */
        spoken = spoken || c == 0x0642 || (c == 0x062C && !s->persian);
        if (i < PW_NAME_TOKEN_MAX)
            alt[i] = s->persian ? c : p;
        w[i] = s->persian ? p : c;
    }
    has_alt = has_alt && n <= PW_NAME_TOKEN_MAX;
    if (!has_alt && spoken && n <= PW_NAME_TOKEN_MAX) {
        has_alt = true;
        for (int32_t i = 0; i < n; i++)
            alt[i] = w[i] == 0x0642 ? (s->persian ? 0x063A : 0x06AF)
                     : (w[i] == 0x062C && !s->persian) ? 0x06AF
                                                        : w[i];
    }
    int32_t cut[4], ncut = 0, pos = 0, article = -1;
    bool is_abu = starts_with(w, n, abu, 3) || starts_with(w, n, abu2, 3);
    if ((starts_with(w, n, abd, 3) || is_abu) && starts_with(w + 3, n - 3, al, 2) &&
        count_letters(w + 5, n - 5) >= 2) {
        cut[ncut++] = 3;
        pos = 3;
    } else if (is_abu && count_letters(w + 3, n - 3) >= 3) {
        cut[ncut++] = 3;
        pos = 3;
    }
    /* الله (ALLAH) keeps its article: it is one word, written ALLAH, -ULLAH, -OLLAH,
     * never with the article split off (AL + LH would leave a word LH that no Latin
     * spelling has, and an AL standing for nothing). */
    bool allah = n - pos == 4 && starts_with(w + pos, n - pos, allah_word, 4);
    if (!allah && starts_with(w + pos, n - pos, al, 2) &&
        count_letters(w + pos + 2, n - pos - 2) >= 2) {
        article = ncut;
        cut[ncut++] = pos + 2;
    }
    /* A compound glued into one word (نورالدين, نعمتالله) is cut before its article as
     * the compound written in two words is (NWR + AL + DYN, joined NWRALDYN and
     * NWRADDYN as NURUDDIN writes it; NAMT + ALLAH, joined NAMTALLAH). */
    int32_t tail = article < 0 ? glued_compound_tail(w + pos, n - pos) : 0;
    if (tail > 0) {
        cut[ncut++] = n - tail;
        if (tail != 4 || !starts_with(w + n - 4, 4, allah_word, 4)) {
            article = ncut;
            cut[ncut++] = n - tail + 2;
        }
    }
    cut[ncut++] = n;
    char out[4 * PW_NAME_TOKEN_MAX], out2[4 * PW_NAME_TOKEN_MAX];
    int32_t from = 0;
    const int before = s->n_words;
    for (int k = 0; k < ncut; k++) {
        int r = pw_translit(s, PW_TR_ANY, w + from, cut[k] - from, out, sizeof out);
        if (r >= 0 && has_alt)
            r = pw_translit(s, PW_TR_ANY, alt + from, cut[k] - from, out2, sizeof out2);
        if (r < 0)
            return r;
        if (s->n_words > before)
            s->pending_sep = PW_SEP_JOIN;
        int at = s->n_words;
        push_pieces(s, out, has_alt ? out2 : out, PW_SEP_SYLL);
        if (k == article && s->n_words == at + 1) {
            pw_word *a = &s->words[at];
            a->flags |= PW_WORD_ARTICLE;
            int32_t i = cut[k];
            while (i < n && (U_GET_GC_MASK(w[i]) & U_GC_M_MASK))
                i++;
            if (i < n && sun_letter(w[i]))
                a->sun = 1; /* the letter is known once the next piece is romanised */
        }
        from = cut[k];
    }
    for (int i = before; i + 1 < s->n_words; i++)
        if (s->words[i].sun)
            s->words[i].sun = s->words[i + 1].text[0];
    mark_abjad(s, before);
    if (ta_marbuta && s->n_words > before)
        s->words[s->n_words - 1].flags |= PW_WORD_TA_MARBUTA;
    if (s->n_words > before && final_heh_vowel(w, n))
        final_heh_as_ah(&s->words[s->n_words - 1]);
    return 0;
}

static bool is_kana(UScriptCode sc)
{
    return sc == USCRIPT_HIRAGANA || sc == USCRIPT_KATAKANA || sc == USCRIPT_KATAKANA_OR_HIRAGANA;
}

static UScriptCode script_of(UChar32 c)
{
    UErrorCode err = U_ZERO_ERROR;
    return uscript_getScript(c, &err);
}

/* Flags the words pushed since index from as romanised syllables (PW_WORD_SYLLABIC). */
static void mark_syllabic(pw_names_scratch *s, int from)
{
    for (int i = from; i < s->n_words; i++)
        s->words[i].flags |= PW_WORD_SYLLABIC;
}

/* A word of Han characters, possibly with kana (Japanese names: 佐々木, くみ子): one
 * transliteration per Han character (ICU's Han-Latin costs ~5 us a character and
 * grows faster than the length on longer strings; it gives one syllable per
 * character anyway), one per run of kana. Each becomes a SYLL piece. */
static int han_word(pw_names_scratch *s, const UChar *w, int32_t n)
{
    char out[4 * PW_NAME_TOKEN_MAX];
    const int before = s->n_words;
    bool kana = false;
    for (int32_t i = 0; i < n;) {
        int32_t at = i;
        UChar32 c;
        U16_NEXT(w, i, n, c);
        UScriptCode sc = script_of(c);
        kana = kana || is_kana(sc);
        while (is_kana(sc) && i < n) { /* a run of kana (and the marks and ー within) */
            int32_t j = i;
            UChar32 d;
            U16_NEXT(w, j, n, d);
            UScriptCode sd = script_of(d);
            if (!is_kana(sd) && sd != USCRIPT_COMMON && sd != USCRIPT_INHERITED)
                break;
            i = j;
        }
        while (i < n) { /* keep marks with their character */
            int32_t j = i;
            UChar32 d;
            U16_NEXT(w, j, n, d);
            if (!(U_GET_GC_MASK(d) & U_GC_M_MASK))
                break;
            i = j;
        }
        int r = (i - at <= 2 && sc == USCRIPT_HAN)
                    ? pw_translit_han(s, c, out, sizeof out)
                    : pw_translit(s, PW_TR_ANY, w + at, i - at, out, sizeof out);
        if (r < 0)
            return r;
        if (s->n_words > before)
            s->pending_sep = PW_SEP_SYLL;
        push_pieces(s, out, out, PW_SEP_SYLL);
    }
    if (!kana) /* kana spell sounds (foreign names: バラク BARAKU), not characters */
        mark_syllabic(s, before);
    return 0;
}

/* One source word (NFKC, no separators inside): confusables folded, then by script. */
static int source_word(pw_names_scratch *s, const UChar *src, int32_t n)
{
    int nlatin = 0, nother = 0;
    UScriptCode other = USCRIPT_COMMON;
    bool several = false, japanese = true; /* only Han and kana letters */
    for (int32_t i = 0; i < n;) {
        UChar32 c;
        U16_NEXT(src, i, n, c);
        if (!u_isalpha(c))
            continue;
        UErrorCode err = U_ZERO_ERROR;
        UScriptCode sc = uscript_getScript(c, &err);
        if (sc == USCRIPT_COMMON || sc == USCRIPT_INHERITED)
            continue;
        if (sc == USCRIPT_LATIN) {
            nlatin++;
        } else {
            nother++;
            japanese = japanese && (sc == USCRIPT_HAN || is_kana(sc));
            if (other == USCRIPT_COMMON)
                other = sc;
            else if (sc != other)
                several = true;
        }
    }
    if (!pw_grow_u(&s->w, &s->wcap, n + 1))
        return PW_ENOMEM;
    UChar *w = s->w;
    int32_t wn = 0;
    if (nlatin && nother && !several) {
        /* Mixed Latin and one other script: the minority letters become their
         * look-alikes in the majority script when ICU's skeletons have one. */
        bool to_latin = nlatin >= nother;
        int left = 0;
        for (int32_t i = 0; i < n;) {
            UChar32 c, t = 0;
            U16_NEXT(src, i, n, c);
            UErrorCode err = U_ZERO_ERROR;
            UScriptCode sc = u_isalpha(c) ? uscript_getScript(c, &err) : USCRIPT_COMMON;
            if (to_latin && sc == other)
                t = pw_confusable_latin(s, c);
            else if (!to_latin && sc == USCRIPT_LATIN)
                t = pw_confusable_twin(c, other);
            if ((to_latin && sc == other) || (!to_latin && sc == USCRIPT_LATIN))
                left += t == 0;
            U16_APPEND_UNSAFE(w, wn, t ? t : c);
        }
        if (left == 0) {
            if (to_latin)
                nother = 0;
            else
                nlatin = 0;
        }
    } else {
        u_memcpy(w, src, n);
        wn = n;
    }
    if (nother == 0)
        return latin_word(s, w, wn);
    char text[4 * PW_NAME_TOKEN_MAX], plain[4 * PW_NAME_TOKEN_MAX];
    int r;
    if (nlatin == 0 && !several) {
        switch (other) {
        case USCRIPT_CYRILLIC:
            return cyrillic_word(s, w, wn);
        case USCRIPT_ARABIC:
            return arabic_word(s, w, wn);
        case USCRIPT_HAN:
        case USCRIPT_HIRAGANA:
        case USCRIPT_KATAKANA:
            return han_word(s, w, wn);
        case USCRIPT_GREEK:
            if ((r = pw_translit(s, PW_TR_GREEK, w, wn, text, sizeof text)) < 0 ||
                (r = pw_translit(s, PW_TR_ANY, w, wn, plain, sizeof plain)) < 0)
                return r;
            push_pieces(s, text, plain, PW_SEP_SYLL);
            return 0;
        default:
            break;
        }
    }
    if (nlatin == 0 && (other == USCRIPT_HAN || is_kana(other)) && japanese)
        return han_word(s, w, wn);
    if ((r = pw_translit(s, PW_TR_ANY, w, wn, text, sizeof text)) < 0)
        return r;
    const int before = s->n_words;
    push_pieces(s, text, text, PW_SEP_SYLL);
    if (nlatin == 0 && !several && other == USCRIPT_HANGUL)
        mark_syllabic(s, before);
    if (nlatin == 0 && !several && (other == USCRIPT_HEBREW || other == USCRIPT_SYRIAC))
        mark_abjad(s, before);
    return 0;
}

/* The full path: see the note at the top. */
static int split_full(pw_names_scratch *s, const char *p, size_t len)
{
    const int first = s->n_words;
    int32_t n16 = 0, subs = 0;
    UErrorCode err = U_ZERO_ERROR;
    if (!pw_grow_u(&s->u, &s->ucap, (int32_t)len + 1))
        return PW_ENOMEM;
    u_strFromUTF8WithSub(s->u, s->ucap, &n16, p, (int32_t)len, 0xFFFD, &subs, &err);
    if (U_FAILURE(err))
        return PW_EINTERNAL;
    if (subs)
        s->invalid = true;
    const UNormalizer2 *nfkc = unorm2_getNFKCInstance(&err);
    int32_t nn = 0;
    for (int32_t want = n16 + 16;; want *= 2) {
        if (!pw_grow_u(&s->n, &s->ncap, want))
            return PW_ENOMEM;
        err = U_ZERO_ERROR;
        nn = unorm2_normalize(nfkc, s->u, n16, s->n, s->ncap, &err);
        if (err != U_BUFFER_OVERFLOW_ERROR)
            break;
    }
    if (U_FAILURE(err))
        return PW_EINTERNAL;
    for (int32_t i = 0; i < nn && !s->persian; i++) /* پ چ ژ گ ک ی and Urdu, Pashto letters */
        s->persian = s->n[i] >= 0x0679 && s->n[i] <= 0x06D5;
    int32_t start = -1;
    for (int32_t i = 0; i < nn;) {
        int32_t at = i;
        UChar32 c;
        U16_NEXT(s->n, i, nn, c);
        int kind = classify(c);
        if (kind == IN_WORD) {
            if (start < 0)
                start = at;
            continue;
        }
        if (start >= 0) {
            int r = source_word(s, s->n + start, at - start);
            if (r < 0)
                return r;
            start = -1;
        }
        if (kind == SEP_COMMA || kind == SEP_SLASH)
            note_side(s, first, kind == SEP_SLASH);
        else
            note_sep(s, (uint8_t)kind);
    }
    if (start >= 0)
        return source_word(s, s->n + start, nn - start);
    return 0;
}

int pw_split(pw_names_scratch *s, const char *text, uint8_t field)
{
    if (!text)
        return 0;
    s->field = field;
    s->pending_sep = s->n_words ? PW_SEP_SPACE : PW_SEP_NONE;
    size_t len = strlen(text);
    if (len > PW_INPUT_MAX) {
        len = PW_INPUT_MAX;
        while (len > 0 && ((unsigned char)text[len] & 0xC0) == 0x80)
            len--; /* cut at a character boundary */
        s->truncated = true;
    }
    if (split_fast(s, (const unsigned char *)text, len))
        return 0;
    return split_full(s, text, len);
}

/* ---- tokens ----------------------------------------------------------------- */

enum wkind {
    WK_NAME = 0,
    WK_TITLE,    /* MR, DR, ... */
    WK_SUFFIX,   /* JR, III, ... */
    WK_FNU,      /* given name unknown */
    WK_LNU,      /* surname unknown */
    WK_UNKNOWN,  /* a placeholder: which part by position */
    WK_PARTICLE, /* AL, VAN, ...: when a word follows */
    WK_ARTICLE,  /* AD, UR, ...: when hyphen-joined to the word after */
};

/* Titles, suffixes, placeholders and particles (upper case, at most 7 letters). */
static const struct special {
    const char *w;
    uint8_t kind;
} specials[] = {
    {"ABD", WK_PARTICLE},    {"ABDAL", WK_PARTICLE}, {"ABDEL", WK_PARTICLE},
    {"ABDER", WK_PARTICLE},  {"ABDES", WK_PARTICLE}, {"ABDOUL", WK_PARTICLE},
    {"ABDUL", WK_PARTICLE},  {"ABDUR", WK_PARTICLE}, {"ABDUS", WK_PARTICLE},
    {"ABOU", WK_PARTICLE},   {"ABU", WK_PARTICLE},   {"ABW", WK_PARTICLE},
    {"AD", WK_ARTICLE},      {"AL", WK_PARTICLE},    {"AN", WK_ARTICLE},
    {"AR", WK_ARTICLE},      {"AS", WK_ARTICLE},     {"ASH", WK_ARTICLE},
    {"AT", WK_ARTICLE},      {"AZ", WK_ARTICLE},     {"BEN", WK_PARTICLE},
    {"BENT", WK_PARTICLE},   {"BIN", WK_PARTICLE},   {"BINT", WK_PARTICLE},
    {"BINTI", WK_PARTICLE},  {"BN", WK_PARTICLE},    {"BNT", WK_PARTICLE},
    {"DA", WK_PARTICLE},     {"DAS", WK_PARTICLE},   {"DE", WK_PARTICLE},
    {"DEGLI", WK_PARTICLE},  {"DEI", WK_PARTICLE},   {"DEL", WK_PARTICLE},
    {"DELA", WK_PARTICLE},   {"DELLA", WK_PARTICLE}, {"DELLE", WK_PARTICLE},
    {"DELLO", WK_PARTICLE},  {"DEN", WK_PARTICLE},   {"DER", WK_PARTICLE},
    {"DES", WK_PARTICLE},    {"DI", WK_PARTICLE},    {"DO", WK_PARTICLE},
    {"DOS", WK_PARTICLE},    {"DR", WK_TITLE},       {"DU", WK_PARTICLE},
    {"ED", WK_ARTICLE},      {"EL", WK_PARTICLE},    {"EN", WK_ARTICLE},
    {"ER", WK_ARTICLE},      {"ES", WK_ARTICLE},     {"ET", WK_ARTICLE},
    {"EZ", WK_ARTICLE},      {"FNU", WK_FNU},        {"IBN", WK_PARTICLE},
    {"II", WK_SUFFIX},       {"III", WK_SUFFIX},     {"IV", WK_SUFFIX},
    {"JNR", WK_SUFFIX},      {"JR", WK_SUFFIX},      {"LA", WK_PARTICLE},
    {"LAS", WK_PARTICLE},    {"LE", WK_PARTICLE},    {"LES", WK_PARTICLE},
    {"LNU", WK_LNU},         {"LO", WK_PARTICLE},    {"LOS", WK_PARTICLE},
    {"MAC", WK_PARTICLE},    {"MC", WK_PARTICLE},    {"MISS", WK_TITLE},
    {"MLLE", WK_TITLE},      {"MME", WK_TITLE},      {"MR", WK_TITLE},
    {"MRS", WK_TITLE},       {"MS", WK_TITLE},       {"MSTR", WK_TITLE},
    {"MX", WK_TITLE},        {"NFN", WK_FNU},        {"OULD", WK_PARTICLE},
    {"PROF", WK_TITLE},      {"SIR", WK_TITLE},      {"SNR", WK_SUFFIX},
    {"SR", WK_SUFFIX},       {"ST", WK_PARTICLE},    {"STE", WK_PARTICLE},
    {"TEN", WK_PARTICLE},    {"TER", WK_PARTICLE},   {"UD", WK_ARTICLE},
    {"UL", WK_ARTICLE},      {"UN", WK_ARTICLE},     {"UNK", WK_UNKNOWN},
    {"UNKNOWN", WK_UNKNOWN}, {"UR", WK_ARTICLE},     {"US", WK_ARTICLE},
    {"UZ", WK_ARTICLE},      {"VAN", WK_PARTICLE},   {"VON", WK_PARTICLE},
    {"XX", WK_UNKNOWN},      {"XXX", WK_UNKNOWN},    {"ZU", WK_PARTICLE},
    {"ZUR", WK_PARTICLE},
};

/* The special words packed into 64-bit keys (up to 7 letters), in an open-addressing
 * table built once per process. */
#define SPECIAL_SLOTS 512
static struct {
    uint64_t key;
    uint8_t kind;
} special_table[SPECIAL_SLOTS];

/* The first len (<= 7) bytes of w as a key. w must have 8 readable bytes: the
 * bytes after len are masked off (one 8-byte load, no partial copies that would
 * stall store forwarding). */
static uint64_t pack_word(const char *w, size_t len)
{
    uint64_t k;
    memcpy(&k, w, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    return k >> (8 * (8 - len));
#else
    return k & (((uint64_t)1 << (8 * len)) - 1);
#endif
}

static size_t special_slot(uint64_t key)
{
    return (size_t)((key * 0x9E3779B97F4A7C15u) >> 55) & (SPECIAL_SLOTS - 1);
}

static void build_special_table(void)
{
    for (size_t i = 0; i < sizeof specials / sizeof specials[0]; i++) {
        char w[8] = {0};
        memcpy(w, specials[i].w, strlen(specials[i].w));
        uint64_t key = pack_word(w, strlen(specials[i].w));
        size_t j = special_slot(key);
        while (special_table[j].key)
            j = (j + 1) & (SPECIAL_SLOTS - 1);
        special_table[j].key = key;
        special_table[j].kind = specials[i].kind;
    }
}

/* What a word is. Only Latin-script words are titles or placeholders: عمر comes out
 * of ICU as AMR, and a transliteration could come out as MR. */
static uint8_t word_kind(const pw_word *w)
{
    if (w->tlen < 2 || w->tlen > 7)
        return WK_NAME;
    uint64_t key = pack_word(w->text, w->tlen);
    size_t j = special_slot(key);
    while (special_table[j].key && special_table[j].key != key)
        j = (j + 1) & (SPECIAL_SLOTS - 1);
    uint8_t kind = special_table[j].key ? special_table[j].kind : WK_NAME;
    if ((w->flags & PW_WORD_NONLATIN) && kind != WK_PARTICLE && kind != WK_ARTICLE)
        return WK_NAME;
    return kind;
}

/* Cuts a glued PNR title off the end of a given-name word (CHARLESMR -> CHARLES).
 * Returns true when it did. See the note at the top for the rule. */
static bool cut_glued_title(pw_word *w, bool pnr)
{
    static const char *const titles[] = {"MSTR", "MISS", "MRS", "MR", "MS"};
    for (size_t i = 0; i < sizeof titles / sizeof titles[0]; i++) {
        size_t tl = strlen(titles[i]);
        if (i == 4 && !pnr)
            break;
        if (w->tlen < tl + 3 || w->plen < tl + 3 ||
            memcmp(w->text + w->tlen - tl, titles[i], tl) != 0 ||
            memcmp(w->plain + w->plen - tl, titles[i], tl) != 0)
            continue;
        w->tlen = (uint8_t)(w->tlen - tl);
        w->plen = (uint8_t)(w->plen - tl);
        w->text[w->tlen] = '\0';
        w->plain[w->plen] = '\0';
        return true;
    }
    return false;
}

/* Where a title may be glued to a word the rule above does not cut (a title glued to
 * the given names that a sender then put in the surname field, or a whole name with
 * no comma or slash: ALIMR FAZLI, MALEKI NASERMR), the word is read both ways: text
 * becomes the word without the title, so that every key (spelling, edits, skeleton,
 * sound) works on the name itself, and plain keeps the word as written, so that a
 * real name ending in those letters still meets itself. Only MSTR, MISS, MRS and MR
 * (never DR; MS only when with_ms: on the last given-name word, where a PNR glues
 * it as it glues MR, AQSAMS for AQSA MS, but not on other words, where ADAMS and
 * WILLIAMS are mostly surnames), only with at least two letters left, and only for a
 * Latin word written without accents (text equal to plain). Returns true when it
 * did. */
static bool glued_title_reading(pw_word *w, bool with_ms)
{
    static const char *const titles[] = {"MSTR", "MISS", "MRS", "MR", "MS"};
    char last = w->tlen ? w->text[w->tlen - 1] : '\0';
    if (last != 'R' && last != 'S') /* how every title ends: most words go no further */
        return false;
    if ((w->flags & PW_WORD_NONLATIN) || w->tlen != w->plen ||
        memcmp(w->text, w->plain, w->tlen) != 0)
        return false;
    for (size_t i = 0; i < sizeof titles / sizeof titles[0] - !with_ms; i++) {
        size_t tl = strlen(titles[i]);
        if (w->tlen < tl + 2 || memcmp(w->text + w->tlen - tl, titles[i], tl) != 0)
            continue;
        w->tlen = (uint8_t)(w->tlen - tl);
        w->text[w->tlen] = '\0';
        return true;
    }
    return false;
}

/* Appends a token; false when the name is full. */
static bool add_token(pw_name *out, const char *text, size_t tlen, const char *plain, size_t plen,
                      int word, int span, uint16_t flags)
{
    if (out->n_tokens >= PW_NAME_MAX_TOKENS) {
        out->truncated = true;
        return false;
    }
    pw_name_token *t = &out->tokens[out->n_tokens++];
    memcpy(t->text, text, tlen);
    t->text[tlen] = '\0';
    memcpy(t->plain, plain, plen);
    t->plain[plen] = '\0';
    t->len = (uint8_t)tlen;
    t->word = (uint8_t)word;
    t->span = (uint8_t)span;
    t->flags = flags;
    return true;
}

/* Do kept words a and b belong to the same part of the name? */
static bool same_part(const pw_word *a, const pw_word *b)
{
    return a->field == b->field && (a->flags & PW_WORD_SIDE1) == (b->flags & PW_WORD_SIDE1);
}

/* Adds the joined variant of kept words k[from..to] (indices into s->words), unless
 * it is too long or a token with its text already covers those words. With
 * assimilate, an Arabic article before a sun letter is written as the assimilated
 * article (AL + RHMN -> ARRHMN), and nothing is added when the run has no such
 * article. */
static void add_joined(pw_names_scratch *s, pw_name *out, const int *k, int from, int to,
                       uint16_t field_flags, bool assimilate)
{
    char text[PW_NAME_TOKEN_MAX], plain[PW_NAME_TOKEN_MAX];
    size_t tl = 0, pl = 0;
    bool changed = false;
    for (int i = from; i <= to; i++) {
        const pw_word *w = &s->words[k[i]];
        char sun[3] = {'A', w->sun, '\0'};
        bool as = assimilate && w->sun && i < to;
        const char *t = as ? sun : w->text, *p = as ? sun : w->plain;
        size_t wtl = as ? 2 : w->tlen, wpl = as ? 2 : w->plen;
        /* ة before the next element of a compound is said t, the construct state
         * (هداية الله: HIDAYATULLAH) */
        bool ta = (w->flags & PW_WORD_TA_MARBUTA) && i < to;
        changed = changed || as;
        if (tl + wtl + ta >= sizeof text || pl + wpl + ta >= sizeof plain) {
            out->truncated = true;
            return;
        }
        memcpy(text + tl, t, wtl);
        tl += wtl;
        memcpy(plain + pl, p, wpl);
        pl += wpl;
        if (ta) {
            text[tl++] = 'T';
            plain[pl++] = 'T';
        }
    }
    if (assimilate && !changed)
        return;
    bool syllabic = true;
    for (int i = from; i <= to; i++)
        syllabic = syllabic && (s->words[k[i]].flags & PW_WORD_SYLLABIC);
    if (syllabic)
        field_flags |= PW_TOKEN_SYLLABIC;
    for (int i = from; i <= to; i++)
        if (s->words[k[i]].flags & PW_WORD_ABJAD)
            field_flags |= PW_TOKEN_ABJAD;
    text[tl] = '\0';
    for (int i = 0; i < out->n_tokens; i++)
        if (out->tokens[i].len == tl && memcmp(out->tokens[i].text, text, tl) == 0 &&
            out->tokens[i].word <= from && out->tokens[i].word + out->tokens[i].span > to)
            return;
    add_token(out, text, tl, plain, pl, from, to - from + 1, PW_TOKEN_JOINED | field_flags);
}

/* Both forms of a joined variant: as written, and with assimilated articles. */
static void add_joined2(pw_names_scratch *s, pw_name *out, const int *k, int from, int to,
                        uint16_t field_flags)
{
    add_joined(s, out, k, from, to, field_flags, false);
    add_joined(s, out, k, from, to, field_flags, true);
}

/* Is w the rest of the second element of an Arabic theophoric or religious compound
 * (-al-Din, -Allah, -al-Haq: NOUREDDINE, SAIFULLAH, INAMULHAQ), the compounds Latin
 * spellings write as one word? Only these are joined with the word before: a join
 * of any word with the next article (HSYN + ALTKRYTY) would be a token no spelling
 * has. Measured on the UN list: 96.6% of words met with these three, 96.7% with all
 * words, 93.6% with none. */
static bool compound_tail(const pw_word *w)
{
    return !strcmp(w->text, "DYN") || !strcmp(w->text, "LH") || !strcmp(w->text, "HQ");
}

/* Is w, a separate word of Arabic script, the second element of a compound that Latin
 * spellings write as one word? الله (RAHMAT ALLAH: RAHMATULLAH, HIDAYATULLAH) and the
 * Persian and Pashto name elements زاده (-ZADA, son of: AKHUNDZADA), جان (-JAN, dear:
 * WALIJAN) and خیل (-KHEL, clan: SHAHIDKHEL), which Dari and Pashto write apart and
 * Latin spellings mostly glue to the word before. */
static bool compound_element(const pw_word *w)
{
    return !strcmp(w->text, "ALLAH") || !strcmp(w->text, "ZADAH") || !strcmp(w->text, "JAN") ||
           !strcmp(w->text, "KHYL");
}

/* From s->words to out's tokens: see the note at the top. */
static void build_tokens(pw_names_scratch *s, pw_name *out, bool parts)
{
    const int nw = s->n_words;
    pw_word *W = s->words;
    uint8_t kind[PW_WORDS_MAX];
    int real = 0;
    for (int i = 0; i < nw; i++) {
        kind[i] = word_kind(&W[i]);
        real += kind[i] == WK_NAME || kind[i] == WK_PARTICLE || kind[i] == WK_ARTICLE;
    }
    /* "SURNAME, Given" or "SURNAME/GIVEN": fields from the sides when both have words. */
    if (!parts && s->side1) {
        bool side[2] = {false, false};
        for (int i = 0; i < nw; i++)
            if (kind[i] == WK_NAME || kind[i] == WK_PARTICLE || kind[i] == WK_ARTICLE)
                side[(W[i].flags & PW_WORD_SIDE1) != 0] = true;
        if (side[0] && side[1])
            for (int i = 0; i < nw; i++)
                W[i].field = (W[i].flags & PW_WORD_SIDE1) ? PW_TOKEN_GIVEN : PW_TOKEN_SURNAME;
    }
    int k[PW_WORDS_MAX], nk = 0; /* kept words */
    int seen_real = 0;
    for (int i = 0; i < nw; i++) {
        switch (kind[i]) {
        case WK_TITLE:
        case WK_SUFFIX:
            if (real > 0) {
                out->n_titles++;
                continue;
            }
            kind[i] = WK_NAME;
            break;
        case WK_FNU:
            out->given_unknown = true;
            continue;
        case WK_LNU:
            out->surname_unknown = true;
            continue;
        case WK_UNKNOWN:
            if (W[i].field == PW_TOKEN_GIVEN || (W[i].field == 0 && seen_real == 0))
                out->given_unknown = true;
            else
                out->surname_unknown = true;
            continue;
        default:
            break;
        }
        seen_real++;
        k[nk++] = i;
    }
    /* A glued title on the last given-name word: cut, or for MS outside the slash
     * form, read both ways. */
    uint16_t title_flag[PW_WORDS_MAX] = {0};
    int cut_at = -1;
    for (int j = nk - 1; j >= 0; j--) {
        if (W[k[j]].field != PW_TOKEN_GIVEN)
            continue;
        if (kind[k[j]] == WK_NAME && cut_glued_title(&W[k[j]], s->slash))
            out->n_titles++;
        else if (kind[k[j]] == WK_NAME && nk >= 2 && glued_title_reading(&W[k[j]], true))
            title_flag[j] = PW_TOKEN_GLUED_TITLE;
        cut_at = j;
        break;
    }
    /* A title possibly glued to any other word: read both ways (see glued_title_reading). */
    if (nk >= 2)
        for (int j = 0; j < nk; j++)
            if (j != cut_at && kind[k[j]] == WK_NAME && glued_title_reading(&W[k[j]], false))
                title_flag[j] = PW_TOKEN_GLUED_TITLE;
    /* Words. */
    for (int j = 0; j < nk; j++) {
        const pw_word *w = &W[k[j]];
        const pw_word *next = j + 1 < nk ? &W[k[j + 1]] : NULL;
        bool glued =
            next && same_part(w, next) &&
            (next->sep == PW_SEP_HYPHEN || next->sep == PW_SEP_APOS || next->sep == PW_SEP_JOIN);
        uint16_t flags = (uint16_t)(w->field | title_flag[j] |
                                    ((w->flags & PW_WORD_SYLLABIC) ? PW_TOKEN_SYLLABIC : 0) |
                                    ((w->flags & PW_WORD_ABJAD) ? PW_TOKEN_ABJAD : 0));
        /* A single letter is an initial, unless an apostrophe ties it to the word
         * before (HYO'K, the McCune-Reischauer HYŎK: one syllable, not H. K.). */
        if (w->tlen == 1 && w->sep != PW_SEP_APOS)
            flags |= PW_TOKEN_INITIAL;
        if (next && same_part(w, next) &&
            (kind[k[j]] == WK_PARTICLE || (kind[k[j]] == WK_ARTICLE && glued) ||
             (w->tlen == 1 && strchr("ODL", w->text[0]) && next->sep == PW_SEP_APOS)))
            flags |= PW_TOKEN_PARTICLE;
        if (!add_token(out, w->text, w->tlen, w->plain, w->plen, j, 1, flags))
            break;
    }
    out->n_words = out->n_tokens;
    /* Joined variants: runs glued by hyphens, apostrophes, the article split, syllables. */
    for (int j = 0; j < nk;) {
        int e = j;
        bool syll = true;
        while (e + 1 < nk && same_part(&W[k[e]], &W[k[e + 1]]) &&
               (W[k[e + 1]].sep == PW_SEP_HYPHEN || W[k[e + 1]].sep == PW_SEP_APOS ||
                W[k[e + 1]].sep == PW_SEP_JOIN || W[k[e + 1]].sep == PW_SEP_SYLL)) {
            syll = syll && W[k[e + 1]].sep == PW_SEP_SYLL;
            e++;
        }
        if (e > j && e < out->n_words) {
            add_joined2(s, out, k, j, e, W[k[j]].field);
            if (syll && e - j >= 2)
                add_joined(s, out, k, j + 1, e, W[k[j]].field, false);
        }
        j = e + 1;
    }
    /* Runs of initials in one part joined (S. M. -> SM), as bookings and documents
     * often write them: SM TUFAIL for TUFAIL, S.M. */
    for (int j = 0; j < out->n_words;) {
        int e = j;
        while (e + 1 < out->n_words &&
               (out->tokens[e].flags & out->tokens[e + 1].flags & PW_TOKEN_INITIAL) &&
               same_part(&W[k[e]], &W[k[e + 1]]))
            e++;
        if (e > j)
            add_joined(s, out, k, j, e, W[k[j]].field, false);
        j = e + 1;
    }
    /* Arabic compounds: a word, the article split off the next one, and the rest
     * (نور الدين -> NWRALDYN, NWRADDYN), as Latin spellings glue them (NOUREDDINE);
     * see compound_tail. */
    for (int j = 1; j < out->n_words; j++) {
        const pw_word *a = &W[k[j]], *b = &W[k[j - 1]];
        if ((a->flags & b->flags & PW_WORD_NONLATIN) && a->sep == PW_SEP_SPACE && same_part(b, a) &&
            !(b->flags & PW_WORD_ARTICLE) && !(out->tokens[j - 1].flags & PW_TOKEN_PARTICLE) &&
            compound_element(a))
            add_joined2(s, out, k, j - 1, j, W[k[j]].field);
        if (j + 1 >= out->n_words)
            continue;
        if ((a->flags & PW_WORD_ARTICLE) && W[k[j + 1]].sep == PW_SEP_JOIN &&
            same_part(&W[k[j - 1]], a) && (W[k[j - 1]].flags & PW_WORD_NONLATIN) &&
            !(W[k[j - 1]].flags & PW_WORD_ARTICLE) && a->sep != PW_SEP_JOIN &&
            !(out->tokens[j - 1].flags & PW_TOKEN_PARTICLE) && compound_tail(&W[k[j + 1]]))
            add_joined2(s, out, k, j - 1, j + 1, W[k[j]].field);
    }
    /* Particles with the word after them. */
    for (int j = 0; j < out->n_words;) {
        if (!(out->tokens[j].flags & PW_TOKEN_PARTICLE)) {
            j++;
            continue;
        }
        int e = j;
        while (e < out->n_words && (out->tokens[e].flags & PW_TOKEN_PARTICLE) && e + 1 < nk &&
               same_part(&W[k[e]], &W[k[e + 1]]))
            e++;
        if (e < out->n_words && e > j && !(out->tokens[e].flags & PW_TOKEN_PARTICLE)) {
            add_joined2(s, out, k, j, e, W[k[j]].field);
            if (e - j >= 2)
                add_joined2(s, out, k, e - 1, e, W[k[j]].field);
        }
        j = e > j ? e : j + 1;
    }
    for (int i = 0; i < out->n_tokens; i++) {
        if (s->no_skeletons)
            out->tokens[i].skeleton[0] = '\0';
        else
            pw_names_skeleton(out->tokens[i].text, out->tokens[i].skeleton);
    }
}

int pw_name_analyse(pw_names_scratch *s, const char *full, const char *surname, const char *given,
                    pw_name *out)
{
    out->n_tokens = out->n_words = out->n_titles = 0;
    out->given_unknown = out->surname_unknown = false;
    out->non_latin = out->invalid_utf8 = out->truncated = false;
    pw_split_begin(s);
    bool parts = (surname && *surname) || (given && *given);
    int rc = 0;
    if (parts) {
        rc = pw_split(s, given, PW_TOKEN_GIVEN);
        if (rc == 0)
            rc = pw_split(s, surname, PW_TOKEN_SURNAME);
        if (rc == 0 && s->n_words == 0 && full && *full) {
            parts = false;
            pw_split_begin(s);
        }
    }
    if (rc == 0 && !parts)
        rc = pw_split(s, full, 0);
    if (rc < 0)
        return rc;
    build_tokens(s, out, parts);
    out->non_latin = s->nonlatin;
    out->invalid_utf8 = s->invalid;
    out->truncated = out->truncated || s->truncated;
    return 0;
}

int pw_names_latin(pw_names_scratch *s, const char *text, char *out, size_t cap)
{
    if (!out || cap == 0)
        return PW_EINVAL;
    out[0] = '\0';
    pw_split_begin(s);
    int rc = pw_split(s, text, 0);
    if (rc < 0)
        return rc;
    size_t w = 0;
    for (int i = 0; i < s->n_words; i++) {
        const pw_word *wd = &s->words[i];
        if (i > 0 && wd->sep != PW_SEP_JOIN) {
            if (w + 2 >= cap) /* a space only before at least one letter */
                break;
            out[w++] = ' ';
        }
        size_t n = wd->tlen < cap - 1 - w ? wd->tlen : cap - 1 - w;
        memcpy(out + w, wd->text, n);
        w += n;
        if (n < wd->tlen)
            break;
    }
    out[w] = '\0';
    return 0;
}
