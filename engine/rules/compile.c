/*
 * The rule compiler: a `when:` tree of YAML nodes into a run of pwr_nodes, and the
 * prefilter keys of a compiled rule.
 *
 * Shape of a condition: a mapping. One key is one condition; several keys mean all of
 * them. A key is a combinator (all, any: a sequence of conditions; not, any_document,
 * every_document: one condition), `watchlist` (a candidate filter), or a field name
 * whose value is a scalar (eq), a sequence (in) or a mapping of operators (all of
 * them). Bare document fields outside any_document / every_document are gathered per
 * mapping into one implicit any_document, so `document.type: P` and
 * `document.days_to_expiry: {lt: 0}` side by side speak of the same document.
 *
 * The compiler never stops at the first mistake: a bad child is reported and the walk
 * goes on with its siblings, so a rule author sees every error at once. Messages name
 * the field and operator in the author's words and suggest the closest field, operator
 * or set name. A regular expression PCRE2 refuses is reported with PCRE2's message and
 * the offset mapped into the YAML source: plain and quoted scalars on one line and
 * literal block scalars (|) map exactly (quoted escapes such as '' and \u00e9 are
 * decoded on the way); folded (>) and multi-line flow scalars are reported at the
 * scalar's start, the message giving the offset within the pattern.
 *
 * Prefilter keys: cost_of() gives each subtree the cost of the cheapest key set that
 * every record satisfying it must hit (a leaf eq or in on an indexable field: its
 * values; all: the cheapest child; any: the union of all children, when each has one;
 * document combinators: their child's; anything else: none), and emit_keys() writes
 * the chosen keys. A rule without such a set runs for every record.
 */
#include "rules/rules_internal.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const op_names[] = {"eq", "ne", "in", "not_in", "matches", "exists", "missing",
                                       "lt", "le", "gt", "ge",     "between", NULL};
enum {
    K_EQ,
    K_NE,
    K_IN,
    K_NOT_IN,
    K_MATCHES,
    K_EXISTS,
    K_MISSING,
    K_LT,
    K_LE,
    K_GT,
    K_GE,
    K_BETWEEN
};
static const char *const watchlist_keys[] = {"lists", "min_score", "categories", "on", NULL};
static const char *const on_words[] = {"name", "document", "any", NULL};
static const char *const list_threshold_word[] = {"list-threshold", NULL};

#define MAX_KEYS_PER_RULE 4096
#define COST_NONE 1e18

static bool is_text_type(int t)
{
    return t == T_STRING || t == T_COUNTRY || t == T_AIRPORT || t == T_ROUTE || t == T_ENUM;
}

/* ---- node emission ------------------------------------------------------------- */

/* Appends a node; returns its index, or -1 (reported) on out of memory. */
static long emit(pwr_loader *ld, const pwr_node *n)
{
    pw_ruleset *set = ld->set;
    if (set->n_nodes == set->cap_nodes) {
        size_t cap = set->cap_nodes ? set->cap_nodes * 2 : 256;
        pwr_node *nodes = realloc(set->nodes, cap * sizeof *nodes);
        if (!nodes) {
            pwr_out_of_memory(ld);
            return -1;
        }
        set->nodes = nodes;
        set->cap_nodes = cap;
    }
    set->nodes[set->n_nodes] = *n;
    set->nodes[set->n_nodes].next = (uint32_t)set->n_nodes + 1;
    return (long)set->n_nodes++;
}

/* Closes a combinator opened at index i: its subtree ends here. */
static void close_node(pwr_loader *ld, long i)
{
    if (i >= 0)
        ld->set->nodes[i].next = (uint32_t)ld->set->n_nodes;
}

static long emit_op(pwr_loader *ld, int op, int field)
{
    pwr_node n = {.op = (uint8_t)op, .field = (uint8_t)field};
    if (field >= 0 && field < F__COUNT)
        ld->cur->fields |= 1ull << field;
    return emit(ld, &n);
}

/* "'text'", "the quoted string '1'", "a mapping", "null": how a value reads in messages. */
static const char *describe(pwr_loader *ld, const pw_yaml_node *n)
{
    if (pw_yaml_is_null(n))
        return "null";
    if (pw_yaml_kind(n) != PW_YAML_SCALAR)
        return pw_yaml_kind_name(n);
    const char *s = pw_yaml_scalar(n, NULL);
    const char *d =
        pw_arena_printf(ld->set->arena, "%s'%.*s'",
                        pw_yaml_is_quoted(n) ? "the quoted string " : "", PWR_QUOTE_MAX, s);
    return d ? d : "a value";
}

/* ", did you mean 'x'?"-style tail, or "". */
static const char *hint(pwr_loader *ld, const char *word, const char *const *candidates)
{
    const char *h = candidates ? pw_suggest(word, candidates) : NULL;
    if (!h)
        return "";
    const char *s = pw_arena_printf(ld->set->arena, "; did you mean '%s'?", h);
    return s ? s : "";
}

/* ---- regular expressions and their positions ------------------------------------ */

/* Byte offset of line/col (1-based, columns in characters) in the file's text; -1 when
 * out of range. */
static long source_offset(const pwr_loader *ld, int line, int col)
{
    if (!ld->text)
        return -1;
    size_t p = 0;
    for (int l = 1; l < line; l++) {
        const char *nl = memchr(ld->text + p, '\n', ld->text_len - p);
        if (!nl)
            return -1;
        p = (size_t)(nl - ld->text) + 1;
    }
    for (int c = 1; c < col; c++) {
        if (p >= ld->text_len || ld->text[p] == '\n')
            return -1;
        p++;
        while (p < ld->text_len && ((unsigned char)ld->text[p] & 0xC0) == 0x80)
            p++;
    }
    return (long)p;
}

