// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The ownership model's record list and notes: plain memory, no kernel
 * access, so the unit tests link this file as it is. model.c collects.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

void model_init(struct model *m)
{
	memset(m, 0, sizeof(*m));
}

void model_free(struct model *m)
{
	free(m->recs);
	model_init(m);
}

void model_clear(struct model *m)
{
	struct owner_record *recs = m->recs;
	size_t cap = m->cap_recs;
	bool sw = m->include_software;

	memset(m, 0, sizeof(*m));
	m->recs = recs;
	m->cap_recs = cap;
	m->include_software = sw;
}

int model_add(struct model *m, const struct owner_record *r)
{
	struct owner_record *grown;
	size_t cap;

	if (m->nr_recs == m->cap_recs) {
		cap = m->cap_recs ? m->cap_recs * 2 : 64;
		grown = realloc(m->recs, cap * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		m->recs = grown;
		m->cap_recs = cap;
	}
	m->recs[m->nr_recs++] = *r;
	return 0;
}

void model_note(struct model *m, const char *fmt, ...)
{
	va_list ap;
	int i;

	/* The same degradation reported twice (two sources) is said once. */
	char line[sizeof(m->notes[0])];

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	for (i = 0; i < m->nr_notes; i++)
		if (!strcmp(m->notes[i], line))
			return;
	if (m->nr_notes < MODEL_MAX_NOTES)
		memcpy(m->notes[m->nr_notes++], line, sizeof(line));
}
