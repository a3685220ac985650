/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * pmu_regs.h - the x86 PMU register map as data, and the one classifier the
 * msr tracepoint programs and userspace both use.
 *
 * Every core performance-monitoring MSR of Intel architectural perfmon (v1
 * to v6, PEBS, the extra event registers) and of AMD (legacy, core
 * extension, PerfMonV2) is one row of pmu_reg_map[]: a family
 * of registers at first, first + stride, ... with the counter slot of its
 * first member (pcr_rules.h numbering: general counter i is slot i, fixed
 * counter j is slot 32 + j). How many counters a CPU really has is not in
 * the table: userspace reads it from CPUID (user/groups/msr_pmu.c) and hands it
 * in, so a register past the last counter is out of range, not a counter.
 *
 * The kernel writes non-PMU MSRs (the TSC deadline timer 0x6E0, x2APIC
 * 0x8xx, SPEC_CTRL 0x48, FS/GS base) thousands of times a second per CPU,
 * so pmu_classify() rejects those with at most three compares before it
 * looks at the table. tests/unit/test_pmu_regs.c checks the shortcut
 * against the table for every MSR around the map. docs/MSR.md lists the
 * audit behind the rows; pcr_msr_slot_mask() (pcr_rules.h) says which
 * counters a write to each one touches.
 */
#ifndef PMU_REGS_H
#define PMU_REGS_H

#include "pcr_rules.h"

#ifndef __always_inline
#define __always_inline inline __attribute__((__always_inline__))
#endif

enum pmu_vendor {
	PMU_VENDOR_NONE = 0, /* unknown: nothing is classified as PMU */
	PMU_VENDOR_INTEL = 1,
	PMU_VENDOR_AMD = 2,
};

/* What a PMU register does. */
enum pmu_reg_kind {
	PMU_REG_NONE = 0, /* not a PMU MSR */
	PMU_REG_EVTSEL = 1, /* event select of general counter i */
	PMU_REG_CTR = 2, /* count of general counter i (any alias) */
	PMU_REG_FIXED_CTR = 3, /* count of fixed counter j */
	PMU_REG_FIXED_CTRL = 4, /* 4 bits per fixed counter */
	PMU_REG_GLOBAL_STATUS = 5,
	PMU_REG_GLOBAL_CTRL = 6, /* enable bit per slot */
	PMU_REG_GLOBAL_OVF_CTRL = 7, /* overflow clear (AMD: STATUS_CLR) */
	PMU_REG_GLOBAL_STATUS_SET = 8,
	PMU_REG_GLOBAL_INUSE = 9, /* Intel v4+: bit per slot in use */
	PMU_REG_COUNTER_CFG = 10, /* more of one counter's setup: reload value,
				   * v6 CFG_C, PMC3's TSX use, PERF_METRICS */
	PMU_REG_SHARED_CFG = 11, /* setup shared by counters: PEBS, DS area,
				  * DEBUGCTL freeze bits, extra event regs */
	PMU_NR_REG_KINDS = 12,
};

/* Architectural MSR numbers (SDM vol. 4, AMD APM vol. 2 ch. 13). */
#define MSR_IA32_PMC0 0xc1U
#define MSR_TSX_FORCE_ABORT 0x10fU /* bit 0 clear: TSX microcode uses PMC3 */
#define MSR_IA32_PERFEVTSEL0 0x186U
#define MSR_OFFCORE_RSP_0 0x1a6U /* and _1: extra event selects */
#define MSR_IA32_DEBUGCTL 0x1d9U /* freeze counters on PMI / in SMM */
#define MSR_IA32_FIXED_CTR0 0x309U
#define MSR_PERF_METRICS 0x329U /* topdown split of fixed counter 3 */
#define MSR_IA32_FIXED_CTR_CTRL 0x38dU
#define MSR_IA32_PERF_GLOBAL_STATUS 0x38eU
#define MSR_IA32_PERF_GLOBAL_CTRL 0x38fU
#define MSR_IA32_PERF_GLOBAL_OVF_CTRL 0x390U
#define MSR_IA32_PERF_GLOBAL_STATUS_SET 0x391U
#define MSR_IA32_PERF_GLOBAL_INUSE 0x392U
#define MSR_PEBS_NUM_ALT 0x39cU
#define MSR_IA32_PEBS_ENABLE 0x3f1U /* and 0x3f2 PEBS_DATA_CFG */
#define MSR_IA32_PEBS_BASE 0x3f4U /* arch PEBS; 0x3f5 PEBS_INDEX */
#define MSR_PEBS_LD_LAT_THRESHOLD 0x3f6U /* and 0x3f7 PEBS_FRONTEND */
#define MSR_IA32_A_PMC0 0x4c1U
#define MSR_IA32_DS_AREA 0x600U /* where PEBS records of every counter go */
#define MSR_RELOAD_FIXED_CTR0 0x1309U /* PEBS reload value, fixed j */
#define MSR_SNOOP_RSP_0 0x1328U /* and _1: extra event selects (Atom) */
#define MSR_RELOAD_PMC0 0x14c1U /* PEBS reload value, general i */
/* Arch PerfMon v6 aliases, 4 registers per counter: CTR, CFG_A (the event
 * select), CFG_B (auto counter reload: names other counters), CFG_C. */
