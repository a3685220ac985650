// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * cgroup_attr.c - systemd unit, container and pod of a cgroup path
 * (cgroup_attr.h). Pure string work: no file is read.
 */
#include <string.h>

#include "cgroup_attr.h"

#define ID_LEN 64
#define UID_LEN 36

static const struct {
	const char *prefix; /* before the id, in "<prefix><id>.scope" */
	const char *runtime;
} runtimes[] = {
	{ "cri-containerd-", "containerd" },
	{ "crio-", "cri-o" },
	{ "docker-", "docker" },
	{ "libpod-", "podman" },
};

static bool all_hex(const char *s, size_t n)
{
	return strspn(s, "0123456789abcdef") >= n;
}

static bool ends_with(const char *s, size_t n, const char *suffix)
{
	size_t k = strlen(suffix);

	return n >= k && !memcmp(s + n - k, suffix, k);
}

/* A 64-hex id: bare (cgroupfs driver, "/docker/<id>"), or a runtime's
 * "<prefix><id>.scope" (systemd driver). */
static void container(const char *c, size_t n, struct cgroup_attr *a)
{
	size_t i, p;

	if (n == ID_LEN && all_hex(c, ID_LEN)) {
		memcpy(a->container_id, c, ID_LEN);
		a->container_id[ID_LEN] = 0;
		return;
	}
	for (i = 0; i < sizeof(runtimes) / sizeof(runtimes[0]); i++) {
		p = strlen(runtimes[i].prefix);
		if (n == p + ID_LEN + 6 && !strncmp(c, runtimes[i].prefix, p) &&
		    all_hex(c + p, ID_LEN) && ends_with(c, n, ".scope")) {
			memcpy(a->container_id, c + p, ID_LEN);
			a->container_id[ID_LEN] = 0;
			strcpy(a->runtime, runtimes[i].runtime);
		}
	}
}

/* "pod<uid>" (cgroupfs) or "kubepods[-qos]-pod<uid with _>.slice". */
static void pod(const char *c, size_t n, struct cgroup_attr *a)
{
	char sep = '-', uid[UID_LEN + 1]; /* systemd escapes dashes as '_' */
	const char *u = NULL;
	size_t i;

	if (n == 3 + UID_LEN && !strncmp(c, "pod", 3)) {
		u = c + 3;
	} else if (!strncmp(c, "kubepods", 8) && ends_with(c, n, ".slice") &&
		   n >= UID_LEN + 9 &&
		   !memcmp(c + n - 6 - UID_LEN - 3, "pod", 3)) {
		u = c + n - 6 - UID_LEN;
		sep = '_';
	}
	if (!u)
		return;
	for (i = 0; i < UID_LEN; i++) {
		char ch = u[i] == sep ? '-' : u[i] == '-' ? 0 : u[i];
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;

		if (dash ? ch != '-' : !strchr("0123456789abcdef", ch) || !ch)
			return;
		uid[i] = ch;
	}
	uid[UID_LEN] = 0;
	memcpy(a->pod_uid, uid, sizeof(uid));
}

static void unit(const char *c, size_t n, struct cgroup_attr *a,
		 bool *have_leaf)
{
	bool leaf = ends_with(c, n, ".service") || ends_with(c, n, ".scope");

	if (n >= sizeof(a->unit) ||
	    (!leaf && (*have_leaf || !ends_with(c, n, ".slice"))))
		return;
	memcpy(a->unit, c, n);
	a->unit[n] = 0;
	*have_leaf |= leaf;
}

bool cgroup_attr_parse(const char *path, struct cgroup_attr *a)
{
	const char *c = path;
	bool have_leaf = false;
	size_t n;

	memset(a, 0, sizeof(*a));
	while (*c) {
		c += strspn(c, "/");
		n = strcspn(c, "/");
		if (!n)
			break;
		container(c, n, a);
		pod(c, n, a);
		unit(c, n, a, &have_leaf);
		c += n;
	}
	return a->unit[0] || a->container_id[0] || a->pod_uid[0];
}
