/*
 * RFC 4180 CSV tokenizer. The input is read a line at a time with getdelim, so rows
 * from a pipe come out as their lines arrive and nothing after a row's line is taken
 * from the FILE. A line ends where the first line does: the first line is read a byte
 * at a time up to its LF, CRLF or lone CR, and the others with getdelim up to LF, or up
 * to CR in a file whose lines end in a lone CR (classic Mac OS), which would otherwise
 * be one line held whole. Whatever a line holds past the end of a row (a lone CR in an
 * LF file, an LF in a CR file) is cut there all the same, and its rest waits in the
 * buffer. Each line is copied to the end of one row buffer and cut into fields there,
 * in place: a separator becomes the NUL that ends its field, and the runs of ordinary
 * bytes are found with a table of the bytes that end a run (separator, CR and LF
 * outside quotes, '"' and LF inside, and NUL, which follows the line so that the scan
 * needs no bound check). A run stays where it is until a quote has been taken out of
 * the row; from then on each run moves down with one memmove. A row never takes more
 * bytes than its input, plus a NUL at the end of the input, so what is written never
 * overtakes what is still to be read, and room is made once per line, when it is
 * copied in. Fields are NUL-separated slices of the buffer and their start offsets
 * are turned into pointers once the row is complete (the buffer may move while
 * growing).
 *
 * Reads behave as getc's would: a line that does not end in its end byte ended at the
 * end of the input or at a read error, and that end is reported once, after the line's
 * bytes, before the FILE is read again. One difference: getdelim reads nothing from a
 * FILE in error, where getc would try again, so a read error is final.
 */
#include "ingest/csv_tokenizer.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

enum { ENDS_UNQUOTED = 1, ENDS_QUOTED = 2 }; /* bits of pw_csv.run_ends */

struct pw_csv {
    FILE *fp;
    char sep;
    unsigned char run_ends[256]; /* per byte: ENDS_* bits of the states it ends a run in */
    char *input_line;            /* getdelim's buffer */
    size_t input_line_cap;
    int line_end;     /* the byte lines end in: '\n' or '\r', 0 before the first line */
    bool input_ended; /* the last line read did not end in line_end: report the end next */
    char *buf;        /* the row's fields, NUL-separated, and after them the input not read */
    size_t len, cap;  /* len: where the row's bytes end */
    char *next, *end; /* the input not read yet; *end is a NUL */
    size_t *starts;   /* field start offsets into buf */
    char **fields;
    size_t n_fields, cap_fields;
    long line;     /* lines consumed so far */
    long row_line; /* line on which the last row started */
    bool started;  /* BOM check done */
    pw_strbuf text;
};

pw_csv *pw_csv_new(FILE *fp, char separator)
{
    pw_csv *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->fp = fp;
    c->sep = separator;
    c->run_ends[(unsigned char)separator] |= ENDS_UNQUOTED;
    c->run_ends['\r'] |= ENDS_UNQUOTED;
    c->run_ends['"'] |= ENDS_QUOTED;
    c->run_ends['\n'] |= ENDS_UNQUOTED | ENDS_QUOTED;
    c->run_ends['\0'] |= ENDS_UNQUOTED | ENDS_QUOTED;
    return c;
}

void pw_csv_free(pw_csv *c)
{
    if (!c)
        return;
    free(c->input_line);
    free(c->buf);
    free(c->starts);
    free(c->fields);
    pw_strbuf_free(&c->text);
    free(c);
}

/* Makes room in the row buffer for n more bytes and a NUL. */
static int reserve(pw_csv *c, size_t n)
{
    if (c->len + n < c->cap)
        return 0;
    size_t cap = c->cap ? c->cap : 1024;
    while (cap <= c->len + n)
        cap *= 2;
    char *nb = realloc(c->buf, cap);
    if (!nb)
        return PW_ENOMEM;
    c->buf = nb;
    c->cap = cap;
    return 0;
}

/* Reads the first line into input_line a byte at a time, up to and with its LF, CRLF
 * or lone CR, and sets line_end from how it ends. Returns its length (0 at once at the
 * end of the input or on a read error) or -1 on out of memory. */
