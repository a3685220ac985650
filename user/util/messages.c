// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Exit codes, errors, warnings and libbpf's log (messages.h). */
#include <stdarg.h>
#include <stdio.h>
#include <bpf/libbpf.h>

#include "messages.h"

struct pcrw_globals pcrw_opts;

static void vlog(const char *prefix, const char *fmt, va_list ap)
{
	fprintf(stderr, "pcrwatch: %s", prefix);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void pcrw_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog("", fmt, ap);
	va_end(ap);
}

void pcrw_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog("warning: ", fmt, ap);
	va_end(ap);
}

int pcrw_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "pcrwatch %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'pcrwatch %s --help'.\n", cmd);
	return PCRW_EXIT_USAGE;
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	if (!pcrw_opts.verbose)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

void pcrw_setup_libbpf_log(void)
{
	libbpf_set_print(libbpf_print);
}
