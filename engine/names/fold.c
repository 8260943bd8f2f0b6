/*
 * Name folding with utf8proc: decompose (NFKD, case fold, strip marks) into a
 * reusable code-point buffer, then keep letters and digits upper-cased and turn
 * every other character into a token boundary. No allocation once the scratch has
 * grown to the longest name seen.
 */
#include "names/names.h"

#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

struct pw_names_scratch {
    int32_t *codepoints;
    size_t cap;
    pw_strbuf folded;
};

pw_names_scratch *pw_names_scratch_new(void) { return calloc(1, sizeof(pw_names_scratch)); }

void pw_names_scratch_free(pw_names_scratch *s)
{
    if (!s)
        return;
    free(s->codepoints);
    pw_strbuf_free(&s->folded);
    free(s);
}

/* Decomposes one valid UTF-8 run into s->codepoints; returns the count or -1. */
static utf8proc_ssize_t decompose(pw_names_scratch *s, const char *text, size_t len)
{
    const utf8proc_option_t opts =
        UTF8PROC_COMPAT | UTF8PROC_CASEFOLD | UTF8PROC_STRIPMARK | UTF8PROC_DECOMPOSE;
    for (;;) {
        utf8proc_ssize_t n = utf8proc_decompose((const utf8proc_uint8_t *)text,
                                                (utf8proc_ssize_t)len, s->codepoints,
                                                (utf8proc_ssize_t)s->cap, opts);
        if (n < 0)
            return -1;
        if ((size_t)n <= s->cap)
            return n;
        int32_t *grown = realloc(s->codepoints, (size_t)n * 2 * sizeof *grown);
        if (!grown)
            return -1;
        s->codepoints = grown;
        s->cap = (size_t)n * 2;
    }
}

/* Appends the letters and digits of a decomposed run, upper-cased, with one space at
 * every boundary. */
static void append_tokens(pw_names_scratch *s, utf8proc_ssize_t n)
{
    for (utf8proc_ssize_t i = 0; i < n; i++) {
        int32_t cp = s->codepoints[i];
        utf8proc_category_t cat = utf8proc_category(cp);
        bool keep = (cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_LO) ||
                    cat == UTF8PROC_CATEGORY_ND;
        if (!keep) {
            /* marks left after decomposition (e.g. Indic vowel signs) stay in the token */
            if (cat >= UTF8PROC_CATEGORY_MN && cat <= UTF8PROC_CATEGORY_ME && s->folded.len &&
                s->folded.data[s->folded.len - 1] != ' ')
                keep = true;
            else {
                if (s->folded.len && s->folded.data[s->folded.len - 1] != ' ')
                    pw_strbuf_appendn(&s->folded, " ", 1);
                continue;
            }
        }
        utf8proc_uint8_t buf[4];
        utf8proc_ssize_t w = utf8proc_encode_char(utf8proc_toupper(cp), buf);
        pw_strbuf_appendn(&s->folded, (const char *)buf, (size_t)w);
    }
}

const char *pw_names_fold(pw_names_scratch *s, const char *name, bool *invalid)
{
    pw_strbuf_reset(&s->folded);
    if (invalid)
        *invalid = false;
    const char *p = name ? name : "";
    size_t len = strlen(p);
    size_t start = 0;
    /* Split at invalid bytes so that one bad byte does not lose the whole name. */
    while (start < len) {
        size_t end = start;
        while (end < len) {
            utf8proc_int32_t cp;
            utf8proc_ssize_t step = utf8proc_iterate((const utf8proc_uint8_t *)p + end,
                                                     (utf8proc_ssize_t)(len - end), &cp);
            if (step <= 0)
                break;
            end += (size_t)step;
        }
        if (end > start) {
            utf8proc_ssize_t n = decompose(s, p + start, end - start);
            if (n < 0) {
                if (invalid)
                    *invalid = true;
            } else {
                append_tokens(s, n);
            }
        }
        if (end < len) { /* an invalid byte: a boundary */
            if (invalid)
                *invalid = true;
            if (s->folded.len && s->folded.data[s->folded.len - 1] != ' ')
                pw_strbuf_appendn(&s->folded, " ", 1);
            end++;
        }
        start = end;
    }
    while (s->folded.len && s->folded.data[s->folded.len - 1] == ' ')
        s->folded.data[--s->folded.len] = '\0';
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