static size_t utf8_len(unsigned char c)
{
    return c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
}

static size_t cp_utf8_len(unsigned long cp)
{
    return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
}

/* Bytes a double-quoted escape at src (after the backslash) stands for, and source
 * characters it takes; 0 when it cannot be decoded here. */
static size_t dq_escape(const char *src, size_t avail, size_t *src_chars)
{
    if (avail == 0)
        return 0;
    size_t digits = 0;
    switch (src[0]) {
    case 'x':
        digits = 2;
        break;
    case 'u':
        digits = 4;
        break;
    case 'U':
        digits = 8;
        break;
    case 'N':
    case '_':
        *src_chars = 2;
        return 2;
    case 'L':
    case 'P':
        *src_chars = 2;
        return 3;
    case '\n':
    case '\r':
        return 0;
    default:
        *src_chars = 2;
        return 1;
    }
    if (avail < 1 + digits)
        return 0;
    unsigned long cp = 0;
    for (size_t i = 1; i <= digits; i++) {
        if (!isxdigit((unsigned char)src[i]))
            return 0;
        cp = cp * 16 + (unsigned long)(isdigit((unsigned char)src[i])
                                           ? src[i] - '0'
                                           : tolower((unsigned char)src[i]) - 'a' + 10);
    }
    *src_chars = 2 + digits;
    return cp_utf8_len(cp);
}

/*
 * Maps byte offset off of scalar n's value to a source line/col. Returns true when the
 * mapping is exact (see the file comment), false to fall back to the scalar's start.
 */
static bool map_offset(const pwr_loader *ld, const pw_yaml_node *n, size_t off, int *line, int *col)
{
    const char *value = pw_yaml_scalar(n, NULL);
    size_t vlen = strlen(value);
    long start = source_offset(ld, pw_yaml_line(n), pw_yaml_col(n));
    if (start < 0 || off > vlen)
        return false;
    const char *t = ld->text;
    size_t p = (size_t)start, end = ld->text_len;
    int l = pw_yaml_line(n), c = pw_yaml_col(n);
    char q = t[p];
    if (q == '\'' || q == '"') {
        p++;
        c++;
        size_t vi = 0;
        while (p < end) {
            if (vi >= off)
                break;
            char ch = t[p];
            if (ch == '\n' || ch == '\r')
                return false;
            if (q == '\'' && ch == '\'') {
                if (p + 1 < end && t[p + 1] == '\'') {
                    vi++;
                    p += 2;
                    c += 2;
                    continue;
                }
                return false; /* closing quote before the offset */
            }
            if (q == '"' && ch == '"')
                return false;
            if (q == '"' && ch == '\\') {
                size_t chars = 0, bytes = dq_escape(t + p + 1, end - p - 1, &chars);
                if (!bytes)
                    return false;
                vi += bytes;
                p += chars;
                c += (int)chars;
                continue;
            }
            size_t k = utf8_len((unsigned char)ch);
            vi += k;
            p += k;
            c++;
        }
        if (vi != off)
            return false;
        *line = l;
        *col = c;
        return true;
    }
    if (q == '|') {
        /* literal block: header line, then lines indented alike */
        const char *nl = memchr(t + p, '\n', end - p);
        if (!nl)
            return false;
        for (const char *h = t + p + 1; h < nl; h++)
            if (isdigit((unsigned char)*h))
                return false; /* explicit indentation indicator */
        size_t q2 = (size_t)(nl - t) + 1;
        int indent = 0;
        while (q2 + (size_t)indent < end && t[q2 + (size_t)indent] == ' ')
            indent++;
        /* the end of a pattern that ends with its line break: the end of its last line */
        while (off > 0 && off == vlen && value[off - 1] == '\n')
            off--, vlen--;
        int vline = 0, vcol = 0;
        for (size_t i = 0; i < off; i++) {
            if (value[i] == '\n') {
                vline++;
                vcol = 0;
            } else if (((unsigned char)value[i] & 0xC0) != 0x80) {
                vcol++;
            }
        }
        *line = l + 1 + vline;
        *col = indent + 1 + vcol;
        return true;
    }
    if (q == '>')
        return false;
    /* plain: exact when the value is the source text itself (one line) */
    if (p + vlen > end || memcmp(t + p, value, vlen) != 0 || memchr(value, '\n', vlen))
        return false;
    for (size_t i = 0; i < off; i++)
        if (((unsigned char)value[i] & 0xC0) != 0x80)
            c++;
    *line = l;
    *col = c;
    return true;
}

