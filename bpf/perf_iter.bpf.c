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

#include "common.bpf.h"
#include "perf_iter.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define ANON_INODE_FS_MAGIC 0x09041934
/* A context's event_list is walked up to MAX_CTX_EVENTS entries; one
 * program run may write no more than the iterator's seq buffer (8 pages),
 * so at most MAX_CTX_EMIT fileless events of one context are written. */
#define MAX_CTX_EVENTS 8192
#define MAX_CTX_EMIT 64

const volatile __u32 nr_cpus = 1;

/* Set when the per-CPU contexts could be walked on this kernel. */
__u32 cpu_ctx_walked;
/* Set when a context had more fileless events than one walk lists. */
__u32 ctx_truncated;
/* The next CPU whose context dump_cpu_ctx walks; 0 before each snapshot. */
__u32 cpu_next;
/* A perf file's f_op, learned from the first one found by name. */
__u64 perf_fops_addr;

/* 6.1 had one task context per context kind (hardware, software). */
struct task_struct___v61 {
	struct perf_event_context *perf_event_ctxp[2];
} __attribute__((preserve_access_index));

/* 7.0 (mediated vPMU) made a context's time a struct perf_time_ctx
 * (time, stamp, offset) beside a guest one; before, it was a u64. */
struct perf_time_ctx___v7 {
	__u64 time;
} __attribute__((preserve_access_index));

struct perf_event_context___v7 {
	struct perf_time_ctx___v7 time;
} __attribute__((preserve_access_index));

extern struct perf_cpu_context perf_cpu_context __ksym __weak;

static bool is_perf_file(struct file *file)
{
	static const char want[] = "[perf_event]";
	char name[sizeof(want)];
	__u64 fop = (__u64)file->f_op; /* a BTF pointer: a plain load */
	int i;

	if (perf_fops_addr)
		return fop == perf_fops_addr;
	if (BPF_CORE_READ(file, f_inode, i_sb, s_magic) != ANON_INODE_FS_MAGIC)
		return false;
	if (bpf_probe_read_kernel_str(
		    name, sizeof(name),
		    BPF_CORE_READ(file, f_path.dentry, d_name.name)) !=
	    sizeof(want))
		return false;
	for (i = 0; i < sizeof(want); i++)
		if (name[i] != want[i])
			return false;
	perf_fops_addr = fop;
	return true;
}

/*
 * Per-CPU caches, kept in a map (clang splits plain static structs into
 * scalars whose BTF the kernel refuses): the holder's identity for the
 * next files of the same task (iter/task_file visits a task's files one
 * after another), and per PMU and per context what every event of it
 * shares. Each entry is keyed by the kernel object's address.
 * A same-CPU preemption by another snapshot can at worst refill an entry.
 */
struct iter_cache {
	__u64 gen; /* snapshot it was filled in: older entries are void */
	/* holder */
	__u64 task;
	struct pcrw_owner holder;
	/* PMU */
	__u64 pmu;
	__u32 pmu_type;
	__s32 task_ctx_nr;
	char pmu_name[PCRW_PMU_NAME_LEN];
	/* context */
	__u64 ctx;
	__u64 ctx_time;
	__u64 ctx_task;
	__s32 ctx_is_active;
	__u32 pad2;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct iter_cache);
} cache SEC(".maps");

/* Bumped by userspace before each snapshot, so that an address reused by
 * a new task, PMU or context since the last one is never matched. */
__u64 snapshot_gen;

static struct iter_cache *get_cache(void)
{
	struct iter_cache *c;
	__u32 zero = 0;

	c = bpf_map_lookup_elem(&cache, &zero);
	if (c && c->gen != snapshot_gen) {
		c->task = c->pmu = c->ctx = 0;
		c->gen = snapshot_gen;
	}
	return c;
}

static void fill_holder(struct pcrw_perf_rec *r, struct task_struct *t)
{
	struct iter_cache *c = get_cache();

	if (!c)
		return;
	if (c->task != (__u64)t) {
		pcrw_task_owner(&c->holder, t, PCR_LAYER_USER);
		c->task = (__u64)t;
	}
	r->holder_tgid = c->holder.tgid;
	r->holder_pid = c->holder.pid;
	r->holder_uid = c->holder.uid;
	r->cgroup_id = c->holder.cgroup_id;
	__builtin_memcpy(r->holder_comm, c->holder.comm,
			 sizeof(r->holder_comm));
}

/*
 * struct perf_event is read in one copy into this buffer and its fields
 * picked out at their CO-RE offsets: one probe read instead of twenty is
 * most of what makes a 10,000-event snapshot fast. Fields beyond the
 * buffer (none on 6.1 or 6.12) fall back to a read of their own.
 */
#define EV_BUF 1024
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, char[EV_BUF]);
} ev_buf SEC(".maps");

