/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pcr_arbiter_api.h - the pcr_arbiter module's kernel API, for kernel-mode
 * counter users (EXPORT_SYMBOL_GPL). A private acquire is a reservation of
 * the kernel layer: pcrwatch's `list`, `who` and vetoes see it, and it is
 * refused where one of pcrwatch's reservations holds the slot and keeps the
 * kernel layer off (docs/PCR-RULES.md, rule 7). Fully-enforcing mode only
 * for acquire and release; docs/ARBITER.md has the contract.
 */
#ifndef PCR_ARBITER_API_H
#define PCR_ARBITER_API_H

#include <linux/types.h>

/* Program @cpu's @slot (@target: enum pcr_arb_target) with @value,
 * presenting access cookie @access: 0 or a negative errno. */
int pcr_arb_program(int cpu, u32 slot, u32 target, u64 access, u64 value);
/* Take @slot on every CPU privately; its access cookie into @cookie. */
int pcr_arb_acquire(u32 slot, u64 *cookie);
/* Give @slot back, presenting the cookie acquire returned. */
int pcr_arb_release(u32 slot, u64 cookie);

#endif /* PCR_ARBITER_API_H */
