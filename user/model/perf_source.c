// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The perf source of the ownership model: every perf event from the
 * perf_iter snapshot, each turned into one owner record: who holds it (the
 * process with the fd, the process an inherited copy came from, the VM
 * process for KVM's counters, the kernel for its own), where it sits now
 * (CPU, counter index, slot) and how much of its enabled time it ran.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "perf_decode.h"
#include "perf_snapshot.h"
#include "perf_component.h"
#include "vpmu.h"

/* perf_event_state */
enum {
	PERF_STATE_ERROR = -2,
	PERF_STATE_OFF = -1,
	PERF_STATE_INACTIVE = 0,
	PERF_STATE_ACTIVE = 1,
};

/* Kernel addresses never leave this file: records carry a mixed hash. */
static __u64 hash_addr(__u64 a)
{
	a ^= a >> 33;
	a *= 0xff51afd7ed558ccdULL;
	a ^= a >> 33;
	a *= 0xc4ceb9fe1a85ec53ULL;
	a ^= a >> 33;
	return a;
}

static enum slot_state slot_state_of(int state)
{
	switch (state) {
	case PERF_STATE_ACTIVE:
		return SLOT_ACTIVE;
	case PERF_STATE_INACTIVE:
		return SLOT_INACTIVE;
	case PERF_STATE_ERROR:
		return SLOT_ERROR;
	default:
		return SLOT_OFF; /* off, exited, dead */
	}
}

static int cmp_event(const void *a, const void *b)
{
	const struct pcrw_perf_rec *x = a, *y = b;

	if (x->event != y->event)
		return x->event < y->event ? -1 : 1;
	/* The fd holder first, the process that opened it first among
	 * holders, then the lowest fd. */
	if (x->how != y->how)
		return x->how < y->how ? -1 : 1;
	if ((x->flags ^ y->flags) & PCRW_PERF_HOLDER_OPENED)
		return x->flags & PCRW_PERF_HOLDER_OPENED ? -1 : 1;
	return x->fd - y->fd;
}

/* The first record of @event in the sorted snapshot, or NULL. */
static const struct pcrw_perf_rec *find_event(const struct perf_snapshot *s,
					      __u64 event)
{
	size_t lo = 0, hi = s->nr;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->recs[mid].event < event)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < s->nr && s->recs[lo].event == event ? &s->recs[lo] : NULL;
}

static void owner_from_holder(struct owner_record *o,
			      const struct pcrw_perf_rec *h, __u32 layer)
{
	o->owner.layer = layer;
	o->owner.tgid = h->holder_tgid;
	o->owner.pid = h->holder_pid;
	o->owner.uid = h->holder_uid;
	o->owner.cgroup_id = h->cgroup_id;
	memcpy(o->owner.comm, h->holder_comm, sizeof(o->owner.comm));
	o->owner.comm[sizeof(o->owner.comm) - 1] = 0;
	o->attributed = true;
}

/* Who holds it: see the file comment. */
static void attribute(struct owner_record *o, const struct perf_snapshot *s,
		      const struct pcrw_perf_rec *r)
{
	const struct pcrw_perf_rec *parent;
	struct vpmu_verdict v;

	o->path = PCRW_PATH_PERF;
	o->owner.layer = PCR_LAYER_UNKNOWN;
	switch (r->how) {
	case PCRW_FOUND_FILE:
		owner_from_holder(o, r, PCR_LAYER_USER);
		break;
	case PCRW_FOUND_CHILD:
		/* An inherited copy counts for the task it runs in, on
		 * behalf of whoever holds the original's fd. */
		parent = find_event(s, r->parent);
		if (parent && parent->how == PCRW_FOUND_FILE)
			owner_from_holder(o, parent, PCR_LAYER_USER);
		break;
	case PCRW_FOUND_TASK_CTX:
		/* A kernel counter in a task's context. On a hardware PMU
		 * that is KVM's vPMU, created in the vCPU thread: the vpmu
		 * classifier names the VM process and vCPU thread. Others
		 * (ptrace breakpoints) are the kernel's, for that task. */
		if (!(r->flags & PCRW_PERF_KERNEL_OWNER) || !r->holder_tgid)
			break;
		owner_from_holder(o, r, PCR_LAYER_KERNEL);
		o->path = PCRW_PATH_KERNEL;
		if ((r->flags & PCRW_PERF_HW) &&
		    vpmu_attribute(r->holder_tgid, r->holder_pid, true, &v)) {
			o->owner.layer = v.layer;
			o->owner.tgid = v.vm_tgid ? v.vm_tgid : r->holder_tgid;
			o->owner.pid = v.vcpu_pid ? v.vcpu_pid : r->holder_pid;
		}
		break;
	case PCRW_FOUND_CPU_CTX:
		/* The kernel's own counters (the NMI watchdog's). */
		if (!(r->flags & PCRW_PERF_KERNEL_OWNER))
			break;
		o->owner.layer = PCR_LAYER_KERNEL;
		snprintf(o->owner.comm, sizeof(o->owner.comm), "kernel");
		o->attributed = true;
		o->path = PCRW_PATH_KERNEL;
		break;
	}
}

