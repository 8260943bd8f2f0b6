/*
 * Record batches: the screened records that raised no alert, stored a run at a time
 * (the record_batches table of migrations 9 and 10; the `records` view shows them
 * beside the single rows of record_rows).
 *
 * Design: a row per record cost the single writer thread a B-tree insert into the
 * table and one into each of its three indexes, about 28,000 instructions (callgrind),
 * which bounded `paxwatch screen` when every record is kept. A batch appends each
 * record's canonical JSON to one JSON array in memory and writes it as one row when
 * its run ends: at another input file, another flight, PW_RECORD_BATCH_MAX records, or
 * a flush (the pipeline flushes before every commit, so what is committed is stored).
 *
 * A record is batched once: within its record group (its flight; for a record without
 * one, its input file as named; pw_schema_record_group) a record is known by the key of
 * its id (pw_schema_record_key), and each batch keeps its members' keys and its group.
 * The batcher holds the keys of the groups it stores in memory (a hash set per group,
 * in a hash table of groups, about MAX_CACHED_KEYS keys in all): when a run begins it
 * reads the keys of the group's batches it has not read yet (one index look-up, which
 * usually finds none), and a record whose key is there is not put again. So a record
 * screened again (the same input again, an airline's updated manifest of the same
 * flight, a spool file resumed) is not stored again, at the cost of a hash look-up a
 * record, where a B-tree entry a record cost two thirds of the writer's time
 * (migration 10 says more). Past MAX_CACHED_KEYS the batcher drops every group and
 * reads a group again when it comes back; a group larger than that on its own (a huge
 * input without flights) is not told apart. A record with an alert has a row of its
 * own in record_rows, unique by record id; the view shows that row instead of a
 * batched record of the same id.
 *
 * Ids are told apart within a group only: the same record id on another flight (a
 * sender that numbers each flight's travellers from 1), or the same input without
 * flights under another name, is stored again. A record id that has a row of its own
 * hides, in the view, the batched records of that id whatever their flight.
 *
 * The flight columns and the source file are those of every member; first_line and
 * last_line bound the members' input lines; screened_at is when the first was put.
 */
#include "store/store_internal.h"

#include <stdlib.h>

enum { K_CARRIER, K_NUMBER, K_ORIGIN, K_DESTINATION, K_DEPARTURE, K_ARRIVAL, K_SOURCE, K__COUNT };

/* The keys held in memory, of all groups (pws_batcher_limit_keys sets another limit):
 * past that, every group is dropped when the next run begins (and read again from the
 * database when it comes back). A group holding more keys than this on its own is not
 * told apart at all (too_large): its records are stored as they come. */
#define MAX_CACHED_KEYS ((size_t)1 << 20)

/* A set of keys: open addressing, linear probing; an all-zero slot is empty (no key is
 * all zero); at most half full. */
typedef struct key_set {
    unsigned char (*slot)[PW_RECORD_KEY_LEN];
    size_t cap; /* a power of two, or 0 */
    size_t n;
} key_set;

typedef struct record_group {
    int64_t id;
    bool in_use;
    bool too_large;           /* more than MAX_CACHED_KEYS keys: not told apart */
    sqlite3_int64 last_batch; /* the newest of its batches whose keys are in keys */
    key_set keys;
} record_group;

struct pw_store_batcher {
    pw_store *s;
    pw_strbuf records;     /* "[" and the members' JSON separated by commas ("]" when written) */
    pw_strbuf member_keys; /* the members' keys, one after another */
    bool open;             /* a run has begun: key, screened_at and group are its */
    size_t n;
    long first_line, last_line;
    char *key[K__COUNT]; /* the run's flight and input (owned copies; NULL for none) */
    char screened_at[25];
    record_group *groups; /* open addressing by id, linear probing, at most half full */
    size_t groups_cap;    /* a power of two, or 0 */
    size_t n_groups;
    record_group *group; /* the run's, in groups */
    size_t cached_keys;  /* keys in all the groups' sets */
    size_t max_keys;     /* MAX_CACHED_KEYS */
};

/* ---- key sets --------------------------------------------------------------------- */

static size_t slot_of(const key_set *set, const unsigned char key[PW_RECORD_KEY_LEN])
{
    size_t h;
    memcpy(&h, key, sizeof h); /* a key is a hash already */
    return h & (set->cap - 1);
}

