// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Hardware events of other processes that were opened before a
 * reservation and could keep its counters: reserve refuses while there
 * are any, policy loads and enforce warn of them. And slots the
 * pcr_arbiter module took while the reservation was being made.
 */
#include <stdio.h>

#include "arbiter.h"
#include "messages.h"
#include "perf_snapshot.h"
#include "resv_cmd.h"
#include "resv_store.h"
#include "resv_text.h"

/* Does a grant of @r name the process that holds @e? Its own cgroup only:
 * a descendant of a granted cgroup is not recognised here (errs towards
 * refusing). */
static bool held_by_grantee(const struct pcrw_resv *r,
			    const struct pcrw_perf_rec *e)
{
	struct pcr_caller c = { .layer = PCR_LAYER_USER,
				.uid = e->holder_uid,
				.tgid = e->holder_tgid,
				.cgroup_at_level = e->cgroup_id };
	__u32 i;

	if (resv_pid_start(e->holder_tgid, &c.start))
		c.start = ~0ULL;
	for (i = 0; i < r->nr_grants && i < PCRW_MAX_GRANTS; i++)
		if (pcr_principal_match(&r->grants[i], &c))
			return true;
	return false;
}

/*
 * Hardware events opened by processes @r does not grant that could use
 * counters @r reserves: CPU-bound ones on its CPUs, and every per-task
 * one. They were opened before the reservation, so rule 5 never charged
 * them for it, and they would keep the holder's counters. Kernel-made
 * counters (watchdog) are left out: counter discovery already found their
 * counters taken. Names up to four in @msg; returns how many, or -errno
 * when they cannot be looked for.
 */
int events_in_the_way(const struct pcrw_resv *r, char *msg, size_t len)
{
	struct perf_snapshot snap;
	size_t i, off = 0;
	int err, n = 0;

	msg[0] = 0;
	err = perf_snapshot_open(&snap);
	if (!err)
		err = perf_snapshot_take(&snap);
	for (i = 0; !err && i < snap.nr; i++) {
		const struct pcrw_perf_rec *e = &snap.recs[i];

		if (!(e->flags & PCRW_PERF_HW) ||
		    (e->flags & PCRW_PERF_KERNEL_OWNER) ||
		    (e->how != PCRW_FOUND_FILE && e->how != PCRW_FOUND_CHILD))
			continue;
		if (e->cpu >= 0 && !resv_has_cpu(r, e->cpu))
			continue;
		if (held_by_grantee(r, e))
			continue;
		if (n++ < 4 && off < len) {
			char where[24] = "any CPU";

			if (e->cpu >= 0)
				snprintf(where, sizeof(where), "CPU %d",
					 e->cpu);
			off += snprintf(
				msg + off, len - off,
				"%spid %u (%.16s) %s event 0x%llx on %s",
				off ? ", " : "", e->holder_tgid, e->holder_comm,
				e->flags & PCRW_PERF_PINNED ? "pinned"
							    : "flexible",
				(unsigned long long)e->config, where);
		}
	}
	if (snap.skel)
		perf_snapshot_close(&snap);
	return err ? err : n;
}

/* For reservations made without the refusal (policy files, enforce after
 * reserve): say which events could keep their counters. */
void warn_in_the_way(const struct pcrw_resv *r)
{
	char msg[384];
	int n = events_in_the_way(r, msg, sizeof(msg));

	if (n > 0)
		pcrw_warn("reservation %llu is not guaranteed: %d hardware "
			  "event(s) "
			  "opened before it could use its counters: %s%s",
			  (unsigned long long)r->id, n, msg,
			  n > 4 ? ", ..." : "");
}

int resv_module_in_the_way(const struct pcrw_resv *r, char *msg, size_t len)
{
	static __u64 held[PCRW_MAX_CPUS];
	__u64 both;
	__u32 cpu;
	int err = arbiter_held_slots(held);

	if (err)
		return err;
	for (cpu = 0; cpu < PCRW_MAX_CPUS; cpu++) {
		both = held[cpu] & r->slot_mask;
		if (!resv_has_cpu(r, cpu) || !both)
			continue;
		snprintf(msg, len,
			 "the pcr_arbiter module took slot %d on CPU %u "
			 "meanwhile",
			 __builtin_ctzll(both), cpu);
		return 1;
	}
	return 0;
}
