// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Words and numbers for owner records and reservations, shared by who,
 * live, serve and events: every view takes its labels from here and
 * from names.c, so no two views describe one counter differently.
 */
#include <stdio.h>

#include "arbiter.h"
#include "who.h"
#include "names.h"
#include "sanitize.h"

bool who_never_ran(const struct owner_record *r)
{
	return r->time_enabled && !r->time_running;
}

double who_running_ratio(const struct owner_record *r)
{
	if (!r->time_enabled)
		return r->state == SLOT_ACTIVE ? 1.0 : 0.0;
	return (double)r->time_running / (double)r->time_enabled;
}

const char *who_layer(const struct owner_record *r)
{
	return r->attributed ? owner_layer_name(r->path, &r->owner)
			     : "unattributed";
}

/* For terminals: the comm is whatever bytes its process chose. */
void who_owner_label(const struct owner_record *r, char *buf, size_t len)
{
	char comm[sizeof(r->owner.comm) + 1];

	san_term(comm, sizeof(comm), r->owner.comm, sizeof(r->owner.comm));
	if (!r->attributed)
		snprintf(buf, len, "unattributed");
	else if (owner_is_none(r->path, &r->owner))
		snprintf(buf, len, "nobody");
	else if (r->owner.tgid)
		snprintf(buf, len, "%s[%u]", comm, r->owner.tgid);
	else
		snprintf(buf, len, "%s", comm[0] ? comm : "kernel");
}

void who_owner_text(char *buf, size_t len, __u32 path,
		    const struct pcrw_owner *o)
{
	char comm[sizeof(o->comm) + 1];

	san_term(comm, sizeof(comm), o->comm, sizeof(o->comm));
	if (owner_is_none(path, o) ||
	    (path == PCRW_PATH_UNKNOWN && !o->comm[0]))
		snprintf(buf, len, "nobody");
	else if (o->layer == PCR_LAYER_HYPERVISOR && o->pid &&
		 o->pid != o->tgid) /* a VM: its VMM process and vCPU thread */
		snprintf(buf, len, "VM %s[%u] vCPU thread %u (%s, %s)", comm,
			 o->tgid, o->pid, layer_name(o->layer),
			 path_name(path));
	else if (o->tgid)
		snprintf(buf, len, "%s[%u] (%s, %s)", comm, o->tgid,
			 layer_name(o->layer), path_name(path));
	else
		snprintf(buf, len, "%s (%s, %s)", comm[0] ? comm : "kernel",
			 layer_name(o->layer), path_name(path));
}

/* Multiplexed: on a counter, but it ran for less of the time it could
 * run than it was enabled (model_mux_ratio). */
static bool multiplexed(const struct owner_record *r)
{
	double ratio;

	return r->state == SLOT_ACTIVE && model_mux_ratio(r, &ratio) &&
	       ratio < 0.995;
}

void who_flags(const struct owner_record *r, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s%s", r->conflicts ? "!" : "",
		 r->reservation_id ? "R" : "", multiplexed(r) ? "~" : "");
}

void who_mux_label(const struct owner_record *r, char *buf, size_t len)
{
	double ratio;

	if (model_mux_ratio(r, &ratio))
		snprintf(buf, len, "%.2f", ratio);
	else
		snprintf(buf, len, "-");
}

int who_counter(const struct owner_record *r)
{
	return r->slot >= 0 ? r->slot : r->hw_idx;
}

void who_slot_label(int slot, char *buf, size_t len)
{
	snprintf(buf, len, slot < 0 ? "-" : "%d", slot);
}

void who_resv_label(const struct model_resv *r, char *buf, size_t len)
{
	char label[sizeof(r->label) + 1], state[48];

	san_term(label, sizeof(label), r->label, sizeof(r->label));
	if (r->source != MODEL_RESV_MODULE) {
		snprintf(buf, len, "reservation %llu (%s)",
			 (unsigned long long)r->id, label);
		return;
	}
	who_resv_module_state(r, state, sizeof(state));
	snprintf(buf, len, "module reservation %llu (%s, %s)",
		 (unsigned long long)r->id, label, state);
}

void who_resv_module_state(const struct model_resv *r, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s%s",
		 r->module_flags & PCR_ARB_SLOT_ACCESS_OPEN ? "open" : "locked",
		 r->module_flags & PCR_ARB_SLOT_PRIVATE ? " private" : "",
		 r->module_flags & PCR_ARB_SLOT_FIRMWARE ? " firmware" : "");
}

void who_resv_short(const struct model_resv *r, char *buf, size_t len)
{
	if (r->source == MODEL_RESV_MODULE)
		snprintf(buf, len, "module");
	else
		snprintf(buf, len, "resv %llu", (unsigned long long)r->id);
}

const char *who_resv_source(const struct model_resv *r)
{
	return r->source == MODEL_RESV_MODULE ? "module" : "bpf";
}

void who_resv_slots(const struct model_resv *r, char *buf, size_t len)
{
	size_t n = 0;
	int s;

	if (r->whole_pmu) {
		snprintf(buf, len, "all");
		return;
	}
	buf[0] = 0;
	for (s = 0; s < 64 && n < len; s++)
		if ((r->slot_mask >> s) & 1)
			n += (size_t)snprintf(buf + n, len - n, "%s%d",
					      n ? "," : "", s);
}
