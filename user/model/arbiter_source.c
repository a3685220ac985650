// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The arbiter source: every slot the pcr_arbiter module holds reserved, as
 * a reservation of source "module" beside pcrwatch's own (one per slot and
 * holder, over the CPUs where it is held alike), never as an owner record:
 * a reserved counter is not a counter user. Read through the module's
 * status ioctl, which never returns a cookie.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "arbiter.h"
#include "model.h"

/* The holder as a principal: its process, or its layer when the kernel or
 * firmware holds the slot (tgid 0). */
static void holder_principal(struct pcr_principal *p,
			     const struct pcr_arb_slot_status *st)
{
	memset(p, 0, sizeof(*p));
	p->kind = st->holder_tgid ? PCR_PRINC_PID : PCR_PRINC_LAYER;
	p->id = st->holder_tgid ? st->holder_tgid : st->holder_layer;
}

/* One reserved slot of one CPU as a module reservation: labelled by its
 * holder's command name, never by a cookie (the device returns none). */
static void slot_resv(struct model_resv *r, int cpu,
		      const struct pcr_arb_slot_status *st)
{
	memset(r, 0, sizeof(*r));
	r->id = PCRW_MODULE_RESV_ID(cpu, st->slot); /* its first CPU */
	r->source = MODEL_RESV_MODULE;
	r->module_flags = st->flags;
	r->control = st->control;
	snprintf(r->label, sizeof(r->label), "%.*s",
		 (int)sizeof(st->holder_comm), st->holder_comm);
	r->nr_principals = 1;
	holder_principal(&r->principals[0], st);
	r->cpus[cpu / 64] = 1ULL << (cpu % 64);
	r->slot_mask = 1ULL << st->slot;
}

/* The same slot, held alike on another CPU: one reservation covers both. */
static bool same_module_resv(const struct model_resv *a,
			     const struct model_resv *b)
{
	return a->source == MODEL_RESV_MODULE && a->slot_mask == b->slot_mask &&
	       a->module_flags == b->module_flags && a->control == b->control &&
	       !memcmp(&a->principals[0], &b->principals[0],
		       sizeof(a->principals[0])) &&
	       !strcmp(a->label, b->label);
}

static int add_slot(struct model *m, int cpu,
		    const struct pcr_arb_slot_status *st)
{
	struct model_resv r;
	size_t i;

	slot_resv(&r, cpu, st);
	for (i = 0; i < m->nr_resv; i++) {
		if (same_module_resv(&m->resv[i], &r)) {
			m->resv[i].cpus[cpu / 64] |= 1ULL << (cpu % 64);
			return 0;
		}
	}
	return model_add_resv(m, &r);
}

static int add_reserved(int cpu, const struct pcr_arb_slot_status *st, void *m)
{
	return st->flags & PCR_ARB_SLOT_RESERVED ? add_slot(m, cpu, st) : 0;
}

int arbiter_source_collect(struct model *m)
{
	struct pcr_arb_info info;
	int err, seen;

	if (!arbiter_module_present())
		return 0;
	err = arbiter_info(&info);
	if (err) {
		model_note(m,
			   "pcr_arbiter is loaded but its devices cannot be "
			   "read (%s)",
			   strerror(-err));
		return err;
	}
	model_note(m,
		   "pcr_arbiter loaded (mode %s): its registers are the source "
		   "of truth for reservations",
		   arbiter_mode_name(info.mode));
	seen = arbiter_each_slot(add_reserved, m);
	return seen < 0 ? seen : seen ? 0 : -ENODEV;
}
