// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Unit tests of the rulebook's quotas and floors (include/pcr_rules.h,
 * "Quotas and floors"): which reservations a cap binds, what they use, and
 * when a cap or a floor refuses. */
#include "pcr_rules.h"
#include "tap.h"

static struct pcr_principal uid(__u64 id)
{
	return (struct pcr_principal){ .kind = PCR_PRINC_UID, .id = id };
}

static struct pcr_principal proc(__u32 kind, __u64 tgid, __u64 start)
{
	return (struct pcr_principal){ .kind = kind,
				       .id = tgid,
				       .start = start };
}

static struct pcr_principal layer(__u32 l)
{
	return (struct pcr_principal){ .kind = PCR_PRINC_LAYER, .id = l };
}

static struct pcr_cap cap_for(struct pcr_principal p, __u32 k)
{
	return (struct pcr_cap){ .kind = PCR_CAP_PRINCIPAL,
				 .counters = k,
				 .who = p };
}

static struct pcr_cap cap_layer(__u32 l, __u32 k)
{
	return (struct pcr_cap){ .kind = PCR_CAP_LAYER,
				 .counters = k,
				 .layer = l };
}

TEST(same_principal_needs_kind_id_and_for_a_process_its_start)
{
	struct pcr_principal a = uid(1000), b = uid(1000), c = uid(1001);
	struct pcr_principal p1 = proc(PCR_PRINC_PID, 42, 7);
	struct pcr_principal p2 = proc(PCR_PRINC_PID, 42, 8);
	struct pcr_principal v1 = proc(PCR_PRINC_VM, 42, 7);
	struct pcr_principal none = { 0 };

	CHECK(pcr_principal_same(&a, &b));
	CHECK(!pcr_principal_same(&a, &c));
	CHECK(pcr_principal_same(&p1, &p1));
	CHECK(!pcr_principal_same(&p1, &p2)); /* pid reused: another process */
	CHECK(!pcr_principal_same(&p1, &v1)); /* same process, other layer */
	CHECK(!pcr_principal_same(&none, &none));
}

/* Control bits as reserve makes them: user, plus each grant's layer. */
#define CTL_U PCR_CTL_LAYER(PCR_LAYER_USER)
#define CTL_H PCR_CTL_LAYER(PCR_LAYER_HYPERVISOR)
#define CTL_K PCR_CTL_LAYER(PCR_LAYER_KERNEL)

TEST(a_reservation_is_for_the_layers_that_may_use_its_counters)
{
	struct pcr_principal g[3] = { uid(1), layer(PCR_LAYER_KERNEL),
				      proc(PCR_PRINC_VM, 9, 1) };
	struct pcr_principal bad = layer(40);

	CHECK_EQ(pcr_resv_layers(CTL_U, g, 0), CTL_U);
	CHECK_EQ(pcr_resv_layers(CTL_U, g, 1), CTL_U);
	/* layer:kernel alone: no user principal holds it */
	CHECK_EQ(pcr_resv_layers(CTL_U | CTL_K, &g[1], 1), CTL_K);
	CHECK_EQ(pcr_resv_layers(CTL_U | CTL_H, &g[2], 1), CTL_H);
	CHECK_EQ(pcr_resv_layers(CTL_U | CTL_H | CTL_K, g, 3),
		 CTL_U | CTL_H | CTL_K);
	/* --layers user,hypervisor for uid:1: every VM may use it too */
	CHECK_EQ(pcr_resv_layers(CTL_U | CTL_H | PCR_CTL_DIRECT_MSR, g, 1),
		 CTL_U | CTL_H);
	/* A layer number no layer has shifts nothing out of range. */
	CHECK_EQ(pcr_resv_layers(CTL_U, &bad, 1), CTL_U);
}

