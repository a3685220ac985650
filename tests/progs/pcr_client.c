// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * pcr_client - drive /dev/cpu/N/pcr (the pcr_arbiter module) from tests.
 *
 *   pcr_client [-c CPU] [-k] [-m] [-u UID] [-r STOPFILE] CMD ARGS...
 *              [, CMD ARGS...]...
 *
 * Commands run in order in one process (so a private cookie from `acquire`
 * can be used by a later `program grant` or `ungrant SLOT grant`) and stop
 * at the first failure, or with -k go on. Each prints one line. Exit
 * status: 0, or the errno of the (last) failing command (EBUSY 16, EPERM 1,
 * EINVAL 22, ENXIO 6, ...), or 2 for bad usage. Cookies are numbers (0x...);
 * none is ever printed.
 *   -m          also open /dev/cpu/CPU/msr, for `msr-write`
 *   -u UID      open the devices as the caller, then become UID (its gid
 *               too, no groups) before any command: a file opened by root
 *               used by another user, as when root passes it on
 *   -r STOPFILE run the commands again and again, silently, until STOPFILE
 *               exists (at most 300 s); then print one line of counts:
 *               rounds=N ok=N busy=N other=N (a round fails at its first
 *               failing command), and exit 0
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <getopt.h>
#include <grp.h>
#include <stdarg.h>
#include <time.h>
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
static int msr_fd = -1; /* -m */
static int quiet; /* -r: no line per command */

/* One line of a command's output, unless repeating. */
static void say(const char *fmt, ...)
{
	va_list ap;

	if (quiet)
		return;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
}

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
		"  msr-write MSR VALUE (with -m: pwrite to "
		"/dev/cpu/CPU/msr)\n"
		"options: -m, -u UID, -r STOPFILE (see the source)\n"
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
	say("%s slot=%u denied: %s", what, slot, strerror(err));
	if (has_verdict)
		say(" verdict=%s", verdict_name(verdict));
	say("\n");
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
			say("%s%s", first ? "" : ",", names[i]);
			first = 0;
		}
	}
	if (first)
		say("none");
}

static int cmd_info(int fd)
{
	struct pcr_arb_info in;
	int i;

	if (ioctl(fd, PCR_ARB_IOC_INFO, &in))
		return failed("info", 0, errno, 0, 0);
	say("mode=%s mirror=%s gp=%u fixed=%u pmu_msrs=%u firmware=0x%llx "
	    "os=0x%llx denials=",
	    in.mode < 4 ? modes[in.mode] : "?",
	    in.mirror < 3 ? mirrors[in.mirror] : "?", in.nr_gp, in.nr_fixed,
	    in.pmu_msrs, (unsigned long long)in.firmware_slots,
	    (unsigned long long)in.os_slots);
	for (i = 0; i < PCR_NR_VERDICTS; i++)
		say("%s%s:%llu", i ? "," : "", verdict_name(i),
		    (unsigned long long)in.denials[i]);
	say("\n");
	return 0;
}

static int cmd_status(int fd, __u32 slot)
{
	struct pcr_arb_slot_status st = { .slot = slot };

	if (ioctl(fd, PCR_ARB_IOC_STATUS, &st))
		return failed("status", slot, errno, 0, 0);
	say("slot=%u flags=", slot);
	print_flags(st.flags);
	say(" control=0x%x holder_layer=%u holder_tgid=%u holder=%.16s "
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
	say("%s slot=%u ok\n", name, slot);
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
	say("program slot=%u allowed msr=0x%x %s\n", slot, p.msr,
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
	say("legacy %s counter=%u result=%d\n", op, counter, l.result);
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
	say("%s slot=%u ok\n", acquire ? "acquire" : "ungrant", slot);
	return 0;
}

static int cmd_read(int fd, __u32 addr)
{
	__u64 v;

	if (pread(fd, &v, sizeof(v), addr) != sizeof(v)) {
		say("read 0x%x denied: %s\n", addr, strerror(errno));
		return errno;
	}
	say("read 0x%x = 0x%llx\n", addr, (unsigned long long)v);
	return 0;
}

static int cmd_write(int fd, __u32 addr, __u64 v)
{
	if (pwrite(fd, &v, sizeof(v), addr) != sizeof(v)) {
		say("write 0x%x denied: %s\n", addr, strerror(errno));
		return errno;
	}
	say("write 0x%x ok\n", addr);
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
				say("await %s ok\n", path);
				return 0;
			}
			fclose(f);
		}
		usleep(100000);
	}
	say("await %s timed out\n", path);
	return ETIMEDOUT;
}

