// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * msr_storm: a storm of clobber events from the pinned msr group, for the
 * event-stream tests (tests/host/075-agent-storm.bats), with the bpf(2)
 * syscall alone, as msr_testrun does it one event at a time.
 *
 *   msr_storm CPU COUNT [BATCH PAUSE_US]
 *
 * A direct writer (pid 1111, "storm-a") enables counter 0 of CPU through
 * IA32_PERFEVTSEL0; another (pid 2222, "storm-b") then writes IA32_PMC0
 * COUNT times with the values 1..COUNT: each write is one clobber event
 * whose "value" is its number, so a reader can tell exactly which events
 * it got. After every BATCH writes it pauses PAUSE_US microseconds (a
 * storm the ring buffer can hold while its reader keeps up); without them,
 * as fast as BPF_PROG_TEST_RUN goes. Prints how many runs it made.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <linux/bpf.h>

#include "../bpf/pcrwatch.h"

#define PIN "/sys/fs/bpf/pcrwatch/msr/"
#define MSR_PERFEVTSEL0 0x186
#define MSR_PMC0 0xc1

static int sys_bpf(int cmd, union bpf_attr *a)
{
	return (int)syscall(__NR_bpf, cmd, a, sizeof(*a));
}

static int obj_get(const char *name)
{
	char path[256];
	union bpf_attr a;
	int fd;

	snprintf(path, sizeof(path), PIN "%s", name);
	memset(&a, 0, sizeof(a));
	a.pathname = (__u64)(unsigned long)path;
	fd = sys_bpf(BPF_OBJ_GET, &a);
	if (fd < 0) {
		fprintf(stderr, "msr_storm: %s: %s\n", path, strerror(errno));
		exit(1);
	}
	return fd;
}

/* The writer in flight on @cpu: @tgid writing @msr (0: none). */
static void pending(int map, __u32 cpu, __u32 msr, __u32 tgid, const char *comm)
{
	struct pcrw_msr_pending p;
	union bpf_attr a;

	memset(&p, 0, sizeof(p));
	p.msr = msr;
	p.active = msr != 0;
	p.who.layer = PCR_LAYER_USER;
	p.who.tgid = p.who.pid = tgid;
	snprintf(p.who.comm, sizeof(p.who.comm), "%s", comm);
	memset(&a, 0, sizeof(a));
	a.map_fd = (__u32)map;
	a.key = (__u64)(unsigned long)&cpu;
	a.value = (__u64)(unsigned long)&p;
	if (sys_bpf(BPF_MAP_UPDATE_ELEM, &a)) {
		fprintf(stderr, "msr_storm: pending: %s\n", strerror(errno));
		exit(1);
	}
}

static void write_msr(int prog, __u32 cpu, __u64 msr, __u64 value)
{
	__u64 ctx[3] = { msr, value, 0 };
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.test.prog_fd = (__u32)prog;
	a.test.ctx_in = (__u64)(unsigned long)ctx;
	a.test.ctx_size_in = sizeof(ctx);
	a.test.flags = BPF_F_TEST_RUN_ON_CPU;
	a.test.cpu = cpu;
	if (sys_bpf(BPF_PROG_TEST_RUN, &a)) {
		fprintf(stderr, "msr_storm: test run: %s\n", strerror(errno));
		exit(1);
	}
}

int main(int argc, char **argv)
{
	unsigned long cpu, count, batch = 0, pause_us = 0, i;
	int prog, map;

	if (argc != 3 && argc != 5) {
		fprintf(stderr,
			"usage: msr_storm CPU COUNT [BATCH PAUSE_US]\n");
		return 2;
	}
	cpu = strtoul(argv[1], NULL, 0);
	count = strtoul(argv[2], NULL, 0);
	if (argc == 5) {
		batch = strtoul(argv[3], NULL, 0);
		pause_us = strtoul(argv[4], NULL, 0);
	}
	prog = obj_get("prog_write_msr");
	map = obj_get("pending");
	pending(map, (__u32)cpu, MSR_PERFEVTSEL0, 1111, "storm-a");
	write_msr(prog, (__u32)cpu, MSR_PERFEVTSEL0, 0x43003c);
	pending(map, (__u32)cpu, MSR_PMC0, 2222, "storm-b");
	for (i = 1; i <= count; i++) {
		write_msr(prog, (__u32)cpu, MSR_PMC0, i);
		if (batch && i % batch == 0)
			usleep((useconds_t)pause_us);
	}
	pending(map, (__u32)cpu, 0, 0, "");
	printf("%lu\n", count);
	return 0;
}
