/*
 * Snapshots and their publication. A snapshot owns an index, a rule set and a copy
 * of the configuration. The cell publishes with liburcu's QSBR flavour: workers are
 * registered readers that announce a quiescent state between records (and go
 * offline while they wait on the queue), so reading the current pointer costs one
 * load; the publisher exchanges the pointer, runs synchronize_rcu() and frees the
 * old snapshot, which by then no worker can hold.
 *
 * The pointer itself is a C11 atomic (release on publish, acquire on read: a plain
 * load on x86), and liburcu provides only the grace period. ThreadSanitizer cannot see
 * the ordering liburcu builds from fences, so under TSan each worker's quiescent state
 * is annotated as a release and the end of a grace period as an acquire of the same
 * address: exactly the happens-before edge that RCU guarantees.
 */
#include "pipeline/pipeline.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <urcu-qsbr.h>

#if defined(__SANITIZE_THREAD__)
void __tsan_acquire(void *addr);
void __tsan_release(void *addr);
#define TSAN_RELEASE(addr) __tsan_release(addr)
#define TSAN_ACQUIRE(addr) __tsan_acquire(addr)
#else
#define TSAN_RELEASE(addr) ((void)(addr))
#define TSAN_ACQUIRE(addr) ((void)(addr))
#endif

struct pw_snapshot_cell {
    _Atomic(pw_snapshot *) current;
    uint64_t generation;
    char grace; /* the address of the grace-period annotation */
};

/* Copies a configuration (strings included) so a snapshot can own it. */
static int config_copy(pw_config *dst, const pw_config *src)
{
    memset(dst, 0, sizeof *dst);
    dst->threads = src->threads;
    dst->store_records = src->store_records;
    dst->default_threshold = src->default_threshold;
    dst->database = src->database ? strdup(src->database) : NULL;
    dst->rules_dir = src->rules_dir ? strdup(src->rules_dir) : NULL;
    dst->source = src->source ? strdup(src->source) : NULL;
    if (src->n_lists) {
        dst->lists = calloc(src->n_lists, sizeof *dst->lists);
        if (!dst->lists)
            return PW_ENOMEM;
        for (size_t i = 0; i < src->n_lists; i++) {
            dst->lists[i].threshold = src->lists[i].threshold;
            dst->lists[i].name = strdup(src->lists[i].name);
            dst->n_lists++;
            if (!dst->lists[i].name)
                return PW_ENOMEM;
        }
    }
    if ((src->database && !dst->database) || (src->rules_dir && !dst->rules_dir) ||
        (src->source && !dst->source))
        return PW_ENOMEM;
    return 0;
}

int pw_snapshot_build(pw_store *store, const char *rules_path, const pw_config *cfg,
                      pw_snapshot **out, pw_errlist *errs, pw_error *err)
{
    *out = NULL;
    pw_snapshot *snap = calloc(1, sizeof *snap);
    if (!snap || config_copy(&snap->config, cfg)) {
        pw_snapshot_free(snap);
        return pw_error_set(err, PW_ENOMEM, NULL, 0, 0, "out of memory building a snapshot");
    }
    size_t errors_before = errs ? errs->n : 0;
    int rc = pw_rules_load(rules_path, &snap->rules, errs);
    if (rc) {
        size_t n = errs ? errs->n - errors_before : 0;
        pw_error_set(err, rc, rules_path, 0, 0, "invalid rules: %zu error%s", n,
                     n == 1 ? "" : "s");
        goto fail;
    }
    snap->candidate_floor = pw_ruleset_candidate_floor(snap->rules, &snap->config, false);
    /* the daily guards go on from the hits the rules stored today */
    for (size_t i = 0; i < pw_ruleset_count(snap->rules); i++) {
        const pw_rule *r = pw_ruleset_rule(snap->rules, i);
        long hits = 0;
        if (r->max_hits_per_day <= 0)
            continue;
        if ((rc = pw_store_rule_hits_today(store, r->id, r->version, &hits, err)) != 0)
            goto fail;
        pw_ruleset_guard_seed(snap->rules, i, hits);
    }
    pw_index_builder *builder = pw_index_builder_new(NULL);
    if (!builder) {
        rc = pw_error_set(err, PW_ENOMEM, NULL, 0, 0, "out of memory building the index");
        goto fail;
    }
    rc = pw_store_each_entry(store, pw_index_builder_add_fn, builder, err);
    if (rc) {
        pw_index_builder_free(builder);
        goto fail;
    }
    rc = pw_index_builder_finish(builder, &snap->index, err);
    if (rc)
        goto fail;
    *out = snap;
    return 0;
fail:
    pw_snapshot_free(snap);
    return rc;
}

void pw_snapshot_free(pw_snapshot *snap)
{
    if (!snap)
        return;
    pw_index_free(snap->index);
    pw_ruleset_free(snap->rules);
    pw_config_free(&snap->config);
    free(snap);
}

int pw_snapshot_cell_new(pw_snapshot *initial, pw_snapshot_cell **out, pw_error *err)
{
    pw_snapshot_cell *cell = calloc(1, sizeof *cell);
    if (!cell)
        return pw_error_set(err, PW_ENOMEM, NULL, 0, 0, "out of memory");
    initial->generation = cell->generation = 1;
    atomic_init(&cell->current, initial);
    *out = cell;
    return 0;
}

void pw_snapshot_cell_free(pw_snapshot_cell *cell)
{
    if (!cell)
        return;
    pw_snapshot_free(atomic_load(&cell->current));
    free(cell);
}

uint64_t pw_snapshot_publish(pw_snapshot_cell *cell, pw_snapshot *next)
{
    next->generation = ++cell->generation;
    pw_snapshot *old = atomic_exchange_explicit(&cell->current, next, memory_order_acq_rel);
    synchronize_rcu();
    TSAN_ACQUIRE(&cell->grace);
    pw_snapshot_free(old);
    return next->generation;
}

const pw_snapshot *pw_snapshot_peek(pw_snapshot_cell *cell)
{
    return atomic_load_explicit(&cell->current, memory_order_acquire);
}

/* Worker side, used by pipeline.c through pipeline_internal.h. */
const pw_snapshot *pw_snapshot_read(pw_snapshot_cell *cell)
{
    return atomic_load_explicit(&cell->current, memory_order_acquire);
}

void pw_snapshot_quiescent(pw_snapshot_cell *cell)
{
    TSAN_RELEASE(&cell->grace);
    rcu_quiescent_state();
}
