/*
 * The pipeline's threaded path, as a plain program so that it also runs under
 * ThreadSanitizer (Criterion's runner does not start under TSan). It screens the same
 * generated input with 1 and with 4 workers into fresh databases and checks that both
 * runs count the same records, rejects and alerts, and write byte-identical alert
 * streams (the writer restores input order), and that a re-screen creates no alert.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pipeline/pipeline.h"

#define RECORDS 3000

static int failures, checks;

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

static const char *watch_names[] = {"ERIC BADEGE", "Jules MUTEBUTSI", "KIM TONG HO"};

/* Every 50th record is a watchlisted name, every 97th a bad line. */
static void write_input(const char *path)
{
    FILE *f = fopen(path, "w");
    for (int i = 0; i < RECORDS; i++) {
        if (i % 97 == 13)
            fprintf(f, "{\"record_id\": \"bad%d\", \"traveller\": {\n", i);
        else if (i % 50 == 7)
            fprintf(f,
                    "{\"record_id\":\"r%d\",\"flight\":{\"carrier\":\"QQ\",\"number\":\"%d\"},"
                    "\"traveller\":{\"full_name\":\"%s\"}}\n",
                    i, i % 7, watch_names[i % 3]);
        else
            fprintf(f,
                    "{\"record_id\":\"r%d\",\"flight\":{\"carrier\":\"QQ\",\"number\":\"%d\"},"
                    "\"traveller\":{\"surname\":\"PERSON%d\",\"given_names\":\"TEST\"}}\n",
                    i, i % 7, i);
    }
    fclose(f);
}

static pw_index *build_index(void)
{
    pw_index_builder *b = pw_index_builder_new(NULL);
    for (size_t i = 0; i < 3; i++) {
        pw_entry_name name = {.kind = PW_NAME_PRIMARY, .full = watch_names[i]};
        char id[16];
        snprintf(id, sizeof id, "E%zu", i);
        pw_entry e = {.list = "TEST", .list_version = 1, .entry_id = id, .names = &name,
                      .n_names = 1};
        pw_index_builder_add(b, &e, NULL);
    }
    pw_index *idx = NULL;
    pw_index_builder_finish(b, &idx, NULL);
    return idx;
}

/* Screens input into db with the given thread count; alerts go to alerts_path. */
static int screen(const char *input, const char *db, const char *alerts_path, int threads,
                  pw_snapshot_cell *cell, pw_screen_stats *st)
{
    pw_store *store = NULL;
    pw_error err = {0};
    if (pw_store_open(db, &store, &err)) {
        pw_error_print(&err, stderr);
        return -1;
    }
    FILE *out = fopen(alerts_path, "w");
    pw_alert_queue_options qo = {.store = store, .jsonl = out};
    pw_alert_queue *q = NULL;
    pw_alert_queue_open(&qo, &q, &err);
    pw_screen_options so = {.snapshots = cell,
                            .threads = threads,
                            .format = PW_INPUT_JSONL,
                            .store = store,
                            .queue = q,
                            .batch_size = 100};
    const char *inputs[] = {input};
    int rc = pw_screen_files(inputs, 1, &so, st, &err);
    if (rc)
        pw_error_print(&err, stderr);
    pw_alert_queue_close(q);
    fclose(out);
    pw_store_close(store);
    return rc;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = calloc(1, (size_t)n + 1);
    if (fread(s, 1, (size_t)n, f) != (size_t)n)
        s[0] = '\0';
    fclose(f);
    return s;
}

