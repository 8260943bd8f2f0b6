/*
 * The RFC 4180 CSV tokenizer (engine/ingest/csv_tokenizer.c) on its own: line ends
 * (CRLF, LF and a lone CR, also inside an unquoted field), blank lines and the line
 * numbers around them, quotes (opening only as a field's first byte, "" for one
 * quote, newlines inside counted, text after the closing quote kept), a quote left
 * open at the end of the input, the BOM, rows and fields larger than the buffers
 * start with, and a read error.
 *
 * Input goes through fmemopen, or a cookie stream for a read error. Each case is
 * checked against a rendering of everything read: "<line>:[field][field]..." per row,
 * then "= <result>": 0 at the end of the input, EIO, or EPARSE with the row as read.
 */
#include <criterion/criterion.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/core.h"
#include "ingest/csv_tokenizer.h"

/* Appends s to out, CR and LF written as \r and \n. */
static void render(pw_strbuf *out, const char *s)
{
    for (; *s; s++) {
        if (*s == '\r')
            pw_strbuf_append(out, "\\r");
        else if (*s == '\n')
            pw_strbuf_append(out, "\\n");
        else
            pw_strbuf_appendn(out, s, 1);
    }
}

/* Reads every row of fp (calling pw_csv_next_row once more after the end) and renders
 * them; the caller frees the result. */
static char *read_rows(FILE *fp, char sep)
{
    pw_csv *c = pw_csv_new(fp, sep);
    cr_assert_not_null(c);
    pw_strbuf out = {0};
    char **fields;
    int n;
    while ((n = pw_csv_next_row(c, &fields)) > 0) {
        pw_strbuf_printf(&out, "%ld:", pw_csv_row_line(c));
        for (int i = 0; i < n; i++) {
            pw_strbuf_append(&out, "[");
            render(&out, fields[i]);
            pw_strbuf_append(&out, "]");
        }
        cr_expect_null(fields[n], "a NULL after the last field");
        pw_strbuf_append(&out, " ");
    }
    if (n == PW_EPARSE) {
        pw_strbuf_printf(&out, "= EPARSE %ld:", pw_csv_row_line(c));
        render(&out, pw_csv_row_text(c));
    } else {
        pw_strbuf_append(&out, n == PW_EIO ? "= EIO" : n == 0 ? "= 0" : "= ?");
    }
    cr_expect_eq(pw_csv_next_row(c, &fields), n == PW_EIO ? PW_EIO : 0, "again after the end");
    pw_csv_free(c);
    char *s = strdup(out.data);
    pw_strbuf_free(&out);
    return s;
}

static char *tokens_n(const char *data, size_t n, char sep)
{
    FILE *fp = fmemopen((void *)data, n, "r");
    cr_assert_not_null(fp);
    char *s = read_rows(fp, sep);
    fclose(fp);
    return s;
}

