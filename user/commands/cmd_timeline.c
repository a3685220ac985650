// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * pcrwatch timeline: who held which counter of which CPU, over time, as
 * one self-contained SVG or HTML page (user/views/timeline.h), from the agent's
 * log or, with no agent, from a recording made first.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pcrwatch.h"
#include "event_log.h"
#include "event_stream.h"
#include "resv_store.h"
#include "timeline.h"

#define MAX_CPU_RANGES 64
#define RECORD_MAX_S 86400

struct tl_opts {
	long long since, until;
	struct tl_cpu_range cpus[MAX_CPU_RANGES];
	int nr_cpus; /* 0: every CPU */
	const char *out; /* NULL or "-": standard output */
	const char *dir;
	unsigned int record; /* seconds, 0: none */
};

static int timeline_usage(FILE *f, int rc)
{
	fprintf(f,
		"Usage: pcrwatch timeline [--since T] [--until T] [--cpu LIST] "
		"[-o FILE.svg|FILE.html]\n"
		"                         [--log-dir DIR] [--record "
		"SECONDS]\n\n"
		"Draw who held which hardware counter of which CPU, over time: "
		"one lane per\n"
		"CPU and counter, a bar per owner coloured by layer and named "
		"by its process,\n"
		"reservations as a band behind the bars, marks for clobbers, "
		"vetoes (naming\n"
		"the refused process), firmware-held counters and "
		"multiplexing. Hover a bar\n"
		"or a mark for its event. Only lanes that changed in the "
		"window "
		"are drawn\n"
		"(lanes with the same picture share a row); the others are "
		"counted.\n\n"
		"  --since T, --until T  the window (default: the log's first "
		"to last event):\n"
		"                 @UNIX_SECONDS, 10m, 2h, 1d (ago) or "
		"YYYY-MM-DDTHH:MM:SS (UTC)\n"
		"  --cpu LIST     only these CPUs: 0-3,8\n"
		"  -o, --output FILE  write FILE (.html: a page holding the "
		"SVG; else SVG);\n"
		"                 default: SVG on standard output\n"
		"  --log-dir DIR  the agent's log folder (default "
		"$PCRWATCH_LOG_DIR, else\n"
		"                 " EVENT_LOG_DIR ")\n"
		"  --record SECONDS  with no agent running: read the attached "
		"groups' ring\n"
		"                 buffers that long (the events are consumed) "
		"into a log in a\n"
		"                 temporary folder, or in --log-dir, then draw "
		"it; with an\n"
		"                 agent: wait that long and draw its log's "
		"last SECONDS\n");
	return rc;
}

static int bad_time(const char *flag, const char *arg)
{
	return pcrw_usage_error("timeline",
				"%s '%s': expected @UNIX_SECONDS, 10m, 2h or "
				"YYYY-MM-DDTHH:MM:SS",
				flag, arg);
}

static int parse_record(const char *arg, unsigned int *secs)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(arg, &end, 10);
	if (errno || *end || end == arg || !v || v > RECORD_MAX_S ||
	    arg[0] == '-' || arg[0] == '+')
		return pcrw_usage_error("timeline",
					"--record '%s': expected 1 to %d "
					"seconds",
					arg, RECORD_MAX_S);
	*secs = (unsigned int)v;
	return 0;
}

static int parse_opt(int opt, struct tl_opts *o)
{
	int n;

	switch (opt) {
	case 's':
	case 'u':
		if (event_log_parse_since(optarg,
					  opt == 's' ? &o->since : &o->until))
			return bad_time(opt == 's' ? "--since" : "--until",
					optarg);
		return 0;
	case 'c':
		n = tl_parse_cpus(optarg, o->cpus, MAX_CPU_RANGES);
		if (n < 0)
			return pcrw_usage_error("timeline",
						"--cpu '%s': expected a list "
						"such as 0-3,8",
						optarg);
		o->nr_cpus = n;
		return 0;
	case 'o':
		o->out = optarg;
		return 0;
	case 'd':
		o->dir = optarg;
		return 0;
	case 'r':
		return parse_record(optarg, &o->record);
	case 'h':
		timeline_usage(stdout, PCRW_EXIT_OK);
		return -1;
	default:
		return PCRW_EXIT_USAGE;
	}
}

/* The flags into @o: PCRW_EXIT_OK to go on, -1 after --help, else the
 * exit status of a usage error. */