static bool slot_empty(const unsigned char slot[PW_RECORD_KEY_LEN])
{
    static const unsigned char zero[PW_RECORD_KEY_LEN];
    return memcmp(slot, zero, PW_RECORD_KEY_LEN) == 0;
}

/* Places key in set, which has room for it; false when it was there already. */
static bool place_key(key_set *set, const unsigned char key[PW_RECORD_KEY_LEN])
{
    size_t i = slot_of(set, key);
    for (; !slot_empty(set->slot[i]); i = (i + 1) & (set->cap - 1))
        if (memcmp(set->slot[i], key, PW_RECORD_KEY_LEN) == 0)
            return false;
    memcpy(set->slot[i], key, PW_RECORD_KEY_LEN);
    set->n++;
    return true;
}

/* Adds key to set: 1 when added, 0 when it was there, -1 when out of memory. */
static int add_key(key_set *set, const unsigned char key[PW_RECORD_KEY_LEN])
{
    if (2 * (set->n + 1) > set->cap) {
        key_set bigger = {.cap = set->cap ? 2 * set->cap : 256};
        bigger.slot = calloc(bigger.cap, PW_RECORD_KEY_LEN);
        if (!bigger.slot)
            return -1;
        for (size_t i = 0; i < set->cap; i++)
            if (!slot_empty(set->slot[i]))
                place_key(&bigger, set->slot[i]);
        free(set->slot);
        *set = bigger;
    }
    return place_key(set, key) ? 1 : 0;
}

/* ---- record groups ---------------------------------------------------------------- */

static void forget_keys(pw_store_batcher *b, record_group *g)
{
    b->cached_keys -= g->keys.n;
    free(g->keys.slot);
    g->keys = (key_set){0};
}

/* Drops every group (their keys, and what was read of them). */
static void forget_groups(pw_store_batcher *b)
{
    for (size_t i = 0; i < b->groups_cap; i++)
        forget_keys(b, &b->groups[i]);
    memset(b->groups, 0, b->groups_cap * sizeof *b->groups);
    b->n_groups = 0;
    b->group = NULL;
}

/* The group with this id, added when new (NULL when out of memory). */
static record_group *find_group(pw_store_batcher *b, int64_t id)
{
    if (2 * (b->n_groups + 1) > b->groups_cap) {
        size_t cap = b->groups_cap ? 2 * b->groups_cap : 64;
        record_group *bigger = calloc(cap, sizeof *bigger);
        if (!bigger)
            return NULL;
        for (size_t i = 0; i < b->groups_cap; i++) {
            if (!b->groups[i].in_use)
                continue;
            size_t at = (size_t)b->groups[i].id & (cap - 1);
            while (bigger[at].in_use)
                at = (at + 1) & (cap - 1);
            bigger[at] = b->groups[i];
        }
        free(b->groups);
        b->groups = bigger;
        b->groups_cap = cap;
    }
    size_t at = (size_t)id & (b->groups_cap - 1);
    for (; b->groups[at].in_use; at = (at + 1) & (b->groups_cap - 1))
        if (b->groups[at].id == id)
            return &b->groups[at];
    b->groups[at] = (record_group){.id = id, .in_use = true};
    b->n_groups++;
    return &b->groups[at];
}

/* Adds key to g's set: 1 when added (or g is too large to tell), 0 when it was there,
 * -1 when out of memory. */
static int add_group_key(pw_store_batcher *b, record_group *g,
                         const unsigned char key[PW_RECORD_KEY_LEN])
{
    if (g->too_large)
        return 1;
    if (g->keys.n >= b->max_keys) {
        forget_keys(b, g);
        g->too_large = true;
        return 1;
    }
    int added = add_key(&g->keys, key);
    b->cached_keys += added > 0 ? 1 : 0;
    return added;
}

/* Adds the keys of the group's batches it has not read yet (none for a group too large
 * to tell its records apart). */
