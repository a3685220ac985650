// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The list of BPF program groups. Each group is defined in its own file.
 */
#include <stddef.h>

#include "component.h"

extern const struct component msr_component, perf_component, veto_component,
	arbiter_component;

/* Every group, in the order attach goes through them; NULL-terminated. */
const struct component *const *components(void)
{
	static const struct component *const list[] = {
		&msr_component, &perf_component, &veto_component,
		&arbiter_component, NULL
	};

	return list;
}
