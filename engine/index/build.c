/*
 * Building the snapshot index. Entries are copied into one arena as they arrive and
 * their names analysed at once (pw_name_analyse); token spellings are interned into a
 * growing term table through a temporary hash table. Finishing computes each term's
 * document frequency and weight, lays the postings out per term, and builds the
 * multimaps (text, skeleton, phonetic codes, deletion variants, documents) and the
 * commonest terms' entry bitmaps. Building allocates freely; the finished index is a
 * handful of flat arrays, which the kernel is asked to back with huge pages where the
 * host allows them (advise_huge_pages).
 */
#include <math.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>

#include "index/index_internal.h"
#include "names/names.h"

/* Serials handed out to finished indexes (pw_index_serial). */
static atomic_uint_fast64_t last_serial;

/* ---- growable arrays ----------------------------------------------------------- */

static bool grow(void **arr, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return true;
    size_t ncap = *cap ? *cap : 256;
    while (ncap < need)
        ncap *= 2;
    void *n = realloc(*arr, ncap * elem);
    if (!n)
        return false;
    *arr = n;
    *cap = ncap;
    return true;
}

#define PUSH(arr, n, cap, value)                                                               \
    (grow((void **)&(arr), &(cap), (n) + 1, sizeof *(arr)) ? ((arr)[(n)++] = (value), true)    \
                                                            : false)

typedef struct term_posting {
    uint32_t term;
    pw_index_posting posting;
} term_posting;

struct pw_index_builder {
    pw_index_options opts;
    pw_names_scratch *names;
    pw_arena *arena;
    pw_entry *entries;
    size_t n_entries, cap_entries;
    uint32_t *entry_first_name;
    size_t cap_efn;
    pw_index_name *inames;
    size_t n_inames, cap_inames;
    pw_index_token *tokens;
    size_t n_tokens, cap_tokens;
    pw_term *terms;
    size_t n_terms, cap_terms;
    uint32_t *term_last_entry; /* for document frequency: last entry counted, + 1 */
    size_t cap_tle;
    char *strings;
    size_t strings_len, strings_cap;
    term_posting *postings;
    size_t n_postings, cap_postings;
    /* interning: open addressing over term ids, keyed by text */
    uint32_t *intern;
    size_t intern_mask;
    pw_name name; /* analysis output, reused */
};

pw_index_builder *pw_index_builder_new(const pw_index_options *opts)
{
    pw_index_builder *b = calloc(1, sizeof *b);
    if (!b)
        return NULL;
    b->opts.fuzzy_len1 = opts && opts->fuzzy_len1 > 0 ? opts->fuzzy_len1 : 4;
    b->opts.fuzzy_len2 = opts && opts->fuzzy_len2 > 0 ? opts->fuzzy_len2 : 8;
    b->opts.max_bitmaps = !opts || opts->max_bitmaps == 0 ? PW_INDEX_MAX_BITMAPS
                          : opts->max_bitmaps < 0         ? 0
                          : opts->max_bitmaps < PW_INDEX_MAX_BITMAPS ? opts->max_bitmaps
                                                                     : PW_INDEX_MAX_BITMAPS;
    b->names = pw_names_scratch_new();
    b->arena = pw_arena_new(1 << 20);
    b->intern_mask = 4095;
    b->intern = malloc((b->intern_mask + 1) * sizeof *b->intern);
    if (!b->names || !b->arena || !b->intern) {
        pw_index_builder_free(b);
        return NULL;
    }
    memset(b->intern, 0xff, (b->intern_mask + 1) * sizeof *b->intern);
    return b;
}

void pw_index_builder_free(pw_index_builder *b)
{
    if (!b)
        return;
    pw_names_scratch_free(b->names);
    pw_arena_free(b->arena);
    free(b->entries);
    free(b->entry_first_name);
    free(b->inames);
    free(b->tokens);
    free(b->terms);
    free(b->term_last_entry);
    free(b->strings);
    free(b->postings);
    free(b->intern);
    free(b);
}

uint64_t pw_index_hash(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ULL;
    }
    h ^= h >> 31;
    h *= 0x9e3779b97f4a7c15ULL;
    h ^= h >> 29;
    return h ? h : 1;
}

