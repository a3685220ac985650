// SPDX-License-Identifier: GPL-2.0
/*
 * arbiter_regs.c - the emulated PCR register file: for every possible CPU
 * and counter slot a management cookie, an access cookie and reservation
 * control bits, changed only through the rulebook (pcr_rules.h). Every
 * change fires pcr_arbiter:pcr_reg_change; every refusal is counted, fires
 * pcr_arbiter:pcr_deny and logs a rate-limited line. No cookie is ever
 * logged, traced or returned by a read.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/cpumask.h>
#include <linux/module.h>
#include <linux/ratelimit.h>
#include <linux/sched.h>
#include <linux/security.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <asm/cpufeature.h>
#include <asm/msr.h>
#include <asm/perf_event.h>
#include <asm/processor.h>

#include "kcompat.h"
#include "pcr_arbiter.h"
#include "pcr_arbiter_trace.h"

struct pcr_slot {
	struct pcr_slot_regs regs;
	struct pcr_who holder; /* who reserved it; meaningful while reserved */
	u32 flags; /* PCR_ARB_SLOT_LEGACY_*, _PRIVATE, _FIRMWARE */
	u32 seq;
};

/* nr_cpu_ids rows of PCR_MAX_SLOTS slots. One lock: changes are rare. */
static struct pcr_slot (*pcr_file)[PCR_MAX_SLOTS];
static DEFINE_SPINLOCK(pcr_lock);
static atomic64_t pcr_denials[PCR_ARB_NR_VERDICTS];
static DEFINE_RATELIMIT_STATE(pcr_deny_rs, 5 * HZ, 10);

unsigned int pcr_nr_gp, pcr_nr_fixed;
bool pcr_pmu_msrs;

static unsigned int gp_counters;
module_param(gp_counters, uint, 0444);
MODULE_PARM_DESC(gp_counters, "general-purpose slots to emulate (0: discover; "
			      "4 when the CPU reports none)");
static int fixed_counters = -1;
module_param(fixed_counters, int, 0444);
MODULE_PARM_DESC(fixed_counters, "fixed slots to emulate (-1: discover; 3 when "
				 "the PMU MSRs are unreachable)");

static const char *const pcr_op_names[PCR_ARB_NR_OPS] = {
	"claim",   "set-access", "set-control", "set-mgmt", "release",
	"program", "reset",	 "legacy",	"replay",   "acquire",
};

static const char *const pcr_verdict_names[PCR_NR_VERDICTS] = {
	"ok",
	"wrong access cookie",
	"layer excluded",
	"direct MSR excluded",
	"wrong management cookie",
	"busy",
	"invalid",
};

static bool pcr_amd(void)
{
	return boot_cpu_data.x86_vendor == X86_VENDOR_AMD ||
	       boot_cpu_data.x86_vendor == X86_VENDOR_HYGON;
}

/* The MSRs the kernel's reserve_*_nmi() take for counter @i (the same
 * vendor mapping as arch/x86/kernel/cpu/perfctr-watchdog.c). */
u32 pcr_legacy_perfctr_msr(u32 i)
{
	if (pcr_amd())
		return boot_cpu_has(X86_FEATURE_PERFCTR_CORE)
			       ? MSR_F15H_PERF_CTR + 2 * i
			       : MSR_K7_PERFCTR0 + i;
	return MSR_ARCH_PERFMON_PERFCTR0 + i;
}

u32 pcr_legacy_evntsel_msr(u32 i)
{
	if (pcr_amd())
		return boot_cpu_has(X86_FEATURE_PERFCTR_CORE)
			       ? MSR_F15H_PERF_CTL + 2 * i
			       : MSR_K7_EVNTSEL0 + i;
	return MSR_ARCH_PERFMON_EVENTSEL0 + i;
}

/* Inverse of the above for the general-purpose slots; -1 if none. */
int pcr_msr_to_counter(u32 msr, bool evntsel)
{
	u32 i;

	for (i = 0; i < pcr_nr_gp; i++)
		if (msr == (evntsel ? pcr_legacy_evntsel_msr(i)
				    : pcr_legacy_perfctr_msr(i)))
			return i;
	return -1;
}

