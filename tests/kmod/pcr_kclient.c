// SPDX-License-Identifier: GPL-2.0
/*
 * pcr_kclient - a kernel-mode counter user for the guest tests: on load it
 * takes slot=N privately through the pcr_arbiter module's kernel API and
 * keeps it until unloaded. A refused acquire does not fail the load: the
 * answer (0 or -errno) is /sys/module/pcr_kclient/parameters/result.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/errno.h>
#include <linux/module.h>

#include "pcr_arbiter_api.h"

static uint slot;
module_param(slot, uint, 0444);
MODULE_PARM_DESC(slot, "the general-purpose slot to acquire");
static int result = -ENODATA;
module_param(result, int, 0444);
MODULE_PARM_DESC(result, "what pcr_arb_acquire() answered");
static u64 cookie;

static int __init pcr_kclient_init(void)
{
	result = pcr_arb_acquire(slot, &cookie);
	pr_info("acquire of slot %u: %d\n", slot, result);
	return 0;
}

static void __exit pcr_kclient_exit(void)
{
	if (!result)
		pcr_arb_release(slot, cookie);
}

module_init(pcr_kclient_init);
module_exit(pcr_kclient_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("pcr_arbiter kernel API client for the tests");
