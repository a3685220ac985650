// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The "arbiter" component: bpf/arbiter_mirror.bpf.c on the pcr_arbiter
 * module's own tracepoints (raw_tp by name, which works once the module is
 * loaded), its map of the module's registers seeded from the devices, and
 * its event ring buffer, pinned under PCRW_PIN_ROOT/arbiter/. While the
 * programs are attached the module cannot be unloaded (the kernel holds a
 * reference for each attached tracepoint): `pcrwatch detach` first.
 */
#include <errno.h>
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
#include "kernel_probe.h"
#include "pcrwatch.h"

#define GROUP "arbiter"

static const char *const pins[] = { "link_reg_change", "link_deny", "regs",
				    PCRW_EVENTS_RINGBUF,
				    PCRW_EVENT_COUNTS_MAP };

static bool pinned(const char *name)
{
	return pcrw_pinned(GROUP, name);
}

static bool arbiter_attached(void)
{
	return pinned("link_reg_change") && pinned("link_deny");
}

/* Copy the module's current registers into the map; entries the programs
 * already wrote are newer and kept (BPF_NOEXIST). */
static int seed_regs(int map_fd)
{
	struct pcr_arb_slot_status st;
	struct arb_reg r;
	int cpu, fd, n = 0;
	__u32 slot, key;

	for (cpu = 0; cpu < PCRW_MAX_CPUS; cpu++) {
		fd = arbiter_open_cpu(cpu);
		if (fd < 0)
			continue;
		for (slot = 0; slot < PCR_MAX_SLOTS; slot++) {
			memset(&st, 0, sizeof(st));
			st.slot = slot;
			if (ioctl(fd, PCR_ARB_IOC_STATUS, &st) ||
			    !(st.flags & PCR_ARB_SLOT_PRESENT))
				continue;
			memset(&r, 0, sizeof(r));
			r.flags = st.flags;
			r.control = st.control;
			r.holder_layer = st.holder_layer;
			r.holder_tgid = st.holder_tgid;
			r.seq = st.seq;
			key = ARB_KEY(cpu, slot);
			if (!bpf_map_update_elem(map_fd, &key, &r, BPF_NOEXIST))
				n++;
		}
		close(fd);
	}
	return n;
}

static int arbiter_detach(void)
{
	size_t i;
	int err = 0;

	for (i = 0; i < sizeof(pins) / sizeof(pins[0]); i++)
		err = pcrw_unpin(GROUP, pins[i]) ?: err;
	return err; /* pcrwatch detach removes the empty folder */
}

static int arbiter_attach(const struct attach_opts *o, char *how, size_t len)
{
	struct arbiter_mirror_bpf *skel;
	int err, seeded;

	if (arbiter_attached()) {
		snprintf(how, len, "already attached");
		return 0;
	}
	if (!arbiter_module_present()) {
		snprintf(how, len,
			 "the pcr_arbiter module is not loaded, nothing to "
			 "mirror");
		return -EOPNOTSUPP;
	}
	ensure_kernel_fs();
	skel = arbiter_mirror_bpf__open_and_load();
	if (!skel) {
		err = -errno;
		snprintf(how, len, "cannot load the mirror programs (%s)",
			 strerror(-err));
		return err;
	}
	err = arbiter_mirror_bpf__attach(skel);
	if (err) {
		snprintf(how, len,
			 "raw_tp on pcr_arbiter's tracepoints failed (%s)",
			 strerror(-err));
		goto cleanup;
	}
	err = pcrw_pin_link(skel->links.arb_reg_change, GROUP,
			    "link_reg_change");
	err = err ?: pcrw_pin_link(skel->links.arb_deny, GROUP, "link_deny");
	err = err ?: pcrw_pin_map(skel->maps.regs, GROUP, "regs");
	err = err
		      ?: pcrw_pin_map(skel->maps.events, GROUP,
				      PCRW_EVENTS_RINGBUF);
	err = err
		      ?: pcrw_pin_map(skel->maps.event_counts, GROUP,
				      PCRW_EVENT_COUNTS_MAP);
	if (err) {
		snprintf(how, len, "cannot pin under %s/%s (%s)", PCRW_PIN_ROOT,
			 GROUP, strerror(-err));
		arbiter_detach();
		goto cleanup;
	}
	seeded = seed_regs(bpf_map__fd(skel->maps.regs));
	snprintf(how, len,
		 "raw_tp on pcr_arbiter:pcr_reg_change and pcr_deny, %d slots "
		 "seeded",
		 seeded);
cleanup:
	arbiter_mirror_bpf__destroy(skel);
	return err;
}

const struct component arbiter_component = {
	.name = GROUP,
	.attach = arbiter_attach,
	.detach = arbiter_detach,
	.attached = arbiter_attached,
};
