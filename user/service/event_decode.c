// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * event_decode.c - one record line of the agent's log (event_log.c's
 * record_json, who_event_json's fields) back into the struct pcrw_event it
 * was written from (user/service/event_log.h). The one decoder of a record:
 * `pcrwatch events` and enforce read the log with it, the agent numbers its
 * records on from the last one it finds with it. Each key is looked up
 * among the record's own members (json_read.h), so a key of the same name
 * inside a nested object ("actor":{"cpu":...}) or inside a string is never
 * taken for it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event_log.h"
#include "json_read.h"
#include "names.h"

/* The string value of @key, unescaped into @buf: "" when absent, not a
 * string or not a valid one. */
static void str(const char *obj, const char *key, char *buf, size_t len)
{
	const char *v = json_member(obj, key);

	if (!v || *v != '"') {
		buf[0] = 0;
		return;
	}
	json_read_str(&v, v + strlen(v), buf, len);
}

/* The integer value of @key, or @dflt when absent or not a number. */
static long long num(const char *obj, const char *key, long long dflt)
{
	const char *v = json_member(obj, key);

	return v && (*v == '-' || (*v >= '0' && *v <= '9'))
		       ? strtoll(v, NULL, 10)
		       : dflt;
}

/* An unsigned 64-bit value (ids, times): all of its range, 0 if absent. */
static __u64 u64(const char *obj, const char *key)
{
	const char *v = json_member(obj, key);

	return v && *v >= '0' && *v <= '9' ? strtoull(v, NULL, 10) : 0;
}

/* A register value, written as the string "0x..." (json_hex). */
static __u64 hex(const char *obj, const char *key)
{
	char buf[24];

	str(obj, key, buf, sizeof(buf));
	return strtoull(buf, NULL, 16);
}

/* An owner object written by who_owner_json; null or absent: nobody. A
 * word that names no layer or path reads as PCR_LAYER_UNKNOWN or
 * PCRW_PATH_UNKNOWN; "unknown" (a layer number with no name, written as
 * that word) reads back as the first number it names, so the text of the
 * event reads as it did from the ring buffer. */
static void owner(const char *obj, const char *key, __u32 *path,
		  struct pcrw_owner *o)
{
	const char *v = json_member(obj, key);
	char word[32], comm[sizeof(o->comm) + 1];

	memset(o, 0, sizeof(*o));
	*path = PCRW_PATH_UNKNOWN;
	o->layer = PCR_LAYER_UNKNOWN;
	if (!v || *v != '{')
		return;
	str(v, "layer", word, sizeof(word));
	o->layer = name_index(word, layer_name, PCR_LAYER_UNKNOWN + 1,
			      PCR_LAYER_UNKNOWN);
	str(v, "path", word, sizeof(word));
	*path = name_index(word, path_name, PCRW_PATH_ARBITER + 1,
			   PCRW_PATH_UNKNOWN);
	o->tgid = (__u32)u64(v, "pid");
	o->pid = (__u32)u64(v, "tid");
	o->uid = (__u32)u64(v, "uid");
	o->cgroup_id = u64(v, "cgroup_id");
	/* A comm may fill its 16 bytes with no NUL (json_strn wrote it so). */
	str(v, "comm", comm, sizeof(comm));
	memcpy(o->comm, comm, sizeof(o->comm));
}

int event_log_decode(const char *line, struct event_log_rec *r)
{
	struct pcrw_event *e = &r->e;
	char word[32];
	long long slot;

	memset(r, 0, sizeof(*r));
	r->line = line;
	line += strspn(line, " \t");
	if (*line != '{')
		return -EINVAL;
	str(line, "type", word, sizeof(word));
	if (strcmp(word, "event"))
		return -EINVAL;
	str(line, "kind", word, sizeof(word));
	/* A kind this version does not know (a newer agent wrote it) is
	 * still a record: shown as "unknown", never counted as lost. */
	e->kind = name_index(word, event_kind_name, PCRW_NR_EVENT_KINDS, 0);
	str(line, "group", r->group, sizeof(r->group));
	e->cpu = (__u32)u64(line, "cpu");
	e->ts_ns = u64(line, "ts_ns");
	slot = num(line, "slot", -1); /* -1: no slot */
	e->slot = slot < 0 ? ~0U : (__u32)slot;
	e->msr = (__u32)u64(line, "msr");
	e->value = hex(line, "value");
	e->old_value = hex(line, "old_value");
	owner(line, "actor", &e->actor_path, &e->actor);
	owner(line, "prev", &e->prev_path, &e->prev);
	e->reservation_id = u64(line, "reservation_id");
	str(line, "verdict", word, sizeof(word));
	e->verdict = name_index(word, verdict_name, PCR_NR_VERDICTS + 1, 0);
	r->real_ns = num(line, "ts_unix_ns", 0);
	r->seq = u64(line, "seq");
	return 0;
}

__u64 event_log_last_seq_in(const char *path)
{
	char buf[EVENT_LOG_LINE_MAX + 1], *nl, *line;
	FILE *f = fopen(path, "re");
	long end;
	size_t n;

	if (!f)
		return 0;
	fseek(f, 0, SEEK_END);
	end = ftell(f);
	fseek(f, end > EVENT_LOG_LINE_MAX ? end - EVENT_LOG_LINE_MAX : 0,
	      SEEK_SET);
	n = fread(buf, 1, EVENT_LOG_LINE_MAX, f);
	fclose(f);
	buf[n] = 0;
	/* the last whole line: after the newline before the final one */
	while (n && buf[n - 1] == '\n')
		buf[--n] = 0;
	nl = strrchr(buf, '\n');
	line = nl ? nl + 1 : buf;
	line += strspn(line, " \t");
	return *line == '{' ? u64(line, "seq") : 0;
}
