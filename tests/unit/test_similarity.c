/*
 * Tests for the string measures of engine/names (similarity.c).
 *
 * The proof is two oracle tables of tests/oracles/ over the same 10,000 pairs (whole
 * names and their aliases, some longer than 64 bytes; alias words; deterministic typos;
 * random pairs), written by implementations no one here wrote (regenerate with
 * tests/oracles/generate.sh; each table's first line names the oracle and version):
 *
 *  - measures_jellyfish.tsv, jellyfish 0.8.9 (python3-jellyfish): the reference for
 *    Jaro and Jaro-Winkler (agreement within 1e-12 on every row) and Levenshtein (every
 *    row); its damerau_levenshtein_distance is the unrestricted Damerau distance, which
 *    is never more than the optimal-string-alignment distance: checked as a bound, and
 *    the rows where the two differ are counted;
 *  - measures_stringdist.tsv, R stringdist 0.9.10 (r-cran-stringdist): the reference
 *    for the OSA distance ("osa", every row, and the bounded form for every max up to
 *    the distance + 1) and a second Levenshtein ("lv").
 *
 * No deliberate differences: every row must agree. Then hand-written cases: Winkler's
 * published examples, empty and identical strings, the early exit of the bounded OSA,
 * Myers' 64-byte limit and its fallback, and a cross-check of both distances against
 * a plain textbook programme on random strings (fixed seed).
 */
#include <criterion/criterion.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../oracles/oracle_table.h"
#include "names/names.h"

/* ---- the oracle tables -------------------------------------------------------------- */

enum { JF_A, JF_B, JF_JARO, JF_JW, JF_LEV, JF_DAMERAU, JF_COLS };
enum { SD_A, SD_B, SD_OSA, SD_LEV, SD_COLS };

#define LOG_FIRST(count, ...)                                                                      \
    do {                                                                                           \
        if ((count)++ < 25)                                                                        \
            cr_log_error(__VA_ARGS__);                                                             \
    } while (0)

Test(similarity_oracle, jellyfish_jaro_winkler_levenshtein)
{
    oracle_table t;
    oracle_load(&t, "measures_jellyfish.tsv", JF_COLS);
    int bad = 0, long_pairs = 0;
    for (int i = 0; i < t.n_rows; i++) {
        const oracle_row *r = &t.rows[i];
        const char *a = r->f[JF_A], *b = r->f[JF_B];
        size_t la = strlen(a), lb = strlen(b);
        double jaro = pw_jaro(a, la, b, lb), jw = pw_jaro_winkler(a, la, b, lb);
        double want_jaro = strtod(r->f[JF_JARO], NULL), want_jw = strtod(r->f[JF_JW], NULL);
        if (fabs(jaro - want_jaro) > 1e-12)
            LOG_FIRST(bad, "line %d jaro(%s, %s) = %.17g, jellyfish %s", r->line, a, b, jaro,
                      r->f[JF_JARO]);
        if (fabs(jw - want_jw) > 1e-12)
            LOG_FIRST(bad, "line %d jaro_winkler(%s, %s) = %.17g, jellyfish %s", r->line, a, b, jw,
                      r->f[JF_JW]);
        /* symmetric, as jellyfish's are */
        if (pw_jaro_winkler(b, lb, a, la) != jw)
            LOG_FIRST(bad, "line %d jaro_winkler not symmetric", r->line);
        int lev = pw_levenshtein(a, la, b, lb);
        if (lev != atoi(r->f[JF_LEV]))
            LOG_FIRST(bad, "line %d levenshtein(%s, %s) = %d, jellyfish %s", r->line, a, b, lev,
                      r->f[JF_LEV]);
        long_pairs += la > 64 && lb > 64;
    }
    cr_log_info("jellyfish: %d pairs (%d with both sides over 64 bytes)", t.n_rows, long_pairs);
    cr_expect_gt(long_pairs, 0, "the table reaches the classic fallback of pw_levenshtein");
    cr_assert_eq(bad, 0, "%d measures differ from jellyfish", bad);
    oracle_free(&t);
}

