/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * perf_admit.bpf.h - rule 5 (include/pcr_rules.h) as the perf veto
 * programs apply it: which reservations restrict the current task on a CPU,
 * the demand of an event, and the logging of a (would-be) veto. Shared by
 * perf_veto.bpf.c (LSM) and perf_signal.bpf.c (raw_tp, signal mode).
 */
#ifndef PCRW_PERF_ADMIT_BPF_H
#define PCRW_PERF_ADMIT_BPF_H

#include "veto_common.bpf.h"

/* Charge words (include/pcr_rules.h rule 5) of the admitted hardware
 * events of restricted tasks: per CPU, then the per-task pool at index
 * veto_cfg.nr_cpus. Sized nr_cpus + 1 at load (user/groups/map_size.c). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, PCRW_SIZED_AT_LOAD);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} hw_charge SEC(".maps");

static __always_inline int is_hw_type(const struct pcrw_veto_cfg *cfg,
				      __u32 type)
{
	__u32 i;

	if (type == PERF_TYPE_HARDWARE || type == PERF_TYPE_HW_CACHE ||
	    type == PERF_TYPE_RAW)
		return 1;
	for (i = 0; i < PCRW_MAX_HW_TYPES; i++)
		if (i < cfg->nr_hw_types && cfg->hw_types[i] == type)
			return 1;
	return 0;
}

/* The kernel's copy of an event's attr, as far as the rule needs it. */
struct kattr {
	__u32 type;
	__u32 flags; /* KATTR_* */
	__u64 config;
	__u64 config1;
	__u64 sample_type;
};
#define KATTR_PINNED 0x1
#define KATTR_EXCLUSIVE 0x2
#define KATTR_PRECISE 0x4 /* precise_ip != 0 */

#define SAMPLE_BRANCH_STACK (1ULL << 11) /* PERF_SAMPLE_BRANCH_STACK */
#define ARMV8_CPU_CYCLES 0x11 /* ARMV8_PMUV3_PERFCTR_CPU_CYCLES */

/*
 * The counters one hardware event needs, as a charge word: the plain
 * cycles event can go on a cycles-only counter (perf puts it there first),
 * anything else needs a general counter, and on arm64 an event asking for
 * a chained 64-bit counter (config1 bit 0) may need two. Variants that
 * keep cycles off the cycles-only counter (a threshold or user access in
 * config1, a branch stack, precise sampling on x86) count as general.
 */
static __always_inline __u64 event_demand(const struct pcrw_veto_cfg *cfg,
					  const struct kattr *a)
{
	int cycles = 0;

	if (a->config1 || (a->sample_type & SAMPLE_BRANCH_STACK) ||
	    (a->flags & KATTR_PRECISE)) {
#if defined(__TARGET_ARCH_arm64)
		if (a->config1 & 1)
			return pcr_charge_pack(2, 0);
#endif
		return pcr_charge_pack(1, 0);
	}
	if (a->type == PERF_TYPE_HARDWARE)
		cycles = a->config == PERF_COUNT_HW_CPU_CYCLES;
#if defined(__TARGET_ARCH_arm64)
	else if (a->type != PERF_TYPE_HW_CACHE)
		cycles = (a->config & 0xffff) == ARMV8_CPU_CYCLES;
#endif
	return cycles ? pcr_charge_pack(0, 1) : pcr_charge_pack(1, 0);
}

static __always_inline __u64 *charge_word(__u32 idx)
{
	return bpf_map_lookup_elem(&hw_charge, &idx);
}

static __always_inline __u64 charge_read(__u32 idx)
{
	__u64 *w = charge_word(idx);

	return w ? *(volatile __u64 *)w : 0;
}

/* The PMU's shape from the configuration: general and cycles-only counters. */
static __always_inline void demand_init(const struct pcrw_veto_cfg *cfg,
					struct pcr_demand *d)
{
	__u32 c = cfg->nr_cycles_only;

	d->nr_cycles_only = c <= cfg->nr_counters ? c : 0;
	d->nr_general = cfg->nr_counters - d->nr_cycles_only;
}

/* Rule 5 on the charges, a global function for the reason restricted_by()
 * is one. */
__noinline int admit_rule(struct pcr_demand *d, __u64 own, __u64 other)
{
	if (!d)
		return PCR_ADMIT_UNKNOWN_CAPACITY;
	return pcr_admit_charged(d, own, other);
}

struct verdict {
	__u64 resv_id; /* the reservation that decided, or one involved (0:
			* none, for a CPU the index cannot name) */
	__u32 rule; /* enum pcr_admit_rule */
	__u32 restricted; /* some reservation restricts the task */
	__u32 layer; /* the caller's (enum pcr_layer) */
	__s32 cpu; /* the event's CPU, or -1 (per task): what a veto names */
};

/* Rule 5 for one CPU and one charge: @own is the word the event is (or
 * would be) charged to, the other word is read now. */
struct admit_loop {
	struct pcr_demand d;
	struct verdict v;
	__u64 own;
	__u32 per_task; /* own is the per-task pool: the other is the CPU's */
	__u32 task_word; /* index of the per-task pool */
	__u32 cpu; /* a per-task walk: the CPU to look at next */
	__u32 reserved0;
};

