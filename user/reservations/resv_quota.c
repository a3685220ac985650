// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The policy's quota: caps and a floor on reservations (include/pcr_rules.h
 * "Quotas and floors"). Their policy statements, the check every command
 * that makes or changes a reservation runs on the state it would leave,
 * and the use against each cap that list shows.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "messages.h"
#include "names.h"
#include "resv_cmd.h"
#include "resv_store.h"
#include "resv_text.h"

/* "K" of counters=K: 0 to PCR_QUOTA_MAX. */
static int parse_limit(const char *tok, __u32 *v, char *err, size_t len)
{
	char *end;
	unsigned long n;

	if (strncmp(tok, "counters=", 9))
		goto bad;
	errno = 0;
	n = strtoul(tok + 9, &end, 10);
	if (errno || *end || end == tok + 9 || tok[9] == '-' ||
	    n > PCR_QUOTA_MAX)
		goto bad;
	*v = n;
	return 0;
bad:
	snprintf(err, len, "'%.32s': expected counters=0-%d", tok,
		 PCR_QUOTA_MAX);
	return -EINVAL;
}

/* user, kernel or hypervisor: the layers a reservation can be for. */
static int parse_layer(const char *s, __u32 *layer)
{
	static const __u32 layers[] = { PCR_LAYER_USER, PCR_LAYER_KERNEL,
					PCR_LAYER_HYPERVISOR };
	size_t i;

	for (i = 0; i < sizeof(layers) / sizeof(layers[0]); i++)
		if (!strcmp(s, layer_name(layers[i]))) {
			*layer = layers[i];
			return 0;
		}
	return -EINVAL;
}

/* Is @c a cap on what an earlier cap of @q already caps? */
static bool cap_twice(const struct pcrw_quota *q, const struct pcr_cap *c)
{
	__u32 i;

	for (i = 0; i < q->nr_caps; i++)
		if (q->caps[i].kind == c->kind &&
		    (c->kind == PCR_CAP_LAYER
			     ? q->caps[i].layer == c->layer
			     : pcr_principal_same(&q->caps[i].who, &c->who)))
			return true;
	return false;
}

/* "for=PRINCIPAL" or "layer=NAME" into @c. */
static int parse_target(const char *tok, struct pcr_cap *c, char *err,
			size_t len)
{
	if (!strncmp(tok, "for=", 4)) {
		c->kind = PCR_CAP_PRINCIPAL;
		return resv_parse_principal(tok + 4, &c->who, err, len);
	}
	if (!strncmp(tok, "layer=", 6)) {
		c->kind = PCR_CAP_LAYER;
		if (!parse_layer(tok + 6, &c->layer))
			return 0;
	}
	snprintf(err, len,
		 "'%.40s': a cap is for=PRINCIPAL or layer=user|kernel|"
		 "hypervisor",
		 tok);
	return -EINVAL;
}

int quota_parse_statement(const char *word, char **save, struct pcrw_quota *q,
			  char *err, size_t len)
{
	char *a = strtok_r(NULL, " \t", save), *b = NULL, *extra = NULL;
	struct pcr_cap c = { 0 };

	if (a)
		b = strtok_r(NULL, " \t", save);
	if (b)
		extra = strtok_r(NULL, " \t", save);
	if (!strcmp(word, "floor")) {
		if (!a || b) {
			snprintf(err, len, "expected 'floor counters=F'");
			return -EINVAL;
		}
		if (q->floor) {
			snprintf(err, len, "a second floor");
			return -EINVAL;
		}
		return parse_limit(a, &q->floor, err, len);
	}
	if (!a || !b || extra) {
		snprintf(err, len,
			 "expected 'cap for=PRINCIPAL|layer=LAYER "
			 "counters=K'");
		return -EINVAL;
	}
	if (parse_target(a, &c, err, len) ||
	    parse_limit(b, &c.counters, err, len))
		return -EINVAL;
	if (cap_twice(q, &c)) {
		snprintf(err, len, "a second cap %.40s", a);
		return -EINVAL;
	}
	if (q->nr_caps >= PCRW_MAX_CAPS) {
		snprintf(err, len, "more than %d caps", PCRW_MAX_CAPS);
		return -EINVAL;
	}
	q->caps[q->nr_caps++] = c;
	return 0;
}

void quota_format_cap(const struct pcr_cap *c, char *buf, size_t len)
{
	char who[64];

	if (c->kind == PCR_CAP_LAYER) {
		snprintf(buf, len, "cap layer=%s counters=%u",
			 layer_name(c->layer), c->counters);
		return;
	}
	resv_format_principal(&c->who, who, sizeof(who));
	snprintf(buf, len, "cap for=%s counters=%u", who, c->counters);
}

