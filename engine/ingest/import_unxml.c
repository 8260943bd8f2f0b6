/*
 * UN Security Council consolidated list importer (XML, sc-sanctions.xsd).
 *
 * The file is streamed with libxml2's xmlTextReader; the whole DOM is never built.
 * When the reader stands on an INDIVIDUAL or ENTITY element (depth 2, under
 * INDIVIDUALS / ENTITIES) the one subtree is expanded (xmlTextReaderExpand), turned
 * into a pw_entry, and skipped with xmlTextReaderNext, which lets the reader free it:
 * memory is bounded by the largest single entry, not the list.
 *
 * Mapping (see watchlists/README.md):
 *   DATAID -> entry_id (the UN's stable numeric id, as in CONTRACT.md's example);
 *   REFERENCE_NUMBER -> source_ref "UN:<ref>" (e.g. "UN:QDi.001");
 *   FIRST_NAME .. FOURTH_NAME -> primary name, the parts joined in order; the UN does
 *     not say which part is the surname, so surname/given stay NULL;
 *   NAME_ORIGINAL_SCRIPT -> a PW_NAME_ORIGINAL_SCRIPT name;
 *   INDIVIDUAL_ALIAS / ENTITY_ALIAS -> aliases: QUALITY Good -> GOOD, Low -> LOW;
 *     an ALIAS_NAME holding several spellings ("A B; A C", "A B b) C D") gives one
 *     alias per spelling; an individual's alias with exactly one comma ("Ghailani, Ahmed") has its surname
 *     marked;
 *     "a.k.a."/"f.k.a." (entities) -> GOOD, empty -> UNKNOWN; an alias's own
 *     DATE_OF_BIRTH becomes one more exact date of birth of the entry;
 *   INDIVIDUAL_DATE_OF_BIRTH: TYPE_OF_DATE EXACT (DATE or YEAR) -> EXACT,
 *     APPROXIMATELY -> APPROX, BETWEEN (FROM_YEAR, TO_YEAR) -> RANGE; a NOTE that is
 *     a month ("Sep.") refines a YEAR, a NOTE "August 1961" stands for a missing date;
 *   INDIVIDUAL_PLACE_OF_BIRTH -> birth_place "CITY, STATE_PROVINCE, COUNTRY" (first);
 *   NATIONALITY/VALUE -> nationalities (country names to alpha-3; unknown dropped);
 *   INDIVIDUAL_DOCUMENT -> documents with a NUMBER: "P" when TYPE_OF_DOCUMENT is a
 *     passport (Passport, Numéro de passeport, Número de pasaporte), "I" otherwise;
 *     issuer ISSUING_COUNTRY, else COUNTRY_OF_ISSUE; DATE_OF_ISSUE -> issued;
 *   GENDER Male/Female -> M/F; UN_LIST_TYPE -> category; COMMENTS1 -> remarks.
 * Country texts of three characters or fewer are ignored: the list spells countries
 * out, and "na" (not available) must not become Namibia's alpha-2 code.
 *
 * Errors: a libxml2 structured error handler is installed on the reader, so libxml2
 * prints nothing by itself; the first error is kept and a malformed or truncated file
 * fails the import with PW_EPARSE naming the file, the XML line and libxml2's message.
 * Entries already passed to the callback stay passed: the caller discards the import
 * (the store imports a list version in one transaction). An INDIVIDUAL or ENTITY
 * without a name or DATAID is rejected with its XML line and the import goes on.
 */
#include <string.h>
#include <strings.h>

#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlreader.h>

#include "ingest/import_internal.h"

typedef struct un_import {
    const char *path;
    xmlTextReaderPtr reader;
    pw_arena *arena;
    bool failed;  /* libxml2 reported an error */
    int err_code; /* its libxml2 code */
    int err_line; /* its line (0 unknown) */
    char err_msg[512];
} un_import;

/* Keeps the first error libxml2 reports; warnings are ignored. */
#if LIBXML_VERSION >= 21200
static void on_xml_error(void *ctx, const xmlError *e)
#else
static void on_xml_error(void *ctx, xmlErrorPtr e)
#endif
{
    un_import *im = ctx;
    if (!e || e->level < XML_ERR_ERROR || im->failed)
        return;
    im->failed = true;
    im->err_line = e->line;
    im->err_code = e->code;
    const char *m = e->message ? e->message : "XML error";
    size_t n = strlen(m);
    while (n > 0 && (m[n - 1] == '\n' || m[n - 1] == ' '))
        n--;
    if (n >= sizeof im->err_msg)
        n = sizeof im->err_msg - 1;
    memcpy(im->err_msg, m, n);
    im->err_msg[n] = '\0';
}

