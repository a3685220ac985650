// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Unit tests of the rulebook (include/pcr_rules.h): one test per rule. */
#include "pcr_rules.h"
#include "tap.h"

#define MGMT 0x123456789abcULL
#define ACCESS 0x0000deadbeefULL

static struct pcr_slot_regs fresh(void)
{
	struct pcr_slot_regs r;

	pcr_slot_reset(&r);
	return r;
}

TEST(unreserved_slot_allows_every_layer_and_path)
{
	struct pcr_slot_regs r = fresh();
	__u32 l;

	for (l = 0; l < PCR_NR_LAYERS; l++) {
		CHECK_EQ(pcr_check_program(&r, l, PCR_DEFAULT_COOKIE, 1),
			 PCR_OK);
		CHECK_EQ(pcr_check_program(&r, l, 0x42, 0), PCR_OK);
	}
}

TEST(claim_needs_a_valid_cookie_and_a_free_slot)
{
	struct pcr_slot_regs r = fresh();

	CHECK_EQ(pcr_claim(&r, PCR_DEFAULT_COOKIE), PCR_DENY_INVALID);
	CHECK_EQ(pcr_claim(&r, 1ULL << 48), PCR_DENY_INVALID);
	CHECK_EQ(pcr_claim(&r, MGMT), PCR_OK);
	CHECK_EQ(pcr_claim(&r, MGMT + 1), PCR_DENY_BUSY);
	CHECK_EQ(r.mgmt_cookie, MGMT);
}

TEST(fresh_claim_locks_out_legacy_access)
{
	struct pcr_slot_regs r = fresh();

	pcr_claim(&r, MGMT);
	CHECK_EQ(pcr_check_program(&r, PCR_LAYER_USER, PCR_DEFAULT_COOKIE, 0),
		 PCR_DENY_COOKIE);
	CHECK_EQ(pcr_check_program(&r, PCR_LAYER_USER, MGMT, 0), PCR_OK);
}

TEST(only_the_manager_sets_access_control_and_releases)
{
	struct pcr_slot_regs r = fresh();

	pcr_claim(&r, MGMT);
	CHECK_EQ(pcr_set_access(&r, MGMT + 1, ACCESS), PCR_DENY_MGMT);
	CHECK_EQ(pcr_set_control(&r, MGMT + 1, 0), PCR_DENY_MGMT);
	CHECK_EQ(pcr_release(&r, MGMT + 1), PCR_DENY_MGMT);
	CHECK_EQ(pcr_set_mgmt(&r, MGMT + 1, 7), PCR_DENY_MGMT);
	CHECK_EQ(pcr_set_access(&r, MGMT, ACCESS), PCR_OK);
	CHECK_EQ(r.access_cookie, ACCESS);
	CHECK_EQ(pcr_release(&r, MGMT), PCR_OK);
	CHECK(!pcr_slot_reserved(&r));
	CHECK_EQ(r.control, PCR_CTL_DEFAULT);
}

TEST(unmanaged_slot_cannot_be_managed_with_the_default_cookie)
{
	struct pcr_slot_regs r = fresh();

	CHECK_EQ(pcr_set_access(&r, PCR_DEFAULT_COOKIE, ACCESS), PCR_DENY_MGMT);
	CHECK_EQ(pcr_release(&r, PCR_DEFAULT_COOKIE), PCR_DENY_MGMT);
}

TEST(default_access_cookie_reopens_slot_to_legacy_users)
{
	struct pcr_slot_regs r = fresh();

	pcr_claim(&r, MGMT);
	CHECK_EQ(pcr_set_access(&r, MGMT, PCR_DEFAULT_COOKIE), PCR_OK);
	CHECK_EQ(pcr_check_program(&r, PCR_LAYER_KERNEL, PCR_DEFAULT_COOKIE, 0),
		 PCR_OK);
}

TEST(control_bits_exclude_layers_and_direct_msr)
{
	struct pcr_slot_regs r = fresh();

	pcr_claim(&r, MGMT);
	pcr_set_access(&r, MGMT, ACCESS);
	CHECK_EQ(pcr_set_control(&r, MGMT, 0x100), PCR_DENY_INVALID);
	CHECK_EQ(pcr_set_control(&r, MGMT, PCR_CTL_LAYER(PCR_LAYER_KERNEL)),
		 PCR_OK);
	CHECK_EQ(pcr_check_program(&r, PCR_LAYER_USER, ACCESS, 0),
		 PCR_DENY_LAYER);
	CHECK_EQ(pcr_check_program(&r, PCR_LAYER_KERNEL, ACCESS, 1),
		 PCR_DENY_DIRECT);
	CHECK_EQ(pcr_check_program(&r, PCR_LAYER_KERNEL, ACCESS, 0), PCR_OK);
	CHECK_EQ(pcr_check_program(&r, PCR_LAYER_UNKNOWN, ACCESS, 0),
		 PCR_DENY_LAYER);
}

