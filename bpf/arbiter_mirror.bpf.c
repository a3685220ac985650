// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * arbiter_mirror - mirror the pcr_arbiter module's PCR registers from its
 * own tracepoints (raw_tp, attachable by name once the module is loaded):
 * every register change updates the pinned "arb_regs" and "arb_held" maps
 * (bpf/arbiter_maps.bpf.h, which the vetoes read: rule 7) and emits a
 * PCRW_EV_PCR_REG event; every denied access emits a PCRW_EV_VETO event.
 * Events go to the "events" ring buffer and are counted per kind in
 * "event_counts" (PCRW_EVENT_COUNTS_MAP), which `pcrwatch events` reads.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "common.bpf.h"
#include "arbiter_maps.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, PCRW_NR_EVENT_KINDS);
	__type(key, __u32);
	__type(value, __u64);
} event_counts SEC(".maps");

static void fill_holder(struct pcrw_owner *o, const struct arb_reg *r)
{
	o->layer = r ? r->holder_layer : PCR_LAYER_UNKNOWN;
	o->tgid = r ? r->holder_tgid : 0;
}

static __u64 reservation_id(int cpu, __u32 slot, __u32 flags)
{
	return flags & PCR_MOD_SLOT_RESERVED ? PCRW_MODULE_RESV_ID(cpu, slot)
					     : 0;
}

/* Keep @cpu's bit for @slot in arb_held as rule 7 says: atomically, as
 * other slots of the CPU change at the same time. */
static void set_held(int cpu, __u32 slot, int held)
{
	__u32 k = cpu;
	__u64 *m = bpf_map_lookup_elem(&arb_held, &k), bit;

	if (!m || slot >= PCR_MAX_SLOTS)
		return;
	bit = 1ULL << slot;
	if (held)
		__sync_fetch_and_or(m, bit);
	else
		__sync_fetch_and_and(m, ~bit);
}

SEC("raw_tp/pcr_reg_change")
int BPF_PROG(arb_reg_change, int cpu, __u32 slot, __u32 op, __u32 flags,
	     __u32 control, __u32 holder_layer, __u32 holder_tgid, __u32 seq)
{
	__u32 key = ARB_KEY(cpu, slot);
	struct arb_reg nr = {}, *old;
	struct pcrw_event *e;

	old = bpf_map_lookup_elem(&arb_regs, &key);
	/* A replay (pcrwatch attaching) changed nothing: no event. */
	e = op == PCR_ARB_OP_REPLAY_BPF
		    ? NULL
		    : pcrw_event_reserve(&events, &event_counts,
					 PCRW_EV_PCR_REG);
	if (e) {
		e->cpu = cpu;
		e->slot = slot;
		e->value = ((__u64)control << 32) | flags;
		e->old_value =
			old ? ((__u64)old->control << 32) | old->flags : 0;
		e->actor_path = PCRW_PATH_ARBITER;
		e->prev_path = PCRW_PATH_ARBITER;
		pcrw_current_owner(&e->actor, holder_layer);
		fill_holder(&e->prev, old);
		e->reservation_id = reservation_id(cpu, slot, flags);
		e->verdict = op; /* for PCR_REG: the operation */
		pcrw_event_submit(e);
	}
	nr.flags = flags;
	nr.control = control;
	nr.holder_layer = holder_layer;
	nr.holder_tgid = holder_tgid;
	nr.seq = seq;
	nr.op = op;
	nr.ts_ns = bpf_ktime_get_ns();
	bpf_map_update_elem(&arb_regs, &key, &nr, BPF_ANY);
	set_held(cpu, slot, pcr_module_slot_held(flags, holder_tgid));
	return 0;
}

SEC("raw_tp/pcr_deny")
int BPF_PROG(arb_deny, int cpu, __u32 slot, __u32 op, __u32 verdict,
	     __u32 layer, __u32 tgid)
{
	__u32 key = ARB_KEY(cpu, slot);
	struct arb_reg *r = bpf_map_lookup_elem(&arb_regs, &key);
	struct pcrw_event *e;

	e = pcrw_event_reserve(&events, &event_counts, PCRW_EV_VETO);
	if (!e)
		return 0;
	e->cpu = cpu;
	e->slot = slot;
	e->value = op;
	e->actor_path = PCRW_PATH_ARBITER;
	e->prev_path = PCRW_PATH_ARBITER;
	pcrw_current_owner(&e->actor, layer);
	e->actor.tgid = tgid; /* the module's view: 0 for in-kernel callers */
	fill_holder(&e->prev, r);
	e->reservation_id = r ? reservation_id(cpu, slot, r->flags) : 0;
	e->verdict = verdict;
	pcrw_event_submit(e);
	return 0;
}
