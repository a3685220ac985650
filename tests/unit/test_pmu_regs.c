// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The PMU register map (include/pmu_regs.h): the classifier against the
 * table, the fast reject against the table, each family of both vendors,
 * out-of-range counters, and the PCRWATCH_MSR_PMU parser. Rule 6's slot
 * masks (pcr_msr_slot_mask, include/pcr_rules.h): one test per register
 * family of the audit in docs/MSR.md, and agreement with the map.
 */
#include <errno.h>
#include <string.h>

#include "pcr_rules.h"
#include "msr.h"
#include "tap.h"

static const struct pmu_shape intel = { PMU_VENDOR_INTEL, 4, 3, 4 };
static const struct pmu_shape intel_big = { PMU_VENDOR_INTEL, PMU_MAX_GP,
					    PMU_MAX_FIXED, 5 };
static const struct pmu_shape amd6 = { PMU_VENDOR_AMD, 6, 0, 2 };
static const struct pmu_shape amd4 = { PMU_VENDOR_AMD, 4, 0, 1 };

static struct pmu_reg cls(__u32 msr, const struct pmu_shape *s)
{
	struct pmu_reg r;

	pmu_classify(msr, s, &r);
	return r;
}

/* The slow, obvious classifier: scan the whole table. */
static int table_kind(__u32 msr, __u32 vendor)
{
	size_t i;

	for (i = 0; i < PMU_NR_REG_RANGES; i++) {
		const struct pmu_reg_range *r = &pmu_reg_map[i];

		if (r->vendor == vendor && msr >= r->first &&
		    msr < r->first + (__u32)r->nr * r->stride &&
		    (msr - r->first) % r->stride == 0)
			return r->kind;
	}
	return PMU_REG_NONE;
}

TEST(every_row_lies_outside_the_fast_reject)
{
	size_t i;
	__u32 k;

	for (i = 0; i < PMU_NR_REG_RANGES; i++) {
		const struct pmu_reg_range *r = &pmu_reg_map[i];

		for (k = 0; k < r->nr; k++)
			CHECK(!pmu_msr_surely_not_pmu(r->first +
						      k * r->stride));
		CHECK(r->stride >= 1);
		CHECK(r->kind > PMU_REG_NONE && r->kind < PMU_NR_REG_KINDS);
	}
}

TEST(classifier_agrees_with_the_table_around_the_map)
{
	static const __u32 windows[][2] = {
		{ 0x0, 0x2000 },
		{ 0xc0000000, 0xc0000400 },
		{ 0xc0010000, 0xc0010400 },
		{ 0xfffff000, 0xffffffff },
	};
	const struct pmu_shape *shapes[] = { &intel_big, &amd6 };
	size_t w, s;
	__u32 msr;

	for (s = 0; s < 2; s++)
		for (w = 0; w < 4; w++)
			for (msr = windows[w][0]; msr < windows[w][1]; msr++)
				CHECK_EQ(cls(msr, shapes[s]).kind,
					 table_kind(msr, shapes[s]->vendor));
}

TEST(hot_non_pmu_msrs_exit_in_the_gaps)
{
	/* TSC_DEADLINE, x2APIC ICR and EOI, HWP_REQUEST: the first compare */
	static const __u32 hot[] = { 0x6e0, 0x830, 0x80b, 0x774 };
	/* EFER, FS_BASE, KERNEL_GS_BASE, TSC_AUX: the second */
	static const __u32 hot2[] = { 0xc0000080, 0xc0000100, 0xc0000102,
				      0xc0000103 };
	size_t i;

	for (i = 0; i < sizeof(hot) / sizeof(hot[0]); i++)
		CHECK(hot[i] - PMU_GAP_FIRST < PMU_GAP_END - PMU_GAP_FIRST);
	for (i = 0; i < sizeof(hot2) / sizeof(hot2[0]); i++)
		CHECK(hot2[i] - PMU_GAP2_FIRST < PMU_GAP2_END - PMU_GAP2_FIRST);
	CHECK(pmu_msr_surely_not_pmu(0x48)); /* SPEC_CTRL: the second */
	CHECK(pmu_msr_surely_not_pmu(0x10)); /* TSC */
	CHECK(pmu_msr_surely_not_pmu(0xc0011020));
}

