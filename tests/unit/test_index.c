/*
 * Tests for engine/index: terms and their weights, the deletion index for bounded
 * edit distance, skeleton and phonetic look-ups, documents with OCR folding, entries'
 * dates of birth, common terms' entry bitmaps, and the multimap underneath.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "index/index.h"
#include "index/index_internal.h"

static pw_index *idx;

static void setup(void)
{
    static pw_entry_name n1[] = {{PW_NAME_PRIMARY, PW_QUALITY_UNKNOWN, "MOHAMMAD ALI HASSAN", NULL, NULL}};
    static pw_entry_name n2[] = {{PW_NAME_PRIMARY, PW_QUALITY_UNKNOWN, "MOHAMMAD KHAN", NULL, NULL}};
    static pw_entry_name n3[] = {{PW_NAME_PRIMARY, PW_QUALITY_UNKNOWN, "MOHAMMAD RAHIMULLAH", NULL, NULL}};
    static pw_document d3[] = {{"P", "AB-123 456", "AFG", {0, 0, 0}, {0, 0, 0}}};
    pw_index_builder *b = pw_index_builder_new(NULL);
    pw_entry e1 = {.list = "L", .entry_id = "1", .names = n1, .n_names = 1};
    pw_entry e2 = {.list = "L", .entry_id = "2", .names = n2, .n_names = 1};
    pw_entry e3 = {.list = "L", .entry_id = "3", .names = n3, .n_names = 1, .documents = d3,
                   .n_documents = 1};
    cr_assert_eq(pw_index_builder_add(b, &e1, NULL), 0);
    cr_assert_eq(pw_index_builder_add(b, &e2, NULL), 0);
    cr_assert_eq(pw_index_builder_add(b, &e3, NULL), 0);
    cr_assert_eq(pw_index_builder_finish(b, &idx, NULL), 0);
}

static void teardown(void) { pw_index_free(idx); }

TestSuite(index, .init = setup, .fini = teardown);

Test(index, terms_postings_and_rarity)
{
    uint32_t mohammad = pw_index_find_term(idx, "MOHAMMAD");
    uint32_t khan = pw_index_find_term(idx, "KHAN");
    cr_assert_neq(mohammad, PW_INDEX_NONE);
    cr_assert_neq(khan, PW_INDEX_NONE);
    cr_assert_eq(pw_index_find_term(idx, "NOBODY"), PW_INDEX_NONE);
    cr_assert_eq(pw_index_term_df(idx, mohammad), 3);
    cr_assert_eq(pw_index_term_df(idx, khan), 1);
    cr_assert_lt(pw_index_term_weight(idx, mohammad), pw_index_term_weight(idx, khan),
                 "a term every entry has weighs less than a rare one");
    const pw_index_posting *p;
    cr_assert_eq(pw_index_term_postings(idx, khan, &p), 1);
    cr_assert_str_eq(pw_index_entry(idx, p[0].entry)->entry_id, "2");
    cr_assert_eq(p[0].token, 1);
}

Test(index, edit_distance_scaled_by_length)
{
    cr_assert_eq(pw_index_max_distance(idx, 3), 0);
    cr_assert_eq(pw_index_max_distance(idx, 4), 1);
    cr_assert_eq(pw_index_max_distance(idx, 8), 2);
    pw_fuzzy_hit hits[8];
    size_t n = pw_index_fuzzy_terms(idx, "MUHAMMAD", hits, 8); /* one substitution */
    cr_assert_eq(n, 1);
    cr_assert_str_eq(pw_index_term_text(idx, hits[0].term), "MOHAMMAD");
    cr_assert_eq(hits[0].distance, 1);
    n = pw_index_fuzzy_terms(idx, "RAHIMULAHH", hits, 8); /* deletion + insertion */
    cr_assert_eq(n, 1);
    cr_assert_eq(hits[0].distance, 2);
    cr_assert_eq(pw_index_fuzzy_terms(idx, "KAHN", hits, 8), 1, "transposition counts one");
    cr_assert_eq(pw_index_fuzzy_terms(idx, "KHN", hits, 8), 0, "3 letters: exact only");
    cr_assert_eq(pw_index_fuzzy_terms(idx, "HOSSEIN", hits, 8), 0);
    cr_assert_eq(pw_index_fuzzy_terms(idx, "MOHAMMADI", hits, 8), 1,
                 "one letter more than MOHAMMAD");
}

