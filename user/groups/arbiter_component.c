// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The "arbiter" component: bpf/arbiter_mirror.bpf.c on the pcr_arbiter
 * module's own tracepoints (raw_tp by name, which works once the module is
 * loaded), pinned under PCRW_PIN_ROOT/arbiter/ with its event ring buffer.
 * Its mirror of the module's slots (arb_regs, arb_held) is pinned beside
 * the reservations under veto/, where the vetoes read it (rule 7); the
 * module replays its state into it once the programs are attached. While
 * they are, the module cannot be unloaded (the kernel holds a reference
 * for each attached tracepoint): `pcrwatch detach` first.
 *
 * Until the mirror is attached and the module's state replayed into it, the
 * module's holds are unknown: the MSR veto's watch (raw_tp/module_load in
 * bpf/msr_veto.bpf.c) marks them so in "arb_watch" when the module arrives,
 * before its init runs, and the veto refuses direct writes to PMU registers
 * meanwhile. This group takes the mark back once it knows; the agent and
 * `enforce` attach it when they see the module (arbiter_needs_attach()).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "arbiter.h"
#include "arbiter_mirror.h"
#include "arbiter_mirror.skel.h"
#include "component.h"
#include "model.h"
#include "kernel_probe.h"
#include "map_size.h"

static const char *const pins[] = { "link_reg_change", "link_deny",
				    PCRW_EVENTS_RINGBUF,
				    PCRW_EVENT_COUNTS_MAP };

_Static_assert(PCR_ARB_OP_REPLAY_BPF == PCR_ARB_OP_REPLAY,
	       "bpf/arbiter_mirror.h repeats the module's replay op");
_Static_assert(sizeof(ARB_MODULE_NAME) == sizeof(PCR_ARB_MODULE),
	       "bpf/arbiter_mirror.h repeats the module's name");

static bool pinned(const char *name)
{
	return pcrw_pinned(PCRW_GROUP_ARBITER, name);
}

static bool arbiter_attached(void)
{
	return pinned("link_reg_change") && pinned("link_deny");
}

/* Set the veto's mark that the module's holds are unknown (1) or known (0);
 * nothing to do where the MSR veto is not loaded. */
static void watch_set(__u32 unmirrored)
{
	int fd = pcrw_obj_get(PCRW_GROUP_VETO, ARB_WATCH_MAP);
	struct arb_watch w = { 0 };
	__u32 zero = 0;

	if (fd < 0)
		return;
	if (!bpf_map_lookup_elem(fd, &zero, &w) && w.unmirrored != unmirrored) {
		w.unmirrored = unmirrored;
		bpf_map_update_elem(fd, &zero, &w, BPF_ANY);
	}
	close(fd);
}

void arbiter_watch_sync(void)
{
	if (arbiter_module_present()) {
		if (!arbiter_attached())
			watch_set(1);
		return;
	}
	/* Absent: known to hold nothing. A load racing this sets the mark
	 * after its folder appears: looked at again once the mark is down,
	 * the module is either seen or its own load sets the mark later. */
	watch_set(0);
	if (arbiter_module_present() && !arbiter_attached())
		watch_set(1);
}

/* Loaded and done with its init (its devices exist): "live". */
static bool module_live(void)
{
	char state[16] = "";
	ssize_t n;
	int fd;

	fd = open("/sys/module/" PCR_ARB_MODULE "/initstate",
		  O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, state, sizeof(state) - 1);
	close(fd);
	return n > 0 && !strncmp(state, "live", 4);
}

bool arbiter_needs_attach(void)
{
	return arbiter_module_present() && module_live() && !arbiter_attached();
}

/* Forget what an earlier module instance held: the mirror starts empty
 * and learns the state from the module's replay. */
static void clear_mirror(int regs, int held)
{
	int nr = pcrw_possible_cpus();
	__u64 none = 0;
	__u32 key, next;

	while (!bpf_map_get_next_key(regs, NULL, &next))
		if (bpf_map_delete_elem(regs, &next))
			break;
	for (key = 0; nr > 0 && key < (__u32)nr; key++)
		bpf_map_update_elem(held, &key, &none, BPF_ANY);
}

/* With no module loaded, a mirror left pinned from one that was (detach
 * keeps the maps) holds nothing any more. */
static void forget_mirror(void)
{
	int regs = pcrw_obj_get(PCRW_GROUP_VETO, ARB_REGS_MAP);
	int held = pcrw_obj_get(PCRW_GROUP_VETO, ARB_HELD_MAP);

	if (regs >= 0 && held >= 0)
		clear_mirror(regs, held);
	if (regs >= 0)
		close(regs);
	if (held >= 0)
		close(held);
}

