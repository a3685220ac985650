/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * timeline.h - `pcrwatch timeline`: who held which counter of which CPU,
 * over time, as one self-contained SVG. Three steps, one file each:
 *  - timeline_log.c reads the agent's JSON-lines log (user/service/event_log.c
 *    writes it; docs/SERVICE.md has the record) into records;
 *  - timeline_model.c turns the records into lanes, one per (CPU, slot):
 *    owner segments, marks (clobber, veto, ...), reservation bands and
 *    multiplexing episodes;
 *  - timeline_svg.c (and timeline_draw.c) draws the lanes that changed in a
 *    window, merging identical ones.
 * Every string from the log is untrusted (a process names itself): it is
 * kept as bytes and written through san_xml() (user/util/sanitize.c).
 */
#ifndef PCRW_TIMELINE_H
#define PCRW_TIMELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <linux/types.h>

#define TL_COMM_LEN 64 /* a 15-byte comm, each byte escaped at worst */
#define TL_NO_SLOT (-1) /* an event on a CPU but on no counter */
#define TL_MAX_TIME (1LL << 62) /* ns: a later ts_unix_ns is not a record */

/* One party: interned, so a record names it by index (0: nobody). */
struct tl_owner {
	char comm[TL_COMM_LEN]; /* raw bytes, NUL-terminated, untrusted */
	__u32 pid;
	__u32 uid;
	__u8 layer; /* enum pcr_layer, PCR_LAYER_UNKNOWN for "none" */
	__u8 path; /* enum pcrw_path */
};

/* One event of the log. */
struct tl_rec {
	long long t; /* ts_unix_ns */
	__u64 resv; /* reservation_id */
	__u64 value;
	__u32 cpu;
	__s32 slot; /* TL_NO_SLOT when the record has none */
	__u32 actor, prev; /* owner indexes */
	__u32 msr;
	__u8 kind; /* enum pcrw_event_kind */
	__u8 verdict; /* enum pcr_verdict; the operation for pcr-register */
	__u8 group; /* index into tl_log.groups */
	__u8 reserved0;
	__u32 seq; /* its place in the log: ties keep the log's order */
};

#define TL_MAX_GROUPS 16

struct tl_log {
	struct tl_rec *recs;
	size_t nr_recs, cap_recs;
	struct tl_owner *owners; /* [0] is nobody */
	size_t nr_owners, cap_owners;
	__u32 *owner_hash; /* open addressing: owner index + 1, 0 empty */
	size_t hash_cap;
	char groups[TL_MAX_GROUPS][16];
	int nr_groups;
	size_t bad_lines; /* lines that are not a record pcrwatch writes */
	int files; /* log files read */
};

void tl_log_init(struct tl_log *lg);
void tl_log_free(struct tl_log *lg);
/* One line of the log, @len bytes without its newline, NUL-terminated at
 * or after @len: 0 (an event, or a line of another type, skipped),
 * -EINVAL (not understood: counted in bad_lines), -ENOMEM. */
int tl_log_add_line(struct tl_log *lg, const char *line, size_t len);
/* Every line of @f. 0 or -ENOMEM. */
int tl_log_read_file(struct tl_log *lg, FILE *f);
/* The log folder @dir: its rotated files oldest first, then the current
 * one (the order `pcrwatch events --since` reads). 0, -ENOENT when there
 * is no log file at all, -ENOMEM. */
int tl_log_read_dir(struct tl_log *lg, const char *dir);
/* The records in time order (files are, within each file; a clock step
 * between files is not trusted). */
void tl_log_sort(struct tl_log *lg);
/* The owner's layer as the log words it: "user", "kernel", ... */
const char *tl_layer_name(__u8 layer);

/* ---- the model (timeline_model.c) ---------------------------------- */

enum tl_seg_how {
	TL_BY_CHANGE = 0, /* an owner-change record */
	TL_BY_CLOBBER = 1, /* the writer changed a live counter of another */
	TL_BY_FIRMWARE = 2, /* found programmed at start-up, no OS owner */
	TL_MUX = 3, /* owners rotating on the counter (multiplexing) */
};

/* A stretch of time one owner held the lane's counter, or, for TL_MUX,
 * a multiplexing episode: @owner is the first of the rotating owners,
 * @rec the first record and @count the handovers in it. */
struct tl_seg {
	long long t0, t1;
	__u32 owner;
	__u32 rec; /* the record that began it */
	__u32 count;
	__u32 others[3]; /* TL_MUX: the other rotating owners (0: none) */
	__u8 how; /* enum tl_seg_how */
	__u8 open; /* still held at the last record of the log */
};

struct tl_mark {
	long long t;
	__u32 rec;
};

/* A reservation in force on the lane: from the module's register changes
 * (exact), or from the vetoes and audits that name it (seen in force). */
