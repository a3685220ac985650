// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * pcr_client - drive /dev/cpu/N/pcr (the pcr_arbiter module) from tests.
 *
 *   pcr_client [-c CPU] [-k] CMD ARGS... [, CMD ARGS...]...
 *
 * Commands run in order in one process (so a private cookie from `acquire`
 * can be used by a later `program grant` or `ungrant SLOT grant`) and stop
 * at the first failure, or with -k go on. Each prints one line. Exit
 * status: 0, or the errno of the (last) failing command (EBUSY 16, EPERM 1,
 * EINVAL 22, ENXIO 6, ...), or 2 for bad usage. Cookies are numbers (0x...);
 * none is ever printed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "pcr_rules.h"
#include "../../arbiter-module/pcr_arbiter_uapi.h"

static const char *const verdicts[] = {
	"ok", "cookie", "layer", "direct", "mgmt", "busy", "invalid",
};
static const char *const modes[] = {
	"none",
	"minimal",
	"minimal-enforcing",
	"fully-enforcing",
};
static const char *const mirrors[] = { "off", "kretprobe", "ioctl" };

static __u64 grant_cookie;

static const char *verdict_name(__u32 v)
{
	return v < sizeof(verdicts) / sizeof(verdicts[0]) ? verdicts[v] : "?";
}

static int usage(void)
{
	fprintf(stderr,
		"usage: pcr_client [-c CPU] [-k] CMD ARGS... [, CMD "
		"ARGS...]...\n"
		"  info | status SLOT | read ADDR | write ADDR VALUE\n"
		"  claim SLOT COOKIE | release SLOT MGMT\n"
		"  set-access|set-control|set-mgmt SLOT MGMT VALUE\n"
		"  program SLOT evtsel|counter ACCESS VALUE\n"
		"  legacy "
		"reserve-perfctr|release-perfctr|reserve-evntsel|release-"
		"evntsel N\n"
		"  acquire SLOT | ungrant SLOT COOKIE | await FILE TEXT\n"
		"A cookie may be 'grant': the one the last acquire "
		"returned.\n");
	return 2;
}

static int parse_u64(const char *s, __u64 *out)
{
	char *end;

	if (!strcmp(s, "grant")) {
		*out = grant_cookie;
		return 0;
	}
	errno = 0;
	*out = strtoull(s, &end, 0);
	if (errno || !*s || *end) {
		fprintf(stderr, "pcr_client: bad number '%s'\n", s);
		return -1;
	}
	return 0;
}

static int parse_u32(const char *s, __u32 *out)
{
	__u64 v;

	if (parse_u64(s, &v) || v > UINT32_MAX)
		return -1;
	*out = (__u32)v;
	return 0;
}

/* Report a failed call: its errno and, when the rulebook refused, why. */
static int failed(const char *what, __u32 slot, int err, int has_verdict,
		  __u32 verdict)
{
	printf("%s slot=%u denied: %s", what, slot, strerror(err));
	if (has_verdict)
		printf(" verdict=%s", verdict_name(verdict));
	printf("\n");
	return err;
}

static void print_flags(__u32 f)
{
	static const char *const names[] = { "present",	       "reserved",
					     "open",	       "legacy-perfctr",
					     "legacy-evntsel", "private",
					     "firmware" };
	unsigned int i;
	int first = 1;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (f & (1U << i)) {
			printf("%s%s", first ? "" : ",", names[i]);
			first = 0;
		}
	}
	if (first)
		printf("none");
}

static int cmd_info(int fd)
{
	struct pcr_arb_info in;
	int i;

	if (ioctl(fd, PCR_ARB_IOC_INFO, &in))
		return failed("info", 0, errno, 0, 0);
	printf("mode=%s mirror=%s gp=%u fixed=%u pmu_msrs=%u firmware=0x%llx "
	       "os=0x%llx denials=",
	       in.mode < 4 ? modes[in.mode] : "?",
	       in.mirror < 3 ? mirrors[in.mirror] : "?", in.nr_gp, in.nr_fixed,
	       in.pmu_msrs, (unsigned long long)in.firmware_slots,
	       (unsigned long long)in.os_slots);
	for (i = 0; i < PCR_NR_VERDICTS; i++)
		printf("%s%s:%llu", i ? "," : "", verdict_name(i),
		       (unsigned long long)in.denials[i]);
	printf("\n");
	return 0;
}

