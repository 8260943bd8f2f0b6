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
 * Workers read the snapshot (index, rules, config) through a snapshot cell, so a
 * reloader can publish a new one while a run goes on; each record is screened
 * against one snapshot from start to end, and hits copy what they need from it.
 *
 * Thread safety: pw_screen_files is called by one thread; it creates and joins its
 * own threads.
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

/* What workers read: an immutable watchlist index, rule set and configuration. */
typedef struct pw_snapshot {
    pw_index *index;
    pw_ruleset *rules;
    pw_config config;
    double candidate_floor; /* the matcher's minimum score for candidates:
                               pw_ruleset_candidate_floor(rules, &config) */
    uint64_t generation; /* 1 for the first snapshot of a cell, then 2, 3, ... */
} pw_snapshot;

/* Builds a snapshot from the store's current list versions, the rules at rules_path
 * and the configuration cfg (copied). Rule errors are appended to errs (may be NULL).
 * On failure nothing is returned and err says why. */
int pw_snapshot_build(pw_store *store, const char *rules_path, const pw_config *cfg,
                      pw_snapshot **out, pw_errlist *errs, pw_error *err);
void pw_snapshot_free(pw_snapshot *snap); /* NULL is allowed */

/*
 * A snapshot cell holds the snapshot that workers read and publishes new ones with
 * read-copy-update (liburcu, QSBR flavour): publishing swaps the pointer atomically,
 * waits until every worker has passed a quiescent point (between two records), then
 * frees the old snapshot. Workers never lock to read.
 * Thread safety: pw_snapshot_publish may be called from any thread that is not a
 * registered reader (not a worker); one publisher at a time.
 */
typedef struct pw_snapshot_cell pw_snapshot_cell;

/* Takes ownership of initial. */
int pw_snapshot_cell_new(pw_snapshot *initial, pw_snapshot_cell **out, pw_error *err);
/* Frees the cell and its current snapshot; no reader may be running. */
void pw_snapshot_cell_free(pw_snapshot_cell *cell);
/* Replaces the current snapshot with next (taking ownership), frees the old one once
 * no worker can still see it, and returns the new generation number. */
uint64_t pw_snapshot_publish(pw_snapshot_cell *cell, pw_snapshot *next);
/* The current snapshot, for a thread that is not a worker: valid until the next
 * publication (so only where no other thread publishes, or on the publishing thread). */
const pw_snapshot *pw_snapshot_peek(pw_snapshot_cell *cell);

/*
 * A reloader thread rebuilds the snapshot off the hot path when a watchlist is
 * re-imported (it polls the store's current versions), when a rule file changes
 * (inotify on the rules path) or on SIGHUP, and publishes it. A build that fails
 * (invalid rules, database error) leaves the running snapshot in place and reports
 * each error on standard error. SIGHUP must be blocked in every thread before
 * pw_reloader_start (it calls pthread_sigmask for the calling thread and is meant to
 * be started before the workers).
 */
typedef struct pw_reloader pw_reloader;

typedef struct pw_reloader_options {
    pw_snapshot_cell *cell;
    const char *db_path;     /* opened separately by the reloader */
    const char *rules_path;  /* file or directory */
    const char *config_path; /* reloaded too when not NULL */
    int poll_ms;             /* list-version poll interval; 0 = 1000 */
} pw_reloader_options;

int pw_reloader_start(const pw_reloader_options *opts, pw_reloader **out, pw_error *err);
/* How many snapshots it has published so far (any thread may ask). */
long pw_reloader_published(pw_reloader *r);
/* Stops and joins the thread; returns how many snapshots it published. NULL: 0. */
long pw_reloader_stop(pw_reloader *r);

/*
 * Worker state that is costly to make: each worker's matcher scratch (its ICU
 * transliterators, built from their rules, and its transliteration and index look-up
 * caches), its rules context, and the arenas of the records in flight (a thousand a
 * worker, allocated once). A caller that screens many inputs one run at a time (a
 * spool, one flight file after another) keeps one across runs, so that no run starts
 * cold; it grows to the largest thread count asked for.
 * Thread safety: one run at a time. Ownership: the caller's; outlives the runs.
 */
typedef struct pw_screen_scratch pw_screen_scratch;
pw_screen_scratch *pw_screen_scratch_new(void); /* NULL on out of memory */
void pw_screen_scratch_free(pw_screen_scratch *sc); /* NULL is allowed */

typedef struct pw_screen_options {
    pw_snapshot_cell *snapshots; /* what workers read; may be swapped during the run */
    int threads;                 /* worker threads; 0 = number of cores */
    enum pw_input_format format; /* for every input */
    pw_store *store;             /* records, dead letters and (via queue) alerts */
    pw_alert_queue *queue;       /* where alerts go */
    size_t batch_size;           /* writes per transaction; 0 = 10000 (and at most 250 ms) */
    enum pw_store_records store_records; /* which records the store keeps */
    pw_screen_scratch *scratch;  /* kept across runs; NULL: the run makes its own */
} pw_screen_options;

typedef struct pw_screen_stats {
    long records;    /* valid records screened */
    long rejected;   /* records sent to the dead-letter table */
    long findings;   /* data-quality findings (receipts and rejections aside) */
    long alerts;     /* alerts raised in this run */
    long new_alerts; /* of which the store had not seen before */
    long hits;
    int threads;
    double seconds;   /* wall time of the run */
    double p50_us;    /* per-record screening latency in a worker */
    double p99_us;
    double max_us;
    long peak_rss_kb; /* peak resident memory of the process */
    bool output_failed; /* the run failed writing (database, alert streams), not reading */
} pw_screen_stats;

/* Screens every input in order ("-" is standard input). Returns 0 when the run
 * completed (bad records are counted, not fatal); negative when it could not: an
 * input that cannot be opened or read, a database error. */
int pw_screen_files(const char *const *inputs, size_t n_inputs, const pw_screen_options *opts,
                    pw_screen_stats *stats, pw_error *err);

/*
 * A spool directory (spool.c): screens each file dropped into dir (renamed into place;
 * names starting with '.' or ending in .tmp or .part are ignored) with
 * pw_screen_files after claiming it into dir/.work/, then moves it to dir/done/ or,
 * when it could not be read or held nothing screenable, to dir/failed/ with NAME.error
 * beside it. A file is moved only once its records and alerts are committed, so a
 * process killed mid-file screens it again from .work/ at the next start, which
 * duplicates nothing (the store keys everything by content). Files present at start
 * are taken oldest first. One process per spool (a lock file in dir). Each file's
 * outcome is journalled in the store.
 * Thread safety: call from one thread; the store in screen is used between runs.
 */
typedef struct pw_spool_options {
    const char *dir;
    const pw_screen_options *screen; /* for each file */
    bool once;   /* screen the files present, then return */
    int stop_fd; /* when readable (a signalfd, an eventfd), stop after the current file;
                    -1: run until an error (or, with once, until the spool is empty) */
    FILE *log;   /* one line per file (names and counts, no personal data); may be NULL */
} pw_spool_options;

typedef struct pw_spool_stats {
    long files_done, files_failed;
    long records, rejected, alerts, new_alerts;
} pw_spool_stats;

/* Returns 0 when stopped (stop_fd, or once and empty); negative on an error that is not
 * one file's fault (database, alert streams, memory, the directory itself), leaving that
 * file in .work/. */
int pw_spool_run(const pw_spool_options *opts, pw_spool_stats *stats, pw_error *err);

#endif
