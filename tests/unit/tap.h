/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * tap.h - a tiny TAP producer for the userspace unit tests: each TEST() is
 * one "ok"/"not ok" line; CHECK() records the first failed condition.
 */
#ifndef PCRW_TAP_H
#define PCRW_TAP_H

#include <stdio.h>

static int tap_failed_now;
static int tap_count;
static int tap_failures;

#define CHECK(cond)                                                     \
	do {                                                            \
		if (!(cond) && !tap_failed_now) {                       \
			tap_failed_now = 1;                             \
			printf("# %s:%d: CHECK(%s) failed\n", __FILE__, \
			       __LINE__, #cond);                        \
		}                                                       \
	} while (0)

#define CHECK_EQ(a, b)                                                       \
	do {                                                                 \
		long long _a = (long long)(a), _b = (long long)(b);          \
		if (_a != _b && !tap_failed_now) {                           \
			tap_failed_now = 1;                                  \
			printf("# %s:%d: %s == %lld, expected %s == %lld\n", \
			       __FILE__, __LINE__, #a, _a, #b, _b);          \
		}                                                            \
	} while (0)

#define TEST(name) static void name(void)

#define RUN(name)                                                    \
	do {                                                         \
		tap_failed_now = 0;                                  \
		name();                                              \
		tap_count++;                                         \
		if (tap_failed_now)                                  \
			tap_failures++;                              \
		printf("%sok %d %s\n", tap_failed_now ? "not " : "", \
		       tap_count, #name);                            \
	} while (0)

#define TAP_DONE() (printf("1..%d\n", tap_count), tap_failures ? 1 : 0)

#endif
