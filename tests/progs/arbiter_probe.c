// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * arbiter_probe - run pcrwatch's arbiter source (user/model/arbiter_source.c,
 * compiled in unchanged) against the live module and print what it
 * collects: one line per reservation as first added (later CPUs merge into
 * it; their cpu mask is in the summary), then the notes. Exit 0, or 1 with
 * the source's error.
 */
#include <stdarg.h>
#include <stdlib.h>

#include "../../user/groups/arbiter_device.c"
#include "../../user/model/arbiter_source.c"
#include "../../user/groups/possible_cpus.c"

static struct model probe_model;

/* The source adds reservations only: a record would be a defect. */
int model_add(struct model *m, const struct owner_record *r)
{
	printf("record cpu=%d slot=%d path=%u\n", r->cpu, r->slot, r->path);
	m->nr_recs++;
	return 0;
}

int model_add_resv(struct model *m, const struct model_resv *r)
{
	static struct model_resv all[64];

	printf("resv id=%llu source=%u cpus0=0x%llx slots=0x%llx "
	       "principal=%u:%llu label=%s flags=0x%x control=0x%x\n",
	       (unsigned long long)r->id, r->source,
	       (unsigned long long)r->cpus[0], (unsigned long long)r->slot_mask,
	       r->principals[0].kind, (unsigned long long)r->principals[0].id,
	       r->label[0] ? r->label : "-", r->module_flags, r->control);
	if (m->nr_resv == 64)
		return -ENOMEM;
	all[m->nr_resv++] = *r;
	m->resv = all; /* the source merges CPUs into what it added */
	return 0;
}

void model_note(struct model *m, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	printf("note: ");
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
	m->nr_notes++;
}

int main(void)
{
	int err = arbiter_source_collect(&probe_model);
	size_t i;

	for (i = 0; i < probe_model.nr_resv; i++)
		printf("merged id=%llu cpus0=0x%llx\n",
		       (unsigned long long)probe_model.resv[i].id,
		       (unsigned long long)probe_model.resv[i].cpus[0]);
	printf("records=%zu reservations=%zu present=%d\n", probe_model.nr_recs,
	       probe_model.nr_resv, arbiter_module_present());
	if (err)
		printf("error: %s\n", strerror(-err));
	return err ? 1 : 0;
}
