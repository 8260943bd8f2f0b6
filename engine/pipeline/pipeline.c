/*
 * The screening pipeline: reader (calling thread) -> work queue -> N workers ->
 * write queue -> one writer. Slots carry a record (or a rejected line) with its own
 * arena; there are a fixed number of them, so memory is bounded whatever the input
 * size. Each slot gets a sequence number when the reader hands it on; the writer
 * keeps a reorder window of one place per slot and handles slots strictly in
 * sequence, which makes the stored order and the alert stream deterministic
 * whatever the thread count.
 */
#include "pipeline/pipeline.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "match/match.h"
#include "pipeline/pipeline_internal.h"

#include <stdatomic.h>
#include <urcu-qsbr.h>

/* Longest a screened record waits in an open transaction once the input pauses (every
 * record read is written): a trickle of records is stored within this. */
#define COMMIT_INTERVAL_NS (50 * 1000 * 1000ull)
/* Longest a transaction stays open while records keep coming. Large transactions are
 * what make storing fast: each commit writes every page it changed to the WAL and waits
 * for the disk (fdatasync: about 10 ms, in which the writer takes nothing and the
 * pipeline runs dry), and the records' rows and unique keys land on pages all over
 * their indexes. */
#define COMMIT_MAX_AGE_NS (250 * 1000 * 1000ull)
#define DEFAULT_BATCH 10000
#define SLOTS_PER_THREAD 1024 /* records in flight per worker (see pw_screen_files) */
#define STORE_ALL_SLOTS 4     /* times as many when every record is stored */
#define MAX_SLOTS 16384       /* and in all (each with an arena of SLOT_ARENA_BLOCK blocks) */
/* A slot's arena blocks. A record of the shared synthetic travellers takes 512 bytes or
 * less of its slot's arena 97% of the time and 1 KiB or less 99.4% (its copy, the
 * rules' hits, its JSON of about 350 bytes); more takes further blocks, freed when the
 * slot is. At 2 KiB a record's JSON stays in the block (an allocation of more than a
 * quarter of a block gets one of its own: at 1 KiB, a malloc a record), and small
 * blocks lie side by side in the allocator's slabs, so that the slots touch a page per
 * two records in flight instead of one each. With every record stored (8,256 slots at 2
 * threads), against 16 KiB blocks: 4,700 fewer page faults a run (22,000 against
 * 26,700) and 18 MiB less peak memory (95 against 112); records/s level or a few percent
 * better in same-run pairs (1 KiB blocks: 20,100 faults, 87 MiB, level with 2 KiB). */
#define SLOT_ARENA_BLOCK 2048
/* Slots a sleeping writer or reader is woken for (see slot_queue); workers are woken for
 * each record, so that a trickle of input is screened at once. */
#define WAKE_BURST 32
/* Records a worker takes from the work queue at once (see worker_main). */
#define WORKER_BATCH 8

/* ---- latency histogram: log-linear buckets, 16 per power of two of ns -------- */

#define HIST_SUB 16
#define HIST_BUCKETS (64 * HIST_SUB)

typedef struct histogram {
    uint64_t counts[HIST_BUCKETS];
    uint64_t total;
    uint64_t max_ns;
} histogram;

static size_t hist_bucket(uint64_t ns)
{
    if (ns < HIST_SUB)
        return (size_t)ns;
    int msb = 63 - __builtin_clzll(ns);
    uint64_t sub = (ns >> (msb - 4)) & (HIST_SUB - 1);
    return (size_t)(msb - 3) * HIST_SUB + (size_t)sub;
}

/* Lower bound of a bucket in ns. */
static double hist_value(size_t b)
{
    if (b < HIST_SUB)
        return (double)b;
    int msb = (int)(b / HIST_SUB) + 3;
    uint64_t sub = b % HIST_SUB;
    return (double)((HIST_SUB + sub) << (msb - 4));
}

static void hist_add(histogram *h, uint64_t ns)
{
    h->counts[hist_bucket(ns)]++;
    h->total++;
    if (ns > h->max_ns)
        h->max_ns = ns;
}