#define expect_tokens(data, want)                                                                  \
    do {                                                                                           \
        char *got_ = tokens_n(data, sizeof data - 1, ',');                                         \
        cr_expect_str_eq(got_, want, "input %s", #data);                                           \
        free(got_);                                                                                \
    } while (0)

Test(csv_tokenizer, line_ends)
{
    expect_tokens("a,b\nc,d\r\ne,f\rg,h", "1:[a][b] 2:[c][d] 3:[e][f] 4:[g][h] = 0");
    /* a lone CR ends the row even in the middle of a field */
    expect_tokens("ab\rcd,e\r", "1:[ab] 2:[cd][e] = 0");
    /* CR LF split: the LF belongs to the CR */
    expect_tokens("a\r\n\r\nb", "1:[a] 3:[b] = 0");
    expect_tokens("a,\n,b,\n", "1:[a][] 2:[][b][] = 0");
    expect_tokens("", "= 0");
}

Test(csv_tokenizer, blank_lines_are_skipped_and_counted)
{
    expect_tokens("\n\r\n\ra\n\n\nb\n\n", "4:[a] 7:[b] = 0");
    expect_tokens("\r\r\n\n", "= 0");
    /* a blank line inside quotes is data */
    expect_tokens("\"\n\n\",x\ny", "1:[\\n\\n][x] 4:[y] = 0");
}

Test(csv_tokenizer, quotes)
{
    expect_tokens("\"a,b\",\"c\"\"d\",\"\"\"\"", "1:[a,b][c\"d][\"] = 0");
    /* a quote opens a quoted field only as its first byte, and only once */
    expect_tokens("a\"b,\" c\",x\"y\"", "1:[a\"b][ c][x\"y\"] = 0");
    expect_tokens("\"ab\"cd\"e,\"\"x", "1:[abcd\"e][x] = 0");
    /* newlines inside quotes are kept and counted; CR too */
    expect_tokens("\"1\n2\r\n3\",z\nw", "1:[1\\n2\\r\\n3][z] 4:[w] = 0");
    expect_tokens("\"a\"\n\"b\"", "1:[a] 2:[b] = 0");
}

Test(csv_tokenizer, quote_left_open_at_the_end)
{
    expect_tokens("x\na,\"bc\nd", "1:[x] = EPARSE 2:a,bc\\nd");
    expect_tokens("\"", "= EPARSE 1:");
    expect_tokens("\"a\"\"", "= EPARSE 1:a\"");
}

Test(csv_tokenizer, bom_only_at_the_start)
{
    expect_tokens("\xEF\xBB\xBF"
                  "a,b\n\xEF\xBB\xBF"
                  "c",
                  "1:[a][b] 2:[\xEF\xBB\xBF"
                  "c] = 0");
    expect_tokens("\xEF\xBB\xBF", "= 0");
    expect_tokens("\xEF\xBB", "1:[\xEF\xBB] = 0");
    expect_tokens("\xEF\xBB\xBF\"q\"", "1:[q] = 0");
}

Test(csv_tokenizer, other_separators_and_nul_bytes)
{
    char *got = tokens_n("a;b,c\t\"d;e\"", 11, ';');
    cr_expect_str_eq(got, "1:[a][b,c\t\"d][e\"] = 0");
    free(got);
    /* a NUL byte is kept in its field (which then reads as ending there) */
    got = tokens_n("a\0b,c\n", 6, ',');
    cr_expect_str_eq(got, "1:[a][c] = 0");
    free(got);
}

Test(csv_tokenizer, rows_larger_than_the_buffers)
{
    /* 100 fields (the field table starts at 32) of 100 bytes (the row buffer at 1 KiB),
     * every other one quoted with a doubled quote inside, then a second row */
    pw_strbuf in = {0}, want = {0};
    pw_strbuf_append(&want, "1:");
    for (int i = 0; i < 100; i++) {
        char field[101];
        memset(field, 'a' + i % 26, 100);
        field[100] = '\0';
        if (i)
            pw_strbuf_append(&in, ",");
        if (i % 2) {
            pw_strbuf_printf(&in, "\"%.49s\"\"%s\"", field, field + 49);
            pw_strbuf_printf(&want, "[%.49s\"%s]", field, field + 49);
        } else {
            pw_strbuf_append(&in, field);
            pw_strbuf_printf(&want, "[%s]", field);
        }
    }
    pw_strbuf_append(&in, "\r\nlast\n");
    pw_strbuf_append(&want, " 2:[last] = 0");
    char *got = tokens_n(in.data, in.len, ',');
    cr_expect_str_eq(got, want.data);
    free(got);
    pw_strbuf_free(&in);
    pw_strbuf_free(&want);
}

/* A stream that gives its text and then fails to read. */
static ssize_t read_then_fail(void *cookie, char *out, size_t size)
{
    const char **text = cookie;
    size_t n = strlen(*text);
    if (n == 0) {
        errno = EIO;
        return -1;
    }
    n = n < size ? n : size;
    memcpy(out, *text, n);
    *text += n;
    return (ssize_t)n;
}

Test(csv_tokenizer, read_error)
{
    const char *texts[] = {"a,b\nc,d", "a,b\n", "a,\"b\n", ""};
    const char *want[] = {"1:[a][b] = EIO", "1:[a][b] = EIO", "= EIO", "= EIO"};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        const char *text = texts[i];
        cookie_io_functions_t io = {.read = read_then_fail};
        FILE *fp = fopencookie(&text, "r", io);
        cr_assert_not_null(fp);
        char *got = read_rows(fp, ',');
        cr_expect_str_eq(got, want[i], "case %zu", i);
        free(got);
        fclose(fp);
    }
}

/* Rows come out as their lines arrive, whatever the lines end in: from a pipe whose
 * writer has not finished, a CRLF or LF row is read at once, and a lone-CR row once the
 * next byte has come (a CR may be the first half of a CRLF), as getc reads them; a
 * lone-CR file read to LF would be waited for to its end and held whole. Fails by
 * timing out. */
Test(csv_tokenizer, rows_from_a_pipe_come_as_they_arrive, .timeout = 10)
{
    static const char *const inputs[] = {"a,b\r\nc,d\r\n", "a,b\nc,d\n", "a,b\rc,d\re"};
    for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
        int fd[2];
        cr_assert_eq(pipe(fd), 0);
        cr_assert_eq(write(fd[1], inputs[i], strlen(inputs[i])), (ssize_t)strlen(inputs[i]));
        FILE *fp = fdopen(fd[0], "r");
        cr_assert_not_null(fp);
        pw_csv *c = pw_csv_new(fp, ',');
        char **f;
        cr_assert_eq(pw_csv_next_row(c, &f), 2, "input %zu", i);
        cr_assert_str_eq(f[0], "a");
        cr_assert_eq(pw_csv_next_row(c, &f), 2, "input %zu", i);
        cr_assert_str_eq(f[1], "d");
        close(fd[1]); /* the writer finishes only now */
        int n;
        while ((n = pw_csv_next_row(c, &f)) > 0)
            cr_assert_str_eq(f[0], "e");
        cr_assert_eq(n, 0);
        pw_csv_free(c);
        fclose(fp);
    }
}
