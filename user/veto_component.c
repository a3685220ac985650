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
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "pcrwatch.h"
#include "component.h"
#include "kernel_probe.h"
#include "resv_store.h"
#include "veto.h"
#include "perf_veto.skel.h"
#include "msr_veto.skel.h"
#include "perf_signal.skel.h"

static const char *const perf_links[] = { "link_perf_open", "link_perf_alloc",
					  "link_perf_free" };
static const char *const msr_links[] = { "link_msr" };
static const char *const signal_links[] = { "link_perf_signal" };

static bool pinned(const char *name)
{
	return pcrw_pinned(PCRW_VETO_GROUP, name);
}

static void unpin(const char *name)
{
	pcrw_unpin(PCRW_VETO_GROUP, name);
}

bool veto_perf_active(void)
{
	return pinned(perf_links[0]) && pinned(perf_links[1]);
}

bool veto_msr_active(void)
{
	return pinned(msr_links[0]);
}

bool veto_signal_active(void)
{
	return pinned(signal_links[0]);
}

static int pin_link(struct bpf_link *l, const char *name)
{
	return pcrw_pin_link(l, PCRW_VETO_GROUP, name);
}

static int pin_root(char *root, size_t len)
{
	int err = pcrw_pin_path(root, len, PCRW_VETO_GROUP, "x");

	if (!err)
		*strrchr(root, '/') = 0;
	return err;
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

static int attach_perf(void)
{
	char root[256];
	LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = root);
	struct perf_veto_bpf *skel;
	struct bpf_program *open_prog;
	struct bpf_link *l[3] = {};
	bool free_lsm;
	int err, i;

	err = pin_root(root, sizeof(root));
	if (err)
		return err;
	skel = perf_veto_bpf__open_opts(&opts);
	if (!skel)
		return -errno;
	open_prog = lsm_hook_nargs("perf_event_open", 2) == 1 ?
			    skel->progs.veto_perf_open_type_only :
			    skel->progs.veto_perf_open;
	bpf_program__set_autoload(skel->progs.veto_perf_open,
				  open_prog == skel->progs.veto_perf_open);
	bpf_program__set_autoload(skel->progs.veto_perf_open_type_only,
				  open_prog != skel->progs.veto_perf_open);
	free_lsm = probe_btf_has_func("bpf_lsm_perf_event_free");
	bpf_program__set_autoload(skel->progs.veto_perf_free, free_lsm);
	bpf_program__set_autoload(skel->progs.veto_perf_release, !free_lsm);
	err = perf_veto_bpf__load(skel);
	if (err)
		goto cleanup;
	l[0] = bpf_program__attach_lsm(open_prog);
	l[1] = bpf_program__attach_lsm(skel->progs.veto_perf_alloc);
	l[2] = free_lsm ? bpf_program__attach_lsm(skel->progs.veto_perf_free) :
			  bpf_program__attach_trace(skel->progs.veto_perf_release);
	for (i = 0; i < 3; i++) {
		if (!l[i]) {
			err = -errno;
			goto cleanup;
		}
	}
	/* The free hook first, so no charged event is ever left uncounted. */
	for (i = 2; i >= 0 && !err; i--)
		err = pin_link(l[i], perf_links[i]);
	if (err)
		for (i = 0; i < 3; i++)
			unpin(perf_links[i]);
cleanup:
	for (i = 0; i < 3; i++)
		bpf_link__destroy(l[i]);
	perf_veto_bpf__destroy(skel);
	return err;
}

static int attach_msr(void)
{
	char root[256];
	LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = root);
	struct msr_veto_bpf *skel;
	struct bpf_link *l = NULL;
	int err;

	err = pin_root(root, sizeof(root));
	if (err)
		return err;
	skel = msr_veto_bpf__open_opts(&opts);
	if (!skel)
		return -errno;
	err = msr_veto_bpf__load(skel);
	if (err)
		goto cleanup;
	l = bpf_program__attach_lsm(skel->progs.veto_msr_write);
	if (!l) {
		err = -errno;
		goto cleanup;
	}
	err = pin_link(l, msr_links[0]);
