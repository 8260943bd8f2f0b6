/*
 * Data quality in the store: findings and message receipts in, the per-sender,
 * per-flight summary out (paxwatch quality).
 *
 * Design:
 *  - A finding is keyed by a hash of its content without the file name (kind, sender,
 *    interchange and message references, flight, position, field, record id, detail),
 *    inserted with ON CONFLICT(key) DO NOTHING: screening the same message again, from
 *    whatever file, adds no row. A message sent again under a new interchange reference
 *    is a new message and counts again, but a traveller is counted once per kind
 *    (count(DISTINCT record_id)), so percentages stay meaningful.
 *  - The summary groups by (sender, carrier, flight number, departure). Travellers per
 *    flight come from the records table (what was screened); messages and travellers
 *    sent from the receipts in quality_messages; examples are the first
 *    PW_QUALITY_EXAMPLES findings of each kind in input order (a window function).
 *  - The summary's statements are prepared per call (it runs once per command), and so
 *    are pw_store_put_finding's; a writer that stores many findings (the pipeline) opens
 *    a pw_store_findings, which prepares its two statements once and finalizes them
 *    when it ends, before the store is closed.
 */
#include "store/store_internal.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

/* The group condition on (sender, carrier, flight_number, departure) as ?1..?4, with
 * IS so that NULLs match NULLs. */
#define SAME_GROUP "sender IS ?1 AND carrier IS ?2 AND flight_number IS ?3 AND departure IS ?4"

/* The filters as ?5 (sender) and ?6 (flight: carrier + number, or number). */
#define FILTERS                                                                                    \
    "(?5 IS NULL OR sender = ?5) AND (?6 IS NULL OR upper(coalesce(carrier, '') || "               \
    "coalesce(flight_number, '')) = upper(?6) OR upper(flight_number) = upper(?6))"

/* PW_QUALITY_EXAMPLES as text, for the SQL. */
#define PW_STR_EXAMPLES "3"
_Static_assert(PW_QUALITY_EXAMPLES == 3, "PW_STR_EXAMPLES spells PW_QUALITY_EXAMPLES");

static int prepare(pw_store *s, const char *sql, sqlite3_stmt **st, pw_error *err)
{
    int rc = sqlite3_prepare_v2(s->db, sql, -1, st, NULL);
    if (rc != SQLITE_OK) {
        *st = NULL;
        return pws_fail(s, rc, "reading data quality", err);
    }
    s->bind_rc = SQLITE_OK;
    return 0;
}

/* The finding's deterministic key (the file name left out): 8 hex digits of a hash of
 * the message it belongs to (sender, interchange, message, flight), then the hash of its
 * whole content, so a message's findings are neighbours in the key index. */
static void finding_key(const pw_finding *f, char out[41])
{
    const char *where[] = {"pw-finding-message/1", f->sender,        f->interchange_ref,
                           f->message_ref,         f->carrier,       f->flight_number,
                           f->departure};
    char prefix[33];
    pw_hash_hex(where, sizeof where / sizeof where[0], prefix);
    memcpy(out, prefix, 8);
    out += 8;
    char line[24], count[24];
    snprintf(line, sizeof line, "%ld", f->line);
    snprintf(count, sizeof count, "%ld", f->count);
    const char *parts[] = {"pw-finding/1",
                           pw_finding_kind_name(f->kind),
                           f->format,
                           f->sender,
                           f->interchange_ref,
                           f->message_ref,
                           f->carrier,
                           f->flight_number,
                           f->departure,
                           line,
                           f->segment,
                           f->field,
                           f->record_id,
                           f->detail,
                           count};
    pw_hash_hex(parts, sizeof parts / sizeof parts[0], out);
}

static const char receipt_sql[] =
    "INSERT INTO quality_messages(key, format, source, sender, interchange_ref, "
    "message_ref, carrier, flight_number, departure, travellers, detail) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) ON CONFLICT(key) DO NOTHING";
static const char finding_sql[] =
    "INSERT INTO quality_findings(key, format, source, sender, interchange_ref, "
    "message_ref, carrier, flight_number, departure, kind, detail, line, segment, field, "
    "record_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15) "
    "ON CONFLICT(key) DO NOTHING";

struct pw_store_findings {
    pw_store *s;
    sqlite3_stmt *receipt, *finding; /* prepared on first use, finalized at the end */
};