static void pcr_discover(void)
{
	unsigned int eax, ebx, ecx, edx, gp = 0, fixed = 0;
	u64 v;

	if (pcr_amd()) {
		gp = boot_cpu_has(X86_FEATURE_PERFCTR_CORE) ? 6 : 4;
	} else if (boot_cpu_has(X86_FEATURE_ARCH_PERFMON)) {
		cpuid(0xa, &eax, &ebx, &ecx, &edx);
		gp = (eax >> 8) & 0xff;
		if ((eax & 0xff) > 1)
			fixed = edx & 0x1f;
	}
	pcr_pmu_msrs = gp && !rdmsrl_safe(pcr_legacy_evntsel_msr(0), &v);
	pcr_nr_gp = gp_counters ? gp_counters : (gp ? gp : 4);
	if (fixed_counters >= 0)
		pcr_nr_fixed = fixed_counters;
	else
		pcr_nr_fixed = fixed ? fixed : (pcr_pmu_msrs ? 0 : 3);
	pcr_nr_gp = min_t(unsigned int, pcr_nr_gp, PCR_FIXED_SLOT0);
	pcr_nr_fixed = min_t(unsigned int, pcr_nr_fixed,
			     PCR_MAX_SLOTS - PCR_FIXED_SLOT0);
}

bool pcr_slot_present(u32 slot)
{
	return slot < pcr_nr_gp || (slot >= PCR_FIXED_SLOT0 &&
				    slot < PCR_FIXED_SLOT0 + pcr_nr_fixed);
}

static bool pcr_cpu_valid(int cpu)
{
	return cpu >= 0 && cpu < nr_cpu_ids && cpu_possible(cpu);
}

void pcr_who_current(struct pcr_who *w, u32 layer)
{
	w->layer = layer;
	w->tgid = task_tgid_nr(current);
	get_task_comm(w->comm, current);
}

void pcr_who_kernel(struct pcr_who *w, u32 layer, const char *name)
{
	w->layer = layer;
	w->tgid = 0;
	strscpy(w->comm, name, sizeof(w->comm));
}

static u32 pcr_slot_flags(const struct pcr_slot *s)
{
	u32 f = PCR_ARB_SLOT_PRESENT | s->flags;

	if (pcr_slot_reserved(&s->regs))
		f |= PCR_ARB_SLOT_RESERVED;
	if (s->regs.access_cookie == PCR_DEFAULT_COOKIE)
		f |= PCR_ARB_SLOT_ACCESS_OPEN;
	return f;
}

/* What pcr_reg_change tells: never a pending decision, which pcrwatch's
 * vetoes must not see (only `reserve`, through the status ioctl). */
static u32 pcr_traced_flags(const struct pcr_slot *s)
{
	return pcr_slot_flags(s) & ~PCR_ARB_SLOT_PENDING;
}

/* Called with pcr_lock held, after a change. */
static void pcr_changed(int cpu, u32 slot, u32 op, struct pcr_slot *s)
{
	s->seq++;
	trace_pcr_reg_change(cpu, slot, op, pcr_traced_flags(s),
			     s->regs.control, s->holder.layer, s->holder.tgid,
			     s->seq);
}

void pcr_regs_denied(int cpu, u32 slot, u32 op, u32 v,
		     const struct pcr_who *who)
{
	if (v < PCR_ARB_NR_VERDICTS)
		atomic64_inc(&pcr_denials[v]);
	trace_pcr_deny(cpu, slot, op, v, who->layer, who->tgid);
	if (__ratelimit(&pcr_deny_rs))
		pr_notice("cpu %d slot %u: %s denied (%s) to %s[%u]\n", cpu,
			  slot, op < PCR_ARB_NR_OPS ? pcr_op_names[op] : "?",
			  v < PCR_NR_VERDICTS ? pcr_verdict_names[v] : "?",
			  who->comm, who->tgid);
}

static void pcr_holder_clear(struct pcr_slot *s)
{
	memset(&s->holder, 0, sizeof(s->holder));
	s->holder.layer = PCR_LAYER_UNKNOWN;
}

