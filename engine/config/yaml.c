/*
 * YAML node tree on top of libyaml's event parser.
 *
 * The whole file is read into memory and parsed from a string, so a reader error
 * (bad UTF-8), which libyaml reports as a byte offset, can still be turned into a
 * line and column. Events build the tree through a stack of open collections; each
 * open collection gathers its children in a malloc'ed vector that is copied into the
 * document's arena when the collection closes, so a finished document is one arena
 * plus nothing else. Mapping children alternate key, value; a key is checked against
 * the earlier keys of its mapping when it arrives (quadratic, but mappings in config
 * and rule files hold a handful of keys).
 *
 * libyaml marks are 0-based; every position stored here is 1-based.
 */
#include "config/config.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <yaml.h>

struct pw_yaml_node {
    enum pw_yaml_kind kind;
    int line, col;
    bool quoted;
    const char *file;
    const char *value; /* scalars */
    size_t len;
    const pw_yaml_node **items; /* sequences: items; mappings: key, value, key, value... */
    size_t n_items;
};

struct pw_yaml_doc {
    pw_arena *arena;
    const char *file;
    const pw_yaml_node *root;
};

/* An open collection while parsing. */
typedef struct frame {
    pw_yaml_node *node;
    const pw_yaml_node **kids;
    size_t n, cap;
} frame;

typedef struct builder {
    pw_yaml_doc *doc;
    frame stack[PW_YAML_MAX_DEPTH];
    size_t depth;
    pw_error *err;
} builder;

/* Longest piece of a key or value quoted in a message. */
#define QUOTE_MAX 60

/* ---- loading ------------------------------------------------------------- */

/* 1-based line and column of byte offset off in text (columns count characters). */
static void offset_position(const char *text, size_t len, size_t off, int *line, int *col)
{
    int l = 1, c = 1;
    if (off > len)
        off = len;
    for (size_t i = 0; i < off; i++) {
        unsigned char ch = (unsigned char)text[i];
        if (ch == '\n') {
            l++;
            c = 1;
        } else if ((ch & 0xC0) != 0x80) {
            c++;
        }
    }
    *line = l;
    *col = c;
}

static int parser_error(const yaml_parser_t *p, const char *name, const char *text, size_t len,
                        pw_error *err)
{
    const char *problem = p->problem ? p->problem : "invalid YAML";
    if (p->error == YAML_MEMORY_ERROR)
        return pw_error_set(err, PW_ENOMEM, name, 0, 0, "out of memory while parsing YAML");
    if (p->error == YAML_READER_ERROR) {
        int line, col;
        offset_position(text, len, p->problem_offset, &line, &col);
        if (p->problem_value != -1)
            return pw_error_set(err, PW_EPARSE, name, line, col, "%s (byte 0x%02x)", problem,
                                (unsigned)p->problem_value & 0xFFu);
        return pw_error_set(err, PW_EPARSE, name, line, col, "%s", problem);
    }
    int line = (int)p->problem_mark.line + 1, col = (int)p->problem_mark.column + 1;
    if (p->context)
        return pw_error_set(err, PW_EPARSE, name, line, col, "%s (%s at line %d, column %d)",
                            problem, p->context, (int)p->context_mark.line + 1,
                            (int)p->context_mark.column + 1);
    return pw_error_set(err, PW_EPARSE, name, line, col, "%s", problem);
}

static int at_mark(builder *b, yaml_mark_t m, const char *msg)
{
    return pw_error_set(b->err, PW_EPARSE, b->doc->file, (int)m.line + 1, (int)m.column + 1, "%s",
                        msg);
}

/* Rejects what paxwatch files never use: anchors, aliases and tags. */
static int check_decorations(builder *b, const yaml_event_t *ev, const yaml_char_t *anchor,
                             const yaml_char_t *tag)
{
    if (anchor)
        return pw_error_set(b->err, PW_EPARSE, b->doc->file, (int)ev->start_mark.line + 1,
                            (int)ev->start_mark.column + 1,
                            "YAML anchors ('&%.*s') are not supported", QUOTE_MAX,
                            (const char *)anchor);
    if (tag) {
        static const char core[] = "tag:yaml.org,2002:";
        const char *t = (const char *)tag;
        bool short_form = !strncmp(t, core, sizeof core - 1);
        return pw_error_set(b->err, PW_EPARSE, b->doc->file, (int)ev->start_mark.line + 1,
                            (int)ev->start_mark.column + 1,
                            "YAML tags ('%s%.*s') are not supported", short_form ? "!!" : "",
                            QUOTE_MAX, short_form ? t + sizeof core - 1 : t);
    }
    return 0;
}

