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

/* Pinned events of restricted tasks: per CPU, then per-task ones. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, PCRW_MAX_CPUS + 1);
	__type(key, __u32);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} pinned_use SEC(".maps");

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

static __always_inline __u32 pinned_count(__u32 idx)
{
	__u32 *v = bpf_map_lookup_elem(&pinned_use, &idx);

	return v ? *v : 0;
}

struct verdict {
	__u64 resv_id; /* the reservation that decided, or one involved */
	__u32 rule; /* enum pcr_admit_rule */
	__u32 restricted; /* some reservation restricts the task */
};

/* Rule 5 on one CPU. */
static __always_inline void admit_on_cpu(__u32 cpu, struct pcr_demand *d,
					 struct verdict *v)
{
	struct resv_scan sc = { .cpu = cpu };
	__u64 id;

	resv_scan(&sc);
	d->reserved_other = sc.reserved_other;
	d->whole_other = sc.whole_other;
	id = sc.first_id;
	if (!id)
		return;
	v->restricted = 1;
	if (!v->resv_id)
		v->resv_id = id;
	d->pinned_in_use = pinned_count(cpu) + pinned_count(PCRW_PINNED_TASK);
	v->rule = pcr_admit(d);
	if (v->rule != PCR_ADMIT_OK)
		v->resv_id = id;
}

struct admit_loop {
	struct pcr_demand d;
	struct verdict v;
};

static int admit_cpu_cb(__u32 cpu, void *ctx)
{
	struct admit_loop *l = ctx;

	admit_on_cpu(cpu, &l->d, &l->v);
	return l->v.rule != PCR_ADMIT_OK; /* 1 stops the loop */
}

/* Rule 5 for an event on @cpu, or on every CPU for a per-task event. */
static __always_inline void admit(const struct pcrw_veto_cfg *cfg, int cpu,
				  struct pcr_demand *d, struct verdict *v)
{
	struct admit_loop l = { .d = *d };
	__u32 n = cfg->nr_cpus;

	if (cpu >= 0) {
		if (cpu < PCRW_MAX_CPUS)
			admit_on_cpu(cpu, &l.d, &l.v);
	} else {
		bpf_loop(n < PCRW_MAX_CPUS ? n : PCRW_MAX_CPUS, admit_cpu_cb,
			 &l, 0);
	}
	*v = l.v;
	*d = l.d;
}

/* Log a (would-be) veto; returns what the hook returns. */
static __always_inline int veto(const struct pcrw_veto_cfg *cfg,
				const struct verdict *v, __u32 type,
				__u64 config)
{
	__u32 kind = cfg->mode == PCRW_VETO_AUDIT ? PCRW_EV_AUDIT :
						      PCRW_EV_VETO;
	struct pcrw_resv *r;
	struct pcrw_event *e;
	__u64 id = v->resv_id;

	count_event(kind, id);
	r = bpf_map_lookup_elem(&resv, &id);
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (e) {
		if (r) {
			fill_veto_event(e, kind, r);
		} else {
			__builtin_memset(e, 0, sizeof(*e));
			e->kind = kind;
			e->reservation_id = id;
		}
		e->actor_path = PCRW_PATH_PERF;
		e->value = config;
		e->old_value = (__u64)type << 32 | v->rule;
		bpf_ringbuf_submit(e, 0);
	}
	return kind == PCRW_EV_AUDIT ? 0 : -PCR_EBUSY;
}

/* The user's perf_event_attr, as far as the veto needs it (UAPI layout). */
struct attr_head {
	__u32 type;
	__u32 size;
	__u64 config;
	__u64 sample_period;
	__u64 sample_type;
	__u64 read_format;
	__u64 flags; /* bit 2 pinned, bit 3 exclusive */
};
#define ATTR_FLAG_EXCLUSIVE (1ULL << 3)

/* An event about to be opened, seen at the syscall before perf builds it:
 * admit its least demand, one flexible event (the alloc hook, where it
 * runs, checks the real group and pinning). True when even that is
 * refused; @v says why. */
static __always_inline bool open_refused(const struct pcrw_veto_cfg *cfg,
					 int cpu, const struct attr_head *a,
					 struct verdict *v)
{
	struct pcr_demand d = {};

	d.nr_counters = cfg->nr_counters;
	d.group_size = 1;
	d.exclusive = !!(a->flags & ATTR_FLAG_EXCLUSIVE);
	admit(cfg, cpu, &d, v);
	return v->rule != PCR_ADMIT_OK;
}

#endif
