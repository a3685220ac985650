/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * resv_text.h - the text forms of a reservation's parts
 * (user/reservations/resv_text.c): principals and CPU lists, parsed and
 * printed.
 */
#ifndef PCRW_RESV_TEXT_H
#define PCRW_RESV_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "../../bpf/pcrwatch.h"

/* Room for any list resv_format_cpus writes: every other CPU of
 * PCRW_MAX_CPUS (8192) is 19,924 characters. A CPU list is never cut. */
#define PCRW_CPULIST_LEN 20480

int resv_parse_principal(const char *s, struct pcr_principal *p, char *err,
			 size_t errlen);
int resv_parse_cpus(const char *s, int nr_cpus, __u64 cpus[PCRW_CPU_WORDS],
		    char *err, size_t errlen);
void resv_format_cpus(const __u64 cpus[PCRW_CPU_WORDS], char *buf, size_t len);
void resv_format_principal(const struct pcr_principal *p, char *buf,
			   size_t len);

/* The start time of process @pid, ticks since boot (/proc/PID/stat field
 * 22): the identity a pid principal is bound to. 0 or -errno. */
int resv_pid_start(__u32 pid, __u64 *start);
/* A pid principal whose process is gone (no process, or another one with
 * the same pid now). */
bool resv_principal_expired(const struct pcr_principal *p);

#endif
