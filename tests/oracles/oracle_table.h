/*
 * Reading the oracle tables of tests/oracles/ in the unit tests (test_phonetic.c,
 * test_similarity.c): TSV files whose comment lines start with '#' (the first names
 * the oracle and its version, the second the columns). A table is read whole into
 * memory and its rows split in place into NUL-terminated fields, so a test walks rows
 * as arrays of strings. Header-only (static functions) because only the two tests use
 * it; it aborts the test with a message when a table is missing or malformed, as a
 * missing table must never pass as "no rows, no failures".
 */
#ifndef PW_ORACLE_TABLE_H
#define PW_ORACLE_TABLE_H

#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ORACLE_MAX_FIELDS 12

typedef struct oracle_row {
    const char *f[ORACLE_MAX_FIELDS];
    int n;    /* fields in the row */
    int line; /* 1-based line in the file */
} oracle_row;

typedef struct oracle_table {
    char *text;
    oracle_row *rows;
    int n_rows;
    char header[512]; /* the first comment line: the oracle and its version */
} oracle_table;

/* Loads tests/oracles/<name> (from the repo root PW_SOURCE_DIR); every row must have
 * exactly n_fields fields. */
static void oracle_load(oracle_table *t, const char *name, int n_fields)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/oracles/%s", PW_SOURCE_DIR, name);
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "cannot open oracle table %s", path);
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    cr_assert_gt(size, 0, "empty oracle table %s", path);
    t->text = malloc((size_t)size + 1);
    cr_assert_not_null(t->text);
    cr_assert_eq(fread(t->text, 1, (size_t)size, f), (size_t)size);
    fclose(f);
    t->text[size] = '\0';

    int lines = 1;
    for (long i = 0; i < size; i++)
        lines += t->text[i] == '\n';
    t->rows = calloc((size_t)lines, sizeof *t->rows);
    cr_assert_not_null(t->rows);
    t->n_rows = 0;
    t->header[0] = '\0';

    char *p = t->text;
    for (int line = 1; *p; line++) {
        char *end = strchr(p, '\n');
        if (end)
            *end = '\0';
        if (p[0] == '#') {
            if (!t->header[0])
                snprintf(t->header, sizeof t->header, "%s", p + 1);
        } else if (p[0]) {
            oracle_row *r = &t->rows[t->n_rows++];
            r->line = line;
            r->n = 0;
            for (char *q = p;;) {
                cr_assert_lt(r->n, ORACLE_MAX_FIELDS, "%s:%d: too many fields", name, line);
                r->f[r->n++] = q;
                char *tab = strchr(q, '\t');
                if (!tab)
                    break;
                *tab = '\0';
                q = tab + 1;
            }
            cr_assert_eq(r->n, n_fields, "%s:%d: %d fields, want %d", name, line, r->n, n_fields);
        }
        if (!end)
            break;
        p = end + 1;
    }
    cr_assert_gt(t->n_rows, 0, "no rows in %s", path);
    cr_log_info("%s: %d rows;%s", name, t->n_rows, t->header);
}

static void oracle_free(oracle_table *t)
{
    free(t->rows);
    free(t->text);
}

#endif