/* Binds and runs one finding on st (a receipt_sql or finding_sql statement), leaving it
 * reset for the next one. */
static int put(pw_store *s, sqlite3_stmt *st, const pw_finding *f, bool *inserted, pw_error *err)
{
    bool receipt = f->kind == PW_FINDING_MESSAGE;
    char key[41];
    finding_key(f, key);
    int rc;
    pws_bind_text(s, st, 1, key);
    pws_bind_text(s, st, 2, f->format);
    pws_bind_text(s, st, 3, f->source);
    pws_bind_text(s, st, 4, f->sender);
    pws_bind_text(s, st, 5, f->interchange_ref);
    pws_bind_text(s, st, 6, f->message_ref);
    pws_bind_text(s, st, 7, f->carrier);
    pws_bind_text(s, st, 8, f->flight_number);
    pws_bind_text(s, st, 9, f->departure);
    if (receipt) {
        pws_bind_int(s, st, 10, f->count > 0 ? f->count : 0);
        pws_bind_text(s, st, 11, f->detail);
    } else {
        pws_bind_text(s, st, 10, pw_finding_kind_name(f->kind));
        pws_bind_text(s, st, 11, f->detail && *f->detail ? f->detail : "(no detail)");
        if (f->line > 0)
            pws_bind_int(s, st, 12, f->line);
        pws_bind_text(s, st, 13, f->segment);
        pws_bind_text(s, st, 14, f->field);
        pws_bind_text(s, st, 15, f->record_id);
    }
    rc = pws_run(s, st, receipt ? "storing a message receipt" : "storing a finding", err);
    if (rc == 0 && inserted)
        *inserted = sqlite3_changes(s->db) > 0;
    return rc;
}

/* Checks a finding before storing it. */
static int check(const pw_finding *f, bool *inserted, pw_error *err)
{
    if (inserted)
        *inserted = false;
    if (!f || f->kind < 0 || f->kind >= PW_FINDING__COUNT)
        return pw_error_set(err, PW_EINVAL, NULL, 0, 0, "no valid finding given");
    return 0;
}

int pw_store_put_finding(pw_store *s, const pw_finding *f, bool *inserted, pw_error *err)
{
    int rc = check(f, inserted, err);
    if (rc)
        return rc;
    sqlite3_stmt *st;
    if ((rc = prepare(s, f->kind == PW_FINDING_MESSAGE ? receipt_sql : finding_sql, &st, err)))
        return rc;
    rc = put(s, st, f, inserted, err);
    sqlite3_finalize(st);
    return rc;
}

int pw_store_findings_begin(pw_store *s, pw_store_findings **out, pw_error *err)
{
    *out = calloc(1, sizeof **out);
    if (!*out)
        return pw_error_set(err, PW_ENOMEM, NULL, 0, 0, "out of memory");
    (*out)->s = s;
    return 0;
}

int pw_store_findings_put(pw_store_findings *w, const pw_finding *f, bool *inserted, pw_error *err)
{
    int rc = check(f, inserted, err);
    if (rc)
        return rc;
    bool receipt = f->kind == PW_FINDING_MESSAGE;
    sqlite3_stmt **st = receipt ? &w->receipt : &w->finding;
    if (!*st) {
        int prc = sqlite3_prepare_v3(w->s->db, receipt ? receipt_sql : finding_sql, -1,
                                     SQLITE_PREPARE_PERSISTENT, st, NULL);
        if (prc != SQLITE_OK) {
            *st = NULL;
            return pws_fail(w->s, prc, "storing a finding", err);
        }
    }
    w->s->bind_rc = SQLITE_OK;
    return put(w->s, *st, f, inserted, err);
}

void pw_store_findings_end(pw_store_findings *w)
{
    if (!w)
        return;
    sqlite3_finalize(w->receipt);
    sqlite3_finalize(w->finding);
    free(w);
}

/* ---- the summary ---------------------------------------------------------------- */

static void copy_col(sqlite3_stmt *st, int col, char *dst, size_t size)
{
    const char *t = (const char *)sqlite3_column_text(st, col);
    snprintf(dst, size, "%s", t ? t : "");
}

/* Binds a group's four keys as ?1..?4 ("" stored as NULL columns come back as ""; a
 * group read from the database keeps NULL-ness in `nulls`). */
