// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * event_record.c - reading the agent's event log back
 * (user/service/event_log.h): every file in order, oldest rotated file first,
 * following the current one across rotations; each record decoded into the
 * struct pcrw_event it was written from, so a reader of the log prints what a
 * reader of the ring buffer would; sequence numbers checked, so a record that
 * never reached the log, or was rotated away before this reader got to it, is
 * counted as lost instead of vanishing.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>

#include "event_log.h"
#include "names.h"
#include "../../bpf/pcrwatch.h"

#define LINE_MAX_LEN 4096
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

/* The number after "KEY": in @line, or @dflt. Keys are searched in a
 * record whose strings escape every quote, so none matches inside one. */
static long long rec_num(const char *line, const char *key, long long dflt)
{
	char pat[40];
	const char *p;

	snprintf(pat, sizeof(pat), "\"%s\":", key);
	p = strstr(line, pat);
	return p ? strtoll(p + strlen(pat), NULL, 10) : dflt;
}

static unsigned long long rec_u64(const char *line, const char *key)
{
	char pat[40];
	const char *p;

	snprintf(pat, sizeof(pat), "\"%s\":", key);
	p = strstr(line, pat);
	return p ? strtoull(p + strlen(pat), NULL, 10) : 0;
}

/* One UTF-8 encoding of @cp into @out: how many bytes. */
static size_t utf8(unsigned int cp, char *out)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | cp >> 6);
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	out[0] = (char)(0xe0 | cp >> 12);
	out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[2] = (char)(0x80 | (cp & 0x3f));
	return 3;
}

/* The JSON string after "KEY":" into @buf, unescaped ("" when absent). */
static void rec_str(const char *line, const char *key, char *buf, size_t len)
{
	static const char esc[] = "\"\"\\\\//b\bf\fn\nr\rt\t";
	char pat[40], u[4];
	const char *p, *e;
	size_t n = 0, k;

	snprintf(pat, sizeof(pat), "\"%s\":\"", key);
	p = strstr(line, pat);
	for (p = p ? p + strlen(pat) : ""; *p && *p != '"'; p++) {
		k = 1;
		u[0] = *p;
		if (*p == '\\' && p[1] == 'u' && strlen(p) >= 6) {
			char hex[5] = { p[2], p[3], p[4], p[5], 0 };

			k = utf8((unsigned int)strtoul(hex, NULL, 16), u);
			p += 5;
		} else if (*p == '\\' && p[1] && (e = strchr(esc, p[1])) &&
			   (e - esc) % 2 == 0) {
			u[0] = e[1];
			p++;
		}
		if (n + k >= len)
			break;
		memcpy(buf + n, u, k);
		n += k;
	}
	buf[n] = 0;
}

/* The register value in the string "KEY":"0x...", or 0. */
static unsigned long long rec_hex(const char *line, const char *key)
{
	char buf[24];

	rec_str(line, key, buf, sizeof(buf));
	return strtoull(buf, NULL, 16);
}

/* Which of @count names @name is (name_of(i)), or @dflt. */
static __u32 name_index(const char *name, const char *(*name_of)(__u32),
			__u32 count, __u32 dflt)
{
	__u32 i;

	for (i = 0; i < count; i++)
		if (!strcmp(name, name_of(i)))
			return i;
	return dflt;
}

/* The object "KEY":{...} of @line into @buf (strings inside skipped
 * whole); false for null or absent. */
static bool rec_object(const char *line, const char *key, char *buf, size_t len)
{
	char pat[40];
	const char *p, *q;
	bool in_str = false;

	snprintf(pat, sizeof(pat), "\"%s\":{", key);
	p = strstr(line, pat);
	if (!p)
		return false;
	for (q = p += strlen(pat) - 1; *q; q++) {
		if (in_str && *q == '\\' && q[1])
			q++;
		else if (*q == '"')
			in_str = !in_str;
		else if (!in_str && *q == '}')
			break;
	}
	if (!*q || (size_t)(q - p + 2) > len)
		return false;
	memcpy(buf, p, (size_t)(q - p + 1));
	buf[q - p + 1] = 0;
	return true;
}

static __u32 rec_owner(const char *line, const char *key, struct pcrw_owner *o)
{
	char obj[LINE_MAX_LEN], word[24];
	__u32 path;

	memset(o, 0, sizeof(*o));
	if (!rec_object(line, key, obj, sizeof(obj))) {
		o->layer = PCR_LAYER_UNKNOWN; /* null: nobody */
		return PCRW_PATH_UNKNOWN;
	}
	rec_str(obj, "layer", word, sizeof(word));
	o->layer = name_index(word, layer_name, PCR_LAYER_UNKNOWN + 1,
			      PCR_LAYER_UNKNOWN);
	rec_str(obj, "path", word, sizeof(word));
	path = name_index(word, path_name, PCRW_PATH_ARBITER + 1,
			  PCRW_PATH_UNKNOWN);
	o->tgid = (__u32)rec_u64(obj, "pid");
	o->pid = (__u32)rec_u64(obj, "tid");
	o->uid = (__u32)rec_u64(obj, "uid");
	o->cgroup_id = rec_u64(obj, "cgroup_id");
	rec_str(obj, "comm", o->comm, sizeof(o->comm));
	return path;
}

int event_log_decode(const char *line, struct event_log_rec *r)
{
	struct pcrw_event *e = &r->e;
	char word[32];

	memset(r, 0, sizeof(*r));
	r->line = line;
	rec_str(line, "type", word, sizeof(word));
	if (strcmp(word, "event"))
		return -EINVAL;
	rec_str(line, "group", r->group, sizeof(r->group));
	rec_str(line, "kind", word, sizeof(word));
	e->kind = name_index(word, event_kind_name, PCRW_NR_EVENT_KINDS, 0);
	e->cpu = (__u32)rec_u64(line, "cpu");
	e->ts_ns = rec_u64(line, "ts_ns");
	e->slot = (__u32)rec_num(line, "slot", -1);
	e->msr = (__u32)rec_u64(line, "msr");
	e->value = rec_hex(line, "value");
	e->old_value = rec_hex(line, "old_value");
	e->actor_path = rec_owner(line, "actor", &e->actor);
	e->prev_path = rec_owner(line, "prev", &e->prev);
	e->reservation_id = rec_u64(line, "reservation_id");
	rec_str(line, "verdict", word, sizeof(word));
	e->verdict = name_index(word, verdict_name, 16, 0);
	r->real_ns = rec_num(line, "ts_unix_ns", 0);
	r->seq = rec_u64(line, "seq");
	return 0;
}

__u64 event_log_last_seq_in(const char *path)
{
	char buf[LINE_MAX_LEN + 1], *nl;
	FILE *f = fopen(path, "re");
	long end;
	size_t n;

	if (!f)
		return 0;
	fseek(f, 0, SEEK_END);
	end = ftell(f);
	fseek(f, end > LINE_MAX_LEN ? end - LINE_MAX_LEN : 0, SEEK_SET);
	n = fread(buf, 1, LINE_MAX_LEN, f);
	fclose(f);
	buf[n] = 0;
	/* the last whole line: after the newline before the final one */
	while (n && buf[n - 1] == '\n')
		buf[--n] = 0;
	nl = strrchr(buf, '\n');
	return rec_u64(nl ? nl + 1 : buf, "seq");
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
	char line[LINE_MAX_LEN];
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
