// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * pcrwatch detach: unpin every BPF program group that attach pinned; the
 * programs go with the pins, the reservation maps stay (docs/PCR-RULES.md).
 */
#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "pcrwatch.h"
#include "component.h"

#define MAX_LINKS 64

/* A pinned link: its id and its program's, read from its fdinfo. */
struct pinned_link {
	__u32 id;
	__u32 prog_id;
};

/* The BPF link pinned as @group/@name; false when it is no link. */
static bool pinned_link(const char *group, const char *name,
			struct pinned_link *l)
{
	char path[64], line[128];
	int fd = pcrw_obj_get(group, name);
	FILE *f;

	l->id = l->prog_id = 0;
	if (fd < 0)
		return false;
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "link_id: %u", &l->id) != 1)
			sscanf(line, "prog_id: %u", &l->prog_id);
	if (f)
		fclose(f);
	close(fd);
	return l->id != 0;
}

/* The links pinned under every group folder, before they are unpinned. */
static size_t pinned_links(struct pinned_link *links, size_t max)
{
	DIR *root = opendir(PCRW_PIN_ROOT), *d;
	struct dirent *g, *e;
	char path[sizeof(PCRW_PIN_ROOT) + sizeof(g->d_name) + 1];
	size_t n = 0;

	while (root && (g = readdir(root))) {
		if (g->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", PCRW_PIN_ROOT, g->d_name);
		d = opendir(path);
		while (d && (e = readdir(d)) && n < max)
			if (e->d_name[0] != '.' &&
			    pinned_link(g->d_name, e->d_name, &links[n]))
				n++;
		if (d)
			closedir(d);
	}
	if (root)
		closedir(root);
	return n;
}

/* Is @id still in the kernel's table of links (@prog: of programs)?
 * Looked up by walking the ids, which an object leaves only when it is
 * freed: by id lookup a link is gone as soon as its last reference is,
 * while its program may still run. */
static bool in_table(__u32 id, bool prog)
{
	__u32 next;
	int err;

	if (!id)
		return false;
	err = prog ? bpf_prog_get_next_id(id - 1, &next)
		   : bpf_link_get_next_id(id - 1, &next);
	return !err && next == id;
}

static size_t links_left(const struct pinned_link *links, size_t n)
{
	size_t left = n, i;
	int t;

	for (t = 0; t < 300 && left; t++) {
		for (left = 0, i = 0; i < n; i++)
			left += in_table(links[i].id, false) ||
				in_table(links[i].prog_id, true);
		if (left)
			usleep(10000);
	}
	return left;
}

/* A group's pin folder, once its pins are gone. */
static void remove_empty_dir(const char *group)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", PCRW_PIN_ROOT, group);
	rmdir(path);
}

static int detach_usage(FILE *f, int rc)
{
	fprintf(f,
		"Usage: pcrwatch detach\n\n"
		"Unpin every BPF program group under %s: tracking and\n"
		"vetoes stop. Reservations and quotas stay recorded (pinned) "
		"until\n"
		"released or the machine reboots; the next attach enforces "
		"them "
		"again.\n",
		PCRW_PIN_ROOT);
	return rc;
}

int cmd_detach(int argc, char **argv)
{
	const struct component *const *c;
	struct pinned_link links[MAX_LINKS];
	size_t n, left;
	int failed = 0, rc;

	rc = pcrw_only_help("detach", argc, argv, detach_usage);
	if (rc >= 0)
		return rc;
	if (optind < argc)
		return pcrw_usage_error("detach", "unexpected argument '%s'",
					argv[optind]);
	n = pinned_links(links, MAX_LINKS);
	for (c = components(); *c; c++) {
		failed |= (*c)->detach() != 0;
		remove_empty_dir((*c)->name);
	}
	rmdir(PCRW_PIN_ROOT); /* only succeeds when nothing is left */
	left = links_left(links, n);
	if (left)
		pcrw_warn("%zu program link(s) are still held by another "
			  "process (a running `pcrwatch enforce` or agent?): "
			  "they run until it exits",
			  left);
	return failed ? PCRW_EXIT_ERROR : PCRW_EXIT_OK;
}
