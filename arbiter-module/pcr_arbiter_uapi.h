/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * pcr_arbiter_uapi.h - the pcr_arbiter module's userspace interface: the
 * per-CPU device, its alias MSR addresses and its ioctls. Fixed-width types
 * and explicit padding only; included by the module, tests/progs/pcr_client.c
 * and pcrwatch (user/arbiter_*.c). docs/ARBITER.md is the prose.
 *
 * /dev/cpu/N/pcr holds CPU N's emulated PCR registers. lseek() to an alias
 * address (pcr_rules.h: PCR_MSR_MGMT_BASE + slot, PCR_MSR_ACCESS_BASE + slot,
 * PCR_MSR_CONTROL_BASE + slot), then read() or write() exactly 8 bytes.
 * A cookie register never reads back its cookie: it reads 1 while it holds
 * a non-default cookie and 0 while it holds PCR_DEFAULT_COOKIE.
 */
#ifndef PCR_ARBITER_UAPI_H
#define PCR_ARBITER_UAPI_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define PCR_ARB_DEV_FMT "/dev/cpu/%d/pcr"
#define PCR_ARB_MODULE "pcr_arbiter"

/* The arbiter chosen by the module parameter mode=. */
enum pcr_arb_mode {
	PCR_ARB_MODE_NONE = 0, /* registers only, no arbiter */
	PCR_ARB_MODE_MINIMAL = 1,
	PCR_ARB_MODE_MINIMAL_ENFORCING = 2,
	PCR_ARB_MODE_FULLY_ENFORCING = 3,
};

/* How the minimal-enforcing mirror learns of reserve_*_nmi() calls. */
enum pcr_arb_mirror {
	PCR_ARB_MIRROR_OFF = 0, /* mode none or minimal: no mirror */
	PCR_ARB_MIRROR_KRETPROBE = 1, /* every caller, through kretprobes */
	PCR_ARB_MIRROR_IOCTL = 2, /* only calls made through this module */
};

/* A register operation presenting a management cookie (claim: none). */
struct pcr_arb_op {
	__u32 slot;
	__u32 verdict; /* out: enum pcr_verdict */
	__u64 cookie; /* management cookie presented; claim: the new one */
	__u64 value; /* access cookie, control bits or new management cookie */
};

enum pcr_arb_target {
	PCR_ARB_EVTSEL =
		0, /* event select (fixed slots: their CTR_CTRL field) */
	PCR_ARB_COUNTER = 1, /* the counter itself */
};

/* PCR-checked counter programming: the PMU MSR is written only when the
 * presented access cookie passes pcr_check_program() for layer user. */
struct pcr_arb_program {
	__u32 slot;
	__u32 target; /* enum pcr_arb_target */
	__u64 access; /* access cookie presented; 0 is the legacy cookie */
	__u64 value;
	__u32 msr; /* out: the PMU MSR the value went to */
	__s32 msr_err; /* out: 0 written, -EIO the CPU refused it (#GP) */
	__u32 verdict; /* out: enum pcr_verdict */
	__u32 pad;
};

#define PCR_ARB_SLOT_PRESENT 0x01U /* this CPU has the counter */
#define PCR_ARB_SLOT_RESERVED 0x02U /* management cookie is set */
#define PCR_ARB_SLOT_ACCESS_OPEN 0x04U /* access cookie is the default */
#define PCR_ARB_SLOT_LEGACY_PERFCTR 0x08U /* reserve_perfctr_nmi() held */
#define PCR_ARB_SLOT_LEGACY_EVNTSEL 0x10U /* reserve_evntsel_nmi() held */
#define PCR_ARB_SLOT_PRIVATE 0x20U /* fully-enforcing private grant */
#define PCR_ARB_SLOT_FIRMWARE 0x40U /* held by (emulated) firmware */
/* A claim, a new management cookie or a private acquire of this slot is
 * being decided (pcrwatch asked, rule 7): shown here, never on the
 * pcr_reg_change tracepoint, so that a refused one changes nothing the
 * vetoes read. */
#define PCR_ARB_SLOT_PENDING 0x80U

/* One slot's state, without its cookies. */
struct pcr_arb_slot_status {
	__u32 slot; /* in */
	__u32 flags; /* PCR_ARB_SLOT_* */
	__u32 control; /* reservation control bits */
	__u32 holder_layer; /* enum pcr_layer of the reservation's holder */
	__u32 holder_tgid; /* 0: the kernel */
	__u32 seq; /* bumped on every change of this slot */
	char holder_comm[16];
};

#define PCR_ARB_NR_VERDICTS 8

