// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * LD_PRELOAD for Debian's papi_command_line in the arm64 guest
 * (tests/vm-arm64/090-real-clients.bats). Its counting lasts about 0.2 s of a
 * 2 s run under TCG, too short for a snapshot to land in reliably: here
 * PAPI_stop first spins until /tmp/stop exists (at most 60 s), so the event
 * set stays running on its counter. The events themselves, their
 * perf_event_open included, are PAPI's and libpfm4's own.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

int PAPI_stop(int event_set, long long *values)
{
	int (*real_stop)(int, long long *);
	time_t end = time(NULL) + 60;

	real_stop = (int (*)(int, long long *))dlsym(RTLD_NEXT, "PAPI_stop");
	if (!real_stop)
		abort();
	/* Spin, not sleep: the task stays on its CPU, its events active. */
	while (access("/tmp/stop", F_OK) && time(NULL) < end)
		;
	return real_stop(event_set, values);
}