static int io_read(void *ctx, char *buf, int len)
{
    FILE *fp = ctx;
    size_t n = fread(buf, 1, (size_t)len, fp);
    if (n == 0 && ferror(fp))
        return -1;
    return (int)n;
}

static bool is_elem(xmlNodePtr n, const char *name)
{
    return n && n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0;
}

static xmlNodePtr child(xmlNodePtr n, const char *name)
{
    for (xmlNodePtr c = n ? n->children : NULL; c; c = c->next)
        if (is_elem(c, name))
            return c;
    return NULL;
}

/* The node's text, white space cleaned, in the arena; NULL when empty or absent. */
static char *node_text(pw_arena *a, xmlNodePtr n, bool *oom)
{
    if (!n)
        return NULL;
    xmlChar *t = xmlNodeGetContent(n);
    if (!t)
        return NULL;
    char *s = pw_imp_clean(a, (const char *)t, strlen((const char *)t), oom);
    xmlFree(t);
    return s;
}

static char *child_text(pw_arena *a, xmlNodePtr n, const char *name, bool *oom)
{
    return node_text(a, child(n, name), oom);
}

/* A country name to alpha-3, NULL when unknown (or too short to be a name). */
static const char *un_country(const char *name)
{
    if (!name || strlen(name) <= 3)
        return NULL;
    return pw_country_alpha3(name);
}

static int parse_date(const char *s, pw_date *out)
{
    pw_error derr;
    if (!s || pw_date_parse(s, out, &derr) != 0 || !pw_date_is_set(*out))
        return -1;
    return 0;
}

/* "August 1961", "Nov. 1973": a month and a year; 0 or -1. */
static int month_year(const char *s, pw_date *out)
{
    const char *sp = strchr(s, ' ');
    if (!sp)
        return -1;
    int m = pw_imp_month(s, (size_t)(sp - s));
    const char *y = sp + 1;
    if (!m || strlen(y) != 4)
        return -1;
    char buf[16];
    snprintf(buf, sizeof buf, "%.4s-%02d", y, m);
    return parse_date(buf, out);
}

/* One INDIVIDUAL_DATE_OF_BIRTH element. Dates that cannot be read are skipped. */
static int add_dob(pw_imp_entry *b, xmlNodePtr n)
{
    bool oom = false;
    char *type = child_text(b->arena, n, "TYPE_OF_DATE", &oom);
    char *date = child_text(b->arena, n, "DATE", &oom);
    char *year = child_text(b->arena, n, "YEAR", &oom);
    char *from = child_text(b->arena, n, "FROM_YEAR", &oom);
    char *to = child_text(b->arena, n, "TO_YEAR", &oom);
    char *note = child_text(b->arena, n, "NOTE", &oom);
    if (oom)
        return PW_ENOMEM;
    pw_dob d;
    memset(&d, 0, sizeof d);
    if ((type && strcasecmp(type, "BETWEEN") == 0) || (from && to && !date && !year)) {
        d.kind = PW_DOB_RANGE;
        if (parse_date(from, &d.from) || parse_date(to, &d.to) || pw_date_compare(d.from, d.to) > 0)
            return 0;
        return pw_imp_add_dob(b, d);
    }
    d.kind = type && strcasecmp(type, "APPROXIMATELY") == 0 ? PW_DOB_APPROX : PW_DOB_EXACT;
    if (date) {
        if (parse_date(date, &d.from))
            return 0;
    } else if (year) {
        if (parse_date(year, &d.from))
            return 0;
        int m = note ? pw_imp_month(note, strlen(note)) : 0;
        if (m)
            d.from.month = (uint8_t)m;
    } else if (!note || month_year(note, &d.from)) {
        return 0;
    }
    return pw_imp_add_dob(b, d);
}

static enum pw_alias_quality alias_quality(const char *q)
{
    if (!q)
        return PW_QUALITY_UNKNOWN;
    if (strcasecmp(q, "Good") == 0 || strcasecmp(q, "a.k.a.") == 0 || strcasecmp(q, "f.k.a.") == 0)
        return PW_QUALITY_GOOD;
    if (strcasecmp(q, "Low") == 0)
        return PW_QUALITY_LOW;
    return PW_QUALITY_UNKNOWN;
}

/* Where the next spelling in an alias text starts: after a ';', or at an enumeration
 * marker " b) " (the list writes "A B; A C" and "A B b) C D" for several spellings in
 * one ALIAS_NAME). Returns the end of the current spelling and sets *next (NULL at the
 * end of the text). */
