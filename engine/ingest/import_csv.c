/*
 * Native watchlist CSV importer (CONTRACT.md, watchlists/README.md).
 *
 * The file is read row by row with the shared RFC 4180 tokenizer; the header row maps
 * column names (any order, any case) to slots. Only entry_id and name are required;
 * an unknown column is reported once, as a warning (pw_reject.warning) naming the column,
 * and ignored. A missing required column, a repeated column, an empty file or a quote
 * left open at the end of the file fail the whole import (PW_EPARSE with file:line):
 * those are errors in the file as a whole, not in one row.
 *
 * Every other problem is local to a row: the row is passed to the reject callback with
 * its line, the column at fault, a reason and the raw row text, and the import goes on.
 * A row is validated completely before its entry_id is registered, so a bad row does
 * not make a later, corrected row with the same id look like a duplicate.
 *
 * Extensions beyond the contract (adding, never changing a meaning): columns `type`
 * (individual, entity, vessel, aircraft), `birth_place` and `original_script` (names
 * in their own script, '|'-separated, kept as PW_NAME_ORIGINAL_SCRIPT); in `dob`, "~1968" for an
 * approximate date and "1960..1965" for a range (the forms pw_dob_format writes).
 */
#include <string.h>
#include <strings.h>

#include "ingest/csv_tokenizer.h"
#include "ingest/import_internal.h"

enum col {
    COL_ENTRY_ID,
    COL_NAME,
    COL_TYPE,
    COL_ALIASES,
    COL_DOB,
    COL_NATIONALITY,
    COL_GENDER,
    COL_DOCUMENTS,
    COL_CATEGORY,
    COL_SEVERITY,
    COL_REMARKS,
    COL_BIRTH_PLACE,
    COL_ORIGINAL_SCRIPT,
    COL_COUNT
};

static const char *const col_names[COL_COUNT] = {
    "entry_id",  "name",     "type",     "aliases", "dob",         "nationality",     "gender",
    "documents", "category", "severity", "remarks", "birth_place", "original_script",
};

/* What a row check reports on failure: the column and a reason (arena string). */
typedef struct row_fault {
    const char *field;
    const char *reason;
} row_fault;

typedef struct csv_import {
    const char *path;
    const char *base; /* file name for source_ref */
    pw_csv *csv;
    int col_of[COL_COUNT]; /* field index of each column, -1 when absent */
    int n_cols;
    pw_arena *arena;
    pw_imp_entry b;
    row_fault fault;
} csv_import;

