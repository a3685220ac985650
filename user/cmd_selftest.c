// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * pcrwatch selftest: print what this kernel lets pcrwatch do, one line per
 * capability, so that a degraded mode is never silent.
 */
#include <string.h>

#include "pcrwatch.h"
#include "kernel_probe.h"

static void line(const char *what, bool ok, const char *consequence)
{
	printf("%-34s %-3s %s\n", what, ok ? "yes" : "no",
	       ok ? "" : consequence);
}

/* The rung a monitor ladder lands on here; a syscall tracepoint, the
 * last rung, costs every syscall of every process. */
static void rung_line(const char *what, enum probe_rung r, const char *why)
{
	const char *note = "";

	if (r == RUNG_TRACEPOINT)
		note = " (the last rung: every syscall takes the slow path)";
	else if (r == RUNG_NOT_NEEDED)
		note = why;
	printf("%-34s %s%s\n", what, probe_rung_name(r), note);
}

int cmd_selftest(int argc, char **argv)
{
	char pmu[64] = "";
	bool has_pmu, release;

	if (argc > 1 &&
	    (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf("Usage: pcrwatch selftest\n"
		       "Print what this kernel lets pcrwatch do.\n");
		return PCRW_EXIT_OK;
	}
	if (argc > 1)
		return pcrw_usage_error("selftest", "unexpected argument '%s'",
					argv[1]);
	has_pmu = probe_hw_pmu(pmu, sizeof(pmu));
	line("hardware PMU", has_pmu,
	     "no hardware counters: only software events can be shown");
	if (has_pmu)
		printf("%-34s     %s (perf type %d)\n", "", pmu,
		       probe_pmu_type(pmu));
	line("msr tracepoints (x86)",
	     probe_tracepoint_exists("msr", "write_msr"),
	     "direct MSR programming is not seen");
	line("BPF LSM active", probe_bpf_lsm_active(),
	     "no vetoes: reservations are monitor-only");
	line("lsm/perf_event_open attaches",
	     probe_lsm_can_attach("perf_event_open"),
	     "no veto of perf_event_open: monitor-only");
	line("fentry attaches",
	     probe_fentry_can_attach("perf_event_release_kernel"),
	     "placement tracked by periodic snapshots");
	rung_line("monitor: perf lifecycle by",
		  probe_perf_lifecycle(RUNG_LSM, &release),
		  " (no hardware PMU: no hardware event to follow)");
	rung_line("monitor: msr writers named by",
		  probe_msr_writers(RUNG_FENTRY),
		  " (no /dev/cpu/N/msr: no writer to watch)");
	return PCRW_EXIT_OK;
}
