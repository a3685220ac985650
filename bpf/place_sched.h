/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * place_sched.h - what pcrwatch place --sched (user/placement/place_sched.c)
 * and its sched_ext scheduler (bpf/place.bpf.c) share: the CPUs each process's
 * per-task hardware events fit (user/placement/place.h, refreshed every
 * interval), the scheduler's counts, and why it exited.
 */
#ifndef PCRW_PLACE_SCHED_H
#define PCRW_PLACE_SCHED_H

#define PCRW_PLACE_MAX_TASKS 4096
#define PCRW_PLACE_CPU_WORDS 4 /* 256 CPUs, as PCRW_MAX_CPUS */

/* place_cpus map: key a tgid, value where its events fit. Processes with
 * no entry (no counter demand, or fitting everywhere) are scheduled
 * fairly on any CPU. */
struct pcrw_place_entry {
	__u64 cpus[PCRW_PLACE_CPU_WORDS];
	__u32 demand; /* its per-task hardware events */
	__u32 pad;
};

/* Counts in the scheduler's .bss, read by pcrwatch. */
struct pcrw_place_stats {
	__u64 placed; /* enqueued on a CPU where its events fit */
	__u64 fair; /* no demand: the shared queue */
	__u64 unplaceable; /* none of its fitting CPUs is in its affinity */
};

/* Why the scheduler exited (struct scx_exit_info, copied at exit). */
struct pcrw_place_exit {
	__s64 kind; /* enum scx_exit_kind; 0 while running */
	__s64 code;
	char reason[128];
	char msg[256];
};

#endif
