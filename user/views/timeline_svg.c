// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * timeline_svg.c - the picture as one self-contained SVG (or an HTML page
 * holding it): a header with the window, the source and a legend, a time
 * axis, one row per lane that changed (timeline_draw.c), reservations as
 * bands behind the bars, marks for the records that are not a change of
 * owner. Every bar, mark and band carries its event as an SVG <title>,
 * which a browser shows on hover. No script, no link, no font or image
 * from elsewhere: the page's Content-Security-Policy forbids them all.
 * Strings from the log go through san_xml().
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "timeline.h"
#include "names.h"
#include "sanitize.h"
#include "../../bpf/pcrwatch.h"

#define SVG_W 1600
#define PLOT_X 170
#define PLOT_W 1380
#define HEAD_H 124
#define ROW_H 20
#define MAX_ITEMS 30000 /* past this, narrower segments are merged */

struct svg {
	FILE *f;
	const struct tl_model *m;
	const struct tl_log *lg;
	const struct tl_view *v;
	struct tl_frame fr;
	struct tl_rows rows;
	bool one_day; /* the window is within one UTC day: no dates */
	char row_label[96]; /* the row being drawn: "cpu 0-3 slot 0" */
};

static const char STYLE[] =
	"<style>"
	"text{font-family:sans-serif;font-size:11px;fill:#222}"
	".t{font-size:16px;font-weight:bold}.s{fill:#555}"
	".ll{font-family:monospace}.bl{font-size:10px;fill:#fff}"
	".ml{font-size:9px;fill:#6b2c91}.tk{fill:#666;font-size:10px}"
	".g{stroke:#ddd}.z{fill:#f7f7f7}"
	".lf{fill:#8c564b}.lh{fill:#2ca02c}.lk{fill:#ff7f0e}"
	".lu{fill:#1f77b4}.ln{fill:#999}.by{fill:#555}"
	".mx{fill:url(#hatch)}.bd{fill:#ffe08a;fill-opacity:.7}"
	".bs{fill:#ffe08a;fill-opacity:.45;stroke:#d9a400;"
	"stroke-dasharray:3 2}"
	"</style>";

static const char DEFS[] =
	"<defs>"
	"<pattern id=\"hatch\" width=\"6\" height=\"6\" "
	"patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\">"
	"<rect width=\"6\" height=\"6\" fill=\"#bcbd22\"/>"
	"<rect width=\"3\" height=\"6\" fill=\"#17becf\"/></pattern>"
	"<path id=\"k1\" d=\"M-4,-5L4,5M4,-5L-4,5\" stroke=\"#d62728\" "
	"stroke-width=\"2.5\"/>"
	"<rect id=\"k2\" x=\"-4\" y=\"-4\" width=\"8\" height=\"8\" "
	"fill=\"#8c564b\" stroke=\"#000\"/>"
	"<circle id=\"k3\" r=\"4\" fill=\"#fff\" stroke=\"#555\" "
	"stroke-width=\"2\"/>"
	"<path id=\"k4\" d=\"M0,-6L5,0L0,6L-5,0Z\" fill=\"#9467bd\" "
	"stroke=\"#fff\"/>"
	"<path id=\"k5\" d=\"M0,-6L5,0L0,6L-5,0Z\" fill=\"#fff\" "
	"stroke=\"#9467bd\" stroke-width=\"2\"/>"
	"<path id=\"k6\" d=\"M0,-5V5\" stroke=\"#000\"/>"
	"<path id=\"k7\" d=\"M-4,5L0,-5L4,5Z\" fill=\"#17becf\" "
	"stroke=\"#000\"/>"
	"</defs>";

/* ---- words ---------------------------------------------------------- */

static void clock_text(const struct svg *s, char *buf, size_t len, long long t)
{
	time_t sec = (time_t)(t / 1000000000LL);
	struct tm tm;
	char day[32];

	gmtime_r(&sec, &tm);
	strftime(day, sizeof(day), s->one_day ? "%H:%M:%S" : "%m-%d %H:%M:%S",
		 &tm);
	snprintf(buf, len, "%s.%03lld", day, (t / 1000000LL) % 1000);
}

