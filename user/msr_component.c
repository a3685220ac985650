// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The msr group: loads bpf/msr_watch.bpf.c with the discovered PMU shape,
 * attaches it (raw_tp where the kernel allows, else the classic
 * tracepoints), pins links, maps and the test-run programs under
 * /sys/fs/bpf/pcrwatch/msr/, then scans for counters that firmware (or
 * anything before us) left enabled.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "pcrwatch.h"
#include "component.h"
#include "kernel_probe.h"
#include "model.h"
#include "msr.h"
#include "msr_watch.skel.h"

/* Every name this group pins, so detach removes exactly these. */
static const char *const pin_names[] = {
	"link_write_msr",
	"link_read_msr",
	"link_rdpmc",
	"link_dev_enter",
	"link_dev_exit",
	"prog_write_msr",
	"prog_read_msr",
	"prog_mark_held",
	"shadow",
	"cpu_state",
	"pending",
	"inflight",
	PCRW_EVENTS_RINGBUF,
	PCRW_EVENT_COUNTS_MAP,
	"rodata",
};

int msr_pin_get(const char *name)
{
	int fd = pcrw_obj_get(MSR_GROUP, name);

	return fd < 0 ? -errno : fd;
}

int msr_attached_shape(struct pmu_shape *s)
{
	struct msr_watch_bpf__rodata *ro;
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info), key = 0;
	void *buf;
	int fd, err;

	fd = msr_pin_get("rodata");
	if (fd < 0)
		return fd;
	err = bpf_obj_get_info_by_fd(fd, &info, &len);
	if (err || info.value_size < sizeof(*ro)) {
		close(fd);
		return err ? -errno : -EINVAL;
	}
	buf = calloc(1, info.value_size);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	err = bpf_map_lookup_elem(fd, &key, buf) ? -errno : 0;
	if (!err) {
		ro = buf;
		s->vendor = ro->pmu_vendor;
		s->nr_gp = ro->pmu_nr_gp;
		s->nr_fixed = ro->pmu_nr_fixed;
		s->version = ro->pmu_version;
	}
	free(buf);
	close(fd);
	return err;
}

static bool msr_attached(void)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s/link_write_msr", PCRW_PIN_ROOT,
		 MSR_GROUP);
	return access(path, F_OK) == 0;
}

static int msr_detach(void)
{
	size_t i;
	int err = 0;

	for (i = 0; i < sizeof(pin_names) / sizeof(pin_names[0]); i++)
		err = pcrw_unpin(MSR_GROUP, pin_names[i]) ?: err;
	return err; /* pcrwatch detach removes the empty folder */
}

/* Attach @prog and pin its link as @name. */
static int attach_pin(struct bpf_program *prog, const char *name)
{
	struct bpf_link *l = bpf_program__attach(prog);
	int err;

	if (!l)
		return -errno;
	err = pcrw_pin_link(l, MSR_GROUP, name);
	bpf_link__destroy(l); /* the pin keeps it attached */
	return err;
}

/* Slots perf itself holds now (when the perf source is in this build), so
 * the start-up scan does not call them firmware's. */
static bool perf_holds(const struct model *perf, int cpu, int slot)
{
	size_t i;

	for (i = 0; perf && i < perf->nr_recs; i++)
		if (perf->recs[i].cpu == cpu && perf->recs[i].slot == slot &&
		    perf->recs[i].state == SLOT_ACTIVE)
			return true;
	return false;
}

static int mark_held(int prog_fd, int cpu, __u32 slot, __u64 val, __u32 msr)
{
	struct pcrw_msr_held_ctx ctx = { .slot = slot,
					 .value = val,
					 .msr = msr };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx), .flags = BPF_F_TEST_RUN_ON_CPU,
		    .cpu = (__u32)cpu);

	return bpf_prog_test_run_opts(prog_fd, &opts) ? -errno
						      : (int)opts.retval;
}

/*
 * The kernel's check_hw_exists() way, for every CPU: read each event select
 * and IA32_FIXED_CTR_CTRL through /dev/cpu/N/msr; an enabled counter that
 * nobody here programmed is firmware-held. On Intel v4+ also read
 * IA32_PERF_GLOBAL_INUSE: the read_msr program compares it with the shadow.
 */
