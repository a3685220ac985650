/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* policy_file.h - the policy file (user/reservations/policy_file.c). */
#ifndef PCRW_POLICY_FILE_H
#define PCRW_POLICY_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "policy_pending.h"
#include "resv_cmd.h"
#include "resv_store.h"

/* The most reservations one policy file makes. */
#define POLICY_MAX PCRW_MAX_RESV

/* Replace the policy-made reservations by those of the policy file @path,
 * all or nothing, or only check it (`pcrwatch agent` and `enforce` load it
 * at start and on SIGHUP). An enum pcrw_exit. */
int apply_policy(const char *path, bool check_only);

/* Parse the policy text of @f (named @path in messages) into @specs (at
 * most POLICY_MAX, *@n of them), the lines waiting for a cgroup into @pend
 * (*@npend) and the quota into @q; nothing is applied. 0, or a negative
 * errno with the last bad line in @err. */
int policy_parse_stream(FILE *f, const char *path, struct resv_spec *specs,
			size_t *n, struct policy_pending *pend, size_t *npend,
			struct pcrw_quota *q, char *err, size_t len);

#endif