static enum pcr_verdict pcr_apply(struct pcr_slot *s, u32 op, u64 presented,
				  u64 value, const struct pcr_who *who)
{
	enum pcr_verdict v;

	switch (op) {
	case PCR_ARB_OP_CLAIM:
		v = pcr_claim(&s->regs, value);
		if (v == PCR_OK)
			s->holder = *who;
		return v;
	case PCR_ARB_OP_SET_ACCESS:
		return pcr_set_access(&s->regs, presented, value);
	case PCR_ARB_OP_SET_CONTROL:
		/* Bits above 32 are unknown control bits: refused as such. */
		return pcr_set_control(&s->regs, presented,
				       value > U32_MAX ? ~0U : (u32)value);
	case PCR_ARB_OP_SET_MGMT:
		v = pcr_set_mgmt(&s->regs, presented, value);
		if (v == PCR_OK)
			s->holder = *who;
		return v;
	case PCR_ARB_OP_RELEASE:
		v = pcr_release(&s->regs, presented);
		if (v == PCR_OK) {
			pcr_holder_clear(s);
			s->flags &=
				~(PCR_ARB_SLOT_PRIVATE | PCR_ARB_SLOT_FIRMWARE);
		}
		return v;
	default:
		return PCR_DENY_INVALID;
	}
}

int pcr_regs_op(int cpu, u32 slot, u32 op, u64 presented, u64 value,
		const struct pcr_who *who, u32 *verdict)
{
	struct pcr_slot *s;
	enum pcr_verdict v;
	unsigned long flags;

	if (!pcr_cpu_valid(cpu))
		return -ENXIO;
	if (!pcr_slot_present(slot))
		return -EINVAL;
	s = &pcr_file[cpu][slot];
	spin_lock_irqsave(&pcr_lock, flags);
	v = pcr_apply(s, op, presented, value, who);
	if (v == PCR_OK)
		pcr_changed(cpu, slot, op, s);
	spin_unlock_irqrestore(&pcr_lock, flags);
	if (verdict)
		*verdict = v;
	if (v == PCR_OK)
		return 0;
	pcr_regs_denied(cpu, slot, op, v, who);
	return pcr_verdict_errno(v);
}

/*
 * pcrwatch's say on an operation that would make the caller a slot's
 * holder (rule 7: the module and the BPF side are one system): the kernel's
 * MSR lockdown hook, bracketed by the pcr_hold tracepoint with the CPU (-1:
 * every CPU), the slot, the caller's layer and the operation, from which
 * pcrwatch's MSR veto answers. Without pcrwatch it is the kernel's
 * lockdown alone, which refuses handing out counters as it refuses
 * /dev/cpu/N/msr. Not static and not inlined, so it stays one function
 * with these arguments.
 */
noinline int pcr_hold_check(int cpu, u32 slot, u32 layer, u32 op)
{
	int err;

	trace_pcr_hold(cpu, slot, layer, op, 0);
	err = security_locked_down(LOCKDOWN_MSR);
	trace_pcr_hold(cpu, slot, layer, op, 1);
	return err;
}

/* What @op (a claim or a new management cookie) would answer now. */
static enum pcr_verdict pcr_try(const struct pcr_slot *s, u32 op, u64 presented,
				u64 value)
{
	struct pcr_slot_regs r = s->regs;

	if (s->flags & PCR_ARB_SLOT_PENDING)
		return PCR_DENY_BUSY; /* another one is being decided */
	if (op == PCR_ARB_OP_CLAIM)
		return pcr_claim(&r, value);
	return pcr_set_mgmt(&r, presented, value);
}

/*
 * A claim or a new management cookie makes @who the slot's holder, so
 * pcrwatch is asked first. The slot is marked pending (status shows it,
 * pcr_reg_change does not), then pcrwatch is asked, then the operation is
 * applied: a refused one changes nothing the vetoes read. `reserve` puts
 * its reservation in force, then reads the module's status: one of the
 * two sees the other (docs/PCR-RULES.md, rule 7).
 */
