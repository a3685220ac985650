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
/*
 * The most CPUs any Linux kernel can be configured for (x86's MAXSMP
 * NR_CPUS; arm64 allows 4096): the width of a reservation's CPU bitmap.
 * Nothing is sized by it at run time: every per-CPU map is sized at load
 * from the CPUs the running kernel can have (user/groups/map_size.c), and a
 * machine with more possible CPUs than this is refused, not cut.
 */
#define PCRW_MAX_CPUS 8192
/* The declared size of a map that userspace sizes at load from the
 * possible CPUs (user/groups/map_size.c): a map left unsized names no CPU but
 * the first, and the vetoes refuse on the others. */
#define PCRW_SIZED_AT_LOAD 1

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

/* ---- MSR ownership (bpf/msr_watch.bpf.c, user/msr_*.c) ---------------- */

/* Every group's pinned per-kind event counts: a map of this name under
 * /sys/fs/bpf/pcrwatch/<group>/, array or per-CPU array, __u64 per enum
 * pcrw_event_kind. `pcrwatch events` sums whatever groups have one. */
#define PCRW_EVENT_COUNTS_MAP "event_counts"
#define PCRW_EVENTS_LOST 0 /* index 0 of event_counts: ring buffer was full */
#define PCRW_EVENTS_RINGBUF "events"
/* The veto group pins its per-kind counts (same layout, array) under this
 * name (bpf/veto_common.bpf.h); `pcrwatch events` reads it where a group
 * has no PCRW_EVENT_COUNTS_MAP. */
#define PCRW_VETO_COUNTS_MAP "veto_total"

/* Shadow of one counter slot on one CPU (per-CPU array keyed by slot). The
 * owner is whoever last programmed it successfully; the attempt is whoever
 * touched it last, including writes that faulted (#GP) and so changed
 * nothing in hardware. */
struct pcrw_msr_slot {
	__u64 evtsel; /* event select (fixed: its IA32_FIXED_CTR_CTRL field) */
	__u64 ts_ns; /* when the owner programmed it */
	__u64 attempt_ts_ns;
	__u64 attempt_value;
	__u32 enabled; /* EN set (fixed: OS or USR enable bits set) */
	__u32 owned; /* 1 once someone programmed it */
	__u32 owner_path; /* enum pcrw_path */
	__u32 attempt_path;
	__u32 attempt_msr;
	__u32 attempt_failed; /* 1: the last attempt faulted */
	__u32 nr_writes; /* successful writes to its registers */
	__u32 nr_failed; /* faulted writes */
	__u32 nr_reads; /* rdmsr and kernel rdpmc of its counter */
	__u32 nr_clobbers;
	struct pcrw_owner owner;
	struct pcrw_owner attempt;
};

/* Per-CPU registers shared by all slots, and what the classifier saw. */
struct pcrw_msr_cpu {
	__u64 global_ctrl;
	__u64 fixed_ctrl;
	__u64 global_inuse; /* last value read */
	__u64 inuse_reported; /* INUSE bits already reported unowned */
	__u64 global_ts_ns; /* last write to a global register */
	__u32 global_path; /* its writer */
	__u32 global_msr;
	struct pcrw_owner global_writer;
	__u64 nr_pmu_writes; /* classified writes (any PMU register) */
	__u64 nr_failed; /* of those, faulted */
	__u64 nr_out_of_range; /* PMU family, past this CPU's counters */
	__u64 nr_direct; /* attributed to a /dev/cpu/N/msr writer */
	__u64 nr_reads;
};

/* A /dev/cpu/N/msr write in flight (per target CPU, set at pwrite64
 * entry, cleared at exit): the MSR write it causes may run on CPU N from
 * an IPI, where current is not the writer. */
struct pcrw_msr_pending {
	__u64 ts_ns;
	__u32 msr;
	__u32 active;
	struct pcrw_owner who;
};

/* The firmware-held marker program's context (BPF_PROG_TEST_RUN only):
 * userspace found @slot enabled with @value at start-up and no owner. */
struct pcrw_msr_held_ctx {
	__u64 slot;
	__u64 value;
	__u64 msr;
};

/* ===== Reservations and vetoes (issue 5: bpf/perf_veto, bpf/msr_veto) =====
 * Maps pinned under /sys/fs/bpf/pcrwatch/veto/ (by name): resv,
 * resv_index, veto_cfg, hw_charge, charged, resv_vetoes, veto_total,
 * events. Capacities (docs/PCR-RULES.md "Capacities"): PCRW_MAX_RESV
 * reservations on the machine, PCRW_MAX_GRANTS principals each, at most
 * PCRW_RESV_PER_CPU covering one CPU: one per counter slot, so the PMU is
 * full before that limit is reached.
 */
#define PCRW_MAX_RESV 1024
/* Entries of the "resv" map: room for a policy of PCRW_MAX_RESV to be
 * replaced whole, the new reservations in before the old ones go. */
