/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * pcr_rules.h - the Platform Counter Reservation rulebook.
 *
 * The one place that says who may set which cookie, which layer may program
 * which counter, and what an access with the wrong cookie gets. It compiles
 * unchanged into the BPF programs (vmlinux.h types), the arbiter module
 * (kernel types) and userspace (UAPI types); tests/unit tests and fuzzes it.
 * Every function is pure: it reads and writes only what it is given (the two
 * charge helpers of rule 5 change the word they are given, atomically).
 *
 * The model, after the PCR paper (docs/PCR-RULES.md has the prose):
 *  - Each counter slot has a management cookie, an access cookie (48-bit
 *    shared secrets) and reservation control bits.
 *  - PCR_DEFAULT_COOKIE (0) is the legacy cookie. A slot whose management
 *    cookie is the default is unreserved and behaves as without PCR.
 *  - Whoever presents the management cookie manages the slot: sets the access
 *    cookie and the control bits, hands over management, releases.
 *  - Whoever presents the access cookie, from a layer the control bits allow
 *    (and through a raw MSR write only if they allow that), programs it.
 *    Legacy users present the default cookie; it opens a slot only while the
 *    manager left the access cookie at the default.
 */
#ifndef PCR_RULES_H
#define PCR_RULES_H

#if !defined(__VMLINUX_H__)
#include <linux/types.h>
#endif

#ifndef __always_inline
#define __always_inline inline __attribute__((__always_inline__))
#endif

#define PCR_COOKIE_BITS 48
#define PCR_COOKIE_MASK ((1ULL << PCR_COOKIE_BITS) - 1)
#define PCR_DEFAULT_COOKIE 0ULL

/*
 * Counter slots are numbered as the bits of the PMU's global enable
 * register: on x86 general counter i is slot i and fixed counter j is slot
 * 32 + j (IA32_PERF_GLOBAL_CTRL); on arm64 event counter i is slot i and the
 * cycle counter is slot 31 (PMCNTENSET_EL0).
 */
#define PCR_MAX_SLOTS 64
#define PCR_FIXED_SLOT0 32
#define PCR_ARM_CYCLE_SLOT 31

/* The emulated alias MSR namespace of the arbiter module (the paper's
 * MSR_IA32_LMSR_AK0 + counter): one address per register and slot. */
#define PCR_MSR_MGMT_BASE 0x50435200U /* management cookie, slot 0 */
#define PCR_MSR_ACCESS_BASE 0x50435300U /* access cookie, slot 0 */
#define PCR_MSR_CONTROL_BASE 0x50435400U /* control bits, slot 0 */

/* Software layers, lowest (most privileged) first. */
enum pcr_layer {
	PCR_LAYER_FIRMWARE = 0,
	PCR_LAYER_HYPERVISOR = 1,
	PCR_LAYER_KERNEL = 2,
	PCR_LAYER_USER = 3,
	PCR_NR_LAYERS = 4,
	PCR_LAYER_UNKNOWN = 15,
};

/* Reservation control bits: which layers may program the slot, and
 * whether they may do it with raw MSR writes rather than through a driver. */
#define PCR_CTL_LAYER(l) (1U << (l))
#define PCR_CTL_ALL_LAYERS 0x0fU
#define PCR_CTL_DIRECT_MSR 0x10U
#define PCR_CTL_VALID_MASK (PCR_CTL_ALL_LAYERS | PCR_CTL_DIRECT_MSR)
#define PCR_CTL_DEFAULT PCR_CTL_VALID_MASK /* reset value: as without PCR */

/* One slot's PCR registers. Fixed-width, no padding holes. */
struct pcr_slot_regs {
	__u64 mgmt_cookie;
	__u64 access_cookie;
	__u32 control;
	__u32 reserved0;
};

/* Why an operation was refused; PCR_OK is the only success. */
enum pcr_verdict {
	PCR_OK = 0,
	PCR_DENY_COOKIE = 1, /* access cookie does not match */
	PCR_DENY_LAYER = 2, /* control bits exclude the caller's layer */
	PCR_DENY_DIRECT = 3, /* raw MSR writes not allowed on this slot */
	PCR_DENY_MGMT = 4, /* management cookie does not match */
	PCR_DENY_BUSY = 5, /* claim of a slot that is already managed */
	PCR_DENY_INVALID = 6, /* malformed cookie, control bits or slot */
	PCR_NR_VERDICTS = 7,
};

/* errno values (UAPI asm-generic/errno-base.h), for BPF where no header has
 * them. */
#define PCR_EPERM 1
#define PCR_EACCES 13
#define PCR_EBUSY 16
#define PCR_EINVAL 22

