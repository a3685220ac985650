// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The "perf" program group: perf_track.bpf.c pinned under
 * /sys/fs/bpf/pcrwatch/perf/ (maps events, slots, stats; one link_<prog>
 * pin per attached program). Lifecycle by BPF LSM, else fentry/fexit on
 * the kernel functions around the same hook, and only where neither
 * attaches by the perf_event_open syscall tracepoint, the last rung (it
 * slows every syscall of every process); placement by fentry/fexit on the
 * PMU driver's add/del, else none (the snapshot each refresh places
 * events). PCRWATCH_PERF_LIFECYCLE=lsm|fentry|tracepoint starts the ladder
 * lower down (tests).
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "component.h"
#include "model.h"
#include "kernel_probe.h"
#include "perf_decode.h"
#include "perf_track.skel.h"
#include "perf_component.h"
#include "map_size.h"
#include "perf_snapshot.h"

#define LIFECYCLE_ENV "PCRWATCH_PERF_LIFECYCLE"

/* The PMU driver functions that put events on counters and take them off. */
static const char *const place_targets[][2] = {
	{ "armpmu_add", "armpmu_del" },
	{ "x86_pmu_add", "x86_pmu_del" },
};

static int pin_link(struct bpf_link *link, const char *prog)
{
	char name[64];

	snprintf(name, sizeof(name), "link_%s", prog);
	return pcrw_pin_link(link, PCRW_GROUP_PERF, name);
}

static int perf_detach(void)
{
	char path[512];
	struct dirent *e;
	DIR *d;
	int err = 0;

	d = opendir(PCRW_PIN_ROOT "/" PCRW_GROUP_PERF);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s/%s", PCRW_PIN_ROOT,
			 PCRW_GROUP_PERF, e->d_name);
		if (unlink(path) && !err)
			err = -errno;
	}
	closedir(d);
	if (rmdir(PCRW_PIN_ROOT "/" PCRW_GROUP_PERF) && !err)
		err = -errno;
	return err;
}

static bool pinned(const char *name)
{
	return pcrw_pinned(PCRW_GROUP_PERF, name);
}

static bool perf_attached(void)
{
	return pinned("events") && pinned("stats");
}

void perf_track_describe(char *how, size_t len)
{
	const char *life = "snapshots only", *free_side = "";
	bool tp = pinned("link_track_open");
	char pmu[64];

	if (!probe_hw_pmu(pmu, sizeof(pmu)))
		life = "none, no hardware PMU to follow";
	if (pinned("link_track_alloc"))
		life = "LSM perf_event_alloc";
	else if (pinned("link_track_alloc_fexit"))
		life = "fexit security_perf_event_alloc";
	else if (tp)
		life = "perf_event_open tracepoint";
	if (pinned("link_track_free"))
		free_side = "/free";
	else if (pinned("link_track_release"))
		free_side = ", fentry perf_event_release_kernel";
	snprintf(how, len, "lifecycle: %s%s; placement: %s%s", life, free_side,
		 pinned("link_track_add") ? "fentry on the PMU driver's add/del"
					  : "periodic snapshots",
		 tp ? "; that syscall tracepoint is the last rung, used where "
		      "no LSM or fentry attaches (every syscall pays)"
		    : "");
}

/* Where PCRWATCH_PERF_LIFECYCLE starts the ladder (RUNG_LSM: unset);
 * -EINVAL for a value it does not know. */
static int lifecycle_from_env(enum probe_rung *from)
{
	static const char *const names[] = { "lsm", "fentry", "tracepoint" };
	const char *v = getenv(LIFECYCLE_ENV);
	size_t i;

	*from = RUNG_LSM;
	if (!v || !*v)
		return 0;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(v, names[i])) {
			*from = (enum probe_rung)i;
			return 0;
		}
	return -EINVAL;
}

static bool pick_placement(struct perf_track_bpf *skel)
{
	size_t i;

	for (i = 0; i < sizeof(place_targets) / sizeof(place_targets[0]); i++)
		if (probe_fentry_can_attach(place_targets[i][0]) &&
		    probe_fentry_can_attach(place_targets[i][1])) {
			bpf_program__set_attach_target(skel->progs.track_add, 0,
						       place_targets[i][0]);
			bpf_program__set_attach_target(skel->progs.track_del, 0,
						       place_targets[i][1]);
			return true;
		}
	return false;
}