Test(similarity_oracle, stringdist_osa_and_levenshtein)
{
    oracle_table sd, jf;
    oracle_load(&sd, "measures_stringdist.tsv", SD_COLS);
    oracle_load(&jf, "measures_jellyfish.tsv", JF_COLS);
    cr_assert_eq(sd.n_rows, jf.n_rows);
    int bad = 0, osa_above_damerau = 0, bounded_calls = 0;
    for (int i = 0; i < sd.n_rows; i++) {
        const oracle_row *r = &sd.rows[i];
        const char *a = r->f[SD_A], *b = r->f[SD_B];
        cr_assert_str_eq(a, jf.rows[i].f[JF_A], "tables out of step at row %d", i);
        cr_assert_str_eq(b, jf.rows[i].f[JF_B], "tables out of step at row %d", i);
        size_t la = strlen(a), lb = strlen(b);
        int want = atoi(r->f[SD_OSA]);
        int osa = pw_osa_distance(a, la, b, lb, 1024);
        if (osa != want)
            LOG_FIRST(bad, "line %d osa(%s, %s) = %d, stringdist %d", r->line, a, b, osa, want);
        for (int max = 0; max <= want + 1; max++, bounded_calls++) {
            int got = pw_osa_distance(a, la, b, lb, max);
            int expect = want > max ? max + 1 : want;
            if (got != expect)
                LOG_FIRST(bad, "line %d osa(%s, %s, max %d) = %d, want %d", r->line, a, b, max, got,
                          expect);
        }
        int lev = pw_levenshtein(a, la, b, lb);
        if (lev != atoi(r->f[SD_LEV]))
            LOG_FIRST(bad, "line %d levenshtein(%s, %s) = %d, stringdist %s", r->line, a, b, lev,
                      r->f[SD_LEV]);
        /* unrestricted Damerau (jellyfish) <= OSA <= Levenshtein */
        int damerau = atoi(jf.rows[i].f[JF_DAMERAU]);
        if (osa < damerau || osa > lev)
            LOG_FIRST(bad, "line %d osa(%s, %s) = %d outside [damerau %d, levenshtein %d]", r->line,
                      a, b, osa, damerau, lev);
        osa_above_damerau += osa > damerau;
    }
    cr_log_info("stringdist: %d pairs, %d bounded calls; OSA above jellyfish's unrestricted "
                "Damerau on %d pairs (as expected of the restricted form)",
                sd.n_rows, bounded_calls, osa_above_damerau);
    cr_expect_gt(osa_above_damerau, 0, "the table tells OSA from unrestricted Damerau");
    cr_assert_eq(bad, 0, "%d distances differ from stringdist", bad);
    oracle_free(&sd);
    oracle_free(&jf);
}

/* ---- Jaro and Jaro-Winkler ---------------------------------------------------------- */

#define S(x) x, strlen(x)

Test(jaro_winkler, winkler_examples)
{
    /* Winkler (1990) and jellyfish 0.8.9: exact values */
    cr_assert_float_eq(pw_jaro(S("MARTHA"), S("MARHTA")), 0.9444444444444445, 1e-15);
    cr_assert_float_eq(pw_jaro_winkler(S("MARTHA"), S("MARHTA")), 0.9611111111111111, 1e-15);
    cr_assert_float_eq(pw_jaro(S("DWAYNE"), S("DUANE")), 0.8222222222222223, 1e-15);
    cr_assert_float_eq(pw_jaro_winkler(S("DWAYNE"), S("DUANE")), 0.8400000000000001, 1e-15);
    cr_assert_float_eq(pw_jaro_winkler(S("DIXON"), S("DICKSONX")), 0.8133333333333332, 1e-15);
    cr_assert_float_eq(pw_jaro_winkler(S("SHACKLEFORD"), S("SHACKELFORD")), 0.9818181818181818,
                       1e-15);
    cr_assert_float_eq(pw_jaro_winkler(S("JONES"), S("JOHNSON")), 0.8323809523809523, 1e-15);
}