static double hist_quantile_us(const histogram *h, double q)
{
    if (h->total == 0)
        return 0;
    uint64_t want = (uint64_t)(q * (double)h->total);
    if (want >= h->total)
        want = h->total - 1;
    uint64_t seen = 0;
    for (size_t b = 0; b < HIST_BUCKETS; b++) {
        seen += h->counts[b];
        if (seen > want)
            return hist_value(b) / 1000.0;
    }
    return (double)h->max_ns / 1000.0;
}

/* ---- slots and bounded queues ---------------------------------------------- */

/* SLOT_FAILED: a record a worker could not screen (out of memory). */
enum slot_kind { SLOT_RECORD, SLOT_REJECT, SLOT_FINDING, SLOT_FAILED };

typedef struct slot {
    uint64_t seq;
    enum slot_kind kind;
    pw_arena *arena;
    pw_record record;
    pw_reject reject;
    pw_finding finding; /* SLOT_FINDING: a data-quality finding for the store */
    pw_alert alert;
    bool has_alert;
    const char *record_json; /* the record's JSON, written by the worker: canonical
                              * with an alert, else as a batch keeps it */
    size_t record_json_len;
} slot;

/* A bounded queue of slots. A consumer that finds it empty sleeps until wake_at items
 * are there (or a producer says it has no more for now, queue_push_flush), so that a
 * fast producer and a slow consumer hand slots over in bursts instead of one sleep and
 * one wake-up per record: on two cores those context switches cost as much as reading a
 * record. Producers of a queue with wake_at > 1 must flush whenever they may stop
 * pushing for a while, or a consumer could sleep beside items. */
typedef struct slot_queue {
    pthread_mutex_t mu;
    pthread_cond_t not_empty;
    slot **items; /* ring of capacity cap: never full, as there are cap slots */
    size_t cap, head, len;
    size_t wake_at; /* items that wake a sleeping consumer */
    int sleepers;
    bool closed;
} slot_queue;

static int queue_init(slot_queue *q, size_t cap, size_t wake_at)
{
    memset(q, 0, sizeof *q);
    q->items = calloc(cap, sizeof *q->items);
    if (!q->items)
        return PW_ENOMEM;
    q->cap = cap;
    q->wake_at = wake_at;
    pthread_mutex_init(&q->mu, NULL);
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC); /* deadlines come from now_ns */
    pthread_cond_init(&q->not_empty, &attr);
    pthread_condattr_destroy(&attr);
    return 0;
}

static void queue_destroy(slot_queue *q)
{
    if (!q->items)
        return;
    pthread_mutex_destroy(&q->mu);
    pthread_cond_destroy(&q->not_empty);
    free(q->items);
}

static void push_locked(slot_queue *q, slot *s, bool flush)
{
    q->items[(q->head + q->len) % q->cap] = s;
    q->len++;
    if (q->sleepers && (flush || q->len >= q->wake_at))
        pthread_cond_signal(&q->not_empty);
}

static void queue_push(slot_queue *q, slot *s)
{
    pthread_mutex_lock(&q->mu);
    push_locked(q, s, false);
    pthread_mutex_unlock(&q->mu);
}

/* Pushes the n slots of batch in order under one lock. */
static void queue_push_all(slot_queue *q, slot *const *batch, size_t n)
{
    pthread_mutex_lock(&q->mu);
    for (size_t i = 0; i < n; i++)
        q->items[(q->head + q->len + i) % q->cap] = batch[i];
    q->len += n;
    if (q->sleepers && q->len >= q->wake_at)
        pthread_cond_signal(&q->not_empty);
    pthread_mutex_unlock(&q->mu);
}

/* Pushes s and wakes a sleeping consumer whatever the count. */
static void queue_push_flush(slot_queue *q, slot *s)
{
    pthread_mutex_lock(&q->mu);
    push_locked(q, s, true);
    pthread_mutex_unlock(&q->mu);
}

/* Wakes a consumer sleeping beside fewer than wake_at items. */
static void queue_flush(slot_queue *q)
{
    pthread_mutex_lock(&q->mu);
    if (q->sleepers && q->len)
        pthread_cond_signal(&q->not_empty);
    pthread_mutex_unlock(&q->mu);
}

/* With the lock held, waits until an item is there or the queue is closed (true), or
 * until the CLOCK_MONOTONIC deadline (in ns; 0 for none) passes with none (false). */