/* Compiles the pattern in scalar n; returns its index in set->regexes or -1. */
static long compile_regex(pwr_loader *ld, const pw_yaml_node *n, const char *field)
{
    const char *pat;
    pw_error e;
    int rc = pw_yaml_string(n, NULL, &pat, &e);
    if (rc) {
        pwr_fail_at(ld, n, "%s: matches expects a regular expression (a string), got %s", field,
                    describe(ld, n));
        return -1;
    }
    int code;
    PCRE2_SIZE off;
    /* MATCH_INVALID_UTF: a subject that is not UTF-8 cannot match, and the JIT code can
     * run on any bytes, so matching skips PCRE2's UTF check (see eval.c). */
    pcre2_code *re = pcre2_compile((PCRE2_SPTR)pat, strlen(pat),
                                   PCRE2_UTF | PCRE2_MATCH_INVALID_UTF, &code, &off, NULL);
    if (!re) {
        PCRE2_UCHAR msg[256];
        if (pcre2_get_error_message(code, msg, sizeof msg) < 0)
            snprintf((char *)msg, sizeof msg, "PCRE2 error %d", code);
        int line, col;
        if (map_offset(ld, n, (size_t)off, &line, &col))
            pwr_fail_pos(ld, pw_yaml_node_file(n), line, col,
                         "%s: invalid regular expression: %s (at offset %zu of the pattern)", field,
                         (const char *)msg, (size_t)off);
        else
            pwr_fail_at(ld, n,
                        "%s: invalid regular expression: %s (at offset %zu of the pattern, "
                        "which starts here)",
                        field, (const char *)msg, (size_t)off);
        return -1;
    }
    pw_ruleset *set = ld->set;
    if (set->n_regexes == set->cap_regexes) {
        size_t cap = set->cap_regexes ? set->cap_regexes * 2 : 16;
        pwr_regex *grown = realloc(set->regexes, cap * sizeof *grown);
        if (!grown) {
            pcre2_code_free(re);
            pwr_out_of_memory(ld);
            return -1;
        }
        set->regexes = grown;
        set->cap_regexes = cap;
    }
    bool jit = pcre2_jit_compile(re, PCRE2_JIT_COMPLETE) == 0;
    set->regexes[set->n_regexes] = (pwr_regex){.code = re, .jit = jit};
    return (long)set->n_regexes++;
}

/* ---- literals ---------------------------------------------------------------------- */

/* A full calendar date (YYYY-MM-DD) as a day number. */
static bool date_literal(pwr_loader *ld, const pw_yaml_node *n, const char *field, const char *op,
                         double *out)
{
    const char *s =
        pw_yaml_kind(n) == PW_YAML_SCALAR && !pw_yaml_is_null(n) ? pw_yaml_scalar(n, NULL) : NULL;
    pw_error e = {0};
    pw_date d;
    if (!s) {
        pwr_fail_at(ld, n, "%s: %s expects a date YYYY-MM-DD, got %s", field, op, describe(ld, n));
        return false;
    }
    if (pw_date_parse(s, &d, &e) != 0) {
        pwr_fail_at(ld, n, "%s: %s: %s (expected a date YYYY-MM-DD)", field, op, e.msg);
        return false;
    }
    if (d.day == 0) {
        pwr_fail_at(ld, n, "%s: %s expects a full date YYYY-MM-DD, got '%.*s'", field, op,
                    PWR_QUOTE_MAX, s);
        return false;
    }
    *out = pwr_day_number(d);
    return true;
}

/* A date (compared by day) or a date and time YYYY-MM-DDTHH:MM (by minute). */
static bool datetime_literal(pwr_loader *ld, const pw_yaml_node *n, const char *field,
                             const char *op, double *out, bool *date_level)
{
    const char *s =
        pw_yaml_kind(n) == PW_YAML_SCALAR && !pw_yaml_is_null(n) ? pw_yaml_scalar(n, NULL) : NULL;
    size_t len = s ? strlen(s) : 0;
    if (s && len == 10) {
        *date_level = true;
        return date_literal(ld, n, field, op, out);
    }
    if (s && len == 16 && (s[10] == 'T' || s[10] == ' ')) {
        char date[11];
        memcpy(date, s, 10);
        date[10] = '\0';
        pw_date d;
        bool ok = pw_date_parse(date, &d, NULL) == 0 && d.day != 0 &&
                  isdigit((unsigned char)s[11]) && isdigit((unsigned char)s[12]) && s[13] == ':' &&
                  isdigit((unsigned char)s[14]) && isdigit((unsigned char)s[15]);
        int hh = ok ? (s[11] - '0') * 10 + (s[12] - '0') : 0;
        int mm = ok ? (s[14] - '0') * 10 + (s[15] - '0') : 0;
        if (ok && hh < 24 && mm < 60) {
            *date_level = false;
            *out = (double)pwr_day_number(d) * 1440.0 + hh * 60 + mm;
            return true;
        }
    }
    pwr_fail_at(ld, n, "%s: %s expects a date YYYY-MM-DD or a time YYYY-MM-DDTHH:MM, got %s", field,
                op, describe(ld, n));
    return false;
}

/* A number, date, time or boolean literal for numeric comparisons. */
static bool num_literal(pwr_loader *ld, const pw_yaml_node *n, int f, const char *op, double *out,
                        bool *date_level)
{
    const char *field = pwr_fields[f].name;
    pw_error e;
    *date_level = false;
    switch (pwr_fields[f].type) {
    case T_NUMBER:
        if (pw_yaml_double(n, NULL, -1e12, 1e12, out, &e) == 0)
            return true;
        pwr_fail_at(ld, n, "%s: %s expects a number, got %s", field, op, describe(ld, n));
        return false;
    case T_DATE:
        return date_literal(ld, n, field, op, out);
    case T_DATETIME:
        return datetime_literal(ld, n, field, op, out, date_level);
    case T_BOOL: {
        bool b;
        if (pw_yaml_bool(n, NULL, &b, &e) == 0) {
            *out = b ? 1 : 0;
            return true;
        }
        pwr_fail_at(ld, n, "%s: %s expects true or false, got %s", field, op, describe(ld, n));
        return false;
    }
    default:
        return false;
    }
}