static int cmd_msr_write(__u32 msr, __u64 v)
{
	if (msr_fd < 0) {
		say("msr-write: no /dev/cpu/N/msr open (-m)\n");
		return EBADF;
	}
	if (pwrite(msr_fd, &v, sizeof(v), msr) != sizeof(v)) {
		int err = errno;

		say("msr-write 0x%x denied: %s\n", msr, strerror(err));
		return err;
	}
	say("msr-write 0x%x ok\n", msr);
	return 0;
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
	if (!strcmp(c, "msr-write") && argc == 3)
		return cmd_msr_write(slot, a);
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

/* Run the comma-separated command list once: 0, the (last) errno, or 2. */
static int run_list(int fd, int argc, char **argv, int keep_going)
{
	int i, start, rc = 0, err;

	for (start = 0, i = 0; i <= argc && (!rc || keep_going); i++) {
		if (i < argc && strcmp(argv[i], ","))
			continue;
		if (i > start) {
			err = run_one(fd, i - start, argv + start);
			if (err == 2)
				return 2;
			rc = err ? err : rc;
		}
		start = i + 1;
	}
	return rc;
}

/* -r: the list until @stop exists (at most 300 s), counted. */
static int repeat(int fd, int argc, char **argv, int keep_going,
		  const char *stop)
{
	unsigned long rounds = 0, ok = 0, busy = 0, other = 0;
	time_t end = time(NULL) + 300;
	int rc;

	quiet = 1;
	while (access(stop, F_OK) && time(NULL) < end) {
		rc = run_list(fd, argc, argv, keep_going);
		if (rc == 2)
			return 2;
		rounds++;
		if (!rc)
			ok++;
		else if (rc == EBUSY)
			busy++;
		else
			other++;
	}
	printf("rounds=%lu ok=%lu busy=%lu other=%lu\n", rounds, ok, busy,
	       other);
	return 0;
}

/* -u: become @uid for good, keeping the open files. */
static int become(uid_t uid)
{
	if (setgroups(0, NULL) || setresgid(uid, uid, uid) ||
	    setresuid(uid, uid, uid)) {
		fprintf(stderr, "pcr_client: cannot become uid %u: %s\n",
			(unsigned int)uid, strerror(errno));
		return errno;
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *stop = NULL;
	char path[64];
	int cpu = 0, fd, rc, opt, keep_going = 0, with_msr = 0;
	long uid = -1;

	setvbuf(stdout, NULL, _IOLBF,
		0); /* tests watch the lines as they come */
	while ((opt = getopt(argc, argv, "+c:kmu:r:")) != -1) {
		switch (opt) {
		case 'c':
			cpu = atoi(optarg);
			break;
		case 'k':
			keep_going = 1;
			break;
		case 'm':
			with_msr = 1;
			break;
		case 'u':
			uid = strtol(optarg, NULL, 10);
			break;
		case 'r':
			stop = optarg;
			break;
		default:
			return usage();
		}
	}
	if (optind >= argc)
		return usage();
	snprintf(path, sizeof(path), PCR_ARB_DEV_FMT, cpu);
	fd = open(path, O_RDWR);
	if (fd < 0) {
		fprintf(stderr, "pcr_client: %s: %s\n", path, strerror(errno));
		return errno;
	}
	if (with_msr) {
		snprintf(path, sizeof(path), "/dev/cpu/%d/msr", cpu);
		msr_fd = open(path, O_WRONLY);
		if (msr_fd < 0) {
			fprintf(stderr, "pcr_client: %s: %s\n", path,
				strerror(errno));
			return errno;
		}
	}
	if (uid >= 0 && become((uid_t)uid))
		return errno;
	argc -= optind;
	argv += optind;
	rc = stop ? repeat(fd, argc, argv, keep_going, stop)
		  : run_list(fd, argc, argv, keep_going);
	close(fd);
	if (msr_fd >= 0)
		close(msr_fd);
	return rc;
}
