// SPDX-License-Identifier: GPL-2.0
/*
 * arbiter_modes.c - the PCR paper's three Linux arbiters over the emulated
 * registers, chosen by mode=:
 *   minimal            at load, claim every general-purpose slot on every
 *                      CPU; a slot some CPU refuses (held by firmware) is
 *                      given up and reserved away from the OS through
 *                      reserve_*_nmi(); the rest get control bits for the
 *                      kernel and user layers only and the default access
 *                      cookie, so legacy OS users keep working.
 *   minimal-enforcing  as minimal, but access is locked with the arbiter's
 *                      secret except while a counter's perfctr and evntsel
 *                      are both held through reserve_*_nmi() (the paper's
 *                      pcr_update_lock), mirrored by kretprobes.
 *   fully-enforcing    adds pcr_arb_acquire()/pcr_arb_release(): private
 *                      access with a fresh cookie, on every CPU.
 * Fixed-function slots are left to whoever claims them, as in the paper's
 * prototype, which did not lock them either.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitops.h>
#include <linux/kprobes.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/random.h>
#include <linux/security.h>
#include <linux/spinlock.h>
#include <asm/nmi.h>
#include <asm/ptrace.h>

#include "pcr_arbiter.h"
#include "pcr_arbiter_trace.h"

int pcr_mode;
static char *mode = "minimal";
module_param(mode, charp, 0444);
MODULE_PARM_DESC(
	mode, "arbiter: none, minimal, minimal-enforcing or fully-enforcing");
static unsigned long firmware_slots;
module_param(firmware_slots, ulong, 0444);
MODULE_PARM_DESC(firmware_slots, "bitmask of general-purpose slots an emulated "
				 "firmware holds before the arbiter starts");

static const char *const pcr_mode_names[] = {
	"none",
	"minimal",
	"minimal-enforcing",
	"fully-enforcing",
};

/* The arbiter's management cookie lives in a file-scope variable, as in
 * the paper; it never leaves the module. */
static u64 pcr_secret, pcr_fw_secret;
static struct pcr_who pcr_arb_who, pcr_fw_who;
static u64 pcr_os_slots, pcr_fw_slots;
static unsigned long pcr_fw_legacy; /* reserve_*_nmi() held for firmware */
static unsigned long pcr_ioctl_perfctr, pcr_ioctl_evntsel; /* held for users */
static unsigned long pcr_legacy_perfctr, pcr_legacy_evntsel; /* the mirror */
static unsigned long pcr_private;
static unsigned long pcr_pending; /* acquires waiting for pcrwatch's answer */
static u32 pcr_mirror;
static DEFINE_SPINLOCK(pcr_mirror_lock);
static DEFINE_MUTEX(pcr_legacy_mutex);

static u64 pcr_new_cookie(void)
{
	u64 c;

	do
		c = get_random_u64() & PCR_COOKIE_MASK;
	while (!pcr_cookie_valid(c));
	return c;
}

static bool pcr_os_slot(u32 slot)
{
	return slot < PCR_FIXED_SLOT0 && (pcr_os_slots & BIT_ULL(slot));
}

/* Claim @slot on every CPU or on none (the paper: a counter is lockable
 * only if it can be reserved on every CPU). */
static bool pcr_claim_everywhere(u32 slot, u64 cookie,
				 const struct pcr_who *who)
{
	int cpu, undo;

	for_each_possible_cpu (cpu) {
		if (pcr_regs_op(cpu, slot, PCR_ARB_OP_CLAIM, 0, cookie, who,
				NULL))
			goto rollback;
	}
	return true;
rollback:
	for_each_possible_cpu (undo) {
		if (undo == cpu)
			break;
		pcr_regs_op(undo, slot, PCR_ARB_OP_RELEASE, cookie, 0, who,
			    NULL);
	}
	return false;
}

static void pcr_manage_everywhere(u32 slot, u32 op, u64 mgmt, u64 value)
{
	int cpu;

	for_each_possible_cpu (cpu)
		pcr_regs_op(cpu, slot, op, mgmt, value, &pcr_arb_who, NULL);
}

