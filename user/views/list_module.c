// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * `list`'s rows for the slots the pcr_arbiter module holds for someone
 * (pcr_rules.h rule 7): reservations the vetoes and `reserve` honour like
 * pcrwatch's own, one per slot and holder over the CPUs it is held alike,
 * as `who` shows them (user/model/arbiter_source.c). The module's management of
 * the OS's slots for the OS holds nothing, and is not listed here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arbiter.h"
#include "json.h"
#include "list_module.h"
#include "model.h"
#include "resv_cmd.h"
#include "resv_store.h"
#include "resv_text.h"
#include "sanitize.h"
#include "who.h"

/* The module's reservations that hold a slot, into @m (empty without the
 * module). */
static void module_holds(struct model *m)
{
	size_t i, k = 0;

	model_init(m);
	if (arbiter_source_collect(m))
		m->nr_resv = 0; /* cannot be read: list says so in its notes */
	for (i = 0; i < m->nr_resv; i++) {
		const struct model_resv *r = &m->resv[i];
		__u32 tgid = r->principals[0].kind == PCR_PRINC_PID
				     ? (__u32)r->principals[0].id
				     : 0;

		if (pcr_module_slot_held(r->module_flags, tgid))
			m->resv[k++] = *r;
	}
	m->nr_resv = k;
}

/* The vetoes by @r: counted per CPU of the refused write, summed here. */
static __u64 module_vetoes(const struct model_resv *r)
{
	__u64 n = 0;
	__u32 cpu;

	for (cpu = 0; cpu < PCRW_MAX_CPUS; cpu++)
		if ((r->cpus[cpu / 64] >> (cpu % 64)) & 1)
			n += resv_store_vetoes(PCRW_MODULE_RESV_ID(
				cpu, __builtin_ctzll(r->slot_mask)));
	return n;
}

static void holder_of(const struct model_resv *r, char *buf, size_t len)
{
	char label[PCRW_LABEL_LEN], who[64], state[64];

	resv_format_principal(&r->principals[0], who, sizeof(who));
	san_term(label, sizeof(label), r->label, sizeof(r->label));
	who_resv_module_state(r, state, sizeof(state));
	snprintf(buf, len, "%s (module: %s, %s)", who, label, state);
}

void list_header(void)
{
	printf("%-4s %-10s %-9s %-12s %-6s %-22s %-7s %s\n", "ID", "CPUS",
	       "COUNTERS", "SLOTS", "MSR", "LAYERS", "VETOES", "GRANTED TO");
}

size_t list_module_text(bool header)
{
	char cpus[PCRW_CPULIST_LEN], layers[32], slots[24], who[256];
	struct model m;
	size_t i, n;

	module_holds(&m);
	if (header && m.nr_resv)
		list_header();
	for (i = 0; i < m.nr_resv; i++) {
		const struct model_resv *r = &m.resv[i];

		resv_format_cpus(r->cpus, cpus, sizeof(cpus));
		snprintf(slots, sizeof(slots), "0x%llx",
			 (unsigned long long)r->slot_mask);
		resv_format_layers(r->control, layers, sizeof(layers));
		holder_of(r, who, sizeof(who));
		printf("%-4llu %-10s %-9u %-12s %-6s %-22s %-7llu %s\n",
		       (unsigned long long)r->id, cpus,
		       (unsigned int)__builtin_popcountll(r->slot_mask), slots,
		       r->control & PCR_CTL_DIRECT_MSR ? "yes" : "no", layers,
		       (unsigned long long)module_vetoes(r), who);
	}
	n = m.nr_resv;
	model_free(&m);
	return n;
}

void list_module_json(struct json *j)
{
	char buf[224], cpus[PCRW_CPULIST_LEN];
	struct model m;
	size_t i;

	module_holds(&m);
	json_array_begin(j, "module_reservations");
	for (i = 0; i < m.nr_resv; i++) {
		const struct model_resv *r = &m.resv[i];

		json_object_begin(j, NULL);
		json_u64(j, "id", r->id);
		resv_format_cpus(r->cpus, cpus, sizeof(cpus));
		json_str(j, "cpus", cpus);
		json_hex(j, "slot_mask", r->slot_mask);
		json_bool(j, "direct_msr", r->control & PCR_CTL_DIRECT_MSR);
		resv_format_layers(r->control, buf, sizeof(buf));
		json_str(j, "layers", buf);
		json_u64(j, "vetoes", module_vetoes(r));
		json_strn(j, "label", r->label, sizeof(r->label));
		resv_format_principal(&r->principals[0], buf, sizeof(buf));
		json_str(j, "holder", buf);
		who_resv_module_state(r, buf, sizeof(buf));
		json_str(j, "module_state", buf);
		json_object_end(j);
	}
	json_array_end(j);
	model_free(&m);
}
