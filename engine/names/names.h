/*
 * names: how paxwatch reads a name.
 *
 * Turns a name in any script into tokens with match keys, and provides the phonetic
 * encoders and string measures the index and the scorer use:
 *
 *  - analysis: Unicode normalisation, case folding, confusable folding (ICU uspoof
 *    skeletons for mixed-script look-alikes), transliteration to Latin (ICAO Doc 9303
 *    first, then ICU Any-Latin; Latin-ASCII), tokens with their flags (particles,
 *    initials, joined variants, surname/given), titles and placeholders set aside, and
 *    per token an ICAO key, a plain key and a consonant skeleton (unless the scratch
 *    leaves skeletons to the caller: pw_names_scratch_fill_skeletons);
 *  - phonetic encoders: Double Metaphone, NYSIIS, Soundex, Daitch-Mokotoff;
 *  - measures: Jaro-Winkler, bounded optimal-string-alignment distance, bit-parallel
 *    Levenshtein distance for short strings.
 *
 * Thread safety: every function is reentrant. Analysis needs a pw_names_scratch
 * (transliterators, buffers), one per thread. Encoders and measures need none.
 * Ownership: results are written into caller-provided structs and buffers; nothing
 * is allocated per name once a scratch has warmed up.
 */
#ifndef PW_NAMES_H
#define PW_NAMES_H

#include "core/core.h"

/* ---- per-thread scratch ------------------------------------------------------ */

typedef struct pw_names_scratch pw_names_scratch;

/* NULL on out of memory or when ICU cannot open its transliterators. A scratch holds
 * the transliterators and buffers grown to the longest name seen; one per thread, never
 * shared. Scratches share one transliteration cache (~1.2 MB, per process). The first
 * name in a script costs ICU's one-off loading of that script's rules (Han-Latin: ~0.2 s
 * once per process). */
pw_names_scratch *pw_names_scratch_new(void);
void pw_names_scratch_free(pw_names_scratch *s); /* NULL is allowed */
/* Whether pw_name_analyse with this scratch fills each token's skeleton (the default)
 * or leaves it "" for the caller, who computes it (pw_names_skeleton of the token's
 * text) where it needs one: the matcher keeps most record words' skeletons in its
 * look-up cache. */
void pw_names_scratch_fill_skeletons(pw_names_scratch *s, bool fill);

/* ---- analysis ---------------------------------------------------------------- */

#define PW_NAME_MAX_TOKENS 24 /* tokens, joined variants included; more are dropped */
#define PW_NAME_TOKEN_MAX 48  /* bytes of one key including the NUL; longer are cut */

enum pw_token_flag {
    PW_TOKEN_PARTICLE = 1 << 0, /* AL, EL, BIN, IBN, ABU, VAN, VON, DE, DA, MC, ...: weigh lightly */
    PW_TOKEN_INITIAL = 1 << 1,  /* a single letter (not one an apostrophe ties to the word
                                   before: HYO'K) */
    PW_TOKEN_JOINED = 1 << 2,   /* a variant joining words (AL QADHAFI -> ALQADHAFI,
                                   O'NEIL -> ONEIL, ABDUL-AZIZ -> ABDULAZIZ) */
    PW_TOKEN_SURNAME = 1 << 3,  /* from the surname field, or before the comma of
                                   "SURNAME, Given" */
    PW_TOKEN_GIVEN = 1 << 4,    /* from the given-names field, or after that comma */
    /* may carry a glued title: text is the word without it (AHMAD), plain the word as
     * written (AHMADMR) */
    PW_TOKEN_GLUED_TITLE = 1 << 5,
    /* romanised from Han or Hangul characters (or a join of such words): two names
     * written in those scripts differ when a romanised syllable does */
    PW_TOKEN_SYLLABIC = 1 << 6,
    /* romanised from a script that does not write short vowels (Arabic, Hebrew,
     * Syriac), or a join holding such a word: its consonants are the evidence
     * (محمد: MHMD, as MUHAMMAD) */
    PW_TOKEN_ABJAD = 1 << 7,
};

