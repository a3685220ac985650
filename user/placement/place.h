/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * place.h - counter-aware placement, computed from the ownership model
 * alone (no kernel access, unit-tested as it is): which CPUs each task
 * with per-task hardware events should run on so that its events fit the
 * counters free there, preferring the CPUs where its reserved counters
 * are. `pcrwatch place` prints it and, with --apply, sets CPU affinity.
 *
 * Per-task events are switched in and out with their task, so two tasks
 * taking turns on a CPU never multiplex each other's per-task events.
 * What a running task's events share the CPU's counters with is what
 * stays there whatever runs: CPU-bound events (perf stat -a, the NMI
 * watchdog, direct MSR writers) and counters reserved for someone else.
 * A task fits a CPU when its demand is at most the counters left there.
 */
#ifndef PCRW_PLACE_H
#define PCRW_PLACE_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "model.h"

enum place_verdict {
	PLACE_ANY = 0, /* fits on every CPU: nothing to change */
	PLACE_CPUS = 1, /* fits on some CPUs only: run it there */
	PLACE_NOWHERE = 2, /* fits on no CPU: multiplexes wherever it runs */
};

/* A CPU's counters as a task sees them before its own events. */
struct place_cpu {
	int counters; /* general-purpose plus fixed counters */
	int cpu_bound; /* CPU-bound hardware events wanting a counter */
	int reserved; /* reserved counters no CPU-bound event uses */
	int free; /* counters - cpu_bound - reserved, at least 0 */
};

/* A process whose threads are counted by per-task hardware events. */
struct place_task {
	__u32 tgid;
	char comm[16];
	int demand; /* per-task hardware events counting it */
	bool pinned; /* one of them is pinned: it errs where it does not fit */
	bool exclusive; /* one of them wants the whole PMU */
	__u64 resv_id; /* reservation its events' owner holds, 0 if none */
	__u64 time_enabled, time_running; /* its events' sums, now */
	__u64 fits[PCRW_CPU_WORDS]; /* CPUs where its events fit */
	__u64 cpus[PCRW_CPU_WORDS]; /* the placement: where it should run */
	enum place_verdict verdict;
	int best_free; /* most counters free for it on any CPU */
};

struct placement {
	int nr_cpus;
	struct place_cpu *cpu; /* nr_cpus entries */
	struct place_task *task; /* ordered by tgid */
	size_t nr_tasks;
	/* CPU c's CPU-bound records wanting a counter: the model's records
	 * by_cpu[cpu_first[c]] .. by_cpu[cpu_first[c + 1] - 1]. */
	size_t *cpu_first, *by_cpu;
};

/* Compute the placement of every task in @m into @p (place_free after);
 * 0, -ENOMEM, or -ENODEV when the model has no hardware PMU. */
int place_compute(const struct model *m, struct placement *p);
void place_free(struct placement *p);

/* Counters free for @t on @cpu: the CPU's free counters plus those of the
 * reservation its owner holds there. */
int place_free_for(const struct model *m, const struct placement *p,
		   const struct place_task *t, int cpu);
/* Running share of @t's events now; 1 when they have not been enabled. */
double place_running_ratio(const struct place_task *t);
const char *place_verdict_name(enum place_verdict v);

static inline bool place_cpu_in(const __u64 *set, int cpu)
{
	return cpu >= 0 && cpu < PCRW_MAX_CPUS &&
	       (set[cpu / 64] >> (cpu % 64)) & 1;
}

/* "0-3,6" for the CPUs of @set below @nr_cpus; "none" for none. */
void place_cpulist(const __u64 *set, int nr_cpus, char *buf, size_t len);

/* `pcrwatch place --sched` (user/placement/place_sched.c): load the sched_ext
 * scheduler and keep it fed with the placement every @interval seconds
 * until a signal or the kernel ends it; an enum pcrw_exit. */
int place_sched_run(double interval);

#endif