static int cmd_status(int fd, __u32 slot)
{
	struct pcr_arb_slot_status st = { .slot = slot };

	if (ioctl(fd, PCR_ARB_IOC_STATUS, &st))
		return failed("status", slot, errno, 0, 0);
	printf("slot=%u flags=", slot);
	print_flags(st.flags);
	printf(" control=0x%x holder_layer=%u holder_tgid=%u holder=%.16s "
	       "seq=%u\n",
	       st.control, st.holder_layer, st.holder_tgid,
	       st.holder_comm[0] ? st.holder_comm : "-", st.seq);
	return 0;
}

static int cmd_op(int fd, const char *name, unsigned long req, __u32 slot,
		  __u64 cookie, __u64 value)
{
	struct pcr_arb_op o = { .slot = slot,
				.cookie = cookie,
				.value = value };

	if (ioctl(fd, req, &o))
		return failed(name, slot, errno, 1, o.verdict);
	printf("%s slot=%u ok\n", name, slot);
	return 0;
}

static int cmd_program(int fd, __u32 slot, const char *target, __u64 access,
		       __u64 value)
{
	struct pcr_arb_program p = { .slot = slot,
				     .access = access,
				     .value = value };

	if (!strcmp(target, "evtsel"))
		p.target = PCR_ARB_EVTSEL;
	else if (!strcmp(target, "counter"))
		p.target = PCR_ARB_COUNTER;
	else
		return usage();
	if (ioctl(fd, PCR_ARB_IOC_PROGRAM, &p))
		return failed("program", slot, errno, 1, p.verdict);
	printf("program slot=%u allowed msr=0x%x %s\n", slot, p.msr,
	       p.msr_err ? "refused-by-cpu" : "written");
	return 0;
}

static int cmd_legacy(int fd, const char *op, __u32 counter)
{
	static const char *const ops[] = { "reserve-perfctr", "release-perfctr",
					   "reserve-evntsel",
					   "release-evntsel" };
	struct pcr_arb_legacy l = { .counter = counter, .op = 99 };
	unsigned int i;

	for (i = 0; i < 4; i++)
		if (!strcmp(op, ops[i]))
			l.op = i;
	if (l.op == 99)
		return usage();
	if (ioctl(fd, PCR_ARB_IOC_LEGACY, &l))
		return failed("legacy", counter, errno, 0, 0);
	printf("legacy %s counter=%u result=%d\n", op, counter, l.result);
	return 0;
}

static int cmd_grant(int fd, int acquire, __u32 slot, __u64 cookie)
{
	struct pcr_arb_grant g = { .slot = slot, .cookie = cookie };

	if (ioctl(fd, acquire ? PCR_ARB_IOC_ACQUIRE : PCR_ARB_IOC_UNGRANT, &g))
		return failed(acquire ? "acquire" : "ungrant", slot, errno, 1,
			      g.verdict);
	if (acquire)
		grant_cookie = g.cookie;
	printf("%s slot=%u ok\n", acquire ? "acquire" : "ungrant", slot);
	return 0;
}

static int cmd_read(int fd, __u32 addr)
{
	__u64 v;

	if (pread(fd, &v, sizeof(v), addr) != sizeof(v)) {
		printf("read 0x%x denied: %s\n", addr, strerror(errno));
		return errno;
	}
	printf("read 0x%x = 0x%llx\n", addr, (unsigned long long)v);
	return 0;
}

static int cmd_write(int fd, __u32 addr, __u64 v)
{
	if (pwrite(fd, &v, sizeof(v), addr) != sizeof(v)) {
		printf("write 0x%x denied: %s\n", addr, strerror(errno));
		return errno;
	}
	printf("write 0x%x ok\n", addr);
	return 0;
}

/* Wait, at most 20 s, until the file @path starts with @text: lets a test
 * change the machine (offline a CPU) while this process holds the device. */
