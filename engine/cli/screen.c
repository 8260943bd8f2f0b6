/*
 * paxwatch screen: loads the configuration and rules, builds the watchlist snapshot
 * from the store's current list versions, and runs the pipeline over the inputs.
 * Alerts go to the store and, when asked, to a JSON Lines stream (--alerts-out) and
 * a readable report (--report); the run's summary goes to standard error.
 * With --watch and a directory as the input, it runs a spool (pipeline/spool.c) until
 * SIGINT or SIGTERM, which stop it after the file in hand (read through a signalfd).
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "pipeline/pipeline.h"

static const char usage_screen[] =
    "usage: paxwatch screen --db DB [--rules PATH] [--config FILE] [--threads N]\n"
    "                       [--input-format auto|jsonl|csv|paxlst] [--alerts-out FILE|-]\n"
    "                       [--report FILE|-] [--watch] INPUT...\n"
    "       paxwatch screen --db DB [options] --watch [--once] SPOOL_DIR\n"
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
    "  --batch N          records per database transaction (default 10000; a\n"
    "                     transaction is committed after 250 ms at the latest)\n"
    "  --watch            while screening, rebuild and swap in the rules and watchlists\n"
    "                     when a rule file changes, a list is re-imported, or on SIGHUP\n"
    "  --once             with a spool directory: screen the files there, then stop\n"
    "\n"
    "INPUT '-' reads standard input. Bad records are counted, kept in the dead-letter\n"
    "table and do not fail the run. A summary goes to standard error.\n"
    "\n"
    "With --watch and a directory, paxwatch runs a spool: it screens each file renamed\n"
    "into SPOOL_DIR (write it as .NAME or NAME.tmp, then rename it), and once its\n"
    "records and alerts are committed moves it to SPOOL_DIR/done/, or to\n"
    "SPOOL_DIR/failed/ with NAME.error when it could not be read or held no record.\n"
    "Killed, it screens the unfinished file again at the next start, duplicating\n"
    "nothing. SIGINT or SIGTERM stop it after the file in hand.\n";

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
                                         {"once", no_argument, NULL, 'O'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *db = NULL, *rules = NULL, *config = NULL, *alerts_out = NULL, *report = NULL;
    const char *format_name = "auto";
    long threads = -1, batch = 0;
    bool watch = false, once = false;
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
        case 'O': once = true; break;
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
    struct stat input_st;
    const char *spool_dir = NULL;
    if (n_inputs == 1 && stat(inputs[0], &input_st) == 0 && S_ISDIR(input_st.st_mode)) {
        if (!watch)
            return pw_cli_usage_error("screen", "the input is a directory: to screen the files "
                                                "dropped into it, give --watch DIR");
        spool_dir = inputs[0];
    } else if (once) {
        return pw_cli_usage_error("screen", "--once goes with --watch and a spool directory");
    }
    for (size_t i = 0; !spool_dir && i < n_inputs; i++)
        if (!pw_cli_readable(inputs[i], &err))
            return pw_cli_fail(&err);

    pw_config cfg = {0};
    pw_store *store = NULL;
    pw_snapshot_cell *cell = NULL;
    pw_reloader *reloader = NULL;
    pw_alert_queue *queue = NULL;
    int stop_fd = -1;
    FILE *alerts_file = NULL, *report_file = NULL;
    int rc = config ? pw_config_load(config, &cfg, &err) : pw_config_defaults(&cfg);
    if (rc)
        goto out;
    if (!db)
        db = cfg.database;
    const char *rpath = rules_path(rules, &cfg);
    rc = pw_store_open(db, &store, &err);
    if (rc)
        goto out;
    pw_errlist rule_errors = {0};
    pw_snapshot *snap = NULL;
    rc = pw_snapshot_build(store, rpath, &cfg, &snap, &rule_errors, &err);
    pw_errlist_print(&rule_errors, stderr);
    pw_errlist_free(&rule_errors);
    if (rc)
        goto out;
    size_t n_entries = pw_index_entry_count(snap->index);
    rc = pw_snapshot_cell_new(snap, &cell, &err);
    if (rc) {
        pw_snapshot_free(snap);
        goto out;
    }
    if (n_entries == 0)
        fprintf(stderr, "paxwatch: warning: no watchlist in %s; only rules can raise alerts\n",
                db);
    if (spool_dir) {
        /* Blocked before any thread starts, so that every thread inherits the mask and
         * the signals reach only the signalfd the spool polls. */
        sigset_t stop_signals;
        sigemptyset(&stop_signals);
        sigaddset(&stop_signals, SIGINT);
        sigaddset(&stop_signals, SIGTERM);
        pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);
        if ((stop_fd = signalfd(-1, &stop_signals, SFD_CLOEXEC)) < 0) {
            rc = pw_error_set(&err, PW_EIO, NULL, 0, 0, "cannot receive signals: %s",
                              strerror(errno));
            goto out;
        }
    }
    if (watch) {
        pw_reloader_options ropts = {
            .cell = cell, .db_path = db, .rules_path = rpath, .config_path = config};
        rc = pw_reloader_start(&ropts, &reloader, &err);
        if (rc)
            goto out;
    }

    if (alerts_out && !(alerts_file = open_output(alerts_out, &err))) {
        rc = PW_EIO;
        goto out;
    }
    if (report && !(report_file = open_output(report, &err))) {
        rc = PW_EIO;
        goto out;
    }
    pw_alert_queue_options qopts = {.store = store, .jsonl = alerts_file, .report = report_file};
    rc = pw_alert_queue_open(&qopts, &queue, &err);
    if (rc)
        goto out;

    pw_screen_options sopts = {
        .snapshots = cell,
        .threads = threads >= 0 ? (int)threads : cfg.threads,
        .format = format,
        .store = store,
        .queue = queue,
        .batch_size = (size_t)batch,
        .store_records = cfg.store_records,
    };
    if (spool_dir) {
        /* one flight file after another: the workers' state stays warm across files */
        if (!(sopts.scratch = pw_screen_scratch_new())) {
            rc = pw_error_set(&err, PW_ENOMEM, NULL, 0, 0, "out of memory");
            goto out;
        }
        pw_spool_options spopts = {
            .dir = spool_dir, .screen = &sopts, .once = once, .stop_fd = stop_fd, .log = stderr};
        pw_spool_stats sp;
        fprintf(stderr, "spool: watching %s against %zu entries%s\n", spool_dir, n_entries,
                once ? " (once)" : "; SIGINT or SIGTERM stop it");
        rc = pw_spool_run(&spopts, &sp, &err);
        pw_screen_scratch_free(sopts.scratch);
        long spool_reloads = pw_reloader_stop(reloader);
        reloader = NULL;
        if (rc)
            goto out;
        char spool_detail[256];
        snprintf(spool_detail, sizeof spool_detail,
                 "files_done=%ld files_failed=%ld records=%ld rejected=%ld alerts=%ld "
                 "new_alerts=%ld",
                 sp.files_done, sp.files_failed, sp.records, sp.rejected, sp.alerts,
                 sp.new_alerts);
        pw_store_audit(store, "cli", "screen.spool", spool_dir, spool_detail, NULL);
        fflush(stdout);
        fprintf(stderr,
                "spool stopped: %ld files done, %ld failed; %ld records, %ld rejected "
                "(dead-letter table); %ld alerts (%ld new); reloaded %ld time%s\n",
                sp.files_done, sp.files_failed, sp.records, sp.rejected, sp.alerts,
                sp.new_alerts, spool_reloads, spool_reloads == 1 ? "" : "s");
        goto out;
    }
    pw_screen_stats st;
    rc = pw_screen_files(inputs, n_inputs, &sopts, &st, &err);
    long reloads = pw_reloader_stop(reloader);
    reloader = NULL;
    if (rc)
        goto out;
    char detail[256];
    snprintf(detail, sizeof detail, "records=%ld rejected=%ld alerts=%ld new_alerts=%ld",
             st.records, st.rejected, st.alerts, st.new_alerts);
    pw_store_audit(store, "cli", "screen.run", "run", detail, NULL);
    fflush(stdout); /* the report and alerts on standard output come before the summary */
    double rate = st.seconds > 0 ? (double)st.records / st.seconds : 0;
    fprintf(stderr,
            "screened %ld records in %.2f s (%.0f records/s, %d threads) against %zu entries; "
            "%ld rejected (dead-letter table); %ld alerts (%ld new), %ld hits; "
            "latency p50 %.1f us, p99 %.1f us; peak memory %.1f MiB; "
            "%ld data-quality findings (paxwatch quality)\n",
            st.records, st.seconds, rate, st.threads, n_entries, st.rejected,
            st.alerts, st.new_alerts, st.hits, st.p50_us, st.p99_us,
            (double)st.peak_rss_kb / 1024.0, st.findings);
    if (watch)
        fprintf(stderr, "reloaded %ld time%s during the run\n", reloads, reloads == 1 ? "" : "s");
out:
    pw_reloader_stop(reloader);
    if (stop_fd >= 0)
        close(stop_fd);
    close_output(alerts_file);
    close_output(report_file);
    pw_alert_queue_close(queue);
    pw_snapshot_cell_free(cell);
    pw_store_close(store);
    pw_config_free(&cfg);
    return rc ? pw_cli_fail(&err) : 0;
}
