// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Unit tests of the fixture parser (user/model/fixture_source.c) and the live
 * grid layout (user/views/live_grid.c), under ASan and UBSan, with a small fuzz
 * of malformed fixture lines.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "model.h"
#include "who.h"
#include "live.h"
#include "names.h"
#include "sanitize.h"
#include "tap.h"

static char path[] = "/tmp/pcrwatch-unit-fixture.XXXXXX";

static int load(struct model *m, const char *text)
{
	FILE *f = fopen(path, "w");
	int err;

	if (!f)
		return -errno;
	fputs(text, f);
	fclose(f);
	model_init(m);
	err = fixture_source_collect(m, path);
	if (!err)
		model_settle(m); /* as model_collect does */
	return err;
}

static bool has_note(const struct model *m, const char *s)
{
	int i;

	for (i = 0; i < m->nr_notes; i++)
		if (strstr(m->notes[i], s))
			return true;
	return false;
}

TEST(fixture_fields_reach_the_record)
{
	struct model m;
	const struct owner_record *r;

	CHECK_EQ(load(&m, "# comment\n"
			  "pmu name=armv8_pmuv3 type=10 counters=6 fixed=1 "
			  "virtualized=1 hypervisor=QEMU%20TCG\n"
			  "cpus 4\n"
			  "rec cpu=3 hw_idx=31 slot=7 path=msr layer=kernel "
			  "pid=0 tid=0 uid=5 cgroup=99 "
			  "comm=my%20tool attributed=1 pmu=cpu type=4 "
			  "config=0x3c event=raw%200x3c "
			  "scope=task pinned=1 exclusive=yes state=inactive "
			  "enabled=10 running=4 resv=12 conflicts=3\n"
			  "events clobber=2 veto=1 owner-change=9 lost=4\n"
			  "note hello there\n"),
		 0);
	CHECK_EQ(m.nr_cpus, 4);
	CHECK(m.pmu.present);
	CHECK(!strcmp(m.pmu.name, "armv8_pmuv3"));
	CHECK(!strcmp(m.pmu.hypervisor, "QEMU TCG"));
	CHECK_EQ(m.pmu.type, 10);
	CHECK_EQ(m.pmu.nr_gp, 6);
	CHECK_EQ(m.nr_recs, 1);
	r = &m.recs[0];
	CHECK_EQ(r->cpu, 3);
	CHECK_EQ(r->hw_idx, 31);
	CHECK_EQ(r->slot, 7);
	CHECK_EQ(r->path, PCRW_PATH_MSR_DEV);
	CHECK_EQ(r->owner.layer, PCR_LAYER_KERNEL);
	CHECK_EQ(r->owner.uid, 5);
	CHECK_EQ(r->owner.cgroup_id, 99);
	CHECK(!strcmp(r->owner.comm, "my tool"));
	CHECK(!strcmp(r->event, "raw 0x3c"));
	CHECK_EQ(r->config, 0x3c);
	CHECK(r->task_scope && r->pinned && r->exclusive);
	CHECK_EQ(r->state, SLOT_INACTIVE);
	CHECK_EQ(r->time_running, 4);
	CHECK_EQ(r->reservation_id, 12);
	CHECK_EQ(r->conflicts, 3);
	CHECK_EQ(m.events_by_kind[PCRW_EV_CLOBBER], 2);
	CHECK_EQ(m.events_by_kind[PCRW_EV_OWNER_CHANGE], 9);
	CHECK_EQ(m.events_lost, 4);
	CHECK(has_note(&m, "hello there"));
	CHECK(has_note(&m, "injected state"));
	model_free(&m);
}

TEST(fixture_defaults_and_escapes)
{
	struct model m;

	CHECK_EQ(load(&m, "rec comm=a%4 event=%zz%41\n"), 0);
	CHECK_EQ(m.nr_recs, 1);
	CHECK_EQ(m.recs[0].cpu, -1);
	CHECK_EQ(m.recs[0].hw_idx, -1);
	CHECK_EQ(m.recs[0].state, SLOT_ACTIVE);
	CHECK(m.recs[0].attributed);
	CHECK(!strcmp(m.recs[0].owner.comm, "a%4"));
	CHECK(!strcmp(m.recs[0].event, "%zzA"));
	CHECK_EQ(m.nr_cpus, 1);
	model_free(&m);
}