Test(jaro_winkler, identical_empty_and_disjoint)
{
    cr_assert_eq(pw_jaro_winkler(S("ABDULLAH"), S("ABDULLAH")), 1.0);
    cr_assert_eq(pw_jaro(S("A"), S("A")), 1.0);
    cr_assert_eq(pw_jaro_winkler(S("A"), S("A")), 1.0);
    /* empty: 0, as jellyfish, even for two empty strings (no name matches no name) */
    cr_assert_eq(pw_jaro(S(""), S("")), 0.0);
    cr_assert_eq(pw_jaro_winkler(S(""), S("")), 0.0);
    cr_assert_eq(pw_jaro_winkler(S("SMITH"), S("")), 0.0);
    cr_assert_eq(pw_jaro_winkler(S(""), S("SMITH")), 0.0);
    cr_assert_eq(pw_jaro_winkler(S("ABC"), S("XYZ")), 0.0);
    /* two letters swapped in a two-letter word are outside the match window */
    cr_assert_eq(pw_jaro(S("AB"), S("BA")), 0.0);
}

Test(jaro_winkler, boost_needs_jaro_above_0_7)
{
    /* the same prefix, but Jaro <= 0.7: no boost */
    double j = pw_jaro(S("ABCDXYZQ"), S("ABCDMNOP"));
    cr_assert_leq(j, 0.7);
    cr_assert_eq(pw_jaro_winkler(S("ABCDXYZQ"), S("ABCDMNOP")), j);
    /* the boost counts at most four prefix characters */
    double j5 = pw_jaro(S("ABCDEFGHIJ"), S("ABCDEFGHIX"));
    cr_assert_float_eq(pw_jaro_winkler(S("ABCDEFGHIJ"), S("ABCDEFGHIX")), j5 + 0.4 * (1 - j5),
                       1e-15);
}

Test(jaro_winkler, lengths_not_nul_terminators)
{
    const char *a = "SMITHSON", *b = "SMITHERS";
    cr_assert_eq(pw_jaro_winkler(a, 5, b, 5), 1.0);
    cr_assert_eq(pw_levenshtein(a, 5, b, 5), 0);
    cr_assert_eq(pw_osa_distance(a, 5, b, 5, 3), 0);
}

Test(jaro_winkler, long_strings_are_cut_at_1024)
{
    static char a[3000], b[3000];
    memset(a, 'A', sizeof a);
    memset(b, 'A', sizeof b);
    b[2000] = 'B'; /* beyond the first 1,024 bytes */
    cr_assert_eq(pw_jaro_winkler(a, sizeof a, b, sizeof b), 1.0);
    cr_assert_eq(pw_levenshtein(a, sizeof a, b, sizeof b), 0);
    cr_assert_eq(pw_osa_distance(a, sizeof a, b, sizeof b, 5), 0);
    b[10] = 'B';
    cr_assert_eq(pw_levenshtein(a, sizeof a, b, sizeof b), 1);
    cr_assert_eq(pw_osa_distance(a, sizeof a, b, sizeof b, 5), 1);
}

/* ---- bounded OSA ---------------------------------------------------------------------- */

Test(osa, transpositions_and_the_restriction)
{
    cr_assert_eq(pw_osa_distance(S("AB"), S("BA"), 5), 1);
    cr_assert_eq(pw_osa_distance(S("MOHAMMED"), S("MOHAMMDE"), 5), 1);
    /* restricted: CA -> ABC needs 3 (no substring edited twice); unrestricted Damerau
     * gives 2 (stringdist "osa" 3, "dl" 2; jellyfish damerau 2) */
    cr_assert_eq(pw_osa_distance(S("CA"), S("ABC"), 5), 3);
    cr_assert_eq(pw_osa_distance(S("KITTEN"), S("SITTING"), 5), 3);
    cr_assert_eq(pw_osa_distance(S(""), S("ABC"), 5), 3);
    cr_assert_eq(pw_osa_distance(S("ABC"), S(""), 5), 3);
    cr_assert_eq(pw_osa_distance(S(""), S(""), 0), 0);
}

