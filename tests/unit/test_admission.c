// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Unit tests of the reservation section of include/pcr_rules.h: principal
 * matching, the perf admission rule (rule 5) with its atomic charge, and
 * MSR slots (rule 6). */
#include <pthread.h>

#include "pcr_rules.h"
#include "tap.h"

/* A CPU with @general general counters and @cyc cycles-only counters,
 * @other of its general counters reserved by others, and @g general and
 * @c cycles demand charged (the new event's included). */
static struct pcr_demand demand(__u32 general, __u32 cyc, __u32 other, __u32 g,
				__u32 c)
{
	struct pcr_demand d = { .nr_general = general,
				.nr_cycles_only = cyc,
				.reserved_other = other,
				.used_general = g,
				.used_cycles = c };

	return d;
}

TEST(no_other_reservation_admits_everything)
{
	struct pcr_demand d = demand(6, 1, 0, 32, 32);

	d.pinned = d.exclusive = 1;
	CHECK_EQ(pcr_admit(&d), PCR_ADMIT_OK);
	d.nr_general = 0; /* unknown capacity does not matter then */
	CHECK_EQ(pcr_admit(&d), PCR_ADMIT_OK);
}

TEST(whole_pmu_denies_any_event)
{
	struct pcr_demand d = demand(6, 1, 0, 0, 1);

	d.whole_other = 1;
	CHECK_EQ(pcr_admit(&d), PCR_ADMIT_WHOLE_PMU);
}

TEST(unknown_capacity_fails_closed)
{
	struct pcr_demand d = demand(0, 0, 1, 1, 0);

	CHECK_EQ(pcr_admit(&d), PCR_ADMIT_UNKNOWN_CAPACITY);
}

TEST(exclusive_needs_the_whole_pmu)
{
	struct pcr_demand d = demand(6, 1, 1, 1, 0);

	d.exclusive = 1;
	CHECK_EQ(pcr_admit(&d), PCR_ADMIT_EXCLUSIVE);
}

/* arm64: 6 general counters and the cycle counter, 6 reserved: others may
 * have the cycle counter for one cycles event, and nothing else. */
TEST(cycle_counter_takes_only_cycles)
{
	struct pcr_demand d = demand(6, 1, 6, 0, 1);

	CHECK_EQ(pcr_admit(&d), PCR_ADMIT_OK);
	d = demand(6, 1, 6, 1, 0); /* any other event needs a general one */
	CHECK_EQ(pcr_admit(&d), PCR_ADMIT_FLEXIBLE);
	d = demand(6, 1, 6, 0, 2); /* a second cycles event: no counter */
	d.pinned = 1;
	CHECK_EQ(pcr_admit(&d), PCR_ADMIT_PINNED);
	/* 5 reserved: one general and the cycle counter are free. */
	d = demand(6, 1, 5, 1, 1);
	CHECK_EQ(pcr_admit(&d), PCR_ADMIT_OK);
	d = demand(6, 1, 5, 0, 2); /* two cycles: cycle counter + general */
	CHECK_EQ(pcr_admit(&d), PCR_ADMIT_OK);
	d = demand(6, 1, 5, 2, 0); /* two non-cycles: only one general */
	CHECK_EQ(pcr_admit(&d), PCR_ADMIT_FLEXIBLE);
	d = demand(6, 1, 5, 1, 2);
	CHECK_EQ(pcr_admit(&d), PCR_ADMIT_FLEXIBLE);
	d = demand(6, 1, 9, 0, 1); /* over-reserved: no underflow */
	CHECK_EQ(pcr_admit(&d), PCR_ADMIT_OK);
	d = demand(6, 1, 9, 1, 0);
	CHECK_EQ(pcr_admit(&d), PCR_ADMIT_FLEXIBLE);
}

/* Every placement the rule admits is one perf can make: greedy, cycles
 * events on the cycles-only counters first, holders on their reserved
 * general counters, nothing left over. Exhaustive on small PMUs. */
