// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The exporter's metrics in Prometheus' text format: base units, `_total`
 * only on counters, ratios not percentages, and no pid label on any series
 * (pids come and go; a long-lived series per pid would grow without end).
 * docs/METRICS.md describes each one.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <bpf/bpf.h>

#include "agent_state.h"
#include "component.h"
#include "event_stream.h"
#include "names.h"
#include "resv_store.h"
#include "resv_text.h"
#include "sanitize.h"
#include "serve.h"
#include "who.h"
#include "place_format.h"
#include "policy_pending.h"

#define NS_PER_SEC 1000000000.0

void serve_state_init(struct serve_state *st)
{
	memset(st, 0, sizeof(*st));
	pthread_mutex_init(&st->lock, NULL);
	model_init(&st->m);
}

void serve_state_free(struct serve_state *st)
{
	model_free(&st->m);
	pthread_mutex_destroy(&st->lock);
}

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / NS_PER_SEC;
}

static void header(FILE *f, const char *name, const char *type,
		   const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* Owner layer as a label: the same word as who and live (who_layer). */
static const char *layer_label(const struct owner_record *r)
{
	return who_layer(r);
}

/* Owner identity without a pid: the command name (any bytes a process
 * chose: sanitized), "kernel" or "unattributed". */
static void owner_label(FILE *f, const struct owner_record *r)
{
	if (!r->attributed)
		fputs("unattributed", f);
	else if (owner_is_none(r->path, &r->owner))
		fputs("nobody", f);
	else if (r->owner.comm[0])
		san_prom_label(f, r->owner.comm, sizeof(r->owner.comm));
	else
		fputs(r->owner.tgid ? "unknown" : "kernel", f);
}

static void render_slots(FILE *f, const struct model *m)
{
	static const char *const layers[] = { "firmware", "hypervisor",
					      "kernel",	  "user",
					      "none",	  "unattributed" };
	static const enum slot_state states[] = { SLOT_ACTIVE, SLOT_INACTIVE,
						  SLOT_ERROR, SLOT_OFF,
						  SLOT_IDLE };
	enum { NL = 6, NS = 5 };
	unsigned long n[NL][NS] = { { 0 } };
	size_t i, l, s;

	for (i = 0; i < m->nr_recs; i++) {
		const struct owner_record *r = &m->recs[i];

		for (l = 0; l < NL; l++)
			if (!strcmp(layers[l], layer_label(r)))
				break;
		for (s = 0; s < NS; s++)
			if (states[s] == r->state)
				break;
		if (l < NL && s < NS)
			n[l][s]++;
	}
	header(f, "pcrwatch_slots", "gauge",
	       "Owner records (hardware perf events and directly programmed "
	       "counters) by owner layer and state (active: on a counter now; "
	       "inactive: wants a counter and has none; error: cannot be "
	       "scheduled; off: disabled; idle: per-task event whose task is "
	       "not on a CPU). A reservation is not an owner record: see "
	       "pcrwatch_reserved_slots and pcrwatch_reservation_info.");
	/* Every combination, zeros included: a series does not vanish when
	 * its count drops to 0. */
	for (l = 0; l < NL; l++)
		for (s = 0; s < NS; s++)
			fprintf(f,
				"pcrwatch_slots{layer=\"%s\",state=\"%s\"} "
				"%lu\n",
				layers[l], state_name(states[s]), n[l][s]);
}

/* A second active record on a (cpu, counter) already shown: the same label
 * set twice is an invalid exposition, so only the first is exported. */
static bool seen_slot(__u64 *seen, int nr, const struct owner_record *r)
{
	__u64 bit;

	if (!seen || r->cpu >= nr || who_counter(r) >= 64)
		return false;
	bit = 1ULL << who_counter(r);
	if (seen[r->cpu] & bit)
		return true;
	seen[r->cpu] |= bit;
	return false;
}

/* A counter the PMU has: general i is slot i; fixed j is 32 + j on x86,
 * the arm64 cycle counter 31. A whole-PMU reservation holds just these. */
static bool slot_exists(const struct model *m, int s)
{
	if (!strncmp(m->pmu.name, "armv", 4))
		return s < m->pmu.nr_gp || (s == 31 && m->pmu.nr_fixed);
	return s < m->pmu.nr_gp || (s >= 32 && s < 32 + m->pmu.nr_fixed);
}

/* Reserved (CPU, slot) pairs, by who keeps the reservation. */
static void reserved_slots(const struct model *m, unsigned long *bpf,
			   unsigned long *module)
{
	const struct model_resv *r;
	int cpu, s;

	*bpf = *module = 0;
	for (cpu = 0; cpu < m->nr_cpus; cpu++)
		for (s = 0; s < 64; s++) {
			r = model_resv_at(m, cpu, s);
			if (!r || (r->whole_pmu && !slot_exists(m, s)))
				continue;
			if (r->source == MODEL_RESV_MODULE)
				(*module)++;
			else
				(*bpf)++;
		}
}

/* One series per reservation in force (pcrwatch's and the module's), the
 * counters they cover, and each one's holder events. */
static void render_reservations(FILE *f, const struct model *m)
{
	unsigned long bpf, module;
	char slots[192];
	size_t k;

	reserved_slots(m, &bpf, &module);
	header(f, "pcrwatch_reserved_slots", "gauge",
	       "Counters, as (CPU, slot) pairs, that a reservation in force "
	       "covers, whether an event is on them or not, by who keeps the "
	       "reservation (bpf: pcrwatch's, enforced by its veto group; "
	       "module: the pcr_arbiter module's, enforced by the module).");
	fprintf(f, "pcrwatch_reserved_slots{source=\"bpf\"} %lu\n", bpf);
	fprintf(f, "pcrwatch_reserved_slots{source=\"module\"} %lu\n", module);
	header(f, "pcrwatch_reservation_info", "gauge",
	       "1 for each reservation in force: its id, who keeps it (bpf: "
	       "pcrwatch's reserve and policy; module: a slot the pcr_arbiter "
	       "module holds), its label (the first principal as given, or "
	       "the module holder's command name) and its slots (all: the "
	       "whole PMU).");
	for (k = 0; k < m->nr_resv; k++) {
		who_resv_slots(&m->resv[k], slots, sizeof(slots));
		fprintf(f,
			"pcrwatch_reservation_info{reservation=\"%llu\","
			"source=\"%s\",label=\"",
			(unsigned long long)m->resv[k].id,
			who_resv_source(&m->resv[k]));
		san_prom_label(f, m->resv[k].label, sizeof(m->resv[k].label));
		fprintf(f, "\",slots=\"%s\"} 1\n", slots);
	}
	header(f, "pcrwatch_reservation_holder_events", "gauge",
	       "Per reservation, the owner records whose owner is one of its "
	       "principals (0: no holder has an event now).");
	for (k = 0; k < m->nr_resv; k++)
		fprintf(f,
			"pcrwatch_reservation_holder_events{reservation=\"%"
			"llu\"} %u\n",
			(unsigned long long)m->resv[k].id,
			m->resv[k].holder_events);
}

static void render_owners(FILE *f, const struct model *m)
{
	unsigned long conflicted = 0;
	int nr = m->nr_cpus > 0 ? m->nr_cpus : 1;
	__u64 *seen;
	size_t i;

	for (i = 0; i < m->nr_recs; i++)
		if (m->recs[i].cpu >= nr)
			nr = m->recs[i].cpu + 1;
	seen = calloc((size_t)nr, sizeof(*seen));

	header(f, "pcrwatch_slot_owner_info", "gauge",
	       "1 for each counter an event or a direct writer is on now: cpu, "
	       "counter (its slot, as docs/ARCHITECTURE.md numbers them), the "
	       "kernel's hw_idx, owner layer, owner command name (no pid), "
	       "access path, event and the reservation covering it or held by "
	       "its owner (0: none). A reserved counter nobody is on has no "
	       "series.");
	for (i = 0; i < m->nr_recs; i++) {
		const struct owner_record *r = &m->recs[i];

		if (r->conflicts)
			conflicted++;
		if (r->state != SLOT_ACTIVE || r->cpu < 0 ||
		    who_counter(r) < 0 || seen_slot(seen, nr, r))
			continue;
		fprintf(f,
			"pcrwatch_slot_owner_info{cpu=\"%d\",counter=\"%d\",hw_"
			"idx="
			"\"%d\",layer=\"%s\",owner=\"",
			r->cpu, who_counter(r), r->hw_idx, layer_label(r));
		owner_label(f, r);
		fprintf(f, "\",path=\"%s\",event=\"", path_name(r->path));
		san_prom_label(f, r->event, sizeof(r->event));
		fprintf(f, "\",reservation=\"%llu\"} 1\n",
			(unsigned long long)r->reservation_id);
	}
	free(seen);
	render_reservations(f, m);
	header(f, "pcrwatch_conflicted_slots", "gauge",
	       "Owner records whose counter another writer has clobbered "
	       "(each counted once, however many clobbers).");
	fprintf(f, "pcrwatch_conflicted_slots %lu\n", conflicted);
}

static void render_events(FILE *f, const struct model *m)
{
	__u32 k;

	header(f, "pcrwatch_events_total", "counter",
	       "Events the attached BPF groups recorded since they were "
	       "attached, by kind: clobber (a writer changed another owner's "
	       "counter), firmware-held (a counter enabled at start-up with no "
	       "OS owner), inuse-mismatch (the in-use bits claim a counter no "
	       "owner was seen on), veto (a reservation denied an access), "
	       "audit "
	       "(would have been denied), owner-change (a counter changed "
	       "hands), pcr-register (a pcr_arbiter register changed).");
	for (k = 1; k < PCRW_NR_EVENT_KINDS; k++)
		fprintf(f, "pcrwatch_events_total{kind=\"%s\"} %llu\n",
			event_kind_name(k),
			(unsigned long long)m->events_by_kind[k]);
	header(f, "pcrwatch_events_lost_total", "counter",
	       "Events the attached groups recorded but could not put in "
	       "their ring buffer (full): never delivered to any reader.");
	fprintf(f, "pcrwatch_events_lost_total %llu\n",
		(unsigned long long)m->events_lost);
}

/* Per CPU: enabled time that events on it really ran, summed over its
 * events (1: no multiplexing). CPUs with no timed event have no series. */
static void render_mux(FILE *f, const struct model *m)
{
	double *run, *ena;
	size_t i;
	int cpu, n = m->nr_cpus > 0 ? m->nr_cpus : 1;

	run = calloc((size_t)n, sizeof(*run));
	ena = calloc((size_t)n, sizeof(*ena));
	header(f, "pcrwatch_multiplexing_ratio", "gauge",
	       "Per CPU, the time its events ran over the time they were "
	       "enabled, summed over its events (1: no multiplexing, lower: "
	       "events share counters). A CPU with no timed event has no "
	       "series.");
	if (run && ena) {
		for (i = 0; i < m->nr_recs; i++) {
			const struct owner_record *r = &m->recs[i];

			if (r->cpu < 0 || r->cpu >= n || !r->time_enabled)
				continue;
			run[r->cpu] += (double)r->time_running;
			ena[r->cpu] += (double)r->time_enabled;
		}
		for (cpu = 0; cpu < n; cpu++)
			if (ena[cpu] > 0)
				fprintf(f,
					"pcrwatch_multiplexing_ratio{cpu=\"%"
					"d\"} %.6g\n",
					cpu, run[cpu] / ena[cpu]);
	}
	free(run);
	free(ena);
}

/* The placement (place.h) without a pid label: processes counted by
 * per-task events by where they fit, and the running time their events
 * lose to multiplexing now; with `pcrwatch place` applied the second is
 * what placement did not prevent. */
static void render_placement(FILE *f, const struct model *m)
{
	static const enum place_verdict verdicts[] = { PLACE_ANY, PLACE_CPUS,
						       PLACE_NOWHERE };
	size_t n[3] = { 0 }, i, v;
	double lost = 0;
	struct placement p;

	if (place_of_model(m, &p))
		return;
	for (i = 0; i < p.nr_tasks; i++) {
		const struct place_task *t = &p.task[i];

		n[t->verdict < 3 ? t->verdict : PLACE_NOWHERE]++;
		if (t->time_enabled > t->time_running)
			lost += (double)(t->time_enabled - t->time_running) /
				1e9;
	}
	header(f, "pcrwatch_placement_processes", "gauge",
	       "Processes counted by per-task hardware events, by where "
	       "their events fit the counters free for them (pcrwatch "
	       "place): any CPU, some CPUs only, or no CPU.");
	for (v = 0; v < 3; v++)
		fprintf(f, "pcrwatch_placement_processes{place=\"%s\"} %zu\n",
			place_verdict_name(verdicts[v]), n[verdicts[v]]);
	header(f, "pcrwatch_task_events_multiplexed_seconds", "gauge",
	       "Time the per-task hardware events of the processes counted "
	       "now were enabled but not running (multiplexed), summed over "
	       "those processes and events.");
	fprintf(f, "pcrwatch_task_events_multiplexed_seconds %.6g\n", lost);
	place_free(&p);
}

void serve_render_model(FILE *f, const struct model *m)
{
	header(f, "pcrwatch_pmu_present", "gauge",
	       "1 when a hardware PMU is registered with perf.");
	fprintf(f, "pcrwatch_pmu_present{pmu=\"");
	san_prom_label(f, m->pmu.name, sizeof(m->pmu.name));
	fprintf(f, "\"} %d\n", m->pmu.present ? 1 : 0);
	header(f, "pcrwatch_cpus", "gauge",
	       "CPUs the ownership model covers (the rows of who and live).");
	fprintf(f, "pcrwatch_cpus %d\n", m->nr_cpus);
	render_slots(f, m);
	render_owners(f, m);
	render_events(f, m);
	render_mux(f, m);
	render_placement(f, m);
	header(f, "pcrwatch_model_notes", "gauge",
	       "Notes the ownership model carries now: a source missing, "
	       "failing or degraded, and facts such as the reservations in "
	       "force; `pcrwatch who` prints them.");
	fprintf(f, "pcrwatch_model_notes %d\n", m->nr_notes);
}

/* ---- BPF program statistics ---- */

#define MAX_PROGS 256

struct prog_stat {
	__u32 id;
	char group[16];
	char name[BPF_OBJ_NAME_LEN];
	__u64 run_ns, run_cnt;
};

struct prog_list {
	struct prog_stat p[MAX_PROGS];
	size_t n;
};

/* The group names: every component (each build has them all). */
static size_t group_names(const char **out, size_t max)
{
	const struct component *const *c;
	size_t n = 0;

	for (c = components(); *c && n < max; c++)
		out[n++] = (*c)->name;
	return n;
}

static struct prog_stat *prog_find(struct prog_list *l, __u32 id)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (l->p[i].id == id)
			return &l->p[i];
	return NULL;
}

