// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * timeline_draw.c - from lanes to rows of pixels: which lanes changed in
 * the window (the others are only counted, with who held them), each
 * one's bands, bars and marks in whole pixels, segments narrower than the
 * frame's minimum drawn together, marks of one kind a few pixels apart
 * drawn as one, and lanes of one slot with the same picture merged into
 * one row that names their CPUs. Pixels, not times, decide sameness: what
 * cannot be told apart on the picture is drawn once.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "timeline.h"
#include "../../bpf/pcrwatch.h"

#define MARK_MERGE_PX 4 /* marks of one kind closer than this are one */
#define MUX_MIN_PX 2 /* a multiplexing episode is always seen */

struct builder {
	struct tl_item *items;
	size_t n, cap;
	int busy_x0, busy_x1; /* segments waiting to be drawn together */
	__u32 busy_n, busy_ref;
	long last_mark[PCRW_NR_EVENT_KINDS]; /* item index, -1 none */
};

int tl_px(const struct tl_frame *fr, long long t)
{
	double f;

	if (t <= fr->w0)
		return fr->x0;
	if (t >= fr->w1)
		return fr->x0 + fr->width;
	f = (double)(t - fr->w0) * fr->width / (double)(fr->w1 - fr->w0);
	return fr->x0 + (int)(f + 0.5);
}

static struct tl_item *push(struct builder *b, __u8 type, int x, int w,
			    __u32 ref)
{
	struct tl_item *n;

	if (b->n == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 16;
		n = realloc(b->items, b->cap * sizeof(*n));
		if (!n)
			return NULL;
		b->items = n;
	}
	n = &b->items[b->n++];
	*n = (struct tl_item){
		.x = x, .w = w, .ref = ref, .n = 1, .type = type
	};
	return n;
}

static int add_bands(struct builder *b, const struct tl_lane *l,
		     const struct tl_frame *fr)
{
	const struct tl_band *d;
	struct tl_item *it;
	size_t i;
	int x0, x1;

	for (i = 0; i < l->nr_bands; i++) {
		d = &l->bands[i];
		if (d->t1 < fr->w0 || d->t0 > fr->w1)
			continue;
		x0 = tl_px(fr, d->t0);
		x1 = tl_px(fr, d->t1);
		it = push(b, TL_ITEM_BAND, x0, x1 - x0 < 2 ? 2 : x1 - x0,
			  (__u32)i);
		if (!it)
			return -ENOMEM;
		it->key = (__u32)d->resv << 1 | d->exact;
	}
	return 0;
}

/* The segments waiting to be drawn together: one bar if only one. */
static int flush_busy(struct builder *b, const struct tl_lane *l)
{
	struct tl_item *it;
	int w = b->busy_x1 - b->busy_x0;

	if (!b->busy_n)
		return 0;
	it = push(b, b->busy_n == 1 ? TL_ITEM_BAR : TL_ITEM_BUSY, b->busy_x0,
		  w < 1 ? 1 : w, b->busy_ref);
	if (!it)
		return -ENOMEM;
	it->n = b->busy_n;
	it->key = b->busy_n == 1 ? l->segs[b->busy_ref].owner : b->busy_n;
	b->busy_n = 0;
	return 0;
}

static int add_seg(struct builder *b, const struct tl_lane *l, size_t i,
		   const struct tl_frame *fr)
{
	const struct tl_seg *s = &l->segs[i];
	int x0 = tl_px(fr, s->t0), x1 = tl_px(fr, s->t1), min = fr->minpx;
	struct tl_item *it;

	if (s->how == TL_MUX && x1 - x0 < MUX_MIN_PX)
		x1 = x0 + MUX_MIN_PX;
	if (x1 - x0 < min && s->how != TL_MUX) {
		if (b->busy_n && x0 > b->busy_x1 + min && flush_busy(b, l))
			return -ENOMEM;
		if (!b->busy_n++) {
			b->busy_x0 = x0;
			b->busy_ref = (__u32)i;
		}
		b->busy_x1 = x1;
		return 0;
	}
	if (flush_busy(b, l))
		return -ENOMEM;
	it = push(b, TL_ITEM_BAR, x0, x1 - x0, (__u32)i);
	if (!it)
		return -ENOMEM;
	it->key = s->owner << 2 | s->how;
	it->n = s->count;
	return 0;
}

