// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * pcrwatch events: conflicts, vetoes and changes of owner from the ring
 * buffer every group pins as /sys/fs/bpf/pcrwatch/<group>/events (struct
 * pcrw_event), and the per-kind totals from each group's event_counts map
 * (the veto group's veto_total): every attached group has one.
 * A ring buffer has one reader position: what this command prints is
 * consumed; the totals stay.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "pcrwatch.h"
#include "component.h"
#include "json.h"
#include "names.h"
#include "sanitize.h"
#include "event_counts.h"
#include "event_format.h"
#include "event_log.h"
#include "who.h"

#define EVENTS_MAX_GROUPS 16

struct group {
	char name[32];
	int ring_fd;
	int counts_fd;
};

struct events_ctx {
	const char *group;
	bool json;
	__u64 printed;
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	stop = 1;
}

static int events_usage(FILE *f, int rc)
{
	fprintf(f,
		"Usage: pcrwatch events [--json] [--follow] [--since T]\n\n"
		"Print the conflicts (clobber, firmware-held, "
		"inuse-mismatch), vetoes and\n"
		"changes of owner that the attached BPF groups recorded, "
		"each naming the\n"
		"party acting and the party that held the counter, then the "
		"totals per\n"
		"kind. Printed events are consumed; the totals are kept.\n\n"
		"  --json     one JSON object per line: "
		"{\"type\":\"event\",...} and\n"
		"             {\"type\":\"counts\",\"group\":...}\n"
		"  --follow   keep printing events as they happen, until "
		"interrupted\n"
		"  --since T  with an agent running (its log is read, nothing "
		"is consumed):\n"
		"             events since @UNIX_SECONDS, 10m, 2h or "
		"YYYY-MM-DDTHH:MM:SS (UTC)\n");
	return rc;
}

static int handle_event(void *data, void *buf, size_t size)
{
	struct events_ctx *c = data;
	const struct pcrw_event *e = buf;
	char text[512];
	struct json j;

	if (size < sizeof(*e))
		return 0;
	c->printed++;
	if (c->json) {
		json_init(&j, stdout);
		json_object_begin(&j, NULL);
		json_str(&j, "type", "event");
		who_event_json(&j, c->group, e);
		json_object_end(&j);
		fputc('\n', stdout);
	} else {
		event_format(text, sizeof(text), c->group, e, NULL);
		printf("%s\n", text);
	}
	fflush(stdout);
	return 0;
}

static void print_counts(const struct group *g, bool json)
{
	__u64 n[PCRW_NR_EVENT_KINDS] = { 0 };
	struct json j;
	__u32 k;

	if (g->counts_fd < 0 || event_counts_read(g->counts_fd, n))
		return;
	if (json) {
		json_init(&j, stdout);
		json_object_begin(&j, NULL);
		json_str(&j, "type", "counts");
		json_str(&j, "group", g->name);
		for (k = 1; k < PCRW_NR_EVENT_KINDS; k++)
			json_u64(&j, event_kind_key(k), n[k]);
		json_u64(&j, "lost", n[PCRW_EVENTS_LOST]);
		json_object_end(&j);
		fputc('\n', stdout);
		return;
	}
	printf("%-5s totals:", g->name);
	for (k = 1; k < PCRW_NR_EVENT_KINDS; k++)
		printf(" %s %llu", event_kind_name(k),
		       (unsigned long long)n[k]);
	printf(" lost %llu\n", (unsigned long long)n[PCRW_EVENTS_LOST]);
}

/* A folder pcrwatch could have made: a group name is printed as it is. */
static bool group_name_ok(const char *s, size_t max)
{
	size_t n = strlen(s);

	return n && n < max &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_-") == n;
}

/* Every group folder with a ring buffer or a counts map. */
static int find_groups(struct group *g, int max)
{
	DIR *d = opendir(PCRW_PIN_ROOT);
	struct dirent *e;
	int n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d)) && n < max) {
		if (!group_name_ok(e->d_name, sizeof(g->name)))
			continue;
		snprintf(g[n].name, sizeof(g[n].name), "%s", e->d_name);
		g[n].ring_fd = pcrw_obj_get(e->d_name, PCRW_EVENTS_RINGBUF);
		g[n].counts_fd = event_counts_open(e->d_name);
		if (g[n].ring_fd >= 0 || g[n].counts_fd >= 0)
			n++;
	}
	closedir(d);
	return n;
}

