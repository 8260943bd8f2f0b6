/*
 * fold.c: the legacy folding calls the foundation's matcher uses (pw_names_fold,
 * pw_names_token_set_key), now built on the analysis splitter of analyse.c, so the
 * two agree on every character: words are cut where the analysis cuts them, Latin
 * words keep their accent-stripped (plain) form as before ("Müller" -> MULLER),
 * words from other scripts come out transliterated ("Владимир" -> VLADIMIR, ICAO;
 * "صدام" -> SDAM, ICU Any-Latin) instead of in their own script. No allocation once
 * the scratch's buffers have grown to the longest name seen. Titles, particles and
 * placeholders are not treated here: every word is kept.
 */
#include "names/analyse_int.h"

#include <stdlib.h>
#include <string.h>

const char *pw_names_fold(pw_names_scratch *s, const char *name, bool *invalid)
{
    pw_strbuf_reset(&s->folded);
    pw_split_begin(s);
    int rc = pw_split(s, name ? name : "", 0);
    if (invalid)
        *invalid = s->invalid;
    if (rc < 0)
        return "";
    for (int i = 0; i < s->n_words; i++) {
        const pw_word *w = &s->words[i];
        if (i > 0 && w->sep != PW_SEP_JOIN)
            pw_strbuf_appendn(&s->folded, " ", 1);
        if (w->flags & PW_WORD_NONLATIN)
            pw_strbuf_appendn(&s->folded, w->text, w->tlen);
        else
            pw_strbuf_appendn(&s->folded, w->plain, w->plen);
    }
    return s->folded.data ? s->folded.data : "";
}

static int compare_tokens(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

const char *pw_names_token_set_key(pw_names_scratch *s, const char *name, pw_arena *a)
{
    const char *folded = pw_names_fold(s, name, NULL);
    size_t len = strlen(folded);
    if (len == 0)
        return NULL;
    char *copy = pw_arena_strndup(a, folded, len);
    char *out = pw_arena_alloc(a, len + 1);
    if (!copy || !out)
        return NULL;
    const char *tokens[PW_NAME_MAX_TOKENS];
    size_t n = 0;
    for (char *t = copy; *t && n < PW_NAME_MAX_TOKENS;) {
        char *sp = strchr(t, ' ');
        tokens[n++] = t;
        if (!sp)
            break;
        *sp = '\0';
        t = sp + 1;
    }
    qsort(tokens, n, sizeof tokens[0], compare_tokens);
    size_t w = 0;
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && strcmp(tokens[i], tokens[i - 1]) == 0)
            continue;
        if (w)
            out[w++] = ' ';
        size_t tl = strlen(tokens[i]);
        memcpy(out + w, tokens[i], tl);
        w += tl;
    }
    out[w] = '\0';
    return out;
}
