// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The measuring half of bench/40-perf-snapshot, built by that script
 * against pcrwatch's own objects: time one perf snapshot through the BPF
 * iterators (user/groups/perf_snapshot.c, loaded once, as `pcrwatch live` does)
 * and, in the same run, what a user does without pcrwatch: walk
 * /proc/<pid>/fd, readlink each fd and, for every "anon_inode:[perf_event]",
 * read its fdinfo and the holder's comm. Best of ROUNDS each.
 *   perf_snapshot_bench ROUNDS EXPECTED_EVENTS
 */
#include <ctype.h>
#include <stdarg.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "../user/groups/perf_snapshot.h"
#include "../user/util/messages.h"

/* The pin folder code (user/groups/pin.c) reports through pcrwatch's own
 * error printer, which lives with main(). */
void pcrw_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static double clock_us(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static double now_us(void)
{
	return clock_us(CLOCK_MONOTONIC);
}

/* CPU time of this process, user and system (the iterator runs in read()). */
static double cpu_us(void)
{
	return clock_us(CLOCK_PROCESS_CPUTIME_ID);
}

static int read_small(int dirfd, const char *path, char *buf, size_t len)
{
	int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = 0;
	return 0;
}

static long scan_process(int procfd, const char *pid)
{
	char path[320], link[64], info[512], comm[32] = "";
	struct dirent *e;
	long found = 0;
	int fdfd;
	DIR *d;

	snprintf(path, sizeof(path), "%s/fd", pid);
	fdfd = openat(procfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fdfd < 0)
		return 0;
	d = fdopendir(fdfd);
	if (!d) {
		close(fdfd);
		return 0;
	}
	while ((e = readdir(d))) {
		ssize_t n;

		if (e->d_name[0] == '.')
			continue;
		n = readlinkat(fdfd, e->d_name, link, sizeof(link) - 1);
		if (n < 0)
			continue;
		link[n] = 0;
		if (strcmp(link, "anon_inode:[perf_event]"))
			continue;
		snprintf(path, sizeof(path), "%s/fdinfo/%s", pid, e->d_name);
		if (read_small(procfd, path, info, sizeof(info)))
			continue;
		if (!comm[0]) {
			snprintf(path, sizeof(path), "%s/comm", pid);
			read_small(procfd, path, comm, sizeof(comm));
		}
		found++;
	}
	closedir(d);
	return found;
}

static long proc_scan(void)
{
	int procfd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct dirent *e;
	long found = 0;
	DIR *d;

	if (procfd < 0)
		return -1;
	d = opendir("/proc");
	if (!d) {
		close(procfd);
		return -1;
	}
	while ((e = readdir(d)))
		if (isdigit((unsigned char)e->d_name[0]))
			found += scan_process(procfd, e->d_name);
	closedir(d);
	close(procfd);
	return found;
}

static long snapshot_files(const struct perf_snapshot *s)
{
	long n = 0;
	size_t i;

	for (i = 0; i < s->nr; i++)
		n += s->recs[i].how == PCRW_FOUND_FILE;
	return n;
}

int main(int argc, char **argv)
{
	struct perf_snapshot s;
	double t0, c0, load, best_snap = 1e18, best_scan = 1e18, t;
	double cpu_snap = 1e18, cpu_scan = 1e18;
	long want, got_snap = 0, got_scan = 0;
	int rounds, i, err;

	if (argc != 3) {
		fprintf(stderr, "usage: perf_snapshot_bench ROUNDS EXPECTED\n");
		return 2;
	}
	rounds = atoi(argv[1]);
	libbpf_set_print(NULL); /* the expected fallback would be noise */
	want = atol(argv[2]);
	t0 = now_us();
	err = perf_snapshot_open(&s);
	load = now_us() - t0;
	if (err) {
		fprintf(stderr, "perf_snapshot_bench: load: %s\n",
			strerror(-err));
		return 1;
	}
	for (i = 0; i < rounds; i++) {
		c0 = cpu_us();
		t0 = now_us();
		err = perf_snapshot_take(&s);
		t = now_us() - t0;
		if (cpu_us() - c0 < cpu_snap)
			cpu_snap = cpu_us() - c0;
		if (err) {
			fprintf(stderr, "perf_snapshot_bench: %s\n",
				strerror(-err));
			return 1;
		}
		got_snap = snapshot_files(&s);
		if (t < best_snap)
			best_snap = t;
		c0 = cpu_us();
		t0 = now_us();
		got_scan = proc_scan();
		t = now_us() - t0;
		if (cpu_us() - c0 < cpu_scan)
			cpu_scan = cpu_us() - c0;
		if (t < best_scan)
			best_scan = t;
	}
	perf_snapshot_close(&s);
	printf("perf event fds found: snapshot %ld, /proc scan %ld (want >= "
	       "%ld)\n",
	       got_snap, got_scan, want);
	printf("BPF iterator load (once):            %10.0f us\n", load);
	printf("best of %d                             wall us     CPU us\n",
	       rounds);
	printf("snapshot (iter/task_file + task ctx): %10.0f %10.0f\n",
	       best_snap, cpu_snap);
	printf("/proc/*/fd + fdinfo scan:             %10.0f %10.0f\n",
	       best_scan, cpu_scan);
	printf("ratio (wall): %.1fx (goal >= 10x); CPU: %.1fx; "
	       "one-shot with the load: %.1fx\n",
	       best_scan / best_snap, cpu_scan / cpu_snap,
	       best_scan / (best_snap + load));
	if (got_snap < want || got_scan < want)
		return 1;
	return best_scan / best_snap >= 10 ? 0 : 3;
}
