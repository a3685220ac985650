// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Counter-aware placement from the ownership model (place.h): each CPU's
 * counters less CPU-bound events less others' reservations, each task's
 * per-task demand, and the CPUs where that demand fits. Plain memory only,
 * so tests/unit/test_place.c links this file as it is.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "place.h"

static bool resv_on_cpu(const struct model_resv *r, int cpu)
{
	return place_cpu_in(r->cpus, cpu);
}

/* Does @r want a counter now (so it holds or waits for one)? */
static bool wants_counter(const struct owner_record *r)
{
	return r->state == SLOT_ACTIVE || r->state == SLOT_INACTIVE ||
	       r->state == SLOT_ERROR;
}

static bool cpu_bound_on(const struct owner_record *r, int cpu)
{
	return !r->task_scope && r->cpu == cpu && wants_counter(r);
}

/* Counters of @r on @cpu that no CPU-bound event of its holders uses. */
static int resv_unused(const struct model *m, const struct model_resv *r,
		       int cpu, int counters)
{
	int n = r->whole_pmu ? counters : __builtin_popcountll(r->slot_mask);
	size_t i;

	if (!resv_on_cpu(r, cpu))
		return 0;
	for (i = 0; i < m->nr_recs; i++) {
		const struct owner_record *rec = &m->recs[i];

		if (cpu_bound_on(rec, cpu) && rec->state == SLOT_ACTIVE &&
		    rec->reservation_id == r->id)
			n--;
	}
	return n > 0 ? n : 0;
}

static const struct model_resv *find_resv(const struct model *m, __u64 id)
{
	size_t i;

	for (i = 0; i < m->nr_resv && id; i++)
		if (m->resv[i].id == id)
			return &m->resv[i];
	return NULL;
}

static void fill_cpus(const struct model *m, struct placement *p)
{
	int c, counters = m->pmu.nr_gp + m->pmu.nr_fixed;
	size_t i;

	for (c = 0; c < p->nr_cpus; c++) {
		struct place_cpu *pc = &p->cpu[c];

		pc->counters = counters;
		for (i = 0; i < m->nr_recs; i++)
			pc->cpu_bound += cpu_bound_on(&m->recs[i], c);
		for (i = 0; i < m->nr_resv; i++)
			pc->reserved +=
				resv_unused(m, &m->resv[i], c, counters);
		pc->free = counters - pc->cpu_bound - pc->reserved;
		if (pc->free < 0)
			pc->free = 0;
	}
}

/* The process a per-task event counts: its target, or its owner when the
 * source could not tell (an event a task opened on itself). */
static __u32 task_of(const struct owner_record *r)
{
	return r->target_tgid ? r->target_tgid : r->owner.tgid;
}

static struct place_task *task_for(struct placement *p, __u32 tgid)
{
	size_t i;

	for (i = 0; i < p->nr_tasks; i++)
		if (p->task[i].tgid == tgid)
			return &p->task[i];
	memset(&p->task[p->nr_tasks], 0, sizeof(p->task[0]));
	p->task[p->nr_tasks].tgid = tgid;
	return &p->task[p->nr_tasks++];
}

static void gather_tasks(const struct model *m, struct placement *p)
{
	size_t i;

	for (i = 0; i < m->nr_recs; i++) {
		const struct owner_record *r = &m->recs[i];
		struct place_task *t;

		if (!r->task_scope || r->state == SLOT_OFF || !task_of(r))
			continue;
		t = task_for(p, task_of(r));
		if (!r->target_tgid) /* else its comm is the profiler's */
			snprintf(t->comm, sizeof(t->comm), "%.15s",
				 r->owner.comm);
		t->demand++;
		t->pinned |= r->pinned;
		t->exclusive |= r->exclusive;
		if (r->holder && !t->resv_id)
			t->resv_id = r->reservation_id;
		t->time_enabled += r->time_enabled;
		t->time_running += r->time_running;
	}
}

int place_free_for(const struct model *m, const struct placement *p,
		   const struct place_task *t, int cpu)
{
	const struct place_cpu *pc = &p->cpu[cpu];
	const struct model_resv *own = find_resv(m, t->resv_id);
	int n = pc->counters - pc->cpu_bound - pc->reserved;

	if (own)
		n += resv_unused(m, own, cpu, pc->counters);
	return n > 0 ? n : 0;
}