static int add_segs(struct builder *b, const struct tl_lane *l,
		    const struct tl_frame *fr)
{
	size_t i;

	for (i = 0; i < l->nr_segs; i++)
		if (l->segs[i].t1 >= fr->w0 && l->segs[i].t0 <= fr->w1 &&
		    add_seg(b, l, i, fr))
			return -ENOMEM;
	return flush_busy(b, l);
}

static int add_marks(struct builder *b, const struct tl_lane *l,
		     const struct tl_model *m, const struct tl_frame *fr)
{
	const struct tl_mark *k;
	struct tl_item *it;
	__u8 kind;
	size_t i;
	int x;

	for (i = 0; i < PCRW_NR_EVENT_KINDS; i++)
		b->last_mark[i] = -1;
	for (i = 0; i < l->nr_marks; i++) {
		k = &l->marks[i];
		if (k->t < fr->w0 || k->t > fr->w1)
			continue;
		kind = m->log->recs[k->rec].kind % PCRW_NR_EVENT_KINDS;
		x = tl_px(fr, k->t);
		if (b->last_mark[kind] >= 0 &&
		    x - b->items[b->last_mark[kind]].x < MARK_MERGE_PX) {
			b->items[b->last_mark[kind]].n++;
			continue;
		}
		it = push(b, TL_ITEM_MARK, x, 0, (__u32)i);
		if (!it)
			return -ENOMEM;
		it->key = kind;
		b->last_mark[kind] = (long)(it - b->items);
	}
	return 0;
}

static bool cpu_selected(const struct tl_view *v, __u32 cpu)
{
	size_t i;

	if (!v->cpus)
		return true;
	for (i = 0; i < v->nr_cpus; i++)
		if (cpu >= v->cpus[i].lo && cpu <= v->cpus[i].hi)
			return true;
	return false;
}

static bool lane_changed(const struct tl_lane *l, const struct tl_frame *fr)
{
	size_t i;

	for (i = 0; i < l->nr_marks; i++)
		if (l->marks[i].t >= fr->w0 && l->marks[i].t <= fr->w1)
			return true;
	for (i = 0; i < l->nr_segs; i++)
		if ((l->segs[i].t0 >= fr->w0 && l->segs[i].t0 <= fr->w1) ||
		    (!l->segs[i].open && l->segs[i].t1 >= fr->w0 &&
		     l->segs[i].t1 <= fr->w1))
			return true;
	return false;
}

/* Who held the lane's counter through the whole window (0: nobody). */
static __u32 held_throughout(const struct tl_lane *l, const struct tl_frame *fr)
{
	size_t i;

	for (i = 0; i < l->nr_segs; i++)
		if (l->segs[i].t0 < fr->w0 &&
		    (l->segs[i].t1 > fr->w1 || l->segs[i].open))
			return l->segs[i].owner;
	return 0;
}

static bool items_eq(const struct tl_item *a, const struct tl_item *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (a[i].x != b[i].x || a[i].w != b[i].w || a[i].n != b[i].n ||
		    a[i].key != b[i].key || a[i].type != b[i].type)
			return false;
	return true;
}

static int row_add_cpu(struct tl_row *r, __u32 cpu)
{
	__u32 *n;

	/* Rows are made in CPU order: a power of two is a full array. */
	if (!(r->nr_cpus & (r->nr_cpus - 1))) {
		n = realloc(r->cpus,
			    (r->nr_cpus ? r->nr_cpus * 2 : 1) * sizeof(*n));
		if (!n)
			return -ENOMEM;
		r->cpus = n;
	}
	r->cpus[r->nr_cpus++] = cpu;
	return 0;
}

/* The row @l joins: one of its slot with the same items, else a new one.
 * @b's items move into a new row. */
