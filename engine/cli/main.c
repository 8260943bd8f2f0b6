/*
 * paxwatch: the command line. Each subcommand parses its own options with
 * getopt_long, does its work through the library's public headers, prints results on
 * standard output and a one-line reason on standard error when it cannot complete
 * (exit 1; 2 for bad usage). Commands and formats follow CONTRACT.md.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"

/* paxwatch rules test | stats (engine/cli/rules.c). */
int pw_cli_rules_test(int argc, char **argv);
int pw_cli_rules_stats(int argc, char **argv);

static const char usage_main[] =
    "usage: paxwatch <command> [options]\n"
    "\n"
    "Screens travellers against watchlists and risk rules.\n"
    "\n"
    "commands:\n"
    "  watchlist import   import a watchlist as a new version\n"
    "  watchlist list     show the current version of every list\n"
    "  screen             screen traveller records and raise alerts\n"
    "  rules check        validate rule files\n"
    "  rules test         run the rules' embedded tests; back-test them with --db\n"
    "  rules stats        hits, alerts and decisions per rule and version\n"
    "  quality            data-quality report per sender and flight\n"
    "\n"
    "  paxwatch --version\n"
    "  paxwatch <command> --help\n";

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs(usage_main, stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0) {
        printf("paxwatch %s\n", PW_VERSION);
        return 0;
    }
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        fputs(usage_main, stdout);
        return 0;
    }
    if (strcmp(cmd, "screen") == 0)
        return pw_cli_screen(argc - 1, argv + 1);
    if (strcmp(cmd, "quality") == 0) {
        int pw_cli_quality(int argc, char **argv); /* cli/quality.c */
        return pw_cli_quality(argc - 1, argv + 1);
    }
    if (strcmp(cmd, "watchlist") == 0 || strcmp(cmd, "rules") == 0) {
        const char *sub = argc > 2 ? argv[2] : "";
        bool watchlist = cmd[0] == 'w';
        if (watchlist && strcmp(sub, "import") == 0)
            return pw_cli_watchlist_import(argc - 2, argv + 2);
        if (watchlist && strcmp(sub, "list") == 0)
            return pw_cli_watchlist_list(argc - 2, argv + 2);
        if (!watchlist && strcmp(sub, "check") == 0)
            return pw_cli_rules_check(argc - 2, argv + 2);
        if (!watchlist && strcmp(sub, "test") == 0)
            return pw_cli_rules_test(argc - 2, argv + 2);
        if (!watchlist && strcmp(sub, "stats") == 0)
            return pw_cli_rules_stats(argc - 2, argv + 2);
        if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0) {
            printf("usage: paxwatch %s\n", watchlist ? "watchlist import|list [options]"
                                                     : "rules check|test|stats [options]");
            return 0;
        }
        fprintf(stderr, "paxwatch: unknown %s command '%s' (try: paxwatch %s --help)\n", cmd,
                sub, cmd);
        return 2;
    }
    fprintf(stderr, "paxwatch: unknown command '%s' (try: paxwatch --help)\n", cmd);
    return 2;
}

int pw_cli_fail(const pw_error *err)
{
    fputs("paxwatch: ", stderr);
    pw_error_print(err, stderr);
    return 1;
}

int pw_cli_usage_error(const char *cmd, const char *msg)
{
    fprintf(stderr, "paxwatch %s: %s (try: paxwatch %s --help)\n", cmd, msg, cmd);
    return 2;
}

bool pw_cli_readable(const char *path, pw_error *err)
{
    if (strcmp(path, "-") == 0)
        return true;
    struct stat st;
    if (stat(path, &st) != 0 || access(path, R_OK) != 0) {
        pw_error_set(err, PW_EIO, path, 0, 0, "cannot read input: %s", strerror(errno));
        return false;
    }
    if (S_ISDIR(st.st_mode)) {
        pw_error_set(err, PW_EIO, path, 0, 0, "cannot read input: is a directory");
        return false;
    }
    return true;
}