static pw_yaml_node *new_node(builder *b, enum pw_yaml_kind kind, yaml_mark_t m)
{
    pw_yaml_node *n = pw_arena_alloc(b->doc->arena, sizeof *n);
    if (!n)
        return NULL;
    n->kind = kind;
    n->line = (int)m.line + 1;
    n->col = (int)m.column + 1;
    n->file = b->doc->file;
    return n;
}

static bool expecting_key(const builder *b)
{
    if (b->depth == 0)
        return false;
    const frame *f = &b->stack[b->depth - 1];
    return f->node->kind == PW_YAML_MAPPING && f->n % 2 == 0;
}

/* Adds a finished or just opened node to the innermost open collection (or makes it
 * the root), checking mapping keys for duplicates. */
static int add_child(builder *b, const pw_yaml_node *n)
{
    if (b->depth == 0) {
        b->doc->root = n;
        return 0;
    }
    frame *f = &b->stack[b->depth - 1];
    if (expecting_key(b)) {
        for (size_t i = 0; i < f->n; i += 2) {
            const pw_yaml_node *k = f->kids[i];
            if (k->len == n->len && memcmp(k->value, n->value, n->len) == 0)
                return pw_error_set(b->err, PW_EPARSE, b->doc->file, n->line, n->col,
                                    "duplicate key '%.*s' (first at line %d, column %d)", QUOTE_MAX,
                                    n->value, k->line, k->col);
        }
    }
    if (f->n == f->cap) {
        size_t cap = f->cap ? f->cap * 2 : 8;
        const pw_yaml_node **kids = realloc(f->kids, cap * sizeof *kids);
        if (!kids)
            return pw_error_set(b->err, PW_ENOMEM, b->doc->file, 0, 0, "out of memory");
        f->kids = kids;
        f->cap = cap;
    }
    f->kids[f->n++] = n;
    return 0;
}

static int open_collection(builder *b, const yaml_event_t *ev, enum pw_yaml_kind kind)
{
    if (expecting_key(b))
        return at_mark(b, ev->start_mark, "mapping keys must be scalars");
    if (b->depth == PW_YAML_MAX_DEPTH)
        return pw_error_set(b->err, PW_EPARSE, b->doc->file, (int)ev->start_mark.line + 1,
                            (int)ev->start_mark.column + 1, "nesting is deeper than %d levels",
                            PW_YAML_MAX_DEPTH);
    pw_yaml_node *n = new_node(b, kind, ev->start_mark);
    if (!n)
        return pw_error_set(b->err, PW_ENOMEM, b->doc->file, 0, 0, "out of memory");
    int rc = add_child(b, n);
    if (rc)
        return rc;
    b->stack[b->depth++] = (frame){.node = n};
    return 0;
}

static int close_collection(builder *b)
{
    frame *f = &b->stack[b->depth - 1];
    if (f->n > 0) {
        const pw_yaml_node **items = pw_arena_alloc(b->doc->arena, f->n * sizeof *items);
        if (!items)
            return pw_error_set(b->err, PW_ENOMEM, b->doc->file, 0, 0, "out of memory");
        memcpy(items, f->kids, f->n * sizeof *items);
        f->node->items = items;
        f->node->n_items = f->n;
    }
    free(f->kids);
    b->depth--;
    return 0;
}

static int add_scalar(builder *b, const yaml_event_t *ev)
{
    pw_yaml_node *n = new_node(b, PW_YAML_SCALAR, ev->start_mark);
    if (!n)
        return pw_error_set(b->err, PW_ENOMEM, b->doc->file, 0, 0, "out of memory");
    n->len = ev->data.scalar.length;
    /* The whole scalar, NULs from "\0" escapes included (len counts them): a strndup
     * would stop at the first NUL and leave len pointing past the copy. */
    char *value = n->len < SIZE_MAX ? pw_arena_alloc(b->doc->arena, n->len + 1) : NULL;
    if (!value)
        return pw_error_set(b->err, PW_ENOMEM, b->doc->file, 0, 0, "out of memory");
    memcpy(value, ev->data.scalar.value, n->len);
    value[n->len] = '\0';
    n->value = value;
    n->quoted = ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE;
    return add_child(b, n);
}

