// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * event_record.c - reading the agent's event log back
 * (user/service/event_log.h): every file in order, oldest rotated file first,
 * following the current one across rotations; each record decoded into the
 * struct pcrw_event it was written from (event_decode.c), so a reader of the
 * log prints what a reader of the ring buffer would; sequence numbers
 * checked, so a record that never reached the log, or was rotated away
 * before this reader got to it, is counted as lost instead of vanishing.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>

#include "event_log.h"

#define EVENT_LOG_MAX_FILES 100

int event_log_parse_since(const char *s, long long *ns)
{
	static const struct {
		char unit;
		long long secs;
	} units[] = {
		{ 's', 1 },
		{ 'm', 60 },
		{ 'h', 3600 },
		{ 'd', 86400 },
	};
	struct tm tm = { 0 };
	char *end;
	long long v;
	size_t i;

	if (s[0] == '@') {
		errno = 0;
		v = strtoll(s + 1, &end, 10);
		if (errno || *end || end == s + 1 || v < 0)
			return -EINVAL;
		*ns = v * 1000000000LL;
		return 0;
	}
	end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (end && (!*end || !strcmp(end, "Z"))) {
		*ns = (long long)timegm(&tm) * 1000000000LL;
		return 0;
	}
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || end == s || v < 0 || !end[0] || end[1])
		return -EINVAL;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (*end == units[i].unit) {
			*ns = ((long long)time(NULL) - v * units[i].secs) *
			      1000000000LL;
			return 0;
		}
	}
	return -EINVAL;
}

/* Account for @rec's sequence number: a gap is records the log does not
 * hold for this reader. A smaller number is a new log: no gap. */
static void check_seq(struct event_log_reader *r, __u64 seq)
{
	if (!seq)
		return;
	if (r->last_seq && seq > r->last_seq + 1) {
		r->lost += seq - r->last_seq - 1;
		if (r->gap)
			r->gap(r->ctx, r->last_seq + 1, seq - 1);
	}
	r->last_seq = seq;
}

static void one_line(struct event_log_reader *r, const char *line)
{
	struct event_log_rec rec;

	if (event_log_decode(line, &rec))
		return;
	if (r->from_seq && rec.seq && rec.seq < r->from_seq)
		return;
	check_seq(r, rec.seq);
	if (rec.real_ns >= r->since_ns)
		r->fn(r->ctx, &rec);
}

/* Every whole line of @f from where it stands; a partial last line is
 * left for later (the writer appends whole lines, but may be mid-write). */
static void read_lines(struct event_log_reader *r, FILE *f)
{
	char line[EVENT_LOG_LINE_MAX];
	long pos;

	for (;;) {
		pos = ftell(f);
		if (!fgets(line, sizeof(line), f))
			break;
		if (!strchr(line, '\n')) {
			fseek(f, pos, SEEK_SET);
			break;
		}
		one_line(r, line);
	}
	clearerr(f);
	fflush(stdout);
}

static FILE *open_log(const char *dir, int n)
{
	char path[256];

	if (n)
		snprintf(path, sizeof(path), "%s/%s.%d", dir, EVENT_LOG_FILE,
			 n);
	else
		snprintf(path, sizeof(path), "%s/%s", dir, EVENT_LOG_FILE);
	return fopen(path, "re");
}

/* Whether the current file's name now points at another file (rotated). */
static bool rotated(const char *dir, FILE *f)
{
	char path[256];
	struct stat a, b;

	snprintf(path, sizeof(path), "%s/%s", dir, EVENT_LOG_FILE);
	if (stat(path, &a) || fstat(fileno(f), &b))
		return false;
	return a.st_ino != b.st_ino || a.st_dev != b.st_dev;
}

int event_log_start(struct event_log_reader *r)
{
	bool history = !r->follow || r->since_ns > 0 || r->from_seq;
	FILE *f;
	int n;

	/* History: with --follow alone, only what comes next. */
	for (n = EVENT_LOG_MAX_FILES; history && n > 0; n--) {
		f = open_log(r->dir, n);
		if (!f)
			continue;
		read_lines(r, f);
		fclose(f);
	}
	r->cur = open_log(r->dir, 0);
	if (!r->cur)
		return r->follow ? -errno : 0;
	if (!history)
		fseek(r->cur, 0, SEEK_END);
	read_lines(r, r->cur);
	return 0;
}

void event_log_poll(struct event_log_reader *r)
{
	FILE *next;

	if (!r->cur)
		return;
	read_lines(r, r->cur);
	if (!rotated(r->dir, r->cur))
		return;
	next = open_log(r->dir, 0);
	if (!next)
		return;
	read_lines(r, r->cur); /* the old file's tail */
	fclose(r->cur);
	r->cur = next;
	read_lines(r, r->cur);
}

void event_log_end(struct event_log_reader *r)
{
	if (r->cur)
		fclose(r->cur);
	r->cur = NULL;
}

int event_log_read(struct event_log_reader *r)
{
	struct timespec nap = { 0, 50 * 1000 * 1000 };
	int err = event_log_start(r);

	while (!err && r->follow && !*r->stop) {
		nanosleep(&nap, NULL);
		event_log_poll(r);
	}
	event_log_end(r);
	return err;
}
