/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * perf_snapshot.h - every perf event on the system now, read through the
 * perf_iter BPF iterators (bpf/perf_iter.bpf.c): one raw record per event
 * and per fd holding it, before any merging.
 */
#ifndef PCRW_PERF_SNAPSHOT_H
#define PCRW_PERF_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "../../bpf/perf_iter.h"

struct perf_iter_bpf;

/* The iterators: perf files, task contexts, CPU contexts. */
#define PERF_SNAPSHOT_LINKS 3

struct perf_snapshot {
	struct perf_iter_bpf *skel; /* loaded here; NULL when pinned */
	int pinned_fd[PERF_SNAPSHOT_LINKS]; /* the links `attach` pinned */
	int bss_fd; /* and their global variables */
	int lock_fd; /* the pin folder, locked around a pinned snapshot */
	struct pcrw_perf_rec *recs;
	size_t nr, cap;
	bool cpu_ctx_walked; /* kernel counters of CPU contexts were looked at
			      */
	bool ctx_truncated; /* a context had more events than one walk takes */
};

/* The iterators `pcrwatch attach` pinned when they are there and this
 * build's, else loaded here (needs CAP_BPF and CAP_PERFMON, and costs a
 * load and a verification: about 100 ms); 0 or -errno. */
int perf_snapshot_open(struct perf_snapshot *s);
/* Load the iterators and pin them for every later open; 0 or -errno. */
int perf_snapshot_pin(void);
/* Replace s->recs with a fresh snapshot; 0 or -errno. */
int perf_snapshot_take(struct perf_snapshot *s);
void perf_snapshot_close(struct perf_snapshot *s);

#endif