static void prog_add(struct prog_list *l, __u32 id, const char *group)
{
	if (prog_find(l, id) || l->n == MAX_PROGS)
		return;
	l->p[l->n].id = id;
	snprintf(l->p[l->n].group, sizeof(l->p[0].group), "%s", group);
	l->n++;
}

/* "link" or "prog" for a BPF object fd, from its fdinfo. */
static const char *bpf_fd_kind(int fd)
{
	char path[64], line[128];
	const char *kind = NULL;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "re");
	if (!f)
		return NULL;
	while (!kind && fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "link_type:", 10))
			kind = "link";
		else if (!strncmp(line, "prog_type:", 10))
			kind = "prog";
	}
	fclose(f);
	return kind;
}

/* Programs pinned (or held by a pinned link) under PCRW_PIN_ROOT/<group>/. */
static void pinned_progs(struct prog_list *l, const char *group)
{
	struct dirent *de;
	const char *kind;
	DIR *d = NULL;
	int fd;

	/* A fresh descriptor: the cached one's position is not ours. */
	fd = pcrw_pin_dir(group, false);
	if (fd >= 0)
		fd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0)
		d = fdopendir(fd);
	if (!d) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		fd = pcrw_obj_get(group, de->d_name);
		if (fd < 0)
			continue;
		kind = bpf_fd_kind(fd);
		if (kind && !strcmp(kind, "link")) {
			struct bpf_link_info li;
			__u32 len = sizeof(li);

			memset(&li, 0, sizeof(li));
			if (!bpf_obj_get_info_by_fd(fd, &li, &len) &&
			    li.prog_id)
				prog_add(l, li.prog_id, group);
		} else if (kind && !strcmp(kind, "prog")) {
			struct bpf_prog_info pi;
			__u32 len = sizeof(pi);

			memset(&pi, 0, sizeof(pi));
			if (!bpf_obj_get_info_by_fd(fd, &pi, &len))
				prog_add(l, pi.id, group);
		}
		close(fd);
	}
	closedir(d);
}

