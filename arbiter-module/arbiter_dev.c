// SPDX-License-Identifier: GPL-2.0
/*
 * arbiter_dev.c - /dev/cpu/N/pcr, CPU N's emulated PCR registers.
 *
 * Contract: lseek() to an alias MSR address (PCR_MSR_*_BASE + slot) and
 * read() or write() exactly 8 bytes, as with /dev/cpu/N/msr; operations
 * that present a cookie, and PCR-checked counter programming, are ioctls
 * (pcr_arbiter_uapi.h). Opening needs CAP_SYS_RAWIO, like the msr device;
 * programming writes a real PMU MSR and is refused under lockdown, as MSR
 * writes are. Nodes come and go with their CPU (CPU hotplug); the
 * registers themselves persist while a CPU is offline.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/device.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/security.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/version.h>

#include "pcr_arbiter.h"
#include "pcr_arbiter_trace.h"

static int pcr_major;
static struct class *pcr_class;
static enum cpuhp_state pcr_hp_state;

static int pcr_file_cpu(struct file *file)
{
	return iminor(file_inode(file));
}

static ssize_t pcr_read(struct file *file, char __user *buf, size_t count,
			loff_t *ppos)
{
	u64 val;
	int err;

	if (count != sizeof(val))
		return -EINVAL;
	if (*ppos < 0 || *ppos > U32_MAX)
		return -EIO;
	err = pcr_regs_read_alias(pcr_file_cpu(file), *ppos, &val);
	if (err)
		return err;
	if (copy_to_user(buf, &val, sizeof(val)))
		return -EFAULT;
	return sizeof(val);
}

static ssize_t pcr_write(struct file *file, const char __user *buf,
			 size_t count, loff_t *ppos)
{
	struct pcr_who who;
	u64 val;
	int err;

	if (count != sizeof(val))
		return -EINVAL;
	if (*ppos < 0 || *ppos > U32_MAX)
		return -EIO;
	if (copy_from_user(&val, buf, sizeof(val)))
		return -EFAULT;
	pcr_who_current(&who, PCR_LAYER_USER);
	err = pcr_regs_write_alias(pcr_file_cpu(file), *ppos, val, &who);
	return err ? err : sizeof(val);
}

static long pcr_ioctl_info(void __user *arg)
{
	struct pcr_arb_info info;

	memset(&info, 0, sizeof(info));
	info.nr_gp = pcr_nr_gp;
	info.nr_fixed = pcr_nr_fixed;
	info.pmu_msrs = pcr_pmu_msrs;
	pcr_arbiters_info(&info);
	pcr_regs_denials(info.denials);
	return copy_to_user(arg, &info, sizeof(info)) ? -EFAULT : 0;
}

static long pcr_ioctl_status(int cpu, void __user *arg)
{
	struct pcr_arb_slot_status st;
	int err;

	if (copy_from_user(&st, arg, sizeof(st)))
		return -EFAULT;
	err = pcr_regs_status(cpu, &st);
	if (err)
		return err;
	return copy_to_user(arg, &st, sizeof(st)) ? -EFAULT : 0;
}

static long pcr_ioctl_op(int cpu, u32 op, void __user *arg)
{
	struct pcr_arb_op o;
	struct pcr_who who;
	int err;

	if (copy_from_user(&o, arg, sizeof(o)))
		return -EFAULT;
	/* The caller, not whoever opened the file: pcrwatch judges the task
	 * that asks (rule 7). */
	pcr_who_current(&who, PCR_LAYER_USER);
	o.verdict = PCR_DENY_INVALID;
	if (op == PCR_ARB_OP_CLAIM || op == PCR_ARB_OP_SET_MGMT)
		err = pcr_regs_give(cpu, o.slot, op, o.cookie, o.value, &who,
				    &o.verdict);
	else
		err = pcr_regs_op(cpu, o.slot, op, o.cookie, o.value, &who,
				  &o.verdict);
	o.cookie = 0;
	o.value = 0;
	if (copy_to_user(arg, &o, sizeof(o)))
		return -EFAULT;
	return err;
}

/*
 * The lockdown check a user's counter programming gets, as MSR writes do,
 * bracketed by the pcr_user_program tracepoint with the CPU, slot and PMU
 * register this module is about to write: pcrwatch's MSR veto
 * (bpf/msr_veto.bpf.c) records them at done=0 and answers the check from
 * them, so its reservations and this path agree on the module's own values.
 * Not static and not inlined, so it stays one function with these
 * arguments.
 */
noinline int pcr_user_program_check(int cpu, u32 slot, u32 msr, u64 value)
{
	int err;

	trace_pcr_user_program(cpu, slot, msr, value, 0);
	err = security_locked_down(LOCKDOWN_MSR);
	trace_pcr_user_program(cpu, slot, msr, value, 1);
	return err;
}

static long pcr_ioctl_program(int cpu, void __user *arg)
{
	struct pcr_arb_program p;
	struct pcr_who who;
	u32 msr;
	int err;

	if (copy_from_user(&p, arg, sizeof(p)))
		return -EFAULT;
	err = pcr_regs_program_msr(&p, &msr);
	if (err)
		return err;
	/* From here on only the kernel copy @p is used. */
	err = pcr_user_program_check(cpu, p.slot, msr, p.value);
	if (err)
		return err;
	pcr_who_current(&who, PCR_LAYER_USER);
	p.verdict = PCR_DENY_INVALID;
	p.msr = 0;
	p.msr_err = 0;
	err = pcr_regs_program(cpu, &who, &p);
	p.access = 0;
	if (copy_to_user(arg, &p, sizeof(p)))
		return -EFAULT;
	return err;
}

