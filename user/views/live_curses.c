// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The full-screen live grid (ncurses): a title line, a summary line, the
 * grid of CPUs x counters (scrolls both ways, so 2 CPUs and 256 fit the
 * same way), a detail pane with every record of the selected CPU, notes,
 * and a key line. Waits for a key or the next refresh, never spins.
 */
#include <curses.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "live.h"
#include "place_format.h"
#include "names.h"
#include "sanitize.h"
#include "who.h"

enum {
	PAIR_CONFLICT = 1,
	PAIR_RESERVED,
	PAIR_MUX,
	PAIR_KERNEL,
	PAIR_TITLE,
};

struct ui {
	struct live_opts o;
	struct model *m;
	struct live_grid g;
	int err;
	bool frozen;
	bool help;
	int sel; /* selected row */
	int sel_cpu; /* its CPU, kept across refreshes */
	int top; /* first row shown */
	int left; /* first column shown */
	int grid_h; /* rows of grid on screen */
	char updated[16];
};

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	stop_requested = sig;
}

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void move_sel(struct ui *u, int delta)
{
	u->sel += delta;
	if (u->sel >= u->g.nrows)
		u->sel = u->g.nrows - 1;
	if (u->sel < 0)
		u->sel = 0;
	if (u->g.nrows)
		u->sel_cpu = u->g.rows[u->sel].cpu;
}

static void select_cpu(struct ui *u)
{
	int r;

	for (r = 0; r < u->g.nrows; r++)
		if (u->g.rows[r].cpu == u->sel_cpu) {
			u->sel = r;
			return;
		}
	move_sel(u, 0);
}

/* Rebuild the grid from the model as it is (after a key changed the
 * sort or filter) or after reading it afresh. */
static void rebuild(struct ui *u, bool collect)
{
	time_t now;
	struct tm tm;
	int err;

	if (collect) {
		u->err = model_collect(u->m);
		now = time(NULL);
		localtime_r(&now, &tm);
		strftime(u->updated, sizeof(u->updated), "%H:%M:%S", &tm);
	}
	err = live_grid_build(&u->g, u->m, &u->o, true);
	if (err)
		u->err = err;
	select_cpu(u);
}

static int cell_attr(const struct owner_record *r)
{
	bool colour = has_colors();
	double mux;

	if (!r)
		return A_DIM;
	if (r->conflicts)
		return A_BOLD |
		       (colour ? COLOR_PAIR(PAIR_CONFLICT) : A_REVERSE);
	if (r->reservation_id)
		return colour ? COLOR_PAIR(PAIR_RESERVED) : A_UNDERLINE;
	if (model_mux_ratio(r, &mux) && mux < 0.999)
		return colour ? COLOR_PAIR(PAIR_MUX) : A_NORMAL;
	if (r->owner.layer == PCR_LAYER_KERNEL)
		return colour ? COLOR_PAIR(PAIR_KERNEL) : A_NORMAL;
	return A_NORMAL;
}

static int cell_width(const struct ui *u)
{
	int w = u->g.ncols ? (COLS - 23) / u->g.ncols : 20;

	if (w < 14)
		w = 14;
	if (w > 30)
		w = 30;
	return w;
}

static void draw_title(struct ui *u)
{
	const struct model *m = u->m;
	char pmu[64], name[sizeof(m->pmu.name) + 1],
		filter[sizeof(u->o.filter)];

	if (m->pmu.present)
		snprintf(pmu, sizeof(pmu), "PMU %s (type %d)",
			 san_term(name, sizeof(name), m->pmu.name,
				  sizeof(m->pmu.name)),
			 m->pmu.type);
	else
		snprintf(pmu, sizeof(pmu), "no hardware PMU");
	attron(A_REVERSE | (has_colors() ? COLOR_PAIR(PAIR_TITLE) : 0));
	mvhline(0, 0, ' ', COLS);
	mvprintw(0, 0, " pcrwatch  %s  %d CPUs  sort: %s%s%s%s  %s %s", pmu,
		 m->nr_cpus, live_sort_name(u->o.sort),
		 u->o.filter[0] ? "  filter: " : "",
		 san_term(filter, sizeof(filter), u->o.filter, SAN_NUL),
		 u->o.conflicts_only ? "  conflicts only" : "",
		 u->frozen ? "FROZEN at" : "updated", u->updated);
	attroff(A_REVERSE | (has_colors() ? COLOR_PAIR(PAIR_TITLE) : 0));
}

