// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * pcrwatch policy check|load FILE: check a policy file, or put it in force
 * in place of the previous one (user/reservations/policy_file.c).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "pcrwatch.h"
#include "policy_file.h"

static int policy_usage(FILE *f, int rc)
{
	fprintf(f, "Usage: pcrwatch policy check|load FILE\n\n"
		   "A policy file has one reservation, cap or floor per line:\n"
		   "  reserve cpus=0-1 counters=2|all for=uid:1000 [for=...] "
		   "[direct-msr=no]\n"
		   "  cap for=uid:1000 counters=2       at most 2 counters per "
		   "CPU for uid:1000\n"
		   "  cap layer=user counters=4         at most 4 per CPU for "
		   "the user layer\n"
		   "  floor counters=1                  1 general counter per "
		   "CPU never reserved\n"
		   "load replaces every reservation and the quota an earlier "
		   "policy made,\n"
		   "all or nothing: a bad file changes nothing.\n"
		   "`pcrwatch enforce --policy FILE` reloads it on SIGHUP.\n");
	return rc;
}

int cmd_policy(int argc, char **argv)
{
	int rc = pcrw_only_help("policy", argc, argv, policy_usage);

	if (rc >= 0)
		return rc;
	argc -= optind - 1;
	argv += optind - 1;
	if (argc != 3 || (strcmp(argv[1], "check") && strcmp(argv[1], "load")))
		return pcrw_usage_error("policy",
					"expected 'check FILE' or 'load FILE'");
	return apply_policy(argv[2], !strcmp(argv[1], "check"));
}