/* Pin the maps and the link of every program that was loaded. */
static int pin_all(struct perf_track_bpf *skel)
{
	const struct bpf_object_skeleton *sk = skel->skeleton;
	int i, err;

	err = pcrw_pin_map(skel->maps.events, PCRW_GROUP_PERF, "events") ?:
	      pcrw_pin_map(skel->maps.slots, PCRW_GROUP_PERF, "slots") ?:
	      pcrw_pin_map(skel->maps.stats, PCRW_GROUP_PERF, "stats") ?:
	      pcrw_pin_map(skel->maps.event_counts, PCRW_GROUP_PERF,
			   PCRW_EVENT_COUNTS_MAP);
	for (i = 0; !err && i < sk->prog_cnt; i++) {
		const struct bpf_prog_skeleton *ps = &sk->progs[i];

		if (!bpf_program__autoload(*ps->prog))
			continue;
		err = *ps->link ? pin_link(*ps->link, ps->name) : -ENOENT;
	}
	return err;
}

static int perf_attach(const struct attach_opts *o, char *how, size_t len)
{
	struct perf_track_bpf *skel;
	enum probe_rung from, lc;
	bool release, lsm_free, place;
	char pmu[32] = "";
	int err;

	ensure_kernel_fs();
	if (perf_attached()) {
		perf_track_describe(how, len);
		return 0;
	}
	if (lifecycle_from_env(&from)) {
		snprintf(how, len,
			 "%s='%s': expected lsm, fentry or tracepoint",
			 LIFECYCLE_ENV, getenv(LIFECYCLE_ENV));
		return -EINVAL;
	}
	lc = probe_perf_lifecycle(from, &release);
	lsm_free = lc == RUNG_LSM && !release;
	skel = perf_track_bpf__open();
	if (!skel) {
		snprintf(how, len, "cannot open the BPF object");
		return -errno ? -errno : -ENOMEM;
	}
	err = pcrw_size_maps(skel->obj);
	if (err) {
		snprintf(how, len, "cannot size its maps: %s", strerror(-err));
		perf_track_bpf__destroy(skel);
		return err;
	}
	probe_hw_pmu(pmu, sizeof(pmu));
	skel->rodata->arm_pmu = !strncmp(pmu, "armv", 4);
	skel->rodata->arm_old_idx = perf_kernel_version() < 6011;
	bpf_program__set_autoload(skel->progs.track_alloc, lc == RUNG_LSM);
	bpf_program__set_autoload(skel->progs.track_free, lsm_free);
	bpf_program__set_autoload(skel->progs.track_alloc_fexit,
				  lc == RUNG_FENTRY);
	bpf_program__set_autoload(skel->progs.track_release, release);
	bpf_program__set_autoload(skel->progs.track_open,
				  lc == RUNG_TRACEPOINT);
	place = pick_placement(skel);
	bpf_program__set_autoload(skel->progs.track_add, place);
	bpf_program__set_autoload(skel->progs.track_del, place);
	err = perf_track_bpf__load(skel);
	if (err) {
		snprintf(how, len, "load failed: %s", strerror(-err));
		goto cleanup;
	}
	err = perf_track_bpf__attach(skel);
	if (err) {
		snprintf(how, len, "attach failed: %s", strerror(-err));
		goto cleanup;
	}
	err = pin_all(skel);
	if (err) {
		snprintf(how, len, "pinning failed: %s", strerror(-err));
		perf_detach();
		goto cleanup;
	}
	/* Pinned iterators spare every one-shot `who` their load. Without
	 * them the views load their own: slower, not wrong. */
	perf_snapshot_pin();
	perf_track_describe(how, len);
cleanup:
	perf_track_bpf__destroy(skel);
	return err;
}

int perf_track_stats(__u64 *out, int nr)
{
	int fd, ncpu = libbpf_num_possible_cpus(), i, c, err = 0;
	__u64 vals[PCRW_MAX_CPUS];

	if (ncpu <= 0 || ncpu > PCRW_MAX_CPUS)
		return -EINVAL;
	fd = pcrw_obj_get(PCRW_GROUP_PERF, "stats");
	if (fd < 0)
		return -errno;
	for (i = 0; i < nr; i++) {
		__u32 key = i;

		out[i] = 0;
		if (bpf_map_lookup_elem(fd, &key, vals)) {
			err = -errno;
			break;
		}
		for (c = 0; c < ncpu; c++)
			out[i] += vals[c];
	}
	close(fd);
	return err;
}

const struct component perf_component = {
	.name = PCRW_GROUP_PERF,
	.attach = perf_attach,
	.detach = perf_detach,
	.attached = perf_attached,
	.counts_map = PCRW_EVENT_COUNTS_MAP,
	.collect = perf_source_collect,
	.source_name = "perf",
};
