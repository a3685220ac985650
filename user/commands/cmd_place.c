// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * pcrwatch place: counter-aware placement (user/placement/place.h). Prints, for
 * each process counted by per-task hardware events, the CPUs where those events
 * fit the counters left by CPU-bound events and others' reservations, and
 * with --apply sets each of its threads' CPU affinity there, saying what
 * it changed. Works on every kernel: it needs only the ownership model.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pcrwatch.h"
#include "model.h"
#include "place.h"
#include "place_format.h"
#include "json.h"
#include "sanitize.h"

#define SCHED_EXT_DIR "/sys/kernel/sched_ext"

static int place_usage(FILE *f, int rc)
{
	fprintf(f,
		"Usage: pcrwatch place [--json] [--apply]\n"
		"       pcrwatch place --sched [--interval SECONDS]\n\n"
		"Counter-aware placement. For each process counted by "
		"per-task hardware\nevents: how many it has (DEMAND), the "
		"share of time they ran (RUNNING),\nand the CPUs where they "
		"fit the counters left by CPU-bound events and\nother "
		"principals' reservations, preferring the CPUs of its own "
		"reservation.\nPLACE is any (fits everywhere), cpus (run it "
		"on CPUS) or nowhere (more\nevents than any CPU has free: "
		"it multiplexes wherever it runs).\n\n"
		"  -j, --json    one JSON document (docs/JSON.md, "
		"docs/schema/place.json)\n"
		"  -a, --apply   set the CPU affinity of every thread of each "
		"'cpus' process\n"
		"                and print each change (sched_setaffinity)\n"
		"  -s, --sched   run the sched_ext scheduler (needs "
		"CONFIG_SCHED_CLASS_EXT) until\n"
		"                SIGINT or SIGTERM: each process runs where "
		"its "
		"events fit, the\n"
		"                rest fairly anywhere; when pcrwatch stops or "
		"the "
		"scheduler errs,\n"
		"                the kernel goes back to the default "
		"scheduler\n"
		"  -i, --interval SECONDS  how often --sched refreshes the "
		"placement (default 1)\n\n"
		"Exit status: 0 ok, 1 an --apply change failed or the "
		"scheduler failed or\nerred, 2 usage, 3 no hardware PMU or "
		"no sched_ext here.\n");
	return rc;
}

/* Fill in the comm of processes counted by someone else's events. */
static void fill_comm(struct place_task *t)
{
	char path[64];
	FILE *f;

	if (t->comm[0])
		return;
	snprintf(path, sizeof(path), "/proc/%u/comm", t->tgid);
	f = fopen(path, "r");
	if (!f || !fgets(t->comm, sizeof(t->comm), f))
		snprintf(t->comm, sizeof(t->comm), "?");
	else
		t->comm[strcspn(t->comm, "\n")] = 0;
	if (f)
		fclose(f);
}

