/*
 * Candidate generation and scoring (see match.h for the model).
 *
 * The scratch keeps, per index entry, an accumulator stamped with the record it
 * belongs to, so nothing is cleared between records; it is sized to the index the
 * first time it meets it (or a larger one). Token similarity is computed between the
 * record's analysed tokens and the entry's stored terms; the assignment runs on at
 * most PW_MATCH_MAX_WORDS words a side.
 */
#include "match/match.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "names/names.h"

#define PW_MATCH_MAX_WORDS 12
#define MAX_SCORED (PW_MATCH_MAX_CANDIDATES + 8) /* best-accumulated entries fully scored */
#define MAX_TERM_HITS 96          /* terms one record token may expand */
#define MAX_POSTINGS_PER_TERM 2000 /* longer lists are not expanded for candidates */
#define MAX_POSTINGS_PER_NEIGHBOUR 300 /* the same for near neighbours */
#define MAX_POSTINGS_PER_RECORD 20000
#define MAX_UPDATE_SEARCHES 512   /* entries a common term is looked up for */
#define MIN_PAIR_SIMILARITY 0.70  /* below this, two words do not match */
#define UNMATCHED_QUERY_COST 0.5  /* a record word the entry name lacks */
#define UNMATCHED_ENTRY_COST 0.35 /* an entry word the record lacks (lists carry patronymics, four-part names) */
#define PARTICLE_WEIGHT 0.25
#define INITIAL_WEIGHT 0.3
#define SINGLE_WORD_CAP 0.80      /* one word in common is never enough on its own */
#define LOW_QUALITY_ALIAS 0.92    /* factor for aliases the list marks as weak */
#define CANDIDATE_MIN_SHARE 0.5   /* share of the record's name weight a candidate needs */

#define MEMO_SLOTS 4096

/* Per-entry accumulator, stamped with the record (acc) and record token (tok) it
 * belongs to, so nothing is cleared between records; one cache line per touch. */
typedef struct entry_acc {
    uint64_t acc_stamp;
    uint64_t tok_stamp;
    float acc;
    float tok_best;
} entry_acc;

typedef struct sim_detail {
    double similarity;
    const char *how; /* static text for the explanation */
} sim_detail;

typedef struct term_hit {
    uint32_t term;
    float similarity;
} term_hit;

struct pw_match_scratch {
    pw_names_scratch *names;
    pw_name query;
    /* per-entry accumulators, stamped with the record epoch */
    size_t cap_entries;
    entry_acc *ea; /* one per index entry */
    uint64_t epoch;
    uint32_t *touched;
    size_t n_touched;
    uint32_t *tok_touched;
    size_t n_tok_touched;
    double q_weight[PW_NAME_MAX_TOKENS];                 /* weight of each record token */
    uint32_t q_term[PW_NAME_MAX_TOKENS][2];              /* terms of its text and plain keys */
    /* token similarity memo for the current record: (record token, entry term) */
    uint64_t memo_epoch[MEMO_SLOTS];
    uint64_t memo_key[MEMO_SLOTS];
    sim_detail memo_val[MEMO_SLOTS];
    char q_dm[PW_NAME_MAX_TOKENS][2][PW_DMETAPHONE_MAX + 1]; /* its Double Metaphone codes */
    pw_candidate candidates[PW_MATCH_MAX_CANDIDATES];
    pw_strbuf json;
};

pw_match_scratch *pw_match_scratch_new(void)
{
    pw_match_scratch *s = calloc(1, sizeof *s);
    if (s && !(s->names = pw_names_scratch_new())) {
        free(s);
        return NULL;
    }
    return s;
}

void pw_match_scratch_free(pw_match_scratch *s)
{
    if (!s)
        return;
    pw_names_scratch_free(s->names);
    free(s->ea);
    free(s->touched);
    free(s->tok_touched);
    pw_strbuf_free(&s->json);
    free(s);
}

/* Sizes the accumulators to the index; stamps start at zero, epochs at one. */
static int fit_scratch(pw_match_scratch *s, size_t n_entries)
{
    if (n_entries <= s->cap_entries)
        return 0;
    free(s->ea);
    free(s->touched);
    free(s->tok_touched);
    s->ea = calloc(n_entries, sizeof *s->ea);
    s->touched = malloc(n_entries * sizeof *s->touched);
    s->tok_touched = malloc(n_entries * sizeof *s->tok_touched);
    if (!s->ea || !s->touched || !s->tok_touched) {
        s->cap_entries = 0;
        return PW_ENOMEM;
    }
    s->cap_entries = n_entries;
    s->epoch = 0;
    return 0;
}

