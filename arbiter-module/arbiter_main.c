// SPDX-License-Identifier: GPL-2.0
/*
 * pcr_arbiter: emulated Platform Counter Reservation registers and the PCR
 * paper's Linux arbiters. The rules come from pcr_rules.h, the same header
 * the BPF programs and userspace compile. Files: arbiter_regs.c (register
 * file, checked programming, denials), arbiter_dev.c (/dev/cpu/N/pcr,
 * hotplug), arbiter_modes.c (the arbiters and the kernel API),
 * arbiter_trace.c (tracepoints). docs/ARBITER.md has the contract.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/kernel.h>

#include "pcr_arbiter.h"

static int __init pcr_arbiter_init(void)
{
	int err;

	/* pcr_rules.h repeats the slot flags rule 7 reads, for BPF. */
	BUILD_BUG_ON(PCR_ARB_SLOT_RESERVED != PCR_MOD_SLOT_RESERVED);
	BUILD_BUG_ON(PCR_ARB_SLOT_ACCESS_OPEN != PCR_MOD_SLOT_ACCESS_OPEN);
	BUILD_BUG_ON(PCR_ARB_SLOT_PRIVATE != PCR_MOD_SLOT_PRIVATE);
	BUILD_BUG_ON(PCR_ARB_SLOT_FIRMWARE != PCR_MOD_SLOT_FIRMWARE);
	BUILD_BUG_ON(PCR_ARB_SLOT_PENDING != PCR_MOD_SLOT_PENDING);
	err = pcr_regs_init();
	if (err)
		return err;
	err = pcr_arbiters_init();
	if (err)
		goto out_regs;
	err = pcr_dev_init();
	if (err)
		goto out_arbiters;
	return 0;

out_arbiters:
	pcr_arbiters_exit();
	pcr_regs_reset_all();
out_regs:
	pcr_regs_exit();
	return err;
}

static void __exit pcr_arbiter_exit(void)
{
	pcr_dev_exit();
	pcr_arbiters_exit();
	pcr_regs_reset_all();
	pcr_regs_exit();
	pr_info("unloaded\n");
}

module_init(pcr_arbiter_init);
module_exit(pcr_arbiter_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Platform Counter Reservation arbiter (software emulation)");
