// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * msr_veto: deny writes to a reserved counter's registers, through
 * /dev/cpu/N/msr or the arbiter module's program ioctl, by anyone its
 * reservation does not grant (rule 6 of include/pcr_rules.h), and writes
 * through /dev/cpu/N/msr to a slot the arbiter module holds (rule 7); deny
 * the module's private acquire of a slot a reservation holds on any CPU
 * (rule 7 the other way). The drivers ask security_locked_down(LOCKDOWN_MSR)
 * before they write or grant; the veto answers -EBUSY there.
 *
 * The decision uses only values the driver itself holds, never the syscall
 * (whose ABI, fd table, file position and user memory another thread or an
 * io_uring worker sees differently). Just before the lockdown check, in the
 * same task, a stash program records what the driver was handed:
 *  - fentry/msr_write: CPU = the file's minor, register = (u32)*ppos, the
 *    kernel's copy of the position (write, pwrite, writev, io_uring alike);
 *  - fentry/msr_ioctl: CPU only. The WRMSR_REGS block is copied to the
 *    driver's stack, out of reach; user memory can change after that copy,
 *    so every register counts as reserved there (fail closed);
 *  - raw_tp/pcr_user_program (the arbiter module): CPU, slot and register
 *    the module is about to write;
 *  - raw_tp/pcr_hold (the arbiter module): an operation that would make
 *    the caller a slot's holder (a claim or a new management cookie on one
 *    CPU; a private acquire or a firmware claim on every CPU), and the
 *    caller's layer: the current task when it asks, whoever opened the fd.
 * fexit (or the module's done tracepoint) drops the stash, and the lockdown
 * check consumes it. A LOCKDOWN_MSR check with no stash (a driver loaded
 * after attach, a stash that could not be stored) refuses every task that
 * any reservation or module hold restricts, on any CPU (fail closed).
 *
 * raw_tp/module_load sees the pcr_arbiter module arrive before its init
 * runs and marks its holds unknown (arb_watch) until userspace has
 * attached the mirror and replayed the module's state; meanwhile every
 * direct write that can reach a PMU register is refused, and so is every
 * check with no stash (fail closed: any slot may be one the module holds).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "veto_common.bpf.h"

char LICENSE[] SEC("license") = "GPL";

#define MINORMASK ((1U << 20) - 1)

/* Which driver path stashed the write; 0: none. */
enum msr_via {
	MSR_VIA_NONE = 0,
	MSR_VIA_WRITE = 1, /* msr_write(): register known */
	MSR_VIA_IOCTL = 2, /* msr_ioctl(): register on the driver's stack */
	MSR_VIA_ARBITER = 3, /* pcr_arbiter program ioctl: slot known */
	MSR_VIA_HOLD = 4, /* pcr_arbiter gives a slot: CPU (~0U: every CPU) and
			   * slot known */
};

/* What a veto was decided on, in the event's old_value (docs/MSR.md). */
enum msr_basis {
	MSR_BASIS_REGISTER = 1, /* the register (or arbiter slot) written */
	MSR_BASIS_CPU = 2, /* any reserved slot of the CPU (ioctl) */
	MSR_BASIS_NONE = 3, /* nothing known: any reservation (fail closed) */
};

struct msr_stash {
	__u32 via; /* enum msr_via */
	__u32 cpu;
	__u32 msr; /* MSR_VIA_IOCTL: as user memory said, for the record only */
	__u32 slot; /* MSR_VIA_ARBITER, _HOLD: the one slot the module
		     * changes */
	__u32 layer; /* the caller's (enum pcr_layer) */
	__u32 reserved0;
	__u64 value; /* for the record only (MSR_VIA_HOLD: the operation) */
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct msr_stash);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} msr_stash SEC(".maps");

static __always_inline struct msr_stash *stash_of_current(__u64 flags)
{
	return bpf_task_storage_get(&msr_stash, bpf_get_current_task_btf(), 0,
				    flags);
}

static __always_inline void stash_drop(void)
{
	struct msr_stash *s = stash_of_current(0);

	if (s)
		s->via = MSR_VIA_NONE;
}

static __always_inline __u32 file_cpu(struct file *f)
{
	return BPF_CORE_READ(f, f_inode, i_rdev) & MINORMASK;
}

