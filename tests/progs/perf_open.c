// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * perf_open: open hardware perf events the way a profiler does and report,
 * per event, the errno or the count it got. For the veto tests.
 *   perf_open [--type hw|cache|raw|pmu|sw] [--config N] [--cpu N] [--pid N]
 *             [--pinned] [--exclusive] [--inherit] [--group N | --count N]
 *             [--uid N] [--cgroup DIR] [--work MS] [--bench N]
 *             [--wait FILE] [--as-pid N] [--compat]
 * --wait FILE: open only once FILE exists (20 s at most).
 * --as-pid N: do it all in a child that has pid N (a recycled pid), set up
 *   through /proc/sys/kernel/ns_last_pid; exit 3 when N was not free.
 * --compat: open through the 32-bit ABI (x86-64: int 0x80, attr below 4 GiB).
 * Exit status: 0 when every event opened, else the first errno (16: EBUSY).
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/perf_event.h>

#define MAX_EV 32

static int core_pmu_type(void)
{
	DIR *d = opendir("/sys/bus/event_source/devices");
	struct dirent *e;
	char path[512];
	int type = -1;
	FILE *f;

	while (d && (e = readdir(d)))
		if (!strcmp(e->d_name, "cpu") ||
		    !strncmp(e->d_name, "armv8", 5)) {
			snprintf(path, sizeof(path),
				 "/sys/bus/event_source/devices/%s/type",
				 e->d_name);
			f = fopen(path, "r");
			if (f) {
				if (fscanf(f, "%d", &type) != 1)
					type = -1;
				fclose(f);
			}
			break;
		}
	if (d)
		closedir(d);
	return type;
}

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

static int compat;

/* perf_event_open through the native or, with --compat, the ia32 ABI. */
static int open_event(struct perf_event_attr *a, int pid, int cpu, int group)
{
#if defined(__x86_64__)
	if (compat) {
		static struct perf_event_attr *low;
		long ret;

		if (!low) {
			low = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
				   MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1,
				   0);
			if (low == MAP_FAILED) {
				low = NULL;
				return -1;
			}
		}
		*low = *a;
		__asm__ volatile("int $0x80"
				 : "=a"(ret)
				 : "a"(336L), "b"((long)low), "c"((long)pid),
				   "d"((long)cpu), "S"((long)group), "D"(0L)
				 : "memory", "cc", "r8", "r9", "r10", "r11");
		if (ret < 0) {
			errno = -ret;
			return -1;
		}
		return ret;
	}
#endif
	return syscall(SYS_perf_event_open, a, pid, cpu, group, 0);
}

/* Wait (20 s at most) until @path exists. */
static void wait_file(const char *path)
{
	struct stat st;
	int i;

	for (i = 0; i < 2000 && stat(path, &st); i++)
		usleep(10000);
}

/* Fork a child with pid @want: 0 in the child, its exit status in the
 * parent (3: the pid was not free). */
