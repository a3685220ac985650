// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * who_rows.c - the text rows of `pcrwatch who`. On a machine of hundreds
 * of CPUs most rows repeat but for their CPU (the NMI watchdog's cycle
 * counter, `perf stat -a`'s events): rows whose every other column is the
 * same are printed once, their CPUs as a list ("0-383,385"). Rows keep
 * the model's order, a group at its first row; --per-cpu prints them all.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "names.h"
#include "sanitize.h"
#include "who.h"
#include "who_rows.h"

/* Every column of @r but its CPU. */
static char *row_rest(const struct owner_record *r)
{
	char owner[48], slot[8], idx[8], flags[8], mux[16], resv[48] = "";
	char text[sizeof(r->event) + 1];
	char *s = NULL;

	who_owner_label(r, owner, sizeof(owner));
	who_flags(r, flags, sizeof(flags));
	who_slot_label(r->slot, slot, sizeof(slot));
	who_slot_label(r->hw_idx, idx, sizeof(idx));
	who_mux_label(r, mux, sizeof(mux));
	if (r->reservation_id)
		snprintf(resv, sizeof(resv), "resv %llu%s",
			 (unsigned long long)r->reservation_id,
			 r->holder ? " (holder)" : "");
	if (asprintf(&s,
		     "%-4s %-4s %-12s %-24s %-20s %-8s %-6s %-4s %s%s%s%s%s",
		     slot, idx, who_layer(r), owner,
		     san_term(text, sizeof(text), r->event, sizeof(r->event)),
		     state_name(r->state), mux, flags,
		     who_never_ran(r) ? "never-ran " : "",
		     r->pinned ? "pinned " : "",
		     r->exclusive ? "exclusive " : "",
		     r->conflicts ? "CONFLICT " : "", resv) < 0)
		return NULL;
	return s;
}

struct row {
	char *rest;
	size_t rec; /* its record's index: the model's order */
	int cpu; /* -1: a per-task event, never merged */
};

/* What prints: a row, or a group of rows, at its first record. */
struct line {
	size_t rec;
	char *cpus; /* "task", "5", "0-383,385" */
	const char *rest;
};

/* Same columns together, per-task events last, then by CPU. */
static int by_rest(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	int c = strcmp(x->rest, y->rest);

	if (c)
		return c;
	if (x->cpu != y->cpu)
		return x->cpu < 0 ? 1 : y->cpu < 0 ? -1 : x->cpu - y->cpu;
	return (x->rec > y->rec) - (x->rec < y->rec);
}

static int by_rec(const void *a, const void *b)
{
	const struct line *x = a, *y = b;

	return (x->rec > y->rec) - (x->rec < y->rec);
}

static bool same_group(const struct row *a, const struct row *b)
{
	return a->cpu >= 0 && b->cpu >= 0 && !strcmp(a->rest, b->rest);
}

/* Rows [i, end) of one group, CPUs ascending, as "0-3,8"; its first
 * record in @first. NULL when out of memory. */
static char *cpu_list(const struct row *rows, size_t i, size_t end,
		      size_t *first)
{
	char *buf = NULL;
	size_t j, len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	*first = rows[i].rec;
	if (rows[i].cpu < 0)
		fputs("task", f);
	while (i < end && rows[i].cpu >= 0) {
		for (j = i; j + 1 < end && rows[j + 1].cpu == rows[j].cpu + 1;)
			j++;
		fprintf(f, "%s%d", ftell(f) ? "," : "", rows[i].cpu);
		if (j > i)
			fprintf(f, "-%d", rows[j].cpu);
		for (; i <= j; i++)
			if (rows[i].rec < *first)
				*first = rows[i].rec;
	}
	if (fclose(f)) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* @rows sorted by by_rest (or by record, per CPU): one line a group. */
static size_t make_lines(const struct row *rows, size_t n, bool per_cpu,
			 struct line *lines)
{
	size_t i = 0, end, nl = 0;

	while (i < n) {
		for (end = i + 1;
		     !per_cpu && end < n && same_group(&rows[i], &rows[end]);)
			end++;
		lines[nl].rest = rows[i].rest;
		lines[nl].cpus = cpu_list(rows, i, end, &lines[nl].rec);
		if (!lines[nl++].cpus)
			return SIZE_MAX;
		i = end;
	}
	return nl;
}

int who_print_rows(const struct model *m, const struct who_filter *f,
		   bool per_cpu)
{
	struct row *rows = calloc(m->nr_recs + 1, sizeof(*rows));
	struct line *lines = calloc(m->nr_recs + 1, sizeof(*lines));
	size_t i, n = 0, nl = 0;
	int width = 4;

	for (i = 0; rows && lines && i < m->nr_recs; i++) {
		const struct owner_record *r = &m->recs[i];

		if (!who_filter_match(f, r))
			continue;
		rows[n] = (struct row){ row_rest(r), i,
					r->task_scope ? -1 : r->cpu };
		if (!rows[n++].rest)
			goto out;
	}
	if (!rows || !lines)
		goto out;
	if (!per_cpu)
		qsort(rows, n, sizeof(*rows), by_rest);
	nl = make_lines(rows, n, per_cpu, lines);
	if (nl == SIZE_MAX)
		goto out;
	qsort(lines, nl, sizeof(*lines), by_rec);
	/* Wide enough for "0-383,385-767"; a longer list overflows its
	 * column rather than push every row right. */
	for (i = 0; i < nl; i++)
		if ((int)strlen(lines[i].cpus) > width)
			width = (int)strlen(lines[i].cpus);
	if (width > 13)
		width = 13;
	printf("%-*s %-4s %-4s %-12s %-24s %-20s %-8s %-6s %-4s %s\n", width,
	       "CPU", "SLOT", "IDX", "LAYER", "OWNER", "EVENT", "STATE", "RUN",
	       "FLAG", "NOTES");
	for (i = 0; i < nl; i++)
		printf("%-*s %s\n", width, lines[i].cpus, lines[i].rest);
out:
	for (i = 0; lines && i < m->nr_recs + 1; i++)
		free(lines[i].cpus);
	for (i = 0; rows && i < n; i++)
		free(rows[i].rest);
	free(lines);
	free(rows);
	return nl == SIZE_MAX || !rows || !lines ? -1 : (int)n;
}