TEST(intel_families)
{
	struct pmu_reg r;

	r = cls(0x186, &intel);
	CHECK_EQ(r.kind, PMU_REG_EVTSEL);
	CHECK_EQ(r.slot, 0);
	r = cls(0x189, &intel);
	CHECK_EQ(r.kind, PMU_REG_EVTSEL);
	CHECK_EQ(r.slot, 3);
	CHECK_EQ(r.out_of_range, 0);
	r = cls(0xc2, &intel);
	CHECK_EQ(r.kind, PMU_REG_CTR);
	CHECK_EQ(r.slot, 1);
	r = cls(0x4c3, &intel);
	CHECK_EQ(r.kind, PMU_REG_CTR);
	CHECK_EQ(r.slot, 2);
	r = cls(0x30b, &intel);
	CHECK_EQ(r.kind, PMU_REG_FIXED_CTR);
	CHECK_EQ(r.slot, PCR_FIXED_SLOT0 + 2);
	CHECK_EQ(cls(0x38d, &intel).kind, PMU_REG_FIXED_CTRL);
	CHECK_EQ(cls(0x38d, &intel).slot, PMU_SLOT_NONE);
	CHECK_EQ(cls(0x38e, &intel).kind, PMU_REG_GLOBAL_STATUS);
	CHECK_EQ(cls(0x38f, &intel).kind, PMU_REG_GLOBAL_CTRL);
	CHECK_EQ(cls(0x390, &intel).kind, PMU_REG_GLOBAL_OVF_CTRL);
	CHECK_EQ(cls(0x391, &intel).kind, PMU_REG_GLOBAL_STATUS_SET);
	CHECK_EQ(cls(0x392, &intel).kind, PMU_REG_GLOBAL_INUSE);
	CHECK_EQ(cls(0x393, &intel).kind, PMU_REG_NONE);
	CHECK_EQ(cls(0x185, &intel).kind, PMU_REG_NONE);
	CHECK_EQ(cls(0xc0, &intel).kind, PMU_REG_NONE);
}

TEST(intel_out_of_range_counters)
{
	CHECK_EQ(cls(0x18a, &intel).out_of_range, 1); /* PERFEVTSEL4 of 4 */
	CHECK_EQ(cls(0xc5, &intel).out_of_range, 1);
	CHECK_EQ(cls(0x4c5, &intel).out_of_range, 1);
	CHECK_EQ(cls(0x30c, &intel).out_of_range, 1); /* FIXED_CTR3 of 3 */
	CHECK_EQ(cls(0x18d, &intel_big).out_of_range, 0);
	CHECK_EQ(cls(0x18e, &intel_big).kind, PMU_REG_NONE); /* past the map */
	CHECK_EQ(cls(0x38f, &intel).out_of_range, 0); /* globals never are */
}

