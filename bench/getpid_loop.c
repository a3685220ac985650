// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * getpid_loop: the cheapest syscall, N times, as bench/72-monitor-overhead's
 * measure of what a program attached to every syscall costs. Prints
 * "ops/sec: X" (the raw syscall, never a libc cache).
 *   getpid_loop N
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>

int main(int argc, char **argv)
{
	struct timespec a, b;
	long n, i;
	double s;

	if (argc != 2 || (n = atol(argv[1])) <= 0) {
		fprintf(stderr, "usage: getpid_loop N\n");
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (i = 0; i < n; i++)
		syscall(SYS_getpid);
	clock_gettime(CLOCK_MONOTONIC, &b);
	s = (double)(b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9;
	printf("ops/sec: %.0f\n", n / s);
	return 0;
}
