/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * perf_iter.h - the record perf_iter.bpf.c writes for every perf event it
 * finds, read back by user/model/perf_source.c from the iterator's fd.
 *
 * Fixed-width types, explicit padding: one layout in BPF, x86 and arm64.
 */
#ifndef PCRW_PERF_ITER_H
#define PCRW_PERF_ITER_H

#define PCRW_PMU_NAME_LEN 32

/* How the event was found (@how). */
enum pcrw_perf_found {
	PCRW_FOUND_FILE = 1, /* a perf file in a process's fd table */
	PCRW_FOUND_CHILD = 2, /* inherited copy of a file's event (no fd) */
	PCRW_FOUND_TASK_CTX =
		3, /* in a task context, no file (kernel counter) */
	PCRW_FOUND_CPU_CTX = 4, /* in a CPU context, no file (kernel counter) */
};

/* @flags */
#define PCRW_PERF_PINNED (1U << 0)
#define PCRW_PERF_EXCLUSIVE (1U << 1)
#define PCRW_PERF_INHERIT (1U << 2)
#define PCRW_PERF_HW (1U << 3) /* pmu->task_ctx_nr == perf_hw_context */
#define PCRW_PERF_KERNEL_OWNER (1U << 4) /* created in the kernel */
#define PCRW_PERF_CTX_ACTIVE (1U << 5) /* its context's time is running */
#define PCRW_PERF_LEADER (1U << 6) /* leads its group */
#define PCRW_PERF_HOLDER_OPENED (1U << 7) /* the holder's process opened it */

struct pcrw_perf_rec {
	__u64 event; /* kernel address: stable identity while it lives */
	__u64 parent; /* parent event's address for inherited copies, or 0 */
	__u64 leader; /* group leader's address */
	__u64 owner; /* scratch inside the program, 0 when read */
	__u64 config;
	__u64 config1;
	__u64 total_time_enabled; /* as of the event's last update */
	__u64 total_time_running;
	__u64 tstamp; /* ctx time of that last update */
	__u64 ctx_time; /* the context's clock at its last update */
	__u64 cgroup_id; /* of the holder */
	__u32 how; /* enum pcrw_perf_found */
	__u32 flags;
	__u32 type; /* perf_event_attr.type */
	__u32 pmu_type; /* event->pmu->type (dynamic for raw PMUs) */
	__s32 state; /* enum perf_event_state */
	__s32 hw_idx; /* hw.idx: the counter, -1 when none */
	__s32 cpu; /* event->cpu: -1 for task-scoped events */
	__s32 oncpu; /* where it runs now, -1 when not */
	__s32 fd; /* in the holder's fd table, -1 when none */
	__u32 holder_tgid; /* the process holding the fd, or the ctx task */
	__u32 holder_pid;
	__u32 holder_uid;
	__u32 target_tgid; /* the task a task-scoped event follows, or 0 */
	__u32 target_pid;
	__u32 nr_siblings;
	__u32 reserved0;
	char holder_comm[16];
	char pmu_name[PCRW_PMU_NAME_LEN];
};

#endif