/* Records a fault (the reason is formatted in the arena) and returns PW_EINVAL. */
static int fault(csv_import *im, enum col c, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fault(csv_import *im, enum col c, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    im->fault.field = col_names[c];
    im->fault.reason = pw_arena_strdup(im->arena, msg);
    if (!im->fault.reason)
        im->fault.reason = "invalid value";
    return PW_EINVAL;
}

/* The cleaned value of column c in the row, or NULL when absent or blank. */
static int col_value(csv_import *im, char **fields, enum col c, char **out)
{
    *out = NULL;
    int i = im->col_of[c];
    if (i < 0)
        return 0;
    const char *raw = fields[i];
    size_t n = strlen(raw);
    if (!pw_utf8_valid(raw, n))
        return fault(im, c, "%s is not valid UTF-8", col_names[c]);
    bool oom = false;
    *out = pw_imp_clean(im->arena, raw, n, &oom);
    return oom ? PW_ENOMEM : 0;
}

/* Calls fn for each non-blank '|'-separated part of s (cleaned, in the arena). */
typedef int (*part_fn)(csv_import *im, char *part);
static int each_part(csv_import *im, const char *s, part_fn fn)
{
    if (!s)
        return 0;
    for (const char *p = s;;) {
        const char *bar = strchr(p, '|');
        size_t len = bar ? (size_t)(bar - p) : strlen(p);
        bool oom = false;
        char *part = pw_imp_clean(im->arena, p, len, &oom);
        if (oom)
            return PW_ENOMEM;
        if (part) {
            int rc = fn(im, part);
            if (rc)
                return rc;
        }
        if (!bar)
            return 0;
        p = bar + 1;
    }
}

static int add_alias(csv_import *im, char *part)
{
    return pw_imp_add_name(&im->b, PW_NAME_ALIAS, PW_QUALITY_UNKNOWN, part,
                           im->b.e.type == PW_ENTRY_INDIVIDUAL);
}

static int add_original(csv_import *im, char *part)
{
    return pw_imp_add_name(&im->b, PW_NAME_ORIGINAL_SCRIPT, PW_QUALITY_UNKNOWN, part,
                           im->b.e.type == PW_ENTRY_INDIVIDUAL);
}

static int parse_one_date(csv_import *im, const char *s, pw_date *out)
{
    pw_error derr;
    memset(&derr, 0, sizeof derr);
    if (pw_date_parse(s, out, &derr) != 0 || !pw_date_is_set(*out))
        return derr.msg[0] ? fault(im, COL_DOB, "invalid date of birth: %s", derr.msg)
                           : fault(im, COL_DOB, "invalid date of birth '%s'", s);
    return 0;
}

/* "1968-02-23", "1968-02", "1968"; extensions "~1968" (approximate), "1960..1965". */
static int add_dob(csv_import *im, char *part)
{
    pw_dob d;
    memset(&d, 0, sizeof d);
    char *dots = strstr(part, "..");
    int rc;
    if (part[0] == '~') {
        d.kind = PW_DOB_APPROX;
        rc = parse_one_date(im, part + 1, &d.from);
    } else if (dots) {
        d.kind = PW_DOB_RANGE;
        *dots = '\0';
        rc = parse_one_date(im, part, &d.from);
        if (rc == 0)
            rc = parse_one_date(im, dots + 2, &d.to);
        if (rc == 0 && pw_date_compare(d.from, d.to) > 0)
            rc = fault(im, COL_DOB, "date of birth range '%s..%s' ends before it starts", part,
                       dots + 2);
        *dots = '.';
    } else {
        d.kind = PW_DOB_EXACT;
        rc = parse_one_date(im, part, &d.from);
    }
    return rc ? rc : pw_imp_add_dob(&im->b, d);
}

static int add_nationality(csv_import *im, char *part)
{
    const char *a3 = pw_country_alpha3(part);
    if (!a3)
        return fault(im, COL_NATIONALITY, "unknown country '%s'", part);
    return pw_imp_add_nationality(&im->b, a3);
}

/* TYPE:NUMBER:ISSUER; TYPE and ISSUER may be empty, ":ISSUER" may be left out. */
static int add_document(csv_import *im, char *part)
{
    char *c1 = strchr(part, ':');
    if (!c1)
        return fault(im, COL_DOCUMENTS, "document '%s' is not TYPE:NUMBER:ISSUER", part);
    char *c2 = strchr(c1 + 1, ':');
    if (c2 && strchr(c2 + 1, ':'))
        return fault(im, COL_DOCUMENTS, "document '%s' has more than three parts", part);
    bool oom = false;
    pw_document doc;
    memset(&doc, 0, sizeof doc);
    doc.type = pw_imp_clean(im->arena, part, (size_t)(c1 - part), &oom);
    const char *num_end = c2 ? c2 : c1 + 1 + strlen(c1 + 1);
    doc.number = pw_imp_clean(im->arena, c1 + 1, (size_t)(num_end - (c1 + 1)), &oom);
    char *issuer = c2 ? pw_imp_clean(im->arena, c2 + 1, strlen(c2 + 1), &oom) : NULL;
    if (oom)
        return PW_ENOMEM;
    if (!doc.number)
        return fault(im, COL_DOCUMENTS, "document '%s' has no number", part);
    if (issuer) {
        doc.issuer = pw_country_alpha3(issuer);
        if (!doc.issuer)
            return fault(im, COL_DOCUMENTS, "unknown issuing country '%s' in document '%s'", issuer,
                         part);
    }
    return pw_imp_add_document(&im->b, &doc);
}

/* M, F or empty (also male/female; U/unknown mean not known). */
static int parse_gender(csv_import *im, const char *s, char *out)
{
    *out = 0;
    if (!s)
        return 0;
    if (strcasecmp(s, "M") == 0 || strcasecmp(s, "male") == 0)
        *out = 'M';
    else if (strcasecmp(s, "F") == 0 || strcasecmp(s, "female") == 0)
        *out = 'F';
    else if (strcasecmp(s, "U") != 0 && strcasecmp(s, "unknown") != 0)
        return fault(im, COL_GENDER, "gender '%s' is not M, F or empty", s);
    return 0;
}

/*
 * Validates one data row into im->b. Returns 0, PW_EINVAL with im->fault set, or
 * PW_ENOMEM.
 */
static int build_row(csv_import *im, char **fields, long line)
{
    char *v[COL_COUNT];
    for (int c = 0; c < COL_COUNT; c++) {
        int rc = col_value(im, fields, (enum col)c, &v[c]);
        if (rc)
            return rc;
    }
    pw_imp_entry_init(&im->b, im->arena);
    pw_entry *e = &im->b.e;
    if (!v[COL_ENTRY_ID])
        return fault(im, COL_ENTRY_ID, "missing entry_id");
    if (!v[COL_NAME])
        return fault(im, COL_NAME, "missing name");
    e->entry_id = v[COL_ENTRY_ID];
    if (v[COL_TYPE] && pw_entry_type_parse(v[COL_TYPE], &e->type) != 0)
        return fault(im, COL_TYPE, "type '%s' is not individual, entity, vessel or aircraft",
                     v[COL_TYPE]);
    int rc = pw_imp_add_name(&im->b, PW_NAME_PRIMARY, PW_QUALITY_UNKNOWN, v[COL_NAME],
                             e->type == PW_ENTRY_INDIVIDUAL);
    if (!rc)
        rc = each_part(im, v[COL_ORIGINAL_SCRIPT], add_original);
    if (!rc)
        rc = each_part(im, v[COL_ALIASES], add_alias);
    if (!rc)
        rc = each_part(im, v[COL_DOB], add_dob);
    if (!rc)
        rc = each_part(im, v[COL_NATIONALITY], add_nationality);
    if (!rc)
        rc = parse_gender(im, v[COL_GENDER], &e->gender);
    if (!rc)
        rc = each_part(im, v[COL_DOCUMENTS], add_document);
    if (rc)
        return rc;
    if (v[COL_SEVERITY] && pw_severity_parse(v[COL_SEVERITY], &e->severity) != 0)
        return fault(im, COL_SEVERITY, "severity '%s' is not low, medium, high or critical",
                     v[COL_SEVERITY]);
    e->category = v[COL_CATEGORY];
    e->remarks = v[COL_REMARKS];
    e->birth_place = v[COL_BIRTH_PLACE];
    e->source_ref = pw_arena_printf(im->arena, "%s:%ld", im->base, line);
    if (!e->source_ref)
        return PW_ENOMEM;
    return 0;
}

/* Turns a tokenizer failure into the import's error. */
static int csv_fail(csv_import *im, int rc, pw_error *err)
{
    long line = pw_csv_row_line(im->csv);
    if (rc == PW_EPARSE)
        return pw_error_set(err, PW_EPARSE, im->path, (int)line, 0,
                            "quoted field opened on line %ld is never closed", line);
    if (rc == PW_ENOMEM)
        return pw_error_set(err, PW_ENOMEM, im->path, (int)line, 0, NULL);
    return pw_error_set(err, PW_EIO, im->path, (int)line, 0, "read error");
}

/* Maps the header row to columns; reports unknown columns. */
static int read_header(csv_import *im, const pw_import_callbacks *cb, pw_error *err)
{
    char **fields;
    int n = pw_csv_next_row(im->csv, &fields);
    if (n == 0)
        return pw_error_set(err, PW_EPARSE, im->path, 1, 0, "empty watchlist file: no header row");
    if (n < 0)
        return csv_fail(im, n, err);
    long line = pw_csv_row_line(im->csv);
    for (int c = 0; c < COL_COUNT; c++)
        im->col_of[c] = -1;
    im->n_cols = n;
    for (int i = 0; i < n; i++) {
        bool oom = false;
        char *name = pw_imp_clean(im->arena, fields[i], strlen(fields[i]), &oom);
        if (oom)
            return pw_error_set(err, PW_ENOMEM, im->path, 0, 0, NULL);
        int c = 0;
        while (c < COL_COUNT && !(name && strcasecmp(name, col_names[c]) == 0))
            c++;
        if (c < COL_COUNT) {
            if (im->col_of[c] >= 0)
                return pw_error_set(err, PW_EPARSE, im->path, (int)line, 0,
                                    "column '%s' appears twice in the header", col_names[c]);
            im->col_of[c] = i;
            continue;
        }
        const char *shown = name ? name : "";
        char *reason = pw_arena_printf(im->arena, "unknown column '%s' ignored", shown);
        if (cb && cb->reject) {
            pw_reject notice = {.kind = "watchlist",
                                .source = im->path,
                                .line = line,
                                .field = shown,
                                .reason = reason ? reason : "unknown column ignored",
                                .warning = true};
            cb->reject(cb->ctx, &notice);
        }
    }
    for (int c = COL_ENTRY_ID; c <= COL_NAME; c++)
        if (im->col_of[c] < 0)
            return pw_error_set(err, PW_EPARSE, im->path, (int)line, 0,
                                "missing required column '%s' in the header", col_names[c]);
    pw_arena_reset(im->arena);
    return 0;
}

int pw_imp_csv_file(const char *path, pw_imp_idset *ids, const pw_import_callbacks *cb,
                    pw_import_stats *stats, pw_error *err)
{
    csv_import im;
    memset(&im, 0, sizeof im);
    im.path = path;
    im.base = pw_imp_basename(path);
    FILE *fp = NULL;
    int rc = pw_imp_fopen(path, &fp, err);
    if (rc)
        return rc;
    im.csv = pw_csv_new(fp, ',');
    im.arena = pw_arena_new(0);
    if (!im.csv || !im.arena) {
        rc = pw_error_set(err, PW_ENOMEM, path, 0, 0, NULL);
        goto done;
    }
    rc = read_header(&im, cb, err);
    if (rc)
        goto done;

    for (;;) {
        char **fields;
        int n = pw_csv_next_row(im.csv, &fields);
        if (n == 0)
            break;
        if (n < 0) {
            rc = csv_fail(&im, n, err);
            goto done;
        }
        long line = pw_csv_row_line(im.csv);
        stats->rows++;
        pw_arena_reset(im.arena);
        im.fault.field = NULL;
        im.fault.reason = NULL;
        if (n != im.n_cols) {
            char *reason =
                pw_arena_printf(im.arena, "row has %d fields, the header has %d", n, im.n_cols);
            pw_imp_reject(cb, path, line, NULL, reason ? reason : "wrong number of fields",
                          pw_csv_row_text(im.csv));
            stats->skipped++;
            continue;
        }
        rc = build_row(&im, fields, line);
        if (rc == 0) {
            long first = 0;
            int added = pw_imp_idset_add(ids, im.b.e.entry_id, line, &first);
            if (added < 0)
                rc = PW_ENOMEM;
            else if (added == 0)
                rc = fault(&im, COL_ENTRY_ID, "duplicate entry_id '%s' (first on line %ld)",
                           im.b.e.entry_id, first);
        }
        if (rc == PW_ENOMEM) {
            rc = pw_error_set(err, PW_ENOMEM, path, (int)line, 0, NULL);
            goto done;
        }
        if (rc) {
            pw_imp_reject(cb, path, line, im.fault.field, im.fault.reason, pw_csv_row_text(im.csv));
            stats->skipped++;
            rc = 0;
            continue;
        }
        rc = pw_imp_emit(cb, &im.b, stats, err);
        if (rc)
            goto done;
    }
    rc = 0;

done:
    pw_csv_free(im.csv);
    pw_arena_free(im.arena);
    fclose(fp);
    return rc;
}
