// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The reservation store backed by the veto programs' pinned BPF maps, and
 * the core PMU's counters per CPU it judges reservations against (the
 * text forms are in user/reservations/resv_text.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <linux/perf_event.h>
#if defined(__x86_64__)
#include <cpuid.h>
#endif
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "resv_store.h"
#include "pin.h"
#include "kernel_probe.h"
#include "perf_veto.skel.h"
#include "map_size.h"

static struct {
	int resv, index, cfg, vetoes, total, quota;
	int lock;
} fds = { -1, -1, -1, -1, -1, -1, -1 };

/* Since the last commit: the ids deleted, still in the map (the index in
 * force names them) until the next index is in force, then removed; and
 * the ids added, which no index names yet. */
static struct {
	__u64 ids[PCRW_STORE_ENTRIES];
	size_t n;
} doomed, fresh;

static bool id_in(const __u64 *ids, size_t n, __u64 id)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (ids[i] == id)
			return true;
	return false;
}

#define QUOTA_MAP "resv_quota"

static int open_pinned(const char *name)
{
	return pcrw_obj_get(PCRW_GROUP_VETO, name);
}

void resv_store_close(void)
{
	int *all[] = { &fds.resv,  &fds.index, &fds.cfg, &fds.vetoes,
		       &fds.total, &fds.quota, &fds.lock };
	size_t i;

	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		if (*all[i] >= 0)
			close(*all[i]);
		*all[i] = -1;
	}
}

/* Create and pin every map of the veto programs without loading any
 * program: what reserve needs on a kernel where the vetoes cannot attach. */
static int create_maps(void)
{
	char root[256];
	LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = root);
	struct perf_veto_bpf *skel;
	struct bpf_program *p;
	struct pcrw_veto_cfg cfg;
	__u32 zero = 0;
	int err, fd;

	err = pcrw_pin_path(root, sizeof(root), PCRW_GROUP_VETO, "x");
	if (err)
		return err;
	*strrchr(root, '/') = 0;
	skel = perf_veto_bpf__open_opts(&opts);
	if (!skel)
		return -errno;
	bpf_object__for_each_program(p, skel->obj)
		bpf_program__set_autoload(p, false);
	err = pcrw_size_maps(skel->obj) ?: perf_veto_bpf__load(skel);
	if (!err) {
		fd = bpf_map__fd(skel->maps.veto_cfg);
		if (bpf_map_lookup_elem(fd, &zero, &cfg) == 0 && !cfg.nr_cpus) {
			resv_default_cfg(&cfg);
			err = bpf_map_update_elem(fd, &zero, &cfg, BPF_ANY);
		}
	}
	perf_veto_bpf__destroy(skel);
	return err;
}

int resv_store_open(bool create)
{
	int err;

	if (fds.resv >= 0)
		return 0;
	fds.resv = open_pinned("resv");
	if (fds.resv < 0 && errno == ENOENT && create) {
		err = create_maps();
		if (err)
			return err;
		fds.resv = open_pinned("resv");
	}
	if (fds.resv < 0)
		return -errno;
	fds.index = open_pinned("resv_index");
	fds.cfg = open_pinned("veto_cfg");
	fds.vetoes = open_pinned("resv_vetoes");
	fds.total = open_pinned("veto_total");
	if (fds.index < 0 || fds.cfg < 0 || fds.vetoes < 0 || fds.total < 0) {
		err = -errno;
		resv_store_close();
		return err;
	}
	return 0;
}

int resv_store_lock(void)
{
	int dir = pcrw_pin_dir(PCRW_GROUP_VETO, false);

	if (dir < 0)
		return dir;
	/* A descriptor of its own: closing it is what releases the lock. */
	fds.lock = openat(dir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fds.lock < 0)
		return -errno;
	if (flock(fds.lock, LOCK_EX))
		return -errno;
	return 0;
}

void resv_store_unlock(void)
{
	if (fds.lock >= 0)
		close(fds.lock);
	fds.lock = -1;
}

static bool is_doomed(__u64 id)
{
	return id_in(doomed.ids, doomed.n, id);
}

