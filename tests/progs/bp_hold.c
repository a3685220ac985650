// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * bp_hold: make the kernel create a perf event that has no file: trace a
 * child and set an x86 debug-register breakpoint in it through ptrace; the
 * kernel backs it with a kernel counter (perf_event_create_kernel_counter)
 * in the child's task context. Then hold until killed.
 *   bp_hold READY_FILE     (writes "TRACER_PID CHILD_PID" when set)
 * Exits 3 on architectures other than x86_64.
 */
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/ptrace.h>
#include <sys/user.h>
#include <sys/wait.h>

#if defined(__x86_64__)
static volatile sig_atomic_t stop;
static long watched;

static void on_term(int sig)
{
	stop = 1;
}

int main(int argc, char **argv)
{
	char tmp[4096];
	pid_t child;
	FILE *f;
	int st;

	if (argc != 2) {
		fprintf(stderr, "usage: bp_hold READY_FILE\n");
		return 2;
	}
	signal(SIGTERM, on_term);
	child = fork();
	if (child == 0) {
		ptrace(PTRACE_TRACEME, 0, NULL, NULL);
		raise(SIGSTOP);
		for (;;)
			pause();
	}
	if (waitpid(child, &st, 0) != child || !WIFSTOPPED(st)) {
		perror("bp_hold: child");
		return 1;
	}
	/* DR0 = &watched, DR7: local enable of DR0, write watch, 8 bytes. */
	if (ptrace(PTRACE_POKEUSER, child,
		   (void *)offsetof(struct user, u_debugreg[0]), &watched) ||
	    ptrace(PTRACE_POKEUSER, child,
		   (void *)offsetof(struct user, u_debugreg[7]),
		   (void *)(0x1UL | (0x1UL << 16) | (0x2UL << 18)))) {
		perror("bp_hold: set breakpoint");
		kill(child, SIGKILL);
		return 1;
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp", argv[1]);
	f = fopen(tmp, "w");
	if (!f)
		return 1;
	fprintf(f, "%d %d\n", getpid(), child);
	fclose(f);
	rename(tmp, argv[1]);
	while (!stop)
		pause();
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	return 0;
}
#else
int main(void)
{
	fprintf(stderr, "bp_hold: x86_64 only\n");
	return 3;
}
#endif
