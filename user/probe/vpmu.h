/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * vpmu.h - which hardware perf events on a host belong to a guest's vPMU.
 * KVM emulates a guest's PMU with ordinary host perf events that it creates
 * inside the kernel (perf_event_create_kernel_counter: no file, no fd) in
 * the context of the vCPU thread that runs the guest. Such an event is the
 * hypervisor layer's, and its identity is the VM (the VMM process, its
 * tgid) and the vCPU (the thread, its pid).
 *
 * The classifier is pure: the perf source (user/model/perf_source.c) describes
 * an event and its task in a struct vpmu_task; vpmu_classify() decides. Only
 * vpmu_task_from_proc() and vpmu_scan() read /proc.
 */
#ifndef PCRW_VPMU_H
#define PCRW_VPMU_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "pcr_rules.h"

#define VPMU_COMM_LEN 16

/* What is known about a perf event's task (the task whose context the
 * event counts in, or its owner). */
struct vpmu_task {
	__u32 tgid; /* process; 0 when the event has no task (per-CPU) */
	__u32 pid; /* thread */
	char comm[VPMU_COMM_LEN]; /* the thread's name ("CPU 0/KVM") */
	char proc_comm[VPMU_COMM_LEN]; /* the process's ("qemu-system-aar") */
	char exe[128]; /* /proc/TGID/exe target, or "" */
	bool kernel_counter; /* created in the kernel: no file holds it */
	bool holds_kvm; /* the process holds a KVM fd (/dev/kvm, kvm-vm) */
};

enum vpmu_accel {
	VPMU_ACCEL_NONE = 0, /* not a vCPU thread */
	VPMU_ACCEL_KVM = 1, /* a hardware-virtualized vCPU: its PMU is KVM's */
	VPMU_ACCEL_TCG = 2, /* QEMU TCG: an emulated CPU, no host counters */
	VPMU_ACCEL_OTHER =
		3, /* a vCPU of an accelerator pcrwatch cannot tell */
};

struct vpmu_verdict {
	bool hypervisor; /* the event is the hypervisor layer's */
	__u32 layer; /* enum pcr_layer to record */
	__u32 vm_tgid; /* the VM's process, 0 if not a VM */
	__u32 vcpu_pid; /* the vCPU thread, 0 if not a vCPU */
	int vcpu_index; /* from the thread name, -1 if unknown */
	enum vpmu_accel accel;
	const char *why; /* one phrase, static storage */
};

/* Parse a vCPU thread name: QEMU's "CPU 3/KVM" (or "/TCG", "/HVF"),
 * Firecracker's "fc_vcpu 3", cloud-hypervisor's "vcpu3", crosvm's
 * "crosvm_vcpu3", kvmtool's "kvm-vcpu-3". Returns the accelerator (NONE
 * when it is no vCPU name) and sets *@index. Pure. */
enum vpmu_accel vpmu_parse_vcpu_comm(const char *comm, int *index);

/* True when @exe (a path) or @comm names a virtual machine monitor:
 * qemu-system-*, firecracker, cloud-hypervisor, crosvm, lkvm. Pure. */
bool vpmu_is_vmm(const char *exe, const char *comm);

/* Decide the layer and the VM/vCPU identity of an event. Returns
 * v->hypervisor. Pure. */
bool vpmu_classify(const struct vpmu_task *t, struct vpmu_verdict *v);

/* Fill @t for thread @pid of process @tgid from /proc (comm, the process's
 * comm, exe, whether it holds a KVM fd); kernel_counter is left as given.
 * 0 or -errno. */
int vpmu_task_from_proc(__u32 tgid, __u32 pid, struct vpmu_task *t);

/* The perf source's entry point: describe thread @pid of process @tgid
 * from /proc (tgid and pid 0: an event with no task) and classify an event
 * on it; @kernel_counter: the event has no file (made in the kernel). Fills
 * @v even when /proc cannot be read (then from the ids alone). Returns
 * v->hypervisor. */
bool vpmu_attribute(__u32 tgid, __u32 pid, bool kernel_counter,
		    struct vpmu_verdict *v);

/* Guests running on this machine, found from vCPU threads under /proc. */
struct vpmu_vm {
	__u32 tgid;
	char comm[VPMU_COMM_LEN];
	enum vpmu_accel accel;
	int nr_vcpus; /* -1: a VM whose vCPUs could not be counted */
	__u32 first_vcpu_pid; /* 0 when its threads carry no vCPU names */
};

/* Up to @max VMs into @vms; returns how many, or -errno. */
int vpmu_scan(struct vpmu_vm *vms, int max);

const char *vpmu_accel_name(enum vpmu_accel a);

/* Where vpmu_scan and vpmu_task_from_proc read processes: $PCRWATCH_PROC_ROOT
 * (a fixture tree, for tests) or /proc. */
const char *vpmu_proc_root(void);

/* vCPUs from a QEMU command line (NUL-separated, @len bytes): -smp's count,
 * 1 without -smp, -1 when -smp cannot be read. Pure. */
int vpmu_qemu_smp_arg(const char *args, size_t len);

#endif