/*
 * The kernel adds to total_time_enabled/running only when it updates the
 * event (sched out, read, rotation); the context clock may be ahead. Bring
 * them to the context's last update the way perf_event_update_time does;
 * time since then is not visible without the kernel's perf clock.
 */
static void event_times(struct owner_record *o, const struct pcrw_perf_rec *r)
{
	__u64 delta = r->ctx_time > r->tstamp ? r->ctx_time - r->tstamp : 0;

	o->time_enabled = r->total_time_enabled;
	o->time_running = r->total_time_running;
	if (r->state >= PERF_STATE_INACTIVE)
		o->time_enabled += delta;
	if (r->state >= PERF_STATE_ACTIVE)
		o->time_running += delta;
}

/* The CPU thread @pid of @tgid last ran on ("processor", field 39 of its
 * stat), -1 if it cannot be read. */
static int thread_cpu(__u32 tgid, __u32 pid)
{
	char path[64], line[512], *p;
	int cpu = -1, n;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%u/task/%u/stat", tgid, pid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	/* "pid (comm) S ...": the comm may hold spaces and parentheses;
	 * the state is field 3, the processor field 39. */
	if (fgets(line, sizeof(line), f) && (p = strrchr(line, ')'))) {
		for (n = 0; p && n < 37; n++)
			p = strchr(p + 1, ' ');
		if (p && sscanf(p + 1, "%d", &cpu) != 1)
			cpu = -1;
	}
	fclose(f);
	return cpu;
}

/*
 * Where a task-scoped event's task is now, for model_settle: on no CPU
 * when its context's time stands still (the kernel runs the context only
 * while the task is on a CPU); else where the event runs, or where the
 * task's stat says it is.
 */
static void task_place(struct owner_record *o, const struct pcrw_perf_rec *r)
{
	if (!o->task_scope || !r->target_pid)
		return;
	o->task_cpu_known = true;
	if (!(r->flags & PCRW_PERF_CTX_ACTIVE))
		o->task_cpu = -1;
	else if (r->state == PERF_STATE_ACTIVE && r->oncpu >= 0)
		o->task_cpu = r->oncpu;
	else
		o->task_cpu = thread_cpu(r->target_tgid, r->target_pid);
	if (r->flags & PCRW_PERF_CTX_ACTIVE && o->task_cpu < 0)
		o->task_cpu_known = false; /* running, but where is unknown */
}

static void to_record(struct owner_record *o, const struct perf_snapshot *s,
		      const struct pcrw_perf_rec *r, int kver)
{
	const struct pcrw_perf_rec *parent, *leader;

	memset(o, 0, sizeof(*o));
	o->id = hash_addr(r->event);
	o->group_id = hash_addr(r->leader);
	o->found_by = r->how;
	o->target_tgid = r->target_tgid;
	o->target_pid = r->target_pid;
	o->task_scope = r->target_pid != 0 || r->cpu < 0;
	o->state = slot_state_of(r->state);
	leader = r->leader != r->event ? find_event(s, r->leader) : NULL;
	o->leader_off = leader && leader->state == PERF_STATE_OFF;
	task_place(o, r);
	/* A running task-scoped event sits on the CPU its task runs on. */
	o->cpu = o->state == SLOT_ACTIVE && r->oncpu >= 0 ? r->oncpu : r->cpu;
	o->hw_idx = o->state == SLOT_ACTIVE && (r->flags & PCRW_PERF_HW)
			    ? r->hw_idx
			    : -1;
	o->slot = perf_idx_to_slot(r->pmu_name, o->hw_idx, kver);
	o->pinned = r->flags & PCRW_PERF_PINNED;
	o->exclusive = r->flags & PCRW_PERF_EXCLUSIVE;
	snprintf(o->pmu, sizeof(o->pmu), "%s", r->pmu_name);
	o->pmu_type = r->type;
	o->config = r->config;
	/* An inherited copy takes its attr from the parent after the kernel
	 * rewrote the type to the PMU's own: the parent knows the original. */
	parent = r->how == PCRW_FOUND_CHILD ? find_event(s, r->parent) : NULL;
	if (parent)
		o->pmu_type = parent->type;
	perf_event_name(o->pmu_type, r->config, r->pmu_name, o->event,
			sizeof(o->event));
	event_times(o, r);
	attribute(o, s, r);
}

