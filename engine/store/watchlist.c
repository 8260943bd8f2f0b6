/*
 * Watchlists in the store: imports, the list of lists, and loading the current
 * versions' entries to build a screening snapshot.
 *
 * Design:
 *  - An import is one BEGIN IMMEDIATE transaction holding the new version row, its
 *    entries and the rows it rejected; the version becomes current only at commit,
 *    so an abort (or a crash) leaves the previous version current and untouched. Old
 *    versions keep their entries: alerts cite (list, version, entry_id).
 *  - Entries are checked before anything is written, so a bad entry is PW_EINVAL with
 *    a sentence; a duplicate entry_id is caught by the UNIQUE(list_version_id,
 *    entry_id) constraint and leaves the import usable.
 *  - A DB error inside an import poisons it: later calls and the commit return that
 *    error and the commit rolls back, since SQLite may already have rolled the
 *    transaction back on its own (disk full, I/O error) and pw_store_import_reject
 *    has no error out-parameter.
 *  - Loading walks a version's entries (in rowid, that is import, order) and, in
 *    parallel, four child queries over names, dates of birth, nationalities and
 *    documents, each ordered by entry rowid through the entries_version index and the
 *    child tables' (entry, ordinal) keys: five statements per list rather than four
 *    queries per entry, and no sorting. Each entry is built in one arena that is reset
 *    per entry. The whole load is one read transaction, so every list and child
 *    table is seen at the same moment even while another process imports.
 */
#include "store/store_internal.h"

#include <stdlib.h>
#include <string.h>

/* ---- watchlist import -------------------------------------------------------- */

/* Marks the import failed with the error in *err (which the caller has just filled)
 * so that the commit reports it. */
static int import_poison(pw_store_import *imp, int rc, const pw_error *err)
{
    if (!imp->failed) {
        imp->failed = true;
        if (err)
            imp->fail_err = *err;
        else
            pw_error_set(&imp->fail_err, rc, imp->s->path, 0, 0, "importing list \"%s\" failed: %s",
                         imp->list, pw_strerror(rc));
        imp->fail_err.code = rc;
    }
    return rc;
}

/* Copies the poisoning error to err and returns its code. */
static int import_failed(pw_store_import *imp, pw_error *err)
{
    if (err)
        *err = imp->fail_err;
    return imp->fail_err.code;
}

/* Ends the import transaction, whatever state it is in, and frees the slot. */
static void import_end(pw_store_import *imp)
{
    pw_store *s = imp->s;
    if (!sqlite3_get_autocommit(s->db))
        pws_run_id(s, ST_ROLLBACK, "rolling back the import", NULL);
    imp->active = false;
}

/* Starts the import transaction: finds or creates the list, then adds a version
 * numbered one past the highest so far, in state 'importing'. */
