/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * model.h - the one ownership model: every hardware counter user the sources
 * can see, each with exactly one owner record, merged from
 *   - the perf source (user/model/perf_source.c): every hardware perf event,
 * from an iter/task_file snapshot plus lifecycle/placement tracking;
 *   - the MSR source (user/model/msr_source.c): per CPU and counter shadow
 * state kept by the msr tracepoint programs (direct writers, perf driver);
 *   - the reservation source (user/model/resv_source.c): reservations in force,
 *     kept beside the records (struct model_resv), never as records;
 *   - the arbiter source (user/model/arbiter_source.c): the slots the
 * pcr_arbiter module holds reserved, as reservations (source "module") beside
 *     pcrwatch's own, never as records.
 * A source missing from a build or unusable on a kernel adds a note saying
 * so; the views (who, live, serve) print notes, never an empty table alone.
 */
#ifndef PCRW_MODEL_H
#define PCRW_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

/* The BPF side's records (struct pcrw_owner, enums); the path keeps it
 * apart from user/commands/pcrwatch.h, the CLI header of the same name. */
#include "../../bpf/pcrwatch.h"

enum slot_state {
	SLOT_ACTIVE = 0, /* on a counter now (hw_idx >= 0) */
	SLOT_INACTIVE = 1, /* waiting: eligible now and has no counter */
	SLOT_ERROR =
		2, /* cannot be scheduled (pinned group that does not fit) */
	SLOT_OFF = 3, /* disabled, or programmed but not enabled */
	SLOT_IDLE = 4, /* per-task event whose task is not on its CPU now */
	SLOT_FREE = 5, /* nobody (used by views for empty grid cells) */
};

/* The word for a slot state ("active", ...). */
const char *state_name(enum slot_state s);

/* One hardware event or directly programmed counter. */
struct owner_record {
	__u64 id; /* stable within a refresh: event address hash or cpu<<32|msr
		   */
	int cpu; /* -1: task-scoped, follows its task */
	int hw_idx; /* counter index the PMU driver gave it now, -1 if none */
	int slot; /* pcr_rules.h slot number, -1 if unknown */
	__u32 path; /* enum pcrw_path */
	struct pcrw_owner owner; /* layer and identity */
	bool attributed; /* false: seen, but no owner could be found */
	char pmu[32];
	__u32 pmu_type; /* perf_event_attr.type */
	__u64 config; /* perf_event_attr.config, or the event select MSR value
		       */
	char event[48]; /* decoded: "cycles", "raw 0x3c", "cpu/event=0x3c/" */
	bool task_scope;
	bool pinned;
	bool exclusive;
	enum slot_state state;
	__u64 time_enabled;
	__u64 time_running;
	__u64 reservation_id; /* reservation covering this slot, or held by
			       * this record's owner; 0 if none */
	bool holder; /* its owner is a principal of reservation_id */
	__u32 conflicts; /* clobbers seen on this slot */
	/* Added by the perf source (issue 4); zero from other sources. */
	__u32 target_tgid; /* task-scoped event: the process it counts */
	__u32 found_by; /* enum pcrw_perf_found: fd, inherited, kernel ctx */
	__u64 group_id; /* perf: id of its group leader (== id for a leader) */
	/* What model_settle needs to decide who waits and what MUX shows. */
	__u32 target_pid; /* task-scoped event: the thread it counts, or 0 */
	bool task_cpu_known; /* a source said where its thread is: */
	int task_cpu; /* that thread's CPU now, -1 when it is on none */
	bool leader_off; /* its group leader is off: the group cannot run */
	/* Set by model_settle: the time it could have run and the time it
	 * ran, what MUX is made of; 0/0 when it never ran and cannot run now
	 * (no ratio). Per-CPU copies of one task event count as one. */
	__u64 mux_enabled;
	__u64 mux_running;
};

struct pmu_info {
	bool present; /* a hardware PMU is registered with perf */
	char name[32]; /* "cpu", "armv8_pmuv3", ... */
	int type; /* its perf type */
	int nr_gp; /* general-purpose counters per CPU, discovered */
	int nr_fixed; /* fixed counters (x86) or the cycle counter (arm64) */
	bool virtualized; /* running under a hypervisor */
	char hypervisor[32]; /* "KVM", "QEMU TCG", ... or "" */
};

