// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * pcrwatch selftest: print what this kernel lets pcrwatch do, one line per
 * capability, so that a degraded mode is never silent. Each "no" says what
 * it costs; a check this process cannot make (a missing capability) says
 * "?" and which capability, never a wrong "no".
 */
#include <errno.h>
#include <string.h>

#include "pcrwatch.h"
#include "json.h"
#include "kernel_probe.h"
#include "possible_cpus.h"
#include "../../bpf/pcrwatch.h"

enum answer { ANS_NO = 0, ANS_YES = 1, ANS_UNKNOWN = 2 };

struct check {
	const char *name; /* JSON key, snake_case */
	const char *what; /* text label */
	enum answer ans;
	char detail[192]; /* what the answer means */
};

static const char *answer_word(enum answer a)
{
	return a == ANS_YES ? "yes" : a == ANS_NO ? "no" : "unknown";
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

static int selftest_usage(FILE *f, int rc)
{
	fprintf(f,
		"Usage: pcrwatch selftest [--json]\n"
		"Print what this kernel lets pcrwatch do: hardware PMU, msr\n"
		"tracepoints, BPF LSM and whether its programs attach, "
		"fentry,\n"
		"and the capabilities this process lacks.\n\n"
		"  -j, --json   one JSON document: {\"checks\":[...],...}\n");
	return rc;
}

static void set(struct check *c, const char *name, const char *what,
		enum answer ans, const char *detail)
{
	c->name = name;
	c->what = what;
	c->ans = ans;
	snprintf(c->detail, sizeof(c->detail), "%s", detail);
}

/* The tables the vetoes use, sized from this machine: what they hold and
 * what is refused past them (docs/PCR-RULES.md "Capacities"). */
static void capacity_check(struct check *c)
{
	int cpus = pcrw_possible_cpus();
	char why[192];

	if (cpus > 0)
		snprintf(why, sizeof(why),
			 "%d possible CPUs, every per-CPU map sized to them; "
			 "up to %d reservations, %d principals each, %d on "
			 "one CPU",
			 cpus, PCRW_MAX_RESV, PCRW_MAX_GRANTS,
			 PCRW_RESV_PER_CPU);
	else
		snprintf(why, sizeof(why),
			 cpus == -E2BIG
				 ? "this kernel can have more than %d CPUs: "
				   "the vetoes refuse to load rather than "
				   "leave CPUs out"
				 : "the possible CPUs cannot be read: the "
				   "vetoes refuse to load",
			 PCRW_MAX_CPUS);
	set(c, "capacity", "capacity", cpus > 0, why);
}

/* Run every check; @caps lists what this process lacks ("" when none). */
static int run_checks(struct check *c, const char *caps)
{
	bool priv = !caps[0], lsm = probe_bpf_lsm_active(), pmu_ok;
	enum answer attach = ANS_UNKNOWN;
	char pmu[64] = "", why[192];
	int n = 0;

	pmu_ok = probe_hw_pmu(pmu, sizeof(pmu));
	snprintf(why, sizeof(why),
		 pmu_ok ? "%s (perf type %d)"
			: "no hardware counters: only software events can be "
			  "shown",
		 pmu, probe_pmu_type(pmu));
	set(&c[n++], "hardware_pmu", "hardware PMU", pmu_ok, why);
	snprintf(why, sizeof(why),
		 "cannot tell: tracefs is root-only (this process lacks %s)",
		 caps);
	set(&c[n++], "msr_tracepoints", "msr tracepoints (x86)",
	    probe_tracepoint_exists("msr", "write_msr") ? ANS_YES
	    : priv					? ANS_NO
							: ANS_UNKNOWN,
	    probe_tracepoint_exists("msr", "write_msr") ? ""
	    : priv ? "direct MSR programming is not seen"
		   : why);
	set(&c[n++], "bpf_lsm_active", "BPF LSM in the kernel's LSM list", lsm,
	    lsm ? "the kernel runs BPF LSM programs (whether they attach: "
		  "below)"
		: "no vetoes: reservations are monitor-only");
	if (priv)
		attach = probe_lsm_can_attach("perf_event_open");
	snprintf(why, sizeof(why), "cannot tell without %s", caps);
	set(&c[n++], "lsm_attaches", "lsm/perf_event_open attaches", attach,
	    attach == ANS_YES	    ? "vetoes can be enforced"
	    : attach == ANS_UNKNOWN ? why
	    : lsm ? "BPF LSM is active but its programs cannot attach on this "
		    "kernel: reservations are monitor-only"
		  : "no veto of perf_event_open: monitor-only");
	attach = priv ? probe_fentry_can_attach("perf_event_release_kernel")
		      : ANS_UNKNOWN;
	set(&c[n++], "fentry_attaches", "fentry attaches", attach,
	    attach == ANS_YES ? ""
	    : attach == ANS_UNKNOWN
		    ? why
		    : "placement tracked by periodic snapshots");
	capacity_check(&c[n++]);
	return n;
}

static void print_json(const struct check *c, int n, const char *caps,
		       const char *veto)
{
	struct json j;
	char *tok, *save, list[64];
	int i;

	json_init(&j, stdout);
	json_object_begin(&j, NULL);
	json_array_begin(&j, "missing_capabilities");
	snprintf(list, sizeof(list), "%s", caps);
	for (tok = strtok_r(list, ", ", &save); tok;
	     tok = strtok_r(NULL, ", ", &save))
		json_str(&j, NULL, tok);
	json_array_end(&j);
	json_array_begin(&j, "checks");
	for (i = 0; i < n; i++) {
		json_object_begin(&j, NULL);
		json_str(&j, "name", c[i].name);
		json_str(&j, "answer", answer_word(c[i].ans));
		json_str(&j, "detail", c[i].detail);
		json_object_end(&j);
	}
	json_array_end(&j);
	json_bool(&j, "enforcement_possible", !veto);
	json_str(&j, "enforcement", veto ? veto : "vetoes can attach");
	json_object_end(&j);
	fputc('\n', stdout);
}

int cmd_selftest(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct check c[8];
	const char *veto;
	char caps[64];
	bool json = false, release;
	int opt, n, i;

	while ((opt = pcrw_getopt("selftest", argc, argv, "jh", opts)) != -1) {
		if (opt == 'j')
			json = true;
		else if (opt == 'h')
			return selftest_usage(stdout, PCRW_EXIT_OK);
		else
			return PCRW_EXIT_USAGE;
	}
	if (optind < argc)
		return pcrw_usage_error("selftest", "unexpected argument '%s'",
					argv[optind]);
	if (probe_missing_caps(caps, sizeof(caps)) < 0)
		snprintf(caps, sizeof(caps),
			 "CAP_BPF, CAP_PERFMON, CAP_SYS_ADMIN");
	n = run_checks(c, caps);
	veto = probe_veto_unavailable();
	if (json) {
		print_json(c, n, caps, veto);
		return PCRW_EXIT_OK;
	}
	if (caps[0])
		printf("not privileged: this process lacks %s; run as root for "
		       "the full answers\n",
		       caps);
	for (i = 0; i < n; i++)
		printf("%-34s %-7s %s\n", c[i].what, answer_word(c[i].ans),
		       c[i].detail);
	rung_line("monitor: perf lifecycle by",
		  probe_perf_lifecycle(RUNG_LSM, &release),
		  " (no hardware PMU: no hardware event to follow)");
	rung_line("monitor: msr writers named by",
		  probe_msr_writers(RUNG_FENTRY),
		  " (no /dev/cpu/N/msr: no writer to watch)");
	if (caps[0])
		printf("enforcement: unknown to this user (%s)\n", veto);
	else if (veto)
		printf("enforcement: no, reservations are monitor-only here: "
		       "%s\n",
		       veto);
	else
		printf("enforcement: vetoes can attach (`pcrwatch enforce`)\n");
	return PCRW_EXIT_OK;
}
