/*
 * Candidate generation and scoring (see match.h for the model).
 *
 * The scratch keeps an accumulator for each index entry the record touches (see
 * entry_acc), in a small hash table per record; it is sized to the most a record can
 * touch (MAX_POSTINGS_PER_RECORD, plus the record's documents, no more than the index
 * holds). Token similarity is computed between the
 * record's analysed tokens and the entry's stored terms; the assignment runs on at
 * most PW_MATCH_MAX_WORDS words a side.
 */
#include "match/match.h"

#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "names/names.h"

#define PW_MATCH_MAX_WORDS 12
/* (align_name keeps sets of a name's tokens in 32-bit masks) */
_Static_assert(PW_NAME_MAX_TOKENS <= 32, "a name's tokens must fit a 32-bit mask");
#define MAX_SCORED (PW_MATCH_MAX_CANDIDATES + 8) /* best-accumulated entries fully scored */
#define MAX_RELAXED_SCORED 12    /* entries scored on a share an unknown word lowered */
#define RANK_WORD_PENALTY 0.001f /* breaks ties in candidate rank: shorter names first */
#define MAX_TERM_HITS 96          /* terms one record token may expand */
#define MAX_DROPPED_LETTER_HITS 16 /* of those, words a short word is with a letter dropped */
#define MAX_POSTINGS_PER_TERM 2000 /* longer lists are not expanded for candidates */
/* A candidate counts as found by its name (pw_candidate.on_name) when the name alone
 * scores this much, whatever the minimum score the caller asks for. */
#define ON_NAME_MIN_SCORE 0.5
/* Like MAX_POSTINGS_PER_TERM, for any other term a record word finds (a near neighbour
 * of a word no list holds as a word: a misspelling, a spelling no entry uses, an abjad
 * reading, a join of the record's words; a familiar form; a word with a letter the
 * record dropped): such a word has nothing else to find its entries by (TAHMECSEBI for
 * TAHMASEBI: at a million names drawn from the UN and OFAC lists' name parts a surname
 * is held by 137 entries on average), or the term is another word than its spelling
 * (TED, EDWARD). */
#define MAX_POSTINGS_PER_HIT 300
/* ... but a near neighbour (edit, sound, skeleton: term_hit.near) of a word the lists
 * hold, likely spelt as its owner spells it, is a common name once more entries hold
 * it (MOHAMMED, or MOHAMAD, for MOHAMED): the record's other words find its entries,
 * and common_neighbours raises them by it when it is one edit away. At a million names
 * most of a heavy record's work was such neighbours' postings, 100 to 300 each: 300
 * for them too costs 11.0% more instructions on the peer's list (callgrind, 3,000
 * travellers), for a recall of its planted travellers of 98.1% against 98.3% now (in
 * bench/peer_postgres.sh's run 98.2% against 98.4%, false alerts 1.23% against 1.14%). */
#define MAX_POSTINGS_PER_NEIGHBOUR 100
/* Terms too common to expand (a word's own spelling, or a neighbour) kept to raise
 * the entries found otherwise (common_neighbours): at most this many a record, and of
 * neighbours, spelling neighbours only (one edit) */
#define MAX_COMMON_NEIGHBOURS 32
#define COMMON_NEIGHBOUR_MIN_SIMILARITY 0.9f
#define MAX_POSTINGS_PER_RECORD 20000
#define MAX_DOCUMENT_HITS 8         /* entries one record document may find */
#define MAX_BIRTH_HITS 8 /* entries born on the record's date (or day and month swapped) */
#define MAX_POSTINGS_PER_INITIAL 50 /* a list initial is looked up only when this rare */
#define MAX_UPDATE_SEARCHES 4096    /* entries a common neighbour is looked up for */
#define PREFETCH_TERMS_AHEAD 4      /* hits whose term gather asks for ahead */
/* update_term walks a term's postings, instead of searching them for each entry found,
 * when they are at most this many times as many (a walk reads a filter bit a posting;
 * a search, a dozen postings an entry, at random) */
#define UPDATE_WALK_FACTOR 16
#define WALK_COST_SHARE 4 /* postings walked that count as one expanded (update_term) */
/* ... and reads a term's entry bitmap instead only when the postings are more than this
 * many times the entries found: a bit read per entry is a cache miss at random in the
 * bitmap (128 KB at a million names), where a walk reads a filter bit in L1 a posting,
 * in order (same-run pairs at a million names: 8 beat 4, 16, and reading the bitmap
 * whenever the term has one) */
#define UPDATE_BITMAP_FACTOR 8
#define MIN_PAIR_SIMILARITY 0.70  /* below this, two words do not match */
/* What a term found near a record word is worth (lookup_token): one edit or two away
 * (pw_index_fuzzy_terms), the same consonants (skeleton), the same sound (Double
 * Metaphone) */
#define EDIT_SIMILARITY 0.9f
#define TWO_EDITS_SIMILARITY 0.8f
#define SKELETON_SIMILARITY 0.85f
#define SOUND_SIMILARITY 0.82f
#define UNMATCHED_QUERY_COST 0.5  /* a record word the entry name lacks */
#define UNMATCHED_ENTRY_COST 0.35 /* an entry word the record lacks (lists carry patronymics, four-part names) */
#define SUBSET_FACTOR 0.4 /* on those costs, when the other side's words are all paired */
#define MIDDLE_NAME_FACTOR 0.4 /* on an entry's middle name the record omits (omitted_middle) */
#define MISMATCH_COST 1.0         /* a word where the other side has a different word */
#define MISMATCH_CREDIT_MAX 0.69  /* credit for a mismatched pair's likeness: below a match */
#define MISSPELLING_CREDIT 0.60   /* a mismatch this alike is a misspelling (one-word cap) */
#define TWO_SWAPS_SIMILARITY 0.85 /* two pairs of adjacent letters swapped (two_swaps) */
#define NICKNAME_SIMILARITY 0.88 /* a familiar form of a given name (pw_names_nickname_of) */
#define GENDERED_FORM_SIMILARITY 0.70 /* IVANOVA and IVANOV: a relative, at most a weak match */
#define PARTICLE_WEIGHT 0.25
#define INITIAL_WEIGHT 0.3
#define SINGLE_WORD_CAP 0.80      /* one word in common is never enough on its own */
#define LINEAGE_CROSSED_CAP 0.80  /* a son's name aligned with his father's (X BIN Y, Y BIN X) */
#define LOW_QUALITY_ALIAS 0.92    /* factor for aliases the list marks as weak */
#define CANDIDATE_MIN_SHARE 0.5   /* share of the record's name weight a candidate needs */
#define SHORT_WORD 3              /* letters: a typing error in a word this short is often another name */
/* a short word against the word of one letter more it is (spelling_similarity's one
 * edit in SHORT_WORD + 1 letters) */
#define DROPPED_LETTER_SIMILARITY (1.0 - 0.9 / (SHORT_WORD + 1))

#define MEMO_SLOTS 4096
#define JOIN_ALONE_MODES 4 /* a side's modes reading one of its joins alone (side_units) */
#define SIDE_MODES (5 + JOIN_ALONE_MODES) /* a side's segmentation modes (side_units) */
#define Q_MODES (SIDE_MODES + 1) /* the record's: a side's, and query_units' */
#define Q_NO_PAIR_JOINS SIDE_MODES /* that mode of query_units */
/* Look-up cache (look_up_token): travellers' words repeat (in the 50,000 synthetic
 * travellers, the 8,000 commonest words are 92% of all words; 15,400 words in all), so
 * the process keeps the last look-ups of LOOKUP_SLOTS words, two ways a set, about
 * 14 MB, shared by every scratch: a word one worker looked up is not looked up again by
 * the others (a look-up missing the cache costs 10 to 20 times a hit at a million
 * names). LOOKUP_LOCKS mutexes, each for a stripe of sets, guard it; a look-up holds
 * one while it compares and copies an entry, never while it works one out. It is
 * mapped at the first look-up (2 MiB-aligned and advised to the kernel as huge pages:
 * read at random, in 4 KiB pages nearly every visit would be a TLB miss), written then
 * in full (pw_touch_pages: all 14 MB resident, even for a short run) and lives as long
 * as the process. Whole-name joins (JOHNSMITH) are not kept: one per traveller,
 * they would only push the words out. */
#define LOOKUP_SLOTS 32768
#define LOOKUP_LOCKS 256
#define LOOKUP_KEY_MAX 72
/* Hits a cache entry keeps (a word with more is worked out each time): at a million
 * names 94% of the words with more than 32 have at most 64. All of them (at most
 * MAX_TERM_HITS, 96) would make every entry 30% larger (552 bytes against 424), and the
 * cache of every run with it, for 6% of those words. */
#define LOOKUP_HITS 64
#define LOOKUP_FLAGS                                                                       \
    (PW_TOKEN_INITIAL | PW_TOKEN_JOINED | PW_TOKEN_ABJAD | PW_TOKEN_PARTICLE |                 \
     PW_TOKEN_GLUED_TITLE | PW_TOKEN_SYLLABIC)

/* Accumulators of the entries a record touches. A record touches a few thousand
 * entries at most (about 1,500 of a million-name list), so instead of one accumulator
 * per index entry (far beyond the caches, and reached in random order) each entry the
 * record touches gets the next accumulator of a dense array (s->acc, in the order first
 * touched), found by entry id through an open-addressing hash table (s->acc_slots,
 * linear probing, Fibonacci hashing). A slot holds only the accumulator's index: a
 * probe reads the entry id from the accumulator, which a hit reads next anyway, and an
 * empty slot (the usual end of a probe at the table's low load) is read alone, so that
 * the table takes half the room it would with the entry id beside the index. The table
 * in use starts each record at four times the most entries a recent record touched (at
 * least 1 << ACC_SLOT_BITS slots; see clear_accs) and doubles whenever it would be more
 * than half full, so both stay in L2 (a million-name record's 1,500 to 3,000 entries:
 * 8,192 or 16,384 slots, 32 or 64 KB). A bitmap (s->acc_filter) has a bit set for each
 * touched entry (filter_bit): update_term walks common terms' postings (those without an
 * entry bitmap), mostly entries the record did not touch, and a clear bit (the usual,
 * predictable case) spares it the probe. Between records only the slots and bitmap
 * words used are cleared (each accumulator remembers its slot). The record's tokens
 * stamp the accumulators (tok_stamp, 1 for the first token gathered) so that each token
 * counts once per entry, whatever number of its terms post the entry: a token's terms
 * come best first (lookup_token), so the first to find an entry adds the token's best
 * gain, and the others are left out. */
#define ACC_SLOT_BITS 12    /* 4,096 slots (16 KB) at least: a short list's records fit */
/* 131,072 bits (16 KB, half of L1): at a million names the 1,500 to 3,000 entries a
 * record touches set about 2% of them. At 32,768 bits they set 8%, and 86% of the
 * walked postings that passed the bitmap were entries the record had not touched, each
 * a probe at random into the slots (bench_index: 30.7 million postings passed, 4.2
 * million of them touched; at 131,072 bits 10.5 million pass, and a walk costs little
 * more than reading its postings, about 1.1 times against 2) */
#define ACC_FILTER_BITS 17
#define NO_ENTRY UINT32_MAX /* an empty slot (all bytes 0xFF) */
/* clear_accs sweeps the whole table in use (and the bitmap) when the accumulators are
 * at least 1/CLEAR_WHOLE_FACTOR of its slots: a sequential memset writes 32 bytes a cycle
 * where clearing one accumulator's slot and bitmap word costs two writes at random */
#define CLEAR_WHOLE_FACTOR 32

#define FOUND_BY_TOKENS 16 /* record tokens entry_acc.found_by tells (common_neighbours) */
/* (gather stamps with 1 to n_tokens, common_neighbours with n_tokens + 1 + qi) */
_Static_assert(2 * PW_NAME_MAX_TOKENS + 1 <= UINT8_MAX, "stamps must fit entry_acc.tok_stamp");

typedef struct entry_acc {
    uint32_t entry;
    uint32_t slot;      /* its slot in s->acc_slots */
    uint8_t tok_stamp;  /* the last record token that found it (0: none yet) */
    uint8_t min_words;  /* words in the entry's shortest name (for the rank) */
    uint16_t found_by;  /* bit qi: record token qi found it (qi < FOUND_BY_TOKENS) */
    float acc;          /* found by record words no pair join covers; once gathered, the
                           entry's whole weight, documents included */
    float covered;      /* found by record words a pair join covers (SAID, ULLAH) */
    float pairs;        /* found by the pair joins (SAIDULLAH): instead of those words */
    float whole;        /* found by the whole-name join: instead of all the words */
    float rank;         /* while gathering, the count of documents in common; then the
                           rank key (ranks_before) */
} entry_acc;

typedef struct sim_detail {
    double similarity;
    const char *how; /* static text for the explanation */
    float credit;    /* mismatch_similarity, once asked for; -1 before */
} sim_detail;

typedef struct term_hit {
    uint32_t term;
    float similarity;
    bool near; /* found only as a near neighbour (an edit or two away, the same consonants
                  or sound), not as the word's spelling, a familiar form, a word with a
                  letter the record dropped or an initial (see MAX_POSTINGS_PER_NEIGHBOUR) */
} term_hit;

/* A slot of the token similarity memo: its key (record token, entry token's term,
 * plain term and flags; see memo_slot), its epoch and what it holds, side by side: a
 * slot read or written is one or two cache lines, not one in each of four arrays (at
 * a million names the memo is mostly out of L1 and L2 when a record starts). */
typedef struct memo_entry {
    uint64_t epoch; /* the record's (pw_match_scratch.epoch) when it was filled */
    uint64_t key;
    sim_detail val;
    uint32_t plain;
} memo_entry;

/* One side of an alignment: the tokens standing for the name's words, either the
 * words themselves or with joined variants replacing the words they cover. */
typedef struct unit_set {
    int tok[PW_MATCH_MAX_WORDS];
    int n;
} unit_set;

/* A record token's index look-up, as lookup_token and its callers make it, cached for
 * the next records with the same token (see look_up_token). */
typedef struct lookup_entry {
    uint64_t serial; /* pw_index_serial of the index it was made in; 0: empty */
    bool used_last; /* of its set's two ways, the one used last (under the set's lock) */
    uint32_t hash;
    uint16_t flags;  /* what the look-up reads of the token's flags (lookup_flags) */
    uint8_t key_len;
    uint8_t n_hits;
    bool nick;
    char key[LOOKUP_KEY_MAX]; /* text and plain (key_len bytes: the key), then the
                                 skeleton of text; each NUL-terminated */
    uint32_t term[2];
    char dm[2][PW_DMETAPHONE_MAX + 1];
    char alt_skel[PW_NAME_TOKEN_MAX];
    uint32_t hits[LOOKUP_HITS]; /* n_hits term_hits, packed (pack_hits) */
} lookup_entry;

#define HUGE_PAGE (2u << 20)
#define LOOKUP_MAP_BYTES (LOOKUP_SLOTS * sizeof(lookup_entry) + HUGE_PAGE)

struct pw_match_scratch {
    pw_names_scratch *names;
    pw_name query;
    /* the accumulators of the entries the record touched (see entry_acc) */
    entry_acc *acc;
    size_t n_acc;
    size_t cap_acc;
    uint32_t *acc_slots; /* accumulators by entry hash (NO_ENTRY: empty); allocated for
                            the largest record, all empty but acc's */
    uint32_t slot_bits;  /* slots in use: 1 << slot_bits */
    size_t grow_at;      /* accumulators that fill half of them (acc_of doubles them) */
    uint32_t max_slot_bits; /* slots allocated: 1 << max_slot_bits */
    size_t acc_hint;        /* accumulators the recent records needed (clear_accs) */
    uint64_t acc_filter[(1u << ACC_FILTER_BITS) / 64];
    uint32_t *ranked; /* the accumulators gather ranks */
    uint32_t top[MAX_SCORED]; /* gather's selection of the best-ranked accumulators */
    uint64_t epoch;           /* the record's, for the memo */
    double q_weight[PW_NAME_MAX_TOKENS];                 /* weight of each record token */
    double q_gate[PW_NAME_MAX_TOKENS]; /* what finding it is worth to a candidate: its
                                          weight, for a join the words it joins */
    uint32_t q_term[PW_NAME_MAX_TOKENS][2];              /* terms of its text and plain keys */
    memo_entry memo[MEMO_SLOTS]; /* token similarity memo for the current record */
    char q_dm[PW_NAME_MAX_TOKENS][2][PW_DMETAPHONE_MAX + 1]; /* its Double Metaphone codes */
    /* the skeleton ("" when none) of its other reading (a word from an abjad whose
     * plain form reads an ambiguous letter otherwise) */
    char q_alt_skel[PW_NAME_MAX_TOKENS][PW_NAME_TOKEN_MAX];
    term_hit q_hits[PW_NAME_MAX_TOKENS][MAX_TERM_HITS]; /* its index look-up (lookup_token) */
    bool q_nick[PW_NAME_MAX_TOKENS]; /* it is a given name with familiar or formal forms */
    /* each record token's look-up key, its hash and cache set (prefetch_lookups) */
    char q_key[PW_NAME_MAX_TOKENS][LOOKUP_KEY_MAX];
    size_t q_key_len[PW_NAME_MAX_TOKENS];
    uint32_t q_key_hash[PW_NAME_MAX_TOKENS];
    lookup_entry *q_set[PW_NAME_MAX_TOKENS];
    /* the record's alignment units by mode (units_of_words), the same for every entry
     * name: which modes it offers (mode 2, its whole-name join, when it has one) */
    unit_set q_units[Q_MODES];
    bool q_modes[Q_MODES];
    int q_first_pair_join; /* the first of the tokens add_pair_joins added (n_tokens: none) */
    uint8_t q_nhits[PW_NAME_MAX_TOKENS];
    pw_candidate candidates[PW_MATCH_MAX_CANDIDATES];
    pw_strbuf json;
};

pw_match_scratch *pw_match_scratch_new(void)
{
    pw_match_scratch *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    pw_touch_pages(s, sizeof *s); /* (the memo is read first) */
    if (!(s->names = pw_names_scratch_new())) {
        free(s);
        return NULL;
    }
    /* (look_up_token fills the record words' skeletons: most from the look-up cache) */
    pw_names_scratch_fill_skeletons(s->names, false);
    return s;
}

void pw_match_scratch_free(pw_match_scratch *s)
{
    if (!s)
        return;
    pw_names_scratch_free(s->names);
    free(s->acc);
    free(s->acc_slots);
    free(s->ranked);
    pw_strbuf_free(&s->json);
    free(s);
}

/* Makes room for max_acc accumulators, and for at least twice as many hash slots (a
 * power of two): a record touches no more entries than gather expands postings and
 * seeds (MAX_POSTINGS_PER_RECORD between them: update_term adds no entry) plus its
 * documents find, nor more than the index holds. */
static int fit_scratch(pw_match_scratch *s, size_t max_acc)
{
    if (max_acc <= s->cap_acc && s->acc_slots)
        return 0;
    if (max_acc == 0)
        max_acc = 1; /* (an empty index: malloc(0) may return NULL) */
    size_t cap_slots = (size_t)1 << ACC_SLOT_BITS;
    uint32_t max_slot_bits = ACC_SLOT_BITS;
    while (cap_slots < 2 * max_acc) {
        cap_slots *= 2;
        max_slot_bits++;
    }
    free(s->acc);
    free(s->acc_slots);
    free(s->ranked);
    s->acc = malloc(max_acc * sizeof *s->acc);
    s->acc_slots = malloc(cap_slots * sizeof *s->acc_slots);
    s->ranked = malloc(max_acc * sizeof *s->ranked);
    s->n_acc = 0;
    if (!s->acc || !s->acc_slots || !s->ranked) {
        free(s->acc_slots);
        s->acc_slots = NULL;
        s->cap_acc = 0;
        return PW_ENOMEM;
    }
    memset(s->acc_slots, 0xff, cap_slots * sizeof *s->acc_slots); /* all empty */
    memset(s->acc_filter, 0, sizeof s->acc_filter);
    s->cap_acc = max_acc;
    s->max_slot_bits = max_slot_bits;
    s->slot_bits = ACC_SLOT_BITS;
    s->grow_at = (size_t)1 << (ACC_SLOT_BITS - 1);
    return 0;
}

