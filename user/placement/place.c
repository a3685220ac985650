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

/* Counters of @r on @cpu that no CPU-bound event of its holders uses:
 * only that CPU's records are looked at (p->by_cpu), so a CPU costs its
 * own events, not the machine's. */
static int resv_unused(const struct model *m, const struct placement *p,
		       const struct model_resv *r, int cpu, int counters)
{
	int n = r->whole_pmu ? counters : __builtin_popcountll(r->slot_mask);
	size_t i;

	if (!resv_on_cpu(r, cpu))
		return 0;
	for (i = p->cpu_first[cpu]; i < p->cpu_first[cpu + 1]; i++) {
		const struct owner_record *rec = &m->recs[p->by_cpu[i]];

		if (rec->state == SLOT_ACTIVE && rec->reservation_id == r->id)
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

static bool cpu_bound_rec(const struct placement *p,
			  const struct owner_record *r)
{
	return r->cpu >= 0 && r->cpu < p->nr_cpus && cpu_bound_on(r, r->cpu);
}

/* The CPU-bound records wanting a counter, grouped by CPU (a counting
 * sort): CPU c's are by_cpu[cpu_first[c]] .. by_cpu[cpu_first[c + 1] - 1]. */
static int index_cpus(const struct model *m, struct placement *p)
{
	size_t i, *next;
	int c;

	p->cpu_first = calloc(p->nr_cpus + 1, sizeof(*p->cpu_first));
	p->by_cpu = calloc(m->nr_recs ? m->nr_recs : 1, sizeof(*p->by_cpu));
	next = calloc(p->nr_cpus + 1, sizeof(*next));
	if (!p->cpu_first || !p->by_cpu || !next) {
		free(next);
		return -ENOMEM;
	}
	for (i = 0; i < m->nr_recs; i++)
		if (cpu_bound_rec(p, &m->recs[i]))
			p->cpu_first[m->recs[i].cpu + 1]++;
	for (c = 0; c < p->nr_cpus; c++) {
		p->cpu_first[c + 1] += p->cpu_first[c];
		next[c] = p->cpu_first[c];
	}
	for (i = 0; i < m->nr_recs; i++)
		if (cpu_bound_rec(p, &m->recs[i]))
			p->by_cpu[next[m->recs[i].cpu]++] = i;
	free(next);
	return 0;
}

static void fill_cpus(const struct model *m, struct placement *p)
{
	int c, counters = m->pmu.nr_gp + m->pmu.nr_fixed;
	size_t i;

	for (c = 0; c < p->nr_cpus; c++) {
		struct place_cpu *pc = &p->cpu[c];

		pc->counters = counters;
		pc->cpu_bound = (int)(p->cpu_first[c + 1] - p->cpu_first[c]);
		for (i = 0; i < m->nr_resv; i++)
			pc->reserved +=
				resv_unused(m, p, &m->resv[i], c, counters);
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

static bool counts_task(const struct owner_record *r)
{
	return r->task_scope && r->state != SLOT_OFF && task_of(r);
}

/* A per-task record and the process it counts, sorted by (tgid, record)
 * so that each process's records come together, in the model's order. */
struct task_rec {
	__u32 tgid;
	size_t rec;
};

static int by_tgid_rec(const void *a, const void *b)
{
	const struct task_rec *x = a, *y = b;

	if (x->tgid != y->tgid)
		return (x->tgid > y->tgid) - (x->tgid < y->tgid);
	return (x->rec > y->rec) - (x->rec < y->rec);
}

static void add_rec(struct place_task *t, const struct owner_record *r)
{
	if (!r->target_tgid) /* else its comm is the profiler's */
		snprintf(t->comm, sizeof(t->comm), "%.15s", r->owner.comm);
	t->demand++;
	t->pinned |= r->pinned;
	t->exclusive |= r->exclusive;
	if (r->holder && !t->resv_id)
		t->resv_id = r->reservation_id;
	t->time_enabled += r->time_enabled;
	t->time_running += r->time_running;
}

/* One place_task per process, ordered by tgid. */
static int gather_tasks(const struct model *m, struct placement *p)
{
	struct task_rec *tr;
	size_t i, n = 0;

	for (i = 0; i < m->nr_recs; i++)
		n += counts_task(&m->recs[i]);
	tr = calloc(n ? n : 1, sizeof(*tr));
	p->task = calloc(n ? n : 1, sizeof(*p->task));
	if (!tr || !p->task) {
		free(tr);
		return -ENOMEM;
	}
	for (i = 0, n = 0; i < m->nr_recs; i++)
		if (counts_task(&m->recs[i]))
			tr[n++] = (struct task_rec){ task_of(&m->recs[i]), i };
	qsort(tr, n, sizeof(*tr), by_tgid_rec);
	for (i = 0; i < n; i++) {
		if (!i || tr[i].tgid != tr[i - 1].tgid)
			p->task[p->nr_tasks++].tgid = tr[i].tgid;
		add_rec(&p->task[p->nr_tasks - 1], &m->recs[tr[i].rec]);
	}
	free(tr);
	return 0;
}

/* Counters free on @cpu for a task whose own reservation is @own. */
static int free_on(const struct model *m, const struct placement *p,
		   const struct model_resv *own, int cpu)
{
	const struct place_cpu *pc = &p->cpu[cpu];
	int n = pc->counters - pc->cpu_bound - pc->reserved;

	if (own)
		n += resv_unused(m, p, own, cpu, pc->counters);
	return n > 0 ? n : 0;
}

int place_free_for(const struct model *m, const struct placement *p,
		   const struct place_task *t, int cpu)
{
	return free_on(m, p, find_resv(m, t->resv_id), cpu);
}

static bool fits(const struct placement *p, const struct place_task *t, int cpu,
		 int free)
{
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
		int free = free_on(m, p, own, c);

		if (free > t->best_free)
			t->best_free = free;
		if (!fits(p, t, c, free))
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

int place_compute(const struct model *m, struct placement *p)
{
	size_t i;

	memset(p, 0, sizeof(*p));
	if (!m->pmu.present || m->pmu.nr_gp + m->pmu.nr_fixed <= 0)
		return -ENODEV;
	p->nr_cpus = m->nr_cpus < PCRW_MAX_CPUS ? m->nr_cpus : PCRW_MAX_CPUS;
	p->cpu = calloc(p->nr_cpus > 0 ? p->nr_cpus : 1, sizeof(*p->cpu));
	if (!p->cpu || index_cpus(m, p) || gather_tasks(m, p)) {
		place_free(p);
		return -ENOMEM;
	}
	fill_cpus(m, p);
	for (i = 0; i < p->nr_tasks; i++)
		place_task(m, p, &p->task[i]);
	return 0;
}

void place_free(struct placement *p)
{
	free(p->cpu);
	free(p->task);
	free(p->cpu_first);
	free(p->by_cpu);
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
