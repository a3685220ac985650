/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* perf_component.h - what the pinned perf tracking group reports
 * (user/groups/perf_component.c). */
#ifndef PCRW_PERF_COMPONENT_H
#define PCRW_PERF_COMPONENT_H

#include <stddef.h>
#include <linux/types.h>

#include "../../bpf/perf_track.h"

/* One line: the lifecycle and placement methods attached. */
void perf_track_describe(char *how, size_t len);
/* Sum the per-CPU "stats" counters (enum pcrw_perf_stat) into @out[0..nr);
 * -ENOENT when the group is not attached. */
int perf_track_stats(__u64 *out, int nr);

#endif
