// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Hypervisor and vPMU detection for `pcrwatch probe`. x86 asks the CPU
 * (CPUID leaf 1 ECX bit 31, then the vendor signature of leaf 0x40000000);
 * arm64 has no such instruction, so the answer is pieced together from the
 * firmware tables and the kernel: /sys/hypervisor, the device tree, DMI,
 * MIDR_EL1 and the kernel log. QEMU's TCG is an emulator, not a hypervisor:
 * it is named as such, because its costs say nothing about hardware.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/klog.h>
#if defined(__x86_64__)
#include <cpuid.h>
#endif

#include "hypervisor.h"
#include "kernel_probe.h"

static void fact(struct hv_info *hv, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void fact(struct hv_info *hv, const char *fmt, ...)
{
	va_list ap;

	if (hv->nr_facts >= HV_MAX_FACTS)
		return;
	va_start(ap, fmt);
	vsnprintf(hv->facts[hv->nr_facts++], sizeof(hv->facts[0]), fmt, ap);
	va_end(ap);
}

static void set_name(struct hv_info *hv, const char *name)
{
	if (!hv->name[0])
		snprintf(hv->name, sizeof(hv->name), "%.47s", name);
}

/* First line of a small file, trailing space and NULs removed; false if
 * it cannot be read or is empty. Device-tree strings end in NUL. */
static bool read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return false;
	n = fread(buf, 1, len - 1, f);
	fclose(f);
	buf[n] = 0;
	buf[strcspn(buf, "\n")] = 0;
	n = strlen(buf);
	while (n && isspace((unsigned char)buf[n - 1]))
		buf[--n] = 0;
	return n > 0;
}

/* A device-tree property holding a NUL-separated string list: true when
 * one of the strings is @want. */
static bool dt_list_has(const char *path, const char *want)
{
	char buf[512];
	FILE *f = fopen(path, "r");
	size_t n, off;

	if (!f)
		return false;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	for (off = 0; off < n; off += strlen(buf + off) + 1)
		if (!strcmp(buf + off, want))
			return true;
	return false;
}

const char *hv_name_from_cpuid(const char *sig)
{
	static const struct {
		const char *sig, *name;
	} known[] = {
		{ "KVMKVMKVM", "KVM" },
		{ "TCGTCGTCGTCG", "QEMU TCG" },
		{ "Microsoft Hv", "Microsoft Hyper-V" },
		{ "VMwareVMware", "VMware" },
		{ "XenVMMXenVMM", "Xen" },
		{ "VBoxVBoxVBox", "VirtualBox" },
		{ "prl hyperv", "Parallels" },
		{ "bhyve bhyve", "bhyve" },
		{ "ACRNACRNACRN", "ACRN" },
		{ "QNXQVMBSQG", "QNX hypervisor" },
		{ "Jailhouse", "Jailhouse" },
	};
	size_t i;

	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (!strncmp(sig, known[i].sig, strlen(known[i].sig)))
			return known[i].name;
	return NULL;
}

const char *hv_name_from_dmi(const char *vendor, const char *product)
{
	if (!strcmp(vendor, "QEMU"))
		return "QEMU";
	if (strstr(product, "KVM") || !strcmp(vendor, "Red Hat"))
		return "KVM";
	if (!strcmp(vendor, "Amazon EC2"))
		return "Amazon EC2 (Nitro/KVM or Xen)";
	if (!strcmp(vendor, "Google") && strstr(product, "Compute Engine"))
		return "Google Compute Engine (KVM)";
	if (!strcmp(vendor, "Microsoft Corporation") &&
	    !strcmp(product, "Virtual Machine"))
		return "Microsoft Hyper-V";
	if (strstr(vendor, "VMware"))
		return "VMware";
	if (!strcmp(vendor, "innotek GmbH"))
		return "VirtualBox";
	if (!strcmp(vendor, "Xen"))
		return "Xen";
	if (!strcmp(vendor, "Parallels Software International Inc."))
		return "Parallels";
	return NULL;
}

bool hv_midr_is_qemu_tcg(unsigned long long midr)
{
	unsigned int implementer = (midr >> 24) & 0xff;
	unsigned int part = (midr >> 4) & 0xfff;

	/* Implementer 0 is reserved for software; QEMU's `max` CPU uses it
	 * with part number 0x051 ('Q'). A real core never reports 0. */
	return implementer == 0 && part == 0x051;
}