/* Fibonacci hashing: the top bits of the product are well mixed. */
static inline uint32_t hash_entry(uint32_t entry)
{
    return entry * 0x9E3779B9u;
}

/* The bit of s->acc_filter for entry: its id's low bits (ids are dense, and the entries
 * a record touches spread over them as a hash's would; a walk reads one a posting, so
 * it costs no multiplication, and the postings' rising ids read the bitmap in order). */
static inline uint32_t filter_bit(uint32_t entry)
{
    return entry & ((1u << ACC_FILTER_BITS) - 1);
}

/* The slot holding entry's accumulator (of acc) in the first 1 << slot_bits slots, or
 * the empty slot where it belongs. */
static inline uint32_t probe_slot(const uint32_t *slots, const entry_acc *acc, uint32_t slot_bits,
                                  uint32_t entry)
{
    uint32_t mask = (1u << slot_bits) - 1;
    uint32_t i = hash_entry(entry) >> (32 - slot_bits);
    while (slots[i] != NO_ENTRY && acc[slots[i]].entry != entry)
        i = (i + 1) & mask;
    return i;
}

/* Empties the slots and filter bits of the record's accumulators and drops them. The
 * next record starts with four times as many slots as the recent records needed
 * (acc_hint: the most accumulators of a recent record, decaying by an eighth a record):
 * records of one workload touch alike numbers of entries, at a million names 1,500 to
 * 3,000, and a table started at 4,096 slots doubled once or twice every record. */
static void clear_accs(pw_match_scratch *s)
{
    if ((size_t)s->n_acc * CLEAR_WHOLE_FACTOR >= (size_t)1 << s->slot_bits) {
        /* (many: the slots in use and the bitmap in two sequential sweeps, not two
         * writes at random an accumulator) */
        memset(s->acc_slots, 0xFF, ((size_t)1 << s->slot_bits) * sizeof *s->acc_slots);
        memset(s->acc_filter, 0, sizeof s->acc_filter);
    } else {
        for (size_t a = 0; a < s->n_acc; a++) {
            s->acc_slots[s->acc[a].slot] = NO_ENTRY;
            s->acc_filter[filter_bit(s->acc[a].entry) / 64] = 0;
        }
    }
    s->acc_hint =
        s->n_acc > s->acc_hint - s->acc_hint / 8 ? s->n_acc : s->acc_hint - s->acc_hint / 8;
    uint32_t bits = ACC_SLOT_BITS;
    while (bits < s->max_slot_bits && (size_t)1 << bits < 4 * (s->acc_hint + 1))
        bits++;
    s->n_acc = 0;
    s->slot_bits = bits;
    s->grow_at = (size_t)1 << (bits - 1);
}

/* Doubles the slots in use, placing the accumulators anew. */
static void grow_slots(pw_match_scratch *s)
{
    for (size_t a = 0; a < s->n_acc; a++)
        s->acc_slots[s->acc[a].slot] = NO_ENTRY;
    s->slot_bits++;
    s->grow_at *= 2;
    for (uint32_t a = 0; a < s->n_acc; a++) {
        uint32_t i = probe_slot(s->acc_slots, s->acc, s->slot_bits, s->acc[a].entry);
        s->acc_slots[i] = a;
        s->acc[a].slot = i;
    }
}

/* The entry's accumulator, a new one all zero when the record has not touched it
 * (min_words: pw_index_entry_min_words of the entry): the slots in use double first if
 * one more would fill more than half of them (fit_scratch made room for both). */
static inline uint32_t acc_of(pw_match_scratch *s, uint32_t entry, uint8_t min_words)
{
    if (s->n_acc >= s->grow_at)
        grow_slots(s);
    uint32_t i = probe_slot(s->acc_slots, s->acc, s->slot_bits, entry);
    if (s->acc_slots[i] != NO_ENTRY)
        return s->acc_slots[i];
    uint32_t a = (uint32_t)s->n_acc++;
    s->acc[a] = (entry_acc){.entry = entry, .slot = i, .min_words = min_words};
    s->acc_slots[i] = a;
    uint32_t bit = filter_bit(entry);
    s->acc_filter[bit / 64] |= 1ull << (bit % 64);
    return a;
}

/* ---- token similarity ------------------------------------------------------------ */

/* Is this particle the first half of a compound given name (ABDUL HAMID, ABU BAKR:
 * servant of, father of)? Left over, it stands for a name where the other side has
 * another (ABDUL KHAN against PADSHAH KHAN), unlike an article or a connector. */
static bool compound_head(const char *text)
{
    return text[0] == 'A' && text[1] == 'B' &&
           (text[2] == 'D' || text[2] == 'U' || text[2] == 'O' || text[2] == 'W');
}

/* Is c a Latin vowel (Y counted) of a name key? */
static inline bool is_vowel(char c)
{
    return c == 'A' || c == 'E' || c == 'I' || c == 'O' || c == 'U' || c == 'Y';
}

/* True for a token with at most one vowel in three letters: the consonant-only
 * romanisation of Arabic or Hebrew script, where a skeleton is the best key. */
static bool vowel_poor(const char *text, size_t len)
{
    size_t vowels = 0;
    for (size_t i = 0; i < len; i++)
        vowels += is_vowel(text[i]);
    return len >= 3 && vowels * 3 < len;
}

/* True for a word of three letters or more without a vowel (MHMD, MMN): in a Latin
 * name it is a name written by its consonants, as abbreviations (MHD for MUHAMMAD)
 * and romanisations of an abjad write them, not another name. */
static bool no_vowel(const char *text, size_t len)
{
    return len >= 3 && strpbrk(text, "AEIOUY") == NULL;
}

/* Is consonants exactly word without its vowels (MMN, MEMON)? The skeleton cannot
 * tell: it folds doubled letters before it drops vowels, so MMN's is MN and MEMON's
 * MMN. */
static bool consonants_of(const char *consonants, const char *word)
{
    for (; *word; word++) {
        if (is_vowel(*word))
            continue;
        if (*consonants++ != *word)
            return false;
    }
    return *consonants == '\0';
}

/* Is this word an East Slavic patronymic (VIKTOROVICH, OLEKSANDROVYCH, PETROVNA)? It
 * is an optional part of the name: a traveller's passport may give it where the list
 * does not, as a list often gives it where the passport does not, and either way it
 * costs what a list's patronymic costs (UNMATCHED_ENTRY_COST). */
static bool patronymic(const char *w, size_t len)
{
    static const char *const endings[] = {"OVICH", "EVICH", "OVYCH", "EVYCH", "OVNA", "EVNA"};
    for (size_t i = 0; i < sizeof endings / sizeof endings[0]; i++) {
        size_t n = strlen(endings[i]);
        if (len >= n + 3 && memcmp(w + len - n, endings[i], n) == 0)
            return true;
    }
    return false;
}

/* Is f the feminine form of the family name whose masculine form is m (Slavic
 * surnames inflect for gender: IVANOVA / IVANOV, ALIEVA / ALIEV, PUTINA / PUTIN,
 * TOLSTAYA / TOLSTOY, DOSTOEVSKAYA / DOSTOEVSKIY, KOWALSKA / KOWALSKI; Czech adds
 * -OVA: NOVAKOVA / NOVAK)? The stems must agree up to one edit and keep at least
 * three letters. */
static bool gendered_pair(const char *f, size_t lf, const char *m, size_t lm)
{
    static const struct {
        const char *f, *m;
        uint8_t lf, lm;
    } pairs[] = {
        {"OVA", "OV", 3, 2},     {"EVA", "EV", 3, 2},     {"INA", "IN", 3, 2},
        {"YNA", "YN", 3, 2},     {"SKAYA", "SKIY", 5, 4}, {"SKAYA", "SKIJ", 5, 4},
        {"SKAYA", "SKII", 5, 4}, {"SKAYA", "SKY", 5, 3},  {"SKAYA", "SKI", 5, 3},
        {"SKA", "SKI", 3, 3},    {"SKA", "SKY", 3, 3},    {"CKA", "CKI", 3, 3},
        {"AYA", "OY", 3, 2},     {"AYA", "IY", 3, 2},     {"AYA", "YY", 3, 2},
        {"OVA", "", 3, 0},
    };
    if (lf < 6 || f[lf - 1] != 'A') /* every feminine ending here ends in A */
        return false;
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        size_t sf = pairs[i].lf, sm = pairs[i].lm;
        if (lf < sf + 3 || lm < sm + 3 || memcmp(f + lf - sf, pairs[i].f, sf) != 0 ||
            memcmp(m + lm - sm, pairs[i].m, sm) != 0)
            continue;
        size_t a = lf - sf, b = lm - sm;
        if (pw_osa_distance(f, a, m, b, 1) <= 1)
            return true;
    }
    return false;
}

static bool is_initial_of(const char *initial, const char *word)
{
    return initial[0] && !initial[1] && word[0] == initial[0];
}

/* How many letters two words do not have in common, counted with repeats: every edit
 * changes it by two at most (a transposition not at all), so (apart + 1) / 2 is a
 * lower bound of the edit distance, and (la + lb - apart) / 2 an upper bound of the
 * characters Jaro can match. Costs a pass over each word, against the quadratic
 * distance it often saves: most pairs compared are different names. Words are token
 * texts (A-Z and 0-9), which the low six bits of a byte tell apart (A-Z are 1-26,
 * 0-9 are 48-57). */
static int letters_apart(const char *a, size_t la, const char *b, size_t lb)
{
    int16_t counts[64] = {0};
    int apart = 0;
    for (size_t i = 0; i < la; i++)
        counts[a[i] & 63]++;
    for (size_t i = 0; i < lb; i++)
        counts[b[i] & 63]--;
    /* (summed over the letters the words have, each slot once: names are short) */
    for (size_t i = 0; i < la; i++) {
        int c = a[i] & 63;
        apart += abs(counts[c]);
        counts[c] = 0;
    }
    for (size_t i = 0; i < lb; i++) {
        int c = b[i] & 63;
        apart += abs(counts[c]);
        counts[c] = 0;
    }
    return apart;
}

/* An upper bound of pw_jaro_winkler(a, b) from the letters in common (see
 * letters_apart) and the common prefix: Jaro with every common letter matched in
 * order, boosted by the prefix as if Jaro were above Winkler's 0.7. */
static double jaro_winkler_at_most(const char *a, size_t la, const char *b, size_t lb,
                                   int apart)
{
    double m = (double)((int)(la + lb) - apart) / 2;
    if (m <= 0)
        return 0;
    double jaro = (m / (double)la + m / (double)lb + 1) / 3;
    int prefix = 0;
    while (prefix < 4 && (size_t)prefix < la && (size_t)prefix < lb && a[prefix] == b[prefix])
        prefix++;
    return jaro + prefix * 0.1 * (1 - jaro) + 1e-9; /* (rounding: a bound, never below) */
}

/* Are a and b the same word with two adjacent letters swapped (CHEO, CHOE)? A typing
 * error that, unlike a changed letter, rarely makes another name of four letters. */
static bool swapped_pair(const char *a, size_t la, const char *b, size_t lb)
{
    if (la != lb)
        return false;
    size_t i = 0;
    while (i < la && a[i] == b[i])
        i++;
    return i + 1 < la && a[i] == b[i + 1] && a[i + 1] == b[i] &&
           memcmp(a + i + 2, b + i + 2, la - i - 2) == 0;
}

/* Are a and b, both len letters, the same word with two pairs of adjacent letters
 * swapped (ATHRI for TAHIR)? Two typing errors that keep every letter: the edit
 * distance (two) makes it another name in a short word, but few names are another's
 * letters swapped in place twice. */
static bool two_swaps(const char *a, const char *b, size_t len)
{
    int swaps = 0;
    for (size_t i = 0; i < len; i++) {
        if (a[i] == b[i])
            continue;
        if (i + 1 < len && a[i] == b[i + 1] && a[i + 1] == b[i]) {
            swaps++;
            i++;
            continue;
        }
        return false;
    }
    return swaps == 2;
}

/* One reading of a record word against one reading of a list word (both forms not
 * exactly equal, neither an initial nor a whole-name join): edit distance, then
 * skeleton, sound and Jaro-Winkler. */
static sim_detail spelling_similarity(const pw_index *idx, const char *qt, size_t lq,
                                      const char *qskel, const char qdm[2][PW_DMETAPHONE_MAX + 1],
                                      uint16_t qflags, bool q_translit, uint32_t term,
                                      uint16_t eflags)
{
    const char *et = pw_index_term_text(idx, term);
    size_t le = pw_index_term_len(idx, term);
    size_t longer = lq > le ? lq : le;
    size_t diff = lq > le ? lq - le : le - lq;
    int max_d = longer >= 8 ? 2 : longer >= 4 ? 1 : 0;
    sim_detail best = {0, "different"};
    int apart = -1; /* letters_apart, computed where needed */
    if (max_d > 0 && diff <= (size_t)max_d &&
        ((apart = letters_apart(qt, lq, et, le)) + 1) / 2 <= max_d) {
        int d = pw_osa_distance(qt, lq, et, le, max_d);
        if (d <= max_d) {
            double sim = 1.0 - 0.9 * (double)d / (double)longer;
            bool swapped = d == 1 && longer < 5 && swapped_pair(qt, lq, et, le);
            if (d == 1 && (longer >= 5 || swapped))
                sim = sim > 0.9 ? sim : 0.9;
            best = (sim_detail){sim, swapped  ? "two letters swapped"
                                     : d == 1 ? "one edit"
                                              : "two edits"};
        }
    }
    if (best.similarity < TWO_SWAPS_SIMILARITY && lq == le && lq >= 5 && two_swaps(qt, et, lq))
        best = (sim_detail){TWO_SWAPS_SIMILARITY, "two pairs of letters swapped"};
    if (best.similarity >= 0.9)
        return best;
    if ((qflags ^ eflags) & PW_TOKEN_SYLLABIC)
        /* A romanised Han or Hangul name against a Latin one: by spelling only. Their
         * syllables are short and a vowel or a final consonant is another character
         * (YEONGHO and YONG share a skeleton, MING and MYONGHO a sound). */
        return best;
    /* Sound, skeleton and Jaro-Winkler, combined: a consonant skeleton in common is
     * strong evidence only where a romanisation dropped the vowels (a transliterated,
     * vowel-poor side) or where the two also sound alike. */
    const char *es = pw_index_term_skeleton(idx, term);
    bool skeleton = qskel[0] && qskel[1] && strcmp(qskel, es) == 0;
    bool vowel_less = ((qflags | eflags) & PW_TOKEN_ABJAD) ||
                      (q_translit && vowel_poor(qt, lq)) ||
                      ((eflags & PW_INDEX_TOKEN_TRANSLITERATED) && vowel_poor(et, le));
    if ((no_vowel(qt, lq) && consonants_of(qt, et)) || (no_vowel(et, le) && consonants_of(et, qt)))
        return (sim_detail){0.9, "written without its vowels"};
    /* Neither sound (a four-letter code) nor Jaro-Winkler (weighted to the first
     * letters) alone for a joined form: on ABDULHAMID and ABDULGHANI both see mostly
     * the particle. */
    bool joined = ((qflags | eflags) & PW_TOKEN_JOINED) != 0;
    bool phon = false;
    double jw = 0;
    if (lq >= 3 && le >= 3 && diff <= 3) {
        char p[5], a[5];
        pw_index_term_phonetic(idx, term, p, a);
        phon = qdm[0][0] && (strcmp(qdm[0], p) == 0 || strcmp(qdm[0], a) == 0 ||
                             strcmp(qdm[1], p) == 0 || strcmp(qdm[1], a) == 0);
        /* (only where it can count: 0.80 with the sound, 0.92 without; not joined) */
        if (!joined && apart < 0)
            apart = letters_apart(qt, lq, et, le);
        if (!joined && jaro_winkler_at_most(qt, lq, et, le, apart) >= (phon ? 0.80 : 0.92))
            jw = pw_jaro_winkler(qt, lq, et, le);
    }
    if (skeleton && (vowel_less || phon))
        return (sim_detail){0.9, phon ? "same skeleton and sound" : "same consonant skeleton"};
    if (phon && !joined && jw >= 0.80 && best.similarity < 0.82)
        best = (sim_detail){0.82, "sounds alike"};
    if (jw >= 0.92 && !joined && best.similarity < jw - 0.06)
        best = (sim_detail){jw - 0.06, "Jaro-Winkler"};
    if (skeleton && best.similarity < 0.78)
        best = (sim_detail){0.78, "same consonant skeleton"};
    return best;
}


/* A word read with the other value of an ambiguous letter (a, its skeleton askel)
 * against a word b: one edit, or the same consonant skeleton (one side is from an
 * abjad), scores as spelling_similarity would; best when that is no better. */
static sim_detail other_reading(const char *a, size_t la, const char *askel, const char *b,
                                size_t lb, const char *bskel, sim_detail best)
{
    if (askel[0] && askel[1] && strcmp(askel, bskel) == 0)
        return (sim_detail){0.9, "same skeleton, other reading of a letter"};
    size_t longer = la > lb ? la : lb, diff = la > lb ? la - lb : lb - la;
    int max_d = longer >= 8 ? 2 : longer >= 4 ? 1 : 0;
    if (max_d == 0 || diff > (size_t)max_d)
        return best;
    int d = pw_osa_distance(a, la, b, lb, max_d);
    if (d > max_d)
        return best;
    double sim = d == 1 && longer >= 5 ? 0.9 : 1.0 - 0.9 * (double)d / (double)longer;
    if (sim <= best.similarity)
        return best;
    return (sim_detail){sim, "other reading of a letter"};
}

/* How alike a record token and an entry term are, and why: the record token's own
 * terms first (integer compares), then edit distance, skeleton, sound and
 * Jaro-Winkler. */
/* A word known to be a surname (from the surname field, or before the comma), not a
 * given name: familiar forms are for given names (FRANK, JAMES and RAY are surnames
 * too). */
static bool surname_only(uint16_t flags)
{
    return (flags & (PW_TOKEN_SURNAME | PW_TOKEN_GIVEN)) == PW_TOKEN_SURNAME;
}

/* Is term one edit from the record token, the longer ten letters or more: what a
 * whole name written as one word needs to meet the other side's spelling (see
 * term_similarity)? */
static bool one_edit_as_one_word(const pw_index *idx, const pw_name_token *t, uint32_t term)
{
    size_t le = pw_index_term_len(idx, term);
    size_t longer = le > t->len ? le : t->len, diff = le > t->len ? le - t->len : t->len - le;
    return longer >= 10 && diff <= 1 &&
           pw_osa_distance(t->text, t->len, pw_index_term_text(idx, term), le, 1) <= 1;
}

