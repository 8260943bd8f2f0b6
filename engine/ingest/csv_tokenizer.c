/*
 * RFC 4180 CSV tokenizer. Reads bytes with getc_unlocked into one growing row
 * buffer; fields are NUL-separated slices of that buffer and their start offsets are
 * turned into pointers once the row is complete (the buffer may move while growing).
 */
#include "ingest/csv_tokenizer.h"

#include <stdlib.h>
#include <string.h>

struct pw_csv {
    FILE *fp;
    char sep;
    char *buf; /* the fields, NUL-separated */
    size_t len, cap;
    size_t *starts; /* field start offsets into buf */
    char **fields;
    size_t n_fields, cap_fields;
    long line;     /* lines consumed so far */
    long row_line; /* line on which the last row started */
    bool started;  /* BOM check done */
    int pending[3]; /* bytes read ahead by the BOM check, last first */
    int n_pending;
    pw_strbuf text;
};

pw_csv *pw_csv_new(FILE *fp, char separator)
{
    pw_csv *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->fp = fp;
    c->sep = separator;
    return c;
}

void pw_csv_free(pw_csv *c)
{
    if (!c)
        return;
    free(c->buf);
    free(c->starts);
    free(c->fields);
    pw_strbuf_free(&c->text);
    free(c);
}

static int next_byte(pw_csv *c)
{
    if (c->n_pending > 0)
        return c->pending[--c->n_pending];
    return getc_unlocked(c->fp);
}

static int push_byte(pw_csv *c, char ch)
{
    if (c->len + 1 >= c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 1024;
        char *nb = realloc(c->buf, cap);
        if (!nb)
            return PW_ENOMEM;
        c->buf = nb;
        c->cap = cap;
    }
    c->buf[c->len++] = ch;
    return 0;
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

/* Turns the field start offsets into pointers (the buffer no longer moves). */
static void set_fields(pw_csv *c)
{
    for (size_t i = 0; i < c->n_fields; i++)
        c->fields[i] = c->buf + c->starts[i];
    c->fields[c->n_fields] = NULL;
}

int pw_csv_next_row(pw_csv *c, char ***fields)
{
    if (!c->started) {
        c->started = true;
        int b[3], n = 0;
        while (n < 3 && (b[n] = getc_unlocked(c->fp)) != EOF)
            n++;
        bool bom = n == 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF;
        if (!bom)
            while (n > 0)
                c->pending[c->n_pending++] = b[--n]; /* pushed back in reverse */
    }
    for (;;) {
        c->len = 0;
        c->n_fields = 0;
        c->row_line = c->line + 1;
        int ch = next_byte(c);
        if (ch == EOF)
            return ferror(c->fp) ? PW_EIO : 0;
        if (ch == '\n' || ch == '\r') { /* blank line */
            if (ch == '\r') {
                int nx = next_byte(c);
                if (nx != '\n' && nx != EOF)
                    c->pending[c->n_pending++] = nx;
            }
            c->line++;
            continue;
        }
        if (start_field(c))
            return PW_ENOMEM;
        bool quoted = false, was_quoted = false;
        for (;;) {
            if (ch == EOF) {
                if (ferror(c->fp))
                    return PW_EIO;
                if (quoted) { /* keep what was read, so the caller can show it */
                    c->line++;
                    if (push_byte(c, '\0'))
                        return PW_ENOMEM;
                    set_fields(c);
                    return PW_EPARSE;
                }
                c->line++;
                break;
            }
            if (quoted) {
                if (ch == '"') {
                    int nx = next_byte(c);
                    if (nx == '"') {
                        if (push_byte(c, '"'))
                            return PW_ENOMEM;
                    } else {
                        quoted = false;
                        ch = nx;
                        continue;
                    }
                } else {
                    if (ch == '\n')
                        c->line++;
                    if (push_byte(c, (char)ch))
                        return PW_ENOMEM;
                }
            } else if (ch == '"' && !was_quoted && c->len == c->starts[c->n_fields - 1]) {
                quoted = was_quoted = true;
            } else if (ch == c->sep) {
                if (push_byte(c, '\0') || start_field(c))
                    return PW_ENOMEM;
                was_quoted = false;
            } else if (ch == '\n' || ch == '\r') {
                if (ch == '\r') {
                    int nx = next_byte(c);
                    if (nx != '\n' && nx != EOF)
                        c->pending[c->n_pending++] = nx;
                }
                c->line++;
                break;
            } else {
                if (push_byte(c, (char)ch))
                    return PW_ENOMEM;
            }
            ch = next_byte(c);
        }
        if (push_byte(c, '\0'))
            return PW_ENOMEM;
        set_fields(c);
        *fields = c->fields;
        return (int)c->n_fields;
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
