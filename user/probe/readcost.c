// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The cost of one read of each cycle or time source, measured. One function
 * per read method; the architecture's instructions (rdtsc, rdtscp, rdpmc;
 * CNTVCT_EL0, PMCCNTR_EL0, PMXEVCNTR_EL0) live here and nowhere else.
 *
 * Each source is timed in batches of back-to-back reads, the batch bounded
 * by two CLOCK_MONOTONIC reads; the per-read cost of a batch is its span
 * divided by its reads (loop overhead, under a nanosecond, included). The
 * min shows the best case, the median the usual one; verdicts use medians.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <linux/perf_event.h>

#include "readcost.h"

#define barrier() asm volatile("" ::: "memory")

/* Keeps every read's value live, so no loop is optimised away. */
static volatile unsigned long long rc_sink;

struct rc_ctx {
	int fd;
	struct perf_event_mmap_page *pc;
	size_t map_len;
};

typedef unsigned long long (*rc_batch_fn)(struct rc_ctx *c, unsigned int n);

/* ---- architecture-specific reads -------------------------------------- */

#if defined(__x86_64__)
static inline unsigned long long read_tsc(void)
{
	unsigned int lo, hi;

	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((unsigned long long)hi << 32) | lo;
}

static inline unsigned long long read_tscp(void)
{
	unsigned int lo, hi, aux;

	asm volatile("rdtscp" : "=a"(lo), "=d"(hi), "=c"(aux));
	return ((unsigned long long)hi << 32) | lo;
}

/* perf's mmap page index is the hardware counter number plus one. */
static inline unsigned long long read_pmc(unsigned int idx)
{
	unsigned int lo, hi;

	asm volatile("rdpmc" : "=a"(lo), "=d"(hi) : "c"(idx));
	return ((unsigned long long)hi << 32) | lo;
}
#elif defined(__aarch64__)
static inline unsigned long long read_cntvct(void)
{
	unsigned long long v;

	asm volatile("mrs %0, cntvct_el0" : "=r"(v));
	return v;
}

#define ARMV8_CYCLE_COUNTER 31

/* Counter 31 is PMCCNTR_EL0; the others are reached through PMSELR_EL0
 * (allowed at EL0 when the kernel set PMUSERENR_EL0.ER for this task). */
static inline unsigned long long read_pmc(unsigned int idx)
{
	unsigned long long v;

	if (idx == ARMV8_CYCLE_COUNTER) {
		asm volatile("mrs %0, pmccntr_el0" : "=r"(v));
		return v;
	}
	asm volatile("msr pmselr_el0, %1\n\t"
		     "isb\n\t"
		     "mrs %0, pmxevcntr_el0"
		     : "=r"(v)
		     : "r"((unsigned long long)idx));
	return v;
}
#endif

/* ---- one batch function per read method ------------------------------- */

#if defined(__x86_64__)
static unsigned long long batch_rdtsc(struct rc_ctx *c, unsigned int n)
{
	unsigned long long s = 0;

	while (n--)
		s += read_tsc();
	return s;
}

static unsigned long long batch_rdtscp(struct rc_ctx *c, unsigned int n)
{
	unsigned long long s = 0;

	while (n--)
		s += read_tscp();
	return s;
}
#endif

#if defined(__aarch64__)
static unsigned long long batch_cntvct(struct rc_ctx *c, unsigned int n)
{
	unsigned long long s = 0;

	while (n--)
		s += read_cntvct();
	return s;
}
#endif

static unsigned long long batch_vdso(struct rc_ctx *c, unsigned int n)
{
	unsigned long long s = 0;
	struct timespec ts;

	while (n--) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		s += ts.tv_nsec;
	}
	return s;
}

static unsigned long long batch_sys_clock(struct rc_ctx *c, unsigned int n)
{
	unsigned long long s = 0;
	struct timespec ts;

	while (n--) {
		syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &ts);
		s += ts.tv_nsec;
	}
	return s;
}

static unsigned long long batch_perf_read(struct rc_ctx *c, unsigned int n)
{
	unsigned long long s = 0, v = 0;

	while (n--) {
		if (read(c->fd, &v, sizeof(v)) != sizeof(v))
			break;
		s += v;
	}
	return s;
}

#if defined(__x86_64__) || defined(__aarch64__)
/* perf's self-monitoring read: the seqlock of the mmap page around the
 * counter instruction, as tools/lib/perf does it. */