static sim_detail term_similarity(const pw_index *idx, const pw_name_token *q, bool q_translit,
                                  const uint32_t qterm[2], const char qdm[2][PW_DMETAPHONE_MAX + 1],
                                  const char *q_alt_skel, bool q_nick, uint32_t term,
                                  uint32_t plain, uint16_t eflags)
{
    if (qterm[0] == term)
        return (sim_detail){1.0, (q->flags & PW_TOKEN_GLUED_TITLE) ? "exact, glued title set aside"
                                                                   : "exact"};
    if ((q->flags & PW_TOKEN_GLUED_TITLE) && qterm[1] == term)
        return (sim_detail){0.97, "exact as written (no glued title)"};
    if ((qterm[1] != PW_INDEX_NONE && (qterm[1] == plain || qterm[1] == term)) ||
        (qterm[0] != PW_INDEX_NONE && qterm[0] == plain))
        return (sim_detail){0.97, "transliteration variant"};
    const char *et = pw_index_term_text(idx, term);
    if ((q->flags & eflags & PW_TOKEN_PARTICLE) && compound_head(q->text) && compound_head(et) &&
        (q->text[2] == 'D') == (et[2] == 'D'))
        /* ABD, ABDUL, ABDEL, ABDUR (ABD with the article, assimilated or not), and ABU,
         * ABOU, ABW: one element of a compound name, spelt several ways */
        return (sim_detail){0.9, "same element of a compound name"};
    bool q_initial = (q->flags & PW_TOKEN_INITIAL) != 0;
    bool e_initial = (eflags & PW_TOKEN_INITIAL) != 0;
    if (q_initial || e_initial) {
        if ((q_initial && is_initial_of(q->text, et)) || (e_initial && is_initial_of(et, q->text)))
            return (sim_detail){0.85, "initial"};
        return (sim_detail){0, "different"};
    }
    if (q_nick && !((q->flags | eflags) & (PW_INDEX_TOKEN_WHOLE | PW_TOKEN_PARTICLE)) &&
        !surname_only(eflags) && pw_names_nickname_of(q->text, et))
        /* TED and THEODORE, BILL and WILLIAM: the same given name, familiar and formal;
         * a little less than a misspelling, as TED is also EDWARD */
        return (sim_detail){NICKNAME_SIMILARITY, "familiar form of the name"};
    size_t lq = q->len, le = pw_index_term_len(idx, term);
    if ((q->flags | eflags) & PW_INDEX_TOKEN_WHOLE) {
        /* A whole name written as one word (SERGEILAVROV) meets the other side's
         * spelling, or that spelling with one typing error once it is long enough to
         * hold one (ten letters). Not by sound, skeleton or Jaro-Winkler: on a whole
         * name those see mostly the first word (YAHIA ABDALLAH AL-DURI and YAHIA
         * ABDALLAH AL-UBAIDI share 89% by Jaro-Winkler), and the word-by-word
         * alignment already compares each word in those ways (and two whole-name
         * joins, of names both written in several words, only by exact spelling:
         * OLEGIVANOVA is one edit from OLEGIVANOV, but IVANOVA is not IVANOV). */
        bool one_word = !((q->flags & eflags) & PW_INDEX_TOKEN_WHOLE); /* a side unspaced */
        if (!one_word || !one_edit_as_one_word(idx, q, term))
            return (sim_detail){0, "different"};
        return (sim_detail){0.9, "one edit"};
    }
    if ((q->flags & PW_TOKEN_SYLLABIC) && (eflags & PW_TOKEN_SYLLABIC))
        /* Both romanised from Han, kana or Hangul with the same romanisation: a
         * syllable that differs is another character, hence another name (习近平 XI JIN
         * PING and 习近朋 XI JIN PENG, 김정은 and 김종은), not a spelling of the same. */
        return (sim_detail){0, "different"};
    if (gendered_pair(q->text, lq, et, le) || gendered_pair(et, le, q->text, lq))
        /* IVANOVA and IVANOV, KOWALSKA and KOWALSKI: the same family name in its
         * feminine and masculine forms names a relative of the other sex, not the
         * same person; weak evidence, never a spelling variant. */
        return (sim_detail){GENDERED_FORM_SIMILARITY, "feminine and masculine forms"};
    /* A word from an abjad may carry a second reading of its ambiguous letters in its
     * plain form (see analyse.c: ض as D or Z, ث as TH or S): that reading is compared
     * too, by spelling and by skeleton, and the best stands. */
    sim_detail best = spelling_similarity(idx, q->text, lq, q->skeleton, qdm, q->flags, q_translit,
                                          term, eflags);
    if (best.similarity < 0.9 && (q->flags & PW_TOKEN_GLUED_TITLE)) {
        /* read as written too: AIMR is AMIR misspelt, not AI with MR glued on */
        char skel[PW_NAME_TOKEN_MAX], dm[2][PW_DMETAPHONE_MAX + 1];
        pw_names_skeleton(q->plain, skel);
        pw_double_metaphone(q->plain, PW_DMETAPHONE_MAX, dm[0], dm[1]);
        sim_detail written = spelling_similarity(idx, q->plain, strlen(q->plain), skel, dm,
                                                 q->flags, q_translit, term, eflags);
        if (written.similarity > best.similarity)
            best = written;
    }
    if (best.similarity < 0.9 && q_alt_skel && (q->flags & PW_TOKEN_ABJAD))
        best = other_reading(q->plain, strlen(q->plain), q_alt_skel, et, le,
                             pw_index_term_skeleton(idx, term), best);
    if (best.similarity < 0.9 && plain != term && (eflags & PW_TOKEN_ABJAD))
        best = other_reading(q->text, lq, q->skeleton, pw_index_term_text(idx, plain),
                             pw_index_term_len(idx, plain), pw_index_term_skeleton(idx, plain),
                             best);
    return best;
}

/* The memo slot of (record token qi, entry token e); *key receives its key, which with
 * e->plain (kept beside it: the same term has another plain form in another name,
 * MÜLLER's MULLER and MUELLER's own) identifies what term_similarity reads. */
static inline size_t memo_slot(int qi, const pw_index_token *e, uint64_t *key)
{
    /* the entry token's flags that term_similarity and mismatch_similarity read are
     * part of the key (the same list word is a particle in one name and not in another,
     * a surname in one and a given name in another) */
    uint64_t f = (uint64_t)((e->flags & PW_TOKEN_INITIAL) ? 1 : 0) |
                 ((e->flags & PW_INDEX_TOKEN_TRANSLITERATED) ? 2 : 0) |
                 ((e->flags & PW_INDEX_TOKEN_WHOLE) ? 4 : 0) |
                 ((e->flags & PW_TOKEN_JOINED) ? 8 : 0) |
                 ((e->flags & PW_TOKEN_SYLLABIC) ? 16 : 0) |
                 ((e->flags & PW_TOKEN_ABJAD) ? 32 : 0) |
                 ((e->flags & PW_TOKEN_PARTICLE) ? 64 : 0) | (surname_only(e->flags) ? 128 : 0);
    *key = ((uint64_t)qi << 40) | (f << 32) | e->term;
    return (size_t)(((*key + (uint64_t)e->plain * 0x100000001b3ULL) * 0x9e3779b97f4a7c15ULL) >>
                    52) &
           (MEMO_SLOTS - 1);
}

/* term_similarity through the per-record memo. */
static sim_detail token_similarity(pw_match_scratch *s, const pw_index *idx, int qi,
                                   const pw_index_token *e)
{
    uint64_t key;
    memo_entry *m = &s->memo[memo_slot(qi, e, &key)];
    if (m->epoch == s->epoch && m->key == key && m->plain == e->plain)
        return m->val;
    sim_detail d = term_similarity(idx, &s->query.tokens[qi], s->query.non_latin, s->q_term[qi],
                                   s->q_dm[qi], s->q_alt_skel[qi][0] ? s->q_alt_skel[qi] : NULL,
                                   s->q_nick[qi], e->term, e->plain, e->flags);
    d.credit = -1;
    *m = (memo_entry){.epoch = s->epoch, .key = key, .val = d, .plain = e->plain};
    return d;
}

/* ---- the assignment ------------------------------------------------------------------ */

/* Maximum-weight assignment on an n x m matrix (n, m <= PW_MATCH_MAX_WORDS) with the
 * Hungarian algorithm on a square padded cost matrix. assign[i] = j or -1. */
static void hungarian(const double w[PW_MATCH_MAX_WORDS][PW_MATCH_MAX_WORDS], int n, int m,
                      int assign[PW_MATCH_MAX_WORDS])
{
    /* Most names put beside a record share one word with it or none: with at most one
     * positive weight the assignment is that pair alone (or nothing). */
    int positive = 0, pi = -1, pj = -1;
    for (int i = 0; i < n && positive < 2; i++)
        for (int j = 0; j < m; j++)
            if (w[i][j] > 0) {
                positive++;
                pi = i;
                pj = j;
            }
    if (positive < 2) {
        for (int i = 0; i < n; i++)
            assign[i] = -1;
        if (positive == 1)
            assign[pi] = pj;
        return;
    }
    int size = n > m ? n : m;
    double u[PW_MATCH_MAX_WORDS + 1] = {0}, v[PW_MATCH_MAX_WORDS + 1] = {0};
    int p[PW_MATCH_MAX_WORDS + 1] = {0}, way[PW_MATCH_MAX_WORDS + 1] = {0};
    for (int i = 1; i <= size; i++) {
        p[0] = i;
        int j0 = 0;
        double minv[PW_MATCH_MAX_WORDS + 1];
        bool used[PW_MATCH_MAX_WORDS + 1] = {false};
        for (int j = 0; j <= size; j++)
            minv[j] = INFINITY;
        do {
            used[j0] = true;
            int i0 = p[j0], j1 = 0;
            double delta = INFINITY;
            for (int j = 1; j <= size; j++) {
                if (used[j])
                    continue;
                double cost = (i0 <= n && j <= m) ? -w[i0 - 1][j - 1] : 0.0;
                double cur = cost - u[i0] - v[j];
                if (cur < minv[j]) {
                    minv[j] = cur;
                    way[j] = j0;
                }
                if (minv[j] < delta) {
                    delta = minv[j];
                    j1 = j;
                }
            }
            for (int j = 0; j <= size; j++) {
                if (used[j]) {
                    u[p[j]] += delta;
                    v[j] -= delta;
                } else {
                    minv[j] -= delta;
                }
            }
            j0 = j1;
        } while (p[j0] != 0);
        do {
            int j1 = way[j0];
            p[j0] = p[j1];
            j0 = j1;
        } while (j0);
    }
    for (int i = 0; i < n; i++)
        assign[i] = -1;
    for (int j = 1; j <= size; j++)
        if (p[j] >= 1 && p[j] <= n && j <= m && w[p[j] - 1][j - 1] > 0)
            assign[p[j] - 1] = j - 1;
}


/* The tokens of one side as alignment units, by mode: 0 its words; 1 its particle,
 * hyphen and apostrophe joins (non-overlapping, first come first taken) and the words
 * they leave; 2 its whole-name join; 3 as 1, the longest joins taken first; 4 as 3,
 * last come first taken. Joins overlap where an Arabic compound holds the article
 * (شمس الدين: ALDYN and ADDYN, and SHMSALDYN and SHMSADDYN as SHAMS AL-DIN and
 * SHAMSUDDIN write it): mode 1 reads SHMS + ALDYN, mode 3 SHMSALDYN, mode 4 the
 * assimilated SHMSADDYN (the analyser adds it after the form as written). */
static void units_of_words(const uint16_t *flags, const uint8_t *word, const uint8_t *span,
                           int n_tokens, int mode, unit_set *out)
{
    out->n = 0;
    uint32_t covered = 0;
    int max_span = 0;
    for (int t = 0; t < n_tokens && mode >= 3; t++)
        if ((flags[t] & PW_TOKEN_JOINED) && !(flags[t] & PW_INDEX_TOKEN_WHOLE) &&
            span[t] > max_span)
            max_span = span[t];
    for (int sp = mode >= 3 ? max_span : 0; mode > 0 && sp >= (mode >= 3 ? 2 : 0); sp--)
        for (int i = 0; i < n_tokens && out->n < PW_MATCH_MAX_WORDS; i++) {
            int t = mode == 4 ? n_tokens - 1 - i : i;
            bool whole = (flags[t] & PW_INDEX_TOKEN_WHOLE) != 0;
            if (!(flags[t] & PW_TOKEN_JOINED) || whole != (mode == 2) ||
                (mode >= 3 && span[t] != sp))
                continue;
            uint32_t mask = 0;
            for (int k = 0; k < span[t] && word[t] + k < 32; k++)
                mask |= 1u << (word[t] + k);
            if (mask & covered)
                continue; /* overlaps a join already taken */
            out->tok[out->n++] = t;
            covered |= mask;
        }
    for (int t = 0; t < n_tokens && out->n < PW_MATCH_MAX_WORDS; t++)
        if (!(flags[t] & PW_TOKEN_JOINED) && !(word[t] < 32 && (covered & (1u << word[t]))))
            out->tok[out->n++] = t;
}

/* Do two unit sets hold the same tokens? */
static bool same_unit_set(const unit_set *a, const unit_set *b)
{
    if (a->n != b->n)
        return false;
    for (int i = 0; i < a->n; i++) {
        bool found = false;
        for (int j = 0; j < b->n && !found; j++)
            found = a->tok[i] == b->tok[j];
        if (!found)
            return false;
    }
    return true;
}

/* The units of one side reading its join t alone: the join, and the words it does not
 * cover as words (the side's other joins not taken). */
static void one_join_units(const uint16_t *flags, const uint8_t *word, const uint8_t *span,
                           int n_tokens, int t, unit_set *out)
{
    out->n = 0;
    out->tok[out->n++] = t;
    for (int k = 0; k < n_tokens && out->n < PW_MATCH_MAX_WORDS; k++)
        if (!(flags[k] & PW_TOKEN_JOINED) && (word[k] < word[t] || word[k] >= word[t] + span[t]))
            out->tok[out->n++] = k;
}

/* The unit sets of one side for the modes it offers (mode[m] true), into u[m] (of
 * SIDE_MODES). Modes 3 and 4 are offered only where they read the side differently
 * from the modes before, which needs two joins that overlap. Modes 5 and after read
 * one join alone each, the side's other words as words, when the side has two joins
 * or more: mode 1 takes them all at once, and the other side may hold one join and
 * the words of another (ABU AL-GHANDOUR, which omits ANAS, against ABU ANAS
 * AL-GHANDOUR: ALGHANDOUR, but not ABUANAS); only the first JOIN_ALONE_MODES joins
 * in token order are read so (names with more are rare). A mode reading the side as
 * one before it does is not offered. */
static void side_units(const uint16_t *flags, const uint8_t *word, const uint8_t *span,
                       int n_tokens, bool mode[SIDE_MODES], unit_set u[SIDE_MODES])
{
    uint32_t seen = 0;
    bool overlap = false;
    int n_joins = 0;
    for (int t = 0; t < n_tokens && mode[1]; t++) {
        if (!(flags[t] & PW_TOKEN_JOINED) || (flags[t] & PW_INDEX_TOKEN_WHOLE))
            continue;
        n_joins++;
        uint32_t mask = 0;
        for (int k = 0; k < span[t] && word[t] + k < 32; k++)
            mask |= 1u << (word[t] + k);
        overlap = overlap || (mask & seen);
        seen |= mask;
    }
    for (int m = 0; m < 3; m++)
        if (mode[m])
            units_of_words(flags, word, span, n_tokens, m, &u[m]);
    for (int m = 3; m < SIDE_MODES; m++)
        mode[m] = false;
    if (overlap) {
        units_of_words(flags, word, span, n_tokens, 3, &u[3]);
        units_of_words(flags, word, span, n_tokens, 4, &u[4]);
        mode[3] = !same_unit_set(&u[1], &u[3]);
        mode[4] = !same_unit_set(&u[1], &u[4]) && !same_unit_set(&u[3], &u[4]);
    }
    if (n_joins < 2)
        return;
    int m = 5;
    for (int t = 0; t < n_tokens && m < SIDE_MODES; t++) {
        if (!(flags[t] & PW_TOKEN_JOINED) || (flags[t] & PW_INDEX_TOKEN_WHOLE))
            continue;
        one_join_units(flags, word, span, n_tokens, t, &u[m]);
        bool new_reading = true;
        for (int k = 0; k < m && new_reading; k++)
            new_reading = !(mode[k] && same_unit_set(&u[k], &u[m]));
        mode[m] = new_reading;
        m += new_reading;
    }
}

/* The record's alignment units for every mode it offers, once per record: a side's
 * (side_units), and one more (Q_NO_PAIR_JOINS) when add_pair_joins joined two words:
 * mode 1 without those joins. Joins are taken all at once, so a pair join that this entry
 * does not hold (SHAH NWAZ read as SHAHNWAZ, a misspelling of SHAHNAWAZ, against
 * SHAH NAWAZ) would otherwise keep the record's other joins (RHMTALLAH for
 * RAHMATULLAH) from meeting it. (Modes 3 and 4, for joins that overlap, keep the pair
 * joins: a record needing both is rare.) */
static void query_units(pw_match_scratch *s)
{
    const pw_name *q = &s->query;
    uint16_t flags[PW_NAME_MAX_TOKENS];
    uint8_t word[PW_NAME_MAX_TOKENS], span[PW_NAME_MAX_TOKENS];
    bool *mode = s->q_modes;
    mode[0] = true;
    mode[1] = mode[2] = false;
    for (int t = 0; t < q->n_tokens; t++) {
        flags[t] = q->tokens[t].flags;
        word[t] = q->tokens[t].word;
        span[t] = q->tokens[t].span;
        if (flags[t] & PW_INDEX_TOKEN_WHOLE)
            mode[2] = true;
        else if (flags[t] & PW_TOKEN_JOINED)
            mode[1] = true;
    }
    side_units(flags, word, span, q->n_tokens, mode, s->q_units);
    const int np = Q_NO_PAIR_JOINS;
    mode[np] = false;
    if (mode[1] && s->q_first_pair_join < q->n_tokens) {
        units_of_words(flags, word, span, s->q_first_pair_join, 1, &s->q_units[np]);
        mode[np] = true;
        for (int m = 0; m < np && mode[np]; m++)
            mode[np] = !(mode[m] && same_unit_set(&s->q_units[m], &s->q_units[np]));
    }
}

static double token_weight(uint16_t flags, double base)
{
    if (flags & PW_TOKEN_PARTICLE)
        return base * PARTICLE_WEIGHT;
    if (flags & PW_TOKEN_INITIAL)
        return base * INITIAL_WEIGHT;
    return base;
}

/* The outcome of aligning the record's name with one entry name. */
typedef struct alignment {
    double score;
    int n_pairs;
    int q_tok[PW_MATCH_MAX_WORDS], e_tok[PW_MATCH_MAX_WORDS];
    double sim[PW_MATCH_MAX_WORDS];
    const char *how[PW_MATCH_MAX_WORDS];
    unit_set qu, eu;
    bool matched_q[PW_MATCH_MAX_WORDS], matched_e[PW_MATCH_MAX_WORDS];
    /* mismatched pairs (record token, entry token) credited only as a date of birth
     * agreeing in full vouches for them (mismatch_similarity) */
    int n_vouched;
    int vouched_q[PW_MATCH_MAX_WORDS], vouched_e[PW_MATCH_MAX_WORDS];
} alignment;

/* How close two words that did not match are, in [0, MISMATCH_CREDIT_MAX]: the share
 * of letters an optimal string alignment keeps (1 - 0.9 d / longer, as for matched
 * words), for words of four letters or more that keep more than half of them; 0
 * otherwise (initials, short words, unrelated words, whole-name joins). A misspelling
 * too heavy to match (AKRAM written IYRAM) still differs less than another name does.
 * Joins are compared like words (a word the list splits at an apostrophe, RAB'A, as
 * RABA; a record's pair join, SHAHNWAZ), except a join that holds a particle, which
 * mismatches() does not compare at all (covers_particle).
 * When vouched (the record's full date of birth agrees with the entry's, as written
 * or with day and month swapped), words of SHORT_WORD letters earn the credit too: a
 * short word two edits from another is too often another name to count as misspelt
 * (KIM WHL SAM for KIM CHOL SAM, or another KIM ... SAM), unless a date one person in
 * about 20,000 shares says it is the same person. */
static double mismatch_similarity(const pw_name_token *q, const char *et, size_t le,
                                  uint16_t eflags, bool vouched)
{
    if ((q->flags | eflags) & (PW_TOKEN_INITIAL | PW_INDEX_TOKEN_WHOLE))
        return 0;
    if (q->flags & eflags & PW_TOKEN_SYLLABIC)
        return 0; /* another character (see term_similarity) */
    size_t lq = q->len, longer = lq > le ? lq : le, shorter = lq < le ? lq : le;
    if (shorter < (vouched ? SHORT_WORD : SHORT_WORD + 1))
        return 0;
    int max_d = (int)(longer / 2);
    if ((letters_apart(q->text, lq, et, le) + 1) / 2 > max_d)
        return 0; /* (letters_apart) */
    int d = pw_osa_distance(q->text, lq, et, le, max_d);
    if (d > max_d)
        return 0;
    double sim = 1.0 - 0.9 * (double)d / (double)longer;
    return sim > MISMATCH_CREDIT_MAX ? MISMATCH_CREDIT_MAX : sim;
}

