/*
 * Record batches: the screened records that raised no alert, stored a run at a time
 * (the record_batches table of migration 9; the `records` view shows them beside the
 * single rows of record_rows).
 *
 * Design: a row per record cost the single writer thread a B-tree insert into the
 * table and one into each of its three indexes, about 28,000 instructions (callgrind),
 * which bounded `paxwatch screen` when every record is kept. A batch appends each
 * record's canonical JSON to one JSON array in memory and writes it as one row when
 * its run ends: at another input file, another flight, PW_RECORD_BATCH_MAX records, or
 * a flush (the pipeline flushes before every commit, so what is committed is stored).
 * What keeps a record from being stored twice is its id, entered in record_ids when it
 * is put (in the same transaction as its batch): a record already stored, as a row or
 * in a batch, or put twice in one run, is not put again, wherever batches end. The
 * flight columns and the source file are those of every member; first_line and
 * last_line bound the members' input lines; screened_at is when the first was put.
 */
#include "store/store_internal.h"

#include <stdlib.h>

enum { K_CARRIER, K_NUMBER, K_ORIGIN, K_DESTINATION, K_DEPARTURE, K_ARRIVAL, K_SOURCE, K__COUNT };

struct pw_store_batcher {
    pw_store *s;
    pw_strbuf records; /* "[" and the members' JSON separated by commas ("]" when written) */
    size_t n;
    long first_line, last_line;
    char *key[K__COUNT]; /* the run's flight and input (owned copies; NULL for none) */
    char screened_at[25];
};

/* The run key of a record, in enum order. */
static void run_key(const pw_record *r, const char *out[K__COUNT])
{
    out[K_CARRIER] = r->flight.carrier;
    out[K_NUMBER] = r->flight.number;
    out[K_ORIGIN] = r->flight.origin;
    out[K_DESTINATION] = r->flight.destination;
    out[K_DEPARTURE] = r->flight.departure;
    out[K_ARRIVAL] = r->flight.arrival;
    out[K_SOURCE] = r->source_file;
}

static bool same_text(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

static void clear_run(pw_store_batcher *b)
{
    for (int i = 0; i < K__COUNT; i++) {
        free(b->key[i]);
        b->key[i] = NULL;
    }
    pw_strbuf_reset(&b->records);
    b->n = 0;
    b->first_line = b->last_line = 0;
}

int pw_store_batcher_begin(pw_store *s, pw_store_batcher **out, pw_error *err)
{
    *out = calloc(1, sizeof **out);
    if (!*out)
        return pw_error_set(err, PW_ENOMEM, NULL, 0, 0, "out of memory");
    (*out)->s = s;
    return 0;
}

/* Writes the run; the caller clears it, whatever the outcome. */
static int write_run(pw_store_batcher *b, pw_error *err)
{
    pw_store *s = b->s;
    pw_strbuf_appendn(&b->records, "]", 1);
    if (b->records.oom)
        return pw_error_set(err, PW_ENOMEM, NULL, 0, 0, "out of memory");
    sqlite3_stmt *st = NULL;
    int rc = pws_stmt(s, ST_RECORD_BATCH_INSERT, &st, err);
    if (rc)
        return rc;
    for (int i = 0; i < K__COUNT; i++)
        pws_bind_text(s, st, 1 + i, b->key[i]);
    if (b->first_line > 0) {
        pws_bind_int(s, st, 8, b->first_line);
        pws_bind_int(s, st, 9, b->last_line);
    }
    pws_bind_int(s, st, 10, (sqlite3_int64)b->n);
    pws_bind_textn(s, st, 11, b->records.data, b->records.len);
    pws_bind_text(s, st, 12, b->screened_at);
    return pws_run(s, st, "storing records", err);
}

int pw_store_batcher_flush(pw_store_batcher *b, pw_error *err)
{
    if (!b || b->n == 0)
        return 0;
    int rc = write_run(b, err);
    clear_run(b);
    return rc;
}

int pw_store_batcher_put(pw_store_batcher *b, const pw_record *r, const char *json, size_t len,
                         pw_error *err)
{
    if (!r || !json)
        return pw_error_set(err, PW_EINVAL, NULL, 0, 0, "no record given");
    if (!r->record_id || !*r->record_id) /* (never from the readers, which set one) */
        return pw_store_put_record_json(b->s, r, json, len, NULL, err);
    bool stored_before = false;
    int rc = pws_claim_record_id(b->s, r->record_id, &stored_before, err);
    if (rc || stored_before)
        return rc;
    const char *key[K__COUNT];
    run_key(r, key);
    bool same_run = b->n > 0 && b->n < PW_RECORD_BATCH_MAX;
    for (int i = 0; same_run && i < K__COUNT; i++)
        same_run = same_text(key[i], b->key[i]);
    if (!same_run) {
        if ((rc = pw_store_batcher_flush(b, err)) != 0)
            return rc;
        for (int i = 0; i < K__COUNT; i++)
            if (key[i] && !(b->key[i] = strdup(key[i]))) {
                clear_run(b);
                return pw_error_set(err, PW_ENOMEM, NULL, 0, 0, "out of memory");
            }
        pw_strbuf_appendn(&b->records, "[", 1);
        pws_utc_now(b->s, b->screened_at);
    } else {
        pw_strbuf_appendn(&b->records, ",", 1);
    }
    pw_strbuf_appendn(&b->records, json, len);
    if (r->source_line > 0) {
        if (b->first_line == 0 || r->source_line < b->first_line)
            b->first_line = r->source_line;
        if (r->source_line > b->last_line)
            b->last_line = r->source_line;
    }
    b->n++;
    return 0;
}

void pw_store_batcher_end(pw_store_batcher *b)
{
    if (!b)
        return;
    clear_run(b);
    pw_strbuf_free(&b->records);
    free(b);
}
