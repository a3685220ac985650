/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* names.h - the words pcrwatch prints for its enums, in one place. */
#ifndef PCRW_NAMES_H
#define PCRW_NAMES_H

#include <stdbool.h>
#include <linux/types.h>

#include "../../bpf/pcrwatch.h"

const char *layer_name(__u32 layer); /* enum pcr_layer */
/* No owner at all (a free counter): its layer reads "none". */
bool owner_is_none(__u32 path, const struct pcrw_owner *o);
const char *owner_layer_name(__u32 path, const struct pcrw_owner *o);
const char *path_name(__u32 path); /* enum pcrw_path */
const char *event_kind_name(__u32 kind); /* enum pcrw_event_kind */
/* The same kind as a JSON field name (snake_case). */
const char *event_kind_key(__u32 kind);
const char *verdict_name(__u32 verdict); /* enum pcr_verdict */

/* Which of the @count names @name_of(0..@count-1) gives @name is (the
 * first), or @dflt: a word read back into its enum. */
__u32 name_index(const char *name, const char *(*name_of)(__u32), __u32 count,
		 __u32 dflt);

#endif
