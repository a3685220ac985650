// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * One way to parse a command's flags: getopt_long with getopt's own
 * messages off, and one report of a bad flag for every command:
 * "pcrwatch CMD: unknown option '--x'" and the command's --help text, both
 * on stderr. The caller answers '?' with PCRW_EXIT_USAGE (2).
 */
#include <string.h>

#include "pcrwatch.h"

int pcrw_getopt(const char *cmd, int argc, char **argv, const char *shortopts,
		const struct option *longopts)
{
	char spec[64] = ":";
	int opt;

	/* "+" (stop at the first argument) stays first, ":" goes after it. */
	if (shortopts[0] == '+') {
		strcpy(spec, "+:");
		shortopts++;
	}
	strncat(spec, shortopts, sizeof(spec) - strlen(spec) - 1);
	opterr = 0;
	opt = getopt_long(argc, argv, spec, longopts, NULL);
	if (opt != ':' && opt != '?')
		return opt;
	fprintf(stderr, "pcrwatch %s: %s '%s'\n", cmd,
		opt == ':' ? "option needs a value:" : "unknown option",
		argv[optind - 1]);
	pcrw_command_usage_to_stderr(cmd);
	return '?';
}

int pcrw_only_help(const char *cmd, int argc, char **argv,
		   int (*usage)(FILE *f, int rc))
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;

	while ((opt = pcrw_getopt(cmd, argc, argv, "+h", opts)) != -1)
		return opt == 'h' ? usage(stdout, PCRW_EXIT_OK)
				  : PCRW_EXIT_USAGE;
	return -1;
}
