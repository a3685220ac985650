// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * perf_hold: open N perf events and hold them until killed, for the
 * ownership tests and the snapshot bench.
 *   perf_hold [-n N] [-e EVENT] [-C CPU] [-a CPU] [-P] [-g] [-x] [-s]
 *             [-i] [-f FORKS] [-r READY_FILE]
 * EVENT: cycles (default), instructions, raw:0xNN, cpu-clock, dummy.
 * -C CPU: CPU-wide events on CPU (else events on this process), -a CPU: run
 * on CPU, -P pinned, -g one group (the first event leads), -x exclusive,
 * -s spin instead of sleeping (task events count only while it runs),
 * -f FORKS: after opening, fork FORKS children that each hold the same fds,
 * -i inherit: those children get inherited copies of the (task) events.
 * Once every event is open it writes its pid to READY_FILE (renamed into
 * place, so readers see it whole) and to stdout.
 */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/perf_event.h>

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	stop = 1;
}

static int parse_event(const char *s, struct perf_event_attr *a)
{
	a->type = PERF_TYPE_HARDWARE;
	if (!strcmp(s, "cycles"))
		a->config = PERF_COUNT_HW_CPU_CYCLES;
	else if (!strcmp(s, "instructions"))
		a->config = PERF_COUNT_HW_INSTRUCTIONS;
	else if (!strncmp(s, "raw:", 4)) {
		a->type = PERF_TYPE_RAW;
		a->config = strtoull(s + 4, NULL, 0);
	} else if (!strcmp(s, "cpu-clock")) {
		a->type = PERF_TYPE_SOFTWARE;
		a->config = PERF_COUNT_SW_CPU_CLOCK;
	} else if (!strcmp(s, "dummy")) {
		a->type = PERF_TYPE_SOFTWARE;
		a->config = PERF_COUNT_SW_DUMMY;
	} else
		return -1;
	return 0;
}

static void raise_nofile(int n)
{
	struct rlimit r;

	if (getrlimit(RLIMIT_NOFILE, &r))
		return;
	if (r.rlim_cur < (rlim_t)n + 64) {
		r.rlim_cur = (rlim_t)n + 64;
		if (r.rlim_max < r.rlim_cur)
			r.rlim_max = r.rlim_cur;
		setrlimit(RLIMIT_NOFILE, &r);
	}
}

static int write_ready(const char *path)
{
	char tmp[4096];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f)
		return -1;
	fprintf(f, "%d\n", getpid());
	if (fclose(f))
		return -1;
	return rename(tmp, path);
}

int main(int argc, char **argv)
{
	struct perf_event_attr attr = { .size = sizeof(attr) };
	int n = 1, cpu = -1, affinity = -1, forks = 0, opt, i, leader = -1;
	int group = 0, spin = 0;
	const char *ev = "cycles", *ready = NULL;
	pid_t *kids;
	cpu_set_t set;

	while ((opt = getopt(argc, argv, "n:e:C:a:Pgxsif:r:")) != -1) {
		switch (opt) {
		case 'n':
			n = atoi(optarg);
			break;
		case 'e':
			ev = optarg;
			break;
		case 'C':
			cpu = atoi(optarg);
			break;
		case 'a':
			affinity = atoi(optarg);
			break;
		case 'P':
			attr.pinned = 1;
			break;
		case 'g':
			group = 1;
			break;
		case 'x':
			attr.exclusive = 1;
			break;
		case 's':
			spin = 1;
			break;
		case 'i':
			attr.inherit = 1;
			break;
		case 'f':
			forks = atoi(optarg);
			break;
		case 'r':
			ready = optarg;
			break;
		default:
			fprintf(stderr,
				"perf_hold: bad option (see the source)\n");
			return 2;
		}
	}
	if (n < 1 || parse_event(ev, &attr)) {
		fprintf(stderr, "perf_hold: bad -n or -e '%s'\n", ev);
		return 2;
	}
	if (affinity >= 0) {
		CPU_ZERO(&set);
		CPU_SET(affinity, &set);
		if (sched_setaffinity(0, sizeof(set), &set)) {
			perror("perf_hold: sched_setaffinity");
			return 1;
		}
	}
	raise_nofile(n);
	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	for (i = 0; i < n; i++) {
		struct perf_event_attr a = attr;
		int fd;

		/* Only a group leader may be pinned or exclusive. */
		if (group && i > 0)
			a.pinned = a.exclusive = 0;
		fd = syscall(SYS_perf_event_open, &a, cpu < 0 ? 0 : -1, cpu,
			     group && i > 0 ? leader : -1,
			     PERF_FLAG_FD_CLOEXEC);
		if (fd < 0) {
			fprintf(stderr, "perf_hold: event %d of %d: %s\n",
				i + 1, n, strerror(errno));
			return 1;
		}
		if (i == 0)
			leader = fd;
	}
	kids = calloc(forks > 0 ? forks : 1, sizeof(*kids));
	for (i = 0; i < forks; i++) {
		kids[i] = fork();
		if (kids[i] == 0) {
			while (!stop)
				pause();
			_exit(0);
		}
	}
	if (ready && write_ready(ready)) {
		perror("perf_hold: ready file");
		return 1;
	}
	printf("%d\n", getpid());
	fflush(stdout);
	while (!stop) {
		if (!spin)
			pause();
	}
	for (i = 0; i < forks; i++)
		if (kids[i] > 0) {
			kill(kids[i], SIGTERM);
			waitpid(kids[i], NULL, 0);
		}
	return 0;
}
