// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Building a reservation: its place among the others (capacity on each
 * CPU, counter slots), its id, and its cookies' registers set through the
 * rules of include/pcr_rules.h.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <sys/random.h>

#include "resv_cmd.h"
#include "resv_store.h"

__u64 resv_random_cookie(void)
{
	__u64 c = 0;

	do {
		if (getrandom(&c, sizeof(c), 0) != sizeof(c))
			c = 0;
		c &= PCR_COOKIE_MASK;
	} while (!pcr_cookie_valid(c));
	return c;
}

/* Reservations take general counters (pcr_rules.h rule 5): those of the
 * PMU's counters that are not cycles-only. 0: not known. */
__u32 resv_general_counters(const struct pcrw_veto_cfg *c)
{
	return c->nr_cycles_only < c->nr_counters
		       ? c->nr_counters - c->nr_cycles_only
		       : 0;
}

/*
 * Place @spec among the reservations @all (@n of them, @skip_policy: leave
 * out those a policy made): check capacity on each CPU and choose slots.
 */
/* The general counters among the module's held slots @m: those below the
 * PMU's count (all general ones while it is not known). */
static __u32 module_counters(__u64 m, __u32 nr_counters)
{
	__u32 n = nr_counters && nr_counters < PCR_FIXED_SLOT0
			  ? nr_counters
			  : PCR_FIXED_SLOT0;

	return __builtin_popcountll(m & ((1ULL << n) - 1));
}

int resv_choose_slots(const struct resv_spec *spec, const struct pcrw_resv *all,
		      size_t n, bool skip_policy, __u32 nr_counters,
		      const __u64 *held, __u64 *slots, char *err, size_t len)
{
	__u64 used = 0;
	__u32 cpu, sum, k;
	size_t i;

	for (cpu = 0; cpu < PCRW_MAX_CPUS; cpu++) {
		if (!((spec->cpus[cpu / 64] >> (cpu % 64)) & 1))
			continue;
		sum = 0;
		if (held && held[cpu]) {
			if (resv_whole_pmu(spec->nr_counters)) {
				snprintf(err, len,
					 "CPU %u: the pcr_arbiter module holds "
					 "slot %d there",
					 cpu, __builtin_ctzll(held[cpu]));
				return -EBUSY;
			}
			used |= held[cpu];
			sum = module_counters(held[cpu], nr_counters);
		}
		for (i = 0; i < n; i++) {
			if (skip_policy && (all[i].flags & PCRW_RESV_F_POLICY))
				continue;
			if (!resv_has_cpu(&all[i], cpu))
				continue;
			if (resv_whole_pmu(all[i].nr_counters) ||
			    resv_whole_pmu(spec->nr_counters)) {
				snprintf(err, len,
					 "CPU %u: reservation %llu already "
					 "holds counters there",
					 cpu, (unsigned long long)all[i].id);
				return -EBUSY;
			}
			sum += all[i].nr_counters;
			used |= all[i].slot_mask;
		}
		if (!resv_whole_pmu(spec->nr_counters) && nr_counters &&
		    sum + spec->nr_counters > nr_counters) {
			snprintf(err, len,
				 "CPU %u: %u of %u general counters are "
				 "unreserved, %u asked for",
				 cpu, nr_counters - sum, nr_counters,
				 spec->nr_counters);
			return -EBUSY;
		}
	}
	if (resv_whole_pmu(spec->nr_counters)) {
		*slots = ~0ULL;
		return 0;
	}
	*slots = 0;
	for (k = 0, cpu = 0; cpu < 32 && k < spec->nr_counters; cpu++)
		if (!((used >> cpu) & 1) &&
		    (!nr_counters || cpu < nr_counters)) {
			*slots |= 1ULL << cpu;
			k++;
		}
	if (k < spec->nr_counters) {
		snprintf(err, len, "no free counter slots left");
		return -EBUSY;
	}
	return 0;
}

__u64 resv_next_id(const struct pcrw_resv *all, size_t n)
{
	__u64 id = 0;
	size_t i;

	for (i = 0; i < n; i++)
		if (all[i].id > id)
			id = all[i].id;
	return id + 1;
}

/* Make a reservation from @spec (rule 1, then 2a): @mgmt is what the map
 * keeps for the management cookie, its tag (cookie.h), never the cookie;
 * the access cookie is fresh and never leaves the map: the vetoes present
 * it for a task that matches a grant (pcr_presented_cookie). */
void resv_make(struct pcrw_resv *r, const struct resv_spec *spec, __u64 id,
	       __u64 slots, __u64 mgmt, __u32 flags)
{
	memset(r, 0, sizeof(*r));
	r->id = id;
	pcr_slot_reset(&r->regs);
	pcr_claim(&r->regs, mgmt);
	pcr_set_access(&r->regs, mgmt, resv_random_cookie());
	pcr_set_control(&r->regs, mgmt, spec->control);
	memcpy(r->cpus, spec->cpus, sizeof(r->cpus));
	r->slot_mask = slots;
	r->nr_counters = spec->nr_counters;
	r->nr_grants = spec->nr_grants;
	memcpy(r->grants, spec->grants, sizeof(r->grants));
	r->created_s = time(NULL);
	r->flags = flags;
	snprintf(r->label, sizeof(r->label), "%s", spec->label);
}