static inline unsigned long long
mmap_read(volatile struct perf_event_mmap_page *pc)
{
	unsigned long long count, pmc;
	unsigned int seq, idx, width;

	do {
		seq = pc->lock;
		barrier();
		idx = pc->index;
		count = pc->offset;
		if (pc->cap_user_rdpmc && idx) {
			width = pc->pmc_width;
			pmc = read_pmc(idx - 1);
			if (width && width < 64) {
				pmc <<= 64 - width;
				pmc = (unsigned long long)((long long)pmc >>
							   (64 - width));
			}
			count += pmc;
		}
		barrier();
	} while (pc->lock != seq);
	return count;
}

static unsigned long long batch_perf_mmap(struct rc_ctx *c, unsigned int n)
{
	unsigned long long s = 0;

	while (n--)
		s += mmap_read(c->pc);
	return s;
}
#endif

/* ---- setup of the perf-based sources ---------------------------------- */

static int perf_open(struct perf_event_attr *a)
{
	return syscall(SYS_perf_event_open, a, 0 /* this task */, -1, -1, 0);
}

static void cycles_attr(struct perf_event_attr *a, unsigned long long config1)
{
	memset(a, 0, sizeof(*a));
	a->size = sizeof(*a);
	a->type = PERF_TYPE_HARDWARE;
	a->config = PERF_COUNT_HW_CPU_CYCLES;
	a->config1 = config1;
	a->exclude_kernel = 1;
	a->exclude_hv = 1;
}

static void open_failed(struct rc_result *r, int err)
{
	if (err == ENOENT || err == EOPNOTSUPP || err == ENODEV)
		snprintf(r->reason, sizeof(r->reason),
			 "no hardware PMU: the kernel cannot count cycles "
			 "(perf_event_open: %s)",
			 strerror(err));
	else if (err == EACCES || err == EPERM)
		snprintf(r->reason, sizeof(r->reason),
			 "not permitted (perf_event_open: %s; see "
			 "/proc/sys/kernel/perf_event_paranoid)",
			 strerror(err));
	else
		snprintf(r->reason, sizeof(r->reason),
			 "perf_event_open(cycles) failed: %s", strerror(err));
}

static int read_int_file(const char *path, int *val)
{
	FILE *f = fopen(path, "r");
	int ok;

	if (!f)
		return -errno;
	ok = fscanf(f, "%d", val) == 1;
	fclose(f);
	return ok ? 0 : -EINVAL;
}

/* arm64: the perf_user_access sysctl is on (x86 has no such switch per
 * event: its cpu/rdpmc file shows in cap_user_rdpmc). */
static bool user_access_allowed(void)
{
#if defined(__aarch64__)
	int v;

	return read_int_file("/proc/sys/kernel/perf_user_access", &v) == 0 && v;
#else
	return true;
#endif
}

/* Why the kernel left cap_user_rdpmc off for our event. */
static void no_user_access(struct rc_result *r)
{
#if defined(__aarch64__)
	int v;

	if (read_int_file("/proc/sys/kernel/perf_user_access", &v))
		snprintf(r->reason, sizeof(r->reason),
			 "this kernel has no perf user access to PMU counters "
			 "(no /proc/sys/kernel/perf_user_access; arm64 needs "
			 "5.17+)");
	else if (v == 0)
		snprintf(r->reason, sizeof(r->reason),
			 "user access to PMCCNTR_EL0 is off: "
			 "/proc/sys/kernel/perf_user_access is 0 "
			 "(sysctl kernel.perf_user_access=1 allows it)");
	else
		snprintf(
			r->reason, sizeof(r->reason),
			"perf_user_access is %d but the kernel gave this event "
			"no user access (cap_user_rdpmc 0)",
			v);
#else
	int v;

	if (read_int_file("/sys/bus/event_source/devices/cpu/rdpmc", &v) == 0 &&
	    v == 0)
		snprintf(r->reason, sizeof(r->reason),
			 "rdpmc from user space is off: "
			 "/sys/bus/event_source/devices/cpu/rdpmc is 0");
	else
		snprintf(r->reason, sizeof(r->reason),
			 "the kernel gave this event no user rdpmc access "
			 "(cap_user_rdpmc 0)");
#endif
}