int main(void)
{
    char dir[] = "/tmp/pw-threads-XXXXXX";
    if (!mkdtemp(dir))
        return 1;
    char input[256], db1[256], db4[256], a1[256], a4[256], again[256];
    snprintf(input, sizeof input, "%s/in.jsonl", dir);
    snprintf(db1, sizeof db1, "%s/one.db", dir);
    snprintf(db4, sizeof db4, "%s/four.db", dir);
    snprintf(a1, sizeof a1, "%s/one.jsonl", dir);
    snprintf(a4, sizeof a4, "%s/four.jsonl", dir);
    snprintf(again, sizeof again, "%s/again.jsonl", dir);
    write_input(input);

    pw_index *idx = build_index();
    pw_ruleset *rules = NULL;
    pw_errlist errs = {0};
    const char *rule_text = "rules:\n  - id: wl\n    version: 1\n    title: t\n"
                            "    severity: high\n    when: {watchlist: {min_score: 0.5}}\n";
    CHECK(pw_rules_load_string("inline.yaml", rule_text, strlen(rule_text), &rules, &errs) == 0,
          "rules load");
    pw_errlist_free(&errs);
    pw_config cfg;
    pw_config_defaults(&cfg);
    pw_snapshot *snap = calloc(1, sizeof *snap);
    snap->index = idx;
    snap->rules = rules;
    snap->config = cfg;
    snap->candidate_floor = pw_ruleset_candidate_floor(rules, &cfg, false);
    pw_snapshot_cell *cell = NULL;
    CHECK(pw_snapshot_cell_new(snap, &cell, NULL) == 0, "cell");

    pw_screen_stats s1, s4, s_again;
    CHECK(screen(input, db1, a1, 1, cell, &s1) == 0, "1-thread run");
    CHECK(screen(input, db4, a4, 4, cell, &s4) == 0, "4-thread run");
    CHECK(screen(input, db4, again, 4, cell, &s_again) == 0, "re-screen");

    /* One alert per traveller per flight: the same name on the same flight number
     * again is the same alert in the store. */
    long bad = 0, hits = 0, distinct = 0;
    bool seen[3][7] = {{false}};
    for (int i = 0; i < RECORDS; i++) {
        if (i % 97 == 13)
            bad++;
        else if (i % 50 == 7) {
            hits++;
            if (!seen[i % 3][i % 7]) {
                seen[i % 3][i % 7] = true;
                distinct++;
            }
        }
    }
    CHECK(s1.records == RECORDS - bad, "records %ld", s1.records);
    CHECK(s1.rejected == bad, "rejected %ld, want %ld", s1.rejected, bad);
    CHECK(s1.alerts == hits, "alerts %ld, want %ld", s1.alerts, hits);
    CHECK(s4.records == s1.records && s4.rejected == s1.rejected && s4.alerts == s1.alerts,
          "4 threads: %ld/%ld/%ld", s4.records, s4.rejected, s4.alerts);
    CHECK(s4.threads == 4, "threads %d", s4.threads);
    CHECK(s1.new_alerts == distinct, "new alerts %ld, want %ld", s1.new_alerts, distinct);
    CHECK(s_again.alerts == hits && s_again.new_alerts == 0, "re-screen: %ld alerts, %ld new",
          s_again.alerts, s_again.new_alerts);
    char *t1 = slurp(a1), *t4 = slurp(a4);
    CHECK(t1 && t4 && strcmp(t1, t4) == 0, "alert streams differ between 1 and 4 threads");
    CHECK(t1 && strlen(t1) > 0, "empty alert stream");
    free(t1);
    free(t4);

    pw_store *store = NULL;
    pw_store_open(db4, &store, NULL);
    CHECK(pw_store_count(store, "alerts") == distinct, "stored alerts %ld, want %ld",
          pw_store_count(store, "alerts"), distinct);
    CHECK(pw_store_count(store, "dead_letters") == bad, "dead letters: screening again adds none");
    CHECK(pw_store_count(store, "records") == RECORDS - bad, "stored records");
    pw_store_close(store);

    pw_snapshot_cell_free(cell); /* frees the index, rules and configuration */
    const char *files[] = {input, db1, db4, a1, a4, again};
    for (size_t i = 0; i < 6; i++) {
        char side[300];
        unlink(files[i]);
        snprintf(side, sizeof side, "%s-wal", files[i]);
        unlink(side);
        snprintf(side, sizeof side, "%s-shm", files[i]);
        unlink(side);
    }
    rmdir(dir);
    printf("%d passed, %d failed\n", checks - failures, failures);
    return failures ? 1 : 0;
}