static long pcr_ioctl_legacy(void __user *arg)
{
	struct pcr_arb_legacy l;
	int err;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (copy_from_user(&l, arg, sizeof(l)))
		return -EFAULT;
	err = pcr_arbiters_legacy(&l);
	if (err)
		return err;
	return copy_to_user(arg, &l, sizeof(l)) ? -EFAULT : 0;
}

static long pcr_ioctl_grant(bool acquire, void __user *arg)
{
	struct pcr_arb_grant g;
	struct pcr_who who;
	u64 cookie = 0;
	int err;

	if (copy_from_user(&g, arg, sizeof(g)))
		return -EFAULT;
	pcr_who_current(&who, PCR_LAYER_USER);
	if (acquire)
		err = pcr_arbiters_acquire(g.slot, &who, &cookie, &g.verdict);
	else
		err = pcr_arbiters_release(g.slot, &who, g.cookie, &g.verdict);
	g.cookie = cookie; /* the new private cookie goes to its holder only */
	if (copy_to_user(arg, &g, sizeof(g)))
		return -EFAULT;
	return err;
}

static long pcr_ioctl(struct file *file, unsigned int cmd, unsigned long uarg)
{
	void __user *arg = (void __user *)uarg;
	int cpu = pcr_file_cpu(file);

	if (!cpu_online(cpu))
		return -ENXIO;
	switch (cmd) {
	case PCR_ARB_IOC_INFO:
		return pcr_ioctl_info(arg);
	case PCR_ARB_IOC_STATUS:
		return pcr_ioctl_status(cpu, arg);
	case PCR_ARB_IOC_REPLAY:
		if (!capable(CAP_SYS_ADMIN))
			return -EPERM;
		pcr_regs_replay(cpu);
		return 0;
	case PCR_ARB_IOC_CLAIM:
		return pcr_ioctl_op(cpu, PCR_ARB_OP_CLAIM, arg);
	case PCR_ARB_IOC_SET_ACCESS:
		return pcr_ioctl_op(cpu, PCR_ARB_OP_SET_ACCESS, arg);
	case PCR_ARB_IOC_SET_CONTROL:
		return pcr_ioctl_op(cpu, PCR_ARB_OP_SET_CONTROL, arg);
	case PCR_ARB_IOC_SET_MGMT:
		return pcr_ioctl_op(cpu, PCR_ARB_OP_SET_MGMT, arg);
	case PCR_ARB_IOC_RELEASE:
		return pcr_ioctl_op(cpu, PCR_ARB_OP_RELEASE, arg);
	case PCR_ARB_IOC_PROGRAM:
		return pcr_ioctl_program(cpu, arg);
	case PCR_ARB_IOC_LEGACY:
		return pcr_ioctl_legacy(arg);
	case PCR_ARB_IOC_ACQUIRE:
		return pcr_ioctl_grant(true, arg);
	case PCR_ARB_IOC_UNGRANT:
		return pcr_ioctl_grant(false, arg);
	default:
		return -ENOTTY;
	}
}

static int pcr_open(struct inode *inode, struct file *file)
{
	unsigned int cpu = iminor(file_inode(file));

	if (!capable(CAP_SYS_RAWIO))
		return -EPERM;
	if (cpu >= nr_cpu_ids || !cpu_online(cpu))
		return -ENXIO;
	return 0;
}

static const struct file_operations pcr_fops = {
	.owner = THIS_MODULE,
	.llseek = no_seek_end_llseek,
	.read = pcr_read,
	.write = pcr_write,
	.open = pcr_open,
	.unlocked_ioctl = pcr_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

static int pcr_device_create(unsigned int cpu)
{
	struct device *dev;

	dev = device_create(pcr_class, NULL, MKDEV(pcr_major, cpu), NULL,
			    "pcr%u", cpu);
	/* What changed on this CPU while it was offline is known to
	 * pcrwatch's mirror already; what predates the mirror is not: tell
	 * it again, changing nothing. */
	pcr_regs_replay(cpu);
	return PTR_ERR_OR_ZERO(dev);
}

static int pcr_device_destroy(unsigned int cpu)
{
	device_destroy(pcr_class, MKDEV(pcr_major, cpu));
	return 0;
}

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
static char *pcr_devnode(const struct device *dev, umode_t *mode)
#else
static char *pcr_devnode(struct device *dev, umode_t *mode)
#endif
{
	return kasprintf(GFP_KERNEL, "cpu/%u/pcr", MINOR(dev->devt));
}

int pcr_dev_init(void)
{
	int err;

	pcr_major = __register_chrdev(0, 0, NR_CPUS, "cpu/pcr", &pcr_fops);
	if (pcr_major < 0) {
		pr_err("cannot get a major number\n");
		return pcr_major;
	}
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 4, 0)
	pcr_class = class_create("pcr_arbiter");
#else
	pcr_class = class_create(THIS_MODULE, "pcr_arbiter");
#endif
	if (IS_ERR(pcr_class)) {
		err = PTR_ERR(pcr_class);
		goto out_chrdev;
	}
	pcr_class->devnode = pcr_devnode;
	err = cpuhp_setup_state(CPUHP_AP_ONLINE_DYN, "pcr_arbiter:online",
				pcr_device_create, pcr_device_destroy);
	if (err < 0)
		goto out_class;
	pcr_hp_state = err;
	return 0;

out_class:
	class_destroy(pcr_class);
out_chrdev:
	__unregister_chrdev(pcr_major, 0, NR_CPUS, "cpu/pcr");
	return err;
}

void pcr_dev_exit(void)
{
	cpuhp_remove_state(pcr_hp_state);
	class_destroy(pcr_class);
	__unregister_chrdev(pcr_major, 0, NR_CPUS, "cpu/pcr");
}