/*
 * What a refused operation returns to the caller, as a negative errno:
 * programming a counter reserved for someone else is -EBUSY (the counter is
 * in use, as perf reports a full PMU); a wrong management cookie is -EPERM;
 * malformed input is -EINVAL.
 */
static __always_inline int pcr_verdict_errno(enum pcr_verdict v)
{
	switch (v) {
	case PCR_OK:
		return 0;
	case PCR_DENY_COOKIE:
	case PCR_DENY_LAYER:
	case PCR_DENY_DIRECT:
	case PCR_DENY_BUSY:
		return -PCR_EBUSY;
	case PCR_DENY_MGMT:
		return -PCR_EPERM;
	default:
		return -PCR_EINVAL;
	}
}

/* Compare two cookies in time independent of where they differ. */
static __always_inline int pcr_cookie_eq(__u64 a, __u64 b)
{
	return ((a ^ b) | ((a | b) >> PCR_COOKIE_BITS)) == 0;
}

/* A cookie someone may hold: 48 bits and not the legacy default. */
static __always_inline int pcr_cookie_valid(__u64 c)
{
	return c != PCR_DEFAULT_COOKIE && (c >> PCR_COOKIE_BITS) == 0;
}

static __always_inline int pcr_slot_valid(__u32 slot)
{
	return slot < PCR_MAX_SLOTS;
}

static __always_inline int pcr_layer_valid(__u32 layer)
{
	return layer < PCR_NR_LAYERS;
}

static __always_inline void pcr_slot_reset(struct pcr_slot_regs *r)
{
	r->mgmt_cookie = PCR_DEFAULT_COOKIE;
	r->access_cookie = PCR_DEFAULT_COOKIE;
	r->control = PCR_CTL_DEFAULT;
	r->reserved0 = 0;
}

static __always_inline int pcr_slot_reserved(const struct pcr_slot_regs *r)
{
	return r->mgmt_cookie != PCR_DEFAULT_COOKIE;
}

/*
 * Rule 1, claim: anyone may take management of an unmanaged slot by setting
 * a valid management cookie. The access cookie becomes that same secret and
 * the control bits keep their value, so a fresh claim locks legacy users out
 * until the manager opens the slot (the minimal-enforcing arbiter's default).
 */
static __always_inline enum pcr_verdict pcr_claim(struct pcr_slot_regs *r,
						  __u64 new_mgmt)
{
	if (!pcr_cookie_valid(new_mgmt))
		return PCR_DENY_INVALID;
	if (pcr_slot_reserved(r))
		return PCR_DENY_BUSY;
	r->mgmt_cookie = new_mgmt;
	r->access_cookie = new_mgmt;
	return PCR_OK;
}

/* Rule 2, manage: only the current management cookie changes anything. */
static __always_inline enum pcr_verdict
pcr_check_mgmt(const struct pcr_slot_regs *r, __u64 presented)
{
	if (!pcr_slot_reserved(r) || !pcr_cookie_eq(presented, r->mgmt_cookie))
		return PCR_DENY_MGMT;
	return PCR_OK;
}

/* Rule 2a: the manager sets the access cookie; the default opens the slot
 * to legacy users, any other value grants it to whoever holds that value. */
static __always_inline enum pcr_verdict
pcr_set_access(struct pcr_slot_regs *r, __u64 presented_mgmt, __u64 access)
{
	enum pcr_verdict v = pcr_check_mgmt(r, presented_mgmt);

	if (v != PCR_OK)
		return v;
	if (access >> PCR_COOKIE_BITS)
		return PCR_DENY_INVALID;
	r->access_cookie = access;
	return PCR_OK;
}

/* Rule 2b: the manager sets the control bits; unknown bits are refused. */
static __always_inline enum pcr_verdict
pcr_set_control(struct pcr_slot_regs *r, __u64 presented_mgmt, __u32 control)
{
	enum pcr_verdict v = pcr_check_mgmt(r, presented_mgmt);

	if (v != PCR_OK)
		return v;
	if (control & ~PCR_CTL_VALID_MASK)
		return PCR_DENY_INVALID;
	r->control = control;
	return PCR_OK;
}

/* Rule 2c: the manager hands management to a new valid cookie. */
static __always_inline enum pcr_verdict
pcr_set_mgmt(struct pcr_slot_regs *r, __u64 presented_mgmt, __u64 new_mgmt)
{
	enum pcr_verdict v = pcr_check_mgmt(r, presented_mgmt);

	if (v != PCR_OK)
		return v;
	if (!pcr_cookie_valid(new_mgmt))
		return PCR_DENY_INVALID;
	r->mgmt_cookie = new_mgmt;
	return PCR_OK;
}

