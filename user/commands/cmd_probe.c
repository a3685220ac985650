// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * pcrwatch probe: is the PMU native, virtualized (which hypervisor, with a
 * vPMU or none) or absent, and what one read of every cycle or time source
 * costs here, with a verdict computed from the measured numbers. Guests
 * running on this machine are listed with the layer their counters get.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/perf_event.h>
#include <sys/syscall.h>

#include "pcrwatch.h"
#include "hypervisor.h"
#include "json.h"
#include "mediated.h"
#include "readcost.h"
#include "vpmu.h"

#define PROBE_MAX_VMS 32

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: pcrwatch probe [--json] [--batches N] [--reads N]\n"
		"Say whether the PMU is native, virtualized or absent, then "
		"measure\n"
		"what one read of each cycle or time source costs here.\n\n"
		"  -j, --json       one JSON object on stdout (fields below)\n"
		"  -b, --batches N  timed batches per source (1-%d, default "
		"%d)\n"
		"  -r, --reads N    reads per batch (1-%d; default: calibrated "
		"so a\n"
		"                   batch takes about %.0f us)\n"
		"  -h, --help       this text\n\n"
		"Sources: rdtsc, rdtscp (x86); cntvct_el0 (arm64); "
		"vdso_clock_gettime;\n"
		"syscall_clock_gettime; rdpmc (x86) or pmccntr_el0 (arm64): "
		"cycles\n"
		"read in user space through perf's mmap page (arm64 needs\n"
		"/proc/sys/kernel/perf_user_access=1); perf_read: read() on a "
		"perf fd.\n\n"
		"Verdicts use medians and the ratio to the cheapest timer: a "
		"counter\n"
		"read at >= %.0fx traps (or is emulated), >= %.0fx is slow; a "
		"vDSO\n"
		"clock_gettime at >= %.0f%% of the system call fell back to "
		"it.\n\n"
		"JSON fields (docs/PROBE.md): pmu {state: "
		"native|virtualized|absent,\n"
		"present, vpmu, name, perf_type, counters, kernel_says}; "
		"hypervisor\n"
		"{present, name, emulated, cpuid_signature, runs_kvm, "
		"evidence[]};\n"
		"clocksource; thresholds {trap_ratio, slow_ratio, "
		"vdso_fallback_share};\n"
		"cheapest_timer; sources[] {name, what, kind: "
		"timer|counter|syscall,\n"
		"available, reason | batches, reads_per_batch, min_ns, "
		"median_ns,\n"
		"ratio, detail, verdict}; guests[] {pid, comm, accel, vcpus,\n"
		"vcpu_pid, layer}; summary.\n",
		RC_MAX_BATCHES, RC_DEFAULT_BATCHES, RC_MAX_READS,
		RC_TARGET_BATCH_NS / 1000, RC_TRAP_RATIO, RC_SLOW_RATIO,
		RC_VDSO_FALLBACK_SHARE * 100);
}

static const char *kind_name(enum rc_kind k)
{
	switch (k) {
	case RC_TIMER:
		return "timer";
	case RC_COUNTER:
		return "counter";
	default:
		return "syscall";
	}
}

/* The one-line answer to "which case am I in". */
static void pmu_sentence(const struct hv_info *hv, char *buf, size_t len)
{
	char counters[32] = "";

	if (hv->pmu_counters >= 0)
		snprintf(counters, sizeof(counters), ", %d counters",
			 hv->pmu_counters);
	if (hv->state == HV_PMU_NATIVE)
		snprintf(buf, len, "native: %s%s, no hypervisor seen",
			 hv->pmu_name, counters);
	else if (hv->state == HV_PMU_ABSENT)
		snprintf(buf, len,
			 "absent: no hardware PMU, and no hypervisor seen");
	else if (hv->emulated)
		snprintf(buf, len,
			 "virtualized by emulation: %s emulates the CPU in "
			 "software (emulation, not KVM); %s%s%s%s",
			 hv->name,
			 hv->vpmu ? "its PMU is emulated too: "
				  : "no hardware PMU",
			 hv->vpmu ? hv->pmu_name : "", hv->vpmu ? counters : "",
			 "");
	else if (hv->vpmu)
		snprintf(buf, len,
			 "virtualized: %s gives this guest a vPMU (%s%s)",
			 hv->name, hv->pmu_name, counters);
	else
		snprintf(buf, len,
			 "virtualized: %s gives this guest no vPMU: no "
			 "hardware PMU",
			 hv->name);
}

