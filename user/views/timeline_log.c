// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * timeline_log.c - the agent's JSON-lines log (user/service/event_log.c writes
 * it, docs/SERVICE.md describes a record) read back into records for the
 * timeline. Each line is parsed as the JSON object it is, by a small
 * scanner that keeps the keys the picture needs and skips the others, so
 * keys added to the record later are no trouble. It is a cursor over the
 * line in place, for speed on big logs; its strings, escapes and words
 * are read by the same pieces as event_log_decode's (json_read.h,
 * name_index), so both make the same bytes of a record. The actor's and
 * previous holder's comm are unescaped to the bytes the kernel had: they stay
 * untrusted and are escaped again when drawn (san_xml).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "timeline.h"
#include "event_log.h"
#include "json_read.h"
#include "names.h"
#include "sanitize.h"

#define LOG_MAX_FILES 100 /* as many rotated files as `events` reads */

struct jcur {
	const char *p, *end;
};

/* One record as parsed: the owners before they are interned. */
struct line_rec {
	struct tl_rec r;
	struct tl_owner actor, prev;
	bool event, has_time, has_kind, has_cpu;
};

static void ws(struct jcur *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' ||
				 *c->p == '\r' || *c->p == '\n'))
		c->p++;
}

static bool eat(struct jcur *c, char ch)
{
	ws(c);
	if (c->p < c->end && *c->p == ch) {
		c->p++;
		return true;
	}
	return false;
}

/* A JSON string at c->p into @buf (cut to @len - 1 bytes; NULL: skipped).
 * 0 or -EINVAL. */
static int jstr(struct jcur *c, char *buf, size_t len)
{
	ws(c);
	return json_read_str(&c->p, c->end, buf, len);
}

static int jnum(struct jcur *c, long long *v)
{
	char *e;

	ws(c);
	errno = 0;
	*v = strtoll(c->p, &e, 10);
	if (e == c->p || errno)
		return -EINVAL;
	c->p = e;
	/* A fraction or an exponent: not a number pcrwatch writes here. */
	if (c->p < c->end && (*c->p == '.' || *c->p == 'e' || *c->p == 'E'))
		return -EINVAL;
	return 0;
}

static int jskip(struct jcur *c, int depth);

/* The members or elements of an object or array being skipped. */
static int jskip_inner(struct jcur *c, char close, int depth)
{
	if (eat(c, close))
		return 0;
	do {
		if (close == '}' && (jstr(c, NULL, 0) || !eat(c, ':')))
			return -EINVAL;
		if (jskip(c, depth + 1))
			return -EINVAL;
	} while (eat(c, ','));
	return eat(c, close) ? 0 : -EINVAL;
}

/* Any value, skipped. */
static int jskip(struct jcur *c, int depth)
{
	static const char *const words[] = { "null", "true", "false" };
	long long v;
	size_t i;

	ws(c);
	if (depth > 8 || c->p >= c->end)
		return -EINVAL;
	if (*c->p == '"')
		return jstr(c, NULL, 0);
	if (eat(c, '{'))
		return jskip_inner(c, '}', depth);
	if (eat(c, '['))
		return jskip_inner(c, ']', depth);
	for (i = 0; i < 3; i++)
		if (!strncmp(c->p, words[i], strlen(words[i]))) {
			c->p += strlen(words[i]);
			return 0;
		}
	return jnum(c, &v);
}

static int owner_member(struct jcur *c, const char *key, struct tl_owner *o)
{
	char word[24];
	long long v;

	if (!strcmp(key, "comm"))
		return jstr(c, o->comm, sizeof(o->comm));
	if (!strcmp(key, "pid") || !strcmp(key, "uid")) {
		if (jnum(c, &v))
			return -EINVAL;
		*(key[0] == 'p' ? &o->pid : &o->uid) = (__u32)v;
		return 0;
	}
	if (strcmp(key, "layer") && strcmp(key, "path"))
		return jskip(c, 1);
	if (jstr(c, word, sizeof(word)))
		return -EINVAL;
	if (key[0] == 'l')
		o->layer = (__u8)name_index(word, layer_name,
					    PCR_LAYER_UNKNOWN + 1,
					    PCR_LAYER_UNKNOWN);
	else
		o->path =
			(__u8)name_index(word, path_name, PCRW_PATH_ARBITER + 1,
					 PCRW_PATH_UNKNOWN);
	return 0;
}

/* "actor" or "prev": null (nobody) or an object. */
static int owner_value(struct jcur *c, struct tl_owner *o)
{
	char key[24];

	memset(o, 0, sizeof(*o));
	o->layer = PCR_LAYER_UNKNOWN;
	ws(c);
	if (!strncmp(c->p, "null", 4)) {
		c->p += 4;
		return 0;
	}
	if (!eat(c, '{'))
		return -EINVAL;
	if (eat(c, '}'))
		return 0;
	do {
		if (jstr(c, key, sizeof(key)) || !eat(c, ':') ||
		    owner_member(c, key, o))
			return -EINVAL;
	} while (eat(c, ','));
	return eat(c, '}') ? 0 : -EINVAL;
}