/* Turns the event stream into the tree; 0 or an error already set in b->err. */
static int build(builder *b, yaml_parser_t *p, const char *text, size_t len)
{
    bool seen_document = false;
    for (;;) {
        yaml_event_t ev;
        if (!yaml_parser_parse(p, &ev))
            return parser_error(p, b->doc->file, text, len, b->err);
        int rc = 0;
        bool done = false;
        switch (ev.type) {
        case YAML_STREAM_END_EVENT:
            done = true;
            break;
        case YAML_DOCUMENT_START_EVENT:
            if (seen_document)
                rc = at_mark(b, ev.start_mark,
                             "only one YAML document is allowed per file (found a second '---')");
            seen_document = true;
            break;
        case YAML_ALIAS_EVENT:
            rc = pw_error_set(b->err, PW_EPARSE, b->doc->file, (int)ev.start_mark.line + 1,
                              (int)ev.start_mark.column + 1,
                              "YAML aliases ('*%.*s') are not supported", QUOTE_MAX,
                              (const char *)ev.data.alias.anchor);
            break;
        case YAML_SCALAR_EVENT:
            rc = check_decorations(b, &ev, ev.data.scalar.anchor, ev.data.scalar.tag);
            if (!rc)
                rc = add_scalar(b, &ev);
            break;
        case YAML_SEQUENCE_START_EVENT:
            rc = check_decorations(b, &ev, ev.data.sequence_start.anchor,
                                   ev.data.sequence_start.tag);
            if (!rc)
                rc = open_collection(b, &ev, PW_YAML_SEQUENCE);
            break;
        case YAML_MAPPING_START_EVENT:
            rc = check_decorations(b, &ev, ev.data.mapping_start.anchor, ev.data.mapping_start.tag);
            if (!rc)
                rc = open_collection(b, &ev, PW_YAML_MAPPING);
            break;
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT:
            rc = close_collection(b);
            break;
        default: /* stream start, document end, no event */
            break;
        }
        yaml_event_delete(&ev);
        if (rc || done)
            return rc;
    }
}

int pw_yaml_load_string(const char *name, const char *text, size_t len, pw_yaml_doc **out,
                        pw_error *err)
{
    *out = NULL;
    if (!name)
        name = "<string>";
    if (!text) {
        text = "";
        len = 0;
    }
    pw_yaml_doc *doc = calloc(1, sizeof *doc);
    if (!doc)
        return pw_error_set(err, PW_ENOMEM, name, 0, 0, "out of memory");
    doc->arena = pw_arena_new(0);
    if (!doc->arena || !(doc->file = pw_arena_strdup(doc->arena, name))) {
        pw_yaml_free(doc);
        return pw_error_set(err, PW_ENOMEM, name, 0, 0, "out of memory");
    }
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser)) {
        pw_yaml_free(doc);
        return pw_error_set(err, PW_ENOMEM, name, 0, 0, "out of memory");
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    builder b = {.doc = doc, .err = err};
    int rc = build(&b, &parser, text, len);
    while (b.depth > 0) /* only after an error */
        free(b.stack[--b.depth].kids);
    yaml_parser_delete(&parser);
    if (rc) {
        pw_yaml_free(doc);
        return rc;
    }
    *out = doc;
    return 0;
}

