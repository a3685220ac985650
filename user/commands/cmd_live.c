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

/* The value of flag @opt (-i, -n, -s or -f) into @o: 0 or a usage error. */
static int live_value(struct live_opts *o, int opt, const char *arg)
{
	char *end;
	int s;

	errno = 0;
	switch (opt) {
	case 'i':
		o->interval = strtod(arg, &end);
		if (errno || end == arg || *end || !isfinite(o->interval) ||
		    o->interval < 0.05 || o->interval > 3600)
			return pcrw_usage_error("live",
						"bad --interval '%s': seconds "
						"from 0.05 to 3600",
						arg);
		return 0;
	case 'n':
		o->iterations = strtol(arg, &end, 10);
		if (errno || end == arg || *end || o->iterations < 1)
			return pcrw_usage_error("live",
						"bad --iterations '%s': a "
						"count of 1 or more",
						arg);
		return 0;
	case 's':
		s = live_sort_parse(arg);
		if (s < 0)
			return pcrw_usage_error("live",
						"bad --sort '%s': cpu, busy, "
						"conflicts or mux",
						arg);
		o->sort = (enum live_sort)s;
		return 0;
	default: /* 'f' */
		if (strlen(arg) >= sizeof(o->filter))
			return pcrw_usage_error("live",
						"--filter is longer than %zu "
						"characters",
						sizeof(o->filter) - 1);
		strcpy(o->filter, arg);
		return 0;
	}
}

/* The flags into @o, @cpus (parsed once the CPUs are known) and @text:
 * 0 to go on, -1 after --help, else an enum pcrw_exit. */
static int live_parse(int argc, char **argv, struct live_opts *o,
		      const char **cpus, bool *text)
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
	int opt, rc;

	while ((opt = pcrw_getopt("live", argc, argv, "i:n:s:f:cah", opts)) !=
	       -1) {
		switch (opt) {
		case 'i':
		case 'n':
		case 's':
		case 'f':
			rc = live_value(o, opt, optarg);
			if (rc)
				return rc;
			break;
		case 'c':
			o->conflicts_only = true;
			break;
		case 'a':
			o->all_cpus = true;
			break;
		case 'T':
			*text = true;
			break;
		case 'C':
			*cpus = optarg;
			break;
		case 'M':
		case 'P':
			o->per_cpu = opt == 'P';
			break;
		case 'h':
			live_usage(stdout, PCRW_EXIT_OK);
			return -1;
		default:
			return PCRW_EXIT_USAGE;
		}
	}
	if (optind < argc)
		return pcrw_usage_error("live", "unexpected argument '%s'",
					argv[optind]);
	return 0;
}

int cmd_live(int argc, char **argv)
{
	struct live_opts o = { .interval = 1.0, .per_cpu = -1 };
	const char *cpus = NULL;
	char why[160];
	bool text = false;
	struct model m;
	int err;

	err = live_parse(argc, argv, &o, &cpus, &text);
	if (err)
		return err < 0 ? PCRW_EXIT_OK : err;
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
