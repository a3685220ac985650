// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer target for the rulebook's quotas and floors
 * (include/pcr_rules.h): the input is a PMU size, a quota (up to four caps
 * on principals or layers, a floor) and a run of reservations on two CPUs,
 * each admitted as reserve admits one: only if no cap and not the floor
 * refuses it on any of its CPUs, the reservation included. After each
 * step, any break aborts:
 *  - the admitted reservations, recounted from scratch, keep every cap and
 *    the floor on every CPU (a greedy principal never gets past its cap);
 *  - a whole-PMU reservation uses every counter, and one of unknown size
 *    is never admitted under a cap that binds it, nor any under a floor;
 *  - each verdict agrees with a plain reference of its rule.
 */
#include <stdint.h>
#include <stdlib.h>

#include "pcr_rules.h"
#include "fuzz_reader.h"

#define NR_CPUS 2
#define MAX_CAPS 4
#define MAX_RESV 16

struct resv {
	__u32 cpus; /* bit per CPU */
	__u32 control; /* layers admitted (pcr_rules.h control bits) */
	__u32 counters;
	__u32 nr_grants;
	struct pcr_principal grants[2];
};

struct state {
	__u32 nr_counters, nr_general, floor, nr_caps, nr;
	struct pcr_cap caps[MAX_CAPS];
	struct resv r[MAX_RESV];
};

static void check(int cond)
{
	if (!cond)
		abort();
}

/* One of seven principals: three uids, both layers, two VMs. */
static struct pcr_principal pick_principal(struct reader *r)
{
	__u8 v = take8(r) % 7;

	if (v < 3)
		return (struct pcr_principal){ .kind = PCR_PRINC_UID, .id = v };
	if (v < 5)
		return (struct pcr_principal){
			.kind = PCR_PRINC_LAYER,
			.id = v == 3 ? PCR_LAYER_KERNEL : PCR_LAYER_HYPERVISOR
		};
	return (struct pcr_principal){ .kind = PCR_PRINC_VM,
				       .id = 9,
				       .start = v };
}

static __u64 cap_use(const struct state *s, const struct pcr_cap *c, __u32 cpu,
		     __u32 upto)
{
	__u64 use = 0;
	__u32 i;

	for (i = 0; i < upto; i++)
		if ((s->r[i].cpus >> cpu & 1) &&
		    pcr_cap_applies(c, s->r[i].control, s->r[i].grants,
				    s->r[i].nr_grants))
			use += pcr_quota_use(s->r[i].counters, s->nr_counters);
	return use;
}

static __u64 reserved(const struct state *s, __u32 cpu, __u32 upto, int *whole)
{
	__u64 sum = 0;
	__u32 i;

	*whole = 0;
	for (i = 0; i < upto; i++) {
		if (!(s->r[i].cpus >> cpu & 1))
			continue;
		if (s->r[i].counters == PCR_RESV_WHOLE_PMU)
			*whole = 1;
		else
			sum += s->r[i].counters;
	}
	return sum;
}

/* Does the quota admit the first @upto reservations, on every CPU? */
static int admits(const struct state *s, __u32 upto)
{
	enum pcr_quota_verdict v;
	__u32 cpu, i;
	__u64 use, sum;
	int whole;

	for (cpu = 0; cpu < NR_CPUS; cpu++) {
		sum = reserved(s, cpu, upto, &whole);
		v = pcr_floor_check(s->floor, s->nr_general, sum, whole);
		check((v == PCR_QUOTA_OK) ==
		      (!s->floor || (!sum && !whole) ||
		       (s->nr_general && !whole &&
			sum + s->floor <= s->nr_general)));
		check(v != PCR_QUOTA_UNKNOWN_SIZE || !s->nr_general);
		if (v != PCR_QUOTA_OK)
			return 0;
		for (i = 0; i < s->nr_caps; i++) {
			use = cap_use(s, &s->caps[i], cpu, upto);
			v = pcr_cap_check(&s->caps[i], use);
			check((v == PCR_QUOTA_OK) ==
			      (use <= s->caps[i].counters));
			check((v == PCR_QUOTA_UNKNOWN_SIZE) ==
			      (use >= PCR_QUOTA_UNKNOWN));
			if (v != PCR_QUOTA_OK)
				return 0;
		}
	}
	return 1;
}

static void read_quota(struct reader *in, struct state *s)
{
	__u32 i;

	s->nr_counters = take8(in) % 9; /* 0: not known */
	s->nr_general = s->nr_counters - (s->nr_counters && take8(in) & 1);
	s->floor = take8(in) % 4;
	s->nr_caps = take8(in) % (MAX_CAPS + 1);
	for (i = 0; i < s->nr_caps; i++) {
		s->caps[i].counters = take8(in) % 10;
		if (take8(in) & 1) {
			s->caps[i].kind = PCR_CAP_LAYER;
			s->caps[i].layer = 1 + take8(in) % 3;
		} else {
			s->caps[i].kind = PCR_CAP_PRINCIPAL;
			s->caps[i].who = pick_principal(in);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct reader in = { data, size };
	struct state s = { 0 };
	struct resv *n;
	__u8 c;

	read_quota(&in, &s);
	while (in.n && s.nr < MAX_RESV) {
		n = &s.r[s.nr];
		n->cpus = 1 + take8(&in) % 3;
		c = take8(&in) % 6;
		n->counters = c ? c : PCR_RESV_WHOLE_PMU;
		n->nr_grants = 1 + (take8(&in) & 1);
		n->grants[0] = pick_principal(&in);
		n->grants[1] = pick_principal(&in);
		n->control = take8(&in) & PCR_CTL_VALID_MASK;
		check(pcr_quota_use(n->counters, s.nr_counters) ==
		      (c	       ? c
		       : s.nr_counters ? s.nr_counters
				       : PCR_QUOTA_UNKNOWN));
		if (admits(&s, s.nr + 1))
			s.nr++;
		else
			*n = (struct resv){ 0 };
		/* What was admitted keeps the quota, recounted. */
		check(admits(&s, s.nr));
		check(!s.nr || s.nr_general || !s.floor);
	}
	return 0;
}
