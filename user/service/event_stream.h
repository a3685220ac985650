/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * event_stream.h - who reads the BPF ring buffers, and how everyone else
 * reads what they carried.
 *
 * A ring buffer has one consumer position: an event read by one process is
 * gone for every other. So exactly one process drains the pinned rings at a
 * time, and it says so by holding a write lock on RINGS_LOCK, a fixed path
 * whatever its flags (--log-dir, $PCRWATCH_LOG_DIR): the agent while it
 * runs, or, with no agent, one `pcrwatch events`/`enforce` that reads them
 * directly (and says it consumes). The lock file names the holder: its
 * pid, its role, and for the agent its log folder and the first sequence
 * number it logs. Every other reader follows the agent's log.
 *
 * An agent that starts while a direct reader holds the lock asks it to
 * hand over (RINGS_HANDOVER); the reader drains what it has, lets go, and
 * follows the agent's log from the agent's first record on, so neither
 * loses nor repeats an event.
 */
#ifndef PCRW_EVENT_STREAM_H
#define PCRW_EVENT_STREAM_H

#include <stdbool.h>
#include <sys/types.h>
#include <linux/types.h>

#include "run_dir.h"

#define RINGS_LOCK PCRW_RUN_DIR "/rings.lock"
#define RINGS_HANDOVER PCRW_RUN_DIR "/rings.handover"
/* The agent's log folder, kept after it stops: `events --since` reads it. */
#define AGENT_LOG_DIR_FILE PCRW_RUN_DIR "/agent.log-dir"

struct rings_holder {
	pid_t pid; /* 0: nobody holds the rings */
	char role[16]; /* "agent", "events", "enforce" */
	char log_dir[200]; /* the agent's */
	__u64 seq_start; /* the agent's first sequence number */
};

/* Take the rings for @role (@log_dir, @seq_start: the agent's). 0 and the
 * lock's fd in *@fd (closing it lets go), -EBUSY with *@h naming the
 * holder, or another negative errno. */
int rings_take(const char *role, const char *log_dir, __u64 seq_start, int *fd,
	       struct rings_holder *h);

/* Who holds the rings now: false when nobody does. */
bool rings_holder(struct rings_holder *h);

/* Let go of the rings taken with rings_take(). */
void rings_release(int fd);

/* For a direct reader, on every poll: whether an agent waits for the rings
 * (it asked for a hand-over). */
bool rings_handover_asked(void);

/* For the agent: take the rings, asking a direct reader to hand them over
 * and waiting for it (at most @wait_ms). 0, -EBUSY (another agent, or a
 * reader that did not let go: *@h names it) or a negative errno. */
int rings_take_for_agent(const char *log_dir, __u64 seq_start, int wait_ms,
			 int *fd, struct rings_holder *h);

/* After handing over: wait (at most @wait_ms) for the agent to hold the
 * rings, and fill *@h. */
bool rings_wait_for_agent(int wait_ms, struct rings_holder *h);

/* The log folder a reader reads with no agent running: $PCRWATCH_LOG_DIR,
 * else the last agent's (AGENT_LOG_DIR_FILE), else EVENT_LOG_DIR. */
void rings_last_log_dir(char *buf, size_t len);

#endif