/* mismatch_similarity through the per-record memo (the pair's slot is usually there:
 * the alignment has just compared the two). When vouched and the pair earns nothing
 * otherwise, its vouched credit (not memoised: few candidates have a date agreeing
 * in full), with *by_vouch set. */
static double mismatch_credit(pw_match_scratch *s, const pw_index *idx, int qi,
                              const pw_index_token *e, bool particle_join, bool vouched,
                              bool *by_vouch)
{
    *by_vouch = false;
    if (particle_join)
        return 0;
    if (vouched) {
        double c = mismatch_credit(s, idx, qi, e, false, false, by_vouch);
        if (c > 0)
            return c;
        c = mismatch_similarity(&s->query.tokens[qi], pw_index_term_text(idx, e->term),
                                pw_index_term_len(idx, e->term), e->flags, true);
        *by_vouch = c > 0;
        return c;
    }
    uint64_t key;
    memo_entry *m = &s->memo[memo_slot(qi, e, &key)];
    bool held = m->epoch == s->epoch && m->key == key && m->plain == e->plain;
    if (held && m->val.credit >= 0)
        return m->val.credit;
    /* (as the memo keeps it, whether or not it is kept: the same pair always weighs
     * the same, whichever alignment asks first) */
    float c = (float)mismatch_similarity(&s->query.tokens[qi], pw_index_term_text(idx, e->term),
                                         pw_index_term_len(idx, e->term), e->flags, false);
    if (held)
        m->val.credit = c;
    return c;
}

/* Is the word (flags, word, span) a particle that the join (jflags, jword, jspan)
 * covers? ABDULHASIB and ABDULAHMAD, ALDULAIMI and ALKUBAYSI keep more than half their
 * letters through the particle alone: another name, not a misspelling, so a join that
 * covers a particle earns no mismatch credit. */
static bool covers_particle(uint16_t flags, int word, int span, uint16_t jflags, int jword,
                            int jspan)
{
    return (jflags & PW_TOKEN_JOINED) && (flags & PW_TOKEN_PARTICLE) &&
           !(flags & PW_TOKEN_JOINED) && span == 1 && word >= jword && word < jword + jspan;
}

/* Does record token t, a join, cover a particle (covers_particle)? */
static bool q_join_covers_particle(const pw_name *q, int t)
{
    const pw_name_token *j = &q->tokens[t];
    if (!(j->flags & PW_TOKEN_JOINED))
        return false;
    for (int w = 0; w < q->n_tokens; w++)
        if (covers_particle(q->tokens[w].flags, q->tokens[w].word, q->tokens[w].span, j->flags,
                            j->word, j->span))
            return true;
    return false;
}

/* Does entry token t (of et, n_et of them), a join, cover a particle? */
static bool e_join_covers_particle(const pw_index_token *et, int n_et, int t)
{
    if (!(et[t].flags & PW_TOKEN_JOINED))
        return false;
    for (int w = 0; w < n_et; w++)
        if (covers_particle(et[w].flags, et[w].word, et[w].span, et[t].flags, et[t].word,
                            et[t].span))
            return true;
    return false;
}

/* Words left unmatched on both sides after the assignment are mismatches: the
 * traveller gives one word where the list gives another. They are paired (closest
 * first) and each pair costs the full weight of both words, less the credit of
 * mismatch_similarity; only the words left after that (one side has more) cost the
 * reduced UNMATCHED_* rates of a middle name or patronymic one side omits. Particles
 * other than compound heads (AL, BIN, VAN) stay one-sided. misspelt counts the pairs
 * alike enough to be a misspelling (MISSPELLING_CREDIT). vouched: a date of birth
 * agreeing in full vouches for short words' misspellings (mismatch_similarity); the
 * pairs credited only so are noted in a. */
static void mismatches(pw_match_scratch *s, const pw_index *idx, const pw_name *q,
                       const pw_index_token *et, int n_et, struct alignment *a, bool vouched,
                       const int *assign,
                       const bool *paired_e, const double *wq, const double *we, double *num,
                       double *den, bool *mm_q, bool *mm_e, int *misspelt)
{
    int lq[PW_MATCH_MAX_WORDS], le[PW_MATCH_MAX_WORDS], nq = 0, ne = 0;
    for (int i = 0; i < a->qu.n; i++) {
        const pw_name_token *t = &q->tokens[a->qu.tok[i]];
        if (assign[i] < 0 && (!(t->flags & PW_TOKEN_PARTICLE) || compound_head(t->text)))
            lq[nq++] = i;
    }
    for (int j = 0; j < a->eu.n; j++) {
        const pw_index_token *t = &et[a->eu.tok[j]];
        if (!paired_e[j] &&
            (!(t->flags & PW_TOKEN_PARTICLE) || compound_head(pw_index_term_text(idx, t->term))))
            le[ne++] = j;
    }
    if (nq == 0 || ne == 0)
        return;
    double sim[PW_MATCH_MAX_WORDS][PW_MATCH_MAX_WORDS];
    bool by_vouch[PW_MATCH_MAX_WORDS][PW_MATCH_MAX_WORDS];
    bool q_particle_join[PW_MATCH_MAX_WORDS], e_particle_join[PW_MATCH_MAX_WORDS];
    for (int x = 0; x < nq; x++)
        q_particle_join[x] = q_join_covers_particle(q, a->qu.tok[lq[x]]);
    for (int y = 0; y < ne; y++)
        e_particle_join[y] = e_join_covers_particle(et, n_et, a->eu.tok[le[y]]);
    for (int x = 0; x < nq; x++)
        for (int y = 0; y < ne; y++)
            sim[x][y] = mismatch_credit(s, idx, a->qu.tok[lq[x]], &et[a->eu.tok[le[y]]],
                                        q_particle_join[x] || e_particle_join[y], vouched,
                                        &by_vouch[x][y]);
    int pairs = nq < ne ? nq : ne;
    for (int k = 0; k < pairs; k++) {
        int bx = -1, by = -1;
        double bs = -1;
        for (int x = 0; x < nq; x++)
            for (int y = 0; y < ne; y++)
                if (!mm_q[lq[x]] && !mm_e[le[y]] && sim[x][y] > bs) {
                    bs = sim[x][y];
                    bx = x;
                    by = y;
                }
        mm_q[lq[bx]] = mm_e[le[by]] = true;
        double pw = wq[lq[bx]] + we[le[by]];
        *num += bs * pw;
        if (bs >= MISSPELLING_CREDIT)
            (*misspelt)++;
        if (by_vouch[bx][by]) {
            a->vouched_q[a->n_vouched] = a->qu.tok[lq[bx]];
            a->vouched_e[a->n_vouched++] = a->eu.tok[le[by]];
        }
        *den += MISMATCH_COST * pw;
    }
}

/* Is text a patronymic connector (son or daughter of)? */
static bool is_connector(const char *text)
{
    static const char *const connectors[] = {"BIN", "IBN", "BEN", "BINT", "BNT", "BN", "OULD"};
    for (size_t i = 0; i < sizeof connectors / sizeof connectors[0]; i++)
        if (strcmp(text, connectors[i]) == 0)
            return true;
    return false;
}

/* Which side of the first patronymic connector of its part a word is on: -1 before
 * it (the person's own name), 1 after it (the father's and forebears' names), 0 when
 * the name has no connector with words before it in that part, or the word is in
 * another part or is the connector. conn_word and conn_part describe the connector
 * (conn_word < 0: none). */
static int lineage_side(int word, uint16_t part, int conn_word, uint16_t conn_part)
{
    if (conn_word <= 0 || part != conn_part || word == conn_word)
        return 0;
    return word < conn_word ? -1 : 1;
}

/* Does the alignment pair a person's own name on one side with a father's name on the
 * other (SALMAN BIN MUHAMMAD against MUHAMMAD BIN SALMAN)? In an Arabic nasab, X BIN Y
 * is X, son of Y: the same words across the connector name the father and the son,
 * two people. Only where both names have a connector with a word before it. */
static bool lineage_crossed(const pw_index *idx, const pw_name *q, const pw_index_token *et,
                            int n_ewords, const alignment *a)
{
    const uint16_t part = PW_TOKEN_SURNAME | PW_TOKEN_GIVEN;
    int qc = -1, ec = -1;
    uint16_t qp = 0, ep = 0;
    /* A connector after a particle belongs to a family name (AL BIN ALI). */
    for (int t = 1; t < q->n_words && qc < 0; t++)
        if ((q->tokens[t].flags & PW_TOKEN_PARTICLE) && is_connector(q->tokens[t].text) &&
            !(q->tokens[t - 1].flags & PW_TOKEN_PARTICLE)) {
            qc = q->tokens[t].word;
            qp = q->tokens[t].flags & part;
        }
    for (int t = 1; t < n_ewords && ec < 0; t++)
        if ((et[t].flags & PW_TOKEN_PARTICLE) && !(et[t - 1].flags & PW_TOKEN_PARTICLE) &&
            is_connector(pw_index_term_text(idx, et[t].term))) {
            ec = et[t].word;
            ep = et[t].flags & part;
        }
    if (qc <= 0 || ec <= 0)
        return false;
    for (int k = 0; k < a->n_pairs; k++) {
        const pw_name_token *qt = &q->tokens[a->q_tok[k]];
        const pw_index_token *e = &et[a->e_tok[k]];
        if ((qt->flags | e->flags) & (PW_TOKEN_JOINED | PW_TOKEN_PARTICLE))
            continue;
        int sq = lineage_side(qt->word, qt->flags & part, qc, qp);
        int se = lineage_side(e->word, e->flags & part, ec, ep);
        if (sq * se < 0)
            return true;
    }
    return false;
}

/* Omitted middle names. Passports, visas and booking systems often drop the names
 * between the first given name and the surname (MOHAMMED QADHAFI for MOHAMMED MUAMMAR
 * QADHAFI), so an entry word the record lacks costs MIDDLE_NAME_FACTOR of the usual
 * rate when it is a middle name and the record has both outer words paired: the first
 * given name and the surname of a name given in fields ("SURNAME, Given Middle"), else
 * the first and last words. A list word the record lacks anywhere else (the surname, a
 * first name) costs the full rate. */
typedef struct name_shape {
    bool fielded;    /* has both surname and given-name words */
    int first_given; /* word number of the first given name (fielded) */
} name_shape;

static name_shape shape_of(const pw_index_token *et, int n_et)
{
    name_shape sh = {false, -1};
    bool surname = false;
    for (int t = 0; t < n_et; t++) {
        if (et[t].flags & PW_TOKEN_JOINED)
            continue;
        surname |= (et[t].flags & PW_TOKEN_SURNAME) != 0;
        if ((et[t].flags & PW_TOKEN_GIVEN) && (sh.first_given < 0 || et[t].word < sh.first_given))
            sh.first_given = et[t].word;
    }
    sh.fielded = surname && sh.first_given >= 0;
    return sh;
}

/* Is the entry unit t a middle name (see name_shape)? */
static bool middle_word(const pw_index_token *t, int n_words, const name_shape *sh)
{
    if (n_words < 3)
        return false;
    if (sh->fielded)
        return (t->flags & PW_TOKEN_GIVEN) && !(t->flags & PW_TOKEN_SURNAME) &&
               t->word > sh->first_given;
    return t->word >= 1 && t->word + t->span <= n_words - 1;
}

/* Has the alignment paired both outer words of the entry name (see name_shape)? */
static bool outer_words_paired(const pw_index_token *et, int n_words, const struct alignment *a,
                               const name_shape *sh)
{
    if (n_words < 3)
        return false;
    bool first = false, last = false;
    for (int j = 0; j < a->eu.n; j++) {
        if (!a->matched_e[j])
            continue;
        const pw_index_token *t = &et[a->eu.tok[j]];
        int from = t->word, to = t->word + t->span - 1;
        if (sh->fielded) {
            first |= from <= sh->first_given && sh->first_given <= to;
            /* (the surname itself, not its particle alone: AL of AL-GHANDOUR) */
            last |= (t->flags & PW_TOKEN_SURNAME) && !(t->flags & PW_TOKEN_PARTICLE);
        } else {
            first |= from == 0;
            last |= to == n_words - 1 && !(t->flags & PW_TOKEN_PARTICLE);
        }
    }
    return first && last;
}

/* The least an unpaired word costs, as a share of its weight (see align_name). */
#define LEAST_UNPAIRED_COST                                                                \
    (UNMATCHED_ENTRY_COST * (SUBSET_FACTOR < MIDDLE_NAME_FACTOR ? SUBSET_FACTOR : MIDDLE_NAME_FACTOR))

/* What one unit of weight w, whose best pairing in a reading has similarity best (0
 * when it pairs with nothing), can add at most to num - target * den in align_name: as
 * a pair, as a mismatch (credit at most MISMATCH_CREDIT_MAX, at full cost) or left
 * unpaired (nothing, at LEAST_UNPAIRED_COST at least). */
static inline double most_towards(double w, double best, double target)
{
    double m = best - target;
    if (MISMATCH_CREDIT_MAX - target > m)
        m = MISMATCH_CREDIT_MAX - target;
    if (-target * LEAST_UNPAIRED_COST > m)
        m = -target * LEAST_UNPAIRED_COST;
    return w * m;
}

/* Aligns the query with one analysed entry name, trying plain words and joined forms
 * on each side, and keeps the best in *best (score -1 when no reading could reach
 * must_reach). A reading is only worked out in full when it might score must_reach
 * or more and beat the best reading so far: the score is num / den, a weighted mean
 * of what each word earns, so it reaches a target T only if the sum over the
 * reading's units of what each can add at most to num - T * den (most_towards, from
 * its best pair similarity) is not negative. The bound only skips readings that could
 * not change the outcome: results are the same as scoring every reading. vouched: the
 * record's date of birth agrees in full with the entry's (see mismatch_similarity). */