static bool fits(const struct model *m, const struct placement *p,
		 const struct place_task *t, int cpu)
{
	int free = place_free_for(m, p, t, cpu);

	if (t->exclusive) /* the whole PMU, nobody else on it */
		return free == p->cpu[cpu].counters && t->demand <= free;
	return t->demand <= free;
}

/* Where @t fits; of those, the CPUs of its own reservation if any. */
static void place_task(const struct model *m, struct placement *p,
		       struct place_task *t)
{
	const struct model_resv *own = find_resv(m, t->resv_id);
	int c, nr_fit = 0, nr_own = 0;

	for (c = 0; c < p->nr_cpus; c++) {
		int free = place_free_for(m, p, t, c);

		if (free > t->best_free)
			t->best_free = free;
		if (!fits(m, p, t, c))
			continue;
		t->fits[c / 64] |= 1ULL << (c % 64);
		nr_fit++;
		if (own && resv_on_cpu(own, c))
			nr_own++;
	}
	for (c = 0; c < p->nr_cpus; c++) {
		bool in = place_cpu_in(t->fits, c) &&
			  (!nr_own || resv_on_cpu(own, c));

		if (in || !nr_fit)
			t->cpus[c / 64] |= 1ULL << (c % 64);
	}
	if (!nr_fit)
		t->verdict = PLACE_NOWHERE;
	else if (nr_fit == p->nr_cpus && (!nr_own || nr_own == nr_fit))
		t->verdict = PLACE_ANY;
	else
		t->verdict = PLACE_CPUS;
}

static int by_tgid(const void *a, const void *b)
{
	const struct place_task *x = a, *y = b;

	return (x->tgid > y->tgid) - (x->tgid < y->tgid);
}

int place_compute(const struct model *m, struct placement *p)
{
	size_t i;

	memset(p, 0, sizeof(*p));
	if (!m->pmu.present || m->pmu.nr_gp + m->pmu.nr_fixed <= 0)
		return -ENODEV;
	p->nr_cpus = m->nr_cpus < PCRW_MAX_CPUS ? m->nr_cpus : PCRW_MAX_CPUS;
	p->cpu = calloc(p->nr_cpus > 0 ? p->nr_cpus : 1, sizeof(*p->cpu));
	p->task = calloc(m->nr_recs ? m->nr_recs : 1, sizeof(*p->task));
	if (!p->cpu || !p->task) {
		place_free(p);
		return -ENOMEM;
	}
	fill_cpus(m, p);
	gather_tasks(m, p);
	qsort(p->task, p->nr_tasks, sizeof(*p->task), by_tgid);
	for (i = 0; i < p->nr_tasks; i++)
		place_task(m, p, &p->task[i]);
	return 0;
}

void place_free(struct placement *p)
{
	free(p->cpu);
	free(p->task);
	memset(p, 0, sizeof(*p));
}

double place_running_ratio(const struct place_task *t)
{
	if (!t->time_enabled)
		return 1.0;
	return (double)t->time_running / (double)t->time_enabled;
}

const char *place_verdict_name(enum place_verdict v)
{
	switch (v) {
	case PLACE_ANY:
		return "any";
	case PLACE_CPUS:
		return "cpus";
	case PLACE_NOWHERE:
		return "nowhere";
	}
	return "unknown";
}

void place_cpulist(const __u64 *set, int nr_cpus, char *buf, size_t len)
{
	size_t off = 0;
	int c = 0, end;

	buf[0] = 0;
	while (c < nr_cpus && off < len) {
		if (!place_cpu_in(set, c)) {
			c++;
			continue;
		}
		for (end = c; end + 1 < nr_cpus && place_cpu_in(set, end + 1);)
			end++;
		off += snprintf(buf + off, len - off, "%s%d", off ? "," : "",
				c);
		if (end > c && off < len)
			off += snprintf(buf + off, len - off, "-%d", end);
		c = end + 1;
	}
	if (!buf[0])
		snprintf(buf, len, "none");
}
