// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * pcrwatch: who holds which hardware performance counter on which CPU, and
 * reservations that keep a counter its owner's. This file parses the global
 * options and hands the rest to one subcommand.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>

#include "pcrwatch.h"
#include "kernel_probe.h"

#ifndef PCRWATCH_VERSION
#define PCRWATCH_VERSION "0.1"
#endif

struct command {
	const char *name;
	pcrw_cmd_fn fn;
	const char *summary;
};

/* The command table: one row per subcommand, each in user/cmd_<name>.c.
 * The exporter's row has no function in a build without it (no
 * PCRW_HAVE_SERVE), which says so when asked for. */
#ifdef PCRW_HAVE_SERVE
#define SERVE_FN cmd_serve
#else
#define SERVE_FN NULL
#endif
static const struct command commands[] = {
	{ "live", cmd_live,
	  "full-screen live view of counter ownership (default)" },
	{ "attach", cmd_attach,
	  "pin the BPF programs: tracking and vetoes outlive pcrwatch" },
	{ "detach", cmd_detach, "unpin the BPF programs" },
	{ "who", cmd_who, "which process holds which counter, now" },
	{ "events", cmd_events,
	  "conflicts, vetoes and ownership changes as they happen" },
	{ "timeline", cmd_timeline,
	  "who held which counter over time, as an SVG picture" },
	{ "reserve", cmd_reserve,
	  "reserve counters for a principal; prints the cookie once" },
	{ "release", cmd_release,
	  "release a reservation (needs its management cookie)" },
	{ "grant", cmd_grant,
	  "grant a reservation's counters to another principal" },
	{ "list", cmd_list, "list reservations in force" },
	{ "policy", cmd_policy,
	  "load or check a declarative reservation policy" },
	{ "enforce", cmd_enforce,
	  "run the enforcer: vetoes on reserved counters" },
	{ "serve", SERVE_FN,
	  "Prometheus exporter for ownership and contention" },
	{ "probe", cmd_probe,
	  "is the PMU native, virtualized or absent; read costs" },
	{ "selftest", cmd_selftest, "check what this kernel lets pcrwatch do" },
	{ "agent", cmd_agent,
	  "the service: attach, keep the policy, log every event" },
	{ "place", cmd_place,
	  "place tasks so that their counters never multiplex" },
	{ NULL, NULL, NULL },
};

static const struct command *find_command(const char *name)
{
	const struct command *c;

	for (c = commands; c->name; c++)
		if (!strcmp(c->name, name))
			return c;
	return NULL;
}

static void usage(FILE *f)
{
	const struct command *c;

	fprintf(f, "Usage: pcrwatch [-v] [COMMAND [ARGS...]]\n\n"
		   "Shows who holds which hardware performance counter on "
		   "which CPU,\n"
		   "catches one user reprogramming another's counter, and "
		   "enforces\n"
		   "counter reservations (Platform Counter Reservation in "
		   "software).\n\n"
		   "Commands:\n");
	for (c = commands; c->name; c++)
		fprintf(f, "  %-9s %s%s\n", c->name, c->summary,
			c->fn ? "" : " [not in this build]");
	fprintf(f, "\nOptions:\n"
		   "  -v, --verbose  show libbpf's own log\n"
		   "  -h, --help     this text; `pcrwatch COMMAND --help` for "
		   "a command\n"
		   "  -V, --version  print the version\n\n"
		   "Exit status: 0 ok, 1 error, 2 usage, 3 unsupported here, 4 "
		   "denied.\n");
}

void pcrw_command_usage_to_stderr(const char *name)
{
	const struct command *c = find_command(name);
	char arg0[32], arg1[] = "--help";
	char *argv[] = { arg0, arg1, NULL };
	int saved;

	if (!c || !c->fn)
		return;
	snprintf(arg0, sizeof(arg0), "%s", name);
	fflush(stdout);
	saved = dup(STDOUT_FILENO);
	if (saved < 0 || dup2(STDERR_FILENO, STDOUT_FILENO) < 0)
		goto out;
	optind = 0; /* a fresh getopt scan of {name, "--help"} */
	c->fn(2, argv);
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
out:
	if (saved >= 0)
		close(saved);
}

/* Leading global options; anything else starting with '-' belongs to the
 * default command, so `pcrwatch -i 2` is `pcrwatch live -i 2`. Returns the
 * index of the first argument that is not a global option, or -1 when the
 * program is done (help, version). */
static int parse_globals(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) {
			pcrw_opts.verbose = true;
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return -1;
		} else if (!strcmp(a, "-V") || !strcmp(a, "--version")) {
			printf("pcrwatch %s\n", PCRWATCH_VERSION);
			return -1;
		} else {
			break;
		}
	}
	return i;
}

int main(int argc, char **argv)
{
	const struct command *cmd;
	const char *name = "live";
	char **sub_argv;
	int first, sub_argc;

	first = parse_globals(argc, argv);
	if (first < 0)
		return PCRW_EXIT_OK;
	if (first < argc && argv[first][0] != '-') {
		name = argv[first];
		sub_argv = argv + first;
		sub_argc = argc - first;
	} else {
		/* The default command with the remaining options: argv[first -
		 * 1] becomes its argv[0], as getopt expects a name there. */
		argv[first - 1] = (char *)name;
		sub_argv = argv + first - 1;
		sub_argc = argc - first + 1;
	}
	pcrw_setup_libbpf_log();
	if (geteuid() == 0)
		ensure_kernel_fs();
	cmd = find_command(name);
	if (!cmd) {
		fprintf(stderr, "pcrwatch: unknown command '%s'\n\n", name);
		usage(stderr);
		return PCRW_EXIT_USAGE;
	}
	if (!cmd->fn) {
		pcrw_err("'%s' is not built into this binary", name);
		return PCRW_EXIT_UNSUPPORTED;
	}
	optind = 0; /* full getopt reset: the subcommand parses its own flags */
	return cmd->fn(sub_argc, sub_argv);
}