/* Rule 3, release: the manager returns the slot to its reset state. */
static __always_inline enum pcr_verdict pcr_release(struct pcr_slot_regs *r,
						    __u64 presented_mgmt)
{
	enum pcr_verdict v = pcr_check_mgmt(r, presented_mgmt);

	if (v != PCR_OK)
		return v;
	pcr_slot_reset(r);
	return PCR_OK;
}

/*
 * Rule 4, program: may @layer, presenting @access, program this slot's
 * event select or counter (@direct_msr: by a raw MSR write rather than
 * through a driver)? Unreserved slots allow everyone, as today. Checks run
 * layer, then path, then cookie, so the verdict names the first reason.
 */
static __always_inline enum pcr_verdict
pcr_check_program(const struct pcr_slot_regs *r, __u32 layer, __u64 access,
		  int direct_msr)
{
	if (!pcr_slot_reserved(r))
		return PCR_OK;
	if (!pcr_layer_valid(layer) || !(r->control & PCR_CTL_LAYER(layer)))
		return PCR_DENY_LAYER;
	if (direct_msr && !(r->control & PCR_CTL_DIRECT_MSR))
		return PCR_DENY_DIRECT;
	if (!pcr_cookie_eq(access, r->access_cookie))
		return PCR_DENY_COOKIE;
	return PCR_OK;
}

/*
 * The minimal-enforcing arbiter's lock rule (the paper's pcr_update_lock):
 * a slot whose counter and event select are both reserved through the
 * kernel's legacy reserve_*_nmi() API opens to legacy (default-cookie)
 * access; otherwise only the arbiter's secret programs it.
 */
static __always_inline __u64 pcr_legacy_access_cookie(int perfctr_reserved,
						      int evntsel_reserved,
						      __u64 secret)
{
	return perfctr_reserved && evntsel_reserved ? PCR_DEFAULT_COOKIE
						    : secret;
}

/* ===== Reservations, principals and perf admission (issue 5) =====
 * Used by bpf/perf_veto.bpf.c, bpf/msr_veto.bpf.c and user/resv_*.c;
 * docs/PCR-RULES.md states the same rules in prose. Pure functions only.
 */

/* Principals a grant can name; the kernel checks them for the caller. */
enum pcr_principal_kind {
	PCR_PRINC_NONE = 0,
	PCR_PRINC_UID = 1, /* real uid of the calling task */
	PCR_PRINC_CGROUP = 2, /* cgroup v2 id, the cgroup or a descendant */
	PCR_PRINC_PID = 3, /* one process: tgid and start time */
	PCR_PRINC_LAYER = 4, /* every in-kernel counter of a layer (id) */
	PCR_PRINC_VM = 5, /* one VM: the hypervisor-layer counters of one
			   * VMM process, by tgid and start time */
};

/*
 * A process is named by its tgid and its start time, so a grant dies with
 * the process: a later process that gets the same pid has another start
 * time and matches nothing. The start time is the group leader's
 * start_boottime in clock ticks of PCR_USER_HZ, as /proc/PID/stat field 22
 * shows it: what both userspace and the kernel side can read.
 */
#define PCR_USER_HZ 100
#define PCR_NSEC_PER_TICK (1000000000ULL / PCR_USER_HZ)

struct pcr_principal {
	__u32 kind; /* enum pcr_principal_kind */
	__u32 level; /* cgroup: depth of the cgroup below the root */
	__u64 id; /* uid, cgroup id or tgid */
	__u64 start; /* pid: the process's start time, ticks since boot */
};

/* What the kernel knows about the calling task, for pcr_principal_match. */
struct pcr_caller {
	__u32 layer; /* PCR_LAYER_USER, or the layer of an in-kernel counter */
	__u32 uid;
	__u32 tgid;
	__u64 start; /* start time of its process, ticks since boot */
	__u64 cgroup_at_level; /* its cgroup's ancestor at p->level, or 0 */
};

/* A process start time in ticks, from the kernel's start_boottime (ns). */
static __always_inline __u64 pcr_start_ticks(__u64 start_boottime_ns)
{
	return start_boottime_ns / PCR_NSEC_PER_TICK;
}

/* The layer whose callers a principal names: user for uid, pid and
 * cgroup principals. */
static __always_inline __u32 pcr_principal_layer(const struct pcr_principal *p)
{
	if (p->kind == PCR_PRINC_LAYER)
		return (__u32)p->id;
	return p->kind == PCR_PRINC_VM ? PCR_LAYER_HYPERVISOR : PCR_LAYER_USER;
}

