/*
 * Reading the snapshot index: the multimap, term look-ups (exact, skeleton, phonetic,
 * deletion-based edit distance), documents, and accessors. Every query is a few hash
 * probes plus the runs they point to; nothing here allocates.
 */
#include <stdlib.h>
#include <string.h>

#include "index/index_internal.h"
#include "names/names.h"

/* ---- multimap -------------------------------------------------------------------- */

static int compare_kv(const void *pa, const void *pb)
{
    const pw_kv *a = pa, *b = pb;
    if (a->key != b->key)
        return a->key < b->key ? -1 : 1;
    return a->value < b->value ? -1 : a->value > b->value;
}

int pw_multimap_build(pw_multimap *m, pw_kv *pairs, size_t n)
{
    memset(m, 0, sizeof *m);
    if (n > 0)
        qsort(pairs, n, sizeof *pairs, compare_kv);
    size_t w = 0, distinct = 0;
    for (size_t i = 0; i < n; i++) {
        if (w && pairs[w - 1].key == pairs[i].key && pairs[w - 1].value == pairs[i].value)
            continue;
        if (!w || pairs[w - 1].key != pairs[i].key)
            distinct++;
        pairs[w++] = pairs[i];
    }
    size_t size = 16;
    while (size < distinct * 2)
        size *= 2;
    m->slots = calloc(size, sizeof *m->slots);
    m->values = malloc((w ? w : 1) * sizeof *m->values);
    if (!m->slots || !m->values) {
        pw_multimap_free(m);
        return PW_ENOMEM;
    }
    m->mask = size - 1;
    m->n_values = w;
    for (size_t i = 0; i < w;) {
        size_t j = i;
        while (j < w && pairs[j].key == pairs[i].key) {
            m->values[j] = pairs[j].value;
            j++;
        }
        size_t h = pairs[i].key & m->mask;
        while (m->slots[h].key)
            h = (h + 1) & m->mask;
        m->slots[h] = (pw_multimap_slot){pairs[i].key, (uint32_t)i, (uint32_t)(j - i)};
        i = j;
    }
    return 0;
}

int pw_multimap_add_filter(pw_multimap *m)
{
    size_t keys = 0;
    for (size_t h = 0; m->slots && h <= m->mask; h++)
        keys += m->slots[h].key != 0;
    unsigned bits_log2 = 12;
    while (bits_log2 < 40 && ((size_t)1 << bits_log2) < keys * 8)
        bits_log2++;
    uint64_t *filter = calloc(((size_t)1 << bits_log2) / 64, sizeof *filter);
    if (!filter)
        return PW_ENOMEM;
    m->filter = filter;
    m->filter_shift = 64 - bits_log2;
    for (size_t h = 0; m->slots && h <= m->mask; h++)
        if (m->slots[h].key) {
            uint64_t bit = m->slots[h].key >> m->filter_shift;
            filter[bit >> 6] |= 1ull << (bit & 63);
        }
    return 0;
}

void pw_multimap_free(pw_multimap *m)
{
    free(m->slots);
    free(m->values);
    free(m->filter);
    memset(m, 0, sizeof *m);
}

size_t pw_multimap_get(const pw_multimap *m, uint64_t key, const uint32_t **out)
{
    *out = NULL;
    if (!m->slots || !pw_multimap_may_hold(m, key))
        return 0;
    for (size_t h = key & m->mask; m->slots[h].key; h = (h + 1) & m->mask)
        if (m->slots[h].key == key) {
            *out = m->values + m->slots[h].first;
            return m->slots[h].count;
        }
    return 0;
}

size_t pw_multimap_memory(const pw_multimap *m)
{
    if (!m->slots)
        return 0;
    size_t filter = m->filter ? ((size_t)1 << (64 - m->filter_shift)) / 8 : 0;
    return (m->mask + 1) * sizeof *m->slots + m->n_values * sizeof(uint32_t) + filter;
}

