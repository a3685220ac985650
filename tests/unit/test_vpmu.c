// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Unit tests of the vPMU classifier (user/probe/vpmu.c): which host perf events
 * are a guest's vPMU, the hypervisor layer's, and whose. */
#include <string.h>
#include <unistd.h>

#include "vpmu.h"
#include "tap.h"

static struct vpmu_task task(__u32 tgid, __u32 pid, const char *comm,
			     const char *proc_comm, const char *exe,
			     bool kernel)
{
	struct vpmu_task t;

	memset(&t, 0, sizeof(t));
	t.tgid = tgid;
	t.pid = pid;
	snprintf(t.comm, sizeof(t.comm), "%s", comm);
	snprintf(t.proc_comm, sizeof(t.proc_comm), "%s", proc_comm);
	snprintf(t.exe, sizeof(t.exe), "%s", exe);
	t.kernel_counter = kernel;
	return t;
}

TEST(vcpu_thread_names_of_each_monitor)
{
	int i;

	CHECK_EQ(vpmu_parse_vcpu_comm("CPU 0/KVM", &i), VPMU_ACCEL_KVM);
	CHECK_EQ(i, 0);
	CHECK_EQ(vpmu_parse_vcpu_comm("CPU 12/TCG", &i), VPMU_ACCEL_TCG);
	CHECK_EQ(i, 12);
	CHECK_EQ(vpmu_parse_vcpu_comm("CPU 3/HVF", &i), VPMU_ACCEL_OTHER);
	CHECK_EQ(i, 3);
	CHECK_EQ(vpmu_parse_vcpu_comm("fc_vcpu 2", &i), VPMU_ACCEL_KVM);
	CHECK_EQ(i, 2);
	CHECK_EQ(vpmu_parse_vcpu_comm("vcpu7", &i), VPMU_ACCEL_KVM);
	CHECK_EQ(i, 7);
	CHECK_EQ(vpmu_parse_vcpu_comm("crosvm_vcpu3", &i), VPMU_ACCEL_KVM);
	CHECK_EQ(i, 3);
	CHECK_EQ(vpmu_parse_vcpu_comm("kvm-vcpu-0", &i), VPMU_ACCEL_KVM);
	CHECK_EQ(i, 0);
}

TEST(names_that_are_not_vcpus)
{
	int i;

	CHECK_EQ(vpmu_parse_vcpu_comm("CPU x/KVM", &i), VPMU_ACCEL_NONE);
	CHECK_EQ(i, -1);
	CHECK_EQ(vpmu_parse_vcpu_comm("CPU 1", &i), VPMU_ACCEL_NONE);
	CHECK_EQ(vpmu_parse_vcpu_comm("vcpu", &i), VPMU_ACCEL_NONE);
	CHECK_EQ(vpmu_parse_vcpu_comm("vcpuX", &i), VPMU_ACCEL_NONE);
	CHECK_EQ(vpmu_parse_vcpu_comm("fc_vcpu", &i), VPMU_ACCEL_NONE);
	CHECK_EQ(vpmu_parse_vcpu_comm("kworker/0:1", &i), VPMU_ACCEL_NONE);
	CHECK_EQ(vpmu_parse_vcpu_comm("", &i), VPMU_ACCEL_NONE);
}

TEST(monitors_are_known_by_exe_or_comm)
{
	CHECK(vpmu_is_vmm("/usr/bin/qemu-system-aarch64", ""));
	CHECK(vpmu_is_vmm("", "qemu-system-x86"));
	CHECK(vpmu_is_vmm("/opt/fc/firecracker", NULL));
	CHECK(vpmu_is_vmm(NULL, "cloud-hyperviso"));
	CHECK(vpmu_is_vmm("/usr/libexec/qemu-kvm", ""));
	CHECK(!vpmu_is_vmm("/usr/bin/perf", "perf"));
	CHECK(!vpmu_is_vmm(NULL, NULL));
	CHECK(!vpmu_is_vmm("/usr/bin/qemu-aarch64-static", "qemu-aarch64-st"));
}

