// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * LD_PRELOAD for Debian's papi_command_line in the arm64 guest
 * (tests/vm-arm64/091-display.bats): PAPI_stop runs for real, then spins
 * (at most 60 s) until /tmp/stop exists, so that the stopped event set,
 * its leader disabled and its members left as they were, stays open on a
 * task that is on its CPU while pcrwatch looks at it. Built by
 * `make arm64` as build/arm64/tests/papi_stopped.so.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

int PAPI_stop(int event_set, long long *values);

int PAPI_stop(int event_set, long long *values)
{
	int (*real_stop)(int, long long *);
	time_t end = time(NULL) + 60;
	int rc;

	real_stop = (int (*)(int, long long *))dlsym(RTLD_NEXT, "PAPI_stop");
	if (!real_stop)
		abort();
	rc = real_stop(event_set, values);
	/* Spin, not sleep: the task stays on its CPU. */
	while (access("/tmp/stop", F_OK) && time(NULL) < end)
		;
	return rc;
}