/* Appends a NUL-terminated string to the blob; returns its offset or UINT32_MAX. */
static uint32_t add_string(pw_index_builder *b, const char *s, size_t n)
{
    if (!grow((void **)&b->strings, &b->strings_cap, b->strings_len + n + 1, 1))
        return UINT32_MAX;
    uint32_t off = (uint32_t)b->strings_len;
    memcpy(b->strings + off, s, n);
    b->strings[off + n] = '\0';
    b->strings_len += n + 1;
    return off;
}

/* Doubles the interning table when it is half full. */
static bool intern_grow(pw_index_builder *b)
{
    if (b->n_terms * 2 < b->intern_mask)
        return true;
    size_t size = (b->intern_mask + 1) * 2;
    uint32_t *t = malloc(size * sizeof *t);
    if (!t)
        return false;
    memset(t, 0xff, size * sizeof *t);
    for (size_t i = 0; i < b->n_terms; i++) {
        const char *s = b->strings + b->terms[i].text;
        size_t h = pw_index_hash(s, b->terms[i].len) & (size - 1);
        while (t[h] != UINT32_MAX)
            h = (h + 1) & (size - 1);
        t[h] = (uint32_t)i;
    }
    free(b->intern);
    b->intern = t;
    b->intern_mask = size - 1;
    return true;
}

/* The term id of a spelling, creating the term (with skeleton and phonetic codes) on
 * first sight. UINT32_MAX on out of memory. */
static uint32_t intern(pw_index_builder *b, const char *text, const char *skeleton)
{
    size_t len = strlen(text);
    size_t h = pw_index_hash(text, len) & b->intern_mask;
    while (b->intern[h] != UINT32_MAX) {
        const pw_term *t = &b->terms[b->intern[h]];
        if (t->len == len && memcmp(b->strings + t->text, text, len) == 0)
            return b->intern[h];
        h = (h + 1) & b->intern_mask;
    }
    pw_term t = {.len = (uint8_t)(len < 255 ? len : 255)};
    t.text = add_string(b, text, len);
    t.skeleton = add_string(b, skeleton, strlen(skeleton));
    if (t.text == UINT32_MAX || t.skeleton == UINT32_MAX)
        return UINT32_MAX;
    pw_double_metaphone(text, PW_DMETAPHONE_MAX, t.dm[0], t.dm[1]);
    uint32_t id = (uint32_t)b->n_terms;
    if (!PUSH(b->terms, b->n_terms, b->cap_terms, t) ||
        !grow((void **)&b->term_last_entry, &b->cap_tle, b->n_terms, sizeof(uint32_t)))
        return UINT32_MAX;
    b->term_last_entry[id] = 0;
    b->intern[h] = id;
    if (!intern_grow(b))
        return UINT32_MAX;
    return id;
}

void pw_index_add_whole_join(pw_name *name)
{
    if (name->n_words < 2 || name->n_words > 4 || name->n_tokens >= PW_NAME_MAX_TOKENS)
        return;
    pw_name_token *whole = &name->tokens[name->n_tokens];
    size_t len = 0, plen = 0;
    for (int i = 0; i < name->n_tokens; i++) {
        const pw_name_token *t = &name->tokens[i];
        if (t->flags & PW_TOKEN_JOINED)
            continue;
        size_t tl = strlen(t->text), pl = strlen(t->plain);
        if (len + tl + 1 > PW_NAME_TOKEN_MAX || plen + pl + 1 > PW_NAME_TOKEN_MAX)
            return;
        memcpy(whole->text + len, t->text, tl);
        memcpy(whole->plain + plen, t->plain, pl);
        len += tl;
        plen += pl;
    }
    whole->text[len] = '\0';
    whole->plain[plen] = '\0';
    pw_names_skeleton(whole->text, whole->skeleton);
    whole->len = (uint8_t)len;
    whole->word = 0;
    whole->span = name->n_words;
    whole->flags = PW_TOKEN_JOINED | PW_INDEX_TOKEN_WHOLE;
    name->n_tokens++;
}