/* The group a program's name starts with ("msr_wrmsr" -> "msr"), or NULL. */
static const char *name_group(const char *name, const char **groups, size_t ng)
{
	size_t i, len;

	for (i = 0; i < ng; i++) {
		len = strlen(groups[i]);
		if (!strncmp(name, groups[i], len) &&
		    (name[len] == '_' || name[len] == 0))
			return groups[i];
	}
	return NULL;
}

static void collect_progs(struct prog_list *l)
{
	const char *groups[16], *g;
	struct prog_stat *p;
	__u32 id = 0;
	size_t ng, i;
	int fd;

	ng = group_names(groups, 16);
	for (i = 0; i < ng; i++)
		pinned_progs(l, groups[i]);
	while (!bpf_prog_get_next_id(id, &id)) {
		struct bpf_prog_info pi;
		__u32 len = sizeof(pi);

		fd = bpf_prog_get_fd_by_id(id);
		if (fd < 0)
			continue;
		memset(&pi, 0, sizeof(pi));
		if (bpf_obj_get_info_by_fd(fd, &pi, &len)) {
			close(fd);
			continue;
		}
		close(fd);
		p = prog_find(l, id);
		if (!p) {
			g = name_group(pi.name, groups, ng);
			if (!g)
				continue;
			prog_add(l, id, g);
			p = prog_find(l, id);
			if (!p)
				continue;
		}
		snprintf(p->name, sizeof(p->name), "%s", pi.name);
		p->run_ns = pi.run_time_ns;
		p->run_cnt = pi.run_cnt;
	}
}