#define EV_FIELD(buf, e, field, type)                                          \
	({                                                                     \
		__u32 __off = bpf_core_field_offset(struct perf_event, field); \
		type __v = 0;                                                  \
		if (__off <= EV_BUF - sizeof(type))                            \
			__v = *(type *)((buf) + __off);                        \
		else                                                           \
			bpf_probe_read_kernel(&__v, sizeof(__v),               \
					      (void *)(e) + __off);            \
		__v;                                                           \
	})

static void fill_event(struct pcrw_perf_rec *r, struct perf_event *e)
{
	struct perf_event_context *ctx;
	struct task_struct *target, *owner;
	struct perf_event *leader;
	struct pmu *pmu;
	struct iter_cache *c;
	__u32 zero = 0, flag_off;
	__u64 bits;
	char *buf;

	buf = bpf_map_lookup_elem(&ev_buf, &zero);
	if (!buf || bpf_probe_read_kernel(buf, EV_BUF, e))
		return;
	ctx = EV_FIELD(buf, e, ctx, struct perf_event_context *);
	pmu = EV_FIELD(buf, e, pmu, struct pmu *);
	leader = EV_FIELD(buf, e, group_leader, struct perf_event *);
	owner = EV_FIELD(buf, e, owner, struct task_struct *);
	r->event = (__u64)e;
	r->owner = (__u64)owner;
	r->parent = (__u64)EV_FIELD(buf, e, parent, void *);
	r->leader = (__u64)leader;
	/* Newer kernels rewrite attr.type to the PMU's own type (cpu-clock,
	 * hybrid x86) and keep what the user asked for in orig_type. */
	if (bpf_core_field_exists(e->orig_type))
		r->type = EV_FIELD(buf, e, orig_type, __u32);
	else
		r->type = EV_FIELD(buf, e, attr.type, __u32);
	r->config = EV_FIELD(buf, e, attr.config, __u64);
	r->config1 = EV_FIELD(buf, e, attr.config1, __u64);
	r->state = EV_FIELD(buf, e, state, __s32);
	r->hw_idx = EV_FIELD(buf, e, hw.idx, __s32);
	r->cpu = EV_FIELD(buf, e, cpu, __s32);
	r->oncpu = EV_FIELD(buf, e, oncpu, __s32);
	r->total_time_enabled = EV_FIELD(buf, e, total_time_enabled, __u64);
	r->total_time_running = EV_FIELD(buf, e, total_time_running, __u64);
	r->tstamp = EV_FIELD(buf, e, tstamp, __u64);
	r->nr_siblings = EV_FIELD(buf, e, nr_siblings, __s32);
	/* The UAPI flag word right after read_format: disabled, inherit,
	 * pinned, exclusive are its bits 0..3. */
	flag_off = bpf_core_field_offset(struct perf_event, attr.read_format) +
		   sizeof(__u64);
	bits = 0;
	if (flag_off <= EV_BUF - sizeof(__u64))
		bits = *(__u64 *)(buf + flag_off);
	if (bits & (1ULL << 2))
		r->flags |= PCRW_PERF_PINNED;
	if (bits & (1ULL << 3))
		r->flags |= PCRW_PERF_EXCLUSIVE;
	if (bits & (1ULL << 1))
		r->flags |= PCRW_PERF_INHERIT;
	if (owner == PCRW_TASK_TOMBSTONE)
		r->flags |= PCRW_PERF_KERNEL_OWNER;
	if (leader == e)
		r->flags |= PCRW_PERF_LEADER;

	c = get_cache();
	if (!c)
		return;
	if (c->pmu != (__u64)pmu) {
		c->pmu_type = BPF_CORE_READ(pmu, type);
		c->task_ctx_nr = BPF_CORE_READ(pmu, task_ctx_nr);
		bpf_probe_read_kernel_str(c->pmu_name, sizeof(c->pmu_name),
					  BPF_CORE_READ(pmu, name));
		c->pmu = (__u64)pmu;
	}
	r->pmu_type = c->pmu_type;
	if (c->task_ctx_nr == 0) /* perf_hw_context */
		r->flags |= PCRW_PERF_HW;
	__builtin_memcpy(r->pmu_name, c->pmu_name, sizeof(r->pmu_name));

	if (c->ctx != (__u64)ctx) {
		struct perf_event_context___v7 *ctx7 = (void *)ctx;

		if (bpf_core_field_exists(ctx7->time.time))
			c->ctx_time = BPF_CORE_READ(ctx7, time.time);
		else
			c->ctx_time = BPF_CORE_READ(ctx, time);
		c->ctx_is_active = BPF_CORE_READ(ctx, is_active);
		c->ctx_task = (__u64)BPF_CORE_READ(ctx, task);
		c->ctx = (__u64)ctx;
	}
	r->ctx_time = c->ctx_time;
	if (c->ctx_is_active & 0x4) /* EVENT_TIME */
		r->flags |= PCRW_PERF_CTX_ACTIVE;
	target = (struct task_struct *)c->ctx_task;
	if (target && target != PCRW_TASK_TOMBSTONE) {
		if (c->task == (__u64)target) {
			r->target_tgid = c->holder.tgid;
			r->target_pid = c->holder.pid;
		} else {
			r->target_tgid = BPF_CORE_READ(target, tgid);
			r->target_pid = BPF_CORE_READ(target, pid);
		}
	}
}