static int group_index(struct tl_log *lg, char *name)
{
	int i;

	name[sizeof(lg->groups[0]) - 1] = 0; /* a longer name is cut */
	for (i = 0; i < lg->nr_groups; i++)
		if (!strcmp(lg->groups[i], name))
			return i;
	if (lg->nr_groups == TL_MAX_GROUPS)
		return TL_MAX_GROUPS - 1; /* the last one stands for the rest */
	memcpy(lg->groups[i], name, strlen(name) + 1);
	return lg->nr_groups++;
}

/* A string member of the record. */
static int rec_str_member(struct tl_log *lg, struct jcur *c, const char *key,
			  struct line_rec *lr)
{
	char s[40];

	if (jstr(c, s, sizeof(s)))
		return -EINVAL;
	if (!strcmp(key, "type")) {
		lr->event = !strcmp(s, "event");
	} else if (!strcmp(key, "kind")) {
		lr->r.kind = (__u8)name_index(s, event_kind_name,
					      PCRW_NR_EVENT_KINDS, 0);
		lr->has_kind = lr->r.kind != 0;
	} else if (!strcmp(key, "group")) {
		lr->r.group = (__u8)group_index(lg, s);
	} else if (!strcmp(key, "verdict")) {
		lr->r.verdict = (__u8)name_index(s, verdict_name, 16, 0xff);
	} else if (!strcmp(key, "value")) {
		lr->r.value = strtoull(s, NULL, 16);
	}
	return 0;
}

static int rec_num_member(struct jcur *c, const char *key, struct line_rec *lr)
{
	long long v;

	if (jnum(c, &v))
		return -EINVAL;
	if (!strcmp(key, "ts_unix_ns")) {
		/* Past 2^62 ns (year 2116) differences of times overflow. */
		if (v < 0 || v > TL_MAX_TIME)
			return -EINVAL;
		lr->r.t = v;
		lr->has_time = true;
	} else if (!strcmp(key, "cpu")) {
		lr->r.cpu = (__u32)v;
		lr->has_cpu = v >= 0;
	} else if (!strcmp(key, "slot")) {
		lr->r.slot = v < 0 || v > 63 ? TL_NO_SLOT : (__s32)v;
	} else if (!strcmp(key, "msr")) {
		lr->r.msr = (__u32)v;
	} else if (!strcmp(key, "reservation_id")) {
		lr->r.resv = (__u64)v;
	}
	return 0;
}

static int rec_member(struct tl_log *lg, struct jcur *c, const char *key,
		      struct line_rec *lr)
{
	static const char *const strs[] = { "type", "kind", "group", "verdict",
					    "value" };
	static const char *const nums[] = { "ts_unix_ns", "cpu", "slot", "msr",
					    "reservation_id" };
	size_t i;

