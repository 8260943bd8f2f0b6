/*
 * paxwatch quality: the data-quality report per sender and flight, as a liaison officer
 * would send it back to an airline.
 *
 * For each (sender, flight, departure) it prints what was received (messages,
 * travellers sent and screened), then one row per kind of finding with its count, the
 * travellers concerned and their share of the flight's travellers (for message-level
 * kinds: the share of messages), and the first examples as message reference, segment
 * number and tag, and what is wrong. The summary holds no personal data: no names, no
 * document numbers, no dates of birth; --details lists every finding with its record id
 * for the officer's own follow-up.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "store/store.h"

int pw_cli_quality(int argc, char **argv);

static const char usage_quality[] =
    "usage: paxwatch quality --db DB [--sender S] [--flight F] [--details]\n"
    "\n"
    "Prints the data-quality report of what was screened: per sender (the PAXLST\n"
    "interchange sender, else the carrier) and flight, the messages and travellers\n"
    "received and the count of each kind of finding (travellers without a date of birth\n"
    "or a document, expired or malformed documents, unknown country codes, invalid\n"
    "dates, placeholder names, control-count mismatches ...), with percentages and the\n"
    "first examples by message reference and segment. No names are printed.\n"
    "\n"
    "  --db DB        the database screened into\n"
    "  --sender S     only this sender\n"
    "  --flight F     only this flight: carrier and number (QQ827) or the number\n"
    "  --details      also list every finding with its record id\n";

/* What each kind is called in the report. */
static const char *const kind_labels[PW_FINDING__COUNT] = {
    [PW_FINDING_MESSAGE] = "messages received",
    [PW_FINDING_MISSING_DOB] = "no date of birth",
    [PW_FINDING_MISSING_DOCUMENT] = "no travel document",
    [PW_FINDING_EXPIRED_DOCUMENT] = "expired document",
    [PW_FINDING_MALFORMED_DOCUMENT] = "malformed document",
    [PW_FINDING_UNKNOWN_COUNTRY] = "unknown country code",
    [PW_FINDING_INVALID_DATE] = "invalid date",
    [PW_FINDING_UNKNOWN_CODE] = "unknown code",
    [PW_FINDING_INVALID_FIELD] = "invalid field",
    [PW_FINDING_PLACEHOLDER_NAME] = "placeholder name",
    [PW_FINDING_COUNT_MISMATCH] = "CNT count mismatch",
    [PW_FINDING_CONTROL_MISMATCH] = "UNT/UNE/UNZ mismatch",
    [PW_FINDING_STRUCTURE] = "structure",
    [PW_FINDING_REJECTED] = "rejected (dead letter)",
};

/* "-" for an empty column. */
static const char *or_dash(const char *s)
{
    return s && *s ? s : "-";
}

/* Prints at most max bytes of s, cut at a UTF-8 boundary, with "..." when cut. */
static void print_cut(const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n <= max) {
        fputs(s, stdout);
        return;
    }
    while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80)
        max--;
    printf("%.*s...", (int)max, s);
}

/* The example's position: "msg 1402111800 seg 110 CNT" (segment in the message),
 * "interchange 42 seg 7 UNZ" (segment in the file), or "line 4" (other formats). */
static void print_where(const pw_quality_example *e)
{
    if (e->message_ref[0])
        printf("msg %s seg %ld%s%s", e->message_ref, e->line, e->segment[0] ? " " : "", e->segment);
    else if (e->interchange_ref[0] && e->line > 0)
        printf("interchange %s seg %ld%s%s", e->interchange_ref, e->line, e->segment[0] ? " " : "",
               e->segment);
    else if (e->interchange_ref[0])
        printf("interchange %s", e->interchange_ref);
    else if (e->line > 0)
        printf("%s %ld%s%s", e->segment[0] ? "segment" : "line", e->line, e->segment[0] ? " " : "",
               e->segment);
    else
        fputs("input", stdout);
}