struct pcr_arb_info {
	__u32 mode; /* enum pcr_arb_mode */
	__u32 mirror; /* enum pcr_arb_mirror */
	__u32 nr_gp; /* general-purpose slots 0..nr_gp-1 */
	__u32 nr_fixed; /* fixed slots 32..32+nr_fixed-1 */
	__u32 pmu_msrs; /* 1: the first event select MSR reads without #GP */
	__u32 pad;
	__u64 firmware_slots; /* slots held by emulated firmware */
	__u64 os_slots; /* slots the arbiter manages for the OS */
	__u64 denials[PCR_ARB_NR_VERDICTS]; /* by enum pcr_verdict, all CPUs */
};

/* Call the kernel's legacy reservation API (test and tooling hook). */
enum pcr_arb_legacy_op {
	PCR_ARB_RESERVE_PERFCTR = 0,
	PCR_ARB_RELEASE_PERFCTR = 1,
	PCR_ARB_RESERVE_EVNTSEL = 2,
	PCR_ARB_RELEASE_EVNTSEL = 3,
};

struct pcr_arb_legacy {
	__u32 op; /* enum pcr_arb_legacy_op */
	__u32 counter; /* general-purpose counter index */
	__s32 result; /* out: what reserve_*_nmi() returned (1 got it) */
	__u32 pad;
};

/* Fully-enforcing private access to a slot on every CPU. */
struct pcr_arb_grant {
	__u32 slot;
	__u32 verdict; /* out */
	__u64 cookie; /* acquire: out, the private access cookie; release: in */
};

#define PCR_ARB_IOC_MAGIC 0xA5
#define PCR_ARB_IOC_INFO _IOR(PCR_ARB_IOC_MAGIC, 0x00, struct pcr_arb_info)
#define PCR_ARB_IOC_STATUS \
	_IOWR(PCR_ARB_IOC_MAGIC, 0x01, struct pcr_arb_slot_status)
#define PCR_ARB_IOC_CLAIM _IOWR(PCR_ARB_IOC_MAGIC, 0x02, struct pcr_arb_op)
#define PCR_ARB_IOC_SET_ACCESS _IOWR(PCR_ARB_IOC_MAGIC, 0x03, struct pcr_arb_op)
#define PCR_ARB_IOC_SET_CONTROL \
	_IOWR(PCR_ARB_IOC_MAGIC, 0x04, struct pcr_arb_op)
#define PCR_ARB_IOC_SET_MGMT _IOWR(PCR_ARB_IOC_MAGIC, 0x05, struct pcr_arb_op)
#define PCR_ARB_IOC_RELEASE _IOWR(PCR_ARB_IOC_MAGIC, 0x06, struct pcr_arb_op)
#define PCR_ARB_IOC_PROGRAM \
	_IOWR(PCR_ARB_IOC_MAGIC, 0x07, struct pcr_arb_program)
#define PCR_ARB_IOC_LEGACY _IOWR(PCR_ARB_IOC_MAGIC, 0x08, struct pcr_arb_legacy)
#define PCR_ARB_IOC_ACQUIRE _IOWR(PCR_ARB_IOC_MAGIC, 0x09, struct pcr_arb_grant)
#define PCR_ARB_IOC_UNGRANT _IOWR(PCR_ARB_IOC_MAGIC, 0x0a, struct pcr_arb_grant)
/* Tell every slot of this CPU again through the pcr_reg_change tracepoint
 * (op PCR_ARB_OP_REPLAY), changing nothing: pcrwatch's mirror, just
 * attached, learns the state from the same serialized stream as every
 * later change. CAP_SYS_ADMIN. */
#define PCR_ARB_IOC_REPLAY _IO(PCR_ARB_IOC_MAGIC, 0x0b)

/* Register operations as the module's tracepoints name them (op field). */
enum pcr_arb_regop {
	PCR_ARB_OP_CLAIM = 0,
	PCR_ARB_OP_SET_ACCESS = 1,
	PCR_ARB_OP_SET_CONTROL = 2,
	PCR_ARB_OP_SET_MGMT = 3,
	PCR_ARB_OP_RELEASE = 4,
	PCR_ARB_OP_PROGRAM = 5,
	PCR_ARB_OP_RESET = 6, /* module unload: every slot back to reset */
	PCR_ARB_OP_LEGACY = 7, /* legacy reservation bits changed */
	PCR_ARB_OP_REPLAY = 8, /* nothing changed: state told again (replay) */
	PCR_ARB_OP_ACQUIRE = 9, /* a private acquire (pcr_hold only) */
	PCR_ARB_NR_OPS = 10,
};

#endif /* PCR_ARBITER_UAPI_H */
