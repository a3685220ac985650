// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * msr_watch: per CPU, per counter shadow state of the x86 PMU registers,
 * kept from the msr tracepoints, and the conflicts it reveals.
 *
 * write_msr fires on the CPU that executes WRMSR, so the per-CPU maps hold
 * exactly that CPU's registers. Most writes are not to the PMU (the TSC
 * deadline timer, x2APIC, SPEC_CTRL): pmu_classify() drops them with two
 * compares before any map is touched.
 *
 * Who is writing: a /dev/cpu/N/msr write is announced by the msr
 * driver's own msr_write (fentry and fexit; its file's minor is N, *ppos
 * the register, the kernel's own values, whatever syscall or io_uring
 * request brought it there), or, on kernels that cannot attach fentry, by
 * the pwrite64 syscall tracepoints of the writing process: pending[N].
 * Neither is loaded where /dev/cpu/N/msr does not exist. The MSR write
 * it causes may run on CPU N from an IPI, where current is some other
 * task, so it is matched by target CPU and MSR number, not by current.
 * Every other PMU MSR write is taken to be the kernel's perf driver, the
 * only in-tree kernel code that programs these registers (docs/MSR.md
 * says what this cannot tell apart).
 *
 * A write that faulted (#GP, the tracepoint's "failed") changed nothing in
 * hardware: it is recorded as an attempt of its writer, never as
 * programming, and never as a clobber.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "pmu_regs.h"
#include "common.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* The CPU's PMU, discovered from CPUID by userspace (user/groups/msr_pmu.c). */
const volatile __u32 pmu_vendor = PMU_VENDOR_NONE;
const volatile __u32 pmu_nr_gp = 0;
const volatile __u32 pmu_nr_fixed = 0;
const volatile __u32 pmu_version = 0; /* for userspace: INUSE exists from 4 */

#define MSR_MAJOR 202

/* msr:* tracepoint record (tracefs format; x86 only, so spelled out here
 * rather than taken from an arch's vmlinux.h). */
struct msr_tp_ctx {
	__u64 common;
	__u32 msr;
	__u32 pad;
	__u64 val;
	__s32 failed;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PCR_MAX_SLOTS);
	__type(key, __u32);
	__type(value, struct pcrw_msr_slot);
} shadow SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pcrw_msr_cpu);
} cpu_state SEC(".maps");

/* Keyed by the target CPU of a /dev/cpu/N/msr write. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, PCRW_SIZED_AT_LOAD); /* possible CPUs */
	__type(key, __u32);
	__type(value, struct pcrw_msr_pending);
} pending SEC(".maps");

/* Thread (pid_tgid) in a /dev/cpu/N/msr pwrite64 -> N. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u64);
	__type(value, __u32);
} inflight SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

/* __u64 per enum pcrw_event_kind; index 0 counts events lost. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PCRW_NR_EVENT_KINDS);
	__type(key, __u32);
	__type(value, __u64);
} event_counts SEC(".maps");

static __always_inline void emit(__u32 kind, __u32 slot, __u32 msr, __u64 value,
				 __u64 old_value, __u32 actor_path,
				 const struct pcrw_owner *actor,
				 __u32 prev_path, const struct pcrw_owner *prev)
{
	struct pcrw_event *e = pcrw_event_reserve(&events, &event_counts, kind);

	if (!e)
		return;
	e->slot = slot;
	e->msr = msr;
	e->value = value;
	e->old_value = old_value;
	e->actor_path = actor_path;
	e->prev_path = prev_path;
	e->actor = *actor;
	if (prev)
		e->prev = *prev;
	pcrw_event_submit(e);
}

/* The party behind a PMU MSR write or read on @cpu. */
static __always_inline __u32 actor_for(__u32 cpu, __u32 msr,
				       struct pcrw_owner *a)
{
	struct pcrw_msr_pending *p = bpf_map_lookup_elem(&pending, &cpu);

	if (p && p->active && p->msr == msr) {
		*a = p->who;
		return PCRW_PATH_MSR_DEV;
	}
	__builtin_memset(a, 0, sizeof(*a));
	a->layer = PCR_LAYER_KERNEL;
	__builtin_memcpy(a->comm, "perf", 5);
	return PCRW_PATH_PERF;
}

/* Direct writers are told apart by process; the perf driver and firmware
 * are one party each. */
static __always_inline int same_party(__u32 path_a, const struct pcrw_owner *a,
				      __u32 path_b, const struct pcrw_owner *b)
{
	if (path_a != path_b)
		return 0;
	return path_a != PCRW_PATH_MSR_DEV || a->tgid == b->tgid;
}

