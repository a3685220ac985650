/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * veto_common.bpf.h - the maps and helpers the two veto programs share
 * (perf_veto.bpf.c, msr_veto.bpf.c). Every map is pinned by name under
 * /sys/fs/bpf/pcrwatch/veto/, so both objects and the pcrwatch CLI use the
 * same reservations, counters and ring buffer, and they outlive pcrwatch.
 */
#ifndef PCRW_VETO_COMMON_BPF_H
#define PCRW_VETO_COMMON_BPF_H

#include "pcrwatch.h"
#include "common.bpf.h"
#include "arbiter_maps.bpf.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PCRW_STORE_ENTRIES);
	__type(key, __u64);
	__type(value, struct pcrw_resv);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} resv SEC(".maps");

/* The rows of one index (struct pcrw_cpu_resv in pcrwatch.h): the
 * template of the inner maps userspace makes, PCRW_INDEX_ROW(nr_cpus)
 * rows each (BPF_F_INNER_MAP: any size). */
struct resv_rows {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_INNER_MAP);
	__uint(max_entries, 1);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(struct pcrw_cpu_resv));
};

/* The index in force: one entry, replaced whole by each change. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 1);
	__type(key, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__array(values, struct resv_rows);
} resv_index SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pcrw_veto_cfg);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} veto_cfg SEC(".maps");

/* Vetoes (and audited would-be vetoes) per reservation id. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PCRW_STORE_ENTRIES);
	__type(key, __u64);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} resv_vetoes SEC(".maps");

/* Events per kind (enum pcrw_event_kind), the metric behind the ring. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, PCRW_NR_EVENT_KINDS);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} veto_total SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} events SEC(".maps");

static __always_inline const struct pcrw_veto_cfg *veto_config(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&veto_cfg, &zero);
}

/* The start time of the current process (its group leader), in the
 * ticks /proc/PID/stat shows: the identity a pid grant is bound to. */
static __always_inline __u64 current_start_ticks(void)
{
	struct task_struct *task = bpf_get_current_task_btf();

	return pcr_start_ticks(
		BPF_CORE_READ(task, group_leader, start_boottime));
}

/* Does the current task, acting in @layer, match one of @r's grants?
 * One bpf_loop callback per grant: up to PCRW_MAX_GRANTS of them. */
struct holds_scan {
	const struct pcrw_resv *r;
	struct pcr_caller c;
	__u32 narrowed; /* out: some grant names the layer */
	__u32 holds; /* out */
};

static int holds_cb(__u32 i, void *ctx)
{
	struct holds_scan *h = ctx;
	const struct pcr_principal *p;

	if (i >= PCRW_MAX_GRANTS || i >= h->r->nr_grants)
		return 1;
	p = &h->r->grants[i];
	if (pcr_principal_layer(p) == h->c.layer)
		h->narrowed = 1;
	h->c.cgroup_at_level = 0;
	if (p->kind == PCR_PRINC_CGROUP)
		h->c.cgroup_at_level =
			bpf_get_current_ancestor_cgroup_id(p->level);
	if ((p->kind == PCR_PRINC_PID || p->kind == PCR_PRINC_VM) &&
	    !h->c.start)
		h->c.start = current_start_ticks();
	if (!pcr_principal_match(p, &h->c))
		return 0;
	h->holds = 1;
	return 1;
}

static __always_inline int current_holds(const struct pcrw_resv *r, __u32 layer,
					 int *narrowed)
{
	struct holds_scan h = {
		.r = r,
		.c = {
			.layer = layer,
			.uid = bpf_get_current_uid_gid() & 0xffffffff,
			.tgid = bpf_get_current_pid_tgid() >> 32,
		},
	};

	bpf_loop(PCRW_MAX_GRANTS, holds_cb, &h, 0);
	*narrowed = h.narrowed;
	return h.holds;
}

/*
 * Rule 4 for the current task: does @r stop it programming a counter from
 * @layer (@direct: by a raw MSR write)? A user-layer caller presents the
 * access cookie when it holds a grant; an in-kernel counter (KVM's vPMU,
 * the watchdog) presents none and passes by its layer's control bit and
 * that layer's grants. A global function, so the verifier checks it once
 * on its own instead of at every caller's state: the grant loop and the
 * rule's branches would otherwise multiply the states of the reservation
 * loops around it.
 */
