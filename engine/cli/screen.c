/*
 * paxwatch screen: loads the configuration and rules, builds the watchlist snapshot
 * from the store's current list versions, and runs the pipeline over the inputs.
 * Alerts go to the store and, when asked, to a JSON Lines stream (--alerts-out) and
 * a readable report (--report); the run's summary goes to standard error.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "pipeline/pipeline.h"

static const char usage_screen[] =
    "usage: paxwatch screen --db DB [--rules PATH] [--config FILE] [--threads N]\n"
    "                       [--input-format auto|jsonl|csv|paxlst] [--alerts-out FILE|-]\n"
    "                       [--report FILE|-] [--watch] INPUT...\n"
    "\n"
    "Screens traveller records against the current watchlists and the rules.\n"
    "\n"
    "  --db DB            SQLite database holding the watchlists (default: config)\n"
    "  --rules PATH       rule file or directory (default: the config's rules_dir)\n"
    "  --config FILE      configuration (default: built-in defaults, as documented in\n"
    "                     config/paxwatch.yaml)\n"
    "  --threads N        worker threads (default: config; 0 = one per core)\n"
    "  --input-format F   auto (default) | jsonl | csv | paxlst\n"
    "  --alerts-out FILE  also write alerts as JSON Lines ('-' for standard output)\n"
    "  --report FILE      also write alerts as readable text ('-' for standard output)\n"
    "  --batch N          records per database transaction (default 1000)\n"
    "  --watch            while screening, rebuild and swap in the rules and watchlists\n"
    "                     when a rule file changes, a list is re-imported, or on SIGHUP\n"
    "\n"
    "INPUT '-' reads standard input. Bad records are counted, kept in the dead-letter\n"
    "table and do not fail the run. A summary goes to standard error.\n";

/* Opens an output: "-" is standard output. */
static FILE *open_output(const char *path, pw_error *err)
{
    if (strcmp(path, "-") == 0)
        return stdout;
    FILE *f = fopen(path, "w");
    if (!f)
        pw_error_set(err, PW_EIO, path, 0, 0, "cannot write: %s", strerror(errno));
    return f;
}

static void close_output(FILE *f)
{
    if (f && f != stdout)
        fclose(f);
    else if (f)
        fflush(f);
}

/* The rules path: --rules, else the config's rules_dir; a default rules_dir that does
 * not exist here falls back to the rules shipped with the source tree. */
static const char *rules_path(const char *given, const pw_config *cfg)
{
    if (given)
        return given;
    struct stat st;
    if (cfg->source || stat(cfg->rules_dir, &st) == 0)
        return cfg->rules_dir;
    return PW_SOURCE_DIR "/rules";
}