TEST(admitted_demand_always_fits_with_the_holders)
{
	__u32 g, c, r, ug, uc, hg, hc;

	for (g = 1; g <= 6; g++)
		for (c = 0; c <= 1; c++)
			for (r = 1; r <= g; r++)
				for (ug = 0; ug <= g; ug++)
					for (uc = 0; uc <= 3; uc++) {
						struct pcr_demand d =
							demand(g, c, r, ug, uc);

						if (pcr_admit(&d) !=
						    PCR_ADMIT_OK)
							continue;
						/* holders: r events, hc of them
						 * cycles */
						for (hc = 0; hc <= r; hc++) {
							__u32 cyc = c, gen = g;
							__u32 n_c = uc + hc;

							hg = r - hc;
							/* cycles first on
							 * cycles-only */
							if (n_c > cyc) {
								n_c -= cyc;
								cyc = 0;
							} else {
								n_c = 0;
							}
							CHECK(ug + hg + n_c <=
							      gen);
						}
					}
}

/* A group member charges only itself: a pinned leader already charged
 * and its sibling fit two free counters (the old rule counted the leader
 * twice and refused). */
TEST(group_with_charged_leader_is_not_counted_twice)
{
	__u64 word = 0, leader = pcr_charge_pack(1, 0), sib = leader;
	struct pcr_demand d = demand(6, 1, 4, 0, 0);

	d.pinned = 1;
	word = pcr_charge_add(&word, leader);
	CHECK_EQ(pcr_admit_charged(&d, word, 0), PCR_ADMIT_OK);
	d.in_group = 1;
	word = pcr_charge_add(&word, sib);
	CHECK_EQ(pcr_admit_charged(&d, word, 0), PCR_ADMIT_OK);
	CHECK_EQ(pcr_charge_general(word), 2);
	/* a third member does not fit: named a group refusal */
	word = pcr_charge_add(&word, sib);
	CHECK_EQ(pcr_admit_charged(&d, word, 0), PCR_ADMIT_GROUP);
	pcr_charge_undo(&word, sib);
	CHECK_EQ(word, pcr_charge_pack(2, 0));
}

TEST(charge_words_pack_both_demands)
{
	__u64 w = 0;

	CHECK_EQ(pcr_charge_add(&w, pcr_charge_pack(2, 1)),
		 pcr_charge_pack(2, 1));
	CHECK_EQ(pcr_charge_add(&w, pcr_charge_pack(0, 3)),
		 pcr_charge_pack(2, 4));
	pcr_charge_undo(&w, pcr_charge_pack(0, 4));
	CHECK_EQ(pcr_charge_general(w), 2);
	CHECK_EQ(pcr_charge_cycles(w), 0);
	pcr_charge_undo(&w, pcr_charge_pack(2, 0));
	CHECK_EQ(w, 0);
}

/* Racing opens, as perf_veto applies the rule: charge, decide on the sum
 * with the other word, roll back on refusal. Threads open pinned events
 * at once on a CPU (word 0) and per task (word 1): 1 general counter is
 * unreserved, so at most one event may ever be held, whoever wins. */
#define RACERS 8
#define ROUNDS 50000

static __u64 words[2];
static volatile int go;
static int held_max;
static int held_now;

static void *racer(void *arg)
{
	long me = (long)arg;
	__u64 one = pcr_charge_pack(1, 0);
	int i;

	while (!go)
		;
	for (i = 0; i < ROUNDS; i++) {
		struct pcr_demand d = demand(6, 1, 5, 0, 0);
		int own = me & 1;
		__u64 w = pcr_charge_add(&words[own], one);
		__u64 other = __atomic_load_n(&words[!own], __ATOMIC_SEQ_CST);
		int n;

		if (pcr_admit_charged(&d, w, other) != PCR_ADMIT_OK) {
			pcr_charge_undo(&words[own], one);
			continue;
		}
		n = __sync_add_and_fetch(&held_now, 1);
		if (n > __atomic_load_n(&held_max, __ATOMIC_SEQ_CST))
			__atomic_store_n(&held_max, n, __ATOMIC_SEQ_CST);
		for (n = 0; n < 200; n++) /* hold it a while */
			__asm__ volatile("" ::: "memory");
		__sync_sub_and_fetch(&held_now, 1);
		pcr_charge_undo(&words[own], one);
	}
	return NULL;
}

