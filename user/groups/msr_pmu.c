// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * How many counters this CPU has, from CPUID, never assumed: Intel leaf 0xA
 * (version, general counters, fixed counters); AMD 0x80000001 ECX bit 23
 * (PerfCtrExtCore: 6 counters instead of the 4 legacy ones) and 0x80000022
 * (PerfMonV2: its own count and the global registers).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#define HAVE_CPUID 1
#else
#define HAVE_CPUID 0
#endif

#include "msr.h"

const char *pmu_vendor_name(__u32 vendor)
{
	switch (vendor) {
	case PMU_VENDOR_INTEL:
		return "intel";
	case PMU_VENDOR_AMD:
		return "amd";
	default:
		return "none";
	}
}

static int parse_num(const char *s, unsigned int max, __u32 *out)
{
	char *end;
	unsigned long v;

	if (!s || !*s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > max)
		return -EINVAL;
	*out = (__u32)v;
	return 0;
}

int msr_pmu_parse(const char *spec, struct pmu_shape *s, char *err, size_t len)
{
	char buf[64], *f[5], *save = NULL, *tok;
	int n = 0;

	memset(s, 0, sizeof(*s));
	if (!spec || strlen(spec) >= sizeof(buf))
		goto bad;
	strcpy(buf, spec);
	for (tok = strtok_r(buf, ":", &save); tok && n < 5;
	     tok = strtok_r(NULL, ":", &save))
		f[n++] = tok;
	if (n < 2 || tok)
		goto bad;
	if (!strcmp(f[0], "intel")) {
		s->vendor = PMU_VENDOR_INTEL;
		s->version = 2;
		if (n < 3 || n > 4 || parse_num(f[1], PMU_MAX_GP, &s->nr_gp) ||
		    parse_num(f[2], PMU_MAX_FIXED, &s->nr_fixed) ||
		    (n == 4 && parse_num(f[3], 255, &s->version)))
			goto bad;
		return 0;
	}
	if (!strcmp(f[0], "amd")) {
		s->vendor = PMU_VENDOR_AMD;
		s->version = 1;
		if (n > 3 || parse_num(f[1], 6, &s->nr_gp) ||
		    (n == 3 && parse_num(f[2], 2, &s->version)))
			goto bad;
		return 0;
	}
bad:
	memset(s, 0, sizeof(*s));
	snprintf(err, len,
		 "%s='%s': expected intel:GP:FIXED[:VERSION] (GP <= %d, FIXED "
		 "<= %d) "
		 "or amd:GP[:VERSION] (GP <= 6)",
		 MSR_PMU_ENV, spec ? spec : "", PMU_MAX_GP, PMU_MAX_FIXED);
	return -EINVAL;
}

#if HAVE_CPUID
static void cpuid_vendor(char v[13], unsigned int *max)
{
	unsigned int a, b, c, d;

	__cpuid(0, a, b, c, d);
	*max = a;
	memcpy(v, &b, 4);
	memcpy(v + 4, &d, 4);
	memcpy(v + 8, &c, 4);
	v[12] = 0;
}

static void cpuid_intel(struct pmu_shape *s, unsigned int max)
{
	unsigned int a = 0, b = 0, c = 0, d = 0;

	if (max >= 0xa)
		__cpuid_count(0xa, 0, a, b, c, d);
	s->version = a & 0xff;
	s->nr_gp = s->version ? (a >> 8) & 0xff : 0;
	s->nr_fixed = s->version >= 2 ? d & 0x1f : 0;
	/* v5: ECX is a bitmap of fixed counters, which may have holes. */
	if (s->version >= 5 && c)
		s->nr_fixed = 32 - (unsigned int)__builtin_clz(c);
}

static void cpuid_amd(struct pmu_shape *s)
{
	unsigned int a, b, c, d, max_ext;

	__cpuid(0x80000000, max_ext, b, c, d);
	s->version = 1;
	s->nr_gp = 4; /* the legacy K7 counters: every AMD64 CPU has them */
	if (max_ext >= 0x80000001) {
		__cpuid(0x80000001, a, b, c, d);
		if (c & (1U << 23)) /* PerfCtrExtCore */
			s->nr_gp = 6;
	}
	if (max_ext >= 0x80000022) {
		__cpuid_count(0x80000022, 0, a, b, c, d);
		if (a & 1) { /* PerfMonV2 */
			s->version = 2;
			s->nr_gp = b & 0xf;
		}
	}
}

void msr_pmu_cpuid(struct pmu_shape *s, char *how, size_t len)
{
	char v[13];
	unsigned int max;

	memset(s, 0, sizeof(*s));
	cpuid_vendor(v, &max);
	if (!strcmp(v, "GenuineIntel"))
		s->vendor = PMU_VENDOR_INTEL, cpuid_intel(s, max);
	else if (!strcmp(v, "AuthenticAMD") || !strcmp(v, "HygonGenuine"))
		s->vendor = PMU_VENDOR_AMD, cpuid_amd(s);
	if (s->nr_gp > PMU_MAX_GP)
		s->nr_gp = PMU_MAX_GP;
	if (s->nr_fixed > PMU_MAX_FIXED)
		s->nr_fixed = PMU_MAX_FIXED;
	snprintf(how, len, "%s (CPUID %s)", pmu_vendor_name(s->vendor), v);
}
#else
void msr_pmu_cpuid(struct pmu_shape *s, char *how, size_t len)
{
	memset(s, 0, sizeof(*s));
	snprintf(how, len, "none (not x86)");
}
#endif

int msr_pmu_discover(struct pmu_shape *s, char *how, size_t len)
{
	const char *env = getenv(MSR_PMU_ENV);
	int err;

	if (!env || !*env) {
		msr_pmu_cpuid(s, how, len);
		return 0;
	}
	err = msr_pmu_parse(env, s, how, len);
	if (!err)
		snprintf(how, len, "%s (from %s)", pmu_vendor_name(s->vendor),
			 MSR_PMU_ENV);
	return err;
}

__u32 msr_pmu_evtsel(const struct pmu_shape *s, __u32 i)
{
	if (s->vendor == PMU_VENDOR_INTEL)
		return MSR_IA32_PERFEVTSEL0 + i;
	if (s->nr_gp > 4 || s->version >= 2)
		return MSR_AMD_F15H_PERF_CTL0 + 2 * i;
	return MSR_AMD_K7_EVNTSEL0 + i;
}