SEC("fentry/msr_write")
int BPF_PROG(stash_msr_write, struct file *file, const char *buf, size_t count,
	     loff_t *ppos)
{
	struct msr_stash *s = stash_of_current(BPF_LOCAL_STORAGE_GET_F_CREATE);
	loff_t pos = 0;

	if (!s)
		return 0; /* no stash: the lockdown check fails closed */
	bpf_probe_read_kernel(&pos, sizeof(pos), ppos);
	s->cpu = file_cpu(file);
	s->msr = (__u32)pos; /* msr_write(): u32 reg = *ppos */
	s->slot = ~0U;
	s->value = 0;
	bpf_probe_read_user(&s->value, sizeof(s->value), buf);
	s->layer = PCR_LAYER_USER;
	s->via = MSR_VIA_WRITE;
	return 0;
}

SEC("fexit/msr_write")
int BPF_PROG(drop_msr_write, struct file *file, const char *buf, size_t count,
	     loff_t *ppos, ssize_t ret)
{
	stash_drop();
	return 0;
}

SEC("fentry/msr_ioctl")
int BPF_PROG(stash_msr_ioctl, struct file *file, unsigned int ioc,
	     unsigned long arg)
{
	struct msr_stash *s = stash_of_current(BPF_LOCAL_STORAGE_GET_F_CREATE);
	__u32 regs[3] = {};

	if (!s)
		return 0;
	bpf_probe_read_user(regs, sizeof(regs), (void *)arg);
	s->cpu = file_cpu(file);
	s->msr = regs[1];
	s->slot = ~0U;
	s->value = (__u64)regs[2] << 32 | regs[0];
	s->layer = PCR_LAYER_USER;
	s->via = MSR_VIA_IOCTL;
	return 0;
}

SEC("fexit/msr_ioctl")
int BPF_PROG(drop_msr_ioctl, struct file *file, unsigned int ioc,
	     unsigned long arg, long ret)
{
	stash_drop();
	return 0;
}

/* pcr_arbiter's pcr_user_program(cpu, slot, msr, value, done): done 0
 * right before its lockdown check, 1 right after. */
SEC("raw_tp/pcr_user_program")
int stash_arbiter(struct bpf_raw_tracepoint_args *ctx)
{
	struct msr_stash *s;

	if (ctx->args[4]) {
		stash_drop();
		return 0;
	}
	s = stash_of_current(BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!s)
		return 0;
	s->cpu = (__u32)ctx->args[0];
	s->slot = (__u32)ctx->args[1];
	s->msr = (__u32)ctx->args[2];
	s->value = ctx->args[3];
	s->layer = PCR_LAYER_USER;
	s->via = MSR_VIA_ARBITER;
	return 0;
}

/* pcr_arbiter's pcr_hold(cpu, slot, layer, op, done): done 0 right before
 * the lockdown check of an operation that would make the current task (or,
 * for the kernel API and firmware, its layer) a slot's holder, 1 right
 * after. CPU -1 (every CPU) arrives as ~0U. */
SEC("raw_tp/pcr_hold")
int stash_hold(struct bpf_raw_tracepoint_args *ctx)
{
	struct msr_stash *s;

	if (ctx->args[4]) {
		stash_drop();
		return 0;
	}
	s = stash_of_current(BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!s)
		return 0;
	s->cpu = (__u32)ctx->args[0];
	s->slot = (__u32)ctx->args[1];
	s->layer = (__u32)ctx->args[2];
	s->msr = 0;
	s->value = ctx->args[3];
	s->via = MSR_VIA_HOLD;
	return 0;
}

/* Whether the pcr_arbiter module's holds are unknown now (arb_watch). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct arb_watch);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} arb_watch SEC(".maps");

static __always_inline struct arb_watch *arb_watch_get(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&arb_watch, &zero);
}

static __always_inline int is_arbiter_module(struct module *mod)
{
	static const char want[] = ARB_MODULE_NAME;
	char name[sizeof(want) + 1] = {}; /* a longer name reads longer */
	__u32 i;

	if (BPF_CORE_READ_STR_INTO(&name, mod, name) != sizeof(want))
		return 0;
	for (i = 0; i < sizeof(want); i++)
		if (name[i] != want[i])
			return 0;
	return 1;
}

/* module:module_load fires once the module is formed, before its init
 * runs (and hands out any slot): from here its holds are unknown. */
SEC("raw_tp/module_load")
int watch_module_load(struct bpf_raw_tracepoint_args *ctx)
{
	struct arb_watch *w = arb_watch_get();

	if (w && is_arbiter_module((struct module *)ctx->args[0])) {
		__sync_fetch_and_add(&w->loads, 1);
		w->unmirrored = 1;
	}
	return 0;
}

