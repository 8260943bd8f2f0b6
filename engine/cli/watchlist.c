/*
 * paxwatch watchlist import | list. Import streams the importer's entries straight
 * into one store transaction (a new list version); rejected rows go to the
 * dead-letter table in the same transaction and are summarised by field. A failed
 * import rolls back, so the previous version stays current.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "ingest/ingest.h"
#include "store/store.h"

#define MAX_SHOWN_REJECTS 20
#define MAX_REASON_KINDS 32

typedef struct import_ctx {
    pw_store_import *imp;
    long stored;
    long by_type[4]; /* stored entries by enum pw_entry_type */
    long rejected;
    struct {
        char field[64];
        long count;
    } reasons[MAX_REASON_KINDS];
    size_t n_reasons;
} import_ctx;

/* Counts a rejected row by the field at fault and shows the first few. */
static void on_reject(void *ctx, const pw_reject *rej)
{
    import_ctx *c = ctx;
    if (rej->warning) {
        fprintf(stderr, "%s:%ld: warning: %s\n", rej->source ? rej->source : "-", rej->line,
                rej->reason);
        return;
    }
    pw_store_import_reject(c->imp, rej);
    if (c->rejected++ < MAX_SHOWN_REJECTS)
        fprintf(stderr, "%s:%ld: %s%s%s\n", rej->source ? rej->source : "-", rej->line,
                rej->field ? rej->field : "", rej->field ? ": " : "", rej->reason);
    else if (c->rejected == MAX_SHOWN_REJECTS + 1)
        fprintf(stderr, "(further rejected rows are in the dead-letter table)\n");
    const char *field = rej->field ? rej->field : "row";
    for (size_t i = 0; i < c->n_reasons; i++)
        if (strcmp(c->reasons[i].field, field) == 0) {
            c->reasons[i].count++;
            return;
        }
    if (c->n_reasons < MAX_REASON_KINDS) {
        snprintf(c->reasons[c->n_reasons].field, sizeof c->reasons[0].field, "%s", field);
        c->reasons[c->n_reasons++].count = 1;
    }
}

/* Writes an entry; a duplicate id within the release is rejected, not fatal. */
static int on_entry(void *ctx, const pw_entry *e, pw_error *err)
{
    import_ctx *c = ctx;
    int rc = pw_store_import_entry(c->imp, e, err);
    if (rc == PW_EINVAL) {
        char where[64];
        const char *colon = e->source_ref ? strrchr(e->source_ref, ':') : NULL;
        long line = colon ? strtol(colon + 1, NULL, 10) : 0;
        snprintf(where, sizeof where, "%s", e->source_ref ? e->source_ref : "-");
        if (colon && (size_t)(colon - e->source_ref) < sizeof where)
            where[colon - e->source_ref] = '\0';
        pw_reject rej = {.kind = "watchlist",
                         .source = where,
                         .line = line,
                         .field = "entry_id",
                         .reason = err ? err->msg : "duplicate entry"};
        on_reject(ctx, &rej);
        return 0;
    }
    if (rc == 0) {
        c->stored++;
        if ((unsigned)e->type < 4)
            c->by_type[e->type]++;
    }
    return rc;
}

static const char usage_import[] =
    "usage: paxwatch watchlist import --db DB --list NAME --format FORMAT FILE...\n"
    "\n"
    "Imports a watchlist release as a new version of list NAME, in one transaction:\n"
    "a failed import leaves the previous version current.\n"
    "\n"
    "  --db DB          SQLite database (created when absent)\n"
    "  --list NAME      the list's name (UN, OFAC, ...)\n"
    "  --format FORMAT  csv (native, see watchlists/README.md) | ofac-sdn | un-xml\n"
    "                   ofac-sdn takes sdn.csv and, when given, alt.csv and add.csv\n"
    "\n"
    "Bad rows are reported with file:line and reason, skipped, and kept in the\n"
    "database's dead-letter table.\n";

