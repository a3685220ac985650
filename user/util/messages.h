/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * messages.h - how every part of pcrwatch ends and speaks
 * (user/util/messages.c): exit codes, errors and warnings on stderr, usage
 * errors, libbpf's log.
 */
#ifndef PCRW_MESSAGES_H
#define PCRW_MESSAGES_H

#include <stdbool.h>

/* Exit codes, documented in pcrwatch(8). */
enum pcrw_exit {
	PCRW_EXIT_OK = 0,
	PCRW_EXIT_ERROR = 1, /* the operation failed at run time */
	PCRW_EXIT_USAGE =
		2, /* bad flag, bad value, bad file: nothing changed */
	PCRW_EXIT_UNSUPPORTED = 3, /* this kernel or build cannot do it */
	PCRW_EXIT_DENIED = 4, /* wrong cookie, or not permitted */
};

/* Global options, parsed before the subcommand. */
struct pcrw_globals {
	bool verbose; /* -v: libbpf's own log */
};
extern struct pcrw_globals pcrw_opts;

void pcrw_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void pcrw_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Print a usage error for @cmd and return PCRW_EXIT_USAGE. */
int pcrw_usage_error(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Install libbpf's print callback: silent unless -v. */
void pcrw_setup_libbpf_log(void);

#endif
