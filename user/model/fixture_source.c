// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Injected state: when PCRWATCH_FIXTURE names a file, model_collect reads
 * the model from it instead of the kernel, so views, tests and benches can
 * show 256 CPUs x 8 counters on a machine with no PMU. tools/gen-fixture
 * writes such files.
 *
 * The format, one item per line, '#' starts a comment line:
 *   pmu name=NAME type=N counters=N fixed=N virtualized=0|1 hypervisor=STR
 *   cpus N
 *   note TEXT TO THE END OF THE LINE
 *   events KIND=COUNT ...            (KIND: clobber, veto, ... or lost)
 *   rec KEY=VALUE ...                (one owner record; keys below)
 *   resv id=N cpu=N slots=MASK uid=N|pid=N|cgroup=N|layer=NAME label=STR
 *        [source=bpf|module flags=N control=N]
 *                                    (a reservation on one CPU; repeat the
 *                                    line with the same id for more CPUs;
 *                                    flags: the module's PCR_ARB_SLOT_*)
 * rec keys: cpu hw_idx slot (integers, -1 allowed), path (perf, msr, kernel,
 * firmware, arbiter, unknown), layer (firmware, hypervisor, kernel, user),
 * pid tid uid cgroup (numbers), comm, attributed (0|1), pmu, type, config,
 * event, scope (cpu|task), pinned exclusive (0|1), state (active, inactive,
 * error, off, idle, free), enabled running (ns), resv (reservation id),
 * conflicts, id group (its leader's id), target target_tid (the process and
 * thread a task event counts), task_cpu (that thread's CPU now, -1 none;
 * unset: unknown), leader_off (0|1). Missing keys take neutral defaults (cpu
 * -1, hw_idx -1, slot -1, active, attributed unless a key says otherwise).
 * Values hold no spaces; %XX in a value stands for the byte 0xXX (so "%20" is a
 * space). A malformed line makes the whole file an error: -EINVAL and a note
 * that names the file and the line; nothing of it is used.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "names.h"

/* Decode %XX escapes in place. */
static void unescape(char *s)
{
	char *out = s;

	while (*s) {
		if (s[0] == '%' && isxdigit((unsigned char)s[1]) &&
		    isxdigit((unsigned char)s[2])) {
			char hex[3] = { s[1], s[2], 0 };

			*out++ = (char)strtoul(hex, NULL, 16);
			s += 3;
		} else {
			*out++ = *s++;
		}
	}
	*out = 0;
}

static int parse_ll(const char *v, long long min, long long max, long long *out)
{
	char *end;

	errno = 0;
	*out = strtoll(v, &end, 0);
	if (errno || end == v || *end || *out < min || *out > max)
		return -EINVAL;
	return 0;
}

static int parse_u64(const char *v, __u64 *out)
{
	char *end;

	if (*v == '-')
		return -EINVAL;
	errno = 0;
	*out = strtoull(v, &end, 0);
	if (errno || end == v || *end)
		return -EINVAL;
	return 0;
}

static int parse_bool(const char *v, bool *out)
{
	if (!strcmp(v, "1") || !strcmp(v, "yes") || !strcmp(v, "true"))
		*out = true;
	else if (!strcmp(v, "0") || !strcmp(v, "no") || !strcmp(v, "false"))
		*out = false;
	else
		return -EINVAL;
	return 0;
}

/* The enum value whose name (from names.c) is @v, or -EINVAL. */
static int parse_name(const char *v, const char *(*name)(__u32), __u32 max)
{
	__u32 i;

	for (i = 0; i <= max; i++)
		if (!strcmp(name(i), v))
			return (int)i;
	return -EINVAL;
}

static const char *state_name_u32(__u32 s)
{
	return state_name((enum slot_state)s);
}

static int copy_str(char *dst, size_t len, const char *v)
{
	if (strlen(v) >= len)
		return -EINVAL;
	strcpy(dst, v);
	return 0;
}

enum rec_key {
	RK_CPU,
	RK_HW_IDX,
	RK_SLOT,
	RK_PATH,
	RK_LAYER,
	RK_STATE,
	RK_PID,
	RK_TID,
	RK_UID,
	RK_TYPE,
	RK_CONFLICTS,
	RK_CGROUP,
	RK_CONFIG,
	RK_ENABLED,
	RK_RUNNING,
	RK_RESV,
	RK_ID,
	RK_COMM,
	RK_PMU,
	RK_EVENT,
	RK_SCOPE,
	RK_ATTRIBUTED,
	RK_PINNED,
	RK_EXCLUSIVE,
	RK_GROUP,
	RK_TARGET,
	RK_TARGET_TID,
	RK_TASK_CPU,
	RK_LEADER_OFF,
};

static const char *const rec_keys[] = {
	[RK_CPU] = "cpu",
	[RK_HW_IDX] = "hw_idx",
	[RK_SLOT] = "slot",
	[RK_PATH] = "path",
	[RK_LAYER] = "layer",
	[RK_STATE] = "state",
	[RK_PID] = "pid",
	[RK_TID] = "tid",
	[RK_UID] = "uid",
	[RK_TYPE] = "type",
	[RK_CONFLICTS] = "conflicts",
	[RK_CGROUP] = "cgroup",
	[RK_CONFIG] = "config",
	[RK_ENABLED] = "enabled",
	[RK_RUNNING] = "running",
	[RK_RESV] = "resv",
	[RK_ID] = "id",
	[RK_COMM] = "comm",
	[RK_PMU] = "pmu",
	[RK_EVENT] = "event",
	[RK_SCOPE] = "scope",
	[RK_ATTRIBUTED] = "attributed",
	[RK_PINNED] = "pinned",
	[RK_EXCLUSIVE] = "exclusive",
	[RK_GROUP] = "group",
	[RK_TARGET] = "target",
	[RK_TARGET_TID] = "target_tid",
	[RK_TASK_CPU] = "task_cpu",
	[RK_LEADER_OFF] = "leader_off",
};

/* The key's index, or -1. The first-letter test keeps a 256 x 8 fixture
 * (2000 records of 20 keys) cheap to read on every scrape. */
static int rec_key(const char *k)
{
	size_t i;

	for (i = 0; i < sizeof(rec_keys) / sizeof(rec_keys[0]); i++)
		if (k[0] == rec_keys[i][0] && !strcmp(k, rec_keys[i]))
			return (int)i;
	return -1;
}

static int set_u32(__u32 *dst, const char *v)
{
	long long n;

	if (parse_ll(v, 0, 0xffffffffLL, &n))
		return -EINVAL;
	*dst = (__u32)n;
	return 0;
}

static int set_int(int *dst, const char *v)
{
	long long n;

	if (parse_ll(v, -1, 1 << 20, &n))
		return -EINVAL;
	*dst = (int)n;
	return 0;
}

static int rec_field(struct owner_record *r, const char *k, const char *v)
{
	int e;

	switch (rec_key(k)) {
	case RK_CPU:
		return set_int(&r->cpu, v);
	case RK_HW_IDX:
		return set_int(&r->hw_idx, v);
	case RK_SLOT:
		return set_int(&r->slot, v);
	case RK_PATH:
		e = parse_name(v, path_name, PCRW_PATH_ARBITER);
		return e < 0 ? e : (r->path = (__u32)e, 0);
	case RK_LAYER:
		e = parse_name(v, layer_name, PCR_NR_LAYERS - 1);
		return e < 0 ? e : (r->owner.layer = (__u32)e, 0);
	case RK_STATE:
		e = parse_name(v, state_name_u32, SLOT_FREE);
		return e < 0 ? e : (r->state = (enum slot_state)e, 0);
	case RK_PID:
		return set_u32(&r->owner.tgid, v);
	case RK_TID:
		return set_u32(&r->owner.pid, v);
	case RK_UID:
		return set_u32(&r->owner.uid, v);
	case RK_TYPE:
		return set_u32(&r->pmu_type, v);
	case RK_CONFLICTS:
		return set_u32(&r->conflicts, v);
	case RK_CGROUP:
		return parse_u64(v, &r->owner.cgroup_id);
	case RK_CONFIG:
		return parse_u64(v, &r->config);
	case RK_ENABLED:
		return parse_u64(v, &r->time_enabled);
	case RK_RUNNING:
		return parse_u64(v, &r->time_running);
	case RK_RESV:
		return parse_u64(v, &r->reservation_id);
	case RK_ID:
		return parse_u64(v, &r->id);
	case RK_COMM:
		return copy_str(r->owner.comm, sizeof(r->owner.comm), v);
	case RK_PMU:
		return copy_str(r->pmu, sizeof(r->pmu), v);
	case RK_EVENT:
		return copy_str(r->event, sizeof(r->event), v);
	case RK_SCOPE:
		if (strcmp(v, "task") && strcmp(v, "cpu"))
			return -EINVAL;
		r->task_scope = v[0] == 't';
		return 0;
	case RK_ATTRIBUTED:
		return parse_bool(v, &r->attributed);
	case RK_PINNED:
		return parse_bool(v, &r->pinned);
	case RK_EXCLUSIVE:
		return parse_bool(v, &r->exclusive);
	case RK_GROUP:
		return parse_u64(v, &r->group_id);
	case RK_TARGET:
		return set_u32(&r->target_tgid, v);
	case RK_TARGET_TID:
		return set_u32(&r->target_pid, v);
	case RK_TASK_CPU:
		r->task_cpu_known = true;
		return set_int(&r->task_cpu, v);
	case RK_LEADER_OFF:
		return parse_bool(v, &r->leader_off);
	default:
		return -ENOENT;
	}
}

static int pmu_field(struct pmu_info *p, const char *k, const char *v)
{
	long long n;

	if (!strcmp(k, "name"))
		return copy_str(p->name, sizeof(p->name), v);
	if (!strcmp(k, "hypervisor"))
		return copy_str(p->hypervisor, sizeof(p->hypervisor), v);
	if (!strcmp(k, "virtualized"))
		return parse_bool(v, &p->virtualized);
	if (!strcmp(k, "present"))
		return parse_bool(v, &p->present);
	if (parse_ll(v, -1, 1 << 20, &n))
		return -EINVAL;
	if (!strcmp(k, "type"))
		p->type = (int)n;
	else if (!strcmp(k, "counters"))
		p->nr_gp = (int)n;
	else if (!strcmp(k, "fixed"))
		p->nr_fixed = (int)n;
	else
		return -ENOENT;
	return 0;
}

static int events_field(struct model *m, const char *k, const char *v)
{
	__u64 n;
	int kind;

	if (parse_u64(v, &n))
		return -EINVAL;
	if (!strcmp(k, "lost")) {
		m->events_lost = n;
		return 0;
	}
	kind = parse_name(k, event_kind_name, PCRW_NR_EVENT_KINDS - 1);
	if (kind <= 0)
		return -ENOENT;
	m->events_by_kind[kind] = n;
	return 0;
}

/* The keys of a resv line whose values are words, not numbers. */
static int resv_word(struct model_resv *r, const char *k, const char *v)
{
	struct pcr_principal *p = &r->principals[0];
	int e;

	if (!strcmp(k, "label"))
		return copy_str(r->label, sizeof(r->label), v);
	if (!strcmp(k, "source")) {
		if (strcmp(v, "bpf") && strcmp(v, "module"))
			return -EINVAL;
		r->source = v[0] == 'm' ? MODEL_RESV_MODULE : MODEL_RESV_BPF;
		return 0;
	}
	e = parse_name(v, layer_name, PCR_NR_LAYERS - 1);
	if (e < 0)
		return e;
	*p = (struct pcr_principal){ .kind = PCR_PRINC_LAYER, .id = (__u32)e };
	r->nr_principals = 1;
	return 0;
}

static int resv_field(struct model_resv *r, const char *k, const char *v)
{
	struct pcr_principal *p = &r->principals[0];
	__u64 n;

	if (!strcmp(k, "label") || !strcmp(k, "source") || !strcmp(k, "layer"))
		return resv_word(r, k, v);
	if (parse_u64(v, &n))
		return -EINVAL;
	if (!strcmp(k, "id"))
		r->id = n;
	else if (!strcmp(k, "flags"))
		r->module_flags = (__u32)n;
	else if (!strcmp(k, "control"))
		r->control = (__u32)n;
	else if (!strcmp(k, "cpu") && n < PCRW_MAX_CPUS)
		r->cpus[n / 64] |= 1ULL << (n % 64);
	else if (!strcmp(k, "slots"))
		r->slot_mask = n;
	else if (!strcmp(k, "uid") || !strcmp(k, "pid") || !strcmp(k, "cgroup"))
		*p = (struct pcr_principal){
			.kind = k[0] == 'u'   ? PCR_PRINC_UID
				: k[0] == 'p' ? PCR_PRINC_PID
					      : PCR_PRINC_CGROUP,
			.id = n,
		};
	else
		return -ENOENT;
	r->nr_principals = p->kind ? 1 : 0;
	return 0;
}

static int resv_cb(void *ctx, const char *k, const char *v)
{
	return resv_field(ctx, k, v);
}

/* Split "k=v k=v ..." and hand each pair to @fn; the first error wins and
 * names the key in @bad. */
static int each_pair(char *s, char *bad, size_t badlen,
		     int (*fn)(void *ctx, const char *k, const char *v),
		     void *ctx)
{
	char *tok, *save = NULL, *eq;
	int err;

	for (tok = strtok_r(s, " \t", &save); tok;
	     tok = strtok_r(NULL, " \t", &save)) {
		eq = strchr(tok, '=');
		if (!eq || eq == tok) {
			snprintf(bad, badlen, "'%s' is not KEY=VALUE", tok);
			return -EINVAL;
		}
		*eq = 0;
		unescape(eq + 1);
		err = fn(ctx, tok, eq + 1);
		if (err) {
			snprintf(bad, badlen,
				 err == -ENOENT ? "unknown key '%s'"
						: "bad value for '%s'",
				 tok);
			return -EINVAL;
		}
	}
	return 0;
}

static int rec_cb(void *ctx, const char *k, const char *v)
{
	return rec_field(ctx, k, v);
}

static int pmu_cb(void *ctx, const char *k, const char *v)
{
	return pmu_field(ctx, k, v);
}

static int events_cb(void *ctx, const char *k, const char *v)
{
	return events_field(ctx, k, v);
}

/* A resv line: a new reservation, or one more CPU of one already read. */
static int parse_resv(struct model *m, char *rest, char *bad, size_t badlen)
{
	struct model_resv r;
	size_t i, w;
	int err;

	memset(&r, 0, sizeof(r));
	err = each_pair(rest, bad, badlen, resv_cb, &r);
	if (err)
		return err;
	for (i = 0; i < m->nr_resv; i++) {
		if (m->resv[i].id != r.id)
			continue;
		for (w = 0; w < PCRW_CPU_WORDS; w++)
			m->resv[i].cpus[w] |= r.cpus[w];
		return 0;
	}
	return model_add_resv(m, &r);
}

static int parse_line(struct model *m, char *line, char *bad, size_t badlen)
{
	struct owner_record r;
	char *rest;
	long long n;
	int err;

	rest = line + strcspn(line, " \t");
	if (*rest)
		*rest++ = 0;
	rest += strspn(rest, " \t");

	if (!strcmp(line, "rec")) {
		memset(&r, 0, sizeof(r));
		r.cpu = r.hw_idx = r.slot = -1;
		r.attributed = true;
		r.state = SLOT_ACTIVE;
		r.owner.layer = PCR_LAYER_USER;
		r.path = PCRW_PATH_PERF;
		err = each_pair(rest, bad, badlen, rec_cb, &r);
		if (err)
			return err;
		if (!r.id)
			r.id = ((__u64)(unsigned int)r.cpu << 32) |
			       (unsigned int)m->nr_recs;
		return model_add(m, &r);
	}
	if (!strcmp(line, "resv"))
		return parse_resv(m, rest, bad, badlen);
	if (!strcmp(line, "pmu")) {
		m->pmu.present = true;
		return each_pair(rest, bad, badlen, pmu_cb, &m->pmu);
	}
	if (!strcmp(line, "events"))
		return each_pair(rest, bad, badlen, events_cb, m);
	if (!strcmp(line, "cpus")) {
		if (parse_ll(rest, 1, 1 << 16, &n)) {
			snprintf(bad, badlen, "bad CPU count '%s'", rest);
			return -EINVAL;
		}
		m->nr_cpus = (int)n;
		return 0;
	}
	if (!strcmp(line, "note")) {
		model_note(m, "%s", rest);
		return 0;
	}
	snprintf(bad, badlen, "unknown line kind '%s'", line);
	return -EINVAL;
}

int fixture_source_collect(struct model *m, const char *path)
{
	char *line = NULL, bad[96];
	size_t cap = 0, lineno = 0;
	ssize_t n;
	FILE *f;
	int err = 0;

	f = fopen(path, "re");
	if (!f) {
		err = -errno;
		model_note(m, "fixture %s: %s", path, strerror(-err));
		return err;
	}
	m->pmu.type = -1;
	while ((n = getline(&line, &cap, f)) >= 0) {
		lineno++;
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = 0;
		if (!line[strspn(line, " \t")] || line[0] == '#')
			continue;
		bad[0] = 0;
		err = parse_line(m, line, bad, sizeof(bad));
		if (err)
			break;
	}
	free(line);
	fclose(f);
	if (err) {
		/* Nothing of a malformed file is used. */
		model_clear(m);
		model_note(m, "fixture %s line %zu: %s", path, lineno,
			   bad[0] ? bad : strerror(-err));
		return err;
	}
	if (!m->nr_cpus)
		m->nr_cpus = 1;
	model_note(m, "injected state from fixture %s, not this machine", path);
	return 0;
}
