/*
 * Record batches: the screened records that raised no alert, stored a run at a time
 * (the record_batches table of migrations 9 and 10; the `records` view of migration 11
 * shows them beside the single rows of record_rows).
 *
 * Design: a row per record cost the single writer thread a B-tree insert into the
 * table and one into each of its three indexes, about 28,000 instructions (callgrind),
 * which bounded `paxwatch screen` when every record is kept. A run gathers the records
 * of one input file and one flight: it appends each record's JSON
 * (pw_record_to_batch_json: the canonical JSON less the input file, which the row holds)
 * to one JSON array in memory and writes it as one row when it holds
 * PW_RECORD_BATCH_MAX records, or at a flush (the pipeline flushes before every commit, so what is committed is
 * stored). Up to MAX_OPEN_RUNS runs are open at once, found by the hash of their key
 * (the last one used first: records of a flight usually come together), so that an
 * input interleaving flights (an interactive API feed, a merged backlog) still gets
 * full batches.
 *
 * A record is batched once: within its record group (its flight; for a record without
 * one, its input file as named; pw_schema_record_group) a record is known by the key of
 * its id (pw_schema_record_key), and each batch keeps its members' keys and its group.
 * The batcher holds the keys of the groups it stores in memory (a hash set per group,
 * in a hash table of groups; at a flush, MAX_CACHED_KEYS keys in all): when a run begins
 * it reads the keys of the group's batches it has not read yet (one index look-up, which
 * usually finds none), and a record whose key is there is not put again. So a record
 * screened again (the same input again, an airline's updated manifest of the same
 * flight, a spool file resumed) is not stored again, at the cost of a hash look-up a
 * record, where a B-tree entry a record cost two thirds of the writer's time
 * (migration 10 says more). Past MAX_CACHED_KEYS at a flush the batcher drops every
 * group and reads a group again when it comes back; a group larger than that on its own (a huge
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

/* Runs open at once (found by their key's hash through RUN_SLOTS): a further flight's
 * first record writes and closes the quarter of them put to longest ago first, so an
 * input interleaving more flights than this in one transaction gets smaller batches.
 * Their JSON is bounded by a transaction's records, as every run is written and closed
 * at each flush. */
#define MAX_OPEN_RUNS 1024
#define RUN_SLOTS (2 * MAX_OPEN_RUNS)

/* The keys held in memory, of all groups (pws_batcher_limit_keys sets another limit):
 * past that at a flush, every group is dropped (and read again from the database when it
 * comes back); within a transaction the keys of the groups it touches add up. A group
 * holding more keys than this on its own is not told apart at all (too_large): its
 * records are stored as they come. */
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

/* An open run: the records of one input file and one flight put since the last flush. */
typedef struct run {
    char *key[K__COUNT]; /* its flight and input (owned copies; NULL for none) */
    uint64_t hash;       /* of key (run_hash) */
    int64_t group;       /* its record group's id */
    pw_strbuf records;     /* "[" and the members' JSON separated by commas ("]" when written) */
    pw_strbuf member_keys; /* the members' keys, one after another */
    size_t n;
    long first_line, last_line;
    char screened_at[25];
    uint64_t last_put; /* the batcher's clock at its last put */
} run;

struct pw_store_batcher {
    pw_store *s;
    run runs[MAX_OPEN_RUNS];
    size_t n_runs;
    uint16_t run_slots[RUN_SLOTS]; /* index + 1 of the run of a hash, 0 when empty */
    run *order[MAX_OPEN_RUNS];     /* close_oldest_runs' sorting room */
    run *last;            /* the run of the last put, or NULL */
    uint64_t clock;
    record_group *groups; /* open addressing by id, linear probing, at most half full */
    size_t groups_cap;    /* a power of two, or 0 */
    size_t n_groups;
    size_t cached_keys;   /* keys in all the groups' sets */
    size_t max_keys;      /* MAX_CACHED_KEYS */
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
        pw_touch_pages(bigger.slot, bigger.cap * PW_RECORD_KEY_LEN); /* (read first) */
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
    for (size_t i = 0; i < b->groups_cap; i++) {
        forget_keys(b, &b->groups[i]);
        b->groups[i] = (record_group){0};
    }
    b->n_groups = 0;
}

/* The group with this id, added when new (NULL when out of memory). A new group may
 * move the others. */
