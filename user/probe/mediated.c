// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The mediated vPMU of KVM (Linux 7.0+, x86): detection from the module
 * parameter and the VMs running, the explanation of failed host opens, and
 * the model records that show the whole PMU held by that VM.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mediated.h"
#include "model.h"

static const char *sysfs_root(void)
{
	const char *root = getenv("PCRWATCH_SYSFS_ROOT");

	return root && root[0] ? root : "/sys";
}

/* enable_mediated_pmu of one KVM vendor module: 1, 0, or -1 if absent. */
static int module_param(const char *module)
{
	char path[PATH_MAX], val[8] = "";
	FILE *f;

	snprintf(path, sizeof(path),
		 "%s/module/%s/parameters/enable_mediated_pmu", sysfs_root(),
		 module);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (!fgets(val, sizeof(val), f))
		val[0] = 0;
	fclose(f);
	return val[0] == 'Y' || val[0] == 'y' || val[0] == '1';
}

void mediated_detect(struct mediated *md)
{
	static const char *const modules[] = { "kvm_intel", "kvm_amd" };
	struct vpmu_vm vms[16];
	int i, v, nr;

	memset(md, 0, sizeof(*md));
	md->enabled = -1;
	for (i = 0; i < 2 && md->enabled != 1; i++) {
		v = module_param(modules[i]);
		if (v < 0)
			continue;
		md->enabled = v;
		snprintf(md->module, sizeof(md->module), "%s", modules[i]);
	}
	if (md->enabled != 1)
		return;
	/* KVM makes every VM with a vPMU mediated while the parameter is on;
	 * a VM that turned its vPMU off (KVM_CAP_PMU_CAPABILITY) is not
	 * visible from /proc, so each KVM VM counts. */
	nr = vpmu_scan(vms, 16);
	for (i = 0; i < nr; i++) {
		if (vms[i].accel != VPMU_ACCEL_KVM)
			continue;
		if (!md->nr_vms++)
			md->vm = vms[i];
	}
}

bool mediated_explain(const struct mediated *md, int err, char *buf, size_t len)
{
	if (md->enabled != 1 || !md->nr_vms)
		return false;
	if (err == EOPNOTSUPP)
		snprintf(buf, len,
			 "VM %s[%u] runs with KVM's mediated vPMU (%s "
			 "enable_mediated_pmu=Y): it holds the whole PMU, and "
			 "host events without exclude_guest fail with "
			 "EOPNOTSUPP while it exists",
			 md->vm.comm, md->vm.tgid, md->module);
	else if (err == EBUSY)
		snprintf(buf, len,
			 "VM %s[%u] uses KVM's mediated vPMU (%s "
			 "enable_mediated_pmu=Y): the PMU is busy; a mediated "
			 "VM cannot start (EBUSY) while a host event lacks "
			 "exclude_guest",
			 md->vm.comm, md->vm.tgid, md->module);
	else
		return false;
	return true;
}

int mediated_source_collect(struct model *m)
{
	struct owner_record r;
	struct mediated md;
	int cpu;

	mediated_detect(&md);
	if (md.enabled != 1 || !md.nr_vms)
		return 0;
	for (cpu = 0; cpu < m->nr_cpus; cpu++) {
		memset(&r, 0, sizeof(r));
		r.id = 0x6d65640000000000ULL | (__u64)cpu; /* "med" | cpu */
		r.cpu = cpu;
		r.hw_idx = -1;
		r.slot = -1;
		r.path = PCRW_PATH_KERNEL;
		r.owner.layer = PCR_LAYER_HYPERVISOR;
		r.owner.tgid = md.vm.tgid;
		r.owner.pid = md.vm.first_vcpu_pid ? md.vm.first_vcpu_pid
						   : md.vm.tgid;
		snprintf(r.owner.comm, sizeof(r.owner.comm), "%s", md.vm.comm);
		r.attributed = true;
		snprintf(r.pmu, sizeof(r.pmu), "%s",
			 m->pmu.name[0] ? m->pmu.name : "cpu");
		snprintf(r.event, sizeof(r.event), "whole PMU (mediated)");
		r.state = SLOT_ACTIVE;
		model_add(m, &r);
	}
	model_note(m,
		   "mediated vPMU (%s): VM %s[%u]%s holds the whole PMU while "
		   "its vCPUs run; host opens without exclude_guest fail "
		   "(EOPNOTSUPP)",
		   md.module, md.vm.comm, md.vm.tgid,
		   md.nr_vms > 1 ? " and others" : "");
	return 0;
}
