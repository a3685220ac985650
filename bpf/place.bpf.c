// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * place: pcrwatch's sched_ext scheduler (pcrwatch place --sched). A
 * process whose per-task hardware events fit only some CPUs (the place_cpus
 * map, kept by pcrwatch from its placement, user/placement/place.h) is queued
 * on one of those CPUs that its affinity allows: the CPU it last ran on if it
 * is one, else an idle one, else the first; each CPU has its own queue for
 * them. Every other task goes to one shared queue, first come first served
 * with the default slice, as a plain fair scheduler would. A CPU takes
 * from its own queue and from the shared one in turn, so neither starves
 * the other (a kworker bound to a CPU full of placed tasks still runs).
 *
 * Safety is the kernel's: if pcrwatch exits or is killed, the struct_ops
 * link closes and sched_ext switches every task back to the default
 * scheduler; if a task waits longer than timeout_ms, or a callback errs,
 * sched_ext ejects this scheduler the same way. exit() keeps the reason.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>

#include "place_scx.h"
#include "place_sched.h"

char LICENSE[] SEC("license") = "GPL"; /* sched_ext takes GPL programs */

const volatile __u32 nr_cpus = 1; /* set by pcrwatch: possible CPUs */

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PCRW_PLACE_MAX_TASKS);
	__type(key, __u32);
	__type(value, struct pcrw_place_entry);
} place_cpus SEC(".maps");

/* Queues: the shared one, and one per CPU for the tasks placed there. */
#define SHARED_DSQ 0
#define PLACED_DSQ(cpu) (1 + (u64)(cpu))

/* Per CPU: which queue dispatch tries first next time. */
__u8 turn[PCRW_PLACE_CPU_WORDS * 64];

struct pcrw_place_stats stats;
struct pcrw_place_exit exit_info;

/* The CPUs @p may run on with its events fitting, and the pick among them. */
struct pick {
	__u64 want[PCRW_PLACE_CPU_WORDS];
	__s32 first; /* the first such CPU, -1 if none */
	__s32 idle; /* one found idle (and claimed), -1 if none */
};

static bool in_set(const __u64 *set, __u32 cpu)
{
	return (set[(cpu >> 6) & (PCRW_PLACE_CPU_WORDS - 1)] >> (cpu & 63)) & 1;
}

static long pick_cpu(__u64 idx, void *ctx)
{
	struct pick *pk = ctx;
	__u32 cpu = idx & (PCRW_PLACE_CPU_WORDS * 64 - 1);

	if (!in_set(pk->want, cpu))
		return 0;
	if (pk->first < 0)
		pk->first = cpu;
	if (scx_bpf_test_and_clear_cpu_idle(cpu)) {
		pk->idle = cpu;
		return 1;
	}
	return 0;
}

/* The placement of @p intersected with its affinity into @pk; false when
 * it has none (no counter demand, or it fits everywhere). */
static bool wanted_cpus(struct task_struct *p, struct pick *pk)
{
	const struct pcrw_place_entry *e;
	__u64 aff[PCRW_PLACE_CPU_WORDS] = {};
	__u32 tgid = BPF_CORE_READ(p, tgid);
	int i;

	e = bpf_map_lookup_elem(&place_cpus, &tgid);
	if (!e)
		return false;
	bpf_probe_read_kernel(aff, sizeof(aff), BPF_CORE_READ(p, cpus_ptr));
	for (i = 0; i < PCRW_PLACE_CPU_WORDS; i++)
		pk->want[i] = e->cpus[i] & aff[i];
	pk->first = pk->idle = -1;
	return true;
}

/* A CPU from @pk: @prev if it is one, else an idle one, else the first. */
static s32 choose(struct pick *pk, s32 prev)
{
	__u32 n = nr_cpus < PCRW_PLACE_CPU_WORDS * 64
			  ? nr_cpus
			  : PCRW_PLACE_CPU_WORDS * 64;

	if (prev >= 0 && in_set(pk->want, prev))
		return prev;
	bpf_loop(n, pick_cpu, pk, 0);
	return pk->idle >= 0 ? pk->idle : pk->first;
}