static record_group *find_group(pw_store_batcher *b, int64_t id)
{
    for (size_t at = (size_t)id & (b->groups_cap - 1); b->groups_cap && b->groups[at].in_use;
         at = (at + 1) & (b->groups_cap - 1))
        if (b->groups[at].id == id)
            return &b->groups[at];
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
    while (b->groups[at].in_use)
        at = (at + 1) & (b->groups_cap - 1);
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

static uint64_t run_hash(const char *const key[K__COUNT])
{
    uint64_t h[2];
    pw_hash128(key, K__COUNT, h);
    return h[0];
}

static bool same_text(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

static bool run_has_key(const run *u, const char *const key[K__COUNT])
{
    for (int i = 0; i < K__COUNT; i++)
        if (!same_text(key[i], u->key[i]))
            return false;
    return true;
}

/* Enters run i in run_slots. */
static void index_run(pw_store_batcher *b, size_t i)
{
    size_t at = (size_t)b->runs[i].hash & (RUN_SLOTS - 1);
    while (b->run_slots[at])
        at = (at + 1) & (RUN_SLOTS - 1);
    b->run_slots[at] = (uint16_t)(i + 1);
}

/* Empties a run's members (it stays open). */
static void empty_run(run *u)
{
    pw_strbuf_reset(&u->records);
    pw_strbuf_reset(&u->member_keys);
    u->n = 0;
    u->first_line = u->last_line = 0;
}

/* Frees a run and fills its place with the last open run. */
static void close_run(pw_store_batcher *b, run *u)
{
    for (int i = 0; i < K__COUNT; i++)
        free(u->key[i]);
    pw_strbuf_free(&u->records);
    pw_strbuf_free(&u->member_keys);
    run *moved = &b->runs[b->n_runs - 1];
    if (b->last == u)
        b->last = NULL;
    else if (b->last == moved)
        b->last = u;
    if (u != moved)
        *u = *moved;
    memset(moved, 0, sizeof *moved);
    b->n_runs--;
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

/* Writes the run's members as one batch and empties it (whatever the outcome). */
static int write_run(pw_store_batcher *b, run *u, pw_error *err)
{
    pw_store *s = b->s;
    pw_strbuf_appendn(&u->records, "]", 1);
    int rc = 0;
    sqlite3_stmt *st = NULL;
    if (u->records.oom || u->member_keys.oom)
        rc = pw_error_set(err, PW_ENOMEM, NULL, 0, 0, "out of memory");
    else if ((rc = pws_stmt(s, ST_RECORD_BATCH_INSERT, &st, err)) == 0) {
        for (int i = 0; i < K__COUNT; i++)
            pws_bind_text(s, st, 1 + i, u->key[i]);
        if (u->first_line > 0) {
            pws_bind_int(s, st, 8, u->first_line);
            pws_bind_int(s, st, 9, u->last_line);
        }
        pws_bind_int(s, st, 10, (sqlite3_int64)u->n);
        pws_bind_textn(s, st, 11, u->records.data, u->records.len);
        pws_bind_text(s, st, 12, u->screened_at);
        pws_bind_int(s, st, 13, u->group);
        pws_bind_blob(s, st, 14, u->member_keys.data, u->member_keys.len);
        rc = pws_run(s, st, "storing records", err);
    }
    record_group *g = rc ? NULL : find_group(b, u->group);
    if (g)
        g->last_batch = sqlite3_last_insert_rowid(s->db);
    empty_run(u);
    return rc;
}

static int by_last_put(const void *a, const void *b)
{
    uint64_t x = ((const run *const *)a)[0]->last_put, y = ((const run *const *)b)[0]->last_put;
    return x < y ? -1 : x > y;
}

static int by_place_descending(const void *a, const void *b)
{
    const run *x = *(const run *const *)a, *y = *(const run *const *)b;
    return x < y ? 1 : x > y ? -1 : 0;
}

/* Writes and closes the quarter of the open runs put to longest ago (a quarter at a
 * time, so that the runs' index is rebuilt once for them all). */
static int close_oldest_runs(pw_store_batcher *b, pw_error *err)
{
    run **order = b->order;
    for (size_t i = 0; i < b->n_runs; i++)
        order[i] = &b->runs[i];
    qsort(order, b->n_runs, sizeof *order, by_last_put);
    size_t n_close = b->n_runs / 4;
    /* closed from the last place down: close_run fills a place with the last run,
     * which is then never one still to close */
    qsort(order, n_close, sizeof *order, by_place_descending);
    int rc = 0;
    for (size_t i = 0; i < n_close; i++) {
        if (rc == 0 && order[i]->n) /* (after a failure, what is left is rolled back) */
            rc = write_run(b, order[i], err);
        close_run(b, order[i]);
    }
    memset(b->run_slots, 0, sizeof b->run_slots);
    for (size_t i = 0; i < b->n_runs; i++)
        index_run(b, i);
    return rc;
}

/* Opens the run of key (writing and closing the runs put to longest ago when
 * MAX_OPEN_RUNS are open), its group's keys read up to date. */
static int open_run(pw_store_batcher *b, const char *const key[K__COUNT], uint64_t hash,
                    const pw_record *r, run **out, pw_error *err)
{
    int rc = 0;
    if (b->n_runs == MAX_OPEN_RUNS && (rc = close_oldest_runs(b, err)) != 0)
        return rc;
    run *u = &b->runs[b->n_runs++];
    *u = (run){.hash = hash, .group = pw_schema_record_group(&r->flight, r->source_file)};
    for (int i = 0; i < K__COUNT; i++)
        if (key[i] && !(u->key[i] = strdup(key[i]))) {
            close_run(b, u);
            return pw_error_set(err, PW_ENOMEM, NULL, 0, 0, "out of memory");
        }
    record_group *g = find_group(b, u->group);
    if (!g)
        rc = pw_error_set(err, PW_ENOMEM, NULL, 0, 0, "out of memory");
    else
        rc = read_new_batches(b, g, err);
    if (rc) {
        close_run(b, u);
        return rc;
    }
    index_run(b, b->n_runs - 1);
    *out = u;
    return 0;
}

/* The open run of r's input and flight, opened when there is none. */
static int run_of(pw_store_batcher *b, const pw_record *r, run **out, pw_error *err)
{
    const char *key[K__COUNT];
    run_key(r, key);
    if (b->last && run_has_key(b->last, key)) { /* the usual case: the input's order */
        *out = b->last;
        return 0;
    }
    uint64_t hash = run_hash(key);
    for (size_t at = (size_t)hash & (RUN_SLOTS - 1); b->run_slots[at];
         at = (at + 1) & (RUN_SLOTS - 1)) {
        run *u = &b->runs[b->run_slots[at] - 1];
        if (u->hash == hash && run_has_key(u, key)) {
            *out = u;
            return 0;
        }
    }
    return open_run(b, key, hash, r, out, err);
}

int pw_store_batcher_flush(pw_store_batcher *b, pw_error *err)
{
    if (!b)
        return 0;
    int rc = 0;
    for (size_t i = 0; i < b->n_runs && rc == 0; i++) /* (after a failure, all is rolled back) */
        if (b->runs[i].n)
            rc = write_run(b, &b->runs[i], err);
    while (b->n_runs)
        close_run(b, &b->runs[b->n_runs - 1]);
    memset(b->run_slots, 0, sizeof b->run_slots);
    if (b->cached_keys > b->max_keys)
        forget_groups(b);
    return rc;
}

int pw_store_batcher_put(pw_store_batcher *b, const pw_record *r, const char *json, size_t len,
                         pw_error *err)
{
    if (!r || !json)
        return pw_error_set(err, PW_EINVAL, NULL, 0, 0, "no record given");
    if (!r->record_id || !*r->record_id) /* (never from the readers, which set one) */
        return pw_store_put_record(b->s, r, NULL, err); /* (a row: its canonical JSON) */
    run *u = NULL;
    int rc = run_of(b, r, &u, err);
    if (rc)
        return rc;
    b->last = u;
    u->last_put = ++b->clock;
    if (u->n == PW_RECORD_BATCH_MAX && (rc = write_run(b, u, err)) != 0)
        return rc;
    unsigned char record_key[PW_RECORD_KEY_LEN];
    pw_schema_record_key(r->record_id, record_key);
    record_group *g = find_group(b, u->group);
    int added = g ? add_group_key(b, g, record_key) : -1;
    if (added <= 0) /* stored before, or out of memory */
        return added ? pw_error_set(err, PW_ENOMEM, NULL, 0, 0, "out of memory") : 0;
    if (u->n == 0)
        pws_utc_now(b->s, u->screened_at);
    pw_strbuf_appendn(&u->records, u->n ? "," : "[", 1);
    pw_strbuf_appendn(&u->records, json, len);
    pw_strbuf_appendn(&u->member_keys, (const char *)record_key, sizeof record_key);
    if (r->source_line > 0) {
        if (u->first_line == 0 || r->source_line < u->first_line)
            u->first_line = r->source_line;
        if (r->source_line > u->last_line)
            u->last_line = r->source_line;
    }
    u->n++;
    return 0;
}

void pw_store_batcher_end(pw_store_batcher *b)
{
    if (!b)
        return;
    while (b->n_runs)
        close_run(b, &b->runs[b->n_runs - 1]);
    forget_groups(b);
    free(b->groups);
    free(b);
}
