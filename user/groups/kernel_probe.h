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

/* An fentry program on kernel function @func, in vmlinux or in a loaded
 * module, really loads and attaches. */
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

/*
 * The always-on monitor's ladders, best rung first. A syscall tracepoint
 * is always the last rung: it puts every syscall of every process on the
 * slow path, so it is used only where nothing else attaches.
 */
enum probe_rung {
	RUNG_LSM, /* BPF LSM hooks */
	RUNG_FENTRY, /* fentry/fexit on the kernel's own functions */
	RUNG_TRACEPOINT, /* syscall tracepoints */
	RUNG_NONE, /* nothing attaches */
	RUNG_NOT_NEEDED, /* nothing to watch (no PMU, no /dev/cpu/N/msr) */
};

/* "LSM", "fentry", ...: the rung's name, for messages and selftest. */
const char *probe_rung_name(enum probe_rung r);

/* Perf event lifecycle (user/groups/perf_component.c): the first rung at or
 * below @from that attaches; @release: the free side is fentry on
 * perf_event_release_kernel. Without a hardware PMU there is no hardware
 * event to follow: RUNG_NOT_NEEDED rather than the syscall tracepoint,
 * unless @from asks for that rung. */
enum probe_rung probe_perf_lifecycle(enum probe_rung from, bool *release);

/* Who writes /dev/cpu/N/msr (user/groups/msr_component.c): fentry on the msr
 * driver's msr_write, else the pwrite64 syscall tracepoints, from @from
 * (RUNG_FENTRY or RUNG_TRACEPOINT); RUNG_NOT_NEEDED without the device. */
enum probe_rung probe_msr_writers(enum probe_rung from);

/* The capabilities pcrwatch's programs need that this process lacks
 * (CAP_BPF, CAP_PERFMON, CAP_SYS_ADMIN), comma-separated into @buf; their
 * number, -1 when capget fails (user/groups/kernel_caps.c). */
int probe_missing_caps(char *buf, size_t len);

/* Why the perf_event_open vetoes cannot attach here, NULL when they can. */
const char *probe_veto_unavailable(void);

#endif
