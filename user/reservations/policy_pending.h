/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * policy_pending.h - policy lines that wait for their cgroup. A reserve
 * line whose cgroup: principal names a directory that does not exist yet
 * (a service not started) is not refused: the load puts the rest in
 * force and records the line here (POLICY_PENDING_FILE, rewritten by
 * every load, replaced by rename). `list` and /metrics show the waiting
 * lines; the agent loads its policy again once such a directory exists.
 * A waiting line protects nobody until then.
 */
#ifndef PCRW_POLICY_PENDING_H
#define PCRW_POLICY_PENDING_H

#include <stdbool.h>
#include <stddef.h>

#include "run_dir.h"

#define POLICY_PENDING_FILE PCRW_RUN_DIR "/policy.pending"

struct policy_pending {
	char policy[200]; /* the policy file */
	int line;
	char cgroup[256]; /* the directory it waits for */
	char text[256]; /* the line as written */
};

/* Replace the record with @n lines (none: the file goes). 0 or -errno. */
int policy_pending_write(const struct policy_pending *p, size_t n);
/* The lines recorded, in a malloc'd array (free it); 0 with @n = 0 when
 * none wait, or -errno. */
int policy_pending_read(struct policy_pending **p, size_t *n);
/* Whether a directory some recorded line waits for exists now. */
bool policy_pending_ready(void);

#endif