/*
 * With an agent running, the ring buffers are its: print its log instead
 * (every reader sees every event) and return true. Without one, say so and
 * return false: the ring buffers are read, and what is printed is consumed.
 */
static bool events_from_agent_log(bool json, bool follow, long long since,
				  int *rc)
{
	const char *dir = event_log_dir();
	int err;

	if (!event_log_agent_running(dir)) {
		/* With --json, a JSON line too: a reader of both streams
		 * still parses every line. */
		fprintf(stderr,
			json ? "{\"type\":\"notice\",\"message\":\"%s%s\"}\n"
			     : "pcrwatch: %s%s\n",
			"no agent is running: reading the ring buffers "
			"directly; printed events are consumed",
			since ? "; --since ignored" : "");
		return false;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	err = event_log_print(dir, json, follow, since, &stop);
	if (err < 0) {
		pcrw_err("reading %s/%s: %s", dir, EVENT_LOG_FILE,
			 strerror(-err));
		*rc = PCRW_EXIT_ERROR;
	}
	return true;
}

int cmd_events(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "follow", no_argument, NULL, 'f' },
		{ "since", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct group groups[EVENTS_MAX_GROUPS];
	struct events_ctx ctx[EVENTS_MAX_GROUPS];
	struct ring_buffer *rb = NULL;
	bool json = false, follow = false, from_log;
	int opt, n, i, err = 0, rc = PCRW_EXIT_OK;
	long long since = 0;

	while ((opt = pcrw_getopt("events", argc, argv, "jfh", opts)) != -1) {
		switch (opt) {
		case 'j':
			json = true;
			break;
		case 'f':
			follow = true;
			break;
		case 's':
			if (event_log_parse_since(optarg, &since))
				return pcrw_usage_error(
					"events",
					"--since '%s': expected @UNIX_SECONDS, "
					"10m or YYYY-MM-DDTHH:MM:SS",
					optarg);
			break;
		case 'h':
			return events_usage(stdout, PCRW_EXIT_OK);
		default:
			return PCRW_EXIT_USAGE;
		}
	}
	if (optind < argc)
		return pcrw_usage_error("events", "unexpected argument '%s'",
					argv[optind]);
	from_log = events_from_agent_log(json, follow, since, &rc);
	n = find_groups(groups, EVENTS_MAX_GROUPS);
	if (!n && !from_log) {
		pcrw_err("no event source is attached under %s: run 'pcrwatch "
			 "attach'",
			 PCRW_PIN_ROOT);
		return PCRW_EXIT_ERROR;
	}
	for (i = 0; i < n; i++) {
		ctx[i] = (struct events_ctx){ .group = groups[i].name,
					      .json = json };
		if (groups[i].ring_fd < 0 || from_log)
			continue;
		if (!rb)
			rb = ring_buffer__new(groups[i].ring_fd, handle_event,
					      &ctx[i], NULL);
		else if (ring_buffer__add(rb, groups[i].ring_fd, handle_event,
					  &ctx[i]))
			rb = NULL;
		if (!rb) {
			pcrw_err("cannot read the %s ring buffer: %s",
				 groups[i].name, strerror(errno));
			rc = PCRW_EXIT_ERROR;
			goto cleanup;
		}
	}
	if (rb)
		err = ring_buffer__consume(rb);
	if (follow && rb) {
		signal(SIGINT, on_signal);
		signal(SIGTERM, on_signal);
		while (!stop) {
			err = ring_buffer__poll(rb, 200);
			if (err == -EINTR)
				err = 0;
			if (err < 0)
				break;
		}
	}
	if (err < 0) {
		pcrw_err("reading events: %s", strerror(-err));
		rc = PCRW_EXIT_ERROR;
	}
	for (i = 0; i < n; i++)
		print_counts(&groups[i], json);
cleanup:
	ring_buffer__free(rb);
	for (i = 0; i < n; i++) {
		if (groups[i].ring_fd >= 0)
			close(groups[i].ring_fd);
		if (groups[i].counts_fd >= 0)
			close(groups[i].counts_fd);
	}
	return rc;
}
