// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Unit tests of counter-aware placement (user/placement/place.c) on models
 * built in memory: each CPU's free counters, where a task's per-task events
 * fit, the pull of its own reservation, exclusive events, and the CPU lists.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "place.h"
#include "tap.h"

/* Two CPUs of seven counters (six general-purpose and the cycle counter),
 * as the arm64 guest has. */
static void two_cpus(struct model *m)
{
	model_init(m);
	m->pmu.present = true;
	snprintf(m->pmu.name, sizeof(m->pmu.name), "armv8_pmuv3");
	m->pmu.nr_gp = 6;
	m->pmu.nr_fixed = 1;
	m->nr_cpus = 2;
}

/* @n CPU-bound events of pid 900 on @cpu, counters from @slot up. */
static void cpu_bound(struct model *m, int cpu, int slot, int n,
		      enum slot_state state)
{
	struct owner_record r;
	int i;

	for (i = 0; i < n; i++) {
		memset(&r, 0, sizeof(r));
		r.cpu = cpu;
		r.slot = r.hw_idx = slot + i;
		r.state = state;
		r.attributed = true;
		r.owner.layer = PCR_LAYER_USER;
		r.owner.tgid = r.owner.pid = 900;
		r.owner.uid = 0;
		snprintf(r.owner.comm, sizeof(r.owner.comm), "perf");
		model_add(m, &r);
	}
}

/* @n per-task events opened by @owner (uid @uid) counting @target. */
static void task_events(struct model *m, __u32 owner, __u32 uid, __u32 target,
			int n, bool pinned, bool exclusive)
{
	struct owner_record r;
	int i;

	for (i = 0; i < n; i++) {
		memset(&r, 0, sizeof(r));
		r.cpu = r.slot = r.hw_idx = -1;
		r.task_scope = true;
		r.state = SLOT_IDLE;
		r.attributed = true;
		r.pinned = pinned;
		r.exclusive = exclusive;
		r.owner.layer = PCR_LAYER_USER;
		r.owner.tgid = r.owner.pid = owner;
		r.owner.uid = uid;
		r.target_tgid = target;
		r.time_enabled = 100;
		r.time_running = 60;
		snprintf(r.owner.comm, sizeof(r.owner.comm), "tenant%u", owner);
		model_add(m, &r);
	}
}

static void reserve(struct model *m, __u64 id, int cpu, __u64 slots, __u32 uid)
{
	struct model_resv r;

	memset(&r, 0, sizeof(r));
	r.id = id;
	r.nr_principals = 1;
	r.principals[0].kind = PCR_PRINC_UID;
	r.principals[0].id = uid;
	r.cpus[cpu / 64] |= 1ULL << (cpu % 64);
	r.slot_mask = slots;
	model_add_resv(m, &r);
}

static const struct place_task *task(const struct placement *p, __u32 tgid)
{
	size_t i;

	for (i = 0; i < p->nr_tasks; i++)
		if (p->task[i].tgid == tgid)
			return &p->task[i];
	return NULL;
}

TEST(free_counters_less_cpu_bound_and_reservations)
{
	struct placement p;
	struct model m;

	two_cpus(&m);
	cpu_bound(&m, 0, 0, 4, SLOT_ACTIVE);
	cpu_bound(&m, 0, 4, 1, SLOT_OFF); /* holds no counter */
	cpu_bound(&m, 1, 0, 1, SLOT_INACTIVE); /* waits: wants one */
	reserve(&m, 7, 1, 0x3, 2000);
	model_link_reservations(&m);
	CHECK_EQ(place_compute(&m, &p), 0);
	CHECK_EQ(p.nr_cpus, 2);
	CHECK_EQ(p.cpu[0].counters, 7);
	CHECK_EQ(p.cpu[0].cpu_bound, 4);
	CHECK_EQ(p.cpu[0].reserved, 0);
	CHECK_EQ(p.cpu[0].free, 3);
	CHECK_EQ(p.cpu[1].cpu_bound, 1);
	CHECK_EQ(p.cpu[1].reserved, 2);
	CHECK_EQ(p.cpu[1].free, 4);
	CHECK_EQ(p.nr_tasks, 0);
	place_free(&p);
	model_free(&m);
}

