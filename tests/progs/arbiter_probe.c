// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * arbiter_probe - run pcrwatch's arbiter source (user/arbiter_source.c,
 * compiled in unchanged) against the live module and print what it
 * collects: one line per owner record, then the notes. Exit 0, or 1 with
 * the source's error.
 */
#include <stdarg.h>
#include <stdlib.h>

#include "../../user/arbiter_source.c"

static struct model probe_model;

int model_add(struct model *m, const struct owner_record *r)
{
	printf("record cpu=%d slot=%d path=%u layer=%u tgid=%u comm=%s "
	       "event=\"%s\" control=0x%llx resv=%llu\n",
	       r->cpu, r->slot, r->path, r->owner.layer, r->owner.tgid,
	       r->owner.comm[0] ? r->owner.comm : "-", r->event,
	       (unsigned long long)r->config,
	       (unsigned long long)r->reservation_id);
	m->nr_recs++;
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

	printf("records=%zu present=%d\n", probe_model.nr_recs,
	       arbiter_module_present());
	if (err)
		printf("error: %s\n", strerror(-err));
	return err ? 1 : 0;
}