/* ---- token similarity ------------------------------------------------------------ */

/* True for a token with at most one vowel in three letters: the consonant-only
 * romanisation of Arabic or Hebrew script, where a skeleton is the best key. */
static bool vowel_poor(const char *text, size_t len)
{
    size_t vowels = 0;
    for (size_t i = 0; i < len; i++)
        vowels += strchr("AEIOUY", text[i]) != NULL;
    return len >= 3 && vowels * 3 < len;
}


static bool is_initial_of(const char *initial, const char *word)
{
    return initial[0] && !initial[1] && word[0] == initial[0];
}

/* How alike a record token and an entry term are, and why: the record token's own
 * terms first (integer compares), then edit distance, skeleton, sound and
 * Jaro-Winkler. */
static sim_detail term_similarity(const pw_index *idx, const pw_name_token *q, bool q_translit,
                                  const uint32_t qterm[2], const char qdm[2][PW_DMETAPHONE_MAX + 1],
                                  uint32_t term, uint32_t plain, uint16_t eflags)
{
    if (qterm[0] == term)
        return (sim_detail){1.0, "exact"};
    if ((qterm[1] != PW_INDEX_NONE && (qterm[1] == plain || qterm[1] == term)) ||
        (qterm[0] != PW_INDEX_NONE && qterm[0] == plain))
        return (sim_detail){0.97, "transliteration variant"};
    const char *et = pw_index_term_text(idx, term);
    bool q_initial = (q->flags & PW_TOKEN_INITIAL) != 0;
    bool e_initial = (eflags & PW_TOKEN_INITIAL) != 0;
    if (q_initial || e_initial) {
        if ((q_initial && is_initial_of(q->text, et)) || (e_initial && is_initial_of(et, q->text)))
            return (sim_detail){0.85, "initial"};
        return (sim_detail){0, "different"};
    }
    size_t lq = q->len, le = pw_index_term_len(idx, term);
    size_t longer = lq > le ? lq : le;
    size_t diff = lq > le ? lq - le : le - lq;
    int max_d = longer >= 8 ? 2 : longer >= 4 ? 1 : 0;
    sim_detail best = {0, "different"};
    if (max_d > 0 && diff <= (size_t)max_d) {
        int d = pw_osa_distance(q->text, lq, et, le, max_d);
        if (d <= max_d) {
            double sim = 1.0 - 0.9 * (double)d / (double)longer;
            if (d == 1 && longer >= 5)
                sim = sim > 0.9 ? sim : 0.9;
            best = (sim_detail){sim, d == 1 ? "one edit" : "two edits"};
        }
    }
    if (best.similarity >= 0.9)
        return best;
    /* Sound, skeleton and Jaro-Winkler, combined: a consonant skeleton in common is
     * strong evidence only where a romanisation dropped the vowels (a transliterated,
     * vowel-poor side) or where the two also sound alike. */
    const char *es = pw_index_term_skeleton(idx, term);
    bool skeleton = q->skeleton[0] && q->skeleton[1] && strcmp(q->skeleton, es) == 0;
    bool vowel_less = (q_translit && vowel_poor(q->text, lq)) ||
                      ((eflags & PW_INDEX_TOKEN_TRANSLITERATED) && vowel_poor(et, le));
    bool phon = false;
    double jw = 0;
    if (lq >= 3 && le >= 3 && diff <= 3) {
        char p[5], a[5];
        pw_index_term_phonetic(idx, term, p, a);
        phon = qdm[0][0] && (strcmp(qdm[0], p) == 0 || strcmp(qdm[0], a) == 0 ||
                             strcmp(qdm[1], p) == 0 || strcmp(qdm[1], a) == 0);
        jw = pw_jaro_winkler(q->text, lq, et, le);
    }
    if (skeleton && (vowel_less || phon))
        return (sim_detail){0.9, phon ? "same skeleton and sound" : "same consonant skeleton"};
    if (phon && jw >= 0.80 && best.similarity < 0.82)
        best = (sim_detail){0.82, "sounds alike"};
    if (jw >= 0.92 && best.similarity < jw - 0.06)
        best = (sim_detail){jw - 0.06, "Jaro-Winkler"};
    if (skeleton && best.similarity < 0.78)
        best = (sim_detail){0.78, "same consonant skeleton"};
    return best;
}

