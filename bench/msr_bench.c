// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * msr_bench: the measuring half of bench/30-msr-classifier. Attaches the
 * empty baseline (bpf/msr_empty.bpf.c) and the classifier (msr_write_raw of
 * bpf/msr_watch.bpf.c, with this CPU's PMU shape) to raw_tp msr:write_msr,
 * waits, and prints each program's run count and nanoseconds per run over
 * the same window (kernel.bpf_stats_enabled must be 1), plus those of any
 * other program ids given (the bpftrace one-liner).
 *
 *   msr_bench SECONDS [PROG_ID...]
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "msr_empty.skel.h"
#include "msr_watch.skel.h"
#include "../user/groups/msr.h"

#define MAX_PROGS 8

struct sample {
	const char *name;
	int fd;
	__u64 cnt, ns;
};

static int stats(int fd, __u64 *cnt, __u64 *ns)
{
	struct bpf_prog_info info;
	__u32 len = sizeof(info);

	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	*cnt = info.run_cnt;
	*ns = info.run_time_ns;
	return 0;
}

int main(int argc, char **argv)
{
	struct msr_empty_bpf *empty = NULL;
	struct msr_watch_bpf *watch = NULL;
	struct sample s[MAX_PROGS] = { 0 };
	struct pmu_shape shape;
	char how[96];
	__u64 c0[MAX_PROGS], t0[MAX_PROGS];
	int i, w, n = 0, secs, err = 1;

	if (argc < 2 || (secs = atoi(argv[1])) <= 0) {
		fprintf(stderr, "usage: msr_bench SECONDS [PROG_ID...]\n");
		return 2;
	}
	msr_pmu_cpuid(&shape, how, sizeof(how));
	empty = msr_empty_bpf__open_and_load();
	watch = msr_watch_bpf__open();
	if (!empty || !watch)
		goto cleanup;
	watch->rodata->pmu_vendor = shape.vendor;
	watch->rodata->pmu_nr_gp = shape.nr_gp;
	watch->rodata->pmu_nr_fixed = shape.nr_fixed;
	bpf_program__set_autoload(watch->progs.msr_write_tp, false);
	bpf_program__set_autoload(watch->progs.msr_read_tp, false);
	bpf_program__set_autoload(watch->progs.msr_rdpmc_tp, false);
	bpf_program__set_autoload(watch->progs.msr_dev_enter, false);
	bpf_program__set_autoload(watch->progs.msr_dev_exit, false);
	if (msr_watch_bpf__load(watch))
		goto cleanup;
	s[n].name = "empty raw_tp";
	s[n++].fd = bpf_program__fd(empty->progs.msr_empty);
	s[n].name = "classifier raw_tp";
	s[n++].fd = bpf_program__fd(watch->progs.msr_write_raw);
	for (i = 2; i < argc && n < MAX_PROGS; i++) {
		int fd = bpf_prog_get_fd_by_id((__u32)atoi(argv[i]));

		if (fd < 0) {
			fprintf(stderr, "msr_bench: program id %s: %s\n",
				argv[i], strerror(errno));
			goto cleanup;
		}
		s[n].name = "bpftrace one-liner";
		s[n++].fd = fd;
	}
	printf("PMU %s, %u general + %u fixed counters; 2 windows of %d s\n",
	       how, shape.nr_gp, shape.nr_fixed, secs);
	/* Programs on one tracepoint run in attach order and the first pays
	 * the cold caches: one window each way round, summed. */
	for (w = 0; w < 2; w++) {
		struct bpf_link *l[2];
		struct bpf_program *first =
			w ? watch->progs.msr_write_raw : empty->progs.msr_empty;
		struct bpf_program *second =
			w ? empty->progs.msr_empty : watch->progs.msr_write_raw;

		l[0] = bpf_program__attach(first);
		l[1] = l[0] ? bpf_program__attach(second) : NULL;
		if (!l[0] || !l[1]) {
			bpf_link__destroy(l[0]);
			bpf_link__destroy(l[1]);
			goto cleanup;
		}
		for (i = 0; i < n; i++)
			stats(s[i].fd, &c0[i], &t0[i]);
		sleep((unsigned int)secs);
		for (i = 0; i < n; i++) {
			__u64 c, t;

			stats(s[i].fd, &c, &t);
			s[i].cnt += c - c0[i];
			s[i].ns += t - t0[i];
		}
		bpf_link__destroy(l[0]);
		bpf_link__destroy(l[1]);
	}
	for (i = 0; i < n; i++)
		printf("%-20s runs %-9llu ns/run %.2f\n", s[i].name,
		       (unsigned long long)s[i].cnt,
		       s[i].cnt ? (double)s[i].ns / (double)s[i].cnt : 0.0);
	if (!s[0].cnt || !s[0].ns) {
		fprintf(stderr,
			"msr_bench: no write_msr fired, or bpf_stats is off\n");
		goto cleanup;
	}
	for (i = 1; i < n; i++)
		if (s[i].cnt)
			printf("ratio %-20s %.3f\n", s[i].name,
			       ((double)s[i].ns / (double)s[i].cnt) /
				       ((double)s[0].ns / (double)s[0].cnt));
	err = 0;
cleanup:
	if (err && errno)
		fprintf(stderr, "msr_bench: %s\n", strerror(errno));
	msr_watch_bpf__destroy(watch);
	msr_empty_bpf__destroy(empty);
	return err;
}
