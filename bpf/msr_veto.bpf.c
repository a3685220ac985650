// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * msr_veto: deny writes through /dev/cpu/N/msr to a reserved counter's
 * registers by anyone its reservation does not grant (rule 6 of
 * include/pcr_rules.h). The msr driver asks security_locked_down(LOCKDOWN_MSR)
 * before every write, pwrite and WRMSR ioctl; the register and CPU come from
 * the syscall being served (its file's minor is the CPU). Denial is -EBUSY.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "veto_common.bpf.h"

char LICENSE[] SEC("license") = "GPL";

#define MINORMASK ((1U << 20) - 1)

/* x86_64 syscall numbers that reach msr_write or msr_ioctl. */
#define NR_write 1
#define NR_ioctl 16
#define NR_pwrite64 18
#define NR_writev 20
#define NR_pwritev 296
#define NR_pwritev2 328

static __always_inline struct file *fd_file(struct task_struct *task,
					    unsigned int fd)
{
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	struct file **fds, *f = NULL;

	if (!fdt || fd >= BPF_CORE_READ(fdt, max_fds))
		return NULL;
	fds = BPF_CORE_READ(fdt, fd);
	bpf_core_read(&f, sizeof(f), &fds[fd]);
	return f;
}

static __always_inline __u32 first_slot(__u64 mask)
{
	__u32 i;

	for (i = 0; i < PCR_MAX_SLOTS; i++)
		if (mask & (1ULL << i))
			return i;
	return ~0U;
}

SEC("lsm/locked_down")
int BPF_PROG(veto_msr_write, enum lockdown_reason what, int ret)
{
#if defined(__TARGET_ARCH_x86)
	const struct pcrw_veto_cfg *cfg;
	struct task_struct *task;
	struct resv_scan sc = {};
	struct pcrw_event *e;
	struct pcrw_resv *r;
	struct pt_regs *regs;
	struct file *f;
	__u32 regbuf[3] = {};
	__u64 value = 0, mask, found;
	__u32 cpu, msr, kind;
	long nr;

	if (ret || what != bpf_core_enum_value(enum lockdown_reason, LOCKDOWN_MSR))
		return ret;
	cfg = veto_config();
	if (!cfg || cfg->mode == PCRW_VETO_SIGNAL)
		return 0;
	task = bpf_get_current_task_btf();
	regs = (struct pt_regs *)bpf_task_pt_regs(task);
	if (!regs)
		return 0;
	nr = regs->orig_ax;
	f = fd_file(task, regs->di);
	if (!f)
		return 0;
	cpu = BPF_CORE_READ(f, f_inode, i_rdev) & MINORMASK;
	switch (nr) {
	case NR_write:
	case NR_writev:
		msr = BPF_CORE_READ(f, f_pos);
		if (nr == NR_write)
			bpf_probe_read_user(&value, sizeof(value), (void *)regs->si);
		mask = pcr_msr_slot_mask(msr);
		break;
	case NR_pwrite64:
	case NR_pwritev:
	case NR_pwritev2:
		msr = regs->r10;
		if (nr == NR_pwrite64)
			bpf_probe_read_user(&value, sizeof(value), (void *)regs->si);
		mask = pcr_msr_slot_mask(msr);
		break;
	case NR_ioctl: /* X86_IOC_WRMSR_REGS: eax, ecx (the MSR), edx */
		bpf_probe_read_user(regbuf, sizeof(regbuf), (void *)regs->dx);
		msr = regbuf[1];
		value = (__u64)regbuf[2] << 32 | regbuf[0];
		mask = pcr_msr_slot_mask(msr);
		break;
	default: /* a path not known here: every slot, fail closed */
		msr = 0;
		mask = ~0ULL;
		break;
	}
	if (!mask || cpu >= PCRW_MAX_CPUS)
		return 0;
	sc.cpu = cpu;
	sc.direct = 1;
	sc.slot_mask = mask;
	resv_scan(&sc);
	found = sc.first_id;
	if (!found)
		return 0;
	r = bpf_map_lookup_elem(&resv, &found);
	if (!r)
		return 0;
	kind = cfg->mode == PCRW_VETO_AUDIT ? PCRW_EV_AUDIT : PCRW_EV_VETO;
	count_event(kind, found);
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (e) {
		fill_veto_event(e, kind, r);
		e->cpu = cpu;
		e->msr = msr;
		e->value = value;
		e->slot = first_slot(r->slot_mask & mask);
		e->actor_path = PCRW_PATH_MSR_DEV;
		bpf_ringbuf_submit(e, 0);
	}
	return kind == PCRW_EV_AUDIT ? 0 : -PCR_EBUSY;
#else
	return ret;
#endif
}
