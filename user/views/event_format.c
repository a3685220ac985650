// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The one text formatter for events (event_format.h): `events` from a ring
 * buffer or from the agent's log, enforce's veto lines and the journal's
 * MESSAGE all print what this file writes, so one event reads the same
 * wherever it is seen; its JSON (events --json, the agent's log) is
 * written and read back here too. Each kind names its actor and says only the
 * fields that mean something for it: a perf veto its type, config and rule, an
 * MSR veto its register and value, a clobber what was written over what
 * the holder had programmed.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
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

/* ---- JSON: events --json and the agent's log, and back ---- */

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

/* The agent's log: a record line back into a struct pcrw_event. */

/* Past the JSON string starting at @p (its opening quote), or NULL. */
static const char *skip_string(const char *p)
{
	for (p++; *p; p++) {
		if (*p == '\\' && p[1])
			p++;
		else if (*p == '"')
			return p + 1;
	}
	return NULL;
}

/* The value of @key among the members of the object whose '{' is at @obj,
 * or NULL: nested objects and strings are stepped over whole. */
static const char *member(const char *obj, const char *key)
{
	size_t klen = strlen(key);
	const char *p = obj + 1, *end;
	int depth = 1;

	while (p && *p && depth > 0) {
		if (*p == '"') {
			end = skip_string(p);
			if (end && depth == 1 && *end == ':' &&
			    (size_t)(end - p) == klen + 2 &&
			    !strncmp(p + 1, key, klen))
				return end + 1;
			p = end;
			continue;
		}
		if (*p == '{' || *p == '[')
			depth++;
		else if (*p == '}' || *p == ']')
			depth--;
		p++;
	}
	return NULL;
}

static long long num(const char *obj, const char *key, long long dflt)
{
	const char *v = member(obj, key);

	return v && (*v == '-' || (*v >= '0' && *v <= '9'))
		       ? strtoll(v, NULL, 10)
		       : dflt;
}

/* A UTF-8 encoding of code point @c (below 0x10000) into @d. */
static size_t utf8(char *d, unsigned int c)
{
	if (c < 0x80) {
		d[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		d[0] = (char)(0xc0 | c >> 6);
		d[1] = (char)(0x80 | (c & 0x3f));
		return 2;
	}
	d[0] = (char)(0xe0 | c >> 12);
	d[1] = (char)(0x80 | ((c >> 6) & 0x3f));
	d[2] = (char)(0x80 | (c & 0x3f));
	return 3;
}

/* The four hex digits at @p (checked by the caller). */
static unsigned int hex4(const char *p)
{
	char digits[5];

	memcpy(digits, p, 4);
	digits[4] = 0;
	return (unsigned int)strtoul(digits, NULL, 16);
}

/* The string value of @key, unescaped into @buf ("" when absent). */
static void str(const char *obj, const char *key, char *buf, size_t len)
{
	const char *p = member(obj, key);
	char d[4];
	size_t n = 0, k;

	buf[0] = 0;
	if (!p || *p != '"' || !len)
		return;
	for (p++; *p && *p != '"'; p++) {
		k = 1;
		d[0] = *p;
		if (*p == '\\' && p[1]) {
			p++;
			switch (*p) {
			case 'u':
				if (strspn(p + 1, "0123456789abcdefABCDEF") < 4)
					return;
				k = utf8(d, hex4(p + 1));
				p += 4;
				break;
			case 'n':
				d[0] = '\n';
				break;
			case 't':
				d[0] = '\t';
				break;
			default:
				d[0] = *p; /* \" \\ \/ */
			}
		}
		if (n + k >= len)
			break;
		memcpy(buf + n, d, k);
		n += k;
	}
	buf[n] = 0;
}

static unsigned long long hex(const char *obj, const char *key)
{
	char buf[24];

	str(obj, key, buf, sizeof(buf));
	return strtoull(buf, NULL, 16);
}

/* The index whose @name is @word among 0..@max, or @dflt. */
static __u32 lookup(const char *word, const char *(*name)(__u32), __u32 max,
		    __u32 dflt)
{
	__u32 i;

	for (i = 0; i <= max; i++)
		if (!strcmp(word, name(i)))
			return i;
	return dflt;
}

/* An owner object written by who_owner_json; null or absent: nobody. */
static void owner(const char *obj, const char *key, __u32 *path,
		  struct pcrw_owner *o)
{
	const char *v = member(obj, key);
	char word[32], comm[sizeof(o->comm) + 1];

	memset(o, 0, sizeof(*o));
	*path = PCRW_PATH_UNKNOWN;
	o->layer = PCR_LAYER_UNKNOWN;
	if (!v || *v != '{')
		return;
	str(v, "layer", word, sizeof(word));
	o->layer =
		lookup(word, layer_name, PCR_NR_LAYERS - 1, PCR_LAYER_UNKNOWN);
	str(v, "path", word, sizeof(word));
	*path = lookup(word, path_name, PCRW_PATH_ARBITER, PCRW_PATH_UNKNOWN);
	o->tgid = (__u32)num(v, "pid", 0);
	o->pid = (__u32)num(v, "tid", 0);
	o->uid = (__u32)num(v, "uid", 0);
	o->cgroup_id = (__u64)num(v, "cgroup_id", 0);
	/* A comm may fill its 16 bytes with no NUL (json_strn wrote it so). */
	str(v, "comm", comm, sizeof(comm));
	memcpy(o->comm, comm, sizeof(o->comm));
}

int event_parse_json(const char *line, struct pcrw_event *e, char *group,
		     size_t group_len, char *when, size_t when_len)
{
	char word[32];
	long long slot;

	memset(e, 0, sizeof(*e));
	line += strspn(line, " \t");
	if (*line != '{')
		return -EINVAL;
	str(line, "type", word, sizeof(word));
	if (strcmp(word, "event"))
		return -EINVAL;
	str(line, "kind", word, sizeof(word));
	e->kind = lookup(word, event_kind_name, PCRW_NR_EVENT_KINDS - 1, 0);
	if (!e->kind)
		return -EINVAL;
	str(line, "group", group, group_len);
	str(line, "time", when, when_len);
	e->cpu = (__u32)num(line, "cpu", 0);
	e->ts_ns = (__u64)num(line, "ts_ns", 0);
	slot = num(line, "slot", -1);
	e->slot = slot < 0 ? ~0U : (__u32)slot;
	e->msr = (__u32)num(line, "msr", 0);
	e->value = hex(line, "value");
	e->old_value = hex(line, "old_value");
	owner(line, "actor", &e->actor_path, &e->actor);
	owner(line, "prev", &e->prev_path, &e->prev);
	e->reservation_id = (__u64)num(line, "reservation_id", 0);
	str(line, "verdict", word, sizeof(word));
	e->verdict = lookup(word, verdict_name, PCR_NR_VERDICTS - 1, 0);
	return 0;
}
