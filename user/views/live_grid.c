// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The live grid's layout, shared by the ncurses and text views: a row per
 * CPU, a column per counter slot, each cell the active record on that
 * counter or the reservation holding it free; records that want a counter
 * and have none (model_waiting) count as "waiting" on their row.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "live.h"
#include "names.h"
#include "sanitize.h"
#include "who.h"

static const char *const sort_names[LIVE_NR_SORTS] = {
	[LIVE_SORT_CPU] = "cpu",
	[LIVE_SORT_BUSY] = "busy",
	[LIVE_SORT_CONFLICTS] = "conflicts",
	[LIVE_SORT_MUX] = "mux",
};

const char *live_sort_name(enum live_sort s)
{
	return (unsigned int)s < LIVE_NR_SORTS ? sort_names[s] : "cpu";
}

int live_sort_parse(const char *s)
{
	int i;

	for (i = 0; i < LIVE_NR_SORTS; i++)
		if (!strcmp(s, sort_names[i]))
			return i;
	return -1;
}

char live_layer_letter(const struct owner_record *r)
{
	if (!r->attributed)
		return '?';
	if (owner_is_none(r->path, &r->owner))
		return '-';
	switch (r->owner.layer) {
	case PCR_LAYER_FIRMWARE:
		return 'F';
	case PCR_LAYER_HYPERVISOR:
		return 'H';
	case PCR_LAYER_KERNEL:
		return 'K';
	case PCR_LAYER_USER:
		return 'U';
	case PCR_LAYER_UNKNOWN:
		return '-';
	default:
		return '?';
	}
}

void live_grid_cell_text(const struct live_row *row, int col, char *buf,
			 size_t len)
{
	if (row->cell[col])
		live_cell_text(row->cell[col], buf, len);
	else if (row->resv[col]) {
		char name[32];

		who_resv_short(row->resv[col], name, sizeof(name));
		snprintf(buf, len, "R free %s", name);
	} else
		snprintf(buf, len, "-");
}

void live_mux_text(const struct live_row *row, char *buf, size_t len)
{
	if (row->mux < 0)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%.2f", row->mux);
}

void live_cpu_text(const struct live_row *row, char *buf, size_t len)
{
	if (row->cpu == LIVE_TASK_ROW)
		snprintf(buf, len, "task");
	else if (row->cpu_last > row->cpu)
		snprintf(buf, len, "%d-%d", row->cpu, row->cpu_last);
	else
		snprintf(buf, len, "%d", row->cpu);
}

void live_cell_text(const struct owner_record *r, char *buf, size_t len)
{
	char owner[48], flags[4], event[sizeof(r->event) + 1];

	if (!r) {
		snprintf(buf, len, "-");
		return;
	}
	who_owner_label(r, owner, sizeof(owner));
	who_flags(r, flags, sizeof(flags));
	/* Flags right after the layer letter: a narrow cell cuts the end. */
	san_term(event, sizeof(event), r->event, sizeof(r->event));
	snprintf(buf, len, "%c%s %s %s", live_layer_letter(r), flags, owner,
		 event[0] ? event : "?");
}

void live_grid_init(struct live_grid *g)
{
	memset(g, 0, sizeof(*g));
}

void live_grid_free(struct live_grid *g)
{
	free(g->rows);
	live_grid_init(g);
}

static bool contains(const char *hay, const char *needle)
{
	return strcasestr(hay, needle) != NULL;
}

static bool record_matches(const struct owner_record *r, const char *filter)
{
	char owner[48];

	if (!filter[0])
		return true;
	who_owner_label(r, owner, sizeof(owner));
	return contains(owner, filter) || contains(r->event, filter) ||
	       contains(layer_name(r->owner.layer), filter) ||
	       contains(r->pmu, filter) || contains(path_name(r->path), filter);
}

static int column_of(struct live_grid *g, int idx)
{
	int c;

	for (c = 0; c < g->ncols; c++)
		if (g->col_idx[c] == idx)
			return c;
	return -1;
}

static void add_column(struct live_grid *g, int idx)
{
	int c;

	if (idx < 0 || column_of(g, idx) >= 0 || g->ncols == LIVE_MAX_COLS)
		return;
	/* Keep the columns in counter order. */
	for (c = g->ncols; c > 0 && g->col_idx[c - 1] > idx; c--)
		g->col_idx[c] = g->col_idx[c - 1];
	g->col_idx[c] = idx;
	g->ncols++;
}

/* Known counters are columns even when free: general counter i is slot i;
 * the arm64 cycle counter slot 31, x86 fixed counter j slot 32 + j. */
