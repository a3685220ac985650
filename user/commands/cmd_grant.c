// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * pcrwatch grant: grant or revoke a reservation's counters to principals,
 * or allow or forbid its holders direct MSR writes, with its management
 * cookie.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcrwatch.h"
#include "resv_cmd.h"
#include "resv_store.h"
#include "resv_text.h"
#include "resv_txn.h"

/*
 * A layer principal holds only while its layer's control bit is set: a
 * grant sets the bit, and revoking the last principal of a layer clears it
 * (the reservation closes to that layer rather than open to all of it).
 */
static int grant_layers(struct pcrw_resv *r, __u64 tag,
			const struct resv_spec *add, bool revoke)
{
	__u32 ctl = r->regs.control, layer, i, j;
	bool left;

	for (i = 0; i < add->nr_grants; i++) {
		layer = pcr_principal_layer(&add->grants[i]);
		if (layer == PCR_LAYER_USER)
			continue;
		if (!revoke) {
			ctl |= PCR_CTL_LAYER(layer);
			continue;
		}
		for (left = false, j = 0; j < r->nr_grants; j++)
			left |= pcr_principal_layer(&r->grants[j]) == layer;
		if (!left)
			ctl &= ~PCR_CTL_LAYER(layer);
	}
	if (ctl == r->regs.control)
		return 0;
	return pcr_set_control(&r->regs, tag, ctl) == PCR_OK ? 0
							     : PCRW_EXIT_DENIED;
}

/* Apply the grant or revoke of @add's principals and the direct-MSR
 * choice @msr (NULL: unchanged) to @r, managed by @tag: PCRW_EXIT_OK, or
 * the refusal's status, said. */
static int grant_edit(struct pcrw_resv *r, __u64 tag,
		      const struct resv_spec *add, bool revoke, const char *msr)
{
	__u32 i, j;

	if (msr) {
		__u32 ctl = r->regs.control & ~PCR_CTL_DIRECT_MSR;

		if (!strcmp(msr, "yes"))
			ctl |= PCR_CTL_DIRECT_MSR;
		if (pcr_set_control(&r->regs, tag, ctl) != PCR_OK)
			return PCRW_EXIT_DENIED;
	}
	for (i = 0; i < add->nr_grants; i++) {
		const struct pcr_principal *p = &add->grants[i];
		bool have = false;

		for (j = 0; j < r->nr_grants; j++)
			if (r->grants[j].kind == p->kind &&
			    r->grants[j].id == p->id) {
				have = true;
				if (revoke) {
					r->grants[j] =
						r->grants[--r->nr_grants];
					memset(&r->grants[r->nr_grants], 0,
					       sizeof(*p));
				}
				break;
			}
		if (!revoke && !have) {
			if (r->nr_grants >= PCRW_MAX_GRANTS) {
				pcrw_err("grant: reservation %llu already has "
					 "%d principals",
					 (unsigned long long)r->id,
					 PCRW_MAX_GRANTS);
				return PCRW_EXIT_ERROR;
			}
			r->grants[r->nr_grants++] = *p;
		}
	}
	return grant_layers(r, tag, add, revoke);
}

int cmd_grant(int argc, char **argv)
{
	static const struct option opts[] = {
		COOKIE_OPT,
		COOKIE_FILE_OPT,
		{ "for", required_argument, NULL, 'f' },
		{ "revoke", no_argument, NULL, 'r' },
		{ "direct-msr", required_argument, NULL, 'M' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct cookie_arg ck = { 0 };
	struct resv_spec add = { 0 };
	struct pcrw_resv *r = NULL;
	const char *msr = NULL;
	bool revoke = false;
	char err[ERRLEN], who[64];
	struct resv_txn t;
	__u64 tag = 0;
	int opt, rc;

	while ((opt = pcrw_getopt("grant", argc, argv, "h", opts)) != -1) {
		if (cookie_arg_take(&ck, opt, optarg))
			continue;
		switch (opt) {
		case 'f':
			if (resv_add_grant(&add, optarg, err, sizeof(err)))
				return pcrw_usage_error("grant", "%s", err);
			break;
		case 'r':
			revoke = true;
			break;
		case 'M':
			msr = optarg;
			break;
		case 'h':
			printf("Usage: pcrwatch grant --cookie-file "
			       "FILE|--cookie - --for PRINCIPAL [--revoke]\n"
			       "       pcrwatch grant --cookie-file "
			       "FILE|--cookie - --direct-msr yes|no\n"
			       "Grant (or revoke) a reservation's counters to "
			       "PRINCIPAL, or allow\n"
			       "or forbid its holders raw /dev/cpu/N/msr "
			       "writes.\n");
			return PCRW_EXIT_OK;
		default:
			return PCRW_EXIT_USAGE;
		}
	}
	if (optind < argc)
		return pcrw_usage_error("grant", "unexpected argument '%s'",
					argv[optind]);
	if (!add.nr_grants && !msr)
		return pcrw_usage_error("grant",
					"--for or --direct-msr is required");
	if (msr && strcmp(msr, "yes") && strcmp(msr, "no"))
		return pcrw_usage_error("grant",
					"--direct-msr takes yes or no");
	rc = cookie_arg_open("grant", &ck, &t, &r, &tag);
	if (!rc)
		rc = grant_edit(r, tag, &add, revoke, msr);
	/* The policy's quota on the reservations with @r as changed (its
	 * grants decide which caps bind it). */
	if (!rc)
		rc = quota_admit("grant", &t.cfg, t.all, t.n, r);
	if (!rc)
		rc = resv_txn_save(&t, r, "grant");
	if (rc)
		goto out;
	if (r->nr_grants)
		resv_format_principal(&r->grants[0], who, sizeof(who));
	printf("reservation %llu: %u principal(s)%s%s, direct MSR writes %s\n",
	       (unsigned long long)r->id, r->nr_grants,
	       r->nr_grants ? ", first " : "", r->nr_grants ? who : "",
	       r->regs.control & PCR_CTL_DIRECT_MSR ? "allowed" : "forbidden");
out:
	resv_txn_end(&t);
	return rc;
}