static int read_new_batches(pw_store_batcher *b, record_group *g, pw_error *err)
{
    pw_store *s = b->s;
    if (g->too_large)
        return 0;
    sqlite3_stmt *st = NULL;
    int rc = pws_stmt(s, ST_RECORD_GROUP_KEYS, &st, err);
    if (rc)
        return rc;
    pws_bind_int(s, st, 1, g->id);
    pws_bind_int(s, st, 2, g->last_batch);
    while (!g->too_large && (rc = pws_step(s, st)) == SQLITE_ROW) {
        const unsigned char *keys = sqlite3_column_blob(st, 1);
        size_t len = (size_t)sqlite3_column_bytes(st, 1);
        for (size_t at = 0; keys && at + PW_RECORD_KEY_LEN <= len; at += PW_RECORD_KEY_LEN)
            if (add_group_key(b, g, keys + at) < 0) {
                pws_done(st);
                return pw_error_set(err, PW_ENOMEM, NULL, 0, 0, "out of memory");
            }
        g->last_batch = sqlite3_column_int64(st, 0);
    }
    pws_done(st);
    return rc == SQLITE_DONE || g->too_large
               ? 0
               : pws_fail(s, rc, "reading the keys of stored records", err);
}

/* Makes the group of r the run's, its keys up to date. */
static int enter_group(pw_store_batcher *b, const pw_record *r, pw_error *err)
{
    int64_t id = pw_schema_record_group(&r->flight, r->source_file);
    if (b->cached_keys > b->max_keys)
        forget_groups(b);
    if (!(b->group = find_group(b, id)))
        return pw_error_set(err, PW_ENOMEM, NULL, 0, 0, "out of memory");
    return read_new_batches(b, b->group, err);
}

/* ---- runs ------------------------------------------------------------------------- */

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
    pw_strbuf_reset(&b->member_keys);
    b->open = false;
    b->n = 0;
    b->first_line = b->last_line = 0;
}

int pw_store_batcher_begin(pw_store *s, pw_store_batcher **out, pw_error *err)
{
    *out = calloc(1, sizeof **out);
    if (!*out)
        return pw_error_set(err, PW_ENOMEM, NULL, 0, 0, "out of memory");
    (*out)->s = s;
    (*out)->max_keys = MAX_CACHED_KEYS;
    return 0;
}

void pws_batcher_limit_keys(pw_store_batcher *b, size_t max_keys)
{
    b->max_keys = max_keys;
}

/* Writes the run; the caller clears it, whatever the outcome. */
static int write_run(pw_store_batcher *b, pw_error *err)
{
    pw_store *s = b->s;
    pw_strbuf_appendn(&b->records, "]", 1);
    if (b->records.oom || b->member_keys.oom)
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
    pws_bind_int(s, st, 13, b->group->id);
    pws_bind_blob(s, st, 14, b->member_keys.data, b->member_keys.len);
    if ((rc = pws_run(s, st, "storing records", err)) != 0)
        return rc;
    b->group->last_batch = sqlite3_last_insert_rowid(s->db);
    return 0;
}

int pw_store_batcher_flush(pw_store_batcher *b, pw_error *err)
{
    if (!b)
        return 0;
    int rc = b->n ? write_run(b, err) : 0;
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
    const char *key[K__COUNT];
    run_key(r, key);
    bool same_run = b->open && b->n < PW_RECORD_BATCH_MAX;
    for (int i = 0; same_run && i < K__COUNT; i++)
        same_run = same_text(key[i], b->key[i]);
    if (!same_run) {
        int rc = pw_store_batcher_flush(b, err);
        if (rc || (rc = enter_group(b, r, err)) != 0)
            return rc;
        for (int i = 0; i < K__COUNT; i++)
            if (key[i] && !(b->key[i] = strdup(key[i]))) {
                clear_run(b);
                return pw_error_set(err, PW_ENOMEM, NULL, 0, 0, "out of memory");
            }
        pws_utc_now(b->s, b->screened_at);
        b->open = true;
    }
    unsigned char record_key[PW_RECORD_KEY_LEN];
    pw_schema_record_key(r->record_id, record_key);
    int added = add_group_key(b, b->group, record_key);
    if (added <= 0) /* stored before, or out of memory */
        return added ? pw_error_set(err, PW_ENOMEM, NULL, 0, 0, "out of memory") : 0;
    pw_strbuf_appendn(&b->records, b->n ? "," : "[", 1);
    pw_strbuf_appendn(&b->records, json, len);
    pw_strbuf_appendn(&b->member_keys, (const char *)record_key, sizeof record_key);
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
    forget_groups(b);
    free(b->groups);
    pw_strbuf_free(&b->records);
    pw_strbuf_free(&b->member_keys);
    free(b);
}
