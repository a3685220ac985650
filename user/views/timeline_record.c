// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * timeline_record.c - `pcrwatch timeline --record SECONDS` with no agent:
 * this process takes the agent's part for a while, draining every pinned
 * group's ring buffer into a log written by user/service/event_log.c (the same
 * records, so the timeline reads one format). Events read here are
 * consumed, as with `pcrwatch events` when no agent runs. Interrupted,
 * it stops early and what was recorded is drawn.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/libbpf.h>

#include "pin.h"
#include "event_log.h"
#include "timeline.h"
#include "../../bpf/pcrwatch.h"

#define RECORD_MAX_GROUPS 16

struct rec_group {
	char name[32];
	int fd;
	struct event_log *log;
	long long offset;
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	stop = 1;
}

static int on_event(void *data, void *buf, size_t size)
{
	struct rec_group *g = data;

	if (size >= sizeof(struct pcrw_event))
		event_log_write(g->log, g->name, buf, g->offset);
	return 0;
}

/* Whether @group has a program attached: a pinned link_* (detach keeps
 * the veto group's maps and ring, which nothing writes any more). */
static bool attached(const char *group)
{
	char dir[256];
	struct dirent *e;
	bool found = false;
	DIR *d;

	if (pcrw_pin_root(dir, sizeof(dir), group))
		return false;
	d = opendir(dir);
	while (d && !found && (e = readdir(d)))
		found = !strncmp(e->d_name, "link_", 5);
	if (d)
		closedir(d);
	return found;
}

/* The attached groups pinned under PCRW_PIN_ROOT that have a ring buffer. */
static int find_rings(struct rec_group *g, int max)
{
	DIR *d = opendir(PCRW_PIN_ROOT);
	struct dirent *e;
	int n = 0;

	while (d && (e = readdir(d)) && n < max) {
		if (e->d_name[0] == '.' ||
		    strlen(e->d_name) >= sizeof(g->name) ||
		    !attached(e->d_name))
			continue;
		g[n].fd = pcrw_obj_get(e->d_name, PCRW_EVENTS_RINGBUF);
		if (g[n].fd < 0)
			continue;
		snprintf(g[n].name, sizeof(g[n].name), "%s", e->d_name);
		n++;
	}
	if (d)
		closedir(d);
	return n;
}

static struct ring_buffer *open_rings(struct rec_group *g, int n,
				      struct event_log *l)
{
	struct ring_buffer *rb = NULL;
	int i;

	for (i = 0; i < n; i++) {
		g[i].log = l;
		g[i].offset = event_log_clock_offset();
		if (!rb)
			rb = ring_buffer__new(g[i].fd, on_event, &g[i], NULL);
		else if (ring_buffer__add(rb, g[i].fd, on_event, &g[i])) {
			ring_buffer__free(rb);
			return NULL;
		}
		if (!rb)
			return NULL;
	}
	return rb;
}

static int drain(struct ring_buffer *rb, unsigned int seconds)
{
	time_t end = time(NULL) + seconds;
	int err = 0;

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	while (!stop && time(NULL) < end && err >= 0) {
		err = ring_buffer__poll(rb, 100);
		if (err == -EINTR)
			err = 0;
	}
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	return err < 0 ? err : 0;
}

int tl_record(const char *dir, unsigned int seconds)
{
	struct rec_group g[RECORD_MAX_GROUPS];
	struct ring_buffer *rb;
	struct event_log l;
	int n, i, rc;

	n = find_rings(g, RECORD_MAX_GROUPS);
	if (!n)
		return -ENOENT;
	rc = event_log_open(&l, dir, (off_t)1 << 40, 0);
	rb = rc ? NULL : open_rings(g, n, &l);
	if (!rc && !rb)
		rc = errno ? -errno : -EINVAL;
	if (rb)
		rc = drain(rb, seconds);
	ring_buffer__free(rb);
	event_log_close(&l); /* safe after a failed open: its fds are -1 */
	for (i = 0; i < n; i++)
		close(g[i].fd);
	return rc;
}