TEST(kvm_kernel_counter_on_a_vcpu_thread_is_the_hypervisor_layer)
{
	struct vpmu_task t = task(4100, 4107, "CPU 1/KVM", "qemu-system-aar",
				  "/usr/bin/qemu-system-aarch64", true);
	struct vpmu_verdict v;

	CHECK(vpmu_classify(&t, &v));
	CHECK(v.hypervisor);
	CHECK_EQ(v.layer, PCR_LAYER_HYPERVISOR);
	CHECK_EQ(v.vm_tgid, 4100);
	CHECK_EQ(v.vcpu_pid, 4107);
	CHECK_EQ(v.vcpu_index, 1);
	CHECK_EQ(v.accel, VPMU_ACCEL_KVM);
	CHECK(strstr(v.why, "vPMU") != NULL);
}

TEST(the_kernel_counter_alone_confirms_a_vcpu_name)
{
	/* exe unreadable (another namespace): the counter with no file,
	 * made by the kernel on a "CPU n/KVM" thread, is still KVM's. */
	struct vpmu_task t = task(77, 78, "CPU 0/KVM", "", "", true);
	struct vpmu_verdict v;

	CHECK(vpmu_classify(&t, &v));
	CHECK_EQ(v.layer, PCR_LAYER_HYPERVISOR);
	CHECK_EQ(v.vm_tgid, 77);
	CHECK_EQ(v.vcpu_pid, 78);
}

TEST(unnamed_qemu_threads_and_other_monitors)
{
	struct vpmu_task t =
		task(500, 503, "qemu-system-x86", "qemu-system-x86",
		     "/usr/bin/qemu-system-x86_64", true);
	struct vpmu_verdict v;

	CHECK(vpmu_classify(&t, &v));
	CHECK_EQ(v.layer, PCR_LAYER_HYPERVISOR);
	CHECK_EQ(v.vm_tgid, 500);
	CHECK_EQ(v.vcpu_pid, 503);
	CHECK_EQ(v.vcpu_index, -1);

	t = task(600, 601, "fc_vcpu 0", "firecracker", "/usr/bin/firecracker",
		 true);
	CHECK(vpmu_classify(&t, &v));
	CHECK_EQ(v.vcpu_index, 0);

	/* Any process that holds KVM fds is a monitor, whatever its name. */
	t = task(700, 702, "worker", "myvmm", "/opt/myvmm", true);
	t.holds_kvm = true;
	CHECK(vpmu_classify(&t, &v));
	CHECK_EQ(v.layer, PCR_LAYER_HYPERVISOR);
}

TEST(a_profiler_on_a_vcpu_thread_is_a_user_not_the_vpmu)
{
	/* `perf stat -p <qemu>`: a file-backed event in a vCPU's context. */
	struct vpmu_task t = task(4100, 4107, "CPU 1/KVM", "qemu-system-aar",
				  "/usr/bin/qemu-system-aarch64", false);
	struct vpmu_verdict v;

	CHECK(!vpmu_classify(&t, &v));
	CHECK_EQ(v.layer, PCR_LAYER_USER);
	CHECK_EQ(v.vm_tgid, 4100); /* it does count that VM */
	CHECK_EQ(v.vcpu_pid, 4107);
}

TEST(a_renamed_thread_outside_any_vm_is_not_a_vcpu)
{
	struct vpmu_task t = task(900, 901, "CPU 0/KVM", "python3",
				  "/usr/bin/python3.11", false);
	struct vpmu_verdict v;

	CHECK(!vpmu_classify(&t, &v));
	CHECK_EQ(v.layer, PCR_LAYER_USER);
	CHECK_EQ(v.vm_tgid, 0);
	CHECK_EQ(v.vcpu_index, -1);
	CHECK_EQ(v.accel, VPMU_ACCEL_NONE);
}

TEST(tcg_vcpus_hold_no_host_counters)
{
	struct vpmu_task t = task(300, 301, "CPU 0/TCG", "qemu-system-aar",
				  "/usr/bin/qemu-system-aarch64", false);
	struct vpmu_verdict v;

	CHECK(!vpmu_classify(&t, &v));
	CHECK_EQ(v.accel, VPMU_ACCEL_TCG);
	CHECK_EQ(v.layer, PCR_LAYER_USER);
	CHECK(strstr(v.why, "TCG") != NULL);
}

