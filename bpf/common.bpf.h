/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * common.bpf.h - what every pcrwatch BPF program repeats: a task as a
 * struct pcrw_owner, an event record reserved, stamped, counted per kind
 * and submitted, a file from an fd table, and the syscall numbers the
 * programs compare with.
 *
 * No map is defined here: each helper takes the group's own ring buffer
 * and per-kind counts map (array or per-CPU array of __u64 indexed by
 * enum pcrw_event_kind, PCRW_EVENTS_LOST at index 0), so every group keeps
 * its pinned names. Everything is __always_inline: a map pointer passed
 * as an argument stays a constant the verifier knows.
 */
#ifndef PCRW_COMMON_BPF_H
#define PCRW_COMMON_BPF_H

#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

#include "pcrwatch.h"

#define PCRW_PF_KTHREAD 0x00200000
/* perf's marker for "owned by the kernel" / "context has no task". */
#define PCRW_TASK_TOMBSTONE ((void *)-1L)

/* ---- owners ----------------------------------------------------------- */

/* The layer of a task acting by itself: the kernel for kernel threads,
 * else user (io_uring workers are user threads of their process). */
static __always_inline __u32 pcrw_task_layer(struct task_struct *t)
{
	return BPF_CORE_READ(t, flags) & PCRW_PF_KTHREAD ? PCR_LAYER_KERNEL
							 : PCR_LAYER_USER;
}

/* @t as an owner of @layer. The name is the process's (its group
 * leader's comm), so a worker thread is named by the process it serves. */
static __always_inline void pcrw_task_owner(struct pcrw_owner *o,
					    struct task_struct *t, __u32 layer)
{
	o->layer = layer;
	o->tgid = BPF_CORE_READ(t, tgid);
	o->pid = BPF_CORE_READ(t, pid);
	o->uid = BPF_CORE_READ(t, cred, uid.val);
	o->cgroup_id = BPF_CORE_READ(t, cgroups, dfl_cgrp, kn, id);
	bpf_probe_read_kernel_str(o->comm, sizeof(o->comm),
				  BPF_CORE_READ(t, group_leader, comm));
}

/* The current task as an owner of @layer: the ids from the helpers, the
 * process name as pcrw_task_owner() takes it. */
static __always_inline void pcrw_current_owner(struct pcrw_owner *o,
					       __u32 layer)
{
	struct task_struct *t = (struct task_struct *)bpf_get_current_task();
	__u64 id = bpf_get_current_pid_tgid();

	o->layer = layer;
	o->tgid = id >> 32;
	o->pid = (__u32)id;
	o->uid = (__u32)bpf_get_current_uid_gid();
	o->cgroup_id = bpf_get_current_cgroup_id();
	bpf_probe_read_kernel_str(o->comm, sizeof(o->comm),
				  BPF_CORE_READ(t, group_leader, comm));
}

/* ---- per-kind counts and events ---------------------------------------- */

/* One more event of @kind (or PCRW_EVENTS_LOST) in @counts. */
static __always_inline void pcrw_count(void *counts, __u32 kind)
{
	__u64 *n = bpf_map_lookup_elem(counts, &kind);

	if (n)
		__sync_fetch_and_add(n, 1);
}

/*
 * Count an event of @kind and reserve its record on @ring: zeroed, kind,
 * CPU, time and slot ~0 filled in, both owners PCR_LAYER_UNKNOWN (nobody).
 * NULL when the ring is full, counted as lost. The caller fills the rest
 * and calls pcrw_event_submit().
 */
static __always_inline struct pcrw_event *
pcrw_event_reserve(void *ring, void *counts, __u32 kind)
{
	struct pcrw_event *e;

	pcrw_count(counts, kind);
	e = bpf_ringbuf_reserve(ring, sizeof(*e), 0);
	if (!e) {
		pcrw_count(counts, PCRW_EVENTS_LOST);
		return NULL;
	}
	__builtin_memset(e, 0, sizeof(*e));
	e->kind = kind;
	e->cpu = bpf_get_smp_processor_id();
	e->ts_ns = bpf_ktime_get_ns();
	e->slot = ~0U;
	e->actor.layer = PCR_LAYER_UNKNOWN;
	e->prev.layer = PCR_LAYER_UNKNOWN;
	return e;
}

