// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The management cookie of release and grant: read from the command line,
 * a file or stdin, and the reservation it manages found in a transaction.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "messages.h"
#include "cookie.h"
#include "resv_cmd.h"
#include "resv_store.h"
#include "resv_txn.h"

/* --cookie VALUE|- or --cookie-file FILE (@is_file). A value on the
 * command line is in /proc/PID/cmdline for every user to read: it still
 * works, with a warning. */
static int parse_cookie(const char *arg, bool is_file, __u64 *c, char *err,
			size_t len)
{
	char buf[64], *end;
	int e;

	e = cookie_arg_text(arg, is_file, buf, sizeof(buf));
	if (e) {
		snprintf(err, len, "cannot read the cookie from '%s': %s", arg,
			 strerror(-e));
		return -EINVAL;
	}
	if (!is_file && strcmp(arg, "-"))
		pcrw_warn("--cookie VALUE shows the cookie to every user (ps, "
			  "/proc/PID/cmdline): use --cookie-file FILE or "
			  "--cookie -");
	errno = 0;
	*c = strtoull(buf, &end, 16);
	if (errno || *end || end == buf || !pcr_cookie_valid(*c)) {
		snprintf(err, len,
			 "malformed cookie: expected up to 12 hex digits");
		return -EINVAL;
	}
	return 0;
}

/* The reservation of @t whose management cookie is @cookie (rule 2, on
 * the stored tags: every one is compared, in constant time); its tag of
 * @cookie into @tag, what the rules are then given. */
static struct pcrw_resv *find_by_cookie(struct resv_txn *t, __u64 cookie,
					__u64 *tag)
{
	__u8 key[PCRW_COOKIE_KEY_LEN];
	struct pcrw_resv *found = NULL;
	size_t i;
	__u64 tg;

	if (cookie_key_load(key, false))
		return NULL;
	for (i = 0; i < t->n; i++) {
		tg = cookie_tag(key, t->all[i].id, cookie);
		if (pcr_check_mgmt(&t->all[i].regs, tg) == PCR_OK) {
			found = &t->all[i];
			*tag = tg;
		}
	}
	return found;
}

bool cookie_arg_take(struct cookie_arg *c, int opt, const char *arg)
{
	if (opt != 'k' && opt != 'K')
		return false;
	c->arg = arg;
	c->is_file = opt == 'K';
	return true;
}

int cookie_arg_open(const char *cmd, const struct cookie_arg *c,
		    struct resv_txn *t, struct pcrw_resv **r, __u64 *tag)
{
	char err[ERRLEN];
	__u64 cookie;
	int rc;

	memset(t, 0, sizeof(*t));
	if (!c->arg)
		return pcrw_usage_error(
			cmd, "--cookie-file or --cookie is required");
	if (parse_cookie(c->arg, c->is_file, &cookie, err, sizeof(err)))
		return pcrw_usage_error(cmd, "%s", err);
	rc = resv_txn_begin(t, false);
	if (rc && rc != -ENOENT)
		return resv_store_error(cmd, rc);
	*r = rc ? NULL : find_by_cookie(t, cookie, tag);
	if (!*r) {
		pcrw_err("%s: no reservation has that management cookie", cmd);
		return PCRW_EXIT_DENIED;
	}
	return PCRW_EXIT_OK;
}