static ssize_t read_first_line(pw_csv *c)
{
    size_t n = 0;
    for (;;) {
        if (n + 2 >= c->input_line_cap) {
            size_t cap = c->input_line_cap ? 2 * c->input_line_cap : 256;
            char *nb = realloc(c->input_line, cap);
            if (!nb)
                return -1;
            c->input_line = nb;
            c->input_line_cap = cap;
        }
        int ch = getc_unlocked(c->fp);
        if (ch == EOF)
            break;
        c->input_line[n++] = (char)ch;
        if (ch == '\n') {
            c->line_end = '\n';
            break;
        }
        if (ch == '\r') {
            int nx = getc_unlocked(c->fp);
            if (nx == '\n')
                c->input_line[n++] = '\n';
            else if (nx != EOF)
                ungetc(nx, c->fp);
            c->line_end = nx == '\n' || nx == EOF ? '\n' : '\r';
            break;
        }
    }
    c->input_line[n] = '\0';
    return (ssize_t)n;
}

/* Reads the next line to the end of the row's bytes, as getc reads the next byte: 1
 * when there is one, 0 at the end of the input or on a read error (ferror tells which),
 * or PW_ENOMEM. Called when all the input read so far has been. */
static int read_line(pw_csv *c)
{
    if (c->input_ended) {
        c->input_ended = false;
        return 0;
    }
    errno = 0; /* (getdelim leaves it alone on a FILE already in error) */
    ssize_t n = c->line_end ? getdelim(&c->input_line, &c->input_line_cap, c->line_end, c->fp)
                            : read_first_line(c);
    if (n < 0)
        return !c->line_end || (!feof(c->fp) && errno == ENOMEM) ? PW_ENOMEM : 0;
    if (n == 0)
        return 0; /* (read_first_line at the end of the input) */
    if (!c->line_end)
        c->line_end = '\n'; /* a one-line input without a line end */
    if (reserve(c, (size_t)n))
        return PW_ENOMEM;
    c->next = c->buf + c->len;
    c->end = c->next + n;
    memcpy(c->next, c->input_line, (size_t)n + 1); /* with the NUL after the line */
    c->input_ended = c->input_line[n - 1] != c->line_end;
    return 1;
}

static int start_field(pw_csv *c)
{
    if (c->n_fields == c->cap_fields) {
        size_t cap = c->cap_fields ? c->cap_fields * 2 : 32;
        size_t *ns = realloc(c->starts, cap * sizeof *ns);
        if (!ns)
            return PW_ENOMEM;
        c->starts = ns;
        char **nf = realloc(c->fields, (cap + 1) * sizeof *nf);
        if (!nf)
            return PW_ENOMEM;
        c->fields = nf;
        c->cap_fields = cap;
    }
    c->starts[c->n_fields++] = c->len;
    return 0;
}

/* Takes the run of bytes at c->next that end no run in the state `ends` stands for
 * into the row (it is there already unless a quote was taken out). */
static inline void take_run(pw_csv *c, unsigned char ends)
{
    char *run = c->next, *p = run;
    while (!(c->run_ends[(unsigned char)*p] & ends))
        p++;
    if (run != c->buf + c->len)
        memmove(c->buf + c->len, run, (size_t)(p - run));
    c->len += (size_t)(p - run);
    c->next = p;
}

/* After a CR: a LF that follows belongs to the same line end. */
static void skip_lf_after_cr(pw_csv *c)
{
    if (c->next != c->end) {
        if (*c->next == '\n')
            c->next++;
        return;
    }
    if (c->input_ended)
        return; /* the input ended with the CR */
    /* A line that ends in a lone CR: one byte of the next is enough to tell (a whole
     * line would keep the row waiting for it), and it goes back unless it is the LF. */
    int next = getc_unlocked(c->fp);
    if (next != '\n' && next != EOF)
        ungetc(next, c->fp);
}

/* Ends the row's last field and line. */
static void end_row(pw_csv *c)
{
    c->line++;
    c->buf[c->len++] = '\0';
}

/* Turns the field start offsets into pointers (the buffer no longer moves). Returns
 * the number of fields. */
static int set_fields(pw_csv *c)
{
    for (size_t i = 0; i < c->n_fields; i++)
        c->fields[i] = c->buf + c->starts[i];
    c->fields[c->n_fields] = NULL;
    return (int)c->n_fields;
}

/* The row's result when the input ends in it (in_quotes: inside a quoted field, where
 * the row is still ended, so that the caller can show what was read). */