static const struct rc_result *counter_source(const struct rc_report *rep)
{
	int i;

	for (i = 0; i < rep->nr; i++)
		if (rep->src[i].kind == RC_COUNTER)
			return &rep->src[i];
	return NULL;
}

static void summary(const struct hv_info *hv, const struct rc_report *rep,
		    char *buf, size_t len)
{
	const struct rc_result *c = counter_source(rep);
	const char *cheap =
		rep->cheapest >= 0 ? rep->src[rep->cheapest].name : "none";

	if (c && c->available)
		snprintf(buf, len, "%s", c->verdict);
	else if (!hv->pmu_present)
		snprintf(buf, len,
			 "no hardware PMU here: cycles cannot be read; time "
			 "with %s",
			 cheap);
	else if (c)
		snprintf(buf, len,
			 "cycle counter not readable from user space "
			 "(%s); time with %s",
			 c->reason, cheap);
	else
		snprintf(buf, len, "time with %s", cheap);
}

static const char *guest_layer(const struct vpmu_vm *vm)
{
	/* What a vPMU counter of this guest would be recorded as. */
	return vm->accel == VPMU_ACCEL_KVM ? "hypervisor" : "none";
}

static const char *vcpus_text(const struct vpmu_vm *vm, char *buf, size_t len)
{
	if (vm->nr_vcpus < 0)
		return "uncounted";
	snprintf(buf, len, "%d", vm->nr_vcpus);
	return buf;
}

static void print_text(const struct hv_info *hv, const struct rc_report *rep,
		       const struct vpmu_vm *vms, int nr_vms)
{
	char line[320], n[16];
	int i;

	pmu_sentence(hv, line, sizeof(line));
	printf("%-14s %s\n", "PMU:", line);
	printf("%-14s %s\n",
	       "hypervisor:", hv->present ? hv->name : "none seen");
	if (hv->pmu_present)
		printf("%-14s %s (perf type %d)\n",
		       "hardware PMU:", hv->pmu_name, hv->pmu_type);
	else
		printf("%-14s absent (no hardware PMU registered with perf)\n",
		       "hardware PMU:");
	if (hv->kernel_says[0])
		printf("%-14s \"%s\"\n", "kernel says:", hv->kernel_says);
	for (i = 0; i < hv->nr_facts; i++)
		printf("%-14s %s\n", i ? "" : "evidence:", hv->facts[i]);
	printf("%-14s %s\n", "clocksource:",
	       rep->clocksource[0] ? rep->clocksource : "unknown");
	if (nr_vms < 0)
		printf("%-14s cannot scan /proc\n", "guests here:");
	else if (!nr_vms)
		printf("%-14s none running\n", "guests here:");
	for (i = 0; i < nr_vms; i++)
		printf("%-14s %s pid %u: %s vCPU%s, %s: %s\n",
		       i ? "" : "guests here:", vms[i].comm, vms[i].tgid,
		       vcpus_text(&vms[i], n, sizeof(n)),
		       vms[i].nr_vcpus == 1 ? "" : "s",
		       vpmu_accel_name(vms[i].accel),
		       vms[i].accel == VPMU_ACCEL_KVM
			       ? "its vPMU counters are the hypervisor layer's"
			       : "emulated PMU, holds no host counter");

	printf("\nRead cost per read, %u batches (ratio: median / cheapest "
	       "timer)\n",
	       rep->src[0].batches ? rep->src[0].batches : RC_DEFAULT_BATCHES);
	printf("%-22s %10s %10s %8s  %s\n", "source", "min ns", "median ns",
	       "ratio", "verdict");
	for (i = 0; i < rep->nr; i++) {
		const struct rc_result *r = &rep->src[i];

		if (r->available)
			printf("%-22s %10.1f %10.1f %7.1fx  %s\n", r->name,
			       r->min_ns, r->median_ns, r->ratio, r->verdict);
		else
			printf("%-22s %10s %10s %8s  %s\n", r->name, "-", "-",
			       "-", r->verdict);
	}
	summary(hv, rep, line, sizeof(line));
	printf("\nverdict: %s\n", line);
}

/* A host user's event: cycles of this task, kernel and guest time included
 * (no exclude_guest), the kind a mediated VM refuses. 0 or errno. */
