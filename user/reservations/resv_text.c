// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The text forms of a reservation's parts, shared by the commands, the
 * policy file and the views: principals (uid:, pid:, cgroup:, layer:, vm:)
 * and CPU lists, and a pid principal's identity (its start time).
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <linux/magic.h>

#include "names.h"
#include "resv_text.h"

static int parse_decimal(const char *s, __u64 *v)
{
	char *end;

	if (!*s || !isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	*v = strtoull(s, &end, 10);
	return errno || *end ? -EINVAL : 0;
}

int resv_pid_start(__u32 pid, __u64 *start)
{
	char path[64], buf[1024], *p;
	unsigned long long v;
	size_t n;
	FILE *f;
	int i;

	snprintf(path, sizeof(path), "/proc/%u/stat", pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	/* The name (field 2) may hold spaces and ')': fields 3.. follow the
	 * last ')'. Field 22 is the 20th after it. */
	p = strrchr(buf, ')');
	for (i = 0; p && i < 20; i++)
		p = strchr(p + 1, ' ');
	if (!p || sscanf(p + 1, "%llu", &v) != 1)
		return -EINVAL;
	*start = v;
	return 0;
}

/* The tgid of @pid from /proc/PID/status, or -errno. */
static int pid_tgid(__u32 pid, __u32 *tgid)
{
	char path[64], line[128];
	int err = -EINVAL;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%u/status", pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Tgid: %u", tgid) == 1) {
			err = 0;
			break;
		}
	fclose(f);
	return err;
}

bool resv_principal_expired(const struct pcr_principal *p)
{
	__u64 start;

	if (p->kind != PCR_PRINC_PID)
		return false;
	return resv_pid_start(p->id, &start) || start != p->start;
}

/* pid:N names the process N is now, by its start time too. */
/* pid:N and vm:N (@what): one process, by tgid and start time. */
static int parse_pid_principal(const char *what, const char *s,
			       struct pcr_principal *p, char *err,
			       size_t errlen)
{
	__u32 tgid;

	p->kind = PCR_PRINC_PID;
	if (parse_decimal(s, &p->id) || !p->id || p->id > INT32_MAX) {
		snprintf(err, errlen, "'%s:%s': bad number", what, s);
		return -EINVAL;
	}
	if (pid_tgid(p->id, &tgid) || resv_pid_start(p->id, &p->start)) {
		snprintf(err, errlen, "'%s:%s': no such process", what, s);
		return -EINVAL;
	}
	if (tgid != p->id) {
		snprintf(err, errlen,
			 "'%s:%s' is a thread of process %u: name the process",
			 what, s, tgid);
		return -EINVAL;
	}
	return 0;
}

/* uid:NAME: the user's uid through NSS (getpwnam: /etc/passwd, LDAP,
 * sssd...), looked up when the reservation is made. */
static int parse_user_name(const char *name, struct pcr_principal *p, char *err,
			   size_t errlen)
{
	struct passwd *pw;

	errno = 0;
	pw = getpwnam(name);
	if (!pw) {
		snprintf(err, errlen, "'uid:%s': %s", name,
			 errno ? strerror(errno) : "no such user");
		return -EINVAL;
	}
	p->id = pw->pw_uid;
	return 0;
}

static bool is_cgroup2(const char *path)
{
	struct statfs fs;

	return !statfs(path, &fs) && fs.f_type == CGROUP2_SUPER_MAGIC;
}

/* Whether @path, which does not exist, would be in the cgroup2 hierarchy:
 * the nearest directory above it that exists is. */
