// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * vPMU attribution: a host perf event that KVM created for a guest's vPMU
 * belongs to the hypervisor layer, identified by the VM's process and the
 * vCPU thread. The decision is pure (vpmu_classify); reading /proc to
 * describe a task is kept apart (vpmu_task_from_proc, vpmu_scan).
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vpmu.h"

/* Parse a decimal number that ends the string; -1 if there is none. */
static int trailing_number(const char *s)
{
	const char *p = s + strlen(s);
	long v;

	while (p > s && isdigit((unsigned char)p[-1]))
		p--;
	if (!*p || strlen(p) > 6)
		return -1;
	v = strtol(p, NULL, 10);
	return (int)v;
}

static bool starts_with(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

enum vpmu_accel vpmu_parse_vcpu_comm(const char *comm, int *index)
{
	const char *slash;
	char *end;
	long n;

	*index = -1;
	/* QEMU: "CPU <n>/<accel>" (qemu_thread_create in each accel). */
	if (starts_with(comm, "CPU ") && isdigit((unsigned char)comm[4])) {
		n = strtol(comm + 4, &end, 10);
		if (*end != '/')
			return VPMU_ACCEL_NONE;
		slash = end + 1;
		*index = (int)n;
		if (!strcmp(slash, "KVM"))
			return VPMU_ACCEL_KVM;
		if (!strcmp(slash, "TCG"))
			return VPMU_ACCEL_TCG;
		return VPMU_ACCEL_OTHER;
	}
	/* KVM-only monitors, each with its own thread name. */
	if (starts_with(comm, "fc_vcpu") || starts_with(comm, "crosvm_vcpu") ||
	    starts_with(comm, "kvm-vcpu-") ||
	    (starts_with(comm, "vcpu") && isdigit((unsigned char)comm[4]))) {
		*index = trailing_number(comm);
		if (*index < 0)
			return VPMU_ACCEL_NONE;
		return VPMU_ACCEL_KVM;
	}
	return VPMU_ACCEL_NONE;
}

bool vpmu_is_vmm(const char *exe, const char *comm)
{
	static const char *const names[] = { "qemu-system-", "qemu-kvm",
					     "firecracker",  "cloud-hyperviso",
					     "crosvm",	     "lkvm" };
	const char *base = NULL;
	size_t i;

	if (exe && *exe) {
		base = strrchr(exe, '/');
		base = base ? base + 1 : exe;
	}
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (base && starts_with(base, names[i]))
			return true;
		if (comm && starts_with(comm, names[i]))
			return true;
	}
	return false;
}

bool vpmu_classify(const struct vpmu_task *t, struct vpmu_verdict *v)
{
	bool vmm = vpmu_is_vmm(t->exe, t->proc_comm) || t->holds_kvm;

	memset(v, 0, sizeof(*v));
	v->vcpu_index = -1;
	v->layer = t->kernel_counter ? PCR_LAYER_KERNEL : PCR_LAYER_USER;
	if (!t->tgid && !t->pid) {
		v->why = t->kernel_counter
				 ? "kernel counter with no task (watchdog or "
				   "other in-kernel user)"
				 : "per-CPU event of a user";
		return false;
	}
	v->accel = vpmu_parse_vcpu_comm(t->comm, &v->vcpu_index);
	/* A vCPU name alone could be any thread's name; KVM names none but
	 * QEMU's own, so a process that is a VMM (or holds KVM) confirms it,
	 * and so does a counter with no file, which only the kernel makes. */
	if (v->accel == VPMU_ACCEL_KVM && (vmm || t->kernel_counter)) {
		v->vm_tgid = t->tgid;
		v->vcpu_pid = t->pid;
		if (t->kernel_counter) {
			v->hypervisor = true;
			v->layer = PCR_LAYER_HYPERVISOR;
			v->why = "KVM vPMU: kernel counter on a vCPU thread";
		} else {
			v->why = "a user's event on a vCPU thread (profiling "
				 "the VM), not the vPMU";
		}
		return v->hypervisor;
	}
	if (v->accel == VPMU_ACCEL_TCG) {
		v->vm_tgid = t->tgid;
		v->vcpu_pid = t->pid;
		v->why = "QEMU TCG vCPU: the guest's PMU is emulated in "
			 "software, it holds no host counter";
		return false;
	}
	if (t->kernel_counter && vmm) {
		/* A vCPU thread under a name pcrwatch does not know. */
		v->hypervisor = true;
		v->layer = PCR_LAYER_HYPERVISOR;
		v->vm_tgid = t->tgid;
		v->vcpu_pid = t->pid;
		v->why = "kernel counter on a thread of a VMM process "
			 "(KVM vPMU)";
		return true;
	}
	v->accel = v->accel == VPMU_ACCEL_KVM ? VPMU_ACCEL_NONE : v->accel;
	v->vcpu_index = -1;
	v->why = t->kernel_counter ? "kernel counter on a task that runs no VM"
				   : "a user's event, not a VM's";
	return false;
}