/* term_similarity through the per-record memo. */
static sim_detail token_similarity(pw_match_scratch *s, const pw_index *idx, int qi,
                                   const pw_index_token *e)
{
    uint64_t key = ((uint64_t)qi << 34) | ((e->flags & PW_TOKEN_INITIAL) ? 1ull << 32 : 0) |
                   ((e->flags & PW_INDEX_TOKEN_TRANSLITERATED) ? 1ull << 33 : 0) | e->term;
    size_t h = (size_t)((key * 0x9e3779b97f4a7c15ULL) >> 52) & (MEMO_SLOTS - 1);
    if (s->memo_epoch[h] == s->epoch && s->memo_key[h] == key)
        return s->memo_val[h];
    sim_detail d = term_similarity(idx, &s->query.tokens[qi], s->query.non_latin, s->q_term[qi],
                                   s->q_dm[qi], e->term, e->plain, e->flags);
    s->memo_epoch[h] = s->epoch;
    s->memo_key[h] = key;
    s->memo_val[h] = d;
    return d;
}

/* ---- the assignment ------------------------------------------------------------------ */

/* Maximum-weight assignment on an n x m matrix (n, m <= PW_MATCH_MAX_WORDS) with the
 * Hungarian algorithm on a square padded cost matrix. assign[i] = j or -1. */