#define PCRW_STORE_ENTRIES (2 * PCRW_MAX_RESV)
#define PCRW_RESV_PER_CPU 64 /* PCR_MAX_SLOTS: a reservation holds a slot */
#define PCRW_MAX_GRANTS 64 /* principals one reservation is granted to */
#define PCRW_CPU_WORDS (PCRW_MAX_CPUS / 64)
#define PCRW_MAX_HW_TYPES 4
#define PCRW_LABEL_LEN 96

/* A slot the pcr_arbiter module holds, as a reservation (views, vetoes,
 * events): ids from 2^32 up, apart from the store's, naming the slot and
 * the (first) CPU it is held on. */
#define PCRW_MODULE_RESV_BASE (1ULL << 32)
#define PCRW_MODULE_RESV_ID(cpu, slot) \
	(PCRW_MODULE_RESV_BASE + ((__u64)(slot) << 16) + (__u64)(cpu))
#define PCRW_MODULE_RESV_CPU(id) ((__u32)((id)&0xffff))
#define PCRW_MODULE_RESV_SLOT(id) ((__u32)(((id) >> 16) & 0xff))

/* Value of map "resv", key: __u64 reservation id (1, 2, ...). */
struct pcrw_resv {
	__u64 id;
	struct pcr_slot_regs regs; /* cookies and control bits (pcr_rules.h) */
	__u64 cpus[PCRW_CPU_WORDS]; /* CPUs covered, bit per CPU */
	__u64 slot_mask; /* slots held on each covered CPU (MSR rule 6) */
	__u32 nr_counters; /* counters held per CPU, or PCR_RESV_WHOLE_PMU */
	__u32 nr_grants;
	struct pcr_principal grants[PCRW_MAX_GRANTS];
	__u64 created_s; /* wall clock, seconds */
	__u32 flags; /* PCRW_RESV_F_* */
	__u32 reserved0;
	char label[PCRW_LABEL_LEN]; /* first grant as given: "uid:1000" */
};
#define PCRW_RESV_F_POLICY 0x1 /* made by a policy file: reload replaces it */

/*
 * The per-CPU index the vetoes read: an array map of these, one row per
 * possible CPU at index CPU + 1 and a head row at index 0, made whole by
 * userspace after every change and put in force by one update of the
 * outer map "resv_index" (array of maps, one entry), so a veto sees the
 * index before a change or after it, never half of it.
 *  - a CPU's row: @nr reservation ids covering it, @next the first CPU
 *    above it that a reservation covers (PCRW_CPU_END after the last),
 *    in every row, covered or not;
 *  - the head: @nr the reservations in the store, @next the first covered
 *    CPU. A per-task open walks that chain, never every possible CPU.
 * A walk reads each row from the index in force at that step, so a walk
 * that a reload overtakes goes on in the new index: since every @next is
 * above its CPU, it still only climbs, and no CPU covered before and
 * after the switch is passed over. A @next not above its CPU is a broken
 * index: the walk fails closed.
 */
#define PCRW_INDEX_HEAD 0
#define PCRW_INDEX_ROW(cpu) ((cpu) + 1)
#define PCRW_CPU_END 0xffffffffU
struct pcrw_cpu_resv {
	__u32 nr;
	__u32 next;
	__u32 ids[PCRW_RESV_PER_CPU]; /* store ids are below 2^32 */
};

enum pcrw_veto_mode {
	PCRW_VETO_ENFORCE = 0, /* deny */
	PCRW_VETO_AUDIT = 1, /* log the would-be veto, deny nothing */
	PCRW_VETO_SIGNAL = 2, /* no LSM: SIGKILL after the fact (asked for) */
};

/* Value of map "veto_cfg" (array of one). */
struct pcrw_veto_cfg {
	__u32 mode; /* enum pcrw_veto_mode */
	__u32 nr_counters; /* counters per CPU of the hardware PMU, 0: unknown
			    */
	__u32 nr_cpus; /* CPUs possible */
	__u32 nr_hw_types;
	__u32 hw_types[PCRW_MAX_HW_TYPES]; /* dynamic perf types of core PMUs */
	__u32 nr_cycles_only; /* of nr_counters, those that count only cycles */
	__u32 reserved0;
};

/* "hw_charge" (array of __u64 charge words, pcr_rules.h rule 5): index
 * CPU charges that CPU's CPU-bound events, index veto_cfg.nr_cpus the
 * per-task ones; sized nr_cpus + 1 at load. */

/* In a veto event (struct pcrw_event, kind VETO or AUDIT): @reservation_id
 * names the reservation, @actor who was refused, @prev.uid/@prev.cgroup_id
 * the reservation's first grant. Perf vetoes: @msr 0, @value the event's
 * attr.config, @old_value attr.type << 32 | enum pcr_admit_rule,
 * @actor_path PCRW_PATH_PERF. MSR vetoes: @msr and @value the write,
 * @slot the first reserved slot it touches, @actor_path PCRW_PATH_MSR_DEV. */
#define PCRW_VETO_TYPE(old_value) ((__u32)((old_value) >> 32))
#define PCRW_VETO_RULE(old_value) ((__u32)(old_value))

/* ===== end of reservations section (issue 5) ===== */

#endif /* PCRWATCH_H */