const char *vpmu_accel_name(enum vpmu_accel a)
{
	switch (a) {
	case VPMU_ACCEL_KVM:
		return "KVM";
	case VPMU_ACCEL_TCG:
		return "TCG";
	case VPMU_ACCEL_OTHER:
		return "other";
	default:
		return "none";
	}
}

/* ---- /proc ------------------------------------------------------------ */

const char *vpmu_proc_root(void)
{
	const char *root = getenv("PCRWATCH_PROC_ROOT");

	return root && root[0] ? root : "/proc";
}

static int read_comm(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");

	if (!f)
		return -errno;
	if (!fgets(buf, len, f))
		buf[0] = 0;
	fclose(f);
	buf[strcspn(buf, "\n")] = 0;
	return 0;
}

/* KVM file descriptors of process @tgid: returns whether it holds any
 * (/dev/kvm, anon_inode:kvm-vm, ...) and counts its vCPU fds. */
static bool kvm_fds(__u32 tgid, int *nr_vcpus)
{
	char path[PATH_MAX], target[PATH_MAX];
	struct dirent *e;
	bool found = false;
	ssize_t n;
	DIR *d;

	*nr_vcpus = 0;
	snprintf(path, sizeof(path), "%s/%u/fd", vpmu_proc_root(), tgid);
	d = opendir(path);
	if (!d)
		return false;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%u/fd/%.16s", vpmu_proc_root(),
			 tgid, e->d_name);
		n = readlink(path, target, sizeof(target) - 1);
		if (n <= 0)
			continue;
		target[n] = 0;
		if (!strcmp(target, "/dev/kvm") ||
		    starts_with(target, "anon_inode:kvm-"))
			found = true;
		if (starts_with(target, "anon_inode:kvm-vcpu"))
			(*nr_vcpus)++;
	}
	closedir(d);
	return found;
}

int vpmu_task_from_proc(__u32 tgid, __u32 pid, struct vpmu_task *t)
{
	char path[PATH_MAX];
	ssize_t n;
	int err, nr;

	t->tgid = tgid;
	t->pid = pid;
	snprintf(path, sizeof(path), "%s/%u/task/%u/comm", vpmu_proc_root(),
		 tgid, pid);
	err = read_comm(path, t->comm, sizeof(t->comm));
	if (err)
		return err;
	snprintf(path, sizeof(path), "%s/%u/comm", vpmu_proc_root(), tgid);
	read_comm(path, t->proc_comm, sizeof(t->proc_comm));
	snprintf(path, sizeof(path), "%s/%u/exe", vpmu_proc_root(), tgid);
	n = readlink(path, t->exe, sizeof(t->exe) - 1);
	t->exe[n > 0 ? n : 0] = 0;
	t->holds_kvm = kvm_fds(tgid, &nr);
	return 0;
}

bool vpmu_attribute(__u32 tgid, __u32 pid, bool kernel_counter,
		    struct vpmu_verdict *v)
{
	struct vpmu_task t;

	memset(&t, 0, sizeof(t));
	if (tgid || pid)
		vpmu_task_from_proc(tgid, pid, &t);
	t.tgid = tgid;
	t.pid = pid;
	t.kernel_counter = kernel_counter;
	return vpmu_classify(&t, v);
}

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

/* vCPUs of a QEMU process from its command line: "-smp N[,...]" or
 * "-smp cpus=N,..."; 1 (QEMU's default) without -smp; -1 if unreadable. */
