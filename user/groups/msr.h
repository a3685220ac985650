/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * msr.h - the MSR ownership group (bpf/msr_watch.bpf.c) as userspace sees
 * it: PMU discovery, pin names, reading the pinned shadow state.
 */
#ifndef PCRW_MSR_H
#define PCRW_MSR_H

#include <stddef.h>
#include <linux/types.h>

#include "pmu_regs.h"

/* Environment override of the discovered PMU shape, for guests whose CPUID
 * hides the PMU and for tests: "intel:GP:FIXED[:VERSION]" or
 * "amd:GP[:VERSION]". */
#define MSR_PMU_ENV "PCRWATCH_MSR_PMU"
/* "tracepoint" forces the fallback rung: classic tracepoints, no raw_tp. */
#define MSR_ATTACH_ENV "PCRWATCH_MSR_ATTACH"

const char *pmu_vendor_name(__u32 vendor);

/* Parse an override; 0, or -EINVAL with a reason in @err. */
int msr_pmu_parse(const char *spec, struct pmu_shape *s, char *err, size_t len);
/* This CPU's PMU from CPUID (vendor NONE off x86); @how says where from. */
void msr_pmu_cpuid(struct pmu_shape *s, char *how, size_t len);
/* The override if set, else CPUID. */
int msr_pmu_discover(struct pmu_shape *s, char *how, size_t len);

/* The event select MSR of general counter @i on a CPU of shape @s. */
__u32 msr_pmu_evtsel(const struct pmu_shape *s, __u32 i);

/* The pinned object @name of the msr group: a new fd or -errno. */
int msr_pin_get(const char *name);
/* The shape the attached programs run with (their pinned rodata). */
int msr_attached_shape(struct pmu_shape *s);

#endif
