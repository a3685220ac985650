// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * pcrwatch attach: pin every BPF program group so that ownership tracking
 * and enforcement run without a pcrwatch process (cmd_detach.c unpins them).
 */
#include <errno.h>
#include <getopt.h>
#include <string.h>
#include <unistd.h>

#include "pcrwatch.h"
#include "component.h"
#include "kernel_probe.h"

static int attach_usage(FILE *f, int rc)
{
	fprintf(f,
		"Usage: pcrwatch attach [--audit] [--signal-enforce]\n"
		"       pcrwatch detach\n\n"
		"attach loads every BPF program group and pins it under %s,\n"
		"so tracking and enforcement keep going after pcrwatch exits;\n"
		"it prints the attach method each group got. detach unpins "
		"them.\n\n"
		"  --audit           vetoes are logged, nothing is denied\n"
		"  --signal-enforce  without BPF LSM, kill offenders with a "
		"signal\n"
		"                    (the operation may already have "
		"happened)\n",
		PCRW_PIN_ROOT);
	return rc;
}

static const char *attach_result(int err)
{
	if (!err)
		return "attached";
	return err == -EOPNOTSUPP ? "skipped" : "FAILED";
}

int cmd_attach(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "audit", no_argument, NULL, 'a' },
		{ "signal-enforce", no_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct component *const *c;
	struct attach_opts o = { 0 };
	char how[256], why[64];
	int n;
	int opt, err, failed = 0;

	while ((opt = pcrw_getopt("attach", argc, argv, "h", opts)) != -1) {
		switch (opt) {
		case 'a':
			o.audit = true;
			break;
		case 's':
			o.signal_enforce = true;
			break;
		case 'h':
			return attach_usage(stdout, PCRW_EXIT_OK);
		default:
			return PCRW_EXIT_USAGE;
		}
	}
	if (optind < argc)
		return pcrw_usage_error("attach", "unexpected argument '%s'",
					argv[optind]);
	n = probe_missing_caps(why, sizeof(why));
	if (n > 0 || (n < 0 && geteuid())) {
		pcrw_err("attach needs root: this process lacks %s",
			 n > 0 ? why : "CAP_BPF, CAP_PERFMON, CAP_SYS_ADMIN");
		return PCRW_EXIT_DENIED;
	}
	for (c = components(); *c; c++) {
		how[0] = 0;
		err = (*c)->attach(&o, how, sizeof(how));
		printf("%-8s %s%s%s\n", (*c)->name, attach_result(err),
		       how[0] ? ": " : "", how);
		/* A group this kernel cannot run is said, not a failure. */
		failed |= err != 0 && err != -EOPNOTSUPP;
	}
	return failed ? PCRW_EXIT_ERROR : PCRW_EXIT_OK;
}