/* A text literal normalised for field f; NULL after reporting. */
static const char *text_literal(pwr_loader *ld, const pw_yaml_node *n, int f, const char *op)
{
    const pwr_field_def *fd = &pwr_fields[f];
    if (pw_yaml_kind(n) != PW_YAML_SCALAR || pw_yaml_is_null(n)) {
        pwr_fail_at(ld, n, "%s: %s expects %s, got %s", fd->name, op, pwr_type_name(fd->type),
                    describe(ld, n));
        return NULL;
    }
    size_t len;
    const char *s = pw_yaml_scalar(n, &len);
    if (strlen(s) != len || !*s) {
        pwr_fail_at(ld, n, "%s: %s expects %s, got %s", fd->name, op, pwr_type_name(fd->type),
                    *s ? "text with a NUL character" : "an empty string");
        return NULL;
    }
    const char *why;
    const char *v = pwr_normalise_literal(ld->set->arena, fd->type, f, s, &why);
    if (!v && fd->type == T_ENUM) {
        pw_strbuf b = {0};
        for (size_t i = 0; fd->enum_values[i]; i++) {
            pw_strbuf_append(&b, i ? ", " : "");
            pw_strbuf_append(&b, fd->enum_values[i]);
        }
        pwr_fail_at(ld, n, "%s: '%.*s' is not one of %s%s", fd->name, PWR_QUOTE_MAX, s,
                    b.data ? b.data : "", hint(ld, s, fd->enum_values));
        pw_strbuf_free(&b);
    } else if (!v) {
        pwr_fail_at(ld, n, "%s: '%.*s' %s", fd->name, PWR_QUOTE_MAX, s, why);
    }
    return v;
}

/* ---- leaves ------------------------------------------------------------------------- */

/* The set for in / not_in: an inline sequence or a set name. */
static const pwr_strset *in_operand(pwr_loader *ld, const pw_yaml_node *v, int f, const char *op)
{
    const pwr_field_def *fd = &pwr_fields[f];
    if (pw_yaml_kind(v) == PW_YAML_SEQUENCE) {
        size_t n = pw_yaml_size(v);
        if (n == 0) {
            pwr_fail_at(ld, v, "%s: %s needs at least one value", fd->name, op);
            return NULL;
        }
        const char **items = pw_arena_alloc(ld->set->arena, n * sizeof *items);
        if (!items) {
            pwr_out_of_memory(ld);
            return NULL;
        }
        bool ok = true;
        for (size_t i = 0; i < n; i++) {
            items[i] = text_literal(ld, pw_yaml_item(v, i), f, op);
            ok = ok && items[i];
        }
        if (!ok)
            return NULL;
        pwr_strset *s = pwr_strset_build(ld->set->arena, items, n);
        if (!s)
            pwr_out_of_memory(ld);
        return s;
    }
    const char *name =
        pw_yaml_kind(v) == PW_YAML_SCALAR && !pw_yaml_is_null(v) ? pw_yaml_scalar(v, NULL) : NULL;
    if (!name) {
        pwr_fail_at(ld, v, "%s: %s expects a list of values or the name of a set, got %s", fd->name,
                    op, describe(ld, v));
        return NULL;
    }
    pwr_set_def *sd = pwr_find_set(ld, name);
    if (!sd) {
        const char **names = pwr_set_names(ld);
        pwr_fail_at(ld, v, "%s: unknown set '%.*s'%s%s", fd->name, PWR_QUOTE_MAX, name,
                    hint(ld, name, names),
                    names && names[0] ? "" : " (no sets are defined: add them to sets/*.yaml)");
        return NULL;
    }
    return pwr_set_instance(ld, sd, fd->type, fd->name, v);
}

/* Which operators apply to a type, as a sentence tail for messages. */
static const char *ops_for(int type)
{
    if (is_text_type(type))
        return "eq, ne, in, not_in, matches, exists, missing";
    if (type == T_BOOL)
        return "eq, ne, exists, missing";
    return "eq, ne, lt, le, gt, ge, between, exists, missing";
}

static bool op_applies(int k, int type)
{
    switch (k) {
    case K_EQ:
    case K_NE:
    case K_EXISTS:
    case K_MISSING:
        return true;
    case K_IN:
    case K_NOT_IN:
    case K_MATCHES:
        return is_text_type(type);
    default:
        return type == T_NUMBER || type == T_DATE || type == T_DATETIME;
    }
}