static bool wait_locked(slot_queue *q, uint64_t deadline)
{
    while (q->len == 0 && !q->closed) {
        q->sleepers++;
        int rc = 0;
        if (deadline) {
            struct timespec ts = {.tv_sec = (time_t)(deadline / 1000000000ull),
                                  .tv_nsec = (long)(deadline % 1000000000ull)};
            rc = pthread_cond_timedwait(&q->not_empty, &q->mu, &ts);
        } else {
            pthread_cond_wait(&q->not_empty, &q->mu);
        }
        q->sleepers--;
        if (rc == ETIMEDOUT && q->len == 0)
            return false;
    }
    return true;
}

/* With the lock held, moves up to max items from the head of q into out and returns
 * how many; a consumer still asleep beside the rest is woken (a burst is for all). */
static size_t take_locked(slot_queue *q, slot **out, size_t max)
{
    size_t n = q->len < max ? q->len : max;
    for (size_t i = 0; i < n; i++) {
        out[i] = q->items[q->head];
        q->head = (q->head + 1) % q->cap;
    }
    q->len -= n;
    if (q->len && q->sleepers)
        pthread_cond_signal(&q->not_empty);
    return n;
}

/* Blocks until an item is there, or until the CLOCK_MONOTONIC deadline (in ns; 0 for
 * none) passes, which sets *timed_out; NULL once the queue is closed and empty. */
static slot *queue_pop_until(slot_queue *q, uint64_t deadline, bool *timed_out)
{
    pthread_mutex_lock(&q->mu);
    slot *s = NULL;
    if (wait_locked(q, deadline))
        take_locked(q, &s, 1);
    else
        *timed_out = true;
    pthread_mutex_unlock(&q->mu);
    return s;
}

/* Blocks until an item is there, then takes up to max of them into out, but no more
 * than half of those there (rounded up), so that the other workers get their share;
 * 0 once the queue is closed and empty. */
static size_t queue_pop_share(slot_queue *q, slot **out, size_t max)
{
    pthread_mutex_lock(&q->mu);
    wait_locked(q, 0);
    size_t share = (q->len + 1) / 2;
    size_t n = take_locked(q, out, share < max ? share : max);
    pthread_mutex_unlock(&q->mu);
    return n;
}

/* Blocks until an item is there; NULL once the queue is closed and empty. */
static slot *queue_pop(slot_queue *q)
{
    bool timed_out;
    return queue_pop_until(q, 0, &timed_out);
}

static bool queue_is_empty(slot_queue *q)
{
    pthread_mutex_lock(&q->mu);
    bool empty = q->len == 0;
    pthread_mutex_unlock(&q->mu);
    return empty;
}

static void queue_close(slot_queue *q)
{
    pthread_mutex_lock(&q->mu);
    q->closed = true;
    pthread_cond_broadcast(&q->not_empty);
    pthread_mutex_unlock(&q->mu);
}

/* ---- the run ---------------------------------------------------------------- */

typedef struct worker {
    struct run *run;
    pthread_t thread;
    pw_match_scratch *scratch;
    pw_rules_ctx *rules; /* PCRE2 match data, rule bitmap, hit buffer */
    pw_strbuf json;      /* the record's JSON, before it is copied into the slot */
    histogram latency;
} worker;

typedef struct run {
    const pw_screen_options *opts;
    slot *slots;
    size_t n_slots;
    slot_queue free_q, work_q, write_q;
    _Atomic uint64_t next_seq; /* reader side (the writer reads it: see input_paused) */
    /* writer side */
    pw_screen_stats *stats;
    pw_error writer_err;
    _Atomic int writer_rc; /* read by the reader to stop early */
    pw_arena *writer_scratch;
    pw_store_findings *findings; /* the writer's prepared findings statements, or NULL */
    pw_store_batcher *batcher;   /* the writer's batches of records without an alert, or NULL */
} run;

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* ---- worker scratch kept across runs --------------------------------------------- */

struct pw_screen_scratch {
    size_t n;
    pw_match_scratch **match;
    pw_rules_ctx **rules;
    pw_arena **arenas; /* the slots' arenas (SLOTS_PER_THREAD or more a worker, and some) */
    size_t n_arenas;
};

pw_screen_scratch *pw_screen_scratch_new(void)
{
    return calloc(1, sizeof(pw_screen_scratch));
}

