/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* list_json.h - pcrwatch list's flags and its --json output. */
#ifndef PCRW_LIST_JSON_H
#define PCRW_LIST_JSON_H

#include <stdbool.h>

/* Parse list's flags: -1 to go on, else the exit status to return. */
int list_args(int argc, char **argv, bool *json);
/* Every reservation in force as one JSON document (docs/JSON.md). */
int list_json(void);

struct json;
struct resv_store_ops;
/* The heading of list's table. */
void list_header(void);
/* The pcr_arbiter module's holds (user/list_module.c): table rows after
 * pcrwatch's own (@header: the heading first, if there are any), their
 * number; or the "module_reservations" array. */
size_t list_module_text(const struct resv_store_ops *s, bool header);
void list_module_json(struct json *j, const struct resv_store_ops *s);

#endif