static int scan_firmware(const struct pmu_shape *s, int prog_fd, char *how,
			 size_t len)
{
	struct model perf;
	char path[64];
	int cpu, ncpu = libbpf_num_possible_cpus(), held = 0, scanned = 0;
	__u64 v;
	__u32 i;

	model_init(&perf);
	if (perf_source_collect)
		perf_source_collect(&perf);
	for (cpu = 0; cpu < ncpu; cpu++) {
		int fd;

		snprintf(path, sizeof(path), "/dev/cpu/%d/msr", cpu);
		fd = open(path, O_RDONLY);
		if (fd < 0)
			continue;
		scanned++;
		for (i = 0; i < s->nr_gp; i++) {
			__u32 msr = msr_pmu_evtsel(s, i);

			if (pread(fd, &v, 8, msr) == 8 && (v & PMU_EVTSEL_EN) &&
			    !perf_holds(&perf, cpu, (int)i))
				held += mark_held(prog_fd, cpu, i, v, msr) > 0;
		}
		if (s->nr_fixed &&
		    pread(fd, &v, 8, MSR_IA32_FIXED_CTR_CTRL) == 8)
			for (i = 0; i < s->nr_fixed; i++) {
				__u64 f = pmu_fixed_field(v, i);

				if ((f & PMU_FIXED_FIELD_EN) &&
				    !perf_holds(&perf, cpu,
						PMU_SLOT_FIXED0 + i))
					held += mark_held(
							prog_fd, cpu,
							PMU_SLOT_FIXED0 + i, f,
							MSR_IA32_FIXED_CTR_CTRL) >
						0;
			}
		if (s->vendor == PMU_VENDOR_INTEL && s->version >= 4)
			(void)!pread(fd, &v, 8, MSR_IA32_PERF_GLOBAL_INUSE);
		close(fd);
	}
	model_free(&perf);
	if (!scanned)
		snprintf(how, len,
			 "; firmware-held not checked: no /dev/cpu/N/msr "
			 "(modprobe msr)");
	else
		snprintf(how, len,
			 "; %d CPUs scanned, %d counters firmware-held",
			 scanned, held);
	return held;
}

