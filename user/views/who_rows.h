/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* who_rows.h - `pcrwatch who`'s text rows, identical rows of different
 * CPUs printed once with their CPUs as a list (user/views/who_rows.c). */
#ifndef PCRW_WHO_ROWS_H
#define PCRW_WHO_ROWS_H

#include <stdbool.h>

#include "model.h"
#include "who_filter.h"

/* Up to this many CPUs `who` prints a row per CPU unless told otherwise;
 * past it, identical rows are merged. */
#define WHO_PER_CPU_MAX 16

/* Prints the rows of @m's records that pass @f, merged unless @per_cpu;
 * their header first, its CPU column as wide as the lists. Returns how many
 * records were shown, -1 when out of memory. */
int who_print_rows(const struct model *m, const struct who_filter *f,
		   bool per_cpu);

#endif