static char *spelling_end(char *s, char **next)
{
    for (char *p = s; *p; p++) {
        if (*p == ';') {
            *next = p + 1;
            return p;
        }
        if (p > s && p[-1] == ' ' && p[0] >= 'a' && p[0] <= 'z' && p[1] == ')' &&
            (p[2] == ' ' || p[2] == '\0')) {
            *next = p + 2;
            return p;
        }
    }
    *next = NULL;
    return s + strlen(s);
}

/* Trims blanks and a leading enumeration marker ("a) ") in place. */
static char *trim_spelling(char *s, char *end)
{
    while (s < end && (*s == ' ' || *s == '\t'))
        s++;
    if (end - s >= 3 && s[0] >= 'a' && s[0] <= 'z' && s[1] == ')' && s[2] == ' ')
        s += 3;
    while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
        end--;
    *end = '\0';
    return s;
}

static int add_alias(pw_imp_entry *b, xmlNodePtr n)
{
    bool oom = false;
    char *name = child_text(b->arena, n, "ALIAS_NAME", &oom);
    char *quality = child_text(b->arena, n, "QUALITY", &oom);
    char *dob = child_text(b->arena, n, "DATE_OF_BIRTH", &oom);
    if (oom)
        return PW_ENOMEM;
    if (!name)
        return 0;
    int rc = 0;
    for (char *next, *s = name; rc == 0 && s; s = next) {
        char *spelling = trim_spelling(s, spelling_end(s, &next));
        if (!*spelling)
            continue;
        /* "Binalsheidah, Ramzi Mohamed Abdullah": one comma marks the surname. */
        const char *comma = strchr(spelling, ',');
        bool split = b->e.type == PW_ENTRY_INDIVIDUAL && comma && !strchr(comma + 1, ',');
        rc = pw_imp_add_name(b, PW_NAME_ALIAS, alias_quality(quality), spelling, split);
    }
    pw_dob d;
    memset(&d, 0, sizeof d);
    if (rc == 0 && dob && parse_date(dob, &d.from) == 0)
        rc = pw_imp_add_dob(b, d);
    return rc;
}

static int add_document(pw_imp_entry *b, xmlNodePtr n)
{
    bool oom = false;
    char *type = child_text(b->arena, n, "TYPE_OF_DOCUMENT", &oom);
    char *number = child_text(b->arena, n, "NUMBER", &oom);
    char *issuing = child_text(b->arena, n, "ISSUING_COUNTRY", &oom);
    char *country = child_text(b->arena, n, "COUNTRY_OF_ISSUE", &oom);
    char *issued = child_text(b->arena, n, "DATE_OF_ISSUE", &oom);
    if (oom)
        return PW_ENOMEM;
    if (!number)
        return 0;
    pw_document doc;
    memset(&doc, 0, sizeof doc);
    bool passport = type && (strcasestr(type, "passport") || strcasestr(type, "passeport") ||
                             strcasestr(type, "pasaporte"));
    doc.type = passport ? "P" : "I";
    doc.number = number;
    doc.issuer = un_country(issuing);
    if (!doc.issuer)
        doc.issuer = un_country(country);
    if (issued)
        parse_date(issued, &doc.issued);
    return pw_imp_add_document(b, &doc);
}

/* "CITY, STATE_PROVINCE, COUNTRY" from the parts that are there; NULL when none. */
static int set_birth_place(pw_imp_entry *b, xmlNodePtr n)
{
    if (b->e.birth_place)
        return 0;
    static const char *const parts[] = {"CITY", "STATE_PROVINCE", "COUNTRY"};
    pw_strbuf sb = {0};
    bool oom = false;
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        char *t = child_text(b->arena, n, parts[i], &oom);
        if (!t)
            continue;
        if (sb.len)
            pw_strbuf_append(&sb, ", ");
        pw_strbuf_append(&sb, t);
    }
    if (sb.oom)
        oom = true;
    if (!oom && sb.len) {
        b->e.birth_place = pw_arena_strndup(b->arena, sb.data, sb.len);
        oom = !b->e.birth_place;
    }
    pw_strbuf_free(&sb);
    return oom ? PW_ENOMEM : 0;
}

