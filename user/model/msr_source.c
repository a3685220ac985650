// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The MSR source of the ownership model: the pinned per-CPU shadow state of
 * bpf/msr_watch.bpf.c turned into owner records, one per (CPU, counter)
 * that anyone programmed or tried to, plus one per CPU whose global enable
 * register a process wrote directly.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "kernel_probe.h"
#include "model.h"
#include "msr.h"

static const char *const fixed_names[] = {
	"instructions",
	"cycles",
	"ref-cycles",
	"slots",
};

static void describe(char *buf, size_t len, __u32 slot, __u64 v)
{
	__u32 j = slot - PMU_SLOT_FIXED0;

	if (slot >= PMU_SLOT_FIXED0)
		snprintf(buf, len, "fixed%u %s", j,
			 j < 4 ? fixed_names[j] : "");
	else /* AMD keeps event bits 8-11 in evtsel bits 32-35 */
		snprintf(buf, len, "event=0x%llx,umask=0x%02llx",
			 (unsigned long long)((v & 0xff) | ((v >> 24) & 0xf00)),
			 (unsigned long long)((v >> 8) & 0xff));
}

static void slot_record(struct model *m, int cpu, __u32 slot,
			const struct pcrw_msr_slot *s)
{
	struct owner_record r;

	memset(&r, 0, sizeof(r));
	r.id = (__u64)cpu << 32 | slot;
	r.cpu = cpu;
	r.hw_idx = (int)slot;
	r.slot = (int)slot;
	r.attributed = true;
	snprintf(r.pmu, sizeof(r.pmu), "cpu (msr)");
	r.pmu_type = 4; /* PERF_TYPE_RAW: an event select value */
	r.conflicts = s->nr_clobbers;
	/* The perf source describes perf's events; a counter perf has
	 * switched off is only history here. */
	if (s->owned && (s->enabled || s->owner_path != PCRW_PATH_PERF)) {
		r.path = s->owner_path;
		r.owner = s->owner;
		r.config = s->evtsel;
		r.state = s->enabled ? SLOT_ACTIVE : SLOT_OFF;
		describe(r.event, sizeof(r.event), slot, s->evtsel);
		model_add(m, &r);
	}
	/* A faulted write changed nothing, but it was tried: show who. */
	if (s->attempt_failed &&
	    (!s->owned || s->attempt.tgid != s->owner.tgid ||
	     s->attempt_path != s->owner_path)) {
		r.id |= 1ULL << 63;
		r.path = s->attempt_path;
		r.owner = s->attempt;
		r.config = s->attempt_value;
		r.state = SLOT_ERROR;
		r.conflicts = 0;
		snprintf(r.event, sizeof(r.event), "#GP on wrmsr 0x%x",
			 s->attempt_msr);
		model_add(m, &r);
	}
}

/* The msr group's per-CPU map @name, and in *@v room for one lookup of it
 * (@ncpu values of @size): its fd, or a negative errno. */
static int percpu_open(const char *name, int ncpu, size_t size, void **v)
{
	int fd = msr_pin_get(name);

	if (fd < 0)
		return fd;
	*v = calloc((size_t)ncpu, size);
	if (!*v) {
		close(fd);
		return -ENOMEM;
	}
	return fd;
}

static int collect_slots(struct model *m, int ncpu)
{
	struct pcrw_msr_slot *v;
	__u32 slot;
	int fd, cpu, err = 0;

	fd = percpu_open("shadow", ncpu, sizeof(*v), (void **)&v);
	if (fd < 0)
		return fd;
	for (slot = 0; slot < PCR_MAX_SLOTS && !err; slot++) {
		if (bpf_map_lookup_elem(fd, &slot, v)) {
			err = -errno;
			break;
		}
		for (cpu = 0; cpu < ncpu; cpu++)
			if (v[cpu].owned || v[cpu].attempt_ts_ns)
				slot_record(m, cpu, slot, &v[cpu]);
	}
	free(v);
	close(fd);
	return err;
}

