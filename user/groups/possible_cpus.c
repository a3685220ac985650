// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The possible CPUs, read once: "0-767" or "0,2-5" in sysfs; the count is
 * the highest number + 1, as the kernel's nr_cpu_ids, so that every CPU
 * number the kernel can hand a hook is below it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../bpf/pcrwatch.h" /* PCRW_MAX_CPUS */
#include "possible_cpus.h"

#define POSSIBLE "/sys/devices/system/cpu/possible"

/* The highest CPU number of list @s, or -EINVAL. */
static long highest_cpu(const char *s)
{
	long hi = -EINVAL, v;
	char *end;

	while (*s && *s != '\n') {
		v = strtol(s, &end, 10);
		if (end == s || v < 0)
			return -EINVAL;
		if (v > hi)
			hi = v;
		s = end;
		if (*s == '-' || *s == ',')
			s++;
	}
	return hi;
}

int pcrw_possible_cpus(void)
{
	static int cached;
	char buf[4096];
	long hi;
	FILE *f;

	if (cached)
		return cached;
	f = fopen(POSSIBLE, "re");
	if (!f)
		return -errno;
	if (!fgets(buf, sizeof(buf), f)) {
		fclose(f);
		return -EIO;
	}
	fclose(f);
	hi = highest_cpu(buf);
	if (hi < 0)
		return (int)hi;
	cached = hi + 1 <= PCRW_MAX_CPUS ? (int)(hi + 1) : -E2BIG;
	return cached;
}
