// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Unit tests of the mediated vPMU explanation (user/probe/mediated.c): a
 * fixture sysfs and /proc (PCRWATCH_SYSFS_ROOT, PCRWATCH_PROC_ROOT) with one
 * KVM VM; which failed host opens it explains, naming the VM, and which not. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vpmu.h"
#include "mediated.h"
#include "tap.h"

static char root[64];

static void put(const char *rel, const char *text)
{
	char path[256], cmd[320];
	FILE *f;

	snprintf(cmd, sizeof(cmd), "mkdir -p \"$(dirname '%s/%s')\"", root,
		 rel);
	if (system(cmd))
		return;
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	f = fopen(path, "w");
	if (!f)
		return;
	fputs(text, f);
	fclose(f);
}

static void machine(const char *param)
{
	char path[256];

	snprintf(path, sizeof(path), "rm -rf '%s/sys'", root);
	if (system(path))
		return;
	if (param)
		put("sys/module/kvm_amd/parameters/enable_mediated_pmu", param);
	put("proc/777/comm", "qemu-system-x86\n");
	put("proc/777/task/778/comm", "CPU 0/KVM\n");
	snprintf(path, sizeof(path), "%s/proc/777/fd", root);
	mkdir(path, 0755);
	strcat(path, "/9");
	if (symlink("anon_inode:kvm-vm", path) && errno != EEXIST)
		return;
}

TEST(explains_eopnotsupp_and_ebusy_naming_the_vm)
{
	struct mediated md;
	char buf[256] = "";

	machine("Y\n");
	mediated_detect(&md);
	CHECK_EQ(md.enabled, 1);
	CHECK(!strcmp(md.module, "kvm_amd"));
	CHECK_EQ(md.nr_vms, 1);
	CHECK_EQ(md.vm.tgid, 777);
	CHECK(mediated_explain(&md, EOPNOTSUPP, buf, sizeof(buf)));
	CHECK(strstr(buf, "VM qemu-system-x86[777]") != NULL);
	CHECK(strstr(buf, "EOPNOTSUPP") != NULL);
	CHECK(strstr(buf, "kvm_amd enable_mediated_pmu=Y") != NULL);
	CHECK(mediated_explain(&md, EBUSY, buf, sizeof(buf)));
	CHECK(strstr(buf, "VM qemu-system-x86[777]") != NULL);
	CHECK(strstr(buf, "EBUSY") != NULL);
}

TEST(other_errors_and_no_mediated_vm_are_not_explained)
{
	struct mediated md;
	char buf[64] = "untouched";

	machine("Y\n");
	mediated_detect(&md);
	CHECK(!mediated_explain(&md, ENOENT, buf, sizeof(buf)));
	CHECK(!mediated_explain(&md, EACCES, buf, sizeof(buf)));
	machine("N\n");
	mediated_detect(&md);
	CHECK_EQ(md.enabled, 0);
	CHECK(!mediated_explain(&md, EOPNOTSUPP, buf, sizeof(buf)));
	machine(NULL);
	mediated_detect(&md);
	CHECK_EQ(md.enabled, -1);
	CHECK(!mediated_explain(&md, EBUSY, buf, sizeof(buf)));
	CHECK(!strcmp(buf, "untouched"));
}

int main(void)
{
	char cmd[96];
	int rc;

	snprintf(root, sizeof(root), "/tmp/pcrwatch-mediated.%d", getpid());
	mkdir(root, 0755);
	snprintf(cmd, sizeof(cmd), "%s/sys", root);
	setenv("PCRWATCH_SYSFS_ROOT", cmd, 1);
	snprintf(cmd, sizeof(cmd), "%s/proc", root);
	setenv("PCRWATCH_PROC_ROOT", cmd, 1);
	RUN(explains_eopnotsupp_and_ebusy_naming_the_vm);
	RUN(other_errors_and_no_mediated_vm_are_not_explained);
	rc = TAP_DONE();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	if (system(cmd))
		rc = 1;
	return rc;
}