int pw_yaml_load_file(const char *path, pw_yaml_doc **out, pw_error *err)
{
    *out = NULL;
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return pw_error_set(err, PW_EIO, path, 0, 0, "cannot open: %s", strerror(errno));
    struct stat st;
    if (fstat(fileno(fp), &st) != 0) {
        int e = errno;
        fclose(fp);
        return pw_error_set(err, PW_EIO, path, 0, 0, "cannot read: %s", strerror(e));
    }
    if (S_ISDIR(st.st_mode)) {
        fclose(fp);
        return pw_error_set(err, PW_EIO, path, 0, 0, "cannot read: %s", strerror(EISDIR));
    }
    if (st.st_size > PW_YAML_MAX_BYTES) {
        fclose(fp);
        return pw_error_set(err, PW_EIO, path, 0, 0, "file is larger than %ld bytes",
                            PW_YAML_MAX_BYTES);
    }
    /* st_size is 0 for pipes and devices: the loop below grows the buffer as needed. */
    size_t cap = (size_t)(st.st_size > 0 ? st.st_size : 0) + 1, len = 0;
    char *text = NULL;
    for (;;) { /* the size may change under us: read to the end */
        char *bigger = realloc(text, cap);
        if (!bigger) {
            free(text);
            fclose(fp);
            return pw_error_set(err, PW_ENOMEM, path, 0, 0, "out of memory");
        }
        text = bigger;
        len += fread(text + len, 1, cap - len, fp);
        if (len < cap || len > (size_t)PW_YAML_MAX_BYTES)
            break;
        cap *= 2;
    }
    if (len > (size_t)PW_YAML_MAX_BYTES) {
        free(text);
        fclose(fp);
        return pw_error_set(err, PW_EIO, path, 0, 0, "file is larger than %ld bytes",
                            PW_YAML_MAX_BYTES);
    }
    int failed = ferror(fp);
    fclose(fp);
    if (failed) {
        free(text);
        return pw_error_set(err, PW_EIO, path, 0, 0, "read error");
    }
    int rc = pw_yaml_load_string(path, text, len, out, err);
    free(text);
    return rc;
}

void pw_yaml_free(pw_yaml_doc *doc)
{
    if (!doc)
        return;
    pw_arena_free(doc->arena);
    free(doc);
}

/* ---- access ------------------------------------------------------------- */

const pw_yaml_node *pw_yaml_root(const pw_yaml_doc *doc)
{
    return doc ? doc->root : NULL;
}
const char *pw_yaml_file(const pw_yaml_doc *doc)
{
    return doc->file;
}
enum pw_yaml_kind pw_yaml_kind(const pw_yaml_node *n)
{
    return n->kind;
}
const char *pw_yaml_node_file(const pw_yaml_node *n)
{
    return n->file;
}
int pw_yaml_line(const pw_yaml_node *n)
{
    return n->line;
}
int pw_yaml_col(const pw_yaml_node *n)
{
    return n->col;
}
bool pw_yaml_is_quoted(const pw_yaml_node *n)
{
    return n && n->quoted;
}

const char *pw_yaml_scalar(const pw_yaml_node *n, size_t *len)
{
    if (!n || n->kind != PW_YAML_SCALAR)
        return NULL;
    if (len)
        *len = n->len;
    return n->value;
}

bool pw_yaml_is_null(const pw_yaml_node *n)
{
    if (!n)
        return true;
    if (n->kind != PW_YAML_SCALAR || n->quoted)
        return false;
    const char *v = n->value;
    return !strcmp(v, "") || !strcmp(v, "~") || !strcmp(v, "null") || !strcmp(v, "Null") ||
           !strcmp(v, "NULL");
}

const char *pw_yaml_kind_name(const pw_yaml_node *n)
{
    if (pw_yaml_is_null(n))
        return "null";
    switch (n->kind) {
    case PW_YAML_MAPPING:
        return "a mapping";
    case PW_YAML_SEQUENCE:
        return "a sequence";
    default:
        return n->quoted ? "a quoted string" : "a scalar";
    }
}

size_t pw_yaml_size(const pw_yaml_node *n)
{
    if (!n || n->kind == PW_YAML_SCALAR)
        return 0;
    return n->kind == PW_YAML_MAPPING ? n->n_items / 2 : n->n_items;
}

const pw_yaml_node *pw_yaml_item(const pw_yaml_node *seq, size_t i)
{
    if (!seq || seq->kind != PW_YAML_SEQUENCE || i >= seq->n_items)
        return NULL;
    return seq->items[i];
}

const pw_yaml_node *pw_yaml_key(const pw_yaml_node *map, size_t i)
{
    if (!map || map->kind != PW_YAML_MAPPING || i >= map->n_items / 2)
        return NULL;
    return map->items[2 * i];
}

const pw_yaml_node *pw_yaml_value(const pw_yaml_node *map, size_t i)
{
    if (!map || map->kind != PW_YAML_MAPPING || i >= map->n_items / 2)
        return NULL;
    return map->items[2 * i + 1];
}

const pw_yaml_node *pw_yaml_get(const pw_yaml_node *map, const char *key)
{
    if (!map || map->kind != PW_YAML_MAPPING)
        return NULL;
    size_t klen = strlen(key);
    for (size_t i = 0; i + 1 < map->n_items; i += 2) {
        const pw_yaml_node *k = map->items[i];
        if (k->len == klen && memcmp(k->value, key, klen) == 0)
            return map->items[i + 1];
    }
    return NULL;
}