static void hungarian(const double w[PW_MATCH_MAX_WORDS][PW_MATCH_MAX_WORDS], int n, int m,
                      int assign[PW_MATCH_MAX_WORDS])
{
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

/* One side of an alignment: the tokens standing for the name's words, either the
 * words themselves or with joined variants replacing the words they cover. */
typedef struct unit_set {
    int tok[PW_MATCH_MAX_WORDS];
    int n;
} unit_set;

/* The tokens of one side as alignment units, by mode: 0 its words; 1 its particle,
 * hyphen and apostrophe joins (non-overlapping) and the words they leave; 2 its
 * whole-name join. */
static void units_of_words(const uint16_t *flags, const uint8_t *word, const uint8_t *span,
                           int n_tokens, int mode, unit_set *out)
{
    out->n = 0;
    uint32_t covered = 0;
    if (mode > 0)
        for (int t = 0; t < n_tokens && out->n < PW_MATCH_MAX_WORDS; t++) {
            bool whole = (flags[t] & PW_INDEX_TOKEN_WHOLE) != 0;
            if (!(flags[t] & PW_TOKEN_JOINED) || whole != (mode == 2))
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
} alignment;

/* Aligns the query with one analysed entry name, trying plain words and joined forms
 * on each side, and keeps the best. */
static void align_name(pw_match_scratch *s, const pw_index *idx, const pw_index_name *in,
                       alignment *best)
{
    const pw_name *q = &s->query;
    const pw_index_token *et = pw_index_name_tokens(idx, in);
    uint16_t qflags[PW_NAME_MAX_TOKENS], eflags[PW_NAME_MAX_TOKENS];
    uint8_t qword[PW_NAME_MAX_TOKENS], qspan[PW_NAME_MAX_TOKENS];
    uint8_t eword[PW_NAME_MAX_TOKENS], espan[PW_NAME_MAX_TOKENS];
    int q_modes = 1, e_modes = 1; /* segmentation modes each side offers: 1 to 3 */
    for (int t = 0; t < q->n_tokens; t++) {
        qflags[t] = q->tokens[t].flags;
        qword[t] = q->tokens[t].word;
        qspan[t] = q->tokens[t].span;
        if (qflags[t] & PW_TOKEN_JOINED)
            q_modes = (qflags[t] & PW_INDEX_TOKEN_WHOLE) ? 3 : (q_modes > 2 ? 3 : 2);
    }
    int n_et = in->n_tokens < PW_NAME_MAX_TOKENS ? in->n_tokens : PW_NAME_MAX_TOKENS;
    for (int t = 0; t < n_et; t++) {
        eflags[t] = et[t].flags;
        eword[t] = et[t].word;
        espan[t] = et[t].span;
        if (eflags[t] & PW_TOKEN_JOINED)
            e_modes = (eflags[t] & PW_INDEX_TOKEN_WHOLE) ? 3 : (e_modes > 2 ? 3 : 2);
    }
    best->score = -1;
    for (int qj = 0; qj < q_modes; qj++)
        for (int ej = 0; ej < e_modes; ej++) {
            alignment a = {0};
            units_of_words(qflags, qword, qspan, q->n_tokens, qj, &a.qu);
            units_of_words(eflags, eword, espan, n_et, ej, &a.eu);
            double w[PW_MATCH_MAX_WORDS][PW_MATCH_MAX_WORDS];
            sim_detail det[PW_MATCH_MAX_WORDS][PW_MATCH_MAX_WORDS];
            double wq[PW_MATCH_MAX_WORDS], we[PW_MATCH_MAX_WORDS];
            for (int i = 0; i < a.qu.n; i++)
                wq[i] = s->q_weight[a.qu.tok[i]];
            for (int j = 0; j < a.eu.n; j++) {
                const pw_index_token *t = &et[a.eu.tok[j]];
                we[j] = token_weight(t->flags, pw_index_term_weight(idx, t->term));
            }
            for (int i = 0; i < a.qu.n; i++)
                for (int j = 0; j < a.eu.n; j++) {
                    det[i][j] = token_similarity(s, idx, a.qu.tok[i], &et[a.eu.tok[j]]);
                    double sim = det[i][j].similarity;
                    w[i][j] = sim >= MIN_PAIR_SIMILARITY ? sim * (wq[i] + we[j]) : 0;
                }
            int assign[PW_MATCH_MAX_WORDS];
            hungarian(w, a.qu.n, a.eu.n, assign);
            double num = 0, den = 0;
            for (int i = 0; i < a.qu.n; i++) {
                int j = assign[i];
                if (j < 0) {
                    den += UNMATCHED_QUERY_COST * wq[i];
                    continue;
                }
                double pw = wq[i] + we[j];
                num += det[i][j].similarity * pw;
                den += pw;
                a.matched_q[i] = a.matched_e[j] = true;
                a.q_tok[a.n_pairs] = a.qu.tok[i];
                a.e_tok[a.n_pairs] = a.eu.tok[j];
                a.sim[a.n_pairs] = det[i][j].similarity;
                a.how[a.n_pairs] = det[i][j].how;
                a.n_pairs++;
            }
            for (int j = 0; j < a.eu.n; j++)
                if (!a.matched_e[j])
                    den += UNMATCHED_ENTRY_COST * we[j];
            a.score = den > 0 ? num / den : 0;
            /* One word in common is weak evidence unless both names are one word. */
            /* One word in common is weak evidence, unless both names are that one word
             * (a mononym), or an initial agrees too (A. KHAMENEI). A joined unit counts
             * for the words it covers. */
            int words = 0, initials = 0;
            for (int k = 0; k < a.n_pairs; k++) {
                uint16_t f = q->tokens[a.q_tok[k]].flags;
                if (f & PW_TOKEN_INITIAL)
                    initials++;
                else if (!(f & PW_TOKEN_PARTICLE))
                    words += q->tokens[a.q_tok[k]].span > 1 ? 2 : 1;
            }
            bool mononym = a.qu.n == 1 && a.eu.n == 1 && q->n_words == 1 && in->n_words == 1;
            if (words == 0)
                a.score = 0;
            else if (words == 1 && initials == 0 && !mononym && a.score > SINGLE_WORD_CAP)
                a.score = SINGLE_WORD_CAP;
            if (a.score > best->score)
                *best = a;
        }
}

/* ---- evidence ------------------------------------------------------------------------ */

static bool date_in_range(pw_date d, pw_date from, pw_date to)
{
    return pw_date_compare(d, from) >= 0 && pw_date_compare(d, to) <= 0;
}

int pw_match_explain_dob(pw_date dob, const pw_entry *e, char *buf, size_t n, double *adjust)
{
    char rec[11];
    pw_date_format(dob, rec);
    if (adjust)
        *adjust = 0;
    if (!pw_date_is_set(dob)) {
        snprintf(buf, n, "record has no date of birth: neither for nor against");
        return 0;
    }
    if (e->n_dobs == 0) {
        snprintf(buf, n, "list gives no date of birth: neither for nor against");
        return 0;
    }
    double best = -1;
    const char *how = NULL;
    int best_i = 0, close_i = -1;
    for (size_t i = 0; i < e->n_dobs; i++) {
        const pw_dob *d = &e->dobs[i];
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
            how = h;
            best_i = (int)i;
        }
        int years = abs(dob.year - d->from.year);
        int tolerance = d->kind == PW_DOB_APPROX ? 5 : 1;
        bool near = d->kind == PW_DOB_RANGE
                        ? dob.year >= d->from.year - 1 && dob.year <= d->to.year + 1
                        : years <= tolerance;
        if (near && close_i < 0)
            close_i = (int)i;
    }
    char lst[32];
    if (best >= 0) {
        pw_dob_format(&e->dobs[best_i], lst);
        snprintf(buf, n, "record %s %s list %s (%+.2f)", rec, how, lst, best);
        if (adjust)
            *adjust = best;
        return 1;
    }
    if (close_i >= 0) {
        pw_dob_format(&e->dobs[close_i], lst);
        snprintf(buf, n, "record %s is close to list %s (+0.00)", rec, lst);
        return 0;
    }
    pw_dob_format(&e->dobs[0], lst);
    snprintf(buf, n, "record %s contradicts list %s%s (%+.2f)", rec, lst,
             e->n_dobs > 1 ? " and the list's other dates" : "", PW_MATCH_DOB_CONTRADICTS);
    if (adjust)
        *adjust = PW_MATCH_DOB_CONTRADICTS;
    return -1;
}

static double explain_nationality(const pw_record *r, const pw_entry *e, char *buf, size_t n)
{
    const char *nat = r->traveller.nationality;
    if (!nat || e->n_nationalities == 0) {
        snprintf(buf, n, "%s", nat ? "list gives no nationality" : "record has no nationality");
        return 0;
    }
    for (size_t i = 0; i < e->n_nationalities; i++)
        if (strcmp(nat, e->nationalities[i]) == 0) {
            snprintf(buf, n, "record %s agrees with list (%+.2f)", nat,
                     PW_MATCH_NATIONALITY_AGREES);
            return PW_MATCH_NATIONALITY_AGREES;
        }
    snprintf(buf, n, "record %s differs from list %s%s (%+.2f)", nat, e->nationalities[0],
             e->n_nationalities > 1 ? " and others" : "", PW_MATCH_NATIONALITY_DIFFERS);
    return PW_MATCH_NATIONALITY_DIFFERS;
}

static double explain_gender(const pw_record *r, const pw_entry *e, char *buf, size_t n)
{
    char g = r->traveller.gender;
    if ((g != 'M' && g != 'F') || (e->gender != 'M' && e->gender != 'F')) {
        snprintf(buf, n, "not compared");
        return 0;
    }
    if (g == e->gender) {
        snprintf(buf, n, "record %c agrees with list", g);
        return 0;
    }
    snprintf(buf, n, "record %c differs from list %c (%+.2f)", g, e->gender,
             PW_MATCH_GENDER_DIFFERS);
    return PW_MATCH_GENDER_DIFFERS;
}

/* Compares the record's documents with the entry's: 2 for number (and issuer, when
 * both give one) agreeing, 1 for agreement only after OCR folding, 0 otherwise. */
static int compare_documents(const pw_record *r, const pw_entry *e, char *buf, size_t n)
{
    if (r->traveller.n_documents == 0 || e->n_documents == 0) {
        snprintf(buf, n, "%s", r->traveller.n_documents ? "list gives no document"
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
                snprintf(buf, n, "document number agrees%s (score at least %.2f)",
                         ri && li ? ", same issuer" : "", PW_MATCH_DOCUMENT_EXACT);
                return 2;
            }
            pw_index_document_key(r->traveller.documents[i].number, true, a, sizeof a);
            pw_index_document_key(e->documents[j].number, true, b, sizeof b);
            if (strcmp(a, b) == 0 && issuer_ok)
                best = 1;
        }
    if (best == 1)
        snprintf(buf, n, "document number agrees after OCR folding (O/0, I/1, S/5, B/8) (%+.2f)",
                 PW_MATCH_DOCUMENT_OCR);
    else
        snprintf(buf, n, "no document number in common");
    return best;
}

/* ---- candidates ----------------------------------------------------------------------- */

/* Adds similarity x weight of one record token to every entry posted under term. */
static size_t expand_term(pw_match_scratch *s, const pw_index *idx, uint32_t term, float gain,
                          bool gain_is_exact, uint64_t tok_epoch, size_t budget)
{
    const pw_index_posting *p;
    size_t n = pw_index_term_postings(idx, term, &p);
    /* A near neighbour (edit, sound, skeleton) that many entries share is a common name:
     * its entries come through their exact spellings or not at all. */
    size_t limit = gain_is_exact ? MAX_POSTINGS_PER_TERM : MAX_POSTINGS_PER_NEIGHBOUR;
    if (n > limit || n > budget)
        return 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t e = p[i].entry;
        if (s->ea[e].tok_stamp != tok_epoch) {
            s->ea[e].tok_stamp = tok_epoch;
            s->ea[e].tok_best = gain;
            s->tok_touched[s->n_tok_touched++] = e;
        } else if (gain > s->ea[e].tok_best) {
            s->ea[e].tok_best = gain;
        }
    }
    return n;
}

