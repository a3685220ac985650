// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The "veto" program group: perf_event_open and /dev/cpu/N/msr vetoes on
 * reserved counters, pinned under /sys/fs/bpf/pcrwatch/veto/ with the
 * reservation maps, so enforcement goes on when pcrwatch exits or is
 * killed. Where BPF LSM cannot attach the group says monitor-only.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/wait.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "messages.h"
#include "arbiter.h"
#include "component.h"
#include "model.h"
#include "kernel_probe.h"
#include "resv_store.h"
#include "veto.h"
#include "perf_veto.skel.h"
#include "msr_veto.skel.h"
#include "perf_signal.skel.h"
#include "map_size.h"

/* open and alloc first (veto_perf_active() looks at them), then the
 * uncharge paths and the attr copy where the kernel needs them. */
static const char *const perf_links[] = { "link_perf_open", "link_perf_alloc",
					  "link_perf_free",
					  "link_perf_rcu_free",
					  "link_perf_copy_attr" };
#define NR_PERF_LINKS (sizeof(perf_links) / sizeof(perf_links[0]))
/* The msr veto's links: the lockdown check, one stash program per
 * driver path, and the watch on the pcr_arbiter module's arrival and
 * departure (attach_msr()). */
enum msr_part {
	MSR_LSM,
	MSR_WRITE_EXIT,
	MSR_WRITE,
	MSR_IOCTL_EXIT,
	MSR_IOCTL,
	MSR_ARBITER,
	MSR_HOLD,
	MSR_MODULE_FREE,
	MSR_MODULE_LOAD,
	MSR_NR_PARTS
};

static const char *const msr_links[MSR_NR_PARTS] = {
	"link_msr",
	"link_msr_write_exit",
	"link_msr_write",
	"link_msr_ioctl_exit",
	"link_msr_ioctl",
	"link_msr_arbiter",
	"link_msr_hold",
	"link_msr_module_free",
	"link_msr_module_load",
};

static const char *const signal_links[] = { "link_perf_signal" };

static bool pinned(const char *name)
{
	return pcrw_pinned(PCRW_GROUP_VETO, name);
}

static void unpin(const char *name)
{
	pcrw_unpin(PCRW_GROUP_VETO, name);
}

bool veto_perf_active(void)
{
	return pinned(perf_links[0]) && pinned(perf_links[1]);
}

bool veto_msr_active(void)
{
	return pinned(msr_links[MSR_LSM]);
}

bool veto_signal_active(void)
{
	return pinned(signal_links[0]);
}

static int pin_link(struct bpf_link *l, const char *name)
{
	return pcrw_pin_link(l, PCRW_GROUP_VETO, name);
}

/* How many arguments the LSM hook @hook takes on this kernel (its
 * bpf_lsm_<hook> stub in BTF), or @dflt when BTF cannot say. */
static __u32 lsm_hook_nargs(const char *hook, __u32 dflt)
{
	struct btf *btf = btf__load_vmlinux_btf();
	const struct btf_type *t;
	char name[128];
	int id;
	__u32 n = dflt;

	if (libbpf_get_error(btf))
		return dflt;
	snprintf(name, sizeof(name), "bpf_lsm_%s", hook);
	id = btf__find_by_name_kind(btf, name, BTF_KIND_FUNC);
	if (id > 0) {
		t = btf__type_by_id(btf, btf__type_by_id(btf, id)->type);
		if (t && btf_is_func_proto(t))
			n = btf_vlen(t);
	}
	btf__free(btf);
	return n;
}

/* Pin every link of @l that is set, uncharge paths first (so no charged
 * event is ever left uncounted), the open and alloc vetoes last. */
static int pin_perf_links(struct bpf_link *l[NR_PERF_LINKS])
{
	size_t i;
	int err = 0;

	for (i = NR_PERF_LINKS; i-- > 0 && !err;)
		if (l[i])
			err = pin_link(l[i], perf_links[i]);
	if (err)
		for (i = 0; i < NR_PERF_LINKS; i++)
			unpin(perf_links[i]);
	return err;
}

