/*
 * analyse_int.h: what the name-analysis files of engine/names share. Not a public
 * header: only analyse.c, translit.c and skeleton.c include it.
 *
 * The analysis runs in two stages. The splitter (analyse.c) turns the input into
 * "words": runs of letters between separators, each already in Latin capitals, in two
 * forms (text: ICAO Doc 9303 where it applies; plain: accent-stripped or a second
 * common romanisation), with the separator that preceded it. The token builder
 * (analyse.c) then sets titles and placeholders aside, flags particles and initials,
 * adds joined variants and computes skeletons (unless the scratch's no_skeletons says
 * the caller does). translit.c holds the character tables
 * (built once per process from ICU data, plus the ICAO tables) and the ICU
 * transliteration of one word, with a cache every scratch shares.
 *
 * Thread safety: the process-wide tables are built once (pthread_once) and are
 * read-only afterwards; the transliteration cache and the Han table are shared and
 * guarded by translit.c's mutexes; everything else lives in the caller's scratch.
 */
#ifndef PW_NAMES_ANALYSE_INT_H
#define PW_NAMES_ANALYSE_INT_H

#include "names/names.h"

#include <unicode/uspoof.h>
#include <unicode/utrans.h>
#include <unicode/utypes.h>

#define PW_WORDS_MAX 64      /* words kept from one call; more are dropped */
#define PW_INPUT_MAX 4096    /* bytes of one name read; more are dropped */
#define PW_TCACHE_SLOTS 16384 /* transliteration cache entries per process (~1.2 MB) */
#define PW_TCACHE_KEY 16     /* UTF-16 units of a cacheable word */
#define PW_TCACHE_OUT 32     /* bytes of a cacheable result, NUL included */

/* What preceded a word. */
enum pw_sep {
    PW_SEP_NONE = 0, /* first word */
    PW_SEP_SPACE,    /* white space, dots, other punctuation, invalid bytes */
    PW_SEP_HYPHEN,   /* a hyphen or dash: ABDUL-AZIZ */
    PW_SEP_APOS,     /* an apostrophe or a look-alike: O'NEIL, SA'ID */
    PW_SEP_JOIN,     /* same source word, split by the analysis (Arabic article) */
    PW_SEP_SYLL,     /* same source word, split by the transliterator (Han syllables) */
};

enum pw_word_flag {
    PW_WORD_NONLATIN = 1 << 0, /* transliterated from another script */
    PW_WORD_SIDE1 = 1 << 1,    /* after the first comma or slash of a whole name */
    PW_WORD_ARTICLE = 1 << 2,  /* the Arabic article split off a word (ال) */
    PW_WORD_SYLLABIC = 1 << 3, /* romanised from Han or Hangul: each syllable stands for
                                  one written character */
    PW_WORD_ABJAD = 1 << 4,    /* romanised from a script without short vowels */
    PW_WORD_TA_MARBUTA = 1 << 5, /* ends in ة, written as its vowel (HMZA) */
};

typedef struct pw_word {
    char text[PW_NAME_TOKEN_MAX];
    char plain[PW_NAME_TOKEN_MAX];
    uint8_t tlen, plen;
    uint8_t sep;   /* enum pw_sep */
    uint8_t field; /* PW_TOKEN_SURNAME, PW_TOKEN_GIVEN or 0 */
    uint8_t flags; /* enum pw_word_flag */
    char sun;      /* an article before a sun letter: that letter (AL + RHMN -> ARRHMN) */
} pw_word;

/* The transliterators a scratch opens. */
enum pw_tr {
    PW_TR_ANY,       /* "Any-Latin" (Arabic, Han, Hangul, Hebrew, Thai, Indic, ...) */
    PW_TR_RUSSIAN,   /* "Russian-Latin/BGN; Any-Latin": plain form of Cyrillic */
    PW_TR_UKRAINIAN, /* "Ukrainian-Latin/BGN; Any-Latin": plain form, Ukrainian letters */
    PW_TR_GREEK,     /* "Greek-Latin/UNGEGN; Any-Latin": text form of Greek (ELOT 743) */
    PW_TR_ASCII,     /* "Latin-ASCII": rare Latin letters outside the tables */
    PW_TR_COUNT
};

typedef struct pw_tcache_entry {
    uint32_t hash; /* 0: empty */
    uint8_t tr, klen, olen, unused;
    UChar key[PW_TCACHE_KEY];
    char out[PW_TCACHE_OUT];
} pw_tcache_entry; /* 72 bytes */

