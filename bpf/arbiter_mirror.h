/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * arbiter_mirror.h - what bpf/arbiter_mirror.bpf.c shares with userspace:
 * its mirror of the pcr_arbiter module's registers, keyed by CPU and slot.
 * No cookie is in it: the module's tracepoints never carry one.
 */
#ifndef PCRW_ARBITER_MIRROR_H
#define PCRW_ARBITER_MIRROR_H

#include "pcrwatch.h"

/* Key of the pinned map "regs": CPU in the high bits, slot in the low 8. */
#define ARB_KEY(cpu, slot) (((__u32)(cpu) << 8) | ((__u32)(slot)&0xff))

/* Value of "regs": one slot's state, as the module's pcr_reg_change says
 * (flags are the UAPI PCR_ARB_SLOT_* bits). */
struct arb_reg {
	__u32 flags;
	__u32 control;
	__u32 holder_layer; /* enum pcr_layer */
	__u32 holder_tgid;
	__u32 seq; /* the module's per-slot change counter */
	__u32 op; /* the last operation (enum pcr_arb_regop) */
	__u64 ts_ns; /* when it changed; 0: seeded by userspace */
};

/* PCR_ARB_OP_REPLAY of the module's UAPI, for BPF, which does not see it
 * (user/groups/arbiter_component.c checks they agree). */
#define PCR_ARB_OP_REPLAY_BPF 8U

/* The pinned maps (bpf/arbiter_maps.bpf.h), under the veto group's folder. */
#define ARB_REGS_MAP "arb_regs"
#define ARB_HELD_MAP "arb_held"

/* The module's name (PCR_ARB_MODULE of its UAPI), for BPF, which sees
 * modules arrive by name (user/groups/arbiter_component.c checks they agree).
 */
#define ARB_MODULE_NAME "pcr_arbiter"

/*
 * Value of the pinned map "arb_watch" (one entry, in the veto group's
 * folder, bpf/msr_veto.bpf.c): whether the module's holds are unknown.
 * Set by raw_tp/module_load when the module arrives (before its init runs)
 * and by `attach` when it finds the module loaded and not mirrored; taken
 * back once the mirror is attached and the module's state replayed
 * (user/groups/arbiter_component.c), or when the module goes
 * (raw_tp/module_free). While set, the MSR veto refuses every direct write to a
 * PMU register.
 */
struct arb_watch {
	__u32 unmirrored; /* 1: loaded, its holds not mirrored yet */
	__u32 loads; /* times the module was seen arriving */
};

#define ARB_WATCH_MAP "arb_watch"

#endif