static void add_known_columns(struct live_grid *g, const struct model *m)
{
	size_t k;
	int c, s;

	if (m->pmu.present) {
		for (c = 0; c < m->pmu.nr_gp && c < LIVE_MAX_COLS; c++)
			add_column(g, c);
		for (c = 0; c < m->pmu.nr_fixed; c++) {
			bool arm = !strncmp(m->pmu.name, "armv", 4);

			add_column(g, arm ? 31 : 32 + c);
			if (arm)
				break;
		}
	}
	for (k = 0; k < m->nr_resv; k++)
		for (s = 0; s < 64 && !m->resv[k].whole_pmu; s++)
			if ((m->resv[k].slot_mask >> s) & 1)
				add_column(g, s);
}

/* Reserved counters of each row: counted, and kept for free cells. */
static void mark_reserved(struct live_grid *g, const struct model *m, int ncpu)
{
	int r, c;

	for (r = 0; r < ncpu; r++) {
		struct live_row *row = &g->rows[r];

		for (c = 0; c < g->ncols; c++) {
			row->resv[c] =
				model_resv_at(m, row->cpu, g->col_idx[c]);
			if (row->resv[c])
				row->reserved++;
		}
	}
}

static enum live_sort cmp_sort;

/* A row with no ratio sorts as one never multiplexed. */
static double live_mux_key(const struct live_row *row)
{
	return row->mux < 0 ? 1.0 : row->mux;
}

static int row_cmp(const void *pa, const void *pb)
{
	const struct live_row *a = pa, *b = pb;

	/* The task row stays last whatever the order. */
	if ((a->cpu == LIVE_TASK_ROW) != (b->cpu == LIVE_TASK_ROW))
		return a->cpu == LIVE_TASK_ROW ? 1 : -1;
	switch (cmp_sort) {
	case LIVE_SORT_BUSY:
		if (a->held + a->waiting != b->held + b->waiting)
			return (b->held + b->waiting) - (a->held + a->waiting);
		break;
	case LIVE_SORT_CONFLICTS:
		if (a->conflicts != b->conflicts)
			return a->conflicts < b->conflicts ? 1 : -1;
		break;
	case LIVE_SORT_MUX:
		if (live_mux_key(a) != live_mux_key(b))
			return live_mux_key(a) < live_mux_key(b) ? -1 : 1;
		break;
	default:
		break;
	}
	return a->cpu - b->cpu;
}

/* Do two rows read the same: every cell, MUX, WAIT and conflicts? */
static bool same_row(const struct live_grid *g, const struct live_row *a,
		     const struct live_row *b)
{
	char x[96], y[96];
	int c;

	if (a->waiting != b->waiting || a->conflicts != b->conflicts ||
	    a->held != b->held || a->reserved != b->reserved)
		return false;
	live_mux_text(a, x, sizeof(x));
	live_mux_text(b, y, sizeof(y));
	if (strcmp(x, y))
		return false;
	for (c = 0; c < g->ncols; c++) {
		live_grid_cell_text(a, c, x, sizeof(x));
		live_grid_cell_text(b, c, y, sizeof(y));
		if (strcmp(x, y))
			return false;
	}
	return true;
}

/* Rows in CPU order: a run of neighbouring CPUs that read the same
 * becomes one row, "0-383" (the NMI watchdog, `perf stat -a`). */
static void merge_rows(struct live_grid *g)
{
	int r, out = 0;

	for (r = 0; r < g->nrows; r++) {
		struct live_row *last = out ? &g->rows[out - 1] : NULL;
		const struct live_row *row = &g->rows[r];

		if (last && row->cpu != LIVE_TASK_ROW &&
		    last->cpu != LIVE_TASK_ROW &&
		    row->cpu == last->cpu_last + 1 && same_row(g, last, row)) {
			last->cpu_last = row->cpu;
			continue;
		}
		if (out != r)
			g->rows[out] = *row;
		out++;
	}
	g->nrows = out;
}

/* What a row gathers from its records before its MUX and filter are
 * known. */
struct row_acc {
	double run, ena; /* the records' running and enabled times */
	bool match; /* a record matches the filter */
	bool untimed; /* an active record not timed yet */
};