Test(osa, bound_returns_max_plus_one)
{
    cr_assert_eq(pw_osa_distance(S("KITTEN"), S("SITTING"), 2), 3); /* 3 > 2: max + 1 */
    cr_assert_eq(pw_osa_distance(S("KITTEN"), S("SITTING"), 1), 2);
    cr_assert_eq(pw_osa_distance(S("KITTEN"), S("SITTING"), 0), 1);
    cr_assert_eq(pw_osa_distance(S("KITTEN"), S("SITTING"), 3), 3);
    cr_assert_eq(pw_osa_distance(S("SMITH"), S("SMITH"), 0), 0);
    cr_assert_eq(pw_osa_distance(S("SMITH"), S("SMYTH"), 0), 1);
    cr_assert_eq(pw_osa_distance(S("SMITH"), S("SMITH"), -3), 0); /* max < 0 counts as 0 */
    cr_assert_eq(pw_osa_distance(S("SMITH"), S("SMYTH"), -3), 1);
    /* the length difference alone exceeds max */
    cr_assert_eq(pw_osa_distance(S("AL"), S("ALEXANDROVICH"), 4), 5);
}

/* A textbook full-matrix OSA distance (Wagner-Fischer plus the transposition case),
 * for cross-checking the banded, early-exit one. */
static int textbook_osa(const char *a, int la, const char *b, int lb)
{
    static int d[202][202];
    for (int i = 0; i <= la; i++)
        d[i][0] = i;
    for (int j = 0; j <= lb; j++)
        d[0][j] = j;
    for (int i = 1; i <= la; i++)
        for (int j = 1; j <= lb; j++) {
            int v = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
            if (d[i - 1][j] + 1 < v)
                v = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < v)
                v = d[i][j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                d[i - 2][j - 2] + 1 < v)
                v = d[i - 2][j - 2] + 1;
            d[i][j] = v;
        }
    return d[la][lb];
}

static int textbook_levenshtein(const char *a, int la, const char *b, int lb)
{
    static int d[202][202];
    for (int i = 0; i <= la; i++)
        d[i][0] = i;
    for (int j = 0; j <= lb; j++)
        d[0][j] = j;
    for (int i = 1; i <= la; i++)
        for (int j = 1; j <= lb; j++) {
            int v = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
            if (d[i - 1][j] + 1 < v)
                v = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < v)
                v = d[i][j - 1] + 1;
            d[i][j] = v;
        }
    return d[la][lb];
}

