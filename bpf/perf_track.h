/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * perf_track.h - what the perf tracking programs (perf_track.bpf.c) keep in
 * their pinned maps under /sys/fs/bpf/pcrwatch/perf/.
 */
#ifndef PCRW_PERF_TRACK_H
#define PCRW_PERF_TRACK_H

#include "pcrwatch.h"

/* Counters in the "stats" per-CPU array, by index. */
enum pcrw_perf_stat {
	PCRW_PSTAT_ALLOC = 0, /* hardware events allocated (LSM) */
	PCRW_PSTAT_FREE = 1, /* hardware events freed (LSM) */
	PCRW_PSTAT_OPEN =
		2, /* perf_event_open calls that succeeded (tracepoint) */
	PCRW_PSTAT_ADD = 3, /* events put on a counter (PMU driver add) */
	PCRW_PSTAT_DEL = 4, /* events taken off a counter */
	PCRW_PSTAT_CHANGE = 5, /* a counter changed owner */
	PCRW_PSTAT_DROP = 6, /* events the ring buffer had no room for */
	PCRW_NR_PSTATS = 7,
};

/* A counter's owner change from perf_track (msr 0, slot set) carries in
 * its old_value what is known of whoever had the counter before (@prev). */
enum pcrw_prev_seen {
	PCRW_PREV_HELD = 0, /* @prev's event had it until this one came */
	PCRW_PREV_FREE = 1, /* @prev's event was freed before: it was free */
	PCRW_PREV_UNKNOWN = 2, /* not seen since tracking began: @prev empty */
};

#define PCRW_SLOTS_PER_CPU 64

/* The "slots" array, key cpu * PCRW_SLOTS_PER_CPU + slot: its last owner. */
struct pcrw_slot_owner {
	__u64 event; /* kernel address of the event on it now, 0 when free */
	__u64 since_ns; /* when @owner took it; 0: never seen taken */
	struct pcrw_owner owner;
	__u64 last_owner_event; /* the fd's event behind the last one on it
				 * (an inherited copy's parent) */
	__u64 left_ns; /* when the last event left it */
};

/* The "gone" LRU hash: a freed hardware event's address -> when it was
 * freed. An owner change names @owner only when its event was not freed
 * after it left the counter (see bpf/perf_track.bpf.c). */
#define PCRW_GONE_EVENTS 16384

#endif
