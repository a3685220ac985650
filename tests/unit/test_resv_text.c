// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Unit tests of user/reservations/resv_text.c's CPU lists at the largest
 * machine pcrwatch names (PCRW_MAX_CPUS, Debian amd64's NR_CPUS): the longest
 * list fits PCRW_CPULIST_LEN whole and parses back to the same set, so `list`,
 * `who --json` and `reserve` never print a cut list; a list naming a CPU
 * past the machine is refused, not clamped.
 */
#include <string.h>

#include "resv_text.h"
#include "names.h"
#include "tap.h"

static char text[PCRW_CPULIST_LEN], err[256];
static __u64 set[PCRW_CPU_WORDS], again[PCRW_CPU_WORDS];

static void add(__u64 *cpus, int cpu)
{
	cpus[cpu / 64] |= 1ULL << (cpu % 64);
}

/* Every other CPU: the longest list there is (no two in one range). */
TEST(every_other_cpu_fits_whole)
{
	int c;

	memset(set, 0, sizeof(set));
	for (c = 0; c < PCRW_MAX_CPUS; c += 2)
		add(set, c);
	resv_format_cpus(set, text, sizeof(text));
	CHECK_EQ(strlen(text), 19924);
	CHECK(strlen(text) < sizeof(text));
	CHECK(!strcmp(text + strlen(text) - 5, ",8190"));
	CHECK_EQ(resv_parse_cpus(text, PCRW_MAX_CPUS, again, err, sizeof(err)),
		 0);
	CHECK(!memcmp(set, again, sizeof(set)));
}

TEST(ranges_and_the_last_cpu)
{
	memset(set, 0, sizeof(set));
	add(set, 0);
	add(set, 1);
	add(set, 2);
	add(set, 299);
	add(set, PCRW_MAX_CPUS - 1);
	resv_format_cpus(set, text, sizeof(text));
	CHECK(!strcmp(text, "0-2,299,8191"));
	memset(set, 0, sizeof(set));
	resv_format_cpus(set, text, sizeof(text));
	CHECK(!strcmp(text, "none"));
}

TEST(a_cpu_past_the_machine_is_refused)
{
	CHECK(resv_parse_cpus("0-383", 384, again, err, sizeof(err)) == 0);
	CHECK((again[5] >> 63) & 1);
	CHECK(resv_parse_cpus("384", 384, again, err, sizeof(err)) < 0);
	CHECK(resv_parse_cpus("0-384", 384, again, err, sizeof(err)) < 0);
}

int main(void)
{
	RUN(every_other_cpu_fits_whole);
	RUN(ranges_and_the_last_cpu);
	RUN(a_cpu_past_the_machine_is_refused);
	return TAP_DONE();
}