/* The paper's pcr_update_lock(): open @slot to the default cookie while
 * both its legacy reservations are held, lock it with the secret otherwise.
 * Called with pcr_mirror_lock held. */
static void pcr_update_lock(u32 slot)
{
	u64 want;
	int cpu;

	if (pcr_mode < PCR_ARB_MODE_MINIMAL_ENFORCING || !pcr_os_slot(slot) ||
	    test_bit(slot, &pcr_private))
		return;
	want = pcr_legacy_access_cookie(test_bit(slot, &pcr_legacy_perfctr),
					test_bit(slot, &pcr_legacy_evntsel),
					pcr_secret);
	for_each_possible_cpu (cpu)
		if (!pcr_regs_access_is(cpu, slot, want))
			pcr_regs_op(cpu, slot, PCR_ARB_OP_SET_ACCESS,
				    pcr_secret, want, &pcr_arb_who, NULL);
}

/* Record the legacy bits of @slot in its flags, then relock. */
static void pcr_mirror_slot(u32 slot)
{
	u32 set = 0, clear;
	int cpu;

	if (test_bit(slot, &pcr_legacy_perfctr))
		set |= PCR_ARB_SLOT_LEGACY_PERFCTR;
	if (test_bit(slot, &pcr_legacy_evntsel))
		set |= PCR_ARB_SLOT_LEGACY_EVNTSEL;
	clear = (PCR_ARB_SLOT_LEGACY_PERFCTR | PCR_ARB_SLOT_LEGACY_EVNTSEL) &
		~set;
	for_each_possible_cpu (cpu)
		pcr_regs_flags(cpu, slot, PCR_ARB_OP_LEGACY, set, clear, NULL);
	pcr_update_lock(slot);
}

/* A reserve_*_nmi() or release_*_nmi() call of MSR @msr completed. */
static void pcr_legacy_changed(bool evntsel, unsigned int msr, bool reserve,
			       int ret)
{
	unsigned long flags;
	int i = pcr_msr_to_counter(msr, evntsel);

	if (i < 0 || (reserve && ret != 1))
		return;
	spin_lock_irqsave(&pcr_mirror_lock, flags);
	assign_bit(i, evntsel ? &pcr_legacy_evntsel : &pcr_legacy_perfctr,
		   reserve);
	pcr_mirror_slot(i);
	spin_unlock_irqrestore(&pcr_mirror_lock, flags);
}

static int pcr_kret_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	*(unsigned int *)ri->data = regs_get_kernel_argument(regs, 0);
	return 0;
}

#define PCR_KRET_HANDLER(name, evntsel, reserve)                           \
	static int pcr_kret_##name(struct kretprobe_instance *ri,          \
				   struct pt_regs *regs)                   \
	{                                                                  \
		pcr_legacy_changed(evntsel, *(unsigned int *)ri->data,     \
				   reserve, (int)regs_return_value(regs)); \
		return 0;                                                  \
	}
PCR_KRET_HANDLER(reserve_perfctr, false, true)
PCR_KRET_HANDLER(release_perfctr, false, false)
PCR_KRET_HANDLER(reserve_evntsel, true, true)
PCR_KRET_HANDLER(release_evntsel, true, false)

#define PCR_KRET(sym, name)                                                    \
	{                                                                      \
		.kp.symbol_name = sym, .entry_handler = pcr_kret_entry,        \
		.handler = pcr_kret_##name, .data_size = sizeof(unsigned int), \
		.maxactive = 8                                                 \
	}
static struct kretprobe pcr_krets[] = {
	PCR_KRET("reserve_perfctr_nmi", reserve_perfctr),
	PCR_KRET("release_perfctr_nmi", release_perfctr),
	PCR_KRET("reserve_evntsel_nmi", reserve_evntsel),
	PCR_KRET("release_evntsel_nmi", release_evntsel),
};
static struct kretprobe *pcr_kret_ptrs[ARRAY_SIZE(pcr_krets)];

