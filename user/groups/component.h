/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * component.h - the BPF program groups pcrwatch keeps attached. Each group
 * pins its links and maps under PCRW_PIN_ROOT/<name>/ (pin.h) so that state and
 * enforcement outlive any one pcrwatch process (`pcrwatch attach`), and any
 * later command reads the same maps. Each group picks its attach method by
 * probing (user/groups/kernel_probe.h) and reports which it got.
 */
#ifndef PCRW_COMPONENT_H
#define PCRW_COMPONENT_H

#include <stdbool.h>
#include <stddef.h>

#include "pin.h"

struct model;

struct attach_opts {
	bool audit; /* vetoes log but deny nothing */
	bool signal_enforce; /* no LSM: bpf_send_signal, asked for explicitly */
};

struct component {
	const char *name; /* pin folder and `pcrwatch attach` line */
	/* Attach and pin; idempotent: already pinned is success. Writes one
	 * line about the method chosen (or why none) into @how. Returns 0,
	 * -EOPNOTSUPP when this kernel cannot run the group (said, not an
	 * error), or another negative errno. */
	int (*attach)(const struct attach_opts *o, char *how, size_t len);
	/* Unpin (the programs detach when nothing holds them). */
	int (*detach)(void);
	/* True when pinned and attached now. */
	bool (*attached)(void);
	/* Its per-kind event counts map in its folder (PCRW_EVENT_COUNTS_MAP
	 * or PCRW_VETO_COUNTS_MAP), NULL for none. */
	const char *counts_map;
	/* The model source that reads what the group pinned
	 * (user/model/model.h), called by model_collect in the order of
	 * components(); NULL for none. @source_name names it in the model's
	 * notes. */
	int (*collect)(struct model *m);
	const char *source_name;
};

/*
 * Every component this build has, in the order attach goes through them
 * and the model reads them (user/groups/component.c). A new group: its
 * bpf/<group>.bpf.c, a user/<group>_component.c defining one struct
 * component (name, attach, detach, attached, counts map, source), a line
 * in components(); docs/ARCHITECTURE.md "A new program group".
 */
const struct component *const *components(void);

#endif
