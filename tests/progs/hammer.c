// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * hammer: a non-holder trying, as fast as it can, to reach a reserved
 * counter while something else changes the reservations, until a stop file
 * appears; then it says how often the kernel let it through.
 *   hammer msr CPU MSR STOPFILE     pwrite(2) of MSR through /dev/cpu/CPU/msr
 *   hammer perf CPU STOPFILE        perf_event_open of a hardware cycles
 *                                   event on CPU (-1: per task), closed
 * It waits for STOPFILE.go (20 s at most) before the first try, so that a
 * test can start it, confirm it runs, then start the reloads.
 * Output: "tries N admitted N busy N other N (first other errno E)".
 * Exit status: 0 when it ran, 2 on a usage error, 3 when it never started.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <linux/perf_event.h>

struct tally {
	unsigned long tries, admitted, busy, other;
	int first_other;
};

static void count(struct tally *t, int ok, int err)
{
	t->tries++;
	if (ok)
		t->admitted++;
	else if (err == EBUSY)
		t->busy++;
	else if (!t->other++)
		t->first_other = err;
}

static int exists(const char *path)
{
	struct stat st;

	return !stat(path, &st);
}

static int try_msr(int fd, uint32_t msr)
{
	uint64_t v = 0x43003c; /* cycles, USR|OS, EN */

	return pwrite(fd, &v, sizeof(v), msr) == sizeof(v);
}

static int try_perf(int cpu)
{
	struct perf_event_attr a = {
		.size = sizeof(a),
		.type = PERF_TYPE_HARDWARE,
		.config = PERF_COUNT_HW_CPU_CYCLES,
	};
	int fd = syscall(SYS_perf_event_open, &a, cpu < 0 ? 0 : -1, cpu, -1,
			 PERF_FLAG_FD_CLOEXEC);

	if (fd < 0)
		return 0;
	close(fd);
	return 1;
}

int main(int argc, char **argv)
{
	struct tally t = { 0 };
	const char *stop;
	char go[4096], path[64];
	int msr_mode, cpu, fd = -1, i;
	uint32_t msr = 0;

	msr_mode = argc == 5 && !strcmp(argv[1], "msr");
	if (!msr_mode && !(argc == 4 && !strcmp(argv[1], "perf"))) {
		fprintf(stderr, "usage: hammer msr CPU MSR STOPFILE | "
				"hammer perf CPU STOPFILE\n");
		return 2;
	}
	cpu = atoi(argv[2]);
	if (msr_mode)
		msr = strtoul(argv[3], NULL, 0);
	stop = argv[argc - 1];
	snprintf(go, sizeof(go), "%s.go", stop);
	if (msr_mode) {
		snprintf(path, sizeof(path), "/dev/cpu/%d/msr", cpu);
		fd = open(path, O_WRONLY | O_CLOEXEC);
		if (fd < 0) {
			perror(path);
			return 3;
		}
	}
	for (i = 0; i < 2000 && !exists(go); i++)
		usleep(10000);
	if (!exists(go)) {
		fprintf(stderr, "hammer: %s never appeared\n", go);
		return 3;
	}
	while (!exists(stop)) {
		int ok = msr_mode ? try_msr(fd, msr) : try_perf(cpu);

		count(&t, ok, errno);
	}
	printf("tries %lu admitted %lu busy %lu other %lu (first other errno "
	       "%d)\n",
	       t.tries, t.admitted, t.busy, t.other, t.first_other);
	return 0;
}
