// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * bpf-stats-prog: load a two-instruction socket filter named NAME, run it
 * RUNS times through BPF_PROG_TEST_RUN, print "ready ID", and hold it for
 * SECONDS (default 60) or until killed. The exporter's test uses it to see a
 * named program's run count and run time in pcrwatch_bpf_prog_*_total.
 *   bpf-stats-prog NAME RUNS [SECONDS]
 */
#include <errno.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static int sys_bpf(int cmd, union bpf_attr *attr)
{
	return (int)syscall(SYS_bpf, cmd, attr, sizeof(*attr));
}

int main(int argc, char **argv)
{
	struct bpf_insn insns[] = {
		/* r0 = 0; exit */
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	unsigned char pkt[64] = { 0 };
	struct bpf_prog_info info;
	union bpf_attr attr;
	int fd, runs, secs;

	if (argc < 3) {
		fprintf(stderr, "usage: bpf-stats-prog NAME RUNS [SECONDS]\n");
		return 2;
	}
	runs = atoi(argv[2]);
	secs = argc > 3 ? atoi(argv[3]) : 60;

	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
	attr.insns = (unsigned long)insns;
	attr.insn_cnt = sizeof(insns) / sizeof(insns[0]);
	attr.license = (unsigned long)"GPL";
	strncpy(attr.prog_name, argv[1], sizeof(attr.prog_name) - 1);
	fd = sys_bpf(BPF_PROG_LOAD, &attr);
	if (fd < 0) {
		fprintf(stderr, "bpf-stats-prog: load: %s\n", strerror(errno));
		return 1;
	}
	if (runs > 0) {
		memset(&attr, 0, sizeof(attr));
		attr.test.prog_fd = (unsigned int)fd;
		attr.test.data_in = (unsigned long)pkt;
		attr.test.data_size_in = sizeof(pkt);
		attr.test.repeat = (unsigned int)runs;
		if (sys_bpf(BPF_PROG_TEST_RUN, &attr)) {
			fprintf(stderr, "bpf-stats-prog: test run: %s\n",
				strerror(errno));
			return 1;
		}
	}
	memset(&info, 0, sizeof(info));
	memset(&attr, 0, sizeof(attr));
	attr.info.bpf_fd = (unsigned int)fd;
	attr.info.info_len = sizeof(info);
	attr.info.info = (unsigned long)&info;
	if (sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &attr)) {
		fprintf(stderr, "bpf-stats-prog: info: %s\n", strerror(errno));
		return 1;
	}
	printf("ready %u\n", info.id);
	fflush(stdout);
	sleep((unsigned int)secs);
	close(fd);
	return 0;
}
