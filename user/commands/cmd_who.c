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

/* How the perf source found an event (bpf/perf_iter.h). */
static const char *found_name(__u32 how)
{
	switch (how) {
	case PCRW_FOUND_FILE:
		return "fd";
	case PCRW_FOUND_CHILD:
		return "inherited";
	case PCRW_FOUND_TASK_CTX:
		return "task-context";
	case PCRW_FOUND_CPU_CTX:
		return "cpu-context";
	default:
		return "";
	}
}

void who_record_json(struct json *j, const struct owner_record *r)
{
	double mux;

	json_object_begin(j, NULL);
	json_i64(j, "cpu", r->cpu);
	json_i64(j, "hw_idx", r->hw_idx);
	json_i64(j, "slot", r->slot);
	json_str(j, "layer", who_layer(r));
	json_str(j, "path", path_name(r->path));
	json_bool(j, "attributed", r->attributed);
	json_u64(j, "pid", r->owner.tgid);
	json_u64(j, "tid", r->owner.pid);
	json_strn(j, "comm", r->owner.comm, sizeof(r->owner.comm));
	json_u64(j, "uid", r->owner.uid);
	json_u64(j, "cgroup_id", r->owner.cgroup_id);
	json_str(j, "pmu", r->pmu);
	json_u64(j, "type", r->pmu_type);
	json_hex(j, "config", r->config);
	json_str(j, "event", r->event);
	json_str(j, "scope", r->task_scope ? "task" : "cpu");
	json_bool(j, "pinned", r->pinned);
	json_bool(j, "exclusive", r->exclusive);
	json_str(j, "state", state_name(r->state));
	json_u64(j, "time_enabled", r->time_enabled);
	json_u64(j, "time_running", r->time_running);
	json_double(j, "running_ratio", who_running_ratio(r));
	if (model_mux_ratio(r, &mux))
		json_double(j, "mux_ratio", mux);
	else
		json_null(j, "mux_ratio");
	json_bool(j, "never_ran", who_never_ran(r));
	json_u64(j, "reservation_id", r->reservation_id);
	json_bool(j, "holder", r->holder);
	json_bool(j, "waiting", model_waiting(r));
	json_u64(j, "conflicts", r->conflicts);
	if (r->path == PCRW_PATH_PERF || r->found_by) {
		json_str(j, "found", found_name(r->found_by));
		json_u64(j, "target_pid", r->target_tgid);
	}
	json_object_end(j);
}

static void who_resv_json(struct json *j, const struct model_resv *r)
{
	char buf[192], cpus[PCRW_CPULIST_LEN];
	__u32 i;
	int s;

	json_object_begin(j, NULL);
	json_u64(j, "id", r->id);
	json_str(j, "source", who_resv_source(r));
	json_strn(j, "label", r->label, sizeof(r->label));
	json_array_begin(j, "principals");
	for (i = 0; i < r->nr_principals && i < PCRW_MAX_GRANTS; i++) {
		resv_format_principal(&r->principals[i], buf, sizeof(buf));
		json_str(j, NULL, buf);
	}
	json_array_end(j);
	resv_format_cpus(r->cpus, cpus, sizeof(cpus));
	json_str(j, "cpus", cpus);
	json_bool(j, "whole_pmu", r->whole_pmu);
	json_array_begin(j, "slots");
	for (s = 0; s < 64 && !r->whole_pmu; s++)
		if ((r->slot_mask >> s) & 1)
			json_i64(j, NULL, s);
	json_array_end(j);
	json_u64(j, "holder_events", r->holder_events);
	if (r->source == MODEL_RESV_MODULE) {
		who_resv_module_state(r, buf, sizeof(buf));
		json_str(j, "module_state", buf);
		snprintf(buf, sizeof(buf), "0x%x", r->control);
		json_str(j, "control", buf);
	}
	json_object_end(j);
}

void who_model_json(FILE *f, const struct model *m)
{
	static const struct who_filter all;

	who_model_json_filtered(f, m, &all);
}

void who_model_json_filtered(FILE *f, const struct model *m,
			     const struct who_filter *wf)
{
	struct placement p;
	struct json j;
	size_t i;
	int n;

	json_init(&j, f);
	json_object_begin(&j, NULL);
	json_object_begin(&j, "pmu");
	json_bool(&j, "present", m->pmu.present);
	json_str(&j, "name", m->pmu.name);
	json_i64(&j, "type", m->pmu.type);
	json_i64(&j, "counters", m->pmu.nr_gp);
	json_i64(&j, "fixed_counters", m->pmu.nr_fixed);
	json_bool(&j, "virtualized", m->pmu.virtualized);
	json_str(&j, "hypervisor", m->pmu.hypervisor);
	json_object_end(&j);
	json_i64(&j, "cpus", m->nr_cpus);
	json_array_begin(&j, "events");
	for (i = 0; i < m->nr_recs; i++)
		if (who_filter_match(wf, &m->recs[i]))
			who_record_json(&j, &m->recs[i]);
	json_array_end(&j);
	json_array_begin(&j, "reservations");
	for (i = 0; i < m->nr_resv; i++)
		who_resv_json(&j, &m->resv[i]);
	json_array_end(&j);
	json_array_begin(&j, "placement");
	if (!place_of_model(m, &p)) {
		for (i = 0; i < p.nr_tasks; i++)
			place_task_json(&j, &p, &p.task[i]);
		place_free(&p);
	}
	json_array_end(&j);
	json_array_begin(&j, "notes");
	for (n = 0; n < m->nr_notes; n++)
		json_str(&j, NULL, m->notes[n]);
	json_array_end(&j);
	json_object_end(&j);
	fputc('\n', f);
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