static int setup_perf_mmap(struct rc_ctx *c, struct rc_result *r)
{
	/* arm64: config1 bit 1 asks for user access, bit 0 for a 64-bit
	 * counter (refused where the PMU has none); x86 needs neither. */
#if defined(__aarch64__)
	static const unsigned long long tries[] = { 0x3, 0x2 };
#else
	static const unsigned long long tries[] = { 0x0 };
#endif
	struct perf_event_attr a;
	size_t i;
	int err = 0;

	c->fd = -1;
	for (i = 0; i < sizeof(tries) / sizeof(tries[0]) && c->fd < 0; i++) {
		cycles_attr(&a, tries[i]);
		c->fd = perf_open(&a);
		if (c->fd < 0)
			err = errno;
		else
			snprintf(r->detail, sizeof(r->detail),
				 "cycles event, config1 %#llx", tries[i]);
	}
	if (c->fd < 0) {
		open_failed(r, err);
		return -err;
	}
	c->map_len = sysconf(_SC_PAGESIZE);
	c->pc = mmap(NULL, c->map_len, PROT_READ, MAP_SHARED, c->fd, 0);
	if (c->pc == MAP_FAILED) {
		err = errno;
		c->pc = NULL;
		snprintf(r->reason, sizeof(r->reason),
			 "mmap of the perf event page failed: %s",
			 strerror(err));
		return -err;
	}
#if defined(__x86_64__) || defined(__aarch64__)
	rc_sink += mmap_read(c->pc); /* the event is scheduled in by now */
#endif
	if (!c->pc->cap_user_rdpmc || !user_access_allowed()) {
		/* arm64 6.1 sets cap_user_rdpmc for the request but leaves
		 * the index 0 while the sysctl is off: ask the sysctl first. */
		no_user_access(r);
		return -EPERM;
	}
	if (!c->pc->index) {
		snprintf(r->reason, sizeof(r->reason),
			 "the event is on no counter now (all busy or "
			 "multiplexed out): nothing to read directly");
		return -EBUSY;
	}
	snprintf(r->detail + strlen(r->detail),
		 sizeof(r->detail) - strlen(r->detail),
		 ", counter %u%s, %u bits", c->pc->index - 1,
#if defined(__aarch64__)
		 c->pc->index - 1 == ARMV8_CYCLE_COUNTER ? " (PMCCNTR_EL0)"
							 : " (PMXEVCNTR_EL0)",
#else
		 "",
#endif
		 (unsigned int)c->pc->pmc_width);
	return 0;
}

static int setup_perf_read(struct rc_ctx *c, struct rc_result *r)
{
	struct perf_event_attr a;
	int err;

	cycles_attr(&a, 0);
	c->fd = perf_open(&a);
	if (c->fd >= 0) {
		snprintf(r->detail, sizeof(r->detail), "hardware cycles event");
		return 0;
	}
	err = errno;
	/* No hardware counter: a software clock event still shows what the
	 * system call itself costs. */
	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.type = PERF_TYPE_SOFTWARE;
	a.config = PERF_COUNT_SW_TASK_CLOCK;
	c->fd = perf_open(&a);
	if (c->fd >= 0) {
		snprintf(r->detail, sizeof(r->detail),
			 "software task-clock event (cycles: %s)",
			 strerror(err));
		return 0;
	}
	err = errno;
	snprintf(r->reason, sizeof(r->reason), "perf_event_open failed: %s",
		 strerror(err));
	return -err;
}

static void teardown(struct rc_ctx *c)
{
	if (c->pc)
		munmap(c->pc, c->map_len);
	if (c->fd >= 0)
		close(c->fd);
	c->pc = NULL;
	c->fd = -1;
}

/* ---- timing ----------------------------------------------------------- */

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static double time_batch(rc_batch_fn fn, struct rc_ctx *c, unsigned int n)
{
	double t0, t1;

	t0 = now_ns();
	rc_sink += fn(c, n);
	t1 = now_ns();
	return t1 - t0;
}

