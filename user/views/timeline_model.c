// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * timeline_model.c - the log's records as lanes, one per (CPU, slot) and
 * one per CPU for events on no counter (a perf veto before placement):
 *  - owner segments: an owner-change or a clobber gives the counter to
 *    the actor (after a clobber the count is the writer's, whoever set the
 *    event); a firmware-held record to firmware; a perf event's free ends
 *    its owner's segments once every event the owner was seen to allocate
 *    is freed (the BPF side sends no record when a counter is left idle);
 *  - marks: clobber, firmware-held, inuse-mismatch, veto, audit and the
 *    arbiter module's register changes;
 *  - reservation bands: exact from the module's register changes, and
 *    "seen in force" from the first to the last veto or audit naming one;
 *  - multiplexing: an owner given the counter back within the mux window
 *    of losing it was rotated out, not replaced (perf rotates every few
 *    ms): such stretches collapse into one TL_MUX segment.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "timeline.h"
#include "../../bpf/pcrwatch.h"

#define MUX_WINDOW_NS 1000000000LL /* an owner back within 1 s: rotated */
#define MUX_LOOKBACK 8 /* owners sharing one counter, at most, to notice */

/* Append one element to a growing array of @size bytes each. */
static void *grow(void **arr, size_t *nr, size_t *cap, size_t size)
{
	void *n;

	if (*nr == *cap) {
		*cap = *cap ? *cap * 2 : 8;
		n = realloc(*arr, *cap * size);
		if (!n)
			return NULL;
		*arr = n;
	}
	return (char *)*arr + (*nr)++ * size;
}

static __u64 lane_key(__u32 cpu, __s32 slot)
{
	return (__u64)cpu << 8 | (__u64)(slot + 1);
}

static size_t key_slot(__u64 key, size_t cap)
{
	return (size_t)((key * 0x9e3779b97f4a7c15ULL) >> 20) & (cap - 1);
}

static int lane_rehash(struct tl_model *m)
{
	size_t cap = m->hash_cap ? m->hash_cap * 2 : 512, i, h;
	__u32 *t = calloc(cap, sizeof(*t));

	if (!t)
		return -ENOMEM;
	for (i = 0; i < m->nr_lanes; i++) {
		h = key_slot(lane_key(m->lanes[i].cpu, m->lanes[i].slot), cap);
		while (t[h])
			h = (h + 1) & (cap - 1);
		t[h] = (__u32)i + 1;
	}
	free(m->lane_hash);
	m->lane_hash = t;
	m->hash_cap = cap;
	return 0;
}

/* The lane of (@cpu, @slot), made if new; NULL when out of memory. */
static struct tl_lane *lane_get(struct tl_model *m, __u32 cpu, __s32 slot)
{
	__u64 key = lane_key(cpu, slot);
	struct tl_lane *l;
	size_t h;

	if ((m->nr_lanes + 1) * 2 > m->hash_cap && lane_rehash(m))
		return NULL;
	h = key_slot(key, m->hash_cap);
	for (; m->lane_hash[h]; h = (h + 1) & (m->hash_cap - 1)) {
		l = &m->lanes[m->lane_hash[h] - 1];
		if (l->cpu == cpu && l->slot == slot)
			return l;
	}
	l = grow((void **)&m->lanes, &m->nr_lanes, &m->cap_lanes, sizeof(*l));
	if (!l)
		return NULL;
	memset(l, 0, sizeof(*l));
	l->cpu = cpu;
	l->slot = slot;
	m->lane_hash[h] = (__u32)m->nr_lanes;
	return l;
}

static struct tl_seg *open_seg(struct tl_lane *l)
{
	struct tl_seg *s = l->nr_segs ? &l->segs[l->nr_segs - 1] : NULL;

	return s && s->open ? s : NULL;
}

static void end_seg(struct tl_model *m, struct tl_lane *l, long long t)
{
	struct tl_seg *s = open_seg(l);

	if (s) {
		s->t1 = t;
		s->open = 0;
		m->holding[s->owner]--;
	}
}

/* The perf driver as one party: what the msr group sees program a
 * counter for perf, where the perf group names the process itself. */
static bool is_driver(const struct tl_log *lg, __u32 o)
{
	return lg->owners[o].path == PCRW_PATH_PERF && !lg->owners[o].pid;
}

static bool is_perf_process(const struct tl_log *lg, __u32 o)
{
	return lg->owners[o].path == PCRW_PATH_PERF && lg->owners[o].pid;
}

/* When the driver programs @l's counter: the perf process that had it
 * last on this lane, if its events are still alive (the driver works for
 * it: after a clobber it programs the counter back), else 0. */
static __u32 driver_for(const struct tl_model *m, const struct tl_lane *l)
{
	const struct tl_seg *s;
	size_t i;

	for (i = l->nr_segs; i-- > 0 && l->nr_segs - i <= MUX_LOOKBACK;) {
		s = &l->segs[i];
		if (is_perf_process(m->log, s->owner))
			return m->live[s->owner] > 0 || s->open ? s->owner : 0;
	}
	return 0;
}