TEST(malformed_fixture_lines_are_rejected_whole)
{
	static const char *const bad[] = {
		"rec cpu=x\n",
		"rec cpu=-2\n",
		"rec cpu=\n",
		"rec =1\n",
		"rec cpu\n",
		"rec colour=red\n",
		"rec layer=alien\n",
		"rec state=asleep\n",
		"rec pinned=maybe\n",
		"rec pid=-1\n",
		"rec pid=4294967296\n",
		"rec scope=node\n",
		"rec comm=0123456789abcdef\n",
		"rec config=-5\n",
		"cpus 0\n",
		"cpus many\n",
		"events zap=1\n",
		"events clobber=x\n",
		"pmu type=q\n",
		"pmu size=3\n",
		"frob\n",
	};
	struct model m;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char text[128];

		snprintf(text, sizeof(text), "rec cpu=0 hw_idx=0\n%s", bad[i]);
		CHECK_EQ(load(&m, text), -EINVAL);
		CHECK_EQ(m.nr_recs, 0);
		CHECK(has_note(&m, "line 2"));
		if (tap_failed_now)
			printf("# case %zu: %s", i, bad[i]);
		model_free(&m);
	}
	model_init(&m);
	CHECK_EQ(fixture_source_collect(&m, "/nonexistent/fixture"), -ENOENT);
	CHECK(has_note(&m, "/nonexistent/fixture"));
	model_free(&m);
}

/* Random lines of fixture-like tokens: no crash, no leak, no UB. */
TEST(fuzz_fixture_lines)
{
	static const char *const toks[] = {
		"rec",	    "pmu",    "cpus",
		"events",   "note",   "cpu=",
		"hw_idx=",  "comm=",  "event=",
		"state=",   "layer=", "%",
		"%2",	    "%41",    "=",
		"-1",	    "0",      "99999999999999999999",
		"0x",	    "active", "user",
		" ",	    " ",      "\t",
		"clobber=", "lost=",  "abc",
		"\n",
	};
	unsigned int seed = 7;
	struct model m;
	int i, j, n;

	for (i = 0; i < 3000; i++) {
		char text[512] = "";

		n = 1 + (int)(rand_r(&seed) % 24);
		for (j = 0; j < n; j++)
			strncat(text,
				toks[rand_r(&seed) %
				     (sizeof(toks) / sizeof(toks[0]))],
				sizeof(text) - strlen(text) - 1);
		load(&m, text);
		CHECK(m.nr_notes >= 1);
		model_free(&m);
	}
}

static const char *grid_fixture =
	"pmu name=cpu type=4 counters=2\n"
	"cpus 4\n"
	"rec cpu=0 hw_idx=1 comm=a pid=1 event=cycles\n"
	"rec cpu=2 hw_idx=0 comm=b pid=2 event=instructions conflicts=2\n"
	"rec cpu=2 hw_idx=5 comm=c pid=3 event=cycles enabled=10 running=5 "
	"resv=1\n"
	"resv id=1 cpu=2 slots=0x20 uid=0 label=uid:0\n"
	"rec cpu=2 state=inactive comm=d pid=4 enabled=10 running=0\n"
	"rec cpu=-1 hw_idx=0 comm=e pid=5 scope=task\n";

TEST(grid_columns_rows_and_cells)
{
	struct live_opts o = { .interval = 1 };
	struct live_grid g;
	struct model m;
	char cell[64];

	CHECK_EQ(load(&m, grid_fixture), 0);
	live_grid_init(&g);
	CHECK_EQ(live_grid_build(&g, &m, &o, true), 0);
	/* known counters 0, 1 and the seen 5, in order */
	CHECK_EQ(g.ncols, 3);
	CHECK_EQ(g.col_idx[0], 0);
	CHECK_EQ(g.col_idx[1], 1);
	CHECK_EQ(g.col_idx[2], 5);
	/* 4 CPUs and the task row, last */
	CHECK_EQ(g.nrows, 5);
	CHECK_EQ(g.rows[4].cpu, LIVE_TASK_ROW);
	CHECK(g.rows[0].cell[1] && !strcmp(g.rows[0].cell[1]->owner.comm, "a"));
	CHECK(!g.rows[0].cell[0]);
	CHECK_EQ(g.rows[2].held, 2);
	CHECK_EQ(g.rows[2].waiting, 1);
	CHECK_EQ(g.rows[2].conflicts, 2);
	CHECK_EQ(g.rows[2].reserved, 1);
	CHECK(g.rows[2].mux > 0.24 && g.rows[2].mux < 0.26);
	live_cell_text(g.rows[2].cell[0], cell, sizeof(cell));
	CHECK(!strcmp(cell, "U! b[2] instructions"));
	live_cell_text(g.rows[2].cell[2], cell, sizeof(cell));
	CHECK(!strcmp(cell, "UR~ c[3] cycles"));
	live_cell_text(NULL, cell, sizeof(cell));
	CHECK(!strcmp(cell, "-"));

	/* idle CPUs 1 and 3 dropped when not kept */
	CHECK_EQ(live_grid_build(&g, &m, &o, false), 0);
	CHECK_EQ(g.nrows, 3);
	CHECK_EQ(g.idle_cpus, 2);
	live_grid_free(&g);
	model_free(&m);
}