static __always_inline void note_attempt(struct pcrw_msr_slot *s, __u32 msr,
					 __u64 val, int failed, __u32 path,
					 const struct pcrw_owner *a, __u64 now)
{
	s->attempt = *a;
	s->attempt_path = path;
	s->attempt_msr = msr;
	s->attempt_value = val;
	s->attempt_ts_ns = now;
	s->attempt_failed = failed != 0;
	if (failed)
		s->nr_failed++;
	else
		s->nr_writes++;
}

/*
 * Someone writes the event select of @slot (or its fixed-counter field):
 * taking a counter another party still has enabled is a clobber; taking
 * one that is off is a change of owner.
 */
static __always_inline void program_slot(__u32 slot, __u32 msr, __u64 val,
					 __u32 enabled, int failed, __u32 path,
					 const struct pcrw_owner *a)
{
	struct pcrw_msr_slot *s = bpf_map_lookup_elem(&shadow, &slot);
	__u64 now = bpf_ktime_get_ns();

	if (!s)
		return;
	note_attempt(s, msr, val, failed, path, a, now);
	if (failed)
		return;
	if (!s->owned || !same_party(s->owner_path, &s->owner, path, a)) {
		if (s->owned && s->enabled) {
			s->nr_clobbers++;
			emit(PCRW_EV_CLOBBER, slot, msr, val, s->evtsel, path,
			     a, s->owner_path, &s->owner);
		} else {
			emit(PCRW_EV_OWNER_CHANGE, slot, msr, val, s->evtsel,
			     path, a, s->owner_path,
			     s->owned ? &s->owner : NULL);
		}
	}
	s->owner = *a;
	s->owner_path = path;
	s->owned = 1;
	s->evtsel = val;
	s->enabled = enabled;
	s->ts_ns = now;
}

/* A write to the count of @slot: a clobber when another party has it
 * enabled (the owner stays); otherwise the writer takes the slot. */
static __always_inline void write_count(__u32 slot, __u32 msr, __u64 val,
					int failed, __u32 path,
					const struct pcrw_owner *a)
{
	struct pcrw_msr_slot *s = bpf_map_lookup_elem(&shadow, &slot);
	__u64 now = bpf_ktime_get_ns();

	if (!s)
		return;
	note_attempt(s, msr, val, failed, path, a, now);
	if (failed ||
	    (s->owned && same_party(s->owner_path, &s->owner, path, a)))
		return;
	if (s->owned && s->enabled) {
		s->nr_clobbers++;
		emit(PCRW_EV_CLOBBER, slot, msr, val, s->evtsel, path, a,
		     s->owner_path, &s->owner);
		return;
	}
	emit(PCRW_EV_OWNER_CHANGE, slot, msr, val, s->evtsel, path, a,
	     s->owner_path, s->owned ? &s->owner : NULL);
	s->owner = *a;
	s->owner_path = path;
	s->owned = 1;
	s->ts_ns = now;
}

static __always_inline void note_global(struct pcrw_msr_cpu *c, __u32 msr,
					__u32 path, const struct pcrw_owner *a)
{
	c->global_writer = *a;
	c->global_path = path;
	c->global_msr = msr;
	c->global_ts_ns = bpf_ktime_get_ns();
}

/* IA32_FIXED_CTR_CTRL: each fixed counter whose field changes is
 * programmed by this write; the others are left alone. */
static __always_inline void write_fixed_ctrl(struct pcrw_msr_cpu *c, __u32 msr,
					     __u64 val, int failed, __u32 path,
					     const struct pcrw_owner *a)
{
	__u64 old = c->fixed_ctrl;
	__u32 j;

	note_global(c, msr, path, a);
	if (!failed)
		c->fixed_ctrl = val;
	for (j = 0; j < PMU_MAX_FIXED; j++) {
		__u64 f = pmu_fixed_field(val, j);

		if (j >= pmu_nr_fixed)
			break;
		if (f == pmu_fixed_field(old, j))
			continue;
		program_slot(PMU_SLOT_FIXED0 + j, msr, f,
			     (f & PMU_FIXED_FIELD_EN) != 0, failed, path, a);
	}
}

/* A direct writer that turns another party's enabled counter on or off
 * through the global enable register clobbers it. The perf driver's own
 * disable/enable of all counters around every PMI and context switch is
 * its normal operation and is not reported (its programming of a counter
 * is, at the event select). */

/* Loop index @i over the general counters then the fixed ones, as a slot
 * number: false past this CPU's counters (pmu_nr_gp, pmu_nr_fixed). */