/* The counter passes to @owner at record @i (0: to nobody). */
static int take(struct tl_model *m, struct tl_lane *l, const struct tl_rec *r,
		__u32 i, __u32 owner, __u8 how)
{
	struct tl_seg *s = open_seg(l);
	__u32 named;

	if (how == TL_BY_CHANGE && is_driver(m->log, owner)) {
		named = driver_for(m, l);
		owner = named ? named : owner;
	}
	if (s && s->owner == owner && how == TL_BY_CHANGE)
		return 0;
	end_seg(m, l, r->t);
	if (!owner)
		return 0;
	s = grow((void **)&l->segs, &l->nr_segs, &l->cap_segs, sizeof(*s));
	if (!s)
		return -ENOMEM;
	m->holding[owner]++;
	*s = (struct tl_seg){ .t0 = r->t,
			      .t1 = r->t,
			      .owner = owner,
			      .rec = i,
			      .how = how,
			      .open = 1 };
	return 0;
}

static int mark(struct tl_lane *l, const struct tl_rec *r, __u32 i)
{
	struct tl_mark *k;

	k = grow((void **)&l->marks, &l->nr_marks, &l->cap_marks, sizeof(*k));
	if (!k)
		return -ENOMEM;
	k->t = r->t;
	k->rec = i;
	return 0;
}

static struct tl_band *band_new(struct tl_lane *l, long long t, __u64 resv,
				bool exact)
{
	struct tl_band *b;

	b = grow((void **)&l->bands, &l->nr_bands, &l->cap_bands, sizeof(*b));
	if (b)
		*b = (struct tl_band){ .t0 = t,
				       .t1 = t,
				       .resv = resv,
				       .exact = exact,
				       .open = exact };
	return b;
}

/* The module's register change: its reservation of the slot begins,
 * changes or ends here. */
static int band_exact(struct tl_lane *l, const struct tl_rec *r)
{
	struct tl_band *b = NULL;
	size_t i;

	for (i = l->nr_bands; i-- > 0 && !b;)
		if (l->bands[i].exact && l->bands[i].open)
			b = &l->bands[i];
	if (b && b->resv == r->resv) {
		b->evidence++;
		return 0;
	}
	if (b) {
		b->t1 = r->t;
		b->open = 0;
	}
	if (!r->resv)
		return 0;
	b = band_new(l, r->t, r->resv, true);
	if (!b)
		return -ENOMEM;
	b->evidence = 1;
	return 0;
}

/* A veto or audit names reservation r->resv: in force at least now. */
static int band_seen(struct tl_lane *l, const struct tl_rec *r)
{
	struct tl_band *b = NULL;
	size_t i;

	for (i = l->nr_bands; i-- > 0 && !b;)
		if (!l->bands[i].exact && l->bands[i].resv == r->resv)
			b = &l->bands[i];
	if (!b)
		b = band_new(l, r->t, r->resv, false);
	if (!b)
		return -ENOMEM;
	b->t1 = r->t;
	b->evidence++;
	return 0;
}

/* A perf event allocated (actor) or freed (prev), on no counter yet: an
 * owner whose last event is freed holds no counter any more. Lanes are
 * walked only while the owner holds one. */
static void lifecycle(struct tl_model *m, const struct tl_rec *r)
{
	struct tl_seg *s;
	size_t i;

	if (r->actor && !r->prev) {
		m->live[r->actor]++;
		return;
	}
	if (r->actor || !r->prev || --m->live[r->prev] > 0)
		return;
	for (i = 0; i < m->nr_lanes && m->holding[r->prev]; i++) {
		s = open_seg(&m->lanes[i]);
		if (s && s->owner == r->prev)
			end_seg(m, &m->lanes[i], r->t);
	}
}

static int apply(struct tl_model *m, const struct tl_rec *r, __u32 i)
{
	struct tl_lane *l;

	if (r->kind == PCRW_EV_OWNER_CHANGE && r->slot == TL_NO_SLOT) {
		lifecycle(m, r);
		return 0;
	}
	l = lane_get(m, r->cpu, r->slot);
	if (!l)
		return -ENOMEM;
	if (r->kind != PCRW_EV_OWNER_CHANGE && mark(l, r, i))
		return -ENOMEM;
	switch (r->kind) {
	case PCRW_EV_OWNER_CHANGE:
		return take(m, l, r, i, r->actor, TL_BY_CHANGE);
	case PCRW_EV_CLOBBER:
		return take(m, l, r, i, r->actor, TL_BY_CLOBBER);
	case PCRW_EV_FIRMWARE_HELD:
		/* Firmware holds only a counter nobody is seen to hold. */
		return open_seg(l) ? 0
				   : take(m, l, r, i, r->actor, TL_BY_FIRMWARE);
	case PCRW_EV_VETO:
	case PCRW_EV_AUDIT:
		return r->resv ? band_seen(l, r) : 0;
	case PCRW_EV_PCR_REG:
		return band_exact(l, r);
	default:
		return 0;
	}
}