static void bind_group(pw_store *s, sqlite3_stmt *st, const pw_quality_group *g, unsigned nulls)
{
    const char *v[4] = {g->sender, g->carrier, g->flight_number, g->departure};
    for (int i = 0; i < 4; i++)
        pws_bind_text(s, st, i + 1, (nulls >> i) & 1 ? NULL : v[i]);
}

/* Fills counts, travellers and examples of group g. */
static int fill_group(pw_store *s, pw_quality_group *g, unsigned nulls, pw_error *err)
{
    static const char messages_sql[] =
        "SELECT count(*), coalesce(sum(travellers), 0) FROM quality_messages WHERE " SAME_GROUP;
    static const char records_sql[] = "SELECT count(*) FROM records WHERE carrier IS ?2 AND "
                                      "flight_number IS ?3 AND departure IS ?4";
    static const char kinds_sql[] =
        "SELECT kind, count(*), count(DISTINCT record_id) FROM quality_findings WHERE " SAME_GROUP
        " GROUP BY kind";
    static const char examples_sql[] =
        "SELECT kind, message_ref, line, segment, field, record_id, detail, interchange_ref FROM ("
        "SELECT *, row_number() OVER (PARTITION BY kind ORDER BY id) AS n FROM quality_findings "
        "WHERE " SAME_GROUP ") WHERE n <= " PW_STR_EXAMPLES " ORDER BY kind, id";
    sqlite3_stmt *st;
    int rc;

    if ((rc = prepare(s, messages_sql, &st, err)))
        return rc;
    bind_group(s, st, g, nulls);
    if ((rc = pws_step(s, st)) == SQLITE_ROW) {
        g->messages = (long)sqlite3_column_int64(st, 0);
        g->travellers_sent = (long)sqlite3_column_int64(st, 1);
        rc = 0;
    } else {
        rc = pws_fail(s, rc, "reading data quality", err);
    }
    sqlite3_finalize(st);
    if (rc)
        return rc;

    if ((rc = prepare(s, records_sql, &st, err)))
        return rc;
    bind_group(s, st, g, nulls);
    if ((rc = pws_step(s, st)) == SQLITE_ROW) {
        g->travellers = (long)sqlite3_column_int64(st, 0);
        rc = 0;
    } else {
        rc = pws_fail(s, rc, "reading data quality", err);
    }
    sqlite3_finalize(st);
    if (rc)
        return rc;

    if ((rc = prepare(s, kinds_sql, &st, err)))
        return rc;
    bind_group(s, st, g, nulls);
    while ((rc = pws_step(s, st)) == SQLITE_ROW) {
        enum pw_finding_kind k;
        if (pw_finding_kind_parse((const char *)sqlite3_column_text(st, 0), &k))
            continue;
        g->kinds[k].findings = (long)sqlite3_column_int64(st, 1);
        g->kinds[k].travellers = (long)sqlite3_column_int64(st, 2);
    }
    rc = rc == SQLITE_DONE ? 0 : pws_fail(s, rc, "reading data quality", err);
    sqlite3_finalize(st);
    if (rc)
        return rc;

    if ((rc = prepare(s, examples_sql, &st, err)))
        return rc;
    bind_group(s, st, g, nulls);
    while ((rc = pws_step(s, st)) == SQLITE_ROW) {
        enum pw_finding_kind k;
        if (pw_finding_kind_parse((const char *)sqlite3_column_text(st, 0), &k))
            continue;
        pw_quality_count *c = &g->kinds[k];
        if (c->n_examples >= PW_QUALITY_EXAMPLES)
            continue;
        pw_quality_example *e = &c->examples[c->n_examples++];
        copy_col(st, 1, e->message_ref, sizeof e->message_ref);
        e->line = (long)sqlite3_column_int64(st, 2);
        copy_col(st, 3, e->segment, sizeof e->segment);
        copy_col(st, 4, e->field, sizeof e->field);
        copy_col(st, 5, e->record_id, sizeof e->record_id);
        copy_col(st, 6, e->detail, sizeof e->detail);
        copy_col(st, 7, e->interchange_ref, sizeof e->interchange_ref);
    }
    rc = rc == SQLITE_DONE ? 0 : pws_fail(s, rc, "reading data quality", err);
    sqlite3_finalize(st);
    return rc;
}