static __always_inline bool nth_counter_slot(__u32 i, __u32 *slot)
{
	if (i < PMU_MAX_GP) {
		*slot = i;
		return i < pmu_nr_gp;
	}
	*slot = PMU_SLOT_FIXED0 + i - PMU_MAX_GP;
	return i - PMU_MAX_GP < pmu_nr_fixed;
}
static __always_inline void global_enable_clobbers(__u64 old, __u64 val,
						   __u32 msr, __u32 path,
						   const struct pcrw_owner *a)
{
	__u64 changed = old ^ val;
	__u32 i, slot;

	for (i = 0; i < PMU_MAX_GP + PMU_MAX_FIXED; i++) {
		struct pcrw_msr_slot *s;

		if (!nth_counter_slot(i, &slot))
			continue;
		if (!(changed & (1ULL << slot)))
			continue;
		s = bpf_map_lookup_elem(&shadow, &slot);
		if (!s || !s->owned || !s->enabled ||
		    same_party(s->owner_path, &s->owner, path, a))
			continue;
		s->nr_clobbers++;
		emit(PCRW_EV_CLOBBER, slot, msr, val, old, path, a,
		     s->owner_path, &s->owner);
	}
}

static __always_inline int on_write(__u32 msr, __u64 val, int failed)
{
	struct pmu_shape shape;
	struct pcrw_owner a;
	struct pcrw_msr_cpu *c;
	struct pmu_reg reg;
	__u32 zero = 0, path;
	__u64 old;

	/* The hot path: every non-PMU MSR leaves here. */
	if (pmu_msr_surely_not_pmu(msr))
		return 0;
	shape.vendor = pmu_vendor;
	shape.nr_gp = pmu_nr_gp;
	shape.nr_fixed = pmu_nr_fixed;
	shape.version = 0;
	if (!pmu_classify(msr, &shape, &reg))
		return 0;
	c = bpf_map_lookup_elem(&cpu_state, &zero);
	if (!c)
		return 0;
	c->nr_pmu_writes++;
	if (failed)
		c->nr_failed++;
	if (reg.out_of_range) {
		c->nr_out_of_range++;
		return 0;
	}
	path = actor_for(bpf_get_smp_processor_id(), msr, &a);
	if (path == PCRW_PATH_MSR_DEV)
		c->nr_direct++;
	switch (reg.kind) {
	case PMU_REG_EVTSEL:
		program_slot(reg.slot, msr, val, (val & PMU_EVTSEL_EN) != 0,
			     failed, path, &a);
		break;
	case PMU_REG_CTR:
	case PMU_REG_FIXED_CTR:
		write_count(reg.slot, msr, val, failed, path, &a);
		break;
	case PMU_REG_FIXED_CTRL:
		write_fixed_ctrl(c, msr, val, failed, path, &a);
		break;
	case PMU_REG_GLOBAL_CTRL:
		note_global(c, msr, path, &a);
		if (failed)
			break;
		old = c->global_ctrl;
		c->global_ctrl = val;
		if (path == PCRW_PATH_MSR_DEV)
			global_enable_clobbers(old, val, msr, path, &a);
		break;
	default: /* status, overflow clear, status set: who touched them */
		note_global(c, msr, path, &a);
		break;
	}
	return 0;
}

/* IA32_PERF_GLOBAL_INUSE read: a bit set for a counter nobody here owns
 * is reported once, until the bit clears or someone takes the slot. */
static __always_inline void check_inuse(struct pcrw_msr_cpu *c, __u32 msr,
					__u64 val)
{
	struct pcrw_owner a;
	__u64 unowned = 0;
	__u32 i, slot, path;

	for (i = 0; i < PMU_MAX_GP + PMU_MAX_FIXED; i++) {
		struct pcrw_msr_slot *s;

		if (!nth_counter_slot(i, &slot))
			continue;
		if (!(val & (1ULL << slot)))
			continue;
		s = bpf_map_lookup_elem(&shadow, &slot);
		if (s && s->owned && s->enabled)
			continue;
		unowned |= 1ULL << slot;
		if (c->inuse_reported & (1ULL << slot))
			continue;
		path = actor_for(bpf_get_smp_processor_id(), msr, &a);
		emit(PCRW_EV_INUSE_MISMATCH, slot, msr, val, c->global_inuse,
		     path, &a,
		     s && s->owned ? s->owner_path : PCRW_PATH_UNKNOWN,
		     s && s->owned ? &s->owner : NULL);
	}
	c->inuse_reported = unowned;
	c->global_inuse = val;
}

