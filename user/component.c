// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The list of BPF program groups, and the pin folder layout they share.
 * Each group is defined in its own file; the weak references let a build
 * leave one out.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bpf/libbpf.h>

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

int pcrw_pin_link(struct bpf_link *l, const char *group, const char *name)
{
	char path[256];
	int err = pcrw_pin_path(path, sizeof(path), group, name);

	return err ? err : bpf_link__pin(l, path);
}

int pcrw_pin_map(struct bpf_map *m, const char *group, const char *name)
{
	char path[256];
	int err = pcrw_pin_path(path, sizeof(path), group, name);

	return err ? err : bpf_map__pin(m, path);
}

int pcrw_pin_prog(struct bpf_program *p, const char *group, const char *name)
{
	char path[256];
	int err = pcrw_pin_path(path, sizeof(path), group, name);

	return err ? err : bpf_program__pin(p, path);
}

bool pcrw_pinned(const char *group, const char *name)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s/%s", PCRW_PIN_ROOT, group, name);
	return access(path, F_OK) == 0;
}

int pcrw_unpin(const char *group, const char *name)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s/%s", PCRW_PIN_ROOT, group, name);
	return unlink(path) && errno != ENOENT ? -errno : 0;
}
