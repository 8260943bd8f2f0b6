/*
 * names: how paxwatch reads a name.
 *
 * This first version folds a name in any script to match tokens: Unicode
 * compatibility decomposition, case folding and accent stripping (utf8proc), then
 * splitting on everything that is not a letter or digit. The token-set key (sorted,
 * de-duplicated tokens joined by one space) makes "SALEK, Abdulhai" and "ABDULHAI
 * SALEK" meet. Transliteration, phonetic codes and similarity measures come with the
 * name-keys work and slot in here.
 *
 * Thread safety: reentrant; each thread owns its pw_names_scratch.
 * Ownership: results are written into caller-provided buffers or the caller's arena.
 */
#ifndef PW_NAMES_H
#define PW_NAMES_H

#include "core/core.h"

#define PW_NAMES_MAX_TOKENS 32

/* Per-thread working memory for folding; grows on demand, reused across calls. */
typedef struct pw_names_scratch {
    int32_t *codepoints;
    size_t cap;
    pw_strbuf folded;
} pw_names_scratch;

void pw_names_scratch_free(pw_names_scratch *s);

/* Folds name into upper-case tokens separated by single spaces, in input order
 * ("Müller-Lüdenscheidt, José" -> "MULLER LUDENSCHEIDT JOSE"). Invalid UTF-8 bytes
 * are treated as separators and *invalid (may be NULL) is set. The result points into
 * the scratch and lives until the next call. */
const char *pw_names_fold(pw_names_scratch *s, const char *name, bool *invalid);

/* The token-set key of name: its folded tokens sorted and de-duplicated, joined by
 * one space; at most PW_NAMES_MAX_TOKENS tokens. Written into the arena. Returns
 * NULL when the name has no token or on out of memory. */
const char *pw_names_token_set_key(pw_names_scratch *s, const char *name, pw_arena *a);

#endif
