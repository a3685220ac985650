/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * pcrwatch.h - what the subcommands of the pcrwatch tool share: the command
 * table (user/commands/pcrwatch.c) and option parsing
 * (user/commands/options.c); exit codes and messages are messages.h.
 */
#ifndef PCRWATCH_USER_H
#define PCRWATCH_USER_H

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

#include "messages.h"

/* A subcommand: argv[0] is its name; returns an enum pcrw_exit. */
typedef int (*pcrw_cmd_fn)(int argc, char **argv);

/* Subcommands, each in user/cmd_<name>.c. Every one is linked in but the
 * exporter, which a build without libmicrohttpd (the static arm64 test
 * binary) leaves out: PCRW_HAVE_SERVE says it is in. */
#define PCRW_COMMAND(name) int cmd_##name(int argc, char **argv)
PCRW_COMMAND(live);
PCRW_COMMAND(attach);
PCRW_COMMAND(detach);
PCRW_COMMAND(who);
PCRW_COMMAND(events);
PCRW_COMMAND(timeline);
PCRW_COMMAND(reserve);
PCRW_COMMAND(release);
PCRW_COMMAND(grant);
PCRW_COMMAND(list);
PCRW_COMMAND(policy);
PCRW_COMMAND(enforce);
#ifdef PCRW_HAVE_SERVE
PCRW_COMMAND(serve);
#endif
PCRW_COMMAND(probe);
PCRW_COMMAND(selftest);
PCRW_COMMAND(agent);
PCRW_COMMAND(place);
#undef PCRW_COMMAND

/* getopt_long for every command (user/commands/options.c): a bad or incomplete
 * flag is reported in one line and the command's usage, both on stderr,
 * and returned as '?', which the command answers with PCRW_EXIT_USAGE. */
int pcrw_getopt(const char *cmd, int argc, char **argv, const char *shortopts,
		const struct option *longopts);

/* The usage a command prints for --help, written to stderr instead. */
void pcrw_command_usage_to_stderr(const char *name);

/* A command whose only flag is --help: its usage and exit status for a
 * flag, -1 when there is none (optind is then the first argument). */
int pcrw_only_help(const char *cmd, int argc, char **argv,
		   int (*usage)(FILE *f, int rc));

#endif /* PCRWATCH_USER_H */
