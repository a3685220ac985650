// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The one text formatter for events (event_format.h): `events` from a ring
 * buffer or from the agent's log, enforce's veto lines and the journal's
 * MESSAGE all print what this file writes, so one event reads the same
 * wherever it is seen; its JSON (events --json, the agent's log) is
 * written here too (user/service/event_decode.c reads it back). Each kind names
 * its actor and says only the fields that mean something for it: a perf veto
 * its type, config and rule, an MSR veto its register and value, a clobber what
 * was written over what the holder had programmed.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "arbiter.h"
#include "event_format.h"
#include "json.h"
#include "names.h"
#include "sanitize.h"
#include "who.h"
#include "../../bpf/perf_track.h"

/* Appends to a fixed buffer; output past its end is cut, never overrun. */
struct out {
	char *buf;
	size_t len, n;
};

static void put(struct out *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int w;

	if (o->n >= o->len)
		return;
	va_start(ap, fmt);
	w = vsnprintf(o->buf + o->n, o->len - o->n, fmt, ap);
	va_end(ap);
	if (w > 0)
		o->n += (size_t)w;
}

static void actor_text(char *buf, size_t len, const struct pcrw_event *e)
{
	who_owner_text(buf, len, e->actor_path, &e->actor);
}

static void prev_text(char *buf, size_t len, const struct pcrw_event *e)
{
	who_owner_text(buf, len, e->prev_path, &e->prev);
}

/* What a perf veto's rule number (PCRW_VETO_RULE) means. */
static const char *rule_name(__u32 rule)
{
	static const char *const names[] = {
		"ok",	 "whole-pmu", "unknown-capacity", "exclusive",
		"group", "pinned",    "flexible",	  "unindexed-cpu",
	};

	return rule < sizeof(names) / sizeof(names[0]) ? names[rule] : "?";
}

/* What an MSR veto was decided on (old_value; docs/MSR.md). */
static const char *msr_basis(__u64 basis)
{
	switch (basis) {
	case 1:
		return "the register written";
	case 2:
		return "any reserved counter of the CPU (ioctl)";
	case 3:
		return "any reservation (the register is not known)";
	default:
		return "?";
	}
}

/* What the module was asked to do, from a veto of its hold check (the
 * operation in @value) or of its program ioctl (a register in @msr). */
static const char *arbiter_op_name(const struct pcrw_event *e)
{
	if (e->msr)
		return "program";
	switch (e->value) {
	case PCR_ARB_OP_CLAIM:
		return "claim";
	case PCR_ARB_OP_SET_MGMT:
		return "new management cookie";
	case PCR_ARB_OP_ACQUIRE:
		return "private acquire";
	default:
		return "hold";
	}
}

/* The party a veto names: "pid P (comm) uid U". */
static void veto_actor(struct out *o, const struct pcrw_event *e)
{
	char comm[sizeof(e->actor.comm) + 1];

	san_term(comm, sizeof(comm), e->actor.comm, sizeof(e->actor.comm));
	put(o, "pid %u (%s) uid %u", e->actor.tgid, comm[0] ? comm : "kernel",
	    e->actor.uid);
}

/* What was refused: the access and its fields, for its path only. */
static void veto_what(struct out *o, const struct pcrw_event *e)
{
	char slot[16], comm[sizeof(e->actor.comm) + 1];

	who_slot_label(e->slot == ~0U ? -1 : (int)e->slot, slot, sizeof(slot));
	if (e->actor_path == PCRW_PATH_MSR_DEV) {
		put(o, "msr write: ");
		veto_actor(o, e);
		put(o, ": cpu %u msr 0x%x value 0x%llx slot %s", e->cpu, e->msr,
		    (unsigned long long)e->value, slot);
		return;
	}
	if (e->actor_path == PCRW_PATH_ARBITER) {
		put(o, "pcr_arbiter %s: ", arbiter_op_name(e));
		veto_actor(o, e);
		put(o, ", %s layer: cpu %u slot %s", layer_name(e->actor.layer),
		    e->cpu, slot);
		if (e->msr)
			put(o, " msr 0x%x value 0x%llx", e->msr,
			    (unsigned long long)e->value);
		return;
	}
	if (e->actor.layer == PCR_LAYER_HYPERVISOR) {
		san_term(comm, sizeof(comm), e->actor.comm,
			 sizeof(e->actor.comm));
		put(o,
		    "KVM vPMU counter of VM pid %u (%s) vCPU thread %u uid %u",
		    e->actor.tgid, comm, e->actor.pid, e->actor.uid);
	} else {
		put(o, e->actor.layer == PCR_LAYER_KERNEL
			       ? "kernel counter made in "
			       : "perf_event_open: ");
		veto_actor(o, e);
	}
	put(o, ": type %u config 0x%llx rule %s", PCRW_VETO_TYPE(e->old_value),
	    (unsigned long long)e->value,
	    rule_name(PCRW_VETO_RULE(e->old_value)));
}

/* Whom the reservation keeps the counter for: a veto's @prev is its
 * first principal (a uid, pid or cgroup), or the module slot's holder. */
static void veto_holder(struct out *o, const struct pcrw_event *e)
{
	const struct pcrw_owner *p = &e->prev;
	char holder[128];

	prev_text(holder, sizeof(holder), e);
	if (p->comm[0] && strcmp(holder, "nobody"))
		put(o, ", held by %s", holder);
	else if (p->tgid)
		put(o, ", held by pid %u (%s layer)", p->tgid,
		    layer_name(p->layer));
	else if (p->cgroup_id)
		put(o, ", held for cgroup id %llu",
		    (unsigned long long)p->cgroup_id);
	else if (p->uid)
		put(o, ", held for uid %u", p->uid);
}

/* veto and audit: "<access> denied EBUSY by reservation N (label)[,
 * held by H] on cpu C" (an MSR veto: what it was decided on). */
static void format_veto(struct out *o, const struct pcrw_event *e,
			const struct event_text_opts *opt)
{
	veto_what(o, e);
	if (e->kind == PCRW_EV_AUDIT)
		put(o, " would be denied by");
	else if (opt && opt->killed)
		put(o, " killed (SIGKILL) for");
	else if (e->verdict == PCR_DENY_BUSY)
		put(o, " denied EBUSY by");
	else
		put(o, " denied (%s) by", verdict_name(e->verdict));
	put(o, " %sreservation %llu",
	    e->reservation_id >= PCRW_MODULE_RESV_BASE ? "module " : "",
	    (unsigned long long)e->reservation_id);
	if (opt && opt->resv_label)
		put(o, " (%s)", opt->resv_label);
	veto_holder(o, e);
	if (e->actor_path == PCRW_PATH_MSR_DEV)
		put(o, ", decided on %s", msr_basis(e->old_value));
	else if (e->actor_path != PCRW_PATH_ARBITER)
		put(o, " on cpu %u", e->cpu);
}

/* perf_track's records: msr 0; slot ~0 for an event made or freed. */
static void format_perf_owner(struct out *o, const struct pcrw_event *e)
{
	char actor[128], prev[128];

	actor_text(actor, sizeof(actor), e);
	prev_text(prev, sizeof(prev), e);
	if (e->slot == ~0U && !strcmp(actor, "nobody")) {
		put(o, "perf event of %s freed (config 0x%llx)",
		    strcmp(prev, "nobody") ? prev : "an owner not known",
		    (unsigned long long)e->value);
		return;
	}
	if (e->slot == ~0U) {
		put(o, "perf event opened by %s", actor);
		if (e->value)
			put(o, " (config 0x%llx)",
			    (unsigned long long)e->value);
		return;
	}
	put(o, "counter taken by %s (config 0x%llx); before: ", actor,
	    (unsigned long long)e->value);
	switch (e->old_value) {
	case PCRW_PREV_FREE:
		put(o, "free (its last holder had closed its event)");
		break;
	case PCRW_PREV_UNKNOWN:
		put(o, "unknown (not seen since tracking began)");
		break;
	default:
		put(o, "%s", prev);
	}
}

static void format_owner_change(struct out *o, const struct pcrw_event *e)
{
	char actor[128], prev[128];

	if (!e->msr) {
		format_perf_owner(o, e);
		return;
	}
	actor_text(actor, sizeof(actor), e);
	prev_text(prev, sizeof(prev), e);
	put(o, "msr 0x%x programmed 0x%llx by %s", e->msr,
	    (unsigned long long)e->value, actor);
	if (strcmp(prev, "nobody"))
		put(o, " over 0x%llx of its previous owner %s",
		    (unsigned long long)e->old_value, prev);
	else
		put(o, "; it had no owner");
}

static void format_msr_kind(struct out *o, const struct pcrw_event *e)
{
	char actor[128], prev[128];

	actor_text(actor, sizeof(actor), e);
	prev_text(prev, sizeof(prev), e);
	switch (e->kind) {
	case PCRW_EV_CLOBBER:
		put(o,
		    "%s wrote 0x%llx to msr 0x%x over 0x%llx, what the "
		    "counter's holder %s had programmed",
		    actor, (unsigned long long)e->value, e->msr,
		    (unsigned long long)e->old_value, prev);
		break;
	case PCRW_EV_FIRMWARE_HELD:
		put(o,
		    "msr 0x%x found enabled (0x%llx) at start-up with no "
		    "OS owner",
		    e->msr, (unsigned long long)e->value);
		break;
	case PCRW_EV_INUSE_MISMATCH:
		put(o,
		    "msr 0x%x (GLOBAL_INUSE 0x%llx) says the counter is in "
		    "use, but no owner has it enabled; read by %s",
		    e->msr, (unsigned long long)e->old_value, actor);
		break;
	default:
		put(o, "msr 0x%x value 0x%llx by %s", e->msr,
		    (unsigned long long)e->value, actor);
	}
}

/* The module's slot registers: value and old_value are control << 32 |
 * flags after and before. */
static void format_pcr_reg(struct out *o, const struct pcrw_event *e)
{
	char actor[128], prev[128];

	actor_text(actor, sizeof(actor), e);
	prev_text(prev, sizeof(prev), e);
	put(o,
	    "pcr_arbiter slot registers set by %s: control 0x%x flags "
	    "0x%x (were control 0x%x flags 0x%x)",
	    actor, (__u32)(e->value >> 32), (__u32)e->value,
	    (__u32)(e->old_value >> 32), (__u32)e->old_value);
	if (strcmp(prev, "nobody"))
		put(o, "; holder before: %s", prev);
}

void event_format(char *buf, size_t len, const char *group,
		  const struct pcrw_event *e, const struct event_text_opts *opt)
{
	struct out o = { buf, len, 0 };

	if (!len)
		return;
	buf[0] = 0;
	if (group)
		put(&o, "%s ", group);
	put(&o, "%s ", event_kind_name(e->kind));
	if (e->kind == PCRW_EV_VETO || e->kind == PCRW_EV_AUDIT) {
		format_veto(&o, e, opt);
		return;
	}
	put(&o, "cpu %u", e->cpu);
	if (e->slot != ~0U)
		put(&o, " slot %u", e->slot);
	put(&o, ": ");
	switch (e->kind) {
	case PCRW_EV_OWNER_CHANGE:
		format_owner_change(&o, e);
		break;
	case PCRW_EV_PCR_REG:
		format_pcr_reg(&o, e);
		break;
	default:
		format_msr_kind(&o, e);
	}
}

/* ---- JSON: events --json and the agent's log ---- */

void who_owner_json(struct json *j, const char *key, __u32 path,
		    const struct pcrw_owner *o)
{
	if ((path == PCRW_PATH_UNKNOWN && o->layer == PCR_LAYER_UNKNOWN) ||
	    owner_is_none(path, o)) {
		json_null(j, key); /* nobody held it */
		return;
	}
	json_object_begin(j, key);
	json_str(j, "layer", owner_layer_name(path, o));
	json_str(j, "path", path_name(path));
	json_u64(j, "pid", o->tgid);
	json_u64(j, "tid", o->pid);
	json_strn(j, "comm", o->comm, sizeof(o->comm));
	json_u64(j, "uid", o->uid);
	json_u64(j, "cgroup_id", o->cgroup_id);
	json_object_end(j);
}

void who_event_json(struct json *j, const char *group,
		    const struct pcrw_event *e)
{
	json_str(j, "group", group);
	json_str(j, "kind", event_kind_name(e->kind));
	json_u64(j, "cpu", e->cpu);
	json_u64(j, "ts_ns", e->ts_ns);
	json_i64(j, "slot", e->slot == ~0U ? -1 : (long long)e->slot);
	json_u64(j, "msr", e->msr);
	json_hex(j, "value", e->value);
	json_hex(j, "old_value", e->old_value);
	who_owner_json(j, "actor", e->actor_path, &e->actor);
	who_owner_json(j, "prev", e->prev_path, &e->prev);
	json_u64(j, "reservation_id", e->reservation_id);
	if (e->kind == PCRW_EV_VETO || e->kind == PCRW_EV_AUDIT)
		json_str(j, "verdict", verdict_name(e->verdict));
}
