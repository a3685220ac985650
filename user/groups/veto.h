/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* veto.h - state of the veto program group (user/groups/veto_component.c). */
#ifndef PCRW_VETO_H
#define PCRW_VETO_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

bool veto_perf_active(void);
bool veto_msr_active(void);
bool veto_signal_active(void);
/* One line: which veto points are active, or monitor-only. */
void veto_describe(char *buf, size_t len);
/* Write enum pcrw_veto_mode into the pinned configuration. */
int veto_set_mode(__u32 mode);

#endif
