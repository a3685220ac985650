// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * perf_signal: signal-based enforcement of rule 5 where no LSM program can
 * attach (e.g. arm64 before 6.4), used only when asked for. When
 * perf_event_open returns a new event to a non-holder, the program reads
 * the event the kernel built (its attr, CPU and PMU, through the file the
 * returned fd names: never the caller's memory) and, when the rule refuses
 * the event's own demand (whole-PMU reservation, unknown capacity,
 * exclusive, no unreserved counter that can count it), sends SIGKILL.
 * A signal is delivered on the way back to user space: the event has been
 * opened and may have counted on a reserved counter for that long, and a
 * second thread that swaps the fd before the syscall returns is not seen.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "perf_admit.bpf.h"

char LICENSE[] SEC("license") = "GPL";

#define SIGKILL 9

/* The perf event behind @fd of the current task, or NULL when the file
 * there is not a perf event ("[perf_event]" anon inode). */
static __always_inline struct perf_event *fd_event(long fd)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct file **fds, *f;
	__u64 name[2] = {};
	const unsigned char *n;

	fds = BPF_CORE_READ(task, files, fdt, fd);
	if (!fds || fd < 0 || fd >= BPF_CORE_READ(task, files, fdt, max_fds))
		return NULL;
	if (bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]) || !f)
		return NULL;
	n = BPF_CORE_READ(f, f_path.dentry, d_name.name);
	/* "[perf_event]": two little-endian words, NUL-padded. */
	if (bpf_probe_read_kernel_str(name, sizeof(name), n) != 13 ||
	    name[0] != 0x76655f667265705bULL || name[1] != 0x5d746e65ULL)
		return NULL;
	return BPF_CORE_READ(f, private_data);
}

SEC("raw_tp/sys_exit")
int BPF_PROG(signal_perf_open, struct pt_regs *regs, long ret)
{
	const struct pcrw_veto_cfg *cfg;
	struct perf_event_attr *attr;
	struct perf_event *event;
	struct pcr_demand d = {};
	struct kattr k = {};
	struct verdict v;
	long nr = pcrw_regs_syscall_nr(regs);
	__u32 idx;

	if (ret < 0 || !pcrw_is_perf_event_open(nr))
		return 0;
	cfg = veto_config();
	if (!cfg || cfg->mode != PCRW_VETO_SIGNAL)
		return 0;
	event = fd_event(ret);
	if (!event)
		return 0;
	attr = &event->attr;
	k.type = BPF_CORE_READ(attr, type);
	k.config = BPF_CORE_READ(attr, config);
	k.config1 = BPF_CORE_READ(attr, config1);
	k.sample_type = BPF_CORE_READ(attr, sample_type);
	if (BPF_CORE_READ_BITFIELD_PROBED(attr, exclusive))
		k.flags |= KATTR_EXCLUSIVE;
	if (BPF_CORE_READ_BITFIELD_PROBED(attr, precise_ip))
		k.flags |= KATTR_PRECISE;
	if (!is_hw_type(cfg, BPF_CORE_READ(event, pmu, type)) &&
	    !is_hw_type(cfg, k.type))
		return 0;
	demand_init(cfg, &d);
	d.exclusive = !!(k.flags & KATTR_EXCLUSIVE);
	admit(cfg, BPF_CORE_READ(event, cpu), PCR_LAYER_USER, &d,
	      event_demand(cfg, &k), 0, &v, &idx);
	if (v.rule == PCR_ADMIT_OK)
		return 0;
	veto(cfg, &v, k.type, k.config);
	bpf_send_signal(SIGKILL);
	return 0;
}
