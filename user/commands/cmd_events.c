// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * pcrwatch events: conflicts, vetoes and changes of owner from the ring
 * buffer every group pins as /sys/fs/bpf/pcrwatch/<group>/events (struct
 * pcrw_event), and the per-kind totals from each group's event_counts map
 * (the veto group's veto_total): every attached group has one.
 * A ring buffer has one reader position, so while the agent runs this
 * command reads the agent's log instead (user/service/event_stream.h); with no
 * agent it reads the rings itself, says that what it prints is consumed,
 * and hands them over to an agent that starts meanwhile. The totals stay.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "pcrwatch.h"
#include "pin.h"
#include "json.h"
#include "names.h"
#include "sanitize.h"
#include "event_counts.h"
#include "event_format.h"
#include "event_log.h"
#include "event_stream.h"
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
		"Usage: pcrwatch events [-j|--json] [-f|--follow] [--since "
		"T]\n\n"
		"Print the conflicts (clobber, firmware-held, "
		"inuse-mismatch), vetoes and\n"
		"changes of owner that the attached BPF groups recorded, "
		"each naming the\n"
		"party acting and the party that held the counter, then the "
		"totals per\n"
		"kind. While the agent runs its log is read: every reader "
		"sees every\n"
		"event. With no agent the ring buffers are read here and "
		"what is printed\n"
		"is consumed (standard error says so). The totals are "
		"kept.\n\n"
		"  -j, --json     one JSON object per line: "
		"{\"type\":\"event\",...} and\n"
		"                 {\"type\":\"counts\",\"group\":...}\n"
		"  -f, --follow   keep printing events as they happen, until "
		"interrupted\n"
		"  --since T      events logged since @UNIX_SECONDS, 10m, 2h "
		"or\n"
		"                 YYYY-MM-DDTHH:MM:SS (UTC), from the agent's "
		"log and its\n"
		"                 rotated files, also with the agent "
		"stopped\n");
	return rc;
}

static void print_event(struct events_ctx *c, const char *group,
			const struct pcrw_event *e)
{
	char text[512];
	struct json j;

	c->printed++;
	if (c->json) {
		json_init(&j, stdout);
		json_object_begin(&j, NULL);
		json_str(&j, "type", "event");
		who_event_json(&j, group, e);
		json_object_end(&j);
		fputc('\n', stdout);
	} else {
		event_format(text, sizeof(text), group, e, NULL);
		printf("%s\n", text);
	}
	fflush(stdout);
}

static int handle_event(void *data, void *buf, size_t size)
{
	struct events_ctx *c = data;

	if (size >= sizeof(struct pcrw_event))
		print_event(c, c->group, buf);
	return 0;
}

/* A record of the agent's log: as written (--json, with its number and
 * wall-clock time), else the text a ring buffer reader prints, after the
 * time. */
