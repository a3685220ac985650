// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * pcrwatch who: the one-shot answer to "which process is using the PMU?":
 * every hardware counter user with its owner, event, state and counter.
 */
#include <errno.h>
#include <getopt.h>
#include <string.h>

#include "pcrwatch.h"
#include "model.h"
#include "names.h"
#include "sanitize.h"
#include "json.h"
#include "who.h"
#include "who_filter.h"
#include "who_rows.h"
#include "place_format.h"
#include "resv_store.h"
#include "resv_text.h"
#include "../../bpf/perf_iter.h"

static int who_usage(FILE *f, int rc)
{
	fprintf(f,
		"Usage: pcrwatch who [--json] [--all] [--cpu LIST] [--pid PID] "
		"[--uid UID]\n"
		"                    [--cgroup ID|PATH] [--collapse|--per-cpu]"
		"\n\n"
		"List every hardware performance counter user: CPU, slot and "
		"the kernel's\ncounter index, "
		"owner layer and identity (pid, comm, cgroup), event, "
		"state\n(idle: its task is not on its CPU; inactive: it could "
		"run and has no\ncounter; off: it or its group leader is "
		"disabled), reservation, and RUN:\nhow much of the time it "
		"could run it ran (below 1: multiplexed; 0: never\n"
		"scheduled, which is why such a counter reads 0; -: it never "
		"ran and cannot\nrun now).\n\n"
		"  -j, --json        one JSON document: "
		"{\"pmu\":{...},\"events\":[...],\n"
		"                    \"reservations\":[...],\"notes\":[...]} "
		"(docs/JSON.md);\n"
		"                    the filters choose its events\n"
		"  -a, --all         also list software perf events (they "
		"hold no counter)\n"
		"  --cpu LIST        only events on these CPUs (\"0-3,8\"; a "
		"per-task event\n"
		"                    while its task runs there)\n"
		"  --pid PID         only events PID opened or that count it\n"
		"  --uid UID         only events of processes of UID\n"
		"  --cgroup ID|PATH  only events of that cgroup (its id, or "
		"its cgroup2\n"
		"                    path, as in cgroup:PATH)\n"
		"  --collapse        rows that differ only in their CPU "
		"printed once, with\n"
		"                    their CPUs (0-383): the default past "
		"16 CPUs\n"
		"  --per-cpu         a row for each CPU: the default up to "
		"16 CPUs\n");
	return rc;
}

static void print_reservations(const struct model *m)
{
	char label[160], slots[192];
	size_t i;

	for (i = 0; i < m->nr_resv; i++) {
		who_resv_label(&m->resv[i], label, sizeof(label));
		who_resv_slots(&m->resv[i], slots, sizeof(slots));
		printf("%s: slots %s, %u holder event%s\n", label, slots,
		       m->resv[i].holder_events,
		       m->resv[i].holder_events == 1 ? "" : "s");
	}
}

static int print_text(const struct model *m, const struct who_filter *f,
		      bool per_cpu)
{
	char text[sizeof(m->notes[0])];
	int n, shown;

	if (m->pmu.present)
		printf("PMU %s (type %d), %d CPUs\n",
		       san_term(text, sizeof(text), m->pmu.name,
				sizeof(m->pmu.name)),
		       m->pmu.type, m->nr_cpus);
	else
		printf("No hardware PMU on this machine: no hardware counter "
		       "exists to hold.\n");
	shown = who_print_rows(m, f, per_cpu);
	if (shown < 0)
		return -ENOMEM;
	if (!shown && m->nr_recs)
		printf("(no hardware counter user matches the filters)\n");
	/* With a source missing or failing, "none in use" would be a guess. */
	else if (!m->nr_recs && m->nr_notes)
		printf("(no hardware counter user seen: see the notes)\n");
	else if (!m->nr_recs)
		printf("(no hardware counter is in use)\n");
	print_reservations(m);
	place_print_lines(stdout, m);
	for (n = 0; n < m->nr_notes; n++)
		printf("note: %s\n", san_term(text, sizeof(text), m->notes[n],
					      sizeof(m->notes[n])));
	return 0;
}

int cmd_who(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "all", no_argument, NULL, 'a' },
		{ "cpu", required_argument, NULL, 'c' },
		{ "pid", required_argument, NULL, 'p' },
		{ "uid", required_argument, NULL, 'u' },
		{ "cgroup", required_argument, NULL, 'g' },
		{ "per-cpu", no_argument, NULL, 'P' },
		{ "collapse", no_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct who_filter f = { 0 };
	const char *cpus = NULL;
	bool json = false, all = false;
	int per_cpu = -1; /* -1: by the machine's size */
	char err_text[160];
	struct model m;
	int opt, err;

	while ((opt = pcrw_getopt("who", argc, argv, "jah", opts)) != -1) {
		switch (opt) {
		case 'j':
			json = true;
			break;
		case 'a':
			all = true;
			break;
		case 'c': /* parsed against the model's CPUs, once read */
			cpus = optarg;
			break;
		case 'p':
		case 'u':
		case 'g':
			if (who_filter_parse(&f, opt, optarg, 0, err_text,
					     sizeof(err_text)))
				return pcrw_usage_error("who", "%s", err_text);
			break;
		case 'P':
		case 'C':
			per_cpu = opt == 'P';
			break;
		case 'h':
			return who_usage(stdout, PCRW_EXIT_OK);
		default:
			return PCRW_EXIT_USAGE;
		}
	}
	if (optind < argc)
		return pcrw_usage_error("who", "unexpected argument '%s'",
					argv[optind]);
	model_init(&m);
	m.include_software = all;
	err = model_collect(&m);
	if (cpus && who_filter_parse(&f, 'c', cpus, m.nr_cpus, err_text,
				     sizeof(err_text))) {
		model_free(&m);
		return pcrw_usage_error("who", "--cpu: %s", err_text);
	}
	if (json)
		who_model_json_filtered(stdout, &m, &f);
	else
		err = print_text(&m, &f,
				 per_cpu < 0 ? m.nr_cpus <= WHO_PER_CPU_MAX
					     : per_cpu)
			      ?: err;
	model_free(&m);
	return err ? PCRW_EXIT_ERROR : PCRW_EXIT_OK;
}