int resv_store_get(__u64 id, struct pcrw_resv *r)
{
	if (is_doomed(id))
		return -ENOENT;
	return bpf_map_lookup_elem(fds.resv, &id, r) ? -errno : 0;
}

int resv_store_put(const struct pcrw_resv *r)
{
	struct pcrw_resv old;
	__u64 id = r->id;
	size_t i;

	for (i = 0; i < doomed.n; i++)
		if (doomed.ids[i] == id)
			doomed.ids[i] = doomed.ids[--doomed.n];
	if (bpf_map_lookup_elem(fds.resv, &id, &old) &&
	    !id_in(fresh.ids, fresh.n, id)) {
		if (fresh.n >= sizeof(fresh.ids) / sizeof(fresh.ids[0]))
			return -E2BIG;
		fresh.ids[fresh.n++] = id;
	}
	return bpf_map_update_elem(fds.resv, &id, r, BPF_ANY) ? -errno : 0;
}

/* Undo the adds and deletes since the last commit: the index in force
 * never named the added ones, and still names the deleted ones. */
void resv_store_abort(void)
{
	size_t i;

	for (i = 0; i < fresh.n; i++)
		bpf_map_delete_elem(fds.resv, &fresh.ids[i]);
	fresh.n = 0;
	doomed.n = 0;
}

/* Make before break: the reservation leaves the store at the next commit,
 * after an index without it is in force. */
int resv_store_del(__u64 id)
{
	struct pcrw_resv r;

	if (is_doomed(id))
		return -ENOENT;
	if (bpf_map_lookup_elem(fds.resv, &id, &r))
		return -errno;
	if (doomed.n >= sizeof(doomed.ids) / sizeof(doomed.ids[0]))
		return -E2BIG;
	doomed.ids[doomed.n++] = id;
	return 0;
}

/* Hash maps iterate in no order: find the smallest id above @prev. */
int resv_store_next(__u64 prev, __u64 *id)
{
	__u64 key, next, best = 0;
	void *cur = NULL;

	while (bpf_map_get_next_key(fds.resv, cur, &next) == 0) {
		if (next > prev && (!best || next < best) && !is_doomed(next))
			best = next;
		key = next;
		cur = &key;
	}
	if (!best)
		return -ENOENT;
	*id = best;
	return 0;
}

int resv_store_get_cfg(struct pcrw_veto_cfg *c)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(fds.cfg, &zero, c) ? -errno : 0;
}

int resv_store_set_cfg(const struct pcrw_veto_cfg *c)
{
	__u32 zero = 0;

	return bpf_map_update_elem(fds.cfg, &zero, c, BPF_ANY) ? -errno : 0;
}

/*
 * The rows of the index for @all (pcrwatch.h): each covered CPU's ids, and
 * in every row (the head's too) the first covered CPU above it, so that a
 * walk only climbs. @rows holds PCRW_INDEX_ROW(@nr_cpus) zeroed rows.
 * -E2BIG when a CPU would hold more than PCRW_RESV_PER_CPU reservations
 * (placement refuses long before: each holds a counter slot there).
 */
static int index_rows(const struct pcrw_resv *all, size_t n, __u32 nr_cpus,
		      struct pcrw_cpu_resv *rows)
{
	struct pcrw_cpu_resv *row;
	__u32 cpu, next = PCRW_CPU_END;
	size_t i;

	for (cpu = nr_cpus; cpu-- > 0;) {
		row = &rows[PCRW_INDEX_ROW(cpu)];
		row->next = next;
		for (i = 0; i < n; i++) {
			if (!resv_has_cpu(&all[i], cpu))
				continue;
			if (row->nr >= PCRW_RESV_PER_CPU)
				return -E2BIG;
			row->ids[row->nr++] = (__u32)all[i].id;
		}
		if (row->nr)
			next = cpu;
	}
	rows[PCRW_INDEX_HEAD].nr = n;
	rows[PCRW_INDEX_HEAD].next = next;
	return 0;
}

/* A new inner map holding @rows (@nr of them, every one written: an
 * uncovered row still carries @next), filled in one batch: its fd, or
 * -errno. */
