/*
 * The first matcher: token-set equality through the index, then field comparisons
 * for the explanation. The record's names (given + surname, and full_name) are folded
 * into token-set keys, looked up, and the postings are grouped per entry (the primary
 * name wins over an alias that has the same tokens).
 */
#include "match/match.h"

#include <stdlib.h>
#include <string.h>

#include "names/names.h"

struct pw_match_scratch {
    pw_names_scratch *names;
    pw_candidate candidates[PW_MATCH_MAX_CANDIDATES];
    const char *keys[PW_MATCH_MAX_CANDIDATES]; /* the token-set key each one matched */
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
    pw_strbuf_free(&s->json);
    free(s);
}

/* True when date d lies in [from, to] at the precision each side has. */
static bool date_in_range(pw_date d, pw_date from, pw_date to)
{
    return pw_date_compare(d, from) >= 0 && pw_date_compare(d, to) <= 0;
}

int pw_match_explain_dob(pw_date dob, const pw_entry *e, char *buf, size_t n)
{
    char rec[11];
    pw_date_format(dob, rec);
    if (!pw_date_is_set(dob)) {
        snprintf(buf, n, "record has no date of birth: neither for nor against");
        return 0;
    }
    if (e->n_dobs == 0) {
        snprintf(buf, n, "list gives no date of birth for record %s: neither for nor against",
                 rec);
        return 0;
    }
    for (size_t i = 0; i < e->n_dobs; i++) {
        const pw_dob *d = &e->dobs[i];
        char lst[32];
        pw_dob_format(d, lst);
        bool agrees = d->kind == PW_DOB_RANGE ? date_in_range(dob, d->from, d->to)
                                              : pw_date_compare(dob, d->from) == 0;
        if (agrees) {
            snprintf(buf, n, "record %s agrees with list %s", rec, lst);
            return 1;
        }
    }
    char first[32];
    pw_dob_format(&e->dobs[0], first);
    snprintf(buf, n, "record %s contradicts list %s%s", rec, first,
             e->n_dobs > 1 ? " and the list's other dates" : "");
    return -1;
}

/* Nationality sentence: agreement with any of the entry's nationalities. */
static void explain_nationality(const pw_record *r, const pw_entry *e, char *buf, size_t n)
{
    const char *nat = r->traveller.nationality;
    if (!nat) {
        snprintf(buf, n, "record has no nationality");
        return;
    }
    if (e->n_nationalities == 0) {
        snprintf(buf, n, "list gives no nationality for record %s", nat);
        return;
    }
    for (size_t i = 0; i < e->n_nationalities; i++)
        if (strcmp(nat, e->nationalities[i]) == 0) {
            snprintf(buf, n, "record %s agrees with list", nat);
            return;
        }
    snprintf(buf, n, "record %s differs from list %s%s", nat, e->nationalities[0],
             e->n_nationalities > 1 ? " and others" : "");
}

/* Document sentence: same number (ignoring case and non-alphanumerics) and issuer. */
static void explain_document(const pw_record *r, const pw_entry *e, char *buf, size_t n)
{
    if (r->traveller.n_documents == 0 || e->n_documents == 0) {
        snprintf(buf, n, "%s", r->traveller.n_documents ? "list gives no document"
                                                          : "record has no document");
        return;
    }
    for (size_t i = 0; i < r->traveller.n_documents; i++)
        for (size_t j = 0; j < e->n_documents; j++) {
            const char *a = r->traveller.documents[i].number, *b = e->documents[j].number;
            if (!a || !b)
                continue;
            if (strcasecmp(a, b) == 0) {
                const char *ri = r->traveller.documents[i].issuer, *li = e->documents[j].issuer;
                bool same_issuer = ri && li && strcmp(ri, li) == 0;
                snprintf(buf, n, "document number agrees%s",
                         same_issuer ? ", same issuer"
                                     : (ri && li ? ", different issuer" : ", issuer unknown"));
                return;
            }
        }
    snprintf(buf, n, "no document number in common");
}