/* The parts of the primary name joined by single spaces; NULL when there are none. */
static char *primary_name(pw_arena *a, xmlNodePtr n, bool *oom)
{
    static const char *const parts[] = {"FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME"};
    char *t[4];
    size_t total = 0;
    for (size_t i = 0; i < 4; i++) {
        t[i] = child_text(a, n, parts[i], oom);
        total += t[i] ? strlen(t[i]) + 1 : 0;
    }
    if (total == 0 || *oom)
        return NULL;
    char *out = pw_arena_alloc(a, total);
    if (!out) {
        *oom = true;
        return NULL;
    }
    size_t k = 0;
    for (size_t i = 0; i < 4; i++) {
        if (!t[i])
            continue;
        if (k)
            out[k++] = ' ';
        size_t len = strlen(t[i]);
        memcpy(out + k, t[i], len);
        k += len;
    }
    out[k] = '\0';
    return out;
}

/*
 * Builds the entry for one INDIVIDUAL or ENTITY subtree. Returns 0, PW_EINVAL with
 * *field / *reason set, or PW_ENOMEM.
 */
static int build_entry(pw_imp_entry *b, xmlNodePtr node, bool individual, const char **field,
                       const char **reason)
{
    pw_arena *a = b->arena;
    pw_entry *e = &b->e;
    bool oom = false;
    e->type = individual ? PW_ENTRY_INDIVIDUAL : PW_ENTRY_ENTITY;
    e->entry_id = child_text(a, node, "DATAID", &oom);
    char *name = primary_name(a, node, &oom);
    char *ref = child_text(a, node, "REFERENCE_NUMBER", &oom);
    e->category = child_text(a, node, "UN_LIST_TYPE", &oom);
    e->remarks = child_text(a, node, "COMMENTS1", &oom);
    char *gender = child_text(a, node, "GENDER", &oom);
    if (oom)
        return PW_ENOMEM;
    if (!name) {
        *field = "FIRST_NAME";
        *reason = individual ? "individual has no name" : "entity has no name";
        return PW_EINVAL;
    }
    if (!e->entry_id) {
        *field = "DATAID";
        *reason = "missing DATAID";
        return PW_EINVAL;
    }
    if (gender && strcasecmp(gender, "Male") == 0)
        e->gender = 'M';
    else if (gender && strcasecmp(gender, "Female") == 0)
        e->gender = 'F';
    e->source_ref = ref ? pw_arena_printf(a, "UN:%s", ref) : pw_arena_strdup(a, "UN");
    if (!e->source_ref)
        return PW_ENOMEM;

    int rc = pw_imp_add_name(b, PW_NAME_PRIMARY, PW_QUALITY_UNKNOWN, name, false);
    for (xmlNodePtr c = node->children; c && rc == 0; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        const char *cn = (const char *)c->name;
        if (strcmp(cn, "NAME_ORIGINAL_SCRIPT") == 0) {
            char *t = node_text(a, c, &oom);
            rc = oom ? PW_ENOMEM
                     : pw_imp_add_name(b, PW_NAME_ORIGINAL_SCRIPT, PW_QUALITY_UNKNOWN, t, false);
        } else if (strcmp(cn, "INDIVIDUAL_ALIAS") == 0 || strcmp(cn, "ENTITY_ALIAS") == 0) {
            rc = add_alias(b, c);
        } else if (strcmp(cn, "INDIVIDUAL_DATE_OF_BIRTH") == 0) {
            rc = add_dob(b, c);
        } else if (strcmp(cn, "INDIVIDUAL_PLACE_OF_BIRTH") == 0) {
            rc = set_birth_place(b, c);
        } else if (strcmp(cn, "INDIVIDUAL_DOCUMENT") == 0) {
            rc = add_document(b, c);
        } else if (strcmp(cn, "NATIONALITY") == 0) {
            for (xmlNodePtr v = c->children; v && rc == 0; v = v->next) {
                if (!is_elem(v, "VALUE"))
                    continue;
                char *t = node_text(a, v, &oom);
                rc = oom ? PW_ENOMEM : pw_imp_add_nationality(b, un_country(t));
            }
        }
    }
    return rc;
}

/* The subtree as XML text for a dead letter (cut to PW_IMPORT_RAW_MAX later). */
static void reject_node(un_import *im, const pw_import_callbacks *cb, xmlNodePtr node, long line,
                        const char *field, const char *reason)
{
    xmlBufferPtr buf = xmlBufferCreate();
    const char *raw = NULL;
    if (buf && xmlNodeDump(buf, node->doc, node, 0, 0) >= 0)
        raw = (const char *)xmlBufferContent(buf);
    pw_imp_reject(cb, im->path, line, field, reason, raw);
    if (buf)
        xmlBufferFree(buf);
}