/*
 * Does the caller match @p? Only callers of the principal's layer match:
 * a uid never names a VM's counters, a layer never a user's. A pid or vm
 * principal needs the same process, not only the same pid: tgid and start
 * time. A NONE principal, and a cgroup principal with no id, match nobody.
 */
static __always_inline int pcr_principal_match(const struct pcr_principal *p,
					       const struct pcr_caller *c)
{
	if (pcr_principal_layer(p) != c->layer)
		return 0;
	switch (p->kind) {
	case PCR_PRINC_UID:
		return p->id == c->uid;
	case PCR_PRINC_PID:
	case PCR_PRINC_VM:
		return p->id == c->tgid && p->start == c->start;
	case PCR_PRINC_CGROUP:
		return p->id != 0 && p->id == c->cgroup_at_level;
	case PCR_PRINC_LAYER:
		return 1;
	default:
		return 0;
	}
}

/* A reservation of every counter of the PMU on its CPUs. */
#define PCR_RESV_WHOLE_PMU 0xffffffffU

/*
 * Counters are not interchangeable. A PMU has general counters, which
 * count any event, and counters that count one event only: arm64's cycle
 * counter (slot 31) counts only CPU cycles, as x86's fixed counter 1 does
 * (the other x86 fixed counters are not modelled: events they could take
 * are charged to general counters, which only errs towards refusing). A
 * reservation of K counters takes K general counters; cycles-only counters
 * are never reserved. An event needs either a general counter, or a
 * cycles-only counter when it is the plain cycles event (perf puts it
 * there first and on a general counter only when that is taken).
 *
 * The demand of admitted events is charged, per CPU (events bound to a
 * CPU) and in one per-task pool (per-task events, which may run on any
 * CPU), as one 64-bit word: general demand in the high half, cycles demand
 * in the low half, so one atomic add charges both.
 */
#define PCR_CHARGE_CYCLES_BITS 32

static __always_inline __u64 pcr_charge_pack(__u32 general, __u32 cycles)
{
	return (__u64)general << PCR_CHARGE_CYCLES_BITS | cycles;
}

static __always_inline __u32 pcr_charge_general(__u64 c)
{
	return (__u32)(c >> PCR_CHARGE_CYCLES_BITS);
}

static __always_inline __u32 pcr_charge_cycles(__u64 c)
{
	return (__u32)c;
}

/*
 * Rule 5, perf admission. What the perf veto knows about one CPU when a
 * task restricted there opens a hardware event. "Other" reservations are
 * those whose grants the opener does not match; its own do not restrict it.
 */
struct pcr_demand {
	__u32 nr_general; /* general counters of this CPU's PMU; 0: not known */
	__u32 nr_cycles_only; /* counters that count only the cycles event */
	__u32 reserved_other; /* general counters reserved by others here */
	__u32 whole_other; /* an other reservation takes the whole PMU here */
	__u32 used_general; /* charged general demand, the new event's too */
	__u32 used_cycles; /* charged cycles demand, the new event's too */
	__u32 exclusive; /* the event or its group is exclusive */
	__u32 pinned; /* the event's group is pinned (names a refusal) */
	__u32 in_group; /* it joins an existing group (names a refusal) */
	__u32 reserved0;
};

/* Which clause of rule 5 decided; PCR_ADMIT_OK admits. */
enum pcr_admit_rule {
	PCR_ADMIT_OK = 0,
	PCR_ADMIT_WHOLE_PMU = 1, /* 5a: the whole PMU is reserved */
	PCR_ADMIT_UNKNOWN_CAPACITY =
		2, /* 5b: counter count unknown: fail closed */
	PCR_ADMIT_EXCLUSIVE = 3, /* 5c: exclusive needs the whole PMU */
	PCR_ADMIT_GROUP = 4, /* 5d: a group member that does not fit */
	PCR_ADMIT_PINNED = 5, /* 5d: a pinned event that does not fit */
	PCR_ADMIT_FLEXIBLE = 6, /* 5d: a flexible event that does not fit */
	PCR_ADMIT_UNINDEXED =
		7, /* the index cannot name the CPU: fail closed */
	PCR_NR_ADMIT_RULES = 8,
};

/*
 * Rule 5: a hardware event of a task restricted on this CPU is admitted only
 * if every charged event there, itself included, pinned or flexible, can be
 * on a counter at once without touching a reserved one:
 *  a. no other reservation takes the whole PMU;
 *  b. the PMU's counter count is known (else every other reservation acts as
 *     a whole-PMU one: fail closed);
 *  c. the event is not exclusive (exclusive means every counter);
 *  d. with U = nr_general - reserved_other unreserved general counters and
 *     C cycles-only counters: used_general <= U and used_general +
 *     used_cycles <= U + C. Cycles events take the cycles-only counters
 *     first, so whenever these hold perf finds a counter for every charged
 *     event and for every event of the holders on their reserved ones: no
 *     charged event ever multiplexes a holder's event out.
 * Each event is charged its own demand, so a group member adds itself
 * only: a group whose leader is already charged is not counted twice.
 * With no other reservation on the CPU every event is admitted, as without
 * PCR (PCR_DEFAULT_COOKIE behaviour).
 */
