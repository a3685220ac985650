/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * kernel_probe.h - what this kernel lets pcrwatch do, found by trying.
 * Each attach method has a fallback ladder (fentry, then tracepoint, then a
 * periodic snapshot); these probes choose the rung at run time, the way
 * bcc's libbpf-tools do, and `pcrwatch selftest` prints them all.
 */
#ifndef PCRW_KERNEL_PROBE_H
#define PCRW_KERNEL_PROBE_H

#include <stdbool.h>
#include <stddef.h>

/* "bpf" is in the active LSM list (/sys/kernel/security/lsm). */
bool probe_bpf_lsm_active(void);

/* An LSM program on bpf_lsm_<hook> really loads and attaches. */
bool probe_lsm_can_attach(const char *hook);

/* An fentry program on kernel function @func really loads and attaches. */
bool probe_fentry_can_attach(const char *func);

/* The tracepoint CATEGORY:NAME exists in tracefs. */
bool probe_tracepoint_exists(const char *category, const char *name);

/* The kernel's BTF has a function (BTF_KIND_FUNC) named @func. */
bool probe_btf_has_func(const char *func);

/* The hardware PMU's name in /sys/bus/event_source/devices ("cpu",
 * "cpu_core", "armv8_pmuv3_0", ...) into @buf; false when there is none. */
bool probe_hw_pmu(char *buf, size_t len);

/* The perf type number of PMU @name (its sysfs "type"), or -1. */
int probe_pmu_type(const char *name);

/* Mount tracefs, securityfs and bpffs where they are missing (root only):
 * the probes and the programs need them. Quietly does nothing otherwise. */
void ensure_kernel_fs(void);

/* A raw_tp program on tracepoint @name really loads and attaches. */
bool probe_raw_tp_can_attach(const char *name);

/* The capabilities pcrwatch's programs need that this process lacks
 * (CAP_BPF, CAP_PERFMON, CAP_SYS_ADMIN), comma-separated into @buf; their
 * number, -1 when capget fails (user/kernel_caps.c). */
int probe_missing_caps(char *buf, size_t len);

/* Why the perf_event_open vetoes cannot attach here, NULL when they can. */
const char *probe_veto_unavailable(void);

#endif