TEST(grid_filter_sort_and_conflicts_only)
{
	struct live_opts o = { .interval = 1 };
	struct live_grid g;
	struct model m;

	CHECK_EQ(load(&m, grid_fixture), 0);
	live_grid_init(&g);
	o.sort = LIVE_SORT_BUSY;
	CHECK_EQ(live_grid_build(&g, &m, &o, true), 0);
	CHECK_EQ(g.rows[0].cpu, 2);
	CHECK_EQ(g.rows[g.nrows - 1].cpu, LIVE_TASK_ROW);
	o.sort = LIVE_SORT_MUX;
	CHECK_EQ(live_grid_build(&g, &m, &o, true), 0);
	CHECK_EQ(g.rows[0].cpu, 2);
	o.sort = LIVE_SORT_CPU;
	strcpy(o.filter, "D"); /* case-insensitive: comm d on CPU 2 */
	CHECK_EQ(live_grid_build(&g, &m, &o, true), 0);
	CHECK_EQ(g.nrows, 1);
	CHECK_EQ(g.rows[0].cpu, 2);
	o.filter[0] = 0;
	o.conflicts_only = true;
	CHECK_EQ(live_grid_build(&g, &m, &o, true), 0);
	CHECK_EQ(g.nrows, 1);
	CHECK_EQ(live_sort_parse("mux"), LIVE_SORT_MUX);
	CHECK_EQ(live_sort_parse("size"), -1);
	live_grid_free(&g);
	model_free(&m);
}

/* perf record of a task that runs on CPU 0 (2 CPUs): one copy of its
 * cycles event per CPU. Nothing competes: the copy on CPU 1 is idle, not
 * waiting, and the running one is not multiplexed. */
static const char *record_fixture =
	"pmu name=armv8_pmuv3 type=10 counters=6 fixed=1\n"
	"cpus 2\n"
	"rec cpu=0 hw_idx=31 slot=31 comm=perf pid=176 event=cycles "
	"scope=task target=200 target_tid=200 task_cpu=0 state=active "
	"enabled=1000 running=930\n"
	"rec cpu=1 comm=perf pid=176 event=cycles scope=task target=200 "
	"target_tid=200 task_cpu=0 state=inactive enabled=1000 running=70\n";

static const struct owner_record *rec_on(const struct model *m, int cpu)
{
	size_t i;

	for (i = 0; i < m->nr_recs; i++)
		if (m->recs[i].cpu == cpu)
			return &m->recs[i];
	return NULL;
}

static const struct live_row *row_of(const struct live_grid *g, int cpu)
{
	int r;

	for (r = 0; r < g->nrows; r++)
		if (g->rows[r].cpu == cpu)
			return &g->rows[r];
	return NULL;
}

TEST(per_cpu_copy_elsewhere_is_idle_and_nothing_multiplexed)
{
	struct live_opts o = { .interval = 1 };
	const struct live_row *row;
	struct live_grid g;
	struct model m;
	char text[64];
	double ratio;

	CHECK_EQ(load(&m, record_fixture), 0);
	CHECK_EQ(rec_on(&m, 1)->state, SLOT_IDLE);
	CHECK(!model_waiting(rec_on(&m, 1)));
	CHECK(model_mux_ratio(rec_on(&m, 0), &ratio) && ratio > 0.999);
	CHECK(model_mux_ratio(rec_on(&m, 1), &ratio) && ratio > 0.999);
	who_flags(rec_on(&m, 0), text, sizeof(text));
	CHECK(!strcmp(text, ""));
	live_grid_init(&g);
	CHECK_EQ(live_grid_build(&g, &m, &o, true), 0);
	row = row_of(&g, 0);
	CHECK(row && row->waiting == 0 && row->mux > 0.999);
	CHECK_EQ(g.col_idx[g.ncols - 1], 31); /* the cycle counter */
	live_cell_text(row->cell[g.ncols - 1], text, sizeof(text));
	CHECK(!strcmp(text, "U perf[176] cycles"));
	row = row_of(&g, 1);
	CHECK(row && row->waiting == 0 && row->held == 0);
	live_mux_text(row, text, sizeof(text));
	CHECK(!strcmp(text, "1.00"));
	live_grid_free(&g);
	model_free(&m);
}