/* Gone (unloaded, or its init failed): it holds nothing any more. */
SEC("raw_tp/module_free")
int watch_module_free(struct bpf_raw_tracepoint_args *ctx)
{
	struct arb_watch *w = arb_watch_get();

	if (w && is_arbiter_module((struct module *)ctx->args[0]))
		w->unmirrored = 0;
	return 0;
}

static __always_inline __u32 first_slot(__u64 mask)
{
	__u32 i;

	for (i = 0; i < PCR_MAX_SLOTS; i++)
		if (mask & (1ULL << i))
			return i;
	return ~0U;
}

/* With nothing stashed: the first reservation, on any CPU, that restricts
 * the current task; then the first slot the module holds against it. */
static long any_restricting_cb(struct bpf_map *map, __u64 *key,
			       struct pcrw_resv *r, __u64 *found)
{
	if (!restricted_by(r, PCR_LAYER_USER, 1))
		return 0;
	*found = *key;
	return 1;
}

static long any_module_cb(struct bpf_map *map, __u32 *key, struct arb_reg *r,
			  __u64 *found)
{
	if (!pcr_module_slot_restricts(r->flags, r->control, r->holder_tgid,
				       PCR_LAYER_USER, 1))
		return 0;
	*found = PCRW_MODULE_RESV_ID(*key >> 8, *key & 0xff);
	return 1;
}

/* Nothing known about the write (no stash, or a CPU the index cannot
 * name): the first reservation or module hold that restricts the caller
 * anywhere refuses it (fail closed). */
static __always_inline __u64 msr_restricting_any(struct msr_stash *w,
						 __u64 *mask)
{
	__u64 found = 0;

	*mask = ~0ULL;
	bpf_for_each_map_elem(&resv, any_restricting_cb, &found, 0);
	if (!found)
		bpf_for_each_map_elem(&arb_regs, any_module_cb, &found, 0);
	return found;
}

/* A private acquire takes its slot on every CPU: the first CPU where a
 * reservation that restricts the caller holds it refuses. The module's
 * own holders are its business (its registers decide among them). Only
 * the CPUs reservations cover are visited (the index's chain). */
struct acquire_scan {
	struct resv_scan sc;
	__u32 cpu; /* in: the CPU to look at next; out: where */
	__u32 broken; /* out: a CPU the index cannot name, or a broken chain */
};

static int acquire_cb(__u32 i, void *ctx)
{
	struct acquire_scan *a = ctx;

	if (a->cpu == PCRW_CPU_END)
		return 1;
	a->sc.cpu = a->cpu;
	resv_scan(&a->sc);
	if (a->sc.first_id)
		return 1;
	if (a->sc.unindexed || a->sc.next <= a->cpu) {
		a->broken = 1; /* fail closed (pcrwatch.h, the index) */
		return 1;
	}
	a->cpu = a->sc.next;
	return 0;
}

static __always_inline __u64 acquire_restricting(struct msr_stash *w,
						 __u64 *mask)
{
	const struct pcrw_veto_cfg *cfg = veto_config();
	struct acquire_scan a = {
		.sc = { .layer = w->layer, .no_module = 1, .slot_mask = *mask },
		.cpu = resv_first_cpu(),
	};

	/* Never into the callback with END (perf_admit.bpf.h, admit()). */
	if (a.cpu == PCRW_CPU_END)
		return 0;
	bpf_loop(cfg ? cfg->nr_cpus : PCRW_MAX_CPUS, acquire_cb, &a, 0);
	if (a.broken)
		return msr_restricting_any(w, mask);
	if (a.sc.first_id)
		w->cpu = a.cpu;
	return a.sc.first_id;
}

/* The reservation that refuses write @w (0: none), and the slots it is
 * judged on in @mask. */