SEC("struct_ops/pcrw_select_cpu")
s32 BPF_PROG(pcrw_select_cpu, struct task_struct *p, s32 prev_cpu,
	     u64 wake_flags)
{
	struct pick pk;
	bool idle = false;
	s32 cpu;

	if (!wanted_cpus(p, &pk)) {
		cpu = scx_bpf_select_cpu_dfl(p, prev_cpu, wake_flags, &idle);
		if (idle) {
			scx_bpf_dsq_insert(p, PCRW_SCX_DSQ_LOCAL,
					   PCRW_SCX_SLICE_DFL, 0);
			__sync_fetch_and_add(&stats.fair, 1);
		}
		return cpu;
	}
	cpu = choose(&pk, prev_cpu);
	return cpu >= 0 ? cpu : prev_cpu; /* enqueue counts it unplaceable */
}

SEC("struct_ops/pcrw_enqueue")
void BPF_PROG(pcrw_enqueue, struct task_struct *p, u64 enq_flags)
{
	struct pick pk;
	s32 cpu;

	if (wanted_cpus(p, &pk)) {
		cpu = choose(&pk, scx_bpf_task_cpu(p));
		if (cpu >= 0) {
			scx_bpf_dsq_insert(p, PLACED_DSQ(cpu),
					   PCRW_SCX_SLICE_DFL, enq_flags);
			scx_bpf_kick_cpu(cpu, PCRW_SCX_KICK_IDLE);
			__sync_fetch_and_add(&stats.placed, 1);
			return;
		}
		__sync_fetch_and_add(&stats.unplaceable, 1);
	}
	scx_bpf_dsq_insert(p, SHARED_DSQ, PCRW_SCX_SLICE_DFL, enq_flags);
	__sync_fetch_and_add(&stats.fair, 1);
}

/* The CPU's own queue and the shared one, each first in turn. */
SEC("struct_ops/pcrw_dispatch")
void BPF_PROG(pcrw_dispatch, s32 cpu, struct task_struct *prev)
{
	__u32 i = (__u32)cpu & (PCRW_PLACE_CPU_WORDS * 64 - 1);
	u64 first = PLACED_DSQ(cpu), second = SHARED_DSQ;

	turn[i] ^= 1;
	if (turn[i]) {
		first = SHARED_DSQ;
		second = PLACED_DSQ(cpu);
	}
	if (!scx_bpf_dsq_move_to_local(first))
		scx_bpf_dsq_move_to_local(second);
}

/* Sleepable (pcrwatch sets the flag): creating a queue allocates. */
SEC("struct_ops/pcrw_init")
s32 BPF_PROG(pcrw_init)
{
	s32 err = scx_bpf_create_dsq(SHARED_DSQ, -1);
	__u32 cpu;

	for (cpu = 0; !err && cpu < PCRW_PLACE_CPU_WORDS * 64 && cpu < nr_cpus;
	     cpu++)
		err = scx_bpf_create_dsq(PLACED_DSQ(cpu), -1);
	return err;
}

SEC("struct_ops/pcrw_exit")
void BPF_PROG(pcrw_exit, struct scx_exit_info *ei)
{
	bpf_probe_read_kernel_str(exit_info.reason, sizeof(exit_info.reason),
				  BPF_CORE_READ(ei, reason));
	bpf_probe_read_kernel_str(exit_info.msg, sizeof(exit_info.msg),
				  BPF_CORE_READ(ei, msg));
	exit_info.code = BPF_CORE_READ(ei, exit_code);
	exit_info.kind = BPF_CORE_READ(ei, kind);
}

SEC(".struct_ops")
struct sched_ext_ops pcrw_place_ops = {
	.select_cpu = (void *)pcrw_select_cpu,
	.enqueue = (void *)pcrw_enqueue,
	.dispatch = (void *)pcrw_dispatch,
	.init = (void *)pcrw_init,
	.exit = (void *)pcrw_exit,
	.timeout_ms = 10000, /* a task waiting 10 s ejects the scheduler */
	.name = "pcrwatch_place",
};