/* Like expand_term for entries already found only: each is looked up in the term's
 * postings (sorted by entry) by binary search, or the postings are walked when that is
 * cheaper. Returns the work done. */
static size_t update_term(pw_match_scratch *s, const pw_index *idx, uint32_t term, float gain,
                          uint64_t tok_epoch, uint64_t epoch)
{
    const pw_index_posting *p;
    size_t n = pw_index_term_postings(idx, term, &p);
    if (n > MAX_POSTINGS_PER_TERM && s->n_touched > MAX_UPDATE_SEARCHES)
        return 0; /* a very common term, many candidates: it cannot change the ranking much */
    if (n <= s->n_touched * 4) {
        for (size_t i = 0; i < n; i++) {
            uint32_t e = p[i].entry;
            if (s->ea[e].acc_stamp != epoch)
                continue;
            if (s->ea[e].tok_stamp != tok_epoch) {
                s->ea[e].tok_stamp = tok_epoch;
                s->ea[e].tok_best = gain;
                s->tok_touched[s->n_tok_touched++] = e;
            } else if (gain > s->ea[e].tok_best) {
                s->ea[e].tok_best = gain;
            }
        }
        return n;
    }
    for (size_t i = 0; i < s->n_touched; i++) {
        uint32_t e = s->touched[i];
        size_t lo = 0, hi = n;
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            if (p[mid].entry < e)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo == n || p[lo].entry != e)
            continue;
        if (s->ea[e].tok_stamp != tok_epoch) {
            s->ea[e].tok_stamp = tok_epoch;
            s->ea[e].tok_best = gain;
            s->tok_touched[s->n_tok_touched++] = e;
        } else if (gain > s->ea[e].tok_best) {
            s->ea[e].tok_best = gain;
        }
    }
    return s->n_touched;
}

