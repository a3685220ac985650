// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The placement in words and JSON, shared by `place`, `who`, the live view
 * and `serve`, so no two of them describe a task's placement differently.
 */
#include <errno.h>
#include <stdio.h>

#include "json.h"
#include "place.h"
#include "place_format.h"
#include "sanitize.h"

void place_task_json(struct json *j, const struct placement *p,
		     const struct place_task *t)
{
	char buf[256];

	json_object_begin(j, NULL);
	json_u64(j, "pid", t->tgid);
	json_strn(j, "comm", t->comm, sizeof(t->comm));
	json_i64(j, "demand", t->demand);
	json_bool(j, "pinned", t->pinned);
	json_bool(j, "exclusive", t->exclusive);
	json_u64(j, "reservation", t->resv_id);
	json_double(j, "running_ratio", place_running_ratio(t));
	json_str(j, "place", place_verdict_name(t->verdict));
	place_cpulist(t->fits, p->nr_cpus, buf, sizeof(buf));
	json_str(j, "fits", buf);
	place_cpulist(t->cpus, p->nr_cpus, buf, sizeof(buf));
	json_str(j, "cpus", buf);
	json_i64(j, "best_free", t->best_free);
	json_object_end(j);
}

void place_task_text(const struct placement *p, const struct place_task *t,
		     char *buf, size_t len)
{
	char comm[sizeof(t->comm) + 1], cpus[256];

	san_term(comm, sizeof(comm), t->comm, sizeof(t->comm));
	place_cpulist(t->cpus, p->nr_cpus, cpus, sizeof(cpus));
	if (t->verdict == PLACE_CPUS)
		snprintf(
			buf, len,
			"pid %u (%s): %d per-task event%s fit only on CPUs %s: "
			"run it there",
			t->tgid, comm, t->demand, t->demand == 1 ? "" : "s",
			cpus);
	else if (t->verdict == PLACE_NOWHERE)
		snprintf(buf, len,
			 "pid %u (%s): needs %d counters, at most %d free on "
			 "any CPU: it multiplexes wherever it runs",
			 t->tgid, comm, t->demand, t->best_free);
	else
		snprintf(buf, len, "pid %u (%s): fits every CPU", t->tgid,
			 comm);
}

int place_of_model(const struct model *m, struct placement *p)
{
	if (!m->pmu.present)
		return -ENODEV;
	return place_compute(m, p);
}

void place_print_lines(FILE *f, const struct model *m)
{
	struct placement p;
	char line[384];
	size_t i;

	if (place_of_model(m, &p))
		return;
	for (i = 0; i < p.nr_tasks; i++) {
		if (p.task[i].verdict == PLACE_ANY)
			continue;
		place_task_text(&p, &p.task[i], line, sizeof(line));
		fprintf(f, "placement: %s\n", line);
	}
	place_free(&p);
}

int place_summary(const struct model *m, char *buf, size_t len)
{
	struct placement p;
	size_t i, some = 0, none = 0;

	buf[0] = 0;
	if (place_of_model(m, &p))
		return 0;
	for (i = 0; i < p.nr_tasks; i++) {
		some += p.task[i].verdict == PLACE_CPUS;
		none += p.task[i].verdict == PLACE_NOWHERE;
	}
	place_free(&p);
	if (some || none)
		snprintf(buf, len,
			 "placement: %zu process(es) fit some CPUs only, %zu "
			 "fit none (pcrwatch place)",
			 some, none);
	return (int)(some + none);
}
