/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * event_log.h - the agent's durable event log: every group's ring buffer
 * drained by one process (`pcrwatch agent`) into JSON lines under a folder
 * (default /var/log/pcrwatch, or $PCRWATCH_LOG_DIR), rotated by size, and
 * read by any number of `pcrwatch events` readers, none of which takes an
 * event from another (user/service/event_stream.h says who reads the rings).
 * Each record carries a sequence number, so a reader can count what it did not
 * get. The record format is in docs/SERVICE.md.
 */
#ifndef PCRW_EVENT_LOG_H
#define PCRW_EVENT_LOG_H

#include <signal.h>
#include <stdio.h>
#include <stdbool.h>
#include <sys/types.h>
#include <linux/types.h>

#include "../../bpf/pcrwatch.h"

#define EVENT_LOG_DIR "/var/log/pcrwatch"
#define EVENT_LOG_FILE "events.jsonl"
/* The longest record line a reader of the log takes, newline included. */
#define EVENT_LOG_LINE_MAX 4096

struct event_log {
	char dir[200];
	int fd; /* the current file, O_APPEND */
	off_t size;
	off_t max_size; /* rotate before a line would pass it */
	int keep; /* rotated files kept: events.jsonl.1 .. .keep */
	const char *journal; /* native journal socket; NULL: none */
	bool to_stdout; /* each record's line to stdout too */
	bool stdout_failed; /* a stdout write failed (said once) */
	__u64 seq; /* the next record's number, going on across restarts */
	__u64 written; /* records in the file since start */
	__u64 write_errors; /* records the file did not take */
};

/* The log folder: $PCRWATCH_LOG_DIR, else EVENT_LOG_DIR. */
const char *event_log_dir(void);

/* Make @dir and open the current file; records are numbered on from the
 * last one the folder holds. 0 or a negative errno. */
int event_log_open(struct event_log *l, const char *dir, off_t max_size,
		   int keep);
void event_log_close(struct event_log *l);

/* Append @e from group @group, stamped with wall-clock time (@mono_to_real
 * is CLOCK_REALTIME - CLOCK_MONOTONIC in ns, the bpf_ktime_get_ns() base),
 * and send it to the journal when one is set. 0 or a negative errno. */
int event_log_write(struct event_log *l, const char *group,
		    const struct pcrw_event *e, long long mono_to_real);

/* CLOCK_REALTIME - CLOCK_MONOTONIC now, in ns. */
long long event_log_clock_offset(void);

/* "@UNIX_SECONDS", "30s", "10m", "2h", "1d" (that long ago) or
 * "YYYY-MM-DDTHH:MM:SS[Z]" (UTC) as Unix ns. 0 or -EINVAL. */
int event_log_parse_since(const char *s, long long *ns);

/* A record read back from the log: the line as written and the event it
 * was written from. */
struct event_log_rec {
	const char *line;
	char group[32];
	struct pcrw_event e;
	long long real_ns; /* ts_unix_ns */
	__u64 seq; /* the agent's number for it; 0 in a log without one */
};

/* Decode one log line (user/service/event_decode.c): 0, or -EINVAL when it
 * is no event record (not an object, "type" not "event", or a "kind" this
 * version does not know). Keys are found among the record's own members
 * only; a missing one reads as 0 ("slot": no slot, ~0U; an owner: nobody). */
int event_log_decode(const char *line, struct event_log_rec *r);

/* The sequence number of the last whole record in the file @path, or 0. */
__u64 event_log_last_seq_in(const char *path);

/* A reader of a log folder: every file, oldest rotated one first, then
 * (@follow) the current one across rotations until *@stop. */
struct event_log_reader {
	const char *dir;
	bool follow;
	long long since_ns; /* records stamped before are not passed on */
	__u64 from_seq; /* nor those numbered before (0: any) */
	volatile sig_atomic_t *stop;
	void (*fn)(void *ctx, const struct event_log_rec *r);
	/* Records first..last are missing from the log (optional). */
	void (*gap)(void *ctx, __u64 first, __u64 last);
	void *ctx;
	__u64 last_seq; /* the last number read */
	__u64 lost; /* numbers missing between the records read */
	FILE *cur; /* the current file, while following */
};

/* Read as @r says; with @r->follow and neither since_ns nor from_seq, only
 * what comes next. 0 or a negative errno. */
int event_log_read(struct event_log_reader *r);

/* The same in steps, for a reader with its own loop: the history and what
 * the current file holds (0 or a negative errno), what came since, done. */
int event_log_start(struct event_log_reader *r);
void event_log_poll(struct event_log_reader *r);
void event_log_end(struct event_log_reader *r);

#endif