TEST(wrong_cookie_gets_ebusy_wrong_manager_eperm)
{
	CHECK_EQ(pcr_verdict_errno(PCR_OK), 0);
	CHECK_EQ(pcr_verdict_errno(PCR_DENY_COOKIE), -16);
	CHECK_EQ(pcr_verdict_errno(PCR_DENY_LAYER), -16);
	CHECK_EQ(pcr_verdict_errno(PCR_DENY_MGMT), -1);
	CHECK_EQ(pcr_verdict_errno(PCR_DENY_INVALID), -22);
}

TEST(cookie_compare_is_exact_on_48_bits)
{
	CHECK(pcr_cookie_eq(MGMT, MGMT));
	CHECK(!pcr_cookie_eq(MGMT, MGMT ^ 1));
	CHECK(!pcr_cookie_eq(MGMT | (1ULL << 50), MGMT | (1ULL << 50)));
	CHECK(!pcr_cookie_eq(MGMT, MGMT | (1ULL << 60)));
}

TEST(legacy_lock_rule_follows_both_reservation_bits)
{
	CHECK_EQ(pcr_legacy_access_cookie(1, 1, MGMT), PCR_DEFAULT_COOKIE);
	CHECK_EQ(pcr_legacy_access_cookie(1, 0, MGMT), MGMT);
	CHECK_EQ(pcr_legacy_access_cookie(0, 1, MGMT), MGMT);
	CHECK_EQ(pcr_legacy_access_cookie(0, 0, MGMT), MGMT);
}

/* Rule 7: what the pcr_arbiter module holds, and whom it keeps off. */
#define MOD_RESERVED PCR_MOD_SLOT_RESERVED
#define MOD_OPEN PCR_MOD_SLOT_ACCESS_OPEN
#define MOD_KU (PCR_CTL_LAYER(PCR_LAYER_KERNEL) | PCR_CTL_LAYER(PCR_LAYER_USER))

TEST(module_holds_private_firmware_and_process_claims_only)
{
	/* its own minimal arbiter's claim of an OS slot holds nothing */
	CHECK(!pcr_module_slot_held(MOD_RESERVED | MOD_OPEN, 0));
	CHECK(!pcr_module_slot_held(MOD_RESERVED, 0));
	CHECK(pcr_module_slot_held(MOD_RESERVED | PCR_MOD_SLOT_PRIVATE, 0));
	CHECK(pcr_module_slot_held(MOD_RESERVED | PCR_MOD_SLOT_FIRMWARE, 0));
	CHECK(pcr_module_slot_held(MOD_RESERVED | MOD_OPEN, 4242));
	/* an unreserved slot holds nothing, whatever else its flags say */
	CHECK(!pcr_module_slot_held(PCR_MOD_SLOT_PRIVATE, 4242));
}

TEST(module_private_slot_keeps_every_layer_and_path_off)
{
	__u32 f = MOD_RESERVED | PCR_MOD_SLOT_PRIVATE, l;

	for (l = 0; l < PCR_NR_LAYERS; l++) {
		CHECK(pcr_module_slot_restricts(f, PCR_CTL_DEFAULT, 0, l, 0));
		CHECK(pcr_module_slot_restricts(f, PCR_CTL_DEFAULT, 0, l, 1));
	}
}

TEST(module_claim_with_open_access_follows_its_control_bits)
{
	__u32 f = MOD_RESERVED | MOD_OPEN;

	CHECK(!pcr_module_slot_restricts(f, MOD_KU, 77, PCR_LAYER_USER, 0));
	CHECK(pcr_module_slot_restricts(f, MOD_KU, 77, PCR_LAYER_USER, 1));
	CHECK(pcr_module_slot_restricts(f, MOD_KU, 77, PCR_LAYER_HYPERVISOR,
					0));
	CHECK(!pcr_module_slot_restricts(f, MOD_KU | PCR_CTL_DIRECT_MSR, 77,
					 PCR_LAYER_USER, 1));
	/* not held: nobody is kept off, control bits or not */
	CHECK(!pcr_module_slot_restricts(f, 0, 0, PCR_LAYER_USER, 1));
}

int main(void)
{
	RUN(unreserved_slot_allows_every_layer_and_path);
	RUN(claim_needs_a_valid_cookie_and_a_free_slot);
	RUN(fresh_claim_locks_out_legacy_access);
	RUN(only_the_manager_sets_access_control_and_releases);
	RUN(unmanaged_slot_cannot_be_managed_with_the_default_cookie);
	RUN(default_access_cookie_reopens_slot_to_legacy_users);
	RUN(control_bits_exclude_layers_and_direct_msr);
	RUN(wrong_cookie_gets_ebusy_wrong_manager_eperm);
	RUN(cookie_compare_is_exact_on_48_bits);
	RUN(legacy_lock_rule_follows_both_reservation_bits);
	RUN(module_holds_private_firmware_and_process_claims_only);
	RUN(module_private_slot_keeps_every_layer_and_path_off);
	RUN(module_claim_with_open_access_follows_its_control_bits);
	return TAP_DONE();
}
