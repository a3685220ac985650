// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * pcrwatch list: the reservations (pcrwatch's, then the pcr_arbiter
 * module's holds: user/views/list_module.c), the veto mode, the counters per
 * CPU and the charges of rule 5 (text; --json is user/views/list_json.c). Shows
 * no cookie.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "pcrwatch.h"
#include "policy_pending.h"
#include "pin.h"
#include "list_json.h"
#include "list_module.h"
#include "list_quota.h"
#include "resv_cmd.h"
#include "resv_store.h"
#include "resv_text.h"
#include "sanitize.h"
#include "veto.h"

static int list_usage(FILE *f, int rc)
{
	fprintf(f, "Usage: pcrwatch list [--json]\n"
		   "List reservations in force (never their cookies).\n\n"
		   "  -j, --json   one JSON document: "
		   "{\"reservations\":[...],...}\n");
	return rc;
}

static int list_args(int argc, char **argv, bool *json)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;

	*json = false;
	while ((opt = pcrw_getopt("list", argc, argv, "jh", opts)) != -1) {
		if (opt == 'j')
			*json = true;
		else if (opt == 'h')
			return list_usage(stdout, PCRW_EXIT_OK);
		else
			return PCRW_EXIT_USAGE;
	}
	if (optind < argc)
		return pcrw_usage_error("list", "unexpected argument '%s'",
					argv[optind]);
	return -1;
}

static const char *mode_name(__u32 mode)
{
	switch (mode) {
	case PCRW_VETO_ENFORCE:
		return "enforce";
	case PCRW_VETO_AUDIT:
		return "audit";
	case PCRW_VETO_SIGNAL:
		return "signal";
	default:
		return "?";
	}
}

/* The charge words of rule 5: general+cycles demand of admitted events of
 * restricted tasks, per CPU where any, and per task. */
static void print_charges(const struct pcrw_veto_cfg *cfg)
{
	__u32 k, nr = cfg->nr_cpus;
	__u64 v;
	int fd;

	fd = pcrw_obj_get(PCRW_GROUP_VETO, "hw_charge");
	printf("events charged (general+cycles):");
	for (k = 0; fd >= 0 && k < nr; k++)
		if (bpf_map_lookup_elem(fd, &k, &v) == 0 && v)
			printf(" cpu%u=%u+%u", k, pcr_charge_general(v),
			       pcr_charge_cycles(v));
	k = nr; /* the per-task pool, after the CPUs */
	if (fd >= 0 && bpf_map_lookup_elem(fd, &k, &v) == 0)
		printf(" per-task=%u+%u", pcr_charge_general(v),
		       pcr_charge_cycles(v));
	printf("\n");
	if (fd >= 0)
		close(fd);
}

/* Grants of @r whose process has exited, for list. */
/* The policy lines that wait for their cgroup
 * (user/reservations/policy_pending.h). */
static void print_pending(void)
{
	char policy[200], cgroup[256], text[256];
	struct policy_pending *p;
	size_t n, i;

	if (policy_pending_read(&p, &n) || !n)
		return;
	printf("waiting for their cgroup (not in force):\n");
	for (i = 0; i < n; i++)
		printf("  %s:%d: %s (%s does not exist yet)\n",
		       san_term(policy, sizeof(policy), p[i].policy,
				sizeof(p[i].policy)),
		       p[i].line,
		       san_term(text, sizeof(text), p[i].text,
				sizeof(p[i].text)),
		       san_term(cgroup, sizeof(cgroup), p[i].cgroup,
				sizeof(p[i].cgroup)));
	free(p);
}

static void print_expired(const struct pcrw_resv *r)
{
	__u32 j;

	for (j = 0; j < r->nr_grants && j < PCRW_MAX_GRANTS; j++)
		if (resv_principal_expired(&r->grants[j]))
			printf("     pid:%llu: expired (process exited): "
			       "matches no one\n",
			       (unsigned long long)r->grants[j].id);
}

/* One reservation's line under list_header(), and its expiry. */
static void print_row(const struct pcrw_resv *r)
{
	char cpus[PCRW_CPULIST_LEN], who[160], cnt[16], slots[24], layers[32];
	size_t off;
	__u32 j;

	resv_format_cpus(r->cpus, cpus, sizeof(cpus));
	if (resv_whole_pmu(r->nr_counters)) {
		snprintf(cnt, sizeof(cnt), "all");
		snprintf(slots, sizeof(slots), "all");
	} else {
		snprintf(cnt, sizeof(cnt), "%u", r->nr_counters);
		snprintf(slots, sizeof(slots), "0x%llx",
			 (unsigned long long)r->slot_mask);
	}
	san_term(who, sizeof(who), r->label, sizeof(r->label));
	/* the other principals after the label, as many as fit whole */
	for (j = 1; j < r->nr_grants; j++) {
		off = strlen(who);
		if (off + 2 >= sizeof(who))
			break;
		who[off] = ',';
		resv_format_principal(&r->grants[j], who + off + 1,
				      sizeof(who) - off - 1);
	}
	if (!r->nr_grants)
		snprintf(who, sizeof(who), "nobody");
	resv_format_layers(r->regs.control, layers, sizeof(layers));
	printf("%-4llu %-10s %-9s %-12s %-6s %-22s %-7llu %s%s\n",
	       (unsigned long long)r->id, cpus, cnt, slots,
	       r->regs.control & PCR_CTL_DIRECT_MSR ? "yes" : "no", layers,
	       (unsigned long long)resv_store_vetoes(r->id), who,
	       r->flags & PCRW_RESV_F_POLICY ? " (policy)" : "");
	print_expired(r);
}

int cmd_list(int argc, char **argv)
{
	struct pcrw_resv *all = NULL;
	struct pcrw_veto_cfg cfg;
	struct pcrw_quota q;
	char state[160];
	size_t n = 0, i;
	bool json;
	int rc;

	rc = list_args(argc, argv, &json);
	if (rc >= 0)
		return rc;
	if (json)
		return list_json();
	veto_describe(state, sizeof(state));
	rc = resv_store_open(false);
	if (rc == -ENOENT) {
		if (!list_module_text(true))
			printf("no reservations\n");
		print_pending();
		printf("%s\n", state);
		return PCRW_EXIT_OK;
	}
	if (rc)
		return resv_store_error("list", rc);
	if (resv_store_get_cfg(&cfg))
		memset(&cfg, 0, sizeof(cfg));
	rc = resv_load_all(&all, &n);
	if (rc)
		return resv_store_error("list", rc);
	list_header();
	for (i = 0; i < n; i++)
		print_row(&all[i]);
	if (!list_module_text(false) && !n)
		printf("(no reservations)\n");
	print_pending();
	printf("%s; mode %s; %u counters per CPU%s\n", state,
	       mode_name(cfg.mode), cfg.nr_counters,
	       cfg.nr_counters ? "" : " (unknown: fail closed)");
	if (cfg.nr_counters)
		printf("  %u general (reservable), %u cycles-only\n",
		       resv_general_counters(&cfg), cfg.nr_cycles_only);
	print_charges(&cfg);
	if (resv_store_get_quota(&q))
		printf("quota: cannot be read\n");
	else
		list_quota_text(&q, &cfg, all, n);
	printf("vetoes %llu, audited %llu\n",
	       (unsigned long long)resv_store_total(PCRW_EV_VETO),
	       (unsigned long long)resv_store_total(PCRW_EV_AUDIT));
	free(all);
	return PCRW_EXIT_OK;
}