/* Files one term occurrence: a posting, and the entry in the term's frequency. */
static bool post(pw_index_builder *b, uint32_t term, uint32_t entry, uint16_t name,
                 uint8_t token)
{
    if (b->term_last_entry[term] != entry + 1) {
        b->term_last_entry[term] = entry + 1;
        b->terms[term].df++;
    }
    term_posting tp = {term, {entry, name, token, 0}};
    return PUSH(b->postings, b->n_postings, b->cap_postings, tp);
}

_Static_assert(PW_NAME_MAX_TOKENS < 128, "a name's words must fit pw_index_name.n_words");

/* The military ranks a list writes before an individual's name (General Mudacumura,
 * Colonel Innocent KAINA, General Major Mupenzi). */
static bool is_rank(const char *word, size_t len)
{
    static const char *const ranks[] = {"GENERAL",    "COLONEL",   "MAJOR",      "CAPTAIN",
                                        "LIEUTENANT", "COMMANDER", "COMMANDANT", "BRIGADIER"};
    for (size_t i = 0; i < sizeof ranks / sizeof ranks[0]; i++)
        if (strlen(ranks[i]) == len && strncasecmp(word, ranks[i], len) == 0)
            return true;
    return false;
}

/* A name written whole (no surname or given-name field) without the ranks it starts
 * with, when a word follows them: no travel document carries a rank, and left in the
 * name it stands against the traveller's words (MUDACUMURA alone meets General
 * Mudacumura as one word of two). Only for individuals: GENERAL PETROLEUM CORPORATION
 * is an entity's name. */
static const char *without_ranks(const char *full)
{
    const char *p = full;
    for (;;) {
        while (*p == ' ')
            p++;
        size_t len = strcspn(p, " ");
        if (!is_rank(p, len))
            return p;
        const char *next = p + len;
        while (*next == ' ')
            next++;
        if (!*next)
            return full; /* ranks only (General Major): the name is kept whole */
        p = next;
    }
}

/* Analyses one name of the entry being added (an individual's when individual) and
 * files its tokens. */
static int add_name(pw_index_builder *b, uint32_t entry, uint16_t name_index,
                    const pw_entry_name *n, bool individual)
{
    const char *full = n->full;
    if (individual && full && !n->surname && !n->given)
        full = without_ranks(full);
    /* Entities are never split at a comma: only individuals' names carry surnames. */
    int rc = pw_name_analyse(b->names, full, n->surname, n->given, &b->name);
    if (rc)
        return rc;
    if (b->name.n_tokens == 0)
        return 0;
    pw_index_add_whole_join(&b->name);
    pw_index_name iname = {.first_token = (uint32_t)b->n_tokens,
                           .n_tokens = b->name.n_tokens,
                           .n_words = b->name.n_words,
                           .low_quality = n->quality == PW_QUALITY_LOW,
                           .name = name_index};
    uint16_t local = (uint16_t)(b->n_inames - b->entry_first_name[entry]);
    for (uint8_t i = 0; i < b->name.n_tokens; i++) {
        const pw_name_token *t = &b->name.tokens[i];
        uint32_t term = intern(b, t->text, t->skeleton);
        /* A word from an abjad may read an ambiguous letter otherwise in its plain form
         * (فضل: FDL, FZL): that reading is found by its own skeleton. */
        char pskel[PW_NAME_TOKEN_MAX];
        if (t->flags & PW_TOKEN_ABJAD)
            pw_names_skeleton(t->plain, pskel);
        uint32_t plain =
            strcmp(t->plain, t->text) == 0
                ? term
                : intern(b, t->plain, (t->flags & PW_TOKEN_ABJAD) ? pskel : t->skeleton);
        if (term == UINT32_MAX || plain == UINT32_MAX)
            return PW_ENOMEM;
        if (!(t->flags & PW_INDEX_TOKEN_WHOLE))
            b->terms[term].fuzzy = b->terms[plain].fuzzy = true;
        if (t->flags & PW_TOKEN_ABJAD)
            b->terms[term].abjad = b->terms[plain].abjad = true;
        uint16_t flags = (uint16_t)(t->flags | (b->name.non_latin ? PW_INDEX_TOKEN_TRANSLITERATED : 0));
        pw_index_token it = {term, plain, flags, t->word, t->span};
        if (!PUSH(b->tokens, b->n_tokens, b->cap_tokens, it) || !post(b, term, entry, local, i) ||
            (plain != term && !post(b, plain, entry, local, i)))
            return PW_ENOMEM;
    }
    return PUSH(b->inames, b->n_inames, b->cap_inames, iname) ? 0 : PW_ENOMEM;
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
    dst->remarks = NULL; /* not needed to screen: keeps the snapshot small */
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
    return !(src->n_documents && !dst->documents);
}