TEST(a_holders_cpu_bound_event_on_its_reserved_counter_counts_once)
{
	struct placement p;
	struct model m;

	two_cpus(&m);
	reserve(&m, 3, 0, 0xf, 0); /* pid 900 runs as uid 0 */
	cpu_bound(&m, 0, 0, 2, SLOT_ACTIVE); /* the holder on slots 0, 1 */
	model_link_reservations(&m);
	CHECK(m.recs[0].holder);
	CHECK_EQ(place_compute(&m, &p), 0);
	CHECK_EQ(p.cpu[0].cpu_bound, 2);
	CHECK_EQ(p.cpu[0].reserved, 2); /* slots 2, 3 unused */
	CHECK_EQ(p.cpu[0].free, 3);
	place_free(&p);
	model_free(&m);
}

TEST(tasks_go_where_their_events_fit)
{
	const struct place_task *t;
	struct placement p;
	struct model m;

	two_cpus(&m);
	cpu_bound(&m, 0, 0, 4, SLOT_ACTIVE); /* CPU 0: 3 free, CPU 1: 7 */
	task_events(&m, 1001, 1000, 1001, 4, false, false);
	task_events(&m, 1002, 1000, 1002, 3, false, false);
	task_events(&m, 1003, 1000, 1003, 8, false, false);
	model_link_reservations(&m);
	CHECK_EQ(place_compute(&m, &p), 0);
	CHECK_EQ(p.nr_tasks, 3);
	t = task(&p, 1001);
	CHECK(t && t->demand == 4 && t->verdict == PLACE_CPUS);
	CHECK(t && !place_cpu_in(t->cpus, 0) && place_cpu_in(t->cpus, 1));
	CHECK(t && t->best_free == 7);
	t = task(&p, 1002);
	CHECK(t && t->verdict == PLACE_ANY);
	CHECK(t && place_cpu_in(t->cpus, 0) && place_cpu_in(t->cpus, 1));
	t = task(&p, 1003); /* 8 > 7: left where it is, said so */
	CHECK(t && t->verdict == PLACE_NOWHERE && t->best_free == 7);
	CHECK(t && place_cpu_in(t->cpus, 0) && place_cpu_in(t->cpus, 1));
	CHECK(t && !place_cpu_in(t->fits, 0) && !place_cpu_in(t->fits, 1));
	place_free(&p);
	model_free(&m);
}

TEST(a_tasks_events_are_summed_across_profilers)
{
	const struct place_task *t;
	struct placement p;
	struct model m;

	two_cpus(&m);
	cpu_bound(&m, 1, 0, 3, SLOT_ACTIVE); /* CPU 1: 4 free */
	task_events(&m, 601, 0, 500, 3, false, false); /* two profilers */
	task_events(&m, 602, 0, 500, 2, true, false); /* of one task */
	task_events(&m, 603, 0, 500, 1, false, false);
	m.recs[m.nr_recs - 1].state = SLOT_OFF; /* disabled: not counted */
	model_link_reservations(&m);
	CHECK_EQ(place_compute(&m, &p), 0);
	CHECK_EQ(p.nr_tasks, 1);
	t = task(&p, 500);
	CHECK(t && t->demand == 5 && t->pinned && !t->exclusive);
	CHECK(t && t->comm[0] == 0); /* not the profilers' comm */
	CHECK(t && t->verdict == PLACE_CPUS && place_cpu_in(t->cpus, 0) &&
	      !place_cpu_in(t->cpus, 1));
	CHECK(t && t->time_enabled == 500 && t->time_running == 300);
	CHECK(t && place_running_ratio(t) > 0.59 &&
	      place_running_ratio(t) < 0.61);
	place_free(&p);
	model_free(&m);
}

