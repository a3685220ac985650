// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * perf_iter: a snapshot of every perf event on the system, one
 * struct pcrw_perf_rec each, written into the iterator's seq_file.
 *
 * dump_perf_files (iter/task_file) finds the events behind perf fds: perf
 * files are anonymous inodes named "[perf_event]" (perf_fops is in neither
 * BTF nor kallsyms, so the name and the anon-inode superblock identify them).
 * dump_perf_ctx (iter/task) finds the events that have no file: inherited
 * copies and kernel counters in each task's context; dump_cpu_ctx, on
 * kernels with one CPU context for all PMUs (6.2+), those of each CPU.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>

#include "perf_iter.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define ANON_INODE_FS_MAGIC 0x09041934
#define TASK_TOMBSTONE ((void *)-1L)
#define MAX_CTX_EVENTS 512

const volatile __u32 nr_cpus = 1;

/* Set when the per-CPU contexts could be walked on this kernel. */
__u32 cpu_ctx_walked;
/* A perf file's f_op, learned from the first one found by name. */
__u64 perf_fops_addr;

/* 6.1 had one task context per context kind (hardware, software). */
struct task_struct___v61 {
	struct perf_event_context *perf_event_ctxp[2];
} __attribute__((preserve_access_index));

extern struct perf_cpu_context perf_cpu_context __ksym __weak;

static bool is_perf_file(struct file *file)
{
	static const char want[] = "[perf_event]";
	char name[sizeof(want)];
	__u64 fop = (__u64)BPF_CORE_READ(file, f_op);
	int i;

	if (perf_fops_addr)
		return fop == perf_fops_addr;
	if (BPF_CORE_READ(file, f_inode, i_sb, s_magic) != ANON_INODE_FS_MAGIC)
		return false;
	if (bpf_probe_read_kernel_str(name, sizeof(name),
				      BPF_CORE_READ(file, f_path.dentry,
						    d_name.name)) !=
	    sizeof(want))
		return false;
	for (i = 0; i < sizeof(want); i++)
		if (name[i] != want[i])
			return false;
	perf_fops_addr = fop;
	return true;
}

static void fill_holder(struct pcrw_perf_rec *r, struct task_struct *t)
{
	r->holder_tgid = BPF_CORE_READ(t, tgid);
	r->holder_pid = BPF_CORE_READ(t, pid);
	r->holder_uid = BPF_CORE_READ(t, cred, uid.val);
	r->cgroup_id = BPF_CORE_READ(t, cgroups, dfl_cgrp, kn, id);
	bpf_probe_read_kernel_str(r->holder_comm, sizeof(r->holder_comm),
				  BPF_CORE_READ(t, group_leader, comm));
}

static void fill_event(struct pcrw_perf_rec *r, struct perf_event *e)
{
	struct perf_event_context *ctx = BPF_CORE_READ(e, ctx);
	struct task_struct *target = BPF_CORE_READ(ctx, task);
	struct pmu *pmu = BPF_CORE_READ(e, pmu);
	struct perf_event *leader = BPF_CORE_READ(e, group_leader);
	struct task_struct *owner = BPF_CORE_READ(e, owner);
	__u64 bits = 0;

	r->event = (__u64)e;
	r->parent = (__u64)BPF_CORE_READ(e, parent);
	r->leader = (__u64)leader;
	/* Newer kernels rewrite attr.type to the PMU's own type (cpu-clock,
	 * hybrid x86) and keep what the user asked for in orig_type. */
	if (bpf_core_field_exists(e->orig_type))
		r->type = BPF_CORE_READ(e, orig_type);
	else
		r->type = BPF_CORE_READ(e, attr.type);
	r->config = BPF_CORE_READ(e, attr.config);
	r->config1 = BPF_CORE_READ(e, attr.config1);
	r->pmu_type = BPF_CORE_READ(pmu, type);
	r->state = BPF_CORE_READ(e, state);
	r->hw_idx = BPF_CORE_READ(e, hw.idx);
	r->cpu = BPF_CORE_READ(e, cpu);
	r->oncpu = BPF_CORE_READ(e, oncpu);
	r->total_time_enabled = BPF_CORE_READ(e, total_time_enabled);
	r->total_time_running = BPF_CORE_READ(e, total_time_running);
	r->tstamp = BPF_CORE_READ(e, tstamp);
	r->ctx_time = BPF_CORE_READ(ctx, time);
	r->nr_siblings = BPF_CORE_READ(e, nr_siblings);
	/* The UAPI flag word right after read_format: disabled, inherit,
	 * pinned, exclusive are its bits 0..3. */
	bpf_probe_read_kernel(&bits, sizeof(bits),
			      (void *)&e->attr +
				      bpf_core_field_offset(struct perf_event_attr,
							    read_format) +
				      sizeof(__u64));
	if (bits & (1ULL << 2))
		r->flags |= PCRW_PERF_PINNED;
	if (bits & (1ULL << 3))
		r->flags |= PCRW_PERF_EXCLUSIVE;
	if (bits & (1ULL << 1))
		r->flags |= PCRW_PERF_INHERIT;
	if (BPF_CORE_READ(pmu, task_ctx_nr) == 0) /* perf_hw_context */
		r->flags |= PCRW_PERF_HW;
	if (owner == TASK_TOMBSTONE)
		r->flags |= PCRW_PERF_KERNEL_OWNER;
	if (BPF_CORE_READ(ctx, is_active) & 0x4) /* EVENT_TIME */
		r->flags |= PCRW_PERF_CTX_ACTIVE;
	if (leader == e)
		r->flags |= PCRW_PERF_LEADER;
	if (target && target != TASK_TOMBSTONE) {
		r->target_tgid = BPF_CORE_READ(target, tgid);
		r->target_pid = BPF_CORE_READ(target, pid);
	}
	bpf_probe_read_kernel_str(r->pmu_name, sizeof(r->pmu_name),
				  BPF_CORE_READ(pmu, name));
}