static void align_name(pw_match_scratch *s, const pw_index *idx, const pw_index_name *in,
                       double must_reach, bool vouched, alignment *best)
{
    const pw_name *q = &s->query;
    const pw_index_token *et = pw_index_name_tokens(idx, in);
    uint16_t eflags[PW_NAME_MAX_TOKENS];
    uint8_t eword[PW_NAME_MAX_TOKENS], espan[PW_NAME_MAX_TOKENS];
    /* The segmentation modes each side offers (see units_of_words): its words always;
     * its joins when it has some; its whole-name join when it has one and the other
     * side has a token of about its length (a whole-name join meets nothing else). */
    bool q_mode[Q_MODES], e_mode[SIDE_MODES] = {true};
    memcpy(q_mode, s->q_modes, sizeof q_mode);
    q_mode[2] = false;
    int q_whole_len = -1, e_whole_len = -1;
    for (int t = 0; t < q->n_tokens; t++)
        if (q->tokens[t].flags & PW_INDEX_TOKEN_WHOLE)
            q_whole_len = q->tokens[t].len;
    int n_et = in->n_tokens < PW_NAME_MAX_TOKENS ? in->n_tokens : PW_NAME_MAX_TOKENS;
    for (int t = 0; t < n_et; t++) {
        eflags[t] = et[t].flags;
        eword[t] = et[t].word;
        espan[t] = et[t].span;
        if (eflags[t] & PW_INDEX_TOKEN_WHOLE)
            e_whole_len = (int)pw_index_term_len(idx, et[t].term);
        else if (eflags[t] & PW_TOKEN_JOINED)
            e_mode[1] = true;
    }
    /* (lengths of text and plain keys alike: MUELLERHANS meets MULLERHANS by plain) */
    int q_whole_plain = q_whole_len, e_whole_plain = e_whole_len;
    for (int t = 0; t < q->n_tokens; t++)
        if (q->tokens[t].flags & PW_INDEX_TOKEN_WHOLE)
            q_whole_plain = (int)strlen(q->tokens[t].plain);
    for (int t = 0; t < n_et; t++)
        if (eflags[t] & PW_INDEX_TOKEN_WHOLE)
            e_whole_plain = (int)pw_index_term_len(idx, et[t].plain);
    for (int t = 0; t < n_et && q_whole_len >= 0 && !q_mode[2]; t++) {
        int lt = (int)pw_index_term_len(idx, et[t].term),
            lp = (int)pw_index_term_len(idx, et[t].plain);
        q_mode[2] = abs(lt - q_whole_len) <= 1 || abs(lp - q_whole_len) <= 1 ||
                    abs(lt - q_whole_plain) <= 1 || abs(lp - q_whole_plain) <= 1;
    }
    for (int t = 0; t < q->n_tokens && e_whole_len >= 0 && !e_mode[2]; t++) {
        int lt = q->tokens[t].len, lp = (int)strlen(q->tokens[t].plain);
        e_mode[2] = abs(lt - e_whole_len) <= 1 || abs(lp - e_whole_len) <= 1 ||
                    abs(lt - e_whole_plain) <= 1 || abs(lp - e_whole_plain) <= 1;
    }
    name_shape shape = shape_of(et, n_et);
    const unit_set *q_units = s->q_units;
    unit_set e_units[SIDE_MODES];
    side_units(eflags, eword, espan, n_et, e_mode, e_units);
    /* The modes pair the same tokens again and again: each (record token, entry token)
     * pair is compared once per call (through the per-record memo, as other names of
     * the record's candidates share words), and each entry token's weight is found
     * once. */
    sim_detail pair[PW_NAME_MAX_TOKENS][PW_NAME_MAX_TOKENS];
    double e_weight[PW_NAME_MAX_TOKENS];
    for (int t = 0; t < n_et; t++)
        e_weight[t] = token_weight(et[t].flags, pw_index_term_weight(idx, et[t].term));
    /* (the readings to try: the pairs of a record mode and an entry mode offered) */
    int q_offered[Q_MODES], e_offered[SIDE_MODES], n_qm = 0, n_em = 0;
    for (int qj = 0; qj < Q_MODES; qj++)
        if (q_mode[qj])
            q_offered[n_qm++] = qj;
    for (int ej = 0; ej < SIDE_MODES; ej++)
        if (e_mode[ej])
            e_offered[n_em++] = ej;
    /* Every pair the readings hold is compared once, up front, and each token's best
     * similarity over all of them bounds any reading it is in: a reading whose bound
     * (see above) fails even with those is skipped before its matrix is filled. Long
     * names (ABD AL-RAHMAN ... with its joins on both sides) offer dozens of readings
     * (Q_MODES x SIDE_MODES at most), and most fail. */
    uint32_t q_used = 0, e_used = 0;
    for (int qm = 0; qm < n_qm; qm++)
        for (int i = 0; i < q_units[q_offered[qm]].n; i++)
            q_used |= 1u << q_units[q_offered[qm]].tok[i];
    for (int em = 0; em < n_em; em++)
        for (int j = 0; j < e_units[e_offered[em]].n; j++)
            e_used |= 1u << e_units[e_offered[em]].tok[j];
    double q_best_any[PW_NAME_MAX_TOKENS] = {0}, e_best_any[PW_NAME_MAX_TOKENS] = {0};
    for (int qt = 0; qt < q->n_tokens; qt++) {
        if (!(q_used & (1u << qt)))
            continue;
        for (int ek = 0; ek < n_et; ek++) {
            if (!(e_used & (1u << ek)))
                continue;
            pair[qt][ek] = token_similarity(s, idx, qt, &et[ek]);
            double sim = pair[qt][ek].similarity;
            if (sim >= MIN_PAIR_SIMILARITY) {
                q_best_any[qt] = sim > q_best_any[qt] ? sim : q_best_any[qt];
                e_best_any[ek] = sim > e_best_any[ek] ? sim : e_best_any[ek];
            }
        }
    }
    best->score = -1;
    for (int qm = 0; qm < n_qm; qm++)
        for (int em = 0; em < n_em; em++) {
            const unit_set *qu = &q_units[q_offered[qm]], *eu = &e_units[e_offered[em]];
            double w[PW_MATCH_MAX_WORDS][PW_MATCH_MAX_WORDS];
            const sim_detail *det[PW_MATCH_MAX_WORDS][PW_MATCH_MAX_WORDS];
            double wq[PW_MATCH_MAX_WORDS], we[PW_MATCH_MAX_WORDS];
            double q_best[PW_MATCH_MAX_WORDS], e_best[PW_MATCH_MAX_WORDS];
            double target = best->score > must_reach ? best->score : must_reach;
            double most = 0;
            for (int i = 0; i < qu->n; i++) {
                wq[i] = s->q_weight[qu->tok[i]];
                q_best[i] = 0;
                most += most_towards(wq[i], q_best_any[qu->tok[i]], target);
            }
            for (int j = 0; j < eu->n; j++) {
                we[j] = e_weight[eu->tok[j]];
                e_best[j] = 0;
                most += most_towards(we[j], e_best_any[eu->tok[j]], target);
            }
            if (most < -1e-9)
                continue; /* cannot reach the target even at the tokens' best */
            for (int i = 0; i < qu->n; i++) {
                int qt = qu->tok[i];
                for (int j = 0; j < eu->n; j++) {
                    det[i][j] = &pair[qt][eu->tok[j]];
                    double sim = det[i][j]->similarity;
                    w[i][j] = sim >= MIN_PAIR_SIMILARITY ? sim * (wq[i] + we[j]) : 0;
                    if (w[i][j] > 0) { /* each unit's best pairing, for the bound */
                        q_best[i] = sim > q_best[i] ? sim : q_best[i];
                        e_best[j] = sim > e_best[j] ? sim : e_best[j];
                    }
                }
            }
            most = 0;
            for (int i = 0; i < qu->n; i++)
                most += most_towards(wq[i], q_best[i], target);
            for (int j = 0; j < eu->n; j++)
                most += most_towards(we[j], e_best[j], target);
            if (most < -1e-9)
                continue; /* cannot reach the target (see above) */
            alignment a = {0};
            a.qu = *qu;
            a.eu = *eu;
            int assign[PW_MATCH_MAX_WORDS];
            hungarian(w, a.qu.n, a.eu.n, assign);
            double num = 0, den = 0;
            bool paired_e[PW_MATCH_MAX_WORDS] = {false};
            for (int i = 0; i < a.qu.n; i++)
                if (assign[i] >= 0)
                    paired_e[assign[i]] = true;
            /* Mismatches: words left on both sides stand for each other. */
            double mm_num = 0, mm_den = 0;
            bool mm_q[PW_MATCH_MAX_WORDS] = {false}, mm_e[PW_MATCH_MAX_WORDS] = {false};
            int misspelt = 0;
            mismatches(s, idx, q, et, n_et, &a, vouched, assign, paired_e, wq, we, &mm_num, &mm_den, mm_q,
                       mm_e, &misspelt);
            num += mm_num;
            den += mm_den;
            for (int i = 0; i < a.qu.n; i++) {
                int j = assign[i];
                if (j < 0)
                    continue; /* costed below */
                double pw = wq[i] + we[j];
                num += det[i][j]->similarity * pw;
                den += pw;
                a.matched_q[i] = a.matched_e[j] = true;
                a.q_tok[a.n_pairs] = a.qu.tok[i];
                a.e_tok[a.n_pairs] = a.eu.tok[j];
                a.sim[a.n_pairs] = det[i][j]->similarity;
                a.how[a.n_pairs] = det[i][j]->how;
                a.n_pairs++;
            }
            /* When one side's words are all in the other, the two name the same person
             * with more or fewer of the names a list or a document records (a list's
             * short alias of a traveller's full name: two list words at least; a
             * passport's three of a four- or five-part name: three record words at
             * least, as two common words in a long list name are too often another
             * person): the words only the longer side has cost less. */
            int q_paired = 0, e_paired = 0, q_words = 0, e_words = 0;
            bool syllables = false; /* Han or Hangul syllables: too few and too common */
            for (int i = 0; i < a.qu.n; i++)
                if (!(q->tokens[a.qu.tok[i]].flags & (PW_TOKEN_PARTICLE | PW_TOKEN_INITIAL))) {
                    q_words++;
                    q_paired += a.matched_q[i];
                    syllables |= (q->tokens[a.qu.tok[i]].flags & PW_TOKEN_SYLLABIC) != 0;
                }
            for (int j = 0; j < a.eu.n; j++)
                if (!(et[a.eu.tok[j]].flags & (PW_TOKEN_PARTICLE | PW_TOKEN_INITIAL))) {
                    e_words++;
                    e_paired += a.matched_e[j];
                }
            bool q_subset = !syllables && q_paired >= 3 && q_paired == q_words;
            bool e_subset = !syllables && e_paired >= 2 && e_paired == e_words;
            for (int i = 0; i < a.qu.n; i++) {
                const pw_name_token *t = &q->tokens[a.qu.tok[i]];
                if (!a.matched_q[i] && !mm_q[i])
                    den += (patronymic(t->text, t->len) ? UNMATCHED_ENTRY_COST
                                                        : UNMATCHED_QUERY_COST) *
                           (e_subset ? SUBSET_FACTOR : 1) * wq[i];
            }
            bool outer = outer_words_paired(et, in->n_words, &a, &shape);
            for (int j = 0; j < a.eu.n; j++)
                if (!a.matched_e[j] && !mm_e[j])
                    den += UNMATCHED_ENTRY_COST *
                           (q_subset                                       ? SUBSET_FACTOR
                            : outer && middle_word(&et[a.eu.tok[j]], in->n_words, &shape)
                                ? MIDDLE_NAME_FACTOR
                                : 1) *
                           we[j];
            a.score = den > 0 ? num / den : 0;
            /* One word in common is weak evidence, unless both names are that one word
             * (a mononym), or an initial agrees too (A. KHAMENEI) or the head of a
             * compound name (ABDUL MAZHARI for ABDUL QUDDUS MAZHARI), or another word is
             * a heavy misspelling of the other side's (THOMAS UBBANGA for THOMAS
             * LUBANGA: a mismatch keeping most letters, MISSPELLING_CREDIT). A joined
             * unit counts for the words it covers. */
            int words = 0, initials = 0, heads = 0;
            for (int k = 0; k < a.n_pairs; k++) {
                const pw_name_token *t = &q->tokens[a.q_tok[k]];
                if (t->flags & PW_TOKEN_INITIAL)
                    initials++;
                else if (!(t->flags & PW_TOKEN_PARTICLE))
                    words += t->span > 1 || et[a.e_tok[k]].span > 1 ? 2 : 1;
                else if (compound_head(t->text) && a.sim[k] >= 0.9)
                    heads++;
            }
            bool mononym = a.qu.n == 1 && a.eu.n == 1 && q->n_words == 1 && in->n_words == 1;
            if (words == 0)
                a.score = 0;
            else if (words == 1 && initials == 0 && heads == 0 && misspelt == 0 && !mononym &&
                     a.score > SINGLE_WORD_CAP)
                a.score = SINGLE_WORD_CAP;
            if (a.score > LINEAGE_CROSSED_CAP && lineage_crossed(idx, q, et, in->n_words, &a))
                a.score = LINEAGE_CROSSED_CAP;
            if (a.score > best->score)
                *best = a;
        }
}

/* ---- evidence ------------------------------------------------------------------------ */

/* Writes a sentence of an explanation into buf, unless buf is NULL: the evidence is
 * weighed for every candidate, and put into words only for those that pass. */
__attribute__((format(printf, 3, 4))) static void say(char *buf, size_t n, const char *fmt, ...)
{
    if (!buf)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, n, fmt, ap);
    va_end(ap);
}

/* say for a sentence with nothing to format, as snprintf(buf, n, "%s", text) writes
 * it: the sentences of missing evidence are said for most candidates, and vsnprintf
 * costs some 2,700 instructions a sentence. */
static void say_text(char *buf, size_t n, const char *text)
{
    if (!buf || n == 0)
        return;
    size_t len = strlen(text);
    if (len >= n)
        len = n - 1;
    memcpy(buf, text, len);
    buf[len] = '\0';
}

static bool date_in_range(pw_date d, pw_date from, pw_date to)
{
    return pw_date_compare(d, from) >= 0 && pw_date_compare(d, to) <= 0;
}

/* What the record's date of birth does to the score against an entry born on dobs[0..n)
 * (PW_MATCH_DOB_*), with the list date that decides it: *best_i for an agreement (*how
 * says how), else *close_i for a date within the tolerance (-1 when none); no
 * formatting. */
static double dob_adjustment(pw_date dob, const pw_dob *dobs, size_t n, int *best_i,
                             int *close_i, const char **how)
{
    *best_i = 0;
    *close_i = -1;
    *how = NULL;
    if (!pw_date_is_set(dob) || n == 0)
        return 0;
    double best = -1;
    for (size_t i = 0; i < n; i++) {
        const pw_dob *d = &dobs[i];
        double adj = -1;
        const char *h = NULL;
        if (d->kind == PW_DOB_RANGE) {
            if (date_in_range(dob, d->from, d->to)) {
                adj = PW_MATCH_DOB_YEAR;
                h = "falls within";
            }
        } else if (pw_date_compare(dob, d->from) == 0) {
            bool both_full = dob.day && d->from.day;
            bool month = dob.month && d->from.month;
            adj = both_full ? PW_MATCH_DOB_EXACT : month ? PW_MATCH_DOB_PARTIAL : PW_MATCH_DOB_YEAR;
            h = both_full ? "agrees with" : "agrees, at the precision given, with";
            if (d->kind == PW_DOB_APPROX)
                adj = PW_MATCH_DOB_YEAR;
        } else if (dob.day && d->from.day && dob.year == d->from.year && dob.month == d->from.day &&
                   dob.day == d->from.month) {
            adj = PW_MATCH_DOB_SWAPPED;
            h = "has day and month swapped against";
        }
        if (adj > best) {
            best = adj;
            *how = h;
            *best_i = (int)i;
        }
        int years = abs(dob.year - d->from.year);
        int tolerance = d->kind == PW_DOB_APPROX ? 5 : 1;
        bool near = d->kind == PW_DOB_RANGE
                        ? dob.year >= d->from.year - 1 && dob.year <= d->to.year + 1
                        : years <= tolerance;
        if (near && *close_i < 0)
            *close_i = (int)i;
    }
    if (best >= 0)
        return best;
    return *close_i >= 0 ? 0 : PW_MATCH_DOB_CONTRADICTS;
}

int pw_match_explain_dob(pw_date dob, const pw_entry *e, char *buf, size_t n, double *adjust)
{
    if (adjust)
        *adjust = 0;
    if (!pw_date_is_set(dob)) {
        say_text(buf, n, "record has no date of birth: neither for nor against");
        return 0;
    }
    if (e->n_dobs == 0) {
        say_text(buf, n, "list gives no date of birth: neither for nor against");
        return 0;
    }
    int best_i, close_i;
    const char *how;
    double adj = dob_adjustment(dob, e->dobs, e->n_dobs, &best_i, &close_i, &how);
    char rec[11], lst[32];
    pw_date_format(dob, rec);
    if (adjust)
        *adjust = adj;
    if (how) {
        pw_dob_format(&e->dobs[best_i], lst);
        say(buf, n, "record %s %s list %s (%+.2f)", rec, how, lst, adj);
        return 1;
    }
    if (close_i >= 0) {
        pw_dob_format(&e->dobs[close_i], lst);
        say(buf, n, "record %s is close to list %s (+0.00)", rec, lst);
        return 0;
    }
    pw_dob_format(&e->dobs[0], lst);
    say(buf, n, "record %s contradicts list %s%s (%+.2f)", rec, lst,
             e->n_dobs > 1 ? " and the list's other dates" : "", PW_MATCH_DOB_CONTRADICTS);
    return -1;
}

static double explain_nationality(const pw_record *r, const pw_entry *e, char *buf, size_t n)
{
    const char *nat = r->traveller.nationality;
    if (!nat || e->n_nationalities == 0) {
        say_text(buf, n, nat ? "list gives no nationality" : "record has no nationality");
        return 0;
    }
    for (size_t i = 0; i < e->n_nationalities; i++)
        if (strcmp(nat, e->nationalities[i]) == 0) {
            say(buf, n, "record %s agrees with list (%+.2f)", nat,
                     PW_MATCH_NATIONALITY_AGREES);
            return PW_MATCH_NATIONALITY_AGREES;
        }
    say(buf, n, "record %s differs from list %s%s (%+.2f)", nat, e->nationalities[0],
             e->n_nationalities > 1 ? " and others" : "", PW_MATCH_NATIONALITY_DIFFERS);
    return PW_MATCH_NATIONALITY_DIFFERS;
}

static double explain_gender(const pw_record *r, const pw_entry *e, char *buf, size_t n)
{
    char g = r->traveller.gender;
    if ((g != 'M' && g != 'F') || (e->gender != 'M' && e->gender != 'F')) {
        say_text(buf, n, "not compared");
        return 0;
    }
    if (g == e->gender) {
        say(buf, n, "record %c agrees with list", g);
        return 0;
    }
    say(buf, n, "record %c differs from list %c (%+.2f)", g, e->gender,
             PW_MATCH_GENDER_DIFFERS);
    return PW_MATCH_GENDER_DIFFERS;
}

/* Compares the record's documents with the entry's: 2 for number (and issuer, when
 * both give one) agreeing, 1 for agreement only after OCR folding, 0 otherwise. */
static int compare_documents(const pw_record *r, const pw_entry *e, char *buf, size_t n)
{
    if (r->traveller.n_documents == 0 || e->n_documents == 0) {
        say_text(buf, n, r->traveller.n_documents ? "list gives no document"
                                                  : "record has no document");
        return 0;
    }
    int best = 0;
    for (size_t i = 0; i < r->traveller.n_documents; i++)
        for (size_t j = 0; j < e->n_documents; j++) {
            char a[64], b[64];
            pw_index_document_key(r->traveller.documents[i].number, false, a, sizeof a);
            pw_index_document_key(e->documents[j].number, false, b, sizeof b);
            if (strlen(a) < 4)
                continue;
            const char *ri = r->traveller.documents[i].issuer, *li = e->documents[j].issuer;
            bool issuer_ok = !ri || !li || strcmp(ri, li) == 0;
            if (strcmp(a, b) == 0 && issuer_ok) {
                say(buf, n, "document number agrees%s (score at least %.2f)",
                         ri && li ? ", same issuer" : "", PW_MATCH_DOCUMENT_EXACT);
                return 2;
            }
            pw_index_document_key(r->traveller.documents[i].number, true, a, sizeof a);
            pw_index_document_key(e->documents[j].number, true, b, sizeof b);
            if (strcmp(a, b) == 0 && issuer_ok)
                best = 1;
        }
    if (best == 1)
        say(buf, n, "document number agrees after OCR folding (O/0, I/1, S/5, B/8) (%+.2f)",
                 PW_MATCH_DOCUMENT_OCR);
    else
        say_text(buf, n, "no document number in common");
    return best;
}

/* ---- candidates ----------------------------------------------------------------------- */

/* How a record token's finds add up for an entry (see gather). */
enum token_kind { TOKEN_FREE, TOKEN_COVERED, TOKEN_PAIR, TOKEN_WHOLE };

static enum token_kind token_kind_of(const pw_name *q, int qi)
{
    const pw_name_token *t = &q->tokens[qi];
    if (t->flags & PW_INDEX_TOKEN_WHOLE)
        return TOKEN_WHOLE;
    if (t->flags & PW_TOKEN_JOINED)
        return TOKEN_PAIR;
    for (int j = q->n_words; j < q->n_tokens; j++) {
        const pw_name_token *join = &q->tokens[j];
        if ((join->flags & PW_TOKEN_JOINED) && !(join->flags & PW_INDEX_TOKEN_WHOLE) &&
            join->word <= t->word && t->word < join->word + join->span)
            return TOKEN_COVERED;
    }
    return TOKEN_FREE;
}

/* A record token being gathered: how its finds add up for an entry (kind), its stamp,
 * its found_by bit (0 from FOUND_BY_TOKENS on), and whether entries it found before are
 * left as they are (common_neighbours). */
typedef struct token_find {
    enum token_kind kind;
    uint8_t stamp;
    uint16_t bit;
    bool new_only;
} token_find;

/* Adds what token f found in accumulator a, gain, unless one of its terms found the
 * entry before (with as much or more: a token's terms come best first); or, new_only,
 * the token found it before this stamp. */
static inline void found_by_token(pw_match_scratch *s, uint32_t a, float gain, const token_find *f)
{
    entry_acc *ea = &s->acc[a];
    if (ea->tok_stamp == f->stamp)
        return;
    ea->tok_stamp = f->stamp;
    if (f->new_only && (ea->found_by & f->bit))
        return;
    ea->found_by |= f->bit;
    if (f->kind == TOKEN_WHOLE)
        ea->whole = gain > ea->whole ? gain : ea->whole;
    else if (f->kind == TOKEN_PAIR)
        ea->pairs += gain;
    else if (f->kind == TOKEN_COVERED)
        ea->covered += gain;
    else
        ea->acc += gain;
}

/* Adds similarity x weight of one record token to every entry posted under term.
 * Sets *too_common, and expands nothing, when more than limit entries hold the term. */
static size_t expand_term(pw_match_scratch *s, const pw_index *idx, uint32_t term, float gain,
                          size_t limit, const token_find *f, size_t budget, bool *too_common)
{
    const pw_index_posting *p;
    size_t n = pw_index_term_postings(idx, term, &p);
    /* (limit: MAX_POSTINGS_PER_TERM for the record word's own spelling, else what the
     * token allows a near neighbour: one that many entries share is a common name, whose
     * entries come through their exact spellings or through another word of the record,
     * common_neighbours, not through it alone) */
    *too_common = n > limit;
    if (n > limit || n > budget)
        return 0;
    for (size_t i = 0; i < n; i++)
        found_by_token(s, acc_of(s, p[i].entry, p[i].entry_min_words), gain, f);
    return n;
}

/* Like expand_term for entries already found only: the postings are walked when that
 * is cheaper, else each entry is looked up in the term's entry bitmap when it has one
 * (pw_index_term_entry_bitmap: the commonest terms; see UPDATE_BITMAP_FACTOR), else in
 * its postings (sorted by entry) by binary search. Returns the work, counted as the
 * search or the walk would cost whichever way is taken: none when it would exceed
 * budget. A very common term among many candidates is left out, unless exact (the
 * record word's own spelling): then it decides which of them hold the record's words
 * (MAHMOOD RAMON NAM, all three common at a million names: without RAMON's and NAM's
 * own spellings, the entry MAHMOOD, RAMON NAM had MAHMOOD's third of the weight, like
 * the thousands of other MAHMOODs, and was not scored). */
static size_t update_term(pw_match_scratch *s, const pw_index *idx, uint32_t term, float gain,
                          bool exact, const token_find *f, size_t budget)
{
    const pw_index_posting *p;
    size_t n = pw_index_term_postings(idx, term, &p);
    if (n > MAX_POSTINGS_PER_TERM && s->n_acc > MAX_UPDATE_SEARCHES && !exact)
        return 0; /* a very common neighbour, many candidates: it changes the ranking little */
    bool walk = n <= s->n_acc * UPDATE_WALK_FACTOR;
    /* (the record's work stays within MAX_POSTINGS_PER_RECORD; walking a posting, a
     * filter bit read, costs about a quarter of expanding one) */
    size_t work = walk ? n / WALK_COST_SHARE : s->n_acc;
    if (work > budget)
        return 0;
    /* (the work is counted as above whatever the way: the budget decides which terms
     * are gathered, and so the candidates, which must not depend on the way) */
    const uint64_t *bitmap =
        !walk || n > s->n_acc * UPDATE_BITMAP_FACTOR ? pw_index_term_entry_bitmap(idx, term) : NULL;
    if (bitmap) { /* a bit an entry found, instead of a long walk or a search */
        for (uint32_t a = 0; a < s->n_acc; a++) {
            uint32_t e = s->acc[a].entry;
            if (pw_index_bitmap_holds(bitmap, e))
                found_by_token(s, a, gain, f);
        }
        return work;
    }
    if (walk) {
        const uint32_t *slots = s->acc_slots;
        uint32_t slot_bits = s->slot_bits;
        for (size_t i = 0; i < n; i++) {
            uint32_t bit = filter_bit(p[i].entry);
            if (!(s->acc_filter[bit / 64] & (1ull << (bit % 64))))
                continue; /* not touched by the record */
            uint32_t a = slots[probe_slot(slots, s->acc, slot_bits, p[i].entry)];
            if (a != NO_ENTRY)
                found_by_token(s, a, gain, f);
        }
        return work;
    }
    for (uint32_t a = 0; a < s->n_acc; a++) {
        uint32_t e = s->acc[a].entry;
        size_t lo = 0, hi = n;
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            if (p[mid].entry < e)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo < n && p[lo].entry == e)
            found_by_token(s, a, gain, f);
    }
    return work;
}