TEST(racing_opens_never_double_admit)
{
	pthread_t t[RACERS];
	long i;

	for (i = 0; i < RACERS; i++)
		pthread_create(&t[i], NULL, racer, (void *)i);
	go = 1;
	for (i = 0; i < RACERS; i++)
		pthread_join(t[i], NULL);
	CHECK_EQ(held_max, 1);
	CHECK_EQ(words[0], 0);
	CHECK_EQ(words[1], 0);
}

TEST(principals_match_only_their_kind)
{
	struct pcr_principal uid = { .kind = PCR_PRINC_UID, .id = 1000 };
	struct pcr_principal pid = { .kind = PCR_PRINC_PID,
				     .id = 42,
				     .start = 777 };
	struct pcr_principal cg = { .kind = PCR_PRINC_CGROUP,
				    .level = 1,
				    .id = 77 };
	struct pcr_principal none = { .kind = PCR_PRINC_NONE };
	struct pcr_caller c = { .layer = PCR_LAYER_USER,
				.uid = 1000,
				.tgid = 1 };

	CHECK(pcr_principal_match(&uid, &c));
	c = (struct pcr_caller){ .layer = PCR_LAYER_USER,
				 .uid = 0,
				 .tgid = 1000,
				 .cgroup_at_level = 1000 };
	CHECK(!pcr_principal_match(&uid, &c));
	c = (struct pcr_caller){ .layer = PCR_LAYER_USER,
				 .tgid = 42,
				 .start = 777 };
	CHECK(pcr_principal_match(&pid, &c));
	c = (struct pcr_caller){ .layer = PCR_LAYER_USER,
				 .uid = 42,
				 .tgid = 41,
				 .start = 777,
				 .cgroup_at_level = 42 };
	CHECK(!pcr_principal_match(&pid, &c));
	c = (struct pcr_caller){ .layer = PCR_LAYER_USER,
				 .cgroup_at_level = 77 };
	CHECK(pcr_principal_match(&cg, &c));
	c = (struct pcr_caller){ .layer = PCR_LAYER_USER,
				 .uid = 77,
				 .tgid = 77,
				 .cgroup_at_level = 78 };
	CHECK(!pcr_principal_match(&cg, &c));
	c = (struct pcr_caller){ 0 };
	CHECK(!pcr_principal_match(&none, &c));
	cg.id = 0; /* an unset cgroup id never matches a task above it */
	CHECK(!pcr_principal_match(&cg, &c));
}

/* Layer and vm principals name in-kernel counters only, and user
 * principals never name them: a VMM run by uid 1000 does not hold a
 * uid:1000 reservation with its guest's counters. */
TEST(layer_principals_name_only_their_layer)
{
	struct pcr_principal hv = { .kind = PCR_PRINC_LAYER,
				    .id = PCR_LAYER_HYPERVISOR };
	struct pcr_principal vm = { .kind = PCR_PRINC_VM,
				    .id = 500,
				    .start = 9 };
	struct pcr_principal uid = { .kind = PCR_PRINC_UID, .id = 1000 };
	struct pcr_caller guest = { .layer = PCR_LAYER_HYPERVISOR,
				    .uid = 1000,
				    .tgid = 500,
				    .start = 9 };
	struct pcr_caller user = guest;
	struct pcr_caller other_vm = guest;

	user.layer = PCR_LAYER_USER;
	other_vm.start = 10; /* pid 500 recycled by another VMM */
	CHECK(pcr_principal_match(&hv, &guest));
	CHECK(pcr_principal_match(&vm, &guest));
	CHECK(!pcr_principal_match(&uid, &guest));
	CHECK(!pcr_principal_match(&hv, &user));
	CHECK(!pcr_principal_match(&vm, &user));
	CHECK(pcr_principal_match(&uid, &user));
	CHECK(!pcr_principal_match(&vm, &other_vm));
	guest.layer = PCR_LAYER_KERNEL;
	CHECK(!pcr_principal_match(&hv, &guest));
	CHECK_EQ(pcr_principal_layer(&vm), PCR_LAYER_HYPERVISOR);
	CHECK_EQ(pcr_principal_layer(&uid), PCR_LAYER_USER);
}