TEST(amd_families)
{
	struct pmu_reg r;

	r = cls(0xc0010002, &amd6);
	CHECK_EQ(r.kind, PMU_REG_EVTSEL);
	CHECK_EQ(r.slot, 2);
	r = cls(0xc0010007, &amd6);
	CHECK_EQ(r.kind, PMU_REG_CTR);
	CHECK_EQ(r.slot, 3);
	r = cls(0xc001020a, &amd6);
	CHECK_EQ(r.kind, PMU_REG_EVTSEL);
	CHECK_EQ(r.slot, 5);
	r = cls(0xc001020b, &amd6);
	CHECK_EQ(r.kind, PMU_REG_CTR);
	CHECK_EQ(r.slot, 5);
	CHECK_EQ(cls(0xc001020c, &amd6).kind, PMU_REG_NONE);
	CHECK_EQ(cls(0xc0010008, &amd6).kind, PMU_REG_NONE);
	CHECK_EQ(cls(0xc0000300, &amd6).kind, PMU_REG_GLOBAL_STATUS);
	CHECK_EQ(cls(0xc0000301, &amd6).kind, PMU_REG_GLOBAL_CTRL);
	CHECK_EQ(cls(0xc0000302, &amd6).kind, PMU_REG_GLOBAL_OVF_CTRL);
	CHECK_EQ(cls(0xc0000303, &amd6).kind, PMU_REG_GLOBAL_STATUS_SET);
	CHECK_EQ(cls(0xc0000304, &amd6).kind, PMU_REG_NONE);
	CHECK_EQ(cls(0xc0010208, &amd4).out_of_range, 1);
	CHECK_EQ(cls(0xc0010206, &amd4).out_of_range, 0);
}

TEST(vendors_do_not_mix)
{
	static const struct pmu_shape none = { PMU_VENDOR_NONE, 8, 7, 0 };

	CHECK_EQ(cls(0x186, &amd6).kind, PMU_REG_NONE);
	CHECK_EQ(cls(0x38f, &amd6).kind, PMU_REG_NONE);
	CHECK_EQ(cls(0xc0010000, &intel).kind, PMU_REG_NONE);
	CHECK_EQ(cls(0xc0000301, &intel).kind, PMU_REG_NONE);
	CHECK_EQ(cls(0x186, &none).kind, PMU_REG_NONE);
}

TEST(fixed_fields)
{
	CHECK_EQ(pmu_fixed_field(0xb0, 0), 0);
	CHECK_EQ(pmu_fixed_field(0xb0, 1), 0xb);
	CHECK_EQ(pmu_fixed_field(0x333, 2), 0x3);
}

TEST(evtsel_per_vendor)
{
	CHECK_EQ(msr_pmu_evtsel(&intel, 2), 0x188);
	CHECK_EQ(msr_pmu_evtsel(&amd6, 2), 0xc0010204);
	CHECK_EQ(msr_pmu_evtsel(&amd4, 2), 0xc0010002);
}

TEST(override_parser)
{
	struct pmu_shape s;
	char err[256];

	CHECK_EQ(msr_pmu_parse("intel:4:3", &s, err, sizeof(err)), 0);
	CHECK_EQ(s.vendor, PMU_VENDOR_INTEL);
	CHECK_EQ(s.nr_gp, 4);
	CHECK_EQ(s.nr_fixed, 3);
	CHECK_EQ(msr_pmu_parse("intel:8:7:5", &s, err, sizeof(err)), 0);
	CHECK_EQ(s.version, 5);
	CHECK_EQ(msr_pmu_parse("amd:6", &s, err, sizeof(err)), 0);
	CHECK_EQ(s.vendor, PMU_VENDOR_AMD);
	CHECK_EQ(s.nr_gp, 6);
	CHECK_EQ(s.nr_fixed, 0);
	CHECK_EQ(msr_pmu_parse("amd:6:2", &s, err, sizeof(err)), 0);
	CHECK_EQ(s.version, 2);
	CHECK_EQ(msr_pmu_parse("intel:9:3", &s, err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "expected intel:GP:FIXED") != NULL);
	CHECK_EQ(s.vendor, PMU_VENDOR_NONE);
	CHECK_EQ(msr_pmu_parse("intel:4", &s, err, sizeof(err)), -EINVAL);
	CHECK_EQ(msr_pmu_parse("amd:7", &s, err, sizeof(err)), -EINVAL);
	CHECK_EQ(msr_pmu_parse("amd:4:3:1", &s, err, sizeof(err)), -EINVAL);
	CHECK_EQ(msr_pmu_parse("arm:4:3", &s, err, sizeof(err)), -EINVAL);
	CHECK_EQ(msr_pmu_parse("intel:-1:3", &s, err, sizeof(err)), -EINVAL);
	CHECK_EQ(msr_pmu_parse("intel:4x:3", &s, err, sizeof(err)), -EINVAL);
	CHECK_EQ(msr_pmu_parse("", &s, err, sizeof(err)), -EINVAL);
	CHECK_EQ(msr_pmu_parse(NULL, &s, err, sizeof(err)), -EINVAL);
}

