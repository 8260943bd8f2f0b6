/*
 * Fuzz target: name analysis (engine/names: pw_name_analyse, pw_names_latin,
 * pw_names_skeleton) on any bytes.
 *
 * The input is a name; its first byte also picks how it is given (whole, or split at
 * the first newline into surname and given name), so both paths of pw_name_analyse
 * run. Beyond "does not crash", the promises of names.h are checked:
 *  - at most PW_NAME_MAX_TOKENS tokens; words first, joined variants after, each
 *    joined variant covering words that exist; len is strlen(text);
 *  - text, plain and skeleton are non-empty upper-case ASCII letters and digits (the
 *    skeleton may only be empty when text is), shorter than PW_NAME_TOKEN_MAX;
 *  - invalid_utf8 is set exactly when the input (up to the first NUL, within the
 *    read limit) is not well-formed UTF-8, as fuzz_utf8_valid judges it;
 *  - the same input analysed again gives the same tokens (the transliteration cache
 *    must not change results);
 *  - pw_names_latin writes words of capitals and digits separated by single spaces,
 *    and a smaller buffer gets a prefix of the same text.
 *
 * One scratch serves every input, as a worker's would.
 */
#include "fuzz_common.h"

#include <stdlib.h>
#include <string.h>

#include "names/names.h"

static pw_names_scratch *scratch;

static bool key_chars(const char *s, bool spaces)
{
    for (; *s; s++)
        if (!((*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || (spaces && *s == ' ')))
            return false;
    return true;
}

static void check_name(const pw_name *n)
{
    FUZZ_CHECK(n->n_tokens <= PW_NAME_MAX_TOKENS, "token count");
    FUZZ_CHECK(n->n_words <= n->n_tokens, "words before variants");
    for (int i = 0; i < n->n_tokens; i++) {
        const pw_name_token *t = &n->tokens[i];
        size_t len = strnlen(t->text, PW_NAME_TOKEN_MAX);
        FUZZ_CHECK(len > 0 && len < PW_NAME_TOKEN_MAX, "text length");
        FUZZ_CHECK(t->len == len, "len is strlen(text)");
        FUZZ_CHECK(strnlen(t->plain, PW_NAME_TOKEN_MAX) < PW_NAME_TOKEN_MAX && t->plain[0],
                   "plain length");
        FUZZ_CHECK(strnlen(t->skeleton, PW_NAME_TOKEN_MAX) < PW_NAME_TOKEN_MAX && t->skeleton[0],
                   "skeleton length");
        FUZZ_CHECK(key_chars(t->text, false) && key_chars(t->plain, false) &&
                       key_chars(t->skeleton, false),
                   "keys are capitals and digits");
        bool joined = t->flags & PW_TOKEN_JOINED;
        FUZZ_CHECK(joined == (i >= n->n_words), "joined variants come after the words");
        FUZZ_CHECK(t->span >= 1 && t->word + t->span <= n->n_words, "span within the words");
        FUZZ_CHECK(joined ? t->span >= 2 : (t->span == 1 && t->word == i), "word and span");
        FUZZ_CHECK(!(t->flags & ~(PW_TOKEN_PARTICLE | PW_TOKEN_INITIAL | PW_TOKEN_JOINED |
                                  PW_TOKEN_SURNAME | PW_TOKEN_GIVEN | PW_TOKEN_GLUED_TITLE |
                                  PW_TOKEN_SYLLABIC | PW_TOKEN_ABJAD)),
                   "known flags");
        FUZZ_CHECK(!(t->flags & PW_TOKEN_INITIAL) || len == 1, "an initial is one letter");
        char sk[PW_NAME_TOKEN_MAX];
        pw_names_skeleton(t->text, sk);
        FUZZ_CHECK(strcmp(sk, t->skeleton) == 0, "skeleton of text");
    }
}

static bool same_tokens(const pw_name *a, const pw_name *b)
{
    if (a->n_tokens != b->n_tokens || a->n_words != b->n_words || a->n_titles != b->n_titles ||
        a->given_unknown != b->given_unknown || a->surname_unknown != b->surname_unknown ||
        a->invalid_utf8 != b->invalid_utf8 || a->non_latin != b->non_latin)
        return false;
    for (int i = 0; i < a->n_tokens; i++)
        if (strcmp(a->tokens[i].text, b->tokens[i].text) ||
            strcmp(a->tokens[i].plain, b->tokens[i].plain) ||
            a->tokens[i].flags != b->tokens[i].flags)
            return false;
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!scratch) {
        scratch = pw_names_scratch_new();
        FUZZ_CHECK(scratch, "scratch");
    }
    char *s = fuzz_strndup(data, size);
    size_t len = strlen(s);
    static pw_name a, b;

    /* whole name */
    FUZZ_CHECK(pw_name_analyse(scratch, s, NULL, NULL, &a) == 0, "analyse");
    check_name(&a);
    if (len <= 4000)
        FUZZ_CHECK(a.invalid_utf8 == !fuzz_utf8_valid(s, len), "invalid_utf8 is exact");
    FUZZ_CHECK(pw_name_analyse(scratch, s, NULL, NULL, &b) == 0, "analyse again");
    FUZZ_CHECK(same_tokens(&a, &b), "same input, same tokens");

    /* parts: surname up to the first newline, given name after it */
    if (size > 0 && (data[0] & 1)) {
        char *nl = strchr(s, '\n');
        const char *given = NULL;
        if (nl) {
            *nl = '\0';
            given = nl + 1;
        }
        FUZZ_CHECK(pw_name_analyse(scratch, NULL, s, given, &b) == 0, "analyse parts");
        check_name(&b);
        if (nl)
            *nl = '\n';
    }

    /* pw_names_latin, whole and into a small buffer */
    char full[8192], small[9];
    FUZZ_CHECK(pw_names_latin(scratch, s, full, sizeof full) == 0, "latin");
    FUZZ_CHECK(key_chars(full, true), "latin: capitals, digits, spaces");
    size_t fl = strlen(full);
    FUZZ_CHECK(fl == 0 || (full[0] != ' ' && full[fl - 1] != ' ' && !strstr(full, "  ")),
               "latin: single spaces between words");
    FUZZ_CHECK(pw_names_latin(scratch, s, small, sizeof small) == 0, "latin small");
    FUZZ_CHECK(strncmp(small, full, strlen(small)) == 0, "a small buffer gets a prefix");

    /* the skeleton of arbitrary text */
    char sk[PW_NAME_TOKEN_MAX];
    pw_names_skeleton(s, sk);
    FUZZ_CHECK(strlen(sk) < PW_NAME_TOKEN_MAX, "skeleton bound");

    free(s);
    return 0;
}