const char *hv_state_name(enum hv_pmu_state s)
{
	switch (s) {
	case HV_PMU_NATIVE:
		return "native";
	case HV_PMU_VIRTUALIZED:
		return "virtualized";
	case HV_PMU_ABSENT:
		return "absent";
	}
	return "unknown";
}

/* The kernel log, as root (or with dmesg_restrict off); NULL otherwise. */
static char *kernel_log(void)
{
	int size = klogctl(10 /* SYSLOG_ACTION_SIZE_BUFFER */, NULL, 0);
	char *buf;
	int n;

	if (size <= 0)
		return NULL;
	buf = malloc(size + 1);
	if (!buf)
		return NULL;
	n = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, buf, size);
	if (n < 0) {
		free(buf);
		return NULL;
	}
	buf[n] = 0;
	return buf;
}

/* Copy the log line containing @needle, timestamp dropped, into @out. */
static bool log_line(const char *log, const char *needle, char *out, size_t len)
{
	const char *p = log ? strstr(log, needle) : NULL;
	const char *start, *end;

	if (!p)
		return false;
	start = p;
	while (start > log && start[-1] != '\n')
		start--;
	if (*start == '<') { /* syslog priority, "<6>" */
		const char *close = strchr(start, '>');

		if (close && close < p)
			start = close + 1;
	}
	if (*start == '[') {
		const char *close = strchr(start, ']');

		if (close && close < p)
			start = close + 1;
	}
	while (*start == ' ')
		start++;
	end = strchr(p, '\n');
	if (!end)
		end = p + strlen(p);
	snprintf(out, len, "%.*s", (int)(end - start), start);
	return true;
}

static void detect_cpuid(struct hv_info *hv)
{
#if defined(__x86_64__)
	unsigned int a, b, c, d;
	char sig[13];
	const char *name;

	if (!__get_cpuid(1, &a, &b, &c, &d))
		return;
	if (!(c & (1U << 31))) {
		fact(hv, "CPUID.1:ECX[31] (hypervisor bit) is clear");
		return;
	}
	hv->present = true;
	fact(hv, "CPUID.1:ECX[31] (hypervisor bit) is set");
	__cpuid(0x40000000, a, b, c, d);
	memcpy(sig, &b, 4);
	memcpy(sig + 4, &c, 4);
	memcpy(sig + 8, &d, 4);
	sig[12] = 0;
	for (a = 0; a < 12; a++)
		if (sig[a] && !isprint((unsigned char)sig[a]))
			sig[a] = '?';
	snprintf(hv->cpuid_vendor, sizeof(hv->cpuid_vendor), "%s", sig);
	name = hv_name_from_cpuid(sig);
	fact(hv, "CPUID 0x40000000 signature \"%s\"%s", sig,
	     name ? "" : " (not one pcrwatch knows)");
	if (name) {
		set_name(hv, name);
		if (!strcmp(name, "QEMU TCG"))
			hv->emulated = true;
	}
#else
	(void)hv;
#endif
}

static void detect_firmware(struct hv_info *hv)
{
	char vendor[96] = "", product[96] = "", buf[96];
	const char *name;

	if (read_line("/sys/hypervisor/type", buf, sizeof(buf))) {
		hv->present = true;
		fact(hv, "/sys/hypervisor/type is \"%s\"", buf);
		set_name(hv, !strcmp(buf, "xen") ? "Xen" : buf);
	}
	if (dt_list_has("/proc/device-tree/hypervisor/compatible", "xen,xen")) {
		hv->present = true;
		fact(hv, "device tree has a Xen hypervisor node");
		set_name(hv, "Xen");
	}
	read_line("/sys/class/dmi/id/sys_vendor", vendor, sizeof(vendor));
	read_line("/sys/class/dmi/id/product_name", product, sizeof(product));
	if (vendor[0] || product[0]) {
		name = hv_name_from_dmi(vendor, product);
		fact(hv, "DMI: \"%s\" \"%s\"", vendor, product);
		if (name) {
			hv->present = true;
			/* DMI names the machine model (QEMU), CPUID the
			 * accelerator (KVM): CPUID, read first, wins. */
			set_name(hv, name);
		}
	}
}

