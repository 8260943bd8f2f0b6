/*
 * Rule statistics and back-testing reads: per rule and version, the stored hits, the
 * alerts they belong to and what analysts decided about them; the stored records'
 * canonical JSON for re-running rules; and recording an analyst's disposition of a hit.
 *
 * Design: nothing here keeps counters of its own. The rule_stats view (schema.c) counts
 * alert_hits joined with hit_dispositions, so the statistics are exactly what the
 * alert store holds: hits are de-duplicated per alert as the store de-duplicates them
 * (screening the same PNR push twice adds no hit). Statements are prepared per call
 * (these are command-line reads, not the hot path) and always finalized.
 */
#include "store/store_internal.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

int pw_store_rule_stats(pw_store *s, pw_rule_stat **out, size_t *n, pw_error *err)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(s->db,
                                "SELECT rule_id, rule_version, hits, alerts, confirmed, "
                                "false_positives, first_hit, last_hit FROM rule_stats "
                                "ORDER BY rule_id, rule_version",
                                -1, &st, NULL);
    if (rc != SQLITE_OK)
        return pws_fail(s, rc, "reading rule statistics", err);
    pw_rule_stat *items = NULL;
    size_t count = 0, cap = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (count == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            pw_rule_stat *grown = realloc(items, ncap * sizeof *grown);
            if (!grown) {
                free(items);
                sqlite3_finalize(st);
                return pw_error_set(err, PW_ENOMEM, s->path, 0, 0, "out of memory");
            }
            items = grown;
            cap = ncap;
        }
        pw_rule_stat *r = &items[count++];
        memset(r, 0, sizeof *r);
        const char *id = (const char *)sqlite3_column_text(st, 0);
        snprintf(r->rule_id, sizeof r->rule_id, "%s", id ? id : "");
        r->rule_version = sqlite3_column_int(st, 1);
        r->hits = (long)sqlite3_column_int64(st, 2);
        r->alerts = (long)sqlite3_column_int64(st, 3);
        r->confirmed = (long)sqlite3_column_int64(st, 4);
        r->false_positives = (long)sqlite3_column_int64(st, 5);
        const char *first = (const char *)sqlite3_column_text(st, 6);
        const char *last = (const char *)sqlite3_column_text(st, 7);
        snprintf(r->first_hit, sizeof r->first_hit, "%s", first ? first : "");
        snprintf(r->last_hit, sizeof r->last_hit, "%s", last ? last : "");
    }
    int ret = rc == SQLITE_DONE ? 0 : pws_fail(s, rc, "reading rule statistics", err);
    sqlite3_finalize(st);
    if (ret) {
        free(items);
        return ret;
    }
    *out = items;
    *n = count;
    return 0;
}

/* The flight's departure date, or the screening date for records without one, within
 * ?1 and ?2 (either NULL: no bound). */
#define DEPARTS_WITHIN                                                                          \
    "(?1 IS NULL OR coalesce(substr(departure, 1, 10), substr(screened_at, 1, 10)) >= ?1) "  \
    "AND (?2 IS NULL OR coalesce(substr(departure, 1, 10), substr(screened_at, 1, 10)) <= ?2)"

/* Into out, the canonical JSON of a batch member (json, len bytes, as the batch keeps
 * it: pw_record_to_batch_json) of a batch read from file (NULL: none): the file put back
 * into the member's source object after its format, where pw_record_to_json writes it.
 * What the records view's PW_BATCH_MEMBER_JSON gives, spliced here instead: SQLite's
 * JSON functions cost a back-test reading every record four times the read. The source
 * object is the member's last, and ,"source":{ cannot occur inside a JSON string
 * (its quotes would be escaped), so its last occurrence is the object. A member that
 * kept its file (stored before migration 11, or a file that is not UTF-8) is left as
 * it is. */
static void batch_member_json(pw_strbuf *out, const char *json, size_t len, const char *file)
{
    static const char source[] = ",\"source\":{", format[] = "\"format\":\"",
                      has_file[] = "\"file\":";
    const size_t ls = sizeof source - 1, lf = sizeof format - 1, lh = sizeof has_file - 1;
    pw_strbuf_reset(out);
    size_t at = len;
    while (at > ls && memcmp(json + at - ls, source, ls) != 0)
        at--;
    if (!file || at <= ls) { /* (no file, or no source object: as stored) */
        pw_strbuf_appendn(out, json, len);
        return;
    }
    size_t cut = at; /* where the file goes: after the format, if any */
    if (len - cut > lf && memcmp(json + cut, format, lf) == 0) {
        cut += lf;
        while (cut < len && json[cut] != '"')
            cut += json[cut] == '\\' ? 2 : 1;
        cut++; /* (past the closing quote) */
    }
    bool after_format = cut > at;
    size_t next = cut < len && after_format && json[cut] == ',' ? cut + 1 : cut;
    if (cut >= len || (len - next >= lh && memcmp(json + next, has_file, lh) == 0)) {
        pw_strbuf_appendn(out, json, len); /* (it kept its file) */
        return;
    }
    pw_strbuf_appendn(out, json, cut);
    pw_strbuf_append(out, after_format ? ",\"file\":" : "\"file\":");
    pw_strbuf_append_json(out, file);
    if (!after_format && json[cut] != '}')
        pw_strbuf_append(out, ",");
    pw_strbuf_appendn(out, json + cut, len - cut);
}