static __always_inline void count_read(__u32 slot)
{
	struct pcrw_msr_slot *s = bpf_map_lookup_elem(&shadow, &slot);

	if (s)
		s->nr_reads++;
}

static __always_inline int on_read(__u32 msr, __u64 val, int failed)
{
	struct pmu_shape shape;
	struct pcrw_msr_cpu *c;
	struct pmu_reg reg;
	__u32 zero = 0;

	if (pmu_msr_surely_not_pmu(msr))
		return 0;
	shape.vendor = pmu_vendor;
	shape.nr_gp = pmu_nr_gp;
	shape.nr_fixed = pmu_nr_fixed;
	shape.version = 0;
	if (!pmu_classify(msr, &shape, &reg) || failed || reg.out_of_range)
		return 0;
	c = bpf_map_lookup_elem(&cpu_state, &zero);
	if (!c)
		return 0;
	c->nr_reads++;
	if (reg.kind == PMU_REG_GLOBAL_INUSE)
		check_inuse(c, msr, val);
	else if (reg.slot != PMU_SLOT_NONE)
		count_read(reg.slot);
	return 0;
}

/* RDPMC index: general counter i is i, fixed counter j is 1 << 30 | j. */
static __always_inline int on_rdpmc(__u32 idx)
{
	__u32 slot;

	if (idx & (1U << 30)) {
		idx &= ~(1U << 30);
		if (idx >= pmu_nr_fixed || idx >= PMU_MAX_FIXED)
			return 0;
		slot = PMU_SLOT_FIXED0 + idx;
	} else {
		if (idx >= pmu_nr_gp || idx >= PMU_MAX_GP)
			return 0;
		slot = idx;
	}
	count_read(slot);
	return 0;
}

/* ctx is the tracepoint's arguments (msr, val, failed) as __u64s; read
 * here by hand so that the reject happens before val and failed are even
 * loaded. */
SEC("raw_tp/write_msr")
int msr_write_raw(__u64 *ctx)
{
	__u32 msr = (__u32)ctx[0];

	if (pmu_msr_surely_not_pmu(msr))
		return 0;
	return on_write(msr, ctx[1], (int)ctx[2]);
}

SEC("tracepoint/msr/write_msr")
int msr_write_tp(struct msr_tp_ctx *ctx)
{
	return on_write(ctx->msr, ctx->val, ctx->failed);
}

SEC("raw_tp/read_msr")
int BPF_PROG(msr_read_raw, unsigned int msr, u64 val, int failed)
{
	return on_read(msr, val, failed);
}

SEC("tracepoint/msr/read_msr")
int msr_read_tp(struct msr_tp_ctx *ctx)
{
	return on_read(ctx->msr, ctx->val, ctx->failed);
}

SEC("raw_tp/rdpmc")
int BPF_PROG(msr_rdpmc_raw, unsigned int counter, u64 val, int failed)
{
	return failed ? 0 : on_rdpmc(counter);
}

SEC("tracepoint/msr/rdpmc")
int msr_rdpmc_tp(struct msr_tp_ctx *ctx)
{
	return ctx->failed ? 0 : on_rdpmc(ctx->msr);
}

/* The current task writes MSR @msr on CPU @cpu through /dev/cpu/N/msr
 * until writer_end(): the writes CPU @cpu makes to @msr meanwhile are its. */
static __always_inline void writer_begin(__u32 cpu, __u32 msr)
{
	struct pcrw_msr_pending *p = bpf_map_lookup_elem(&pending, &cpu);

	if (!p)
		return;
	p->active = 0;
	p->ts_ns = bpf_ktime_get_ns();
	p->msr = msr;
	pcrw_current_owner(&p->who, PCR_LAYER_USER);
	p->active = 1;
}

static __always_inline void writer_end(__u32 cpu)
{
	struct pcrw_msr_pending *p = bpf_map_lookup_elem(&pending, &cpu);

	if (p && p->who.pid == (__u32)bpf_get_current_pid_tgid())
		p->active = 0;
}

/*
 * The msr driver's write (write, pwrite64, writev, pwritev, io_uring: all
 * come here with the kernel's own file and position): CPU = the file's
 * minor, MSR = *ppos, which msr_write reads once and never advances. A
 * count that is not a positive multiple of 8 writes nothing.
 */
SEC("fentry/msr_write")
int BPF_PROG(msr_dev_write, struct file *file, const char *buf, size_t count,
	     loff_t *ppos)
{
	loff_t pos = 0;

	if (count < 8 || (count & 7))
		return 0;
	bpf_probe_read_kernel(&pos, sizeof(pos), ppos);
	writer_begin(PCRW_MINOR(pcrw_file_rdev(file)), (__u32)pos);
	return 0;
}

