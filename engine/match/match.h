/*
 * match: finds the watchlist entries a traveller may be, scores them and explains
 * each score.
 *
 * Candidate generation: the record's name is analysed (engine/names) and each of its
 * tokens is looked up in the index by exact spelling, transliteration variant,
 * consonant skeleton, Double Metaphone code and bounded edit distance, and by its
 * initial where few list names hold it; two adjacent record words are also looked up
 * joined (SAID ULLAH as SAIDULLAH) when a list holds that spelling or, one of the two
 * being a fragment in no list or of three letters at most, a misspelling of it within
 * the edits a word of that length may have (OULDEL AMA for OULD EL AMAR, JALAL DUIDN
 * for JALALUDDIN, ABUL LAH for ABDULLAH). Each matching
 * term's postings add the token's rarity weight (a join's: the words it joins) to an
 * accumulator per entry; common terms with long posting lists are not expanded, and
 * the work per record is capped. Entries that gather half the record's name weight
 * (a word no list holds counting no more than the heaviest word a list holds, so one
 * misspelt word cannot veto, nor more than the commonest list word it is a close
 * spelling of, so a romanisation without vowels, MHMD, weighs what MOHAMMAD weighs;
 * the few entries that pass only thanks to that are scored a dozen at most), best
 * first and shortest name first among equals, and entries holding one of the
 * record's documents, go on to scoring. Travellers are people:
 * entries that are entities, vessels or aircraft are never candidates.
 *
 * Scoring: for every name of a candidate entry, the record's words and the name's
 * words are aligned by an optimal assignment (Hungarian algorithm), not left to right,
 * also trying joined forms of particles and hyphenated words on either side (and the
 * record's without the joins of two words it was given). Each pair
 * scores a similarity in [0, 1] (exact, transliteration variant, skeleton, phonetic,
 * edit distance, Jaro-Winkler, initials) and weighs by rarity. Words left over on both
 * sides are mismatches and cost their full weight, less a credit for a heavy
 * misspelling; words only one side has (middle names, patronymics) cost less, a
 * list's middle name least when the record has the words around it. Some
 * pairs are never spelling variants: two romanised Han or Hangul syllables that
 * differ, a Slavic surname's feminine and masculine forms, a son's name aligned with
 * his father's across BIN; see match.c. Then date of birth,
 * nationality, gender and documents raise or lower the score, each by a documented
 * amount (see PW_MATCH_* below). The result is in [0, 1]; the explanation records
 * every contribution.
 *
 * Thread safety: pw_match_record may run in many threads on one shared pw_index, each
 * with its own pw_match_scratch (sized to the most one record can touch in the index).
 * The scratches share one process-wide cache of word look-ups (about 14 MB, mapped at
 * the first look-up and kept for the life of the process), guarded by mutexes.
 * Ownership: candidates point into the index (entries, names) and into the caller's
 * arena (explanations); they live as long as both.
 */
#ifndef PW_MATCH_H
#define PW_MATCH_H

#include "core/core.h"
#include "index/index.h"

#define PW_MATCH_MAX_CANDIDATES 16 /* candidates returned per record (a few more are scored) */

/* Evidence adjustments added to the name score (then clamped to [0, 1]). */
#define PW_MATCH_DOB_EXACT 0.10       /* same full date: one person in about 20,000 (sixty
                                         years of birth dates) shares it by chance; a full
                                         date agreeing (or swapped) also vouches for a
                                         short word's misspelling (see match.c) */
#define PW_MATCH_DOB_PARTIAL 0.03     /* same year-month */
#define PW_MATCH_DOB_YEAR 0.01        /* same year only, or within a range of years: one
                                         person in sixty shares a birth year */
#define PW_MATCH_DOB_SWAPPED 0.05     /* day and month swapped */
#define PW_MATCH_DOB_CONTRADICTS -0.25 /* differs by more than a year (approximate list
                                          dates: by more than five) */
#define PW_MATCH_NATIONALITY_AGREES 0.02
#define PW_MATCH_NATIONALITY_DIFFERS -0.03
#define PW_MATCH_GENDER_DIFFERS -0.10
#define PW_MATCH_DOCUMENT_EXACT 0.97  /* floor of the score when a document number and
                                         issuer agree */
#define PW_MATCH_DOCUMENT_OCR 0.10    /* number agrees only after OCR folding */

typedef struct pw_candidate {
    const pw_entry *entry;
    const pw_entry_name *name; /* the entry name that matched best */
    double score;              /* in [0, 1] */
    double name_score;         /* the name alone, in [0, 1] */
    const char *explanation;   /* JSON object text */
    bool on_name;              /* the name (or an alias) matched */
    bool on_document;          /* a travel document matched */
} pw_candidate;

typedef struct pw_match_scratch pw_match_scratch;

pw_match_scratch *pw_match_scratch_new(void);
void pw_match_scratch_free(pw_match_scratch *s);

/* Finds and scores the candidates for record r, best first, at most
 * PW_MATCH_MAX_CANDIDATES, dropping those whose score is below min_score. Explanations
 * are allocated in arena. Returns the count (>= 0) with *out pointing into the scratch
 * until the next call, or PW_ENOMEM. */
int pw_match_record(const pw_index *idx, const pw_record *r, double min_score,
                    pw_match_scratch *s, pw_arena *arena, const pw_candidate **out);

/* What a record's date of birth says about an entry's dates, as a sentence written
 * into buf (nothing is written when buf is NULL). Returns 1 when they agree, -1 when
 * the record's date contradicts every date the list gives, 0 when either side has no
 * date or the dates are merely close. *adjust (may be NULL) receives the score
 * adjustment. */
int pw_match_explain_dob(pw_date dob, const pw_entry *e, char *buf, size_t n, double *adjust);

#endif