Test(index, words_of_one_letter_more)
{
    /* a three-letter word has no edits of its own looked up, but the terms that drop
     * one letter to become it are found (KHAN for KHA, KAN, KHN), none other */
    pw_fuzzy_hit hits[8];
    cr_assert_eq(pw_index_terms_one_letter_longer(idx, "KAN", hits, 8), 1);
    cr_assert_str_eq(pw_index_term_text(idx, hits[0].term), "KHAN");
    cr_assert_eq(hits[0].distance, 1);
    cr_assert_eq(pw_index_terms_one_letter_longer(idx, "KHN", hits, 8), 1);
    cr_assert_eq(pw_index_terms_one_letter_longer(idx, "KHA", hits, 8), 1);
    cr_assert_eq(pw_index_terms_one_letter_longer(idx, "KAH", hits, 8), 0, "not a dropped letter");
    cr_assert_eq(pw_index_terms_one_letter_longer(idx, "ALI", hits, 8), 0, "ALI itself is no hit");
}

Test(index, skeleton_and_phonetic_lookups)
{
    uint32_t hassan = pw_index_find_term(idx, "HASSAN");
    const uint32_t *ids;
    size_t n = pw_index_terms_by_skeleton(idx, pw_index_term_skeleton(idx, hassan), &ids);
    cr_assert_geq(n, 1);
    bool found = false;
    for (size_t i = 0; i < n; i++)
        found |= ids[i] == hassan;
    cr_assert(found);
    char p[5], a[5];
    pw_index_term_phonetic(idx, hassan, p, a);
    n = pw_index_terms_by_phonetic(idx, p, &ids);
    cr_assert_geq(n, 1);
}

/* A term only a whole-name join spells is matched by spelling and skeleton, not by
 * sound: a four-letter code hears only the join's first word (MOHAMMADKHAN and
 * MOHAMMAD both MHMT), and at a million names the joins would crowd every code. */
Test(index, whole_name_joins_have_no_sound_code)
{
    uint32_t join = pw_index_find_term(idx, "MOHAMMADKHAN");
    cr_assert_neq(join, PW_INDEX_NONE, "the whole-name join is a term");
    char p[5], a[5];
    pw_index_term_phonetic(idx, join, p, a);
    const uint32_t *ids;
    size_t n = pw_index_terms_by_phonetic(idx, p, &ids);
    bool word = false;
    for (size_t i = 0; i < n; i++) {
        cr_assert_neq(ids[i], join, "the join is under its sound code %s", p);
        word |= ids[i] == pw_index_find_term(idx, "MOHAMMAD");
    }
    cr_assert(word, "MOHAMMAD is under the same code %s", p);
    const uint32_t *skel;
    n = pw_index_terms_by_skeleton(idx, pw_index_term_skeleton(idx, join), &skel);
    bool by_skeleton = false;
    for (size_t i = 0; i < n; i++)
        by_skeleton |= skel[i] == join;
    cr_assert(by_skeleton, "the join is found by its skeleton");
}

/* Each posting carries its entry's shortest-name word count (what gather ranks by). */
Test(index, postings_carry_the_entry_shortest_name)
{
    size_t checked = 0;
    for (uint32_t t = 0; t < pw_index_term_count(idx); t++) {
        const pw_index_posting *p;
        size_t n = pw_index_term_postings(idx, t, &p);
        for (size_t i = 0; i < n; i++, checked++)
            cr_assert_eq(p[i].entry_min_words, pw_index_entry_min_words(idx, p[i].entry),
                         "term %s, entry %u", pw_index_term_text(idx, t), p[i].entry);
    }
    cr_assert_gt(checked, 0);
    cr_assert_eq(pw_index_entry_min_words(idx, 1), 2, "MOHAMMAD KHAN: two words");
}