int pw_index_builder_add(pw_index_builder *b, const pw_entry *entry, pw_error *err)
{
    if (!grow((void **)&b->entries, &b->cap_entries, b->n_entries + 1, sizeof *b->entries) ||
        !grow((void **)&b->entry_first_name, &b->cap_efn, b->n_entries + 2, sizeof(uint32_t)))
        return pw_error_set(err, PW_ENOMEM, NULL, 0, 0, "out of memory building the index");
    uint32_t ei = (uint32_t)b->n_entries;
    if (!copy_entry(b->arena, &b->entries[ei], entry))
        return pw_error_set(err, PW_ENOMEM, NULL, 0, 0, "out of memory building the index");
    b->entry_first_name[ei] = (uint32_t)b->n_inames;
    b->n_entries++;
    size_t n_names = entry->n_names < UINT16_MAX ? entry->n_names : UINT16_MAX;
    for (size_t ni = 0; ni < n_names; ni++) {
        int rc = add_name(b, ei, (uint16_t)ni, &entry->names[ni],
                          entry->type == PW_ENTRY_INDIVIDUAL);
        if (rc)
            return pw_error_set(err, rc, NULL, 0, 0, "out of memory building the index");
    }
    b->entry_first_name[ei + 1] = (uint32_t)b->n_inames;
    return 0;
}

int pw_index_builder_add_fn(void *builder, const pw_entry *entry, pw_error *err)
{
    return pw_index_builder_add(builder, entry, err);
}

/* ---- finishing ------------------------------------------------------------------ */

typedef struct pair_list {
    pw_kv *pairs;
    size_t n, cap;
    bool oom;
} pair_list;

static void add_pair(pair_list *l, uint64_t key, uint32_t value)
{
    if (!PUSH(l->pairs, l->n, l->cap, ((pw_kv){key, value})))
        l->oom = true;
}

typedef struct deletion_ctx {
    pair_list *list;
    uint32_t term;
    uint32_t len;
} deletion_ctx;

static void on_deletion(void *ctx, uint64_t hash)
{
    deletion_ctx *d = ctx;
    /* The value carries the term's length above its id, so a look-up can drop terms
     * of the wrong length without touching them. */
    add_pair(d->list, hash, d->term | d->len << PW_DELETION_LEN_SHIFT);
}

static int compare_term_postings(const void *pa, const void *pb)
{
    const term_posting *a = pa, *b = pb;
    if (a->term != b->term)
        return a->term < b->term ? -1 : 1;
    if (a->posting.entry != b->posting.entry)
        return a->posting.entry < b->posting.entry ? -1 : 1;
    if (a->posting.name != b->posting.name)
        return a->posting.name < b->posting.name ? -1 : 1;
    return (int)a->posting.token - (int)b->posting.token;
}

int pw_index_max_distance(const pw_index *idx, size_t len)
{
    if ((int)len >= idx->opts.fuzzy_len2)
        return 2;
    return (int)len >= idx->opts.fuzzy_len1 ? 1 : 0;
}