static void print_text(const struct model *m, const struct placement *p)
{
	char cpus[256], comm[sizeof(p->task[0].comm) + 1], resv[24];
	char flags[24];
	size_t i;
	int c;

	printf("%d CPUs, %d counters each (%s)\n", p->nr_cpus,
	       p->nr_cpus ? p->cpu[0].counters : 0, m->pmu.name);
	printf("%-4s %-8s %-9s %-8s %s\n", "CPU", "COUNTERS", "CPU-BOUND",
	       "RESERVED", "FREE");
	for (c = 0; c < p->nr_cpus; c++)
		printf("%-4d %-8d %-9d %-8d %d\n", c, p->cpu[c].counters,
		       p->cpu[c].cpu_bound, p->cpu[c].reserved, p->cpu[c].free);
	printf("\n%-7s %-16s %-6s %-7s %-6s %-7s %s\n", "PID", "COMM", "DEMAND",
	       "RUNNING", "RESV", "PLACE", "CPUS [FLAGS]");
	for (i = 0; i < p->nr_tasks; i++) {
		const struct place_task *t = &p->task[i];

		place_cpulist(t->cpus, p->nr_cpus, cpus, sizeof(cpus));
		snprintf(resv, sizeof(resv), t->resv_id ? "%llu" : "-",
			 (unsigned long long)t->resv_id);
		snprintf(flags, sizeof(flags), "%s%s%s",
			 t->pinned ? "pinned" : "",
			 t->pinned && t->exclusive ? "," : "",
			 t->exclusive ? "exclusive" : "");
		printf("%-7u %-16s %-6d %-7.2f %-6s %-7s %s%s%s\n", t->tgid,
		       san_term(comm, sizeof(comm), t->comm, sizeof(t->comm)),
		       t->demand, place_running_ratio(t), resv,
		       place_verdict_name(t->verdict),
		       t->verdict == PLACE_CPUS ? cpus : "-",
		       flags[0] ? "  " : "", flags);
	}
	if (!p->nr_tasks)
		printf("(no process is counted by per-task hardware events)\n");
	for (i = 0; i < p->nr_tasks; i++)
		if (p->task[i].verdict == PLACE_NOWHERE)
			printf("note: pid %u needs %d counters, at most %d are "
			       "free for it on any CPU: it multiplexes "
			       "wherever it runs\n",
			       p->task[i].tgid, p->task[i].demand,
			       p->task[i].best_free);
	for (c = 0; c < m->nr_notes; c++)
		printf("note: %s\n", m->notes[c]);
}

static void print_json(const struct model *m, const struct placement *p)
{
	struct json j;
	size_t i;
	int c;

	json_init(&j, stdout);
	json_object_begin(&j, NULL);
	json_str(&j, "pmu", m->pmu.name);
	json_array_begin(&j, "cpus");
	for (c = 0; c < p->nr_cpus; c++) {
		json_object_begin(&j, NULL);
		json_i64(&j, "cpu", c);
		json_i64(&j, "counters", p->cpu[c].counters);
		json_i64(&j, "cpu_bound", p->cpu[c].cpu_bound);
		json_i64(&j, "reserved", p->cpu[c].reserved);
		json_i64(&j, "free", p->cpu[c].free);
		json_object_end(&j);
	}
	json_array_end(&j);
	json_array_begin(&j, "tasks");
	for (i = 0; i < p->nr_tasks; i++)
		place_task_json(&j, p, &p->task[i]);
	json_array_end(&j);
	json_array_begin(&j, "notes");
	for (c = 0; c < m->nr_notes; c++)
		json_str(&j, NULL, m->notes[c]);
	json_array_end(&j);
	json_object_end(&j);
	putchar('\n');
}

/* Set one thread's affinity to @want; print what changed. 0 or -errno. */
static int apply_thread(const struct placement *p, const struct place_task *t,
			pid_t tid, const cpu_set_t *want)
{
	char before[256], after[256];
	__u64 old[PCRW_CPU_WORDS] = { 0 };
	cpu_set_t cur;
	int c;

	if (sched_getaffinity(tid, sizeof(cur), &cur))
		return -errno;
	for (c = 0; c < p->nr_cpus; c++)
		if (CPU_ISSET(c, &cur))
			old[c / 64] |= 1ULL << (c % 64);
	place_cpulist(old, p->nr_cpus, before, sizeof(before));
	place_cpulist(t->cpus, p->nr_cpus, after, sizeof(after));
	if (CPU_EQUAL(&cur, want)) {
		printf("pid %u thread %d: already on CPUs %s\n", t->tgid, tid,
		       after);
		return 0;
	}
	if (sched_setaffinity(tid, sizeof(*want), want)) {
		int err = -errno;

		printf("pid %u thread %d: CPUs %s -> %s FAILED: %s\n", t->tgid,
		       tid, before, after, strerror(-err));
		return err;
	}
	printf("pid %u thread %d: CPUs %s -> %s\n", t->tgid, tid, before,
	       after);
	return 0;
}

