// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Words and numbers for one owner record, shared by who, live and serve. */
#include <stdio.h>

#include "who.h"

double who_running_ratio(const struct owner_record *r)
{
	if (!r->time_enabled)
		return r->state == SLOT_ACTIVE ? 1.0 : 0.0;
	return (double)r->time_running / (double)r->time_enabled;
}

void who_owner_label(const struct owner_record *r, char *buf, size_t len)
{
	if (!r->attributed)
		snprintf(buf, len, "unattributed");
	else if (r->owner.tgid)
		snprintf(buf, len, "%s[%u]", r->owner.comm, r->owner.tgid);
	else
		snprintf(buf, len, "%s", r->owner.comm[0] ? r->owner.comm :
							      "kernel");
}
