// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * pcrwatch list --json (docs/JSON.md,
 * docs/schema/list.json): every reservation in force, never a cookie.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "messages.h"
#include "list_json.h"
#include "list_module.h"
#include "list_quota.h"
#include "json.h"
#include "resv_cmd.h"
#include "resv_store.h"
#include "resv_text.h"
#include "veto.h"
#include "policy_pending.h"

static void resv_json(struct json *j, const struct pcrw_resv *r, __u64 vetoes)
{
	char buf[160], cpus[PCRW_CPULIST_LEN];
	__u32 i;

	json_object_begin(j, NULL);
	json_u64(j, "id", r->id);
	resv_format_cpus(r->cpus, cpus, sizeof(cpus));
	json_str(j, "cpus", cpus);
	json_bool(j, "whole_pmu", r->nr_counters == PCR_RESV_WHOLE_PMU);
	json_u64(j, "counters",
		 r->nr_counters == PCR_RESV_WHOLE_PMU ? 0 : r->nr_counters);
	json_hex(j, "slot_mask", r->slot_mask);
	json_bool(j, "direct_msr", r->regs.control & PCR_CTL_DIRECT_MSR);
	resv_format_layers(r->regs.control, buf, sizeof(buf));
	json_str(j, "layers", buf);
	json_u64(j, "vetoes", vetoes);
	json_strn(j, "label", r->label, sizeof(r->label));
	json_array_begin(j, "principals");
	for (i = 0; i < r->nr_grants && i < PCRW_MAX_GRANTS; i++) {
		resv_format_principal(&r->grants[i], buf, sizeof(buf));
		json_str(j, NULL, buf);
	}
	json_array_end(j);
	json_bool(j, "from_policy", r->flags & PCRW_RESV_F_POLICY);
	json_u64(j, "created_s", r->created_s);
	json_object_end(j);
}

/* "pending": the policy lines waiting for their cgroup. */
static void pending_json(struct json *j)
{
	struct policy_pending *p = NULL;
	size_t n = 0, i;

	policy_pending_read(&p, &n);
	json_array_begin(j, "pending");
	for (i = 0; i < n; i++) {
		json_object_begin(j, NULL);
		json_str(j, "policy", p[i].policy);
		json_i64(j, "line", p[i].line);
		json_str(j, "statement", p[i].text);
		json_str(j, "cgroup", p[i].cgroup);
		json_object_end(j);
	}
	json_array_end(j);
	free(p);
}

int list_json(void)
{
	struct pcrw_resv *all = NULL;
	struct pcrw_veto_cfg cfg;
	struct pcrw_quota q;
	char state[160];
	size_t n = 0, i;
	struct json j;
	int err;

	veto_describe(state, sizeof(state));
	memset(&cfg, 0, sizeof(cfg));
	memset(&q, 0, sizeof(q));
	err = resv_store_open(false);
	if (!err && resv_store_get_cfg(&cfg))
		memset(&cfg, 0, sizeof(cfg));
	if (!err)
		err = resv_store_get_quota(&q);
	if (!err)
		err = resv_load_all(&all, &n);
	if (err && err != -ENOENT) {
		pcrw_err("list: %s", strerror(-err));
		return PCRW_EXIT_ERROR;
	}
	json_init(&j, stdout);
	json_object_begin(&j, NULL);
	json_array_begin(&j, "reservations");
	for (i = 0; i < n; i++)
		resv_json(&j, &all[i], resv_store_vetoes(all[i].id));
	json_array_end(&j);
	list_module_json(&j);
	json_str(&j, "vetoes_state", state);
	list_quota_json(&j, &q, &cfg, all, n);
	pending_json(&j);
	json_object_end(&j);
	fputc('\n', stdout);
	free(all);
	return PCRW_EXIT_OK;
}