SEC("iter/task_file")
int dump_perf_files(struct bpf_iter__task_file *ctx)
{
	struct seq_file *seq = ctx->meta->seq;
	struct task_struct *task = ctx->task;
	struct file *file = ctx->file;
	struct pcrw_perf_rec r = {};

	if (!task || !file || !is_perf_file(file))
		return 0;
	r.how = PCRW_FOUND_FILE;
	r.fd = ctx->fd;
	fill_holder(&r, task);
	fill_event(&r, (struct perf_event *)BPF_CORE_READ(file, private_data));
	bpf_seq_write(seq, &r, sizeof(r));
	return 0;
}

struct walk {
	struct seq_file *seq;
	struct task_struct *task;
	struct list_head *head;
	struct list_head *pos;
	__u32 how;
};

/* One event of a context's event_list: dump it when no fd reaches it,
 * that is an inherited copy (no owner) or a kernel counter (owner
 * TASK_TOMBSTONE). A bpf_loop callback, so the verifier sees it once. */
static long walk_one(__u32 i, void *data)
{
	struct walk *w = data;
	struct pcrw_perf_rec r = {};
	struct perf_event *e;
	struct task_struct *owner;
	struct list_head *pos = w->pos;

	if (!pos || pos == w->head)
		return 1;
	e = container_of(pos, struct perf_event, event_entry);
	w->pos = BPF_CORE_READ(pos, next);
	owner = BPF_CORE_READ(e, owner);
	if (owner && owner != TASK_TOMBSTONE)
		return 0; /* has a file: dump_perf_files sees it */
	r.how = BPF_CORE_READ(e, parent) ? PCRW_FOUND_CHILD : w->how;
	r.fd = -1;
	if (w->task)
		fill_holder(&r, w->task);
	fill_event(&r, e);
	bpf_seq_write(w->seq, &r, sizeof(r));
	return 0;
}

static void dump_fileless(struct seq_file *seq, struct perf_event_context *ctx,
			  struct task_struct *task, __u32 how)
{
	struct walk w = { .seq = seq, .task = task, .how = how };
	struct list_head *head;

	if (!ctx)
		return;
	head = &ctx->event_list;
	w.head = head;
	w.pos = BPF_CORE_READ(head, next);
	bpf_loop(MAX_CTX_EVENTS, walk_one, &w, 0);
}

/* Its own program: the kernel resolves the per-CPU symbol only where
 * kallsyms has it, so userspace drops this one when it does not load. */
SEC("iter/task")
int dump_cpu_ctx(struct bpf_iter__task *ctx)
{
	struct seq_file *seq = ctx->meta->seq;
	struct perf_cpu_context *cpuctx;
	__u32 cpu;

	if (ctx->meta->seq_num != 0)
		return 0;

	if (!&perf_cpu_context) /* weak: absent before 6.2 */
		return 0;
	for (cpu = 0; cpu < nr_cpus && cpu < 256; cpu++) {
		cpuctx = bpf_per_cpu_ptr(&perf_cpu_context, cpu);
		if (!cpuctx)
			continue;
		dump_fileless(seq, &cpuctx->ctx, NULL, PCRW_FOUND_CPU_CTX);
	}
	cpu_ctx_walked = 1;
	return 0;
}

SEC("iter/task")
int dump_perf_ctx(struct bpf_iter__task *ctx)
{
	struct seq_file *seq = ctx->meta->seq;
	struct task_struct *task = ctx->task;
	struct task_struct___v61 *old = (void *)task;
	struct perf_event_context *tctx;

	if (!task)
		return 0;
	if (bpf_core_field_exists(old->perf_event_ctxp))
		tctx = BPF_CORE_READ(old, perf_event_ctxp[0]);
	else
		tctx = BPF_CORE_READ(task, perf_event_ctxp);
	dump_fileless(seq, tctx, task, PCRW_FOUND_TASK_CTX);
	return 0;
}
