// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Decoding of perf events for the views: generic names for the hardware,
 * cache and software events, raw configs as numbers, and the mapping from
 * the PMU driver's counter index (hw.idx) to the rulebook's slot number.
 */
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <linux/perf_event.h>

#include "pcr_rules.h"
#include "perf_decode.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static const char *const hw_names[] = {
	[PERF_COUNT_HW_CPU_CYCLES] = "cycles",
	[PERF_COUNT_HW_INSTRUCTIONS] = "instructions",
	[PERF_COUNT_HW_CACHE_REFERENCES] = "cache-references",
	[PERF_COUNT_HW_CACHE_MISSES] = "cache-misses",
	[PERF_COUNT_HW_BRANCH_INSTRUCTIONS] = "branches",
	[PERF_COUNT_HW_BRANCH_MISSES] = "branch-misses",
	[PERF_COUNT_HW_BUS_CYCLES] = "bus-cycles",
	[PERF_COUNT_HW_STALLED_CYCLES_FRONTEND] = "stalled-cycles-frontend",
	[PERF_COUNT_HW_STALLED_CYCLES_BACKEND] = "stalled-cycles-backend",
	[PERF_COUNT_HW_REF_CPU_CYCLES] = "ref-cycles",
};

static const char *const sw_names[] = {
	[PERF_COUNT_SW_CPU_CLOCK] = "cpu-clock",
	[PERF_COUNT_SW_TASK_CLOCK] = "task-clock",
	[PERF_COUNT_SW_PAGE_FAULTS] = "page-faults",
	[PERF_COUNT_SW_CONTEXT_SWITCHES] = "context-switches",
	[PERF_COUNT_SW_CPU_MIGRATIONS] = "cpu-migrations",
	[PERF_COUNT_SW_PAGE_FAULTS_MIN] = "minor-faults",
	[PERF_COUNT_SW_PAGE_FAULTS_MAJ] = "major-faults",
	[PERF_COUNT_SW_ALIGNMENT_FAULTS] = "alignment-faults",
	[PERF_COUNT_SW_EMULATION_FAULTS] = "emulation-faults",
	[PERF_COUNT_SW_DUMMY] = "dummy",
	[PERF_COUNT_SW_BPF_OUTPUT] = "bpf-output",
	[11] = "cgroup-switches", /* PERF_COUNT_SW_CGROUP_SWITCHES, 5.13+ */
};

static const char *const cache_names[] = {
	[PERF_COUNT_HW_CACHE_L1D] = "L1-dcache",
	[PERF_COUNT_HW_CACHE_L1I] = "L1-icache",
	[PERF_COUNT_HW_CACHE_LL] = "LLC",
	[PERF_COUNT_HW_CACHE_DTLB] = "dTLB",
	[PERF_COUNT_HW_CACHE_ITLB] = "iTLB",
	[PERF_COUNT_HW_CACHE_BPU] = "branch",
	[PERF_COUNT_HW_CACHE_NODE] = "node",
};

static const char *const cache_ops[] = {
	[PERF_COUNT_HW_CACHE_OP_READ] = "load",
	[PERF_COUNT_HW_CACHE_OP_WRITE] = "store",
	[PERF_COUNT_HW_CACHE_OP_PREFETCH] = "prefetch",
};

static const char *const cache_results[] = {
	[PERF_COUNT_HW_CACHE_RESULT_ACCESS] = "accesses",
	[PERF_COUNT_HW_CACHE_RESULT_MISS] = "misses",
};

/* The generic names apply only to the low 32 bits; on hybrid x86 the
 * upper half names the PMU (PERF_PMU_TYPE_SHIFT). */
#define GENERIC_MASK 0xffffffffULL

void perf_event_name(__u32 type, __u64 config, const char *pmu_name, char *buf,
		     size_t len)
{
	__u64 c = config & GENERIC_MASK;
	unsigned int cache, op, res;

	switch (type) {
	case PERF_TYPE_HARDWARE:
		if (c < ARRAY_LEN(hw_names) && hw_names[c]) {
			snprintf(buf, len, "%s", hw_names[c]);
			return;
		}
		break;
	case PERF_TYPE_SOFTWARE:
		if (c < ARRAY_LEN(sw_names) && sw_names[c]) {
			snprintf(buf, len, "%s", sw_names[c]);
			return;
		}
		break;
	case PERF_TYPE_HW_CACHE:
		cache = c & 0xff;
		op = (c >> 8) & 0xff;
		res = (c >> 16) & 0xff;
		if (cache < ARRAY_LEN(cache_names) &&
		    op < ARRAY_LEN(cache_ops) &&
		    res < ARRAY_LEN(cache_results)) {
			snprintf(buf, len, "%s-%s-%s", cache_names[cache],
				 cache_ops[op], cache_results[res]);
			return;
		}
		break;
	case PERF_TYPE_RAW:
		snprintf(buf, len, "raw 0x%llx", (unsigned long long)config);
		return;
	case PERF_TYPE_TRACEPOINT:
		snprintf(buf, len, "tracepoint %llu",
			 (unsigned long long)config);
		return;
	case PERF_TYPE_BREAKPOINT:
		snprintf(buf, len, "breakpoint");
		return;
	default:
		/* A dynamic PMU type: name it by the PMU that took it. */
		if (pmu_name && pmu_name[0]) {
			snprintf(buf, len, "%s/0x%llx/", pmu_name,
				 (unsigned long long)config);
			return;
		}
		break;
	}
	snprintf(buf, len, "type %u 0x%llx", type, (unsigned long long)config);
}

int perf_kernel_version(void)
{
	struct utsname u;
	int major = 0, minor = 0;

	if (uname(&u) || sscanf(u.release, "%d.%d", &major, &minor) != 2)
		return 0;
	return major * 1000 + minor;
}

static bool is_arm_pmu(const char *name)
{
	return !strncmp(name, "armv8_", 6) || !strncmp(name, "armv7_", 6);
}

/*
 * arm64: up to 6.10 the PMUv3 driver numbered the cycle counter 0 and
 * event counter i as i + 1; from 6.11 (counter index rework) event counter
 * i is index i and the cycle counter is 31, the slot numbering itself.
 * x86: general counter i is index i, fixed counter j is 32 + j, as slots.
 */
int perf_idx_to_slot(const char *pmu_name, int hw_idx, int kver)
{
	if (hw_idx < 0)
		return -1;
	if (is_arm_pmu(pmu_name)) {
		if (kver >= 6011)
			return hw_idx < PCR_MAX_SLOTS ? hw_idx : -1;
		return hw_idx == 0 ? PCR_ARM_CYCLE_SLOT : hw_idx - 1;
	}
	return hw_idx < PCR_MAX_SLOTS ? hw_idx : -1;
}