int pcr_regs_give(int cpu, u32 slot, u32 op, u64 presented, u64 value,
		  const struct pcr_who *who, u32 *verdict)
{
	struct pcr_slot *s;
	enum pcr_verdict v;
	unsigned long flags;
	int err = 0;

	if (!pcr_cpu_valid(cpu))
		return -ENXIO;
	if (!pcr_slot_present(slot))
		return -EINVAL;
	s = &pcr_file[cpu][slot];
	spin_lock_irqsave(&pcr_lock, flags);
	v = pcr_try(s, op, presented, value);
	if (v == PCR_OK)
		s->flags |= PCR_ARB_SLOT_PENDING;
	spin_unlock_irqrestore(&pcr_lock, flags);
	if (v == PCR_OK) {
		smp_mb(); /* the mark is seen before pcrwatch's maps are read */
		err = pcr_hold_check(cpu, slot, who->layer, op);
		spin_lock_irqsave(&pcr_lock, flags);
		s->flags &= ~PCR_ARB_SLOT_PENDING;
		v = err ? PCR_DENY_BUSY
			: pcr_apply(s, op, presented, value, who);
		if (v == PCR_OK)
			pcr_changed(cpu, slot, op, s);
		spin_unlock_irqrestore(&pcr_lock, flags);
	}
	if (verdict)
		*verdict = v;
	if (err) {
		pr_info_ratelimited(
			"cpu %d slot %u: %s by %s[%u] refused: %d\n", cpu, slot,
			pcr_op_names[op], who->comm, who->tgid, err);
		return err;
	}
	if (v == PCR_OK)
		return 0;
	pcr_regs_denied(cpu, slot, op, v, who);
	return pcr_verdict_errno(v);
}

/* Mark or unmark @slot pending on @cpu; not traced (see PENDING). */
void pcr_regs_pending(int cpu, u32 slot, bool pending)
{
	unsigned long flags;
	struct pcr_slot *s;

	if (!pcr_cpu_valid(cpu) || !pcr_slot_present(slot))
		return;
	s = &pcr_file[cpu][slot];
	spin_lock_irqsave(&pcr_lock, flags);
	if (pending)
		s->flags |= PCR_ARB_SLOT_PENDING;
	else
		s->flags &= ~PCR_ARB_SLOT_PENDING;
	spin_unlock_irqrestore(&pcr_lock, flags);
}

void pcr_regs_flags(int cpu, u32 slot, u32 op, u32 set, u32 clear,
		    const struct pcr_who *holder)
{
	struct pcr_slot *s;
	unsigned long flags;
	u32 old;

	if (!pcr_cpu_valid(cpu) || !pcr_slot_present(slot))
		return;
	s = &pcr_file[cpu][slot];
	spin_lock_irqsave(&pcr_lock, flags);
	old = s->flags;
	s->flags = (s->flags & ~clear) | set;
	if (holder)
		s->holder = *holder;
	if (old != s->flags || holder)
		pcr_changed(cpu, slot, op, s);
	spin_unlock_irqrestore(&pcr_lock, flags);
}

bool pcr_regs_access_is(int cpu, u32 slot, u64 cookie)
{
	unsigned long flags;
	bool eq;

	if (!pcr_cpu_valid(cpu) || !pcr_slot_present(slot))
		return false;
	spin_lock_irqsave(&pcr_lock, flags);
	eq = pcr_cookie_eq(pcr_file[cpu][slot].regs.access_cookie, cookie);
	spin_unlock_irqrestore(&pcr_lock, flags);
	return eq;
}

void pcr_regs_replay(int cpu)
{
	unsigned long flags;
	struct pcr_slot *s;
	u32 slot;

	if (!pcr_cpu_valid(cpu))
		return;
	for (slot = 0; slot < PCR_MAX_SLOTS; slot++) {
		if (!pcr_slot_present(slot))
			continue;
		s = &pcr_file[cpu][slot];
		spin_lock_irqsave(&pcr_lock, flags);
		trace_pcr_reg_change(cpu, slot, PCR_ARB_OP_REPLAY,
				     pcr_traced_flags(s), s->regs.control,
				     s->holder.layer, s->holder.tgid, s->seq);
		spin_unlock_irqrestore(&pcr_lock, flags);
	}
}

