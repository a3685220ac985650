/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * list_module.h - the pcr_arbiter module's holds as pcrwatch list shows
 * them, beside pcrwatch's own reservations (user/views/list_module.c).
 */
#ifndef PCRW_LIST_MODULE_H
#define PCRW_LIST_MODULE_H

#include <stdbool.h>
#include <stddef.h>

struct json;

/* The heading of list's text table. */
void list_header(void);
/* The module's holds as rows of that table (after the heading when
 * @header); how many. */
size_t list_module_text(bool header);
/* The same as the document's "module" member. */
void list_module_json(struct json *j);

#endif