static int index_map(const struct pcrw_cpu_resv *rows, __u32 nr)
{
	LIBBPF_OPTS(bpf_map_create_opts, o, .map_flags = BPF_F_INNER_MAP);
	LIBBPF_OPTS(bpf_map_batch_opts, b, .elem_flags = BPF_ANY);
	__u32 *keys, key, count = nr;
	int fd, err = 0;

	keys = calloc(nr, sizeof(*keys));
	if (!keys)
		return -ENOMEM;
	for (key = 0; key < nr; key++)
		keys[key] = key;
	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "resv_rows", sizeof(__u32),
			    sizeof(*rows), nr, &o);
	if (fd < 0)
		err = -errno;
	else if (bpf_map_update_batch(fd, keys, rows, &count, &b))
		err = -errno;
	else if (count != nr)
		err = -EIO;
	free(keys);
	if (err) {
		if (fd >= 0)
			close(fd);
		return err;
	}
	return fd;
}

/*
 * Put the index of the reservations now in the store in force, in one
 * update of resv_index, then drop the deleted ones. The kernel returns
 * from that update only after every veto that could still read the old
 * index has finished (maps of maps wait for an RCU grace period), so
 * nothing reads a dropped reservation, and the old index is released
 * only then (this holds a reference to it across the switch).
 */
int resv_store_commit(void)
{
	struct pcrw_cpu_resv *rows;
	struct pcrw_resv *all = NULL;
	int nr_cpus = pcrw_possible_cpus(), fd = -1, old = -1, err;
	__u32 zero = 0, old_id;
	size_t n = 0, i;

	if (nr_cpus < 0)
		return nr_cpus;
	rows = calloc(PCRW_INDEX_ROW(nr_cpus), sizeof(*rows));
	if (!rows)
		return -ENOMEM;
	err = resv_load_all(&all, &n);
	if (!err)
		err = index_rows(all, n, nr_cpus, rows);
	if (!err)
		fd = err = index_map(rows, PCRW_INDEX_ROW(nr_cpus));
	if (fd >= 0) {
		if (!bpf_map_lookup_elem(fds.index, &zero, &old_id))
			old = bpf_map_get_fd_by_id(old_id);
		err = bpf_map_update_elem(fds.index, &zero, &fd, BPF_ANY)
			      ? -errno
			      : 0;
		close(fd);
		if (old >= 0)
			close(old);
	}
	for (i = 0; !err && i < doomed.n; i++) {
		bpf_map_delete_elem(fds.vetoes, &doomed.ids[i]);
		bpf_map_delete_elem(fds.resv, &doomed.ids[i]);
	}
	if (!err)
		doomed.n = fresh.n = 0;
	free(all);
	free(rows);
	return err;
}

__u64 resv_store_vetoes(__u64 id)
{
	__u64 v = 0;

	bpf_map_lookup_elem(fds.vetoes, &id, &v);
	return v;
}

__u64 resv_store_total(__u32 kind)
{
	__u64 v = 0;

	bpf_map_lookup_elem(fds.total, &kind, &v);
	return v;
}

/* The quota map, opened once; -ENOENT while no policy ever set one. A
 * map whose value is not a struct pcrw_quota is refused, not read. */
static int quota_fd(void)
{
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info);
	int err;

	if (fds.quota >= 0)
		return fds.quota;
	fds.quota = open_pinned(QUOTA_MAP);
	if (fds.quota < 0)
		return -errno;
	if (bpf_obj_get_info_by_fd(fds.quota, &info, &len) ||
	    info.type != BPF_MAP_TYPE_ARRAY ||
	    info.value_size != sizeof(struct pcrw_quota)) {
		err = -EPROTO;
		close(fds.quota);
		fds.quota = -1;
		return err;
	}
	return fds.quota;
}

int resv_store_get_quota(struct pcrw_quota *q)
{
	__u32 zero = 0;
	int fd = quota_fd();

	memset(q, 0, sizeof(*q));
	if (fd == -ENOENT)
		return 0;
	if (fd < 0)
		return fd;
	if (bpf_map_lookup_elem(fd, &zero, q))
		return -errno;
	return q->nr_caps <= PCRW_MAX_CAPS ? 0 : -EPROTO;
}

