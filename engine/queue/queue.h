/*
 * queue: where alerts go once the pipeline has made them.
 *
 * An alert queue fans each alert out to its sinks: the SQLite store (the embedded
 * default: de-duplicated by the alert's deterministic key, audited), a JSON Lines
 * stream in the CONTRACT format, and a human-readable report for the terminal. The
 * NATS JetStream backend for scale-out slots in here as another sink.
 *
 * Thread safety: one thread publishes (the pipeline's writer thread).
 * Ownership: the queue borrows the store and the FILE streams; the caller closes them.
 */
#ifndef PW_QUEUE_H
#define PW_QUEUE_H

#include "core/core.h"
#include "store/store.h"

typedef struct pw_alert_queue_options {
    pw_store *store; /* may be NULL */
    FILE *jsonl;     /* CONTRACT alert JSON Lines, or NULL */
    FILE *report;    /* human-readable text, or NULL */
} pw_alert_queue_options;

typedef struct pw_alert_queue pw_alert_queue;

int pw_alert_queue_open(const pw_alert_queue_options *opts, pw_alert_queue **out, pw_error *err);
void pw_alert_queue_close(pw_alert_queue *q);

/* Publishes one alert to every sink. *created says whether the store had not seen its
 * key before (true when there is no store). scratch is used for formatting. */
int pw_alert_queue_publish(pw_alert_queue *q, const pw_alert *alert, pw_arena *scratch,
                           bool *created, pw_error *err);

/* Flushes the streams (JSON Lines, report) so that a consumer sees every alert
 * published so far; PW_EIO when a stream cannot be written. */
int pw_alert_queue_flush(pw_alert_queue *q, pw_error *err);

/* Writes the alert as readable text: traveller, flight, then each hit with its
 * explanation laid out one contribution per line. */
void pw_alert_write_report(const pw_alert *alert, pw_arena *scratch, FILE *out);

#endif