static void detect_arm64(struct hv_info *hv)
{
	unsigned long long midr;
	char buf[96];
	bool virt_dt;

	virt_dt =
		dt_list_has("/proc/device-tree/compatible", "linux,dummy-virt");
	if (virt_dt) {
		hv->present = true;
		fact(hv,
		     "device tree: QEMU's \"virt\" machine (linux,dummy-virt)");
	}
	if (read_line("/proc/device-tree/psci/method", buf, sizeof(buf)))
		fact(hv, "PSCI calls go through \"%s\"%s", buf,
		     !strcmp(buf, "hvc") ? " (EL2 answers them: a hypervisor)"
					 : "");
	if (read_line(
		    "/sys/devices/system/cpu/cpu0/regs/identification/midr_el1",
		    buf, sizeof(buf))) {
		midr = strtoull(buf, NULL, 0);
		fact(hv, "MIDR_EL1 %#llx: implementer %#llx part %#llx", midr,
		     (midr >> 24) & 0xff, (midr >> 4) & 0xfff);
		if (hv_midr_is_qemu_tcg(midr)) {
			hv->present = true;
			hv->emulated = true;
			snprintf(hv->name, sizeof(hv->name), "QEMU TCG");
		}
	}
	if (virt_dt && !hv->emulated)
		set_name(hv, "QEMU, hardware-accelerated (likely KVM)");
}

static void detect_kernel_log(struct hv_info *hv)
{
	char *log = kernel_log();
	char line[160];
	const char *p;

	if (!log) {
		fact(hv, "kernel log not readable (not root?)");
		return;
	}
	if (log_line(log, "Hypervisor detected:", line, sizeof(line))) {
		hv->present = true;
		fact(hv, "kernel: %.80s", line);
		p = strchr(line, ':');
		if (p && !hv->name[0])
			set_name(hv, p + 2);
	}
	if (log_line(log, "PMU not available due to virtualization", line,
		     sizeof(line)) ||
	    log_line(log, "no PMU", line, sizeof(line)) ||
	    log_line(log, "hw perfevents:", line, sizeof(line)) ||
	    log_line(log, "Performance Events:", line, sizeof(line)))
		snprintf(hv->kernel_says, sizeof(hv->kernel_says), "%s", line);
	if (log_line(log, "hw perfevents: enabled with", line, sizeof(line))) {
		/* "... PMU driver, 7 counters available" (6.1) or
		 * "... PMU driver, 7 (0,8000003f) counters available" (6.12) */
		p = strstr(line, "PMU driver, ");
		if (p && isdigit((unsigned char)p[12]))
			hv->pmu_counters = atoi(p + 12);
	}
	if (log_line(log, "generic registers:", line, sizeof(line))) {
		p = strchr(line, ':');
		if (p)
			hv->pmu_counters = atoi(p + 1);
	}
	if (log_line(log, "CPU: All CPU(s) started at EL", line, sizeof(line)))
		fact(hv, "kernel: %.80s", line);
	if (log_line(log, "mode initialized successfully", line,
		     sizeof(line))) {
		hv->runs_kvm = true;
		fact(hv, "kernel: %.80s", line);
	}
	if (log_line(log, "arm-pv: using stolen time PV", line, sizeof(line))) {
		hv->present = true;
		fact(hv, "kernel: %.80s (a KVM paravirtual feature)", line);
		if (!hv->emulated &&
		    (!hv->name[0] || !strncmp(hv->name, "QEMU, hardware", 14)))
			snprintf(hv->name, sizeof(hv->name), "KVM");
	}
	free(log);
}

void hv_detect(struct hv_info *hv)
{
	memset(hv, 0, sizeof(*hv));
	hv->pmu_type = -1;
	hv->pmu_counters = -1;

	detect_cpuid(hv);
	detect_firmware(hv);
#if defined(__aarch64__)
	detect_arm64(hv);
#else
	(void)detect_arm64;
#endif
	detect_kernel_log(hv);
	if (access("/dev/kvm", F_OK) == 0) {
		hv->runs_kvm = true;
		fact(hv, "/dev/kvm exists: this kernel can run KVM guests");
	}
	if (hv->present && !hv->name[0])
		set_name(hv, "unknown hypervisor");

	hv->pmu_present = probe_hw_pmu(hv->pmu_name, sizeof(hv->pmu_name));
	if (hv->pmu_present)
		hv->pmu_type = probe_pmu_type(hv->pmu_name);
	hv->vpmu = hv->present && hv->pmu_present;
	if (hv->present)
		hv->state = HV_PMU_VIRTUALIZED;
	else
		hv->state = hv->pmu_present ? HV_PMU_NATIVE : HV_PMU_ABSENT;
}