static void print_group(const pw_quality_group *g)
{
    if (g->carrier[0] || g->flight_number[0] || g->departure[0])
        printf("sender %s  flight %s%s  departure %s\n", or_dash(g->sender), g->carrier,
               g->flight_number, or_dash(g->departure));
    else
        printf("sender %s  (interchange level: no flight)\n", or_dash(g->sender));
    if (g->messages || g->travellers_sent || g->travellers)
        printf("  received: %ld message%s, %ld traveller%s; screened: %ld traveller%s\n",
               g->messages, g->messages == 1 ? "" : "s", g->travellers_sent,
               g->travellers_sent == 1 ? "" : "s", g->travellers, g->travellers == 1 ? "" : "s");
    /* Shares of travellers: of those the messages sent, or of the stored records when
     * that is more (formats without messages); with store_records: alerted only the
     * alerted records are stored, so the messages' count is the one that holds. */
    long base = g->travellers_sent > g->travellers ? g->travellers_sent : g->travellers;
    bool any = false;
    for (int k = PW_FINDING_MISSING_DOB; k < PW_FINDING__COUNT; k++) {
        const pw_quality_count *c = &g->kinds[k];
        if (c->findings == 0)
            continue;
        if (!any)
            printf("  %-24s %6s %10s %7s  %s\n", "finding", "count", "travellers", "share",
                   "first examples");
        any = true;
        bool traveller = pw_finding_kind_is_traveller((enum pw_finding_kind)k);
        char share[16] = "-", who[16] = "-";
        if (traveller) {
            snprintf(who, sizeof who, "%ld", c->travellers);
            if (base > 0)
                snprintf(share, sizeof share, "%.1f%%",
                         100.0 * (double)c->travellers / (double)base);
        } else if (g->messages > 0 && k != PW_FINDING_STRUCTURE) {
            snprintf(share, sizeof share, "%.1f%%",
                     100.0 * (double)(c->findings < g->messages ? c->findings : g->messages) /
                         (double)g->messages);
        }
        printf("  %-24s %6ld %10s %7s  ", kind_labels[k], c->findings, who, share);
        for (size_t i = 0; i < c->n_examples; i++) {
            const pw_quality_example *e = &c->examples[i];
            if (i)
                printf("\n  %-24s %6s %10s %7s  ", "", "", "", "");
            print_where(e);
            fputs(": ", stdout);
            print_cut(e->detail, 100);
        }
        putchar('\n');
    }
    if (!any)
        puts("  no findings");
    putchar('\n');
}

/* --details: one line per finding. */
static void print_finding(void *ctx, const pw_finding *f)
{
    long *n = ctx;
    if ((*n)++ == 0)
        puts("findings (kind | sender | flight | departure | message | segment | field | "
             "record | detail):");
    printf("%s | %s | %s%s | %s | %s | %ld %s | %s | %s | %s\n", pw_finding_kind_name(f->kind),
           or_dash(f->sender), f->carrier ? f->carrier : "",
           f->flight_number ? f->flight_number : (f->carrier ? "" : "-"), or_dash(f->departure),
           or_dash(f->message_ref), f->line, f->segment ? f->segment : "", or_dash(f->field),
           or_dash(f->record_id), or_dash(f->detail));
}

int pw_cli_quality(int argc, char **argv)
{
    static const struct option opts[] = {
        {"db", required_argument, NULL, 'd'},     {"sender", required_argument, NULL, 's'},
        {"flight", required_argument, NULL, 'f'}, {"details", no_argument, NULL, 'D'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0}};
    const char *db = NULL, *sender = NULL, *flight = NULL;
    bool details = false;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        switch (c) {
        case 'd':
            db = optarg;
            break;
        case 's':
            sender = optarg;
            break;
        case 'f':
            flight = optarg;
            break;
        case 'D':
            details = true;
            break;
        case 'h':
            fputs(usage_quality, stdout);
            return 0;
        case ':':
            return pw_cli_usage_error("quality", "an option needs a value");
        default:
            return pw_cli_usage_error("quality", "unknown option");
        }
    }
    if (optind < argc)
        return pw_cli_usage_error("quality", "unexpected argument");
    if (!db)
        return pw_cli_usage_error("quality", "--db is required");

    pw_error err = {0};
    pw_store *store = NULL;
    pw_quality_group *groups = NULL;
    size_t n = 0;
    int rc = pw_store_open(db, &store, &err);
    if (rc == 0)
        rc = pw_store_quality(store, sender, flight, &groups, &n, &err);
    if (rc == 0) {
        printf("data quality by sender and flight (%s)%s%s%s%s\n\n", db, sender ? ", sender " : "",
               sender ? sender : "", flight ? ", flight " : "", flight ? flight : "");
        if (n == 0)
            puts("no data-quality findings\n");
        for (size_t i = 0; i < n; i++)
            print_group(&groups[i]);
        if (details) {
            long count = 0;
            rc = pw_store_each_finding(store, sender, flight, print_finding, &count, &err);
        }
    }
    free(groups);
    pw_store_close(store);
    return rc ? pw_cli_fail(&err) : 0;
}