/* Who holds each legacy reservation now, found by trying (a free one is
 * taken and given straight back). Runs before the kretprobes exist. */
static void pcr_probe_legacy(void)
{
	u32 i, msr;

	for (i = 0; i < pcr_nr_gp; i++) {
		msr = pcr_legacy_perfctr_msr(i);
		if (reserve_perfctr_nmi(msr))
			release_perfctr_nmi(msr);
		else
			set_bit(i, &pcr_legacy_perfctr);
		msr = pcr_legacy_evntsel_msr(i);
		if (reserve_evntsel_nmi(msr))
			release_evntsel_nmi(msr);
		else
			set_bit(i, &pcr_legacy_evntsel);
	}
}

static void pcr_start_mirror(void)
{
	unsigned long flags;
	u32 i;
	int err;

	pcr_probe_legacy();
	for (i = 0; i < ARRAY_SIZE(pcr_krets); i++)
		pcr_kret_ptrs[i] = &pcr_krets[i];
	err = register_kretprobes(pcr_kret_ptrs, ARRAY_SIZE(pcr_kret_ptrs));
	if (err) {
		pr_warn("kretprobes on reserve_*_nmi() failed (%d): mirroring "
			"only calls made through this module\n",
			err);
		pcr_mirror = PCR_ARB_MIRROR_IOCTL;
	} else {
		pcr_mirror = PCR_ARB_MIRROR_KRETPROBE;
	}
	spin_lock_irqsave(&pcr_mirror_lock, flags);
	for (i = 0; i < pcr_nr_gp; i++)
		pcr_mirror_slot(i);
	spin_unlock_irqrestore(&pcr_mirror_lock, flags);
}

/* Emulated firmware takes its slots first, for the OS, its own layer only.
 * A firmware claim gives a slot like any other and asks pcrwatch too (rule
 * 7, for the firmware layer on every CPU); refused, the slot is the OS's. */
static bool pcr_firmware_claim(u32 slot)
{
	int err =
		pcr_hold_check(-1, slot, PCR_LAYER_FIRMWARE, PCR_ARB_OP_CLAIM);

	if (err) {
		pr_info("firmware claim of slot %u refused: %d\n", slot, err);
		return false;
	}
	return pcr_claim_everywhere(slot, pcr_fw_secret, &pcr_fw_who);
}

static void pcr_firmware_claims(void)
{
	u32 slot;

	for (slot = 0; slot < pcr_nr_gp; slot++) {
		if (!(firmware_slots & BIT_ULL(slot)) ||
		    !pcr_firmware_claim(slot))
			continue;
		pcr_manage_everywhere(
			slot, PCR_ARB_OP_SET_CONTROL, pcr_fw_secret,
			PCR_CTL_LAYER(PCR_LAYER_FIRMWARE) | PCR_CTL_DIRECT_MSR);
	}
}

static void pcr_mark_firmware(u32 slot)
{
	int cpu;

	for_each_possible_cpu (cpu)
		pcr_regs_flags(cpu, slot, PCR_ARB_OP_LEGACY,
			       PCR_ARB_SLOT_FIRMWARE, 0, NULL);
}

/* A slot firmware holds is taken away from the OS's legacy allocator. */
static void pcr_hide_from_os(u32 slot)
{
	pcr_fw_slots |= BIT_ULL(slot);
	pcr_mark_firmware(slot);
	if (reserve_perfctr_nmi(pcr_legacy_perfctr_msr(slot))) {
		if (reserve_evntsel_nmi(pcr_legacy_evntsel_msr(slot)))
			set_bit(slot, &pcr_fw_legacy);
		else
			release_perfctr_nmi(pcr_legacy_perfctr_msr(slot));
	}
}

static int pcr_parse_mode(void)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(pcr_mode_names); i++)
		if (!strcmp(mode, pcr_mode_names[i]))
			return i;
	return -EINVAL;
}