/* Ask the module to tell every CPU's slots again, now that the programs
 * listen: the CPUs told, or -errno when an online CPU's could not be (an
 * offline CPU tells its slots when it comes back). */
static int replay(void)
{
	int cpu, fd, n = 0, err = 0, nr = pcrw_possible_cpus();

	for (cpu = 0; cpu < nr; cpu++) {
		fd = arbiter_open_cpu(cpu);
		if (fd == -ENOENT || fd == -ENXIO)
			continue;
		if (fd < 0 || ioctl(fd, PCR_ARB_IOC_REPLAY))
			err = fd < 0 ? fd : -errno;
		else
			n++;
		if (fd >= 0)
			close(fd);
	}
	return err ? err : n;
}

static int arbiter_detach(void)
{
	size_t i;
	int err = 0;

	for (i = 0; i < sizeof(pins) / sizeof(pins[0]); i++)
		err = pcrw_unpin(PCRW_GROUP_ARBITER, pins[i]) ?: err;
	return err; /* pcrwatch detach removes the empty folder */
}

static int arbiter_attach(const struct attach_opts *o, char *how, size_t len)
{
	char root[256];
	LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = root);
	struct arbiter_mirror_bpf *skel = NULL;
	int err, n;

	if (arbiter_attached()) {
		snprintf(how, len, "already attached");
		return 0;
	}
	if (!arbiter_module_present()) {
		forget_mirror();
		arbiter_watch_sync();
		snprintf(how, len,
			 "the pcr_arbiter module is not loaded, nothing to "
			 "mirror");
		return -EOPNOTSUPP;
	}
	if (!module_live()) {
		snprintf(how, len, "the pcr_arbiter module is still loading");
		return -EAGAIN;
	}
	ensure_kernel_fs();
	err = pcrw_pin_root(root, sizeof(root), PCRW_GROUP_VETO);
	skel = err ? NULL : arbiter_mirror_bpf__open_opts(&opts);
	if (!skel || pcrw_size_maps(skel->obj) ||
	    arbiter_mirror_bpf__load(skel)) {
		err = err ?: -errno;
		snprintf(how, len, "cannot load the mirror programs (%s)",
			 strerror(-err));
		goto cleanup;
	}
	clear_mirror(bpf_map__fd(skel->maps.arb_regs),
		     bpf_map__fd(skel->maps.arb_held));
	err = arbiter_mirror_bpf__attach(skel);
	if (err) {
		snprintf(how, len,
			 "raw_tp on pcr_arbiter's tracepoints failed (%s)",
			 strerror(-err));
		goto cleanup;
	}
	err = pcrw_pin_link(skel->links.arb_reg_change, PCRW_GROUP_ARBITER,
			    "link_reg_change");
	err = err
		      ?: pcrw_pin_link(skel->links.arb_deny, PCRW_GROUP_ARBITER,
				       "link_deny");
	err = err
		      ?: pcrw_pin_map(skel->maps.events, PCRW_GROUP_ARBITER,
				      PCRW_EVENTS_RINGBUF);
	err = err
		      ?: pcrw_pin_map(skel->maps.event_counts,
				      PCRW_GROUP_ARBITER,
				      PCRW_EVENT_COUNTS_MAP);
	if (err) {
		snprintf(how, len, "cannot pin under %s/%s (%s)", PCRW_PIN_ROOT,
			 PCRW_GROUP_ARBITER, strerror(-err));
		arbiter_detach();
		goto cleanup;
	}
	n = replay();
	if (n < 0) {
		err = n;
		snprintf(how, len,
			 "cannot replay the module's state (%s): its holds "
			 "stay unknown, direct writes to PMU registers are "
			 "refused",
			 strerror(-err));
		arbiter_detach(); /* tried again when next asked */
		goto cleanup;
	}
	watch_set(0); /* mirrored: the vetoes know its holds from here */
	snprintf(how, len,
		 "raw_tp on pcr_arbiter:pcr_reg_change and pcr_deny, state of "
		 "%d CPUs replayed",
		 n);
cleanup:
	arbiter_mirror_bpf__destroy(skel);
	return err;
}

const struct component arbiter_component = {
	.name = PCRW_GROUP_ARBITER,
	.attach = arbiter_attach,
	.detach = arbiter_detach,
	.attached = arbiter_attached,
	.counts_map = PCRW_EVENT_COUNTS_MAP,
	.collect = arbiter_source_collect,
	.source_name = "arbiter",
};
