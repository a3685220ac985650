// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The management cookie of release and grant: read from the command line,
 * a file or stdin, and the reservation it manages found and locked.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcrwatch.h"
#include "cookie.h"
#include "resv_cmd.h"
#include "resv_store.h"

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

/* The reservation whose management cookie is @cookie (rule 2, on the
 * stored tags: every one is compared, in constant time); its tag of
 * @cookie into @tag, what the rules are then given. */
static int find_by_cookie(__u64 cookie, struct pcrw_resv *out, __u64 *tag)
{
	__u8 key[PCRW_COOKIE_KEY_LEN];
	struct pcrw_resv *all = NULL;
	size_t n = 0, i;
	int err, found = -ENOENT;
	__u64 t;

	if (cookie_key_load(key, false))
		return -ENOENT;
	err = resv_load_all(&all, &n);
	if (err)
		return err;
	for (i = 0; i < n; i++) {
		t = cookie_tag(key, all[i].id, cookie);
		if (pcr_check_mgmt(&all[i].regs, t) == PCR_OK) {
			*out = all[i];
			*tag = t;
			found = 0;
		}
	}
	free(all);
	return found;
}

/* Open and lock the store and find the reservation @cookie manages. */
static int cookie_cmd_open(const char *cmd, __u64 cookie, struct pcrw_resv *r,
			   __u64 *tag)
{
	const struct resv_store_ops *s = resv_store();
	int err;

	err = s->open(false);
	if (err == -ENOENT) {
		pcrw_err("%s: no reservation has that management cookie", cmd);
		return PCRW_EXIT_DENIED;
	}
	if (err)
		return resv_store_error(cmd, err);
	err = s->lock();
	if (err)
		return resv_store_error(cmd, err);
	if (find_by_cookie(cookie, r, tag)) {
		s->unlock();
		pcrw_err("%s: no reservation has that management cookie", cmd);
		return PCRW_EXIT_DENIED;
	}
	return PCRW_EXIT_OK;
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
		    struct pcrw_resv *r, __u64 *tag)
{
	char err[ERRLEN];
	__u64 cookie;

	if (!c->arg)
		return pcrw_usage_error(
			cmd, "--cookie-file or --cookie is required");
	if (parse_cookie(c->arg, c->is_file, &cookie, err, sizeof(err)))
		return pcrw_usage_error(cmd, "%s", err);
	return cookie_cmd_open(cmd, cookie, r, tag);
}
