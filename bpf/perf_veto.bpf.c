// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * perf_veto: keep reserved hardware counters their holders' own at
 * perf_event_open time (rule 5 of include/pcr_rules.h).
 *
 * lsm/perf_event_alloc sees the event with its PMU, CPU and group and
 * applies the whole rule, charging admitted pinned events (uncharged by
 * lsm/perf_event_free, or at the release of the event's file where the
 * kernel has no such hook). lsm/perf_event_open runs before any PMU is
 * consulted; where there is no core PMU it is the only place a hardware
 * open can be refused, and it applies the rule to the event's least demand.
 * Denial is -EBUSY.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "perf_admit.bpf.h"

char LICENSE[] SEC("license") = "GPL";

#define PERF_SECURITY_OPEN 0
#define PF_KTHREAD 0x00200000

/* Event address -> pinned_use index it was charged to. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} charged SEC(".maps");

/* perf_event_open's syscall numbers: native, and 32-bit compat. */
#if defined(__TARGET_ARCH_x86)
#define NR_perf_event_open 298
#define NR_perf_event_open_compat 336
#elif defined(__TARGET_ARCH_arm64)
#define NR_perf_event_open 241
#define NR_perf_event_open_compat 364
#else
#define NR_perf_event_open -1
#define NR_perf_event_open_compat -1
#endif

/* Is the current task inside perf_event_open(2)? Kernel-made counters
 * (NMI watchdog, KVM's guest PMU) are allocated elsewhere. */
static __always_inline int in_perf_event_open(struct task_struct *task)
{
	struct pt_regs *regs;
	long nr;

	if (task->flags & PF_KTHREAD)
		return 0;
	regs = (struct pt_regs *)bpf_task_pt_regs(task);
	if (!regs)
		return 0;
#if defined(__TARGET_ARCH_x86)
	nr = regs->orig_ax;
#elif defined(__TARGET_ARCH_arm64)
	nr = regs->syscallno;
#else
	return 0;
#endif
	return nr == NR_perf_event_open || nr == NR_perf_event_open_compat;
}

/* The perf_event_open syscall being served: its attr and CPU arguments.
 * The kernel copied the attr just before this hook; the alloc hook checks
 * the kernel's own copy again where there is a PMU. */
static __always_inline int syscall_args(struct attr_head *a, int *cpu)
{
	struct pt_regs *regs;
	const void *uattr;

	regs = (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());
	if (!regs)
		return -1;
#if defined(__TARGET_ARCH_x86)
	uattr = (const void *)regs->di;
	*cpu = (int)regs->dx;
#elif defined(__TARGET_ARCH_arm64)
	uattr = (const void *)regs->regs[0];
	*cpu = (int)regs->regs[2];
#else
	return -1;
#endif
	return bpf_probe_read_user(a, sizeof(*a), uattr);
}

static __always_inline int perf_open_hook(int type, int ret)
{
	const struct pcrw_veto_cfg *cfg;
	struct attr_head a;
	struct verdict v;
	int cpu = -1;

	if (ret || type != PERF_SECURITY_OPEN)
		return ret;
	cfg = veto_config();
	if (!cfg || cfg->mode == PCRW_VETO_SIGNAL)
		return 0;
	/* With a core PMU every hardware event reaches the alloc hook, which
	 * sees the whole event: decide once, there. Without one (amd64 guests)
	 * this is the only place a hardware-type open can be refused. */
	if (cfg->nr_hw_types)
		return 0;
	if (syscall_args(&a, &cpu) || !is_hw_type(cfg, a.type))
		return 0;
	if (!open_refused(cfg, cpu, &a, &v))
		return 0;
	return veto(cfg, &v, a.type, a.config);
}

/* The hook lost its attr argument in later kernels: (attr, type) on 6.1,
 * (type) on 6.12. Userspace loads the one that matches the kernel's BTF. */
SEC("lsm/perf_event_open")
int BPF_PROG(veto_perf_open, struct perf_event_attr *attr, int type, int ret)
{
	return perf_open_hook(type, ret);
}

SEC("lsm/perf_event_open")
int BPF_PROG(veto_perf_open_type_only, int type, int ret)
{
	return perf_open_hook(type, ret);
}

SEC("lsm/perf_event_alloc")
int BPF_PROG(veto_perf_alloc, struct perf_event *event, int ret)
{
	const struct pcrw_veto_cfg *cfg;
	struct perf_event_attr *lattr, *eattr;
	struct perf_event *leader;
	struct pcr_demand d = {};
	struct task_struct *task;
	struct verdict v;
	__u64 key = (__u64)event;
	__u32 idx, one = 1, *cnt;
	__u32 type;

	if (ret)
		return ret;
	cfg = veto_config();
	if (!cfg || cfg->mode == PCRW_VETO_SIGNAL)
		return 0;
	/* Inherited children are the admitted parent's: denying one would
	 * fail a fork. Kernel-made counters (NMI watchdog, KVM) are not
	 * vetoed: only an allocation inside perf_event_open is. */
	if (event->parent)
		return 0;
	task = bpf_get_current_task_btf();
	if (!in_perf_event_open(task))
		return 0;
	type = event->pmu->type;
	if (!is_hw_type(cfg, type) && !is_hw_type(cfg, event->attr.type))
		return 0;
	leader = event->group_leader;
	d.nr_counters = cfg->nr_counters;
	d.group_size = leader == event ? 1 : leader->nr_siblings + 2;
	/* Through attr pointers: the bitfield relocation is relative to the
	 * struct the macro is given. */
	lattr = &leader->attr;
	eattr = &event->attr;
	d.pinned = BPF_CORE_READ_BITFIELD(lattr, pinned);
	d.exclusive = BPF_CORE_READ_BITFIELD(lattr, exclusive) ||
		      BPF_CORE_READ_BITFIELD(eattr, exclusive);
	admit(cfg, event->cpu, &d, &v);
	if (v.rule != PCR_ADMIT_OK)
		return veto(cfg, &v, event->attr.type, event->attr.config);
	if (!v.restricted || !d.pinned)
		return 0;
	idx = event->cpu >= 0 && event->cpu < PCRW_MAX_CPUS ? event->cpu :
							     PCRW_PINNED_TASK;
	cnt = bpf_map_lookup_elem(&pinned_use, &idx);
	if (!cnt)
		return 0;
	if (bpf_map_update_elem(&charged, &key, &idx, BPF_NOEXIST) == 0)
		__sync_fetch_and_add(cnt, one);
	return 0;
}

static __always_inline void uncharge(struct perf_event *event)
{
	__u64 key = (__u64)event;
	__u32 *idx, *cnt;

	idx = bpf_map_lookup_elem(&charged, &key);
	if (!idx)
		return;
	cnt = bpf_map_lookup_elem(&pinned_use, idx);
	if (cnt && *cnt)
		__sync_fetch_and_add(cnt, (__u32)-1);
	bpf_map_delete_elem(&charged, &key);
}

/* Uncharge when the event goes: the LSM free hook where the kernel has it
 * (6.1), else the release of its file, the only way a charged event (one
 * opened by perf_event_open) goes away. */
SEC("lsm/perf_event_free")
void BPF_PROG(veto_perf_free, struct perf_event *event)
{
	uncharge(event);
}

SEC("fentry/perf_event_release_kernel")
int BPF_PROG(veto_perf_release, struct perf_event *event)
{
	uncharge(event);
	return 0;
}