static void dur_text(char *buf, size_t len, long long ns)
{
	long long s = ns / 1000000000LL;

	if (ns < 1000000LL)
		snprintf(buf, len, "%lld us", ns / 1000);
	else if (ns < 1000000000LL)
		snprintf(buf, len, "%.1f ms", ns / 1e6);
	else if (s < 60)
		snprintf(buf, len, "%.1f s", ns / 1e9);
	else if (s < 3600)
		snprintf(buf, len, "%lldm %02llds", s / 60, s % 60);
	else if (s < 86400)
		snprintf(buf, len, "%lldh %02lldm", s / 3600, s / 60 % 60);
	else
		snprintf(buf, len, "%lldd %02lldh", s / 86400, s / 3600 % 24);
}

/* "T0 - T1 (DURATION)", the end without its date when on the same day. */
static void span_text(const struct svg *s, long long t0, long long t1)
{
	char a[40], b[40], d[32];
	bool same_day = t0 / 86400000000000LL == t1 / 86400000000000LL;

	clock_text(s, a, sizeof(a), t0);
	clock_text(s, b, sizeof(b), t1);
	dur_text(d, sizeof(d), t1 - t0);
	fprintf(s->f, "%s - %s (%s)", a, !s->one_day && same_day ? b + 6 : b,
		d);
}

/* An owner as "comm[pid] (layer, path)": its comm escaped. */
static void owner_text(const struct svg *s, __u32 i)
{
	const struct tl_owner *o = &s->lg->owners[i];

	if (!i) {
		fputs("nobody", s->f);
		return;
	}
	san_xml(s->f, o->comm[0] ? o->comm : "kernel", sizeof(o->comm));
	if (o->pid)
		fprintf(s->f, "[%u]", o->pid);
	fprintf(s->f, " (%s, %s", tl_layer_name(o->layer), path_name(o->path));
	if (o->layer == PCR_LAYER_USER)
		fprintf(s->f, ", uid %u", o->uid);
	fputc(')', s->f);
}

/* " (group)": the group that sent the record, as the log names it. */
static void group_text(const struct svg *s, const struct tl_rec *r)
{
	fputs(" (", s->f);
	san_xml(s->f, s->lg->groups[r->group], sizeof(s->lg->groups[0]));
	fputc(')', s->f);
}

static const char *layer_class(__u8 layer)
{
	static const char *const cls[] = {
		[PCR_LAYER_FIRMWARE] = "lf",
		[PCR_LAYER_HYPERVISOR] = "lh",
		[PCR_LAYER_KERNEL] = "lk",
		[PCR_LAYER_USER] = "lu",
	};

	return layer < sizeof(cls) / sizeof(cls[0]) ? cls[layer] : "ln";
}

/* ---- header, axis, footer ------------------------------------------- */

static void cpu_list(char *buf, size_t len, const __u32 *c, size_t n)
{
	size_t i = 0, j, out = 0;

	buf[0] = 0;
	while (i < n && out + 24 < len) {
		for (j = i; j + 1 < n && c[j + 1] == c[j] + 1; j++)
			;
		out += (size_t)snprintf(buf + out, len - out,
					i == j ? "%s%u" : "%s%u-%u",
					i ? "," : "", c[i], c[j]);
		i = j + 1;
	}
	if (i < n)
		snprintf(buf + out, len - out, ",...");
}

static void held_summary(const struct svg *s)
{
	const struct tl_rows *r = &s->rows;
	int k;

	fprintf(s->f, "%zu lane%s did not change in this window", r->unchanged,
		r->unchanged == 1 ? "" : "s");
	for (k = 0; k < 3 && r->held_n[k]; k++) {
		fprintf(s->f, "%s %zu held throughout by ", k ? "," : ":",
			r->held_n[k]);
		owner_text(s, r->held_by[k]);
	}
}

