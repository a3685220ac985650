// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * perf_track: who takes and leaves each hardware counter through perf.
 *
 * Lifecycle, the first rung that attaches: lsm/perf_event_alloc and
 * lsm/perf_event_free where BPF LSM attaches (the free side through fentry
 * on perf_event_release_kernel where the void hook has no BTF); else
 * fexit on security_perf_event_alloc, the kernel function that calls the
 * same hook, and that fentry for the free side; only where neither
 * attaches, the perf_event_open exit tracepoint (opens only), which puts
 * every syscall of every process on the slow path. Placement:
 * fexit on the PMU driver's add and fentry on its del (armpmu_add/del,
 * x86_pmu_add/del; the targets are set from userspace), keeping the last
 * owner of every (CPU, counter) in the "slots" map and sending a
 * PCRW_EV_OWNER_CHANGE record when a counter passes to another owner,
 * naming the previous one only while its event lives (the "gone" map).
 * Every program only observes: the LSM ones return the earlier verdict.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>

#include "common.bpf.h"
#include "perf_track.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* arm64 before 6.11 numbered the cycle counter 0, event counter i as i+1. */
const volatile __u32 arm_old_idx;
/* The driver is an arm PMU (slot numbering from hw.idx as above). */
const volatile __u32 arm_pmu;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, PCRW_SIZED_AT_LOAD); /* possible CPUs x slots */
	__type(key, __u32);
	__type(value, struct pcrw_slot_owner);
} slots SEC(".maps");

/* Freed hardware events, by address: when each was freed. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, PCRW_GONE_EVENTS);
	__type(key, __u64);
	__type(value, __u64);
} gone SEC(".maps");

/* __u64 per enum pcrw_event_kind; index 0 counts events lost. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PCRW_NR_EVENT_KINDS);
	__type(key, __u32);
	__type(value, __u64);
} event_counts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PCRW_NR_PSTATS);
	__type(key, __u32);
	__type(value, __u64);
} stats SEC(".maps");

static void count(__u32 which)
{
	__u64 *v = bpf_map_lookup_elem(&stats, &which);

	if (v)
		*v += 1;
}

/* The owner of @e: the process that opened it (its parent's, for an
 * inherited copy), the VM process for a kernel counter in a task context
 * (KVM's vPMU), else the kernel. */
static void event_owner(struct pcrw_owner *o, struct perf_event *e)
{
	struct perf_event *parent = BPF_CORE_READ(e, parent);
	struct task_struct *owner, *task;

	if (parent)
		e = parent;
	owner = BPF_CORE_READ(e, owner);
	if (owner && owner != PCRW_TASK_TOMBSTONE) {
		pcrw_task_owner(o, owner, PCR_LAYER_USER);
		return;
	}
	task = BPF_CORE_READ(e, ctx, task);
	if (owner == PCRW_TASK_TOMBSTONE && task &&
	    task != PCRW_TASK_TOMBSTONE) {
		pcrw_task_owner(o, task, PCR_LAYER_HYPERVISOR);
		return;
	}
	o->layer = owner == PCRW_TASK_TOMBSTONE ? PCR_LAYER_KERNEL
						: PCR_LAYER_UNKNOWN;
}

static bool is_hw(struct perf_event *e)
{
	return BPF_CORE_READ(e, pmu, task_ctx_nr) == 0; /* perf_hw_context */
}

static __always_inline void emit(__u32 slot, struct perf_event *e,
				 struct pcrw_owner *actor,
				 struct pcrw_owner *prev, __u32 actor_path,
				 __u64 prev_seen)
{
	struct pcrw_event *ev;

	ev = pcrw_event_reserve(&events, &event_counts, PCRW_EV_OWNER_CHANGE);
	if (!ev) {
		count(PCRW_PSTAT_DROP);
		return;
	}
	ev->slot = slot;
	ev->actor_path = actor_path;
	ev->prev_path = prev ? PCRW_PATH_PERF : PCRW_PATH_UNKNOWN;
	ev->old_value = prev_seen; /* enum pcrw_prev_seen */
	if (e)
		ev->value = BPF_CORE_READ(e, attr.config);
	if (actor)
		ev->actor = *actor;
	if (prev)
		ev->prev = *prev;
	pcrw_event_submit(ev);
}

/* A hardware event comes into being (not yet on a counter: slot ~0). */
static void allocated(struct perf_event *event)
{
	struct task_struct *t = (struct task_struct *)bpf_get_current_task();
	struct pcrw_owner actor = {};

	if (!is_hw(event))
		return;
	count(PCRW_PSTAT_ALLOC);
	pcrw_task_owner(&actor, t, pcrw_task_layer(t));
	emit(~0U, event, &actor, NULL, PCRW_PATH_PERF, PCRW_PREV_HELD);
}

/* Lifecycle, with BPF LSM. */
SEC("lsm/perf_event_alloc")
int BPF_PROG(track_alloc, struct perf_event *event, int ret)
{
	if (!ret)
		allocated(event);
	return ret;
}

/* Lifecycle without BPF LSM but with fentry: the function that runs the
 * LSM hook, after every hook said yes (ret 0). */
