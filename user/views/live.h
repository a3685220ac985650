/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * live.h - `pcrwatch` with no arguments: the live grid of CPUs x counters.
 * live_grid.c lays the model out as rows (one per CPU, plus one for
 * task-scoped events with no CPU) and columns (counter indices); the
 * ncurses view (live_curses.c) and the plain text view (live_text.c, when
 * stdout is not a terminal) both draw that grid.
 */
#ifndef PCRW_LIVE_H
#define PCRW_LIVE_H

#include <stdbool.h>
#include <stdio.h>

#include "model.h"

#define LIVE_MAX_COLS 64
#define LIVE_TASK_ROW -1 /* the row of task-scoped events (cpu -1) */

enum live_sort {
	LIVE_SORT_CPU = 0, /* CPU number */
	LIVE_SORT_BUSY, /* most counters held first */
	LIVE_SORT_CONFLICTS, /* most clobbers first */
	LIVE_SORT_MUX, /* most multiplexed (lowest run ratio) first */
	LIVE_NR_SORTS,
};

struct live_row {
	int cpu; /* or LIVE_TASK_ROW */
	int cpu_last; /* the last CPU of a merged range: cpu when alone */
	const struct owner_record *cell[LIVE_MAX_COLS]; /* active, by column */
	const struct model_resv
		*resv[LIVE_MAX_COLS]; /* reservation, by column */
	int held; /* cells in use */
	int waiting; /* records that want a counter and have none (WAIT) */
	int reserved; /* reserved counters on this CPU */
	unsigned int conflicts;
	double mux; /* sum running / sum enabled of what ran or could run
		     * (mux_running, mux_enabled); LIVE_NO_MUX when none */
};

#define LIVE_NO_MUX (-1.0)

struct live_opts {
	double interval; /* seconds between refreshes */
	long iterations; /* 0: until stopped */
	enum live_sort sort;
	char filter[64]; /* substring of owner, event or layer; "" none */
	bool conflicts_only;
	bool all_cpus; /* text mode: list idle CPUs too */
	bool by_cpu; /* only the CPUs in @cpus (--cpu LIST) */
	__u64 cpus[PCRW_CPU_WORDS];
	int per_cpu; /* 1 a row per CPU, 0 merge identical neighbours, -1
		      * merge past LIVE_PER_CPU_MAX CPUs */
};

/* Up to this many CPUs the grid has a row per CPU unless told otherwise;
 * past it, neighbouring CPUs whose rows read the same share one. */
#define LIVE_PER_CPU_MAX 16

struct live_grid {
	const struct model *m;
	int ncols;
	int col_idx[LIVE_MAX_COLS]; /* slot of each column (ARCHITECTURE.md) */
	int nrows; /* rows after filter and sort */
	int idle_cpus; /* CPUs left out: nothing on them */
	struct live_row *rows;
	size_t cap_rows;
};

void live_grid_init(struct live_grid *g);
void live_grid_free(struct live_grid *g);
/* Lay @m out; @keep_idle keeps CPUs with nothing on them as rows. */
int live_grid_build(struct live_grid *g, const struct model *m,
		    const struct live_opts *o, bool keep_idle);

const char *live_sort_name(enum live_sort s);
int live_sort_parse(const char *s); /* -1 if unknown */
/* One letter per layer: F firmware, H hypervisor, K kernel, U user,
 * ? unattributed, - none. */
char live_layer_letter(const struct owner_record *r);
/* The text of one cell: layer letter, flags ('!' conflict, 'R' reserved,
 * '~' multiplexed), owner, event: "U!~ perf[1007] cycles". "-" when free. */
void live_cell_text(const struct owner_record *r, char *buf, size_t len);
/* A cell of the grid: its record's text, "R free resv N" for a reserved
 * counter nobody uses, "-" for a free one. */
void live_grid_cell_text(const struct live_row *row, int col, char *buf,
			 size_t len);

/* A row's MUX: "0.93", or "-" when nothing on it ran or could run. */
void live_mux_text(const struct live_row *row, char *buf, size_t len);
/* A row's CPU column: "5", "0-383" for a merged range, "task". */
void live_cpu_text(const struct live_row *row, char *buf, size_t len);

int live_text_run(struct model *m, const struct live_opts *o);
int live_curses_run(struct model *m, const struct live_opts *o);

#endif
