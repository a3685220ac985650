// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * msr_empty: the baseline of bench/30-msr-classifier, a raw_tp program on
 * msr:write_msr that does nothing. Its run time per call is what the
 * kernel's BPF dispatch and bpf_stats accounting cost on their own.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

SEC("raw_tp/write_msr")
int BPF_PROG(msr_empty, unsigned int msr, u64 val, int failed)
{
	return 0;
}
