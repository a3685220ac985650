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

/* The policy's quota on the reservations with @r as changed (its grants
 * decide which caps bind it): PCRW_EXIT_OK, or the refusal's status. */
static int grant_quota(const struct pcrw_resv *r)
{
	struct pcrw_resv *all = NULL;
	struct pcrw_veto_cfg cfg;
	size_t n = 0, i;
	int rc;

	rc = resv_store()->get_cfg(&cfg);
	if (!rc)
		rc = resv_load_all(&all, &n);
	if (rc) {
		free(all);
		return resv_store_error("grant", rc);
	}
	for (i = 0; i < n; i++)
		if (all[i].id == r->id)
			all[i] = *r;
	rc = quota_admit("grant", &cfg, all, n, r);
	free(all);
	return rc;
}

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
	const struct resv_store_ops *s = resv_store();
	struct cookie_arg ck = { 0 };
	struct resv_spec add = { 0 };
	struct pcrw_resv r;
	const char *msr = NULL;
	bool revoke = false;
	char err[ERRLEN], who[64];
	__u64 tag;
	__u32 i, j;
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
	rc = cookie_arg_open("grant", &ck, &r, &tag);
	if (rc)
		return rc;
	if (msr) {
		__u32 ctl = r.regs.control & ~PCR_CTL_DIRECT_MSR;

		if (!strcmp(msr, "yes"))
			ctl |= PCR_CTL_DIRECT_MSR;
		if (pcr_set_control(&r.regs, tag, ctl) != PCR_OK) {
			rc = PCRW_EXIT_DENIED;
			goto out;
		}
	}
	for (i = 0; i < add.nr_grants; i++) {
		struct pcr_principal *p = &add.grants[i];
		bool have = false;

		for (j = 0; j < r.nr_grants; j++)
			if (r.grants[j].kind == p->kind &&
			    r.grants[j].id == p->id) {
				have = true;
				if (revoke) {
					r.grants[j] = r.grants[--r.nr_grants];
					memset(&r.grants[r.nr_grants], 0,
					       sizeof(*p));
				}
				break;
			}
		if (!revoke && !have) {
			if (r.nr_grants >= PCRW_MAX_GRANTS) {
				pcrw_err("grant: reservation %llu already has "
					 "%d principals",
					 (unsigned long long)r.id,
					 PCRW_MAX_GRANTS);
				rc = PCRW_EXIT_ERROR;
				goto out;
			}
			r.grants[r.nr_grants++] = *p;
		}
	}
	rc = grant_layers(&r, tag, &add, revoke);
	if (rc)
		goto out;
	if (r.nr_grants)
		resv_format_principal(&r.grants[0], who, sizeof(who));
	rc = grant_quota(&r);
	if (rc)
		goto out;
	rc = s->put(&r);
	if (rc) {
		rc = resv_store_error("grant", rc);
		goto out;
	}
	printf("reservation %llu: %u principal(s)%s%s, direct MSR writes %s\n",
	       (unsigned long long)r.id, r.nr_grants,
	       r.nr_grants ? ", first " : "", r.nr_grants ? who : "",
	       r.regs.control & PCR_CTL_DIRECT_MSR ? "allowed" : "forbidden");
out:
	s->unlock();
	return rc;
}
