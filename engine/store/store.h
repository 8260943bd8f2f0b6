/*
 * store: the SQLite database behind paxwatch (WAL mode, schema migrations).
 *
 * Tables: watchlists and their versions; entries with names (primary, aliases with
 * quality, original script), dates of birth, nationalities, documents; screened
 * records; alerts and their hits; an append-only audit log; dead letters for
 * rejected input; data-quality messages and findings per sender and flight; the journal
 * of the files a spool directory took in.
 * Re-importing a list writes a new version in one transaction, so a failed import leaves
 * the previous version intact.
 *
 * Thread safety: a pw_store is used by one thread at a time (the pipeline's writer
 * thread owns it during screening). Several processes may open the same file; WAL
 * lets readers run beside one writer.
 * Ownership: entries passed to callbacks are valid during the call only.
 */
#ifndef PW_STORE_H
#define PW_STORE_H

#include "core/core.h"

typedef struct pw_store pw_store;

/* Opens (creating when absent) the database at path and migrates it to the current
 * schema. PW_EDB with SQLite's message on failure. */
int pw_store_open(const char *path, pw_store **out, pw_error *err);
void pw_store_close(pw_store *s);
/* Schema version after migrations (PRAGMA user_version). */
int pw_store_schema_version(pw_store *s);
/* The actor of the audit rows the store writes itself (watchlist imports, alerts) and
 * of pw_store_audit rows given a NULL actor: "cli", "pipeline", a user name. Default
 * "paxwatch"; NULL restores it. */
void pw_store_set_actor(pw_store *s, const char *actor);
/* How long a write waits for another connection's lock before failing with "database
 * is locked" (default 5000 ms). */
void pw_store_set_busy_timeout(pw_store *s, int ms);
/* Keeps SQLite's temporary files in memory (on) or where SQLite puts them by default
 * (off, the default). The screening writer turns it on while it runs: it stores each
 * alert in a savepoint inside its transaction, and once a savepoint's page images
 * outgrow 64 KiB SQLite keeps them in a file under /var/tmp for the rest of the
 * transaction, about 30 writes an alert. Off elsewhere, so that a report's large sort
 * spills to disk rather than to memory. */
int pw_store_set_temp_in_memory(pw_store *s, bool on, pw_error *err);

/* ---- watchlist import: one transaction per import ------------------------- */

typedef struct pw_store_import pw_store_import;

/* Starts importing a new version of list `list` (created when new). format and
 * sources ("sdn.csv, alt.csv") are recorded on the version. */
int pw_store_import_begin(pw_store *s, const char *list, const char *format,
                          const char *sources, pw_store_import **out, pw_error *err);
/* Adds one entry to the version being written. A duplicate entry_id in the same
 * version is PW_EINVAL (the caller rejects the row and goes on). */
int pw_store_import_entry(pw_store_import *imp, const pw_entry *entry, pw_error *err);
/* Records a rejected row in the dead-letter table (inside the import transaction). */
int pw_store_import_reject(pw_store_import *imp, const pw_reject *rej);
/* Commits: the new version becomes current. *version gets its number. The import
 * object is freed whatever the outcome. */
int pw_store_import_commit(pw_store_import *imp, int *version, pw_error *err);
/* Rolls back: the previous version stays current. Frees imp; NULL is allowed. */
void pw_store_import_abort(pw_store_import *imp);

typedef struct pw_watchlist_info {
    char name[128];
    int version;          /* current version */
    long entries;         /* entries in the current version */
    long individuals;
    long entities;
    char format[16];
    char imported_at[32]; /* UTC, ISO 8601 */
    char sources[512];
} pw_watchlist_info;

/* The current version of every list, by name. *out is malloc'ed; free() it. */
int pw_store_watchlists(pw_store *s, pw_watchlist_info **out, size_t *n, pw_error *err);

/* Calls fn for every entry of the current version of every list (list and
 * list_version filled in), in list name then entry order. */
int pw_store_each_entry(pw_store *s, pw_entry_fn fn, void *ctx, pw_error *err);
/* The same for one list; PW_ENOTFOUND when there is no such list. */
int pw_store_each_list_entry(pw_store *s, const char *list, pw_entry_fn fn, void *ctx,
                             pw_error *err);

/* ---- screening ------------------------------------------------------------ */

int pw_store_begin(pw_store *s, pw_error *err);
int pw_store_commit(pw_store *s, pw_error *err);
int pw_store_rollback(pw_store *s);

/* Stores a screened record (its canonical JSON and key fields) as a row of its own (the
 * record of an alert); a record_id already stored as a row is left as it is. *inserted
 * (may be NULL) says which happened. A record stored before in a batch gets its row (the
 * alert refers to it), and the `records` view then shows the row alone. */