__u64 quota_cap_use(const struct pcr_cap *c, __u32 nr_counters,
		    const struct pcrw_resv *set, size_t n, __u32 cpu)
{
	__u64 use = 0;
	size_t i;

	for (i = 0; i < n; i++)
		if (resv_has_cpu(&set[i], cpu) &&
		    pcr_cap_applies(c, set[i].regs.control, set[i].grants,
				    set[i].nr_grants < PCRW_MAX_GRANTS
					    ? set[i].nr_grants
					    : PCRW_MAX_GRANTS))
			use += pcr_quota_use(set[i].nr_counters, nr_counters);
	return use;
}

__u32 quota_free(__u32 nr_general, const struct pcrw_resv *set, size_t n,
		 __u32 cpu, __u64 *reserved, int *whole_pmu)
{
	size_t i;

	*reserved = 0;
	*whole_pmu = 0;
	for (i = 0; i < n; i++) {
		if (!resv_has_cpu(&set[i], cpu))
			continue;
		if (resv_whole_pmu(set[i].nr_counters))
			*whole_pmu = 1;
		else
			*reserved += set[i].nr_counters;
	}
	return pcr_quota_free(nr_general, *reserved, *whole_pmu);
}

/* The floor on @cpu: 0, or -EDQUOT with why in @err. */
static int check_floor(__u32 floor, __u32 nr_general,
		       const struct pcrw_resv *set, size_t n, __u32 cpu,
		       char *err, size_t len)
{
	__u64 reserved;
	int whole_pmu;
	__u32 left = quota_free(nr_general, set, n, cpu, &reserved, &whole_pmu);

	switch (pcr_floor_check(floor, nr_general, reserved, whole_pmu)) {
	case PCR_QUOTA_OK:
		return 0;
	case PCR_QUOTA_UNKNOWN_SIZE:
		snprintf(err, len,
			 "floor counters=%u: the counters per CPU are not "
			 "known, so the floor cannot be kept (fail closed)",
			 floor);
		break;
	default:
		snprintf(err, len,
			 "floor counters=%u: CPU %u would keep %u of %u "
			 "general counters unreserved",
			 floor, cpu, left, nr_general);
	}
	return -EDQUOT;
}

/* Cap @c on @cpu: 0, or -EDQUOT with why in @err. */
static int check_cap(const struct pcr_cap *c, __u32 nr_counters,
		     const struct pcrw_resv *set, size_t n, __u32 cpu,
		     char *err, size_t len)
{
	__u64 use = quota_cap_use(c, nr_counters, set, n, cpu);
	char name[96], who[64];

	quota_format_cap(c, name, sizeof(name));
	if (c->kind == PCR_CAP_LAYER)
		snprintf(who, sizeof(who), "the %s layer",
			 layer_name(c->layer));
	else
		resv_format_principal(&c->who, who, sizeof(who));
	switch (pcr_cap_check(c, use)) {
	case PCR_QUOTA_OK:
		return 0;
	case PCR_QUOTA_UNKNOWN_SIZE:
		snprintf(err, len,
			 "%s: a whole-PMU reservation for %s on CPU %u counts "
			 "as every counter, and the counters per CPU are not "
			 "known (fail closed)",
			 name, who, cpu);
		break;
	default:
		snprintf(err, len,
			 "%s: CPU %u would have %llu counter(s) reserved for "
			 "%s",
			 name, cpu, (unsigned long long)use, who);
	}
	return -EDQUOT;
}

int quota_check(const struct pcrw_quota *q, const struct pcrw_veto_cfg *cfg,
		const struct pcrw_resv *set, size_t n,
		const struct pcrw_resv *changed, char *err, size_t len)
{
	__u32 cpu, i;

	for (cpu = 0; cpu < PCRW_MAX_CPUS; cpu++) {
		if (changed && !resv_has_cpu(changed, cpu))
			continue;
		if (check_floor(q->floor, resv_general_counters(cfg), set, n,
				cpu, err, len))
			return -EDQUOT;
		for (i = 0; i < q->nr_caps && i < PCRW_MAX_CAPS; i++)
			if (check_cap(&q->caps[i], cfg->nr_counters, set, n,
				      cpu, err, len))
				return -EDQUOT;
	}
	return 0;
}

int quota_admit(const char *cmd, const struct pcrw_veto_cfg *cfg,
		const struct pcrw_resv *set, size_t n,
		const struct pcrw_resv *changed)
{
	struct pcrw_quota q;
	char err[ERRLEN + 64];
	int rc = resv_store_get_quota(&q);

	if (rc) {
		pcrw_err("%s: cannot read the policy's quota (%s): nothing "
			 "changed",
			 cmd, strerror(-rc));
		return PCRW_EXIT_ERROR;
	}
	if (!quota_check(&q, cfg, set, n, changed, err, sizeof(err)))
		return PCRW_EXIT_OK;
	pcrw_err("%s: refused by the policy's quota: %s; nothing changed", cmd,
		 err);
	return PCRW_EXIT_ERROR;
}