TEST(copy_that_never_ran_shows_no_ratio)
{
	struct live_opts o = { .interval = 1 };
	struct live_grid g;
	struct model m;
	char text[16];
	double ratio;

	/* perf record -- sleep 30: the task sleeps; it ran on CPU 0 only. */
	CHECK_EQ(load(&m, "cpus 2\n"
			  "rec cpu=0 comm=perf pid=7 event=cycles scope=task "
			  "target=8 target_tid=8 task_cpu=-1 state=inactive "
			  "enabled=50 running=50\n"
			  "rec cpu=1 comm=perf pid=7 event=cycles scope=task "
			  "target=8 target_tid=8 task_cpu=-1 state=inactive "
			  "enabled=50 running=0\n"),
		 0);
	CHECK_EQ(rec_on(&m, 0)->state, SLOT_IDLE);
	CHECK_EQ(rec_on(&m, 1)->state, SLOT_IDLE);
	CHECK(model_mux_ratio(rec_on(&m, 0), &ratio) && ratio > 0.999);
	CHECK(!model_mux_ratio(rec_on(&m, 1), &ratio));
	who_mux_label(rec_on(&m, 1), text, sizeof(text));
	CHECK(!strcmp(text, "-"));
	live_grid_init(&g);
	CHECK_EQ(live_grid_build(&g, &m, &o, true), 0);
	live_mux_text(row_of(&g, 1), text, sizeof(text));
	CHECK(!strcmp(text, "-"));
	CHECK_EQ(row_of(&g, 1)->waiting, 0);
	live_grid_free(&g);
	model_free(&m);
}

TEST(copies_that_compete_are_multiplexed_and_wait)
{
	struct model m;
	char flags[8];
	double ratio;

	/* The task on CPU 0 the whole time, its copy there ran half. */
	CHECK_EQ(load(&m, "cpus 2\n"
			  "rec cpu=0 hw_idx=2 comm=perf pid=7 event=cycles "
			  "scope=task target=8 target_tid=8 task_cpu=0 "
			  "state=active enabled=100 running=50\n"
			  "rec cpu=1 comm=perf pid=7 event=cycles scope=task "
			  "target=8 target_tid=8 task_cpu=0 state=inactive "
			  "enabled=100 running=0\n"
			  "rec cpu=-1 comm=x pid=9 event=cycles scope=task "
			  "target=9 target_tid=9 task_cpu=1 state=inactive "
			  "enabled=100 running=60\n"
			  "rec cpu=-1 comm=y pid=10 event=cycles scope=task "
			  "target=10 target_tid=10 state=inactive "
			  "enabled=100 running=60\n"),
		 0);
	CHECK(model_mux_ratio(&m.recs[0], &ratio) && ratio > 0.49 &&
	      ratio < 0.51);
	who_flags(&m.recs[0], flags, sizeof(flags));
	CHECK(!strcmp(flags, "~"));
	CHECK_EQ(m.recs[1].state, SLOT_IDLE);
	CHECK(!model_mux_ratio(&m.recs[1], &ratio));
	/* a task-wide event of a task on a CPU waits; where nobody said
	 * where the task is, the source's state stands */
	CHECK(model_waiting(&m.recs[2]));
	CHECK(model_waiting(&m.recs[3]));
	model_free(&m);
}

TEST(stopped_group_member_is_off_not_waiting)
{
	struct live_opts o = { .interval = 1 };
	struct live_grid g;
	struct model m;

	/* PAPI_stop: the leader off, the member left inactive. */
	CHECK_EQ(load(&m, "cpus 2\n"
			  "rec id=1 group=1 comm=papi pid=5 event=cycles "
			  "scope=task target=5 target_tid=5 task_cpu=1 "
			  "state=off enabled=100 running=100\n"
			  "rec id=2 group=1 comm=papi pid=5 event=raw%200x11 "
			  "scope=task target=5 target_tid=5 task_cpu=1 "
			  "leader_off=1 state=inactive enabled=100 "
			  "running=100\n"),
		 0);
	CHECK_EQ(m.recs[1].state, SLOT_OFF);
	CHECK(!model_waiting(&m.recs[1]));
	live_grid_init(&g);
	CHECK_EQ(live_grid_build(&g, &m, &o, false), 0);
	CHECK(!row_of(&g, LIVE_TASK_ROW)); /* no `task 1.00 1` row */
	live_grid_free(&g);
	model_free(&m);
}

int main(void)
{
	int fd = mkstemp(path);

	if (fd < 0)
		return 1;
	close(fd);
	RUN(fixture_fields_reach_the_record);
	RUN(fixture_defaults_and_escapes);
	RUN(malformed_fixture_lines_are_rejected_whole);
	RUN(fuzz_fixture_lines);
	RUN(grid_columns_rows_and_cells);
	RUN(grid_filter_sort_and_conflicts_only);
	RUN(per_cpu_copy_elsewhere_is_idle_and_nothing_multiplexed);
	RUN(copy_that_never_ran_shows_no_ratio);
	RUN(copies_that_compete_are_multiplexed_and_wait);
	RUN(stopped_group_member_is_off_not_waiting);
	unlink(path);
	return TAP_DONE();
}
