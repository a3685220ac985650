/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* perf_decode.h - perf event names and counter slots, from attr and hw.idx. */
#ifndef PCRW_PERF_DECODE_H
#define PCRW_PERF_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

/* "cycles", "L1-dcache-load-misses", "raw 0x11", "armv8_pmuv3/0x11/",
 * "cpu-clock", ... for attr.type @type and attr.config @config; @pmu_name is
 * the kernel's name of the PMU that took the event. */
void perf_event_name(__u32 type, __u64 config, const char *pmu_name, char *buf,
		     size_t len);

/* Kernel version as major * 1000 + minor (6012 for 6.12), from uname. */
int perf_kernel_version(void);

/* The pcr_rules.h slot of counter index @hw_idx on PMU @pmu_name, on a
 * kernel of version @kver (perf_kernel_version()); -1 when it is none. */
int perf_idx_to_slot(const char *pmu_name, int hw_idx, int kver);

#endif