int pcr_arbiters_init(void)
{
	u32 slot;
	u64 access;

	pcr_mode = pcr_parse_mode();
	if (pcr_mode < 0) {
		pr_err("unknown mode '%s' (none, minimal, minimal-enforcing, "
		       "fully-enforcing)\n",
		       mode);
		return -EINVAL;
	}
	pcr_who_kernel(&pcr_arb_who, PCR_LAYER_KERNEL, "pcr_arbiter");
	pcr_who_kernel(&pcr_fw_who, PCR_LAYER_FIRMWARE, "firmware");
	pcr_secret = pcr_new_cookie();
	pcr_fw_secret = pcr_new_cookie();
	if (pcr_mode == PCR_ARB_MODE_NONE) {
		pr_info("mode none: registers only, no arbiter\n");
		return 0;
	}
	pcr_firmware_claims();
	for (slot = 0; slot < pcr_nr_gp; slot++) {
		if (!pcr_claim_everywhere(slot, pcr_secret, &pcr_arb_who)) {
			pcr_hide_from_os(slot);
			continue;
		}
		pcr_os_slots |= BIT_ULL(slot);
		pcr_manage_everywhere(slot, PCR_ARB_OP_SET_CONTROL, pcr_secret,
				      PCR_CTL_LAYER(PCR_LAYER_KERNEL) |
					      PCR_CTL_LAYER(PCR_LAYER_USER) |
					      PCR_CTL_DIRECT_MSR);
		/* minimal opens to legacy users; the enforcing modes keep the
		 * secret the claim installed until the mirror says otherwise.
		 */
		access = pcr_mode == PCR_ARB_MODE_MINIMAL ? PCR_DEFAULT_COOKIE
							  : pcr_secret;
		if (access == PCR_DEFAULT_COOKIE)
			pcr_manage_everywhere(slot, PCR_ARB_OP_SET_ACCESS,
					      pcr_secret, access);
	}
	if (pcr_mode >= PCR_ARB_MODE_MINIMAL_ENFORCING)
		pcr_start_mirror();
	pr_info("mode %s: %u slots for the OS, %u held by firmware\n",
		pcr_mode_names[pcr_mode], (unsigned int)hweight64(pcr_os_slots),
		(unsigned int)hweight64(pcr_fw_slots));
	return 0;
}

void pcr_arbiters_exit(void)
{
	u32 i;

	if (pcr_mirror == PCR_ARB_MIRROR_KRETPROBE)
		unregister_kretprobes(pcr_kret_ptrs, ARRAY_SIZE(pcr_kret_ptrs));
	for (i = 0; i < pcr_nr_gp; i++) {
		if (test_and_clear_bit(i, &pcr_fw_legacy)) {
			release_evntsel_nmi(pcr_legacy_evntsel_msr(i));
			release_perfctr_nmi(pcr_legacy_perfctr_msr(i));
		}
		if (test_and_clear_bit(i, &pcr_ioctl_perfctr))
			release_perfctr_nmi(pcr_legacy_perfctr_msr(i));
		if (test_and_clear_bit(i, &pcr_ioctl_evntsel))
			release_evntsel_nmi(pcr_legacy_evntsel_msr(i));
	}
	pcr_secret = 0;
	pcr_fw_secret = 0;
}

void pcr_arbiters_info(struct pcr_arb_info *info)
{
	info->mode = pcr_mode;
	info->mirror = pcr_mirror;
	info->firmware_slots = pcr_fw_slots;
	info->os_slots = pcr_os_slots;
}

/* Call the kernel's legacy API on a user's behalf; a release only undoes
 * what a user reserved this way (never the firmware's or the kernel's). */
