/*
 * match: finds the watchlist entries a traveller may be, scores them and explains
 * each score.
 *
 * This first matcher is deliberately simple: a candidate is an entry one of whose
 * names (primary, alias or original script) has exactly the traveller's set of folded
 * tokens, in any order. Its name score is 1; a date of birth that contradicts every
 * date the list gives lowers the score to PW_MATCH_DOB_CONTRADICTION (below the
 * shipped thresholds), a missing one does not. Nationality and documents are compared
 * and reported in the explanation but do not change the score yet. The
 * index-and-scorer work replaces the inside of this module behind the same calls.
 *
 * Thread safety: pw_match_record may run in many threads on one shared pw_index, each
 * with its own pw_match_scratch.
 * Ownership: candidates point into the index (entries, names) and into the caller's
 * arena (explanations); they live as long as both.
 */
#ifndef PW_MATCH_H
#define PW_MATCH_H

#include "core/core.h"
#include "index/index.h"

#define PW_MATCH_MAX_CANDIDATES 64
/* Score of a name match whose date of birth contradicts the list. */
#define PW_MATCH_DOB_CONTRADICTION 0.8

typedef struct pw_candidate {
    const pw_entry *entry;
    const pw_entry_name *name; /* the entry name that matched */
    double score;              /* in [0, 1] */
    const char *explanation;   /* JSON object text */
    bool on_name;              /* the name (or an alias) matched */
    bool on_document;          /* a travel document matched */
} pw_candidate;

typedef struct pw_match_scratch pw_match_scratch;

pw_match_scratch *pw_match_scratch_new(void);
void pw_match_scratch_free(pw_match_scratch *s);

/* Finds and scores the candidates for record r, best first, at most
 * PW_MATCH_MAX_CANDIDATES. Explanations are allocated in arena. Returns the count
 * (>= 0) with *out pointing into the scratch until the next call, or PW_ENOMEM. */
int pw_match_record(const pw_index *idx, const pw_record *r, pw_match_scratch *s,
                    pw_arena *arena, const pw_candidate **out);

/* What a record's date of birth says about an entry's dates, as a sentence written
 * into buf. Returns 1 when they agree, -1 when the record's date contradicts every date
 * the list gives, 0 when either side has no date. */
int pw_match_explain_dob(pw_date dob, const pw_entry *e, char *buf, size_t n);

#endif
