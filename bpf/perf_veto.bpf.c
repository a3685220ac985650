// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * perf_veto: keep reserved hardware counters their holders' own at
 * perf_event_open time (rule 5 of include/pcr_rules.h).
 *
 * lsm/perf_event_alloc sees the event the kernel built, with its PMU, CPU,
 * group and attr, and applies the whole rule: it charges the event's
 * demand and decides in one atomic step, pinned or flexible. The charge is
 * taken back when the event goes (lsm/perf_event_free where the kernel has
 * it; else the release of its file, or the RCU free every event ends in).
 * lsm/perf_event_open runs before any PMU is consulted; where there is no
 * core PMU it is the only place a hardware open can be refused, and it
 * applies the rule to the event's demand as it is on top of the charges.
 * Every decision reads the kernel's copy of the attr, never user memory:
 * the hook's own argument (6.1), or the copy perf_copy_attr() made, seen
 * at its return (6.12 passes the hook only the type). Denial is -EBUSY.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "perf_admit.bpf.h"

char LICENSE[] SEC("license") = "GPL";

#define PERF_SECURITY_OPEN 0

/* An admitted event's charge: the word and the demand. */
struct charge {
	__u32 idx;
	__u32 reserved0;
	__u64 demand;
};

/* Event address -> its charge. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct charge);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} charged SEC(".maps");

/* Thread (pid_tgid) -> the attr perf_copy_attr() just copied for it: the
 * kernel's copy, which no user thread can change. Taken by the open hook. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, struct kattr);
} copied_attr SEC(".maps");

/* Is the current task inside perf_event_open(2), by any ABI? Kernel-made
 * counters (NMI watchdog, KVM's guest PMU) are allocated elsewhere. */
static __always_inline int in_perf_event_open(struct task_struct *task)
{
	return pcrw_is_perf_event_open(pcrw_task_syscall_nr(task));
}

/* The CPU argument of the perf_event_open being served: the third
 * argument, in the same saved register for the native and the compat ABI
 * (x86-64 and ia32: dx; arm64 and aarch32: x2/r2). The kernel's saved
 * registers, which no other thread can change during the syscall. */
/*
 * Whose counter @event is: the user's when perf_event_open allocates it;
 * else a counter the kernel makes for itself
 * (perf_event_create_kernel_counter): KVM's vPMU counts only its guest
 * (exclude_host) and is the hypervisor layer's, anything else (the NMI
 * watchdog) the kernel layer's. A KVM counter is made in its vCPU thread,
 * so the current task names the VM.
 */
static __always_inline __u32 event_layer(struct perf_event *event)
{
	struct perf_event_attr *attr = &event->attr;

	if (in_perf_event_open(bpf_get_current_task_btf()))
		return PCR_LAYER_USER;
	return BPF_CORE_READ_BITFIELD(attr, exclude_host) ? PCR_LAYER_HYPERVISOR
							  : PCR_LAYER_KERNEL;
}

static __always_inline int syscall_cpu(void)
{
	struct pt_regs *regs;

	regs = (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());
	if (!regs)
		return -1;
#if defined(__TARGET_ARCH_x86)
	return (int)regs->dx;
#elif defined(__TARGET_ARCH_arm64)
	return (int)regs->regs[2];
#else
	return -1;
#endif
}

/* The kernel's attr, through a BTF pointer (the bitfield relocations are
 * relative to the struct the macro is given). */
static __always_inline void read_kattr(struct perf_event_attr *attr,
				       struct kattr *k)
{
	k->type = attr->type;
	k->config = attr->config;
	k->config1 = attr->config1;
	k->sample_type = attr->sample_type;
	k->flags = 0;
	if (BPF_CORE_READ_BITFIELD(attr, pinned))
		k->flags |= KATTR_PINNED;
	if (BPF_CORE_READ_BITFIELD(attr, exclusive))
		k->flags |= KATTR_EXCLUSIVE;
	if (BPF_CORE_READ_BITFIELD(attr, precise_ip))
		k->flags |= KATTR_PRECISE;
}

/*
 * No core PMU (amd64 guests): the open hook is the veto point. It applies
 * rule 5 to the event's own demand on top of what is charged, without
 * charging (no event exists yet to uncharge). @k is the kernel's attr;
 * NULL when it could not be found: then the open is taken for a hardware
 * event that needs a general counter (fail closed).
 */
static __always_inline int open_decide(const struct kattr *k)
{
	const struct pcrw_veto_cfg *cfg = veto_config();
	struct kattr least = { .type = PERF_TYPE_RAW };
	struct pcr_demand d = {};
	struct verdict v;
	__u32 idx;

	if (!cfg || cfg->mode == PCRW_VETO_SIGNAL)
		return 0;
	/* With a core PMU every hardware event reaches the alloc hook, which
	 * sees the whole event: decide once, there. */
	if (cfg->nr_hw_types)
		return 0;
	if (!k)
		k = &least;
	else if (!is_hw_type(cfg, k->type))
		return 0;
	demand_init(cfg, &d);
	d.exclusive = !!(k->flags & KATTR_EXCLUSIVE);
	d.pinned = !!(k->flags & KATTR_PINNED);
	admit(cfg, syscall_cpu(), PCR_LAYER_USER, &d, event_demand(cfg, k), 0,
	      &v, &idx);
	if (v.rule == PCR_ADMIT_OK)
		return 0;
	return veto(cfg, &v, k->type, k->config);
}

