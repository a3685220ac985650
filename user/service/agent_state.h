/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * agent_state.h - what the agent tells the exporter about itself, through
 * a small file it rewrites (AGENT_STATE_FILE, key=value lines, replaced by
 * rename so a reader never sees half of it): whether its policy file is in
 * force, when a load of it last succeeded, and how many events it logged
 * or could not log. `pcrwatch serve` exports them (docs/METRICS.md).
 */
#ifndef PCRW_AGENT_STATE_H
#define PCRW_AGENT_STATE_H

#include <linux/types.h>

#include "run_dir.h"

#define AGENT_STATE_FILE PCRW_RUN_DIR "/agent.state"

enum agent_policy_state {
	AGENT_STATE_NO_POLICY =
		0, /* none asked for (no file, --monitor-only) */
	AGENT_STATE_IN_FORCE = 1, /* the file's policy is in force */
	AGENT_STATE_REFUSED = 2, /* its last load was refused */
};

struct agent_state {
	char policy[200]; /* the policy file */
	int policy_state; /* enum agent_policy_state */
	long long last_success_s; /* wall clock of the last good load; 0 */
	long long last_attempt_s; /* of the last load, good or not */
	__u64 logged; /* events written to the log since the agent started */
	__u64 unlogged; /* events the log did not take */
};

/* Replace the state file: 0 or a negative errno. */
int agent_state_write(const struct agent_state *s);

/* Read it: 0, -ENOENT when no agent wrote one, or a negative errno. */
int agent_state_read(struct agent_state *s);

#endif