static int fork_as(int want)
{
	FILE *f = fopen("/proc/sys/kernel/ns_last_pid", "w");
	int st;
	pid_t c;

	if (!f || fprintf(f, "%d", want - 1) < 0 || fclose(f)) {
		perror("perf_open: ns_last_pid");
		exit(2);
	}
	c = fork();
	if (c == 0) {
		if (getpid() != want)
			_exit(3);
		return -1;
	}
	if (c < 0 || waitpid(c, &st, 0) < 0)
		return 2;
	if (WEXITSTATUS(st) == 3)
		fprintf(stderr, "perf_open: pid %d was not free\n", want);
	return WEXITSTATUS(st);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "type", required_argument, NULL, 't' },
		{ "config", required_argument, NULL, 'c' },
		{ "cpu", required_argument, NULL, 'C' },
		{ "pid", required_argument, NULL, 'p' },
		{ "pinned", no_argument, NULL, 'P' },
		{ "exclusive", no_argument, NULL, 'x' },
		{ "inherit", no_argument, NULL, 'i' },
		{ "group", required_argument, NULL, 'g' },
		{ "count", required_argument, NULL, 'n' },
		{ "uid", required_argument, NULL, 'u' },
		{ "cgroup", required_argument, NULL, 'G' },
		{ "work", required_argument, NULL, 'w' },
		{ "bench", required_argument, NULL, 'b' },
		{ "wait", required_argument, NULL, 'W' },
		{ "as-pid", required_argument, NULL, 'A' },
		{ "compat", no_argument, NULL, 'X' },
		{ NULL, 0, NULL, 0 },
	};
	struct perf_event_attr a = { .size = sizeof(a) };
	const char *type = "hw", *cgroup = NULL, *wait_path = NULL;
	int as_pid = 0;
	int cpu = -1, pid = 0, group = 0, count = 1, uid = -1, work = 0;
	int fds[MAX_EV], i, opt, first_err = 0, leader = -1, bench = 0;
	long config = 0;
	uint64_t v[3];

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 't':
			type = optarg;
			break;
		case 'c':
			config = strtol(optarg, NULL, 0);
			break;
		case 'C':
			cpu = atoi(optarg);
			break;
		case 'p':
			pid = atoi(optarg);
			break;
		case 'P':
			a.pinned = 1;
			break;
		case 'x':
			a.exclusive = 1;
			break;
		case 'i':
			a.inherit = 1;
			break;
		case 'g':
			group = atoi(optarg);
			break;
		case 'n':
			count = atoi(optarg);
			break;
		case 'u':
			uid = atoi(optarg);
			break;
		case 'G':
			cgroup = optarg;
			break;
		case 'w':
			work = atoi(optarg);
			break;
		case 'b':
			bench = atoi(optarg);
			break;
		case 'W':
			wait_path = optarg;
			break;
		case 'A':
			as_pid = atoi(optarg);
			break;
		case 'X':
			compat = 1;
			break;
		default:
			return 2;
		}
	}
	if (!strcmp(type, "hw")) {
		a.type = PERF_TYPE_HARDWARE;
	} else if (!strcmp(type, "cache")) {
		a.type = PERF_TYPE_HW_CACHE;
	} else if (!strcmp(type, "raw")) {
		a.type = PERF_TYPE_RAW;
	} else if (!strcmp(type, "sw")) {
		a.type = PERF_TYPE_SOFTWARE;
	} else if (!strcmp(type, "pmu")) {
		int t = core_pmu_type();

		if (t < 0) {
			fprintf(stderr, "perf_open: no core PMU in sysfs\n");
			return 2;
		}
		a.type = t;
	} else {
		fprintf(stderr, "perf_open: unknown type %s\n", type);
		return 2;
	}
	a.config = config;
	a.read_format =
		PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_TOTAL_TIME_RUNNING;
	if (cgroup) {
		char path[512];
		FILE *f;

		snprintf(path, sizeof(path), "%s/cgroup.procs", cgroup);
		f = fopen(path, "w");
		if (!f || fprintf(f, "%d\n", getpid()) < 0 || fclose(f)) {
			perror("perf_open: join cgroup");
			return 2;
		}
	}
	if (as_pid > 0) {
		int st = fork_as(as_pid);

		if (st >= 0)
			return st;
		printf("pid %d\n", getpid());
	}
	if (uid >= 0 && setresuid(uid, uid, uid)) {
		perror("perf_open: setresuid");
		return 2;
	}
	if (cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		sched_setaffinity(0, sizeof(set), &set);
	}
	if (bench) { /* open+close latency, ns per pair */
		long t0 = now_ns();
		int fd;

		for (i = 0; i < bench; i++) {
			fd = syscall(SYS_perf_event_open, &a, pid, cpu, -1, 0);
			if (fd < 0) {
				printf("bench: error %d (%s)\n", errno,
				       strerror(errno));
				return errno;
			}
			close(fd);
		}
		printf("bench: %ld ns per open+close\n",
		       (now_ns() - t0) / bench);
		return 0;
	}
	if (wait_path)
		wait_file(wait_path);
	if (group > 0)
		count = group;
	if (count > MAX_EV)
		count = MAX_EV;
	for (i = 0; i < count; i++) {
		fds[i] = open_event(&a, pid, cpu, group > 0 ? leader : -1);
		if (fds[i] < 0) {
			int e = errno;

			printf("open %d: error %d (%s)\n", i + 1, e,
			       strerror(e));
			if (!first_err)
				first_err = e;
			break;
		}
		printf("open %d: ok\n", i + 1);
		if (group > 0 && leader < 0)
			leader = fds[i];
		if (group > 0)
			a.pinned = a.exclusive = 0; /* only a leader has them */
	}
	count = i;
	fflush(stdout);
	if (work > 0) {
		if (a.inherit && fork() == 0) {
			spin(work);
			_exit(0);
		}
		spin(work);
		for (i = 0; i < count; i++) {
			if (read(fds[i], v, sizeof(v)) != sizeof(v)) {
				printf("count %d: unreadable\n", i + 1);
				continue;
			}
			printf("count %d: %llu enabled %llu running %llu\n",
			       i + 1, (unsigned long long)v[0],
			       (unsigned long long)v[1],
			       (unsigned long long)v[2]);
		}
		while (wait(NULL) > 0)
			;
	}
	for (i = 0; i < count; i++)
		close(fds[i]);
	return first_err;
}