int pcr_arbiters_legacy(struct pcr_arb_legacy *l)
{
	bool evntsel, reserve;
	unsigned long *held;
	u32 msr;
	int r = 0;

	if (l->counter >= pcr_nr_gp || l->op > PCR_ARB_RELEASE_EVNTSEL)
		return -EINVAL;
	evntsel = l->op >= PCR_ARB_RESERVE_EVNTSEL;
	reserve = l->op == PCR_ARB_RESERVE_PERFCTR ||
		  l->op == PCR_ARB_RESERVE_EVNTSEL;
	held = evntsel ? &pcr_ioctl_evntsel : &pcr_ioctl_perfctr;
	msr = evntsel ? pcr_legacy_evntsel_msr(l->counter)
		      : pcr_legacy_perfctr_msr(l->counter);
	mutex_lock(&pcr_legacy_mutex);
	if (reserve) {
		r = evntsel ? reserve_evntsel_nmi(msr)
			    : reserve_perfctr_nmi(msr);
		if (r)
			set_bit(l->counter, held);
	} else if (test_and_clear_bit(l->counter, held)) {
		if (evntsel)
			release_evntsel_nmi(msr);
		else
			release_perfctr_nmi(msr);
	} else {
		r = -EPERM;
	}
	if (r >= 0 && pcr_mirror == PCR_ARB_MIRROR_IOCTL)
		pcr_legacy_changed(evntsel, msr, reserve, r);
	mutex_unlock(&pcr_legacy_mutex);
	if (r < 0)
		return r;
	l->result = r;
	return 0;
}

static int pcr_first_cpu(void)
{
	return cpumask_first(cpu_possible_mask);
}

/* Mark @slot private on every CPU, each in one step with taking its
 * pending mark back (so `reserve` sees one or the other throughout), or
 * unmark it. */
static void pcr_private_flags(u32 slot, bool set, const struct pcr_who *who)
{
	int cpu;

	for_each_possible_cpu (cpu)
		pcr_regs_flags(
			cpu, slot,
			set ? PCR_ARB_OP_SET_ACCESS : PCR_ARB_OP_RELEASE,
			set ? PCR_ARB_SLOT_PRIVATE : 0,
			set ? PCR_ARB_SLOT_PENDING : PCR_ARB_SLOT_PRIVATE, who);
}

static void pcr_pending_everywhere(u32 slot, bool pending)
{
	int cpu;

	for_each_possible_cpu (cpu)
		pcr_regs_pending(cpu, slot, pending);
}

/* Called with pcr_mirror_lock held. */
static bool pcr_acquire_busy(u32 slot)
{
	return test_bit(slot, &pcr_private) || test_bit(slot, &pcr_pending) ||
	       test_bit(slot, &pcr_legacy_perfctr) ||
	       test_bit(slot, &pcr_legacy_evntsel);
}

/*
 * A private grant asks pcrwatch before it marks anything the vetoes read:
 * the slot is marked pending on every CPU (the status ioctl shows it to
 * `reserve`; pcr_reg_change does not carry it), then pcrwatch is asked
 * (rule 7, the slot on every CPU), and only a granted acquire marks the
 * slot private (the mirror's hold) and changes its access cookie. A
 * refused one takes its pending marks back and has changed nothing the
 * vetoes read, so a pcrwatch holder of the slot never trips on it. A
 * reservation made at the same time either sees the pending mark or is
 * seen by the check: never neither (docs/PCR-RULES.md, rule 7).
 */