static int collect_globals(struct model *m, int ncpu)
{
	struct pcrw_msr_cpu *v;
	struct owner_record r;
	__u32 key = 0;
	int fd, cpu, err = 0;

	fd = percpu_open("cpu_state", ncpu, sizeof(*v), (void **)&v);
	if (fd < 0)
		return fd;
	if (bpf_map_lookup_elem(fd, &key, v))
		err = -errno;
	for (cpu = 0; cpu < ncpu && !err; cpu++) {
		if (v[cpu].global_path != PCRW_PATH_MSR_DEV)
			continue;
		memset(&r, 0, sizeof(r));
		r.id = (__u64)cpu << 32 | v[cpu].global_msr;
		r.cpu = cpu;
		r.hw_idx = -1;
		r.slot = -1;
		r.path = v[cpu].global_path;
		r.owner = v[cpu].global_writer;
		r.attributed = true;
		snprintf(r.pmu, sizeof(r.pmu), "cpu (msr)");
		r.config = v[cpu].global_msr == MSR_IA32_FIXED_CTR_CTRL
				   ? v[cpu].fixed_ctrl
				   : v[cpu].global_ctrl;
		r.state = SLOT_ACTIVE;
		snprintf(r.event, sizeof(r.event), "global msr 0x%x",
			 v[cpu].global_msr);
		model_add(m, &r);
	}
	free(v);
	close(fd);
	return err;
}

/* Read IA32_PERF_GLOBAL_INUSE on every CPU (Intel v4+, /dev/cpu/N/msr
 * present): the read_msr program compares it with the shadow and reports
 * counters in use that nobody here owns. */
static void poll_inuse(const struct pmu_shape *s, int ncpu)
{
	char path[64];
	__u64 v;
	int cpu, fd;

	if (s->vendor != PMU_VENDOR_INTEL || s->version < 4)
		return;
	for (cpu = 0; cpu < ncpu; cpu++) {
		snprintf(path, sizeof(path), "/dev/cpu/%d/msr", cpu);
		fd = open(path, O_RDONLY);
		if (fd < 0)
			continue;
		(void)!pread(fd, &v, sizeof(v), MSR_IA32_PERF_GLOBAL_INUSE);
		close(fd);
	}
}

int msr_source_collect(struct model *m)
{
	struct pmu_shape s;
	int ncpu = libbpf_num_possible_cpus(), err;
	char why[64];

	if (ncpu <= 0)
		return ncpu ? ncpu : -EINVAL;
	err = msr_attached_shape(&s);
	if (err == -ENOENT && probe_missing_caps(why, sizeof(why)) > 0 &&
	    !probe_tracepoint_exists("msr", "write_msr")) {
		model_note(m,
			   "MSR tracking cannot be read: this process lacks "
			   "%s (tracefs and pinned maps are root-only)",
			   why);
		return 0;
	}
	if (err == -ENOENT && !probe_tracepoint_exists("msr", "write_msr")) {
		model_note(m, "no msr tracepoints in this kernel (x86 only): "
			      "direct MSR programming is not tracked");
		return 0;
	}
	if (err == -ENOENT) {
		model_note(m, "MSR tracking is not attached (pcrwatch attach): "
			      "direct MSR programming is not shown");
		return 0;
	}
	if (err)
		return err;
	if (!m->pmu.nr_gp && !m->pmu.nr_fixed) {
		m->pmu.nr_gp = (int)s.nr_gp;
		m->pmu.nr_fixed = (int)s.nr_fixed;
	}
	if (s.vendor == PMU_VENDOR_NONE)
		model_note(m, "MSR tracking: no Intel or AMD PMU known on this "
			      "CPU, no MSR is classified as a counter");
	poll_inuse(&s, ncpu);
	err = collect_slots(m, ncpu);
	if (!err)
		err = collect_globals(m, ncpu);
	return err;
}