static void add_hit(term_hit *hits, size_t *n, uint32_t term, float sim)
{
    for (size_t i = 0; i < *n; i++)
        if (hits[i].term == term) {
            if (sim > hits[i].similarity)
                hits[i].similarity = sim;
            return;
        }
    if (*n < MAX_TERM_HITS)
        hits[(*n)++] = (term_hit){term, sim};
}

/* A skeleton or phonetic neighbour is worth expanding only when it also looks alike
 * (or one side lost its vowels to a romanisation). */
static bool plausible_neighbour(const pw_index *idx, const pw_name_token *t, uint32_t term,
                                bool skeleton)
{
    size_t le = pw_index_term_len(idx, term);
    if ((le > t->len ? le - t->len : t->len - le) > 3)
        return false;
    const char *et = pw_index_term_text(idx, term);
    if (skeleton && (vowel_poor(t->text, t->len) || vowel_poor(et, le)))
        return true; /* a possible consonant-only romanisation: the scorer decides */
    return et[0] == t->text[0] && pw_jaro_winkler(t->text, t->len, et, le) >= 0.8;
}

/* Looks one record token up every way the index allows: exact and transliteration
 * variant, bounded edit distance, then plausible skeleton and phonetic neighbours. */
static size_t lookup_token(const pw_index *idx, const pw_name_token *t, term_hit *hits,
                           const uint32_t qterm[2], const char dm[2][PW_DMETAPHONE_MAX + 1])
{
    size_t n = 0;
    if (qterm[0] != PW_INDEX_NONE)
        add_hit(hits, &n, qterm[0], 1.0f);
    if (qterm[1] != PW_INDEX_NONE)
        add_hit(hits, &n, qterm[1], 0.97f);
    if (t->flags & PW_TOKEN_INITIAL)
        return n;
    pw_fuzzy_hit fz[32];
    /* A whole-name join is matched by exact spelling only (the index holds no edit
     * variants of them either). */
    size_t k = (t->flags & PW_INDEX_TOKEN_WHOLE) ? 0 : pw_index_fuzzy_terms(idx, t->text, fz, 32);
    for (size_t i = 0; i < k; i++)
        add_hit(hits, &n, fz[i].term, fz[i].distance == 1 ? 0.9f : 0.8f);
    const uint32_t *ids;
    k = t->skeleton[0] && t->skeleton[1] ? pw_index_terms_by_skeleton(idx, t->skeleton, &ids) : 0;
    for (size_t i = 0; i < k && i < 64; i++)
        if (plausible_neighbour(idx, t, ids[i], true))
            add_hit(hits, &n, ids[i], 0.85f);
    if (t->len >= 3)
        for (int c = 0; c < 2; c++) {
            const char *code = dm[c];
            if (!code[0] || (c && strcmp(dm[1], dm[0]) == 0))
                continue;
            k = pw_index_terms_by_phonetic(idx, code, &ids);
            for (size_t i = 0; i < k && i < 64; i++)
                if (plausible_neighbour(idx, t, ids[i], false))
                    add_hit(hits, &n, ids[i], 0.82f);
        }
    return n;
}

