// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The reservation source of the ownership model: every reservation in
 * force, as a struct model_resv beside the records. A reserved counter
 * nobody uses is not a record: it is neither waiting nor owned by anyone.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "resv_store.h"
#include "veto.h"

static void to_model_resv(struct model_resv *out, const struct pcrw_resv *in)
{
	memset(out, 0, sizeof(*out));
	out->id = in->id;
	memcpy(out->label, in->label, sizeof(out->label));
	out->label[sizeof(out->label) - 1] = 0;
	out->nr_principals = in->nr_grants < PCRW_MAX_GRANTS ? in->nr_grants
							     : PCRW_MAX_GRANTS;
	memcpy(out->principals, in->grants, sizeof(out->principals));
	memcpy(out->cpus, in->cpus, sizeof(out->cpus));
	out->slot_mask = in->slot_mask;
	out->whole_pmu = in->nr_counters == PCR_RESV_WHOLE_PMU;
}

int resv_source_collect(struct model *m)
{
	struct pcrw_resv *all = NULL;
	struct model_resv r;
	char state[160];
	size_t n = 0, i;
	int err;

	err = resv_store_open(false);
	if (err == -ENOENT)
		return 0; /* nothing ever reserved: nothing to say */
	if (err) {
		model_note(m, "reservations: cannot read them (%s)",
			   strerror(-err));
		return err;
	}
	err = resv_load_all(&all, &n);
	if (err)
		return err;
	veto_describe(state, sizeof(state));
	model_note(m, "reservations: %zu in force; %s", n, state);
	for (i = 0; i < n && !err; i++) {
		to_model_resv(&r, &all[i]);
		err = model_add_resv(m, &r);
	}
	free(all);
	return err;
}
