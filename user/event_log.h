/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * event_log.h - the agent's durable event log: every group's ring buffer
 * drained by one process (`pcrwatch agent`) into JSON lines under a folder
 * (default /var/log/pcrwatch, or $PCRWATCH_LOG_DIR), rotated by size, and
 * read by any number of `pcrwatch events` readers, none of which takes an
 * event from another. The agent holds an exclusive lock on
 * <dir>/agent.lock while it runs: that is how a reader knows the ring
 * buffers belong to the agent. The record format is in docs/SERVICE.md.
 */
#ifndef PCRW_EVENT_LOG_H
#define PCRW_EVENT_LOG_H

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>
#include <linux/types.h>

#define EVENT_LOG_DIR "/var/log/pcrwatch"
#define EVENT_LOG_FILE "events.jsonl"

struct pcrw_event;

struct event_log {
	char dir[200];
	int fd; /* the current file, O_APPEND */
	int lock_fd;
	off_t size;
	off_t max_size; /* rotate before a line would pass it */
	int keep; /* rotated files kept: events.jsonl.1 .. .keep */
	const char *journal; /* native journal socket; NULL: none */
	__u64 written; /* records in the file since start */
	__u64 write_errors; /* records the file did not take */
};

/* The log folder: $PCRWATCH_LOG_DIR, else EVENT_LOG_DIR. */
const char *event_log_dir(void);

/* Make @dir, take its agent lock and open the current file. -EBUSY when
 * another agent holds the lock; another negative errno on failure. */
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

/* Whether an agent holds @dir's lock now. */
bool event_log_agent_running(const char *dir);

/* "@UNIX_SECONDS", "30s", "10m", "2h", "1d" (that long ago) or
 * "YYYY-MM-DDTHH:MM:SS[Z]" (UTC) as Unix ns. 0 or -EINVAL. */
int event_log_parse_since(const char *s, long long *ns);

/* Print the records of @dir's log (oldest rotated file first) stamped at
 * or after @since_ns, as they are (@json) or one line of text each; with
 * @follow keep printing new ones across rotations until *@stop. 0 or a
 * negative errno. */
int event_log_print(const char *dir, bool json, bool follow, long long since_ns,
		    volatile sig_atomic_t *stop);

#endif
