// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Unit tests of the probe's pure parts: verdicts from measured numbers
 * (user/probe/readcost.c) and the hypervisor name tables
 * (user/probe/hypervisor.c). */
#include <stdio.h>
#include <string.h>

#include "readcost.h"
#include "hypervisor.h"
#include "tap.h"

static void add(struct rc_report *rep, enum rc_id id, const char *name,
		enum rc_kind kind, double median)
{
	struct rc_result *r = &rep->src[rep->nr++];

	r->id = id;
	r->name = name;
	r->kind = kind;
	r->available = median > 0;
	r->min_ns = median;
	r->median_ns = median;
	if (!r->available)
		snprintf(r->reason, sizeof(r->reason), "why not");
}

static void arm64_report(struct rc_report *rep, double cntvct, double vdso,
			 double sys, double pmccntr)
{
	memset(rep, 0, sizeof(*rep));
	snprintf(rep->clocksource, sizeof(rep->clocksource),
		 "arch_sys_counter");
	add(rep, RC_CNTVCT, "cntvct_el0", RC_TIMER, cntvct);
	add(rep, RC_VDSO, "vdso_clock_gettime", RC_TIMER, vdso);
	add(rep, RC_SYS_CLOCK, "syscall_clock_gettime", RC_SYSCALL, sys);
	add(rep, RC_PERF_MMAP, "pmccntr_el0", RC_COUNTER, pmccntr);
	add(rep, RC_PERF_READ, "perf_read", RC_SYSCALL, 2 * sys);
}

TEST(median_of_odd_and_even_counts)
{
	double a[] = { 5, 1, 4, 2, 3 }, b[] = { 4, 1, 3, 2 };

	CHECK(rc_median(a, 5) == 3);
	CHECK(a[0] == 1 && a[4] == 5); /* sorted: a[0] is the min */
	CHECK(rc_median(b, 4) == 2.5);
	CHECK(rc_median(b, 0) == 0);
}

TEST(a_trapping_cycle_counter_is_called_so)
{
	struct rc_report rep;

	arm64_report(&rep, 10, 25, 300, 400);
	rc_judge(&rep, false);
	CHECK_EQ(rep.cheapest, 0);
	CHECK(rep.src[3].ratio == 40);
	CHECK(!strcmp(rep.src[3].verdict, "cycle counter reads trap: 40x the "
					  "generic timer (CNTVCT_EL0); use "
					  "CNTVCT_EL0 for time"));
	CHECK(strstr(rep.src[0].verdict, "cheapest") != NULL);
}

TEST(thresholds_separate_trap_slow_and_direct)
{
	struct rc_report rep;

	arm64_report(&rep, 10, 25, 300, 10 * RC_TRAP_RATIO - 0.1);
	rc_judge(&rep, false);
	CHECK(strstr(rep.src[3].verdict, "are slow: 10.0x") != NULL);
	arm64_report(&rep, 10, 25, 300, 10 * RC_SLOW_RATIO - 0.1);
	rc_judge(&rep, false);
	CHECK(strstr(rep.src[3].verdict, "do not trap: 3.0x") != NULL);
	arm64_report(&rep, 10, 25, 300, 12);
	rc_judge(&rep, true);
	CHECK(strstr(rep.src[3].verdict, "do not trap: 1.2x") != NULL);
	CHECK(strstr(rep.src[3].verdict, "QEMU TCG") != NULL);
}

TEST(the_cheapest_timer_wins_even_when_it_is_not_the_first)
{
	struct rc_report rep;

	arm64_report(&rep, 60, 20, 300, 400);
	rc_judge(&rep, false);
	CHECK_EQ(rep.cheapest, 1);
	CHECK(rep.src[1].ratio == 1);
	CHECK(rep.src[0].ratio == 3);
	CHECK(strstr(rep.src[3].verdict, "use clock_gettime for time") != NULL);
}