Test(index, documents_exact_and_ocr)
{
    pw_index_doc_hit hits[4];
    cr_assert_eq(pw_index_documents(idx, "ab123456", hits, 4), 1);
    cr_assert(hits[0].exact);
    cr_assert_str_eq(pw_index_entry(idx, hits[0].entry)->entry_id, "3");
    cr_assert_eq(pw_index_documents(idx, "A8I23456", hits, 4), 1); /* B->8, 1->I */
    cr_assert_not(hits[0].exact);
    cr_assert_eq(pw_index_documents(idx, "AB123457", hits, 4), 0);
    char key[32];
    pw_index_document_key("o-1 s8", true, key, sizeof key);
    cr_assert_str_eq(key, "0158");
}

Test(index, memory_is_accounted)
{
    cr_assert_gt(pw_index_memory(idx), 100);
    cr_assert_lt(pw_index_memory(idx), 4 << 20, "the entry arena's first block is 1 MiB");
}

typedef struct variant_keys {
    uint64_t key[64];
    int n;
} variant_keys;

static void keep_key(void *ctx, uint64_t key)
{
    variant_keys *v = ctx;
    if (v->n < 64)
        v->key[v->n++] = key;
}

static bool has_key(const variant_keys *v, uint64_t key)
{
    for (int i = 0; i < v->n; i++)
        if (v->key[i] == key)
            return true;
    return false;
}

/* The key of text itself (no deletion). */
static uint64_t key_of(const char *text)
{
    variant_keys v = {.n = 0};
    pw_index_deletion_hashes(text, strlen(text), 0, keep_key, &v);
    cr_assert_eq(v.n, 1);
    return v.key[0];
}

Test(index, deletion_variants)
{
    variant_keys v = {.n = 0};
    pw_index_deletion_hashes("ABCD", 4, 1, keep_key, &v);
    cr_assert_eq(v.n, 5, "the word and its four one-letter deletions");
    const char *one[] = {"ABCD", "BCD", "ACD", "ABD", "ABC"};
    for (int i = 0; i < 5; i++)
        cr_assert(has_key(&v, key_of(one[i])), "%s", one[i]);
    v.n = 0;
    pw_index_deletion_hashes("AAB", 3, 1, keep_key, &v);
    cr_assert_eq(v.n, 3, "deleting either A gives one variant");
    /* two deletions: each is the key of the shorter word spelt out */
    v.n = 0;
    pw_index_deletion_hashes("ABCDE", 5, 2, keep_key, &v);
    cr_assert_eq(v.n, 1 + 5 + 10);
    const char *two[] = {"CDE", "BDE", "BCE", "BCD", "ADE", "ACE", "ACD", "ABE", "ABD", "ABC"};
    for (int i = 0; i < 10; i++)
        cr_assert(has_key(&v, key_of(two[i])), "%s", two[i]);
    cr_assert_not(has_key(&v, key_of("ABDC")), "no transposed variant");
    /* with runs of a letter, every variant is still there (each spelt out here) */
    const char *word = "AABBA";
    v.n = 0;
    pw_index_deletion_hashes(word, 5, 2, keep_key, &v);
    for (int i = 0; i < 5; i++)
        for (int j = i; j < 5; j++) {
            char spelt[6];
            int n = 0;
            for (int k = 0; k < 5; k++)
                if (k != i && k != j)
                    spelt[n++] = word[k];
            spelt[n] = '\0';
            cr_assert(has_key(&v, key_of(spelt)), "%s", spelt); /* (i == j: one deleted) */
        }
}

Test(index, multimap_runs)
{
    pw_kv pairs[] = {{5, 1}, {7, 2}, {5, 3}, {5, 1}};
    pw_multimap m;
    cr_assert_eq(pw_multimap_build(&m, pairs, 4), 0);
    const uint32_t *v;
    cr_assert_eq(pw_multimap_get(&m, 5, &v), 2);
    cr_assert_eq(v[0], 1);
    cr_assert_eq(v[1], 3);
    cr_assert_eq(pw_multimap_get(&m, 9, &v), 0);
    pw_multimap_free(&m);
}