	if (!strcmp(key, "actor"))
		return owner_value(c, &lr->actor);
	if (!strcmp(key, "prev"))
		return owner_value(c, &lr->prev);
	for (i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		if (!strcmp(key, strs[i]))
			return rec_str_member(lg, c, key, lr);
	for (i = 0; i < sizeof(nums) / sizeof(nums[0]); i++)
		if (!strcmp(key, nums[i]))
			return rec_num_member(c, key, lr);
	return jskip(c, 1);
}

static __u64 owner_hash(const struct tl_owner *o)
{
	const unsigned char *p = (const unsigned char *)o->comm;
	__u64 h = 1469598103934665603ULL;

	for (; *p; p++)
		h = (h ^ *p) * 1099511628211ULL;
	h = (h ^ o->pid) * 1099511628211ULL;
	h = (h ^ o->uid) * 1099511628211ULL;
	return (h ^ (__u64)(o->layer << 8 | o->path)) * 1099511628211ULL;
}

static bool owner_eq(const struct tl_owner *a, const struct tl_owner *b)
{
	return a->pid == b->pid && a->uid == b->uid && a->layer == b->layer &&
	       a->path == b->path && !strcmp(a->comm, b->comm);
}

static int owner_rehash(struct tl_log *lg)
{
	size_t cap = lg->hash_cap ? lg->hash_cap * 2 : 1024, i, h;
	__u32 *t = calloc(cap, sizeof(*t));

	if (!t)
		return -ENOMEM;
	for (i = 1; i < lg->nr_owners; i++) {
		h = owner_hash(&lg->owners[i]) & (cap - 1);
		while (t[h])
			h = (h + 1) & (cap - 1);
		t[h] = (__u32)i + 1;
	}
	free(lg->owner_hash);
	lg->owner_hash = t;
	lg->hash_cap = cap;
	return 0;
}

static int owner_append(struct tl_log *lg, const struct tl_owner *o)
{
	struct tl_owner *n;

	if (lg->nr_owners == lg->cap_owners) {
		lg->cap_owners = lg->cap_owners ? lg->cap_owners * 2 : 256;
		n = realloc(lg->owners, lg->cap_owners * sizeof(*n));
		if (!n)
			return -ENOMEM;
		lg->owners = n;
	}
	lg->owners[lg->nr_owners++] = *o;
	return 0;
}

/* The index of @o, added if new; nobody (no layer, pid or comm) is 0. */
static long owner_intern(struct tl_log *lg, const struct tl_owner *o)
{
	size_t h;

	if (!o->pid && !o->comm[0] &&
	    (o->layer == PCR_LAYER_UNKNOWN || o->path == PCRW_PATH_UNKNOWN))
		return 0;
	if ((lg->nr_owners + 1) * 2 > lg->hash_cap && owner_rehash(lg))
		return -ENOMEM;
	h = owner_hash(o) & (lg->hash_cap - 1);
	for (; lg->owner_hash[h]; h = (h + 1) & (lg->hash_cap - 1))
		if (owner_eq(&lg->owners[lg->owner_hash[h] - 1], o))
			return lg->owner_hash[h] - 1;
	if (owner_append(lg, o))
		return -ENOMEM;
	lg->owner_hash[h] = (__u32)lg->nr_owners;
	return (long)lg->nr_owners - 1;
}

static int rec_append(struct tl_log *lg, struct line_rec *lr)
{
	long a = owner_intern(lg, &lr->actor), p = owner_intern(lg, &lr->prev);
	struct tl_rec *n;

	if (a < 0 || p < 0)
		return -ENOMEM;
	lr->r.actor = (__u32)a;
	lr->r.prev = (__u32)p;
	if (lg->nr_recs == lg->cap_recs) {
		lg->cap_recs = lg->cap_recs ? lg->cap_recs * 2 : 4096;
		n = realloc(lg->recs, lg->cap_recs * sizeof(*n));
		if (!n)
			return -ENOMEM;
		lg->recs = n;
	}
	lr->r.seq = (__u32)lg->nr_recs;
	lg->recs[lg->nr_recs++] = lr->r;
	return 0;
}

int tl_log_add_line(struct tl_log *lg, const char *line, size_t len)
{
	struct jcur c = { line, line + len };
	struct line_rec lr = { .r.slot = TL_NO_SLOT, .r.verdict = 0xff };
	char key[32];

	if (!eat(&c, '{'))
		goto bad;
	if (!eat(&c, '}')) {
		do {
			if (jstr(&c, key, sizeof(key)) || !eat(&c, ':') ||
			    rec_member(lg, &c, key, &lr))
				goto bad;
		} while (eat(&c, ','));
		if (!eat(&c, '}'))
			goto bad;
	}
	ws(&c);
	if (c.p != c.end)
		goto bad;
	if (!lr.event)
		return 0; /* another type of line (a notice, counts) */
	if (!lr.has_time || !lr.has_kind || !lr.has_cpu)
		goto bad;
	return rec_append(lg, &lr);
bad:
	lg->bad_lines++;
	return -EINVAL;
}

int tl_log_read_file(struct tl_log *lg, FILE *f)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int rc = 0;

	lg->files++;
	while (!rc && (n = getline(&line, &cap, f)) > 0) {
		/* A last line without its newline may be mid-write. */
		if (line[n - 1] != '\n')
			break;
		if (n > 1 &&
		    tl_log_add_line(lg, line, (size_t)n - 1) == -ENOMEM)
			rc = -ENOMEM;
	}
	free(line);
	return rc;
}

static int read_one(struct tl_log *lg, const char *dir, int n)
{
	static char buf[1 << 20];
	char path[512];
	FILE *f;
	int rc;

	if (n)
		snprintf(path, sizeof(path), "%s/%s.%d", dir, EVENT_LOG_FILE,
			 n);
	else
		snprintf(path, sizeof(path), "%s/%s", dir, EVENT_LOG_FILE);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	setvbuf(f, buf, _IOFBF, sizeof(buf));
	rc = tl_log_read_file(lg, f);
	fclose(f);
	return rc;
}

int tl_log_read_dir(struct tl_log *lg, const char *dir)
{
	int n, rc;

	for (n = LOG_MAX_FILES; n >= 0; n--) {
		rc = read_one(lg, dir, n);
		if (rc == -ENOMEM)
			return rc;
	}
	return lg->files ? 0 : -ENOENT;
}

static int rec_cmp(const void *a, const void *b)
{
	const struct tl_rec *x = a, *y = b;

	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* By time, ties in the log's order; the sort runs only when some record
 * is older than the one before it (the common case is none). */
void tl_log_sort(struct tl_log *lg)
{
	size_t i;

	for (i = 1; i < lg->nr_recs; i++)
		if (lg->recs[i].t < lg->recs[i - 1].t)
			break;
	if (i < lg->nr_recs)
		qsort(lg->recs, lg->nr_recs, sizeof(*lg->recs), rec_cmp);
}

const char *tl_layer_name(__u8 layer)
{
	return layer_name(layer);
}

void tl_log_init(struct tl_log *lg)
{
	static const struct tl_owner nobody = { .layer = PCR_LAYER_UNKNOWN };

	memset(lg, 0, sizeof(*lg));
	owner_append(lg, &nobody);
}

void tl_log_free(struct tl_log *lg)
{
	free(lg->recs);
	free(lg->owners);
	free(lg->owner_hash);
	memset(lg, 0, sizeof(*lg));
}