static void draw_summary(struct ui *u)
{
	const struct model *m = u->m;
	int held = 0, waiting = 0, reserved = 0, r;
	unsigned int conflicts = 0;

	for (r = 0; r < u->g.nrows; r++) {
		held += u->g.rows[r].held;
		waiting += u->g.rows[r].waiting;
		reserved += u->g.rows[r].reserved;
		conflicts += u->g.rows[r].conflicts;
	}
	mvprintw(1, 0,
		 " held %d  waiting %d  reserved %d  conflicts %u  |  "
		 "clobber %llu  veto %llu  audit %llu  owner-change %llu  lost "
		 "%llu",
		 held, waiting, reserved, conflicts,
		 (unsigned long long)m->events_by_kind[PCRW_EV_CLOBBER],
		 (unsigned long long)m->events_by_kind[PCRW_EV_VETO],
		 (unsigned long long)m->events_by_kind[PCRW_EV_AUDIT],
		 (unsigned long long)m->events_by_kind[PCRW_EV_OWNER_CHANGE],
		 (unsigned long long)m->events_lost);
}

static void draw_grid(struct ui *u, int y0)
{
	int cw = cell_width(u), x, c, r, y;
	char text[64], cpu[24], mux[16];

	attron(A_BOLD);
	mvprintw(y0, 0, "  %-9s %-5s %-4s", "CPU", "MUX", "WAIT");
	for (c = u->left, x = 23; c < u->g.ncols && x + cw <= COLS; c++) {
		mvprintw(y0, x, "ctr%-*d", cw - 3, u->g.col_idx[c]);
		x += cw;
	}
	attroff(A_BOLD);

	for (y = 0; y < u->grid_h; y++) {
		const struct live_row *row;

		r = u->top + y;
		if (r >= u->g.nrows)
			break;
		row = &u->g.rows[r];
		live_cpu_text(row, cpu, sizeof(cpu));
		if (r == u->sel)
			attron(A_REVERSE);
		live_mux_text(row, mux, sizeof(mux));
		mvprintw(y0 + 1 + y, 0, "%c %-9s %-5s %-4d",
			 r == u->sel ? '>' : ' ', cpu, mux, row->waiting);
		if (r == u->sel)
			attroff(A_REVERSE);
		for (c = u->left, x = 23; c < u->g.ncols && x + cw <= COLS;
		     c++) {
			int a = cell_attr(row->cell[c]);

			live_grid_cell_text(row, c, text, sizeof(text));
			attron(a);
			mvprintw(y0 + 1 + y, x, "%-*.*s", cw - 1, cw - 1, text);
			attroff(a);
			x += cw;
		}
	}
	if (!u->g.nrows)
		mvprintw(y0 + 1, 2, "(no CPU matches%s)",
			 u->o.filter[0] ? " the filter" : "");
}

/* Every record of the selected CPU, the waiting ones too. */
static void draw_detail(struct ui *u, int y0, int h)
{
	const struct model *m = u->m;
	char owner[48], slot[8], idx[8], flags[8], mux[16];
	char event[sizeof(m->recs[0].event) + 1];
	int shown = 0, cpu;
	size_t i;

	mvhline(y0, 0, ACS_HLINE, COLS);
	if (!u->g.nrows)
		return;
	cpu = u->g.rows[u->sel].cpu;
	attron(A_BOLD);
	if (cpu == LIVE_TASK_ROW)
		mvprintw(y0, 2, " task-scoped events ");
	else if (u->g.rows[u->sel].cpu_last > cpu)
		mvprintw(y0, 2, " CPUs %d-%d read the same: CPU %d ", cpu,
			 u->g.rows[u->sel].cpu_last, cpu);
	else
		mvprintw(y0, 2, " CPU %d ", cpu);
	mvprintw(y0 + 1, 0, "  %-4s %-4s %-12s %-6s %-24s %-20s %-8s %-5s %s",
		 "SLOT", "IDX", "LAYER", "PATH", "OWNER", "EVENT", "STATE",
		 "RUN", "FLAG");
	attroff(A_BOLD);
	for (i = 0; i < m->nr_recs && shown < h - 2; i++) {
		const struct owner_record *r = &m->recs[i];

		if ((cpu == LIVE_TASK_ROW) != (r->cpu < 0) ||
		    (cpu != LIVE_TASK_ROW && r->cpu != cpu))
			continue;
		who_owner_label(r, owner, sizeof(owner));
		who_slot_label(r->slot, slot, sizeof(slot));
		who_slot_label(r->hw_idx, idx, sizeof(idx));
		who_flags(r, flags, sizeof(flags));
		who_mux_label(r, mux, sizeof(mux));
		attron(cell_attr(r));
		mvprintw(y0 + 2 + shown, 0,
			 "  %-4s %-4s %-12s %-6s %-24s %-20s %-8s %-5s %s%s%s",
			 slot, idx, who_layer(r), path_name(r->path), owner,
			 san_term(event, sizeof(event), r->event,
				  sizeof(r->event)),
			 state_name(r->state), mux, flags,
			 r->pinned ? " pinned" : "",
			 r->exclusive ? " exclusive" : "");
		attroff(cell_attr(r));
		shown++;
	}
}

