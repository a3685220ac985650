/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * arbiter.h - pcrwatch's view of the pcr_arbiter module (arbiter-module/):
 * detect it and read its registers through /dev/cpu/N/pcr (arbiter_device.c;
 * arbiter_source.c lists them in the model). Cookies are never read (the
 * device cannot return them); only whether a slot is reserved, its control
 * bits and its holder.
 */
#ifndef PCRW_ARBITER_H
#define PCRW_ARBITER_H

#include <stdbool.h>

#include "../../arbiter-module/pcr_arbiter_uapi.h"
#include "../../bpf/pcrwatch.h"

/* The module is loaded: its registers are then the source of truth for
 * the slots it holds (user/model/arbiter_source.c lists them as reservations).
 */
bool arbiter_module_present(void);

/* Open CPU @cpu's device read-only for status ioctls; -errno on failure. */
int arbiter_open_cpu(int cpu);

/* The module's arbiter mode and counters; -errno on failure. */
int arbiter_info(struct pcr_arb_info *info);

/* "none", "minimal", "minimal-enforcing", "fully-enforcing" or "?". */
const char *arbiter_mode_name(__u32 mode);

/* Call @fn with each slot's status on every CPU the module serves, until
 * it returns non-zero (that, returned) or a device fails (-errno): the
 * number of CPUs seen. */
typedef int arbiter_slot_fn(int cpu, const struct pcr_arb_slot_status *st,
			    void *ctx);
int arbiter_each_slot(arbiter_slot_fn *fn, void *ctx);

/* Into @held, per CPU, the slots the module holds for someone or is about
 * to give (rule 7: pcr_module_slot_taken); all 0 when it is not loaded. 0 or
 * -errno (then the caller refuses rather than guess). */
int arbiter_held_slots(__u64 held[PCRW_MAX_CPUS]);

/* The arbiter group (user/groups/arbiter_component.c) and the MSR veto's watch
 * on the module (arb_watch, bpf/arbiter_mirror.h). */
/* Mark the module's holds unknown when it is loaded and not mirrored, and
 * known when it is absent; called once the watch is attached. */
void arbiter_watch_sync(void);
/* The module is loaded and live, and its mirror not attached: the agent and
 * `enforce` look each time they wake, and attach. */
bool arbiter_needs_attach(void);

#endif
