/*
 * Rules reloaded while screening, as a plain program so that it also runs under
 * ThreadSanitizer (make test-tsan). Two workers screen 20,000 travellers with a rule
 * pack that exercises every shared part of a compiled ruleset (the prefilter, named
 * sets, a PCRE2 pattern with per-worker match data, the atomic daily guard, a watchlist
 * rule). The input comes through a FIFO from a feeder thread that, between chunks of
 * records, rewrites the rule file (a new version of the same rules; once a broken
 * file; once a SIGHUP) and waits for the reloader to compile and publish it off the hot
 * path, so every reload happens while the workers are screening.
 *
 * Checks: every record is screened; the alerts are exactly those the rules' logic gives,
 * whichever version screened a record; every hit carries a version that was published;
 * the broken file is never published and its errors are logged with file:line:col; the
 * last snapshot holds the last good version.
 */
#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pipeline/pipeline.h"

#define RECORDS 20000

static atomic_int failures, checks;

#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        checks++;                                                                                  \
        if (!(cond)) {                                                                             \
            failures++;                                                                            \
            fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__, __LINE__, #cond);               \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fputc('\n', stderr);                                                                   \
        }                                                                                          \
    } while (0)

static char dir[64], db_path[128], rules_dir[128], rules_path[160], input_path[128],
    alerts_path[128], log_path[128];
static atomic_int last_good_version, broken_written;

static void write_file(const char *path, const char *text)
{
    char tmp[256];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    fputs(text, f);
    fclose(f);
    rename(tmp, path); /* one IN_MOVED_TO: the reloader never sees half a file */
}

static void rules_text(char *buf, size_t cap, int version)
{
    snprintf(buf, cap,
             "rules:\n"
             "  - {id: wl, version: %d, title: t, severity: high,\n"
             "     when: {watchlist: {min_score: 0.5}}}\n"
             "  - {id: route, version: %d, title: t, severity: low, score: 0.3,\n"
             "     max_hits_per_day: 100000000, when: {flight.route: {in: watched}}}\n"
             "  - {id: lost, version: %d, title: t, severity: high, score: 0.8,\n"
             "     when: {document.number: {matches: '^YY[0-9]{4}$'}}}\n",
             version, version, version);
}

static pw_reloader *reloader;

/* Waits up to 20 s for the reloader to have published more than `before`. */
static long wait_published(long before)
{
    for (int i = 0; i < 400 && pw_reloader_published(reloader) <= before; i++)
        usleep(50 * 1000);
    return pw_reloader_published(reloader);
}

/* Feeds the input (a FIFO the pipeline reads) in 20 chunks; between two chunks, while
 * the workers are busy with the first, rewrites the rules with a new version and waits
 * for the reloader to publish it. Round 4 writes a broken file (never published);
 * round 6 is followed by a SIGHUP. */
static void *feeder_main(void *arg)
{
    (void)arg;
    FILE *fifo = fopen(input_path, "w");
    char text[1024];
    for (int chunk = 0; chunk < 20; chunk++) {
        for (int i = chunk * (RECORDS / 20); i < (chunk + 1) * (RECORDS / 20); i++)
            fprintf(fifo,
                    "{\"record_id\":\"r%d\",\"flight\":{\"carrier\":\"QQ\",\"number\":\"%d\","
                    "\"origin\":\"%s\",\"destination\":\"CDG\",\"departure\":\"2026-12-01\"},"
                    "\"traveller\":{\"full_name\":\"%s\",\"documents\":[{\"number\":"
                    "\"%s%04d\"}]}}\n",
                    i, i, i % 7 == 0 ? "JFK" : "LHR", i % 10 == 0 ? "ERIC BADEGE" : "SOMEONE ELSE",
                    i % 5 == 0 ? "YY" : "ZZ", i % 10000);
        fflush(fifo);
        int round = chunk + 2;
        if (chunk % 2 || round > 12)
            continue;
        long before = pw_reloader_published(reloader);
        if (round == 4) {
            write_file(rules_path, "rules:\n  - id: wl\n    version: x\n    title: t\n"
                                   "    severity: high\n    when: {watchlist: {}}\n");
            atomic_store(&broken_written, 1);
            usleep(500 * 1000);
            CHECK(pw_reloader_published(reloader) == before, "a broken file is not published");
            continue;
        }
        rules_text(text, sizeof text, round);
        if (round == 6) {
            /* saved, then SIGHUP: a second reload without any file change */
            write_file(rules_path, text);
            wait_published(before);
            before = pw_reloader_published(reloader);
            kill(getpid(), SIGHUP);
        } else {
            write_file(rules_path, text);
        }
        atomic_store(&last_good_version, round);
        CHECK(wait_published(before) > before, "round %d published", round);
    }
    fclose(fifo);
    return NULL;
}

