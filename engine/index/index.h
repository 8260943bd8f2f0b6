/*
 * index: the watchlist snapshot that screening reads.
 *
 * Built once from the store's current list versions into one immutable structure:
 *  - entries, copied with all their strings;
 *  - every name of every entry (primary, aliases with their quality, original-script
 *    names through their transliteration) analysed by engine/names into tokens;
 *  - a term dictionary: each distinct token spelling (ICAO key and plain key) with its
 *    postings (entry, name, token), its rarity weight (IDF over entries), its consonant
 *    skeleton and its Double Metaphone codes;
 *  - for the commonest terms (thousands of postings), a bitmap of the entries they post;
 *  - look-ups that never scan the list: exact term, skeleton, phonetic code, bounded
 *    edit distance through a deletion index (every term's variants with up to d
 *    letters deleted, d scaled by length), and documents by normalised number and by an
 *    OCR-tolerant key (O/0, I/1, S/5, B/8, ...).
 *
 * Thread safety: a builder belongs to one thread; a finished pw_index is immutable and
 * may be queried by any number of threads at once, each query with its own buffers.
 * Ownership: everything returned by queries borrows from the index and lives until
 * pw_index_free.
 */
#ifndef PW_INDEX_H
#define PW_INDEX_H

#include "core/core.h"

typedef struct pw_index pw_index;
typedef struct pw_index_builder pw_index_builder;

#define PW_INDEX_NONE UINT32_MAX

/* Terms with more than PW_INDEX_BITMAP_MIN_POSTINGS postings, the commonest first and
 * at most PW_INDEX_MAX_BITMAPS of them (32 bytes an entry at most), also get an entry
 * bitmap (pw_index_term_entry_bitmap). */
#define PW_INDEX_BITMAP_MIN_POSTINGS 2000
#define PW_INDEX_MAX_BITMAPS 255

typedef struct pw_index_options {
    int fuzzy_len1;        /* shortest term looked up at edit distance 1 (default 4) */
    int fuzzy_len2;        /* shortest term looked up at edit distance 2 (default 8) */
    int max_bitmaps; /* terms given an entry bitmap (default and at most
                        PW_INDEX_MAX_BITMAPS; negative: none, as tests compare) */
} pw_index_options;

/* ---- building --------------------------------------------------------------- */

/* opts may be NULL for the defaults. */
pw_index_builder *pw_index_builder_new(const pw_index_options *opts);
/* Copies the entry (with all its strings) into the index being built and analyses
 * its names. */
int pw_index_builder_add(pw_index_builder *b, const pw_entry *entry, pw_error *err);
/* A pw_entry_fn that adds to the builder passed as ctx (for pw_store_each_entry). */
int pw_index_builder_add_fn(void *builder, const pw_entry *entry, pw_error *err);
/* Finishes the index; the builder is freed whatever the outcome. */
int pw_index_builder_finish(pw_index_builder *b, pw_index **out, pw_error *err);
void pw_index_builder_free(pw_index_builder *b);
void pw_index_free(pw_index *idx);

/* ---- entries and their analysed names ---------------------------------------- */

/* Set in pw_index_token.flags (beside enum pw_token_flag) for tokens of a name that was
 * transliterated from another script: a consonant-only romanisation may lack vowels. */
#define PW_INDEX_TOKEN_TRANSLITERATED (1u << 15)

/* Set for the whole-name join token that pw_index_add_whole_join appends. */
#define PW_INDEX_TOKEN_WHOLE (1u << 14)

/* Appends to an analysed name one more joined variant: all its words written together
 * (SERGEI LAVROV -> SERGEILAVROV), flagged PW_TOKEN_JOINED | PW_INDEX_TOKEN_WHOLE, for
 * names of two to four words when there is room. Both the index (entry names) and the
 * matcher (record names) add it, so a name written as one word meets its split form.
 * Such terms are found by exact spelling only, not by edit distance. */
struct pw_name;
void pw_index_add_whole_join(struct pw_name *name);