TEST(a_vdso_as_dear_as_the_syscall_fell_back)
{
	struct rc_report rep;

	arm64_report(&rep, 10, 250, 300, 400);
	rc_judge(&rep, false);
	CHECK(strstr(rep.src[1].verdict,
		     "falls back to a system call "
		     "(clocksource arch_sys_counter)") != NULL);
	arm64_report(&rep, 10, 25, 300, 400);
	rc_judge(&rep, false);
	CHECK(strstr(rep.src[1].verdict, "no system call") != NULL);
}

TEST(unavailable_sources_say_why_and_get_no_ratio)
{
	struct rc_report rep;

	arm64_report(&rep, 10, 25, 300, 0);
	rc_judge(&rep, false);
	CHECK(!rep.src[3].available);
	CHECK(rep.src[3].ratio == 0);
	CHECK(!strcmp(rep.src[3].verdict, "cannot be read here: why not"));
	CHECK(strstr(rep.src[4].verdict, "a system call per read: 60x") !=
	      NULL);
}

TEST(no_timer_no_ratio)
{
	struct rc_report rep;

	memset(&rep, 0, sizeof(rep));
	add(&rep, RC_PERF_READ, "perf_read", RC_SYSCALL, 500);
	rc_judge(&rep, false);
	CHECK_EQ(rep.cheapest, -1);
	CHECK(rep.src[0].ratio == 0);
	CHECK(strstr(rep.src[0].verdict, "no timer") != NULL);
}

TEST(hypervisor_names_from_cpuid_and_dmi)
{
	CHECK(!strcmp(hv_name_from_cpuid("KVMKVMKVM"), "KVM"));
	CHECK(!strcmp(hv_name_from_cpuid("TCGTCGTCGTCG"), "QEMU TCG"));
	CHECK(!strcmp(hv_name_from_cpuid("Microsoft Hv"), "Microsoft Hyper-V"));
	CHECK(hv_name_from_cpuid("GenuineIntel") == NULL);
	CHECK(!strcmp(
		hv_name_from_dmi("QEMU", "Standard PC (Q35 + ICH9, 2009)"),
		"QEMU"));
	CHECK(!strcmp(
		hv_name_from_dmi("Microsoft Corporation", "Virtual Machine"),
		"Microsoft Hyper-V"));
	CHECK(hv_name_from_dmi("Dell Inc.", "PowerEdge R750") == NULL);
}

TEST(qemu_tcg_cpu_is_told_from_a_real_core)
{
	CHECK(hv_midr_is_qemu_tcg(0xf0510)); /* -cpu max under TCG */
	CHECK(!hv_midr_is_qemu_tcg(0x413fd0c1)); /* Arm Neoverse-N1 */
	CHECK(!hv_midr_is_qemu_tcg(0x411fd070)); /* Arm Cortex-A57 */
	CHECK(!hv_midr_is_qemu_tcg(0x0));
}

TEST(state_names)
{
	CHECK(!strcmp(hv_state_name(HV_PMU_NATIVE), "native"));
	CHECK(!strcmp(hv_state_name(HV_PMU_VIRTUALIZED), "virtualized"));
	CHECK(!strcmp(hv_state_name(HV_PMU_ABSENT), "absent"));
}

int main(void)
{
	RUN(median_of_odd_and_even_counts);
	RUN(a_trapping_cycle_counter_is_called_so);
	RUN(thresholds_separate_trap_slow_and_direct);
	RUN(the_cheapest_timer_wins_even_when_it_is_not_the_first);
	RUN(a_vdso_as_dear_as_the_syscall_fell_back);
	RUN(unavailable_sources_say_why_and_get_no_ratio);
	RUN(no_timer_no_ratio);
	RUN(hypervisor_names_from_cpuid_and_dmi);
	RUN(qemu_tcg_cpu_is_told_from_a_real_core);
	RUN(state_names);
	return TAP_DONE();
}
