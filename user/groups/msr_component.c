// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The msr group: loads bpf/msr_watch.bpf.c with the discovered PMU shape,
 * attaches it (raw_tp where the kernel allows, else the classic
 * tracepoints), pins links, maps and the test-run programs under
 * /sys/fs/bpf/pcrwatch/msr/, then scans for counters that firmware (or
 * anything before us) left enabled.
 *
 * /dev/cpu/N/msr writers are named by fentry/fexit on the msr driver's
 * msr_write, else (no fentry) by the pwrite64 syscall tracepoints, the
 * last rung, which slows every syscall. Where no /dev/cpu/N/msr exists
 * nothing watches for writers; fentry on a module needs it loaded, so a
 * later `pcrwatch attach` adds the writer programs to an attached group
 * once the device exists (and while they are attached, msr.ko stays
 * loaded). PCRWATCH_MSR_WRITERS=tracepoint starts that ladder lower down.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "component.h"
#include "kernel_probe.h"
#include "model.h"
#include "msr.h"
#include "msr_watch.skel.h"
#include "map_size.h"

/* Every name this group pins, so detach removes exactly these. */
static const char *const pin_names[] = {
	"link_write_msr",
	"link_read_msr",
	"link_rdpmc",
	"link_dev_write",
	"link_dev_write_exit",
	"link_dev_ioctl",
	"link_dev_ioctl_exit",
	"link_regs_write",
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
	int fd = pcrw_obj_get(PCRW_GROUP_MSR, name);

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
		 PCRW_GROUP_MSR);
	return access(path, F_OK) == 0;
}

static int msr_detach(void)
{
	size_t i;
	int err = 0;

	for (i = 0; i < sizeof(pin_names) / sizeof(pin_names[0]); i++)
		err = pcrw_unpin(PCRW_GROUP_MSR, pin_names[i]) ?: err;
	return err; /* pcrwatch detach removes the empty folder */
}

/* Attach @prog and pin its link as @name. */
static int attach_pin(struct bpf_program *prog, const char *name)
{
	struct bpf_link *l = bpf_program__attach(prog);
	int err;

	if (!l)
		return -errno;
	err = pcrw_pin_link(l, PCRW_GROUP_MSR, name);
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
			 "(modprobe msr, then attach again)");
	else
		snprintf(how, len,
			 "; %d CPUs scanned, %d counters firmware-held",
			 scanned, held);
	return held;
}

#define WRITERS_ENV "PCRWATCH_MSR_WRITERS"

static bool writers_attached(void)
{
	return pcrw_pinned(PCRW_GROUP_MSR, "link_dev_write") ||
	       pcrw_pinned(PCRW_GROUP_MSR, "link_dev_enter");
}

static int pick_writers(enum probe_rung *w, char *how, size_t len)
{
	const char *v = getenv(WRITERS_ENV);
	bool fentry = !v || !*v || !strcmp(v, "fentry");

	if (!fentry && strcmp(v, "tracepoint")) {
		snprintf(how, len, "%s='%s': expected fentry or tracepoint",
			 WRITERS_ENV, v);
		return -EINVAL;
	}
	*w = probe_msr_writers(fentry ? RUNG_FENTRY : RUNG_TRACEPOINT);
	return 0;
}

/* The X86_IOC_WRMSR_REGS path's functions take fentry (with rung
 * RUNG_FENTRY): its writes fire no msr tracepoint and are seen only so. */
static bool ioctl_hooks(enum probe_rung w)
{
	static int ok = -1;

	if (ok < 0)
		ok = w == RUNG_FENTRY &&
		     probe_fentry_can_attach("wrmsr_safe_regs_on_cpu") &&
		     probe_fentry_can_attach("__wrmsr_safe_regs_on_cpu");
	return ok;
}

static const char *writers_text(enum probe_rung w)
{
	switch (w) {
	case RUNG_FENTRY:
		return ioctl_hooks(w) ? "msr writers named by fentry on "
					"msr_write and the ioctl's "
					"wrmsr_safe_regs_on_cpu"
				      : "msr writers named by fentry on "
					"msr_write (WRMSR ioctl not seen)";
	case RUNG_TRACEPOINT:
		return "msr writers named by syscalls:sys_enter_pwrite64 (no "
		       "fentry: every syscall takes the slow path)";
	case RUNG_NOT_NEEDED:
		return "no msr writer to watch (no /dev/cpu/N/msr)";
	default:
		return "no fentry and no syscalls:sys_enter_pwrite64: direct "
		       "writers are not told apart from perf";
	}
}