#define MODEL_MAX_NOTES 16

/* Who keeps a reservation: pcrwatch's BPF store (checked by cookie), or
 * the pcr_arbiter module's registers (read without any cookie). */
enum model_resv_source {
	MODEL_RESV_BPF = 0,
	MODEL_RESV_MODULE = 1,
};

/* A reservation in force: what it covers and who may use it. Reserved
 * counters nobody uses are not records; the views ask model_resv_at. */
struct model_resv {
	__u64 id;
	__u32 source; /* enum model_resv_source */
	__u32 module_flags; /* module only: PCR_ARB_SLOT_* of its slot */
	__u32 control; /* module only: the slot's reservation control bits */
	char label[PCRW_LABEL_LEN]; /* the first principal as given: "uid:1000"
				     */
	__u32 nr_principals;
	struct pcr_principal principals[PCRW_MAX_GRANTS];
	__u64 cpus[PCRW_CPU_WORDS];
	__u64 slot_mask; /* slots held on each covered CPU */
	bool whole_pmu; /* every counter of each covered CPU */
	__u32 holder_events; /* the holders' records, set by model_collect */
};

struct model {
	struct pmu_info pmu;
	int nr_cpus;
	struct owner_record *recs;
	size_t nr_recs, cap_recs;
	struct model_resv *resv;
	size_t nr_resv, cap_resv;
	__u64 events_by_kind[PCRW_NR_EVENT_KINDS]; /* conflicts, vetoes, ... */
	__u64 events_lost;
	char notes[MODEL_MAX_NOTES][160]; /* degraded modes, said plainly */
	int nr_notes;
	/* Set by the caller, kept across model_clear(): also list software
	 * perf events (`who --all`), which hold no counter. */
	bool include_software;
};

void model_init(struct model *m);
void model_free(struct model *m);
/* Drop the records and notes, keep the allocation (before a refresh). */
void model_clear(struct model *m);
/* Append a copy of @r; -ENOMEM on failure. */
int model_add(struct model *m, const struct owner_record *r);
void model_note(struct model *m, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Refresh from every source, then merge so each slot has one owner. */
int model_collect(struct model *m);
/* Append a reservation; -ENOMEM on failure. */
int model_add_resv(struct model *m, const struct model_resv *r);
/* The reservation covering (@cpu, @slot), NULL if none. */
const struct model_resv *model_resv_at(const struct model *m, int cpu,
				       int slot);
/* Give each record the reservation of its slot or of its owner, mark the
 * holders and count their events: model_collect calls it, fixtures too. */
void model_link_reservations(struct model *m);
/*
 * Bring the records' states to the kernel's scheduling rules, after the
 * sources and before the views (model_collect calls it; fixtures too):
 *   - a member of a group whose leader is off cannot run: off;
 *   - a task-scoped event is eligible only while its task is on a CPU,
 *     and a per-CPU copy of one only on that CPU: inactive otherwise is
 *     idle, not waiting (when the source knows the task's CPU);
 * then fill mux_enabled and mux_running (see struct owner_record).
 */
void model_settle(struct model *m);
/* Eligible now and has no counter: what WAIT counts in every view. */
bool model_waiting(const struct owner_record *r);
/* Its multiplexing ratio, mux_running / mux_enabled, into @ratio (1 for
 * an active event not yet timed): false when it has none to show. */
bool model_mux_ratio(const struct owner_record *r, double *ratio);

/* Sources, each in its own file. Each returns 0 or a negative errno and
 * adds records and notes to @m (a kernel without one's programs gets a
 * note). */
int perf_source_collect(struct model *m);
int msr_source_collect(struct model *m);
int resv_source_collect(struct model *m);
int arbiter_source_collect(struct model *m);
int mediated_source_collect(struct model *m);
/* Injected state for views, tests and benches: when PCRWATCH_FIXTURE names
 * a file, model_collect reads records from it instead of the kernel. */
int fixture_source_collect(struct model *m, const char *path);

#endif
