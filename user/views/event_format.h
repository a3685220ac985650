/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * event_format.h - the one line of text for a struct pcrw_event, whatever
 * it came from: a ring buffer (events, enforce) or a record of the agent's
 * JSON-lines log (events --since, the journal's MESSAGE). Each kind says
 * only what means something for it (user/views/event_format.c).
 */
#ifndef PCRW_EVENT_FORMAT_H
#define PCRW_EVENT_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "../../bpf/pcrwatch.h"

/* What the caller knows beyond the record itself. */
struct event_text_opts {
	const char *resv_label; /* the reservation's label, or NULL */
	bool killed; /* a veto answered with SIGKILL (enforce --signal) */
};

/* "[<group> ]<kind> ..." into @buf (no newline): a veto or audit
 * "<access>: pid P (comm) uid U: <its fields> denied EBUSY by reservation
 * N ...", any other kind "cpu N [slot S]: ...". @group NULL: no group
 * column (enforce's log, the veto group's only); @o may be NULL. */
void event_format(char *buf, size_t len, const char *group,
		  const struct pcrw_event *e, const struct event_text_opts *o);

#endif
