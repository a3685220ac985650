// SPDX-License-Identifier: GPL-2.0
/*
 * pcr_arbiter: emulated Platform Counter Reservation registers and the PCR
 * paper's Linux arbiters. The rules come from pcr_rules.h, the same header
 * the BPF programs and userspace compile.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/kernel.h>

#include "pcr_rules.h"

static int __init pcr_arbiter_init(void)
{
	pr_info("loaded\n");
	return 0;
}

static void __exit pcr_arbiter_exit(void)
{
	pr_info("unloaded\n");
}

module_init(pcr_arbiter_init);
module_exit(pcr_arbiter_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Platform Counter Reservation arbiter (software emulation)");