/* One operator of a field condition. */
static bool compile_op(pwr_loader *ld, int f, const pw_yaml_node *key, const pw_yaml_node *v)
{
    const pwr_field_def *fd = &pwr_fields[f];
    const char *op = pw_yaml_scalar(key, NULL);
    int k = -1;
    for (int i = 0; op_names[i]; i++)
        if (!strcmp(op_names[i], op))
            k = i;
    if (k < 0) {
        const char *h = hint(ld, op, op_names);
        if (!*h && pwr_field_find(op) >= 0)
            h = " (a field cannot be nested inside another: combine them with all or any)";
        pwr_fail_at(ld, key, "unknown operator '%.*s' for %s%s", PWR_QUOTE_MAX, op, fd->name,
                    *h ? h
                       : "; operators are eq, ne, in, not_in, matches, exists, missing, "
                         "lt, le, gt, ge, between");
        return false;
    }
    if (!op_applies(k, fd->type)) {
        pwr_fail_at(ld, key, "operator '%s' does not apply to %s, which is %s (use %s)", op,
                    fd->name, pwr_type_name(fd->type), ops_for(fd->type));
        return false;
    }
    pwr_node n = {.field = (uint8_t)f};
    bool dl = false;
    switch (k) {
    case K_EXISTS:
    case K_MISSING: {
        bool b;
        pw_error e;
        if (pw_yaml_bool(v, NULL, &b, &e)) {
            pwr_fail_at(ld, v, "%s: %s expects true or false, got %s", fd->name, op,
                        describe(ld, v));
            return false;
        }
        n.op = (k == K_EXISTS) == b ? OP_EXISTS : OP_MISSING;
        break;
    }
    case K_EQ:
    case K_NE:
        if (is_text_type(fd->type)) {
            const char *s = text_literal(ld, v, f, op);
            if (!s)
                return false;
            n.op = k == K_EQ ? OP_EQ_STR : OP_NE_STR;
            n.v.str.s = s;
            n.v.str.len = (uint32_t)strlen(s);
        } else {
            if (!num_literal(ld, v, f, op, &n.v.num, &dl))
                return false;
            n.op = k == K_EQ ? OP_EQ_NUM : OP_NE_NUM;
        }
        break;
    case K_IN:
    case K_NOT_IN:
        n.v.set = in_operand(ld, v, f, op);
        if (!n.v.set)
            return false;
        n.op = k == K_IN ? OP_IN : OP_NOT_IN;
        break;
    case K_MATCHES: {
        long re = compile_regex(ld, v, fd->name);
        if (re < 0)
            return false;
        n.op = OP_MATCHES;
        n.v.regex = (uint32_t)re;
        break;
    }
    case K_BETWEEN: {
        if (pw_yaml_kind(v) != PW_YAML_SEQUENCE || pw_yaml_size(v) != 2) {
            pwr_fail_at(ld, v, "%s: between expects two values [low, high], got %s", fd->name,
                        describe(ld, v));
            return false;
        }
        bool dl2 = false;
        if (!num_literal(ld, pw_yaml_item(v, 0), f, op, &n.v.range[0], &dl) |
            !num_literal(ld, pw_yaml_item(v, 1), f, op, &n.v.range[1], &dl2))
            return false;
        if (dl != dl2) {
            pwr_fail_at(ld, v, "%s: between needs two dates or two times, not one of each",
                        fd->name);
            return false;
        }
        if (n.v.range[0] > n.v.range[1]) {
            pwr_fail_at(ld, v, "%s: between: the low end is above the high end", fd->name);
            return false;
        }
        n.op = OP_BETWEEN;
        break;
    }
    default:
        if (!num_literal(ld, v, f, op, &n.v.num, &dl))
            return false;
        n.op = (uint8_t)(k == K_LT ? OP_LT : k == K_LE ? OP_LE : k == K_GT ? OP_GT : OP_GE);
        break;
    }
    n.flags = dl ? NF_DATE_LEVEL : 0;
    ld->cur->fields |= 1ull << f;
    return emit(ld, &n) >= 0;
}

/* field: scalar (eq) | sequence (in) | {op: value, ...} (all of them). */
static bool compile_field(pwr_loader *ld, int f, const pw_yaml_node *key, const pw_yaml_node *v)
{
    const pwr_field_def *fd = &pwr_fields[f];
    if (pw_yaml_is_null(v)) {
        pwr_fail_at(ld, v, "%s: needs a value or operators, such as {%s}", fd->name,
                    fd->type == T_NUMBER ? "lt: 18" : "exists: true");
        return false;
    }
    if (pw_yaml_kind(v) == PW_YAML_SCALAR) {
        if (!is_text_type(fd->type)) {
            pwr_node n = {.field = (uint8_t)f, .op = OP_EQ_NUM};
            bool dl;
            if (!num_literal(ld, v, f, "eq", &n.v.num, &dl))
                return false;
            n.flags = dl ? NF_DATE_LEVEL : 0;
            ld->cur->fields |= 1ull << f;
            return emit(ld, &n) >= 0;
        }
        const char *s = text_literal(ld, v, f, "eq");
        if (!s)
            return false;
        pwr_node n = {.field = (uint8_t)f, .op = OP_EQ_STR};
        n.v.str.s = s;
        n.v.str.len = (uint32_t)strlen(s);
        ld->cur->fields |= 1ull << f;
        return emit(ld, &n) >= 0;
    }
    if (pw_yaml_kind(v) == PW_YAML_SEQUENCE) {
        if (!is_text_type(fd->type)) {
            pwr_fail_at(ld, v, "%s: a list means 'in', which does not apply to %s (use %s)",
                        fd->name, pwr_type_name(fd->type), ops_for(fd->type));
            return false;
        }
        pwr_node n = {.field = (uint8_t)f, .op = OP_IN};
        n.v.set = in_operand(ld, v, f, "in");
        if (!n.v.set)
            return false;
        ld->cur->fields |= 1ull << f;
        return emit(ld, &n) >= 0;
    }
    size_t n_ops = 0;
    for (size_t i = 0; i < pw_yaml_size(v); i++)
        n_ops += !pwr_is_placeholder_key(pw_yaml_key(v, i));
    if (n_ops == 0) {
        pwr_fail_at(ld, v, "%s: needs at least one operator, such as {eq: ...}", fd->name);
        return false;
    }
    (void)key;
    long all = n_ops > 1 ? emit_op(ld, OP_ALL, -1) : 0;
    if (all < 0)
        return false;
    bool ok = true;
    for (size_t i = 0; i < pw_yaml_size(v); i++) {
        const pw_yaml_node *k = pw_yaml_key(v, i);
        if (!pwr_is_placeholder_key(k))
            ok &= compile_op(ld, f, k, pw_yaml_value(v, i));
    }
    if (n_ops > 1)
        close_node(ld, all);
    return ok;
}

