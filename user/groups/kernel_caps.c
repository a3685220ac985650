// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * What stands between this process and pcrwatch's programs, said plainly:
 * the capabilities it lacks, and why the vetoes cannot attach here.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <linux/capability.h>

#include "kernel_probe.h"

#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif

static bool has_cap(const struct __user_cap_data_struct d[2], int cap)
{
	return (d[cap / 32].effective >> (cap % 32)) & 1;
}

int probe_missing_caps(char *buf, size_t len)
{
	static const struct {
		int cap;
		const char *name;
	} caps[] = {
		{ CAP_BPF, "CAP_BPF" },
		{ CAP_PERFMON, "CAP_PERFMON" },
		{ CAP_SYS_ADMIN, "CAP_SYS_ADMIN" },
	};
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];
	size_t i, off = 0;
	int n = 0;

	buf[0] = 0;
	memset(d, 0, sizeof(d));
	if (syscall(SYS_capget, &h, d))
		return -1;
	for (i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		if (has_cap(d, caps[i].cap) || off >= len)
			continue;
		off += (size_t)snprintf(buf + off, len - off, "%s%s",
					n ? ", " : "", caps[i].name);
		n++;
	}
	return n;
}

const char *probe_veto_unavailable(void)
{
	static char why[160];
	char caps[64];

	if (probe_missing_caps(caps, sizeof(caps)) > 0) {
		snprintf(why, sizeof(why), "this process lacks %s", caps);
		return why;
	}
	if (!probe_bpf_lsm_active())
		return "bpf is not in the kernel's active LSM list (boot with "
		       "lsm=...,bpf)";
	if (!probe_lsm_can_attach("perf_event_open") ||
	    !probe_lsm_can_attach("perf_event_alloc"))
		return "BPF LSM is active, but LSM programs cannot attach on "
		       "this kernel (no BPF trampoline: arm64 before 6.4, or "
		       "ftrace locked)";
	return NULL;
}