/* Builds the term-keyed multimaps: text, skeleton, phonetic codes, deletions. */
static int build_term_maps(pw_index *idx)
{
    pair_list text = {0}, skel = {0}, phon = {0}, del = {0};
    for (uint32_t t = 0; t < idx->n_terms; t++) {
        const pw_term *term = &idx->terms[t];
        const char *s = idx->strings + term->text;
        add_pair(&text, pw_index_hash(s, term->len), t);
        const char *k = idx->strings + term->skeleton;
        if (*k)
            add_pair(&skel, pw_index_hash(k, strlen(k)), t);
        /* Sound codes and deletion variants only for terms some word spells: a term
         * only a whole-name join spells (JOHNSMITH) is matched by spelling and skeleton
         * (a four-letter sound code hears only its first word). At a million names
         * those joins would crowd every sound code's terms. */
        for (int c = 0; c < 2 && term->fuzzy; c++)
            if (term->dm[c][0] && (c == 0 || strcmp(term->dm[0], term->dm[1]) != 0))
                add_pair(&phon, pw_index_hash(term->dm[c], strlen(term->dm[c])), t);
        int d = term->fuzzy ? pw_index_max_distance(idx, term->len) : 0;
        if (d > 0 && term->len < 64 && t < PW_DELETION_TERM_MASK) {
            deletion_ctx dc = {&del, t, term->len};
            pw_index_deletion_hashes(s, term->len, d, on_deletion, &dc);
        }
    }
    int rc = PW_ENOMEM;
    if (!text.oom && !skel.oom && !phon.oom && !del.oom &&
        !pw_multimap_build(&idx->by_text, text.pairs, text.n) &&
        !pw_multimap_build(&idx->by_skeleton, skel.pairs, skel.n) &&
        !pw_multimap_build(&idx->by_phonetic, phon.pairs, phon.n) &&
        !pw_multimap_build(&idx->by_deletion, del.pairs, del.n) &&
        !pw_multimap_add_filter(&idx->by_deletion))
        rc = 0;
    free(text.pairs);
    free(skel.pairs);
    free(phon.pairs);
    free(del.pairs);
    return rc;
}

/* Builds the document multimaps: exact normalised numbers and OCR-folded ones. */
static int build_document_maps(pw_index *idx)
{
    pair_list exact = {0}, ocr = {0};
    for (uint32_t e = 0; e < idx->n_entries && e < (1u << 24); e++) {
        const pw_entry *en = &idx->entries[e];
        for (size_t d = 0; d < en->n_documents && d < 256; d++) {
            char key[64];
            pw_index_document_key(en->documents[d].number, false, key, sizeof key);
            if (strlen(key) < 4)
                continue; /* too short to identify anyone */
            add_pair(&exact, pw_index_hash(key, strlen(key)), e << 8 | (uint32_t)d);
            pw_index_document_key(en->documents[d].number, true, key, sizeof key);
            add_pair(&ocr, pw_index_hash(key, strlen(key)), e << 8 | (uint32_t)d);
        }
    }
    int rc = exact.oom || ocr.oom || pw_multimap_build(&idx->by_document, exact.pairs, exact.n) ||
                     pw_multimap_build(&idx->by_doc_ocr, ocr.pairs, ocr.n)
                 ? PW_ENOMEM
                 : 0;
    free(exact.pairs);
    free(ocr.pairs);
    return rc;
}

/* The key of a full date in by_birth (the hash of YYYYMMDD as a number). */
static uint64_t birth_key(pw_date d)
{
    uint32_t v = (uint32_t)(d.year * 10000 + d.month * 100 + d.day);
    char key[sizeof v];
    memcpy(key, &v, sizeof v);
    return pw_index_hash(key, sizeof key);
}

/* An entry's dates of birth packed for pw_index_entry_dobs: 0 for none; for one exact or
 * approximate date, the day (bits 0-4), month (5-8), year (9-22), whether approximate
 * (23) and the count, 1 (24-25); else the count 2 alone (more dates, a range, or a year
 * the bits cannot hold). */
#define BIRTH_COUNT_SHIFT 24

static uint32_t pack_birth(const pw_entry *e)
{
    if (e->n_dobs == 0)
        return 0;
    const pw_dob *d = &e->dobs[0];
    if (e->n_dobs > 1 || d->kind == PW_DOB_RANGE || d->from.year < 1 || d->from.year >= 1 << 14 ||
        d->from.month > 15 || d->from.day > 31)
        return 2u << BIRTH_COUNT_SHIFT;
    return 1u << BIRTH_COUNT_SHIFT | (uint32_t)(d->kind == PW_DOB_APPROX) << 23 |
           (uint32_t)d->from.year << 9 | (uint32_t)d->from.month << 5 | d->from.day;
}

