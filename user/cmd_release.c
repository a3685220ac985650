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

int cmd_release(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "cookie", required_argument, NULL, 'k' },
		{ "cookie-file", required_argument, NULL, 'K' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct resv_store_ops *s = resv_store();
	struct pcrw_resv r;
	char err[ERRLEN];
	const char *ck = NULL;
	bool ck_file = false;
	__u64 cookie, tag;
	int opt, rc;

	while ((opt = pcrw_getopt("release", argc, argv, "h", opts)) != -1) {
		switch (opt) {
		case 'k':
		case 'K':
			ck = optarg;
			ck_file = opt == 'K';
			break;
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
	if (!ck)
		return pcrw_usage_error(
			"release", "--cookie-file or --cookie is required");
	if (parse_cookie(ck, ck_file, &cookie, err, ERRLEN))
		return pcrw_usage_error("release", "%s", err);
	rc = cookie_cmd_open("release", cookie, &r, &tag);
	if (rc)
		return rc;
	if (pcr_release(&r.regs, tag) != PCR_OK) {
		rc = PCRW_EXIT_DENIED;
		goto out;
	}
	rc = s->del(r.id);
	if (!rc)
		rc = s->commit();
	if (rc) {
		rc = store_error("release", rc);
		goto out;
	}
	printf("released reservation %llu\n", (unsigned long long)r.id);
out:
	s->unlock();
	return rc;
}
