// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The per-kind event totals of the attached groups (event_counts.h). */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "component.h"
#include "event_counts.h"
#include "model.h"

int event_counts_open(const char *group)
{
	int fd = pcrw_obj_get(group, PCRW_EVENT_COUNTS_MAP);

	return fd >= 0 ? fd : pcrw_obj_get(group, PCRW_VETO_COUNTS_MAP);
}

int event_counts_read(int fd, __u64 out[PCRW_NR_EVENT_KINDS])
{
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info), k, n = 1, i;
	__u64 *v;

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	if (info.type == BPF_MAP_TYPE_PERCPU_ARRAY)
		n = (__u32)libbpf_num_possible_cpus();
	v = calloc(n, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (k = 0; k < PCRW_NR_EVENT_KINDS && k < info.max_entries; k++) {
		if (bpf_map_lookup_elem(fd, &k, v))
			continue;
		for (i = 0; i < n; i++)
			out[k] += v[i];
	}
	free(v);
	return 0;
}

void event_counts_collect(struct model *m)
{
	const struct component *const *c;
	__u64 n[PCRW_NR_EVENT_KINDS];
	__u32 k;
	int fd;

	for (c = components(); *c; c++) {
		if (!(*c)->counts_map)
			continue;
		fd = pcrw_obj_get((*c)->name, (*c)->counts_map);
		if (fd < 0)
			continue;
		for (k = 0; k < PCRW_NR_EVENT_KINDS; k++)
			n[k] = 0;
		if (!event_counts_read(fd, n)) {
			m->events_lost += n[PCRW_EVENTS_LOST];
			for (k = 1; k < PCRW_NR_EVENT_KINDS; k++)
				m->events_by_kind[k] += n[k];
		}
		close(fd);
	}
}
