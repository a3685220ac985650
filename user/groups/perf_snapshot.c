// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The perf snapshot: run the perf_iter iterators and collect their
 * fixed-size records. Loading and verifying them costs about 100 ms, more
 * than a snapshot: `pcrwatch attach` pins the loaded iterators and their
 * variables, and a one-shot `who` then only reads them. Each snapshot is
 * a few iterator reads, with no /proc walk.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "pin.h"
#include "perf_snapshot.h"
#include "perf_iter.skel.h"

/* Pinned names, in the order snapshots read them. */
static const char *const link_names[PERF_SNAPSHOT_LINKS] = {
	"iter_files",
	"iter_ctx",
	"iter_cpu",
};
#define BSS_NAME "iter_bss"

static void close_pinned(struct perf_snapshot *s)
{
	int i;

	for (i = 0; i < PERF_SNAPSHOT_LINKS; i++)
		if (s->pinned_fd[i] >= 0)
			close(s->pinned_fd[i]);
	if (s->bss_fd >= 0)
		close(s->bss_fd);
	if (s->lock_fd >= 0)
		close(s->lock_fd);
}

/* The pinned iterators, if `attach` left them and their variables have
 * this build's layout: 0, or -errno (load them here instead). */
static int open_pinned(struct perf_snapshot *s)
{
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info);
	int i, dir;

	for (i = 0; i < PERF_SNAPSHOT_LINKS; i++)
		s->pinned_fd[i] = pcrw_obj_get(PCRW_GROUP_PERF, link_names[i]);
	s->bss_fd = pcrw_obj_get(PCRW_GROUP_PERF, BSS_NAME);
	dir = pcrw_pin_dir(PCRW_GROUP_PERF, false);
	s->lock_fd =
		dir < 0 ? -1
			: openat(dir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->pinned_fd[0] >= 0 && s->pinned_fd[1] >= 0 && s->bss_fd >= 0 &&
	    s->lock_fd >= 0 &&
	    !bpf_obj_get_info_by_fd(s->bss_fd, &info, &len) &&
	    info.value_size == sizeof(struct perf_iter_bpf__bss))
		return 0;
	close_pinned(s);
	memset(s, 0, sizeof(*s));
	return -ENOENT;
}

/* Open and load, with or without the per-CPU context walk. */
static int load(struct perf_snapshot *s, bool cpu_walk)
{
	int err;

	s->skel = perf_iter_bpf__open();
	if (!s->skel)
		return errno ? -errno : -ENOMEM;
	s->skel->rodata->nr_cpus = libbpf_num_possible_cpus();
	bpf_program__set_autoload(s->skel->progs.dump_cpu_ctx, cpu_walk);
	err = perf_iter_bpf__load(s->skel);
	if (!err)
		err = perf_iter_bpf__attach(s->skel);
	if (err) {
		perf_iter_bpf__destroy(s->skel);
		s->skel = NULL;
	}
	return err < 0 ? err : (err ? -EINVAL : 0);
}

static int load_any(struct perf_snapshot *s)
{
	int i;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < PERF_SNAPSHOT_LINKS; i++)
		s->pinned_fd[i] = -1;
	s->bss_fd = s->lock_fd = -1;
	/* The CPU walk needs perf_cpu_context in kallsyms (6.2+, and not
	 * on every configuration); without it the rest still works. */
	if (load(s, true) == 0)
		return 0;
	return load(s, false);
}

int perf_snapshot_open(struct perf_snapshot *s)
{
	memset(s, 0, sizeof(*s));
	if (!open_pinned(s))
		return 0;
	return load_any(s);
}

int perf_snapshot_pin(void)
{
	struct perf_snapshot s;
	struct bpf_link *links[PERF_SNAPSHOT_LINKS];
	int i, err;

	err = load_any(&s);
	if (err)
		return err;
	links[0] = s.skel->links.dump_perf_files;
	links[1] = s.skel->links.dump_perf_ctx;
	links[2] = s.skel->links.dump_cpu_ctx;
	for (i = 0; !err && i < PERF_SNAPSHOT_LINKS; i++)
		if (links[i])
			err = pcrw_pin_link(links[i], PCRW_GROUP_PERF,
					    link_names[i]);
	if (!err)
		err = pcrw_pin_map(s.skel->maps.bss, PCRW_GROUP_PERF, BSS_NAME);
	for (i = 0; err && i < PERF_SNAPSHOT_LINKS; i++)
		pcrw_unpin(PCRW_GROUP_PERF, link_names[i]);
	if (err)
		pcrw_unpin(PCRW_GROUP_PERF, BSS_NAME);
	perf_snapshot_close(&s);
	return err;
}