struct walk {
	struct seq_file *seq;
	struct task_struct *task;
	struct list_head *head;
	struct list_head *pos;
	__u32 how;
	__u32 emitted;
	__u32 overflow; /* the seq buffer is full: this run is retried */
};

/* One event of a context's event_list: dump it when no fd reaches it,
 * that is an inherited copy (no owner) or a kernel counter (owner
 * PCRW_TASK_TOMBSTONE). A bpf_loop callback, so the verifier sees it once. */
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
	if (owner && owner != PCRW_TASK_TOMBSTONE)
		return 0; /* has a file: dump_perf_files sees it */
	if (w->emitted >= MAX_CTX_EMIT) {
		ctx_truncated = 1; /* userspace says so: nothing is hidden */
		return 1;
	}
	w->emitted++;
	r.how = BPF_CORE_READ(e, parent) ? PCRW_FOUND_CHILD : w->how;
	r.fd = -1;
	if (w->task)
		fill_holder(&r, w->task);
	fill_event(&r, e);
	if (bpf_seq_write(w->seq, &r, sizeof(r))) {
		w->overflow = 1;
		return 1;
	}
	return 0;
}

/* Returns nonzero when the seq buffer filled up (the run is retried). */
static int dump_fileless(struct seq_file *seq, struct perf_event_context *ctx,
			 struct task_struct *task, __u32 how)
{
	struct walk w = { .seq = seq, .task = task, .how = how };
	struct list_head *head;

	if (!ctx)
		return 0;
	head = &ctx->event_list;
	w.head = head;
	w.pos = BPF_CORE_READ(head, next);
	bpf_loop(MAX_CTX_EVENTS, walk_one, &w, 0);
	if (w.pos && w.pos != head && w.emitted < MAX_CTX_EMIT && !w.overflow)
		ctx_truncated = 1; /* walked MAX_CTX_EVENTS, more remain */
	return w.overflow;
}

/* Its own program: the kernel resolves the per-CPU symbol only where
 * kallsyms has it, so userspace drops this one when it does not load.
 * First in the object, so that such a failed load costs no verification
 * of the others. */
SEC("iter/task")
int dump_cpu_ctx(struct bpf_iter__task *ctx)
{
	struct seq_file *seq = ctx->meta->seq;
	struct perf_cpu_context *cpuctx;
	__u32 cpu = cpu_next;

	/* One CPU per task visited, so that no run writes more than the seq
	 * buffer holds; a run whose output did not fit is run again for the
	 * same task, so it does not move on. */
	if (!&perf_cpu_context) /* weak: absent before 6.2 */
		return 0;
	if (cpu >= nr_cpus)
		return 0;
	cpuctx = bpf_per_cpu_ptr(&perf_cpu_context, cpu);
	if (cpuctx &&
	    dump_fileless(seq, &cpuctx->ctx, NULL, PCRW_FOUND_CPU_CTX))
		return 0;
	cpu_next = cpu + 1;
	if (cpu_next >= nr_cpus)
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
	if (bpf_core_field_exists(old->perf_event_ctxp)) {
		/* 6.1: the hardware context, then the software one; both
		 * fit in one run's output (2 * MAX_CTX_EMIT records). */
		tctx = BPF_CORE_READ(old, perf_event_ctxp[0]);
		if (dump_fileless(seq, tctx, task, PCRW_FOUND_TASK_CTX))
			return 0;
		tctx = BPF_CORE_READ(old, perf_event_ctxp[1]);
	} else {
		tctx = BPF_CORE_READ(task, perf_event_ctxp);
	}
	dump_fileless(seq, tctx, task, PCRW_FOUND_TASK_CTX);
	return 0;
}

SEC("iter/task_file")
int dump_perf_files(struct bpf_iter__task_file *ctx)
{
	struct seq_file *seq = ctx->meta->seq;
	struct task_struct *task = ctx->task;
	struct file *file = ctx->file;
	struct task_struct *opener;
	struct pcrw_perf_rec r = {};

	if (!task || !file || !is_perf_file(file))
		return 0;
	r.how = PCRW_FOUND_FILE;
	r.fd = ctx->fd;
	fill_holder(&r, task);
	fill_event(&r, (struct perf_event *)file->private_data);
	/* A forked child or an SCM_RIGHTS receiver holds the same event: say
	 * which holder is the process that opened it. */
	opener = (struct task_struct *)r.owner;
	if (opener == task || (opener && opener != PCRW_TASK_TOMBSTONE &&
			       BPF_CORE_READ(opener, tgid) == r.holder_tgid))
		r.flags |= PCRW_PERF_HOLDER_OPENED;
	r.owner = 0; /* no kernel address leaves the program unneeded */
	bpf_seq_write(seq, &r, sizeof(r));
	return 0;
}