size_t pw_index_entry_dobs(const pw_index *idx, uint32_t i, pw_dob *one, const pw_dob **out)
{
    uint32_t p = i < idx->n_entries ? idx->entry_birth[i] : 0;
    *out = one;
    switch (p >> BIRTH_COUNT_SHIFT) {
    case 0:
        return 0;
    case 1:
        *one = (pw_dob){.kind = p >> 23 & 1 ? PW_DOB_APPROX : PW_DOB_EXACT,
                        .from = {(int16_t)(p >> 9 & 0x3fff), (uint8_t)(p >> 5 & 0xf),
                                 (uint8_t)(p & 0x1f)}};
        return 1;
    default:
        *out = idx->entries[i].dobs;
        return idx->entries[i].n_dobs;
    }
}

void pw_index_prefetch_entry_dob(const pw_index *idx, uint32_t i)
{
    if (i < idx->n_entries)
        __builtin_prefetch(&idx->entry_birth[i]);
}

/* Builds the map of full dates of birth (exact list dates with a day) to entries. */
static int build_birth_map(pw_index *idx)
{
    pair_list births = {0};
    for (uint32_t e = 0; e < idx->n_entries; e++) {
        const pw_entry *en = &idx->entries[e];
        for (size_t d = 0; d < en->n_dobs; d++)
            if (en->dobs[d].kind == PW_DOB_EXACT && en->dobs[d].from.day)
                add_pair(&births, birth_key(en->dobs[d].from), e);
    }
    int rc = births.oom || pw_multimap_build(&idx->by_birth, births.pairs, births.n) ? PW_ENOMEM
                                                                                      : 0;
    free(births.pairs);
    return rc;
}

size_t pw_index_entries_born(const pw_index *idx, pw_date date, uint32_t *out, size_t cap)
{
    if (!date.day || !date.month)
        return 0;
    const uint32_t *vals;
    size_t nv = pw_multimap_get(&idx->by_birth, birth_key(date), &vals), n = 0;
    for (size_t i = 0; i < nv && i < 2 * cap; i++) /* (a few may be another date's) */
        pw_index_prefetch_entry_dob(idx, vals[i]);
    for (size_t i = 0; i < nv && n < cap; i++) {
        pw_dob one;
        const pw_dob *dobs;
        size_t n_dobs = pw_index_entry_dobs(idx, vals[i], &one, &dobs);
        for (size_t d = 0; d < n_dobs; d++) /* (not a hash collision) */
            if (dobs[d].kind == PW_DOB_EXACT && pw_date_compare(dobs[d].from, date) == 0) {
                out[n++] = vals[i];
                break;
            }
    }
    return n;
}

/* Term weights: inverse document frequency over entries, scaled into (0, 1] so that a
 * term only one entry has weighs 1 and one every entry has weighs 0.1. */
static void compute_weights(pw_index *idx)
{
    double n = (double)idx->n_entries + 1;
    double top = log(n + 1);
    for (size_t t = 0; t < idx->n_terms; t++) {
        double w = log((n + 1) / ((double)idx->terms[t].df + 0.5)) / top;
        idx->terms[t].weight = (float)(w < 0.1 ? 0.1 : w > 1 ? 1 : w);
    }
    idx->unknown_weight = 1.0f;
}

/* A term and its number of postings (build_entry_bitmaps). */
typedef struct term_count {
    uint32_t postings, term;
} term_count;

/* Most postings first; ties in term order. */
static int by_postings_descending(const void *pa, const void *pb)
{
    const term_count *a = pa, *b = pb;
    if (a->postings != b->postings)
        return a->postings > b->postings ? -1 : 1;
    return a->term < b->term ? -1 : a->term > b->term;
}

/* Gives the terms with more than PW_INDEX_BITMAP_MIN_POSTINGS postings, the commonest
 * first and at most opts.max_bitmaps of them, a bitmap of the entries they post
 * (n_entries / 8 bytes each: at a million names of bench_index, 224 terms and 28 bytes
 * a name). The matcher asks whether such a term posts the entries a record found
 * through its other words; its postings would be a search or a walk of thousands.
 * 0 or PW_ENOMEM. */