/* xorshift64: a fixed-seed generator for the random cross-checks */
static uint64_t next_random(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* Fills buf with n letters from the first k of the alphabet (small k: many matches). */
static void random_string(uint64_t *seed, char *buf, int n, int k)
{
    for (int i = 0; i < n; i++)
        buf[i] = (char)('A' + next_random(seed) % (uint64_t)k);
}

/* b: a copy of a with a few random edits (so that distances are small and the bound
 * and band matter). */
static int mutate(uint64_t *seed, const char *a, int la, char *b, int k)
{
    int lb = 0;
    for (int i = 0; i < la && lb < 200; i++) {
        unsigned r = (unsigned)(next_random(seed) % 12);
        if (r == 0)
            continue; /* delete */
        if (r == 1 && lb < 199)
            b[lb++] = (char)('A' + next_random(seed) % (uint64_t)k); /* insert */
        if (r == 2 && i + 1 < la && lb < 199) {                      /* transpose */
            b[lb++] = a[i + 1];
            b[lb++] = a[i++];
            continue;
        }
        b[lb++] = r == 3 ? (char)('A' + next_random(seed) % (uint64_t)k) : a[i];
    }
    return lb;
}

Test(osa, banded_early_exit_matches_the_textbook_programme)
{
    uint64_t seed = 0x5eed1234abcdULL;
    char a[201], b[201];
    for (int round = 0; round < 4000; round++) {
        int la = (int)(next_random(&seed) % 150);
        int k = 2 + (int)(next_random(&seed) % 5);
        random_string(&seed, a, la, k);
        int lb = round % 2 ? mutate(&seed, a, la, b, k) : (int)(next_random(&seed) % 150);
        if (round % 2 == 0)
            random_string(&seed, b, lb, k);
        int want = textbook_osa(a, la, b, lb);
        int max = (int)(next_random(&seed) % 12);
        int expect = want > max ? max + 1 : want;
        cr_assert_eq(pw_osa_distance(a, (size_t)la, b, (size_t)lb, max), expect,
                     "round %d: la %d lb %d max %d: want %d", round, la, lb, max, want);
        cr_assert_eq(pw_osa_distance(a, (size_t)la, b, (size_t)lb, 1000), want, "round %d", round);
    }
}

/* ---- Levenshtein (Myers) --------------------------------------------------------------- */

Test(levenshtein, basics)
{
    cr_assert_eq(pw_levenshtein(S("KITTEN"), S("SITTING")), 3);
    cr_assert_eq(pw_levenshtein(S("AB"), S("BA")), 2); /* no transpositions */
    cr_assert_eq(pw_levenshtein(S(""), S("")), 0);
    cr_assert_eq(pw_levenshtein(S(""), S("HUSSEIN")), 7);
    cr_assert_eq(pw_levenshtein(S("HUSSEIN"), S("")), 7);
    cr_assert_eq(pw_levenshtein(S("HUSSEIN"), S("HUSAYN")), 3);
}

Test(levenshtein, sixty_four_bytes_and_the_fallback)
{
    char a[131], b[131];
    for (int i = 0; i < 130; i++)
        a[i] = b[i] = (char)('A' + (i * 7) % 26);
    /* different first and last bytes, so no common prefix or suffix is stripped */
    b[0] = '0';
    /* 64 bytes each: one word of Myers */
    a[63] = '1';
    cr_assert_eq(pw_levenshtein(a, 64, b, 64), 2);
    cr_assert_eq(pw_levenshtein(a, 64, b, 64), textbook_levenshtein(a, 64, b, 64));
    /* 65 and 65: the classic programme */
    a[64] = '2';
    cr_assert_eq(pw_levenshtein(a, 65, b, 65), textbook_levenshtein(a, 65, b, 65));
    cr_assert_eq(pw_levenshtein(a, 65, b, 65), 3);
    /* 130 and 20: the shorter side is the pattern, Myers still applies */
    cr_assert_eq(pw_levenshtein(a, 130, b, 20), textbook_levenshtein(a, 130, b, 20));
    cr_assert_eq(pw_levenshtein(b, 20, a, 130), textbook_levenshtein(b, 20, a, 130));
}

Test(levenshtein, matches_the_textbook_programme)
{
    uint64_t seed = 0xfeedfacecafeULL;
    char a[201], b[201];
    for (int round = 0; round < 4000; round++) {
        int la = (int)(next_random(&seed) % 140);
        int k = 2 + (int)(next_random(&seed) % 25);
        random_string(&seed, a, la, k);
        int lb = round % 2 ? mutate(&seed, a, la, b, k) : (int)(next_random(&seed) % 140);
        if (round % 2 == 0)
            random_string(&seed, b, lb, k);
        cr_assert_eq(pw_levenshtein(a, (size_t)la, b, (size_t)lb),
                     textbook_levenshtein(a, la, b, lb), "round %d: la %d lb %d", round, la, lb);
    }
}
