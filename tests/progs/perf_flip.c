// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * perf_flip: open perf events while a second thread keeps changing the
 * attr in user memory between a software event (dummy: never counts) and
 * a hardware one (cycles), for the tests that the veto decides from the
 * kernel's copy of the attr.
 *   perf_flip --cpu N [--rounds R] [--compat]
 * For machines without a core PMU (amd64 guests), where the open hook is
 * the veto point and a reservation covers CPU N: each open must end as
 * EBUSY (the kernel's copy was hardware) or as a software event (it was
 * software). ENOENT means the veto let a hardware event through to the
 * PMU lookup: it decided from something other than the kernel's copy.
 * Prints the outcomes; exit 1 on any ENOENT, or when either outcome never
 * happened (the race did not run both ways) in up to 20 x R rounds.
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <linux/perf_event.h>

static struct perf_event_attr *attr;
static volatile int stop;

static void *flipper(void *arg)
{
	volatile struct perf_event_attr *a = attr;

	while (!stop) {
		a->type = PERF_TYPE_HARDWARE;
		a->config = PERF_COUNT_HW_CPU_CYCLES;
		a->type = PERF_TYPE_SOFTWARE;
		a->config = PERF_COUNT_SW_DUMMY;
	}
	return NULL;
}

/* The ia32 ABI through int 0x80 (which may zero r8-r11 on return). */
static int open_event(int cpu, int compat)
{
#if defined(__x86_64__)
	if (compat) {
		long ret;

		__asm__ volatile("int $0x80"
				 : "=a"(ret)
				 : "a"(336L), "b"((long)attr), "c"(0L),
				   "d"((long)cpu), "S"(-1L), "D"(0L)
				 : "memory", "cc", "r8", "r9", "r10", "r11");
		if (ret < 0) {
			errno = -ret;
			return -1;
		}
		return ret;
	}
#endif
	return syscall(SYS_perf_event_open, attr, 0, cpu, -1, 0);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "cpu", required_argument, NULL, 'C' },
		{ "rounds", required_argument, NULL, 'r' },
		{ "compat", no_argument, NULL, 'X' },
		{ NULL, 0, NULL, 0 },
	};
	int cpu = 0, rounds = 2000, compat = 0, opt, i, fd;
	int sw = 0, busy = 0, noent = 0, other = 0;
	pthread_t t;
	cpu_set_t set;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'C':
			cpu = atoi(optarg);
			break;
		case 'r':
			rounds = atoi(optarg);
			break;
		case 'X':
			compat = 1;
			break;
		default:
			return 2;
		}
	}
	/* Below 4 GiB, so the 32-bit ABI can be handed the same attr. */
	attr = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS
#if defined(__x86_64__)
			    | MAP_32BIT
#endif
		    ,
		    -1, 0);
	if (attr == MAP_FAILED)
		return 2;
	attr->size = sizeof(*attr);
	/* The flipper first, so it keeps the other CPUs. */
	pthread_create(&t, NULL, flipper, NULL);
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
	/* At least @rounds, and on (up to 20 times as many) until the race
	 * has gone both ways: which way a round falls is up to the two
	 * threads' timing, and one run of 3000 once went all one way. */
	for (i = 0; i < rounds || (i < 20 * rounds && (!sw || !busy)); i++) {
		fd = open_event(cpu, compat);
		if (fd < 0) {
			if (errno == EBUSY)
				busy++;
			else if (errno == ENOENT)
				noent++;
			else
				other++;
			continue;
		}
		sw++;
		close(fd);
	}
	stop = 1;
	pthread_join(t, NULL);
	printf("rounds %d: software %d, EBUSY %d, ENOENT %d, other errors %d\n",
	       i, sw, busy, noent, other);
	return noent || other || !sw || !busy ? 1 : 0;
}