static __always_inline __u64 msr_restricting(struct msr_stash *w, __u64 *mask)
{
	struct resv_scan sc = { .layer = PCR_LAYER_USER };

	if (w->via == MSR_VIA_NONE)
		return msr_restricting_any(w, mask);
	if (w->via == MSR_VIA_WRITE)
		*mask = pcr_msr_slot_mask(w->msr);
	else if (w->via == MSR_VIA_ARBITER || w->via == MSR_VIA_HOLD)
		*mask = w->slot < PCR_MAX_SLOTS ? 1ULL << w->slot : ~0ULL;
	else
		*mask = ~0ULL; /* ioctl: any slot of the CPU */
	if (w->via == MSR_VIA_HOLD && w->cpu == ~0U)
		return acquire_restricting(w, mask);
	if (!*mask)
		return 0; /* no PMU register */
	sc.cpu = w->cpu;
	/* The module's own paths: its registers decide among its holders. */
	sc.direct = w->via != MSR_VIA_ARBITER && w->via != MSR_VIA_HOLD;
	sc.no_module = !sc.direct;
	sc.slot_mask = w->via == MSR_VIA_IOCTL ? 0 : *mask;
	resv_scan(&sc);
	if (sc.unindexed) /* a CPU the index cannot name: fail closed */
		return msr_restricting_any(w, mask);
	return sc.first_id;
}

/*
 * The pcr_arbiter module loaded and its holds not mirrored yet: any slot
 * may be one it holds, so a direct write that can reach a PMU register,
 * and a check with nothing stashed, is refused for everyone (fail closed),
 * named by the module's id of the first slot it reaches. The module's own
 * paths (program, hold) do not read the mirror and go on to the scan.
 */
static __always_inline __u64 unmirrored_refusing(const struct msr_stash *w,
						 __u64 *mask)
{
	struct arb_watch *aw = arb_watch_get();
	__u64 m;

	if (!aw || !aw->unmirrored || w->via == MSR_VIA_ARBITER ||
	    w->via == MSR_VIA_HOLD)
		return 0;
	m = w->via == MSR_VIA_WRITE ? pcr_msr_slot_mask(w->msr) : ~0ULL;
	if (!m)
		return 0; /* not a PMU register */
	*mask = m;
	return PCRW_MODULE_RESV_ID(w->via == MSR_VIA_NONE ? 0 : w->cpu & 0xffff,
				   first_slot(m));
}

/* Log the veto of @w by reservation @id; 0, or -1 when @id is gone since
 * the scan (refused all the same). A module hold not in the mirror yet
 * (unmirrored_refusing) is named by its id alone. */
static __always_inline void emit_msr_veto(__u32 kind, __u64 id,
					  const struct msr_stash *w, __u64 mask)
{
	struct pcrw_event *e = veto_event_reserve(kind, id);
	__u64 slots = 0;

	if (!e)
		return;
	if (fill_veto_for(e, id, &slots)) {
		if (id < PCRW_MODULE_RESV_BASE) {
			bpf_ringbuf_discard(e, 0);
			return;
		}
		e->prev_path = PCRW_PATH_ARBITER;
		slots = mask;
	}
	if (w->via != MSR_VIA_NONE && w->cpu != ~0U)
		e->cpu = w->cpu;
	e->msr = w->msr;
	e->value = w->value;
	e->old_value = w->via == MSR_VIA_NONE	 ? MSR_BASIS_NONE
		       : w->via == MSR_VIA_IOCTL ? MSR_BASIS_CPU
						 : MSR_BASIS_REGISTER;
	e->slot = first_slot(slots & mask);
	e->actor.layer = w->via == MSR_VIA_NONE ? PCR_LAYER_USER : w->layer;
	e->actor_path = w->via == MSR_VIA_ARBITER || w->via == MSR_VIA_HOLD
				? PCRW_PATH_ARBITER
				: PCRW_PATH_MSR_DEV;
	pcrw_event_submit(e);
}

SEC("lsm/locked_down")
int BPF_PROG(veto_msr_write, enum lockdown_reason what, int ret)
{
	const struct pcrw_veto_cfg *cfg;
	struct msr_stash w = {}, *s;
	__u64 found, mask = 0;
	__u32 kind;

	if (ret ||
	    what != bpf_core_enum_value(enum lockdown_reason, LOCKDOWN_MSR))
		return ret;
	cfg = veto_config();
	if (!cfg || cfg->mode == PCRW_VETO_SIGNAL)
		return 0;
	s = stash_of_current(0);
	if (s) {
		w = *s;
		s->via = MSR_VIA_NONE; /* one check per stash */
	}
	found = unmirrored_refusing(&w, &mask);
	if (!found)
		found = msr_restricting(&w, &mask);
	if (!found)
		return 0;
	kind = cfg->mode == PCRW_VETO_AUDIT ? PCRW_EV_AUDIT : PCRW_EV_VETO;
	emit_msr_veto(kind, found, &w, mask);
	return kind == PCRW_EV_AUDIT ? 0 : -PCR_EBUSY;
}
