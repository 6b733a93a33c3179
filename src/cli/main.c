/*
 * main.c - the edxreport command: a table of subcommands over the library.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "edx/common.h"

static const cli_command commands[] = {
    {"check", "read recordings and report what they are and what is wrong with them",
     cmd_check},
    {"analyze", "measure each study and print or write its findings",
     cmd_analyze},
    {"report", "write the PDF report of one study for physician review", cmd_report},
    {"batch", "analyse and report every study below a folder: the nightly run", cmd_batch},
    {"simulate", "write a simulated patient study with its known truth", cmd_simulate},
};
enum { N_COMMANDS = sizeof commands / sizeof commands[0] };

void cli_print_version(FILE *out)
{
    fprintf(out, "edxreport %s\n", edx_version());
}

static void usage(FILE *out)
{
    fprintf(out,
            "usage: edxreport <command> [options] [arguments]\n"
            "       edxreport --help | --version\n\n"
            "Analyses needle EMG and nerve conduction recordings (EDF, EDF+, BDF).\n\n"
            "commands:\n");
    for (int i = 0; i < N_COMMANDS; i++)
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\n'edxreport <command> --help' describes a command; see edxreport(1).\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return CLI_EX_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(stdout);
        return CLI_EX_OK;
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
        cli_print_version(stdout);
        return CLI_EX_OK;
    }
    for (int i = 0; i < N_COMMANDS; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "edxreport: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return CLI_EX_USAGE;
}