static int parse_args(int argc, char **argv, struct tl_opts *o)
{
	static const struct option opts[] = {
		{ "since", required_argument, NULL, 's' },
		{ "until", required_argument, NULL, 'u' },
		{ "cpu", required_argument, NULL, 'c' },
		{ "output", required_argument, NULL, 'o' },
		{ "log-dir", required_argument, NULL, 'd' },
		{ "record", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int opt, rc;

	while ((opt = pcrw_getopt("timeline", argc, argv, "o:h", opts)) != -1)
		if ((rc = parse_opt(opt, o)))
			return rc;
	if (optind < argc)
		return pcrw_usage_error("timeline", "unexpected argument '%s'",
					argv[optind]);
	if (o->since && o->until && o->until <= o->since)
		return pcrw_usage_error("timeline",
					"--until must be later than --since");
	return PCRW_EXIT_OK;
}

/* The store's reservations in force now (where this process can read
 * them): their bands on the lanes they cover, from when they were made.
 * Without a store the log's vetoes are the only evidence, as said. */
static int add_store_resv(struct tl_model *m)
{
	struct pcrw_resv *r = NULL;
	struct tl_lane *l;
	size_t n = 0, i, k;
	int rc = 0;

	if (resv_load_all(&r, &n))
		return 0;
	for (i = 0; i < n && !rc; i++)
		for (k = 0; k < m->nr_lanes && !rc; k++) {
			l = &m->lanes[k];
			if (!resv_has_cpu(&r[i], l->cpu) ||
			    (r[i].nr_counters != PCR_RESV_WHOLE_PMU &&
			     r[i].slot_mask && l->slot >= 0 &&
			     !((r[i].slot_mask >> l->slot) & 1)))
				continue;
			rc = tl_lane_add_resv(m, l, r[i].id,
					      (long long)r[i].created_s *
						      1000000000LL);
		}
	free(r);
	return rc;
}

/* Read @dir's log into @lg and build @m. 0, -ENOENT (no log), -ENOMEM. */
static int load(const char *dir, struct tl_log *lg, struct tl_model *m)
{
	int rc;

	memset(m, 0, sizeof(*m));
	tl_log_init(lg);
	rc = tl_log_read_dir(lg, dir);
	if (rc == -ENOMEM)
		return rc;
	tl_log_sort(lg);
	return tl_model_build(m, lg) ?: add_store_resv(m) ?: rc;
}

static bool ends_with(const char *s, const char *tail)
{
	size_t a = strlen(s), b = strlen(tail);

	return a >= b && !strcasecmp(s + a - b, tail);
}

/* Render into @path through a temporary file renamed over it: a failed
 * run leaves an earlier picture as it was. */
static int write_file(const char *path, const struct tl_model *m,
		      const struct tl_view *v)
{
	char tmp[4096];
	FILE *f;
	int rc;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid()) >=
	    (int)sizeof(tmp))
		return -ENAMETOOLONG;
	f = fopen(tmp, "we");
	if (!f)
		return -errno;
	rc = tl_render(f, m, v);
	if (fclose(f) && !rc)
		rc = -EIO;
	if (!rc && rename(tmp, path))
		rc = -errno;
	if (rc)
		unlink(tmp);
	return rc;
}

static int render(const struct tl_opts *o, const struct tl_model *m,
		  const char *source, const char *note)
{
	struct tl_view v = {
		.since = o->since,
		.until = o->until,
		.cpus = o->nr_cpus ? o->cpus : NULL,
		.nr_cpus = (size_t)o->nr_cpus,
		.html = o->out && ends_with(o->out, ".html"),
		.source = source,
		.note = note,
	};
	int rc;

	if (!o->out || !strcmp(o->out, "-"))
		rc = tl_render(stdout, m, &v);
	else
		rc = write_file(o->out, m, &v);
	if (rc)
		pcrw_err("writing %s: %s", o->out ? o->out : "the picture",
			 strerror(-rc));
	return rc ? PCRW_EXIT_ERROR : PCRW_EXIT_OK;
}

/* --record: with an agent, wait and draw its last seconds; without one,
 * record into @o->dir (a temporary folder when none was given). */