static int grow(struct perf_snapshot *s, size_t want)
{
	struct pcrw_perf_rec *n;
	size_t cap = s->cap ? s->cap : 256;

	while (cap < want)
		cap *= 2;
	if (cap == s->cap)
		return 0;
	n = realloc(s->recs, cap * sizeof(*n));
	if (!n)
		return -ENOMEM;
	s->recs = n;
	s->cap = cap;
	return 0;
}

/* Read every record one iterator writes; the seq_file hands out whole
 * records, but a short read is carried over all the same. */
static int read_iter(struct perf_snapshot *s, int link_fd)
{
	size_t have = 0, rec = sizeof(struct pcrw_perf_rec);
	char *buf;
	ssize_t n;
	int fd, err = 0;

	fd = bpf_iter_create(link_fd);
	if (fd < 0)
		return -errno;
	for (;;) {
		err = grow(s, s->nr + 64);
		if (err)
			break;
		buf = (char *)(s->recs + s->nr);
		n = read(fd, buf + have, 64 * rec - have);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			break;
		}
		if (n == 0)
			break;
		have += n;
		s->nr += have / rec;
		if (have % rec)
			memmove(s->recs + s->nr, buf + have / rec * rec,
				have % rec);
		have %= rec;
	}
	close(fd);
	return err;
}

/* A snapshot through the pinned iterators, under the pin folder's lock:
 * their variables are shared with every other reader. */
static int take_pinned(struct perf_snapshot *s)
{
	struct perf_iter_bpf__bss bss;
	__u32 zero = 0;
	int i, err;

	if (flock(s->lock_fd, LOCK_EX))
		return -errno;
	err = bpf_map_lookup_elem(s->bss_fd, &zero, &bss) ? -errno : 0;
	if (!err) {
		bss.snapshot_gen++;
		bss.cpu_next = 0;
		bss.cpu_ctx_walked = 0;
		bss.ctx_truncated = 0;
		err = bpf_map_update_elem(s->bss_fd, &zero, &bss, BPF_ANY)
			      ? -errno
			      : 0;
	}
	for (i = 0; !err && i < PERF_SNAPSHOT_LINKS; i++)
		if (s->pinned_fd[i] >= 0)
			err = read_iter(s, s->pinned_fd[i]);
	if (!err && !bpf_map_lookup_elem(s->bss_fd, &zero, &bss)) {
		s->cpu_ctx_walked = bss.cpu_ctx_walked;
		s->ctx_truncated = bss.ctx_truncated;
	}
	flock(s->lock_fd, LOCK_UN);
	return err;
}

int perf_snapshot_take(struct perf_snapshot *s)
{
	int err;

	s->nr = 0;
	if (!s->skel)
		return take_pinned(s);
	s->skel->bss->snapshot_gen++;
	s->skel->bss->cpu_next = 0;
	s->skel->bss->cpu_ctx_walked = 0;
	err = read_iter(s, bpf_link__fd(s->skel->links.dump_perf_files));
	if (!err)
		err = read_iter(s, bpf_link__fd(s->skel->links.dump_perf_ctx));
	if (!err && s->skel->links.dump_cpu_ctx)
		err = read_iter(s, bpf_link__fd(s->skel->links.dump_cpu_ctx));
	s->cpu_ctx_walked = s->skel->bss->cpu_ctx_walked;
	s->ctx_truncated = s->skel->bss->ctx_truncated;
	s->skel->bss->ctx_truncated = 0;
	return err;
}

void perf_snapshot_close(struct perf_snapshot *s)
{
	if (s->skel)
		perf_iter_bpf__destroy(s->skel);
	else
		close_pinned(s);
	free(s->recs);
	memset(s, 0, sizeof(*s));
}