TEST(cpuid_discovery_stays_in_bounds)
{
	struct pmu_shape s;
	char how[64];

	msr_pmu_cpuid(&s, how, sizeof(how));
	CHECK(s.nr_gp <= PMU_MAX_GP);
	CHECK(s.nr_fixed <= PMU_MAX_FIXED);
	if (s.vendor == PMU_VENDOR_AMD)
		CHECK(s.nr_gp == 4 || s.nr_gp == 6 || s.version == 2);
	CHECK(strlen(how) > 0);
}

/* Rule 6 per family of the audit (docs/MSR.md). */
TEST(mask_legacy_intel_counters)
{
	CHECK_EQ(pcr_msr_slot_mask(0xc1), 1ULL << 0); /* IA32_PMC0 */
	CHECK_EQ(pcr_msr_slot_mask(0xc8), 1ULL << 7);
	CHECK_EQ(pcr_msr_slot_mask(0xc9), 0);
	CHECK_EQ(pcr_msr_slot_mask(0x4c1), 1ULL << 0); /* IA32_A_PMC0 */
	CHECK_EQ(pcr_msr_slot_mask(0x18d), 1ULL << 7); /* PERFEVTSEL7 */
	CHECK_EQ(pcr_msr_slot_mask(0x18e), 0);
}

TEST(mask_fixed_counters_beyond_four)
{
	CHECK_EQ(pcr_msr_slot_mask(0x309), 1ULL << PCR_FIXED_SLOT0);
	CHECK_EQ(pcr_msr_slot_mask(0x30d), 1ULL << (PCR_FIXED_SLOT0 + 4));
	CHECK_EQ(pcr_msr_slot_mask(0x318), 1ULL << (PCR_FIXED_SLOT0 + 15));
	CHECK_EQ(pcr_msr_slot_mask(0x319), 0);
	CHECK_EQ(pcr_msr_slot_mask(0x38d), PCR_FIXED_SLOTS); /* CTR_CTRL */
	CHECK_EQ(cls(0x30d, &intel_big).kind, PMU_REG_FIXED_CTR);
	CHECK_EQ(cls(0x30d, &intel_big).slot, PCR_FIXED_SLOT0 + 4);
}

TEST(mask_v6_aliases)
{
	CHECK_EQ(pcr_msr_slot_mask(0x1900), 1ULL << 0); /* GP0_CTR */
	CHECK_EQ(pcr_msr_slot_mask(0x1901), 1ULL << 0); /* GP0_CFG_A */
	CHECK_EQ(pcr_msr_slot_mask(0x1903), 1ULL << 0); /* GP0_CFG_C */
	CHECK_EQ(pcr_msr_slot_mask(0x1905), 1ULL << 1); /* GP1_CFG_A */
	CHECK_EQ(pcr_msr_slot_mask(0x197c), 1ULL << 31); /* GP31_CTR */
	CHECK_EQ(pcr_msr_slot_mask(0x1902), PCR_ALL_SLOTS); /* reload mask */
	CHECK_EQ(pcr_msr_slot_mask(0x1980), 1ULL << PCR_FIXED_SLOT0);
	CHECK_EQ(pcr_msr_slot_mask(0x1987), 1ULL << (PCR_FIXED_SLOT0 + 1));
	CHECK_EQ(pcr_msr_slot_mask(0x19bc), 1ULL << (PCR_FIXED_SLOT0 + 15));
	CHECK_EQ(pcr_msr_slot_mask(0x1982), PCR_ALL_SLOTS);
	CHECK_EQ(pcr_msr_slot_mask(0x18ff), 0);
	CHECK_EQ(pcr_msr_slot_mask(0x19c0), 0);
	CHECK_EQ(cls(0x1904, &intel).kind, PMU_REG_CTR);
	CHECK_EQ(cls(0x1904, &intel).slot, 1);
	CHECK_EQ(cls(0x1909, &intel).kind, PMU_REG_EVTSEL);
	CHECK_EQ(cls(0x1909, &intel).slot, 2);
	CHECK_EQ(cls(0x190a, &intel).kind, PMU_REG_SHARED_CFG);
	CHECK_EQ(cls(0x1984, &intel).kind, PMU_REG_FIXED_CTR);
	CHECK_EQ(cls(0x1984, &intel).slot, PCR_FIXED_SLOT0 + 1);
	CHECK_EQ(cls(0x1981, &intel).kind, PMU_REG_NONE); /* no FX CFG_A */
	CHECK_EQ(cls(0x1910, &intel).out_of_range, 1); /* GP4 of 4 */
}

