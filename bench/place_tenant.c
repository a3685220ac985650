// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * place_tenant: a busy tenant for bench/80-placement. Opens COUNT hardware
 * cycle events on itself, enabled (so pcrwatch sees its demand; a per-task
 * event's times do not advance while its task sleeps), writes "ready" to
 * stdout, waits until GO_FILE exists, spins for SECONDS, then prints its loop
 * iterations (throughput) and the mean time_running/time_enabled of its
 * events (1: never multiplexed).
 *   place_tenant -n COUNT -t SECONDS -g GO_FILE
 */
#include <errno.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define MAX_EVENTS 16

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int open_cycles(void)
{
	struct perf_event_attr a;

	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.type = PERF_TYPE_HARDWARE;
	a.config = PERF_COUNT_HW_CPU_CYCLES;
	a.exclude_kernel = 1;
	a.read_format =
		PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_TOTAL_TIME_RUNNING;
	return (int)syscall(__NR_perf_event_open, &a, 0, -1, -1, 0);
}

/* Spin until @seconds have passed; the iterations done. */
static unsigned long long spin(double seconds)
{
	volatile unsigned long long x = 0;
	unsigned long long n = 0;
	double end = now() + seconds;

	do {
		for (int i = 0; i < 100000; i++)
			x += i;
		n++;
	} while (now() < end);
	return n;
}

int main(int argc, char **argv)
{
	int fds[MAX_EVENTS], count = 4, opt, i;
	const char *go = NULL;
	double seconds = 10, ratio = 0;
	unsigned long long iters;

	while ((opt = getopt(argc, argv, "n:t:g:")) != -1) {
		if (opt == 'n')
			count = atoi(optarg);
		else if (opt == 't')
			seconds = atof(optarg);
		else if (opt == 'g')
			go = optarg;
		else
			return 2;
	}
	if (count < 1 || count > MAX_EVENTS || !go)
		return 2;
	for (i = 0; i < count; i++) {
		fds[i] = open_cycles();
		if (fds[i] < 0) {
			fprintf(stderr, "perf_event_open: %s\n",
				strerror(errno));
			return 1;
		}
	}
	printf("ready\n");
	fflush(stdout);
	while (access(go, F_OK))
		usleep(10000);
	iters = spin(seconds);
	for (i = 0; i < count; i++) {
		unsigned long long v[3] = { 0 };

		ioctl(fds[i], PERF_EVENT_IOC_DISABLE, 0);
		if (read(fds[i], v, sizeof(v)) == sizeof(v) && v[1])
			ratio += (double)v[2] / (double)v[1];
	}
	printf("iters %llu ratio %.4f\n", iters, ratio / count);
	return 0;
}