/* The owners taking part in a multiplexing run, @a..@b and its bounds. */
static void mux_owners(const struct tl_lane *l, size_t a, size_t b,
		       struct tl_seg *out)
{
	size_t i, k, lo = a ? a - 1 : a, hi = b + 1 < l->nr_segs ? b + 1 : b;
	__u32 o;

	out->owner = l->segs[lo].owner;
	for (i = lo; i <= hi; i++) {
		o = l->segs[i].owner;
		for (k = 0; k < 3 && out->others[k] && out->others[k] != o; k++)
			;
		if (k < 3 && o != out->owner)
			out->others[k] = o;
	}
}

/* Which segments of @l were rotated out and back within the window. */
static void mux_flags(const struct tl_lane *l, long long window, bool *mux)
{
	size_t i, j, k;

	for (i = 2; i < l->nr_segs; i++) {
		for (j = i - 1; j-- > 0 && i - j <= MUX_LOOKBACK;)
			if (l->segs[j].owner == l->segs[i].owner)
				break;
		if (j >= i || i - j > MUX_LOOKBACK ||
		    l->segs[i].t0 - l->segs[j].t1 > window)
			continue;
		/* Only the perf core rotates: a clobber is no turn. */
		for (k = j + 1; k <= i; k++)
			if (l->segs[k].how != TL_BY_CHANGE)
				break;
		for (k = k > i ? j + 1 : i; k < i; k++)
			mux[k] = true;
	}
}

/* Each run of rotated segments becomes one TL_MUX segment. */
static int mux_collapse(struct tl_lane *l, long long window)
{
	bool *mux = calloc(l->nr_segs + 1, sizeof(*mux));
	size_t i, a, out = 0;
	struct tl_seg s;

	if (!mux)
		return -ENOMEM;
	mux_flags(l, window, mux);
	for (i = 0; i < l->nr_segs; i++) {
		if (!mux[i]) {
			l->segs[out++] = l->segs[i];
			continue;
		}
		for (a = i; i + 1 < l->nr_segs && mux[i + 1]; i++)
			;
		s = (struct tl_seg){ .t0 = l->segs[a].t0,
				     .t1 = l->segs[i].t1,
				     .rec = l->segs[a].rec,
				     .how = TL_MUX,
				     .count = (__u32)(i - a + 1),
				     .open = l->segs[i].open };
		mux_owners(l, a, i, &s);
		l->segs[out++] = s;
	}
	l->nr_segs = out;
	free(mux);
	return 0;
}

/* What is still open at the log's end lasts to its last record. */
static void close_lane(struct tl_lane *l, long long last)
{
	size_t i;

	for (i = 0; i < l->nr_segs; i++)
		if (l->segs[i].open)
			l->segs[i].t1 = last;
	for (i = 0; i < l->nr_bands; i++)
		if (l->bands[i].open)
			l->bands[i].t1 = last;
}

int tl_model_build(struct tl_model *m, const struct tl_log *lg)
{
	size_t i;
	int rc = 0;

	memset(m, 0, sizeof(*m));
	m->log = lg;
	m->mux_window_ns = MUX_WINDOW_NS;
	m->live = calloc(lg->nr_owners + 1, sizeof(*m->live));
	m->holding = calloc(lg->nr_owners + 1, sizeof(*m->holding));
	if (!m->live || !m->holding)
		return -ENOMEM;
	if (lg->nr_recs) {
		m->first = lg->recs[0].t;
		m->last = lg->recs[lg->nr_recs - 1].t;
	}
	for (i = 0; i < lg->nr_recs && !rc; i++)
		rc = apply(m, &lg->recs[i], (__u32)i);
	for (i = 0; i < m->nr_lanes && !rc; i++) {
		rc = mux_collapse(&m->lanes[i], m->mux_window_ns);
		close_lane(&m->lanes[i], m->last);
	}
	return rc;
}

int tl_lane_add_resv(const struct tl_model *m, struct tl_lane *l, __u64 id,
		     long long created_ns)
{
	struct tl_band *b = NULL;
	size_t k;

	for (k = 0; k < l->nr_bands && !b; k++)
		if (!l->bands[k].exact && l->bands[k].resv == id)
			b = &l->bands[k];
	if (!b)
		b = band_new(l, created_ns, id, false);
	if (!b)
		return -ENOMEM;
	if (created_ns < b->t0)
		b->t0 = created_ns;
	if (m->last > b->t1)
		b->t1 = m->last;
	b->open = 1;
	return 0;
}

void tl_model_free(struct tl_model *m)
{
	size_t i;

	for (i = 0; i < m->nr_lanes; i++) {
		free(m->lanes[i].segs);
		free(m->lanes[i].marks);
		free(m->lanes[i].bands);
	}
	free(m->lanes);
	free(m->lane_hash);
	free(m->live);
	free(m->holding);
	memset(m, 0, sizeof(*m));
}