TEST(a_holder_goes_to_its_reserved_counters)
{
	const struct place_task *t;
	struct placement p;
	struct model m;

	two_cpus(&m);
	reserve(&m, 9, 1, 0x3, 1000); /* uid 1000: 2 counters on CPU 1 */
	task_events(&m, 1001, 1000, 0, 2, false, false); /* holder */
	task_events(&m, 1002, 2000, 0, 6, false, false); /* not a holder */
	model_link_reservations(&m);
	CHECK_EQ(place_compute(&m, &p), 0);
	t = task(&p, 1001);
	CHECK(t && t->resv_id == 9 && t->verdict == PLACE_CPUS);
	CHECK(t && place_cpu_in(t->fits, 0) && place_cpu_in(t->fits, 1));
	CHECK(t && !place_cpu_in(t->cpus, 0) && place_cpu_in(t->cpus, 1));
	CHECK(t && !strcmp(t->comm, "tenant1001")); /* counts itself */
	CHECK(t && place_free_for(&m, &p, t, 1) == 7);
	t = task(&p, 1002); /* 6 > 5 left on CPU 1 by the reservation */
	CHECK(t && t->resv_id == 0 && t->verdict == PLACE_CPUS);
	CHECK(t && place_cpu_in(t->cpus, 0) && !place_cpu_in(t->cpus, 1));
	CHECK(t && place_free_for(&m, &p, t, 1) == 5);
	place_free(&p);
	model_free(&m);
}

TEST(an_exclusive_event_needs_an_empty_pmu)
{
	const struct place_task *t;
	struct placement p;
	struct model m;

	two_cpus(&m);
	cpu_bound(&m, 0, 0, 1, SLOT_ACTIVE);
	task_events(&m, 1001, 1000, 0, 1, false, true);
	model_link_reservations(&m);
	CHECK_EQ(place_compute(&m, &p), 0);
	t = task(&p, 1001);
	CHECK(t && t->exclusive && t->verdict == PLACE_CPUS);
	CHECK(t && !place_cpu_in(t->cpus, 0) && place_cpu_in(t->cpus, 1));
	place_free(&p);
	cpu_bound(&m, 1, 0, 1, SLOT_ACTIVE); /* now no CPU is empty */
	CHECK_EQ(place_compute(&m, &p), 0);
	t = task(&p, 1001);
	CHECK(t && t->verdict == PLACE_NOWHERE);
	place_free(&p);
	model_free(&m);
}

TEST(no_pmu_no_placement)
{
	struct placement p;
	struct model m;

	model_init(&m);
	m.nr_cpus = 2;
	CHECK_EQ(place_compute(&m, &p), -ENODEV);
	CHECK(p.cpu == NULL && p.task == NULL);
	model_free(&m);
}

TEST(cpu_lists)
{
	__u64 set[PCRW_CPU_WORDS] = { 0 };
	char buf[64], tiny[4];

	place_cpulist(set, 8, buf, sizeof(buf));
	CHECK(!strcmp(buf, "none"));
	set[0] = 0x2f; /* 0-3, 5 */
	set[1] = 1; /* 64 */
	place_cpulist(set, 8, buf, sizeof(buf));
	CHECK(!strcmp(buf, "0-3,5"));
	place_cpulist(set, 65, buf, sizeof(buf));
	CHECK(!strcmp(buf, "0-3,5,64"));
	set[0] = ~0ULL;
	place_cpulist(set, 66, buf, sizeof(buf));
	CHECK(!strcmp(buf, "0-64"));
	place_cpulist(set, 66, tiny, sizeof(tiny)); /* truncated, ended */
	CHECK(strlen(tiny) == 3);
}

int main(void)
{
	RUN(free_counters_less_cpu_bound_and_reservations);
	RUN(a_holders_cpu_bound_event_on_its_reserved_counter_counts_once);
	RUN(tasks_go_where_their_events_fit);
	RUN(a_tasks_events_are_summed_across_profilers);
	RUN(a_holder_goes_to_its_reserved_counters);
	RUN(an_exclusive_event_needs_an_empty_pmu);
	RUN(no_pmu_no_placement);
	RUN(cpu_lists);
	return TAP_DONE();
}