int pw_store_each_record_json(pw_store *s, const char *since, const char *until,
                              pw_record_json_fn fn, void *ctx, pw_error *err)
{
    /* The rows, then the batches' members not also rows (as the records view has them),
     * each read in the order stored: nothing to sort, whatever the number of records. */
    static const char *const sql[] = {
        "SELECT record_id, json FROM record_rows WHERE " DEPARTS_WITHIN " ORDER BY id",
        "SELECT json_extract(r.value, '$.record_id'), r.value, b.source_file "
        "FROM record_batches b, json_each(b.records) r WHERE " DEPARTS_WITHIN
        " AND NOT EXISTS (SELECT 1 FROM record_rows w "
        "WHERE w.record_id = json_extract(r.value, '$.record_id')) ORDER BY b.id",
    };
    pw_strbuf member = {0};
    int ret = 0;
    for (size_t q = 0; ret == 0 && q < sizeof sql / sizeof sql[0]; q++) {
        sqlite3_stmt *st = NULL;
        int rc = sqlite3_prepare_v2(s->db, sql[q], -1, &st, NULL);
        if (rc != SQLITE_OK)
            return pws_fail(s, rc, "reading records", err);
        if (since)
            sqlite3_bind_text(st, 1, since, -1, SQLITE_STATIC);
        if (until)
            sqlite3_bind_text(st, 2, until, -1, SQLITE_STATIC);
        while (ret == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
            const char *json = (const char *)sqlite3_column_text(st, 1);
            if (q == 1 && json) {
                batch_member_json(&member, json, (size_t)sqlite3_column_bytes(st, 1),
                                  (const char *)sqlite3_column_text(st, 2));
                if (member.oom) {
                    ret = pw_error_set(err, PW_ENOMEM, NULL, 0, 0, "out of memory reading records");
                    break;
                }
                json = member.data;
            }
            ret = fn(ctx, (const char *)sqlite3_column_text(st, 0), json, err);
        }
        if (ret == 0 && rc != SQLITE_DONE)
            ret = pws_fail(s, rc, "reading records", err);
        sqlite3_finalize(st);
    }
    pw_strbuf_free(&member);
    return ret;
}

int pw_store_set_hit_disposition(pw_store *s, const char *alert_id, const char *rule_id,
                                 const char *entry_id, const char *disposition, const char *actor,
                                 const char *note, pw_error *err)
{
    if (!alert_id || !rule_id || !disposition ||
        (strcmp(disposition, "confirmed") != 0 && strcmp(disposition, "false_positive") != 0))
        return pw_error_set(err, PW_EINVAL, NULL, 0, 0,
                            "a disposition needs an alert, a rule and 'confirmed' or "
                            "'false_positive'");
    if (!actor || !*actor)
        actor = s->actor;
    static const char sql[] =
        "INSERT INTO hit_dispositions(hit, disposition, actor, note) "
        "SELECT h.id, ?4, ?5, ?6 FROM alert_hits h JOIN alerts a ON a.id = h.alert "
        "WHERE a.alert_id = ?1 AND h.rule_id = ?2 AND (?3 IS NULL OR h.entry_id = ?3) "
        "ON CONFLICT(hit) DO UPDATE SET disposition = excluded.disposition, "
        "actor = excluded.actor, note = excluded.note, "
        "decided_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')";
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
    if (rc != SQLITE_OK)
        return pws_fail(s, rc, "recording a disposition", err);
    sqlite3_bind_text(st, 1, alert_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, rule_id, -1, SQLITE_STATIC);
    if (entry_id)
        sqlite3_bind_text(st, 3, entry_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, disposition, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, actor, -1, SQLITE_STATIC);
    if (note)
        sqlite3_bind_text(st, 6, note, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    int changed = sqlite3_changes(s->db);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return pws_fail(s, rc, "recording a disposition", err);
    if (changed == 0)
        return pw_error_set(err, PW_ENOTFOUND, NULL, 0, 0, "alert %s has no hit of rule '%s'%s%s",
                            alert_id, rule_id, entry_id ? " for entry " : "",
                            entry_id ? entry_id : "");
    char object[96], detail[256];
    snprintf(object, sizeof object, "alert:%s", alert_id);
    snprintf(detail, sizeof detail, "rule=%s entry=%s disposition=%s", rule_id,
             entry_id ? entry_id : "*", disposition);
    return pw_store_audit(s, actor, "hit.disposition", object, detail, err);
}

int pw_store_rule_hits_today(pw_store *s, const char *rule_id, int rule_version, long *hits,
                             pw_error *err)
{
    *hits = 0;
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(s->db,
                                "SELECT count(*) FROM alert_hits WHERE rule_id = ?1 AND "
                                "rule_version = ?2 AND created_at >= strftime('%Y-%m-%d', 'now')",
                                -1, &st, NULL);
    if (rc != SQLITE_OK)
        return pws_fail(s, rc, "counting a rule's hits today", err);
    sqlite3_bind_text(st, 1, rule_id, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, rule_version);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *hits = (long)sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? 0 : pws_fail(s, rc, "counting a rule's hits today", err);
}
