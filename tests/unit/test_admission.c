// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Unit tests of the reservation section of include/pcr_rules.h: principal
 * matching, the perf admission rule (rule 5) and MSR slots (rule 6). */
#include "pcr_rules.h"
#include "tap.h"

static struct pcr_demand demand(__u32 n, __u32 other, __u32 group)
{
	struct pcr_demand d = { .nr_counters = n, .reserved_other = other,
				.group_size = group };

	return d;
}

TEST(no_other_reservation_admits_everything)
{
	struct pcr_demand d = demand(7, 0, 32);

	d.pinned = d.exclusive = 1;
	CHECK_EQ(pcr_admit(&d), PCR_ADMIT_OK);
	d.nr_counters = 0; /* unknown capacity does not matter then */
	CHECK_EQ(pcr_admit(&d), PCR_ADMIT_OK);
}

TEST(whole_pmu_denies_any_event)
{
	struct pcr_demand d = demand(7, 0, 1);

	d.whole_other = 1;
	CHECK_EQ(pcr_admit(&d), PCR_ADMIT_WHOLE_PMU);
}

TEST(unknown_capacity_fails_closed)
{
	struct pcr_demand d = demand(0, 1, 1);

	CHECK_EQ(pcr_admit(&d), PCR_ADMIT_UNKNOWN_CAPACITY);
}

TEST(exclusive_needs_the_whole_pmu)
{
	struct pcr_demand d = demand(7, 1, 1);

	d.exclusive = 1;
	CHECK_EQ(pcr_admit(&d), PCR_ADMIT_EXCLUSIVE);
}

TEST(group_must_fit_unreserved_counters)
{
	struct pcr_demand d = demand(7, 5, 2);

	CHECK_EQ(pcr_admit(&d), PCR_ADMIT_OK);
	d.group_size = 3;
	CHECK_EQ(pcr_admit(&d), PCR_ADMIT_GROUP);
	d = demand(7, 7, 1); /* every counter reserved */
	CHECK_EQ(pcr_admit(&d), PCR_ADMIT_GROUP);
	d = demand(7, 9, 1); /* over-reserved: no underflow */
	CHECK_EQ(pcr_admit(&d), PCR_ADMIT_GROUP);
}

TEST(pinned_demand_counts_events_already_charged)
{
	struct pcr_demand d = demand(7, 5, 1);

	d.pinned = 1;
	d.pinned_in_use = 1;
	CHECK_EQ(pcr_admit(&d), PCR_ADMIT_OK);
	d.pinned_in_use = 2;
	CHECK_EQ(pcr_admit(&d), PCR_ADMIT_PINNED);
	d.pinned = 0; /* flexible: multiplexed, not charged */
	CHECK_EQ(pcr_admit(&d), PCR_ADMIT_OK);
}

TEST(principals_match_only_their_kind)
{
	struct pcr_principal uid = { .kind = PCR_PRINC_UID, .id = 1000 };
	struct pcr_principal pid = { .kind = PCR_PRINC_PID, .id = 42 };
	struct pcr_principal cg = { .kind = PCR_PRINC_CGROUP, .level = 1,
				    .id = 77 };
	struct pcr_principal none = { .kind = PCR_PRINC_NONE };

	CHECK(pcr_principal_match(&uid, 1000, 1, 0));
	CHECK(!pcr_principal_match(&uid, 0, 1000, 1000));
	CHECK(pcr_principal_match(&pid, 0, 42, 0));
	CHECK(!pcr_principal_match(&pid, 42, 41, 42));
	CHECK(pcr_principal_match(&cg, 0, 1, 77));
	CHECK(!pcr_principal_match(&cg, 77, 77, 78));
	CHECK(!pcr_principal_match(&none, 0, 0, 0));
	cg.id = 0; /* an unset cgroup id never matches a task above it */
	CHECK(!pcr_principal_match(&cg, 0, 0, 0));
}

TEST(root_is_not_a_holder)
{
	struct pcr_slot_regs r;

	pcr_slot_reset(&r);
	pcr_claim(&r, 0xabcdefULL);
	pcr_set_access(&r, 0xabcdefULL, 0x123ULL);
	/* uid 0 matches no grant: it presents the default cookie. */
	CHECK_EQ(pcr_check_program(&r, PCR_LAYER_USER,
				   pcr_presented_cookie(&r, 0), 0),
		 PCR_DENY_COOKIE);
	CHECK_EQ(pcr_check_program(&r, PCR_LAYER_USER,
				   pcr_presented_cookie(&r, 1), 0),
		 PCR_OK);
	/* A holder writing raw MSRs needs the direct-MSR bit. */
	pcr_set_control(&r, 0xabcdefULL, PCR_CTL_ALL_LAYERS);
	CHECK_EQ(pcr_check_program(&r, PCR_LAYER_USER,
				   pcr_presented_cookie(&r, 1), 1),
		 PCR_DENY_DIRECT);
}

TEST(msr_addresses_map_to_slots)
{
	CHECK_EQ(pcr_msr_slot_mask(0x186), 1ULL << 0);
	CHECK_EQ(pcr_msr_slot_mask(0x187), 1ULL << 1);
	CHECK_EQ(pcr_msr_slot_mask(0xc1), 1ULL << 0);
	CHECK_EQ(pcr_msr_slot_mask(0x4c2), 1ULL << 1);
	CHECK_EQ(pcr_msr_slot_mask(0x309), 1ULL << 32);
	CHECK_EQ(pcr_msr_slot_mask(0x38d), 0xffffULL << 32);
	CHECK_EQ(pcr_msr_slot_mask(0x38f), ~0ULL);
	CHECK_EQ(pcr_msr_slot_mask(0xc0010001), 1ULL << 1);
	CHECK_EQ(pcr_msr_slot_mask(0xc0010005), 1ULL << 1);
	CHECK_EQ(pcr_msr_slot_mask(0xc0010203), 1ULL << 1);
	CHECK_EQ(pcr_msr_slot_mask(0x6e0), 0); /* TSC deadline: not PMU */
	CHECK_EQ(pcr_msr_slot_mask(0x18e), 0);
}

int main(void)
{
	RUN(no_other_reservation_admits_everything);
	RUN(whole_pmu_denies_any_event);
	RUN(unknown_capacity_fails_closed);
	RUN(exclusive_needs_the_whole_pmu);
	RUN(group_must_fit_unreserved_counters);
	RUN(pinned_demand_counts_events_already_charged);
	RUN(principals_match_only_their_kind);
	RUN(root_is_not_a_holder);
	RUN(msr_addresses_map_to_slots);
	return TAP_DONE();
}
