// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The perf snapshot: run the two perf_iter iterators and collect their
 * fixed-size records. Loading costs a few milliseconds once; each snapshot
 * is then two iterator reads, with no /proc walk.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "perf_snapshot.h"
#include "perf_iter.skel.h"

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

int perf_snapshot_open(struct perf_snapshot *s)
{
	memset(s, 0, sizeof(*s));
	/* The CPU walk needs perf_cpu_context in kallsyms (6.2+, and not
	 * on every configuration); without it the rest still works. */
	if (load(s, true) == 0)
		return 0;
	return load(s, false);
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
static int read_iter(struct perf_snapshot *s, struct bpf_link *link)
{
	size_t have = 0, rec = sizeof(struct pcrw_perf_rec);
	char *buf;
	ssize_t n;
	int fd, err = 0;

	fd = bpf_iter_create(bpf_link__fd(link));
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

int perf_snapshot_take(struct perf_snapshot *s)
{
	int err;

	s->nr = 0;
	s->skel->bss->snapshot_gen++;
	s->skel->bss->cpu_next = 0;
	s->skel->bss->cpu_ctx_walked = 0;
	err = read_iter(s, s->skel->links.dump_perf_files);
	if (!err)
		err = read_iter(s, s->skel->links.dump_perf_ctx);
	if (!err && s->skel->links.dump_cpu_ctx)
		err = read_iter(s, s->skel->links.dump_cpu_ctx);
	s->cpu_ctx_walked = s->skel->bss->cpu_ctx_walked;
	s->ctx_truncated = s->skel->bss->ctx_truncated;
	s->skel->bss->ctx_truncated = 0;
	return err;
}

void perf_snapshot_close(struct perf_snapshot *s)
{
	perf_iter_bpf__destroy(s->skel);
	free(s->recs);
	memset(s, 0, sizeof(*s));
}
