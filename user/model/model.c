// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The ownership model: collect every source, then merge so that each
 * counter slot has exactly one current owner record.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "component.h"
#include "event_counts.h"
#include "model.h"
#include "kernel_probe.h"
#include "hypervisor.h"

/* What the hypervisor detection found, once per process: it reads the
 * kernel log and sysfs, and none of it changes while we run. */
static const struct hv_info *hypervisor(void)
{
	static struct hv_info hv;
	static bool done;

	if (!done) {
		hv_detect(&hv);
		done = true;
	}
	return &hv;
}

static void collect_pmu_info(struct model *m)
{
	const struct hv_info *hv = hypervisor();
	struct pmu_info *p = &m->pmu;

	m->nr_cpus = (int)sysconf(_SC_NPROCESSORS_CONF);
	p->present = probe_hw_pmu(p->name, sizeof(p->name));
	p->type = p->present ? probe_pmu_type(p->name) : -1;
	p->virtualized = hv->present;
	snprintf(p->hypervisor, sizeof(p->hypervisor), "%.31s", hv->name);
	/* The kernel's own count: x86 "generic registers: N"; arm64 "N
	 * counters available", the cycle counter among them. */
	if (p->present && hv->pmu_counters > 0) {
#if defined(__aarch64__)
		p->nr_gp = hv->pmu_counters - 1;
		p->nr_fixed = 1;
#else
		p->nr_gp = hv->pmu_counters;
#endif
	}
	if (!p->present && hv->present)
		model_note(m,
			   "no hardware PMU in this guest (%s): only software "
			   "events exist, no counter can be held",
			   hv->name[0] ? hv->name : "unknown hypervisor");
	else if (!p->present)
		model_note(m, "no hardware PMU on this machine: only software "
			      "events exist, no counter can be held");
	if (!p->present && hv->present)
		model_note(m, "the hypervisor gives this guest no vPMU");
}

/* An active record sits on a real counter: (cpu, slot) names it. */
static bool same_slot(const struct owner_record *a,
		      const struct owner_record *b)
{
	return a->state == SLOT_ACTIVE && b->state == SLOT_ACTIVE &&
	       a->cpu >= 0 && a->slot >= 0 && a->cpu == b->cpu &&
	       a->slot == b->slot;
}

/* Prefer the perf driver's view (it knows the event) over the MSR shadow
 * of the same slot, and any attributed record over an unattributed one. */
static bool better(const struct owner_record *a, const struct owner_record *b)
{
	if (a->attributed != b->attributed)
		return a->attributed;
	return a->path == PCRW_PATH_PERF && b->path != PCRW_PATH_PERF;
}

/*
 * Merge: two active records on the same (cpu, slot) describe one counter
 * seen by two sources (say perf and the MSR shadow); keep the better one,
 * carrying over the conflict count and reservation of the other.
 */
static void merge_slots(struct model *m)
{
	size_t i, j, out = 0;

	for (i = 0; i < m->nr_recs; i++) {
		struct owner_record *r = &m->recs[i];
		bool dropped = false;

		/* Only records on a counter can share one: the rest (most of
		 * them, with thousands of events) skip the quadratic scan. */
		if (r->state != SLOT_ACTIVE || r->cpu < 0 || r->slot < 0) {
			m->recs[out++] = *r;
			continue;
		}
		for (j = 0; j < out; j++) {
			struct owner_record *kept = &m->recs[j];

			if (!same_slot(kept, r))
				continue;
			kept->conflicts += r->conflicts;
			if (!kept->reservation_id)
				kept->reservation_id = r->reservation_id;
			if (better(r, kept)) {
				r->conflicts = kept->conflicts;
				r->reservation_id = kept->reservation_id;
				*kept = *r;
			}
			dropped = true;
			break;
		}
		if (!dropped)
			m->recs[out++] = *r;
	}
	m->nr_recs = out;
}

static void run_source(struct model *m, const char *name,
		       int (*fn)(struct model *))
{
	int err = fn(m);

	if (err)
		model_note(m, "%s source failed: %s", name, strerror(-err));
}

int model_collect(struct model *m)
{
	const char *fixture = getenv("PCRWATCH_FIXTURE");
	const struct component *const *c;
	int err;

	model_clear(m);
	if (fixture && fixture[0]) {
		err = fixture_source_collect(m, fixture);
		model_link_reservations(m);
		model_settle(m);
		return err;
	}
	collect_pmu_info(m);
	for (c = components(); *c; c++)
		if ((*c)->collect)
			run_source(m, (*c)->source_name, (*c)->collect);
	event_counts_collect(m);
	/* The host's mediated vPMU: a source no program group feeds. */
	run_source(m, "mediated vPMU", mediated_source_collect);
	merge_slots(m);
	model_link_reservations(m);
	model_settle(m);
	return 0;
}