static void log_record(void *data, const struct event_log_rec *r)
{
	struct events_ctx *c = data;
	char when[32];
	time_t s = (time_t)(r->real_ns / 1000000000LL);
	struct tm tm;

	if (c->json) {
		c->printed++;
		fputs(r->line, stdout);
		return;
	}
	gmtime_r(&s, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	printf("%s ", when);
	print_event(c, r->group, &r->e);
}

/* Records the log does not hold: say so, in the output's own format. */
static void log_gap(void *data, __u64 first, __u64 last)
{
	const struct events_ctx *c = data;

	fprintf(stderr,
		c->json ? "{\"type\":\"notice\",\"lost\":%llu,\"message\":"
			  "\"events %llu-%llu are not in the log\"}\n"
			: "pcrwatch: %llu event(s) lost: %llu-%llu are not in "
			  "the log (never written, or rotated away before "
			  "this reader read them)\n",
		(unsigned long long)(last - first + 1),
		(unsigned long long)first, (unsigned long long)last);
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

struct events_opts {
	bool json, follow;
	long long since;
};

/* The agent's log in @dir, from record @from_seq on (0: as asked). */
static int events_from_log(const char *dir, const struct events_opts *o,
			   bool follow, __u64 from_seq)
{
	struct events_ctx c = { .json = o->json };
	struct event_log_reader r = {
		.dir = dir,
		.follow = follow,
		.since_ns = o->since,
		.from_seq = from_seq,
		.stop = &stop,
		.fn = log_record,
		.gap = log_gap,
		.ctx = &c,
	};
	int err;

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	err = event_log_read(&r);
	if (err < 0) {
		pcrw_err("reading %s/%s: %s", dir, EVENT_LOG_FILE,
			 strerror(-err));
		return PCRW_EXIT_ERROR;
	}
	return PCRW_EXIT_OK;
}

/* The ring buffers of every group, read by this process. */
struct rings {
	struct group g[EVENTS_MAX_GROUPS];
	struct events_ctx ctx[EVENTS_MAX_GROUPS];
	int n;
	struct ring_buffer *rb;
};

static int rings_open(struct rings *rs, bool json)
{
	int i;

	rs->rb = NULL;
	rs->n = find_groups(rs->g, EVENTS_MAX_GROUPS);
	for (i = 0; i < rs->n; i++) {
		rs->ctx[i] = (struct events_ctx){ .group = rs->g[i].name,
						  .json = json };
		if (rs->g[i].ring_fd < 0)
			continue;
		if (!rs->rb)
			rs->rb =
				ring_buffer__new(rs->g[i].ring_fd, handle_event,
						 &rs->ctx[i], NULL);
		else if (ring_buffer__add(rs->rb, rs->g[i].ring_fd,
					  handle_event, &rs->ctx[i]))
			return -errno;
		if (!rs->rb)
			return -errno;
	}
	return 0;
}

/* Print each group's totals (@counts) and close. */
static void rings_close(struct rings *rs, bool counts, bool json)
{
	int i;

	ring_buffer__free(rs->rb);
	rs->rb = NULL;
	for (i = 0; i < rs->n; i++) {
		if (counts)
			print_counts(&rs->g[i], json);
		if (rs->g[i].ring_fd >= 0)
			close(rs->g[i].ring_fd);
		if (rs->g[i].counts_fd >= 0)
			close(rs->g[i].counts_fd);
	}
	rs->n = 0;
}

/* Drain (and with --follow, keep draining) the rings; true when an agent
 * asked for them meanwhile: what was read is printed, the rest is its. */
static bool rings_drain(struct rings *rs, bool follow, int *err)
{
	*err = rs->rb ? ring_buffer__consume(rs->rb) : 0;
	while (follow && !stop && *err >= 0) {
		*err = rs->rb ? ring_buffer__poll(rs->rb, 200)
			      : (usleep(200000), 0);
		if (*err == -EINTR)
			*err = 0;
		if (rings_handover_asked()) {
			if (rs->rb)
				*err = ring_buffer__consume(rs->rb);
			return true;
		}
	}
	return false;
}

/*
 * No agent: this process reads the rings itself (after the log's history
 * with --since) and says that what it prints is consumed. Handed over to
 * an agent that starts meanwhile, it goes on with the agent's log from the
 * agent's first record.
 */
static int events_direct(int lock, const struct events_opts *o,
			 struct rings *rs)
{
	struct rings_holder h;
	char dir[200];
	int rc = PCRW_EXIT_OK, err;

	/* With --json, a JSON line too: a reader of both streams still
	 * parses every line. */
	fprintf(stderr,
		o->json ? "{\"type\":\"notice\",\"message\":\"%s\"}\n"
			: "pcrwatch: %s\n",
		"no agent is running: reading the ring buffers directly; "
		"printed events are consumed");
	if (o->since) {
		rings_last_log_dir(dir, sizeof(dir));
		rc = events_from_log(dir, o, false, 0);
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (!rings_drain(rs, o->follow, &err)) {
		rings_release(lock);
		if (err < 0) {
			pcrw_err("reading events: %s", strerror(-err));
			rc = PCRW_EXIT_ERROR;
		}
		return rc;
	}
	rings_release(lock);
	if (!rings_wait_for_agent(10000, &h)) {
		pcrw_err("an agent asked for the ring buffers and did not "
			 "take them");
		return PCRW_EXIT_ERROR;
	}
	fprintf(stderr,
		o->json ? "{\"type\":\"notice\",\"message\":\"%s %d\"}\n"
			: "pcrwatch: %s %d\n",
		"the agent now reads the ring buffers: following its log, pid",
		(int)h.pid);
	return events_from_log(h.log_dir, o, true, h.seq_start);
}

/* Read from whoever may: the agent's log, or the rings themselves. */
static int events_run(const struct events_opts *o, struct rings *rs)
{
	struct rings_holder h;
	int lock = -1, rc;

	if (rings_holder(&h) && !strcmp(h.role, "agent"))
		return events_from_log(h.log_dir, o, o->follow, 0);
	rc = rings_take("events", NULL, 0, &lock, &h);
	if (rc == -EBUSY && !strcmp(h.role, "agent"))
		return events_from_log(h.log_dir, o, o->follow, 0);
	if (rc == -EBUSY) {
		pcrw_err("pid %d (pcrwatch %s) reads the ring buffers "
			 "directly: a second reader would take events from "
			 "it; start the agent (systemctl start pcrwatch) and "
			 "every reader sees every event",
			 (int)h.pid, h.role[0] ? h.role : "?");
		return PCRW_EXIT_ERROR;
	}
	if (rc) {
		pcrw_err("%s: %s", RINGS_LOCK, strerror(-rc));
		return rc == -EACCES ? PCRW_EXIT_DENIED : PCRW_EXIT_ERROR;
	}
	rc = rings_open(rs, o->json);
	if (rc || !rs->n) {
		if (rc)
			pcrw_err("cannot read the ring buffers: %s",
				 strerror(-rc));
		else
			pcrw_err("no event source is attached under %s: run "
				 "'pcrwatch attach'",
				 PCRW_PIN_ROOT);
		rings_release(lock);
		return PCRW_EXIT_ERROR;
	}
	return events_direct(lock, o, rs);
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
	struct events_opts o = { 0 };
	struct rings rs = { .n = 0 };
	int opt, rc;

	while ((opt = pcrw_getopt("events", argc, argv, "jfh", opts)) != -1) {
		switch (opt) {
		case 'j':
			o.json = true;
			break;
		case 'f':
			o.follow = true;
			break;
		case 's':
			if (event_log_parse_since(optarg, &o.since))
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
	if (geteuid() != 0) {
		pcrw_err("events needs root: the ring buffers under %s and "
			 "the agent's log are root's (run it with sudo)",
			 PCRW_PIN_ROOT);
		return PCRW_EXIT_DENIED;
	}
	rc = events_run(&o, &rs);
	if (!rs.n) /* read from the log: the totals still come from here */
		rs.n = find_groups(rs.g, EVENTS_MAX_GROUPS);
	rings_close(&rs, rc == PCRW_EXIT_OK, o.json);
	return rc;
}
