// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * pcrwatch: who holds which hardware performance counter on which CPU, and
 * reservations that keep a counter its owner's. This file parses the global
 * options and hands the rest to one subcommand.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <getopt.h>
#include <unistd.h>
#include <bpf/libbpf.h>

#include "pcrwatch.h"
#include "kernel_probe.h"

#ifndef PCRWATCH_VERSION
#define PCRWATCH_VERSION "0.1"
#endif

struct pcrw_globals pcrw_opts;

struct command {
	const char *name;
	pcrw_cmd_fn fn;
	const char *summary;
};

/* Filled at run time: the weak symbols of commands not built in are NULL. */
static const struct command *find_command(const char *name)
{
	static struct command commands[] = {
		{ "live", NULL, "full-screen live view of counter ownership (default)" },
		{ "attach", NULL, "pin the BPF programs: tracking and vetoes outlive pcrwatch" },
		{ "detach", NULL, "unpin the BPF programs" },
		{ "who", NULL, "which process holds which counter, now" },
		{ "events", NULL, "conflicts, vetoes and ownership changes as they happen" },
		{ "reserve", NULL, "reserve counters for a principal; prints the cookie once" },
		{ "release", NULL, "release a reservation (needs its management cookie)" },
		{ "grant", NULL, "grant a reservation's counters to another principal" },
		{ "list", NULL, "list reservations in force" },
		{ "policy", NULL, "load or check a declarative reservation policy" },
		{ "enforce", NULL, "run the enforcer: vetoes on reserved counters" },
		{ "serve", NULL, "Prometheus exporter for ownership and contention" },
		{ "probe", NULL, "is the PMU native, virtualized or absent; read costs" },
		{ "selftest", NULL, "check what this kernel lets pcrwatch do" },
		{ NULL, NULL, NULL },
	};
	pcrw_cmd_fn fns[] = { cmd_live, cmd_attach, cmd_detach, cmd_who, cmd_events, cmd_reserve,
			      cmd_release, cmd_grant, cmd_list, cmd_policy,
			      cmd_enforce, cmd_serve, cmd_probe, cmd_selftest };
	struct command *c;
	size_t i;

	for (i = 0; commands[i].name; i++)
		commands[i].fn = fns[i];
	if (!name)
		return commands;
	for (c = commands; c->name; c++)
		if (!strcmp(c->name, name))
			return c;
	return NULL;
}

static void usage(FILE *f)
{
	const struct command *c;

	fprintf(f, "Usage: pcrwatch [-v] [COMMAND [ARGS...]]\n\n"
		   "Shows who holds which hardware performance counter on which CPU,\n"
		   "catches one user reprogramming another's counter, and enforces\n"
		   "counter reservations (Platform Counter Reservation in software).\n\n"
		   "Commands:\n");
	for (c = find_command(NULL); c->name; c++)
		fprintf(f, "  %-9s %s%s\n", c->name, c->summary,
			c->fn ? "" : " [not in this build]");
	fprintf(f, "\nOptions:\n"
		   "  -v, --verbose  show libbpf's log and debug messages\n"
		   "  -h, --help     this text; `pcrwatch COMMAND --help` for a command\n"
		   "  -V, --version  print the version\n\n"
		   "Exit status: 0 ok, 1 error, 2 usage, 3 unsupported here, 4 denied.\n");
}

static void vlog(const char *prefix, const char *fmt, va_list ap)
{
	fprintf(stderr, "pcrwatch: %s", prefix);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void pcrw_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog("", fmt, ap);
	va_end(ap);
}

void pcrw_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog("warning: ", fmt, ap);
	va_end(ap);
}

void pcrw_debug(const char *fmt, ...)
{
	va_list ap;

	if (!pcrw_opts.verbose)
		return;
	va_start(ap, fmt);
	vlog("debug: ", fmt, ap);
	va_end(ap);
}

int pcrw_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "pcrwatch %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'pcrwatch %s --help'.\n", cmd);
	return PCRW_EXIT_USAGE;
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	if (!pcrw_opts.verbose)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

void pcrw_setup_libbpf_log(void)
{
	libbpf_set_print(libbpf_print);
}

int main(int argc, char **argv)
{
	static const struct option long_opts[] = {
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const struct command *cmd;
	const char *name = "live";
	int opt, first;

	/* '+': stop at the first non-option, the subcommand's own flags follow. */
	while ((opt = getopt_long(argc, argv, "+vhV", long_opts, NULL)) != -1) {
		switch (opt) {
		case 'v':
			pcrw_opts.verbose = true;
			break;
		case 'h':
			usage(stdout);
			return PCRW_EXIT_OK;
		case 'V':
			printf("pcrwatch %s\n", PCRWATCH_VERSION);
			return PCRW_EXIT_OK;
		default:
			usage(stderr);
			return PCRW_EXIT_USAGE;
		}
	}
	pcrw_setup_libbpf_log();
	if (geteuid() == 0)
		ensure_kernel_fs();
	first = optind;
	if (first < argc)
		name = argv[first];
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
	if (first < argc)
		return cmd->fn(argc - first, argv + first);
	return cmd->fn(1, (char *[]){ (char *)name, NULL });
}
