/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* who.h - rendering of owner records, shared by who, live and serve. */
#ifndef PCRW_WHO_H
#define PCRW_WHO_H

#include <stdio.h>

#include "model.h"
#include "json.h"

/* time_running / time_enabled: 1 always on, below 1 multiplexed, 0 never. */
double who_running_ratio(const struct owner_record *r);
/* "comm[pid]", "kernel", or "unattributed", safe for a terminal. */
void who_owner_label(const struct owner_record *r, char *buf, size_t len);
void who_record_json(struct json *j, const struct owner_record *r);
void who_model_json(FILE *f, const struct model *m);

#endif
