// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The per-CPU maps of the BPF objects are declared with PCRW_SIZED_AT_LOAD
 * entries and sized here, before load, from the possible CPUs: a
 * 768-CPU server gets rows for 768 CPUs, a 2-CPU guest for 2. Maps shared
 * by name between objects (pinned under veto/) get the same size from
 * every object, so whichever loads first creates them right.
 */
#include <errno.h>
#include <string.h>
#include <bpf/libbpf.h>

#include "../../bpf/pcrwatch.h"
#include "perf_track.h"
#include "map_size.h"

/* Entries per possible CPU, and entries besides (hw_charge's per-task
 * pool). */
static const struct {
	const char *name;
	unsigned int per_cpu, extra;
} sized[] = {
	{ "hw_charge", 1, 1 }, /* bpf/perf_admit.bpf.h */
	{ "arb_held", 1, 0 }, /* bpf/arbiter_maps.bpf.h */
	{ "arb_regs", PCR_MAX_SLOTS, 0 },
	{ "pending", 1, 0 }, /* bpf/msr_watch.bpf.c */
	{ "slots", PCRW_SLOTS_PER_CPU, 0 }, /* bpf/perf_track.bpf.c */
};

int pcrw_size_maps(struct bpf_object *obj)
{
	int n = pcrw_possible_cpus(), err;
	struct bpf_map *m;
	size_t i;

	if (n < 0) {
		errno = -n;
		return n;
	}
	bpf_object__for_each_map(
		m, obj) for (i = 0; i < sizeof(sized) / sizeof(sized[0]); i++)
	{
		if (strcmp(bpf_map__name(m), sized[i].name))
			continue;
		err = bpf_map__set_max_entries(m, n * sized[i].per_cpu +
							  sized[i].extra);
		if (err) {
			errno = -err;
			return err;
		}
	}
	return 0;
}
