// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Unit tests of perf event naming and hw.idx -> slot
 * (user/model/perf_decode.c). */
#include <string.h>

#include <linux/perf_event.h>

#include "pcr_rules.h"
#include "perf_decode.h"
#include "tap.h"

static const char *name(__u32 type, __u64 config, const char *pmu)
{
	static char buf[64];

	perf_event_name(type, config, pmu, buf, sizeof(buf));
	return buf;
}

TEST(generic_hardware_and_software_names)
{
	CHECK(!strcmp(name(PERF_TYPE_HARDWARE, PERF_COUNT_HW_CPU_CYCLES,
			   "armv8_pmuv3"),
		      "cycles"));
	CHECK(!strcmp(
		name(PERF_TYPE_HARDWARE, PERF_COUNT_HW_INSTRUCTIONS, "cpu"),
		"instructions"));
	CHECK(!strcmp(
		name(PERF_TYPE_HARDWARE, PERF_COUNT_HW_REF_CPU_CYCLES, "cpu"),
		"ref-cycles"));
	CHECK(!strcmp(
		name(PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_CLOCK, "cpu_clock"),
		"cpu-clock"));
	CHECK(!strcmp(name(PERF_TYPE_SOFTWARE, PERF_COUNT_SW_DUMMY, "software"),
		      "dummy"));
}

TEST(hybrid_pmu_bits_do_not_hide_the_generic_name)
{
	/* x86 hybrid: PMU type in config bits 32..63. */
	CHECK(!strcmp(name(PERF_TYPE_HARDWARE, (8ULL << 32) | 1, "cpu_core"),
		      "instructions"));
}

TEST(cache_triplets)
{
	__u64 c = PERF_COUNT_HW_CACHE_L1D | PERF_COUNT_HW_CACHE_OP_READ << 8 |
		  PERF_COUNT_HW_CACHE_RESULT_MISS << 16;

	CHECK(!strcmp(name(PERF_TYPE_HW_CACHE, c, "cpu"),
		      "L1-dcache-load-misses"));
	c = PERF_COUNT_HW_CACHE_DTLB | PERF_COUNT_HW_CACHE_OP_WRITE << 8;
	CHECK(!strcmp(name(PERF_TYPE_HW_CACHE, c, "cpu"),
		      "dTLB-store-accesses"));
	/* Out of range: not invented, shown as numbers. */
	CHECK(!strcmp(name(PERF_TYPE_HW_CACHE, 0xff, "cpu"), "type 3 0xff"));
}

TEST(raw_and_dynamic_types)
{
	CHECK(!strcmp(name(PERF_TYPE_RAW, 0x11, "armv8_pmuv3"), "raw 0x11"));
	CHECK(!strcmp(name(10, 0x8, "armv8_pmuv3"), "armv8_pmuv3/0x8/"));
	CHECK(!strcmp(name(42, 0x1, ""), "type 42 0x1"));
	CHECK(!strcmp(name(PERF_TYPE_HARDWARE, 99, "cpu"), "type 0 0x63"));
}

TEST(arm64_61_cycle_counter_is_index_0)
{
	CHECK_EQ(perf_idx_to_slot("armv8_pmuv3", 0, 6001), PCR_ARM_CYCLE_SLOT);
	CHECK_EQ(perf_idx_to_slot("armv8_pmuv3", 1, 6001), 0);
	CHECK_EQ(perf_idx_to_slot("armv8_pmuv3", 6, 6001), 5);
	CHECK_EQ(perf_idx_to_slot("armv8_pmuv3_0", 3, 6010), 2);
}

TEST(arm64_612_indices_are_the_slots)
{
	CHECK_EQ(perf_idx_to_slot("armv8_pmuv3", 31, 6012), PCR_ARM_CYCLE_SLOT);
	CHECK_EQ(perf_idx_to_slot("armv8_pmuv3", 0, 6012), 0);
	CHECK_EQ(perf_idx_to_slot("armv8_pmuv3", 5, 6011), 5);
}

TEST(x86_general_and_fixed_counters)
{
	CHECK_EQ(perf_idx_to_slot("cpu", 0, 6001), 0);
	CHECK_EQ(perf_idx_to_slot("cpu", 3, 6012), 3);
	CHECK_EQ(perf_idx_to_slot("cpu", 32, 6012), PCR_FIXED_SLOT0);
	CHECK_EQ(perf_idx_to_slot("cpu", 34, 6001), PCR_FIXED_SLOT0 + 2);
}

TEST(no_counter_is_no_slot)
{
	CHECK_EQ(perf_idx_to_slot("cpu", -1, 6012), -1);
	CHECK_EQ(perf_idx_to_slot("armv8_pmuv3", -1, 6001), -1);
	CHECK_EQ(perf_idx_to_slot("cpu", 64, 6012), -1);
}

int main(void)
{
	RUN(generic_hardware_and_software_names);
	RUN(hybrid_pmu_bits_do_not_hide_the_generic_name);
	RUN(cache_triplets);
	RUN(raw_and_dynamic_types);
	RUN(arm64_61_cycle_counter_is_index_0);
	RUN(arm64_612_indices_are_the_slots);
	RUN(x86_general_and_fixed_counters);
	RUN(no_counter_is_no_slot);
	return TAP_DONE();
}