#define MSR_IA32_PMC_V6_GP0_CTR 0x1900U
#define MSR_IA32_PMC_V6_FX0_CTR 0x1980U
#define PMU_V6_STRIDE 4U
#define MSR_AMD_K7_EVNTSEL0 0xc0010000U
#define MSR_AMD_K7_PERFCTR0 0xc0010004U
#define MSR_AMD_F15H_PERF_CTL0 0xc0010200U
#define MSR_AMD_F15H_PERF_CTR0 0xc0010201U
#define MSR_AMD_PERF_CNTR_GLOBAL_STATUS 0xc0000300U
#define MSR_AMD_PERF_CNTR_GLOBAL_CTL 0xc0000301U
#define MSR_AMD_PERF_CNTR_GLOBAL_STATUS_CLR 0xc0000302U
#define MSR_AMD_PERF_CNTR_GLOBAL_STATUS_SET 0xc0000303U

/* Event select bits shared by Intel and AMD. */
#define PMU_EVTSEL_EN (1ULL << 22)
/* IA32_FIXED_CTR_CTRL: field j is bits 4j..4j+3; bits 0-1 enable (OS, USR). */
#define PMU_FIXED_FIELD_BITS 4
#define PMU_FIXED_FIELD_EN 0x3ULL

/* Architectural limits of the map; the CPU's own counts are discovered. */
#define PMU_MAX_GP 8
#define PMU_MAX_FIXED 7
#define PMU_SLOT_FIXED0 PCR_FIXED_SLOT0
#define PMU_SLOT_NONE 0xffffU /* a global register, not one counter */

/* One family of registers. */
struct pmu_reg_range {
	__u32 first; /* MSR of member 0 */
	__u16 vendor; /* enum pmu_vendor */
	__u16 kind; /* enum pmu_reg_kind */
	__u16 nr; /* members in the map (architectural maximum) */
	__u16 stride; /* MSR distance between members */
	__u16 slot0; /* slot of member 0, or PMU_SLOT_NONE */
	__u16 reserved0;
};

/*
 * The map. Rows of one vendor in ascending MSR order. The fast reject in
 * pmu_classify() relies on every row lying in [PMU_MSR_LOW, PMU_GAP_FIRST)
 * or [PMU_GAP_END, PMU_MSR_HIGH]; the unit test checks that.
 */