int pw_store_put_record(pw_store *s, const pw_record *r, bool *inserted, pw_error *err);
/* The same with the record's canonical JSON already written by pw_record_to_json (json,
 * len bytes), so that the pipeline's workers serialize in parallel and its single writer
 * thread only stores. */
int pw_store_put_record_json(pw_store *s, const pw_record *r, const char *json, size_t len,
                             bool *inserted, pw_error *err);

/* A record batcher: stores screened records that raised no alert in batches (the
 * record_batches table, shown with the single rows by the `records` view), for a writer
 * that keeps every record it screens. A batch holds records put here from one input
 * file and one flight (carrier, number, route and times), in the order put, at most
 * PW_RECORD_BATCH_MAX of them; it is written when full or at a flush (or, when more
 * than about a thousand flights are open at once, when its flight was put to longest
 * ago). A record already batched (the same record id in the same
 * record group: its flight, or its input file when it has none) is not put again; one
 * stored as a row of its own may be, and the view shows the row. The batcher keeps the
 * keys of the groups it stores in memory (about a million keys; see batches.c). It belongs to the
 * thread that uses the store; puts and flushes run inside the caller's transaction,
 * which must flush before it commits: the records put are stored with the batch. */
#define PW_RECORD_BATCH_MAX 256
typedef struct pw_store_batcher pw_store_batcher;
int pw_store_batcher_begin(pw_store *s, pw_store_batcher **out, pw_error *err);
/* Adds a record with its JSON as a batch keeps it (pw_record_to_batch_json: json, len
 * bytes, copied; the `records` view shows the canonical JSON). */
int pw_store_batcher_put(pw_store_batcher *b, const pw_record *r, const char *json, size_t len,
                         pw_error *err);
/* Writes the records put so far, a batch for each input file and flight (nothing when
 * there are none). */
int pw_store_batcher_flush(pw_store_batcher *b, pw_error *err);
/* Frees b (NULL is allowed). Records put and not flushed are not stored. After a
 * failed put or flush, or any rollback of a transaction it put records in, end the
 * batcher rather than go on with it: it takes the records put as stored. */
void pw_store_batcher_end(pw_store_batcher *b);

/* Stores an alert keyed by alert->key: a new key creates the alert (state "new") with
 * an audit row; an existing key keeps the alert and adds only hits it did not have
 * (same rule, list and entry). *created (may be NULL) says whether the alert is new;
 * *new_hits (may be NULL) counts the hits added. */
int pw_store_put_alert(pw_store *s, const pw_alert *alert, bool *created, int *new_hits,
                       pw_error *err);

/* Appends to the dead-letter table outside any import. */
int pw_store_put_dead_letter(pw_store *s, const pw_reject *rej, pw_error *err);

/* Appends an audit row. actor: "cli", "pipeline", a user name; object: "alert:<id>". */
int pw_store_audit(pw_store *s, const char *actor, const char *action, const char *object,
                   const char *detail, pw_error *err);

/* Counts rows of a table of the schema ("alerts", "dead_letters", ...); -1 on error.
 * For status output and tests. */
long pw_store_count(pw_store *s, const char *table);

/* ---- the spool journal (spool.c) -------------------------------------------- */

/* How one spooled file ended. */
typedef struct pw_spool_file {
    bool failed;        /* moved to failed/ rather than done/ */
    long records, rejected, alerts, new_alerts;
    const char *moved_to; /* path relative to the spool directory: "done/NAME" */
    const char *reason;   /* why it failed, or NULL */
} pw_spool_file;

/* Marks the rows of spool `spool` still in state "screening" as "interrupted": their
 * process stopped before committing (call once at start, holding the spool's lock).
 * *n gets how many there were. */
int pw_store_spool_interrupted(pw_store *s, const char *spool, long *n, pw_error *err);
/* Journals that the spool starts screening file `name` of `size` bytes; *id names
 * the row for pw_store_spool_finish. */
int pw_store_spool_begin(pw_store *s, const char *spool, const char *name, long long size,
                         long long *id, pw_error *err);
int pw_store_spool_finish(pw_store *s, long long id, const pw_spool_file *f, pw_error *err);

/* ---- data quality (quality.c) ---------------------------------------------- */

/* Stores a data-quality finding: a PW_FINDING_MESSAGE receipt in quality_messages, any
 * other kind in quality_findings. A finding already stored (same content: the file name
 * aside) is left as it is, so screening an input again adds nothing; *inserted (may be
 * NULL) says which happened. */
int pw_store_put_finding(pw_store *s, const pw_finding *f, bool *inserted, pw_error *err);