static int cmd_await(const char *path, const char *text)
{
	char buf[64];
	int i;
	FILE *f;

	for (i = 0; i < 200; i++) {
		f = fopen(path, "r");
		if (f) {
			if (fgets(buf, sizeof(buf), f) &&
			    !strncmp(buf, text, strlen(text))) {
				fclose(f);
				printf("await %s ok\n", path);
				return 0;
			}
			fclose(f);
		}
		usleep(100000);
	}
	printf("await %s timed out\n", path);
	return ETIMEDOUT;
}

/* Run one command of @argc words; returns 0, an errno, or 2 for usage. */
static int run_one(int fd, int argc, char **argv)
{
	const char *c = argv[0];
	__u32 slot = 0;
	__u64 a = 0, b = 0;

	if (!strcmp(c, "await") && argc == 3)
		return cmd_await(argv[1], argv[2]);
	if (argc >= 2 && strcmp(c, "legacy") && parse_u32(argv[1], &slot))
		return 2;
	if (argc >= 3 && strcmp(c, "program") && strcmp(c, "legacy") &&
	    parse_u64(argv[2], &a))
		return 2;
	if (argc >= 4 && strcmp(c, "program") && parse_u64(argv[3], &b))
		return 2;
	if (!strcmp(c, "info") && argc == 1)
		return cmd_info(fd);
	if (!strcmp(c, "status") && argc == 2)
		return cmd_status(fd, slot);
	if (!strcmp(c, "read") && argc == 2)
		return cmd_read(fd, slot);
	if (!strcmp(c, "write") && argc == 3)
		return cmd_write(fd, slot, a);
	if (!strcmp(c, "claim") && argc == 3)
		return cmd_op(fd, c, PCR_ARB_IOC_CLAIM, slot, 0, a);
	if (!strcmp(c, "release") && argc == 3)
		return cmd_op(fd, c, PCR_ARB_IOC_RELEASE, slot, a, 0);
	if (!strcmp(c, "set-access") && argc == 4)
		return cmd_op(fd, c, PCR_ARB_IOC_SET_ACCESS, slot, a, b);
	if (!strcmp(c, "set-control") && argc == 4)
		return cmd_op(fd, c, PCR_ARB_IOC_SET_CONTROL, slot, a, b);
	if (!strcmp(c, "set-mgmt") && argc == 4)
		return cmd_op(fd, c, PCR_ARB_IOC_SET_MGMT, slot, a, b);
	if (!strcmp(c, "program") && argc == 5) {
		if (parse_u64(argv[3], &a) || parse_u64(argv[4], &b))
			return 2;
		return cmd_program(fd, slot, argv[2], a, b);
	}
	if (!strcmp(c, "legacy") && argc == 3) {
		if (parse_u32(argv[2], &slot))
			return 2;
		return cmd_legacy(fd, argv[1], slot);
	}
	if (!strcmp(c, "acquire") && argc == 2)
		return cmd_grant(fd, 1, slot, 0);
	if (!strcmp(c, "ungrant") && argc == 3)
		return cmd_grant(fd, 0, slot, a);
	return usage();
}

int main(int argc, char **argv)
{
	char path[64];
	int cpu = 0, fd, i, start, rc = 0, err, keep_going = 0;

	setvbuf(stdout, NULL, _IOLBF,
		0); /* tests watch the lines as they come */
	if (argc > 2 && !strcmp(argv[1], "-c")) {
		cpu = atoi(argv[2]);
		argv += 2;
		argc -= 2;
	}
	if (argc > 1 && !strcmp(argv[1], "-k")) {
		keep_going = 1;
		argv++;
		argc--;
	}
	if (argc < 2)
		return usage();
	snprintf(path, sizeof(path), PCR_ARB_DEV_FMT, cpu);
	fd = open(path, O_RDWR);
	if (fd < 0) {
		fprintf(stderr, "pcr_client: %s: %s\n", path, strerror(errno));
		return errno;
	}
	for (start = 1, i = 1; i <= argc && (!rc || keep_going); i++) {
		if (i < argc && strcmp(argv[i], ","))
			continue;
		if (i > start) {
			err = run_one(fd, i - start, argv + start);
			if (err == 2)
				break;
			rc = err ? err : rc;
		}
		start = i + 1;
	}
	close(fd);
	return rc;
}
