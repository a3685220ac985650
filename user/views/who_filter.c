// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * who_filter.c - the record filters of `pcrwatch who` (who_filter.h).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "resv_store.h"
#include "resv_text.h"
#include "who_filter.h"

static bool parse_u64(const char *s, unsigned long long max,
		      unsigned long long *v)
{
	char *end;

	if (!*s || *s == '-' || *s == '+')
		return false;
	errno = 0;
	*v = strtoull(s, &end, 10);
	return !errno && !*end && *v <= max;
}

/* @val as a principal of @kind ("uid", "cgroup"), resolved as for a
 * reservation (resv_parse_principal: a user name through NSS, a cgroup by
 * its cgroup2 id); its id in @id. */
static int principal_id(const char *kind, const char *val, __u64 *id, char *err,
			size_t errlen)
{
	struct pcr_principal p;
	char arg[PATH_MAX + 16], why[256];

	snprintf(arg, sizeof(arg), "%s:%s", kind, val);
	if (resv_parse_principal(arg, &p, why, sizeof(why))) {
		snprintf(err, errlen, "--%s: %s", kind, why);
		return -EINVAL;
	}
	*id = p.id;
	return 0;
}

int who_filter_parse(struct who_filter *f, int opt, const char *val,
		     int nr_cpus, char *err, size_t errlen)
{
	unsigned long long v;

	switch (opt) {
	case 'c':
		f->by_cpu = true;
		return resv_parse_cpus(val, nr_cpus, f->cpus, err, errlen);
	case 'p':
		if (!parse_u64(val, UINT_MAX, &v)) {
			snprintf(err, errlen, "--pid takes a number, not '%s'",
				 val);
			return -EINVAL;
		}
		f->by_pid = true;
		f->pid = (__u32)v;
		return 0;
	case 'u':
		f->by_uid = true;
		if (principal_id("uid", val, &v, err, errlen))
			return -EINVAL;
		f->uid = (__u32)v;
		return 0;
	case 'g':
		f->by_cgroup = true;
		if (val[0] == '/')
			return principal_id("cgroup", val, &f->cgroup_id, err,
					    errlen);
		if (!parse_u64(val, ULLONG_MAX, &v)) {
			snprintf(err, errlen,
				 "--cgroup takes a cgroup id or a path "
				 "starting with /, not '%s'",
				 val);
			return -EINVAL;
		}
		f->cgroup_id = v;
		return 0;
	}
	return -EINVAL;
}

static bool on_cpus(const struct who_filter *f, const struct owner_record *r)
{
	int cpu = r->cpu;

	if (r->task_scope)
		cpu = r->task_cpu_known ? r->task_cpu : -1;
	return cpu >= 0 && cpu < PCRW_MAX_CPUS &&
	       (f->cpus[cpu / 64] >> (cpu % 64) & 1);
}

bool who_filter_match(const struct who_filter *f, const struct owner_record *r)
{
	if (f->by_cpu && !on_cpus(f, r))
		return false;
	if (f->by_pid && r->owner.tgid != f->pid && r->target_tgid != f->pid)
		return false;
	if (f->by_uid && r->owner.uid != f->uid)
		return false;
	return !f->by_cgroup || r->owner.cgroup_id == f->cgroup_id;
}