/* ---- deletion variants ------------------------------------------------------------ */

/* A deletion variant's key is its polynomial hash (base DELETION_BASE, modulo 2^64),
 * mixed. The hash of the word less one or two letters follows from the word's prefix
 * and suffix hashes in a few multiplications, instead of copying and hashing each of
 * the dozens of variants (which cost a two-edit look-up most of its time). The build
 * and the look-ups both key variants this way; a look-up verifies each term it finds
 * by its edit distance, so a collision costs one check, never a wrong result. */
#define DELETION_BASE 0x100000001b3ULL

static inline uint64_t mix(uint64_t h)
{
    h ^= h >> 31;
    h *= 0x9e3779b97f4a7c15ULL;
    h ^= h >> 29;
    return h ? h : 1;
}

void pw_index_deletion_hashes(const char *text, size_t len, int max_del,
                              void (*fn)(void *ctx, uint64_t hash), void *ctx)
{
    if (len > 63)
        len = 63;
    /* pre[k]: hash of text[0..k); suf[k]: of text[k..len); pw[k]: the base to the k */
    uint64_t pre[64], suf[65], pw[64];
    pw[0] = 1;
    pre[0] = 0;
    for (size_t k = 0; k < len; k++) {
        pw[k + 1] = pw[k] * DELETION_BASE;
        pre[k + 1] = pre[k] * DELETION_BASE + (unsigned char)text[k];
    }
    suf[len] = 0;
    for (size_t k = len; k-- > 0;)
        suf[k] = (unsigned char)text[k] * pw[len - 1 - k] + suf[k + 1];
    fn(ctx, mix(pre[len]));
    if (max_del < 1 || len <= 1)
        return;
    for (size_t i = 0; i < len; i++) {
        /* Deleting the first of a run of equal letters gives the same variant as
         * deleting any other: skip the repeats (and likewise below). */
        if (i > 0 && text[i] == text[i - 1])
            continue;
        fn(ctx, mix(pre[i] * pw[len - 1 - i] + suf[i + 1]));
        if (max_del < 2 || len <= 2)
            continue;
        for (size_t j = i + 1; j < len; j++) {
            if (j >= i + 2 && text[j] == text[j - 1])
                continue;
            uint64_t middle = pre[j] - pre[i + 1] * pw[j - i - 1]; /* text[i+1..j) */
            fn(ctx, mix(pre[i] * pw[len - 2 - i] + middle * pw[len - 1 - j] + suf[j + 1]));
        }
    }
}

/* ---- terms ----------------------------------------------------------------------- */

size_t pw_index_entry_count(const pw_index *idx) { return idx->n_entries; }
size_t pw_index_name_count(const pw_index *idx) { return idx->n_names; }
size_t pw_index_term_count(const pw_index *idx) { return idx->n_terms; }

const pw_entry *pw_index_entry(const pw_index *idx, uint32_t i)
{
    return i < idx->n_entries ? &idx->entries[i] : NULL;
}

size_t pw_index_entry_names(const pw_index *idx, uint32_t i, const pw_index_name **out)
{
    if (i >= idx->n_entries) {
        *out = NULL;
        return 0;
    }
    *out = idx->names + idx->entry_first_name[i];
    return idx->entry_first_name[i + 1] - idx->entry_first_name[i];
}

const pw_index_token *pw_index_name_tokens(const pw_index *idx, const pw_index_name *n)
{
    return idx->tokens + n->first_token;
}

void pw_index_prefetch_entry(const pw_index *idx, uint32_t i)
{
    if (i >= idx->n_entries)
        return;
    __builtin_prefetch(&idx->entries[i]);
    __builtin_prefetch(&idx->entry_first_name[i]);
}

void pw_index_prefetch_term(const pw_index *idx, uint32_t term)
{
    if (term < idx->n_terms)
        __builtin_prefetch(&idx->terms[term]);
}

