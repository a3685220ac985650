/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * who_filter.h - which owner records `who` shows: on some CPUs, of one
 * process, user or cgroup. On a machine of hundreds of CPUs the question
 * is rarely "everything"; the filters answer the narrow one.
 */
#ifndef PCRW_WHO_FILTER_H
#define PCRW_WHO_FILTER_H

#include <stdbool.h>
#include <stddef.h>

#include "model.h"

struct who_filter {
	bool by_cpu, by_pid, by_uid, by_cgroup;
	__u64 cpus[PCRW_CPU_WORDS];
	__u32 pid, uid;
	__u64 cgroup_id;
};

/* Parse one filter option ('c' --cpu LIST, 'p' --pid, 'u' --uid, 'g'
 * --cgroup ID or cgroup2 path, as a reservation's principals are
 * resolved) into @f; nonzero with a
 * message in @err when the value is bad. */
int who_filter_parse(struct who_filter *f, int opt, const char *val,
		     int nr_cpus, char *err, size_t errlen);
/* Whether @r passes every filter set in @f. A per-task event is on a
 * CPU only while its task runs there. A pid matches the event's owner
 * or the process it counts. */
bool who_filter_match(const struct who_filter *f, const struct owner_record *r);

#endif
