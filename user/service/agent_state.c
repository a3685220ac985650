// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* agent_state.c - the agent's state file (user/service/agent_state.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "agent_state.h"

int agent_state_write(const struct agent_state *s)
{
	const char *tmp = AGENT_STATE_FILE ".new";
	FILE *f;
	int rc;

	rc = pcrw_run_dir_make();
	if (rc)
		return rc;
	f = fopen(tmp, "we");
	if (!f)
		return -errno;
	fprintf(f,
		"policy=%s\npolicy_state=%d\nlast_success_s=%lld\n"
		"last_attempt_s=%lld\nlogged=%llu\nunlogged=%llu\n",
		s->policy, s->policy_state, s->last_success_s,
		s->last_attempt_s, (unsigned long long)s->logged,
		(unsigned long long)s->unlogged);
	if (fclose(f) || rename(tmp, AGENT_STATE_FILE))
		return -errno;
	return 0;
}

int agent_state_read(struct agent_state *s)
{
	char line[256], *v;
	FILE *f = fopen(AGENT_STATE_FILE, "re");

	memset(s, 0, sizeof(*s));
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		v = strchr(line, '=');
		if (!v)
			continue;
		*v++ = 0;
		if (!strcmp(line, "policy"))
			snprintf(s->policy, sizeof(s->policy), "%s", v);
		else if (!strcmp(line, "policy_state"))
			s->policy_state = atoi(v);
		else if (!strcmp(line, "last_success_s"))
			s->last_success_s = atoll(v);
		else if (!strcmp(line, "last_attempt_s"))
			s->last_attempt_s = atoll(v);
		else if (!strcmp(line, "logged"))
			s->logged = strtoull(v, NULL, 10);
		else if (!strcmp(line, "unlogged"))
			s->unlogged = strtoull(v, NULL, 10);
	}
	fclose(f);
	return 0;
}