Test(index, multimap_filter_never_hides_a_key)
{
    /* 1,000 keys spread like hashes; the filter lets every one through and keeps most
     * other keys out (about eight bits a key: a few percent pass) */
    enum { N = 1000 };
    pw_kv pairs[N];
    uint64_t x = 88172645463325252ull;
    for (int i = 0; i < N; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        pairs[i] = (pw_kv){x | 1, (uint32_t)i};
    }
    pw_multimap m;
    cr_assert_eq(pw_multimap_build(&m, pairs, N), 0);
    cr_assert_eq(pw_multimap_add_filter(&m), 0);
    const uint32_t *v;
    for (int i = 0; i < N; i++) {
        cr_assert(pw_multimap_may_hold(&m, pairs[i].key));
        cr_assert_eq(pw_multimap_get(&m, pairs[i].key, &v), 1);
    }
    int passed = 0;
    for (int i = 0; i < N; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        passed += pw_multimap_may_hold(&m, x | 1);
    }
    cr_assert_lt(passed, N / 5, "%d of %d absent keys passed", passed, N);
    pw_multimap_free(&m);
}

/* A word of letters only, one for each i (names hold no digits). */
static void letters_of(size_t i, char out[8])
{
    out[0] = 'Q';
    for (int k = 1; k <= 4; k++, i /= 26)
        out[k] = (char)('A' + i % 26);
    out[5] = '\0';
}

Test(index_bitmaps, common_terms_have_exact_entry_bitmaps)
{
    /* SMITH in every entry, TAYLOR in every other one: both past the bitmap line
     * (PW_INDEX_BITMAP_MIN_POSTINGS); each entry's own given name far below it */
    enum { N = 4500 };
    pw_index_builder *b = pw_index_builder_new(NULL);
    for (size_t i = 0; i < N; i++) {
        char given[8], full[64], id[16];
        letters_of(i, given);
        snprintf(full, sizeof full, "%s %sSMITH", given, i % 2 == 0 ? "TAYLOR " : "");
        snprintf(id, sizeof id, "%zu", i);
        pw_entry_name name = {PW_NAME_PRIMARY, PW_QUALITY_UNKNOWN, full, NULL, NULL};
        pw_entry e = {.list = "L", .entry_id = id, .names = &name, .n_names = 1};
        cr_assert_eq(pw_index_builder_add(b, &e, NULL), 0);
    }
    pw_index *big;
    cr_assert_eq(pw_index_builder_finish(b, &big, NULL), 0);
    uint32_t smith = pw_index_find_term(big, "SMITH"), taylor = pw_index_find_term(big, "TAYLOR");
    char rare_word[8];
    letters_of(7, rare_word);
    uint32_t rare = pw_index_find_term(big, rare_word);
    cr_assert(smith != PW_INDEX_NONE && taylor != PW_INDEX_NONE && rare != PW_INDEX_NONE);
    cr_assert_null(pw_index_term_entry_bitmap(big, rare), "a rare term has no bitmap");
    const uint64_t *s_bits = pw_index_term_entry_bitmap(big, smith);
    const uint64_t *t_bits = pw_index_term_entry_bitmap(big, taylor);
    cr_assert_not_null(s_bits);
    cr_assert_not_null(t_bits);
    for (uint32_t e = 0; e < N; e++) {
        size_t i = (size_t)strtoul(pw_index_entry(big, e)->entry_id, NULL, 10);
        cr_assert(pw_index_bitmap_holds(s_bits, e), "SMITH posts entry %u", e);
        cr_assert_eq(pw_index_bitmap_holds(t_bits, e), i % 2 == 0, "TAYLOR and entry %u", e);
    }
    for (uint32_t e = N; e % 64; e++) /* (the last word's bits past the entries) */
        cr_assert_not(pw_index_bitmap_holds(s_bits, e));
    pw_index_free(big);
}

/* pw_index_entry_dobs gives every entry's own dates: from the dense array (unpacked into
 * the caller's date) for none, one exact date (partial or full, up to the year 16383 its
 * bits hold) or one approximate date; from the entry for several dates, a range, or a
 * year outside its bits (before 1, after 16383). pw_index_entries_born, which checks
 * the dates through it, finds an entry by any of its exact full dates. */
