// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Words and numbers for one owner record, shared by who, live and serve. */
#include <stdio.h>

#include "who.h"
#include "sanitize.h"

double who_running_ratio(const struct owner_record *r)
{
	if (!r->time_enabled)
		return r->state == SLOT_ACTIVE ? 1.0 : 0.0;
	return (double)r->time_running / (double)r->time_enabled;
}

/* For terminals: the comm is whatever bytes its process chose. */
void who_owner_label(const struct owner_record *r, char *buf, size_t len)
{
	char comm[sizeof(r->owner.comm) + 1];

	san_term(comm, sizeof(comm), r->owner.comm, sizeof(r->owner.comm));
	if (!r->attributed)
		snprintf(buf, len, "unattributed");
	else if (r->owner.tgid)
		snprintf(buf, len, "%s[%u]", comm, r->owner.tgid);
	else
		snprintf(buf, len, "%s", comm[0] ? comm : "kernel");
}