static __always_inline enum pcr_admit_rule pcr_admit(const struct pcr_demand *d)
{
	__u32 unreserved;

	if (!d->whole_other && !d->reserved_other)
		return PCR_ADMIT_OK;
	if (d->whole_other)
		return PCR_ADMIT_WHOLE_PMU;
	if (!d->nr_general)
		return PCR_ADMIT_UNKNOWN_CAPACITY;
	if (d->exclusive)
		return PCR_ADMIT_EXCLUSIVE;
	unreserved = d->reserved_other >= d->nr_general
			     ? 0
			     : d->nr_general - d->reserved_other;
	if (d->used_general <= unreserved &&
	    (__u64)d->used_general + d->used_cycles <=
		    (__u64)unreserved + d->nr_cycles_only)
		return PCR_ADMIT_OK;
	if (d->in_group)
		return PCR_ADMIT_GROUP;
	return d->pinned ? PCR_ADMIT_PINNED : PCR_ADMIT_FLEXIBLE;
}

/*
 * Rule 5 on a charge: fill @d's use from this CPU's two charge words (the
 * bucket the event was charged to, after the charge, and the other one:
 * the per-task pool for a CPU-bound event, the CPU's bucket for a per-task
 * one) and decide.
 */
static __always_inline enum pcr_admit_rule
pcr_admit_charged(struct pcr_demand *d, __u64 own, __u64 other)
{
	d->used_general = pcr_charge_general(own) + pcr_charge_general(other);
	d->used_cycles = pcr_charge_cycles(own) + pcr_charge_cycles(other);
	return pcr_admit(d);
}

/*
 * Decision and charge in one atomic step (the only non-pure functions
 * here: they change the word they are given, atomically). A racer first
 * adds its demand with a fully ordered fetch-and-add, then reads the other
 * word and decides on the sum; a refusal takes the demand back. Two racers
 * on one word see distinct totals; of two racers on different words (a
 * CPU-bound and a per-task event) at least one sees the other's charge,
 * as the adds are fully ordered before the reads. A refusal can only be
 * too cautious (a racer that is rolled back was seen), never too lenient.
 */
static __always_inline __u64 pcr_charge_add(__u64 *word, __u64 demand)
{
	return __sync_fetch_and_add(word, demand) + demand;
}

static __always_inline void pcr_charge_undo(__u64 *word, __u64 demand)
{
	__sync_fetch_and_add(word, -demand);
}

/*
 * Rule 6, direct MSR writes: which counter slots does a write to @msr
 * program? A bit per slot (the numbering above). A register that configures
 * one counter gives that counter's slot; one that can stop, freeze,
 * redirect or reload several (global control and status, FIXED_CTR_CTRL,
 * PEBS, DS area, DEBUGCTL, v6 auto-reload masks, the extra event selects)
 * gives all the slots it can reach; 0 is a register that is no core PMU
 * register (or only reads). Intel and AMD core PMU addresses do not
 * overlap, so no vendor is needed. The audit is in docs/MSR.md; a write's
 * value never narrows the answer (the mask holds for any value).
 */
#define PCR_GP_SLOTS 0xffffffffULL /* every general counter */
#define PCR_FIXED_SLOTS (0xffffULL << PCR_FIXED_SLOT0) /* every fixed one */
#define PCR_ALL_SLOTS (~0ULL)

/* Arch PerfMon v6: 4 registers per counter from 0x1900 (general, 32) and
 * 0x1980 (fixed, 16); the third, CFG_B, names counters to auto-reload. */
static __always_inline __u64 pcr_msr_v6_slot_mask(__u32 msr)
{
	__u32 n = (msr & 0x7fU) / 4;

	if ((msr & 3) == 2) /* IA32_PMC_{GP,FX}n_CFG_B */
		return PCR_ALL_SLOTS;
	return msr < 0x1980 ? 1ULL << n : 1ULL << (PCR_FIXED_SLOT0 + (n & 15));
}