static int compare_acc(const void *a, const void *b, void *ctx)
{
    const entry_acc *ea = ctx;
    float x = ea[*(const uint32_t *)a].acc, y = ea[*(const uint32_t *)b].acc;
    return x < y ? 1 : x > y ? -1 : (*(const uint32_t *)a > *(const uint32_t *)b) - (*(const uint32_t *)a < *(const uint32_t *)b);
}

/* Collects candidate entries: accumulated weight over the record's tokens, plus
 * entries holding one of its documents. Returns the count in s->touched, best first,
 * of those whose accumulated weight reaches min_acc. */
static size_t gather(pw_match_scratch *s, const pw_index *idx, const pw_record *r, float min_acc)
{
    uint64_t epoch = ++s->epoch;
    s->n_touched = 0;
    size_t budget = MAX_POSTINGS_PER_RECORD;
    term_hit hits[MAX_TERM_HITS];
    /* Rarest tokens first: once the tokens left cannot lift an untouched entry to
     * min_acc, common tokens only add to entries already found (max-score pruning). */
    int order[PW_NAME_MAX_TOKENS];
    double remaining = 0;
    for (int qi = 0; qi < s->query.n_tokens; qi++) {
        order[qi] = qi;
        remaining += s->q_weight[qi];
    }
    for (int i = 1; i < s->query.n_tokens; i++)
        for (int k = i; k > 0 && s->q_weight[order[k]] > s->q_weight[order[k - 1]]; k--) {
            int tmp = order[k];
            order[k] = order[k - 1];
            order[k - 1] = tmp;
        }
    for (int oi = 0; oi < s->query.n_tokens; oi++) {
        int qi = order[oi];
        const pw_name_token *t = &s->query.tokens[qi];
        bool update_only = remaining < min_acc;
        remaining -= s->q_weight[qi];
        uint64_t tok_epoch = epoch * 64 + (uint64_t)qi + 1;
        s->n_tok_touched = 0;
        size_t nh = lookup_token(idx, t, hits, s->q_term[qi], s->q_dm[qi]);
        for (size_t h = 0; h < nh && budget; h++) {
            float gain = hits[h].similarity * (float)s->q_weight[qi];
            budget -= update_only ? update_term(s, idx, hits[h].term, gain, tok_epoch, epoch)
                                  : expand_term(s, idx, hits[h].term, gain,
                                                hits[h].similarity >= 0.97f, tok_epoch, budget);
        }
        for (size_t i = 0; i < s->n_tok_touched; i++) {
            uint32_t e = s->tok_touched[i];
            if (s->ea[e].acc_stamp != epoch) {
                s->ea[e].acc_stamp = epoch;
                s->ea[e].acc = 0;
                s->touched[s->n_touched++] = e;
            }
            s->ea[e].acc += s->ea[e].tok_best;
        }
    }
    for (size_t d = 0; d < r->traveller.n_documents; d++) {
        pw_index_doc_hit dh[8];
        size_t n = pw_index_documents(idx, r->traveller.documents[d].number, dh, 8);
        for (size_t i = 0; i < n; i++) {
            uint32_t e = dh[i].entry;
            if (s->ea[e].acc_stamp != epoch) {
                s->ea[e].acc_stamp = epoch;
                s->ea[e].acc = 0;
                s->touched[s->n_touched++] = e;
            }
            s->ea[e].acc += 100.0f; /* a document in common always gets scored */
        }
    }
    /* Keep only entries that share enough of the name (or a document), then rank. */
    size_t kept = 0;
    for (size_t i = 0; i < s->n_touched; i++)
        if (s->ea[s->touched[i]].acc >= min_acc)
            s->touched[kept++] = s->touched[i];
    s->n_touched = kept;
    if (s->n_touched > 1)
        qsort_r(s->touched, s->n_touched, sizeof *s->touched, compare_acc, s->ea);
    return s->n_touched;
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
        pw_strbuf_printf(j, ",\"similarity\":%.2f}", a->sim[k]);
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
    char on[64];
    snprintf(on, sizeof on, "%s%s%s", pw_name_kind_name(name->kind),
             name->quality != PW_QUALITY_UNKNOWN ? " " : "",
             name->quality != PW_QUALITY_UNKNOWN ? pw_alias_quality_name(name->quality) : "");
    pw_strbuf_append(j, ",\"matched_on\":");
    pw_strbuf_append_json(j, on);
    pw_strbuf_printf(j, ",\"name_score\":%.2f", name_score);
    static const char *const keys[4] = {"dob", "nationality", "gender", "document"};
    for (int k = 0; k < 4; k++) {
        pw_strbuf_printf(j, ",\"%s\":", keys[k]);
        pw_strbuf_append_json(j, sentences[k]);
    }
    pw_strbuf_printf(j, ",\"score\":%.2f}", score);
    if (j->oom)
        return NULL;
    return pw_arena_strndup(arena, j->data, j->len);
}

