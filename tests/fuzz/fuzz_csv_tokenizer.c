/*
 * Fuzz target: the RFC 4180 tokenizer (engine/ingest/csv_tokenizer.c) over fmemopen.
 *
 * The first input byte is the separator when it is one of , ; TAB | (else ',' is
 * used) and the rest is the CSV text, so every corpus seed starts with that byte. Every row is
 * checked against the header's contract: at least one field, a NULL after the last,
 * every field NUL-terminated and readable, row lines that never go back, a row text,
 * and a row text that re-joins the fields.
 */
#include "fuzz_common.h"
#include "ingest/csv_tokenizer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    char sep = data[0] && strchr(",;\t|", data[0]) ? (char)data[0] : ',';
    data++;
    size--;
    /* fmemopen needs a buffer it may hold on to; size 0 is allowed since glibc 2.22. */
    char *copy = malloc(size ? size : 1);
    FUZZ_CHECK(copy != NULL, "malloc");
    if (size)
        memcpy(copy, data, size);
    FILE *fp = fmemopen(copy, size, "r");
    FUZZ_CHECK(fp != NULL, "fmemopen");
    pw_csv *c = pw_csv_new(fp, sep);
    FUZZ_CHECK(c != NULL, "pw_csv_new");
    char **fields;
    int n;
    long last_line = 0;
    size_t rows = 0;
    while ((n = pw_csv_next_row(c, &fields)) > 0) {
        rows++;
        FUZZ_CHECK(fields != NULL && fields[n] == NULL, "fields NULL-terminated");
        size_t text_len = 0;
        for (int i = 0; i < n; i++) {
            FUZZ_CHECK(fields[i] != NULL, "field set");
            text_len += strlen(fields[i]) + (i > 0);
        }
        long line = pw_csv_row_line(c);
        FUZZ_CHECK(line > last_line, "row lines increase");
        last_line = line;
        const char *text = pw_csv_row_text(c);
        FUZZ_CHECK(text != NULL && strlen(text) == text_len, "row text re-joins the fields");
        FUZZ_CHECK(rows <= size, "no more rows than bytes");
    }
    FUZZ_CHECK(n == 0 || n == PW_EPARSE, "end of input or an open quote");
    if (n == PW_EPARSE) {
        const char *text = pw_csv_row_text(c);
        FUZZ_CHECK(text != NULL, "partial row text");
        (void)strlen(text);
    }
    pw_csv_free(c);
    fclose(fp);
    free(copy);
    return 0;
}