void pw_screen_scratch_free(pw_screen_scratch *sc)
{
    if (!sc)
        return;
    for (size_t i = 0; i < sc->n; i++) {
        pw_match_scratch_free(sc->match[i]);
        pw_rules_ctx_free(sc->rules[i]);
    }
    free(sc->match);
    free(sc->rules);
    for (size_t i = 0; i < sc->n_arenas; i++)
        pw_arena_free(sc->arenas[i]);
    free(sc->arenas);
    free(sc);
}

/* Makes sure there are n slot arenas. */
static int scratch_fit_arenas(pw_screen_scratch *sc, size_t n)
{
    if (n <= sc->n_arenas)
        return 0;
    pw_arena **arenas = realloc(sc->arenas, n * sizeof *arenas);
    if (!arenas)
        return PW_ENOMEM;
    sc->arenas = arenas;
    for (; sc->n_arenas < n; sc->n_arenas++)
        if (!(sc->arenas[sc->n_arenas] = pw_arena_new(SLOT_ARENA_BLOCK)))
            return PW_ENOMEM;
    return 0;
}

/* Makes sure there is state for n workers. */
static int scratch_fit(pw_screen_scratch *sc, size_t n)
{
    if (n <= sc->n)
        return 0;
    pw_match_scratch **match = realloc(sc->match, n * sizeof *match);
    if (match)
        sc->match = match;
    pw_rules_ctx **rules = realloc(sc->rules, n * sizeof *rules);
    if (rules)
        sc->rules = rules;
    if (!match || !rules)
        return PW_ENOMEM;
    for (; sc->n < n; sc->n++) {
        sc->match[sc->n] = pw_match_scratch_new();
        sc->rules[sc->n] = pw_rules_ctx_new();
        if (!sc->match[sc->n] || !sc->rules[sc->n]) {
            pw_match_scratch_free(sc->match[sc->n]);
            pw_rules_ctx_free(sc->rules[sc->n]);
            return PW_ENOMEM;
        }
    }
    return 0;
}

/* Runs the rules (engine/rules) over the record and its candidates and, when any hit,
 * fills s->alert: one alert with every hit, scored as its best hit and as severe as its
 * most severe one. pw_rules_evaluate copies into the slot's arena every string a hit
 * takes from the snapshot (rule ids, list names, entries): the hits outlive this
 * worker's read of the snapshot, since the writer uses them later. */
static int evaluate(const pw_snapshot *snap, slot *s, const pw_candidate *cands, size_t n,
                    pw_rules_ctx *ctx)
{
    pw_rules_options opts = {.config = &snap->config};
    pw_rules_result res;
    int rc = pw_rules_evaluate(snap->rules, &s->record, cands, n, &opts, ctx, s->arena, &res);
    if (rc || res.n_hits == 0)
        return rc;
    double best = 0;
    enum pw_severity sev = PW_SEV_NONE;
    for (size_t i = 0; i < res.n_hits; i++) {
        if (res.hits[i].score > best)
            best = res.hits[i].score;
        if (res.hits[i].severity > sev)
            sev = res.hits[i].severity;
    }
    s->alert = (pw_alert){.record = &s->record,
                          .state = "new",
                          .severity = sev,
                          .score = best,
                          .hits = res.hits,
                          .n_hits = res.n_hits};
    pw_alert_make_key(&s->alert);
    s->has_alert = true;
    return 0;
}

/* Whether the store keeps this screened record (an alert's record is always kept: the
 * alert refers to it). */
static bool keeps_record(const pw_screen_options *opts, const slot *s)
{
    return opts->store && (opts->store_records == PW_STORE_RECORDS_ALL || s->has_alert);
}

/* Writes the record's JSON into the slot, so that the single writer thread only stores
 * it: canonical for the row of a record with an alert, the batch's form for the others
 * (pw_record_to_batch_json: 17% fewer bytes for the writer to store); on
 * out of memory the slot has none and the writer writes it. */
static void serialize_record(worker *w, slot *s)
{
    pw_strbuf_reset(&w->json);
    if (s->has_alert)
        pw_record_to_json(&s->record, &w->json);
    else
        pw_record_to_batch_json(&s->record, &w->json);
    s->record_json = w->json.oom ? NULL : pw_arena_strndup(s->arena, w->json.data, w->json.len);
    s->record_json_len = s->record_json ? w->json.len : 0;
}

