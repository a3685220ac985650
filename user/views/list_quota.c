// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * pcrwatch list's quota lines and its "quota" JSON object: each cap of the
 * policy with the most counters it binds on any CPU, and the floor with
 * the fewest general counters left unreserved on any CPU.
 */
#include <stdio.h>
#include <string.h>

#include "list_quota.h"
#include "names.h"
#include "resv_cmd.h"
#include "resv_store.h"
#include "resv_text.h"
#include "map_size.h"

/* A value over the CPUs and the CPUs that have it. */
struct quota_peak {
	__u64 value;
	__u64 cpus[PCRW_CPU_WORDS];
};

static void peak_take(struct quota_peak *p, __u32 cpu, __u64 v, bool most)
{
	if (cpu == 0 || (most ? v > p->value : v < p->value)) {
		p->value = v;
		memset(p->cpus, 0, sizeof(p->cpus));
	}
	if (v == p->value)
		p->cpus[cpu / 64] |= 1ULL << (cpu % 64);
}

/* The most counters cap @c binds on one CPU. */
static void cap_peak(const struct pcr_cap *c, const struct pcrw_veto_cfg *cfg,
		     const struct pcrw_resv *set, size_t n,
		     struct quota_peak *p)
{
	int cpu, nr = pcrw_possible_cpus();

	for (cpu = 0; cpu < nr; cpu++)
		peak_take(p, cpu,
			  quota_cap_use(c, cfg->nr_counters, set, n, cpu),
			  true);
}

/* The fewest general counters left unreserved on one CPU. */
static void free_low(const struct pcrw_veto_cfg *cfg,
		     const struct pcrw_resv *set, size_t n,
		     struct quota_peak *p)
{
	int cpu, nr = pcrw_possible_cpus(), whole_pmu;
	__u64 reserved;

	for (cpu = 0; cpu < nr; cpu++)
		peak_take(p, cpu,
			  quota_free(resv_general_counters(cfg), set, n, cpu,
				     &reserved, &whole_pmu),
			  false);
}

static void cap_target(const struct pcr_cap *c, char *buf, size_t len)
{
	if (c->kind == PCR_CAP_LAYER)
		snprintf(buf, len, "%s", layer_name(c->layer));
	else
		resv_format_principal(&c->who, buf, len);
}

void list_quota_text(const struct pcrw_quota *q,
		     const struct pcrw_veto_cfg *cfg,
		     const struct pcrw_resv *set, size_t n)
{
	struct quota_peak p = { 0 };
	char name[96], cpus[PCRW_CPULIST_LEN];
	__u32 i;

	if (!q->nr_caps && !q->floor) {
		printf("quota: none (the policy sets no cap and no floor)\n");
		return;
	}
	printf("quota (from the policy):\n");
	if (q->floor) {
		free_low(cfg, set, n, &p);
		resv_format_cpus(p.cpus, cpus, sizeof(cpus));
		if (resv_general_counters(cfg))
			printf("  floor counters=%u: fewest unreserved %llu of "
			       "%u general (CPU %s)\n",
			       q->floor, (unsigned long long)p.value,
			       resv_general_counters(cfg), cpus);
		else
			printf("  floor counters=%u: unreserved unknown "
			       "(counters "
			       "per CPU not known: reservations refused)\n",
			       q->floor);
	}
	for (i = 0; i < q->nr_caps && i < PCRW_MAX_CAPS; i++) {
		memset(&p, 0, sizeof(p));
		cap_peak(&q->caps[i], cfg, set, n, &p);
		quota_format_cap(&q->caps[i], name, sizeof(name));
		resv_format_cpus(p.cpus, cpus, sizeof(cpus));
		if (p.value >= PCR_QUOTA_UNKNOWN)
			printf("  %s: used every counter, number unknown (CPU "
			       "%s)\n",
			       name, cpus);
		else
			printf("  %s: used %llu (CPU %s)\n", name,
			       (unsigned long long)p.value,
			       p.value ? cpus : "none");
	}
}

void list_quota_json(struct json *j, const struct pcrw_quota *q,
		     const struct pcrw_veto_cfg *cfg,
		     const struct pcrw_resv *set, size_t n)
{
	struct quota_peak p = { 0 };
	char buf[128], cpus[PCRW_CPULIST_LEN];
	__u32 i;

	json_object_begin(j, "quota");
	json_u64(j, "floor", q->floor);
	free_low(cfg, set, n, &p);
	resv_format_cpus(p.cpus, cpus, sizeof(cpus));
	if (resv_general_counters(cfg))
		json_u64(j, "fewest_free", p.value);
	else
		json_null(j, "fewest_free");
	json_str(j, "fewest_free_cpus",
		 resv_general_counters(cfg) ? cpus : "none");
	json_array_begin(j, "caps");
	for (i = 0; i < q->nr_caps && i < PCRW_MAX_CAPS; i++) {
		memset(&p, 0, sizeof(p));
		cap_peak(&q->caps[i], cfg, set, n, &p);
		json_object_begin(j, NULL);
		json_str(j, "kind",
			 q->caps[i].kind == PCR_CAP_LAYER ? "layer"
							  : "principal");
		cap_target(&q->caps[i], buf, sizeof(buf));
		json_str(j, "target", buf);
		json_u64(j, "counters", q->caps[i].counters);
		if (p.value >= PCR_QUOTA_UNKNOWN)
			json_null(j, "used");
		else
			json_u64(j, "used", p.value);
		resv_format_cpus(p.cpus, cpus, sizeof(cpus));
		json_str(j, "used_cpus", p.value ? cpus : "none");
		json_object_end(j);
	}
	json_array_end(j);
	json_object_end(j);
}