int pcr_regs_status(int cpu, struct pcr_arb_slot_status *st)
{
	u32 slot = st->slot;
	struct pcr_slot *s;
	unsigned long flags;

	if (!pcr_cpu_valid(cpu))
		return -ENXIO;
	if (slot >= PCR_MAX_SLOTS)
		return -EINVAL;
	memset(st, 0, sizeof(*st));
	st->slot = slot;
	st->holder_layer = PCR_LAYER_UNKNOWN;
	if (!pcr_slot_present(slot))
		return 0;
	s = &pcr_file[cpu][slot];
	spin_lock_irqsave(&pcr_lock, flags);
	st->flags = pcr_slot_flags(s);
	st->control = s->regs.control;
	st->seq = s->seq;
	if (pcr_slot_reserved(&s->regs)) {
		st->holder_layer = s->holder.layer;
		st->holder_tgid = s->holder.tgid;
		memcpy(st->holder_comm, s->holder.comm,
		       min(sizeof(st->holder_comm), sizeof(s->holder.comm)));
	}
	spin_unlock_irqrestore(&pcr_lock, flags);
	st->holder_comm[sizeof(st->holder_comm) - 1] = 0;
	return 0;
}

/* Which register an alias address names: 0 mgmt, 1 access, 2 control. */
static int pcr_alias_decode(u32 addr, u32 *slot)
{
	static const u32 base[] = { PCR_MSR_MGMT_BASE, PCR_MSR_ACCESS_BASE,
				    PCR_MSR_CONTROL_BASE };
	int i;

	for (i = 0; i < ARRAY_SIZE(base); i++) {
		if (addr >= base[i] && addr - base[i] < PCR_MAX_SLOTS) {
			*slot = addr - base[i];
			return pcr_slot_present(*slot) ? i : -1;
		}
	}
	return -1;
}

int pcr_regs_read_alias(int cpu, u32 addr, u64 *val)
{
	const struct pcr_slot_regs *r;
	unsigned long flags;
	u32 slot;
	int reg;

	if (!pcr_cpu_valid(cpu))
		return -ENXIO;
	reg = pcr_alias_decode(addr, &slot);
	if (reg < 0)
		return -EIO;
	r = &pcr_file[cpu][slot].regs;
	spin_lock_irqsave(&pcr_lock, flags);
	if (reg == 0)
		*val = r->mgmt_cookie != PCR_DEFAULT_COOKIE;
	else if (reg == 1)
		*val = r->access_cookie != PCR_DEFAULT_COOKIE;
	else
		*val = r->control;
	spin_unlock_irqrestore(&pcr_lock, flags);
	return 0;
}

/*
 * A plain write presents no cookie, as a legacy WRMSR presents the default
 * one: to the management alias it is a claim, asked of pcrwatch like the
 * claim ioctl; to the access or control alias it fails the management
 * check (only the ioctls present a cookie).
 */
int pcr_regs_write_alias(int cpu, u32 addr, u64 val, const struct pcr_who *who)
{
	static const u32 ops[] = { PCR_ARB_OP_CLAIM, PCR_ARB_OP_SET_ACCESS,
				   PCR_ARB_OP_SET_CONTROL };
	u32 slot;
	int reg;

	reg = pcr_alias_decode(addr, &slot);
	if (reg < 0)
		return -EIO;
	if (ops[reg] == PCR_ARB_OP_CLAIM)
		return pcr_regs_give(cpu, slot, PCR_ARB_OP_CLAIM,
				     PCR_DEFAULT_COOKIE, val, who, NULL);
	return pcr_regs_op(cpu, slot, ops[reg], PCR_DEFAULT_COOKIE, val, who,
			   NULL);
}

struct pcr_prog_args {
	struct pcr_slot *s;
	const struct pcr_arb_program *p;
	u32 layer;
	u32 msr;
	int err;
	enum pcr_verdict v;
};

/* The PMU MSR that programming @p writes: a general slot's counter or
 * event select, a fixed slot's counter or its field of FIXED_CTR_CTRL. */
int pcr_regs_program_msr(const struct pcr_arb_program *p, u32 *msr)
{
	if (!pcr_slot_present(p->slot) || p->target > PCR_ARB_COUNTER)
		return -EINVAL;
	if (p->slot < PCR_FIXED_SLOT0)
		*msr = p->target == PCR_ARB_COUNTER
			       ? pcr_legacy_perfctr_msr(p->slot)
			       : pcr_legacy_evntsel_msr(p->slot);
	else if (p->target == PCR_ARB_COUNTER)
		*msr = MSR_CORE_PERF_FIXED_CTR0 + (p->slot - PCR_FIXED_SLOT0);
	else
		*msr = MSR_CORE_PERF_FIXED_CTR_CTRL;
	return 0;
}

