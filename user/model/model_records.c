// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The ownership model's record list and notes: plain memory, no kernel
 * access, so the unit tests link this file as it is. model.c collects.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

void model_init(struct model *m)
{
	memset(m, 0, sizeof(*m));
}

void model_free(struct model *m)
{
	free(m->recs);
	free(m->resv);
	model_init(m);
}

void model_clear(struct model *m)
{
	struct owner_record *recs = m->recs;
	struct model_resv *resv = m->resv;
	size_t cap = m->cap_recs, cap_resv = m->cap_resv;
	bool sw = m->include_software;

	memset(m, 0, sizeof(*m));
	m->recs = recs;
	m->cap_recs = cap;
	m->resv = resv;
	m->cap_resv = cap_resv;
	m->include_software = sw;
}

const char *state_name(enum slot_state s)
{
	static const char *const names[] = {
		[SLOT_ACTIVE] = "active", [SLOT_INACTIVE] = "inactive",
		[SLOT_ERROR] = "error",	  [SLOT_OFF] = "off",
		[SLOT_IDLE] = "idle",	  [SLOT_FREE] = "free",
	};

	return (unsigned int)s < sizeof(names) / sizeof(names[0]) ? names[s]
								  : "unknown";
}

int model_add(struct model *m, const struct owner_record *r)
{
	struct owner_record *grown;
	size_t cap;

	if (m->nr_recs == m->cap_recs) {
		cap = m->cap_recs ? m->cap_recs * 2 : 64;
		grown = realloc(m->recs, cap * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		m->recs = grown;
		m->cap_recs = cap;
	}
	m->recs[m->nr_recs++] = *r;
	return 0;
}

void model_note(struct model *m, const char *fmt, ...)
{
	va_list ap;
	int i;

	/* The same degradation reported twice (two sources) is said once. */
	char line[sizeof(m->notes[0])];

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	for (i = 0; i < m->nr_notes; i++)
		if (!strcmp(m->notes[i], line))
			return;
	if (m->nr_notes < MODEL_MAX_NOTES)
		memcpy(m->notes[m->nr_notes++], line, sizeof(line));
}

int model_add_resv(struct model *m, const struct model_resv *r)
{
	struct model_resv *grown;
	size_t cap;

	if (m->nr_resv == m->cap_resv) {
		cap = m->cap_resv ? m->cap_resv * 2 : 8;
		grown = realloc(m->resv, cap * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		m->resv = grown;
		m->cap_resv = cap;
	}
	m->resv[m->nr_resv++] = *r;
	return 0;
}

static bool resv_covers_cpu(const struct model_resv *r, int cpu)
{
	return cpu >= 0 && cpu < PCRW_MAX_CPUS &&
	       (r->cpus[cpu / 64] >> (cpu % 64)) & 1;
}

const struct model_resv *model_resv_at(const struct model *m, int cpu, int slot)
{
	size_t i;

	if (slot < 0 || slot >= 64)
		return NULL;
	for (i = 0; i < m->nr_resv; i++) {
		const struct model_resv *r = &m->resv[i];

		if (resv_covers_cpu(r, cpu) &&
		    (r->whole_pmu || (r->slot_mask >> slot) & 1))
			return r;
	}
	return NULL;
}

/* Is @o one of @r's principals? A cgroup principal is matched on the
 * owner's own cgroup only: its descendants need the kernel's ancestry. */
static bool resv_holds(const struct model_resv *r, const struct pcrw_owner *o)
{
	__u32 i;

	for (i = 0; i < r->nr_principals && i < PCRW_MAX_GRANTS; i++) {
		const struct pcr_principal *p = &r->principals[i];

		if ((p->kind == PCR_PRINC_UID && o->tgid && p->id == o->uid) ||
		    (p->kind == PCR_PRINC_PID && o->tgid && p->id == o->tgid) ||
		    (p->kind == PCR_PRINC_CGROUP && o->cgroup_id &&
		     p->id == o->cgroup_id))
			return true;
	}
	return false;
}

void model_link_reservations(struct model *m)
{
	size_t i, k;

	for (i = 0; i < m->nr_recs; i++) {
		struct owner_record *rec = &m->recs[i];
		const struct model_resv *at = NULL;

		if (rec->state == SLOT_ACTIVE)
			at = model_resv_at(m, rec->cpu, rec->slot);
		if (at)
			rec->reservation_id = at->id;
		for (k = 0; k < m->nr_resv; k++) {
			struct model_resv *r = &m->resv[k];

			if (!rec->attributed || !resv_holds(r, &rec->owner))
				continue;
			if (at && at->id != r->id)
				continue; /* a holder of another one's slot */
			if (!at && rec->cpu >= 0 &&
			    !resv_covers_cpu(r, rec->cpu))
				continue;
			rec->reservation_id = r->id;
			rec->holder = true;
			r->holder_events++;
			break;
		}
	}
}

bool model_waiting(const struct owner_record *r)
{
	return r->state == SLOT_INACTIVE || r->state == SLOT_ERROR;
}

/* The kernel schedules a group by its leader: with the leader off (PAPI
 * stops its event set that way), an inactive member waits for nothing.
 * A task's event runs only while its task is on a CPU, and a per-CPU copy
 * of it (perf record of a task: one per CPU) only on its own CPU. */
static void settle_state(struct owner_record *r)
{
	if (r->state != SLOT_INACTIVE && r->state != SLOT_ERROR)
		return;
	if (r->leader_off) {
		r->state = SLOT_OFF;
		return;
	}
	if (r->state == SLOT_INACTIVE && r->task_scope && r->task_cpu_known &&
	    (r->task_cpu < 0 || (r->cpu >= 0 && r->cpu != r->task_cpu)))
		r->state = SLOT_IDLE;
}

/* Could run now, or ran: the records MUX speaks for. */
static bool mux_counts(const struct owner_record *r)
{
	return r->state == SLOT_ACTIVE || model_waiting(r) || r->time_running;
}

/* One per-CPU copy of a task event: its set is the copies of the same
 * event of the same thread for the same holder, one per CPU. */
static bool per_cpu_copy(const struct owner_record *r)
{
	return r->task_scope && r->cpu >= 0 && r->target_pid;
}

static int cmp_copy(const void *pa, const void *pb)
{
	const struct owner_record *a = *(const struct owner_record *const *)pa;
	const struct owner_record *b = *(const struct owner_record *const *)pb;

	if (a->target_pid != b->target_pid)
		return a->target_pid < b->target_pid ? -1 : 1;
	if (a->owner.tgid != b->owner.tgid)
		return a->owner.tgid < b->owner.tgid ? -1 : 1;
	if (a->pmu_type != b->pmu_type)
		return a->pmu_type < b->pmu_type ? -1 : 1;
	if (a->config != b->config)
		return a->config < b->config ? -1 : 1;
	return 0;
}

/*
 * A per-CPU copy is enabled whenever its task runs, on any CPU, but can
 * run only while the task is on the copy's CPU: its own ratio says where
 * the task ran, not whether anything competed. The set's ratio does: the
 * copies' running time summed over the time the task ran (capped: the
 * same event opened twice for one thread falls in one set).
 */
static void settle_copies(struct owner_record **set, size_t n)
{
	__u64 run = 0, ena = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		run += set[i]->time_running;
		if (set[i]->time_enabled > ena)
			ena = set[i]->time_enabled;
	}
	for (i = 0; i < n; i++) {
		if (!mux_counts(set[i]))
			continue;
		set[i]->mux_enabled = ena;
		set[i]->mux_running = run < ena ? run : ena;
	}
}

void model_settle(struct model *m)
{
	struct owner_record **copies;
	size_t i, j, n = 0;

	for (i = 0; i < m->nr_recs; i++) {
		struct owner_record *r = &m->recs[i];

		settle_state(r);
		r->mux_enabled = mux_counts(r) ? r->time_enabled : 0;
		r->mux_running = mux_counts(r) ? r->time_running : 0;
		n += per_cpu_copy(r);
	}
	copies = n ? malloc(n * sizeof(*copies)) : NULL;
	if (!copies)
		return; /* none, or no memory: each copy keeps its own ratio */
	for (i = 0, n = 0; i < m->nr_recs; i++)
		if (per_cpu_copy(&m->recs[i]))
			copies[n++] = &m->recs[i];
	qsort(copies, n, sizeof(*copies), cmp_copy);
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && !cmp_copy(&copies[i], &copies[j]); j++)
			;
		settle_copies(copies + i, j - i);
	}
	free(copies);
}

bool model_mux_ratio(const struct owner_record *r, double *ratio)
{
	if (!r->mux_enabled) {
		*ratio = 1.0;
		return r->state == SLOT_ACTIVE;
	}
	*ratio = (double)r->mux_running / (double)r->mux_enabled;
	return true;
}
