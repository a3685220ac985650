// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The words for pcrwatch's enums: one table each, used by every view. */
#include <string.h>

#include "names.h"

#define NAME_OR(table, i, dflt) \
	((i) < sizeof(table) / sizeof(table[0]) && table[i] ? table[i] : (dflt))

/* The layer word of an owner: "none" when there is no owner at all. An
 * all-zero owner reads as layer 0, firmware, unless its path says so. */
const char *owner_layer_name(__u32 path, const struct pcrw_owner *o)
{
	return owner_is_none(path, o) ? "none" : layer_name(o->layer);
}

bool owner_is_none(__u32 path, const struct pcrw_owner *o)
{
	if (o->layer == PCR_LAYER_UNKNOWN)
		return !o->tgid && !o->comm[0];
	return o->layer == PCR_LAYER_FIRMWARE && path != PCRW_PATH_FIRMWARE &&
	       !o->tgid && !o->pid && !o->comm[0];
}

const char *layer_name(__u32 layer)
{
	static const char *const names[] = {
		[PCR_LAYER_FIRMWARE] = "firmware",
		[PCR_LAYER_HYPERVISOR] = "hypervisor",
		[PCR_LAYER_KERNEL] = "kernel",
		[PCR_LAYER_USER] = "user",
		[PCR_LAYER_UNKNOWN] = "none",
	};

	return NAME_OR(names, layer, "unknown");
}

const char *path_name(__u32 path)
{
	static const char *const names[] = {
		[PCRW_PATH_UNKNOWN] = "unknown",
		[PCRW_PATH_PERF] = "perf",
		[PCRW_PATH_MSR_DEV] = "msr",
		[PCRW_PATH_KERNEL] = "kernel",
		[PCRW_PATH_FIRMWARE] = "firmware",
		[PCRW_PATH_ARBITER] = "arbiter",
	};

	return NAME_OR(names, path, "unknown");
}

const char *event_kind_name(__u32 kind)
{
	static const char *const names[] = {
		[PCRW_EV_CLOBBER] = "clobber",
		[PCRW_EV_FIRMWARE_HELD] = "firmware-held",
		[PCRW_EV_INUSE_MISMATCH] = "inuse-mismatch",
		[PCRW_EV_VETO] = "veto",
		[PCRW_EV_AUDIT] = "audit",
		[PCRW_EV_OWNER_CHANGE] = "owner-change",
		[PCRW_EV_PCR_REG] = "pcr-register",
	};

	return NAME_OR(names, kind, "unknown");
}

const char *event_kind_key(__u32 kind)
{
	static const char *const keys[] = {
		[PCRW_EV_CLOBBER] = "clobber",
		[PCRW_EV_FIRMWARE_HELD] = "firmware_held",
		[PCRW_EV_INUSE_MISMATCH] = "inuse_mismatch",
		[PCRW_EV_VETO] = "veto",
		[PCRW_EV_AUDIT] = "audit",
		[PCRW_EV_OWNER_CHANGE] = "owner_change",
		[PCRW_EV_PCR_REG] = "pcr_register",
	};

	return NAME_OR(keys, kind, "unknown");
}

const char *verdict_name(__u32 verdict)
{
	static const char *const names[] = {
		[PCR_OK] = "ok",
		[PCR_DENY_COOKIE] = "wrong-access-cookie",
		[PCR_DENY_LAYER] = "layer-not-allowed",
		[PCR_DENY_DIRECT] = "direct-msr-not-allowed",
		[PCR_DENY_MGMT] = "wrong-management-cookie",
		[PCR_DENY_BUSY] = "already-reserved",
		[PCR_DENY_INVALID] = "invalid",
	};

	return NAME_OR(names, verdict, "unknown");
}

__u32 name_index(const char *name, const char *(*name_of)(__u32), __u32 count,
		 __u32 dflt)
{
	__u32 i;

	for (i = 0; i < count; i++)
		if (!strcmp(name, name_of(i)))
			return i;
	return dflt;
}