static int attach_perf(void)
{
	char root[256];
	LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = root);
	struct perf_veto_bpf *skel;
	struct bpf_program *open_prog;
	struct bpf_link *l[NR_PERF_LINKS] = {};
	bool free_lsm, type_only;
	size_t i;
	int err;

	err = pcrw_pin_root(root, sizeof(root), PCRW_GROUP_VETO);
	if (err)
		return err;
	skel = perf_veto_bpf__open_opts(&opts);
	if (!skel)
		return -errno;
	err = pcrw_size_maps(skel->obj);
	if (err) {
		perf_veto_bpf__destroy(skel);
		return err;
	}
	/* 6.12 passes the open hook only the type: the kernel's attr is then
	 * taken at perf_copy_attr()'s return. */
	type_only = lsm_hook_nargs("perf_event_open", 2) == 1;
	open_prog = type_only ? skel->progs.veto_perf_open_type_only
			      : skel->progs.veto_perf_open;
	bpf_program__set_autoload(skel->progs.veto_perf_open, !type_only);
	bpf_program__set_autoload(skel->progs.veto_perf_open_type_only,
				  type_only);
	bpf_program__set_autoload(skel->progs.veto_perf_copy_attr, type_only);
	free_lsm = probe_btf_has_func("bpf_lsm_perf_event_free");
	bpf_program__set_autoload(skel->progs.veto_perf_free, free_lsm);
	bpf_program__set_autoload(skel->progs.veto_perf_release, !free_lsm);
	bpf_program__set_autoload(skel->progs.veto_perf_rcu_free, !free_lsm);
	err = perf_veto_bpf__load(skel);
	if (err)
		goto cleanup;
	l[0] = bpf_program__attach_lsm(open_prog);
	l[1] = bpf_program__attach_lsm(skel->progs.veto_perf_alloc);
	l[2] = free_lsm ? bpf_program__attach_lsm(skel->progs.veto_perf_free)
			: bpf_program__attach_trace(
				  skel->progs.veto_perf_release);
	if (!free_lsm)
		l[3] = bpf_program__attach_trace(
			skel->progs.veto_perf_rcu_free);
	if (type_only)
		l[4] = bpf_program__attach_trace(
			skel->progs.veto_perf_copy_attr);
	for (i = 0; i < NR_PERF_LINKS; i++) {
		bool wanted =
			i < 3 || (i == 3 && !free_lsm) || (i == 4 && type_only);

		if (wanted && !l[i]) {
			err = -errno;
			goto cleanup;
		}
	}
	err = pin_perf_links(l);
cleanup:
	for (i = 0; i < NR_PERF_LINKS; i++)
		bpf_link__destroy(l[i]);
	perf_veto_bpf__destroy(skel);
	return err;
}

/*
 * The msr veto: lsm/locked_down decides, from what each driver path stashed
 * just before its lockdown check (bpf/msr_veto.bpf.c). A path whose driver
 * is absent gets no stash program, and its writes fail closed; attaching
 * again once the driver is loaded adds what is missing. The stash links
 * hold a reference on their module, so neither msr.ko nor pcr_arbiter.ko
 * can be reloaded uncovered while the veto is pinned.
 */
/* Does the running kernel have @func in vmlinux or in module @mod's BTF
 * (the module loaded)? */
static bool kernel_has_func(const char *mod, const char *func)
{
	struct btf *base, *btf;
	char path[128];
	bool found;

	if (probe_btf_has_func(func))
		return true;
	base = btf__load_vmlinux_btf();
	if (libbpf_get_error(base))
		return false;
	snprintf(path, sizeof(path), "/sys/kernel/btf/%s", mod);
	btf = btf__parse_split(path, base);
	found = !libbpf_get_error(btf) &&
		btf__find_by_name_kind(btf, func, BTF_KIND_FUNC) > 0;
	if (!libbpf_get_error(btf))
		btf__free(btf);
	btf__free(base);
	return found;
}

static bool msr_driver_present(void)
{
	return kernel_has_func("msr", "msr_write") &&
	       kernel_has_func("msr", "msr_ioctl");
}

static bool arbiter_present(void)
{
	return probe_tracepoint_exists("pcr_arbiter", "pcr_user_program");
}

/* Load msr.ko if it is not: its writes are then decided on their register
 * rather than failing closed. Failure is not an error (no such module). */
static void load_msr_driver(void)
{
	pid_t pid;
	int null;

	if (msr_driver_present())
		return;
	pid = fork();
	if (pid == 0) {
		null = open("/dev/null", O_RDWR);
		if (null >= 0) {
			dup2(null, STDOUT_FILENO);
			dup2(null, STDERR_FILENO);
		}
		execlp("modprobe", "modprobe", "-q", "msr", (char *)NULL);
		_exit(127);
	}
	if (pid > 0)
		waitpid(pid, NULL, 0);
}