static __always_inline __u64 pcr_msr_intel_slot_mask(__u32 msr)
{
	if (msr >= 0xc1 && msr < 0xc9) /* IA32_PMCx */
		return 1ULL << (msr - 0xc1);
	if (msr >= 0x4c1 && msr < 0x4c9) /* IA32_A_PMCx */
		return 1ULL << (msr - 0x4c1);
	if (msr >= 0x186 && msr < 0x18e) /* IA32_PERFEVTSELx */
		return 1ULL << (msr - 0x186);
	if (msr >= 0x309 && msr < 0x319) /* IA32_FIXED_CTRx, x < 16 */
		return 1ULL << (PCR_FIXED_SLOT0 + msr - 0x309);
	if (msr >= 0x14c1 && msr < 0x14c9) /* MSR_RELOAD_PMCx */
		return 1ULL << (msr - 0x14c1);
	if (msr >= 0x1309 && msr < 0x1319) /* MSR_RELOAD_FIXED_CTRx */
		return 1ULL << (PCR_FIXED_SLOT0 + msr - 0x1309);
	if (msr >= 0x1900 && msr < 0x19c0) /* v6 aliases */
		return pcr_msr_v6_slot_mask(msr);
	if (msr == 0x10f) /* TSX_FORCE_ABORT: clear, TSX microcode uses PMC3 */
		return 1ULL << 3;
	if (msr == 0x329) /* PERF_METRICS: fixed counter 3's topdown split */
		return 1ULL << (PCR_FIXED_SLOT0 + 3);
	if (msr == 0x38d) /* IA32_FIXED_CTR_CTRL: every fixed counter */
		return PCR_FIXED_SLOTS;
	if (msr >= 0x38f && msr <= 0x391) /* GLOBAL_CTRL, _STATUS_RESET, _SET */
		return PCR_ALL_SLOTS;
	if (msr == 0x1d9 || msr == 0x600) /* DEBUGCTL freeze bits, DS_AREA */
		return PCR_ALL_SLOTS;
	if (msr == 0x3f1 || msr == 0x3f2 || msr == 0x3f4 || msr == 0x3f5)
		return PCR_ALL_SLOTS; /* PEBS_ENABLE, _DATA_CFG, _BASE, _INDEX
				       */
	if (msr == 0x1a6 || msr == 0x1a7 || msr == 0x1328 || msr == 0x1329 ||
	    msr == 0x3f6 || msr == 0x3f7 || msr == 0x39c)
		return PCR_GP_SLOTS; /* OFFCORE_RSP, SNOOP_RSP, LD_LAT,
				      * FRONTEND, PEBS_NUM_ALT: any general
				      * counter's event */
	return 0;
}

static __always_inline __u64 pcr_msr_slot_mask(__u32 msr)
{
	if (msr >= 0xc0010000 && msr < 0xc0010004) /* AMD PERF_CTLx */
		return 1ULL << (msr - 0xc0010000);
	if (msr >= 0xc0010004 && msr < 0xc0010008) /* AMD PERF_CTRx */
		return 1ULL << (msr - 0xc0010004);
	if (msr >= 0xc0010200 && msr < 0xc0010210) /* AMD core CTL/CTR pairs */
		return 1ULL << ((msr - 0xc0010200) / 2);
	if (msr >= 0xc0000300 && msr < 0xc0000304) /* AMD PerfMonV2 global */
		return PCR_ALL_SLOTS;
	return pcr_msr_intel_slot_mask(msr);
}

/*
 * The access cookie a caller presents to rule 4: a caller the kernel
 * matches to a grant of the reservation presents its access cookie, anyone
 * else the legacy default. Rule 4 (pcr_check_program) then decides, so a
 * grant, the layer bits and the direct-MSR bit are checked in one place.
 */
static __always_inline __u64 pcr_presented_cookie(const struct pcr_slot_regs *r,
						  int matches_grant)
{
	return matches_grant ? r->access_cookie : PCR_DEFAULT_COOKIE;
}

/*
 * Rule 4 for a counter the kernel creates for itself (KVM's vPMU: the
 * hypervisor layer; the NMI watchdog and other kernel users: the kernel
 * layer). It presents no cookie: the reservation's control bit for its
 * layer decides, and where the reservation names principals of that layer
 * (@narrowed: layer:NAME, vm:PID) the caller must match one (@holds).
 */
static __always_inline int pcr_check_inkernel(const struct pcr_slot_regs *r,
					      __u32 layer, int narrowed,
					      int holds)
{
	if (!pcr_slot_reserved(r))
		return PCR_OK;
	if (!pcr_layer_valid(layer) || !(r->control & PCR_CTL_LAYER(layer)))
		return PCR_DENY_LAYER;
	if (narrowed && !holds)
		return PCR_DENY_COOKIE;
	return PCR_OK;
}

