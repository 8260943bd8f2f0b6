/*
 * pipeline: screens input files against one snapshot with a pool of workers.
 *
 * The calling thread reads records into a fixed pool of slots (each with its own
 * arena: no malloc per record once warm) and hands them through a bounded queue to
 * N worker threads. Each worker runs the whole path for a record (match, rules,
 * alert); one writer thread puts results back in input order and owns every SQLite
 * write, batching them in transactions. When all slots are busy the reader waits:
 * backpressure, never drops. Rejected records travel the same way to the
 * dead-letter table, so their order and count are kept.
 *
 * Thread safety: pw_screen_files is called by one thread; it creates and joins its
 * own threads. The snapshot (index, rules, config) is only read.
 * Ownership: the caller keeps ownership of everything in the options.
 */
#ifndef PW_PIPELINE_H
#define PW_PIPELINE_H

#include "config/config.h"
#include "core/core.h"
#include "index/index.h"
#include "ingest/ingest.h"
#include "queue/queue.h"
#include "rules/rules.h"
#include "store/store.h"

/* What workers read: immutable while a run uses it. */
typedef struct pw_snapshot {
    const pw_index *index;
    const pw_ruleset *rules;
    const pw_config *config;
} pw_snapshot;

typedef struct pw_screen_options {
    pw_snapshot snapshot;
    int threads;                 /* worker threads; 0 = number of cores */
    enum pw_input_format format; /* for every input */
    pw_store *store;             /* records, dead letters and (via queue) alerts */
    pw_alert_queue *queue;       /* where alerts go */
    size_t batch_size;           /* writes per transaction; 0 = 1000 */
} pw_screen_options;

typedef struct pw_screen_stats {
    long records;    /* valid records screened */
    long rejected;   /* records sent to the dead-letter table */
    long alerts;     /* alerts raised in this run */
    long new_alerts; /* of which the store had not seen before */
    long hits;
    int threads;
    double seconds;   /* wall time of the run */
    double p50_us;    /* per-record screening latency in a worker */
    double p99_us;
    double max_us;
    long peak_rss_kb; /* peak resident memory of the process */
} pw_screen_stats;

/* Screens every input in order ("-" is standard input). Returns 0 when the run
 * completed (bad records are counted, not fatal); negative when it could not: an
 * input that cannot be opened or read, a database error. */
int pw_screen_files(const char *const *inputs, size_t n_inputs, const pw_screen_options *opts,
                    pw_screen_stats *stats, pw_error *err);

#endif