TEST(a_principal_cap_binds_every_reservation_that_grants_it)
{
	struct pcr_principal g[2] = { uid(7), uid(1000) };
	struct pcr_cap c = cap_for(uid(1000), 2);
	struct pcr_cap pid = cap_for(proc(PCR_PRINC_PID, 5, 3), 2);
	struct pcr_principal later = proc(PCR_PRINC_PID, 5, 4);

	CHECK(pcr_cap_applies(&c, CTL_U, g, 2));
	CHECK(!pcr_cap_applies(&c, CTL_U, g, 1));
	CHECK(!pcr_cap_applies(&pid, CTL_U, &later, 1));
}

TEST(a_layer_cap_binds_the_reservations_for_that_layer)
{
	struct pcr_principal u = uid(1000), k = layer(PCR_LAYER_KERNEL);
	struct pcr_principal h = layer(PCR_LAYER_HYPERVISOR);
	struct pcr_principal vm = proc(PCR_PRINC_VM, 77, 1);
	struct pcr_cap user = cap_layer(PCR_LAYER_USER, 4);
	struct pcr_cap hyp = cap_layer(PCR_LAYER_HYPERVISOR, 2);
	struct pcr_cap odd = cap_layer(PCR_NR_LAYERS, 2);
	struct pcr_cap nokind = { .kind = 9, .counters = 0, .who = u };

	CHECK(pcr_cap_applies(&user, CTL_U, &u, 1));
	CHECK(pcr_cap_applies(&user, CTL_U, &u, 0)); /* no grant: user */
	CHECK(!pcr_cap_applies(&user, CTL_U | CTL_K, &k, 1));
	CHECK(pcr_cap_applies(&hyp, CTL_U | CTL_H, &h, 1));
	CHECK(pcr_cap_applies(&hyp, CTL_U | CTL_H, &vm, 1));
	CHECK(!pcr_cap_applies(&hyp, CTL_U, &u, 1));
	/* a user grant cannot hide counters every VM may use */
	CHECK(pcr_cap_applies(&hyp, CTL_U | CTL_H, &u, 1));
	CHECK(!pcr_cap_applies(&odd, CTL_U, &u, 1));
	CHECK(!pcr_cap_applies(&nokind, CTL_U, &u, 1));
}

TEST(a_whole_pmu_reservation_uses_every_counter_or_more_than_any_cap)
{
	CHECK_EQ(pcr_quota_use(3, 7), 3);
	CHECK_EQ(pcr_quota_use(3, 0), 3);
	CHECK_EQ(pcr_quota_use(PCR_RESV_WHOLE_PMU, 7), 7);
	CHECK(pcr_quota_use(PCR_RESV_WHOLE_PMU, 0) == PCR_QUOTA_UNKNOWN);
	CHECK(PCR_QUOTA_UNKNOWN > (__u64)PCR_QUOTA_MAX * 8 * 32);
}

TEST(a_cap_refuses_use_over_k_and_names_an_unknown_size)
{
	struct pcr_cap c = cap_for(uid(1), 2), zero = cap_for(uid(1), 0);

	CHECK_EQ(pcr_cap_check(&c, 0), PCR_QUOTA_OK);
	CHECK_EQ(pcr_cap_check(&c, 2), PCR_QUOTA_OK);
	CHECK_EQ(pcr_cap_check(&c, 3), PCR_QUOTA_CAP);
	CHECK_EQ(pcr_cap_check(&c, 1 + pcr_quota_use(PCR_RESV_WHOLE_PMU, 0)),
		 PCR_QUOTA_UNKNOWN_SIZE);
	CHECK_EQ(pcr_cap_check(&zero, 0), PCR_QUOTA_OK);
	CHECK_EQ(pcr_cap_check(&zero, 1), PCR_QUOTA_CAP);
}

TEST(a_whole_pmu_reservation_breaks_a_cap_below_the_pmu_size)
{
	struct pcr_cap four = cap_layer(PCR_LAYER_USER, 4);
	struct pcr_cap seven = cap_layer(PCR_LAYER_USER, 7);

	CHECK_EQ(pcr_cap_check(&four, pcr_quota_use(PCR_RESV_WHOLE_PMU, 7)),
		 PCR_QUOTA_CAP);
	CHECK_EQ(pcr_cap_check(&seven, pcr_quota_use(PCR_RESV_WHOLE_PMU, 7)),
		 PCR_QUOTA_OK);
}