#define PREFETCH_POSTING_BYTES 256 /* of a term's postings (pw_index_prefetch_postings) */

void pw_index_prefetch_postings(const pw_index *idx, uint32_t term)
{
    if (term >= idx->n_terms)
        return;
    const char *p = (const char *)(idx->postings + idx->terms[term].post_first);
    size_t bytes = idx->terms[term].post_count * sizeof *idx->postings;
    for (size_t off = 0; off < bytes && off < PREFETCH_POSTING_BYTES; off += 64)
        __builtin_prefetch(p + off);
}

const char *pw_index_term_text(const pw_index *idx, uint32_t term)
{
    return idx->strings + idx->terms[term].text;
}

size_t pw_index_term_len(const pw_index *idx, uint32_t term) { return idx->terms[term].len; }

bool pw_index_term_abjad(const pw_index *idx, uint32_t term) { return idx->terms[term].abjad; }

bool pw_index_term_is_word(const pw_index *idx, uint32_t term) { return idx->terms[term].fuzzy; }

const char *pw_index_term_skeleton(const pw_index *idx, uint32_t term)
{
    return idx->strings + idx->terms[term].skeleton;
}

void pw_index_term_phonetic(const pw_index *idx, uint32_t term, char primary[5],
                            char alternate[5])
{
    memcpy(primary, idx->terms[term].dm[0], 5);
    memcpy(alternate, idx->terms[term].dm[1], 5);
}

uint32_t pw_index_term_df(const pw_index *idx, uint32_t term) { return idx->terms[term].df; }
float pw_index_term_weight(const pw_index *idx, uint32_t term) { return idx->terms[term].weight; }
float pw_index_unknown_weight(const pw_index *idx) { return idx->unknown_weight; }

size_t pw_index_term_postings(const pw_index *idx, uint32_t term, const pw_index_posting **out)
{
    *out = idx->postings + idx->terms[term].post_first;
    return idx->terms[term].post_count;
}

const uint64_t *pw_index_term_entry_bitmap(const pw_index *idx, uint32_t term)
{
    uint8_t b = idx->terms[term].bitmap;
    return b ? idx->entry_bitmaps + (size_t)(b - 1) * idx->bitmap_words : NULL;
}

uint32_t pw_index_find_term(const pw_index *idx, const char *text)
{
    size_t len = strlen(text);
    const uint32_t *ids;
    size_t n = pw_multimap_get(&idx->by_text, pw_index_hash(text, len), &ids);
    for (size_t i = 0; i < n; i++) {
        const pw_term *t = &idx->terms[ids[i]];
        if (t->len == len && memcmp(idx->strings + t->text, text, len) == 0)
            return ids[i];
    }
    return PW_INDEX_NONE;
}

size_t pw_index_terms_by_skeleton(const pw_index *idx, const char *skeleton,
                                  const uint32_t **out)
{
    if (!skeleton[0]) {
        *out = NULL;
        return 0;
    }
    return pw_multimap_get(&idx->by_skeleton, pw_index_hash(skeleton, strlen(skeleton)), out);
}

size_t pw_index_terms_by_phonetic(const pw_index *idx, const char *code, const uint32_t **out)
{
    if (!code[0]) {
        *out = NULL;
        return 0;
    }
    return pw_multimap_get(&idx->by_phonetic, pw_index_hash(code, strlen(code)), out);
}

#define FUZZY_SEEN 256 /* terms already verified for one query (open addressing) */

typedef struct fuzzy_ctx {
    const pw_index *idx;
    const char *text;
    size_t len;
    pw_fuzzy_hit *out;
    size_t n, cap;
    uint32_t seen[FUZZY_SEEN]; /* term + 1; 0 = empty */
} fuzzy_ctx;