/* Screens one record: matches it against the current snapshot (read once for it, with
 * a quiescent state after), evaluates the rules and writes its JSON if it is kept. */
static void screen_slot(worker *w, slot *s)
{
    run *rn = w->run;
    uint64_t t0 = now_ns();
    const pw_snapshot *snap = pw_snapshot_read(rn->opts->snapshots);
    const pw_candidate *cands;
    int n = pw_match_record(snap->index, &s->record, snap->candidate_floor, w->scratch,
                            s->arena, &cands);
    /* A record that could not be screened (out of memory) is never passed on as
     * screened without alert: the writer stops the run on it (SLOT_FAILED). */
    if (n < 0 || evaluate(snap, s, cands, (size_t)n, w->rules) != 0)
        s->kind = SLOT_FAILED;
    pw_snapshot_quiescent(rn->opts->snapshots);
    if (s->kind == SLOT_RECORD && keeps_record(rn->opts, s))
        serialize_record(w, s);
    hist_add(&w->latency, now_ns() - t0);
}

/* A worker: an RCU reader that is offline while it waits for work and screens the
 * records it takes a few at a time (up to WORKER_BATCH, at most half of those waiting:
 * one lock of each queue for them all), reading the current snapshot once per record. */
static void *worker_main(void *arg)
{
    worker *w = arg;
    run *rn = w->run;
    rcu_register_thread();
    for (;;) {
        slot *batch[WORKER_BATCH];
        rcu_thread_offline();
        size_t n_batch = queue_pop_share(&rn->work_q, batch, WORKER_BATCH);
        rcu_thread_online();
        if (!n_batch)
            break;
        for (size_t i = 0; i < n_batch; i++)
            screen_slot(w, batch[i]);
        queue_push_all(&rn->write_q, batch, n_batch);
        if (queue_is_empty(&rn->work_q)) /* no more work for now: the writer takes what is done */
            queue_flush(&rn->write_q);
    }
    rcu_unregister_thread();
    return NULL;
}

static void writer_fail(run *rn, int rc)
{
    atomic_store_explicit(&rn->writer_rc, rc, memory_order_relaxed);
}

static int writer_rc(run *rn)
{
    return atomic_load_explicit(&rn->writer_rc, memory_order_relaxed);
}

/* The reader's next sequence number, taken by a slot it hands on. */
static uint64_t take_seq(run *rn)
{
    return atomic_fetch_add_explicit(&rn->next_seq, 1, memory_order_relaxed);
}

/* Whether the input pauses: every slot the reader handed on is written (next is the
 * writer's next sequence number). While records are in flight, a commit waits for the
 * batch size or COMMIT_MAX_AGE_NS, whatever the queues hold at the moment. */
static bool input_paused(run *rn, uint64_t next)
{
    return atomic_load_explicit(&rn->next_seq, memory_order_relaxed) == next;
}

/* Writes one slot's outcome inside the open transaction. */
static int write_slot(run *rn, slot *s)
{
    pw_store *store = rn->opts->store;
    pw_error *err = &rn->writer_err;
    if (s->kind == SLOT_REJECT) {
        rn->stats->rejected++;
        return store ? pw_store_put_dead_letter(store, &s->reject, err) : 0;
    }
    if (s->kind == SLOT_FINDING && s->finding.kind != PW_FINDING_MESSAGE &&
        s->finding.kind != PW_FINDING_REJECTED)
        rn->stats->findings++;
    if (s->kind == SLOT_FINDING && rn->findings)
        return pw_store_findings_put(rn->findings, &s->finding, NULL, err);
    if (s->kind == SLOT_FINDING)
        return store ? pw_store_put_finding(store, &s->finding, NULL, err) : 0;
    if (s->kind == SLOT_FAILED)
        return pw_error_set(err, PW_ENOMEM, s->record.source_file, (int)s->record.source_line, 0,
                            "out of memory screening a record: the run stops so that none "
                            "is passed as screened");
    rn->stats->records++;
    if (keeps_record(rn->opts, s)) {
        /* A record without an alert goes into a batch; one with an alert gets a row of its
         * own, which the alert refers to. (Without its JSON in the form wanted, out of
         * memory in the worker or for the batcher, the store writes the JSON itself.) */
        int rc;
        if (!s->has_alert && s->record_json && rn->batcher)
            rc = pw_store_batcher_put(rn->batcher, &s->record, s->record_json,
                                      s->record_json_len, err);
        else if (!s->has_alert || !s->record_json)
            rc = pw_store_put_record(store, &s->record, NULL, err);
        else
            rc = pw_store_put_record_json(store, &s->record, s->record_json,
                                          s->record_json_len, NULL, err);
        if (rc)
            return rc;
    }
    if (!s->has_alert)
        return 0;
    rn->stats->alerts++;
    rn->stats->hits += (long)s->alert.n_hits;
    bool created = true;
    pw_arena_reset(rn->writer_scratch);
    int rc = rn->opts->queue
                 ? pw_alert_queue_publish(rn->opts->queue, &s->alert, rn->writer_scratch,
                                          &created, err)
                 : 0;
    if (created)
        rn->stats->new_alerts++;
    return rc;
}