static int build_entry_bitmaps(pw_index *idx)
{
    size_t n = 0, cap = 0;
    term_count *common = NULL;
    for (uint32_t t = 0; t < idx->n_terms; t++)
        if (idx->terms[t].post_count > PW_INDEX_BITMAP_MIN_POSTINGS) {
            if (!grow((void **)&common, &cap, n + 1, sizeof *common)) {
                free(common);
                return PW_ENOMEM;
            }
            common[n++] = (term_count){idx->terms[t].post_count, t};
        }
    if (n == 0)
        return 0;
    qsort(common, n, sizeof *common, by_postings_descending);
    if (n > (size_t)idx->opts.max_bitmaps)
        n = (size_t)idx->opts.max_bitmaps;
    if (n == 0) {
        free(common);
        return 0;
    }
    idx->bitmap_words = (idx->n_entries + 63) / 64;
    idx->entry_bitmaps = calloc(n * idx->bitmap_words, sizeof *idx->entry_bitmaps);
    if (!idx->entry_bitmaps) {
        free(common);
        return PW_ENOMEM;
    }
    idx->n_bitmaps = n;
    for (size_t i = 0; i < n; i++) {
        pw_term *t = &idx->terms[common[i].term];
        uint64_t *bits = idx->entry_bitmaps + i * idx->bitmap_words;
        for (uint32_t k = 0; k < t->post_count; k++) {
            uint32_t e = idx->postings[t->post_first + k].entry;
            bits[e / 64] |= 1ull << (e % 64);
        }
        t->bitmap = (uint8_t)(i + 1);
    }
    free(common);
    return 0;
}

#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE 25 /* Linux 6.1; older glibc headers lack it */
#endif
#define HUGE_PAGE ((uintptr_t)2 << 20)

/* Applies advice (MADV_HUGEPAGE, MADV_COLLAPSE, MADV_NOHUGEPAGE) to the whole 2 MiB
 * pages of an array. */
