/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * pcrwatch.h - records the pcrwatch BPF programs share with userspace.
 *
 * Fixed-width types only, no bool, explicit padding: the layout is the same
 * in the BPF object, the x86 binary and the arm64 binary. Each program keeps
 * its own structs in its own section below; the event record is common so
 * that `pcrwatch events` reads one format from every ring buffer.
 */
#ifndef PCRWATCH_H
#define PCRWATCH_H

#include "pcr_rules.h"

#define PCRW_COMM_LEN 16
#define PCRW_MAX_CPUS 256

/* Who touched a counter: a layer (enum pcr_layer) and an identity. */
struct pcrw_owner {
	__u32 layer;
	__u32 tgid; /* 0 for the kernel itself */
	__u32 pid;
	__u32 uid;
	__u64 cgroup_id;
	char comm[PCRW_COMM_LEN];
};

/* How the owner reached the counter. */
enum pcrw_path {
	PCRW_PATH_UNKNOWN = 0,
	PCRW_PATH_PERF = 1, /* the kernel's perf driver */
	PCRW_PATH_MSR_DEV = 2, /* /dev/cpu/N/msr on behalf of a process */
	PCRW_PATH_KERNEL = 3, /* other kernel code (watchdog, KVM, module) */
	PCRW_PATH_FIRMWARE = 4, /* found programmed with no OS owner */
	PCRW_PATH_ARBITER = 5, /* the arbiter module's checked path */
};

/* Kinds of event on the ring buffers, each counted per kind too. */
enum pcrw_event_kind {
	PCRW_EV_CLOBBER = 1, /* a writer changed another owner's live counter */
	PCRW_EV_FIRMWARE_HELD = 2, /* enabled at start-up with no OS owner */
	PCRW_EV_INUSE_MISMATCH = 3, /* GLOBAL_INUSE claims an unowned counter */
	PCRW_EV_VETO = 4, /* a reservation denied an access */
	PCRW_EV_AUDIT = 5, /* would have been denied (audit mode) */
	PCRW_EV_OWNER_CHANGE = 6, /* a slot changed hands */
	PCRW_EV_PCR_REG = 7, /* the arbiter module changed a PCR register */
	PCRW_NR_EVENT_KINDS = 8,
};

/* The common event record. @prev is the party that held the slot (clobber,
 * veto: the reservation's holder), @actor the one acting now. */
struct pcrw_event {
	__u32 kind;
	__u32 cpu;
	__u64 ts_ns; /* bpf_ktime_get_ns() */
	__u32 slot; /* pcr_rules.h slot number, or ~0 */
	__u32 msr; /* the MSR written, or 0 */
	__u64 value; /* value written / event config */
	__u64 old_value;
	__u32 actor_path; /* enum pcrw_path */
	__u32 prev_path;
	struct pcrw_owner actor;
	struct pcrw_owner prev;
	__u64 reservation_id; /* 0 if none */
	__u32 verdict; /* enum pcr_verdict for vetoes */
	__u32 reserved0;
};

#endif /* PCRWATCH_H */
