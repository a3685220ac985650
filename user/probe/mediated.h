/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * mediated.h - KVM's mediated vPMU (Linux 7.0+, x86). With kvm_intel's or
 * kvm_amd's enable_mediated_pmu on, a VM's vCPUs get the real PMU: KVM
 * switches the whole PMU to the guest at every VM entry. While such a VM
 * exists the host cannot share it: a new host event without exclude_guest
 * fails with EOPNOTSUPP, and creating a mediated VM fails with EBUSY while
 * any host event lacks exclude_guest. pcrwatch shows that VM as the
 * hypervisor-layer owner of every counter and names it when an open fails.
 *
 * Read from $PCRWATCH_SYSFS_ROOT (default /sys) and the process tree of
 * vpmu_proc_root(), so tests can describe a machine in a fixture tree.
 */
#ifndef PCRW_MEDIATED_H
#define PCRW_MEDIATED_H

#include <stdbool.h>
#include <stddef.h>

#include "vpmu.h"

struct model;

struct mediated {
	int enabled; /* 1 on, 0 off, -1 no such parameter (before 7.0, or
		      * no kvm_intel/kvm_amd loaded) */
	char module[16]; /* "kvm_intel" or "kvm_amd", "" when none */
	struct vpmu_vm vm; /* the first KVM VM running while enabled */
	int nr_vms; /* KVM VMs running while enabled (each one mediated) */
};

/* Fill @md from this machine (or the fixture roots). Never fails. */
void mediated_detect(struct mediated *md);

/* One sentence for a host perf_event_open that failed with @err (positive
 * errno) under a mediated VM, naming the VM; false (and @buf untouched)
 * when the mediated vPMU does not explain this error. */
bool mediated_explain(const struct mediated *md, int err, char *buf,
		      size_t len);

/* The model source: while a mediated VM runs, one hypervisor-layer record
 * per CPU (the whole PMU, owner that VM) and a note. 0. */
int mediated_source_collect(struct model *m);

#endif