static void draw_help(void)
{
	static const char *const lines[] = {
		"pcrwatch live: keys",
		"",
		"q, Ctrl-C        quit",
		"f, space         freeze / resume refreshing",
		"s                next sort: cpu, busy, conflicts, mux",
		"/                filter: owner, event, layer or path text",
		"c                only CPUs with conflicts",
		"r                refresh now",
		"up/down, j/k     select a CPU (details below the grid)",
		"PgUp/PgDn, g/G   page, first, last",
		"left/right, h/l  scroll the counter columns",
		"?                this help (any key closes it)",
		"",
		"cells: U user K kernel H hypervisor F firmware ? unattributed",
		"WAIT: events that want a counter and have none",
		"flags: ! conflict (red)  R reserved (green)  ~ multiplexed",
	};
	int n = (int)(sizeof(lines) / sizeof(lines[0])), w = 64, i;
	int y = (LINES - n - 2) / 2, x = (COLS - w) / 2;
	WINDOW *win;

	if (y < 0)
		y = 0;
	if (x < 0)
		x = 0;
	win = newwin(n + 2, w < COLS ? w : COLS, y, x);
	if (!win)
		return;
	werase(win);
	box(win, 0, 0);
	for (i = 0; i < n; i++)
		mvwprintw(win, i + 1, 2, "%s", lines[i]);
	wnoutrefresh(win);
	delwin(win);
}

static void draw(struct ui *u)
{
	int detail_h = LINES / 4, notes_y, y0 = 2, fit;
	char note[sizeof(u->m->notes[0])];

	if (detail_h < 4)
		detail_h = 4;
	if (detail_h > 12)
		detail_h = 12;
	u->grid_h = LINES - y0 - 1 - detail_h - 2;
	if (u->grid_h < 1)
		u->grid_h = 1;
	/* Keep the selection on screen. */
	if (u->sel < u->top)
		u->top = u->sel;
	if (u->sel >= u->top + u->grid_h)
		u->top = u->sel - u->grid_h + 1;
	if (u->top > u->g.nrows - u->grid_h)
		u->top = u->g.nrows - u->grid_h;
	if (u->top < 0)
		u->top = 0;
	/* Scroll columns only as far as needed to show the last one. */
	fit = (COLS - 23) / cell_width(u);
	if (u->left > u->g.ncols - fit)
		u->left = u->g.ncols - fit;
	if (u->left < 0)
		u->left = 0;

	erase();
	draw_title(u);
	draw_summary(u);
	draw_grid(u, y0);
	draw_detail(u, y0 + 1 + u->grid_h, detail_h);
	notes_y = LINES - 2;
	if (u->err)
		mvprintw(notes_y, 0, " model: %s", strerror(-u->err));
	else if (u->m->nr_notes)
		mvprintw(notes_y, 0, " note: %s%s",
			 san_term(note, sizeof(note), u->m->notes[0],
				  sizeof(u->m->notes[0])),
			 u->m->nr_notes > 1 ? " (more: pcrwatch who)" : "");
	else if (place_summary(u->m, note, sizeof(note)))
		mvprintw(notes_y, 0, " %s", note);
	attron(A_REVERSE);
	mvhline(LINES - 1, 0, ' ', COLS);
	mvprintw(LINES - 1, 0,
		 " q quit  f freeze  s sort  / filter  c conflicts  r refresh  "
		 "arrows scroll  ? help   rows %d-%d of %d%s",
		 u->g.nrows ? u->top + 1 : 0,
		 u->top + u->grid_h < u->g.nrows ? u->top + u->grid_h
						 : u->g.nrows,
		 u->g.nrows, u->g.idle_cpus ? " (+idle hidden)" : "");
	attroff(A_REVERSE);
	wnoutrefresh(stdscr);
	if (u->help)
		draw_help();
	doupdate();
}