/* A findings writer: the same as pw_store_put_finding with its statements prepared once,
 * for a writer that stores many findings (the pipeline's writer thread). It belongs to
 * the thread that uses the store and must be ended before the store is closed. */
typedef struct pw_store_findings pw_store_findings;
int pw_store_findings_begin(pw_store *s, pw_store_findings **out, pw_error *err);
int pw_store_findings_put(pw_store_findings *w, const pw_finding *f, bool *inserted, pw_error *err);
/* Finalizes the statements and frees w; NULL is allowed. */
void pw_store_findings_end(pw_store_findings *w);

#define PW_QUALITY_EXAMPLES 3

/* One example of a finding kind: where it is, without personal data. */
typedef struct pw_quality_example {
    char message_ref[64];     /* "" for formats without messages */
    char interchange_ref[64]; /* "" when unknown */
    long line;                /* segment number in the message (PAXLST), or input line */
    char segment[8];          /* segment tag, "" when none */
    char field[64];
    char record_id[40]; /* "" for message-level findings */
    char detail[320];
} pw_quality_example;

typedef struct pw_quality_count {
    long findings;   /* rows of this kind */
    long travellers; /* distinct travellers concerned (traveller kinds) */
    size_t n_examples;
    pw_quality_example examples[PW_QUALITY_EXAMPLES]; /* the first ones, in input order */
} pw_quality_count;

/* What one sender sent for one flight, and what was wrong with it. */
typedef struct pw_quality_group {
    char sender[128]; /* "" when unknown */
    char carrier[16];
    char flight_number[16];
    char departure[24];
    long messages;        /* messages received (PAXLST receipts) */
    long travellers_sent; /* travellers in those messages */
    long travellers;      /* travellers stored for the flight (records, any sender) */
    pw_quality_count kinds[PW_FINDING__COUNT]; /* kinds[PW_FINDING_MESSAGE] unused */
} pw_quality_group;

/* The data-quality summary per sender and flight, ordered by sender, carrier, flight
 * number and departure. sender and flight (carrier + number, "QQ827", or the number
 * alone) filter when not NULL. *out is malloc'ed; free() it. */
int pw_store_quality(pw_store *s, const char *sender, const char *flight,
                     pw_quality_group **out, size_t *n, pw_error *err);

/* Calls fn for every stored finding (receipts excluded) matching the filters, in the
 * order they were found. The finding is valid during the call only. */
int pw_store_each_finding(pw_store *s, const char *sender, const char *flight, pw_finding_fn fn,
                          void *ctx, pw_error *err);

/* ---- rule statistics and back-testing (rulestats.c) --------------------------- */

/* Per rule and version, from the stored hits (the rule_stats view). */
typedef struct pw_rule_stat {
    char rule_id[128];
    int rule_version;
    long hits;            /* stored hits, de-duplicated per alert as alerts are */
    long alerts;          /* alerts holding at least one of them */
    long confirmed;       /* hits analysts confirmed */
    long false_positives; /* hits analysts marked false */
    char first_hit[32];   /* UTC, ISO 8601; "" when none */
    char last_hit[32];
} pw_rule_stat;

/* Every rule and version with hits, by rule id then version. *out is malloc'ed. */
int pw_store_rule_stats(pw_store *s, pw_rule_stat **out, size_t *n, pw_error *err);
/* How many hits rule (id, version) has stored today (UTC, by created_at): where a new
 * process starts the rule's daily guard (max_hits_per_day). */
int pw_store_rule_hits_today(pw_store *s, const char *rule_id, int rule_version, long *hits,
                             pw_error *err);

/* Called with each stored record's id and canonical JSON; a non-zero return stops. */
typedef int (*pw_record_json_fn)(void *ctx, const char *record_id, const char *json,
                                 pw_error *err);
/* Calls fn for the stored records whose flight departs (or, without a departure, that
 * were screened) on or after since and on or before until (YYYY-MM-DD; NULL: no
 * bound): the records with an alert, then the others, each in the order stored. */
int pw_store_each_record_json(pw_store *s, const char *since, const char *until,
                              pw_record_json_fn fn, void *ctx, pw_error *err);

/* Records an analyst's decision on the hits of rule_id in alert alert_id (those of
 * entry_id only, when not NULL): disposition "confirmed" or "false_positive"; a later
 * decision replaces an earlier one. Audited. PW_ENOTFOUND when no such hit. */
int pw_store_set_hit_disposition(pw_store *s, const char *alert_id, const char *rule_id,
                                 const char *entry_id, const char *disposition, const char *actor,
                                 const char *note, pw_error *err);

#endif