/* Rule 4 for in-kernel counters: the layer bit, then the layer's grants. */
TEST(inkernel_counters_pass_by_layer_bit_and_layer_grants)
{
	struct pcr_slot_regs r;

	pcr_slot_reset(&r);
	CHECK_EQ(pcr_check_inkernel(&r, PCR_LAYER_HYPERVISOR, 0, 0), PCR_OK);
	CHECK_EQ(pcr_claim(&r, 11), PCR_OK);
	CHECK_EQ(pcr_set_control(&r, 11, PCR_CTL_LAYER(PCR_LAYER_USER)),
		 PCR_OK);
	CHECK_EQ(pcr_check_inkernel(&r, PCR_LAYER_HYPERVISOR, 0, 0),
		 PCR_DENY_LAYER);
	CHECK_EQ(pcr_check_inkernel(&r, PCR_LAYER_KERNEL, 0, 1),
		 PCR_DENY_LAYER);
	CHECK_EQ(pcr_set_control(&r, 11,
				 PCR_CTL_LAYER(PCR_LAYER_USER) |
					 PCR_CTL_LAYER(PCR_LAYER_HYPERVISOR)),
		 PCR_OK);
	CHECK_EQ(pcr_check_inkernel(&r, PCR_LAYER_HYPERVISOR, 0, 0), PCR_OK);
	CHECK_EQ(pcr_check_inkernel(&r, PCR_LAYER_HYPERVISOR, 1, 0),
		 PCR_DENY_COOKIE);
	CHECK_EQ(pcr_check_inkernel(&r, PCR_LAYER_HYPERVISOR, 1, 1), PCR_OK);
	CHECK_EQ(pcr_check_inkernel(&r, PCR_LAYER_UNKNOWN, 0, 0),
		 PCR_DENY_LAYER);
}

/* A pid grant names one process: a later process with the same pid (a
 * recycled pid) has another start time and is nobody. */
TEST(recycled_pid_matches_nothing)
{
	struct pcr_principal pid = { .kind = PCR_PRINC_PID,
				     .id = 4242,
				     .start = 123456 };
	struct pcr_caller same = { .layer = PCR_LAYER_USER,
				   .tgid = 4242,
				   .start = 123456 };
	struct pcr_caller recycled = { .layer = PCR_LAYER_USER,
				       .tgid = 4242,
				       .start = 123457 };
	struct pcr_caller first_tick = { .layer = PCR_LAYER_USER,
					 .tgid = 4242,
					 .start = 0 };

	CHECK(pcr_principal_match(&pid, &same));
	CHECK(!pcr_principal_match(&pid, &recycled));
	CHECK(!pcr_principal_match(&pid, &first_tick));
	/* ticks of USER_HZ from the kernel's nanoseconds, as /proc shows */
	CHECK_EQ(pcr_start_ticks(1234567890123ULL), 123456);
	CHECK_EQ(pcr_start_ticks(9999999ULL), 0);
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
	RUN(cycle_counter_takes_only_cycles);
	RUN(admitted_demand_always_fits_with_the_holders);
	RUN(group_with_charged_leader_is_not_counted_twice);
	RUN(charge_words_pack_both_demands);
	RUN(racing_opens_never_double_admit);
	RUN(principals_match_only_their_kind);
	RUN(layer_principals_name_only_their_layer);
	RUN(inkernel_counters_pass_by_layer_bit_and_layer_grants);
	RUN(recycled_pid_matches_nothing);
	RUN(root_is_not_a_holder);
	RUN(msr_addresses_map_to_slots);
	return TAP_DONE();
}