static void prompt_filter(struct ui *u)
{
	char buf[sizeof(u->o.filter)];

	mvhline(LINES - 1, 0, ' ', COLS);
	mvprintw(LINES - 1, 0, " filter (empty clears): ");
	echo();
	curs_set(1);
	timeout(-1);
	if (getnstr(buf, (int)sizeof(buf) - 1) == OK) {
		strcpy(u->o.filter, buf);
		u->sel = u->top = 0;
	}
	noecho();
	curs_set(0);
}

/* Returns false to quit. */
static bool handle_key(struct ui *u, int ch, double *next)
{
	if (u->help && ch != ERR) {
		u->help = false;
		return true;
	}
	switch (ch) {
	case 'q':
	case 'Q':
	case 3: /* Ctrl-C in raw mode */
		return false;
	case 'f':
	case ' ':
		u->frozen = !u->frozen;
		if (!u->frozen)
			*next = 0;
		break;
	case 's':
		u->o.sort = (enum live_sort)((u->o.sort + 1) % LIVE_NR_SORTS);
		rebuild(u, false);
		break;
	case '/':
		prompt_filter(u);
		rebuild(u, false);
		break;
	case 'c':
		u->o.conflicts_only = !u->o.conflicts_only;
		u->sel = u->top = 0;
		rebuild(u, false);
		break;
	case 'r':
		*next = 0;
		break;
	case '?':
		u->help = true;
		break;
	case KEY_UP:
	case 'k':
		move_sel(u, -1);
		break;
	case KEY_DOWN:
	case 'j':
		move_sel(u, 1);
		break;
	case KEY_PPAGE:
		move_sel(u, -u->grid_h);
		break;
	case KEY_NPAGE:
		move_sel(u, u->grid_h);
		break;
	case KEY_HOME:
	case 'g':
		move_sel(u, -u->g.nrows);
		break;
	case KEY_END:
	case 'G':
		move_sel(u, u->g.nrows);
		break;
	case KEY_LEFT:
	case 'h':
		if (u->left > 0)
			u->left--;
		break;
	case KEY_RIGHT:
	case 'l':
		if (u->left < u->g.ncols - 1)
			u->left++;
		break;
	default:
		break;
	}
	return true;
}

int live_curses_run(struct model *m, const struct live_opts *o)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct ui u = { .o = *o, .m = m };
	double next = 0, now, wait;
	long done = 0;
	int ch = ERR;
	SCREEN *scr;

	/* newterm, not initscr: an unknown $TERM returns NULL here (the
	 * caller falls back to text) instead of exiting. */
	scr = newterm(NULL, stdout, stdin);
	if (!scr)
		return -ENOTTY;
	live_grid_init(&u.g);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	raw();
	noecho();
	keypad(stdscr, TRUE);
	curs_set(0);
	if (has_colors()) {
		start_color();
		use_default_colors();
		init_pair(PAIR_CONFLICT, COLOR_WHITE, COLOR_RED);
		init_pair(PAIR_RESERVED, COLOR_GREEN, -1);
		init_pair(PAIR_MUX, COLOR_YELLOW, -1);
		init_pair(PAIR_KERNEL, COLOR_CYAN, -1);
		init_pair(PAIR_TITLE, COLOR_BLACK, COLOR_CYAN);
	}

	while (!stop_requested) {
		now = now_seconds();
		if (!u.frozen && now >= next) {
			if (o->iterations && done == o->iterations)
				break;
			rebuild(&u, true);
			done++;
			next = now + o->interval;
		}
		draw(&u);
		/* Sleep in getch until a key or the next refresh; frozen, wake
		 * once a second only to notice SIGTERM. */
		wait = u.frozen ? 1.0 : next - now_seconds();
		timeout(wait > 0 ? (int)(wait * 1000) + 1 : 0);
		ch = getch();
		if (ch == ERR)
			continue;
		if (!handle_key(&u, ch, &next))
			break;
	}
	endwin();
	delscreen(scr);
	live_grid_free(&u.g);
	return u.err;
}
