// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * who_json.c - the JSON form of the ownership model (who.h): `who --json`,
 * which the fuzzer checks against its own reader.
 */
#include <stdio.h>

#include "model.h"
#include "names.h"
#include "json.h"
#include "who.h"
#include "who_filter.h"
#include "place_format.h"
#include "resv_text.h"
#include "../../bpf/perf_iter.h"

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
