/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* list_quota.h - pcrwatch list's use against each cap and the floor. */
#ifndef PCRW_LIST_QUOTA_H
#define PCRW_LIST_QUOTA_H

#include <stddef.h>

#include "json.h"
#include "resv_store.h"

/* The quota @q with its use by the reservations @set (@n), as text. */
void list_quota_text(const struct pcrw_quota *q,
		     const struct pcrw_veto_cfg *cfg,
		     const struct pcrw_resv *set, size_t n);
/* The same as the "quota" object of list --json (docs/JSON.md). */
void list_quota_json(struct json *j, const struct pcrw_quota *q,
		     const struct pcrw_veto_cfg *cfg,
		     const struct pcrw_resv *set, size_t n);

#endif