double rc_median(double *v, size_t n)
{
	size_t i, j;
	double t;

	if (!n)
		return 0;
	for (i = 1; i < n; i++) /* insertion sort: n is small */
		for (j = i; j > 0 && v[j - 1] > v[j]; j--) {
			t = v[j];
			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void measure(rc_batch_fn fn, struct rc_ctx *c, const struct rc_opts *o,
		    struct rc_result *r)
{
	unsigned int batches = o->batches ? o->batches : RC_DEFAULT_BATCHES;
	unsigned int n = o->reads, b;
	double per[RC_MAX_BATCHES];

	if (batches > RC_MAX_BATCHES)
		batches = RC_MAX_BATCHES;
	time_batch(fn, c, 16); /* warm caches and the page tables */
	/* Calibrate: double until one batch takes the target time; the
	 * smaller of two tries, so one preemption does not stop it early. */
	if (!n)
		for (n = 8; n < RC_MAX_READS / 2; n *= 2) {
			double t1 = time_batch(fn, c, n),
			       t2 = time_batch(fn, c, n);

			if ((t1 < t2 ? t1 : t2) >= RC_TARGET_BATCH_NS)
				break;
		}
	for (b = 0; b < batches; b++)
		per[b] = time_batch(fn, c, n) / n;
	r->batches = batches;
	r->reads_per_batch = n;
	r->median_ns = rc_median(per, batches);
	r->min_ns = per[0]; /* sorted by rc_median */
	r->available = true;
}

/* ---- verdicts --------------------------------------------------------- */

static const char *label(const struct rc_result *r)
{
	switch (r->id) {
	case RC_RDTSC:
		return "TSC (rdtsc)";
	case RC_RDTSCP:
		return "TSC (rdtscp)";
	case RC_CNTVCT:
		return "generic timer (CNTVCT_EL0)";
	case RC_VDSO:
		return "vDSO clock_gettime";
	default:
		return r->name;
	}
}

static const char *timer_hint(const struct rc_result *cheap)
{
	switch (cheap->id) {
	case RC_CNTVCT:
		return "CNTVCT_EL0";
	case RC_RDTSC:
	case RC_RDTSCP:
		return "rdtsc";
	default:
		return "clock_gettime";
	}
}

/* A cycle counter's verdict: does a read trap, and what to time with. */
static void judge_counter(struct rc_result *r, const struct rc_result *cheap,
			  const char *tcg)
{
	if (r->ratio >= RC_TRAP_RATIO)
		snprintf(r->verdict, sizeof(r->verdict),
			 "cycle counter reads trap: %.0fx the %s; use %s for "
			 "time%s",
			 r->ratio, label(cheap), timer_hint(cheap), tcg);
	else if (r->ratio >= RC_SLOW_RATIO)
		snprintf(r->verdict, sizeof(r->verdict),
			 "cycle counter reads are slow: %.1fx the %s; count "
			 "cycles coarsely, time with %s%s",
			 r->ratio, label(cheap), timer_hint(cheap), tcg);
	else
		snprintf(r->verdict, sizeof(r->verdict),
			 "cycle counter reads do not trap: %.1fx the %s, fine "
			 "for fine-grained counting%s",
			 r->ratio, label(cheap), tcg);
}

/* The verdict of source @r, measured against the cheapest timer @cheap
 * and the system call @sys (NULL when not measured). */
static void judge_one(const struct rc_report *rep, struct rc_result *r,
		      const struct rc_result *cheap,
		      const struct rc_result *sys, const char *tcg)
{
	const char *cs = rep->clocksource[0] ? rep->clocksource : NULL;

	r->ratio = r->median_ns / cheap->median_ns;
	if (r == cheap)
		snprintf(r->verdict, sizeof(r->verdict),
			 "the cheapest time source here: use it for "
			 "fine-grained time%s",
			 tcg);
	else if (r->id == RC_VDSO && sys &&
		 r->median_ns >= RC_VDSO_FALLBACK_SHARE * sys->median_ns)
		snprintf(r->verdict, sizeof(r->verdict),
			 "the vDSO falls back to a system call (clocksource "
			 "%s): %.0fx the %s",
			 cs ? cs : "?", r->ratio, label(cheap));
	else if (r->id == RC_VDSO && sys)
		snprintf(r->verdict, sizeof(r->verdict),
			 "no system call (the vDSO reads %s): %.1fx the %s, "
			 "%.0fx cheaper than the system call",
			 cs ? cs : "the clock", r->ratio, label(cheap),
			 sys->median_ns / r->median_ns);
	else if (r->kind == RC_COUNTER)
		judge_counter(r, cheap, tcg);
	else if (r->kind == RC_SYSCALL)
		snprintf(r->verdict, sizeof(r->verdict),
			 "a system call per read: %.0fx the %s; fine for "
			 "totals per interval, not for timing short code",
			 r->ratio, label(cheap));
	else if (r->ratio >= RC_TRAP_RATIO)
		snprintf(r->verdict, sizeof(r->verdict),
			 "traps or is emulated: %.0fx the %s", r->ratio,
			 label(cheap));
	else if (r->ratio >= RC_SLOW_RATIO)
		snprintf(r->verdict, sizeof(r->verdict),
			 "%.1fx the %s: prefer %s", r->ratio, label(cheap),
			 timer_hint(cheap));
	else
		snprintf(r->verdict, sizeof(r->verdict),
			 "about as cheap as the %s (%.1fx)", label(cheap),
			 r->ratio);
}

void rc_judge(struct rc_report *rep, bool emulated)
{
	const char *tcg =
		emulated ? "; QEMU TCG emulates this CPU, so the "
			   "numbers describe the emulator, not hardware"
			 : "";
	struct rc_result *cheap = NULL, *sys = NULL, *r;
	int i;

	rep->cheapest = -1;
	for (i = 0; i < rep->nr; i++) {
		r = &rep->src[i];
		if (r->id == RC_SYS_CLOCK && r->available)
			sys = r;
		if (r->kind != RC_TIMER || !r->available || r->median_ns <= 0)
			continue;
		if (!cheap || r->median_ns < cheap->median_ns) {
			cheap = r;
			rep->cheapest = i;
		}
	}
	for (i = 0; i < rep->nr; i++) {
		r = &rep->src[i];
		r->ratio = 0;
		if (!r->available)
			snprintf(r->verdict, sizeof(r->verdict),
				 "cannot be read here: %s", r->reason);
		else if (!cheap)
			snprintf(r->verdict, sizeof(r->verdict),
				 "measured; no timer to compare with");
		else
			judge_one(rep, r, cheap, sys, tcg);
	}
}

/* ---- the table of sources --------------------------------------------- */

struct rc_def {
	enum rc_id id;
	const char *name, *what;
	enum rc_kind kind;
	rc_batch_fn fn;
	int (*setup)(struct rc_ctx *c, struct rc_result *r);
};

static const struct rc_def defs[] = {
#if defined(__x86_64__)
	{ RC_RDTSC, "rdtsc", "TSC read with rdtsc", RC_TIMER, batch_rdtsc,
	  NULL },
	{ RC_RDTSCP, "rdtscp", "TSC read with rdtscp (waits for earlier loads)",
	  RC_TIMER, batch_rdtscp, NULL },
#endif
#if defined(__aarch64__)
	{ RC_CNTVCT, "cntvct_el0",
	  "generic timer, virtual count (mrs CNTVCT_EL0)", RC_TIMER,
	  batch_cntvct, NULL },
#endif
	{ RC_VDSO, "vdso_clock_gettime",
	  "clock_gettime(CLOCK_MONOTONIC) through the vDSO", RC_TIMER,
	  batch_vdso, NULL },
	{ RC_SYS_CLOCK, "syscall_clock_gettime",
	  "clock_gettime(CLOCK_MONOTONIC) as a system call", RC_SYSCALL,
	  batch_sys_clock, NULL },
#if defined(__x86_64__)
	{ RC_PERF_MMAP, "rdpmc",
	  "cycles via perf's mmap page and rdpmc (self-monitoring)", RC_COUNTER,
	  batch_perf_mmap, setup_perf_mmap },
#elif defined(__aarch64__)
	{ RC_PERF_MMAP, "pmccntr_el0",
	  "cycles via perf's mmap page and PMCCNTR_EL0 (perf_user_access)",
	  RC_COUNTER, batch_perf_mmap, setup_perf_mmap },
#endif
	{ RC_PERF_READ, "perf_read", "read() on a perf event fd", RC_SYSCALL,
	  batch_perf_read, setup_perf_read },
};

static void read_clocksource(char *buf, size_t len)
{
	FILE *f = fopen("/sys/devices/system/clocksource/clocksource0/"
			"current_clocksource",
			"r");

	buf[0] = 0;
	if (!f)
		return;
	if (fgets(buf, len, f))
		buf[strcspn(buf, "\n")] = 0;
	fclose(f);
}

void rc_measure(const struct rc_opts *o, bool emulated, struct rc_report *rep)
{
	struct rc_ctx c;
	struct rc_result *r;
	size_t i;

	memset(rep, 0, sizeof(*rep));
	read_clocksource(rep->clocksource, sizeof(rep->clocksource));
	for (i = 0; i < sizeof(defs) / sizeof(defs[0]); i++) {
		r = &rep->src[rep->nr++];
		r->id = defs[i].id;
		r->name = defs[i].name;
		r->what = defs[i].what;
		r->kind = defs[i].kind;
		memset(&c, 0, sizeof(c));
		c.fd = -1;
		if (!defs[i].setup || defs[i].setup(&c, r) == 0)
			measure(defs[i].fn, &c, o, r);
		teardown(&c);
	}
	rc_judge(rep, emulated);
}
