/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* list_json.h - pcrwatch list --json (user/views/list_json.c). */
#ifndef PCRW_LIST_JSON_H
#define PCRW_LIST_JSON_H

/* The whole document on stdout; an exit code. */
int list_json(void);

#endif