/* ---- watchlist ------------------------------------------------------------------------ */

/* A sequence of non-empty strings into *out and *n (arena). */
static void names_field(pwr_loader *ld, const pw_yaml_node *v, const char *what, const char ***out,
                        size_t *n)
{
    pw_error e;
    int rc = pw_yaml_expect(v, PW_YAML_SEQUENCE, what, &e);
    if (rc) {
        pwr_report_rc(ld, rc, &e);
        return;
    }
    size_t count = pw_yaml_size(v);
    if (count == 0) {
        pwr_fail_at(ld, v, "%s: must not be empty (leave it out to mean all)", what);
        return;
    }
    const char **items = pw_arena_alloc(ld->set->arena, count * sizeof *items);
    if (!items) {
        pwr_out_of_memory(ld);
        return;
    }
    size_t k = 0;
    for (size_t i = 0; i < count; i++) {
        const pw_yaml_node *it = pw_yaml_item(v, i);
        const char *s;
        rc = pw_yaml_string(it, what, &s, &e);
        if (rc) {
            pwr_report_rc(ld, rc, &e);
        } else if (!*s) {
            pwr_fail_at(ld, it, "%s: must not be empty", what);
        } else if ((items[k] = pw_arena_strdup(ld->set->arena, s)) != NULL) {
            k++;
        } else {
            pwr_out_of_memory(ld);
        }
    }
    *out = items;
    *n = k;
}

static void min_score_field(pwr_loader *ld, pw_rule_watchlist *wl, const pw_yaml_node *v)
{
    const char *s = pw_yaml_scalar(v, NULL);
    if (s && !strcmp(s, "list-threshold")) {
        wl->list_threshold = true;
        return;
    }
    pw_error e;
    if (pw_yaml_double(v, "min_score", 0.0, 1.0, &wl->min_score, &e) == 0) {
        wl->list_threshold = false;
        return;
    }
    const char *h = s ? pw_suggest(s, list_threshold_word) : NULL;
    if (s && !pw_yaml_is_null(v))
        pwr_fail_at(ld, v,
                    "min_score: expected list-threshold or a number from 0 to 1, got '%.*s'%s",
                    PWR_QUOTE_MAX, s, h ? "; did you mean 'list-threshold'?" : "");
    else
        pwr_fail_at(ld, v, "min_score: expected list-threshold or a number from 0 to 1, got %s",
                    pw_yaml_kind_name(v));
}

/* watchlist: {lists: [...], categories: [...], min_score: ..., on: name|document|any} */
static bool compile_watchlist(pwr_loader *ld, const pw_yaml_node *v)
{
    size_t before = ld->n_errors;
    pw_rule_watchlist *wl = pw_arena_alloc(ld->set->arena, sizeof *wl);
    if (!wl) {
        pwr_out_of_memory(ld);
        return false;
    }
    wl->list_threshold = true;
    if (!pw_yaml_is_null(v)) {
        pw_error e;
        int rc = pw_yaml_expect(v, PW_YAML_MAPPING, "watchlist", &e);
        if (rc) {
            pwr_report_rc(ld, rc, &e);
            return false;
        }
        for (size_t i = 0; i < pw_yaml_size(v); i++) {
            const pw_yaml_node *k = pw_yaml_key(v, i), *val = pw_yaml_value(v, i);
            if (pwr_is_placeholder_key(k))
                continue;
            rc = pw_yaml_check_key(k, watchlist_keys, "the watchlist condition", &e);
            if (rc) {
                pwr_report_rc(ld, rc, &e);
                continue;
            }
            const char *name = pw_yaml_scalar(k, NULL);
            if (!strcmp(name, "lists")) {
                names_field(ld, val, "lists", &wl->lists, &wl->n_lists);
            } else if (!strcmp(name, "categories")) {
                names_field(ld, val, "categories", &wl->categories, &wl->n_categories);
            } else if (!strcmp(name, "on")) {
                const char *s =
                    pw_yaml_kind(val) == PW_YAML_SCALAR ? pw_yaml_scalar(val, NULL) : NULL;
                if (s && !strcmp(s, "name"))
                    wl->on = PW_RULE_ON_NAME;
                else if (s && !strcmp(s, "document"))
                    wl->on = PW_RULE_ON_DOCUMENT;
                else if (s && !strcmp(s, "any"))
                    wl->on = PW_RULE_ON_ANY;
                else
                    pwr_fail_at(ld, val, "on: expected name, document or any, got %s%s",
                                describe(ld, val), s ? hint(ld, s, on_words) : "");
            } else {
                min_score_field(ld, wl, val);
            }
        }
    }
    if (ld->n_errors != before)
        return false;
    pwr_node n = {.op = OP_WATCHLIST};
    n.v.wl = wl;
    if (!ld->cur_watchlist) {
        ld->cur_watchlist = true;
        ((pw_rule *)ld->cur_rule)->watchlist = wl;
    }
    return emit(ld, &n) >= 0;
}