static void header(const struct svg *s, int height)
{
	char a[40], b[40], d[32];
	time_t t0 = (time_t)(s->fr.w0 / 1000000000LL),
	       t1 = (time_t)(s->fr.w1 / 1000000000LL);
	struct tm tm;

	gmtime_r(&t0, &tm);
	strftime(a, sizeof(a), "%Y-%m-%d %H:%M:%S", &tm);
	gmtime_r(&t1, &tm);
	strftime(b, sizeof(b), "%Y-%m-%d %H:%M:%S", &tm);
	dur_text(d, sizeof(d), s->fr.w1 - s->fr.w0);
	fprintf(s->f,
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
		"height=\"%d\" viewBox=\"0 0 %d %d\">%s%s"
		"<rect width=\"100%%\" height=\"100%%\" fill=\"#fff\"/>"
		"<text class=\"t\" x=\"8\" y=\"22\">pcrwatch timeline: %s - %s "
		"UTC (%s)</text><text class=\"s\" x=\"8\" y=\"42\">",
		SVG_W, height, SVG_W, height, STYLE, DEFS, a, b, d);
	fputs("source: ", s->f);
	san_xml(s->f, s->v->source ? s->v->source : "-", SAN_NUL);
	fprintf(s->f, " (%d file%s, %zu events", s->lg->files,
		s->lg->files == 1 ? "" : "s", s->lg->nr_recs);
	if (s->lg->bad_lines)
		fprintf(s->f, "; %zu lines not understood, skipped",
			s->lg->bad_lines);
	fprintf(s->f,
		"); %zu row%s for %zu lane%s (CPU x counter) that changed",
		s->rows.nr_rows, s->rows.nr_rows == 1 ? "" : "s",
		s->rows.changed, s->rows.changed == 1 ? "" : "s");
	if (s->fr.minpx > 1)
		fprintf(s->f, "; owners shorter than %d px drawn together",
			s->fr.minpx);
	fputs("</text><text class=\"s\" x=\"8\" y=\"60\">", s->f);
	held_summary(s);
	if (s->v->note) {
		fputs(". ", s->f);
		san_xml(s->f, s->v->note, SAN_NUL);
	}
	fputs("</text>", s->f);
}

static void legend(const struct svg *s)
{
	static const char *const layers[][2] = {
		{ "lu", "user" },	 { "lk", "kernel" },
		{ "lh", "hypervisor" },	 { "lf", "firmware" },
		{ "mx", "multiplexed" }, { "by", "many owners" },
		{ "bd", "reservation" },
	};
	static const char *const marks[][2] = {
		{ "k1", "clobber" },	    { "k4", "veto" },
		{ "k5", "audit" },	    { "k2", "firmware-held" },
		{ "k3", "inuse-mismatch" }, { "k7", "module register" },
	};
	int x = 8;
	size_t i;

	for (i = 0; i < sizeof(layers) / sizeof(layers[0]); i++, x += 110)
		fprintf(s->f,
			"<rect class=\"%s\" x=\"%d\" y=\"72\" width=\"14\" "
			"height=\"10\"/><text x=\"%d\" y=\"81\">%s</text>",
			layers[i][0], x, x + 18, layers[i][1]);
	for (i = 0; i < sizeof(marks) / sizeof(marks[0]); i++, x += 110)
		fprintf(s->f,
			"<use href=\"#%s\" x=\"%d\" y=\"77\"/>"
			"<text x=\"%d\" y=\"81\">%s</text>",
			marks[i][0], x + 6, x + 14, marks[i][1]);
}

/* A tick step that gives at most about ten ticks. */
static long long tick_step(long long span)
{
	static const long long steps[] = {
		1,
		10,
		100,
		1000,
		10000,
		100000,
		1000000,
		10000000,
		100000000,
		1000000000LL,
		2000000000LL,
		5000000000LL,
		10000000000LL,
		30000000000LL,
		60000000000LL,
		120000000000LL,
		300000000000LL,
		600000000000LL,
		900000000000LL,
		1800000000000LL,
		3600000000000LL,
		7200000000000LL,
		10800000000000LL,
		21600000000000LL,
		43200000000000LL,
		86400000000000LL,
	};
	size_t i;

	for (i = 0; i < sizeof(steps) / sizeof(steps[0]) - 1; i++)
		if (span / steps[i] <= 10)
			break;
	/* Past ten days: whole days, still about ten ticks. */
	if (span / steps[i] > 10)
		return (span / steps[i] / 10 + 1) * steps[i];
	return steps[i];
}

static void axis(const struct svg *s, int bottom)
{
	long long step = tick_step(s->fr.w1 - s->fr.w0), t;
	char lab[40];
	int x;

	t = (s->fr.w0 + step - 1) / step * step;
	for (; t <= s->fr.w1; t += step) {
		x = tl_px(&s->fr, t);
		clock_text(s, lab, sizeof(lab), t);
		/* Whole seconds or more: the milliseconds say nothing. */
		if (step >= 1000000000LL)
			lab[strlen(lab) - 4] = 0;
		fprintf(s->f,
			"<line class=\"g\" x1=\"%d\" x2=\"%d\" y1=\"%d\" "
			"y2=\"%d\"/><text class=\"tk\" x=\"%d\" y=\"%d\" "
			"text-anchor=\"middle\">%s</text>",
			x, x, HEAD_H - 8, bottom, x, HEAD_H - 11, lab);
	}
}

