/*
 * Internal to index: the snapshot's layout, shared by build.c and lookup.c.
 *
 * Everything lives in flat arrays addressed by 32-bit ids, and every keyed look-up
 * goes through one structure, the multimap: a sorted array of (64-bit key, value)
 * pairs with an open-addressing directory from each distinct key to its run of
 * values. Keys are hashes; callers verify what a hash alone cannot prove (a term's
 * spelling, an edit distance).
 */
#ifndef PW_INDEX_INTERNAL_H
#define PW_INDEX_INTERNAL_H

#include "index/index.h"

typedef struct pw_kv {
    uint64_t key;
    uint32_t value;
} pw_kv;

/* One directory slot: a key and its run of values, together on one cache line. */
typedef struct pw_multimap_slot {
    uint64_t key; /* 0 = empty (hashes are never 0) */
    uint32_t first;
    uint32_t count;
} pw_multimap_slot;

typedef struct pw_multimap {
    pw_multimap_slot *slots; /* open-addressing directory */
    uint32_t *values;        /* runs of values, in key order */
    size_t mask;      /* directory size - 1 */
    size_t n_values;
    uint64_t *filter;   /* optional: one bit per key's top bits (pw_multimap_add_filter) */
    unsigned filter_shift; /* 64 - log2(bits in the filter) */
} pw_multimap;

/* Builds from pairs (sorted and de-duplicated in place). 0 or PW_ENOMEM. */
int pw_multimap_build(pw_multimap *m, pw_kv *pairs, size_t n);
/* Adds a bit filter (about eight bits a key, a tenth to a sixteenth of the directory's
 * size) that pw_multimap_get reads before the directory: for a map probed mostly for
 * keys it does not hold (the deletion variants of a look-up), a miss then costs one
 * bit from a table that stays in cache instead of a directory slot that does not.
 * 0 or PW_ENOMEM (the map is left without a filter). */
int pw_multimap_add_filter(pw_multimap *m);
void pw_multimap_free(pw_multimap *m);
/* May the map hold key? False only when it surely does not (no filter: always true). */
static inline bool pw_multimap_may_hold(const pw_multimap *m, uint64_t key)
{
    if (!m->filter)
        return true;
    uint64_t bit = key >> m->filter_shift;
    return (m->filter[bit >> 6] >> (bit & 63)) & 1;
}
size_t pw_multimap_get(const pw_multimap *m, uint64_t key, const uint32_t **out);
size_t pw_multimap_memory(const pw_multimap *m);

/* Values of the deletion multimap: term id in the low bits, term length above. Terms
 * beyond the mask (16.7 million) are found by exact spelling only. */
#define PW_DELETION_LEN_SHIFT 24
#define PW_DELETION_TERM_MASK ((1u << PW_DELETION_LEN_SHIFT) - 1)

/* 64-bit FNV-1a with a final mix, never 0. */
uint64_t pw_index_hash(const char *s, size_t n);

typedef struct pw_term {
    uint32_t text;     /* offset into strings */
    uint32_t skeleton; /* offset into strings */
    uint32_t post_first;
    uint32_t post_count;
    uint32_t df;
    float weight;
    char dm[2][5]; /* Double Metaphone primary and alternate */
    uint8_t len;
    bool fuzzy; /* spelled by a word (not only by a whole-name join): edit distance and
                   sound codes apply */
    bool abjad; /* spelled by a word romanised from an abjad (PW_TOKEN_ABJAD) */
    uint8_t bitmap; /* 1 + its entry bitmap's place in entry_bitmaps; 0: none */
} pw_term;

_Static_assert(PW_INDEX_MAX_BITMAPS <= UINT8_MAX, "a bitmap's place must fit pw_term.bitmap");

struct pw_index {
    pw_index_options opts;
    uint64_t serial; /* pw_index_serial */
    pw_arena *arena; /* entry copies */
    pw_entry *entries;
    size_t n_entries;
    uint32_t *entry_first_name; /* n_entries + 1: names of entry i are [f[i], f[i+1]) */
    uint8_t *entry_min_words;   /* n_entries: words of the entry's shortest name */
    uint32_t *entry_birth;      /* n_entries: the entry's date of birth packed (build.c's
                                   pack_birth), for pw_index_entry_dobs */
    pw_index_name *names;
    size_t n_names;
    pw_index_token *tokens;
    size_t n_tokens;
    pw_term *terms;
    size_t n_terms;
    char *strings; /* NUL-terminated term texts and skeletons */
    size_t strings_len;
    pw_index_posting *postings;
    size_t n_postings;
    uint64_t *entry_bitmaps; /* n_bitmaps bitmaps of bitmap_words words, bit e: entry e */
    size_t n_bitmaps, bitmap_words;
    float unknown_weight;
    pw_multimap by_text;     /* hash(text) -> term */
    pw_multimap by_skeleton; /* hash(skeleton) -> term */
    pw_multimap by_phonetic; /* hash(code) -> term */
    pw_multimap by_deletion; /* hash(deletion variant) -> term */
    pw_multimap by_document; /* hash(key) -> entry << 16 | document (exact and OCR keys) */
    pw_multimap by_doc_ocr;  /* the same, OCR-folded keys only */
    pw_multimap by_birth;    /* full date of birth (exact list dates with a day) -> entry */
    bool huge_pages;         /* its arrays were advised to huge pages (advise_huge_pages) */
};

/* Calls fn(ctx, key) with the by_deletion key of text and of every variant of it with
 * up to max_del (at most 2) letters deleted (duplicates possible; deleting one or
 * another letter of a run is not repeated). text: at most 63 bytes. */
void pw_index_deletion_hashes(const char *text, size_t len, int max_del,
                              void (*fn)(void *ctx, uint64_t key), void *ctx);

#endif