/* True when term was verified already for this query; records it otherwise. */
static bool seen_before(fuzzy_ctx *f, uint32_t term)
{
    size_t h = (term * 2654435761u) & (FUZZY_SEEN - 1);
    for (size_t probes = 0; probes < FUZZY_SEEN; probes++, h = (h + 1) & (FUZZY_SEEN - 1)) {
        if (f->seen[h] == term + 1)
            return true;
        if (f->seen[h] == 0) {
            f->seen[h] = term + 1;
            return false;
        }
    }
    return false; /* full: verify again rather than miss */
}

/* The terms sharing one query variant (by its hash) are candidates; each is verified
 * once, against the edit-distance bound of the shorter of the two. */
static void check_variant(fuzzy_ctx *f, uint64_t hash)
{
    const uint32_t *vals;
    size_t n = pw_multimap_get(&f->idx->by_deletion, hash, &vals);
    for (size_t i = 0; i < n && f->n < f->cap; i++) {
        uint32_t term = vals[i] & PW_DELETION_TERM_MASK;
        size_t tlen = vals[i] >> PW_DELETION_LEN_SHIFT;
        size_t shorter = tlen < f->len ? tlen : f->len;
        int bound = pw_index_max_distance(f->idx, shorter);
        size_t diff = tlen > f->len ? tlen - f->len : f->len - tlen;
        if (bound == 0 || diff > (size_t)bound || seen_before(f, term))
            continue;
        const char *s = f->idx->strings + f->idx->terms[term].text;
        int d = pw_osa_distance(f->text, f->len, s, tlen, bound);
        if (d >= 1 && d <= bound)
            f->out[f->n++] = (pw_fuzzy_hit){term, (uint8_t)d};
    }
}

#define MAX_QUERY_VARIANTS 512

typedef struct variant_hashes {
    uint64_t h[MAX_QUERY_VARIANTS];
    size_t n;
} variant_hashes;

static void collect_variant(void *ctx, uint64_t hash)
{
    variant_hashes *v = ctx;
    if (v->n < MAX_QUERY_VARIANTS)
        v->h[v->n++] = hash;
}

size_t pw_index_fuzzy_terms(const pw_index *idx, const char *text, pw_fuzzy_hit *out,
                            size_t cap)
{
    size_t len = strlen(text);
    int d = pw_index_max_distance(idx, len);
    if (d <= 0 || len >= 64 || !idx->by_deletion.slots)
        return 0;
    /* Hash every variant first, keep those the map's filter lets through (most
     * variants are no term's) and prefetch their directory slots, so the probes into
     * a table larger than the cache overlap instead of queueing. */
    variant_hashes v;
    v.n = 0;
    pw_index_deletion_hashes(text, len, d, collect_variant, &v);
    const pw_multimap *m = &idx->by_deletion;
    size_t kept = 0;
    for (size_t i = 0; i < v.n; i++)
        if (pw_multimap_may_hold(m, v.h[i])) {
            __builtin_prefetch(&m->slots[v.h[i] & m->mask]);
            v.h[kept++] = v.h[i];
        }
    v.n = kept;
    fuzzy_ctx f = {.idx = idx, .text = text, .len = len, .out = out, .cap = cap};
    for (size_t i = 0; i < v.n && f.n < cap; i++)
        check_variant(&f, v.h[i]);
    return f.n;
}

/* Keeps the first hash pw_index_deletion_hashes gives: the text's own. */
static void first_variant(void *ctx, uint64_t hash)
{
    uint64_t *h = ctx;
    if (!*h)
        *h = hash;
}

