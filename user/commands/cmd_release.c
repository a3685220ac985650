// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * pcrwatch release: delete the reservation a management cookie manages
 * (pcr_rules.h rule 2).
 */
#include <getopt.h>
#include <stdio.h>

#include "pcrwatch.h"
#include "resv_cmd.h"
#include "resv_store.h"
#include "resv_txn.h"

int cmd_release(int argc, char **argv)
{
	static const struct option opts[] = {
		COOKIE_OPT,
		COOKIE_FILE_OPT,
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct cookie_arg ck = { 0 };
	struct pcrw_resv *r;
	struct resv_txn t;
	__u64 tag;
	int opt, rc;

	while ((opt = pcrw_getopt("release", argc, argv, "h", opts)) != -1) {
		if (cookie_arg_take(&ck, opt, optarg))
			continue;
		switch (opt) {
		case 'h':
			printf("Usage: pcrwatch release --cookie-file FILE | "
			       "--cookie -\n"
			       "Release the reservation managed by the cookie "
			       "in FILE (or\n"
			       "on stdin with --cookie -; --cookie VALUE works "
			       "but shows it\n"
			       "to every user in ps).\n");
			return PCRW_EXIT_OK;
		default:
			return PCRW_EXIT_USAGE;
		}
	}
	if (optind < argc)
		return pcrw_usage_error("release", "unexpected argument '%s'",
					argv[optind]);
	rc = cookie_arg_open("release", &ck, &t, &r, &tag);
	if (rc)
		goto out;
	if (pcr_release(&r->regs, tag) != PCR_OK) {
		rc = PCRW_EXIT_DENIED;
		goto out;
	}
	rc = resv_store_del(r->id);
	if (!rc)
		rc = resv_txn_commit(&t);
	if (rc) {
		rc = resv_store_error("release", rc);
		goto out;
	}
	printf("released reservation %llu\n", (unsigned long long)r->id);
out:
	resv_txn_end(&t);
	return rc;
}
