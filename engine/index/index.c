/*
 * The watchlist snapshot. The builder copies entries into one arena and collects
 * (token-set key, posting) pairs; finishing sorts the pairs by key so that each key's
 * postings are contiguous, then files each distinct key once in an open-addressing
 * table (power-of-two size, load <= 0.5, FNV-1a hash, linear probing).
 */
#include "index/index.h"

#include <stdlib.h>
#include <string.h>

#include "names/names.h"

typedef struct key_posting {
    const char *key;
    pw_posting posting;
} key_posting;

typedef struct slot {
    const char *key; /* NULL: empty */
    uint32_t first;  /* into postings */
    uint32_t count;
} slot;

struct pw_index {
    pw_arena *arena;
    pw_entry *entries;
    size_t n_entries;
    pw_posting *postings;
    size_t n_postings;
    slot *table;
    size_t mask;
};

struct pw_index_builder {
    pw_arena *arena; /* becomes the index's arena */
    pw_entry *entries;
    size_t n_entries, cap_entries;
    key_posting *pairs;
    size_t n_pairs, cap_pairs;
    pw_names_scratch *names;
};

pw_index_builder *pw_index_builder_new(void)
{
    pw_index_builder *b = calloc(1, sizeof *b);
    if (!b)
        return NULL;
    b->arena = pw_arena_new(1 << 20);
    b->names = pw_names_scratch_new();
    if (!b->arena || !b->names) {
        pw_arena_free(b->arena);
        pw_names_scratch_free(b->names);
        free(b);
        return NULL;
    }
    return b;
}

void pw_index_builder_free(pw_index_builder *b)
{
    if (!b)
        return;
    pw_arena_free(b->arena);
    free(b->entries);
    free(b->pairs);
    pw_names_scratch_free(b->names);
    free(b);
}

static bool grow(void **arr, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return true;
    size_t ncap = *cap ? *cap * 2 : 1024;
    while (ncap < need)
        ncap *= 2;
    void *n = realloc(*arr, ncap * elem);
    if (!n)
        return false;
    *arr = n;
    *cap = ncap;
    return true;
}

/* Deep-copies a document array into the arena. */
static pw_document *copy_documents(pw_arena *a, const pw_document *src, size_t n)
{
    if (n == 0)
        return NULL;
    pw_document *d = pw_arena_alloc(a, n * sizeof *d);
    if (!d)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        d[i] = src[i];
        d[i].type = pw_arena_strdup(a, src[i].type);
        d[i].number = pw_arena_strdup(a, src[i].number);
        d[i].issuer = pw_arena_strdup(a, src[i].issuer);
    }
    return d;
}

/* Deep-copies an entry into the arena; false on out of memory. */
static bool copy_entry(pw_arena *a, pw_entry *dst, const pw_entry *src)
{
    *dst = *src;
    dst->list = pw_arena_strdup(a, src->list);
    dst->entry_id = pw_arena_strdup(a, src->entry_id);
    dst->birth_place = pw_arena_strdup(a, src->birth_place);
    dst->category = pw_arena_strdup(a, src->category);
    dst->remarks = pw_arena_strdup(a, src->remarks);
    dst->source_ref = pw_arena_strdup(a, src->source_ref);
    dst->names = src->n_names ? pw_arena_alloc(a, src->n_names * sizeof *dst->names) : NULL;
    if (src->n_names && !dst->names)
        return false;
    for (size_t i = 0; i < src->n_names; i++) {
        dst->names[i] = src->names[i];
        dst->names[i].full = pw_arena_strdup(a, src->names[i].full);
        dst->names[i].surname = pw_arena_strdup(a, src->names[i].surname);
        dst->names[i].given = pw_arena_strdup(a, src->names[i].given);
    }
    dst->dobs = src->n_dobs ? pw_arena_alloc(a, src->n_dobs * sizeof *dst->dobs) : NULL;
    if (src->n_dobs && !dst->dobs)
        return false;
    if (src->n_dobs)
        memcpy(dst->dobs, src->dobs, src->n_dobs * sizeof *dst->dobs);
    dst->nationalities = src->n_nationalities
                             ? pw_arena_alloc(a, src->n_nationalities * sizeof(char *))
                             : NULL;
    if (src->n_nationalities && !dst->nationalities)
        return false;
    for (size_t i = 0; i < src->n_nationalities; i++)
        dst->nationalities[i] = pw_arena_strdup(a, src->nationalities[i]);
    dst->documents = copy_documents(a, src->documents, src->n_documents);
    if (src->n_documents && !dst->documents)
        return false;
    return true;
}

