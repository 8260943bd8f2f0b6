/*
 * Tests for engine/names: folding names in any script to tokens and token-set keys.
 * Expected folds follow Unicode's own data (NFKD, case folding, mark stripping) as
 * utf8proc applies it; e.g. U+00DF folds to "ss" per CaseFolding.txt.
 */
#include <criterion/criterion.h>

#include "names/names.h"

static pw_names_scratch *scratch;
static pw_arena *arena;

static void setup(void)
{
    arena = pw_arena_new(0);
    scratch = pw_names_scratch_new();
}
static void teardown(void)
{
    pw_names_scratch_free(scratch);
    pw_arena_free(arena);
}

TestSuite(names, .init = setup, .fini = teardown);

Test(names, folds_case_accents_and_punctuation)
{
    cr_assert_str_eq(pw_names_fold(scratch, "Müller-Lüdenscheidt, José", NULL),
                     "MULLER LUDENSCHEIDT JOSE");
    cr_assert_str_eq(pw_names_fold(scratch, "  o'neil   ", NULL), "O NEIL");
    cr_assert_str_eq(pw_names_fold(scratch, "Straße", NULL), "STRASSE");
    cr_assert_str_eq(pw_names_fold(scratch, "ＡＢＣ", NULL), "ABC"); /* full-width, NFKD */
    cr_assert_str_eq(pw_names_fold(scratch, "", NULL), "");
    cr_assert_str_eq(pw_names_fold(scratch, NULL, NULL), "");
}

Test(names, keeps_other_scripts)
{
    cr_assert_str_eq(pw_names_fold(scratch, "Владимир Путин", NULL), "ВЛАДИМИР ПУТИН");
    cr_assert_str_eq(pw_names_fold(scratch, "صدام حسين", NULL), "صدام حسين");
}

Test(names, invalid_utf8_is_a_boundary_and_flagged)
{
    bool invalid = false;
    cr_assert_str_eq(pw_names_fold(scratch, "AB\xff" "CD", &invalid), "AB CD");
    cr_assert(invalid);
    cr_assert_str_eq(pw_names_fold(scratch, "ABC", &invalid), "ABC");
    cr_assert_not(invalid);
}

Test(names, token_set_key_ignores_order_and_duplicates)
{
    const char *a = pw_names_token_set_key(scratch, "SALEK, Abdulhai", arena);
    const char *b = pw_names_token_set_key(scratch, "abdulhai salek", arena);
    cr_assert_str_eq(a, "ABDULHAI SALEK");
    cr_assert_str_eq(b, a);
    cr_assert_str_eq(pw_names_token_set_key(scratch, "Kim Kim Jong", arena), "JONG KIM");
    cr_assert_null(pw_names_token_set_key(scratch, " - ", arena));
}
