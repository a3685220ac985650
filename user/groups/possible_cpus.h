/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * possible_cpus.h - how many CPUs the running kernel can have: what every
 * per-CPU map, index, table and CPU list of pcrwatch is sized by.
 */
#ifndef PCRW_POSSIBLE_CPUS_H
#define PCRW_POSSIBLE_CPUS_H

/* The highest possible CPU + 1 (/sys/devices/system/cpu/possible, the
 * kernel's cpu_possible_mask: hot-pluggable CPUs included); -errno when it
 * cannot be read, -E2BIG past PCRW_MAX_CPUS (refused, never cut). */
int pcrw_possible_cpus(void);

#endif