static int host_cycles_open(void)
{
	struct perf_event_attr a;
	int fd;

	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.type = PERF_TYPE_HARDWARE;
	a.config = PERF_COUNT_HW_CPU_CYCLES;
	fd = syscall(SYS_perf_event_open, &a, 0, -1, -1, 0);
	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

/* The mediated vPMU line(s) of probe, into @buf: state, the VM, and what a
 * host open met. */
static void mediated_sentence(const struct mediated *md, char *buf, size_t len)
{
	char why[256];
	int err;

	if (md->enabled < 0) {
		snprintf(buf, len,
			 "not available (no kvm_intel/kvm_amd "
			 "enable_mediated_pmu: kernel before 7.0, "
			 "or KVM not loaded)");
		return;
	}
	if (!md->enabled || !md->nr_vms) {
		snprintf(buf, len,
			 "%s (%s enable_mediated_pmu=%c), no mediated "
			 "VM running",
			 md->enabled ? "on" : "off", md->module,
			 md->enabled ? 'Y' : 'N');
		return;
	}
	err = host_cycles_open();
	if (err && mediated_explain(md, err, why, sizeof(why)))
		snprintf(buf, len, "host cycles open failed (%s): %s",
			 strerror(err), why);
	else
		snprintf(buf, len,
			 "on: VM %s[%u] holds the whole PMU (%d KVM "
			 "VM%s); a host cycles open %s",
			 md->vm.comm, md->vm.tgid, md->nr_vms,
			 md->nr_vms == 1 ? "" : "s",
			 err ? strerror(err) : "succeeded");
}

/* ---- JSON (user/util/json.h, as every --json output) ----------------------
 */

/* A string, or null when @v is NULL. */
static void str_or_null(struct json *j, const char *key, const char *v)
{
	if (v)
		json_str(j, key, v);
	else
		json_null(j, key);
}

/* A measured value to 0.01 ns: the text's precision. */
static void json_ns(struct json *j, const char *key, double v)
{
	json_double(j, key, round(v * 100.0) / 100.0);
}

static void mediated_json(struct json *j, const struct mediated *md)
{
	char line[320];

	json_object_begin(j, "mediated_vpmu");
	json_i64(j, "enabled", md->enabled);
	str_or_null(j, "module", md->module[0] ? md->module : NULL);
	json_i64(j, "vms", md->nr_vms);
	json_u64(j, "vm_pid", md->vm.tgid);
	mediated_sentence(md, line, sizeof(line));
	json_str(j, "sentence", line);
	json_object_end(j);
}

static void pmu_json(struct json *j, const struct hv_info *hv)
{
	char line[320];

	json_object_begin(j, "pmu");
	json_str(j, "state", hv_state_name(hv->state));
	json_bool(j, "present", hv->pmu_present);
	json_bool(j, "vpmu", hv->vpmu);
	str_or_null(j, "name", hv->pmu_present ? hv->pmu_name : NULL);
	json_i64(j, "perf_type", hv->pmu_type);
	json_i64(j, "counters", hv->pmu_counters);
	pmu_sentence(hv, line, sizeof(line));
	json_str(j, "sentence", line);
	str_or_null(j, "kernel_says",
		    hv->kernel_says[0] ? hv->kernel_says : NULL);
	json_object_end(j);
}

static void hypervisor_json(struct json *j, const struct hv_info *hv)
{
	int i;

	json_object_begin(j, "hypervisor");
	json_bool(j, "present", hv->present);
	str_or_null(j, "name", hv->present ? hv->name : NULL);
	json_bool(j, "emulated", hv->emulated);
	str_or_null(j, "cpuid_signature",
		    hv->cpuid_vendor[0] ? hv->cpuid_vendor : NULL);
	json_bool(j, "runs_kvm", hv->runs_kvm);
	json_array_begin(j, "evidence");
	for (i = 0; i < hv->nr_facts; i++)
		json_str(j, NULL, hv->facts[i]);
	json_array_end(j);
	json_object_end(j);
}

static void source_json(struct json *j, const struct rc_result *r)
{
	json_object_begin(j, NULL);
	json_str(j, "name", r->name);
	json_str(j, "what", r->what);
	json_str(j, "kind", kind_name(r->kind));
	json_bool(j, "available", r->available);
	if (r->available) {
		json_u64(j, "batches", r->batches);
		json_u64(j, "reads_per_batch", r->reads_per_batch);
		json_ns(j, "min_ns", r->min_ns);
		json_ns(j, "median_ns", r->median_ns);
		json_ns(j, "ratio", r->ratio);
	} else {
		str_or_null(j, "reason", r->reason);
	}
	str_or_null(j, "detail", r->detail[0] ? r->detail : NULL);
	str_or_null(j, "verdict", r->verdict);
	json_object_end(j);
}

static void guest_json(struct json *j, const struct vpmu_vm *vm)
{
	json_object_begin(j, NULL);
	json_u64(j, "pid", vm->tgid);
	json_str(j, "comm", vm->comm);
	json_str(j, "accel", vpmu_accel_name(vm->accel));
	if (vm->nr_vcpus < 0)
		json_null(j, "vcpus");
	else
		json_i64(j, "vcpus", vm->nr_vcpus);
	if (vm->first_vcpu_pid)
		json_u64(j, "vcpu_pid", vm->first_vcpu_pid);
	else
		json_null(j, "vcpu_pid");
	json_str(j, "layer", guest_layer(vm));
	json_object_end(j);
}

static void print_json(const struct hv_info *hv, const struct rc_report *rep,
		       const struct vpmu_vm *vms, int nr_vms,
		       const struct mediated *md)
{
	struct json j;
	char line[320];
	int i;

	json_init(&j, stdout);
	json_object_begin(&j, NULL);
	mediated_json(&j, md);
	pmu_json(&j, hv);
	hypervisor_json(&j, hv);
	str_or_null(&j, "clocksource",
		    rep->clocksource[0] ? rep->clocksource : NULL);
	json_object_begin(&j, "thresholds");
	json_double(&j, "trap_ratio", RC_TRAP_RATIO);
	json_double(&j, "slow_ratio", RC_SLOW_RATIO);
	json_double(&j, "vdso_fallback_share", RC_VDSO_FALLBACK_SHARE);
	json_object_end(&j);
	str_or_null(&j, "cheapest_timer",
		    rep->cheapest >= 0 ? rep->src[rep->cheapest].name : NULL);
	json_array_begin(&j, "sources");
	for (i = 0; i < rep->nr; i++)
		source_json(&j, &rep->src[i]);
	json_array_end(&j);
	json_array_begin(&j, "guests");
	for (i = 0; i < nr_vms; i++)
		guest_json(&j, &vms[i]);
	json_array_end(&j);
	summary(hv, rep, line, sizeof(line));
	json_str(&j, "summary", line);
	json_object_end(&j);
	putchar('\n');
}

static int parse_uint(const char *opt, const char *s, unsigned int max,
		      unsigned int *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || !*s || *end || *s == '-' || v < 1 || v > max)
		return pcrw_usage_error("probe",
					"%s wants a number from 1 to %u, "
					"not '%s'",
					opt, max, s);
	*out = v;
	return 0;
}