/* 6.1: the hook is given the kernel's attr. */
SEC("lsm/perf_event_open")
int BPF_PROG(veto_perf_open, struct perf_event_attr *attr, int type, int ret)
{
	struct kattr k;

	if (ret || type != PERF_SECURITY_OPEN)
		return ret;
	read_kattr(attr, &k);
	return open_decide(&k);
}

/* 6.12: only the type; the attr comes from perf_copy_attr()'s return,
 * which perf_event_open(2) calls just before this hook. */
SEC("lsm/perf_event_open")
int BPF_PROG(veto_perf_open_type_only, int type, int ret)
{
	const struct pcrw_veto_cfg *cfg;
	__u64 key = bpf_get_current_pid_tgid();
	struct kattr k, *c;

	if (ret || type != PERF_SECURITY_OPEN)
		return ret;
	cfg = veto_config();
	if (cfg && cfg->nr_hw_types)
		return 0; /* the alloc hook decides (open_decide()) */
	c = bpf_map_lookup_elem(&copied_attr, &key);
	if (!c)
		return open_decide(NULL);
	k = *c;
	bpf_map_delete_elem(&copied_attr, &key);
	return open_decide(&k);
}

SEC("fexit/perf_copy_attr")
int BPF_PROG(veto_perf_copy_attr, void *uattr, struct perf_event_attr *attr,
	     int ret)
{
	const struct pcrw_veto_cfg *cfg;
	__u64 key = bpf_get_current_pid_tgid();
	struct kattr k;

	if (ret)
		return 0;
	/* With a core PMU the open hook takes no attr: none is kept. */
	cfg = veto_config();
	if (cfg && cfg->nr_hw_types)
		return 0;
	read_kattr(attr, &k);
	bpf_map_update_elem(&copied_attr, &key, &k, BPF_ANY);
	return 0;
}

SEC("lsm/perf_event_alloc")
int BPF_PROG(veto_perf_alloc, struct perf_event *event, int ret)
{
	const struct pcrw_veto_cfg *cfg;
	struct perf_event *leader;
	struct pcr_demand d = {};
	struct kattr k, kl;
	struct verdict v;
	struct charge ch = {};
	__u64 key = (__u64)event;
	__u32 layer;

	if (ret)
		return ret;
	cfg = veto_config();
	if (!cfg || cfg->mode == PCRW_VETO_SIGNAL)
		return 0;
	/* Inherited children are the admitted parent's: a per-task event and
	 * its copies never run on one CPU at once, and denying one would fail
	 * a fork. Counters the kernel makes for itself are judged by their
	 * layer: refused, the watchdog goes without a hard-lockup detector on
	 * that CPU and KVM leaves the guest's counter not counting. */
	if (event->parent)
		return 0;
	layer = event_layer(event);
	read_kattr(&event->attr, &k);
	if (!is_hw_type(cfg, event->pmu->type) && !is_hw_type(cfg, k.type))
		return 0;
	leader = event->group_leader;
	read_kattr(&leader->attr, &kl);
	demand_init(cfg, &d);
	d.pinned = !!(kl.flags & KATTR_PINNED);
	d.exclusive = !!((kl.flags | k.flags) & KATTR_EXCLUSIVE);
	d.in_group = leader != event;
	ch.demand = event_demand(cfg, &k);
	admit(cfg, event->cpu, layer, &d, ch.demand, 1, &v, &ch.idx);
	if (v.rule != PCR_ADMIT_OK)
		return veto(cfg, &v, k.type, k.config);
	if (ch.idx == ~0U)
		return 0; /* not restricted anywhere: not charged */
	if (bpf_map_update_elem(&charged, &key, &ch, BPF_NOEXIST)) {
		/* Cannot remember the charge: refuse rather than leak it. */
		__u64 *w = charge_word(ch.idx);

		if (w)
			pcr_charge_undo(w, ch.demand);
		v.rule = PCR_ADMIT_UNKNOWN_CAPACITY;
		return veto(cfg, &v, k.type, k.config);
	}
	return 0;
}

/* Take an event's charge back, once: of two paths that see the same event
 * go, only the one whose delete succeeds uncharges. */
static __always_inline void uncharge(__u64 key)
{
	struct charge *c, ch;
	__u64 *w;

	c = bpf_map_lookup_elem(&charged, &key);
	if (!c)
		return;
	ch = *c;
	if (bpf_map_delete_elem(&charged, &key))
		return;
	w = charge_word(ch.idx);
	if (w)
		pcr_charge_undo(w, ch.demand);
}

/* 6.1: the LSM free hook runs for every event that goes. */
SEC("lsm/perf_event_free")
void BPF_PROG(veto_perf_free, struct perf_event *event)
{
	uncharge((__u64)event);
}

/* Without it: the release of the event's file (at close, at once), and the
 * RCU callback every freed event ends in (error paths of perf_event_open
 * after the allocation; a grace period later). */
SEC("fentry/perf_event_release_kernel")
int BPF_PROG(veto_perf_release, struct perf_event *event)
{
	uncharge((__u64)event);
	return 0;
}

SEC("fentry/free_event_rcu")
int BPF_PROG(veto_perf_rcu_free, struct callback_head *head)
{
	uncharge((__u64)head -
		 bpf_core_field_offset(struct perf_event, callback_head));
	return 0;
}