int pcr_arbiters_acquire(u32 slot, const struct pcr_who *who, u64 *cookie,
			 u32 *verdict)
{
	unsigned long flags;
	int err;
	u64 c;

	*verdict = PCR_DENY_INVALID;
	if (pcr_mode != PCR_ARB_MODE_FULLY_ENFORCING)
		return -EOPNOTSUPP;
	if (!pcr_os_slot(slot))
		return -EINVAL;
	spin_lock_irqsave(&pcr_mirror_lock, flags);
	if (pcr_acquire_busy(slot)) {
		spin_unlock_irqrestore(&pcr_mirror_lock, flags);
		*verdict = PCR_DENY_BUSY;
		return -EBUSY;
	}
	set_bit(slot, &pcr_pending);
	spin_unlock_irqrestore(&pcr_mirror_lock, flags);
	pcr_pending_everywhere(slot, true);
	smp_mb(); /* the marks are seen before pcrwatch's maps are read */
	err = pcr_hold_check(-1, slot, who->layer, PCR_ARB_OP_ACQUIRE);
	spin_lock_irqsave(&pcr_mirror_lock, flags);
	if (!err && (test_bit(slot, &pcr_legacy_perfctr) ||
		     test_bit(slot, &pcr_legacy_evntsel)))
		err = -EBUSY; /* the legacy API took it meanwhile */
	if (err)
		pcr_pending_everywhere(slot, false);
	clear_bit(slot, &pcr_pending);
	if (err) {
		spin_unlock_irqrestore(&pcr_mirror_lock, flags);
		pr_info_ratelimited("acquire of slot %u by %s refused: %d\n",
				    slot, who->comm, err);
		*verdict = PCR_DENY_BUSY;
		return err;
	}
	set_bit(slot, &pcr_private);
	pcr_private_flags(slot, true, who);
	c = pcr_new_cookie();
	pcr_manage_everywhere(slot, PCR_ARB_OP_SET_ACCESS, pcr_secret, c);
	spin_unlock_irqrestore(&pcr_mirror_lock, flags);
	*cookie = c;
	*verdict = PCR_OK;
	return 0;
}

int pcr_arbiters_release(u32 slot, const struct pcr_who *who, u64 cookie,
			 u32 *verdict)
{
	unsigned long flags;

	*verdict = PCR_DENY_INVALID;
	if (pcr_mode != PCR_ARB_MODE_FULLY_ENFORCING)
		return -EOPNOTSUPP;
	if (!pcr_os_slot(slot))
		return -EINVAL;
	spin_lock_irqsave(&pcr_mirror_lock, flags);
	if (!test_bit(slot, &pcr_private) ||
	    !pcr_regs_access_is(pcr_first_cpu(), slot, cookie)) {
		spin_unlock_irqrestore(&pcr_mirror_lock, flags);
		*verdict = PCR_DENY_COOKIE;
		pcr_regs_denied(pcr_first_cpu(), slot, PCR_ARB_OP_RELEASE,
				PCR_DENY_COOKIE, who);
		return -EBUSY;
	}
	clear_bit(slot, &pcr_private);
	pcr_private_flags(slot, false, &pcr_arb_who);
	pcr_manage_everywhere(slot, PCR_ARB_OP_SET_ACCESS, pcr_secret,
			      pcr_secret);
	pcr_update_lock(slot);
	spin_unlock_irqrestore(&pcr_mirror_lock, flags);
	*verdict = PCR_OK;
	return 0;
}

/* The exported kernel API, for kernel-mode counter users. */
int pcr_arb_program(int cpu, u32 slot, u32 target, u64 access, u64 value)
{
	struct pcr_arb_program p = {
		.slot = slot, .target = target, .access = access, .value = value
	};
	struct pcr_who who;
	int err;

	pcr_who_kernel(&who, PCR_LAYER_KERNEL, "kernel");
	err = pcr_regs_program(cpu, &who, &p);
	return err ? err : p.msr_err;
}
EXPORT_SYMBOL_GPL(pcr_arb_program);

int pcr_arb_acquire(u32 slot, u64 *cookie)
{
	struct pcr_who who;
	u32 v;

	pcr_who_kernel(&who, PCR_LAYER_KERNEL, "kernel");
	return pcr_arbiters_acquire(slot, &who, cookie, &v);
}
EXPORT_SYMBOL_GPL(pcr_arb_acquire);

int pcr_arb_release(u32 slot, u64 cookie)
{
	struct pcr_who who;
	u32 v;

	pcr_who_kernel(&who, PCR_LAYER_KERNEL, "kernel");
	return pcr_arbiters_release(slot, &who, cookie, &v);
}
EXPORT_SYMBOL_GPL(pcr_arb_release);