/* ---- rows ------------------------------------------------------------ */

static void title_bar(const struct svg *s, const struct tl_lane *l,
		      const struct tl_item *it)
{
	const struct tl_seg *g = &l->segs[it->ref];
	const struct tl_rec *r = &s->lg->recs[g->rec];
	size_t k;

	fprintf(s->f, "<title>%s: ", s->row_label);
	if (g->how == TL_MUX) {
		fprintf(s->f, "multiplexed, %u turns among ", g->count);
		owner_text(s, g->owner);
		for (k = 0; k < 3 && g->others[k]; k++) {
			fputs(", ", s->f);
			owner_text(s, g->others[k]);
		}
	} else {
		owner_text(s, g->owner);
	}
	fputc('\n', s->f);
	span_text(s, g->t0, g->t1);
	if (g->open)
		fputs(", held at the end of the log", s->f);
	/* A plain change of owner shows on the picture; these do not. */
	if (g->how == TL_BY_CLOBBER) {
		fputs("\ntook it by a clobber of ", s->f);
		owner_text(s, r->prev);
		group_text(s, r);
	} else if (g->how == TL_BY_FIRMWARE) {
		fputs("\nfound programmed at start-up with no OS owner", s->f);
	}
	fputs("</title>", s->f);
}

/* The bytes of the first @chars characters of @c. */
static size_t comm_cut(const char *c, size_t chars)
{
	size_t n = 0, k;
	uint32_t cp;

	while (chars-- && c[n]) {
		k = san_utf8_next((const unsigned char *)c + n, strlen(c + n),
				  &cp);
		n += k ? k : 1;
	}
	return n;
}

/* The comm, cut to what fits in @w pixels on a character boundary. */
static void bar_label(const struct svg *s, int x, int w, __u32 owner)
{
	const char *c = s->lg->owners[owner].comm;
	size_t fit = w > 8 ? (size_t)(w - 6) / 6 : 0;

	if (fit < 3 || !owner)
		return;
	if (!*c)
		c = "kernel";
	fprintf(s->f, "<text class=\"bl\" x=\"%d\" y=\"14\">", x + 3);
	san_xml(s->f, c, comm_cut(c, fit));
	fputs("</text>", s->f);
}

static void draw_bar(const struct svg *s, const struct tl_lane *l,
		     const struct tl_item *it)
{
	const struct tl_seg *g = &l->segs[it->ref];
	const char *cls = g->how == TL_MUX
				  ? "mx"
				  : layer_class(s->lg->owners[g->owner].layer);

	fprintf(s->f,
		"<rect class=\"%s\" x=\"%d\" y=\"4\" width=\"%d\" "
		"height=\"12\">",
		cls, it->x, it->w);
	title_bar(s, l, it);
	fputs("</rect>", s->f);
	if (g->how != TL_MUX)
		bar_label(s, it->x, it->w, g->owner);
}

static void draw_busy(const struct svg *s, const struct tl_lane *l,
		      const struct tl_item *it)
{
	const struct tl_seg *g = &l->segs[it->ref];

	fprintf(s->f,
		"<rect class=\"by\" x=\"%d\" y=\"4\" width=\"%d\" "
		"height=\"12\"><title>%s: %u owners in turn, too short to "
		"draw apart, ",
		it->x, it->w, s->row_label, it->n);
	/* The segments drawn together are consecutive in the lane. */
	span_text(s, g->t0, l->segs[it->ref + it->n - 1].t1);
	fputs("; the first: ", s->f);
	owner_text(s, g->owner);
	fputs("\nnarrow the window (--since, --until) to see each</title>"
	      "</rect>",
	      s->f);
}

static void draw_band(const struct svg *s, const struct tl_lane *l,
		      const struct tl_item *it)
{
	const struct tl_band *b = &l->bands[it->ref];

	fprintf(s->f,
		"<rect class=\"%s\" x=\"%d\" y=\"0\" width=\"%d\" "
		"height=\"%d\"><title>%s: reservation %llu %s",
		b->exact ? "bd" : "bs", it->x, it->w, ROW_H, s->row_label,
		(unsigned long long)b->resv,
		b->exact ? "held by the module" : "seen in force");
	fputc(' ', s->f);
	span_text(s, b->t0, b->t1);
	if (b->exact)
		fprintf(s->f, ", %u register changes", b->evidence);
	else if (b->evidence)
		fprintf(s->f, ", named by %u vetoes and audits", b->evidence);
	if (b->open)
		fputs("; in force at the end", s->f);
	fputs("</title></rect>", s->f);
}