/* What the pinned tracking programs saw since `pcrwatch attach`. */
static void note_tracking(struct model *m)
{
	__u64 st[PCRW_NR_PSTATS];
	char how[160];

	if (perf_track_stats(st, PCRW_NR_PSTATS)) {
		model_note(m, "perf tracking not attached (`pcrwatch attach`): "
			      "each refresh is a fresh snapshot");
		return;
	}
	perf_track_describe(how, sizeof(how));
	model_note(m, "perf tracking: %s", how);
	model_note(m,
		   "perf tracking since attach: %llu opened, %llu hardware "
		   "allocated, %llu freed, %llu counter owner changes, "
		   "%llu lost",
		   (unsigned long long)st[PCRW_PSTAT_OPEN],
		   (unsigned long long)st[PCRW_PSTAT_ALLOC],
		   (unsigned long long)st[PCRW_PSTAT_FREE],
		   (unsigned long long)st[PCRW_PSTAT_CHANGE],
		   (unsigned long long)st[PCRW_PSTAT_DROP]);
	m->events_by_kind[PCRW_EV_OWNER_CHANGE] += st[PCRW_PSTAT_CHANGE];
	m->events_lost += st[PCRW_PSTAT_DROP];
}

static struct perf_snapshot snap;
static bool snap_open;

/* Two distinct events on one (CPU, counter): the snapshot read one before
 * and one after a multiplexing rotation moved them. */
static bool torn(const struct perf_snapshot *s)
{
	size_t i, j;

	for (i = 0; i < s->nr; i++) {
		const struct pcrw_perf_rec *a = &s->recs[i];

		if (a->state != PERF_STATE_ACTIVE || a->hw_idx < 0 ||
		    !(a->flags & PCRW_PERF_HW))
			continue;
		for (j = i + 1; j < s->nr; j++) {
			const struct pcrw_perf_rec *b = &s->recs[j];

			if (b->event != a->event &&
			    b->state == PERF_STATE_ACTIVE &&
			    b->hw_idx == a->hw_idx && b->oncpu == a->oncpu &&
			    b->pmu_type == a->pmu_type)
				return true;
		}
	}
	return false;
}

#define SNAPSHOT_TRIES 8

int perf_source_collect(struct model *m)
{
	struct owner_record o;
	size_t i, nr_sw = 0;
	int err, tries, kver = perf_kernel_version();

	if (!snap_open) {
		err = perf_snapshot_open(&snap);
		if (err) {
			model_note(m,
				   "perf events cannot be listed: loading "
				   "the BPF iterator failed (%s; needs root)",
				   strerror(-err));
			return 0;
		}
		snap_open = true;
	}
	for (tries = 0; tries < SNAPSHOT_TRIES; tries++) {
		err = perf_snapshot_take(&snap);
		if (err)
			return err;
		if (!torn(&snap))
			break;
	}
	if (tries == SNAPSHOT_TRIES)
		model_note(m,
			   "counters moved while being read (multiplexing) "
			   "in %d snapshots: two events may show one counter",
			   SNAPSHOT_TRIES);
	qsort(snap.recs, snap.nr, sizeof(snap.recs[0]), cmp_event);
	for (i = 0; i < snap.nr; i++) {
		const struct pcrw_perf_rec *r = &snap.recs[i];

		if (i && r->event == snap.recs[i - 1].event)
			continue; /* the same event through another fd */
		if (!(r->flags & PCRW_PERF_HW)) {
			nr_sw++;
			if (!m->include_software)
				continue;
		}
		to_record(&o, &snap, r, kver);
		err = model_add(m, &o);
		if (err)
			return err;
	}
	if (!m->pmu.present)
		model_note(m,
			   "%zu software perf event(s) seen; none of them "
			   "can hold a hardware counter%s",
			   nr_sw,
			   m->include_software ? "" : " (--all lists them)");
	note_tracking(m);
	if (snap.ctx_truncated)
		model_note(m, "a perf context held more fileless events than "
			      "one walk lists (64): some are not listed");
	if (!snap.cpu_ctx_walked)
		model_note(m,
			   "per-CPU perf contexts not walked here (per-PMU "
			   "before 6.2, or perf_cpu_context not in kallsyms): "
			   "fileless kernel counters found in task contexts "
			   "only");
	return 0;
}