/*
 * Rule 7, one system with the pcr_arbiter module: a slot the module holds
 * for someone is a reservation the vetoes and `reserve` honour like their
 * own. The module says what it holds in its slot flags (its UAPI's
 * PCR_ARB_SLOT_*, repeated here for BPF; the module checks they agree):
 * a private grant of its fully-enforcing arbiter (the kernel API or the
 * acquire ioctl), a slot firmware keeps, or one a process claimed through
 * its device. The module's own management of the OS's slots (its minimal
 * arbiters) holds nothing against the OS's users.
 */
#define PCR_MOD_SLOT_RESERVED 0x02U
#define PCR_MOD_SLOT_ACCESS_OPEN 0x04U
#define PCR_MOD_SLOT_PRIVATE 0x20U
#define PCR_MOD_SLOT_FIRMWARE 0x40U
#define PCR_MOD_SLOT_PENDING 0x80U

static __always_inline int pcr_module_slot_held(__u32 flags, __u32 holder_tgid)
{
	if (!(flags & PCR_MOD_SLOT_RESERVED))
		return 0;
	return (flags & (PCR_MOD_SLOT_PRIVATE | PCR_MOD_SLOT_FIRMWARE)) ||
	       holder_tgid != 0;
}

/*
 * Rule 7, the race: a slot the module holds, or one it is about to give
 * (a claim or acquire waiting for pcrwatch's answer, shown only by the
 * module's status). `reserve` and policy loads read this after putting
 * their reservations in force; the vetoes read only what is held, so a
 * refused claim never keeps anyone off.
 */
static __always_inline int pcr_module_slot_taken(__u32 flags, __u32 holder_tgid)
{
	return pcr_module_slot_held(flags, holder_tgid) ||
	       (flags & PCR_MOD_SLOT_PENDING);
}

/*
 * Rule 7, program: does a slot the module holds keep a programmer of
 * @layer (@direct: by a raw MSR write) off its counter? Only the module's
 * holder knows the slot's access cookie and programs through the module,
 * so everyone else presents the default cookie and rule 4 decides on the
 * slot's control bits and whether its access is open.
 */
static __always_inline int pcr_module_slot_restricts(__u32 flags, __u32 control,
						     __u32 holder_tgid,
						     __u32 layer, int direct)
{
	struct pcr_slot_regs r = {
		.mgmt_cookie = 1, /* managed: by someone, not the default */
		.access_cookie = flags & PCR_MOD_SLOT_ACCESS_OPEN
					 ? PCR_DEFAULT_COOKIE
					 : 1, /* a cookie only the holder has */
		.control = control,
	};

	if (!pcr_module_slot_held(flags, holder_tgid))
		return 0;
	return pcr_check_program(&r, layer, PCR_DEFAULT_COOKIE, direct) !=
	       PCR_OK;
}

/* ===== end of reservations section (issue 5) ===== */

/* ===== Quotas and floors (issue 14) =====
 * Policy-level limits against greedy reservations, applied by userspace
 * (user/reservations/resv_quota.c) whenever a reservation is made or changed:
 * reserve, grant, a policy load. docs/PCR-RULES.md "Quotas and floors" has the
 * prose.
 *  - A cap: at most K counters per CPU reserved for one principal (by the
 *    reservations that grant it) or for one layer (by the reservations
 *    whose counters that layer may use: pcr_resv_layers).
 *  - A floor: F general counters per CPU that no reservation may take.
 * A reservation of K counters uses K counters of each of its CPUs; a
 * whole-PMU one uses all of them, and more than any cap allows while the
 * PMU's counter count is not known (fail closed). Pure functions only.
 */
#define PCR_CAP_PRINCIPAL 1 /* a cap on one principal's reservations */
#define PCR_CAP_LAYER 2 /* a cap on one layer's reservations */
#define PCR_QUOTA_MAX 64 /* the largest K or F a policy may give */
/* The use of a whole-PMU reservation on a PMU of unknown size. */
#define PCR_QUOTA_UNKNOWN (1ULL << 32)

struct pcr_cap {
	__u32 kind; /* PCR_CAP_PRINCIPAL or PCR_CAP_LAYER */
	__u32 counters; /* K: at most this many counters per CPU */
	__u32 layer; /* PCR_CAP_LAYER: enum pcr_layer */
	__u32 reserved0;
	struct pcr_principal who; /* PCR_CAP_PRINCIPAL */
};

/* Why a quota refuses; PCR_QUOTA_OK is the only success. */
enum pcr_quota_verdict {
	PCR_QUOTA_OK = 0,
	PCR_QUOTA_CAP = 1, /* a cap's K would be exceeded */
	PCR_QUOTA_FLOOR = 2, /* fewer than F general counters would stay free */
	PCR_QUOTA_UNKNOWN_SIZE = 3, /* the PMU's size is unknown: fail closed */
};