/* ---- the whole record ---------------------------------------------------------------- */

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
    if (fit_scratch(s, pw_index_entry_count(idx)))
        return PW_ENOMEM;
    const pw_traveller *t = &r->traveller;
    if (pw_name_analyse(s->names, t->full_name, t->surname, t->given_names, &s->query))
        return PW_ENOMEM;
    pw_index_add_whole_join(&s->query);
    if (s->query.n_tokens == 0 && t->n_documents == 0)
        return 0;
    double query_weight = 0;
    for (int i = 0; i < s->query.n_tokens; i++) {
        const pw_name_token *qt = &s->query.tokens[i];
        uint32_t term = pw_index_find_term(idx, qt->text);
        s->q_term[i][0] = term;
        s->q_term[i][1] = strcmp(qt->plain, qt->text) == 0 ? PW_INDEX_NONE
                                                             : pw_index_find_term(idx, qt->plain);
        double base = term == PW_INDEX_NONE ? pw_index_unknown_weight(idx)
                                            : pw_index_term_weight(idx, term);
        s->q_weight[i] = token_weight(qt->flags, base);
        if (!(qt->flags & PW_TOKEN_JOINED))
            query_weight += s->q_weight[i];
        pw_double_metaphone(qt->text, PW_DMETAPHONE_MAX, s->q_dm[i][0], s->q_dm[i][1]);
    }
    size_t n_touched = gather(s, idx, r, (float)(CANDIDATE_MIN_SHARE * query_weight));
    size_t n_out = 0;
    for (size_t c = 0; c < n_touched && c < MAX_SCORED; c++) {
        uint32_t ei = s->touched[c];
        const pw_entry *e = pw_index_entry(idx, ei);
        if (e->type != PW_ENTRY_INDIVIDUAL)
            continue; /* travellers are people: companies, vessels and aircraft are not */
        const pw_index_name *names;
        size_t nn = pw_index_entry_names(idx, ei, &names);
        alignment best = {.score = -1}, a;
        const pw_index_name *best_name = NULL;
        double best_score = -1;
        for (size_t k = 0; k < nn && k < 64; k++) {
            align_name(s, idx, &names[k], &a);
            double sc = a.score;
            if (e->names[names[k].name].quality == PW_QUALITY_LOW)
                sc *= LOW_QUALITY_ALIAS;
            if (sc > best_score) {
                best_score = sc;
                best = a;
                best_name = &names[k];
            }
        }
        double name_score = best_score > 0 ? best_score : 0;
        char sent[4][256];
        double dob_adj, total = name_score;
        pw_match_explain_dob(t->dob, e, sent[0], sizeof sent[0], &dob_adj);
        total += dob_adj;
        total += explain_nationality(r, e, sent[1], sizeof sent[1]);
        total += explain_gender(r, e, sent[2], sizeof sent[2]);
        int doc = compare_documents(r, e, sent[3], sizeof sent[3]);
        if (doc == 1)
            total += PW_MATCH_DOCUMENT_OCR;
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
                             .on_name = name_score >= (min_score > 0.5 ? min_score : 0.5),
                             .on_document = doc > 0};
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