static void release_slot(run *rn, slot *s)
{
    pw_arena_reset(s->arena);
    s->has_alert = false;
    s->record_json = NULL;
    queue_push(&rn->free_q, s);
}

/* Commits the open transaction (if any, and if nothing failed: rc is the writer's
 * status so far and is returned, or the commit's error) and flushes the alert streams,
 * so that what the database holds is also what a consumer of the streams has seen. The
 * records waiting in a batch are written first: a committed record is stored. */
static int commit_batch(run *rn, int rc, size_t *in_txn, uint64_t *last_commit)
{
    if (rc || *in_txn == 0)
        return rc;
    rc = pw_store_batcher_flush(rn->batcher, &rn->writer_err);
    if (rc)
        return rc;
    if (rn->opts->store)
        rc = pw_store_commit(rn->opts->store, &rn->writer_err);
    if (rc == 0 && rn->opts->queue)
        rc = pw_alert_queue_flush(rn->opts->queue, &rn->writer_err);
    *in_txn = 0;
    *last_commit = now_ns();
    return rc;
}

static void *writer_main(void *arg)
{
    run *rn = arg;
    pw_store *store = rn->opts->store;
    size_t batch = rn->opts->batch_size ? rn->opts->batch_size : DEFAULT_BATCH;
    slot **window = calloc(rn->n_slots, sizeof *window);
    uint64_t next = 0, last_commit = now_ns(), txn_start = 0;
    size_t in_txn = 0;
    int rc = window ? 0 : PW_ENOMEM;
    if (store && pw_store_findings_begin(store, &rn->findings, NULL))
        rn->findings = NULL; /* out of memory: findings are stored one statement each */
    if (store && rn->opts->store_records == PW_STORE_RECORDS_ALL &&
        pw_store_batcher_begin(store, &rn->batcher, NULL))
        rn->batcher = NULL; /* out of memory: records are stored one row each */
    if (store) /* (only speed: see pw_store_set_temp_in_memory) */
        pw_store_set_temp_in_memory(store, true, NULL);
    for (;;) {
        /* While a transaction is open, wait no longer than it may stay open: once the
         * input pauses, COMMIT_INTERVAL_NS after the last commit. */
        bool timed_out = false;
        uint64_t deadline = !in_txn || rc            ? 0
                            : input_paused(rn, next) ? last_commit + COMMIT_INTERVAL_NS
                                                     : txn_start + COMMIT_MAX_AGE_NS;
        slot *s = queue_pop_until(&rn->write_q, deadline, &timed_out);
        if (timed_out) {
            if ((rc = commit_batch(rn, rc, &in_txn, &last_commit)) != 0)
                writer_fail(rn, rc);
            continue;
        }
        if (!s)
            break;
        if (!window) { /* out of memory: keep the slots moving so nothing blocks */
            release_slot(rn, s);
            continue;
        }
        window[s->seq % rn->n_slots] = s;
        while ((s = window[next % rn->n_slots]) && s->seq == next) {
            window[next % rn->n_slots] = NULL;
            next++;
            if (in_txn == 0)
                txn_start = now_ns();
            if (rc == 0 && store && in_txn == 0)
                rc = pw_store_begin(store, &rn->writer_err);
            if (rc == 0) {
                rc = write_slot(rn, s);
                in_txn++;
            }
            release_slot(rn, s);
            /* Commit a full batch, one open for COMMIT_MAX_AGE_NS, or what there is once
             * the input pauses: a trickle of records still reaches the disk within
             * COMMIT_INTERVAL_NS, a flood is written in large transactions and within
             * COMMIT_MAX_AGE_NS. */
            uint64_t now = now_ns();
            if (in_txn >= batch || now - txn_start >= COMMIT_MAX_AGE_NS ||
                (now - last_commit >= COMMIT_INTERVAL_NS && input_paused(rn, next)))
                rc = commit_batch(rn, rc, &in_txn, &last_commit);
            if (rc)
                writer_fail(rn, rc);
        }
        if (queue_is_empty(&rn->write_q)) /* about to sleep: the reader takes what is free */
            queue_flush(&rn->free_q);
    }
    rc = commit_batch(rn, rc, &in_txn, &last_commit);
    if (rc) {
        if (store)
            pw_store_rollback(store);
        writer_fail(rn, rc);
    }
    pw_store_findings_end(rn->findings);
    rn->findings = NULL;
    pw_store_batcher_end(rn->batcher);
    rn->batcher = NULL;
    if (store)
        pw_store_set_temp_in_memory(store, false, NULL);
    free(window);
    return NULL;
}