TEST(mask_pebs_and_ds_area)
{
	static const __u32 all[] = { 0x3f1, 0x3f2, 0x3f4, 0x3f5, 0x600 };
	size_t i;

	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		CHECK_EQ(pcr_msr_slot_mask(all[i]), PCR_ALL_SLOTS);
		CHECK_EQ(cls(all[i], &intel).kind, PMU_REG_SHARED_CFG);
	}
	CHECK_EQ(pcr_msr_slot_mask(0x3f6), PCR_GP_SLOTS); /* LD_LAT */
	CHECK_EQ(pcr_msr_slot_mask(0x3f7), PCR_GP_SLOTS); /* FRONTEND */
	CHECK_EQ(pcr_msr_slot_mask(0x39c), PCR_GP_SLOTS); /* NUM_ALT */
	CHECK_EQ(pcr_msr_slot_mask(0x3f3), 0);
	CHECK_EQ(pcr_msr_slot_mask(0x14c1), 1ULL << 0); /* RELOAD_PMC0 */
	CHECK_EQ(pcr_msr_slot_mask(0x1309), 1ULL << PCR_FIXED_SLOT0);
	CHECK_EQ(cls(0x14c2, &intel).kind, PMU_REG_COUNTER_CFG);
	CHECK_EQ(cls(0x14c2, &intel).slot, 1);
}

TEST(mask_debugctl_and_extra_event_registers)
{
	CHECK_EQ(pcr_msr_slot_mask(0x1d9), PCR_ALL_SLOTS); /* freeze bits */
	CHECK_EQ(pcr_msr_slot_mask(0x1a6), PCR_GP_SLOTS); /* OFFCORE_RSP_0 */
	CHECK_EQ(pcr_msr_slot_mask(0x1a7), PCR_GP_SLOTS);
	CHECK_EQ(pcr_msr_slot_mask(0x1328), PCR_GP_SLOTS); /* SNOOP_RSP_0 */
	CHECK_EQ(pcr_msr_slot_mask(0x1329), PCR_GP_SLOTS);
	CHECK_EQ(pcr_msr_slot_mask(0x10f), 1ULL << 3); /* TSX_FORCE_ABORT */
	CHECK_EQ(pcr_msr_slot_mask(0x329), 1ULL << (PCR_FIXED_SLOT0 + 3));
	CHECK_EQ(cls(0x329, &intel).out_of_range, 1); /* no fixed 3 here */
	CHECK_EQ(cls(0x1d9, &intel).kind, PMU_REG_SHARED_CFG);
	CHECK_EQ(cls(0x10f, &intel).slot, 3);
}