int pw_index_builder_add(pw_index_builder *b, const pw_entry *entry, pw_error *err)
{
    if (!grow((void **)&b->entries, &b->cap_entries, b->n_entries + 1, sizeof *b->entries))
        return pw_error_set(err, PW_ENOMEM, NULL, 0, 0, "out of memory building the index");
    uint32_t ei = (uint32_t)b->n_entries;
    if (!copy_entry(b->arena, &b->entries[ei], entry))
        return pw_error_set(err, PW_ENOMEM, NULL, 0, 0, "out of memory building the index");
    b->n_entries++;
    for (size_t ni = 0; ni < entry->n_names; ni++) {
        const char *key = pw_names_token_set_key(b->names, entry->names[ni].full, b->arena);
        if (!key)
            continue; /* a name with no letters or digits cannot be matched by tokens */
        if (!grow((void **)&b->pairs, &b->cap_pairs, b->n_pairs + 1, sizeof *b->pairs))
            return pw_error_set(err, PW_ENOMEM, NULL, 0, 0, "out of memory building the index");
        b->pairs[b->n_pairs++] = (key_posting){key, {ei, (uint32_t)ni}};
    }
    return 0;
}

int pw_index_builder_add_fn(void *builder, const pw_entry *entry, pw_error *err)
{
    return pw_index_builder_add(builder, entry, err);
}

static int compare_pairs(const void *pa, const void *pb)
{
    const key_posting *a = pa, *b = pb;
    int c = strcmp(a->key, b->key);
    if (c)
        return c;
    if (a->posting.entry != b->posting.entry)
        return a->posting.entry < b->posting.entry ? -1 : 1;
    return a->posting.name < b->posting.name ? -1 : a->posting.name > b->posting.name;
}

static uint64_t hash_key(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ULL;
    }
    return h ^ (h >> 29);
}

int pw_index_builder_finish(pw_index_builder *b, pw_index **out, pw_error *err)
{
    *out = NULL;
    pw_index *idx = calloc(1, sizeof *idx);
    if (!idx)
        goto oom;
    qsort(b->pairs, b->n_pairs, sizeof *b->pairs, compare_pairs);
    size_t distinct = 0;
    for (size_t i = 0; i < b->n_pairs; i++)
        if (i == 0 || strcmp(b->pairs[i].key, b->pairs[i - 1].key) != 0)
            distinct++;
    size_t size = 16;
    while (size < distinct * 2)
        size *= 2;
    idx->table = calloc(size, sizeof *idx->table);
    idx->postings = calloc(b->n_pairs ? b->n_pairs : 1, sizeof *idx->postings);
    if (!idx->table || !idx->postings)
        goto oom;
    idx->mask = size - 1;
    for (size_t i = 0; i < b->n_pairs; i++) {
        idx->postings[i] = b->pairs[i].posting;
        if (i > 0 && strcmp(b->pairs[i].key, b->pairs[i - 1].key) == 0)
            continue;
        size_t h = hash_key(b->pairs[i].key) & idx->mask;
        while (idx->table[h].key)
            h = (h + 1) & idx->mask;
        size_t j = i;
        while (j < b->n_pairs && strcmp(b->pairs[j].key, b->pairs[i].key) == 0)
            j++;
        idx->table[h] = (slot){b->pairs[i].key, (uint32_t)i, (uint32_t)(j - i)};
    }
    idx->n_postings = b->n_pairs;
    idx->arena = b->arena;
    idx->entries = b->entries;
    idx->n_entries = b->n_entries;
    b->arena = NULL;
    b->entries = NULL;
    pw_index_builder_free(b);
    *out = idx;
    return 0;
oom:
    pw_index_free(idx);
    pw_index_builder_free(b);
    return pw_error_set(err, PW_ENOMEM, NULL, 0, 0, "out of memory building the index");
}

void pw_index_free(pw_index *idx)
{
    if (!idx)
        return;
    pw_arena_free(idx->arena);
    free(idx->entries);
    free(idx->postings);
    free(idx->table);
    free(idx);
}

size_t pw_index_entry_count(const pw_index *idx) { return idx->n_entries; }
size_t pw_index_name_count(const pw_index *idx) { return idx->n_postings; }

const pw_entry *pw_index_entry(const pw_index *idx, uint32_t i)
{
    return i < idx->n_entries ? &idx->entries[i] : NULL;
}

size_t pw_index_lookup_token_set(const pw_index *idx, const char *key, const pw_posting **out)
{
    *out = NULL;
    if (!key || !idx->table)
        return 0;
    size_t h = hash_key(key) & idx->mask;
    while (idx->table[h].key) {
        if (strcmp(idx->table[h].key, key) == 0) {
            *out = idx->postings + idx->table[h].first;
            return idx->table[h].count;
        }
        h = (h + 1) & idx->mask;
    }
    return 0;
}