cleanup:
	bpf_link__destroy(l);
	msr_veto_bpf__destroy(skel);
	return err;
}

static int attach_signal(void)
{
	char root[256];
	LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = root);
	struct perf_signal_bpf *skel;
	struct bpf_link *l = NULL;
	int err;

	err = pin_root(root, sizeof(root));
	if (err)
		return err;
	skel = perf_signal_bpf__open_opts(&opts);
	if (!skel)
		return -errno;
	err = perf_signal_bpf__load(skel);
	if (err)
		goto cleanup;
	l = bpf_program__attach_raw_tracepoint(skel->progs.signal_perf_open,
					       "sys_enter");
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
	const struct resv_store_ops *s = resv_store();
	struct pcrw_veto_cfg cfg;
	int err;

	err = s->open(true);
	if (err)
		return err;
	err = s->get_cfg(&cfg);
	if (!err && cfg.mode != mode) {
		cfg.mode = mode;
		err = s->set_cfg(&cfg);
	}
	return err;
}

static int veto_attach(const struct attach_opts *o, char *how, size_t len)
{
	bool lsm = probe_bpf_lsm_active();
	const char *perf = "monitor-only", *msr = "monitor-only";
	char why[96] = "";
	int err;

	if (o->signal_enforce && !o->audit && !veto_perf_active() &&
	    !(lsm && probe_lsm_can_attach("perf_event_alloc")))
		err = veto_set_mode(PCRW_VETO_SIGNAL);
	else
		err = veto_set_mode(o->audit ? PCRW_VETO_AUDIT : PCRW_VETO_ENFORCE);
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
			 lsm ? "lsm programs cannot attach on this kernel" :
			       "bpf is not in the active LSM list");
	}
	if (!is_x86()) {
		msr = "n/a (no MSRs on this architecture)";
	} else if (veto_msr_active()) {
		msr = "lsm (already pinned)";
	} else if (lsm && probe_lsm_can_attach("locked_down")) {
		err = attach_msr();
		if (err) {
			snprintf(how, len, "msr veto failed to attach: %s",
				 strerror(-err));
			return err;
		}
		msr = "lsm";
	}
	if (o->signal_enforce && !veto_perf_active()) {
		if (!o->audit && (veto_signal_active() || !attach_signal())) {
			perf = "signal (SIGKILL after the fact)";
			pcrw_warn("signal enforcement: a non-holder's perf_event_open is "
				  "answered with SIGKILL when the syscall returns: the "
				  "event may already have been opened and have counted");
		} else {
			pcrw_warn("--signal-enforce: cannot attach the signal program; "
				  "reservations are monitor-only here");
		}
	} else if (!o->signal_enforce && veto_signal_active()) {
		unpin(signal_links[0]);
	}
	snprintf(how, len, "perf_event_open veto: %s%s, msr write veto: %s, mode %s",
		 perf, why, msr, o->audit ? "audit" : "enforce");
	return 0;
}

static int veto_detach(void)
{
	size_t i;

	for (i = 0; i < sizeof(perf_links) / sizeof(perf_links[0]); i++)
		unpin(perf_links[i]);
	for (i = 0; i < sizeof(msr_links) / sizeof(msr_links[0]); i++)
		unpin(msr_links[i]);
	unpin(signal_links[0]);
	return 0;
}

static bool veto_attached(void)
{
	return veto_perf_active() || veto_msr_active() || veto_signal_active();
}

const struct component veto_component = {
	.name = "veto",
	.attach = veto_attach,
	.detach = veto_detach,
	.attached = veto_attached,
};

void veto_describe(char *buf, size_t len)
{
	snprintf(buf, len, "perf_event_open veto %s, msr write veto %s",
		 veto_perf_active()   ? "active" :
		 veto_signal_active() ? "signal only (SIGKILL after the fact)" :
					"not active (monitor-only)",
		 !is_x86()	  ? "n/a" :
		 veto_msr_active() ? "active" :
				     "not active (monitor-only)");
}