/* ---- typed readers --------------------------------------------------------- */

/* Fails at n with "<what>: expected <expected>, got <n described>". */
static int type_error(const pw_yaml_node *n, const char *what, const char *expected, pw_error *err)
{
    const char *sep = what ? ": " : "";
    what = what ? what : "";
    if (n->kind == PW_YAML_SCALAR && n->quoted)
        return pw_error_set(err, PW_EINVAL, n->file, n->line, n->col,
                            "%s%sexpected %s, got the quoted string '%.*s'", what, sep, expected,
                            QUOTE_MAX, n->value);
    if (n->kind == PW_YAML_SCALAR && !pw_yaml_is_null(n))
        return pw_error_set(err, PW_EINVAL, n->file, n->line, n->col, "%s%sexpected %s, got '%.*s'",
                            what, sep, expected, QUOTE_MAX, n->value);
    return pw_error_set(err, PW_EINVAL, n->file, n->line, n->col, "%s%sexpected %s, got %s", what,
                        sep, expected, pw_yaml_kind_name(n));
}

int pw_yaml_expect(const pw_yaml_node *n, enum pw_yaml_kind kind, const char *what, pw_error *err)
{
    if (n->kind == kind && !(kind == PW_YAML_SCALAR && pw_yaml_is_null(n)))
        return 0;
    const char *expected = kind == PW_YAML_MAPPING    ? "a mapping"
                           : kind == PW_YAML_SEQUENCE ? "a sequence"
                                                      : "a value";
    return type_error(n, what, expected, err);
}

static bool plain_scalar(const pw_yaml_node *n)
{
    return n->kind == PW_YAML_SCALAR && !n->quoted && !pw_yaml_is_null(n) &&
           strlen(n->value) == n->len;
}

int pw_yaml_int(const pw_yaml_node *n, const char *what, long min, long max, long *out,
                pw_error *err)
{
    char expected[96];
    snprintf(expected, sizeof expected, "an integer from %ld to %ld", min, max);
    if (!plain_scalar(n))
        return type_error(n, what, expected, err);
    const char *s = n->value;
    const char *d = (*s == '-' || *s == '+') ? s + 1 : s;
    if (!isdigit((unsigned char)*d))
        return type_error(n, what, expected, err);
    for (const char *c = d; *c; c++)
        if (!isdigit((unsigned char)*c))
            return type_error(n, what, expected, err);
    errno = 0;
    long v = strtol(s, NULL, 10);
    if (errno == ERANGE || v < min || v > max)
        return type_error(n, what, expected, err);
    *out = v;
    return 0;
}

int pw_yaml_double(const pw_yaml_node *n, const char *what, double min, double max, double *out,
                   pw_error *err)
{
    char expected[96];
    snprintf(expected, sizeof expected, "a number from %g to %g", min, max);
    if (!plain_scalar(n))
        return type_error(n, what, expected, err);
    /* Decimal notation only: strtod alone would also take "inf", "nan" and hex. */
    const char *s = n->value;
    bool digits = false;
    for (const char *c = s; *c; c++) {
        if (isdigit((unsigned char)*c))
            digits = true;
        else if (!strchr("+-.eE", *c))
            return type_error(n, what, expected, err);
    }
    if (!digits)
        return type_error(n, what, expected, err);
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (*end || errno == ERANGE || !isfinite(v) || v < min || v > max)
        return type_error(n, what, expected, err);
    *out = v;
    return 0;
}

int pw_yaml_bool(const pw_yaml_node *n, const char *what, bool *out, pw_error *err)
{
    static const char *const yes[] = {"true", "True", "TRUE", "yes", "Yes", "YES"};
    static const char *const no[] = {"false", "False", "FALSE", "no", "No", "NO"};
    if (plain_scalar(n)) {
        for (size_t i = 0; i < sizeof yes / sizeof *yes; i++) {
            if (!strcmp(n->value, yes[i])) {
                *out = true;
                return 0;
            }
            if (!strcmp(n->value, no[i])) {
                *out = false;
                return 0;
            }
        }
    }
    return type_error(n, what, "true or false", err);
}

