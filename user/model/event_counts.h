/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * event_counts.h - the per-kind event totals every attached group keeps
 * (enum pcrw_event_kind, PCRW_EVENTS_LOST at index 0): the msr and arbiter
 * groups in "event_counts", the veto group in "veto_total".
 */
#ifndef PCRW_EVENT_COUNTS_H
#define PCRW_EVENT_COUNTS_H

#include <linux/types.h>

#include "../../bpf/pcrwatch.h"

struct model;

/* The pinned counts map of @group, or a negative errno. */
int event_counts_open(const char *group);

/* Sum the counts map @fd (array or per-CPU array of __u64) into @out. */
int event_counts_read(int fd, __u64 out[PCRW_NR_EVENT_KINDS]);

/* Add every pinned group's totals to @m's events_by_kind and events_lost
 * (the perf group keeps its own statistics: perf_source adds those). */
void event_counts_collect(struct model *m);

#endif