static int bpf_stats_sysctl(void)
{
	FILE *f = fopen("/proc/sys/kernel/bpf_stats_enabled", "re");
	int v = -1;

	if (!f)
		return -1;
	if (fscanf(f, "%d", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

/* One series of a program: its group and name as label values. */
static void prog_series(FILE *f, const char *metric, const struct prog_stat *p,
			const char *value)
{
	fprintf(f, "%s{group=\"", metric);
	san_prom_label(f, p->group, sizeof(p->group));
	fputs("\",prog=\"", f);
	san_prom_label(f, p->name, sizeof(p->name));
	fprintf(f, "\",id=\"%u\"} %s\n", p->id, value);
}

void serve_render_bpf(FILE *f, bool stats_held)
{
	struct prog_list *l = calloc(1, sizeof(*l));
	char v[32];
	size_t i;
	int st;

	if (!l)
		return;
	collect_progs(l);
	header(f, "pcrwatch_bpf_prog_run_seconds_total", "counter",
	       "Time pcrwatch's BPF programs ran, per program. Counted only "
	       "while the kernel keeps BPF statistics (sysctl "
	       "kernel.bpf_stats_enabled=1, or pcrwatch serve --bpf-stats): "
	       "0 otherwise.");
	for (i = 0; i < l->n; i++)
		if (l->p[i].name[0]) {
			snprintf(v, sizeof(v), "%.9f",
				 (double)l->p[i].run_ns / NS_PER_SEC);
			prog_series(f, "pcrwatch_bpf_prog_run_seconds_total",
				    &l->p[i], v);
		}
	header(f, "pcrwatch_bpf_prog_runs_total", "counter",
	       "Times pcrwatch's BPF programs ran, per program; like the run "
	       "time, counted only while kernel.bpf_stats_enabled=1 (or "
	       "pcrwatch serve --bpf-stats).");
	for (i = 0; i < l->n; i++)
		if (l->p[i].name[0]) {
			snprintf(v, sizeof(v), "%llu",
				 (unsigned long long)l->p[i].run_cnt);
			prog_series(f, "pcrwatch_bpf_prog_runs_total", &l->p[i],
				    v);
		}
	/* The sysctl shows only what was written to it, not the holders of
	 * BPF_ENABLE_STATS fds: ours is known here, others' are not. */
	st = stats_held ? 1 : bpf_stats_sysctl();
	header(f, "pcrwatch_bpf_stats_enabled", "gauge",
	       "1 when the kernel keeps BPF run-time statistics now "
	       "(kernel.bpf_stats_enabled=1 or this exporter's --bpf-stats), "
	       "0 when not as far as can be seen, -1 if unknown.");
	fprintf(f, "pcrwatch_bpf_stats_enabled %d\n", st);
	free(l);
}

/* ---- the agent and its policy (user/service/agent_state.h), and reservations
 * whose principal no longer names anything: the fleet's view (issue 22) */

/* How many of @r's principals name nothing now: a cgroup whose path (the
 * label, for the first principal) is gone or is another cgroup since, a
 * process that exited. */
static unsigned int resv_unresolved(const struct model_resv *r)
{
	unsigned int n = 0, i;
	struct stat st;

	for (i = 0; i < r->nr_principals && i < PCRW_MAX_GRANTS; i++) {
		const struct pcr_principal *p = &r->principals[i];

		if (p->kind == PCR_PRINC_PID || p->kind == PCR_PRINC_VM)
			n += resv_principal_expired(p);
		else if (p->kind == PCR_PRINC_CGROUP && i == 0 &&
			 !strncmp(r->label, "cgroup:", 7))
			n += stat(r->label + 7, &st) ||
			     (__u64)st.st_ino != p->id;
	}
	return n;
}

static void render_unresolved(FILE *f, const struct model *m)
{
	size_t i;

	header(f, "pcrwatch_reservation_principals_unresolved", "gauge",
	       "Per reservation pcrwatch made: how many of its principals "
	       "name nothing now (a cgroup removed or recreated since, a "
	       "process gone). Such a principal is protected by nothing.");
	for (i = 0; i < m->nr_resv; i++)
		if (m->resv[i].source != MODEL_RESV_MODULE)
			fprintf(f,
				"pcrwatch_reservation_principals_unresolved{"
				"reservation=\"%llu\"} %u\n",
				(unsigned long long)m->resv[i].id,
				resv_unresolved(&m->resv[i]));
}

static void render_pending(FILE *f)
{
	struct policy_pending *p = NULL;
	size_t n = 0;

	policy_pending_read(&p, &n);
	free(p);
	header(f, "pcrwatch_policy_pending_lines", "gauge",
	       "Reserve lines of the policy in force that wait for their "
	       "cgroup to exist: they protect nobody until it does.");
	fprintf(f, "pcrwatch_policy_pending_lines %zu\n", n);
}

void serve_render_agent(FILE *f, const struct model *m)
{
	struct rings_holder h;
	struct agent_state a;
	bool running = rings_holder(&h) && !strcmp(h.role, "agent");

	header(f, "pcrwatch_agent_running", "gauge",
	       "1 when a pcrwatch agent reads the ring buffers now.");
	fprintf(f, "pcrwatch_agent_running %d\n", running ? 1 : 0);
	render_unresolved(f, m);
	render_pending(f);
	if (agent_state_read(&a))
		return; /* no agent ever ran here: no policy series */
	header(f, "pcrwatch_policy_in_force", "gauge",
	       "1 when the agent's policy file is in force (or it has none "
	       "to put in force), 0 when its last load was refused: the "
	       "policy before it, or none, is what holds.");
	fprintf(f, "pcrwatch_policy_in_force %d\n",
		a.policy_state != AGENT_STATE_REFUSED);
	header(f, "pcrwatch_policy_last_reload_success_timestamp_seconds",
	       "gauge",
	       "When a load of the agent's policy last succeeded (start or "
	       "SIGHUP), Unix seconds; 0 never.");
	fprintf(f,
		"pcrwatch_policy_last_reload_success_timestamp_seconds %lld\n",
		a.last_success_s);
	header(f, "pcrwatch_agent_events_logged_total", "counter",
	       "Events the agent wrote to its log since it started.");
	fprintf(f, "pcrwatch_agent_events_logged_total %llu\n",
		(unsigned long long)a.logged);
	header(f, "pcrwatch_agent_events_unlogged_total", "counter",
	       "Events the agent drained but its log did not take (disk full, "
	       "I/O error): lost to every reader of the log.");
	fprintf(f, "pcrwatch_agent_events_unlogged_total %llu\n",
		(unsigned long long)a.unlogged);
}

int serve_scrape(struct serve_state *st, char **body, size_t *len)
{
	double start = now_seconds();
	FILE *f;
	int err;

	*body = NULL;
	*len = 0;
	f = open_memstream(body, len);
	if (!f)
		return -ENOMEM;
	/* One thread writes this stream: no per-call locking. */
	__fsetlocking(f, FSETLOCKING_BYCALLER);
	err = model_collect(&st->m);
	st->scrapes++;
	serve_render_model(f, &st->m);
	serve_render_bpf(f, st->stats_held);
	serve_render_info(f);
	serve_render_agent(f, &st->m);
	header(f, "pcrwatch_up", "gauge",
	       "1 when this scrape read the ownership model, 0 when a source "
	       "failed outright.");
	fprintf(f, "pcrwatch_up %d\n", err ? 0 : 1);
	header(f, "pcrwatch_scrape_duration_seconds", "gauge",
	       "Time this scrape took to read the model and render it.");
	fprintf(f, "pcrwatch_scrape_duration_seconds %.6f\n",
		now_seconds() - start);
	if (fclose(f)) {
		free(*body);
		*body = NULL;
		return -ENOMEM;
	}
	return 0;
}
