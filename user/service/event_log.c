// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * event_log.c - the agent's JSON-lines event log: writer with size-based
 * rotation and journald copies, and the reader behind `pcrwatch events`
 * when an agent runs (user/service/event_log.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "messages.h"
#include "agent.h"
#include "cgroup_attr.h"
#include "event_format.h"
#include "event_log.h"
#include "json.h"
#include "names.h"
#include "sanitize.h"
#include "who.h"
#include "../../bpf/pcrwatch.h"

const char *event_log_dir(void)
{
	const char *d = getenv("PCRWATCH_LOG_DIR");

	return d && *d ? d : EVENT_LOG_DIR;
}

static int open_current(struct event_log *l)
{
	char path[256];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", l->dir, EVENT_LOG_FILE);
	l->fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (l->fd < 0)
		return -errno;
	l->size = fstat(l->fd, &st) ? 0 : st.st_size;
	return 0;
}

/* The number after the last one @dir's log holds (current file, else the
 * newest rotated one), so numbers go on across agent restarts. */
static __u64 next_seq(const char *dir)
{
	char path[256];
	__u64 last;

	snprintf(path, sizeof(path), "%s/%s", dir, EVENT_LOG_FILE);
	last = event_log_last_seq_in(path);
	if (!last) {
		snprintf(path, sizeof(path), "%s/%s.1", dir, EVENT_LOG_FILE);
		last = event_log_last_seq_in(path);
	}
	return last + 1;
}

int event_log_open(struct event_log *l, const char *dir, off_t max_size,
		   int keep)
{
	memset(l, 0, sizeof(*l));
	l->fd = -1;
	l->max_size = max_size;
	l->keep = keep;
	snprintf(l->dir, sizeof(l->dir), "%s", dir);
	if (mkdir(dir, 0750) && errno != EEXIST)
		return -errno;
	l->seq = next_seq(dir);
	return open_current(l);
}

void event_log_close(struct event_log *l)
{
	if (l->fd >= 0)
		close(l->fd);
	l->fd = -1;
}

/* events.jsonl.(keep-1) -> .keep, ..., events.jsonl -> .1, new file. */
static int rotate(struct event_log *l)
{
	char from[256], to[256];
	int i;

	for (i = l->keep - 1; i >= 0; i--) {
		if (i)
			snprintf(from, sizeof(from), "%s/%s.%d", l->dir,
				 EVENT_LOG_FILE, i);
		else
			snprintf(from, sizeof(from), "%s/%s", l->dir,
				 EVENT_LOG_FILE);
		snprintf(to, sizeof(to), "%s/%s.%d", l->dir, EVENT_LOG_FILE,
			 i + 1);
		if (rename(from, to) && errno != ENOENT)
			return -errno;
	}
	close(l->fd);
	return open_current(l);
}

long long event_log_clock_offset(void)
{
	struct timespec r, m;

	clock_gettime(CLOCK_REALTIME, &r);
	clock_gettime(CLOCK_MONOTONIC, &m);
	return (r.tv_sec - m.tv_sec) * 1000000000LL + (r.tv_nsec - m.tv_nsec);
}

static void rfc3339(char *buf, size_t len, long long ns)
{
	time_t s = (time_t)(ns / 1000000000LL);
	char day[32];
	struct tm tm;

	gmtime_r(&s, &tm);
	strftime(day, sizeof(day), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, len, "%.20s.%09uZ", day,
		 (unsigned int)(ns % 1000000000LL));
}

/* Where cgroup v2 is mounted (from /proc/self/mountinfo), or "". */
static const char *cgroup2_root(void)
{
	static char root[256];
	static bool looked;
	char line[512], mnt[256], type[32];
	FILE *f;

	if (looked)
		return root;
	looked = true;
	f = fopen("/proc/self/mountinfo", "re");
	while (f && fgets(line, sizeof(line), f)) {
		/* "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS ... - TYPE ..." */
		if (sscanf(line, "%*s %*s %*s %*s %255s", mnt) == 1 &&
		    strstr(line, " - ") &&
		    sscanf(strstr(line, " - "), " - %31s", type) == 1 &&
		    !strcmp(type, "cgroup2")) {
			snprintf(root, sizeof(root), "%s", mnt);
			break;
		}
	}
	if (f)
		fclose(f);
	return root;
}

/*
 * The actor's unit, container and pod from its cgroup path. The pid may
 * have exited or been reused since the event: the path read now is used
 * only when that cgroup's id (its inode on cgroup2) is the one the BPF
 * program recorded, so a name is never given to the wrong cgroup.
 */
static bool actor_cgroup(const struct pcrw_owner *o, char *rel, size_t len,
			 struct cgroup_attr *a)
{
	char path[64], line[512], full[1024];
	struct stat st;
	bool found = false;
	FILE *f;

	if (!o->tgid || !o->cgroup_id || !cgroup2_root()[0])
		return false;
	snprintf(path, sizeof(path), "/proc/%u/cgroup", o->tgid);
	f = fopen(path, "re");
	while (f && !found && fgets(line, sizeof(line), f))
		if (!strncmp(line, "0::", 3)) {
			line[strcspn(line, "\n")] = 0;
			/* A longer path is not named (never cut short). */
			found = strlen(line + 3) < len;
			if (found)
				memcpy(rel, line + 3, strlen(line + 3) + 1);
		}
	if (f)
		fclose(f);
	if (!found)
		return false;
	snprintf(full, sizeof(full), "%s%s", cgroup2_root(), rel);
	if (stat(full, &st) || (__u64)st.st_ino != o->cgroup_id)
		return false;
	return cgroup_attr_parse(rel, a);
}

static void cgroup_json(struct json *j, const char *rel,
			const struct cgroup_attr *a)
{
	json_object_begin(j, "actor_cgroup");
	json_str(j, "path", rel);
	if (a->unit[0])
		json_str(j, "unit", a->unit);
	if (a->container_id[0])
		json_str(j, "container_id", a->container_id);
	if (a->runtime[0])
		json_str(j, "runtime", a->runtime);
	if (a->pod_uid[0])
		json_str(j, "pod_uid", a->pod_uid);
	json_object_end(j);
}

static void record_json(FILE *f, __u64 seq, const char *group,
			const struct pcrw_event *e, long long real_ns,
			const char *rel, const struct cgroup_attr *a)
{
	char when[40];
	struct json j;

	rfc3339(when, sizeof(when), real_ns);
	json_init(&j, f);
	json_object_begin(&j, NULL);
	json_str(&j, "type", "event");
	json_u64(&j, "seq", seq);
	json_str(&j, "time", when);
	json_u64(&j, "ts_unix_ns", (__u64)real_ns);
	who_event_json(&j, group, e);
	if (a)
		cgroup_json(&j, rel, a);
	json_object_end(&j);
	fputc('\n', f);
}

#define CG_FIELD_LEN 160

/* PCRWATCH_UNIT=, _CONTAINER_ID=, _POD_UID= of @a into @buf and @fields:
 * how many. */
static size_t cgroup_fields(const struct cgroup_attr *a,
			    char buf[3][CG_FIELD_LEN], const char **fields)
{
	size_t n = 0;

	if (a && a->unit[0])
		snprintf(buf[n++], CG_FIELD_LEN, "PCRWATCH_UNIT=%s", a->unit);
	if (a && a->container_id[0])
		snprintf(buf[n++], CG_FIELD_LEN, "PCRWATCH_CONTAINER_ID=%s",
			 a->container_id);
	if (a && a->pod_uid[0])
		snprintf(buf[n++], CG_FIELD_LEN, "PCRWATCH_POD_UID=%s",
			 a->pod_uid);
	for (size_t i = 0; i < n; i++)
		fields[i] = buf[i];
	return n;
}

/* The journal copy: structured fields, and a MESSAGE for humans. */
static void journal_copy(const struct event_log *l, const char *group,
			 const struct pcrw_event *e, long long real_ns,
			 const struct cgroup_attr *a)
{
	char msg[520], kind[48], grp[48], cpu[32], resv[48], pid[32],
		comm[sizeof(e->actor.comm) + 1], commf[48], msr[32], when[48],
		cg[3][CG_FIELD_LEN];
	const char *fields[16] = {
		msg,
		kind,
		grp,
		cpu,
		resv,
		pid,
		commf,
		msr,
		when,
		"SYSLOG_IDENTIFIER=pcrwatch",
		e->kind == PCRW_EV_VETO ? "PRIORITY=4" : "PRIORITY=5",
	};
	size_t n = 11;

	san_term(comm, sizeof(comm), e->actor.comm, sizeof(e->actor.comm));
	memcpy(msg, "MESSAGE=", 8);
	event_format(msg + 8, sizeof(msg) - 8, group, e, NULL);
	snprintf(kind, sizeof(kind), "PCRWATCH_KIND=%s",
		 event_kind_name(e->kind));
	snprintf(grp, sizeof(grp), "PCRWATCH_GROUP=%s", group);
	snprintf(cpu, sizeof(cpu), "PCRWATCH_CPU=%u", e->cpu);
	snprintf(resv, sizeof(resv), "PCRWATCH_RESERVATION=%llu",
		 (unsigned long long)e->reservation_id);
	snprintf(pid, sizeof(pid), "PCRWATCH_PID=%u", e->actor.tgid);
	snprintf(commf, sizeof(commf), "PCRWATCH_COMM=%s", comm);
	snprintf(msr, sizeof(msr), "PCRWATCH_MSR=0x%x", e->msr);
	snprintf(when, sizeof(when), "PCRWATCH_TIME_NS=%lld", real_ns);
	n += cgroup_fields(a, cg, fields + n);
	agent_journal_send(l->journal, fields, n);
}

int event_log_write(struct event_log *l, const char *group,
		    const struct pcrw_event *e, long long mono_to_real)
{
	long long real_ns = (long long)e->ts_ns + mono_to_real;
	struct cgroup_attr attr, *a = NULL;
	char *buf = NULL, rel[400];
	size_t len = 0;
	__u64 seq;
	FILE *f;
	int rc = 0;

	if (actor_cgroup(&e->actor, rel, sizeof(rel), &attr))
		a = &attr;
	if (l->journal)
		journal_copy(l, group, e, real_ns, a);
	/* Every event takes a number, written or not: a reader sees the
	 * gap of one the file did not take. */
	seq = l->seq++;
	f = open_memstream(&buf, &len);
	if (!f) {
		l->write_errors++;
		return -ENOMEM;
	}
	record_json(f, seq, group, e, real_ns, rel, a);
	fclose(f);
	if (l->size && l->size + (off_t)len > l->max_size)
		rc = rotate(l);
	/* One write per line: a reader sees whole lines or none. */
	if (!rc && write(l->fd, buf, len) != (ssize_t)len)
		rc = -EIO;
	if (rc) {
		l->write_errors++;
	} else {
		l->size += (off_t)len;
		l->written++;
	}
	/* The same line to stdout, one write so that a line never mixes with
	 * the agent's own messages (flushed first). Best effort: the file is
	 * the record; a stdout that fails is said once, not per event. */
	if (l->to_stdout) {
		fflush(stdout);
		if (write(STDOUT_FILENO, buf, len) != (ssize_t)len &&
		    !l->stdout_failed) {
			l->stdout_failed = true;
			pcrw_warn("agent: events are no longer all written to "
				  "stdout (from %llu)",
				  (unsigned long long)seq);
		}
	}
	free(buf);
	return rc;
}