/* ---- combinators ----------------------------------------------------------------------- */

static bool compile_map(pwr_loader *ld, const pw_yaml_node *m, bool in_doc, const char *what);

static const char *const combinators[] = {
    "all", "any", "not", "any_document", "every_document", "watchlist", NULL};

/* Field and condition names, NULL-terminated, for suggestions (arena; NULL on OOM). */
static const char **condition_names(pwr_loader *ld)
{
    size_t nc = sizeof combinators / sizeof *combinators - 1;
    const char **names = pw_arena_alloc(ld->set->arena, (nc + F__COUNT + 1) * sizeof *names);
    if (!names)
        return NULL;
    for (size_t i = 0; i < nc; i++)
        names[i] = combinators[i];
    for (size_t i = 0; i < F__COUNT; i++)
        names[nc + i] = pwr_fields[i].name;
    names[nc + F__COUNT] = NULL;
    return names;
}

/* One key: value pair of a condition mapping. */
static bool compile_entry(pwr_loader *ld, const pw_yaml_node *key, const pw_yaml_node *v,
                          bool in_doc)
{
    const char *name = pw_yaml_scalar(key, NULL);
    if (!strcmp(name, "all") || !strcmp(name, "any")) {
        if (pw_yaml_kind(v) != PW_YAML_SEQUENCE || pw_yaml_size(v) == 0) {
            pwr_fail_at(ld, v, "%s: expects a non-empty sequence of conditions, got %s", name,
                        pw_yaml_kind(v) == PW_YAML_SEQUENCE ? "an empty one" : describe(ld, v));
            return false;
        }
        long i = emit_op(ld, name[1] == 'l' ? OP_ALL : OP_ANY, -1);
        if (i < 0)
            return false;
        bool ok = true;
        for (size_t j = 0; j < pw_yaml_size(v); j++)
            ok &= compile_map(ld, pw_yaml_item(v, j), in_doc, name);
        close_node(ld, i);
        return ok;
    }
    if (!strcmp(name, "not") || !strcmp(name, "any_document") || !strcmp(name, "every_document")) {
        bool doc = name[0] != 'n';
        if (doc && in_doc) {
            pwr_fail_at(ld, key, "%s cannot be used inside another document condition", name);
            return false;
        }
        if (pw_yaml_kind(v) != PW_YAML_MAPPING) {
            pwr_fail_at(ld, v, "%s: expects one condition (a mapping)%s, got %s", name,
                        doc ? "" : "; to negate several, write not: {all: [...]}", describe(ld, v));
            return false;
        }
        long i = emit_op(ld, !doc ? OP_NOT : name[0] == 'a' ? OP_ANY_DOC : OP_EVERY_DOC, -1);
        if (i < 0)
            return false;
        bool ok = compile_map(ld, v, in_doc || doc, name);
        close_node(ld, i);
        return ok;
    }
    if (!strcmp(name, "watchlist"))
        return compile_watchlist(ld, v);
    int f = pwr_field_find(name);
    if (f < 0) {
        const char **names = condition_names(ld);
        const char *h = hint(ld, name, names);
        if (!*h) {
            for (int k = 0; op_names[k]; k++)
                if (!strcmp(op_names[k], name))
                    h = " (an operator goes inside a field: traveller.age: {lt: 18})";
        }
        pwr_fail_at(ld, key, "unknown field or condition '%.*s'%s", PWR_QUOTE_MAX, name,
                    *h ? h : " (rules/README.md lists the fields)");
        return false;
    }
    return compile_field(ld, f, key, v);
}

/*
 * A condition mapping: one key, or several meaning all of them. Outside a document
 * condition, the bare document fields of the mapping are gathered into one
 * any_document.
 */
static bool compile_map(pwr_loader *ld, const pw_yaml_node *m, bool in_doc, const char *what)
{
    if (pw_yaml_kind(m) != PW_YAML_MAPPING || pw_yaml_size(m) == 0) {
        pwr_fail_at(ld, m,
                    "%s: expected a condition (a mapping such as traveller.nationality: FRA), "
                    "got %s",
                    what,
                    pw_yaml_kind(m) == PW_YAML_MAPPING ? "an empty mapping" : describe(ld, m));
        return false;
    }
    size_t n_rec = 0, n_doc = 0;
    for (size_t i = 0; i < pw_yaml_size(m); i++) {
        const pw_yaml_node *k = pw_yaml_key(m, i);
        if (pwr_is_placeholder_key(k))
            continue;
        int f = pwr_field_find(pw_yaml_scalar(k, NULL));
        if (!in_doc && f >= 0 && pwr_fields[f].scope == S_DOCUMENT)
            n_doc++;
        else
            n_rec++;
    }
    if (n_rec + n_doc == 0)
        return true; /* only keys already reported as duplicates */
    size_t parts = n_rec + (n_doc ? 1 : 0);
    long all = parts > 1 ? emit_op(ld, OP_ALL, -1) : 0;
    if (all < 0)
        return false;
    bool ok = true;
    for (size_t i = 0; i < pw_yaml_size(m); i++) {
        const pw_yaml_node *k = pw_yaml_key(m, i);
        if (pwr_is_placeholder_key(k))
            continue;
        int f = pwr_field_find(pw_yaml_scalar(k, NULL));
        if (!in_doc && f >= 0 && pwr_fields[f].scope == S_DOCUMENT)
            continue;
        ok &= compile_entry(ld, k, pw_yaml_value(m, i), in_doc);
    }
    if (n_doc) {
        long doc = emit_op(ld, OP_ANY_DOC, -1);
        long dall = n_doc > 1 ? emit_op(ld, OP_ALL, -1) : 0;
        if (doc < 0 || dall < 0)
            return false;
        for (size_t i = 0; i < pw_yaml_size(m); i++) {
            const pw_yaml_node *k = pw_yaml_key(m, i);
            if (pwr_is_placeholder_key(k))
                continue;
            int f = pwr_field_find(pw_yaml_scalar(k, NULL));
            if (f >= 0 && pwr_fields[f].scope == S_DOCUMENT)
                ok &= compile_entry(ld, k, pw_yaml_value(m, i), true);
        }
        if (n_doc > 1)
            close_node(ld, dall);
        close_node(ld, doc);
    }
    if (parts > 1)
        close_node(ld, all);
    return ok;
}