/* Load the programs of writer rung @w, not those of the others. */
static void set_writer_progs(struct msr_watch_bpf *skel, enum probe_rung w)
{
	bool fentry = w == RUNG_FENTRY, tp = w == RUNG_TRACEPOINT;

	bpf_program__set_autoload(skel->progs.msr_dev_write, fentry);
	bpf_program__set_autoload(skel->progs.msr_dev_write_exit, fentry);
	bpf_program__set_autoload(skel->progs.msr_dev_ioctl, ioctl_hooks(w));
	bpf_program__set_autoload(skel->progs.msr_dev_ioctl_exit,
				  ioctl_hooks(w));
	bpf_program__set_autoload(skel->progs.msr_regs_write, ioctl_hooks(w));
	bpf_program__set_autoload(skel->progs.msr_dev_enter, tp);
	bpf_program__set_autoload(skel->progs.msr_dev_exit, tp);
}

static int attach_writers(struct msr_watch_bpf *skel, enum probe_rung w)
{
	int err = 0;

	if (w == RUNG_FENTRY)
		err = attach_pin(skel->progs.msr_dev_write, "link_dev_write")
			      ?: attach_pin(skel->progs.msr_dev_write_exit,
					    "link_dev_write_exit");
	if (!err && ioctl_hooks(w))
		err = attach_pin(skel->progs.msr_dev_ioctl, "link_dev_ioctl") ?:
		      attach_pin(skel->progs.msr_dev_ioctl_exit,
				 "link_dev_ioctl_exit") ?:
		      attach_pin(skel->progs.msr_regs_write, "link_regs_write");
	if (w == RUNG_TRACEPOINT)
		err = attach_pin(skel->progs.msr_dev_enter, "link_dev_enter")
			      ?: attach_pin(skel->progs.msr_dev_exit,
					    "link_dev_exit");
	return err;
}

/* The group is attached without writer programs and /dev/cpu/N/msr now
 * exists: load them alone, on the group's pinned pending and inflight
 * maps, and pin their links. */
static int attach_writers_late(char *how, size_t len)
{
	struct msr_watch_bpf *skel;
	struct bpf_program *p;
	enum probe_rung w;
	int err, fd;

	err = pick_writers(&w, how, len);
	if (err)
		return err;
	skel = msr_watch_bpf__open();
	if (!skel)
		return -errno;
	err = pcrw_size_maps(skel->obj);
	if (err) {
		msr_watch_bpf__destroy(skel);
		return err;
	}
	bpf_object__for_each_program(p, skel->obj)
		bpf_program__set_autoload(p, false);
	set_writer_progs(skel, w);
	fd = msr_pin_get("pending");
	err = fd < 0 ? fd : bpf_map__reuse_fd(skel->maps.pending, fd);
	if (fd >= 0)
		close(fd);
	fd = err ? -1 : msr_pin_get("inflight");
	err = err ?: fd < 0 ? fd : bpf_map__reuse_fd(skel->maps.inflight, fd);
	if (fd >= 0)
		close(fd);
	err = err ?: msr_watch_bpf__load(skel);
	err = err ?: attach_writers(skel, w);
	msr_watch_bpf__destroy(skel);
	if (err)
		snprintf(how, len,
			 "attached; adding the writer programs failed: %s",
			 strerror(-err));
	else
		snprintf(how, len, "already attached; %s", writers_text(w));
	return err;
}

/* Choose each program's tracepoint flavour and writer rung before load. */
static void set_progs(struct msr_watch_bpf *skel, bool raw, enum probe_rung w)
{
	bpf_program__set_autoload(raw ? skel->progs.msr_write_tp
				      : skel->progs.msr_write_raw,
				  false);
	bpf_program__set_autoload(raw ? skel->progs.msr_read_tp
				      : skel->progs.msr_read_raw,
				  false);
	bpf_program__set_autoload(raw ? skel->progs.msr_rdpmc_tp
				      : skel->progs.msr_rdpmc_raw,
				  false);
	set_writer_progs(skel, w);
}

