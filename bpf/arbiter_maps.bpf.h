/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * arbiter_maps.bpf.h - the maps through which the pcr_arbiter module and
 * pcrwatch's reservations are one system (pcr_rules.h rule 7): the mirror
 * of the module's slots (bpf/arbiter_mirror.bpf.c writes them from the
 * module's tracepoints) and, per CPU, the slots the module holds for
 * someone. The vetoes read both. Pinned by name under
 * /sys/fs/bpf/pcrwatch/veto/ beside the reservations, whichever group
 * loads first creating them.
 */
#ifndef PCRW_ARBITER_MAPS_BPF_H
#define PCRW_ARBITER_MAPS_BPF_H

#include "arbiter_mirror.h"

/* Key ARB_KEY(cpu, slot); sized possible CPUs x PCR_MAX_SLOTS at load
 * (user/groups/map_size.c), as arb_held is sized possible CPUs. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PCRW_SIZED_AT_LOAD);
	__type(key, __u32);
	__type(value, struct arb_reg);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} arb_regs SEC(".maps");

/* Index: CPU. Value: bit per slot, set while pcr_module_slot_held(). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, PCRW_SIZED_AT_LOAD);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} arb_held SEC(".maps");

#endif