typedef struct pw_name_token {
    char text[PW_NAME_TOKEN_MAX];     /* main key: upper-case A-Z/0-9, ICAO 9303 where it
                                         applies (MUELLER, ZHUKOV), Greek by ELOT 743
                                         (UNGEGN), else ICU Any-Latin; Latin-ASCII */
    char plain[PW_NAME_TOKEN_MAX];    /* second form: accent-stripped (MULLER); Cyrillic by
                                         BGN/PCGN (YURIY for ICAO IURII); Greek by ICU
                                         Any-Latin; equals text when the two agree */
    char skeleton[PW_NAME_TOKEN_MAX]; /* consonant skeleton of text (vowels, doubled letters
                                         and Arabic-romanisation alternations folded); ""
                                         when the scratch leaves it to the caller
                                         (pw_names_scratch_fill_skeletons) */
    uint8_t len;                      /* strlen(text) */
    uint8_t word;                     /* index of the (first) word it comes from */
    uint8_t span;                     /* words it covers: 1, or more for a joined variant */
    uint16_t flags;                   /* enum pw_token_flag */
} pw_name_token;

typedef struct pw_name {
    pw_name_token tokens[PW_NAME_MAX_TOKENS]; /* words in order, then joined variants */
    uint8_t n_tokens;
    uint8_t n_words;        /* tokens that are words (not joined variants) */
    uint8_t n_titles;       /* titles and suffixes set aside (MR, DR, JR, III, CHARLESMR) */
    bool given_unknown;     /* FNU or an equivalent placeholder was given */
    bool surname_unknown;   /* LNU */
    bool non_latin;         /* some of it was transliterated from another script */
    bool invalid_utf8;      /* bad bytes were replaced */
    bool truncated;         /* tokens or bytes were dropped for the fixed limits */
} pw_name;

/*
 * Analyses a name given as a whole (full, order unknown unless it has the
 * "SURNAME, Given" or PNR "SURNAME/GIVEN" form) and/or as parts (surname, given; NULL
 * when absent). When both are given, the parts win (the whole name is used when the
 * parts hold no word). Returns 0, or PW_ENOMEM / PW_EINTERNAL (ICU failed). A name
 * with no letters yields n_tokens == 0. Reads at most 4,096 bytes of each string and
 * 64 words (truncated is set). The rules (titles, placeholders, particles, joined
 * variants, scripts) are in the note at the top of analyse.c.
 */
int pw_name_analyse(pw_names_scratch *s, const char *full, const char *surname,
                    const char *given, pw_name *out);

/* The consonant skeleton of one token's text (upper-case A-Z/0-9, as in
 * pw_name_token.text) into out (PW_NAME_TOKEN_MAX bytes): vowels, doubled letters and
 * the common romanisation alternations folded, so that SADDAM HUSSEIN and ICU's
 * "sdam hsyn" meet. The rules are in skeleton.c. */
void pw_names_skeleton(const char *text, char *out);

/* The transliterated, folded form of text as words separated by one space, written
 * into out (cap bytes, NUL-terminated, cut at a character boundary). For display and
 * for tests. */
int pw_names_latin(pw_names_scratch *s, const char *text, char *out, size_t cap);

/* ---- familiar forms of given names (nicknames.c) -------------------------------
 * Names as token texts (upper-case A-Z). Thread-safe: the table is built once, at
 * first use, and read-only after. */

/* The names linked to name as its familiar forms (THEODORE: TED, TEDDY, THEO) or as
 * the formal names it stands for (TED: EDWARD, THEODORE): at most cap of them into
 * out, pointing into the static table; returns the count. */
size_t pw_names_nickname_partners(const char *name, const char **out, size_t cap);
/* Whether one of a and b is a familiar form of the other. */
bool pw_names_nickname_of(const char *a, const char *b);