__noinline int restricted_by(const struct pcrw_resv *r, __u32 layer,
			     __u32 direct)
{
	int holds, narrowed = 0;
	__u64 cookie;

	if (!r)
		return 1; /* cannot happen: refuse rather than guess */
	holds = current_holds(r, layer, &narrowed);
	if (layer != PCR_LAYER_USER)
		return pcr_check_inkernel(&r->regs, layer, narrowed, holds) !=
		       PCR_OK;
	cookie = pcr_presented_cookie(&r->regs, holds);
	return pcr_check_program(&r->regs, layer, cookie, direct) != PCR_OK;
}

/*
 * The reservations on one CPU that restrict the current task: each one
 * that rule 4 refuses (for the MSR path, only those holding a slot in
 * @slot_mask), then each slot the pcr_arbiter module holds that rule 7
 * refuses. One bpf_loop callback per reservation on that CPU, so the
 * verifier checks the body once and the cost is the CPU's reservations,
 * whatever the machine's size. The row is read once, from one index:
 * every id in it is in the store until the next index is in force (the
 * store deletes only after the switch, which waits for running vetoes).
 */
struct resv_scan {
	__u32 cpu;
	__u32 layer; /* the caller's: PCR_LAYER_USER but for in-kernel counters
		      */
	__u32 direct; /* a raw MSR write */
	__u32 no_module; /* leave the module's own slots to the module */
	__u64 slot_mask; /* 0: any slot */
	__u64 first_id; /* out: the first restricting reservation */
	__u32 reserved_other; /* out: counters they hold */
	__u32 whole_other; /* out: one of them holds the whole PMU */
	__u32 unindexed; /* out: reservations exist and the index has no row
			  * for the CPU: the caller fails closed */
	__u32 next; /* out: the next CPU a reservation covers */
	struct pcrw_cpu_resv *row;
};

static int resv_scan_cb(__u32 i, void *ctx)
{
	struct resv_scan *s = ctx;
	struct pcrw_resv *r;
	__u64 id;

	if (!s->row || i >= PCRW_RESV_PER_CPU)
		return 1;
	id = s->row->ids[i];
	r = bpf_map_lookup_elem(&resv, &id);
	if (!r)
		return 0;
	if (s->slot_mask && !(r->slot_mask & s->slot_mask))
		return 0;
	if (!restricted_by(r, s->layer, s->direct))
		return 0;
	if (!s->first_id)
		s->first_id = id;
	if (r->nr_counters == PCR_RESV_WHOLE_PMU)
		s->whole_other = 1;
	else
		s->reserved_other += r->nr_counters;
	return 0;
}

/* The index in force (NULL before the first reservation was ever made)
 * and its row @key. */
static __always_inline void *resv_rows(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&resv_index, &zero);
}

static __always_inline struct pcrw_cpu_resv *resv_row(void *rows, __u32 key)
{
	return rows ? bpf_map_lookup_elem(rows, &key) : NULL;
}

/* The first CPU any reservation covers (PCRW_CPU_END: none). */
static __always_inline __u32 resv_first_cpu(void)
{
	struct pcrw_cpu_resv *head = resv_row(resv_rows(), PCRW_INDEX_HEAD);

	return head && head->nr ? head->next : PCRW_CPU_END;
}

/*
 * Rule 7 in a scan: the slots the pcr_arbiter module holds on s->cpu (of
 * s->slot_mask) that keep the current task off, after pcrwatch's own
 * reservations; a held general counter is one more reserved for someone
 * else. A global function, for the reason restricted_by() is one.
 */
__noinline int module_scan(struct resv_scan *s)
{
	__u64 *held, mask;
	struct arb_reg *r;
	__u32 cpu, slot, key;

	if (!s)
		return 0;
	cpu = s->cpu;
	held = bpf_map_lookup_elem(&arb_held, &cpu);
	if (!held || !*held) /* the common case: the module holds nothing */
		return 0;
	mask = *held & (s->slot_mask ? s->slot_mask : ~0ULL);
	for (slot = 0; slot < PCR_MAX_SLOTS; slot++) {
		if (!(mask & (1ULL << slot)))
			continue;
		key = ARB_KEY(cpu, slot);
		r = bpf_map_lookup_elem(&arb_regs, &key);
		if (!r || !pcr_module_slot_restricts(r->flags, r->control,
						     r->holder_tgid, s->layer,
						     s->direct))
			continue;
		if (!s->first_id)
			s->first_id = PCRW_MODULE_RESV_ID(cpu, slot);
		if (slot < PCR_FIXED_SLOT0)
			s->reserved_other++;
	}
	return 0;
}

