// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * pcrwatch detach: unpin every BPF program group that attach pinned; the
 * programs go with the pins, the reservation maps stay (docs/PCR-RULES.md).
 * With --all, every pin goes, reservation maps included: what a package's
 * removal runs, so that no reservation outlives the tool that lifts it.
 */
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "pcrwatch.h"
#include "component.h"
#include "event_stream.h"

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

/* Call @fn on every pin (group folder, name) under PCRW_PIN_ROOT until it
 * returns false. */
static void each_pin(bool (*fn)(const char *group, const char *name, void *arg),
		     void *arg)
{
	DIR *root = opendir(PCRW_PIN_ROOT), *d;
	struct dirent *g, *e;
	char path[sizeof(PCRW_PIN_ROOT) + sizeof(g->d_name) + 1];
	bool more = true;

	while (more && root && (g = readdir(root))) {
		if (g->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", PCRW_PIN_ROOT, g->d_name);
		d = opendir(path);
		while (more && d && (e = readdir(d)))
			if (e->d_name[0] != '.')
				more = fn(g->d_name, e->d_name, arg);
		if (d)
			closedir(d);
	}
	if (root)
		closedir(root);
}

struct link_list {
	struct pinned_link *links;
	size_t n, max;
};

static bool add_link(const char *group, const char *name, void *arg)
{
	struct link_list *l = arg;

	if (pinned_link(group, name, &l->links[l->n]))
		l->n++;
	return l->n < l->max;
}

/* The links pinned under every group folder, before they are unpinned. */
static size_t pinned_links(struct pinned_link *links, size_t max)
{
	struct link_list l = { .links = links, .max = max };

	if (max)
		each_pin(add_link, &l);
	return l.n;
}

static bool count_pin(const char *group, const char *name, void *arg)
{
	++*(size_t *)arg;
	return true;
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

/* What a pinned object is, from its fdinfo: "map", "program", "link". */
static const char *pinned_kind(const char *group, const char *name)
{
	char path[64], line[128];
	const char *kind = "object";
	int fd = pcrw_obj_get(group, name);
	FILE *f;

	if (fd < 0)
		return kind;
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "re");
	while (f && fgets(line, sizeof(line), f) && !strcmp(kind, "object"))
		kind = !strncmp(line, "link_type:", 10)	  ? "link"
		       : !strncmp(line, "map_type:", 9)	  ? "map"
		       : !strncmp(line, "prog_type:", 10) ? "program"
							  : kind;
	if (f)
		fclose(f);
	close(fd);
	return kind;
}

/* --all: unpin whatever is left under every group folder (reservation,
 * quota and charge maps, ring buffers), saying each, then the folders.
 * How many could not be removed. */
static int detach_everything(void)
{
	DIR *root = opendir(PCRW_PIN_ROOT), *d;
	struct dirent *g, *e;
	char path[sizeof(PCRW_PIN_ROOT) + sizeof(g->d_name) + 1];
	int failed = 0, err;

	while (root && (g = readdir(root))) {
		if (g->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", PCRW_PIN_ROOT, g->d_name);
		d = opendir(path);
		while (d && (e = readdir(d))) {
			if (e->d_name[0] == '.')
				continue;
			printf("removing %s/%s (%s)\n", path, e->d_name,
			       pinned_kind(g->d_name, e->d_name));
			err = pcrw_unpin(g->d_name, e->d_name);
			if (err) {
				pcrw_err("cannot remove %s/%s: %s", path,
					 e->d_name, strerror(-err));
				failed++;
			}
		}
		if (d)
			closedir(d);
		if (rmdir(path) && errno != ENOENT) {
			pcrw_err("cannot remove %s: %s", path, strerror(errno));
			failed++;
		}
	}
	if (root)
		closedir(root);
	if (rmdir(PCRW_PIN_ROOT) && errno != ENOENT) {
		pcrw_err("cannot remove %s: %s", PCRW_PIN_ROOT,
			 strerror(errno));
		failed++;
	}
	return failed;
}

/* Without --all: what stays pinned, and how to remove it. */
static void say_kept(void)
{
	size_t n = 0;

	each_pin(count_pin, &n);
	printf("detached: tracking and vetoes stopped\n");
	if (n)
		printf("kept %zu pinned map(s) under %s (reservations, "
		       "quotas): "
		       "`pcrwatch detach --all` removes them\n",
		       n, PCRW_PIN_ROOT);
}

static int detach_usage(FILE *f, int rc)
{
	fprintf(f,
		"Usage: pcrwatch detach [-a|--all]\n\n"
		"Unpin every BPF program group under %s: tracking and\n"
		"vetoes stop. Reservations and quotas stay recorded (pinned) "
		"until\n"
		"released or the machine reboots; the next attach enforces "
		"them "
		"again.\n\n"
		"  -a, --all   also remove every other pin, reservation and "
		"quota maps\n"
		"              included (each named as it goes), and the "
		"folder: nothing of\n"
		"              pcrwatch is left in the kernel but what a "
		"running process holds\n",
		PCRW_PIN_ROOT);
	return rc;
}

/* Unpin what each group attached; how many groups failed. */
static int detach_groups(void)
{
	const struct component *const *c;
	struct pinned_link links[MAX_LINKS];
	size_t n, left;
	int failed = 0;

	n = pinned_links(links, MAX_LINKS);
	for (c = components(); *c; c++) {
		failed += (*c)->detach() != 0;
		remove_empty_dir((*c)->name);
	}
	rmdir(PCRW_PIN_ROOT); /* only succeeds when nothing is left */
	left = links_left(links, n);
	if (left)
		pcrw_warn("%zu program link(s) are still held by another "
			  "process (a running `pcrwatch enforce` or agent?): "
			  "they run until it exits",
			  left);
	return failed;
}

int cmd_detach(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "all", no_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct rings_holder h;
	bool all = false;
	int opt, failed;

	while ((opt = pcrw_getopt("detach", argc, argv, "ah", opts)) != -1) {
		switch (opt) {
		case 'a':
			all = true;
			break;
		case 'h':
			return detach_usage(stdout, PCRW_EXIT_OK);
		default:
			return PCRW_EXIT_USAGE;
		}
	}
	if (optind < argc)
		return pcrw_usage_error("detach", "unexpected argument '%s'",
					argv[optind]);
	if (geteuid() != 0) {
		pcrw_err("detach needs root: the pins under %s are root's "
			 "(run it with sudo)",
			 PCRW_PIN_ROOT);
		return PCRW_EXIT_DENIED;
	}
	if (access(PCRW_PIN_ROOT, F_OK)) {
		printf("nothing is attached: %s does not exist\n",
		       PCRW_PIN_ROOT);
		return PCRW_EXIT_OK;
	}
	if (rings_holder(&h) && !strcmp(h.role, "agent"))
		pcrw_warn("an agent is running (pid %d): it attaches again at "
			  "its next reload or start; stop it first "
			  "(systemctl stop pcrwatch)",
			  (int)h.pid);
	failed = detach_groups();
	if (all)
		failed += detach_everything();
	else
		say_kept();
	return failed ? PCRW_EXIT_ERROR : PCRW_EXIT_OK;
}