static struct bpf_program *msr_prog(struct msr_veto_bpf *skel, int part)
{
	struct bpf_program *const progs[MSR_NR_PARTS] = {
		skel->progs.veto_msr_write,    skel->progs.drop_msr_write,
		skel->progs.stash_msr_write,   skel->progs.drop_msr_ioctl,
		skel->progs.stash_msr_ioctl,   skel->progs.stash_arbiter,
		skel->progs.stash_hold,	       skel->progs.watch_module_free,
		skel->progs.watch_module_load,
	};

	return progs[part];
}

/* Should @part be loaded now: not yet pinned, its driver present? */
static bool msr_part_wanted(int part)
{
	if (pinned(msr_links[part]))
		return false;
	if (part == MSR_LSM)
		return true;
	if (part == MSR_ARBITER)
		return arbiter_present();
	if (part == MSR_HOLD)
		return probe_tracepoint_exists("pcr_arbiter", "pcr_hold");
	if (part == MSR_MODULE_LOAD)
		return probe_tracepoint_exists("module", "module_load");
	if (part == MSR_MODULE_FREE)
		return probe_tracepoint_exists("module", "module_free");
	return msr_driver_present();
}

static int attach_msr(void)
{
	char root[256];
	LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = root);
	struct bpf_link *l[MSR_NR_PARTS] = {};
	bool want[MSR_NR_PARTS], any = false;
	struct msr_veto_bpf *skel;
	int err, i;

	load_msr_driver();
	for (i = 0; i < MSR_NR_PARTS; i++)
		any |= want[i] = msr_part_wanted(i);
	if (!any)
		return 0;
	err = pcrw_pin_root(root, sizeof(root), PCRW_GROUP_VETO);
	if (err)
		return err;
	skel = msr_veto_bpf__open_opts(&opts);
	if (!skel)
		return -errno;
	err = pcrw_size_maps(skel->obj);
	if (err) {
		msr_veto_bpf__destroy(skel);
		return err;
	}
	for (i = 0; i < MSR_NR_PARTS; i++)
		bpf_program__set_autoload(msr_prog(skel, i), want[i]);
	err = msr_veto_bpf__load(skel);
	/* Stash programs before the check (exit before entry): a check that
	 * finds no stash fails closed, a stash with no check is harmless. */
	for (i = MSR_NR_PARTS - 1; i >= 0 && !err; i--) {
		if (!want[i])
			continue;
		l[i] = bpf_program__attach(msr_prog(skel, i));
		err = l[i] ? pin_link(l[i], msr_links[i]) : -errno;
	}
	for (i = 0; i < MSR_NR_PARTS; i++)
		bpf_link__destroy(l[i]);
	msr_veto_bpf__destroy(skel);
	if (!err)
		arbiter_watch_sync(); /* a module loaded before the watch */
	return err;
}

/* What the msr veto covers now, for the attach line. */
static void msr_coverage(char *buf, size_t len)
{
	bool drv = pinned(msr_links[MSR_WRITE]) && pinned(msr_links[MSR_IOCTL]);
	bool arb =
		pinned(msr_links[MSR_ARBITER]) && pinned(msr_links[MSR_HOLD]);

	/* Only what this group decides: the module's holds are the arbiter
	 * group's mirror, which says so on its own line. */
	snprintf(buf, len, "lsm (msr driver: %s; arbiter module: %s)",
		 drv ? "decided on the driver's register and CPU"
		     : "absent at attach, its writes fail closed",
		 arb ? "decided on its slot for program, claim and acquire"
		 : arbiter_present() ? "loaded after attach, fails closed"
		 : pinned(msr_links[MSR_MODULE_LOAD])
			 ? "not loaded, watched for"
			 : "not loaded");
}

static int attach_signal(void)
{
	char root[256];
	LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = root);
	struct perf_signal_bpf *skel;
	struct bpf_link *l = NULL;
	int err;

	err = pcrw_pin_root(root, sizeof(root), PCRW_GROUP_VETO);
	if (err)
		return err;
	skel = perf_signal_bpf__open_opts(&opts);
	if (!skel)
		return -errno;
	err = pcrw_size_maps(skel->obj);
	if (err) {
		perf_signal_bpf__destroy(skel);
		return err;
	}
	err = perf_signal_bpf__load(skel);
	if (err)
		goto cleanup;
	l = bpf_program__attach_raw_tracepoint(skel->progs.signal_perf_open,
					       "sys_exit");
	if (!l) {
		err = -errno;
		goto cleanup;
	}
	err = pin_link(l, signal_links[0]);
