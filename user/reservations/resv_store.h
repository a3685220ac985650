/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * resv_store.h - where reservations live: the BPF maps pinned under
 * /sys/fs/bpf/pcrwatch/veto/, which the veto programs read. The store
 * never decides anything: the commands apply the rules of
 * include/pcr_rules.h and write the result.
 */
#ifndef PCRW_RESV_STORE_H
#define PCRW_RESV_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "../../bpf/pcrwatch.h" /* struct pcrw_resv, pcrw_veto_cfg */

/* The policy's quota (include/pcr_rules.h "Quotas and floors"): value of
 * the array map "resv_quota" pinned beside the reservations, which
 * userspace alone creates and reads. */
#define PCRW_MAX_CAPS 16
struct pcrw_quota {
	__u32 floor; /* general counters per CPU no reservation may take */
	__u32 nr_caps;
	struct pcr_cap caps[PCRW_MAX_CAPS];
};

/*
 * The store: the veto programs' pinned maps under
 * PCRW_PIN_ROOT/PCRW_GROUP_VETO. Every function returns 0 or a negative
 * errno unless it says otherwise.
 */
/* Open the store; create it when @create (root). -ENOENT: none yet. */
int resv_store_open(bool create);
void resv_store_close(void);
/* Serialise read-modify-write sequences of concurrent pcrwatch runs. */
int resv_store_lock(void);
void resv_store_unlock(void);
int resv_store_get(__u64 id, struct pcrw_resv *r);
int resv_store_put(const struct pcrw_resv *r); /* add or replace by r->id */
int resv_store_del(__u64 id);
/* Ids in ascending order: @prev 0 starts; -ENOENT after the last. */
int resv_store_next(__u64 prev, __u64 *id);
/* Put what was put and deleted since the last commit in force: one
 * switch to a new index the veto programs read, the deleted ones removed
 * only after it (make before break). Until then del'ed ids are gone for
 * get and next but still enforced. */
int resv_store_commit(void);
/* Forget the puts and deletes since the last commit (after a failed one):
 * the state in force stays as it was. */
void resv_store_abort(void);
int resv_store_get_cfg(struct pcrw_veto_cfg *c);
int resv_store_set_cfg(const struct pcrw_veto_cfg *c);
/* The quota in force (all zero: none); set_quota replaces it. */
int resv_store_get_quota(struct pcrw_quota *q);
int resv_store_set_quota(const struct pcrw_quota *q);
/* Vetoes per reservation and per event kind (0 when unknown). */
__u64 resv_store_vetoes(__u64 id);
__u64 resv_store_total(__u32 kind);

/* All reservations, ascending id, into a malloc'ed array; count in @n. */
int resv_load_all(struct pcrw_resv **out, size_t *n);

/* The counters each CPU of the core PMU has, found by opening pinned
 * cycle events on CPU 0 until one cannot be scheduled; 0 if unknown. */
int resv_discover_counters(void);

/* Fill a fresh configuration: CPUs, core PMU types, counters. */
void resv_default_cfg(struct pcrw_veto_cfg *c);

static inline bool resv_has_cpu(const struct pcrw_resv *r, unsigned int cpu)
{
	return cpu < PCRW_MAX_CPUS && (r->cpus[cpu / 64] >> (cpu % 64)) & 1;
}

#endif