/* What one record of a mark says, after its kind and time. */
static void mark_body(const struct svg *s, const struct tl_rec *r)
{
	switch (r->kind) {
	case PCRW_EV_VETO:
	case PCRW_EV_AUDIT:
		owner_text(s, r->actor);
		fprintf(s->f, " %s by reservation %llu (%s), ",
			r->kind == PCRW_EV_VETO ? "refused"
						: "would be refused",
			(unsigned long long)r->resv,
			r->verdict == 0xff ? "?" : verdict_name(r->verdict));
		if (r->msr)
			fprintf(s->f, "msr 0x%x value ", r->msr);
		else
			fputs("event config ", s->f);
		fprintf(s->f, "0x%llx", (unsigned long long)r->value);
		return;
	case PCRW_EV_CLOBBER:
		owner_text(s, r->actor);
		fprintf(s->f,
			" wrote msr 0x%x = 0x%llx over the live counter of ",
			r->msr, (unsigned long long)r->value);
		owner_text(s, r->prev);
		return;
	case PCRW_EV_FIRMWARE_HELD:
		fprintf(s->f, "enabled (0x%llx) with no OS owner at start-up",
			(unsigned long long)r->value);
		return;
	case PCRW_EV_PCR_REG:
		fprintf(s->f, "reservation %llu, control 0x%llx, by ",
			(unsigned long long)r->resv,
			(unsigned long long)(r->value >> 32));
		owner_text(s, r->actor);
		return;
	default:
		owner_text(s, r->actor);
	}
}

static void draw_mark(const struct svg *s, const struct tl_lane *l,
		      const struct tl_item *it, int next_x)
{
	const struct tl_rec *r = &s->lg->recs[l->marks[it->ref].rec];
	char when[40];

	clock_text(s, when, sizeof(when), r->t);
	fprintf(s->f,
		"<use href=\"#k%u\" x=\"%d\" y=\"10\"><title>%s: ", it->key,
		it->x, s->row_label);
	if (it->n > 1)
		fprintf(s->f, "%u records from %s; the first: ", it->n, when);
	fprintf(s->f, "%s at %s", event_kind_name(r->kind), when);
	group_text(s, r);
	fputc('\n', s->f);
	mark_body(s, r);
	fputs("</title></use>", s->f);
	if ((r->kind == PCRW_EV_VETO || r->kind == PCRW_EV_AUDIT) &&
	    next_x - it->x > 50) {
		fprintf(s->f, "<text class=\"ml\" x=\"%d\" y=\"8\">",
			it->x + 6);
		if (it->n > 1)
			fprintf(s->f, "%ux ", it->n);
		san_xml(s->f, s->lg->owners[r->actor].comm,
			comm_cut(s->lg->owners[r->actor].comm, 10));
		fputs("</text>", s->f);
	}
}

static void row_label(struct svg *s, const struct tl_row *row)
{
	char cpus[64], slot[16];

	cpu_list(cpus, sizeof(cpus), row->cpus, row->nr_cpus);
	snprintf(slot, sizeof(slot),
		 row->lane->slot < 0 ? "no counter" : "slot %d",
		 row->lane->slot);
	snprintf(s->row_label, sizeof(s->row_label), "cpu %s %s", cpus, slot);
	fprintf(s->f, "<text class=\"ll\" x=\"8\" y=\"14\">%.22s%s<title>%s",
		s->row_label, strlen(s->row_label) > 22 ? "..." : "",
		s->row_label);
	if (row->nr_cpus > 1)
		fprintf(s->f, " (%zu lanes with the same picture)",
			row->nr_cpus);
	fputs("</title></text>", s->f);
}

static void draw_row(struct svg *s, const struct tl_row *row, size_t i)
{
	const struct tl_item *it;
	size_t k;

	fprintf(s->f, "<g transform=\"translate(0,%zu)\">", HEAD_H + i * ROW_H);
	if (i % 2)
		fprintf(s->f, "<rect class=\"z\" width=\"%d\" height=\"%d\"/>",
			SVG_W, ROW_H);
	row_label(s, row);
	for (k = 0; k < row->nr_items; k++) {
		it = &row->items[k];
		if (it->type == TL_ITEM_BAND)
			draw_band(s, row->lane, it);
		else if (it->type == TL_ITEM_BAR)
			draw_bar(s, row->lane, it);
		else if (it->type == TL_ITEM_BUSY)
			draw_busy(s, row->lane, it);
		else
			draw_mark(s, row->lane, it,
				  k + 1 < row->nr_items ? row->items[k + 1].x
							: SVG_W);
	}
	fputs("</g>\n", s->f);
}

