// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * demo-tenant: a counter user for the demo and the live view's guest test.
 * Opens COUNT hardware cycle events (per CPU with -c, else on itself), holds
 * them for SECONDS while it spins or sleeps, then prints each event's
 * time_running/time_enabled and exits. Its command name is NAME, so the live
 * view shows who it is.
 *   demo-tenant [-N NAME] [-c CPU] [-n COUNT] [-p] [-s] [-t SECONDS]
 *   -p: pinned events; -s: spin (busy) instead of sleeping
 * Prints "ready" once every event is open; exit 1 when one cannot be opened.
 */
#include <errno.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define MAX_EVENTS 64

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	struct perf_event_attr attr;
	int fds[MAX_EVENTS], opt, i, cpu = -1, count = 1, pinned = 0, spin = 0;
	double secs = 5, end;
	const char *name = "demo-tenant";
	__u64 val[3];

	while ((opt = getopt(argc, argv, "N:c:n:pst:")) != -1) {
		switch (opt) {
		case 'N':
			name = optarg;
			break;
		case 'c':
			cpu = atoi(optarg);
			break;
		case 'n':
			count = atoi(optarg);
			break;
		case 'p':
			pinned = 1;
			break;
		case 's':
			spin = 1;
			break;
		case 't':
			secs = atof(optarg);
			break;
		default:
			fprintf(stderr, "usage: demo-tenant [-N NAME] [-c CPU] "
					"[-n COUNT] [-p] [-s] [-t SECONDS]\n");
			return 2;
		}
	}
	if (count < 1 || count > MAX_EVENTS)
		return 2;
	prctl(PR_SET_NAME, name, 0, 0, 0);

	memset(&attr, 0, sizeof(attr));
	attr.size = sizeof(attr);
	attr.type = PERF_TYPE_HARDWARE;
	attr.config = PERF_COUNT_HW_CPU_CYCLES;
	attr.pinned = pinned;
	attr.read_format =
		PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_TOTAL_TIME_RUNNING;
	for (i = 0; i < count; i++) {
		fds[i] = (int)syscall(SYS_perf_event_open, &attr,
				      cpu >= 0 ? -1 : 0, cpu, -1, 0);
		if (fds[i] < 0) {
			fprintf(stderr, "%s: event %d: perf_event_open: %s\n",
				name, i, strerror(errno));
			return 1;
		}
	}
	if (cpu >= 0)
		printf("%s[%d]: ready, %d cycle events on CPU %d\n", name,
		       getpid(), count, cpu);
	else
		printf("%s[%d]: ready, %d cycle events on itself\n", name,
		       getpid(), count);
	fflush(stdout);

	end = now() + secs;
	while (now() < end) {
		if (spin)
			continue;
		usleep(50000);
	}
	for (i = 0; i < count; i++) {
		if (read(fds[i], val, sizeof(val)) == sizeof(val))
			printf("%s: event %d ran %.2f of its time\n", name, i,
			       val[1] ? (double)val[2] / (double)val[1] : 0.0);
		close(fds[i]);
	}
	return 0;
}