struct tl_band {
	long long t0, t1;
	__u64 resv;
	__u32 evidence; /* records that named it */
	__u8 exact; /* 1: the module's register changes bound it */
	__u8 open;
};

struct tl_lane {
	__u32 cpu;
	__s32 slot;
	struct tl_seg *segs;
	size_t nr_segs, cap_segs;
	struct tl_mark *marks;
	size_t nr_marks, cap_marks;
	struct tl_band *bands;
	size_t nr_bands, cap_bands;
};

struct tl_model {
	const struct tl_log *log;
	struct tl_lane *lanes;
	size_t nr_lanes, cap_lanes;
	__u32 *lane_hash; /* (cpu, slot) -> lane index + 1 */
	size_t hash_cap;
	long long first, last; /* the log's first and last record */
	long long mux_window_ns;
	int *live; /* per owner: perf events allocated minus freed */
	size_t *holding; /* per owner: lanes whose counter it holds now */
};

/* Build lanes from the (sorted) records of @lg. 0 or -ENOMEM. */
int tl_model_build(struct tl_model *m, const struct tl_log *lg);
void tl_model_free(struct tl_model *m);
/* Reservation @id (a store reservation made at @created_ns, wall clock)
 * is in force now on lane @l: its band there lasts to the end. 0 or
 * -ENOMEM. */
int tl_lane_add_resv(const struct tl_model *m, struct tl_lane *l, __u64 id,
		     long long created_ns);

/* ---- the picture (timeline_svg.c, timeline_draw.c) ------------------ */

struct tl_cpu_range {
	__u32 lo, hi;
};

struct tl_view {
	long long since, until; /* 0: from the first / to the last record */
	const struct tl_cpu_range *cpus; /* NULL: every CPU */
	size_t nr_cpus;
	bool html; /* an HTML page holding the SVG */
	const char *source; /* what was read, for the header */
	const char *note; /* one more line for the header, or NULL */
};

/* What a row of the picture is made of, in pixels (timeline_draw.c); the
 * SVG writer (timeline_svg.c) only formats them. */
enum tl_item_type {
	TL_ITEM_BAND = 0, /* a reservation, behind the bars */
	TL_ITEM_BAR = 1, /* one owner's segment (or a TL_MUX episode) */
	TL_ITEM_BUSY = 2, /* @n segments too short to draw one by one */
	TL_ITEM_MARK = 3, /* @n records of one kind at one place */
};

struct tl_item {
	int x, w;
	__u32 ref; /* band, segment or mark index in the lane */
	__u32 n;
	__u32 key; /* what must match for two rows to merge: owner, kind */
	__u8 type; /* enum tl_item_type */
};

/* One drawn row: a lane, or lanes of one slot whose pictures are the same
 * (the first is drawn, the others counted and named). */
struct tl_row {
	const struct tl_lane *lane;
	struct tl_item *items;
	size_t nr_items;
	__u32 *cpus; /* every CPU in the row, ascending */
	size_t nr_cpus;
};

struct tl_frame {
	long long w0, w1; /* the window */
	int x0, width; /* the plot area, pixels */
	int minpx; /* narrower segments are drawn together */
};

struct tl_rows {
	struct tl_row *rows;
	size_t nr_rows;
	size_t changed, unchanged, items;
	__u32 held_by[3]; /* owners holding the most unchanged lanes */
	size_t held_n[3];
};

/* The rows of the lanes @v selects that changed in the window, identical
 * ones merged. 0 or -ENOMEM. */
int tl_rows_build(struct tl_rows *out, const struct tl_model *m,
		  const struct tl_view *v, const struct tl_frame *fr);
void tl_rows_free(struct tl_rows *r);
/* The pixel of time @t. */
int tl_px(const struct tl_frame *fr, long long t);

/* "0-3,8,10-11" into @out (up to @max ranges): how many, or -EINVAL. */
int tl_parse_cpus(const char *s, struct tl_cpu_range *out, size_t max);
/* Draw @m for @v into @f. 0, or -ENOMEM / -EIO. */
int tl_render(FILE *f, const struct tl_model *m, const struct tl_view *v);

/* ---- sources (timeline_record.c, cmd_timeline.c) -------------------- */

/* With no agent: drain every pinned group's ring buffer for @seconds into
 * a log in @dir (written by user/service/event_log.c, so it reads as the
 * agent's). 0, or a negative errno (-ENOENT: nothing is attached). */
int tl_record(const char *dir, unsigned int seconds);
/* The last @minutes of the log in @dir as an HTML page into a malloc'd
 * @body (pcrwatch serve's /timeline). 0 or a negative errno. */
int tl_page_recent(const char *dir, unsigned int minutes, char **body,
		   size_t *len);

#endif