/* clang-format off */
#define PMU_ROW(vendor, kind, first, nr, stride, slot0) \
	{ (first), PMU_VENDOR_##vendor, PMU_REG_##kind, (nr), (stride), (slot0), 0 }
static const struct pmu_reg_range pmu_reg_map[] = {
	PMU_ROW(INTEL, CTR, MSR_IA32_PMC0, PMU_MAX_GP, 1, 0),
	PMU_ROW(INTEL, COUNTER_CFG, MSR_TSX_FORCE_ABORT, 1, 1, 3),
	PMU_ROW(INTEL, EVTSEL, MSR_IA32_PERFEVTSEL0, PMU_MAX_GP, 1, 0),
	PMU_ROW(INTEL, SHARED_CFG, MSR_OFFCORE_RSP_0, 2, 1, PMU_SLOT_NONE),
	PMU_ROW(INTEL, SHARED_CFG, MSR_IA32_DEBUGCTL, 1, 1, PMU_SLOT_NONE),
	PMU_ROW(INTEL, FIXED_CTR, MSR_IA32_FIXED_CTR0, PMU_MAX_FIXED, 1, PMU_SLOT_FIXED0),
	PMU_ROW(INTEL, COUNTER_CFG, MSR_PERF_METRICS, 1, 1, PMU_SLOT_FIXED0 + 3),
	PMU_ROW(INTEL, FIXED_CTRL, MSR_IA32_FIXED_CTR_CTRL, 1, 1, PMU_SLOT_NONE),
	PMU_ROW(INTEL, GLOBAL_STATUS, MSR_IA32_PERF_GLOBAL_STATUS, 1, 1, PMU_SLOT_NONE),
	PMU_ROW(INTEL, GLOBAL_CTRL, MSR_IA32_PERF_GLOBAL_CTRL, 1, 1, PMU_SLOT_NONE),
	PMU_ROW(INTEL, GLOBAL_OVF_CTRL, MSR_IA32_PERF_GLOBAL_OVF_CTRL, 1, 1, PMU_SLOT_NONE),
	PMU_ROW(INTEL, GLOBAL_STATUS_SET, MSR_IA32_PERF_GLOBAL_STATUS_SET, 1, 1, PMU_SLOT_NONE),
	PMU_ROW(INTEL, GLOBAL_INUSE, MSR_IA32_PERF_GLOBAL_INUSE, 1, 1, PMU_SLOT_NONE),
	PMU_ROW(INTEL, SHARED_CFG, MSR_PEBS_NUM_ALT, 1, 1, PMU_SLOT_NONE),
	PMU_ROW(INTEL, SHARED_CFG, MSR_IA32_PEBS_ENABLE, 2, 1, PMU_SLOT_NONE),
	PMU_ROW(INTEL, SHARED_CFG, MSR_IA32_PEBS_BASE, 4, 1, PMU_SLOT_NONE),
	PMU_ROW(INTEL, CTR, MSR_IA32_A_PMC0, PMU_MAX_GP, 1, 0),
	PMU_ROW(INTEL, SHARED_CFG, MSR_IA32_DS_AREA, 1, 1, PMU_SLOT_NONE),
	PMU_ROW(INTEL, COUNTER_CFG, MSR_RELOAD_FIXED_CTR0, PMU_MAX_FIXED, 1, PMU_SLOT_FIXED0),
	PMU_ROW(INTEL, SHARED_CFG, MSR_SNOOP_RSP_0, 2, 1, PMU_SLOT_NONE),
	PMU_ROW(INTEL, COUNTER_CFG, MSR_RELOAD_PMC0, PMU_MAX_GP, 1, 0),
	PMU_ROW(INTEL, CTR, MSR_IA32_PMC_V6_GP0_CTR, PMU_MAX_GP, PMU_V6_STRIDE, 0),
	PMU_ROW(INTEL, EVTSEL, MSR_IA32_PMC_V6_GP0_CTR + 1, PMU_MAX_GP, PMU_V6_STRIDE, 0),
	PMU_ROW(INTEL, SHARED_CFG, MSR_IA32_PMC_V6_GP0_CTR + 2, PMU_MAX_GP, PMU_V6_STRIDE, PMU_SLOT_NONE),
	PMU_ROW(INTEL, COUNTER_CFG, MSR_IA32_PMC_V6_GP0_CTR + 3, PMU_MAX_GP, PMU_V6_STRIDE, 0),
	PMU_ROW(INTEL, FIXED_CTR, MSR_IA32_PMC_V6_FX0_CTR, PMU_MAX_FIXED, PMU_V6_STRIDE, PMU_SLOT_FIXED0),
	PMU_ROW(INTEL, SHARED_CFG, MSR_IA32_PMC_V6_FX0_CTR + 2, PMU_MAX_FIXED, PMU_V6_STRIDE, PMU_SLOT_NONE),
	PMU_ROW(INTEL, COUNTER_CFG, MSR_IA32_PMC_V6_FX0_CTR + 3, PMU_MAX_FIXED, PMU_V6_STRIDE, PMU_SLOT_FIXED0),
	PMU_ROW(AMD, GLOBAL_STATUS, MSR_AMD_PERF_CNTR_GLOBAL_STATUS, 1, 1, PMU_SLOT_NONE),
	PMU_ROW(AMD, GLOBAL_CTRL, MSR_AMD_PERF_CNTR_GLOBAL_CTL, 1, 1, PMU_SLOT_NONE),
	PMU_ROW(AMD, GLOBAL_OVF_CTRL, MSR_AMD_PERF_CNTR_GLOBAL_STATUS_CLR, 1, 1, PMU_SLOT_NONE),
	PMU_ROW(AMD, GLOBAL_STATUS_SET, MSR_AMD_PERF_CNTR_GLOBAL_STATUS_SET, 1, 1, PMU_SLOT_NONE),
	PMU_ROW(AMD, EVTSEL, MSR_AMD_K7_EVNTSEL0, 4, 1, 0),
	PMU_ROW(AMD, CTR, MSR_AMD_K7_PERFCTR0, 4, 1, 0),
	PMU_ROW(AMD, EVTSEL, MSR_AMD_F15H_PERF_CTL0, 6, 2, 0),
	PMU_ROW(AMD, CTR, MSR_AMD_F15H_PERF_CTR0, 6, 2, 0),
};
/* clang-format on */

#define PMU_NR_REG_RANGES (sizeof(pmu_reg_map) / sizeof(pmu_reg_map[0]))

/* Bounds of the fast reject: nothing below LOW, nothing in [GAP_FIRST,
 * GAP_END) (0x6E0 TSC_DEADLINE, x2APIC, HWP), nothing in [GAP2_FIRST,
 * GAP2_END) (EFER, FS/GS_BASE), nothing above HIGH. */
#define PMU_MSR_LOW MSR_IA32_PMC0
#define PMU_GAP_FIRST (MSR_IA32_DS_AREA + 1)
#define PMU_GAP_END MSR_RELOAD_FIXED_CTR0
#define PMU_GAP2_FIRST (MSR_IA32_PMC_V6_FX0_CTR + 16 * PMU_V6_STRIDE)
#define PMU_GAP2_END MSR_AMD_PERF_CNTR_GLOBAL_STATUS
#define PMU_MSR_HIGH (MSR_AMD_F15H_PERF_CTR0 + 2 * (6 - 1))

/* The CPU's PMU as discovered (CPUID), in the BPF programs' rodata. */
struct pmu_shape {
	__u32 vendor; /* enum pmu_vendor */
	__u32 nr_gp; /* general-purpose counters */
	__u32 nr_fixed; /* fixed counters (Intel), 0 on AMD */
	__u32 version; /* Intel arch perfmon version; AMD: 2 with PerfMonV2 */
};

/* What one MSR is. */
struct pmu_reg {
	__u32 kind; /* enum pmu_reg_kind; PMU_REG_NONE: not a PMU MSR */
	__u32 index; /* member of its family: counter i or fixed j */
	__u32 slot; /* pcr_rules.h slot, or PMU_SLOT_NONE for globals */
	__u32 out_of_range; /* a PMU register past this CPU's counters */
};

/* Does @msr lie where no PMU register of any vendor is? At most three
 * compares, the first gap first: it holds the hottest MSRs (TSC_DEADLINE
 * 0x6E0, x2APIC), which so leave after one. The empty asm keeps the
 * compiler from merging the tests into one that runs the outer range
 * first. */
static __always_inline int pmu_msr_surely_not_pmu(__u32 msr)
{
	if (msr - PMU_GAP_FIRST < PMU_GAP_END - PMU_GAP_FIRST)
		return 1;
#ifdef __bpf__
	asm volatile("" : "+r"(msr));
#endif
	if (msr - PMU_GAP2_FIRST < PMU_GAP2_END - PMU_GAP2_FIRST)
		return 1;
#ifdef __bpf__
	asm volatile("" : "+r"(msr));
#endif
	return msr - PMU_MSR_LOW > PMU_MSR_HIGH - PMU_MSR_LOW;
}

/*
 * Classify @msr for a CPU of shape @s into @out. Returns 1 when it is a PMU
 * register of this vendor (out->out_of_range set when it names a counter
 * the CPU does not have), 0 otherwise (out->kind == PMU_REG_NONE).
 */
static __always_inline int pmu_classify(__u32 msr, const struct pmu_shape *s,
					struct pmu_reg *out)
{
	unsigned int i;

	out->kind = PMU_REG_NONE;
	out->index = 0;
	out->slot = PMU_SLOT_NONE;
	out->out_of_range = 0;
	if (pmu_msr_surely_not_pmu(msr))
		return 0;
#ifdef __clang__
#pragma unroll
#endif
	for (i = 0; i < PMU_NR_REG_RANGES; i++) {
		const struct pmu_reg_range *r = &pmu_reg_map[i];
		__u32 off = msr - r->first;
		__u32 idx;

		if (r->vendor != s->vendor || off >= (__u32)r->nr * r->stride ||
		    off % r->stride)
			continue;
		idx = off / r->stride;
		out->kind = r->kind;
		out->index = idx;
		if (r->slot0 == PMU_SLOT_NONE)
			return 1;
		out->slot = r->slot0 + idx;
		if (out->slot < PMU_SLOT_FIXED0)
			out->out_of_range = out->slot >= s->nr_gp;
		else
			out->out_of_range =
				out->slot - PMU_SLOT_FIXED0 >= s->nr_fixed;
		return 1;
	}
	return 0;
}

/* Is fixed counter @j enabled in IA32_FIXED_CTR_CTRL value @v? */
static __always_inline __u64 pmu_fixed_field(__u64 v, __u32 j)
{
	return (v >> (j * PMU_FIXED_FIELD_BITS)) & 0xfULL;
}

#endif /* PMU_REGS_H */
