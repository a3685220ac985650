// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * pcrwatch policy check|load FILE: check a policy file, or put it in force
 * in place of the previous one (user/policy_file.c).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "pcrwatch.h"

static int policy_usage(FILE *f, int rc)
{
	fprintf(f, "Usage: pcrwatch policy check|load FILE\n\n"
		   "A policy file has one reservation per line:\n"
		   "  reserve cpus=0-1 counters=2|all for=uid:1000 [for=...] "
		   "[direct-msr=no]\n"
		   "load replaces every reservation an earlier policy made, "
		   "all or\n"
		   "nothing: a bad file changes nothing. `pcrwatch enforce "
		   "--policy FILE`\n"
		   "reloads it on SIGHUP.\n");
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