int cmd_probe(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "batches", required_argument, NULL, 'b' },
		{ "reads", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct vpmu_vm vms[PROBE_MAX_VMS];
	struct mediated md;
	char line[512];
	struct rc_opts ro = { 0 };
	struct rc_report rep;
	struct hv_info hv;
	bool json = false;
	int opt, nr_vms;

	while ((opt = pcrw_getopt("probe", argc, argv, "jb:r:h", opts)) != -1) {
		switch (opt) {
		case 'j':
			json = true;
			break;
		case 'b':
			if (parse_uint("--batches", optarg, RC_MAX_BATCHES,
				       &ro.batches))
				return PCRW_EXIT_USAGE;
			break;
		case 'r':
			if (parse_uint("--reads", optarg, RC_MAX_READS,
				       &ro.reads))
				return PCRW_EXIT_USAGE;
			break;
		case 'h':
			usage(stdout);
			return PCRW_EXIT_OK;
		default:
			return PCRW_EXIT_USAGE;
		}
	}
	if (optind < argc)
		return pcrw_usage_error("probe", "unexpected argument '%s'",
					argv[optind]);

	hv_detect(&hv);
	rc_measure(&ro, hv.emulated, &rep);
	nr_vms = vpmu_scan(vms, PROBE_MAX_VMS);
	mediated_detect(&md);
	if (json) {
		print_json(&hv, &rep, vms, nr_vms < 0 ? 0 : nr_vms, &md);
	} else {
		print_text(&hv, &rep, vms, nr_vms);
		mediated_sentence(&md, line, sizeof(line));
		printf("%-14s %s\n", "mediated vPMU:", line);
	}
	return PCRW_EXIT_OK;
}
