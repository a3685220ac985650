/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* policy_file.h - the policy file (user/reservations/policy_file.c). */
#ifndef PCRW_POLICY_FILE_H
#define PCRW_POLICY_FILE_H

#include <stdbool.h>

/* Replace the policy-made reservations by those of the policy file @path,
 * all or nothing, or only check it (`pcrwatch agent` and `enforce` load it
 * at start and on SIGHUP). An enum pcrw_exit. */
int apply_policy(const char *path, bool check_only);

#endif