static __always_inline void pcrw_event_submit(struct pcrw_event *e)
{
	bpf_ringbuf_submit(e, 0);
}

/* ---- files -------------------------------------------------------------- */

/* The file behind @fd in @t's fd table, or NULL. Only as stable as the
 * table: a decision must not rest on it where the kernel hands the file
 * to a hook itself. */
static __always_inline struct file *pcrw_fd_file(struct task_struct *t,
						 unsigned int fd)
{
	struct fdtable *fdt = BPF_CORE_READ(t, files, fdt);
	struct file **fds, *f = NULL;

	if (!fdt || fd >= BPF_CORE_READ(fdt, max_fds))
		return NULL;
	fds = BPF_CORE_READ(fdt, fd);
	bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]);
	return f;
}

/* A character device's number, split the kernel's way (MINORBITS 20). */
#define PCRW_MINORBITS 20
#define PCRW_MAJOR(dev) ((__u32)(dev) >> PCRW_MINORBITS)
#define PCRW_MINOR(dev) ((__u32)(dev) & ((1U << PCRW_MINORBITS) - 1))

/* The device number of @f's inode (0 for none). */
static __always_inline __u32 pcrw_file_rdev(struct file *f)
{
	return f ? BPF_CORE_READ(f, f_inode, i_rdev) : 0;
}

/* ---- syscalls ------------------------------------------------------------ */

/*
 * perf_event_open's numbers, native and 32-bit compat (ia32, arm32). On
 * x86-64 an x32 task's number carries __X32_SYSCALL_BIT: the reader below
 * masks it, so x32 is judged as the native ABI it enters.
 */
#if defined(__TARGET_ARCH_x86)
#define PCRW_NR_perf_event_open 298
#define PCRW_NR32_perf_event_open 336
#define PCRW_X32_SYSCALL_BIT 0x40000000L
#elif defined(__TARGET_ARCH_arm64)
#define PCRW_NR_perf_event_open 241
#define PCRW_NR32_perf_event_open 364
#define PCRW_X32_SYSCALL_BIT 0L
#else
#define PCRW_NR_perf_event_open -1
#define PCRW_NR32_perf_event_open -1
#define PCRW_X32_SYSCALL_BIT 0L
#endif

/* The syscall number saved in @regs (the task's own entry registers,
 * which no other thread can change), x32 bit masked; -1 where the arch is
 * not known. */
static __always_inline long pcrw_regs_syscall_nr(struct pt_regs *regs)
{
#if defined(__TARGET_ARCH_x86)
	return BPF_CORE_READ(regs, orig_ax) & ~PCRW_X32_SYSCALL_BIT;
#elif defined(__TARGET_ARCH_arm64)
	return BPF_CORE_READ(regs, syscallno);
#else
	return -1;
#endif
}

/* The syscall @t is serving (-1: none, a kernel thread, or not known on
 * this arch); @t a BTF task pointer (bpf_get_current_task_btf()). */
static __always_inline long pcrw_task_syscall_nr(struct task_struct *t)
{
	struct pt_regs *regs;

	if (BPF_CORE_READ(t, flags) & PCRW_PF_KTHREAD)
		return -1;
	regs = (struct pt_regs *)bpf_task_pt_regs(t);
	if (!regs)
		return -1;
	return pcrw_regs_syscall_nr(regs);
}

/* Is syscall @nr perf_event_open(2), by any ABI? */
static __always_inline int pcrw_is_perf_event_open(long nr)
{
	return nr == PCRW_NR_perf_event_open || nr == PCRW_NR32_perf_event_open;
}

#endif /* PCRW_COMMON_BPF_H */