int pw_cli_watchlist_import(int argc, char **argv)
{
    static const struct option opts[] = {{"db", required_argument, NULL, 'd'},
                                         {"list", required_argument, NULL, 'l'},
                                         {"format", required_argument, NULL, 'f'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *db = NULL, *list = NULL, *format_name = NULL;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'l': list = optarg; break;
        case 'f': format_name = optarg; break;
        case 'h': fputs(usage_import, stdout); return 0;
        case ':': return pw_cli_usage_error("watchlist import", "an option needs a value");
        default: return pw_cli_usage_error("watchlist import", "unknown option");
        }
    }
    if (!db || !list || !format_name)
        return pw_cli_usage_error("watchlist import", "--db, --list and --format are required");
    if (optind >= argc)
        return pw_cli_usage_error("watchlist import", "no input file");
    enum pw_list_format format;
    if (pw_list_format_parse(format_name, &format))
        return pw_cli_usage_error("watchlist import",
                                  "unknown --format (use csv, ofac-sdn or un-xml)");
    pw_error err = {0};
    const char *const *paths = (const char *const *)argv + optind;
    size_t n_paths = (size_t)(argc - optind);
    for (size_t i = 0; i < n_paths; i++)
        if (!pw_cli_readable(paths[i], &err))
            return pw_cli_fail(&err);

    pw_strbuf sources = {0};
    for (size_t i = 0; i < n_paths; i++) {
        const char *base = strrchr(paths[i], '/');
        pw_strbuf_printf(&sources, "%s%s", i ? ", " : "", base ? base + 1 : paths[i]);
    }
    pw_store *store = NULL;
    import_ctx ctx = {0};
    int rc = pw_store_open(db, &store, &err);
    if (rc == 0)
        rc = pw_store_import_begin(store, list, format_name, sources.data, &ctx.imp, &err);
    pw_import_stats stats = {0};
    if (rc == 0) {
        pw_import_callbacks cb = {.entry = on_entry, .reject = on_reject, .ctx = &ctx};
        rc = pw_import_list(format, paths, n_paths, &cb, &stats, &err);
    }
    int version = 0;
    if (rc == 0)
        rc = pw_store_import_commit(ctx.imp, &version, &err);
    else
        pw_store_import_abort(ctx.imp);
    pw_strbuf_free(&sources);
    if (rc) {
        pw_store_close(store);
        if (ctx.imp || rc != PW_EDB)
            fprintf(stderr, "paxwatch: import failed; the previous version of '%s' is unchanged\n",
                    list);
        return pw_cli_fail(&err);
    }
    printf("imported %s version %d (%s): %ld entries (%ld individuals, %ld entities, %ld "
           "vessels, %ld aircraft) from %ld rows; %ld skipped\n",
           list, version, format_name, ctx.stored, ctx.by_type[PW_ENTRY_INDIVIDUAL],
           ctx.by_type[PW_ENTRY_ENTITY], ctx.by_type[PW_ENTRY_VESSEL],
           ctx.by_type[PW_ENTRY_AIRCRAFT], stats.rows, ctx.rejected);
    for (size_t i = 0; i < ctx.n_reasons; i++)
        printf("  skipped %ld for %s\n", ctx.reasons[i].count, ctx.reasons[i].field);
    pw_store_close(store);
    return 0;
}

static const char usage_list[] = "usage: paxwatch watchlist list --db DB\n"
                                 "\n"
                                 "Shows the current version of every imported list.\n";

int pw_cli_watchlist_list(int argc, char **argv)
{
    static const struct option opts[] = {{"db", required_argument, NULL, 'd'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *db = NULL;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'h': fputs(usage_list, stdout); return 0;
        case ':': return pw_cli_usage_error("watchlist list", "an option needs a value");
        default: return pw_cli_usage_error("watchlist list", "unknown option");
        }
    }
    if (!db)
        return pw_cli_usage_error("watchlist list", "--db is required");
    if (optind < argc)
        return pw_cli_usage_error("watchlist list", "unexpected argument");
    pw_error err = {0};
    if (!pw_cli_readable(db, &err))
        return pw_cli_fail(&err);
    pw_store *store;
    if (pw_store_open(db, &store, &err))
        return pw_cli_fail(&err);
    pw_watchlist_info *lists = NULL;
    size_t n = 0;
    int rc = pw_store_watchlists(store, &lists, &n, &err);
    pw_store_close(store);
    if (rc)
        return pw_cli_fail(&err);
    printf("%-16s %7s %8s %11s %8s %-9s %-24s %s\n", "LIST", "VERSION", "ENTRIES",
           "INDIVIDUALS", "ENTITIES", "FORMAT", "IMPORTED", "SOURCES");
    for (size_t i = 0; i < n; i++)
        printf("%-16s %7d %8ld %11ld %8ld %-9s %-24s %s\n", lists[i].name, lists[i].version,
               lists[i].entries, lists[i].individuals, lists[i].entities, lists[i].format,
               lists[i].imported_at, lists[i].sources);
    if (n == 0)
        printf("(no watchlist imported yet)\n");
    free(lists);
    return 0;
}
