/*
 * cli: the paxwatch subcommands, one function each, called by main() with argv
 * starting at the subcommand's name. Each returns the process exit status.
 * Thread safety: called from the main thread only.
 */
#ifndef PW_CLI_H
#define PW_CLI_H

#include "core/core.h"

int pw_cli_watchlist_import(int argc, char **argv);
int pw_cli_watchlist_list(int argc, char **argv);
int pw_cli_screen(int argc, char **argv);
int pw_cli_rules_check(int argc, char **argv);

/* Prints "paxwatch: <error>" on standard error; returns exit status 1. */
int pw_cli_fail(const pw_error *err);
/* Prints a usage error for cmd; returns exit status 2. */
int pw_cli_usage_error(const char *cmd, const char *msg);
/* True when path is "-" or a readable regular file; else fills err. */
bool pw_cli_readable(const char *path, pw_error *err);

#endif