/* Every thread of @t to its placement; the number that failed. */
static int apply_task(const struct placement *p, const struct place_task *t)
{
	char path[64];
	struct dirent *d;
	cpu_set_t want;
	int c, failed = 0;
	DIR *dir;

	CPU_ZERO(&want);
	for (c = 0; c < p->nr_cpus && c < CPU_SETSIZE; c++)
		if (place_cpu_in(t->cpus, c))
			CPU_SET(c, &want);
	snprintf(path, sizeof(path), "/proc/%u/task", t->tgid);
	dir = opendir(path);
	if (!dir) {
		printf("pid %u: not changed: %s\n", t->tgid, strerror(errno));
		return 1;
	}
	while ((d = readdir(dir)))
		if (d->d_name[0] != '.' &&
		    apply_thread(p, t, atoi(d->d_name), &want))
			failed++;
	closedir(dir);
	return failed;
}

static int apply(const struct placement *p)
{
	int failed = 0, changed = 0;
	size_t i;

	for (i = 0; i < p->nr_tasks; i++) {
		if (p->task[i].verdict != PLACE_CPUS)
			continue;
		failed += apply_task(p, &p->task[i]);
		changed++;
	}
	if (!changed)
		printf("apply: nothing to change: every process fits "
		       "everywhere or nowhere\n");
	return failed ? PCRW_EXIT_ERROR : PCRW_EXIT_OK;
}

/* --sched: where sched_ext exists, run the scheduler; else refuse. */
static int run_sched(double interval)
{
	if (access(SCHED_EXT_DIR, F_OK)) {
		pcrw_err("place --sched: this kernel has no sched_ext (%s is "
			 "missing: CONFIG_SCHED_CLASS_EXT, Linux 6.12+ built "
			 "with it); `pcrwatch place` without --sched advises "
			 "and --apply sets affinity instead",
			 SCHED_EXT_DIR);
		return PCRW_EXIT_UNSUPPORTED;
	}
	return place_sched_run(interval);
}

static int run_place(bool json, bool do_apply)
{
	struct placement p;
	struct model m;
	int err, rc = PCRW_EXIT_OK;
	size_t i;

	model_init(&m);
	err = model_collect(&m);
	if (!err)
		err = place_compute(&m, &p);
	if (err == -ENODEV)
		pcrw_err("place: no hardware PMU here: nothing to place");
	else if (err)
		pcrw_err("place: %s", strerror(-err));
	if (err) {
		model_free(&m);
		return err == -ENODEV ? PCRW_EXIT_UNSUPPORTED : PCRW_EXIT_ERROR;
	}
	for (i = 0; i < p.nr_tasks; i++)
		fill_comm(&p.task[i]);
	if (json)
		print_json(&m, &p);
	else
		print_text(&m, &p);
	if (do_apply)
		rc = apply(&p);
	place_free(&p);
	model_free(&m);
	return rc;
}

int cmd_place(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "apply", no_argument, NULL, 'a' },
		{ "sched", no_argument, NULL, 's' },
		{ "interval", required_argument, NULL, 'i' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool json = false, do_apply = false, sched = false;
	double interval = 1.0;
	char *end;
	int opt;

	while ((opt = pcrw_getopt("place", argc, argv, "jasi:h", opts)) != -1) {
		switch (opt) {
		case 'j':
			json = true;
			break;
		case 'a':
			do_apply = true;
			break;
		case 's':
			sched = true;
			break;
		case 'i':
			interval = strtod(optarg, &end);
			if (*end || !(interval >= 0.1 && interval <= 3600))
				return pcrw_usage_error(
					"place",
					"--interval takes 0.1 to 3600 "
					"seconds, not '%s'",
					optarg);
			break;
		case 'h':
			return place_usage(stdout, PCRW_EXIT_OK);
		default:
			return PCRW_EXIT_USAGE;
		}
	}
	if (optind < argc)
		return pcrw_usage_error("place", "unexpected argument '%s'",
					argv[optind]);
	if (json && do_apply)
		return pcrw_usage_error("place", "--apply prints text; drop "
						 "--json");
	if (sched && (json || do_apply))
		return pcrw_usage_error("place", "--sched runs the scheduler; "
						 "drop --json and --apply");
	if (sched)
		return run_sched(interval);
	return run_place(json, do_apply);
}