/* Adds term, found at similarity sim, as a near neighbour or not (term_hit.near), to
 * hits: found again, it keeps the better similarity, and is near only if found so both
 * times. */
static void add_hit(term_hit *hits, size_t *n, uint32_t term, float sim, bool near)
{
    for (size_t i = 0; i < *n; i++)
        if (hits[i].term == term) {
            if (sim > hits[i].similarity)
                hits[i].similarity = sim;
            hits[i].near &= near;
            return;
        }
    if (*n < MAX_TERM_HITS)
        hits[(*n)++] = (term_hit){term, sim, near};
}

/* A skeleton or phonetic neighbour is worth expanding only when it also looks alike
 * (or one side lost its vowels to a romanisation). */
static bool plausible_neighbour(const pw_index *idx, const pw_name_token *t, uint32_t term,
                                bool skeleton)
{
    size_t le = pw_index_term_len(idx, term);
    size_t diff = le > t->len ? le - t->len : t->len - le;
    const char *et = pw_index_term_text(idx, term);
    /* a possible consonant-only romanisation: the scorer decides. Its vowels may be
     * half the Latin spelling (MHMD, MOHAMMAD). */
    if (skeleton && diff <= 5 &&
        ((t->flags & PW_TOKEN_ABJAD) || pw_index_term_abjad(idx, term) ||
         vowel_poor(t->text, t->len) || vowel_poor(et, le)))
        return true;
    if (diff > 3)
        return false;
    return et[0] == t->text[0] && pw_jaro_winkler(t->text, t->len, et, le) >= 0.8;
}

/* Orders hits best first, equals in the order found: gather counts the first of a
 * token's terms to find an entry, which is then the best (found_by_token), and its
 * work budget goes to the best terms first. */
static void best_first(term_hit *hits, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        term_hit h = hits[i];
        size_t k = i;
        for (; k > 0 && hits[k - 1].similarity < h.similarity; k--)
            hits[k] = hits[k - 1];
        hits[k] = h;
    }
}

/* Looks one record token up every way the index allows: exact and transliteration
 * variant, bounded edit distance, then plausible skeleton and phonetic neighbours; a
 * word from an abjad with another reading (alt_skel not "") also by that reading's
 * spelling and skeleton. */
static size_t lookup_token(const pw_index *idx, const pw_name_token *t, term_hit *hits,
                           const uint32_t qterm[2], const char dm[2][PW_DMETAPHONE_MAX + 1],
                           const char *alt_skel, bool *nick)
{
    size_t n = 0;
    *nick = false;
    if (qterm[0] != PW_INDEX_NONE)
        add_hit(hits, &n, qterm[0], 1.0f, false);
    if (qterm[1] != PW_INDEX_NONE)
        add_hit(hits, &n, qterm[1], 0.97f, false);
    if (t->flags & PW_TOKEN_INITIAL)
        return n;
    if (!(t->flags & (PW_INDEX_TOKEN_WHOLE | PW_TOKEN_PARTICLE)) && !surname_only(t->flags)) {
        const char *partners[16];
        size_t k = pw_names_nickname_partners(t->text, partners, 16);
        *nick = k > 0;
        for (size_t i = 0; i < k; i++) {
            uint32_t term = pw_index_find_term(idx, partners[i]);
            if (term != PW_INDEX_NONE)
                add_hit(hits, &n, term, (float)NICKNAME_SIMILARITY, false);
        }
    }
    /* A list name may give this word as its initial (A. KHAMENEI for ALI KHAMENEI);
     * only where few names hold that initial, and worth what an initial weighs in the
     * score (INITIAL_WEIGHT): an initial in common is weak. */
    char initial[2] = {t->text[0], '\0'};
    uint32_t it = (t->flags & PW_TOKEN_JOINED) ? PW_INDEX_NONE : pw_index_find_term(idx, initial);
    const pw_index_posting *ip;
    if (it != PW_INDEX_NONE && pw_index_term_postings(idx, it, &ip) <= MAX_POSTINGS_PER_INITIAL)
        add_hit(hits, &n, it, (float)(0.85 * INITIAL_WEIGHT), false);
    pw_fuzzy_hit fz[32];
    /* A whole-name join is matched by exact spelling only (the index holds no edit
     * variants of them either). */
    size_t k = (t->flags & PW_INDEX_TOKEN_WHOLE) ? 0 : pw_index_fuzzy_terms(idx, t->text, fz, 32);
    for (size_t i = 0; i < k; i++)
        add_hit(hits, &n, fz[i].term, fz[i].distance == 1 ? EDIT_SIMILARITY : TWO_EDITS_SIMILARITY,
                true);
    const uint32_t *ids;
    k = t->skeleton[0] && t->skeleton[1] ? pw_index_terms_by_skeleton(idx, t->skeleton, &ids) : 0;
    /* A whole-name join finds list names' joins by skeleton (their words are then
     * aligned one by one: the scorer compares two joins by spelling only), but a list
     * word only one edit away, as the scorer compares them (FRIDRICHBUCHENBERG): the
     * skeleton of JIHADALI, without its H, is JADALI's, and at a million names every
     * JADALI outranked the entries holding JIHAD and ALI and took the places scored.
     * (The term found may be a word's plain form, where the scorer reads its text: a
     * long word with an accent or another transliteration may pass here and not
     * there.) */
    bool whole = (t->flags & PW_INDEX_TOKEN_WHOLE) != 0;
    for (size_t i = 0; i < k && i < 64; i++)
        if (plausible_neighbour(idx, t, ids[i], true) &&
            (!whole || !pw_index_term_is_word(idx, ids[i]) ||
             one_edit_as_one_word(idx, t, ids[i])))
            add_hit(hits, &n, ids[i], SKELETON_SIMILARITY, true);
    if (t->flags & PW_TOKEN_GLUED_TITLE) { /* the word as written, title and all */
        k = pw_index_fuzzy_terms(idx, t->plain, fz, 32);
        for (size_t i = 0; i < k; i++)
            add_hit(hits, &n, fz[i].term,
                    fz[i].distance == 1 ? EDIT_SIMILARITY : TWO_EDITS_SIMILARITY, true);
    }
    if (alt_skel[0] && alt_skel[1]) {
        k = pw_index_fuzzy_terms(idx, t->plain, fz, 32);
        for (size_t i = 0; i < k; i++)
            add_hit(hits, &n, fz[i].term,
                    fz[i].distance == 1 ? EDIT_SIMILARITY : TWO_EDITS_SIMILARITY, true);
        k = pw_index_terms_by_skeleton(idx, alt_skel, &ids);
        for (size_t i = 0; i < k && i < 64; i++)
            if (plausible_neighbour(idx, t, ids[i], true))
                add_hit(hits, &n, ids[i], SKELETON_SIMILARITY, true);
    }
    /* Not for a whole-name join: a four-letter sound code hears only its first word
     * (IBRAHIMHAJI and IBRAHIMJAMAL both ABRM), and the scorer does not compare whole
     * names by sound either. */
    if (t->len >= 3 && !(t->flags & PW_INDEX_TOKEN_WHOLE))
        for (int c = 0; c < 2; c++) {
            const char *code = dm[c];
            if (!code[0] || (c && strcmp(dm[1], dm[0]) == 0))
                continue;
            k = pw_index_terms_by_phonetic(idx, code, &ids);
            for (size_t i = 0; i < k && i < 64; i++)
                if (plausible_neighbour(idx, t, ids[i], false))
                    add_hit(hits, &n, ids[i], SOUND_SIMILARITY, true);
        }
    /* A word of SHORT_WORD letters has no edits looked up (it is too short: one makes
     * another name), but the commonest typing error, a dropped letter, leaves one
     * (MAR for OMAR, ANG for KANG): the words of one letter more that it is are looked
     * up as well, worth what the scorer gives them (one edit in four letters), so that
     * the entry the record's other words find is scored. Not for a particle, nor a
     * word of an abjad or of Han or Hangul syllables (their short words come from the
     * script, not from typing). Last, and at most MAX_DROPPED_LETTER_HITS: they are
     * the weakest hits, and a common short word (LEE, KIM) has many. */
    if (t->len == SHORT_WORD &&
        !(t->flags & (PW_TOKEN_JOINED | PW_TOKEN_PARTICLE | PW_TOKEN_ABJAD | PW_TOKEN_SYLLABIC))) {
        k = pw_index_terms_one_letter_longer(idx, t->text, fz, MAX_DROPPED_LETTER_HITS);
        for (size_t i = 0; i < k; i++)
            add_hit(hits, &n, fz[i].term, (float)DROPPED_LETTER_SIMILARITY, false);
    }
    return n;
}

/* What lookup_token reads of a token's flags: LOOKUP_FLAGS, and whether the word is
 * known to be a surname only (surname_only: no familiar forms); not the surname and
 * given-name flags themselves, so that a word given as a surname, as a given name and
 * in a full name shares one cache entry. */
static uint16_t lookup_flags(uint16_t flags)
{
    return (uint16_t)((flags & LOOKUP_FLAGS) | (surname_only(flags) ? PW_TOKEN_SURNAME : 0));
}

/* Packs what the look-up of a token depends on (its text and plain keys; its skeleton
 * is one of text) into key and hashes it with the flags the look-up reads; returns the
 * key's length, or 0 when it does not fit with room for at least an empty skeleton
 * after it (such a token is not cached; look_up_token keeps only those whose skeleton
 * fits). */
static size_t lookup_key(const pw_name_token *t, char key[LOOKUP_KEY_MAX], uint32_t *hash)
{
    const char *parts[2] = {t->text, t->plain};
    size_t n = 0;
    for (int i = 0; i < 2; i++) {
        size_t len = strlen(parts[i]) + 1;
        if (n + len + 1 > LOOKUP_KEY_MAX)
            return 0;
        memcpy(key + n, parts[i], len);
        n += len;
    }
    uint32_t h = 2166136261u ^ lookup_flags(t->flags); /* FNV-1a */
    for (size_t i = 0; i < n; i++)
        h = (h ^ (uint8_t)key[i]) * 16777619u;
    *hash = h;
    return n;
}

/* The look-up cache (see LOOKUP_SLOTS); NULL when it could not be mapped (look-ups
 * then go uncached). Huge pages are used where transparent huge pages are "always" or
 * "madvise"; elsewhere it is plain zeroed memory. */
static lookup_entry *lookups;
static pthread_once_t lookups_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t lookup_locks[LOOKUP_LOCKS];

static void map_lookups(void)
{
    for (size_t i = 0; i < LOOKUP_LOCKS; i++)
        if (pthread_mutex_init(&lookup_locks[i], NULL) != 0)
            return;
    void *map = mmap(NULL, LOOKUP_MAP_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                     -1, 0);
    if (map == MAP_FAILED)
        return;
    uintptr_t aligned = ((uintptr_t)map + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1);
    madvise((void *)aligned, LOOKUP_SLOTS * sizeof(lookup_entry), MADV_HUGEPAGE);
    pw_touch_pages((void *)aligned, LOOKUP_SLOTS * sizeof(lookup_entry)); /* (read first) */
    lookups = (lookup_entry *)aligned;
}

/* The mutex of the stripe holding the set that starts at set. */
static pthread_mutex_t *lookup_lock(const lookup_entry *set)
{
    return &lookup_locks[(size_t)(set - lookups) / 2 % LOOKUP_LOCKS];
}

/* The look-up cache set a token falls in, NULL when it cannot be cached. */
static lookup_entry *lookup_set(const pw_name_token *t, char key[LOOKUP_KEY_MAX],
                                size_t *key_len, uint32_t *hash)
{
    if (t->flags & PW_INDEX_TOKEN_WHOLE) { /* (see LOOKUP_SLOTS) */
        *key_len = 0;
        return NULL;
    }
    *key_len = lookup_key(t, key, hash);
    if (!*key_len)
        return NULL;
    pthread_once(&lookups_once, map_lookups);
    if (!lookups)
        return NULL;
    return &lookups[*hash & (LOOKUP_SLOTS - 2)];
}

/* Finds the cache sets of the record's tokens (into s->q_set, s->q_key, ...) and asks
 * the memory for them before they are looked up one by one: the cache is larger than a
 * core's cache and each visit would wait. */
static void prefetch_lookups(pw_match_scratch *s)
{
    for (int i = 0; i < s->query.n_tokens; i++) {
        lookup_entry *set =
            lookup_set(&s->query.tokens[i], s->q_key[i], &s->q_key_len[i], &s->q_key_hash[i]);
        s->q_set[i] = set;
        if (set) {
            __builtin_prefetch(&set[0]);
            __builtin_prefetch(&set[1]);
        }
    }
}

/* The way of set holding the look-up of (serial, hash, flags, key), or NULL. The
 * caller holds the set's lock. */
static lookup_entry *lookup_way(lookup_entry *set, uint64_t serial, uint32_t hash,
                                uint16_t flags, const char *key, size_t key_len)
{
    for (int way = 0; way < 2; way++) {
        lookup_entry *e = &set[way];
        if (e->serial == serial && e->hash == hash && e->flags == flags &&
            e->key_len == key_len && memcmp(e->key, key, key_len) == 0)
            return e;
    }
    return NULL;
}

/* Marks way e of set as the one used last. The caller holds the set's lock. */
static void mark_used(lookup_entry *set, lookup_entry *e)
{
    set[0].used_last = e == &set[0];
    set[1].used_last = e == &set[1];
}

/* The similarities lookup_token gives a hit (add_hit keeps the best of them): the
 * look-up cache keeps a hit in 32 bits, its term and the index of its similarity here,
 * so that an entry has room for LOOKUP_HITS hits in the 256 bytes that held 32 as
 * term_hits. A common word has dozens at a million names (14,000 look-ups in the
 * bench's run missed the cache every time when it kept 32 at most, and a miss costs 10
 * to 20 times a hit). */
static const float hit_similarities[] = {1.0f,
                                         0.97f,
                                         EDIT_SIMILARITY,
                                         (float)NICKNAME_SIMILARITY,
                                         SKELETON_SIMILARITY,
                                         SOUND_SIMILARITY,
                                         TWO_EDITS_SIMILARITY,
                                         (float)DROPPED_LETTER_SIMILARITY,
                                         (float)(0.85 * INITIAL_WEIGHT)};
/* A packed hit: the term id in the low bits (a look-up holding a term of a larger id, in
 * an index of more than 16.7 million terms, is not kept), the similarity's index above,
 * and term_hit.near in the top bit. */
#define PACKED_TERM_BITS 24
#define PACKED_NEAR (1u << 31)
_Static_assert(sizeof hit_similarities / sizeof *hit_similarities <= 1u << (31 - PACKED_TERM_BITS),
               "every similarity's index must fit between the term and the near bit");

/* Packs n hits into out; false when one cannot be (a term id of more than
 * PACKED_TERM_BITS bits, a similarity not in hit_similarities): then not kept. */
static bool pack_hits(const term_hit *hits, size_t n, uint32_t *out)
{
    for (size_t i = 0; i < n; i++) {
        size_t k = 0;
        while (k < sizeof hit_similarities / sizeof *hit_similarities &&
               hit_similarities[k] != hits[i].similarity)
            k++;
        if (k == sizeof hit_similarities / sizeof *hit_similarities ||
            hits[i].term >> PACKED_TERM_BITS)
            return false;
        out[i] = hits[i].term | (uint32_t)k << PACKED_TERM_BITS | (hits[i].near ? PACKED_NEAR : 0);
    }
    return true;
}

static void unpack_hits(const uint32_t *packed, size_t n, term_hit *out)
{
    for (size_t i = 0; i < n; i++)
        out[i] = (term_hit){packed[i] & ((1u << PACKED_TERM_BITS) - 1),
                            hit_similarities[(packed[i] & ~PACKED_NEAR) >> PACKED_TERM_BITS],
                            (packed[i] & PACKED_NEAR) != 0};
}

/* Looks record token qi up in the index (its terms, Double Metaphone codes, other
 * reading and lookup_token's hits) into the scratch's q_ arrays, from the look-up
 * cache when the same token met the same index before; and the token's skeleton, which
 * analysis leaves to this (the cache keeps it beside the key: a function of the text,
 * it costs a word about 200 instructions, and most records' words are in the cache).
 * The cache changes nothing but speed: an entry holds the complete result of the same
 * computation, keyed by every input of it (the text and plain keys, the flags it reads,
 * the index serial); results of more than LOOKUP_HITS hits, or that pack_hits cannot
 * pack, are not kept. Of a set's
 * two ways, the one used last stays. Two workers missing the same word at once both
 * work it out, and the second finds it kept. */
static void look_up_token(pw_match_scratch *s, const pw_index *idx, int qi)
{
    pw_name_token *qt = &s->query.tokens[qi];
    const char *key = s->q_key[qi];
    size_t key_len = s->q_key_len[qi];
    uint32_t hash = s->q_key_hash[qi];
    uint16_t flags = lookup_flags(qt->flags);
    uint64_t serial = pw_index_serial(idx);
    lookup_entry *set = s->q_set[qi];
    if (set) {
        pthread_mutex_t *lock = lookup_lock(set);
        pthread_mutex_lock(lock);
        lookup_entry *e = lookup_way(set, serial, hash, flags, key, key_len);
        if (e) {
            const char *skel = e->key + key_len; /* (it fits: it was a token's) */
            memcpy(qt->skeleton, skel, strlen(skel) + 1);
            memcpy(s->q_term[qi], e->term, sizeof e->term);
            memcpy(s->q_dm[qi], e->dm, sizeof e->dm);
            memcpy(s->q_alt_skel[qi], e->alt_skel, sizeof e->alt_skel);
            unpack_hits(e->hits, e->n_hits, s->q_hits[qi]);
            s->q_nhits[qi] = e->n_hits;
            s->q_nick[qi] = e->nick;
            mark_used(set, e);
        }
        pthread_mutex_unlock(lock);
        if (e)
            return;
    }
    if (!qt->skeleton[0]) /* (analysis leaves every token's to this; the whole-name and
                           * pair joins the matcher adds have theirs) */
        pw_names_skeleton(qt->text, qt->skeleton);
    s->q_term[qi][0] = pw_index_find_term(idx, qt->text);
    s->q_term[qi][1] =
        strcmp(qt->plain, qt->text) == 0 ? PW_INDEX_NONE : pw_index_find_term(idx, qt->plain);
    if (qt->flags & PW_INDEX_TOKEN_WHOLE) /* compared by spelling only (term_similarity) */
        s->q_dm[qi][0][0] = s->q_dm[qi][1][0] = '\0';
    else
        pw_double_metaphone(qt->text, PW_DMETAPHONE_MAX, s->q_dm[qi][0], s->q_dm[qi][1]);
    s->q_alt_skel[qi][0] = '\0';
    if ((qt->flags & PW_TOKEN_ABJAD) && strcmp(qt->plain, qt->text) != 0)
        pw_names_skeleton(qt->plain, s->q_alt_skel[qi]);
    s->q_nhits[qi] = (uint8_t)lookup_token(idx, qt, s->q_hits[qi], s->q_term[qi], s->q_dm[qi],
                                           s->q_alt_skel[qi], &s->q_nick[qi]);
    best_first(s->q_hits[qi], s->q_nhits[qi]);
    size_t skel_len = strlen(qt->skeleton) + 1;
    uint32_t packed[LOOKUP_HITS];
    if (!set || s->q_nhits[qi] > LOOKUP_HITS || key_len + skel_len > LOOKUP_KEY_MAX ||
        !pack_hits(s->q_hits[qi], s->q_nhits[qi], packed))
        return;
    pthread_mutex_t *lock = lookup_lock(set);
    pthread_mutex_lock(lock);
    if (!lookup_way(set, serial, hash, flags, key, key_len)) {
        lookup_entry *e = set[0].used_last ? &set[1] : &set[0];
        mark_used(set, e);
        e->serial = serial;
        e->hash = hash;
        e->flags = flags;
        e->key_len = (uint8_t)key_len;
        memcpy(e->key, key, key_len);
        memcpy(e->key + key_len, qt->skeleton, skel_len);
        memcpy(e->term, s->q_term[qi], sizeof e->term);
        memcpy(e->dm, s->q_dm[qi], sizeof e->dm);
        memcpy(e->alt_skel, s->q_alt_skel[qi], sizeof e->alt_skel);
        e->n_hits = s->q_nhits[qi];
        e->nick = s->q_nick[qi];
        memcpy(e->hits, packed, e->n_hits * sizeof *e->hits);
    }
    pthread_mutex_unlock(lock);
}