/* Reject callback of the reader: the rejected line takes a slot of its own and goes
 * straight to the writer, in sequence with the records around it. */
static void on_reject(void *ctx, const pw_reject *rej)
{
    run *rn = ctx;
    slot *s = queue_pop(&rn->free_q);
    if (!s)
        return;
    s->kind = SLOT_REJECT;
    s->reject = (pw_reject){.kind = pw_arena_strdup(s->arena, rej->kind ? rej->kind : "record"),
                            .source = pw_arena_strdup(s->arena, rej->source),
                            .line = rej->line,
                            .field = pw_arena_strdup(s->arena, rej->field),
                            .reason = pw_arena_strdup(s->arena, rej->reason),
                            .raw = pw_arena_strdup(s->arena, rej->raw)};
    s->seq = take_seq(rn);
    queue_push_flush(&rn->write_q, s);
}

/* Findings callback of the reader: like a rejected line, a data-quality finding takes a
 * slot of its own and goes straight to the writer, in sequence. */
static void on_finding(void *ctx, const pw_finding *f)
{
    run *rn = ctx;
    slot *s = queue_pop(&rn->free_q);
    if (!s)
        return;
    pw_arena *a = s->arena;
    s->kind = SLOT_FINDING;
    s->finding = *f;
    const char **strings[] = {
        &s->finding.source,          &s->finding.format,      &s->finding.sender,
        &s->finding.interchange_ref, &s->finding.message_ref, &s->finding.carrier,
        &s->finding.flight_number,   &s->finding.departure,   &s->finding.segment,
        &s->finding.field,           &s->finding.record_id,   &s->finding.detail};
    for (size_t i = 0; i < sizeof strings / sizeof strings[0]; i++)
        *strings[i] = pw_arena_strdup(a, *strings[i]);
    s->seq = take_seq(rn);
    queue_push_flush(&rn->write_q, s);
}

/* Reads one input to its end, feeding the workers. */
static int read_input(run *rn, const char *path, pw_error *err)
{
    pw_reader *reader;
    int rc = pw_reader_open(path, rn->opts->format, &reader, err);
    if (rc)
        return rc;
    pw_reader_set_findings(reader, on_finding, rn);
    for (;;) {
        if (writer_rc(rn))
            break;
        slot *s = queue_pop(&rn->free_q);
        s->kind = SLOT_RECORD;
        rc = pw_reader_next(reader, s->arena, &s->record, on_reject, rn, err);
        if (rc <= 0) {
            release_slot(rn, s);
            break;
        }
        s->seq = take_seq(rn);
        queue_push(&rn->work_q, s);
    }
    pw_reader_close(reader);
    return rc < 0 ? rc : 0;
}