/* ---- phonetic encoders -------------------------------------------------------
 * Input: one word in upper- or lower-case ASCII letters; other bytes are dropped
 * before encoding, and words are cut at 255 letters. Output: NUL-terminated codes.
 * No allocation; static const tables; under 2 KB of stack (Daitch-Mokotoff's branches).
 *
 * Proven against tests/oracles/ (tests/unit/test_phonetic.c): 10,000 real name words
 * (OFAC, UN, travellers) and 2,000 synthetic rule words, regenerated by
 * tests/oracles/generate.sh. The reference of each encoder is Apache Commons Codec
 * 1.15; jellyfish 0.8.9 is a second opinion for NYSIIS and Soundex. */

#define PW_DMETAPHONE_MAX 4 /* code length, as Apache Commons Codec's default */
/* Double Metaphone (Lawrence Philips, 2000): primary and alternate codes of at most
 * max_len characters (max_len <= 16); buffers hold max_len + 1 bytes. The alternate is
 * always filled (equal to the primary when there is no alternative); "" and "" for a
 * word without letters. Reference: Commons Codec's DoubleMetaphone; one deliberate
 * difference: a final J adds nothing to the alternate where Commons Codec adds " ". */
void pw_double_metaphone(const char *word, size_t max_len, char *primary, char *alternate);
/* NYSIIS (Taft, 1970). strict: cut to 6 characters, as Commons Codec's default. out
 * holds PW_NAME_TOKEN_MAX bytes (a longer key is cut). Reference: Commons Codec's
 * Nysiis (jellyfish's variant differs on about 3% of names); one deliberate
 * difference: a key keeps its first letter where Commons Codec's end rules empty it
 * (AS, ASH, AOUS give "A", not ""). */
void pw_nysiis(const char *word, bool strict, char *out);
/* American Soundex: a letter and three digits; "" for a word without letters. H and W
 * do not separate letters with the same digit. Reference: Commons Codec's
 * Soundex.US_ENGLISH and jellyfish's soundex (they agree). */
void pw_soundex(const char *word, char out[5]);
/* Daitch-Mokotoff Soundex: every branch's six-digit code, as integers ("064000" is
 * 64000), de-duplicated in the order Commons Codec lists them. Returns the count
 * (<= max); 0 for a word without letters. Reference: Commons Codec's
 * DaitchMokotoffSoundex (ASCII letters only: its folding of accented letters is the
 * analyser's job here). */
int pw_daitch_mokotoff(const char *word, uint32_t *codes, int max);

/* ---- measures ----------------------------------------------------------------
 * Byte strings with explicit lengths; strings longer than 1,024 bytes are compared on
 * their first 1,024 bytes. No allocation. Proven against tests/oracles/
 * (tests/unit/test_similarity.c) on 10,000 pairs of real names, aliases, typos and
 * random pairs. */

/* Jaro similarity and Jaro-Winkler (prefix scale 0.1, prefix up to 4, boost only when
 * Jaro > 0.7), in [0, 1]; 0 when either string is empty (two empty names do not
 * match). Reference: jellyfish's jaro_similarity and jaro_winkler_similarity. */
double pw_jaro(const char *a, size_t la, const char *b, size_t lb);
double pw_jaro_winkler(const char *a, size_t la, const char *b, size_t lb);
/* Damerau-Levenshtein distance in its optimal-string-alignment form, giving up as soon
 * as it must exceed max: returns the distance, or max + 1 (max < 0 counts as 0).
 * Reference: R stringdist's "osa" (jellyfish's damerau is the unrestricted form). */
int pw_osa_distance(const char *a, size_t la, const char *b, size_t lb, int max);
/* Levenshtein distance by Myers' bit-parallel algorithm when the shorter string has
 * at most 64 bytes (the classic algorithm otherwise). Reference: jellyfish's
 * levenshtein_distance and stringdist's "lv". */
int pw_levenshtein(const char *a, size_t la, const char *b, size_t lb);

#endif