/* Create and pin the quota map beside the reservations, so that it lives
 * and goes exactly as they do. */
static int create_quota_map(void)
{
	char path[256];
	int fd, err;

	err = pcrw_pin_path(path, sizeof(path), PCRW_GROUP_VETO, QUOTA_MAP);
	if (err)
		return err;
	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, QUOTA_MAP, sizeof(__u32),
			    sizeof(struct pcrw_quota), 1, NULL);
	if (fd < 0)
		return -errno;
	err = bpf_obj_pin(fd, path) ? -errno : 0;
	close(fd);
	return err;
}

int resv_store_set_quota(const struct pcrw_quota *q)
{
	__u32 zero = 0;
	int fd = quota_fd(), err;

	if (fd == -ENOENT) {
		err = create_quota_map();
		if (err)
			return err;
		fd = quota_fd();
	}
	if (fd < 0)
		return fd;
	return bpf_map_update_elem(fd, &zero, q, BPF_ANY) ? -errno : 0;
}

int resv_load_all(struct pcrw_resv **out, size_t *n)
{
	struct pcrw_resv *all;
	__u64 id = 0;
	size_t k = 0;

	all = calloc(PCRW_STORE_ENTRIES, sizeof(*all));
	if (!all)
		return -ENOMEM;
	while (k < PCRW_STORE_ENTRIES && resv_store_next(id, &id) == 0)
		if (resv_store_get(id, &all[k]) == 0)
			k++;
	*out = all;
	*n = k;
	return 0;
}

static int perf_open(struct perf_event_attr *a, int cpu)
{
	return syscall(SYS_perf_event_open, a, -1, cpu, -1,
		       PERF_FLAG_FD_CLOEXEC);
}

int resv_discover_counters(void)
{
	struct perf_event_attr a = {
		.size = sizeof(a),
		.type = PERF_TYPE_HARDWARE,
		.config = PERF_COUNT_HW_CPU_CYCLES,
		.pinned = 1,
		.read_format = PERF_FORMAT_TOTAL_TIME_ENABLED,
	};
	int fd[64], n = 0, i, works = 0;
	__u64 buf[2];

	while (n < 64) {
		fd[n] = perf_open(&a, 0);
		if (fd[n] < 0)
			break;
		/* A pinned event that finds no counter is in error state:
		 * read() returns end of file. */
		if (read(fd[n], buf, sizeof(buf)) <= 0) {
			close(fd[n]);
			break;
		}
		n++;
		works = n;
	}
	for (i = 0; i < n; i++)
		close(fd[i]);
	return works;
}

/* Of the counters found, how many count only the cycles event: arm64's
 * cycle counter (every PMUv3 has one), x86's fixed counter 1 where CPUID
 * leaf 0xA reports fixed counters (Intel; AMD has none). */
static __u32 cycles_only_counters(int nr_counters)
{
	if (nr_counters <= 0)
		return 0;
#if defined(__aarch64__)
	return 1;
#elif defined(__x86_64__)
	{
		unsigned int a, b, c, d;

		if (!__get_cpuid(0, &a, &b, &c, &d) || a < 0xa)
			return 0;
		__cpuid(0xa, a, b, c, d);
		return (a & 0xff) >= 2 && (d & 0x1f) >= 2 ? 1 : 0;
	}
#else
	return 0;
#endif
}

void resv_default_cfg(struct pcrw_veto_cfg *c)
{
	char pmu[64];
	int type, n;

	memset(c, 0, sizeof(*c));
	c->mode = PCRW_VETO_ENFORCE;
	n = pcrw_possible_cpus();
	c->nr_cpus = n > 0 ? n : 0; /* 0: the vetoes walk no CPU */
	if (probe_hw_pmu(pmu, sizeof(pmu))) {
		type = probe_pmu_type(pmu);
		if (type >= 0)
			c->hw_types[c->nr_hw_types++] = type;
		c->nr_counters = resv_discover_counters();
		c->nr_cycles_only = cycles_only_counters(c->nr_counters);
	}
}