int pw_store_import_begin(pw_store *s, const char *list, const char *format, const char *sources,
                          pw_store_import **out, pw_error *err)
{
    pw_store_import *imp = &s->imp;
    sqlite3_stmt *st = NULL;
    int rc;
    *out = NULL;
    if (!list || !*list || strlen(list) >= sizeof imp->list)
        return pw_error_set(err, PW_EINVAL, NULL, 0, 0, "a watchlist name must have 1 to %zu bytes",
                            sizeof imp->list - 1);
    if (!format || !*format || strlen(format) >= sizeof imp->format)
        return pw_error_set(err, PW_EINVAL, NULL, 0, 0, "invalid watchlist format \"%s\"",
                            format ? format : "");
    if (imp->active)
        return pw_error_set(err, PW_EINVAL, NULL, 0, 0,
                            "an import of list \"%s\" is already in progress", imp->list);
    if (!sqlite3_get_autocommit(s->db))
        return pw_error_set(err, PW_EINVAL, NULL, 0, 0,
                            "an import cannot start inside another transaction");

    memset(imp, 0, sizeof *imp);
    imp->s = s;
    snprintf(imp->list, sizeof imp->list, "%s", list);
    snprintf(imp->format, sizeof imp->format, "%s", format);
    snprintf(imp->sources, sizeof imp->sources, "%s", sources ? sources : "");

    if ((rc = pws_run_id(s, ST_BEGIN_IMMEDIATE, "starting the import", err)) != 0)
        return rc;
    imp->active = true;

    if ((rc = pws_stmt(s, ST_LIST_FIND, &st, err)) != 0)
        goto fail;
    pws_bind_text(s, st, 1, list);
    rc = pws_step(s, st);
    if (rc == SQLITE_ROW)
        imp->list_id = sqlite3_column_int64(st, 0);
    else if (rc != SQLITE_DONE)
        rc = pws_fail(s, rc, "looking up the watchlist", err);
    pws_done(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        goto fail;

    if (imp->list_id == 0) {
        if ((rc = pws_stmt(s, ST_LIST_INSERT, &st, err)) != 0)
            goto fail;
        pws_bind_text(s, st, 1, list);
        if ((rc = pws_run(s, st, "creating the watchlist", err)) != 0)
            goto fail;
        imp->list_id = sqlite3_last_insert_rowid(s->db);
    }

    if ((rc = pws_stmt(s, ST_VERSION_NEXT, &st, err)) != 0)
        goto fail;
    pws_bind_int(s, st, 1, imp->list_id);
    rc = pws_step(s, st);
    if (rc == SQLITE_ROW)
        imp->version = sqlite3_column_int(st, 0);
    else
        rc = pws_fail(s, rc, "numbering the new version", err);
    pws_done(st);
    if (rc != SQLITE_ROW)
        goto fail;

    if ((rc = pws_stmt(s, ST_VERSION_INSERT, &st, err)) != 0)
        goto fail;
    pws_bind_int(s, st, 1, imp->list_id);
    pws_bind_int(s, st, 2, imp->version);
    pws_bind_text(s, st, 3, imp->format);
    pws_bind_text(s, st, 4, imp->sources);
    if ((rc = pws_run(s, st, "creating the new version", err)) != 0)
        goto fail;
    imp->version_id = sqlite3_last_insert_rowid(s->db);
    *out = imp;
    return 0;

fail:
    import_end(imp);
    return rc;
}

/* Checks an entry before anything is written, so that a bad entry is PW_EINVAL with
 * a sentence, never a half-written entry or a bare constraint name. */
static int validate_entry(const pw_entry *e, pw_error *err)
{
    const char *id = e->entry_id;
    if (!id || !*id)
        return pw_error_set(err, PW_EINVAL, NULL, 0, 0, "entry without an entry_id");
#define BAD(...) pw_error_set(err, PW_EINVAL, NULL, 0, 0, __VA_ARGS__)
    if (!pws_enum_text(pws_entry_types, PWS_COUNT(pws_entry_types), (int)e->type))
        return BAD("entry \"%s\": invalid entry type %d", id, (int)e->type);
    if (!pws_enum_text(pws_severities, PWS_COUNT(pws_severities), (int)e->severity))
        return BAD("entry \"%s\": invalid severity %d", id, (int)e->severity);
    if (e->gender && e->gender != 'M' && e->gender != 'F' && e->gender != 'U')
        return BAD("entry \"%s\": invalid gender '%c'", id, e->gender);
    if (e->n_names == 0 || !e->names)
        return BAD("entry \"%s\" has no name", id);
    for (size_t i = 0; i < e->n_names; i++) {
        const pw_entry_name *n = &e->names[i];
        if (!n->full || !*n->full)
            return BAD("entry \"%s\": name %zu is empty", id, i + 1);
        if (!pws_enum_text(pws_name_kinds, PWS_COUNT(pws_name_kinds), (int)n->kind) ||
            !pws_enum_text(pws_qualities, PWS_COUNT(pws_qualities), (int)n->quality))
            return BAD("entry \"%s\": name %zu has an invalid kind or quality", id, i + 1);
    }
    for (size_t i = 0; i < e->n_dobs; i++) {
        const pw_dob *d = &e->dobs[i];
        if (!pws_enum_text(pws_dob_kinds, PWS_COUNT(pws_dob_kinds), (int)d->kind))
            return BAD("entry \"%s\": date of birth %zu has an invalid kind", id, i + 1);
        if (!pw_date_is_set(d->from))
            return BAD("entry \"%s\": date of birth %zu has no date", id, i + 1);
    }
    for (size_t i = 0; i < e->n_nationalities; i++) {
        const char *c = e->nationalities[i];
        if (!c || strlen(c) != 3)
            return BAD("entry \"%s\": nationality %zu is not an alpha-3 code", id, i + 1);
    }
    for (size_t i = 0; i < e->n_documents; i++)
        if (!e->documents[i].number || !*e->documents[i].number)
            return BAD("entry \"%s\": document %zu has no number", id, i + 1);
#undef BAD
    return 0;
}

/* Formats a partial date for storage and checks that it reads back (the loader parses
 * it with pw_date_parse); NULL for an unset date. buf: 11 bytes. */
static int date_text(pw_date d, char buf[11], const char **out)
{
    pw_date back;
    *out = NULL;
    if (!pw_date_is_set(d))
        return 0;
    pw_date_format(d, buf);
    if (pw_date_parse(buf, &back, NULL) != 0 || back.year != d.year || back.month != d.month ||
        back.day != d.day)
        return PW_EINVAL;
    *out = buf;
    return 0;
}

/* Writes the child rows of entry row `row`: names, dates of birth, nationalities,
 * documents, each with its position. */
static int insert_children(pw_store *s, sqlite3_int64 row, const pw_entry *e, pw_error *err)
{
    sqlite3_stmt *st = NULL;
    int rc;
    char d1[11], d2[11];
    const char *t1, *t2;

    for (size_t i = 0; i < e->n_names; i++) {
        const pw_entry_name *n = &e->names[i];
        if ((rc = pws_stmt(s, ST_NAME_INSERT, &st, err)) != 0)
            return rc;
        pws_bind_int(s, st, 1, row);
        pws_bind_int(s, st, 2, (sqlite3_int64)i);
        pws_bind_text(s, st, 3, pws_name_kinds[n->kind]);
        pws_bind_text(s, st, 4, pws_qualities[n->quality]);
        pws_bind_text(s, st, 5, n->full);
        pws_bind_text(s, st, 6, n->surname);
        pws_bind_text(s, st, 7, n->given);
        if ((rc = pws_run(s, st, "writing an entry name", err)) != 0)
            return rc;
    }
    for (size_t i = 0; i < e->n_dobs; i++) {
        const pw_dob *d = &e->dobs[i];
        if (date_text(d->from, d1, &t1) != 0 ||
            date_text(d->kind == PW_DOB_RANGE ? d->to : (pw_date){0}, d2, &t2) != 0)
            return pw_error_set(err, PW_EINVAL, NULL, 0, 0,
                                "entry \"%s\": date of birth %zu is not a valid date", e->entry_id,
                                i + 1);
        if ((rc = pws_stmt(s, ST_DOB_INSERT, &st, err)) != 0)
            return rc;
        pws_bind_int(s, st, 1, row);
        pws_bind_int(s, st, 2, (sqlite3_int64)i);
        pws_bind_text(s, st, 3, pws_dob_kinds[d->kind]);
        pws_bind_text(s, st, 4, t1);
        pws_bind_text(s, st, 5, t2);
        if ((rc = pws_run(s, st, "writing an entry date of birth", err)) != 0)
            return rc;
    }
    for (size_t i = 0; i < e->n_nationalities; i++) {
        if ((rc = pws_stmt(s, ST_NAT_INSERT, &st, err)) != 0)
            return rc;
        pws_bind_int(s, st, 1, row);
        pws_bind_int(s, st, 2, (sqlite3_int64)i);
        pws_bind_text(s, st, 3, e->nationalities[i]);
        if ((rc = pws_run(s, st, "writing an entry nationality", err)) != 0)
            return rc;
    }
    for (size_t i = 0; i < e->n_documents; i++) {
        const pw_document *doc = &e->documents[i];
        if (date_text(doc->expiry, d1, &t1) != 0 || date_text(doc->issued, d2, &t2) != 0)
            return pw_error_set(err, PW_EINVAL, NULL, 0, 0,
                                "entry \"%s\": document %zu has an invalid date", e->entry_id,
                                i + 1);
        if ((rc = pws_stmt(s, ST_DOC_INSERT, &st, err)) != 0)
            return rc;
        pws_bind_int(s, st, 1, row);
        pws_bind_int(s, st, 2, (sqlite3_int64)i);
        pws_bind_text(s, st, 3, doc->type);
        pws_bind_text(s, st, 4, doc->number);
        pws_bind_text(s, st, 5, doc->issuer);
        pws_bind_text(s, st, 6, t1);
        pws_bind_text(s, st, 7, t2);
        if ((rc = pws_run(s, st, "writing an entry document", err)) != 0)
            return rc;
    }
    return 0;
}

/* Writes one entry under the version being imported. A duplicate entry_id is PW_EINVAL
 * and leaves the import usable; when a child row fails after the entry row was
 * written, the entry row is deleted again (its children go with it: ON DELETE
 * CASCADE). DB errors poison the import. */
int pw_store_import_entry(pw_store_import *imp, const pw_entry *entry, pw_error *err)
{
    pw_error local;
    if (!err)
        err = &local; /* a DB error is kept for the commit even when the caller has no err */
    if (!imp || !imp->active || !entry)
        return pw_error_set(err, PW_EINVAL, NULL, 0, 0, "no import in progress");
    if (imp->failed)
        return import_failed(imp, err);
    pw_store *s = imp->s;
    sqlite3_stmt *st = NULL;
    int rc;
    char gender[2] = {entry->gender, 0};

    if ((rc = validate_entry(entry, err)) != 0)
        return rc;
    if ((rc = pws_stmt(s, ST_ENTRY_INSERT, &st, err)) != 0)
        return import_poison(imp, rc, err);
    pws_bind_int(s, st, 1, imp->version_id);
    pws_bind_text(s, st, 2, entry->entry_id);
    pws_bind_text(s, st, 3, pws_entry_types[entry->type]);
    pws_bind_text(s, st, 4, entry->category);
    pws_bind_text(s, st, 5, pws_severities[entry->severity]);
    pws_bind_text(s, st, 6, entry->gender == 'M' || entry->gender == 'F' ? gender : NULL);
    pws_bind_text(s, st, 7, entry->birth_place);
    pws_bind_text(s, st, 8, entry->remarks);
    pws_bind_text(s, st, 9, entry->source_ref);
    rc = pws_step(s, st);
    if (rc == SQLITE_CONSTRAINT_UNIQUE) {
        pws_done(st);
        return pw_error_set(err, PW_EINVAL, NULL, 0, 0,
                            "duplicate entry_id \"%s\" in this import of list \"%s\"",
                            entry->entry_id, imp->list);
    }
    if (rc != SQLITE_DONE) {
        rc = pws_fail(s, rc, "writing an entry", err);
        pws_done(st);
        return import_poison(imp, rc, err);
    }
    pws_done(st);
    sqlite3_int64 row = sqlite3_last_insert_rowid(s->db);

    if ((rc = insert_children(s, row, entry, err)) != 0) {
        bool db_error = rc == PW_EDB;
        sqlite3_stmt *del = NULL;
        pw_error ignored;
        if (pws_stmt(s, ST_ENTRY_DELETE, &del, &ignored) != 0)
            return import_poison(imp, rc, err);
        pws_bind_int(s, del, 1, row);
        if (pws_run(s, del, "removing a half-written entry", &ignored) != 0 || db_error)
            return import_poison(imp, rc, err);
        return rc;
    }
    imp->n_entries++;
    if (entry->type == PW_ENTRY_INDIVIDUAL)
        imp->n_individuals++;
    else if (entry->type == PW_ENTRY_ENTITY)
        imp->n_entities++;
    return 0;
}

/* Writes a rejected row as a dead letter of this version. A DB error poisons the
 * import: a row that can be neither imported nor kept must not vanish silently. */
int pw_store_import_reject(pw_store_import *imp, const pw_reject *rej)
{
    pw_error err;
    if (!imp || !imp->active || !rej)
        return PW_EINVAL;
    if (imp->failed)
        return imp->fail_err.code;
    int rc = pws_put_dead_letter(imp->s, rej, imp->version_id, "watchlist", &err);
    if (rc != 0)
        return import_poison(imp, rc, &err);
    imp->n_rejected++;
    return 0;
}

/* Makes the new version current: supersedes the old one, stores the counts, points the
 * list at the new version, writes the audit row and commits. On any failure the whole
 * import is rolled back. */
int pw_store_import_commit(pw_store_import *imp, int *version, pw_error *err)
{
    if (!imp || !imp->active)
        return pw_error_set(err, PW_EINVAL, NULL, 0, 0, "no import in progress");
    pw_store *s = imp->s;
    sqlite3_stmt *st = NULL;
    int rc;

    if (imp->failed) {
        rc = import_failed(imp, err);
        goto fail;
    }
    if (sqlite3_get_autocommit(s->db)) {
        rc = pw_error_set(err, PW_EDB, s->path, 0, 0,
                          "the import of list \"%s\" was rolled back by SQLite after an "
                          "earlier error",
                          imp->list);
        goto fail;
    }
    if ((rc = pws_stmt(s, ST_VERSION_SUPERSEDE, &st, err)) != 0)
        goto fail;
    pws_bind_int(s, st, 1, imp->list_id);
    if ((rc = pws_run(s, st, "superseding the previous version", err)) != 0)
        goto fail;

    if ((rc = pws_stmt(s, ST_VERSION_FINISH, &st, err)) != 0)
        goto fail;
    pws_bind_int(s, st, 1, imp->version_id);
    pws_bind_int(s, st, 2, imp->n_entries);
    pws_bind_int(s, st, 3, imp->n_individuals);
    pws_bind_int(s, st, 4, imp->n_entities);
    pws_bind_int(s, st, 5, imp->n_rejected);
    if ((rc = pws_run(s, st, "finishing the new version", err)) != 0)
        goto fail;

    if ((rc = pws_stmt(s, ST_LIST_SET_CURRENT, &st, err)) != 0)
        goto fail;
    pws_bind_int(s, st, 1, imp->list_id);
    pws_bind_int(s, st, 2, imp->version);
    if ((rc = pws_run(s, st, "making the new version current", err)) != 0)
        goto fail;

    char object[160];
    snprintf(object, sizeof object, "watchlist:%s", imp->list);
    pw_strbuf_reset(&s->buf);
    pw_strbuf_printf(&s->buf,
                     "{\"version\":%d,\"entries\":%ld,\"individuals\":%ld,\"entities\":%ld,"
                     "\"rejected\":%ld,\"format\":",
                     imp->version, imp->n_entries, imp->n_individuals, imp->n_entities,
                     imp->n_rejected);
    pw_strbuf_append_json(&s->buf, imp->format);
    pw_strbuf_append(&s->buf, ",\"sources\":");
    pw_strbuf_append_json(&s->buf, imp->sources);
    pw_strbuf_append(&s->buf, "}");
    if (s->buf.oom) {
        rc = pw_error_set(err, PW_ENOMEM, NULL, 0, 0, "out of memory");
        goto fail;
    }
    if ((rc = pw_store_audit(s, NULL, "watchlist.import", object, s->buf.data, err)) != 0)
        goto fail;
    if ((rc = pws_run_id(s, ST_COMMIT, "committing the import", err)) != 0)
        goto fail;
    if (version)
        *version = imp->version;
    imp->active = false;
    return 0;

fail:
    import_end(imp);
    return rc;
}

void pw_store_import_abort(pw_store_import *imp)
{
    if (imp && imp->active)
        import_end(imp);
}
/* ---- watchlist queries ---------------------------------------------------------- */

/* Copies a text column into a fixed buffer, truncating; "" for NULL. */
static void copy_column(char *dst, size_t size, sqlite3_stmt *st, int col)
{
    const char *text = (const char *)sqlite3_column_text(st, col);
    snprintf(dst, size, "%s", text ? text : "");
}

int pw_store_watchlists(pw_store *s, pw_watchlist_info **out, size_t *n, pw_error *err)
{
    sqlite3_stmt *st = NULL;
    pw_watchlist_info *v = NULL;
    size_t len = 0, cap = 0;
    int rc;
    *out = NULL;
    *n = 0;
    if ((rc = pws_stmt(s, ST_WATCHLISTS, &st, err)) != 0)
        return rc;
    while ((rc = pws_step(s, st)) == SQLITE_ROW) {
        if (len == cap) {
            size_t ncap = cap ? cap * 2 : 8;
            pw_watchlist_info *nv = realloc(v, ncap * sizeof *nv);
            if (!nv) {
                rc = pw_error_set(err, PW_ENOMEM, NULL, 0, 0, "out of memory");
                goto fail;
            }
            v = nv;
            cap = ncap;
        }
        pw_watchlist_info *w = &v[len++];
        memset(w, 0, sizeof *w);
#define COPY(dst, col) copy_column(dst, sizeof dst, st, col)
        COPY(w->name, 0);
        w->version = sqlite3_column_int(st, 1);
        w->entries = (long)sqlite3_column_int64(st, 2);
        w->individuals = (long)sqlite3_column_int64(st, 3);
        w->entities = (long)sqlite3_column_int64(st, 4);
        COPY(w->format, 5);
        COPY(w->imported_at, 6);
        COPY(w->sources, 7);
#undef COPY
    }
    if (rc != SQLITE_DONE) {
        rc = pws_fail(s, rc, "listing watchlists", err);
        goto fail;
    }
    pws_done(st);
    *out = v;
    *n = len;
    return 0;

fail:
    pws_done(st);
    free(v);
    return rc;
}
/* ---- loading entries -------------------------------------------------------------- */

/* A child query being walked beside the entries query. */
typedef struct cursor {
    sqlite3_stmt *st;
    int rc; /* SQLITE_ROW while positioned on a row */
} cursor;

typedef struct loader {
    pw_store *s;
    pw_arena *arena;
    bool oom;
    bool corrupt;
    cursor entries, names, dobs, nats, docs;
} loader;

/* Arena copy of a text column; NULL for SQL NULL. Notes out of memory in ld->oom. */
static const char *col_text(loader *ld, sqlite3_stmt *st, int col)
{
    const unsigned char *text = sqlite3_column_text(st, col);
    if (!text)
        return NULL;
    char *copy =
        pw_arena_strndup(ld->arena, (const char *)text, (size_t)sqlite3_column_bytes(st, col));
    if (!copy)
        ld->oom = true;
    return copy;
}

/* Enumeration column -> value; a word outside the table marks the row corrupt. */
static int col_enum(loader *ld, sqlite3_stmt *st, int col, const char *const *names, size_t n)
{
    int v = pws_enum_index(names, n, (const char *)sqlite3_column_text(st, col));
    if (v < 0) {
        ld->corrupt = true;
        return 0;
    }
    return v;
}

static pw_date col_date(loader *ld, sqlite3_stmt *st, int col)
{
    pw_date d = {0};
    const char *text = (const char *)sqlite3_column_text(st, col);
    if (text && pw_date_parse(text, &d, NULL) != 0)
        ld->corrupt = true;
    return d;
}

/* Makes room for one more element in an arena array of *cap elements holding n:
 * doubles it into a fresh arena block (the old one is reclaimed at the next reset). */
static void *arena_grow(loader *ld, void *array, size_t n, size_t *cap, size_t elem)
{
    if (n < *cap)
        return array;
    size_t ncap = *cap ? *cap * 2 : 4;
    void *bigger = pw_arena_alloc(ld->arena, ncap * elem);
    if (!bigger) {
        ld->oom = true;
        return NULL;
    }
    if (n)
        memcpy(bigger, array, n * elem);
    *cap = ncap;
    return bigger;
}

static int cursor_step(loader *ld, cursor *c, pw_error *err)
{
    c->rc = pws_step(ld->s, c->st);
    if (c->rc != SQLITE_ROW && c->rc != SQLITE_DONE)
        return pws_fail(ld->s, c->rc, "loading watchlist entries", err);
    return 0;
}

/* True when the cursor sits on a child row of entry `row`. Rows of lower entry ids
 * cannot occur (both sides are ordered by entry rowid) but would be skipped. */
static int cursor_at(loader *ld, cursor *c, sqlite3_int64 row, bool *at, pw_error *err)
{
    int rc;
    while (c->rc == SQLITE_ROW && sqlite3_column_int64(c->st, 0) < row)
        if ((rc = cursor_step(ld, c, err)) != 0)
            return rc;
    *at = c->rc == SQLITE_ROW && sqlite3_column_int64(c->st, 0) == row;
    return 0;
}

/* Collects the child rows of entry `row` into e. */
static int load_children(loader *ld, sqlite3_int64 row, pw_entry *e, pw_error *err)
{
    size_t cap;
    bool at;
    int rc;

    cap = 0;
    while ((rc = cursor_at(ld, &ld->names, row, &at, err)) == 0 && at) {
        sqlite3_stmt *st = ld->names.st;
        if (!(e->names = arena_grow(ld, e->names, e->n_names, &cap, sizeof *e->names)))
            return 0;
        pw_entry_name *n = &e->names[e->n_names++];
        n->kind = (enum pw_name_kind)col_enum(ld, st, 1, pws_name_kinds, PWS_COUNT(pws_name_kinds));
        n->quality =
            (enum pw_alias_quality)col_enum(ld, st, 2, pws_qualities, PWS_COUNT(pws_qualities));
        n->full = col_text(ld, st, 3);
        n->surname = col_text(ld, st, 4);
        n->given = col_text(ld, st, 5);
        if ((rc = cursor_step(ld, &ld->names, err)) != 0)
            return rc;
    }
    if (rc)
        return rc;

    cap = 0;
    while ((rc = cursor_at(ld, &ld->dobs, row, &at, err)) == 0 && at) {
        sqlite3_stmt *st = ld->dobs.st;
        if (!(e->dobs = arena_grow(ld, e->dobs, e->n_dobs, &cap, sizeof *e->dobs)))
            return 0;
        pw_dob *d = &e->dobs[e->n_dobs++];
        d->kind = (enum pw_dob_kind)col_enum(ld, st, 1, pws_dob_kinds, PWS_COUNT(pws_dob_kinds));
        d->from = col_date(ld, st, 2);
        d->to = col_date(ld, st, 3);
        if ((rc = cursor_step(ld, &ld->dobs, err)) != 0)
            return rc;
    }
    if (rc)
        return rc;

    cap = 0;
    while ((rc = cursor_at(ld, &ld->nats, row, &at, err)) == 0 && at) {
        if (!(e->nationalities = arena_grow(ld, e->nationalities, e->n_nationalities, &cap,
                                            sizeof *e->nationalities)))
            return 0;
        e->nationalities[e->n_nationalities++] = col_text(ld, ld->nats.st, 1);
        if ((rc = cursor_step(ld, &ld->nats, err)) != 0)
            return rc;
    }
    if (rc)
        return rc;

    cap = 0;
    while ((rc = cursor_at(ld, &ld->docs, row, &at, err)) == 0 && at) {
        sqlite3_stmt *st = ld->docs.st;
        if (!(e->documents =
                  arena_grow(ld, e->documents, e->n_documents, &cap, sizeof *e->documents)))
            return 0;
        pw_document *doc = &e->documents[e->n_documents++];
        doc->type = col_text(ld, st, 1);
        doc->number = col_text(ld, st, 2);
        doc->issuer = col_text(ld, st, 3);
        doc->expiry = col_date(ld, st, 4);
        doc->issued = col_date(ld, st, 5);
        if ((rc = cursor_step(ld, &ld->docs, err)) != 0)
            return rc;
    }
    return rc;
}

/* Calls fn for every entry of list version `version_id`, walking the entries query
 * and the four child queries side by side (see the file comment). */
static int load_version(loader *ld, const char *list, int version, sqlite3_int64 version_id,
                        pw_entry_fn fn, void *ctx, pw_error *err)
{
    pw_store *s = ld->s;
    cursor *cursors[] = {&ld->entries, &ld->names, &ld->dobs, &ld->nats, &ld->docs};
    const enum stmt_id ids[] = {ST_LOAD_ENTRIES, ST_LOAD_NAMES, ST_LOAD_DOBS, ST_LOAD_NATS,
                                ST_LOAD_DOCS};
    int rc = 0;

    for (size_t i = 0; i < PWS_COUNT(cursors); i++) {
        cursors[i]->st = NULL;
        cursors[i]->rc = SQLITE_DONE;
    }
    /* Children first, each stepped onto its first row; the entries cursor last, as its
     * first step (in the loop) must follow its binding directly (see pws_step()). */
    for (size_t j = PWS_COUNT(cursors); j-- > 0;) {
        if ((rc = pws_stmt(s, ids[j], &cursors[j]->st, err)) != 0)
            goto done;
        pws_bind_int(s, cursors[j]->st, 1, version_id);
        if (j > 0 && (rc = cursor_step(ld, cursors[j], err)) != 0)
            goto done;
    }

    for (;;) {
        if ((rc = cursor_step(ld, &ld->entries, err)) != 0 || ld->entries.rc != SQLITE_ROW)
            break;
        sqlite3_stmt *st = ld->entries.st;
        sqlite3_int64 row = sqlite3_column_int64(st, 0);
        pw_entry e = {0};
        pw_arena_reset(ld->arena);
        e.list = list;
        e.list_version = version;
        e.entry_id = col_text(ld, st, 1);
        e.type =
            (enum pw_entry_type)col_enum(ld, st, 2, pws_entry_types, PWS_COUNT(pws_entry_types));
        e.category = col_text(ld, st, 3);
        e.severity =
            (enum pw_severity)col_enum(ld, st, 4, pws_severities, PWS_COUNT(pws_severities));
        const char *gender = (const char *)sqlite3_column_text(st, 5);
        e.gender = gender ? gender[0] : 0;
        e.birth_place = col_text(ld, st, 6);
        e.remarks = col_text(ld, st, 7);
        e.source_ref = col_text(ld, st, 8);
        if ((rc = load_children(ld, row, &e, err)) != 0)
            break;
        if (ld->oom) {
            rc = pw_error_set(err, PW_ENOMEM, NULL, 0, 0, "out of memory loading list %s", list);
            break;
        }
        if (ld->corrupt || e.n_names == 0) {
            rc = pw_error_set(err, PW_EDB, s->path, 0, 0,
                              "list %s version %d: entry \"%s\" is damaged in the database", list,
                              version, e.entry_id ? e.entry_id : "?");
            break;
        }
        if ((rc = fn(ctx, &e, err)) != 0)
            break;
    }

done:
    for (size_t i = 0; i < PWS_COUNT(cursors); i++)
        if (cursors[i]->st)
            pws_done(cursors[i]->st);
    return rc;
}

typedef struct list_ref {
    char *name;
    int version;
    sqlite3_int64 version_id;
} list_ref;

/* The current version of one list (name non-NULL) or of every list, malloc'ed. */
static int current_versions(pw_store *s, const char *name, list_ref **out, size_t *n, pw_error *err)
{
    sqlite3_stmt *st = NULL;
    list_ref *v = NULL;
    size_t len = 0, cap = 0;
    int rc;
    if ((rc = pws_stmt(s, name ? ST_LIST_CURRENT : ST_LISTS_CURRENT, &st, err)) != 0)
        return rc;
    if (name)
        pws_bind_text(s, st, 1, name);
    while ((rc = pws_step(s, st)) == SQLITE_ROW) {
        if (len == cap) {
            size_t ncap = cap ? cap * 2 : 8;
            list_ref *nv = realloc(v, ncap * sizeof *nv);
            if (!nv)
                goto oom;
            v = nv;
            cap = ncap;
        }
        const char *list = (const char *)sqlite3_column_text(st, 0);
        if (!(v[len].name = strdup(list ? list : "")))
            goto oom;
        v[len].version = sqlite3_column_int(st, 1);
        v[len].version_id = sqlite3_column_int64(st, 2);
        len++;
    }
    if (rc != SQLITE_DONE) {
        rc = pws_fail(s, rc, "listing watchlists", err);
        goto fail;
    }
    pws_done(st);
    *out = v;
    *n = len;
    return 0;

oom:
    rc = pw_error_set(err, PW_ENOMEM, NULL, 0, 0, "out of memory");
fail:
    pws_done(st);
    for (size_t i = 0; i < len; i++)
        free(v[i].name);
    free(v);
    return rc;
}

/* Loads the current version of one list (list non-NULL) or of all lists, in one read
 * transaction so that every list and child table is seen at the same moment. */
static int each_entry(pw_store *s, const char *list, pw_entry_fn fn, void *ctx, pw_error *err)
{
    list_ref *lists = NULL;
    size_t n = 0;
    bool own_txn = sqlite3_get_autocommit(s->db) != 0;
    loader ld = {.s = s};
    int rc;

    if (!fn)
        return pw_error_set(err, PW_EINVAL, NULL, 0, 0, "no entry callback given");
    if (!(ld.arena = pw_arena_new(0)))
        return pw_error_set(err, PW_ENOMEM, NULL, 0, 0, "out of memory");
    if (own_txn && (rc = pws_run_id(s, ST_BEGIN, "loading watchlist entries", err)) != 0)
        goto done;
    if ((rc = current_versions(s, list, &lists, &n, err)) != 0)
        goto done;
    if (list && n == 0) {
        rc = pw_error_set(err, PW_ENOTFOUND, s->path, 0, 0, "no watchlist named \"%s\"", list);
        goto done;
    }
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = load_version(&ld, lists[i].name, lists[i].version, lists[i].version_id, fn, ctx, err);

done:
    if (own_txn && !sqlite3_get_autocommit(s->db))
        pws_run_id(s, ST_COMMIT, "loading watchlist entries", NULL);
    for (size_t i = 0; i < n; i++)
        free(lists[i].name);
    free(lists);
    pw_arena_free(ld.arena);
    return rc;
}

int pw_store_each_entry(pw_store *s, pw_entry_fn fn, void *ctx, pw_error *err)
{
    return each_entry(s, NULL, fn, ctx, err);
}

int pw_store_each_list_entry(pw_store *s, const char *list, pw_entry_fn fn, void *ctx,
                             pw_error *err)
{
    if (!list)
        return pw_error_set(err, PW_EINVAL, NULL, 0, 0, "no watchlist name given");
    return each_entry(s, list, fn, ctx, err);
}