int pw_cli_screen(int argc, char **argv)
{
    static const struct option opts[] = {{"db", required_argument, NULL, 'd'},
                                         {"rules", required_argument, NULL, 'r'},
                                         {"config", required_argument, NULL, 'c'},
                                         {"threads", required_argument, NULL, 't'},
                                         {"input-format", required_argument, NULL, 'f'},
                                         {"alerts-out", required_argument, NULL, 'o'},
                                         {"report", required_argument, NULL, 'p'},
                                         {"batch", required_argument, NULL, 'b'},
                                         {"watch", no_argument, NULL, 'w'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *db = NULL, *rules = NULL, *config = NULL, *alerts_out = NULL, *report = NULL;
    const char *format_name = "auto";
    long threads = -1, batch = 0;
    bool watch = false;
    int c;
    char *end;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'r': rules = optarg; break;
        case 'c': config = optarg; break;
        case 'f': format_name = optarg; break;
        case 'o': alerts_out = optarg; break;
        case 'p': report = optarg; break;
        case 't':
            threads = strtol(optarg, &end, 10);
            if (*end || threads < 0 || threads > PW_CONFIG_MAX_THREADS)
                return pw_cli_usage_error("screen", "--threads takes a number from 0 to 1024");
            break;
        case 'b':
            batch = strtol(optarg, &end, 10);
            if (*end || batch < 1 || batch > 1000000)
                return pw_cli_usage_error("screen", "--batch takes a number from 1 to 1000000");
            break;
        case 'w': watch = true; break;
        case 'h': fputs(usage_screen, stdout); return 0;
        case ':': return pw_cli_usage_error("screen", "an option needs a value");
        default: return pw_cli_usage_error("screen", "unknown option");
        }
    }
    if (optind >= argc)
        return pw_cli_usage_error("screen", "no input (give files, or '-' for standard input)");
    enum pw_input_format format;
    if (pw_input_format_parse(format_name, &format))
        return pw_cli_usage_error("screen", "unknown --input-format (auto, jsonl, csv, paxlst)");
    const char *const *inputs = (const char *const *)argv + optind;
    size_t n_inputs = (size_t)(argc - optind);

    pw_error err = {0};
    for (size_t i = 0; i < n_inputs; i++)
        if (!pw_cli_readable(inputs[i], &err))
            return pw_cli_fail(&err);

    pw_config cfg = {0};
    pw_store *store = NULL;
    pw_snapshot_cell *cell = NULL;
    pw_reloader *reloader = NULL;
    pw_alert_queue *queue = NULL;
    FILE *alerts_file = NULL, *report_file = NULL;
    int rc = config ? pw_config_load(config, &cfg, &err) : pw_config_defaults(&cfg);
    if (rc)
        goto fail;
    if (!db)
        db = cfg.database;
    const char *rpath = rules_path(rules, &cfg);
    rc = pw_store_open(db, &store, &err);
    if (rc)
        goto fail;
    pw_errlist rule_errors = {0};
    pw_snapshot *snap = NULL;
    rc = pw_snapshot_build(store, rpath, &cfg, &snap, &rule_errors, &err);
    pw_errlist_print(&rule_errors, stderr);
    pw_errlist_free(&rule_errors);
    if (rc)
        goto fail;
    size_t n_entries = pw_index_entry_count(snap->index);
    rc = pw_snapshot_cell_new(snap, &cell, &err);
    if (rc) {
        pw_snapshot_free(snap);
        goto fail;
    }
    if (n_entries == 0)
        fprintf(stderr, "paxwatch: warning: no watchlist in %s; only rules can raise alerts\n",
                db);
    if (watch) {
        pw_reloader_options ropts = {
            .cell = cell, .db_path = db, .rules_path = rpath, .config_path = config};
        rc = pw_reloader_start(&ropts, &reloader, &err);
        if (rc)
            goto fail;
    }

    if (alerts_out && !(alerts_file = open_output(alerts_out, &err))) {
        rc = PW_EIO;
        goto fail;
    }
    if (report && !(report_file = open_output(report, &err))) {
        rc = PW_EIO;
        goto fail;
    }
    pw_alert_queue_options qopts = {.store = store, .jsonl = alerts_file, .report = report_file};
    rc = pw_alert_queue_open(&qopts, &queue, &err);
    if (rc)
        goto fail;

    pw_screen_options sopts = {
        .snapshots = cell,
        .threads = threads >= 0 ? (int)threads : cfg.threads,
        .format = format,
        .store = store,
        .queue = queue,
        .batch_size = (size_t)batch,
    };
    pw_screen_stats st;
    rc = pw_screen_files(inputs, n_inputs, &sopts, &st, &err);
    long reloads = pw_reloader_stop(reloader);
    reloader = NULL;
    if (rc)
        goto fail;
    char detail[256];
    snprintf(detail, sizeof detail, "records=%ld rejected=%ld alerts=%ld new_alerts=%ld",
             st.records, st.rejected, st.alerts, st.new_alerts);
    pw_store_audit(store, "cli", "screen.run", "run", detail, NULL);
    fflush(stdout); /* the report and alerts on standard output come before the summary */
    double rate = st.seconds > 0 ? (double)st.records / st.seconds : 0;
    fprintf(stderr,
            "screened %ld records in %.2f s (%.0f records/s, %d threads) against %zu entries; "
            "%ld rejected (dead-letter table); %ld alerts (%ld new), %ld hits; "
            "latency p50 %.1f us, p99 %.1f us; peak memory %.1f MiB\n",
            st.records, st.seconds, rate, st.threads, n_entries, st.rejected,
            st.alerts, st.new_alerts, st.hits, st.p50_us, st.p99_us,
            (double)st.peak_rss_kb / 1024.0);
    if (watch)
        fprintf(stderr, "reloaded %ld time%s during the run\n", reloads, reloads == 1 ? "" : "s");
fail:
    pw_reloader_stop(reloader);
    close_output(alerts_file);
    close_output(report_file);
    pw_alert_queue_close(queue);
    pw_snapshot_cell_free(cell);
    pw_store_close(store);
    pw_config_free(&cfg);
    return rc ? pw_cli_fail(&err) : 0;
}