SEC("fexit/security_perf_event_alloc")
int BPF_PROG(track_alloc_fexit, struct perf_event *event, int ret)
{
	if (!ret)
		allocated(event);
	return 0;
}

/* A hardware event is freed: its owner holds no counter through it any
 * more; "gone" keeps when, for the next owner change of its counter. */
static void freed(struct perf_event *event)
{
	struct pcrw_owner prev = {};
	__u64 key = (__u64)event, now = bpf_ktime_get_ns();

	if (!is_hw(event))
		return;
	count(PCRW_PSTAT_FREE);
	bpf_map_update_elem(&gone, &key, &now, BPF_ANY);
	event_owner(&prev, event);
	emit(~0U, event, NULL, &prev, PCRW_PATH_PERF, PCRW_PREV_HELD);
}

SEC("lsm/perf_event_free")
int BPF_PROG(track_free, struct perf_event *event)
{
	freed(event);
	return 0;
}

/* Where the void LSM hook has no BTF (6.12 arm64), and on the fentry
 * rung: the release of an fd's or a kernel user's event (inherited copies
 * go with their parent). */
SEC("fentry/perf_event_release_kernel")
int BPF_PROG(track_release, struct perf_event *event)
{
	freed(event);
	return 0;
}

/* Lifecycle where neither LSM nor fentry attaches: successful
 * perf_event_open calls, of any type. */
SEC("tracepoint/syscalls/sys_exit_perf_event_open")
int track_open(struct trace_event_raw_sys_exit *ctx)
{
	struct pcrw_owner actor = {};

	if (ctx->ret < 0)
		return 0;
	count(PCRW_PSTAT_OPEN);
	pcrw_current_owner(&actor, PCR_LAYER_USER);
	emit(~0U, NULL, &actor, NULL, PCRW_PATH_PERF, PCRW_PREV_HELD);
	return 0;
}

static int slot_of(int idx)
{
	if (idx < 0)
		return -1;
	if (arm_pmu && arm_old_idx)
		return idx == 0 ? PCR_ARM_CYCLE_SLOT : idx - 1;
	return idx < PCR_MAX_SLOTS ? idx : -1;
}

static struct pcrw_slot_owner *slot_entry(int slot)
{
	__u32 cpu = bpf_get_smp_processor_id(), key;

	if (slot < 0)
		return NULL;
	key = cpu * PCRW_SLOTS_PER_CPU + slot;
	return bpf_map_lookup_elem(&slots, &key);
}

static bool same_owner(const struct pcrw_owner *a, const struct pcrw_owner *b)
{
	return a->layer == b->layer && a->tgid == b->tgid;
}

/* The event whose release ends @event's ownership: an inherited copy
 * goes with its parent, the fd's event (event_owner names its owner). */
static __u64 owner_event(struct perf_event *event)
{
	struct perf_event *parent = BPF_CORE_READ(event, parent);

	return (__u64)(parent ? parent : event);
}

/*
 * What is known of the slot's last owner when another takes it: nothing
 * before the first add seen; else it had the counter until now unless the
 * event behind it was freed after it left (perf exited, a tool closed its
 * fd): then the counter was free, and its old owner is not named. An
 * address the allocator gave again since is told apart by time: the free
 * of an earlier event there came before the latest one left.
 */
static __u64 prev_seen(const struct pcrw_slot_owner *s)
{
	__u64 key = s->last_owner_event, *freed_ns;

	if (!s->since_ns)
		return PCRW_PREV_UNKNOWN;
	freed_ns = key ? bpf_map_lookup_elem(&gone, &key) : NULL;
	if (freed_ns && *freed_ns >= s->left_ns)
		return PCRW_PREV_FREE;
	return PCRW_PREV_HELD;
}

/* Placement: the driver put @event on a counter (ret 0). */
SEC("fexit")
int BPF_PROG(track_add, struct perf_event *event, int flags, int ret)
{
	struct pcrw_slot_owner *s;
	struct pcrw_owner now = {};
	__u64 seen;
	int slot;

	if (ret)
		return 0;
	count(PCRW_PSTAT_ADD);
	slot = slot_of(BPF_CORE_READ(event, hw.idx));
	s = slot_entry(slot);
	if (!s)
		return 0;
	event_owner(&now, event);
	seen = prev_seen(s);
	if (!same_owner(&now, &s->owner) || seen != PCRW_PREV_HELD) {
		count(PCRW_PSTAT_CHANGE);
		emit(slot, event, &now,
		     seen == PCRW_PREV_HELD ? &s->owner : NULL, PCRW_PATH_PERF,
		     seen);
		s->owner = now;
		s->since_ns = bpf_ktime_get_ns();
	}
	s->event = (__u64)event;
	s->last_owner_event = owner_event(event);
	return 0;
}

/* Placement: the driver takes @event off its counter. */
SEC("fentry")
int BPF_PROG(track_del, struct perf_event *event, int flags)
{
	struct pcrw_slot_owner *s;

	count(PCRW_PSTAT_DEL);
	s = slot_entry(slot_of(BPF_CORE_READ(event, hw.idx)));
	if (s && s->event == (__u64)event) {
		s->event = 0;
		s->left_ns = bpf_ktime_get_ns();
	}
	return 0;
}
