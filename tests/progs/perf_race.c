// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * perf_race: race pinned perf_event_open calls against each other, for the
 * admission tests (rule 5 must decide and charge in one step).
 *   perf_race --cpu N [--threads T] [--rounds R] [--config C] [--max M]
 *             [--per-task K]
 * Each round, T threads wait at a barrier and then open one pinned
 * hardware event each (config C, PERF_TYPE_HARDWARE) on CPU N at once;
 * with --per-task K, K of them open per-task events instead (any CPU).
 * Every admitted event is then read after the round's threads spun on CPU
 * N: it must have counted, with time_running == time_enabled (a pinned
 * event that got no counter reads end of file). Then all are closed.
 * Prints the most events one round admitted. Exit status: 0 when no round
 * admitted more than M and every admitted event counted, 1 otherwise.
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <linux/perf_event.h>

#define MAX_THREADS 16

static pthread_barrier_t start, opened, done;
static int cpu = 0, nthreads = 4, per_task = 0;
static long config = PERF_COUNT_HW_CPU_CYCLES;
static int fds[MAX_THREADS], errs[MAX_THREADS];

static long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000L + ts.tv_nsec;
}

static void spin(int ms)
{
	long end = now_ns() + ms * 1000000L;
	volatile unsigned long x = 0;

	while (now_ns() < end)
		x++;
}

static void *racer(void *arg)
{
	long me = (long)arg;
	struct perf_event_attr a = {
		.size = sizeof(a),
		.type = PERF_TYPE_HARDWARE,
		.config = config,
		.pinned = 1,
		.read_format = PERF_FORMAT_TOTAL_TIME_ENABLED |
			       PERF_FORMAT_TOTAL_TIME_RUNNING,
	};
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
	pthread_barrier_wait(&start);
	/* pid 0: this thread, on CPU N (or any CPU for per-task ones). */
	fds[me] = syscall(SYS_perf_event_open, &a, 0, me < per_task ? -1 : cpu,
			  -1, 0);
	errs[me] = fds[me] < 0 ? errno : 0;
	pthread_barrier_wait(&opened);
	spin(5);
	pthread_barrier_wait(&done);
	return NULL;
}

/* An admitted event counted with a counter all along: 1; else 0. */
static int counted(int fd)
{
	uint64_t v[3];

	if (read(fd, v, sizeof(v)) != sizeof(v))
		return 0;
	return v[0] > 0 && v[1] > 0 && v[1] == v[2];
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "cpu", required_argument, NULL, 'C' },
		{ "threads", required_argument, NULL, 't' },
		{ "rounds", required_argument, NULL, 'r' },
		{ "config", required_argument, NULL, 'c' },
		{ "max", required_argument, NULL, 'm' },
		{ "per-task", required_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 },
	};
	int rounds = 50, max = 1, most = 0, bad = 0, opt, r, i;
	pthread_t t[MAX_THREADS];

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'C':
			cpu = atoi(optarg);
			break;
		case 't':
			nthreads = atoi(optarg);
			break;
		case 'r':
			rounds = atoi(optarg);
			break;
		case 'c':
			config = strtol(optarg, NULL, 0);
			break;
		case 'm':
			max = atoi(optarg);
			break;
		case 'p':
			per_task = atoi(optarg);
			break;
		default:
			return 2;
		}
	}
	if (nthreads < 2 || nthreads > MAX_THREADS)
		return 2;
	for (r = 0; r < rounds; r++) {
		int admitted = 0;

		pthread_barrier_init(&start, NULL, nthreads);
		pthread_barrier_init(&opened, NULL, nthreads);
		pthread_barrier_init(&done, NULL, nthreads);
		for (i = 0; i < nthreads; i++)
			pthread_create(&t[i], NULL, racer, (void *)(long)i);
		for (i = 0; i < nthreads; i++)
			pthread_join(t[i], NULL);
		for (i = 0; i < nthreads; i++) {
			if (fds[i] < 0) {
				if (errs[i] != EBUSY) {
					printf("round %d: event %d: %s\n", r, i,
					       strerror(errs[i]));
					bad++;
				}
				continue;
			}
			admitted++;
			if (!counted(fds[i])) {
				printf("round %d: event %d admitted but did "
				       "not count\n",
				       r, i);
				bad++;
			}
			close(fds[i]);
		}
		if (admitted > most)
			most = admitted;
		if (admitted > max)
			printf("round %d: %d events admitted, at most %d fit\n",
			       r, admitted, max);
		pthread_barrier_destroy(&start);
		pthread_barrier_destroy(&opened);
		pthread_barrier_destroy(&done);
	}
	printf("rounds %d, most admitted in one round %d\n", rounds, most);
	return most > max || bad ? 1 : 0;
}
