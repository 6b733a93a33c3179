/*
 * cli.h - what the subcommands of the edxreport program share.
 */
#ifndef EDX_CLI_H
#define EDX_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* sysexits.h values, spelled out so the CLI does not depend on that header */
enum {
    CLI_EX_OK = 0,
    CLI_EX_FAILED = 1,     /* finished, but some inputs failed */
    CLI_EX_USAGE = 64,
    CLI_EX_DATAERR = 65,
    CLI_EX_NOINPUT = 66,
    CLI_EX_SOFTWARE = 70,
    CLI_EX_CANTCREAT = 73,
    CLI_EX_TEMPFAIL = 75,
    CLI_EX_CONFIG = 78
};

typedef struct cli_command {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv); /* argv[0] is the command name */
} cli_command;

int cmd_check(int argc, char **argv);
int cmd_simulate(int argc, char **argv);
int cmd_analyze(int argc, char **argv);
int cmd_batch(int argc, char **argv);
int cmd_report(int argc, char **argv);

/* Prints "edxreport <version>" (for --version of every subcommand). */
void cli_print_version(FILE *out);

/* A growable list of paths. */
typedef struct cli_paths {
    char **items;
    size_t count, capacity;
} cli_paths;

/* Adds a file, or every recording below a folder (sorted, recursive):
 * names ending in .edf, .bdf, .edf.gz, .bdf.gz in any case. Returns 0, or -1
 * with a message on stderr when the path does not exist. */
int cli_paths_add(cli_paths *p, const char *path);
void cli_paths_free(cli_paths *p);
bool cli_is_recording_name(const char *name);

#endif /* EDX_CLI_H */