/* @nrows rows, cleared: one for each CPU, the last the task row. */
static int grid_rows(struct live_grid *g, int nrows, int ncpu)
{
	int r;

	if ((size_t)nrows > g->cap_rows) {
		struct live_row *grown =
			realloc(g->rows, nrows * sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		g->rows = grown;
		g->cap_rows = (size_t)nrows;
	}
	memset(g->rows, 0, nrows * sizeof(*g->rows));
	for (r = 0; r < nrows; r++)
		g->rows[r].cpu = g->rows[r].cpu_last =
			r < ncpu ? r : LIVE_TASK_ROW;
	return 0;
}

/* Each record into its CPU's row (a task's into the task row): its cell,
 * or a wait when the counter is taken or it has none. */
static void fill_rows(struct live_grid *g, const struct model *m,
		      const struct live_opts *o, struct row_acc *acc, int ncpu)
{
	size_t i;
	int r, c;

	for (i = 0; i < m->nr_recs; i++) {
		const struct owner_record *rec = &m->recs[i];
		struct live_row *row;

		r = rec->cpu >= 0 ? rec->cpu : ncpu;
		row = &g->rows[r];
		if (record_matches(rec, o->filter))
			acc[r].match = true;
		row->conflicts += rec->conflicts;
		/* MUX speaks for what ran or could run (model_settle); an
		 * active record not yet timed counts as never multiplexed. */
		acc[r].run += (double)rec->mux_running;
		acc[r].ena += (double)rec->mux_enabled;
		if (rec->state == SLOT_ACTIVE && !rec->mux_enabled)
			acc[r].untimed = true;
		c = rec->state == SLOT_ACTIVE ? column_of(g, who_counter(rec))
					      : -1;
		if (c >= 0 && !row->cell[c]) {
			row->cell[c] = rec;
			row->held++;
		} else if (c >= 0 || model_waiting(rec)) {
			row->waiting++; /* two on one counter: one waits */
		}
	}
}

/* Whether @row stays in view under @o's filters; an idle CPU left out
 * is counted in g->idle_cpus. */
static bool row_shown(struct live_grid *g, const struct live_row *row,
		      const struct row_acc *acc, const struct live_opts *o,
		      bool keep_idle, bool task_row)
{
	bool empty = !row->held && !row->waiting && !row->reserved;

	if (row->cpu == LIVE_TASK_ROW && !task_row)
		return false;
	if (o->by_cpu && (row->cpu == LIVE_TASK_ROW ||
			  !((o->cpus[row->cpu / 64] >> (row->cpu % 64)) & 1)))
		return false;
	if (empty) {
		if (keep_idle && !o->filter[0] && !o->conflicts_only)
			return true;
		if (row->cpu != LIVE_TASK_ROW)
			g->idle_cpus++;
		return false;
	}
	return (acc->match || !o->filter[0]) &&
	       (!o->conflicts_only || row->conflicts);
}

int live_grid_build(struct live_grid *g, const struct model *m,
		    const struct live_opts *o, bool keep_idle)
{
	int ncpu = m->nr_cpus > 0 ? m->nr_cpus : 1, nrows, r, out;
	struct row_acc *acc;
	bool task_row = false;
	size_t i;

	g->m = m;
	g->ncols = 0;
	g->nrows = 0;
	g->idle_cpus = 0;
	for (i = 0; i < m->nr_recs; i++) {
		if (m->recs[i].cpu >= ncpu)
			ncpu = m->recs[i].cpu + 1;
		if (m->recs[i].cpu < 0)
			task_row = true;
	}
	add_known_columns(g, m);
	for (i = 0; i < m->nr_recs; i++)
		if (m->recs[i].state == SLOT_ACTIVE)
			add_column(g, who_counter(&m->recs[i]));

	nrows = ncpu + 1; /* slot ncpu is the task row */
	acc = calloc((size_t)nrows, sizeof(*acc));
	if (!acc || grid_rows(g, nrows, ncpu)) {
		free(acc);
		return -ENOMEM;
	}
	fill_rows(g, m, o, acc, ncpu);
	mark_reserved(g, m, ncpu);

	/* Filter in place, then sort. */
	for (r = 0, out = 0; r < nrows; r++) {
		struct live_row *row = &g->rows[r];

		row->mux = acc[r].ena > 0   ? acc[r].run / acc[r].ena
			   : acc[r].untimed ? 1.0
					    : LIVE_NO_MUX;
		if (!row_shown(g, row, &acc[r], o, keep_idle, task_row))
			continue;
		if (out != r)
			g->rows[out] = *row;
		out++;
	}
	free(acc);
	g->nrows = out;
	if (o->per_cpu == 0 || (o->per_cpu < 0 && ncpu > LIVE_PER_CPU_MAX))
		merge_rows(g);
	cmp_sort = o->sort;
	qsort(g->rows, (size_t)g->nrows, sizeof(*g->rows), row_cmp);
	return 0;
}