/* Does accumulator a's entry rank before b's? Entries that gathered the record's full
 * share (acc >= full_acc) come first, so that those scored on a relaxed share only
 * follow them (see pw_match_record); then by rank key, and ties by entry order. */
static inline bool ranks_before(const entry_acc *acc, float full_acc, uint32_t a, uint32_t b)
{
    const entry_acc *ea = &acc[a], *eb = &acc[b];
    bool fa = ea->acc >= full_acc, fb = eb->acc >= full_acc;
    if (fa != fb)
        return fa;
    return ea->rank > eb->rank || (ea->rank == eb->rank && ea->entry < eb->entry);
}

/* A neighbour of record token `token` too common to be expanded (common_neighbours). */
typedef struct common_neighbour {
    int token;
    uint32_t term;
    float gain;
} common_neighbour;

/* Is term record token qi's own spelling (its text or plain key)? */
static bool own_spelling(const pw_match_scratch *s, int qi, uint32_t term)
{
    return term == s->q_term[qi][0] || term == s->q_term[qi][1];
}

/* A near neighbour of a record word that too many entries hold (MUHAMMAD for MUHAMAD)
 * is not expanded (expand_term), but an entry another word of the record found holds
 * it as much as any: AL-QATIRJI, Muhammad, found by ALVQATIRJI, is MUHAMAD ALVQATIRJI
 * with two typing errors, not one word of two. Once every token has been gathered,
 * each such neighbour adds its gain to the entries already found that its record token
 * did not find otherwise (the token's own finds are not raised: they are near enough
 * already). Only neighbours one typing error away (COMMON_NEIGHBOUR_MIN_SIMILARITY):
 * a common name that merely sounds alike or shares the consonants (MUHAMMAD for
 * MOHAMED) says too little to lift an entry found by a loose likeness of the other
 * word (KATARINA MOHAMED and KAWTARANI, Muhammad). A word's own spelling that too many
 * entries hold (SMITH) is kept the same way. Within what is left of the record's work
 * budget. */
static void common_neighbours(pw_match_scratch *s, const pw_index *idx,
                              const common_neighbour *common, size_t n_common, size_t budget)
{
    for (size_t c = 0; c < n_common;) {
        int qi = common[c].token; /* (< FOUND_BY_TOKENS: see gather) */
        token_find f = {token_kind_of(&s->query, qi), (uint8_t)(s->query.n_tokens + 1 + qi),
                        (uint16_t)(1u << qi), true};
        for (; c < n_common && common[c].token == qi; c++) {
            bool exact = own_spelling(s, qi, common[c].term);
            size_t work =
                update_term(s, idx, common[c].term, common[c].gain, exact, &f, budget);
            budget -= work < budget ? work : budget;
        }
    }
}

/* The first of postings p[from..n) whose entry is at least entry (galloping: the
 * step doubles until it passes, then a binary search). */
