// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The "perf" program group: perf_track.bpf.c pinned under
 * /sys/fs/bpf/pcrwatch/perf/ (maps events, slots, stats; one link_<prog>
 * pin per attached program). Lifecycle by BPF LSM, else the syscall
 * tracepoint; placement by fentry/fexit on the PMU driver's add/del, else
 * none (the snapshot each refresh places events).
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "component.h"
#include "kernel_probe.h"
#include "perf_decode.h"
#include "perf_track.skel.h"
#include "perf_track_info.h"

#define GROUP "perf"

/* The PMU driver functions that put events on counters and take them off. */
static const char *const place_targets[][2] = {
	{ "armpmu_add", "armpmu_del" },
	{ "x86_pmu_add", "x86_pmu_del" },
};

static int pin_link(struct bpf_link *link, const char *prog)
{
	char name[64];

	snprintf(name, sizeof(name), "link_%s", prog);
	return pcrw_pin_link(link, GROUP, name);
}

static int perf_detach(void)
{
	char path[512];
	struct dirent *e;
	DIR *d;
	int err = 0;

	d = opendir(PCRW_PIN_ROOT "/" GROUP);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s/%s", PCRW_PIN_ROOT, GROUP,
			 e->d_name);
		if (unlink(path) && !err)
			err = -errno;
	}
	closedir(d);
	if (rmdir(PCRW_PIN_ROOT "/" GROUP) && !err)
		err = -errno;
	return err;
}

static bool pinned(const char *name)
{
	return pcrw_pinned(GROUP, name);
}

static bool perf_attached(void)
{
	return pinned("events") && pinned("stats");
}

void perf_track_describe(char *how, size_t len)
{
	snprintf(how, len, "lifecycle: %s%s; placement: %s",
		 pinned("link_track_alloc") ? "LSM perf_event_alloc" :
		 pinned("link_track_open")  ? "perf_event_open tracepoint" :
					      "snapshots only",
		 pinned("link_track_free")    ? "/free" :
		 pinned("link_track_release") ? ", fentry perf_event_release_kernel" :
						"",
		 pinned("link_track_add") ? "fentry on the PMU driver's add/del" :
					    "periodic snapshots");
}

static int perf_attach(const struct attach_opts *o, char *how, size_t len)
{
	struct perf_track_bpf *skel;
	bool lsm, lsm_free, release, tp, place = false;
	char pmu[32] = "";
	size_t i;
	int err;

	ensure_kernel_fs();
	if (perf_attached()) {
		perf_track_describe(how, len);
		return 0;
	}
	lsm = probe_lsm_can_attach("perf_event_alloc");
	lsm_free = lsm && probe_lsm_can_attach("perf_event_free");
	release = lsm && !lsm_free &&
		  probe_fentry_can_attach("perf_event_release_kernel");
	tp = !lsm && probe_tracepoint_exists("syscalls", "sys_exit_perf_event_open");
	skel = perf_track_bpf__open();
	if (!skel) {
		snprintf(how, len, "cannot open the BPF object");
		return -errno ? -errno : -ENOMEM;
	}
	probe_hw_pmu(pmu, sizeof(pmu));
	skel->rodata->arm_pmu = !strncmp(pmu, "armv", 4);
	skel->rodata->arm_old_idx = perf_kernel_version() < 6011;
	bpf_program__set_autoload(skel->progs.track_alloc, lsm);
	bpf_program__set_autoload(skel->progs.track_free, lsm_free);
	bpf_program__set_autoload(skel->progs.track_release, release);
	bpf_program__set_autoload(skel->progs.track_open, tp);
	for (i = 0; i < sizeof(place_targets) / sizeof(place_targets[0]); i++)
		if (probe_fentry_can_attach(place_targets[i][0]) &&
		    probe_fentry_can_attach(place_targets[i][1])) {
			bpf_program__set_attach_target(skel->progs.track_add, 0,
						       place_targets[i][0]);
			bpf_program__set_attach_target(skel->progs.track_del, 0,
						       place_targets[i][1]);
			place = true;
			break;
		}
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
	err = pcrw_pin_map(skel->maps.events, GROUP, "events") ?:
	      pcrw_pin_map(skel->maps.slots, GROUP, "slots") ?:
	      pcrw_pin_map(skel->maps.stats, GROUP, "stats");
	if (!err && lsm)
		err = pin_link(skel->links.track_alloc, "track_alloc");
	if (!err && lsm_free)
		err = pin_link(skel->links.track_free, "track_free");
	if (!err && release)
		err = pin_link(skel->links.track_release, "track_release");
	if (!err && tp)
		err = pin_link(skel->links.track_open, "track_open");
	if (!err && place)
		err = pin_link(skel->links.track_add, "track_add") ?:
		      pin_link(skel->links.track_del, "track_del");
	if (err) {
		snprintf(how, len, "pinning failed: %s", strerror(-err));
		perf_detach();
		goto cleanup;
	}
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
	fd = pcrw_obj_get(GROUP, "stats");
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
	.name = GROUP,
	.attach = perf_attach,
	.detach = perf_detach,
	.attached = perf_attached,
};