static int msr_attach(const struct attach_opts *o, char *how, size_t len)
{
	struct msr_watch_bpf *skel = NULL;
	struct pmu_shape shape;
	char src[160], scan[96] = "";
	const char *attach_env;
	bool raw, devtp;
	int err;

	if (msr_attached()) {
		snprintf(how, len, "already attached");
		return 0;
	}
	if (!probe_tracepoint_exists("msr", "write_msr")) {
		snprintf(how, len,
			 "this kernel has no msr tracepoints (x86 only): "
			 "direct MSR programming is not seen");
		return -EOPNOTSUPP;
	}
	err = msr_pmu_discover(&shape, src, sizeof(src));
	if (err) {
		snprintf(how, len, "%s", src);
		return err;
	}
	/* MSR_ATTACH_ENV=tracepoint skips the raw_tp rung (tests, and
	 * kernels that refuse raw_tp to this process). */
	attach_env = getenv(MSR_ATTACH_ENV);
	if (attach_env && *attach_env && strcmp(attach_env, "tracepoint") &&
	    strcmp(attach_env, "raw_tp")) {
		snprintf(how, len, "%s='%s': expected raw_tp or tracepoint",
			 MSR_ATTACH_ENV, attach_env);
		return -EINVAL;
	}
	raw = (!attach_env || strcmp(attach_env, "tracepoint")) &&
	      probe_raw_tp_can_attach("write_msr");
	devtp = probe_tracepoint_exists("syscalls", "sys_enter_pwrite64") &&
		probe_tracepoint_exists("syscalls", "sys_exit_pwrite64");

	skel = msr_watch_bpf__open();
	if (!skel) {
		err = -errno;
		snprintf(how, len, "cannot open the BPF object: %s",
			 strerror(-err));
		return err;
	}
	skel->rodata->pmu_vendor = shape.vendor;
	skel->rodata->pmu_nr_gp = shape.nr_gp;
	skel->rodata->pmu_nr_fixed = shape.nr_fixed;
	skel->rodata->pmu_version = shape.version;
	bpf_program__set_autoload(raw ? skel->progs.msr_write_tp
				      : skel->progs.msr_write_raw,
				  false);
	bpf_program__set_autoload(raw ? skel->progs.msr_read_tp
				      : skel->progs.msr_read_raw,
				  false);
	bpf_program__set_autoload(raw ? skel->progs.msr_rdpmc_tp
				      : skel->progs.msr_rdpmc_raw,
				  false);
	bpf_program__set_autoload(skel->progs.msr_dev_enter, devtp);
	bpf_program__set_autoload(skel->progs.msr_dev_exit, devtp);
	err = msr_watch_bpf__load(skel);
	if (err) {
		snprintf(how, len,
			 "cannot load the BPF programs: %s (-v shows the "
			 "verifier log)",
			 strerror(-err));
		goto cleanup;
	}
	err = attach_pin(raw ? skel->progs.msr_write_raw
			     : skel->progs.msr_write_tp,
			 "link_write_msr");
	err = err
		      ?: attach_pin(raw ? skel->progs.msr_read_raw
					: skel->progs.msr_read_tp,
				    "link_read_msr");
	err = err
		      ?: attach_pin(raw ? skel->progs.msr_rdpmc_raw
					: skel->progs.msr_rdpmc_tp,
				    "link_rdpmc");
	if (devtp) {
		err = err
			      ?: attach_pin(skel->progs.msr_dev_enter,
					    "link_dev_enter");
		err = err
			      ?: attach_pin(skel->progs.msr_dev_exit,
					    "link_dev_exit");
	}
	if (raw) {
		err = err ?: pcrw_pin_prog(skel->progs.msr_write_raw,
					   MSR_GROUP, "prog_write_msr");
		err = err ?: pcrw_pin_prog(skel->progs.msr_read_raw,
					   MSR_GROUP, "prog_read_msr");
	}
	err = err ?: pcrw_pin_prog(skel->progs.msr_mark_held, MSR_GROUP,
				   "prog_mark_held");
	err = err ?: pcrw_pin_map(skel->maps.shadow, MSR_GROUP, "shadow");
	err = err ?: pcrw_pin_map(skel->maps.cpu_state, MSR_GROUP, "cpu_state");
	err = err ?: pcrw_pin_map(skel->maps.pending, MSR_GROUP, "pending");
	err = err ?: pcrw_pin_map(skel->maps.inflight, MSR_GROUP, "inflight");
	err = err ?: pcrw_pin_map(skel->maps.events, MSR_GROUP,
				  PCRW_EVENTS_RINGBUF);
	err = err ?: pcrw_pin_map(skel->maps.event_counts, MSR_GROUP,
				  PCRW_EVENT_COUNTS_MAP);
	err = err ?: pcrw_pin_map(skel->maps.rodata, MSR_GROUP, "rodata");
	if (err) {
		snprintf(how, len, "cannot attach or pin: %s", strerror(-err));
		goto cleanup;
	}
	scan_firmware(&shape, bpf_program__fd(skel->progs.msr_mark_held), scan,
		      sizeof(scan));
	snprintf(how, len,
		 "%s on msr:write_msr,read_msr,rdpmc; PMU %s, %u general + %u "
		 "fixed counters; %s%s",
		 raw ? "raw_tp" : "tracepoint", src, shape.nr_gp,
		 shape.nr_fixed,
		 devtp ? "/dev/cpu/N/msr writers named through "
			 "syscalls:sys_enter_pwrite64"
		       : "no syscalls:sys_enter_pwrite64: direct writers are "
			 "not told apart from perf",
		 scan);
cleanup:
	msr_watch_bpf__destroy(skel);
	if (err)
		msr_detach();
	return err;
}

const struct component msr_component = {
	.name = MSR_GROUP,
	.attach = msr_attach,
	.detach = msr_detach,
	.attached = msr_attached,
};