cleanup:
	bpf_link__destroy(l);
	perf_signal_bpf__destroy(skel);
	return err;
}

static bool is_x86(void)
{
#if defined(__x86_64__)
	return true;
#else
	return false;
#endif
}

int veto_set_mode(__u32 mode)
{
	struct pcrw_veto_cfg cfg;
	int err;

	err = resv_store_open(true);
	if (err)
		return err;
	err = resv_store_get_cfg(&cfg);
	if (!err && cfg.mode != mode) {
		cfg.mode = mode;
		err = resv_store_set_cfg(&cfg);
	}
	return err;
}

static int veto_attach(const struct attach_opts *o, char *how, size_t len)
{
	bool lsm = probe_bpf_lsm_active();
	const char *perf = "monitor-only", *msr = "monitor-only";
	char why[96] = "", msr_how[160];
	int err;

	if (o->signal_enforce && !o->audit && !veto_perf_active() &&
	    !(lsm && probe_lsm_can_attach("perf_event_alloc")))
		err = veto_set_mode(PCRW_VETO_SIGNAL);
	else
		err = veto_set_mode(o->audit ? PCRW_VETO_AUDIT
					     : PCRW_VETO_ENFORCE);
	if (err) {
		snprintf(how, len, "cannot create the reservation maps: %s",
			 strerror(-err));
		return err;
	}
	if (veto_perf_active()) {
		perf = "lsm (already pinned)";
	} else if (lsm && probe_lsm_can_attach("perf_event_open") &&
		   probe_lsm_can_attach("perf_event_alloc")) {
		err = attach_perf();
		if (err) {
			snprintf(how, len, "perf veto failed to attach: %s",
				 strerror(-err));
			return err;
		}
		perf = "lsm";
	} else {
		snprintf(why, sizeof(why), " (%s)",
			 lsm ? "lsm programs cannot attach on this kernel"
			     : "bpf is not in the active LSM list");
	}
	if (!is_x86()) {
		msr = "n/a (no MSRs on this architecture)";
	} else if (veto_msr_active() ||
		   (lsm && probe_lsm_can_attach("locked_down"))) {
		err = attach_msr();
		if (err) {
			snprintf(how, len, "msr veto failed to attach: %s",
				 strerror(-err));
			return err;
		}
		msr_coverage(msr_how, sizeof(msr_how));
		msr = msr_how;
	}
	if (o->signal_enforce && !veto_perf_active()) {
		if (!o->audit && (veto_signal_active() || !attach_signal())) {
			perf = "signal (SIGKILL after the fact)";
			pcrw_warn("signal enforcement: a non-holder's "
				  "perf_event_open is "
				  "answered with SIGKILL when the syscall "
				  "returns: the "
				  "event may already have been opened and have "
				  "counted");
		} else {
			pcrw_warn("--signal-enforce: cannot attach the signal "
				  "program; "
				  "reservations are monitor-only here");
		}
	} else if (!o->signal_enforce && veto_signal_active()) {
		unpin(signal_links[0]);
	}
	snprintf(how, len,
		 "perf_event_open veto: %s%s, msr write veto: %s, mode %s",
		 perf, why, msr, o->audit ? "audit" : "enforce");
	return 0;
}

static int veto_detach(void)
{
	size_t i;

	for (i = 0; i < NR_PERF_LINKS; i++)
		unpin(perf_links[i]);
	for (i = 0; i < MSR_NR_PARTS; i++)
		unpin(msr_links[i]);
	unpin("msr_stash");
	unpin(signal_links[0]);
	return 0;
}

static bool veto_attached(void)
{
	return veto_perf_active() || veto_msr_active() || veto_signal_active();
}

const struct component veto_component = {
	.name = PCRW_GROUP_VETO,
	.attach = veto_attach,
	.detach = veto_detach,
	.attached = veto_attached,
	.counts_map = PCRW_VETO_COUNTS_MAP,
	.collect = resv_source_collect,
	.source_name = "reservation",
};

void veto_describe(char *buf, size_t len)
{
	snprintf(buf, len, "perf_event_open veto %s, msr write veto %s",
		 veto_perf_active()	? "active"
		 : veto_signal_active() ? "signal only (SIGKILL after the fact)"
					: "not active (monitor-only)",
		 !is_x86()	     ? "n/a"
		 : veto_msr_active() ? "active"
				     : "not active (monitor-only)");
}