static int record(struct tl_opts *o, char *tmpdir, const char **note)
{
	static char agent_dir[sizeof(((struct rings_holder *)0)->log_dir)];
	struct rings_holder h;
	int rc, lock = -1;

	if (rings_holder(&h) && !strcmp(h.role, "agent")) {
		if (!o->dir) {
			snprintf(agent_dir, sizeof(agent_dir), "%s", h.log_dir);
			o->dir = agent_dir;
		}
		fprintf(stderr,
			"pcrwatch: an agent is running: drawing its "
			"log's next %u s\n",
			o->record);
		o->since = (long long)time(NULL) * 1000000000LL;
		sleep(o->record);
		*note = "recorded from the agent's log";
		return 0;
	}
	/* One reader of the rings at a time (user/service/event_stream.c). */
	rc = rings_take("timeline", NULL, 0, &lock, &h);
	if (rc) {
		pcrw_err("timeline --record: %s",
			 rc == -EBUSY ? "another process reads the ring buffers"
				      : strerror(-rc));
		return rc;
	}
	if (!o->dir && !mkdtemp(tmpdir)) {
		rings_release(lock);
		return -errno;
	}
	if (!o->dir)
		o->dir = tmpdir;
	fprintf(stderr,
		"pcrwatch: no agent is running: recording %u s from "
		"the ring buffers (events read here are consumed)\n",
		o->record);
	rc = tl_record(o->dir, o->record);
	rings_release(lock);
	*note = "recorded by pcrwatch timeline --record";
	return rc;
}

static void remove_tmp_log(const char *tmpdir)
{
	char path[256];
	int n;

	for (n = 0; n <= 1; n++) {
		snprintf(path, sizeof(path), n ? "%s/agent.lock" : "%s/%s",
			 tmpdir, EVENT_LOG_FILE);
		unlink(path);
	}
	rmdir(tmpdir);
}

static int draw(struct tl_opts *o, const char *note)
{
	struct tl_log lg;
	struct tl_model m;
	int rc;

	rc = load(o->dir, &lg, &m);
	if (rc == -ENOENT)
		pcrw_err("no event log in %s: is the agent running? (without "
			 "one, --record SECONDS)",
			 o->dir);
	else if (rc)
		pcrw_err("reading %s: %s", o->dir, strerror(-rc));
	else
		rc = render(o, &m, o->dir, note);
	tl_model_free(&m);
	tl_log_free(&lg);
	return rc < 0 ? PCRW_EXIT_ERROR : rc;
}

int cmd_timeline(int argc, char **argv)
{
	struct tl_opts o = { 0 };
	char tmpdir[] = "/tmp/pcrwatch-timeline.XXXXXX";
	const char *note = NULL;
	int rc;

	rc = parse_args(argc, argv, &o);
	if (rc)
		return rc < 0 ? PCRW_EXIT_OK : rc;
	if (!o.dir)
		o.dir = event_log_dir();
	if (o.record) {
		if (!strcmp(o.dir, event_log_dir()))
			o.dir = NULL; /* the agent's folder, else a private one
				       */
		rc = record(&o, tmpdir, &note);
		if (rc) {
			pcrw_err("recording: %s",
				 rc == -ENOENT ? "no pcrwatch group "
						 "is attached (pcrwatch "
						 "attach)"
					       : strerror(-rc));
			if (o.dir == tmpdir)
				remove_tmp_log(tmpdir);
			return PCRW_EXIT_ERROR;
		}
	}
	rc = draw(&o, note);
	if (o.dir == tmpdir)
		remove_tmp_log(tmpdir);
	return rc;
}

int tl_page_recent(const char *dir, unsigned int minutes, char **body,
		   size_t *len)
{
	long long now = (long long)time(NULL) * 1000000000LL;
	struct tl_view v = { .since = now - minutes * 60000000000LL,
			     .until = now,
			     .html = true,
			     .source = dir };
	struct tl_log lg;
	struct tl_model m;
	FILE *f;
	int rc;

	rc = load(dir, &lg, &m);
	if (rc == -ENOENT)
		v.note = "no agent log here yet";
	f = rc && rc != -ENOENT ? NULL : open_memstream(body, len);
	if (f) {
		rc = tl_render(f, &m, &v);
		if (fclose(f) && !rc)
			rc = -EIO;
		if (rc)
			free(*body);
	} else if (!rc || rc == -ENOENT) {
		rc = -ENOMEM;
	}
	tl_model_free(&m);
	tl_log_free(&lg);
	return rc;
}