SEC("fexit/msr_write")
int BPF_PROG(msr_dev_write_exit, struct file *file, const char *buf,
	     size_t count, loff_t *ppos, ssize_t ret)
{
	writer_end(PCRW_MINOR(pcrw_file_rdev(file)));
	return 0;
}

/*
 * The msr driver's X86_IOC_WRMSR_REGS ioctl writes through
 * wrmsr_safe_regs_on_cpu(cpu, regs) with the register block it copied in:
 * regs[1] is the MSR, regs[0] and regs[2] the value's halves. WRMSR runs
 * there in assembly, so msr:write_msr does not fire: the write is
 * classified at the exit of __wrmsr_safe_regs_on_cpu, on the target CPU.
 */
SEC("fentry/wrmsr_safe_regs_on_cpu")
int BPF_PROG(msr_dev_ioctl, unsigned int cpu, u32 *regs)
{
	__u32 msr = 0;

	bpf_probe_read_kernel(&msr, sizeof(msr), &regs[1]);
	writer_begin(cpu, msr);
	return 0;
}

SEC("fexit/wrmsr_safe_regs_on_cpu")
int BPF_PROG(msr_dev_ioctl_exit, unsigned int cpu, u32 *regs, int ret)
{
	writer_end(cpu);
	return 0;
}

/* The kernel's struct msr_regs_info (x86 only: spelled out, CO-RE). */
struct msr_regs_info___pcrw {
	u32 *regs;
	int err;
} __attribute__((preserve_access_index));

SEC("fexit/__wrmsr_safe_regs_on_cpu")
int BPF_PROG(msr_regs_write, struct msr_regs_info___pcrw *rv)
{
	__u32 regs[3] = {};

	bpf_probe_read_kernel(regs, sizeof(regs), BPF_CORE_READ(rv, regs));
	return on_write(regs[1], (__u64)regs[2] << 32 | regs[0],
			BPF_CORE_READ(rv, err));
}

/*
 * The last rung, where fentry cannot attach: pwrite64(fd, buf, count, pos)
 * on /dev/cpu/N/msr writes MSR pos on CPU N (msr-tools, likwid, PCM in
 * MSR mode all do it this way), read back from the syscall's arguments.
 * Every syscall of every process passes through it.
 */
SEC("tracepoint/syscalls/sys_enter_pwrite64")
int msr_dev_enter(struct trace_event_raw_sys_enter *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct file *f;
	__u32 cpu, rdev;

	if (ctx->args[2] < 8 || (ctx->args[2] & 7))
		return 0;
	f = pcrw_fd_file((struct task_struct *)bpf_get_current_task(),
			 (unsigned int)ctx->args[0]);
	rdev = pcrw_file_rdev(f);
	if (PCRW_MAJOR(rdev) != MSR_MAJOR)
		return 0;
	cpu = PCRW_MINOR(rdev);
	writer_begin(cpu, (__u32)ctx->args[3]);
	bpf_map_update_elem(&inflight, &id, &cpu, BPF_ANY);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_pwrite64")
int msr_dev_exit(struct trace_event_raw_sys_exit *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 *cpu = bpf_map_lookup_elem(&inflight, &id);

	if (!cpu)
		return 0;
	writer_end(*cpu);
	bpf_map_delete_elem(&inflight, &id);
	return 0;
}

/*
 * Not attached: userspace runs it through BPF_PROG_TEST_RUN on CPU N when
 * its start-up scan (/dev/cpu/N/msr, as the kernel's check_hw_exists()
 * does at boot) finds a counter enabled that nobody here programmed.
 */
SEC("raw_tp")
int BPF_PROG(msr_mark_held, __u64 slot, __u64 value, __u64 msr)
{
	struct pcrw_owner fw = { .layer = PCR_LAYER_FIRMWARE };
	struct pcrw_msr_slot *s;
	__u32 key = (__u32)slot;

	s = bpf_map_lookup_elem(&shadow, &key);
	if (!s || s->owned)
		return 0;
	__builtin_memcpy(fw.comm, "firmware", 9);
	s->owner = fw;
	s->owner_path = PCRW_PATH_FIRMWARE;
	s->owned = 1;
	s->enabled = 1;
	s->evtsel = value;
	s->ts_ns = bpf_ktime_get_ns();
	emit(PCRW_EV_FIRMWARE_HELD, key, (__u32)msr, value, 0,
	     PCRW_PATH_FIRMWARE, &fw, PCRW_PATH_UNKNOWN, NULL);
	return 1;
}
