// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The list of BPF program groups, and the pin folder layout they share.
 * Each group is defined in its own file; the weak references let a build
 * leave one out.
 */
#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>

#include "component.h"

extern const struct component msr_component __attribute__((weak));
extern const struct component perf_component __attribute__((weak));
extern const struct component veto_component __attribute__((weak));
extern const struct component arbiter_component __attribute__((weak));

const struct component *const *components(void)
{
	static const struct component *list[5];
	static bool filled;
	const struct component *all[] = { &msr_component, &perf_component,
					   &veto_component,
					   &arbiter_component };
	size_t i, n = 0;

	if (!filled) {
		for (i = 0; i < sizeof(all) / sizeof(all[0]); i++)
			if (all[i])
				list[n++] = all[i];
		list[n] = NULL;
		filled = true;
	}
	return list;
}

int pcrw_pin_path(char *buf, size_t len, const char *group, const char *name)
{
	int n;

	n = snprintf(buf, len, "%s/%s", PCRW_PIN_ROOT, group);
	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	if (mkdir(PCRW_PIN_ROOT, 0700) && errno != EEXIST)
		return -errno;
	if (mkdir(buf, 0700) && errno != EEXIST)
		return -errno;
	n = snprintf(buf, len, "%s/%s/%s", PCRW_PIN_ROOT, group, name);
	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	return 0;
}
