/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* who.h - the words of owner records and reservations, shared by who,
 * live, serve and events (user/views/who_format.c). */
#ifndef PCRW_WHO_H
#define PCRW_WHO_H

#include <stdio.h>

#include "model.h"
#include "json.h"

/* Enabled for a while but never on a counter: why such a counter reads 0. */
bool who_never_ran(const struct owner_record *r);
/* time_running / time_enabled: 1 always on, below 1 multiplexed, 0 never. */
double who_running_ratio(const struct owner_record *r);
/* The layer word: "user", "kernel", ..., "none" or "unattributed". */
const char *who_layer(const struct owner_record *r);
/* "comm[pid]", "kernel", "nobody" or "unattributed", safe for a terminal. */
void who_owner_label(const struct owner_record *r, char *buf, size_t len);
/* An event's actor or previous owner: "comm[pid] (user, perf)", "nobody". */
void who_owner_text(char *buf, size_t len, __u32 path,
		    const struct pcrw_owner *o);
/* '!' conflicts, 'R' reserved, '~' multiplexed on its counter. */
void who_flags(const struct owner_record *r, char *buf, size_t len);
/* Its MUX ratio as "0.93", or "-" when it never ran and cannot run now. */
void who_mux_label(const struct owner_record *r, char *buf, size_t len);
/* The counter a record names: its slot, else the kernel's index when
 * the slot is unknown (a PMU pcrwatch has no slot map for). */
int who_counter(const struct owner_record *r);
/* A slot number as docs/ARCHITECTURE.md defines it, "-" when none. */
void who_slot_label(int slot, char *buf, size_t len);
/* "reservation 3 (uid:1000)" or, for the module's, "module reservation N
 * (firmware, locked firmware)"; its slots "0,1,2,3" or "all". */
void who_resv_label(const struct model_resv *r, char *buf, size_t len);
/* A module reservation's slot state: "open", "locked private firmware"... */
void who_resv_module_state(const struct model_resv *r, char *buf, size_t len);
/* For a grid cell: "resv 3", or "module" for the module's. */
void who_resv_short(const struct model_resv *r, char *buf, size_t len);
/* Who keeps it: "bpf" (pcrwatch's store) or "module" (pcr_arbiter). */
const char *who_resv_source(const struct model_resv *r);
void who_resv_slots(const struct model_resv *r, char *buf, size_t len);
/* An event's actor or previous owner as a JSON object, null for nobody:
 * the same words as who_owner_text (events --json and the agent's log). */
void who_owner_json(struct json *j, const char *key, __u32 path,
		    const struct pcrw_owner *o);
void who_record_json(struct json *j, const struct owner_record *r);
/* An event's fields after its "type": group, kind, cpu, ts_ns, slot, msr,
 * value and old_value (strings), actor, prev, reservation_id, and verdict
 * for vetoes and audits; events --json and the agent's log alike. */
void who_event_json(struct json *j, const char *group,
		    const struct pcrw_event *e);
void who_model_json(FILE *f, const struct model *m);
/* The same document, its events only those that pass @wf. */
struct who_filter;
void who_model_json_filtered(FILE *f, const struct model *m,
			     const struct who_filter *wf);

#endif
