// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * policy_pending.c - the record of policy lines waiting for their cgroup
 * (policy_pending.h): one line each, "POLICY<TAB>LINE<TAB>CGROUP<TAB>TEXT".
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "policy_pending.h"

/* A field without tabs or newlines: they separate the record's fields. */
static void put_field(FILE *f, const char *s, const char *end)
{
	for (; *s; s++)
		fputc(*s == '\t' || *s == '\n' ? ' ' : *s, f);
	fputs(end, f);
}

int policy_pending_write(const struct policy_pending *p, size_t n)
{
	const char *tmp = POLICY_PENDING_FILE ".new";
	size_t i;
	FILE *f;
	int rc;

	if (!n)
		return unlink(POLICY_PENDING_FILE) && errno != ENOENT ? -errno
								      : 0;
	rc = pcrw_run_dir_make();
	if (rc)
		return rc;
	f = fopen(tmp, "we");
	if (!f)
		return -errno;
	for (i = 0; i < n; i++) {
		put_field(f, p[i].policy, "\t");
		fprintf(f, "%d\t", p[i].line);
		put_field(f, p[i].cgroup, "\t");
		put_field(f, p[i].text, "\n");
	}
	if (fclose(f) || rename(tmp, POLICY_PENDING_FILE))
		return -errno;
	return 0;
}

/* Copy the field at @s up to a tab or the end into @dst; the next one. */
static char *take_field(char *s, char *dst, size_t len)
{
	size_t n = strcspn(s, "\t\n");

	snprintf(dst, len, "%.*s", (int)n, s);
	return s[n] == '\t' ? s + n + 1 : s + n;
}

int policy_pending_read(struct policy_pending **p, size_t *n)
{
	FILE *f = fopen(POLICY_PENDING_FILE, "re");
	struct policy_pending *grown, e;
	char *line = NULL, *s, num[16];
	size_t cap = 0;
	int err = 0;

	*p = NULL;
	*n = 0;
	if (!f)
		return errno == ENOENT ? 0 : -errno;
	while (getline(&line, &cap, f) > 0) {
		s = take_field(line, e.policy, sizeof(e.policy));
		s = take_field(s, num, sizeof(num));
		e.line = atoi(num);
		s = take_field(s, e.cgroup, sizeof(e.cgroup));
		take_field(s, e.text, sizeof(e.text));
		grown = realloc(*p, (*n + 1) * sizeof(**p));
		if (!grown) {
			err = -ENOMEM;
			break;
		}
		*p = grown;
		(*p)[(*n)++] = e;
	}
	free(line);
	fclose(f);
	return err;
}

bool policy_pending_ready(void)
{
	struct policy_pending *p;
	struct stat st;
	bool ready = false;
	size_t n, i;

	if (policy_pending_read(&p, &n))
		return false;
	for (i = 0; i < n && !ready; i++)
		ready = !stat(p[i].cgroup, &st) && S_ISDIR(st.st_mode);
	free(p);
	return ready;
}