static int place_lane(struct tl_rows *out, const struct tl_lane *l,
		      struct builder *b)
{
	struct tl_row *r, *n;
	size_t i;

	for (i = out->nr_rows; i-- > 0;) {
		r = &out->rows[i];
		if (r->lane->slot == l->slot && r->nr_items == b->n &&
		    items_eq(r->items, b->items, b->n))
			return row_add_cpu(r, l->cpu);
	}
	n = realloc(out->rows, (out->nr_rows + 1) * sizeof(*n));
	if (!n)
		return -ENOMEM;
	out->rows = n;
	r = &n[out->nr_rows++];
	*r = (struct tl_row){ .lane = l, .items = b->items, .nr_items = b->n };
	out->items += b->n;
	b->items = NULL;
	b->n = b->cap = 0;
	return row_add_cpu(r, l->cpu);
}

static int lane_cmp(const void *a, const void *b)
{
	const struct tl_lane *x = *(const struct tl_lane *const *)a,
			     *y = *(const struct tl_lane *const *)b;

	if (x->cpu != y->cpu)
		return x->cpu < y->cpu ? -1 : 1;
	return x->slot < y->slot ? -1 : x->slot > y->slot;
}

static void tally_held(struct tl_rows *out, size_t *per_owner, size_t nr)
{
	size_t i, k, j;

	for (i = 1; i < nr; i++)
		for (k = 0; k < 3; k++) {
			if (per_owner[i] <= out->held_n[k])
				continue;
			for (j = 2; j > k; j--) {
				out->held_n[j] = out->held_n[j - 1];
				out->held_by[j] = out->held_by[j - 1];
			}
			out->held_n[k] = per_owner[i];
			out->held_by[k] = (__u32)i;
			break;
		}
}

/* The selected lanes in CPU order; changed ones into @sel, the others
 * counted, with who held them, into @out. */
static size_t select_lanes(struct tl_rows *out, const struct tl_model *m,
			   const struct tl_view *v, const struct tl_frame *fr,
			   const struct tl_lane **sel, size_t *per_owner)
{
	size_t i, n = 0;

	for (i = 0; i < m->nr_lanes; i++) {
		if (!cpu_selected(v, m->lanes[i].cpu))
			continue;
		if (lane_changed(&m->lanes[i], fr)) {
			sel[n++] = &m->lanes[i];
			continue;
		}
		out->unchanged++;
		per_owner[held_throughout(&m->lanes[i], fr)]++;
	}
	qsort(sel, n, sizeof(*sel), lane_cmp);
	out->changed = n;
	return n;
}

int tl_rows_build(struct tl_rows *out, const struct tl_model *m,
		  const struct tl_view *v, const struct tl_frame *fr)
{
	const struct tl_lane **sel = calloc(m->nr_lanes + 1, sizeof(*sel));
	size_t *per_owner = calloc(m->log->nr_owners + 1, sizeof(*per_owner));
	struct builder b = { 0 };
	size_t i, n;
	int rc = sel && per_owner ? 0 : -ENOMEM;

	memset(out, 0, sizeof(*out));
	n = rc ? 0 : select_lanes(out, m, v, fr, sel, per_owner);
	for (i = 0; i < n && !rc; i++) {
		b.n = 0;
		rc = add_bands(&b, sel[i], fr);
		if (!rc)
			rc = add_segs(&b, sel[i], fr);
		if (!rc)
			rc = add_marks(&b, sel[i], m, fr);
		if (!rc)
			rc = place_lane(out, sel[i], &b);
	}
	if (!rc)
		tally_held(out, per_owner, m->log->nr_owners);
	free(b.items);
	free(sel);
	free(per_owner);
	return rc;
}

void tl_rows_free(struct tl_rows *r)
{
	size_t i;

	for (i = 0; i < r->nr_rows; i++) {
		free(r->rows[i].items);
		free(r->rows[i].cpus);
	}
	free(r->rows);
	memset(r, 0, sizeof(*r));
}