TEST(mask_intel_globals)
{
	CHECK_EQ(pcr_msr_slot_mask(0x38f), PCR_ALL_SLOTS); /* GLOBAL_CTRL */
	CHECK_EQ(pcr_msr_slot_mask(0x390), PCR_ALL_SLOTS); /* STATUS_RESET */
	CHECK_EQ(pcr_msr_slot_mask(0x391), PCR_ALL_SLOTS); /* STATUS_SET */
	CHECK_EQ(pcr_msr_slot_mask(0x38e), 0); /* STATUS: read-only */
	CHECK_EQ(pcr_msr_slot_mask(0x392), 0); /* INUSE: read-only */
}

TEST(mask_amd_families)
{
	CHECK_EQ(pcr_msr_slot_mask(0xc0010000), 1ULL << 0); /* PERF_CTL0 */
	CHECK_EQ(pcr_msr_slot_mask(0xc0010007), 1ULL << 3); /* PERF_CTR3 */
	CHECK_EQ(pcr_msr_slot_mask(0xc0010008), 0);
	CHECK_EQ(pcr_msr_slot_mask(0xc0010200), 1ULL << 0); /* core ext */
	CHECK_EQ(pcr_msr_slot_mask(0xc001020b), 1ULL << 5);
	CHECK_EQ(pcr_msr_slot_mask(0xc001020f), 1ULL << 7);
	CHECK_EQ(pcr_msr_slot_mask(0xc0010210), 0);
	CHECK_EQ(pcr_msr_slot_mask(0xc0000301), PCR_ALL_SLOTS); /* V2 CTL */
	CHECK_EQ(pcr_msr_slot_mask(0xc0000303), PCR_ALL_SLOTS);
	CHECK_EQ(pcr_msr_slot_mask(0xc0000304), 0);
	CHECK_EQ(pcr_msr_slot_mask(0xc0011020), 0); /* LS_CFG: not PMU */
}

/* Every register the map classifies that a write can change maps to slots
 * in rule 6, including the slot the map gives it. */
TEST(mask_covers_every_classified_register)
{
	static const __u32 windows[][2] = {
		{ 0x0, 0x2000 },
		{ 0xc0000000, 0xc0000400 },
		{ 0xc0010000, 0xc0010400 },
	};
	const struct pmu_shape *shapes[] = { &intel_big, &amd6 };
	size_t w, s;
	__u32 msr;

	for (s = 0; s < 2; s++) {
		for (w = 0; w < 3; w++) {
			for (msr = windows[w][0]; msr < windows[w][1]; msr++) {
				struct pmu_reg r = cls(msr, shapes[s]);
				__u64 m = pcr_msr_slot_mask(msr);

				if (r.kind == PMU_REG_NONE ||
				    (r.kind == PMU_REG_GLOBAL_STATUS &&
				     s == 0) ||
				    r.kind == PMU_REG_GLOBAL_INUSE)
					continue;
				CHECK(m != 0);
				if (r.slot != PMU_SLOT_NONE)
					CHECK(m & (1ULL << r.slot));
			}
		}
	}
}

int main(void)
{
	RUN(every_row_lies_outside_the_fast_reject);
	RUN(classifier_agrees_with_the_table_around_the_map);
	RUN(hot_non_pmu_msrs_exit_in_the_gaps);
	RUN(intel_families);
	RUN(intel_out_of_range_counters);
	RUN(amd_families);
	RUN(vendors_do_not_mix);
	RUN(fixed_fields);
	RUN(evtsel_per_vendor);
	RUN(override_parser);
	RUN(cpuid_discovery_stays_in_bounds);
	RUN(mask_legacy_intel_counters);
	RUN(mask_fixed_counters_beyond_four);
	RUN(mask_v6_aliases);
	RUN(mask_pebs_and_ds_area);
	RUN(mask_debugctl_and_extra_event_registers);
	RUN(mask_intel_globals);
	RUN(mask_amd_families);
	RUN(mask_covers_every_classified_register);
	return TAP_DONE();
}