/* ---- the document ---------------------------------------------------- */

static void window(struct svg *s)
{
	const struct tl_model *m = s->m;
	long long w0 = s->v->since ? s->v->since : m->first,
		  w1 = s->v->until ? s->v->until : m->last, pad;
	time_t a, b;

	/* No record at all: the last minute, not 1970. */
	if (!s->lg->nr_recs && !s->v->since && !s->v->until) {
		w1 = (long long)time(NULL) * 1000000000LL;
		w0 = w1 - 60000000000LL;
	}

	/* The activity's own window gets a margin, so that a mark at
	 * either end is seen whole. */
	pad = s->v->since || s->v->until ? 0 : (w1 - w0) / 50;
	if (w1 <= w0)
		pad = 1000000000LL;
	s->fr.w0 = w0 - (s->v->since ? 0 : pad);
	s->fr.w1 = (w1 > w0 ? w1 : w0) + (s->v->until ? 0 : pad);
	if (s->fr.w1 <= s->fr.w0)
		s->fr.w1 = s->fr.w0 + 1000000000LL;
	s->fr.x0 = PLOT_X;
	s->fr.width = PLOT_W;
	a = (time_t)(s->fr.w0 / 86400000000000LL);
	b = (time_t)(s->fr.w1 / 86400000000000LL);
	s->one_day = a == b;
}

/* Rows within the item budget: narrower segments drawn together until
 * the picture fits. */
static int layout(struct svg *s)
{
	int rc;

	for (s->fr.minpx = 1;; s->fr.minpx *= 2) {
		rc = tl_rows_build(&s->rows, s->m, s->v, &s->fr);
		if (rc || s->rows.items <= MAX_ITEMS || s->fr.minpx >= 256)
			return rc;
		tl_rows_free(&s->rows);
	}
}

static void html_head(FILE *f)
{
	fputs("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
	      "<meta http-equiv=\"Content-Security-Policy\" "
	      "content=\"default-src 'none'; style-src 'unsafe-inline'\">"
	      "<title>pcrwatch timeline</title></head>"
	      "<body style=\"margin:0\">\n",
	      f);
}

int tl_render(FILE *f, const struct tl_model *m, const struct tl_view *v)
{
	struct svg s = { .f = f, .m = m, .lg = m->log, .v = v };
	size_t i;
	int rc, height;

	window(&s);
	rc = layout(&s);
	if (rc)
		return rc;
	height = HEAD_H + (int)(s.rows.nr_rows ? s.rows.nr_rows : 1) * ROW_H +
		 28;
	if (v->html)
		html_head(f);
	else
		fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", f);
	header(&s, height);
	legend(&s);
	axis(&s, height - 28);
	fputc('\n', f);
	for (i = 0; i < s.rows.nr_rows; i++)
		draw_row(&s, &s.rows.rows[i], i);
	if (!s.rows.nr_rows)
		fprintf(f,
			"<text x=\"%d\" y=\"%d\">no counter changed hands "
			"in this window</text>",
			PLOT_X, HEAD_H + 14);
	fprintf(f,
		"<text class=\"s\" x=\"8\" y=\"%d\">times are UTC; hover "
		"a bar or a mark for its event</text></svg>\n",
		height - 10);
	if (v->html)
		fputs("</body></html>\n", f);
	tl_rows_free(&s.rows);
	return ferror(f) ? -EIO : 0;
}

int tl_parse_cpus(const char *s, struct tl_cpu_range *out, size_t max)
{
	unsigned long lo, hi;
	size_t n = 0;
	char *end;

	for (;;) {
		if (n == max || *s < '0' || *s > '9')
			return -EINVAL;
		lo = hi = strtoul(s, &end, 10);
		if (*end == '-') {
			s = end + 1;
			if (*s < '0' || *s > '9')
				return -EINVAL;
			hi = strtoul(s, &end, 10);
		}
		if (hi < lo || hi > 0xffffffffUL)
			return -EINVAL;
		out[n].lo = (__u32)lo;
		out[n++].hi = (__u32)hi;
		s = end;
		if (*s != ',')
			break;
		s++;
	}
	return *s ? -EINVAL : (int)n;
}