bool pwr_compile_when(pwr_loader *ld, const pw_yaml_node *when)
{
    if (pw_yaml_kind(when) == PW_YAML_MAPPING ? pw_yaml_size(when) == 0 : pw_yaml_is_null(when)) {
        pwr_fail_at(ld, when, "when: needs a condition, such as watchlist: {lists: [UN]}");
        return false;
    }
    size_t before = ld->n_errors;
    uint32_t root = (uint32_t)ld->set->n_nodes;
    bool ok = compile_map(ld, when, false, "when");
    if (!ok || ld->n_errors != before)
        return false;
    ld->cur->prog = root;
    ld->cur->has_prog = true;
    ld->cur->bound = ld->cur_watchlist;
    return true;
}

/* ---- prefilter keys --------------------------------------------------------------------- */

/* Cost of the cheapest key set of subtree i (COST_NONE: none) and its key count. */
static double cost_of(const pw_ruleset *set, uint32_t i, size_t *count)
{
    const pwr_node *n = &set->nodes[i];
    *count = 0;
    switch (n->op) {
    case OP_EQ_STR:
    case OP_IN: {
        unsigned w = pwr_fields[n->field].weight;
        if (!w)
            return COST_NONE;
        *count = n->op == OP_IN ? n->v.set->n : 1;
        return (double)*count * w;
    }
    case OP_ANY_DOC:
    case OP_EVERY_DOC:
        return cost_of(set, i + 1, count);
    case OP_ALL: {
        double best = COST_NONE;
        for (uint32_t j = i + 1; j < n->next; j = set->nodes[j].next) {
            size_t c;
            double x = cost_of(set, j, &c);
            if (x < best) {
                best = x;
                *count = c;
            }
        }
        return best;
    }
    case OP_ANY: {
        double sum = 0;
        for (uint32_t j = i + 1; j < n->next; j = set->nodes[j].next) {
            size_t c;
            double x = cost_of(set, j, &c);
            if (x >= COST_NONE)
                return COST_NONE;
            sum += x;
            *count += c;
        }
        return sum;
    }
    default:
        return COST_NONE;
    }
}

static bool add_key(pwr_loader *ld, int field, const char *s, uint32_t len, uint32_t rule)
{
    if (ld->n_keys == ld->cap_keys) {
        size_t cap = ld->cap_keys ? ld->cap_keys * 2 : 256;
        pwr_key *keys = realloc(ld->keys, cap * sizeof *keys);
        if (!keys) {
            pwr_out_of_memory(ld);
            return false;
        }
        ld->keys = keys;
        ld->cap_keys = cap;
    }
    ld->keys[ld->n_keys++] = (pwr_key){.field = (uint8_t)field, .key = s, .len = len, .rule = rule};
    return true;
}

/* Writes the keys cost_of chose for subtree i. */
static bool emit_keys(pwr_loader *ld, uint32_t i, uint32_t rule)
{
    const pw_ruleset *set = ld->set;
    const pwr_node *n = &set->nodes[i];
    switch (n->op) {
    case OP_EQ_STR:
        return add_key(ld, n->field, n->v.str.s, n->v.str.len, rule);
    case OP_IN:
        for (uint32_t j = 0; j <= n->v.set->mask; j++) {
            const pwr_set_slot *sl = &n->v.set->slots[j];
            if (sl->hash && !add_key(ld, n->field, sl->s, sl->len, rule))
                return false;
        }
        return true;
    case OP_ANY_DOC:
    case OP_EVERY_DOC:
        return emit_keys(ld, i + 1, rule);
    case OP_ALL: {
        double best = COST_NONE;
        uint32_t pick = 0;
        for (uint32_t j = i + 1; j < n->next; j = set->nodes[j].next) {
            size_t c;
            double x = cost_of(set, j, &c);
            if (x < best) {
                best = x;
                pick = j;
            }
        }
        return emit_keys(ld, pick, rule);
    }
    case OP_ANY:
        for (uint32_t j = i + 1; j < n->next; j = set->nodes[j].next)
            if (!emit_keys(ld, j, rule))
                return false;
        return true;
    default:
        return false;
    }
}

bool pwr_collect_keys(pwr_loader *ld, uint32_t ri)
{
    const pwr_rule *impl = &ld->set->impl[ri];
    if (!impl->has_prog)
        return false;
    size_t count;
    double cost = cost_of(ld->set, impl->prog, &count);
    if (cost >= COST_NONE || count > MAX_KEYS_PER_RULE || count == 0)
        return false;
    return emit_keys(ld, impl->prog, ri);
}