static void advise_huge(const void *array, size_t bytes, int advice)
{
    uintptr_t from = ((uintptr_t)array + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
    uintptr_t to = ((uintptr_t)array + bytes) & ~(HUGE_PAGE - 1);
    if (array && to > from)
        madvise((void *)from, to - from, advice);
}

static void advise_huge_map(const pw_multimap *m, int advice)
{
    if (!m->slots)
        return;
    advise_huge(m->slots, (m->mask + 1) * sizeof *m->slots, advice);
    advise_huge(m->values, m->n_values * sizeof *m->values, advice);
}

static void advise_arrays(const pw_index *idx, int advice)
{
    advise_huge(idx->entry_bitmaps, idx->n_bitmaps * idx->bitmap_words * sizeof(uint64_t),
                advice);
    advise_huge(idx->entries, idx->n_entries * sizeof *idx->entries, advice);
    advise_huge(idx->entry_first_name, (idx->n_entries + 1) * sizeof *idx->entry_first_name,
                advice);
    advise_huge(idx->names, idx->n_names * sizeof *idx->names, advice);
    advise_huge(idx->tokens, idx->n_tokens * sizeof *idx->tokens, advice);
    advise_huge(idx->terms, idx->n_terms * sizeof *idx->terms, advice);
    advise_huge(idx->strings, idx->strings_len, advice);
    advise_huge(idx->postings, idx->n_postings * sizeof *idx->postings, advice);
    advise_huge_map(&idx->by_text, advice);
    advise_huge_map(&idx->by_skeleton, advice);
    advise_huge_map(&idx->by_phonetic, advice);
    advise_huge_map(&idx->by_deletion, advice);
}

/* Does the host let programs ask for transparent huge pages ("always" or "madvise"
 * selected in sysfs)? MADV_COLLAPSE would collapse even where the operator chose
 * "never", so it is asked only here. */
static bool huge_pages_allowed(void)
{
    char line[128] = "";
    FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
    if (!f)
        return false;
    bool read = fgets(line, sizeof line, f) != NULL;
    fclose(f);
    return read && (strstr(line, "[always]") || strstr(line, "[madvise]"));
}

/* Backs the finished index's arrays with huge pages where the host allows them: a
 * million-name index is half a gigabyte read at random, and in 4 KiB pages nearly
 * every read of a posting, term or entry is also a TLB miss. MADV_COLLAPSE (Linux
 * 6.1) collapses the pages now, off the screening path (about 0.1 s per 100 MB);
 * MADV_HUGEPAGE covers pages faulted anew, and older kernels' background collapsing.
 * pw_index_free takes the advice back (MADV_NOHUGEPAGE), since the allocator reuses
 * the memory for other things. */
static void advise_huge_pages(pw_index *idx)
{
    if (!huge_pages_allowed())
        return;
    advise_arrays(idx, MADV_HUGEPAGE);
    advise_arrays(idx, MADV_COLLAPSE);
    idx->huge_pages = true;
}

int pw_index_builder_finish(pw_index_builder *b, pw_index **out, pw_error *err)
{
    *out = NULL;
    pw_index *idx = calloc(1, sizeof *idx);
    if (!idx)
        goto oom;
    idx->serial = atomic_fetch_add(&last_serial, 1) + 1;
    idx->opts = b->opts;
    if (b->n_entries == 0 && !grow((void **)&b->entry_first_name, &b->cap_efn, 1, 4))
        goto oom;
    if (b->n_entries == 0)
        b->entry_first_name[0] = 0;
    /* Move the arrays over. */
    idx->arena = b->arena;
    b->arena = NULL;
    idx->entries = b->entries;
    idx->n_entries = b->n_entries;
    b->entries = NULL;
    idx->entry_first_name = b->entry_first_name;
    b->entry_first_name = NULL;
    idx->names = b->inames;
    idx->n_names = b->n_inames;
    b->inames = NULL;
    if (!(idx->entry_min_words = malloc(idx->n_entries ? idx->n_entries : 1)))
        goto oom;
    for (size_t e = 0; e < idx->n_entries; e++) {
        uint8_t fewest = PW_NAME_MAX_TOKENS;
        for (uint32_t k = idx->entry_first_name[e]; k < idx->entry_first_name[e + 1]; k++)
            if (idx->names[k].n_words < fewest)
                fewest = idx->names[k].n_words;
        idx->entry_min_words[e] = fewest;
    }
    if (!(idx->entry_birth = malloc((idx->n_entries ? idx->n_entries : 1) * sizeof(uint32_t))))
        goto oom;
    for (size_t e = 0; e < idx->n_entries; e++)
        idx->entry_birth[e] = pack_birth(&idx->entries[e]);
    idx->tokens = b->tokens;
    idx->n_tokens = b->n_tokens;
    b->tokens = NULL;
    idx->terms = b->terms;
    idx->n_terms = b->n_terms;
    b->terms = NULL;
    idx->strings = b->strings;
    idx->strings_len = b->strings_len;
    b->strings = NULL;

    /* Postings per term, in (entry, name, token) order. */
    if (b->n_postings > 0)
        qsort(b->postings, b->n_postings, sizeof *b->postings, compare_term_postings);
    idx->postings = malloc((b->n_postings ? b->n_postings : 1) * sizeof *idx->postings);
    if (!idx->postings)
        goto oom;
    for (size_t i = 0; i < b->n_postings; i++) {
        pw_term *t = &idx->terms[b->postings[i].term];
        if (t->post_count == 0)
            t->post_first = (uint32_t)i;
        t->post_count++;
        idx->postings[i] = b->postings[i].posting;
        idx->postings[i].entry_min_words = idx->entry_min_words[idx->postings[i].entry];
    }
    idx->n_postings = b->n_postings;
    compute_weights(idx);
    if (build_entry_bitmaps(idx) || build_term_maps(idx) || build_document_maps(idx) ||
        build_birth_map(idx))
        goto oom;
    pw_index_builder_free(b);
    advise_huge_pages(idx);
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
    if (idx->huge_pages)
        advise_arrays(idx, MADV_NOHUGEPAGE);
    pw_arena_free(idx->arena);
    free(idx->entries);
    free(idx->entry_first_name);
    free(idx->entry_min_words);
    free(idx->entry_birth);
    free(idx->names);
    free(idx->tokens);
    free(idx->terms);
    free(idx->strings);
    free(idx->postings);
    free(idx->entry_bitmaps);
    pw_multimap_free(&idx->by_text);
    pw_multimap_free(&idx->by_skeleton);
    pw_multimap_free(&idx->by_phonetic);
    pw_multimap_free(&idx->by_deletion);
    pw_multimap_free(&idx->by_document);
    pw_multimap_free(&idx->by_doc_ocr);
    pw_multimap_free(&idx->by_birth);
    free(idx);
}
