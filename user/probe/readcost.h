/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * readcost.h - what one read of each cycle or time source costs here.
 * Every way this machine allows to read cycles or time is tried once: set
 * up (which may fail, with the reason kept), then timed in repeated batches
 * of back-to-back reads; min and median ns per read are kept, and a verdict
 * in plain words is computed from the measured ratio to the cheapest timer.
 * A counter read that traps to a hypervisor shows up as a large ratio.
 */
#ifndef PCRW_READCOST_H
#define PCRW_READCOST_H

#include <stdbool.h>
#include <stddef.h>

/* Verdict thresholds on median(source) / median(cheapest timer). */
#define RC_TRAP_RATIO 10.0 /* at or above: the read traps or is emulated */
#define RC_SLOW_RATIO 3.0 /* at or above: noticeably dearer than a timer */
/* vDSO clock_gettime at or above this share of the system call's cost:
 * the vDSO fell back to the system call (clocksource not vDSO-capable). */
#define RC_VDSO_FALLBACK_SHARE 0.5

#define RC_DEFAULT_BATCHES 31
#define RC_MAX_BATCHES 1001
#define RC_MAX_READS 1000000
/* Auto batch size: double the reads until one batch takes this long. */
#define RC_TARGET_BATCH_NS 200000.0

enum rc_kind {
	RC_TIMER = 0, /* a clock read without entering the kernel */
	RC_COUNTER = 1, /* a hardware cycle counter read from user space */
	RC_SYSCALL = 2, /* a read that enters the kernel by design */
};

enum rc_id {
	RC_RDTSC,
	RC_RDTSCP,
	RC_CNTVCT,
	RC_VDSO,
	RC_SYS_CLOCK,
	RC_PERF_MMAP, /* rdpmc (x86) / PMCCNTR_EL0 (arm64) via the mmap page */
	RC_PERF_READ,
	RC_NR_SOURCES,
};

struct rc_result {
	enum rc_id id;
	const char *name; /* short, stable: JSON key and test anchor */
	const char *what; /* one line: what is read, how */
	enum rc_kind kind;
	bool available;
	char reason[200]; /* why it cannot be read here, when !available */
	char detail[120]; /* setup facts: event, counter index, width */
	unsigned int batches;
	unsigned int reads_per_batch;
	double min_ns; /* per read, over the batches */
	double median_ns;
	double ratio; /* median_ns / the cheapest timer's median_ns */
	char verdict[200];
};

struct rc_opts {
	unsigned int batches; /* 0: RC_DEFAULT_BATCHES */
	unsigned int reads; /* reads per batch; 0: calibrated per source */
};

struct rc_report {
	struct rc_result src[RC_NR_SOURCES];
	int nr; /* sources that apply to this architecture */
	int cheapest; /* index into src of the cheapest timer, -1 if none */
	char clocksource[32]; /* the kernel's current clocksource */
};

/* Measure every source this architecture has; fills @rep (never fails:
 * a source that cannot be read says why). @emulated: the CPU is
 * emulated (QEMU TCG), which the verdicts mention. */
void rc_measure(const struct rc_opts *o, bool emulated, struct rc_report *rep);

/* Median of @n doubles (sorts @v in place). Pure. */
double rc_median(double *v, size_t n);

/* Fill each available source's ratio and verdict from the numbers, given
 * the cheapest timer. Pure: exposed for the unit tests. */
void rc_judge(struct rc_report *rep, bool emulated);

#endif
