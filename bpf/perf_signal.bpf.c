// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * perf_signal: signal-based enforcement of rule 5 where no LSM program can
 * attach (e.g. arm64 before 6.4), used only when asked for. On entry to
 * perf_event_open a non-holder whose hardware event fails the rule for its
 * least demand (whole-PMU reservation, unknown capacity, exclusive, no
 * unreserved counter) gets SIGKILL. A signal is delivered on the way back to
 * user space, after the syscall has run: the event may already have been
 * opened and may have counted on a reserved counter for that long.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "perf_admit.bpf.h"

char LICENSE[] SEC("license") = "GPL";

#define SIGKILL 9
#if defined(__TARGET_ARCH_x86)
#define NR_perf_event_open 298
#elif defined(__TARGET_ARCH_arm64)
#define NR_perf_event_open 241
#else
#define NR_perf_event_open -1
#endif

SEC("raw_tp/sys_enter")
int BPF_PROG(signal_perf_open, struct pt_regs *regs, long id)
{
	const struct pcrw_veto_cfg *cfg;
	struct attr_head a;
	struct verdict v;
	const void *uattr;
	int cpu;

	if (id != NR_perf_event_open)
		return 0;
	cfg = veto_config();
	if (!cfg || cfg->mode != PCRW_VETO_SIGNAL)
		return 0;
#if defined(__TARGET_ARCH_x86)
	uattr = (const void *)BPF_CORE_READ(regs, di);
	cpu = (int)BPF_CORE_READ(regs, dx);
#elif defined(__TARGET_ARCH_arm64)
	uattr = (const void *)BPF_CORE_READ(regs, regs[0]);
	cpu = (int)BPF_CORE_READ(regs, regs[2]);
#else
	return 0;
#endif
	if (bpf_probe_read_user(&a, sizeof(a), uattr) || !is_hw_type(cfg, a.type))
		return 0;
	if (!open_refused(cfg, cpu, &a, &v))
		return 0;
	veto(cfg, &v, a.type, a.config);
	bpf_send_signal(SIGKILL);
	return 0;
}