static __always_inline void resv_scan(struct resv_scan *s)
{
	void *rows = resv_rows();
	struct pcrw_cpu_resv *head;
	__u32 n;

	s->first_id = 0;
	s->reserved_other = 0;
	s->whole_other = 0;
	s->unindexed = 0;
	s->next = PCRW_CPU_END;
	s->row = resv_row(rows, PCRW_INDEX_ROW(s->cpu));
	if (s->row) {
		n = s->row->nr;
		s->next = s->row->next;
		if (n)
			bpf_loop(n < PCRW_RESV_PER_CPU ? n : PCRW_RESV_PER_CPU,
				 resv_scan_cb, s, 0);
	} else {
		/* A CPU beyond the index: refused while anything is
		 * reserved, never admitted for lying past a table. */
		head = resv_row(rows, PCRW_INDEX_HEAD);
		s->unindexed = head && head->nr;
	}
	if (!s->no_module)
		module_scan(s);
}

/*
 * Count a veto (or audit) of @kind by reservation @resv_id, per kind in
 * veto_total and per reservation in resv_vetoes, and reserve its event the
 * way every pcrwatch event is (pcrw_event_reserve: a full ring counted as
 * lost): the actor the current task, named by its process (a VM's vCPU
 * thread by its VMM), refused with EBUSY under @resv_id, the holder empty
 * of the user layer until fill_veto_for() names it. NULL when the ring is
 * full.
 */
static __always_inline struct pcrw_event *veto_event_reserve(__u32 kind,
							     __u64 resv_id)
{
	struct pcrw_event *e;
	__u64 one = 1, *v;

	v = bpf_map_lookup_elem(&resv_vetoes, &resv_id);
	if (v)
		__sync_fetch_and_add(v, 1);
	else
		bpf_map_update_elem(&resv_vetoes, &resv_id, &one, BPF_NOEXIST);
	e = pcrw_event_reserve(&events, &veto_total, kind);
	if (!e)
		return NULL;
	pcrw_current_owner(&e->actor, PCR_LAYER_USER);
	e->prev.layer = PCR_LAYER_USER;
	e->reservation_id = resv_id;
	e->verdict = PCR_DENY_BUSY;
	return e;
}

/* A veto event's holder for reservation @r: its first grant. */
static __always_inline void fill_veto_holder(struct pcrw_event *e,
					     const struct pcrw_resv *r)
{
	if (!r->nr_grants)
		return;
	if (r->grants[0].kind == PCR_PRINC_UID)
		e->prev.uid = r->grants[0].id;
	else if (r->grants[0].kind == PCR_PRINC_PID)
		e->prev.tgid = r->grants[0].id;
	else if (r->grants[0].kind == PCR_PRINC_CGROUP)
		e->prev.cgroup_id = r->grants[0].id;
}

/* Name the holder of reservation @id, a store's or the module's, in veto
 * event @e; @slots gets the slots it holds. 0, or -1 when it is gone since
 * the scan (the caller refuses all the same: it does not guess). */
static __always_inline int fill_veto_for(struct pcrw_event *e, __u64 id,
					 __u64 *slots)
{
	struct pcrw_resv *r;
	struct arb_reg *a;
	__u32 key;

	if (id >= PCRW_MODULE_RESV_BASE) {
		key = ARB_KEY(PCRW_MODULE_RESV_CPU(id),
			      PCRW_MODULE_RESV_SLOT(id));
		a = bpf_map_lookup_elem(&arb_regs, &key);
		if (!a)
			return -1;
		e->prev.layer = a->holder_layer;
		e->prev.tgid = a->holder_tgid;
		e->prev_path = PCRW_PATH_ARBITER;
		*slots = 1ULL << PCRW_MODULE_RESV_SLOT(id);
		return 0;
	}
	r = bpf_map_lookup_elem(&resv, &id);
	if (!r)
		return -1;
	fill_veto_holder(e, r);
	*slots = r->slot_mask;
	return 0;
}

#endif