int vpmu_qemu_smp_arg(const char *args, size_t len)
{
	const char *p = args, *end = args + len, *v, *c;

	while (p < end) {
		if (!strcmp(p, "-smp") || !strcmp(p, "--smp")) {
			v = p + strlen(p) + 1;
			if (v >= end)
				return -1;
			c = strstr(v, "cpus=");
			if (isdigit((unsigned char)*v))
				return atoi(v);
			if (c && (c == v || c[-1] == ','))
				return atoi(c + 5);
			return -1;
		}
		p += strlen(p) + 1;
	}
	return 1;
}

static int qemu_smp(__u32 tgid)
{
	char path[PATH_MAX], args[4096];
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%u/cmdline", vpmu_proc_root(), tgid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	n = fread(args, 1, sizeof(args) - 1, f);
	fclose(f);
	if (!n)
		return -1;
	args[n] = 0;
	return vpmu_qemu_smp_arg(args, n);
}

/* A VM whose threads carry no vCPU names (QEMU names them only with
 * -name ...,debug-threads=on): KVM vCPU fds make any process a KVM VM and
 * count its vCPUs; a QEMU with no KVM fd runs its guest under TCG, its
 * vCPUs uncounted (nr_vcpus -1). Anything else stays nr_vcpus 0. */
static void scan_unnamed(struct vpmu_vm *vm)
{
	char path[PATH_MAX], exe[PATH_MAX];
	int vcpus;
	ssize_t n;

	if (kvm_fds(vm->tgid, &vcpus) && vcpus) {
		vm->accel = VPMU_ACCEL_KVM;
		vm->nr_vcpus = vcpus;
		return;
	}
	snprintf(path, sizeof(path), "%s/%u/exe", vpmu_proc_root(), vm->tgid);
	n = readlink(path, exe, sizeof(exe) - 1);
	exe[n > 0 ? n : 0] = 0;
	if (strstr(exe, "/qemu-system-") ||
	    starts_with(vm->comm, "qemu-system-")) {
		vm->accel = VPMU_ACCEL_TCG;
		vm->nr_vcpus = qemu_smp(vm->tgid);
	}
}

int vpmu_scan(struct vpmu_vm *vms, int max)
{
	char path[PATH_MAX], comm[VPMU_COMM_LEN];
	struct dirent *p, *t;
	DIR *proc, *tasks;
	int nr = 0, idx;
	enum vpmu_accel a;
	__u32 tgid;

	proc = opendir(vpmu_proc_root());
	if (!proc)
		return -errno;
	while ((p = readdir(proc)) && nr < max) {
		if (!all_digits(p->d_name))
			continue;
		tgid = strtoul(p->d_name, NULL, 10);
		snprintf(path, sizeof(path), "%s/%u/task", vpmu_proc_root(),
			 tgid);
		tasks = opendir(path);
		if (!tasks)
			continue;
		memset(&vms[nr], 0, sizeof(vms[nr]));
		vms[nr].tgid = tgid;
		snprintf(path, sizeof(path), "%s/%u/comm", vpmu_proc_root(),
			 tgid);
		read_comm(path, vms[nr].comm, sizeof(vms[nr].comm));
		while ((t = readdir(tasks))) {
			if (!all_digits(t->d_name))
				continue;
			snprintf(path, sizeof(path), "%s/%u/task/%.10s/comm",
				 vpmu_proc_root(), tgid, t->d_name);
			if (read_comm(path, comm, sizeof(comm)))
				continue;
			a = vpmu_parse_vcpu_comm(comm, &idx);
			if (a == VPMU_ACCEL_NONE)
				continue;
			/* Only QEMU's "CPU n/X" is distinctive on its own. */
			if (strncmp(comm, "CPU ", 4) &&
			    !vpmu_is_vmm(NULL, vms[nr].comm))
				continue;
			if (!vms[nr].nr_vcpus) {
				vms[nr].tgid = tgid;
				vms[nr].accel = a;
				vms[nr].first_vcpu_pid =
					strtoul(t->d_name, NULL, 10);
			}
			vms[nr].nr_vcpus++;
		}
		closedir(tasks);
		if (!vms[nr].nr_vcpus)
			scan_unnamed(&vms[nr]);
		if (vms[nr].nr_vcpus)
			nr++;
	}
	closedir(proc);
	return nr;
}
