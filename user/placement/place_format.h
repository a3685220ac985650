/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* place_format.h - the placement in words and JSON (place_format.c). */
#ifndef PCRW_PLACE_FORMAT_H
#define PCRW_PLACE_FORMAT_H

#include <stddef.h>
#include <stdio.h>

#include "json.h"
#include "place.h"

/* One task of @p as a JSON object (docs/schema/place.json, tasks[]). */
void place_task_json(struct json *j, const struct placement *p,
		     const struct place_task *t);

/* One task of @p as a sentence for a terminal: where it should run. */
void place_task_text(const struct placement *p, const struct place_task *t,
		     char *buf, size_t len);

/* A "placement: ..." line to @f for each process of @m whose events fit
 * some CPUs only, or none (who, live in text mode). */
void place_print_lines(FILE *f, const struct model *m);

/* One line for the full-screen view: how many processes fit some CPUs
 * only and how many none; 0 (and "") when every one fits anywhere. */
int place_summary(const struct model *m, char *buf, size_t len);

/* The placement of @m's tasks (place_free after); -ENODEV without a PMU. */
int place_of_model(const struct model *m, struct placement *p);

#endif
