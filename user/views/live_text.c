// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The live view when stdout is not a terminal (a pipe, a log, a guest's
 * serial console): the same grid as plain text, one block per refresh,
 * flushed at once. Sleeps between refreshes; --iterations bounds it.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "live.h"
#include "place_format.h"
#include "names.h"
#include "sanitize.h"

#define CELL_MAX 40

static void sleep_seconds(double s)
{
	struct timespec ts;

	ts.tv_sec = (time_t)s;
	ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static void print_events(FILE *f, const struct model *m)
{
	__u32 k;

	fprintf(f, "events:");
	for (k = 1; k < PCRW_NR_EVENT_KINDS; k++)
		if (m->events_by_kind[k])
			fprintf(f, " %s %llu", event_kind_name(k),
				(unsigned long long)m->events_by_kind[k]);
	fprintf(f, " lost %llu\n", (unsigned long long)m->events_lost);
}

static void print_block(FILE *f, const struct live_grid *g,
			const struct live_opts *o, int err)
{
	const struct model *m = g->m;
	int width[LIVE_MAX_COLS], r, c, n;
	char cell[CELL_MAX + 1], stamp[16], head[16], cpu[24], mux[16];
	int cw = 5;
	char text[sizeof(m->notes[0])];
	time_t now = time(NULL);
	struct tm tm;

	localtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%H:%M:%S", &tm);
	fprintf(f, "== pcrwatch %s  ", stamp);
	if (m->pmu.present)
		fprintf(f, "PMU %s (type %d)",
			san_term(text, sizeof(text), m->pmu.name,
				 sizeof(m->pmu.name)),
			m->pmu.type);
	else
		fprintf(f, "no hardware PMU");
	fprintf(f, "  %d CPUs  sort %s%s%s%s\n", m->nr_cpus,
		live_sort_name(o->sort), o->filter[0] ? "  filter " : "",
		san_term(text, sizeof(text), o->filter, sizeof(o->filter)),
		o->conflicts_only ? "  conflicts only" : "");
	if (err)
		fprintf(f, "model: %s\n", strerror(-err));

	for (c = 0; c < g->ncols; c++) {
		width[c] = snprintf(head, sizeof(head), "ctr%d", g->col_idx[c]);
		for (r = 0; r < g->nrows; r++) {
			live_grid_cell_text(&g->rows[r], c, cell, sizeof(cell));
			n = (int)strlen(cell);
			if (n > width[c])
				width[c] = n;
		}
	}
	for (r = 0; r < g->nrows; r++) {
		live_cpu_text(&g->rows[r], cpu, sizeof(cpu));
		if ((int)strlen(cpu) > cw)
			cw = (int)strlen(cpu);
	}
	fprintf(f, "%-*s %-5s %-4s", cw, "CPU", "MUX", "WAIT");
	for (c = 0; c < g->ncols; c++) {
		snprintf(head, sizeof(head), "ctr%d", g->col_idx[c]);
		fprintf(f, "  %-*s", c + 1 < g->ncols ? width[c] : 0, head);
	}
	fputc('\n', f);
	for (r = 0; r < g->nrows; r++) {
		const struct live_row *row = &g->rows[r];

		live_cpu_text(row, cpu, sizeof(cpu));
		live_mux_text(row, mux, sizeof(mux));
		fprintf(f, "%-*s %-5s %-4d", cw, cpu, mux, row->waiting);
		for (c = 0; c < g->ncols; c++) {
			live_grid_cell_text(row, c, cell, sizeof(cell));
			fprintf(f, "  %-*s", c + 1 < g->ncols ? width[c] : 0,
				cell);
		}
		fputc('\n', f);
	}
	if (!g->nrows && (o->filter[0] || o->conflicts_only))
		fprintf(f, "(no hardware counter is in use that matches)\n");
	else if (!g->nrows && m->nr_notes)
		fprintf(f, "(no hardware counter user seen: see the notes)\n");
	else if (!g->nrows)
		fprintf(f, "(no hardware counter is in use)\n");
	if (g->idle_cpus)
		fprintf(f, "(%d CPUs with no counter in use not shown)\n",
			g->idle_cpus);
	print_events(f, m);
	fprintf(f, "legend: U user, K kernel, H hypervisor, F firmware, "
		   "? unattributed, - none; ! conflict, R reserved, ~ "
		   "multiplexed; "
		   "WAIT: events that want a counter and have none\n");
	place_print_lines(f, m);
	for (n = 0; n < m->nr_notes; n++)
		fprintf(f, "note: %s\n",
			san_term(text, sizeof(text), m->notes[n],
				 sizeof(m->notes[n])));
	fputc('\n', f);
	fflush(f);
}

int live_text_run(struct model *m, const struct live_opts *o)
{
	struct live_grid g;
	long i;
	int err = 0, last = 0;

	live_grid_init(&g);
	for (i = 0; !o->iterations || i < o->iterations; i++) {
		if (i)
			sleep_seconds(o->interval);
		last = model_collect(m);
		err = live_grid_build(&g, m, o, o->all_cpus);
		if (err)
			break;
		print_block(stdout, &g, o, last);
		if (ferror(stdout)) {
			err = -EPIPE;
			break;
		}
	}
	live_grid_free(&g);
	return err ? err : last;
}