int pw_store_quality(pw_store *s, const char *sender, const char *flight, pw_quality_group **out,
                     size_t *n, pw_error *err)
{
    static const char groups_sql[] =
        "SELECT sender, carrier, flight_number, departure FROM ("
        "SELECT sender, carrier, flight_number, departure FROM quality_findings WHERE " FILTERS
        " UNION SELECT sender, carrier, flight_number, departure FROM quality_messages "
        "WHERE " FILTERS ") ORDER BY sender, carrier, flight_number, departure";
    *out = NULL;
    *n = 0;
    sqlite3_stmt *st;
    int rc = prepare(s, groups_sql, &st, err);
    if (rc)
        return rc;
    pws_bind_text(s, st, 5, sender);
    pws_bind_text(s, st, 6, flight);
    pw_quality_group *groups = NULL;
    unsigned *nulls = NULL;
    size_t count = 0, cap = 0;
    while ((rc = pws_step(s, st)) == SQLITE_ROW) {
        if (count == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            pw_quality_group *ng = realloc(groups, ncap * sizeof *ng);
            unsigned *nn = ng ? realloc(nulls, ncap * sizeof *nn) : NULL;
            if (ng)
                groups = ng;
            if (nn)
                nulls = nn;
            if (!ng || !nn) {
                rc = pw_error_set(err, PW_ENOMEM, NULL, 0, 0, "out of memory");
                goto fail;
            }
            cap = ncap;
        }
        pw_quality_group *g = &groups[count];
        memset(g, 0, sizeof *g);
        nulls[count] = 0;
        char *dst[4] = {g->sender, g->carrier, g->flight_number, g->departure};
        size_t size[4] = {sizeof g->sender, sizeof g->carrier, sizeof g->flight_number,
                          sizeof g->departure};
        for (int i = 0; i < 4; i++) {
            if (sqlite3_column_type(st, i) == SQLITE_NULL)
                nulls[count] |= 1u << i;
            copy_col(st, i, dst[i], size[i]);
        }
        count++;
    }
    if (rc != SQLITE_DONE) {
        rc = pws_fail(s, rc, "reading data quality", err);
        goto fail;
    }
    sqlite3_finalize(st);
    st = NULL;
    for (size_t i = 0; i < count; i++)
        if ((rc = fill_group(s, &groups[i], nulls[i], err)))
            goto fail;
    free(nulls);
    *out = groups;
    *n = count;
    return 0;
fail:
    sqlite3_finalize(st);
    free(groups);
    free(nulls);
    return rc;
}

int pw_store_each_finding(pw_store *s, const char *sender, const char *flight, pw_finding_fn fn,
                          void *ctx, pw_error *err)
{
    static const char sql[] =
        "SELECT kind, format, source, sender, interchange_ref, message_ref, carrier, "
        "flight_number, departure, line, segment, field, record_id, detail FROM "
        "quality_findings WHERE " FILTERS " ORDER BY sender, carrier, flight_number, "
        "departure, id";
    sqlite3_stmt *st;
    int rc = prepare(s, sql, &st, err);
    if (rc)
        return rc;
    pws_bind_text(s, st, 5, sender);
    pws_bind_text(s, st, 6, flight);
    while ((rc = pws_step(s, st)) == SQLITE_ROW) {
        pw_finding f;
        memset(&f, 0, sizeof f);
        if (pw_finding_kind_parse((const char *)sqlite3_column_text(st, 0), &f.kind))
            continue;
        const char **cols[] = {&f.format,      &f.source,  &f.sender,        &f.interchange_ref,
                               &f.message_ref, &f.carrier, &f.flight_number, &f.departure};
        for (int i = 0; i < 8; i++)
            *cols[i] = (const char *)sqlite3_column_text(st, i + 1);
        f.line = (long)sqlite3_column_int64(st, 9);
        f.segment = (const char *)sqlite3_column_text(st, 10);
        f.field = (const char *)sqlite3_column_text(st, 11);
        f.record_id = (const char *)sqlite3_column_text(st, 12);
        f.detail = (const char *)sqlite3_column_text(st, 13);
        fn(ctx, &f);
    }
    rc = rc == SQLITE_DONE ? 0 : pws_fail(s, rc, "reading data quality", err);
    sqlite3_finalize(st);
    return rc;
}