/* What the rules say about record i, whatever their version. */
static bool expect_alert(int i)
{
    return i % 10 == 0 || i % 7 == 0 || i % 5 == 0;
}

static void import_list(void)
{
    pw_store *store = NULL;
    CHECK(pw_store_open(db_path, &store, NULL) == 0, "open");
    pw_store_import *imp = NULL;
    CHECK(pw_store_import_begin(store, "TEST", "csv", "generated", &imp, NULL) == 0, "begin");
    pw_entry_name n = {.kind = PW_NAME_PRIMARY, .full = "ERIC BADEGE"};
    pw_document d = {.type = "P", .number = "ZZ0000", .issuer = "FRA"};
    pw_entry e = {.entry_id = "E0", .names = &n, .n_names = 1, .documents = &d, .n_documents = 1};
    CHECK(pw_store_import_entry(imp, &e, NULL) == 0, "entry");
    int version = 0;
    CHECK(pw_store_import_commit(imp, &version, NULL) == 0, "commit");
    pw_store_close(store);
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/pw-rules-reload-XXXXXX");
    if (!mkdtemp(dir))
        return 1;
    snprintf(db_path, sizeof db_path, "%s/db.sqlite", dir);
    snprintf(rules_dir, sizeof rules_dir, "%s/rules", dir);
    snprintf(rules_path, sizeof rules_path, "%s/r.yaml", rules_dir);
    snprintf(input_path, sizeof input_path, "%s/in.jsonl", dir);
    snprintf(alerts_path, sizeof alerts_path, "%s/alerts.jsonl", dir);
    snprintf(log_path, sizeof log_path, "%s/stderr.log", dir);
    char sets[200], text[1024];
    snprintf(sets, sizeof sets, "%s/sets", rules_dir);
    mkdir(rules_dir, 0700);
    mkdir(sets, 0700);
    snprintf(sets, sizeof sets, "%s/sets/routes.yaml", rules_dir);
    write_file(sets, "sets:\n  watched: [JFK-CDG]\n");
    rules_text(text, sizeof text, 1);
    write_file(rules_path, text);
    atomic_store(&last_good_version, 1);

    mkfifo(input_path, 0600);
    import_list();

    pw_store *store = NULL;
    pw_error err = {0};
    CHECK(pw_store_open(db_path, &store, &err) == 0, "open: %s", err.msg);
    pw_config cfg;
    pw_config_defaults(&cfg);
    pw_snapshot *snap = NULL;
    CHECK(pw_snapshot_build(store, rules_dir, &cfg, &snap, NULL, &err) == 0, "build: %s", err.msg);
    pw_store_close(store);
    pw_snapshot_cell *cell = NULL;
    pw_snapshot_cell_new(snap, &cell, NULL);

    /* reload errors go to stderr: keep them to check their positions */
    fflush(stderr);
    int saved_stderr = dup(2);
    FILE *log = fopen(log_path, "w");
    dup2(fileno(log), 2);

    pw_reloader_options ro = {
        .cell = cell, .db_path = db_path, .rules_path = rules_dir, .poll_ms = 20};
    CHECK(pw_reloader_start(&ro, &reloader, &err) == 0, "reloader: %s", err.msg);
    pthread_t feeder;
    pthread_create(&feeder, NULL, feeder_main, NULL);

    FILE *alerts = fopen(alerts_path, "w");
    pw_alert_queue *queue = NULL;
    pw_alert_queue_options qo = {.jsonl = alerts};
    CHECK(pw_alert_queue_open(&qo, &queue, &err) == 0, "queue: %s", err.msg);
    pw_screen_options so = {
        .snapshots = cell, .threads = 2, .format = PW_INPUT_JSONL, .queue = queue};
    pw_screen_stats st;
    const char *inputs[] = {input_path};
    CHECK(pw_screen_files(inputs, 1, &so, &st, &err) == 0, "screen: %s", err.msg);
    pthread_join(feeder, NULL);
    long published = pw_reloader_stop(reloader);
    pw_alert_queue_close(queue);
    fclose(alerts);

    fflush(stderr);
    dup2(saved_stderr, 2);
    close(saved_stderr);
    fclose(log);

    CHECK(st.records == RECORDS, "records %ld", st.records);
    long want = 0;
    for (int i = 0; i < RECORDS; i++)
        want += expect_alert(i);
    CHECK(st.alerts == want, "alerts %ld, want %ld", st.alerts, want);
    CHECK(published >= 6, "published %ld snapshots", published);
    CHECK(atomic_load(&broken_written) == 1, "the broken file was written");

    /* every hit names a rule version that was written, and the right rules fired */
    FILE *af = fopen(alerts_path, "r");
    char *line = NULL;
    size_t cap = 0;
    long n_alerts = 0, bad = 0;
    int max_version = atomic_load(&last_good_version);
    while (getline(&line, &cap, af) > 0) {
        json_t *a = json_loads(line, 0, NULL);
        int i = atoi(json_string_value(json_object_get(a, "record_id")) + 1);
        json_t *hits = json_object_get(a, "hits");
        size_t want_hits = (i % 10 == 0) + (i % 7 == 0) + (i % 5 == 0);
        if (json_array_size(hits) != want_hits)
            bad++;
        for (size_t k = 0; k < json_array_size(hits); k++) {
            json_int_t v =
                json_integer_value(json_object_get(json_array_get(hits, k), "rule_version"));
            if (v < 1 || v > max_version || v == 4)
                bad++;
        }
        json_decref(a);
        n_alerts++;
    }
    free(line);
    fclose(af);
    CHECK(n_alerts == want, "alert lines %ld", n_alerts);
    CHECK(bad == 0, "%ld alerts with the wrong hits or versions", bad);

    /* the broken rule file was refused with its errors' positions */
    FILE *lf = fopen(log_path, "r");
    char logbuf[16384] = {0};
    size_t got = fread(logbuf, 1, sizeof logbuf - 1, lf);
    fclose(lf);
    logbuf[got] = '\0';
    char where[200];
    snprintf(where, sizeof where, "%s:3:14: version: expected an integer", rules_path);
    CHECK(strstr(logbuf, "failed; the running rules and lists stay") != NULL, "%s", logbuf);
    CHECK(strstr(logbuf, where) != NULL, "no '%s' in the log:\n%s", where, logbuf);

    const pw_snapshot *last = pw_snapshot_peek(cell);
    CHECK(pw_ruleset_rule(last->rules, 0)->version == max_version, "last version %d, want %d",
          pw_ruleset_rule(last->rules, 0)->version, max_version);

    pw_snapshot_cell_free(cell);
    pw_config_free(&cfg);
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", dir);
    printf("%d passed, %d failed\n", (int)(checks - failures), (int)failures);
    return failures ? 1 : 0;
}