/* One token of an entry name, as the scorer reads it. */
typedef struct pw_index_token {
    uint32_t term;  /* term of the ICAO/main key */
    uint32_t plain; /* term of the plain key (== term when they agree) */
    uint16_t flags; /* enum pw_token_flag */
    uint8_t word;   /* first word it covers */
    uint8_t span;   /* words it covers */
} pw_index_token;

typedef struct pw_index_name {
    uint32_t first_token; /* into the index's tokens */
    uint8_t n_tokens;     /* words, then joined variants */
    uint8_t n_words : 7;
    bool low_quality : 1; /* the entry's name has PW_QUALITY_LOW (here, beside the rest
                             of what scoring a name reads: the entry lies elsewhere) */
    uint16_t name;        /* index into the entry's names */
} pw_index_name;

size_t pw_index_entry_count(const pw_index *idx);
size_t pw_index_name_count(const pw_index *idx);
const pw_entry *pw_index_entry(const pw_index *idx, uint32_t i);
/* The analysed names of entry i; returns their count. */
size_t pw_index_entry_names(const pw_index *idx, uint32_t i, const pw_index_name **out);
/* Words in entry i's shortest name (from one dense array: cheap for many entries). */
uint8_t pw_index_entry_min_words(const pw_index *idx, uint32_t i);
const pw_index_token *pw_index_name_tokens(const pw_index *idx, const pw_index_name *n);
/* Ask the memory for entry i's record and its names' offset (what pw_index_entry and
 * pw_index_entry_names read), and for a term's record (what the
 * pw_index_term_* functions read), without waiting for them: at a million names each
 * is a cache miss, and a caller about to read many (the candidates of a record) asks
 * for all of them first, so that the misses overlap instead of following one another. */
void pw_index_prefetch_entry(const pw_index *idx, uint32_t i);
void pw_index_prefetch_term(const pw_index *idx, uint32_t term);
/* Asks the processor for the first few cache lines of the term's postings (reads the
 * term, which pw_index_prefetch_term asks for). */
void pw_index_prefetch_postings(const pw_index *idx, uint32_t term);

/* ---- terms -------------------------------------------------------------------- */

typedef struct pw_index_posting {
    uint32_t entry;
    uint16_t name;  /* index of the analysed name among the entry's names */
    uint8_t token;  /* token within that name */
    uint8_t entry_min_words; /* pw_index_entry_min_words of the entry, at hand where a
                                posting is read (the dense array is a cache miss a
                                posting at a million names) */
} pw_index_posting;

size_t pw_index_term_count(const pw_index *idx);
const char *pw_index_term_text(const pw_index *idx, uint32_t term);
size_t pw_index_term_len(const pw_index *idx, uint32_t term);
const char *pw_index_term_skeleton(const pw_index *idx, uint32_t term);
/* Does some list word romanised from an abjad (PW_TOKEN_ABJAD) spell the term? */
bool pw_index_term_abjad(const pw_index *idx, uint32_t term);
/* Does some list word spell the term (not only a whole-name join, JOHNSMITH)? */
bool pw_index_term_is_word(const pw_index *idx, uint32_t term);
/* Double Metaphone primary and alternate codes, as written by pw_double_metaphone. */
void pw_index_term_phonetic(const pw_index *idx, uint32_t term, char primary[5],
                            char alternate[5]);
/* Number of entries holding the term, and its rarity weight in (0, 1]: about 1 for a
 * term few entries have, lower for MOHAMMAD or ALI. */
uint32_t pw_index_term_df(const pw_index *idx, uint32_t term);
float pw_index_term_weight(const pw_index *idx, uint32_t term);
/* The weight a term absent from the index would have (the rarest). */
float pw_index_unknown_weight(const pw_index *idx);
size_t pw_index_term_postings(const pw_index *idx, uint32_t term, const pw_index_posting **out);
/* The term's entry bitmap (bit e of word e / 64: the term posts entry e), or NULL when
 * it has none: whether a common term (MUHAMMAD, SMITH) posts an entry is then one bit
 * read, instead of a search through thousands of postings. */