static int attach_and_pin(struct msr_watch_bpf *skel, bool raw,
			  enum probe_rung w)
{
	int err;

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
	err = err ?: attach_writers(skel, w);
	if (raw) {
		err = err
			      ?: pcrw_pin_prog(skel->progs.msr_write_raw,
					       PCRW_GROUP_MSR,
					       "prog_write_msr");
		err = err
			      ?: pcrw_pin_prog(skel->progs.msr_read_raw,
					       PCRW_GROUP_MSR, "prog_read_msr");
	}
	err = err
		      ?: pcrw_pin_prog(skel->progs.msr_mark_held,
				       PCRW_GROUP_MSR, "prog_mark_held");
	err = err ?: pcrw_pin_map(skel->maps.shadow, PCRW_GROUP_MSR, "shadow");
	err = err
		      ?: pcrw_pin_map(skel->maps.cpu_state, PCRW_GROUP_MSR,
				      "cpu_state");
	err = err
		      ?: pcrw_pin_map(skel->maps.pending, PCRW_GROUP_MSR,
				      "pending");
	err = err
		      ?: pcrw_pin_map(skel->maps.inflight, PCRW_GROUP_MSR,
				      "inflight");
	err = err
		      ?: pcrw_pin_map(skel->maps.events, PCRW_GROUP_MSR,
				      PCRW_EVENTS_RINGBUF);
	err = err
		      ?: pcrw_pin_map(skel->maps.event_counts, PCRW_GROUP_MSR,
				      PCRW_EVENT_COUNTS_MAP);
	return err ?: pcrw_pin_map(skel->maps.rodata, PCRW_GROUP_MSR, "rodata");
}

/* PCRWATCH_MSR_ATTACH=tracepoint skips the raw_tp rung (tests, and
 * kernels that refuse raw_tp to this process). */
static int pick_raw(bool *raw, char *how, size_t len)
{
	const char *v = getenv(MSR_ATTACH_ENV);

	if (v && *v && strcmp(v, "tracepoint") && strcmp(v, "raw_tp")) {
		snprintf(how, len, "%s='%s': expected raw_tp or tracepoint",
			 MSR_ATTACH_ENV, v);
		return -EINVAL;
	}
	*raw = (!v || strcmp(v, "tracepoint")) &&
	       probe_raw_tp_can_attach("write_msr");
	return 0;
}

static int msr_attach(const struct attach_opts *o, char *how, size_t len)
{
	struct msr_watch_bpf *skel = NULL;
	struct pmu_shape shape;
	char src[160], scan[96] = "";
	enum probe_rung w;
	bool raw;
	int err;

	if (msr_attached()) {
		if (writers_attached() ||
		    probe_msr_writers(RUNG_FENTRY) == RUNG_NOT_NEEDED) {
			snprintf(how, len, "already attached");
			return 0;
		}
		return attach_writers_late(how, len);
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
	err = pick_raw(&raw, how, len) ?: pick_writers(&w, how, len);
	if (err)
		return err;
	skel = msr_watch_bpf__open();
	if (!skel) {
		err = -errno;
		snprintf(how, len, "cannot open the BPF object: %s",
			 strerror(-err));
		return err;
	}
	err = pcrw_size_maps(skel->obj);
	if (err) {
		snprintf(how, len, "cannot size its maps: %s", strerror(-err));
		msr_watch_bpf__destroy(skel);
		return err;
	}
	skel->rodata->pmu_vendor = shape.vendor;
	skel->rodata->pmu_nr_gp = shape.nr_gp;
	skel->rodata->pmu_nr_fixed = shape.nr_fixed;
	skel->rodata->pmu_version = shape.version;
	set_progs(skel, raw, w);
	err = msr_watch_bpf__load(skel);
	if (err) {
		snprintf(how, len,
			 "cannot load the BPF programs: %s (-v shows the "
			 "verifier log)",
			 strerror(-err));
		goto cleanup;
	}
	err = attach_and_pin(skel, raw, w);
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
		 shape.nr_fixed, writers_text(w), scan);
cleanup:
	msr_watch_bpf__destroy(skel);
	if (err)
		msr_detach();
	return err;
}

const struct component msr_component = {
	.name = PCRW_GROUP_MSR,
	.attach = msr_attach,
	.detach = msr_detach,
	.attached = msr_attached,
	.counts_map = PCRW_EVENT_COUNTS_MAP,
	.collect = msr_source_collect,
	.source_name = "MSR",
};