TEST(the_floor_keeps_f_general_counters_unreserved)
{
	CHECK_EQ(pcr_floor_check(0, 0, 99, 1), PCR_QUOTA_OK); /* no floor */
	CHECK_EQ(pcr_floor_check(1, 6, 5, 0), PCR_QUOTA_OK);
	CHECK_EQ(pcr_floor_check(1, 6, 6, 0), PCR_QUOTA_FLOOR);
	CHECK_EQ(pcr_floor_check(2, 6, 5, 0), PCR_QUOTA_FLOOR);
	CHECK_EQ(pcr_floor_check(1, 6, 0, 1), PCR_QUOTA_FLOOR); /* whole */
	CHECK_EQ(pcr_floor_check(1, 6, 40, 0), PCR_QUOTA_FLOOR); /* over */
	CHECK_EQ(pcr_floor_check(7, 6, 1, 0), PCR_QUOTA_FLOOR);
}

TEST(the_floor_fails_closed_on_a_pmu_of_unknown_size)
{
	CHECK_EQ(pcr_floor_check(1, 0, 1, 0), PCR_QUOTA_UNKNOWN_SIZE);
	CHECK_EQ(pcr_floor_check(1, 0, 0, 1), PCR_QUOTA_UNKNOWN_SIZE);
	/* A CPU no reservation covers takes nothing from the floor. */
	CHECK_EQ(pcr_floor_check(1, 0, 0, 0), PCR_QUOTA_OK);
}

TEST(free_counters_never_wrap)
{
	CHECK_EQ(pcr_quota_free(6, 2, 0), 4);
	CHECK_EQ(pcr_quota_free(6, 6, 0), 0);
	CHECK_EQ(pcr_quota_free(6, 1ULL << 40, 0), 0);
	CHECK_EQ(pcr_quota_free(6, 0, 1), 0);
	CHECK_EQ(pcr_quota_free(0, 0, 0), 0);
}

/* The greedy entity: one principal reserving a counter at a time stops at
 * its cap, whatever the others hold. */
TEST(a_greedy_principal_stops_at_its_cap)
{
	struct pcr_principal greedy = uid(1000), other = uid(2000);
	struct pcr_cap c = cap_for(greedy, 2);
	__u64 use = 0;
	int made = 0, i;

	for (i = 0; i < 10; i++) {
		const struct pcr_principal *g = i % 2 ? &other : &greedy;
		__u64 add = pcr_cap_applies(&c, CTL_U, g, 1)
				    ? pcr_quota_use(1, 7)
				    : 0;

		if (pcr_cap_check(&c, use + add) != PCR_QUOTA_OK)
			continue;
		use += add;
		made++;
	}
	CHECK_EQ(use, 2);
	CHECK_EQ(made, 7); /* five for the other, two for the greedy one */
}

int main(void)
{
	RUN(same_principal_needs_kind_id_and_for_a_process_its_start);
	RUN(a_reservation_is_for_the_layers_that_may_use_its_counters);
	RUN(a_principal_cap_binds_every_reservation_that_grants_it);
	RUN(a_layer_cap_binds_the_reservations_for_that_layer);
	RUN(a_whole_pmu_reservation_uses_every_counter_or_more_than_any_cap);
	RUN(a_cap_refuses_use_over_k_and_names_an_unknown_size);
	RUN(a_whole_pmu_reservation_breaks_a_cap_below_the_pmu_size);
	RUN(the_floor_keeps_f_general_counters_unreserved);
	RUN(the_floor_fails_closed_on_a_pmu_of_unknown_size);
	RUN(free_counters_never_wrap);
	RUN(a_greedy_principal_stops_at_its_cap);
	return TAP_DONE();
}