const uint64_t *pw_index_term_entry_bitmap(const pw_index *idx, uint32_t term);
/* Does the entry bitmap hold entry? */
static inline bool pw_index_bitmap_holds(const uint64_t *bitmap, uint32_t entry)
{
    return (bitmap[entry / 64] >> (entry % 64)) & 1;
}

/* The term spelled exactly text (upper-case key), or PW_INDEX_NONE. */
uint32_t pw_index_find_term(const pw_index *idx, const char *text);
/* Terms whose consonant skeleton is skeleton; returns the count, *out into the index. */
size_t pw_index_terms_by_skeleton(const pw_index *idx, const char *skeleton,
                                  const uint32_t **out);
/* Terms with this Double Metaphone code (primary or alternate); only terms a word
 * spells, not those only a whole-name join spells (JOHNSMITH), which are matched by
 * spelling and skeleton. */
size_t pw_index_terms_by_phonetic(const pw_index *idx, const char *code, const uint32_t **out);

typedef struct pw_fuzzy_hit {
    uint32_t term;
    uint8_t distance; /* optimal-string-alignment distance, >= 1 */
} pw_fuzzy_hit;

/* The edit distance allowed for a term of len letters under the index's options. */
int pw_index_max_distance(const pw_index *idx, size_t len);
/* Terms within the allowed edit distance of text (other than text itself), verified
 * with the exact distance; at most cap hits. Returns the count. */
size_t pw_index_fuzzy_terms(const pw_index *idx, const char *text, pw_fuzzy_hit *out,
                            size_t cap);
/* Terms of one letter more than text that lose it to become text (OMAR and KANG for
 * MAR and ANG), whatever the distance the index allows text itself (none for three
 * letters); at most cap hits. Returns the count. */
size_t pw_index_terms_one_letter_longer(const pw_index *idx, const char *text,
                                        pw_fuzzy_hit *out, size_t cap);

/* ---- documents ---------------------------------------------------------------- */

typedef struct pw_index_doc_hit {
    uint32_t entry;
    uint16_t document; /* index into the entry's documents */
    bool exact;        /* same normalised number; false: same only after OCR folding */
} pw_index_doc_hit;

/* Entries holding a document whose number equals number once normalised (upper-case
 * letters and digits only), or once OCR-folded. Returns the count (<= cap). */
size_t pw_index_documents(const pw_index *idx, const char *number, pw_index_doc_hit *out,
                          size_t cap);
/* Writes the normalised form of a document number (A-Z0-9 only) into out (cap bytes);
 * with ocr, also folds O->0, I/L->1, S->5, B->8, Z->2, G->6 so OCR confusions meet. */
void pw_index_document_key(const char *number, bool ocr, char *out, size_t cap);

/* ---- dates of birth ------------------------------------------------------------ */

/* Entries the list gives date as a full date of birth (an exact date with its day; not
 * an approximate one, a year or a range), at most cap into out. Returns the count. */
size_t pw_index_entries_born(const pw_index *idx, pw_date date, uint32_t *out, size_t cap);
/* Entry i's dates of birth into *out; returns their count. The entry's own dates are
 * elsewhere in memory, a cache miss or two an entry at a million names, and the matcher
 * ranks hundreds of entries a record by them: so an entry with one exact or approximate
 * date has it from one dense array, unpacked into *one (*out = one), and only the
 * others (several dates, a range, a year before 1 or after 16383) are read from the
 * entry (*out = pw_index_entry's dobs). */
size_t pw_index_entry_dobs(const pw_index *idx, uint32_t i, pw_dob *one, const pw_dob **out);
/* Asks the memory for the dense array's part of pw_index_entry_dobs, without waiting. */
void pw_index_prefetch_entry_dob(const pw_index *idx, uint32_t i);

/* ---- size --------------------------------------------------------------------- */

/* Bytes the index holds (all its arrays and strings). */
size_t pw_index_memory(const pw_index *idx);
/* A number no other index of this process has had, not even one freed before at the
 * same address: what a cache of query results is keyed by. */
uint64_t pw_index_serial(const pw_index *idx);

#endif
