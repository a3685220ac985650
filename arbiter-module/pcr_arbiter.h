/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pcr_arbiter.h - what the files of the pcr_arbiter module share; the
 * kernel API it exports to in-kernel counter users is pcr_arbiter_api.h.
 */
#ifndef PCR_ARBITER_H
#define PCR_ARBITER_H

#include <linux/types.h>
#include <linux/sched.h>

#include "pcr_rules.h"
#include "pcr_arbiter_uapi.h"
#include "pcr_arbiter_api.h"

/* Who asks: the layer the rulebook checks and an identity for the record. */
struct pcr_who {
	u32 layer; /* enum pcr_layer */
	u32 tgid; /* 0: the kernel */
	char comm[TASK_COMM_LEN];
};

/* arbiter_regs.c: the register file, one per possible CPU and slot. */
extern unsigned int pcr_nr_gp, pcr_nr_fixed;
extern bool pcr_pmu_msrs;
int pcr_regs_init(void);
void pcr_regs_exit(void);
bool pcr_slot_present(u32 slot);
void pcr_who_current(struct pcr_who *w, u32 layer);
void pcr_who_kernel(struct pcr_who *w, u32 layer, const char *name);
/* A register operation (enum pcr_arb_regop) on @cpu's @slot: returns 0 or
 * a negative errno; @verdict gets the rulebook's answer. */
int pcr_regs_op(int cpu, u32 slot, u32 op, u64 presented, u64 value,
		const struct pcr_who *who, u32 *verdict);
/* pcrwatch's say (rule 7) on an operation that would make the caller a
 * holder: @cpu -1 for every CPU; 0 or a negative errno. */
int pcr_hold_check(int cpu, u32 slot, u32 layer, u32 op);
/* A claim or new management cookie (PCR_ARB_OP_CLAIM, _SET_MGMT): as
 * pcr_regs_op, after pcrwatch said yes through pcr_hold_check(). */
int pcr_regs_give(int cpu, u32 slot, u32 op, u64 presented, u64 value,
		  const struct pcr_who *who, u32 *verdict);
/* Mark @slot as being decided (PCR_ARB_SLOT_PENDING), untraced. */
void pcr_regs_pending(int cpu, u32 slot, bool pending);
/* Set or clear PCR_ARB_SLOT_* bookkeeping flags (not registers). */
void pcr_regs_flags(int cpu, u32 slot, u32 op, u32 set, u32 clear,
		    const struct pcr_who *holder);
/* Count, trace and log (rate-limited) a refused operation. */
void pcr_regs_denied(int cpu, u32 slot, u32 op, u32 verdict,
		     const struct pcr_who *who);
int pcr_regs_status(int cpu, struct pcr_arb_slot_status *st);
/* Tell @cpu's slots again through pcr_reg_change (PCR_ARB_OP_REPLAY). */
void pcr_regs_replay(int cpu);
bool pcr_regs_access_is(int cpu, u32 slot, u64 cookie);
/* The 8-byte alias MSR view of the registers. */
int pcr_regs_read_alias(int cpu, u32 addr, u64 *val);
int pcr_regs_write_alias(int cpu, u32 addr, u64 val, const struct pcr_who *who);
/* Checked programming: write the PMU MSR only if @access passes. */
int pcr_regs_program(int cpu, const struct pcr_who *who,
		     struct pcr_arb_program *p);
/* The PMU MSR that programming @p writes; -EINVAL for no such slot. */
int pcr_regs_program_msr(const struct pcr_arb_program *p, u32 *msr);
void pcr_regs_denials(u64 out[PCR_ARB_NR_VERDICTS]);
/* Put every reserved slot back to reset (unload). */
void pcr_regs_reset_all(void);
u32 pcr_legacy_perfctr_msr(u32 counter);
u32 pcr_legacy_evntsel_msr(u32 counter);
int pcr_msr_to_counter(u32 msr, bool evntsel);

/* arbiter_modes.c: the three arbiters. */
extern int pcr_mode;
int pcr_arbiters_init(void);
void pcr_arbiters_exit(void);
void pcr_arbiters_info(struct pcr_arb_info *info);
int pcr_arbiters_legacy(struct pcr_arb_legacy *l);
int pcr_arbiters_acquire(u32 slot, const struct pcr_who *who, u64 *cookie,
			 u32 *verdict);
int pcr_arbiters_release(u32 slot, const struct pcr_who *who, u64 cookie,
			 u32 *verdict);

/* arbiter_dev.c: the character devices and CPU hotplug. */
int pcr_dev_init(void);
void pcr_dev_exit(void);
int pcr_user_program_check(int cpu, u32 slot, u32 msr, u64 value);

/* The exported kernel API is pcr_arbiter_api.h. */

#endif /* PCR_ARBITER_H */