int pw_yaml_string(const pw_yaml_node *n, const char *what, const char **out, pw_error *err)
{
    if (n->kind != PW_YAML_SCALAR || pw_yaml_is_null(n))
        return type_error(n, what, "a string", err);
    if (strlen(n->value) != n->len)
        return pw_error_set(err, PW_EINVAL, n->file, n->line, n->col,
                            "%s%sstrings may not contain NUL characters", what ? what : "",
                            what ? ": " : "");
    *out = n->value;
    return 0;
}

/* ---- keys and suggestions --------------------------------------------------- */

/* Optimal string alignment distance (Levenshtein plus adjacent transpositions),
 * ASCII case-insensitive; stops early at limit + 1. Words are short (keys). */
static size_t edit_distance(const char *a, const char *b, size_t limit)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 64 || lb > 64)
        return limit + 1;
    if ((la > lb ? la - lb : lb - la) > limit)
        return limit + 1;
    size_t d[65][65];
    for (size_t i = 0; i <= la; i++)
        d[i][0] = i;
    for (size_t j = 0; j <= lb; j++)
        d[0][j] = j;
    for (size_t i = 1; i <= la; i++) {
        for (size_t j = 1; j <= lb; j++) {
            int ca = tolower((unsigned char)a[i - 1]), cb = tolower((unsigned char)b[j - 1]);
            size_t best = d[i - 1][j - 1] + (ca != cb);
            if (d[i - 1][j] + 1 < best)
                best = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < best)
                best = d[i][j - 1] + 1;
            if (i > 1 && j > 1 && ca == tolower((unsigned char)b[j - 2]) &&
                tolower((unsigned char)a[i - 2]) == cb && d[i - 2][j - 2] + 1 < best)
                best = d[i - 2][j - 2] + 1;
            d[i][j] = best;
        }
    }
    return d[la][lb];
}

const char *pw_suggest(const char *word, const char *const *candidates)
{
    size_t len = strlen(word);
    /* One edit for short words, two up to 8 characters, three beyond. */
    size_t limit = len <= 3 ? 1 : len <= 8 ? 2 : 3;
    const char *best = NULL;
    size_t best_d = limit + 1;
    for (const char *const *c = candidates; *c; c++) {
        size_t d = edit_distance(word, *c, limit);
        if (d < best_d && d < strlen(*c)) { /* never suggest a word from scratch */
            best = *c;
            best_d = d;
        }
    }
    return best;
}

int pw_yaml_check_key(const pw_yaml_node *key, const char *const *allowed, const char *context,
                      pw_error *err)
{
    for (const char *const *a = allowed; *a; a++)
        if (strlen(*a) == key->len && !memcmp(*a, key->value, key->len))
            return 0;
    const char *hint = strlen(key->value) == key->len ? pw_suggest(key->value, allowed) : NULL;
    const char *in = context ? " in " : "";
    context = context ? context : "";
    if (hint)
        return pw_error_set(err, PW_EINVAL, key->file, key->line, key->col,
                            "unknown key '%.*s'%s%s; did you mean '%s'?", QUOTE_MAX, key->value, in,
                            context, hint);
    /* No close match: list what is allowed. */
    char list[512];
    size_t used = 0;
    list[0] = '\0';
    for (const char *const *a = allowed; *a && used < sizeof list; a++) {
        int w = snprintf(list + used, sizeof list - used, "%s%s", a == allowed ? "" : ", ", *a);
        if (w < 0)
            break;
        used += (size_t)w;
    }
    return pw_error_set(err, PW_EINVAL, key->file, key->line, key->col,
                        "unknown key '%.*s'%s%s (expected one of: %s)", QUOTE_MAX, key->value, in,
                        context, list);
}

/* ---- error lists ------------------------------------------------------------ */

int pw_errlist_add(pw_errlist *l, const pw_error *e)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8;
        pw_error *items = realloc(l->items, cap * sizeof *items);
        if (!items) {
            l->oom = true;
            return PW_ENOMEM;
        }
        l->items = items;
        l->cap = cap;
    }
    l->items[l->n++] = *e;
    return 0;
}

void pw_errlist_print(const pw_errlist *l, FILE *out)
{
    for (size_t i = 0; i < l->n; i++)
        pw_error_print(&l->items[i], out);
    if (l->oom)
        fputs("(out of memory: further errors were not kept)\n", out);
}

void pw_errlist_free(pw_errlist *l)
{
    if (!l)
        return;
    free(l->items);
    *l = (pw_errlist){0};
}
