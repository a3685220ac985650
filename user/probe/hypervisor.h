/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * hypervisor.h - is this kernel running under a hypervisor (or an emulator),
 * which one, and does it give the guest a PMU. Found from what the CPU and
 * the kernel expose: CPUID on x86; on arm64, which has no CPUID, the device
 * tree, DMI, /sys/hypervisor, the CPU's MIDR and the kernel's own messages.
 * Every conclusion keeps the facts it rests on, so `pcrwatch probe` can show
 * why it thinks what it thinks.
 */
#ifndef PCRW_HYPERVISOR_H
#define PCRW_HYPERVISOR_H

#include <stdbool.h>
#include <stddef.h>

enum hv_pmu_state {
	HV_PMU_NATIVE = 0, /* a hardware PMU, no hypervisor seen */
	HV_PMU_VIRTUALIZED = 1, /* under a hypervisor: a vPMU or none */
	HV_PMU_ABSENT = 2, /* no hypervisor seen and no hardware PMU */
};

#define HV_MAX_FACTS 12

struct hv_info {
	bool present; /* a hypervisor or emulator runs this kernel */
	bool emulated; /* QEMU TCG: the CPU itself is emulated, not virtualized
			*/
	char name[48]; /* "KVM", "QEMU TCG", "Xen", "Hyper-V", ... or "" */
	char cpuid_vendor[16]; /* x86 CPUID 0x40000000 signature, or "" */
	bool runs_kvm; /* this kernel is itself a KVM host (/dev/kvm, EL2) */
	bool pmu_present; /* a core hardware PMU is registered with perf */
	char pmu_name[32];
	int pmu_type; /* perf type of that PMU, -1 without one */
	int pmu_counters; /* counters the kernel reported, -1 if unknown */
	bool vpmu; /* present && pmu_present */
	enum hv_pmu_state state;
	char kernel_says[160]; /* the kernel's own line about the PMU, or "" */
	char facts[HV_MAX_FACTS][96]; /* evidence, one short line each */
	int nr_facts;
};

/* Fill @hv from this machine. Never fails: what cannot be read is a
 * fact not seen. */
void hv_detect(struct hv_info *hv);

/* Name of a PMU state for text and JSON: "native", "virtualized", "absent". */
const char *hv_state_name(enum hv_pmu_state s);

/* Map an x86 CPUID 0x40000000 signature to a hypervisor name ("KVM",
 * "Microsoft Hyper-V", ...); NULL for an unknown signature. Pure. */
const char *hv_name_from_cpuid(const char *sig);

/* Map a DMI sys_vendor/product_name pair to a hypervisor name; NULL when
 * they name real hardware. Pure. */
const char *hv_name_from_dmi(const char *vendor, const char *product);

/* Decode an arm64 MIDR_EL1: true when it is QEMU's own software-emulated
 * CPU (implementer 0, "reserved for software use", as `-cpu max` under TCG
 * reports). Pure. */
bool hv_midr_is_qemu_tcg(unsigned long long midr);

#endif