TEST(kernel_counters_that_are_not_a_vm)
{
	struct vpmu_task t = task(0, 0, "", "", "", true); /* NMI watchdog */
	struct vpmu_verdict v;

	CHECK(!vpmu_classify(&t, &v));
	CHECK_EQ(v.layer, PCR_LAYER_KERNEL);
	CHECK_EQ(v.vm_tgid, 0);

	t = task(12, 12, "kworker/0:1", "kworker/0:1", "", true);
	CHECK(!vpmu_classify(&t, &v));
	CHECK_EQ(v.layer, PCR_LAYER_KERNEL);

	t = task(0, 0, "", "", "", false); /* per-CPU user event */
	CHECK(!vpmu_classify(&t, &v));
	CHECK_EQ(v.layer, PCR_LAYER_USER);
}

TEST(task_from_proc_reads_this_process)
{
	struct vpmu_task t;
	char comm[32] = "";
	FILE *f = fopen("/proc/self/comm", "r");

	memset(&t, 0, sizeof(t));
	CHECK(f != NULL);
	if (f) {
		if (fgets(comm, sizeof(comm), f))
			comm[strcspn(comm, "\n")] = 0;
		fclose(f);
	}
	CHECK_EQ(vpmu_task_from_proc(getpid(), getpid(), &t), 0);
	CHECK(!strcmp(t.comm, comm));
	CHECK(!strcmp(t.proc_comm, comm));
	CHECK(strstr(t.exe, "test_vpmu") != NULL);
	CHECK(!t.holds_kvm);
	CHECK(vpmu_task_from_proc(getpid(), 0x7ffffff0, &t) < 0);
}

TEST(attribute_this_process_is_no_vm)
{
	struct vpmu_verdict v;

	CHECK(!vpmu_attribute(getpid(), getpid(), true, &v));
	CHECK_EQ(v.layer, PCR_LAYER_KERNEL);
	CHECK(!vpmu_attribute(getpid(), getpid(), false, &v));
	CHECK_EQ(v.layer, PCR_LAYER_USER);
	CHECK(!vpmu_attribute(0, 0, true, &v));
	CHECK_EQ(v.layer, PCR_LAYER_KERNEL);
}

#define ARGS(s) s, sizeof(s)

TEST(qemu_smp_from_the_command_line)
{
	CHECK_EQ(vpmu_qemu_smp_arg(
			 ARGS("qemu-system-x86_64\0-smp\0004\0-m\0001G")),
		 4);
	CHECK_EQ(vpmu_qemu_smp_arg(ARGS("qemu\0-smp\0cpus=3,sockets=1")), 3);
	CHECK_EQ(vpmu_qemu_smp_arg(ARGS("qemu\0-smp\0sockets=1,cpus=2")), 2);
	CHECK_EQ(vpmu_qemu_smp_arg(ARGS("qemu\0-m\00032")), 1);
	CHECK_EQ(vpmu_qemu_smp_arg(ARGS("qemu\0-smp\0maxcpus=8")), -1);
	CHECK_EQ(vpmu_qemu_smp_arg(ARGS("qemu\0-smp")), -1);
}

int main(void)
{
	RUN(vcpu_thread_names_of_each_monitor);
	RUN(names_that_are_not_vcpus);
	RUN(monitors_are_known_by_exe_or_comm);
	RUN(kvm_kernel_counter_on_a_vcpu_thread_is_the_hypervisor_layer);
	RUN(the_kernel_counter_alone_confirms_a_vcpu_name);
	RUN(unnamed_qemu_threads_and_other_monitors);
	RUN(a_profiler_on_a_vcpu_thread_is_a_user_not_the_vpmu);
	RUN(a_renamed_thread_outside_any_vm_is_not_a_vcpu);
	RUN(tcg_vcpus_hold_no_host_counters);
	RUN(kernel_counters_that_are_not_a_vm);
	RUN(task_from_proc_reads_this_process);
	RUN(attribute_this_process_is_no_vm);
	RUN(qemu_smp_from_the_command_line);
	return TAP_DONE();
}