static int end_row_at_eof(pw_csv *c, bool in_quotes)
{
    if (ferror(c->fp))
        return PW_EIO;
    end_row(c);
    int n = set_fields(c);
    return in_quotes ? PW_EPARSE : n;
}

/* Reads the next line when a row runs to the end of what was read: 0 when there is
 * one, else the row's result at the end of the input (end_row_at_eof, never 0) or
 * PW_ENOMEM. */
static int read_more(pw_csv *c, bool in_quotes)
{
    int rc = read_line(c);
    return rc > 0 ? 0 : rc < 0 ? rc : end_row_at_eof(c, in_quotes);
}

/* Reads a quoted field from after its opening quote to after its closing one. Returns
 * 0 when more input follows, else the row's result. Text after the closing quote is
 * the unquoted part's to read. */
static int read_quoted(pw_csv *c)
{
    for (;;) {
        take_run(c, ENDS_QUOTED);
        int rc;
        if (c->next == c->end) {
            if ((rc = read_more(c, true)) != 0)
                return rc;
            continue;
        }
        char ch = *c->next++;
        if (ch == '"') {
            if (c->next == c->end && (rc = read_more(c, false)) != 0)
                return rc;
            if (*c->next != '"')
                return 0; /* the closing quote */
            c->next++;    /* "" is one quote */
        } else if (ch == '\n') {
            c->line++;
        }
        c->buf[c->len++] = ch;
    }
}

/* Reads a field's bytes outside quotes, up to its separator (0) or the end of the row
 * (the row's result). */
static int read_unquoted(pw_csv *c)
{
    for (;;) {
        take_run(c, ENDS_UNQUOTED);
        if (c->next == c->end) {
            int rc = read_more(c, false);
            if (rc != 0)
                return rc;
            continue;
        }
        char ch = *c->next++;
        if (ch == c->sep) {
            c->buf[c->len++] = '\0';
            return 0;
        }
        if (ch == '\r' || ch == '\n') {
            end_row(c);
            if (ch == '\r')
                skip_lf_after_cr(c);
            return set_fields(c);
        }
        c->buf[c->len++] = ch; /* a NUL byte in the input */
    }
}

/* Reads the row starting at c->next: its number of fields, or an error. A '"' opens a
 * quoted field only as the field's first byte. */
static int read_row(pw_csv *c)
{
    for (;;) {
        if (start_field(c))
            return PW_ENOMEM;
        int rc = c->next == c->end ? read_more(c, false) : 0;
        if (rc != 0)
            return rc;
        if (*c->next == '"') {
            c->next++;
            rc = read_quoted(c);
        }
        if (rc == 0)
            rc = read_unquoted(c);
        if (rc != 0)
            return rc;
    }
}

int pw_csv_next_row(pw_csv *c, char ***fields)
{
    if (!c->started) {
        c->started = true;
        int rc = read_line(c);
        if (rc < 0)
            return rc;
        if (rc > 0 && c->end - c->next >= 3 && memcmp(c->next, "\xEF\xBB\xBF", 3) == 0)
            c->next += 3;
    }
    for (;;) {
        /* a row in a line read already (after a lone CR) starts where it is */
        c->len = c->next != c->end ? (size_t)(c->next - c->buf) : 0;
        c->n_fields = 0;
        c->row_line = c->line + 1;
        if (c->next == c->end) {
            int rc = read_line(c);
            if (rc < 0)
                return rc;
            if (rc == 0)
                return ferror(c->fp) ? PW_EIO : 0;
        }
        char ch = *c->next;
        if (ch != '\n' && ch != '\r') {
            int n = read_row(c);
            if (n > 0)
                *fields = c->fields;
            return n;
        }
        c->next++; /* a blank line */
        if (ch == '\r')
            skip_lf_after_cr(c);
        c->line++;
    }
}

long pw_csv_row_line(const pw_csv *c) { return c->row_line; }

const char *pw_csv_row_text(const pw_csv *c)
{
    pw_csv *m = (pw_csv *)c;
    pw_strbuf_reset(&m->text);
    for (size_t i = 0; i < c->n_fields; i++) {
        if (i)
            pw_strbuf_appendn(&m->text, &c->sep, 1);
        pw_strbuf_append(&m->text, c->fields[i]);
    }
    return m->text.data ? m->text.data : "";
}
