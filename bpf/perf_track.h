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

#define PCRW_SLOTS_PER_CPU 64

/* The "slots" array, key cpu * PCRW_SLOTS_PER_CPU + slot: its last owner. */
struct pcrw_slot_owner {
	__u64 event; /* kernel address of the event on it now, 0 when free */
	__u64 since_ns;
	struct pcrw_owner owner;
};

#endif