int pw_screen_files(const char *const *inputs, size_t n_inputs, const pw_screen_options *opts,
                    pw_screen_stats *stats, pw_error *err)
{
    memset(stats, 0, sizeof *stats);
    int threads = opts->threads > 0 ? opts->threads : (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (threads < 1)
        threads = 1;
    stats->threads = threads;
    run rn = {.opts = opts, .stats = stats};
    /* Enough slots for the workers to go on while the writer commits: writing a
     * transaction's pages to the WAL and waiting for the disk (fdatasync) take 15 to 25
     * ms for 10,000 records stored, 2,000 to 3,000 records' work on two threads. With a
     * tenth as many, two-thread screening with every record stored ran at half speed;
     * with a quarter as many, the workers ran dry at each commit (11% fewer records a
     * second in same-run medians, 5 rounds; peak memory 79 -> 111 MiB with 16 KiB slot
     * blocks, as a slot's arena is touched only as far as its record needs). Storing
     * alerted records only, a commit writes little and the quarter does. */
    size_t per_thread = SLOTS_PER_THREAD;
    if (opts->store && opts->store_records == PW_STORE_RECORDS_ALL)
        per_thread *= STORE_ALL_SLOTS;
    rn.n_slots = (size_t)threads * per_thread + 64;
    if (rn.n_slots > MAX_SLOTS)
        rn.n_slots = MAX_SLOTS;
    worker *workers = calloc((size_t)threads, sizeof *workers);
    rn.slots = calloc(rn.n_slots, sizeof *rn.slots);
    rn.writer_scratch = pw_arena_new(0);
    pw_screen_scratch *own_scratch = opts->scratch ? NULL : pw_screen_scratch_new();
    pw_screen_scratch *scratch = opts->scratch ? opts->scratch : own_scratch;
    int rc = PW_ENOMEM;
    if (!workers || !rn.slots || !rn.writer_scratch || !scratch ||
        scratch_fit(scratch, (size_t)threads) || scratch_fit_arenas(scratch, rn.n_slots) ||
        queue_init(&rn.free_q, rn.n_slots, WAKE_BURST) ||
        queue_init(&rn.work_q, rn.n_slots, 1) || queue_init(&rn.write_q, rn.n_slots, WAKE_BURST))
        goto done;
    for (size_t i = 0; i < rn.n_slots; i++) {
        rn.slots[i].arena = scratch->arenas[i];
        pw_arena_reset(rn.slots[i].arena);
        queue_push(&rn.free_q, &rn.slots[i]);
    }
    int started = 0;
    for (; started < threads; started++) {
        workers[started].run = &rn;
        workers[started].scratch = scratch->match[started];
        workers[started].rules = scratch->rules[started];
        if (pthread_create(&workers[started].thread, NULL, worker_main, &workers[started]))
            break;
    }
    pthread_t writer;
    bool writer_started = started == threads && !pthread_create(&writer, NULL, writer_main, &rn);

    uint64_t t0 = now_ns();
    rc = writer_started ? 0 : PW_ENOMEM;
    for (size_t i = 0; rc == 0 && i < n_inputs; i++)
        rc = read_input(&rn, inputs[i], err);

    queue_close(&rn.work_q);
    for (int i = 0; i < started; i++)
        pthread_join(workers[i].thread, NULL);
    queue_close(&rn.write_q);
    if (writer_started)
        pthread_join(writer, NULL);
    stats->seconds = (double)(now_ns() - t0) / 1e9;

    histogram all = {0};
    for (int i = 0; i < threads; i++) {
        for (size_t b = 0; b < HIST_BUCKETS; b++)
            all.counts[b] += workers[i].latency.counts[b];
        all.total += workers[i].latency.total;
        if (workers[i].latency.max_ns > all.max_ns)
            all.max_ns = workers[i].latency.max_ns;
    }
    stats->p50_us = hist_quantile_us(&all, 0.50);
    stats->p99_us = hist_quantile_us(&all, 0.99);
    stats->max_us = (double)all.max_ns / 1000.0;
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) == 0)
        stats->peak_rss_kb = ru.ru_maxrss;
    if (rc == 0 && rn.writer_rc) {
        rc = rn.writer_rc;
        stats->output_failed = true;
        if (err)
            *err = rn.writer_err;
    }
done:
    if (rc == PW_ENOMEM && err && err->code != PW_ENOMEM)
        pw_error_set(err, rc, NULL, 0, 0, "out of memory starting the pipeline");
    for (int i = 0; workers && i < threads; i++)
        pw_strbuf_free(&workers[i].json);
    pw_screen_scratch_free(own_scratch);
    free(rn.slots);
    free(workers);
    pw_arena_free(rn.writer_scratch);
    queue_destroy(&rn.free_q);
    queue_destroy(&rn.work_q);
    queue_destroy(&rn.write_q);
    return rc;
}
