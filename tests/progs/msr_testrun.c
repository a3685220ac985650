// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * msr_testrun: drive and inspect the pinned msr group for the tests, with
 * the bpf(2) syscall alone (no libbpf, so it builds as a plain test prog).
 *
 *   msr_testrun write CPU MSR VALUE [FAILED]  BPF_PROG_TEST_RUN prog_write_msr
 * on CPU msr_testrun read CPU MSR VALUE            the same with prog_read_msr
 *   msr_testrun held CPU SLOT VALUE MSR       the same with prog_mark_held
 *   msr_testrun pending CPU MSR TGID COMM [CGROUP_ID]  a /dev/cpu/CPU/msr
 * writer in flight (stands in for sys_enter_pwrite64) msr_testrun clear CPU ...
 * and its sys_exit_pwrite64 msr_testrun slot CPU SLOT                 the
 * shadow of one counter, key=value msr_testrun cpu CPU the per-CPU registers
 * and counts Numbers take any base strtoull accepts (0x.. for hex).
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
		fprintf(stderr, "msr_testrun: %s: %s\n", path, strerror(errno));
		exit(1);
	}
	return fd;
}

static __u64 num(const char *s)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end || end == s) {
		fprintf(stderr, "msr_testrun: bad number '%s'\n", s);
		exit(2);
	}
	return v;
}

static int nr_possible_cpus(void)
{
	FILE *f = fopen("/sys/devices/system/cpu/possible", "r");
	int lo = 0, hi = 0;

	if (!f)
		return 1;
	if (fscanf(f, "%d-%d", &lo, &hi) < 2)
		hi = lo;
	fclose(f);
	return hi + 1;
}

static int test_run(const char *prog, __u32 cpu, __u64 *ctx, __u32 n)
{
	union bpf_attr a;
	int fd = obj_get(prog);

	memset(&a, 0, sizeof(a));
	a.test.prog_fd = (__u32)fd;
	a.test.ctx_in = (__u64)(unsigned long)ctx;
	a.test.ctx_size_in = n * sizeof(__u64);
	a.test.flags = BPF_F_TEST_RUN_ON_CPU;
	a.test.cpu = cpu;
	if (sys_bpf(BPF_PROG_TEST_RUN, &a)) {
		fprintf(stderr, "msr_testrun: test run of %s: %s\n", prog,
			strerror(errno));
		return 1;
	}
	printf("retval=%u\n", a.test.retval);
	close(fd);
	return 0;
}

static int lookup(const char *map, __u32 key, void *val)
{
	union bpf_attr a;
	int fd = obj_get(map);

	memset(&a, 0, sizeof(a));
	a.map_fd = (__u32)fd;
	a.key = (__u64)(unsigned long)&key;
	a.value = (__u64)(unsigned long)val;
	if (sys_bpf(BPF_MAP_LOOKUP_ELEM, &a)) {
		fprintf(stderr, "msr_testrun: lookup %s[%u]: %s\n", map, key,
			strerror(errno));
		exit(1);
	}
	close(fd);
	return 0;
}

static int update(const char *map, __u32 key, const void *val)
{
	union bpf_attr a;
	int fd = obj_get(map);

	memset(&a, 0, sizeof(a));
	a.map_fd = (__u32)fd;
	a.key = (__u64)(unsigned long)&key;
	a.value = (__u64)(unsigned long)val;
	if (sys_bpf(BPF_MAP_UPDATE_ELEM, &a)) {
		fprintf(stderr, "msr_testrun: update %s[%u]: %s\n", map, key,
			strerror(errno));
		return 1;
	}
	close(fd);
	return 0;
}

static void print_owner(const char *p, __u32 path, const struct pcrw_owner *o)
{
	printf("%s_path=%u\n%s_layer=%u\n%s_tgid=%u\n%s_comm=%.*s\n", p, path,
	       p, o->layer, p, o->tgid, p, PCRW_COMM_LEN, o->comm);
}