/* Scores a token-set match and writes its explanation into the arena. */
static const char *explain(pw_match_scratch *s, const pw_record *r, pw_candidate *candidate,
                           const char *key, pw_arena *arena)
{
    const pw_entry *e = candidate->entry;
    const pw_entry_name *name = candidate->name;
    pw_strbuf *j = &s->json;
    pw_strbuf_reset(j);
    pw_strbuf_append(j, "{\"name\":[");
    const char *t = key;
    bool first = true;
    while (*t) {
        const char *sp = strchr(t, ' ');
        size_t len = sp ? (size_t)(sp - t) : strlen(t);
        pw_strbuf_append(j, first ? "{\"query\":" : ",{\"query\":");
        char tok[256];
        snprintf(tok, sizeof tok, "%.*s", (int)len, t);
        pw_strbuf_append_json(j, tok);
        pw_strbuf_append(j, ",\"entry\":");
        pw_strbuf_append_json(j, tok);
        pw_strbuf_append(j, ",\"how\":\"exact after folding\",\"score\":1}");
        first = false;
        t += len;
        if (*t == ' ')
            t++;
    }
    pw_strbuf_append(j, "],\"name_score\":1,\"matched_on\":");
    char on[64];
    snprintf(on, sizeof on, "%s%s%s", pw_name_kind_name(name->kind),
             name->quality != PW_QUALITY_UNKNOWN ? " " : "",
             name->quality != PW_QUALITY_UNKNOWN ? pw_alias_quality_name(name->quality) : "");
    pw_strbuf_append_json(j, on);
    char buf[256];
    double score = 1.0;
    if (pw_match_explain_dob(r->traveller.dob, e, buf, sizeof buf) < 0)
        score = PW_MATCH_DOB_CONTRADICTION;
    candidate->score = score;
    pw_strbuf_append(j, ",\"dob\":");
    pw_strbuf_append_json(j, buf);
    explain_nationality(r, e, buf, sizeof buf);
    pw_strbuf_append(j, ",\"nationality\":");
    pw_strbuf_append_json(j, buf);
    explain_document(r, e, buf, sizeof buf);
    pw_strbuf_append(j, ",\"document\":");
    pw_strbuf_append_json(j, buf);
    pw_strbuf_printf(j, ",\"score\":%.2f}", score);
    if (j->oom)
        return NULL;
    return pw_arena_strndup(arena, j->data, j->len);
}

/* Adds a posting as a candidate unless its entry is there already with a name of
 * higher rank (primary before alias before original script). */
static size_t add_candidate(pw_match_scratch *s, size_t n, const pw_entry *e,
                            const pw_entry_name *name, const char *key)
{
    pw_candidate *c = s->candidates;
    for (size_t i = 0; i < n; i++)
        if (c[i].entry == e) {
            if (name->kind < c[i].name->kind)
                c[i].name = name;
            return n;
        }
    if (n == PW_MATCH_MAX_CANDIDATES)
        return n;
    c[n] = (pw_candidate){.entry = e, .name = name, .score = 1.0, .on_name = true};
    s->keys[n] = key;
    return n + 1;
}

int pw_match_record(const pw_index *idx, const pw_record *r, pw_match_scratch *s,
                    pw_arena *arena, const pw_candidate **out)
{
    const pw_traveller *t = &r->traveller;
    const char *names[2] = {NULL, NULL};
    if (t->surname)
        names[0] = t->given_names ? pw_arena_printf(arena, "%s %s", t->given_names, t->surname)
                                  : t->surname;
    names[1] = t->full_name;
    const char *keys[2] = {NULL, NULL};
    size_t n = 0;
    for (int k = 0; k < 2; k++) {
        if (!names[k])
            continue;
        keys[k] = pw_names_token_set_key(s->names, names[k], arena);
        if (!keys[k] || (k == 1 && keys[0] && strcmp(keys[0], keys[1]) == 0))
            continue;
        const pw_posting *p;
        size_t np = pw_index_lookup_token_set(idx, keys[k], &p);
        for (size_t i = 0; i < np; i++) {
            const pw_entry *e = pw_index_entry(idx, p[i].entry);
            n = add_candidate(s, n, e, &e->names[p[i].name], keys[k]);
        }
    }
    for (size_t i = 0; i < n; i++) {
        s->candidates[i].explanation =
            explain(s, r, &s->candidates[i], s->keys[i], arena);
        if (!s->candidates[i].explanation)
            return PW_ENOMEM;
    }
    *out = s->candidates;
    return (int)n;
}
