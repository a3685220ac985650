/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * run_dir.h - /run/pcrwatch, root's folder for what pcrwatch keeps while
 * the machine runs: the rings' lock, the agent's state, the policy lines
 * that wait for their cgroup (user/util/run_dir.c).
 */
#ifndef PCRW_RUN_DIR_H
#define PCRW_RUN_DIR_H

#define PCRW_RUN_DIR "/run/pcrwatch"

/* Create PCRW_RUN_DIR (mode 0700) where it is missing: 0 or -errno. */
int pcrw_run_dir_make(void);

#endif