size_t pw_index_terms_one_letter_longer(const pw_index *idx, const char *text,
                                        pw_fuzzy_hit *out, size_t cap)
{
    size_t len = strlen(text);
    if (len == 0 || len >= 63 || !idx->by_deletion.slots ||
        pw_index_max_distance(idx, len + 1) < 1)
        return 0;
    /* a term of one letter more, with a letter deleted, is text: its deletion variant
     * is text's own hash (the first pw_index_deletion_hashes gives) */
    uint64_t hash = 0;
    pw_index_deletion_hashes(text, len, 0, first_variant, &hash);
    const uint32_t *vals;
    size_t n = pw_multimap_get(&idx->by_deletion, hash, &vals), k = 0;
    for (size_t i = 0; i < n && k < cap; i++) {
        uint32_t term = vals[i] & PW_DELETION_TERM_MASK;
        size_t tlen = vals[i] >> PW_DELETION_LEN_SHIFT;
        if (tlen != len + 1)
            continue;
        const char *s = idx->strings + idx->terms[term].text;
        if (pw_osa_distance(text, len, s, tlen, 1) == 1)
            out[k++] = (pw_fuzzy_hit){term, 1};
    }
    return k;
}

/* ---- documents --------------------------------------------------------------------- */

void pw_index_document_key(const char *number, bool ocr, char *out, size_t cap)
{
    size_t w = 0;
    for (const char *p = number ? number : ""; *p && w + 1 < cap; p++) {
        char c = *p;
        if (c >= 'a' && c <= 'z')
            c = (char)(c - 'a' + 'A');
        if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')))
            continue;
        if (ocr) {
            switch (c) {
            case 'O': case 'Q': case 'D': c = '0'; break;
            case 'I': case 'L': c = '1'; break;
            case 'S': c = '5'; break;
            case 'B': c = '8'; break;
            case 'Z': c = '2'; break;
            case 'G': c = '6'; break;
            default: break;
            }
        }
        out[w++] = c;
    }
    if (cap)
        out[w] = '\0';
}

size_t pw_index_documents(const pw_index *idx, const char *number, pw_index_doc_hit *out,
                          size_t cap)
{
    char key[64];
    size_t n = 0;
    pw_index_document_key(number, false, key, sizeof key);
    if (strlen(key) < 4)
        return 0;
    const uint32_t *vals;
    size_t nv = pw_multimap_get(&idx->by_document, pw_index_hash(key, strlen(key)), &vals);
    for (size_t i = 0; i < nv && n < cap; i++)
        out[n++] = (pw_index_doc_hit){vals[i] >> 8, (uint16_t)(vals[i] & 0xff), true};
    pw_index_document_key(number, true, key, sizeof key);
    nv = pw_multimap_get(&idx->by_doc_ocr, pw_index_hash(key, strlen(key)), &vals);
    for (size_t i = 0; i < nv && n < cap; i++) {
        bool seen = false;
        for (size_t k = 0; k < n && !seen; k++)
            seen = out[k].entry == vals[i] >> 8 && out[k].document == (vals[i] & 0xff);
        if (!seen)
            out[n++] = (pw_index_doc_hit){vals[i] >> 8, (uint16_t)(vals[i] & 0xff), false};
    }
    return n;
}

uint8_t pw_index_entry_min_words(const pw_index *idx, uint32_t i)
{
    return i < idx->n_entries ? idx->entry_min_words[i] : 0;
}

size_t pw_index_memory(const pw_index *idx)
{
    return sizeof *idx + pw_arena_size(idx->arena) +
           idx->n_entries * (sizeof(pw_entry) + 2 * sizeof(uint32_t) + sizeof(uint8_t)) +
           idx->n_names * sizeof(pw_index_name) + idx->n_tokens * sizeof(pw_index_token) +
           idx->n_terms * sizeof(pw_term) + idx->strings_len +
           idx->n_postings * sizeof(pw_index_posting) +
           idx->n_bitmaps * idx->bitmap_words * sizeof(uint64_t) +
           pw_multimap_memory(&idx->by_text) +
           pw_multimap_memory(&idx->by_skeleton) + pw_multimap_memory(&idx->by_phonetic) +
           pw_multimap_memory(&idx->by_deletion) + pw_multimap_memory(&idx->by_document) +
           pw_multimap_memory(&idx->by_doc_ocr) + pw_multimap_memory(&idx->by_birth);
}

uint64_t pw_index_serial(const pw_index *idx)
{
    return idx->serial;
}