/* Write the PMU MSR for @p on this CPU; -EIO when the CPU refuses (#GP). */
static int pcr_write_pmu(const struct pcr_arb_program *p, u32 *msr)
{
	u64 val = p->value, old;
	u32 j;

	if (pcr_regs_program_msr(p, msr))
		return -EINVAL;
	if (*msr == MSR_CORE_PERF_FIXED_CTR_CTRL) {
		/* A fixed counter's event select is its 4-bit field. */
		j = p->slot - PCR_FIXED_SLOT0;
		if (rdmsrl_safe(*msr, &old))
			return -EIO;
		val = (old & ~(0xfULL << (4 * j))) |
		      ((p->value & 0xf) << (4 * j));
	}
	return wrmsrl_safe(*msr, val) ? -EIO : 0;
}

/* On the target CPU, interrupts off: check and write under one lock, so no
 * release can slip between the verdict and the write. */
static void pcr_program_here(void *data)
{
	struct pcr_prog_args *a = data;

	spin_lock(&pcr_lock);
	a->v = pcr_check_program(&a->s->regs, a->layer, a->p->access, 0);
	if (a->v == PCR_OK)
		a->err = pcr_write_pmu(a->p, &a->msr);
	spin_unlock(&pcr_lock);
}

int pcr_regs_program(int cpu, const struct pcr_who *who,
		     struct pcr_arb_program *p)
{
	struct pcr_prog_args a = { .p = p, .layer = who->layer };
	int err;

	if (!pcr_cpu_valid(cpu))
		return -ENXIO;
	if (pcr_regs_program_msr(p, &a.msr))
		return -EINVAL;
	a.s = &pcr_file[cpu][p->slot];
	err = smp_call_function_single(cpu, pcr_program_here, &a, 1);
	if (err)
		return err;
	p->verdict = a.v;
	p->msr = a.msr;
	p->msr_err = a.err;
	if (a.v == PCR_OK)
		return 0;
	pcr_regs_denied(cpu, p->slot, PCR_ARB_OP_PROGRAM, a.v, who);
	return pcr_verdict_errno(a.v);
}

void pcr_regs_denials(u64 out[PCR_ARB_NR_VERDICTS])
{
	int i;

	for (i = 0; i < PCR_ARB_NR_VERDICTS; i++)
		out[i] = atomic64_read(&pcr_denials[i]);
}

void pcr_regs_reset_all(void)
{
	unsigned long flags;
	struct pcr_slot *s;
	int cpu;
	u32 slot;

	for_each_possible_cpu (cpu) {
		for (slot = 0; slot < PCR_MAX_SLOTS; slot++) {
			if (!pcr_slot_present(slot))
				continue;
			s = &pcr_file[cpu][slot];
			spin_lock_irqsave(&pcr_lock, flags);
			if (pcr_slot_reserved(&s->regs) || s->flags) {
				pcr_slot_reset(&s->regs);
				pcr_holder_clear(s);
				s->flags = 0;
				pcr_changed(cpu, slot, PCR_ARB_OP_RESET, s);
			}
			spin_unlock_irqrestore(&pcr_lock, flags);
		}
	}
}

int pcr_regs_init(void)
{
	int cpu;
	u32 slot;

	pcr_discover();
	pcr_file = kcalloc(nr_cpu_ids, sizeof(*pcr_file), GFP_KERNEL);
	if (!pcr_file)
		return -ENOMEM;
	for_each_possible_cpu (cpu) {
		for (slot = 0; slot < PCR_MAX_SLOTS; slot++) {
			pcr_slot_reset(&pcr_file[cpu][slot].regs);
			pcr_holder_clear(&pcr_file[cpu][slot]);
		}
	}
	pr_info("%u general-purpose and %u fixed slots per CPU%s\n", pcr_nr_gp,
		pcr_nr_fixed,
		pcr_pmu_msrs ? ""
			     : " (PMU MSRs unreachable: registers emulated, "
			       "programming reports -EIO)");
	return 0;
}

void pcr_regs_exit(void)
{
	kfree(pcr_file);
	pcr_file = NULL;
}