Test(index_births, dense_dates_agree_with_the_entries)
{
    static pw_dob full[] = {{PW_DOB_EXACT, {1968, 2, 23}, {0, 0, 0}}};
    static pw_dob year[] = {{PW_DOB_EXACT, {1971, 0, 0}, {0, 0, 0}}};
    static pw_dob approx[] = {{PW_DOB_APPROX, {1955, 0, 0}, {0, 0, 0}}};
    static pw_dob two[] = {{PW_DOB_EXACT, {1960, 1, 1}, {0, 0, 0}},
                           {PW_DOB_EXACT, {1968, 2, 23}, {0, 0, 0}}};
    static pw_dob range[] = {{PW_DOB_RANGE, {1960, 0, 0}, {1965, 0, 0}}};
    static pw_dob last_year[] = {{PW_DOB_EXACT, {16383, 12, 31}, {0, 0, 0}}};
    static pw_dob past_bits[] = {{PW_DOB_EXACT, {16384, 1, 1}, {0, 0, 0}}};
    static pw_dob year_zero[] = {{PW_DOB_EXACT, {0, 0, 0}, {0, 0, 0}}};
    static pw_dob negative[] = {{PW_DOB_EXACT, {-5, 0, 0}, {0, 0, 0}}};
    static const struct {
        pw_dob *dobs;
        size_t n;
        bool dense; /* from the dense array */
    } cases[] = {{NULL, 0, true},       {full, 1, true},       {year, 1, true},
                 {approx, 1, true},     {two, 2, false},       {range, 1, false},
                 {last_year, 1, true},  {past_bits, 1, false}, {year_zero, 1, false},
                 {negative, 1, false}};
    enum { N = sizeof cases / sizeof *cases };
    pw_index_builder *b = pw_index_builder_new(NULL);
    for (size_t i = 0; i < N; i++) {
        char id[8];
        snprintf(id, sizeof id, "%zu", i);
        pw_entry_name name = {PW_NAME_PRIMARY, PW_QUALITY_UNKNOWN, "IVAN PETROV", NULL, NULL};
        pw_entry e = {.list = "L", .entry_id = id, .names = &name, .n_names = 1,
                      .dobs = cases[i].dobs, .n_dobs = cases[i].n};
        cr_assert_eq(pw_index_builder_add(b, &e, NULL), 0);
    }
    pw_index *births;
    cr_assert_eq(pw_index_builder_finish(b, &births, NULL), 0);
    for (uint32_t e = 0; e < N; e++) {
        size_t i = (size_t)strtoul(pw_index_entry(births, e)->entry_id, NULL, 10);
        pw_dob one = {0};
        const pw_dob *dobs = NULL;
        cr_assert_eq(pw_index_entry_dobs(births, e, &one, &dobs), cases[i].n, "entry %zu", i);
        if (cases[i].n == 0)
            continue;
        cr_assert_eq(dobs == &one, cases[i].dense, "entry %zu", i);
        for (size_t d = 0; d < cases[i].n; d++) {
            const pw_dob *want = &cases[i].dobs[d];
            cr_assert_eq(dobs[d].kind, want->kind, "entry %zu", i);
            cr_assert_eq(dobs[d].from.year, want->from.year, "entry %zu", i);
            cr_assert_eq(dobs[d].from.month, want->from.month, "entry %zu", i);
            cr_assert_eq(dobs[d].from.day, want->from.day, "entry %zu", i);
            cr_assert_eq(dobs[d].to.year, want->to.year, "entry %zu", i);
        }
    }
    uint32_t out[4];
    size_t n = pw_index_entries_born(births, (pw_date){1968, 2, 23}, out, 4);
    cr_assert_eq(n, 2, "the entry born that day and the one with it among two dates");
    for (size_t k = 0; k < n; k++) {
        const char *id = pw_index_entry(births, out[k])->entry_id;
        cr_assert(strcmp(id, "1") == 0 || strcmp(id, "4") == 0, "entry %s", id);
    }
    cr_assert_eq(pw_index_entries_born(births, (pw_date){1960, 1, 2}, out, 4), 0);
    pw_index_free(births);
}