static int show_slot(__u32 cpu, __u32 slot)
{
	int n = nr_possible_cpus();
	struct pcrw_msr_slot *v = calloc((size_t)n, sizeof(*v)), *s;

	if (!v || cpu >= (__u32)n)
		return 2;
	lookup("shadow", slot, v);
	s = &v[cpu];
	printf("owned=%u\nenabled=%u\nevtsel=0x%llx\nnr_writes=%u\nnr_failed=%"
	       "u\n"
	       "nr_reads=%u\nnr_clobbers=%u\nattempt_failed=%u\nattempt_msr=0x%"
	       "x\n"
	       "attempt_value=0x%llx\n",
	       s->owned, s->enabled, (unsigned long long)s->evtsel,
	       s->nr_writes, s->nr_failed, s->nr_reads, s->nr_clobbers,
	       s->attempt_failed, s->attempt_msr,
	       (unsigned long long)s->attempt_value);
	print_owner("owner", s->owner_path, &s->owner);
	print_owner("attempt", s->attempt_path, &s->attempt);
	free(v);
	return 0;
}

static int show_cpu(__u32 cpu)
{
	int n = nr_possible_cpus();
	struct pcrw_msr_cpu *v = calloc((size_t)n, sizeof(*v)), *c;

	if (!v || cpu >= (__u32)n)
		return 2;
	lookup("cpu_state", 0, v);
	c = &v[cpu];
	printf("global_ctrl=0x%llx\nfixed_ctrl=0x%llx\nglobal_inuse=0x%llx\n"
	       "global_msr=0x%x\nnr_pmu_writes=%llu\nnr_failed=%llu\n"
	       "nr_out_of_range=%llu\nnr_direct=%llu\nnr_reads=%llu\n",
	       (unsigned long long)c->global_ctrl,
	       (unsigned long long)c->fixed_ctrl,
	       (unsigned long long)c->global_inuse, c->global_msr,
	       (unsigned long long)c->nr_pmu_writes,
	       (unsigned long long)c->nr_failed,
	       (unsigned long long)c->nr_out_of_range,
	       (unsigned long long)c->nr_direct,
	       (unsigned long long)c->nr_reads);
	print_owner("global", c->global_path, &c->global_writer);
	free(v);
	return 0;
}

static int usage(void)
{
	fprintf(stderr,
		"usage: msr_testrun write|read|held|pending|clear|slot|cpu "
		"ARGS (see source)\n");
	return 2;
}

int main(int argc, char **argv)
{
	struct pcrw_msr_pending p;
	__u64 ctx[3];
	const char *cmd = argc > 1 ? argv[1] : "";

	if (!strcmp(cmd, "write") && (argc == 5 || argc == 6)) {
		ctx[0] = num(argv[3]);
		ctx[1] = num(argv[4]);
		ctx[2] = argc == 6 ? num(argv[5]) : 0;
		return test_run("prog_write_msr", (__u32)num(argv[2]), ctx, 3);
	}
	if (!strcmp(cmd, "read") && argc == 5) {
		ctx[0] = num(argv[3]);
		ctx[1] = num(argv[4]);
		ctx[2] = 0;
		return test_run("prog_read_msr", (__u32)num(argv[2]), ctx, 3);
	}
	if (!strcmp(cmd, "held") && argc == 6) {
		ctx[0] = num(argv[3]);
		ctx[1] = num(argv[4]);
		ctx[2] = num(argv[5]);
		return test_run("prog_mark_held", (__u32)num(argv[2]), ctx, 3);
	}
	if (!strcmp(cmd, "pending") && (argc == 6 || argc == 7)) {
		memset(&p, 0, sizeof(p));
		p.msr = (__u32)num(argv[3]);
		p.active = 1;
		p.who.layer = PCR_LAYER_USER;
		p.who.tgid = p.who.pid = (__u32)num(argv[4]);
		snprintf(p.who.comm, sizeof(p.who.comm), "%s", argv[5]);
		p.who.cgroup_id = argc == 7 ? num(argv[6]) : 0;
		return update("pending", (__u32)num(argv[2]), &p);
	}
	if (!strcmp(cmd, "clear") && argc == 3) {
		memset(&p, 0, sizeof(p));
		return update("pending", (__u32)num(argv[2]), &p);
	}
	if (!strcmp(cmd, "slot") && argc == 4)
		return show_slot((__u32)num(argv[2]), (__u32)num(argv[3]));
	if (!strcmp(cmd, "cpu") && argc == 3)
		return show_cpu((__u32)num(argv[2]));
	return usage();
}