/* One INDIVIDUAL or ENTITY: build, check the id, emit or reject. */
static int one_entry(un_import *im, xmlNodePtr node, bool individual, pw_imp_idset *ids,
                     const pw_import_callbacks *cb, pw_import_stats *stats, pw_error *err)
{
    long line = xmlGetLineNo(node);
    stats->rows++;
    pw_arena_reset(im->arena);
    pw_imp_entry b;
    pw_imp_entry_init(&b, im->arena);
    const char *field = NULL, *reason = NULL;
    int rc = build_entry(&b, node, individual, &field, &reason);
    if (rc == 0) {
        long first = 0;
        int added = pw_imp_idset_add(ids, b.e.entry_id, line, &first);
        if (added < 0) {
            rc = PW_ENOMEM;
        } else if (added == 0) {
            field = "DATAID";
            reason = pw_arena_printf(im->arena, "duplicate DATAID '%s' (first on line %ld)",
                                     b.e.entry_id, first);
            if (!reason)
                reason = "duplicate DATAID";
            rc = PW_EINVAL;
        }
    }
    if (rc == PW_ENOMEM)
        return pw_error_set(err, PW_ENOMEM, im->path, (int)line, 0, NULL);
    if (rc) {
        reject_node(im, cb, node, line, field, reason);
        stats->skipped++;
        return 0;
    }
    return pw_imp_emit(cb, &b, stats, err);
}

int pw_imp_un_file(const char *path, pw_imp_idset *ids, const pw_import_callbacks *cb,
                   pw_import_stats *stats, pw_error *err)
{
    un_import im;
    memset(&im, 0, sizeof im);
    im.path = path;
    FILE *fp = NULL;
    int rc = pw_imp_fopen(path, &fp, err);
    if (rc)
        return rc;
    im.arena = pw_arena_new(0);
    im.reader =
        xmlReaderForIO(io_read, NULL, fp, path, NULL, XML_PARSE_NONET | XML_PARSE_BIG_LINES);
    if (!im.arena || !im.reader) {
        rc = pw_error_set(err, PW_ENOMEM, path, 0, 0, NULL);
        goto done;
    }
    xmlTextReaderSetStructuredErrorHandler(im.reader, on_xml_error, &im);

    bool root_seen = false, root_closed = false;
    int ret = xmlTextReaderRead(im.reader);
    while (ret == 1 && !im.failed) {
        int type = xmlTextReaderNodeType(im.reader);
        if (type != XML_READER_TYPE_ELEMENT) {
            if (type == XML_READER_TYPE_END_ELEMENT && xmlTextReaderDepth(im.reader) == 0)
                root_closed = true;
            ret = xmlTextReaderRead(im.reader);
            continue;
        }
        const char *name = (const char *)xmlTextReaderConstLocalName(im.reader);
        int depth = xmlTextReaderDepth(im.reader);
        if (depth == 0) {
            root_seen = true;
            if (!name || strcmp(name, "CONSOLIDATED_LIST") != 0) {
                rc = pw_error_set(err, PW_EPARSE, path, xmlTextReaderGetParserLineNumber(im.reader),
                                  0, "not a UN consolidated list: root element is <%s>",
                                  name ? name : "?");
                goto done;
            }
        } else if (depth == 2 && name &&
                   (strcmp(name, "INDIVIDUAL") == 0 || strcmp(name, "ENTITY") == 0)) {
            bool individual = name[0] == 'I';
            xmlNodePtr node = xmlTextReaderExpand(im.reader);
            if (!node || im.failed) {
                ret = -1;
                break;
            }
            rc = one_entry(&im, node, individual, ids, cb, stats, err);
            if (rc)
                goto done;
            ret = xmlTextReaderNext(im.reader);
            continue;
        }
        ret = xmlTextReaderRead(im.reader);
    }
    if (ret != 0 || im.failed) {
        int line = im.err_line > 0 ? im.err_line : xmlTextReaderGetParserLineNumber(im.reader);
        /* libxml2's reader words a cut-off file as "Extra content at the end of the
         * document": say what it means. */
        bool cut = im.err_code == XML_ERR_DOCUMENT_END && !root_closed;
        rc = pw_error_set(err, PW_EPARSE, path, line, 0, "malformed XML%s: %s",
                          cut ? " (the document ends early: truncated file?)" : "",
                          im.err_msg[0] ? im.err_msg : "the XML reader failed");
        goto done;
    }
    if (!root_seen) {
        rc = pw_error_set(err, PW_EPARSE, path, 1, 0, "empty XML document");
        goto done;
    }
    rc = 0;
done:
    if (im.reader)
        xmlFreeTextReader(im.reader);
    pw_arena_free(im.arena);
    fclose(fp);
    return rc;
}