static size_t seek_entry(const pw_index_posting *p, size_t from, size_t n, uint32_t entry)
{
    size_t step = 1, lo = from, hi = from;
    while (hi < n && p[hi].entry < entry) {
        lo = hi + 1;
        hi += step;
        step *= 2;
    }
    if (hi > n)
        hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (p[mid].entry < entry)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Two words of a record that are both too common to be expanded (SMITH and CHARLES
 * against a million names) find the entries holding them only through a rarer word
 * of the record, and SMITH CHARLES has none: common_neighbours only raises entries
 * found. So the entries holding the exact spellings of two such words (the two that
 * fewest entries hold) are found by intersecting their postings (both sorted by entry;
 * the shorter is walked, and each of its entries looked up in the longer's entry
 * bitmap, or galloped to through its postings when it has none) and given an
 * accumulator with nothing gathered yet; common_neighbours then adds what each word is
 * worth to them, as to any entry found. Returns the work (postings of the shorter list,
 * times the galloping steps, whichever way is taken): none, and nothing seeded, when
 * it would exceed budget. */
static size_t seed_common_words(pw_match_scratch *s, const pw_index *idx,
                                const common_neighbour *common, size_t n_common, size_t budget)
{
    const pw_index_posting *best[2] = {NULL, NULL};
    size_t best_n[2] = {0, 0};
    int best_token[2] = {-1, -1};
    uint32_t best_term[2] = {PW_INDEX_NONE, PW_INDEX_NONE};
    for (size_t c = 0; c < n_common; c++) {
        int qi = common[c].token;
        bool exact = own_spelling(s, qi, common[c].term);
        if (!exact || qi >= s->query.n_words || qi == best_token[0] || qi == best_token[1])
            continue;
        if ((best[0] && common[c].term == best_term[0]) ||
            (best[1] && common[c].term == best_term[1]))
            continue; /* a word the record repeats (ALI ALI) meets itself */
        const pw_index_posting *p;
        size_t n = pw_index_term_postings(idx, common[c].term, &p);
        int slot = !best[0] || n < best_n[0] ? 0 : !best[1] || n < best_n[1] ? 1 : -1;
        if (slot == 0) {
            best[1] = best[0], best_n[1] = best_n[0], best_token[1] = best_token[0];
            best_term[1] = best_term[0];
        }
        if (slot >= 0)
            best[slot] = p, best_n[slot] = n, best_token[slot] = qi,
            best_term[slot] = common[c].term;
    }
    if (!best[1])
        return 0;
    size_t steps = 1;
    while (((size_t)1 << steps) < best_n[1] / best_n[0] + 1)
        steps++;
    size_t work = best_n[0] * steps;
    if (work > budget)
        return 0;
    const pw_index_posting *a = best[0], *b = best[1];
    const uint64_t *b_bitmap = pw_index_term_entry_bitmap(idx, best_term[1]);
    for (size_t i = 0, j = 0; i < best_n[0] && j < best_n[1]; i++) {
        if (i > 0 && a[i].entry == a[i - 1].entry)
            continue; /* (an entry's postings follow one another) */
        uint32_t e = a[i].entry;
        if (b_bitmap) { /* (the same entries, a bit each) */
            if (pw_index_bitmap_holds(b_bitmap, e))
                acc_of(s, e, a[i].entry_min_words);
            continue;
        }
        j = seek_entry(b, j, best_n[1], e);
        if (j < best_n[1] && b[j].entry == e)
            acc_of(s, e, a[i].entry_min_words);
    }
    return work;
}

/* dob_adjustment for ranking entry: its dates as pw_index_entry_dobs gives them (from
 * the index's dense array when it has one, as nearly all have, without reading the
 * entry). */
static double rank_dob_adjustment(const pw_index *idx, pw_date dob, uint32_t entry)
{
    if (!pw_date_is_set(dob))
        return 0;
    pw_dob one;
    const pw_dob *dobs;
    size_t n = pw_index_entry_dobs(idx, entry, &one, &dobs);
    int best_i, close_i;
    const char *how;
    return dob_adjustment(dob, dobs, n, &best_i, &close_i, &how);
}

/* Collects candidate entries: accumulated weight over the record's tokens, plus
 * entries holding one of its documents. Returns the count in s->top (accumulators),
 * best first (ranks_before, with full_acc the full share), of those whose accumulated
 * weight reaches min_acc (the first MAX_SCORED of them). */
static size_t gather(pw_match_scratch *s, const pw_index *idx, const pw_record *r, float min_acc,
                     float full_acc)
{
    common_neighbour common[MAX_COMMON_NEIGHBOURS];
    size_t n_common = 0;
    ++s->epoch;
    clear_accs(s);
    size_t budget = MAX_POSTINGS_PER_RECORD;
    /* Entries born on the record's full date (or with day and month swapped: see
     * dob_adjustment) are found by it, as by a rare word: a date one person in about
     * 20,000 shares. The record's common words, which only add to entries found, add
     * to them too, and any word of the name finding them is enough to score them: they
     * rank as if they had the share of the name the others need (TAIF AZIZ, born on
     * TARIQ AZIZ's date: TAIF, a rarer list word, finds others, and AZIZ is too common
     * to look through). */
    pw_date birth = r->traveller.dob, swapped = {birth.year, birth.day, birth.month};
    uint32_t born[MAX_BIRTH_HITS];
    size_t first_born = s->n_acc;
    for (int k = 0; k < 1 + (birth.day <= 12 && birth.day != birth.month); k++) {
        size_t n = pw_index_entries_born(idx, k ? swapped : birth, born, MAX_BIRTH_HITS);
        for (size_t i = 0; i < n; i++)
            acc_of(s, born[i], pw_index_entry_min_words(idx, born[i]));
    }
    size_t end_born = s->n_acc; /* (accumulators first_born to end_born, made for them) */
    /* Rarest tokens first: once the tokens left cannot lift an untouched entry to
     * min_acc, common tokens only add to entries already found (max-score pruning). */
    int order[PW_NAME_MAX_TOKENS];
    double remaining = 0;
    for (int qi = 0; qi < s->query.n_tokens; qi++) {
        order[qi] = qi;
        remaining += s->q_gate[qi];
    }
    for (int i = 1; i < s->query.n_tokens; i++)
        for (int k = i; k > 0 && s->q_gate[order[k]] > s->q_gate[order[k - 1]]; k--) {
            int tmp = order[k];
            order[k] = order[k - 1];
            order[k - 1] = tmp;
        }
    for (int oi = 0; oi < s->query.n_tokens; oi++) {
        int qi = order[oi];
        bool update_only = remaining < min_acc;
        remaining -= s->q_gate[qi];
        /* A join stands for the words it joins: what it finds (the name written as
         * one word, or a word like it) is an alternative to what those words find, not
         * more of it (the neighbour IBRAHIMI of IBRAHIMHAJI must not lift every IBRAHIM
         * above the entry holding both IBRAHIM and HAJI). Each kind of token adds to
         * its own sum (found_by_token); they are combined below. */
        token_find f = {token_kind_of(&s->query, qi), (uint8_t)(oi + 1),
                        (uint16_t)(qi < FOUND_BY_TOKENS ? 1u << qi : 0), false};
        size_t nh = s->q_nhits[qi];
        const term_hit *hits = s->q_hits[qi];
        float deferred = 0; /* the best gain of the token's common neighbours */
        bool held = false;  /* (as a word: see MAX_POSTINGS_PER_NEIGHBOUR) */
        for (int k = 0; k < 2; k++)
            held |=
                s->q_term[qi][k] != PW_INDEX_NONE && pw_index_term_is_word(idx, s->q_term[qi][k]);
        /* (the terms' postings are read at random in the index, at a million names
         * from memory: each hit's are asked for while the one before is gathered, and
         * the term giving where they lie a few hits before that) */
        for (size_t h = 0; h < PREFETCH_TERMS_AHEAD && h < nh; h++)
            pw_index_prefetch_term(idx, hits[h].term);
        if (nh > 0)
            pw_index_prefetch_postings(idx, hits[0].term);
        for (size_t h = 0; h < nh && budget; h++) {
            if (h + 1 < nh)
                pw_index_prefetch_postings(idx, hits[h + 1].term);
            if (h + PREFETCH_TERMS_AHEAD < nh)
                pw_index_prefetch_term(idx, hits[h + PREFETCH_TERMS_AHEAD].term);
            float gain = hits[h].similarity * (float)s->q_gate[qi];
            bool too_common = false, exact = own_spelling(s, qi, hits[h].term);
            size_t limit = exact                                        ? MAX_POSTINGS_PER_TERM
                           : held && hits[h].near ? MAX_POSTINGS_PER_NEIGHBOUR
                                                                        : MAX_POSTINGS_PER_HIT;
            size_t work = update_only
                              ? update_term(s, idx, hits[h].term, gain, exact, &f, budget)
                              : expand_term(s, idx, hits[h].term, gain, limit, &f, budget,
                                            &too_common);
            if (too_common && hits[h].similarity >= COMMON_NEIGHBOUR_MIN_SIMILARITY &&
                qi < FOUND_BY_TOKENS && n_common < MAX_COMMON_NEIGHBOURS) {
                common[n_common++] = (common_neighbour){qi, hits[h].term, gain};
                deferred = gain > deferred ? gain : deferred;
            }
            budget -= work < budget ? work : budget;
        }
        /* (what the common neighbours add comes last: an entry the tokens after this
         * one find may still have it) */
        remaining += deferred;
    }
    budget -= seed_common_words(s, idx, common, n_common, budget);
    common_neighbours(s, idx, common, n_common, budget);
    /* (the documents in common counted in rank, which is not yet in use: each adds 100
     * below, once the kinds of token are combined) */
    for (size_t d = 0; d < r->traveller.n_documents; d++) {
        pw_index_doc_hit dh[MAX_DOCUMENT_HITS];
        size_t n = pw_index_documents(idx, r->traveller.documents[d].number, dh, MAX_DOCUMENT_HITS);
        for (size_t i = 0; i < n; i++)
            s->acc[acc_of(s, dh[i].entry, pw_index_entry_min_words(idx, dh[i].entry))].rank++;
    }
    /* Keep only entries that share enough of the name (or a document), then rank. */
    /* The rank: accumulated weight, moved as the date of birth will move the score
     * (an entry born that day before the many sharing a common name, one born decades
     * apart after them), and among entries that gathered the same, the one with the
     * shortest name first (it has the fewest words the record lacks). Only the first
     * MAX_SCORED in rank order are ever scored: select them (in order, as a full sort
     * would leave them) instead of sorting thousands on a common name. */
    float name_weight = min_acc / (float)CANDIDATE_MIN_SHARE;
    /* (first each entry's sums combined and the entries that reach min_acc listed,
     * their dates asked for: each is a cache miss at a million names, and they overlap
     * instead of following one another) */
    size_t n_ranked = 0;
    for (uint32_t a = 0; a < s->n_acc; a++) {
        entry_acc *ea = &s->acc[a];
        ea->acc += ea->covered > ea->pairs ? ea->covered : ea->pairs;
        if (ea->whole > ea->acc)
            ea->acc = ea->whole;
        for (int d = (int)ea->rank; d > 0; d--) /* a document in common always gets scored */
            ea->acc += 100.0f;
        if (ea->acc < full_acc && ea->acc > 0 && a >= first_born && a < end_born)
            ea->acc = full_acc; /* (found by the date: see above) */
        if (ea->acc < min_acc)
            continue;
        if (pw_date_is_set(r->traveller.dob))
            pw_index_prefetch_entry_dob(idx, ea->entry);
        s->ranked[n_ranked++] = a;
    }
    size_t n_top = 0;
    for (size_t k = 0; k < n_ranked; k++) {
        uint32_t a = s->ranked[k];
        entry_acc *ea = &s->acc[a];
        double dob = rank_dob_adjustment(idx, r->traveller.dob, ea->entry);
        ea->rank =
            ea->acc - RANK_WORD_PENALTY * (float)ea->min_words + (float)dob * name_weight;
        if (n_top == MAX_SCORED && !ranks_before(s->acc, full_acc, a, s->top[n_top - 1]))
            continue;
        size_t pos = n_top < MAX_SCORED ? n_top++ : MAX_SCORED - 1;
        while (pos > 0 && ranks_before(s->acc, full_acc, a, s->top[pos - 1])) {
            s->top[pos] = s->top[pos - 1];
            pos--;
        }
        s->top[pos] = a;
    }
    return n_top;
}

/* ---- explanation ---------------------------------------------------------------------- */

static void append_unmatched(pw_strbuf *j, const char *key, const char *const *words, int n)
{
    if (n == 0)
        return;
    pw_strbuf_printf(j, ",\"%s\":[", key);
    for (int i = 0; i < n; i++) {
        if (i)
            pw_strbuf_append(j, ",");
        pw_strbuf_append_json(j, words[i]);
    }
    pw_strbuf_append(j, "]");
}

/* Adds to the date of birth's sentence (buf, n) the misspellings it vouches for and
 * what they add (see mismatch_similarity): "... (+0.10) and vouches for WHL as CHOL
 * misspelt (+0.21)". */
static void vouch_in_words(pw_match_scratch *s, const pw_index *idx, const alignment *a,
                           const pw_index_name *in, double vouch, char *buf, size_t n)
{
    const pw_index_token *et = pw_index_name_tokens(idx, in);
    size_t len = strlen(buf);
    for (int k = 0; k < a->n_vouched && len < n; k++) {
        snprintf(buf + len, n - len, "%s%s as %s", k ? ", " : " and vouches for ",
                 s->query.tokens[a->vouched_q[k]].text,
                 pw_index_term_text(idx, et[a->vouched_e[k]].term));
        len = strlen(buf);
    }
    if (len < n)
        snprintf(buf + len, n - len, " misspelt (%+.2f)", vouch);
}

/* Writes the candidate's explanation into the arena. */
static const char *explain(pw_match_scratch *s, const pw_index *idx, const alignment *a,
                           const pw_index_name *in, const pw_entry_name *name, double name_score,
                           const char *const sentences[4], double score, pw_arena *arena)
{
    const pw_index_token *et = pw_index_name_tokens(idx, in);
    pw_strbuf *j = &s->json;
    pw_strbuf_reset(j);
    pw_strbuf_append(j, "{\"name\":[");
    for (int k = 0; k < a->n_pairs; k++) {
        pw_strbuf_append(j, k ? ",{\"query\":" : "{\"query\":");
        pw_strbuf_append_json(j, s->query.tokens[a->q_tok[k]].text);
        pw_strbuf_append(j, ",\"entry\":");
        pw_strbuf_append_json(j, pw_index_term_text(idx, et[a->e_tok[k]].term));
        pw_strbuf_append(j, ",\"how\":");
        pw_strbuf_append_json(j, a->how[k]);
        pw_strbuf_append(j, ",\"similarity\":");
        pw_strbuf_append_fixed2(j, a->sim[k]);
        pw_strbuf_append(j, "}");
    }
    pw_strbuf_append(j, "]");
    const char *uq[PW_MATCH_MAX_WORDS], *ue[PW_MATCH_MAX_WORDS];
    int nq = 0, ne = 0;
    for (int i = 0; i < a->qu.n; i++)
        if (!a->matched_q[i])
            uq[nq++] = s->query.tokens[a->qu.tok[i]].text;
    for (int i = 0; i < a->eu.n; i++)
        if (!a->matched_e[i])
            ue[ne++] = pw_index_term_text(idx, et[a->eu.tok[i]].term);
    append_unmatched(j, "record_only", uq, nq);
    append_unmatched(j, "list_only", ue, ne);
    /* (the name's kind and quality are plain words: "alias low") */
    pw_strbuf_append(j, ",\"matched_on\":\"");
    pw_strbuf_append(j, pw_name_kind_name(name->kind));
    if (name->quality != PW_QUALITY_UNKNOWN) {
        pw_strbuf_append(j, " ");
        pw_strbuf_append(j, pw_alias_quality_name(name->quality));
    }
    pw_strbuf_append(j, "\",\"name_score\":");
    pw_strbuf_append_fixed2(j, name_score);
    static const char *const keys[4] = {",\"dob\":", ",\"nationality\":", ",\"gender\":",
                                        ",\"document\":"};
    for (int k = 0; k < 4; k++) {
        pw_strbuf_append(j, keys[k]);
        pw_strbuf_append_json(j, sentences[k]);
    }
    pw_strbuf_append(j, ",\"score\":");
    pw_strbuf_append_fixed2(j, score);
    pw_strbuf_append(j, "}");
    if (j->oom)
        return NULL;
    return pw_arena_strndup(arena, j->data, j->len);
}

/* ---- the whole record ---------------------------------------------------------------- */

/* What a record word no list holds is worth towards a candidate's share, when the
 * index holds words it may be a spelling of: the weight of the commonest of its close
 * neighbours (one edit, or the same consonant skeleton; not sounds-alike, not a list
 * initial), or -1 when it has none. A word romanised without its short vowels (محمد
 * as MHMD, زاهد as ZAHD) is in no list, yet it is MOHAMMAD or ZAHID; counted at the
 * weight of a word never seen, a common name (MHMD) asks a candidate for more than
 * the rare word beside it (ZAHD, found as ZAHID) can give, and the entry is never
 * scored. Its likeliest reading is the commonest spelling it meets, and that reading
 * weighs what the list's word weighs. Only the share is lowered: the score still
 * weighs the word as written. */
static double neighbour_weight(const pw_index *idx, const term_hit *hits, size_t n)
{
    double w = -1;
    for (size_t h = 0; h < n; h++) {
        double th = pw_index_term_weight(idx, hits[h].term);
        if (hits[h].similarity >= 0.85f && (w < 0 || th < w))
            w = th;
    }
    return w;
}

/* Does some list name hold term as a word or a particle join (not only as the
 * whole-name join of a name written in several words)? Looks at a few postings. */
static bool held_as_word(const pw_index *idx, uint32_t term)
{
    if (term == PW_INDEX_NONE)
        return false;
    const pw_index_posting *p;
    size_t n = pw_index_term_postings(idx, term, &p);
    for (size_t i = 0; i < n && i < 8; i++) {
        const pw_index_name *names;
        size_t nn = pw_index_entry_names(idx, p[i].entry, &names);
        if (p[i].name >= nn || p[i].token >= names[p[i].name].n_tokens)
            continue;
        if (!(pw_index_name_tokens(idx, &names[p[i].name])[p[i].token].flags &
              PW_INDEX_TOKEN_WHOLE))
            return true;
    }
    return false;
}

/* Does the index hold the joined spelling text of words a and b, or a word within the
 * typing errors a word of the join's length may have (one from seven letters, two from
 * eight: pw_index_fuzzy_terms)? The second only when one of the words is a fragment of
 * five letters at most, as a split word leaves (LAH, AMA), and either word is in no
 * list (a misspelling is likely) or the fragment has three letters at most (lists hold
 * such fragments as words of their own: LAH of 'ALA'LAH); and only from seven letters,
 * for the errors not to make another name; never for two romanised Han or Hangul
 * syllables (ZHANG WEI), where a letter that differs is another character. JALAL DUIDN
 * meets JALALUDDIN, ABUL LAH ABDULLAH. */
static bool join_held(const pw_index *idx, const char *text, const pw_name_token *a,
                      const pw_name_token *b)
{
    if (held_as_word(idx, pw_index_find_term(idx, text)))
        return true;
    if (a->flags & b->flags & PW_TOKEN_SYLLABIC)
        return false; /* romanised syllables: one that differs is another character */
    size_t la = a->len, lb = b->len;
    if (strlen(text) < 7 || (la > 5 && lb > 5) ||
        (la > 3 && lb > 3 && pw_index_find_term(idx, a->text) != PW_INDEX_NONE &&
         pw_index_find_term(idx, b->text) != PW_INDEX_NONE))
        return false;
    pw_fuzzy_hit fz[32];
    size_t k = pw_index_fuzzy_terms(idx, text, fz, 32);
    for (size_t i = 0; i < k; i++)
        if (held_as_word(idx, fz[i].term))
            return true;
    return false;
}

/* Two adjacent words of the record that the list writes as one word (SAID ULLAH for
 * SAIDULLAH, ABDUL LAH for ABDULLAH, NOOR UDDIN for NOORUDDIN): names are split and
 * joined differently from one document to the next. For each pair of adjacent words of
 * the same part (surname, given names) that the analyser did not already join, their
 * joined spelling is added as a joined variant when the index holds that spelling or a
 * misspelling of it that join_held accepts (ABDTUL LAH and ABUL LAH for ABDULLAH,
 * OULDEL AMA for OULD EL AMAR, JALAL DUIDN for JALALUDDIN), so that candidate search and
 * the alignment (which tries joined forms) can use it. A name of two words gets its
 * pair join too: its whole-name join has the same text but is looked up by exact
 * spelling only, and SHAMS UDJIN is the one-word SHAMSUDDIN split and misspelt. */
static void add_pair_joins(const pw_index *idx, pw_name *q)
{
    int n_words = q->n_words;
    for (int i = 0; i + 1 < n_words && q->n_tokens < PW_NAME_MAX_TOKENS; i++) {
        const pw_name_token *a = &q->tokens[i], *b = &q->tokens[i + 1];
        uint16_t part = PW_TOKEN_SURNAME | PW_TOKEN_GIVEN;
        if ((a->flags & part) != (b->flags & part) ||
            ((a->flags | b->flags) & (PW_TOKEN_INITIAL | PW_TOKEN_PARTICLE)) ||
            a->len + b->len >= PW_NAME_TOKEN_MAX || a->len < 2 || b->len < 2)
            continue;
        bool known = false;
        for (int t = n_words; t < q->n_tokens && !known; t++)
            known = q->tokens[t].word <= a->word &&
                    q->tokens[t].word + q->tokens[t].span > b->word &&
                    !(q->tokens[t].flags & PW_INDEX_TOKEN_WHOLE);
        if (known)
            continue;
        char text[PW_NAME_TOKEN_MAX];
        memcpy(text, a->text, a->len);
        memcpy(text + a->len, b->text, b->len);
        text[a->len + b->len] = '\0';
        if (!join_held(idx, text, a, b))
            continue;
        pw_name_token *j = &q->tokens[q->n_tokens++];
        memcpy(j->text, text, (size_t)a->len + b->len + 1);
        memcpy(j->plain, text, (size_t)a->len + b->len + 1);
        pw_names_skeleton(j->text, j->skeleton);
        j->len = (uint8_t)(a->len + b->len);
        j->word = a->word;
        j->span = 2;
        j->flags = (uint16_t)(PW_TOKEN_JOINED | (a->flags & part) |
                              ((a->flags | b->flags) & PW_TOKEN_ABJAD) |
                              (a->flags & b->flags & PW_TOKEN_SYLLABIC));
    }
}

/* What scoring reads of a candidate is scattered through the index, each piece found
 * through the one before: the entry, its names, their tokens, the tokens' terms. At a
 * million names each is a cache miss, and scoring the candidates one after another
 * waits for every miss in turn. Asked for a stage at a time for the first n candidates
 * (s->top), the misses of a stage overlap. An index of fewer than PREFETCH_MIN_ENTRIES
 * entries (about 30 MB) stays in the caches, and the stages would only cost their own
 * time. Changes nothing but speed. */
#define PREFETCH_NAMES 4 /* names of an entry asked for (most have one or two) */
#define PREFETCH_MIN_ENTRIES 50000
static void prefetch_candidates(const pw_match_scratch *s, const pw_index *idx, size_t n)
{
    if (pw_index_entry_count(idx) < PREFETCH_MIN_ENTRIES)
        return;
    for (size_t c = 0; c < n; c++)
        pw_index_prefetch_entry(idx, s->acc[s->top[c]].entry);
    for (size_t c = 0; c < n; c++) {
        uint32_t ei = s->acc[s->top[c]].entry;
        __builtin_prefetch(pw_index_entry(idx, ei)->dobs);
        const pw_index_name *names;
        pw_index_entry_names(idx, ei, &names);
        __builtin_prefetch(names);
    }
    for (size_t c = 0; c < n; c++) {
        const pw_index_name *names;
        size_t nn = pw_index_entry_names(idx, s->acc[s->top[c]].entry, &names);
        for (size_t k = 0; k < nn && k < PREFETCH_NAMES; k++)
            __builtin_prefetch(pw_index_name_tokens(idx, &names[k]));
    }
    for (size_t c = 0; c < n; c++) {
        const pw_index_name *names;
        size_t nn = pw_index_entry_names(idx, s->acc[s->top[c]].entry, &names);
        for (size_t k = 0; k < nn && k < PREFETCH_NAMES; k++) {
            const pw_index_token *et = pw_index_name_tokens(idx, &names[k]);
            for (int t = 0; t < names[k].n_tokens; t++) {
                pw_index_prefetch_term(idx, et[t].term);
                if (et[t].plain != et[t].term)
                    pw_index_prefetch_term(idx, et[t].plain);
            }
        }
    }
}

static void insert_candidate(pw_candidate *c, size_t *n, const pw_candidate *x)
{
    size_t pos = *n;
    while (pos > 0 && c[pos - 1].score < x->score)
        pos--;
    if (pos >= PW_MATCH_MAX_CANDIDATES)
        return;
    size_t last = *n < PW_MATCH_MAX_CANDIDATES ? *n : PW_MATCH_MAX_CANDIDATES - 1;
    memmove(&c[pos + 1], &c[pos], (last - pos) * sizeof *c);
    c[pos] = *x;
    if (*n < PW_MATCH_MAX_CANDIDATES)
        (*n)++;
}

int pw_match_record(const pw_index *idx, const pw_record *r, double min_score,
                    pw_match_scratch *s, pw_arena *arena, const pw_candidate **out)
{
    *out = s->candidates;
    const pw_traveller *t = &r->traveller;
    size_t max_acc =
        MAX_POSTINGS_PER_RECORD + MAX_DOCUMENT_HITS * t->n_documents + 2 * MAX_BIRTH_HITS;
    if (fit_scratch(s, max_acc < pw_index_entry_count(idx) ? max_acc : pw_index_entry_count(idx)))
        return PW_ENOMEM;
    if (pw_name_analyse(s->names, t->full_name, t->surname, t->given_names, &s->query))
        return PW_ENOMEM;
    pw_index_add_whole_join(&s->query);
    s->q_first_pair_join = s->query.n_tokens;
    add_pair_joins(idx, &s->query);
    query_units(s);
    if (s->query.n_tokens == 0 && t->n_documents == 0)
        return 0;
    prefetch_lookups(s);
    for (int i = 0; i < s->query.n_tokens; i++) {
        look_up_token(s, idx, i);
        uint32_t term = s->q_term[i][0];
        double base = term == PW_INDEX_NONE ? pw_index_unknown_weight(idx)
                                            : pw_index_term_weight(idx, term);
        s->q_weight[i] = token_weight(s->query.tokens[i].flags, base);
    }
    /* A join found in the list stands for the words it joins (SAIDULLAH for SAID
     * ULLAH, VLADIMIRPUTIN for VLADIMIR PUTIN): finding it is worth their weight to a
     * candidate. Only found by spelling, though (see gather): the sound and skeleton
     * neighbours of a whole-name join are worth its own weight only. */
    /* A word no list holds is a misspelling as often as a rare name: towards the
     * share a candidate needs it counts no more than the heaviest word of the record
     * the lists do hold, so that one misspelt word (SULAYMAN IYRAM for SULAYMAN AKRAM)
     * cannot keep the entry from being scored. */
    /* (Particles and initials are held by every list and weigh little: they say
     * nothing of what a name word weighs.) */
    /* A word of SHORT_WORD letters or fewer that the lists hold counts no more than
     * the record's heaviest longer word either: a typing error in a short word often
     * makes another list word (ADAM written ADA, a rare name the lists also hold),
     * which would otherwise keep the entry the longer words find from being scored.
     * (Latin words only: the short words of an abjad or of Han and Hangul syllables
     * come from the script, not from typing.) */
    double heaviest_known = 0, heaviest_long = 0;
    for (int i = 0; i < s->query.n_words; i++) {
        if (s->q_term[i][0] == PW_INDEX_NONE ||
            (s->query.tokens[i].flags & (PW_TOKEN_PARTICLE | PW_TOKEN_INITIAL)))
            continue;
        if (s->q_weight[i] > heaviest_known)
            heaviest_known = s->q_weight[i];
        if (s->query.tokens[i].len > SHORT_WORD && s->q_weight[i] > heaviest_long)
            heaviest_long = s->q_weight[i];
    }
    double gate_weight = 0, full_weight = 0;
    for (int i = 0; i < s->query.n_tokens; i++) {
        const pw_name_token *qt = &s->query.tokens[i];
        s->q_gate[i] = s->q_weight[i];
        bool unknown = s->q_term[i][0] == PW_INDEX_NONE && s->q_term[i][1] == PW_INDEX_NONE;
        if (unknown && heaviest_known > 0 && s->q_gate[i] > heaviest_known)
            s->q_gate[i] = token_weight(qt->flags, heaviest_known);
        if (!unknown && qt->len <= SHORT_WORD && heaviest_long > 0 &&
            !(qt->flags & (PW_TOKEN_ABJAD | PW_TOKEN_SYLLABIC)) &&
            s->q_gate[i] > token_weight(qt->flags, heaviest_long))
            s->q_gate[i] = token_weight(qt->flags, heaviest_long);
        double near = unknown ? neighbour_weight(idx, s->q_hits[i], s->q_nhits[i]) : -1;
        if (near >= 0 && s->q_gate[i] > token_weight(qt->flags, near))
            s->q_gate[i] = token_weight(qt->flags, near);
        if (!(qt->flags & PW_TOKEN_JOINED)) {
            gate_weight += s->q_gate[i];
            full_weight += s->q_weight[i];
            continue;
        }
        double covered = 0;
        for (int w = 0; w < s->query.n_words; w++)
            if (s->query.tokens[w].word >= qt->word &&
                s->query.tokens[w].word < qt->word + qt->span)
                covered += s->q_gate[w];
        if (covered > s->q_gate[i])
            s->q_gate[i] = covered;
    }
    size_t n_top = gather(s, idx, r, (float)(CANDIDATE_MIN_SHARE * gate_weight),
                          (float)(CANDIDATE_MIN_SHARE * full_weight));
    /* Entries that reach the share only because an unknown word counted for less are
     * scored a few at a time (MAX_RELAXED_SCORED, after those that reach it in full,
     * which gather ranks first); gather returned MAX_SCORED entries at most. */
    size_t n_full = 0;
    while (n_full < n_top &&
           s->acc[s->top[n_full]].acc >= (float)(CANDIDATE_MIN_SHARE * full_weight))
        n_full++;
    size_t limit = n_full + MAX_RELAXED_SCORED < n_top ? n_full + MAX_RELAXED_SCORED : n_top;
    prefetch_candidates(s, idx, limit);
    size_t n_out = 0;
    for (size_t c = 0; c < limit; c++) {
        uint32_t ei = s->acc[s->top[c]].entry;
        const pw_entry *e = pw_index_entry(idx, ei);
        if (e->type != PW_ENTRY_INDIVIDUAL)
            continue; /* travellers are people: companies, vessels and aircraft are not */
        /* The evidence beside the name first: it tells the name score the entry needs
         * to reach min_score (none when a document in common may lift it), and
         * align_name skips what cannot reach that. */
        double dob_adj;
        pw_match_explain_dob(t->dob, e, NULL, 0, &dob_adj);
        double nationality = explain_nationality(r, e, NULL, 0);
        double gender = explain_gender(r, e, NULL, 0);
        int doc = compare_documents(r, e, NULL, 0);
        double ocr = doc == 1 ? PW_MATCH_DOCUMENT_OCR : 0;
        double needed = doc ? -1 : min_score - (dob_adj + nationality + gender + ocr);
        if (needed > 1)
            continue; /* no name score (a weighted mean of similarities: at most 1)
                       * makes up for that evidence: no name is aligned */
        const pw_index_name *names;
        size_t nn = pw_index_entry_names(idx, ei, &names);
        /* A date of birth agreeing in full vouches for short words' misspellings
         * (mismatch_similarity): the names are then aligned again so, and what that
         * adds is the date's doing (vouch), told with it; the name score stays the
         * name's alone (worked out again in full when no name reached the score needed
         * without the date's vouching, which is then the name's alone no longer). */
        bool vouches = dob_adj == PW_MATCH_DOB_EXACT || dob_adj == PW_MATCH_DOB_SWAPPED;
        alignment best = {.score = -1}, a;
        const pw_index_name *best_name = NULL;
        double best_score = -1, vouched = -1;
        for (int pass = 0; pass < 3; pass++) {
            /* (0: the name; 1: vouched for by the date; 2: the name alone in full) */
            if (pass == 1 && !vouches)
                break;
            if (pass == 2 && (vouched < 0 || best_score >= 0))
                break;
            double floor = pass == 2 ? 0 : best_score > needed ? best_score : needed;
            double pass_best = -1;
            for (size_t k = 0; k < nn && k < 64 && pass_best < 1; k++) {
                /* (a name scoring 1 cannot be beaten: the other names are not aligned) */
                double factor = names[k].low_quality ? LOW_QUALITY_ALIAS : 1;
                double must_reach = (pass_best > floor ? pass_best : floor) / factor;
                align_name(s, idx, &names[k], must_reach, pass == 1, &a);
                if (a.score < 0)
                    continue; /* could not reach it */
                double sc = a.score * factor;
                if (sc <= pass_best)
                    continue;
                pass_best = sc;
                if (pass == 2) { /* (the vouched alignment stays the one explained) */
                    best_score = sc;
                } else if (pass == 1 && a.n_vouched > 0 && sc > best_score) {
                    vouched = sc;
                    best = a;
                    best_name = &names[k];
                } else if (pass == 0) {
                    best_score = sc;
                    best = a;
                    best_name = &names[k];
                }
            }
        }
        double name_score = best_score > 0 ? best_score : 0;
        double vouch = vouched > name_score ? vouched - name_score : 0;
        double total = name_score + vouch + dob_adj + nationality + gender + ocr;
        if (doc == 2 && total < PW_MATCH_DOCUMENT_EXACT)
            total = PW_MATCH_DOCUMENT_EXACT;
        total = total < 0 ? 0 : total > 1 ? 1 : total;
        if (total < min_score || (!best_name && doc == 0))
            continue;
        const pw_entry_name *name = best_name ? &e->names[best_name->name] : &e->names[0];
        pw_candidate cand = {.entry = e,
                             .name = name,
                             .score = total,
                             .name_score = name_score,
                             .on_name = name_score >= ON_NAME_MIN_SCORE,
                             .on_document = doc > 0};
        char sent[4][256]; /* the evidence in words, for the explanation */
        pw_match_explain_dob(t->dob, e, sent[0], sizeof sent[0], NULL);
        if (vouch > 0)
            vouch_in_words(s, idx, &best, best_name, vouch, sent[0], sizeof sent[0]);
        explain_nationality(r, e, sent[1], sizeof sent[1]);
        explain_gender(r, e, sent[2], sizeof sent[2]);
        compare_documents(r, e, sent[3], sizeof sent[3]);
        const char *sentences[4] = {sent[0], sent[1], sent[2], sent[3]};
        if (best_name) {
            cand.explanation =
                explain(s, idx, &best, best_name, name, name_score, sentences, total, arena);
        } else {
            alignment none = {0};
            pw_index_name empty = {0};
            cand.explanation =
                explain(s, idx, &none, &empty, name, name_score, sentences, total, arena);
        }
        if (!cand.explanation)
            return PW_ENOMEM;
        insert_candidate(s->candidates, &n_out, &cand);
    }
    return (int)n_out;
}
