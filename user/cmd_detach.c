// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * pcrwatch detach: unpin every BPF program group that attach pinned; the
 * programs go with the pins, the reservation maps stay (docs/PCR-RULES.md).
 */
#include <stdio.h>
#include <unistd.h>

#include "pcrwatch.h"
#include "component.h"

/* A group's pin folder, once its pins are gone. */
static void remove_empty_dir(const char *group)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", PCRW_PIN_ROOT, group);
	rmdir(path);
}

static int detach_usage(FILE *f, int rc)
{
	fprintf(f,
		"Usage: pcrwatch detach\n\n"
		"Unpin every BPF program group under %s: tracking and\n"
		"vetoes stop. Reservations and quotas stay recorded (pinned) "
		"until\n"
		"released or the machine reboots; the next attach enforces "
		"them "
		"again.\n",
		PCRW_PIN_ROOT);
	return rc;
}

int cmd_detach(int argc, char **argv)
{
	const struct component *const *c;
	int failed = 0, rc;

	rc = pcrw_only_help("detach", argc, argv, detach_usage);
	if (rc >= 0)
		return rc;
	if (optind < argc)
		return pcrw_usage_error("detach", "unexpected argument '%s'",
					argv[optind]);
	for (c = components(); *c; c++) {
		failed |= (*c)->detach() != 0;
		remove_empty_dir((*c)->name);
	}
	rmdir(PCRW_PIN_ROOT); /* only succeeds when nothing is left */
	return failed ? PCRW_EXIT_ERROR : PCRW_EXIT_OK;
}
