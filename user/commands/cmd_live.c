// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * pcrwatch live (and `pcrwatch` alone): the live grid of CPUs x counters.
 * Full screen on a terminal (live_curses.c); plain periodic text when
 * stdout is not one (live_text.c).
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pcrwatch.h"
#include "live.h"
#include "resv_store.h"
#include "resv_text.h"

static int live_usage(FILE *f, int rc)
{
	fprintf(f,
		"Usage: pcrwatch live [-i SECONDS] [-n COUNT] [-s SORT] [-f "
		"TEXT]\n"
		"                     [-c] [-a] [--text] [--cpu LIST] "
		"[--collapse|--per-cpu]\n"
		"       pcrwatch           (no arguments: the same, with "
		"defaults)\n\n"
		"Live grid of CPUs x hardware counters: in each cell the "
		"owner's layer\n"
		"(U user, K kernel, H hypervisor, F firmware, ? "
		"unattributed, - none),\n"
		"identity and event, with flags ! conflict, R reserved, ~ "
		"multiplexed.\n"
		"MUX is the CPU's run ratio (1: no multiplexing), WAIT its "
		"events that\n"
		"want a counter and have none. Columns are counter slots "
		"(arm64 cycle\n"
		"counter: ctr31; x86 fixed counter j: ctr32+j). Full screen "
		"on a\n"
		"terminal; plain text every interval when stdout is not "
		"one.\n\n"
		"  -i, --interval SECONDS  refresh period (default 1, 0.05 "
		"to 3600)\n"
		"  -n, --iterations COUNT  stop after COUNT refreshes "
		"(default: never)\n"
		"  -s, --sort KEY          cpu, busy, conflicts or mux "
		"(default cpu)\n"
		"  -f, --filter TEXT       only CPUs with an owner, event, "
		"layer or\n"
		"                          path containing TEXT\n"
		"  -c, --conflicts         only CPUs with conflicts\n"
		"  -a, --all               text mode: list idle CPUs too\n"
		"      --text              plain text even on a terminal\n"
		"      --cpu LIST          only these CPUs (\"0-3,8\")\n"
		"      --collapse          neighbouring CPUs whose rows read "
		"the same share\n"
		"                          one (\"0-383\"): the default past "
		"16 CPUs\n"
		"      --per-cpu           a row for each CPU: the default up "
		"to 16 CPUs\n"
		"  -h, --help              this text\n\n"
		"Keys (full screen): q quit, f or space freeze, s next "
		"sort, / filter,\n"
		"c conflicts only, r refresh now, arrows/PgUp/PgDn/Home/End "
		"scroll,\n"
		"? help.\n"
		"Exit status: 0 ok, 1 the model could not be read, 2 bad "
		"flag or value.\n");
	return rc;
}

int cmd_live(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "interval", required_argument, NULL, 'i' },
		{ "iterations", required_argument, NULL, 'n' },
		{ "sort", required_argument, NULL, 's' },
		{ "filter", required_argument, NULL, 'f' },
		{ "conflicts", no_argument, NULL, 'c' },
		{ "all", no_argument, NULL, 'a' },
		{ "text", no_argument, NULL, 'T' },
		{ "cpu", required_argument, NULL, 'C' },
		{ "collapse", no_argument, NULL, 'M' },
		{ "per-cpu", no_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct live_opts o = { .interval = 1.0, .per_cpu = -1 };
	const char *cpus = NULL;
	char why[160];
	bool text = false;
	struct model m;
	char *end;
	int opt, err, s;

	while ((opt = pcrw_getopt("live", argc, argv, "i:n:s:f:cah", opts)) !=
	       -1) {
		switch (opt) {
		case 'i':
			errno = 0;
			o.interval = strtod(optarg, &end);
			if (errno || end == optarg || *end ||
			    !isfinite(o.interval) || o.interval < 0.05 ||
			    o.interval > 3600)
				return pcrw_usage_error(
					"live",
					"bad --interval '%s': seconds from "
					"0.05 to 3600",
					optarg);
			break;
		case 'n':
			errno = 0;
			o.iterations = strtol(optarg, &end, 10);
			if (errno || end == optarg || *end || o.iterations < 1)
				return pcrw_usage_error(
					"live",
					"bad --iterations '%s': a count of 1 "
					"or more",
					optarg);
			break;
		case 's':
			s = live_sort_parse(optarg);
			if (s < 0)
				return pcrw_usage_error(
					"live",
					"bad --sort '%s': cpu, busy, conflicts "
					"or mux",
					optarg);
			o.sort = (enum live_sort)s;
			break;
		case 'f':
			if (strlen(optarg) >= sizeof(o.filter))
				return pcrw_usage_error("live",
							"--filter is longer "
							"than %zu characters",
							sizeof(o.filter) - 1);
			strcpy(o.filter, optarg);
			break;
		case 'c':
			o.conflicts_only = true;
			break;
		case 'a':
			o.all_cpus = true;
			break;
		case 'T':
			text = true;
			break;
		case 'C': /* parsed once the CPUs are known */
			cpus = optarg;
			break;
		case 'M':
		case 'P':
			o.per_cpu = opt == 'P';
			break;
		case 'h':
			return live_usage(stdout, PCRW_EXIT_OK);
		default:
			return PCRW_EXIT_USAGE;
		}
	}
	if (optind < argc)
		return pcrw_usage_error("live", "unexpected argument '%s'",
					argv[optind]);

	if (!text) {
		const char *term = getenv("TERM");

		text = !isatty(STDOUT_FILENO) || !isatty(STDIN_FILENO) ||
		       !term || !term[0] || !strcmp(term, "dumb");
	}
	model_init(&m);
	if (cpus) {
		/* The model's CPUs: a fixture's machine is not this one. */
		model_collect(&m);
		o.by_cpu = true;
		if (resv_parse_cpus(cpus, m.nr_cpus, o.cpus, why,
				    sizeof(why))) {
			model_free(&m);
			return pcrw_usage_error("live", "--cpu: %s", why);
		}
	}
	err = text ? -ENOTTY : live_curses_run(&m, &o);
	if (err == -ENOTTY) {
		if (!text)
			pcrw_warn("this terminal ($TERM) is unknown to curses: "
				  "plain text instead");
		err = live_text_run(&m, &o);
	}
	model_free(&m);
	return err ? PCRW_EXIT_ERROR : PCRW_EXIT_OK;
}