/* Do @a and @b name the same callers? The same kind and id, and for a
 * process (pid, vm) the same start time. */
static __always_inline int pcr_principal_same(const struct pcr_principal *a,
					      const struct pcr_principal *b)
{
	if (a->kind != b->kind || a->id != b->id)
		return 0;
	if (a->kind == PCR_PRINC_PID || a->kind == PCR_PRINC_VM)
		return a->start == b->start;
	return a->kind != PCR_PRINC_NONE;
}

/*
 * The layers whose counters may use a reservation with control bits
 * @control granted to @g (@n principals), a PCR_CTL_LAYER bit each: user
 * when a user principal (uid, pid, cgroup) holds it; hypervisor and kernel
 * when their bit admits them (rule 4 for in-kernel counters: every counter
 * of the layer, or those of its layer:/vm: principals); user when none.
 */
static __always_inline __u32 pcr_resv_layers(__u32 control,
					     const struct pcr_principal *g,
					     __u32 n)
{
	__u32 inkernel = PCR_CTL_LAYER(PCR_LAYER_HYPERVISOR) |
			 PCR_CTL_LAYER(PCR_LAYER_KERNEL);
	__u32 mask = control & inkernel, i;

	for (i = 0; i < n; i++)
		if (pcr_principal_layer(&g[i]) == PCR_LAYER_USER &&
		    g[i].kind != PCR_PRINC_NONE)
			mask |= control & PCR_CTL_LAYER(PCR_LAYER_USER);
	return mask ? mask : PCR_CTL_LAYER(PCR_LAYER_USER);
}

/* Does cap @c bind a reservation with control bits @control granted to @g
 * (@n principals)? A principal cap binds those that grant that principal,
 * a layer cap those whose counters that layer may use; a reservation for
 * several counts against each. */
static __always_inline int pcr_cap_applies(const struct pcr_cap *c,
					   __u32 control,
					   const struct pcr_principal *g,
					   __u32 n)
{
	__u32 i;

	if (c->kind == PCR_CAP_LAYER)
		return pcr_layer_valid(c->layer) &&
		       (pcr_resv_layers(control, g, n) &
			PCR_CTL_LAYER(c->layer));
	if (c->kind != PCR_CAP_PRINCIPAL)
		return 0;
	for (i = 0; i < n; i++)
		if (pcr_principal_same(&c->who, &g[i]))
			return 1;
	return 0;
}

/* Counters a reservation of @resv_counters (or PCR_RESV_WHOLE_PMU) uses
 * on a CPU whose PMU has @nr_counters (0: not known). */
static __always_inline __u64 pcr_quota_use(__u32 resv_counters,
					   __u32 nr_counters)
{
	if (resv_counters != PCR_RESV_WHOLE_PMU)
		return resv_counters;
	return nr_counters ? nr_counters : PCR_QUOTA_UNKNOWN;
}

/* Cap @c on one CPU, where the reservations it binds, the new or changed
 * one included, use @use counters (a sum of pcr_quota_use). */
static __always_inline enum pcr_quota_verdict
pcr_cap_check(const struct pcr_cap *c, __u64 use)
{
	if (use <= c->counters)
		return PCR_QUOTA_OK;
	return use >= PCR_QUOTA_UNKNOWN ? PCR_QUOTA_UNKNOWN_SIZE
					: PCR_QUOTA_CAP;
}

/* General counters left unreserved on a CPU of @nr_general (0: not known)
 * where reservations take @reserved of them, or the whole PMU (@whole). */
static __always_inline __u32 pcr_quota_free(__u32 nr_general, __u64 reserved,
					    int whole)
{
	if (whole || reserved >= nr_general)
		return 0;
	return nr_general - (__u32)reserved;
}

/* The floor @floor on one CPU, with the reservations there, the new or
 * changed one included: @reserved general counters, @whole if one takes
 * the whole PMU. Cycles-only counters never count towards a floor: they
 * count one event. A CPU no reservation covers keeps its floor. */
static __always_inline enum pcr_quota_verdict
pcr_floor_check(__u32 floor, __u32 nr_general, __u64 reserved, int whole)
{
	if (!floor || (!reserved && !whole))
		return PCR_QUOTA_OK;
	if (!nr_general)
		return PCR_QUOTA_UNKNOWN_SIZE;
	if (pcr_quota_free(nr_general, reserved, whole) < floor)
		return PCR_QUOTA_FLOOR;
	return PCR_QUOTA_OK;
}

/* ===== end of quotas section (issue 14) ===== */

#endif /* PCR_RULES_H */