/* Rule 5 on CPU @cpu, from its scan @sc; 1 when it refuses (the walk
 * stops). A walk whose next CPU is not above this one has met a broken
 * index (pcrwatch.h): it fails closed rather than circle. */
static __always_inline int admit_judge(struct admit_loop *l, __u32 cpu,
				       const struct resv_scan *sc)
{
	__u64 other;

	l->cpu = sc->next;
	if (sc->unindexed || (l->per_task && sc->next <= cpu)) {
		l->v.restricted = 1;
		l->v.rule = PCR_ADMIT_UNINDEXED;
		return 1;
	}
	if (!sc->first_id)
		return 0;
	l->v.restricted = 1;
	if (!l->v.resv_id)
		l->v.resv_id = sc->first_id;
	l->d.reserved_other = sc->reserved_other;
	l->d.whole_other = sc->whole_other;
	other = charge_read(l->per_task ? cpu : l->task_word);
	l->v.rule = admit_rule(&l->d, l->own, other);
	if (l->v.rule == PCR_ADMIT_OK)
		return 0;
	l->v.resv_id = sc->first_id;
	return 1;
}

/* A per-task event: one step along the chain of CPUs that reservations
 * cover (pcrwatch.h, the index), never over every possible CPU. */
static int admit_walk_cb(__u32 i, void *ctx)
{
	struct admit_loop *l = ctx;
	struct resv_scan sc = { .cpu = l->cpu, .layer = l->v.layer };

	if (l->cpu == PCRW_CPU_END)
		return 1;
	resv_scan(&sc);
	return admit_judge(l, sc.cpu, &sc);
}

/*
 * Rule 5 for an event of @demand on @cpu, or on every CPU a reservation
 * covers for a per-task event (@cpu < 0). With @charge the demand is added
 * to the event's charge word first and kept only when admitted (then @idx
 * says which word); without it (no event to uncharge later) the rule is
 * applied to the charges as they are plus this demand. @d brings the PMU's
 * shape and the event's flags, @layer the caller's layer (user, or the
 * layer of an in-kernel counter). A CPU the index or the charge words
 * cannot name is refused while anything is reserved (fail closed).
 */
static __always_inline void admit(const struct pcrw_veto_cfg *cfg, int cpu,
				  __u32 layer, const struct pcr_demand *d,
				  __u64 demand, int charge, struct verdict *v,
				  __u32 *idx)
{
	struct admit_loop l = { .d = *d, .v.layer = layer, .v.cpu = cpu };
	struct resv_scan sc = { .cpu = cpu, .layer = layer };
	__u64 *word;
	__u32 w;

	*idx = ~0U;
	/* A CPU-bound event: its CPU's one scan, judged after the charge
	 * (the scan does not read charges). Also restricted where the index
	 * cannot name @cpu while reservations exist: the rule then refuses. */
	if (cpu >= 0) {
		resv_scan(&sc);
		if (!sc.first_id && !sc.unindexed)
			goto out; /* the common case: nothing reserved there */
	}
	/* The walk starts where this one read of the head says, and only
	 * from a CPU: a constant at the bpf_loop call (END, on a path where
	 * a second read found nothing) is what verifiers before 6.7 checked
	 * the callback with once, pruning every later entry as covered and
	 * dropping its body as dead code (seen on 6.1: every per-task open
	 * admitted). */
	l.cpu = cpu < 0 ? resv_first_cpu() : cpu;
	if (l.cpu == PCRW_CPU_END)
		goto out; /* nothing reserved anywhere */
	l.task_word = cfg->nr_cpus;
	w = cpu >= 0 ? cpu : l.task_word;
	word = charge_word(w);
	if (!word) {
		l.v.restricted = 1;
		l.v.rule = PCR_ADMIT_UNINDEXED; /* fail closed */
		goto out;
	}
	l.per_task = cpu < 0;
	l.own = charge ? pcr_charge_add(word, demand) : *word + demand;
	if (cpu >= 0)
		admit_judge(&l, cpu, &sc);
	else
		bpf_loop(cfg->nr_cpus, admit_walk_cb, &l, 0);
	if (!charge)
		goto out;
	if (l.v.rule != PCR_ADMIT_OK || !l.v.restricted)
		pcr_charge_undo(word, demand);
	else
		*idx = w;
out:
	*v = l.v;
}

/* Log a (would-be) veto; returns what the hook returns. */
static __always_inline int veto(const struct pcrw_veto_cfg *cfg,
				const struct verdict *v, __u32 type,
				__u64 config)
{
	__u32 kind =
		cfg->mode == PCRW_VETO_AUDIT ? PCRW_EV_AUDIT : PCRW_EV_VETO;
	struct pcrw_event *e;
	__u64 id = v->resv_id, slots;

	e = veto_event_reserve(kind, id);
	if (e) {
		fill_veto_for(e, id, &slots); /* gone since: no holder named */
		/* A CPU event's counter is on its CPU, not where the
		 * opener (insmod, a vCPU thread, perf) happened to run. */
		if (v->cpu >= 0)
			e->cpu = v->cpu;
		e->actor.layer = v->layer;
		e->actor_path = PCRW_PATH_PERF;
		e->value = config;
		e->old_value = (__u64)type << 32 | v->rule;
		pcrw_event_submit(e);
	}
	return kind == PCRW_EV_AUDIT ? 0 : -PCR_EBUSY;
}

#endif
