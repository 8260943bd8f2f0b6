/*
 * paxwatch rules check: validates a rule file or directory, listing every error with
 * file:line:col, through the rules module.
 */
#include <string.h>

#include "cli/cli.h"
#include "rules/rules.h"

static const char usage_rules_check[] =
    "usage: paxwatch rules check PATH\n"
    "\n"
    "Validates the rule file PATH, or every *.yaml / *.yml file in the directory PATH.\n"
    "Prints every error as file:line:col: message; exits non-zero when there is any.\n";

int pw_cli_rules_check(int argc, char **argv)
{
    if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        fputs(usage_rules_check, stdout);
        return 0;
    }
    if (argc != 2 || argv[1][0] == '-')
        return pw_cli_usage_error("rules check", "give exactly one PATH");
    return pw_rules_check(argv[1], stdout) == 0 ? 0 : 1;
}