struct pw_names_scratch {
    UTransliterator *tr[PW_TR_COUNT];
    USpoofChecker *spoof;
    UChar *u; /* the input in UTF-16, then NFKC */
    int32_t ucap;
    UChar *n;
    int32_t ncap;
    UChar *t; /* one word being transliterated */
    int32_t tcap;
    UChar *w; /* one word after confusable folding or splitting */
    int32_t wcap;
    /* the splitter's output and state */
    pw_word words[PW_WORDS_MAX];
    int n_words;
    uint8_t pending_sep; /* strongest separator since the last word */
    uint8_t field;       /* field of the words being split */
    bool side1;          /* a comma or slash has been seen */
    bool slash;          /* ... and it was a slash (PNR style SURNAME/GIVEN) */
    bool invalid, truncated, nonlatin;
    bool persian; /* Arabic script with letters only Persian, Urdu, Pashto use */
    bool no_skeletons; /* pw_names_scratch_fill_skeletons(false) */
};

/* ---- translit.c ------------------------------------------------------------ */

/* How the fast path and the post-transliteration fold treat a code point. */
enum pw_lkind {
    PW_LK_UNKNOWN = 0, /* needs the full path (NFKC, scripts, ICU) */
    PW_LK_LETTER,      /* a Latin letter: text and plain below */
    PW_LK_SPACE,       /* a separator */
    PW_LK_HYPHEN,      /* a hyphen separator */
    PW_LK_APOS,        /* an apostrophe separator (inside a transliteration: dropped) */
    PW_LK_DROP,        /* nothing (soft hyphen) */
};

typedef struct pw_latin_entry {
    uint8_t kind;  /* enum pw_lkind */
    char text[4];  /* ICAO Doc 9303 form, upper case (AE for Ä) */
    char plain[4]; /* ICU Latin-ASCII form, upper case (A for Ä) */
} pw_latin_entry;

/* Builds the process-wide tables once; 0 or PW_EINTERNAL when ICU data is missing. */
int pw_names_tables_init(void);
/* The entry of a code point from U+00A0 to U+02FF or U+1E00 to U+1EFF, else NULL. */
const pw_latin_entry *pw_latin_lookup(UChar32 c);
/* The ICAO Doc 9303 transliteration of a Cyrillic letter ("" for Ь), or NULL when
 * the table has no row for it. */
const char *pw_icao_cyrillic(UChar32 c);
/* The Latin letter that ICU's confusable skeleton makes c look like (same case
 * preferred), or 0. Uses the scratch's spoof checker. */
UChar32 pw_confusable_latin(pw_names_scratch *s, UChar32 c);
/* The Cyrillic (script == USCRIPT_CYRILLIC) or Greek look-alike of an ASCII letter, or 0. */
UChar32 pw_confusable_twin(UChar32 latin, int script);
/* Transliterates w[0..n) with s->tr[tr] and folds the result into upper-case ASCII
 * letters and digits, pieces separated by one space, written into out (cap bytes,
 * NUL-terminated). Returns the length, or PW_ENOMEM. Cached for the whole process. */
int pw_translit(pw_names_scratch *s, enum pw_tr tr, const UChar *w, int32_t n, char *out,
                size_t cap);
/* True for an apostrophe or a look-alike (’ ʼ ʻ ʿ ´ `): a separator in source text. */
bool pw_is_apostrophe(UChar32 c);
/* Replaces, in place, the Arabic-script letters ICU's Arabic-Latin leaves untouched
 * (Urdu, Pashto, Kurdish, Sindhi letters) by their base letters. */
void pw_arabic_premap(UChar *w, int32_t n);
/* Makes *buf hold at least need UTF-16 units; false on out of memory. */
bool pw_grow_u(UChar **buf, int32_t *cap, int32_t need);
/* The romanisation of one Han character of U+4E00..U+9FFF (ICU Any-Latin, upper
 * case, one syllable), from a table of the process filled on first use. Returns the
 * length, or PW_ENOMEM. */
int pw_translit_han(pw_names_scratch *s, UChar32 c, char *out, size_t cap);
/* Opens and closes what translit.c keeps in a scratch. */
int pw_translit_open(pw_names_scratch *s);
void pw_translit_close(pw_names_scratch *s);

/* ---- analyse.c ------------------------------------------------------------- */

/* Splits text into words appended to s->words with the given field (0 for a whole
 * name). Resets nothing: call pw_split_begin first. Returns 0 or PW_ENOMEM. */
void pw_split_begin(pw_names_scratch *s);
int pw_split(pw_names_scratch *s, const char *text, uint8_t field);

#endif
