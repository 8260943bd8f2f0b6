/*
 * Snapshot publication while screening, as a plain program so that it also runs
 * under ThreadSanitizer. One thread screens a large input with 2 workers while another
 * re-imports the watchlist five times and publishes a snapshot after each import;
 * then the reloader thread is checked on its own: a re-import and a rule change are
 * each picked up and published, and a broken rule file leaves the running snapshot.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pipeline/pipeline.h"

#define RECORDS 20000

static atomic_int failures, checks; /* CHECK runs on several threads */

#define CHECK(cond, ...)                                                                        \
    do {                                                                                       \
        checks++;                                                                              \
        if (!(cond)) {                                                                         \
            failures++;                                                                        \
            fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__, __LINE__, #cond);           \
            fprintf(stderr, __VA_ARGS__);                                                      \
            fputc('\n', stderr);                                                               \
        }                                                                                      \
    } while (0)

static char dir[64], db_path[128], rules_path[128], input_path[128];

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
}

static const char rules_text[] = "rules:\n  - id: wl\n    version: 1\n    title: t\n"
                                 "    severity: high\n    when: {watchlist: {min_score: 0.5}}\n";

/* Imports version `round` of list TEST: ERIC BADEGE plus one name per round. */
static void import_version(pw_store *store, int round)
{
    pw_store_import *imp = NULL;
    CHECK(pw_store_import_begin(store, "TEST", "csv", "generated", &imp, NULL) == 0, "begin");
    for (int i = 0; i <= round; i++) {
        char id[16], name[64];
        snprintf(id, sizeof id, "E%d", i);
        snprintf(name, sizeof name, i == 0 ? "ERIC BADEGE" : "ROUND%d PERSON", i);
        pw_entry_name n = {.kind = PW_NAME_PRIMARY, .full = name};
        pw_entry e = {.entry_id = id, .names = &n, .n_names = 1};
        CHECK(pw_store_import_entry(imp, &e, NULL) == 0, "entry");
    }
    int version = 0;
    CHECK(pw_store_import_commit(imp, &version, NULL) == 0, "commit");
}

typedef struct publisher {
    pw_snapshot_cell *cell;
    pw_config *cfg;
    int published;
} publisher;

static void *publish_main(void *arg)
{
    publisher *p = arg;
    pw_store *store = NULL;
    pw_store_open(db_path, &store, NULL);
    for (int round = 1; round <= 5; round++) {
        import_version(store, round);
        pw_snapshot *snap = NULL;
        if (pw_snapshot_build(store, rules_path, p->cfg, &snap, NULL, NULL) == 0) {
            pw_snapshot_publish(p->cell, snap);
            p->published++;
        }
        usleep(2000);
    }
    pw_store_close(store);
    return NULL;
}

/* Waits up to 60 s (a loaded machine) for the reloader to reach `want` publications. */
static long wait_published(pw_reloader *r, long want)
{
    for (int i = 0; i < 1200 && pw_reloader_published(r) < want; i++)
        usleep(50 * 1000);
    return pw_reloader_published(r);
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/pw-reload-XXXXXX");
    if (!mkdtemp(dir))
        return 1;
    snprintf(db_path, sizeof db_path, "%s/db.sqlite", dir);
    snprintf(rules_path, sizeof rules_path, "%s/rules.yaml", dir);
    snprintf(input_path, sizeof input_path, "%s/in.jsonl", dir);
    write_file(rules_path, rules_text);
    FILE *in = fopen(input_path, "w");
    for (int i = 0; i < RECORDS; i++)
        fprintf(in, "{\"record_id\":\"r%d\",\"traveller\":{\"full_name\":\"%s\"}}\n", i,
                i % 10 == 0 ? "ERIC BADEGE" : "SOMEONE ELSE");
    fclose(in);

    pw_store *store = NULL;
    CHECK(pw_store_open(db_path, &store, NULL) == 0, "open");
    import_version(store, 0);
    pw_config cfg;
    pw_config_defaults(&cfg);
    pw_snapshot *snap = NULL;
    pw_error err = {0};
    CHECK(pw_snapshot_build(store, rules_path, &cfg, &snap, NULL, &err) == 0, "build: %s",
          err.msg);
    pw_snapshot_cell *cell = NULL;
    pw_snapshot_cell_new(snap, &cell, NULL);

    /* 1. Publish five snapshots while two workers screen. */
    publisher pub = {.cell = cell, .cfg = &cfg};
    pthread_t t;
    pthread_create(&t, NULL, publish_main, &pub);
    pw_screen_options so = {.snapshots = cell, .threads = 2, .format = PW_INPUT_JSONL};
    pw_screen_stats st;
    const char *inputs[] = {input_path};
    CHECK(pw_screen_files(inputs, 1, &so, &st, &err) == 0, "screen: %s", err.msg);
    pthread_join(t, NULL);
    CHECK(pub.published == 5, "published %d", pub.published);
    CHECK(st.records == RECORDS, "records %ld", st.records);
    CHECK(st.alerts == RECORDS / 10, "alerts %ld: every ERIC BADEGE, whichever snapshot",
          st.alerts);
    CHECK(pw_index_entry_count(pw_snapshot_peek(cell)->index) == 6, "entries in the last");

    /* 2. The reloader: a re-import, a rule change, then a broken rule file. */
    pw_reloader *r = NULL;
    pw_reloader_options ro = {
        .cell = cell, .db_path = db_path, .rules_path = rules_path, .poll_ms = 20};
    CHECK(pw_reloader_start(&ro, &r, &err) == 0, "reloader: %s", err.msg);
    import_version(store, 6);
    CHECK(wait_published(r, 1) == 1, "re-import picked up");
    write_file(rules_path, "rules:\n  - id: wl\n    version: 2\n    title: t\n"
                           "    severity: low\n    when: {watchlist: {min_score: 0.5}}\n");
    CHECK(wait_published(r, 2) == 2, "rule change picked up");
    write_file(rules_path, "rules:\n  - id: wl\n    version: x\n");
    usleep(500 * 1000);
    CHECK(pw_reloader_published(r) == 2, "a broken rule file is not published");
    CHECK(pw_reloader_stop(r) == 2, "stop");
    const pw_snapshot *last = pw_snapshot_peek(cell);
    CHECK(pw_index_entry_count(last->index) == 7, "entries %zu",
          pw_index_entry_count(last->index));
    CHECK(pw_ruleset_rule(last->rules, 0)->version == 2, "rule version");

    pw_snapshot_cell_free(cell);
    pw_config_free(&cfg);
    pw_store_close(store);
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", dir);
    printf("%d passed, %d failed\n", (int)(checks - failures), (int)failures);
    return failures ? 1 : 0;
}