static bool could_be_cgroup2(const char *path)
{
	char buf[PATH_MAX], *slash;

	if (path[0] != '/' ||
	    snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return false;
	while ((slash = strrchr(buf, '/')) && slash != buf) {
		*slash = 0;
		if (!access(buf, F_OK))
			return is_cgroup2(buf);
	}
	return false;
}

/* Depth of @path below the cgroup2 mount it sits in. */
static int cgroup_level(const char *path)
{
	char buf[PATH_MAX], *slash;
	struct stat st, up;
	int level = 0;

	if (!realpath(path, buf) || stat(buf, &st))
		return -1;
	for (;;) {
		slash = strrchr(buf, '/');
		if (!slash || slash == buf)
			return -1;
		*slash = 0;
		if (stat(buf, &up))
			return -1;
		if (up.st_dev != st.st_dev)
			return level;
		level++;
	}
}

int resv_parse_principal(const char *s, struct pcr_principal *p, char *err,
			 size_t errlen)
{
	struct stat st;
	int level;

	memset(p, 0, sizeof(*p));
	if (!strncmp(s, "uid:", 4)) {
		p->kind = PCR_PRINC_UID;
		if (s[4] && !isdigit((unsigned char)s[4]))
			return parse_user_name(s + 4, p, err, errlen);
		if (parse_decimal(s + 4, &p->id) || p->id > UINT32_MAX - 1)
			goto bad_number;
		return 0;
	}
	if (!strncmp(s, "pid:", 4))
		return parse_pid_principal("pid", s + 4, p, err, errlen);
	if (!strncmp(s, "vm:", 3)) {
		if (parse_pid_principal("vm", s + 3, p, err, errlen))
			return -EINVAL;
		p->kind = PCR_PRINC_VM;
		return 0;
	}
	if (!strncmp(s, "layer:", 6)) {
		p->kind = PCR_PRINC_LAYER;
		if (!strcmp(s + 6, "hypervisor"))
			p->id = PCR_LAYER_HYPERVISOR;
		else if (!strcmp(s + 6, "kernel"))
			p->id = PCR_LAYER_KERNEL;
		else {
			snprintf(err, errlen,
				 "'%s': a layer principal is layer:hypervisor "
				 "or layer:kernel",
				 s);
			return -EINVAL;
		}
		return 0;
	}
	if (!strncmp(s, "cgroup:", 7)) {
		p->kind = PCR_PRINC_CGROUP;
		if (stat(s + 7, &st) || !S_ISDIR(st.st_mode)) {
			snprintf(err, errlen, "'%s': no such cgroup directory",
				 s + 7);
			/* A policy line may wait for it, only where it would
			 * be a cgroup2 directory: never for a path anyone
			 * could make elsewhere. */
			return could_be_cgroup2(s + 7) ? -ENOENT : -EINVAL;
		}
		/* A v1 hierarchy has cgroup.procs too: ask the filesystem.
		 * On a hybrid host cgroup2 is /sys/fs/cgroup/unified. */
		if (!is_cgroup2(s + 7)) {
			snprintf(err, errlen,
				 "'%s' is not in the cgroup2 hierarchy (on a "
				 "hybrid host: /sys/fs/cgroup/unified/...)",
				 s + 7);
			return -EINVAL;
		}
		level = cgroup_level(s + 7);
		if (level < 0) {
			snprintf(err, errlen,
				 "'%s': cannot find its cgroup2 mount", s + 7);
			return -EINVAL;
		}
		p->id = st.st_ino; /* the cgroup id on 64-bit kernels */
		p->level = level;
		return 0;
	}
	snprintf(err, errlen,
		 "'%s' is not a principal: use uid:N, uid:NAME, pid:N, "
		 "cgroup:/sys/fs/cgroup/PATH, layer:hypervisor, "
		 "layer:kernel or vm:PID",
		 s);
	return -EINVAL;
bad_number:
	snprintf(err, errlen, "'%s': bad number", s);
	return -EINVAL;
}

int resv_parse_cpus(const char *s, int nr_cpus, __u64 cpus[PCRW_CPU_WORDS],
		    char *err, size_t errlen)
{
	const char *p = s;
	__u64 a, b, c;
	char num[24];
	size_t len;

	memset(cpus, 0, PCRW_CPU_WORDS * sizeof(__u64));
	if (nr_cpus <= 0) {
		snprintf(err, errlen,
			 nr_cpus == -E2BIG
				 ? "this machine can have more than %d CPUs: "
				   "pcrwatch cannot name them all"
				 : "cannot read the possible CPUs "
				   "(/sys/devices/system/cpu/possible)",
			 PCRW_MAX_CPUS);
		return -EINVAL;
	}
	if (!strcmp(s, "all")) { /* every possible CPU, hot-plugged ones too */
		for (c = 0; c < (__u64)nr_cpus; c++)
			cpus[c / 64] |= 1ULL << (c % 64);
		return 0;
	}
	while (*p) {
		len = strspn(p, "0123456789");
		if (!len || len >= sizeof(num))
			goto bad;
		memcpy(num, p, len);
		num[len] = 0;
		parse_decimal(num, &a);
		p += len;
		b = a;
		if (*p == '-') {
			p++;
			len = strspn(p, "0123456789");
			if (!len || len >= sizeof(num))
				goto bad;
			memcpy(num, p, len);
			num[len] = 0;
			parse_decimal(num, &b);
			p += len;
		}
		if (b < a)
			goto bad;
		if (b >= (__u64)nr_cpus) {
			snprintf(err, errlen,
				 "CPU %llu does not exist (CPUs 0-%d)",
				 (unsigned long long)b, nr_cpus - 1);
			return -EINVAL;
		}
		for (c = a; c <= b; c++)
			cpus[c / 64] |= 1ULL << (c % 64);
		if (*p == ',' && p[1])
			p++;
		else if (*p)
			goto bad;
	}
	if (p == s)
		goto bad;
	return 0;
bad:
	snprintf(err, errlen, "'%s' is not a CPU list (e.g. 0-3,6 or all)", s);
	return -EINVAL;
}

void resv_format_cpus(const __u64 cpus[PCRW_CPU_WORDS], char *buf, size_t len)
{
	size_t off = 0;
	int c = 0, start;

	buf[0] = 0;
	while (c < PCRW_MAX_CPUS) {
		if (!((cpus[c / 64] >> (c % 64)) & 1)) {
			c++;
			continue;
		}
		start = c;
		while (c + 1 < PCRW_MAX_CPUS &&
		       ((cpus[(c + 1) / 64] >> ((c + 1) % 64)) & 1))
			c++;
		if (off < len)
			off += snprintf(buf + off, len - off, "%s%d",
					off ? "," : "", start);
		if (c > start && off < len)
			off += snprintf(buf + off, len - off, "-%d", c);
		c++;
	}
	if (!buf[0])
		snprintf(buf, len, "none");
}

void resv_format_principal(const struct pcr_principal *p, char *buf, size_t len)
{
	switch (p->kind) {
	case PCR_PRINC_UID:
		snprintf(buf, len, "uid:%llu", (unsigned long long)p->id);
		break;
	case PCR_PRINC_PID:
		snprintf(buf, len, "pid:%llu", (unsigned long long)p->id);
		break;
	case PCR_PRINC_CGROUP:
		snprintf(buf, len, "cgroup-id:%llu", (unsigned long long)p->id);
		break;
	case PCR_PRINC_LAYER:
		snprintf(buf, len, "layer:%s", layer_name((__u32)p->id));
		break;
	case PCR_PRINC_VM:
		snprintf(buf, len, "vm:%llu", (unsigned long long)p->id);
		break;
	default:
		snprintf(buf, len, "nobody");
	}
}
