// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * pcrwatch reserve: make a counter reservation (PCR in software) through
 * the rules of include/pcr_rules.h. Its management cookie is printed
 * once, here, and nowhere else. Bad input changes nothing. The other
 * reservation commands are cmd_release.c, cmd_grant.c, cmd_list.c,
 * cmd_policy.c and cmd_enforce.c; what they share is in resv_cmd.h.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcrwatch.h"
#include "arbiter.h"
#include "cookie.h"
#include "kernel_probe.h"
#include "resv_cmd.h"
#include "resv_store.h"
#include "resv_text.h"
#include "resv_txn.h"
#include "veto.h"
#include "map_size.h"

static void warn_if_monitor_only(void)
{
	const char *why;

	if (veto_perf_active() || veto_msr_active() || veto_signal_active())
		return;
	why = probe_veto_unavailable();
	if (why)
		pcrw_warn(
			"this reservation is monitor-only: %s, so nothing can "
			"deny others its counters; pcrwatch who and events "
			"show who uses them",
			why);
	else
		pcrw_warn("no veto is active (run `pcrwatch enforce` or "
			  "`pcrwatch attach`): "
			  "this reservation is monitor-only for now");
}

static int reserve_usage(FILE *f, int rc)
{
	fprintf(f,
		"Usage: pcrwatch reserve --cpus LIST --counters N|all --for "
		"PRINCIPAL\n"
		"                        [--for PRINCIPAL...] "
		"[--no-direct-msr] [--layers LIST]\n\n"
		"Reserve N counters (or the whole PMU) on each CPU of LIST "
		"(0-3,6 or all)\n"
		"for PRINCIPAL: uid:N, pid:N or cgroup:/sys/fs/cgroup/PATH "
		"(user layer),\n"
		"layer:hypervisor (every VM's vPMU), vm:PID (one VM's), or "
		"layer:kernel.\n"
		"Everyone else is denied those counters (EBUSY), root "
		"included. Prints the\n"
		"management cookie once: it is needed to grant, change or "
		"release the\n"
		"reservation.\n\n"
		"  --no-direct-msr  holders may not program the counters "
		"through\n"
		"                   /dev/cpu/N/msr\n"
		"  --layers LIST    also admit the counters the kernel makes "
		"for these\n"
		"                   layers: hypervisor (KVM vPMU), kernel "
		"(NMI watchdog);\n"
		"                   by default only the holders have "
		"them\n");
	return rc;
}

/* Once @r is in force, what could only be checked then: the module did
 * not take one of its slots meanwhile (rule 7: a private acquire is refused
 * from now on), and no event made before it could use its counters (later
 * opens are charged, earlier ones not). 0, or the exit status, said. */
static int reserve_unhindered(const struct pcrw_resv *r)
{
	char msg[384];
	int rc;

	rc = resv_module_in_the_way(r, msg, sizeof(msg));
	if (rc) {
		pcrw_err("reserve: %s: not reserved",
			 rc < 0 ? strerror(-rc) : msg);
		return PCRW_EXIT_ERROR;
	}
	rc = events_in_the_way(r, msg, sizeof(msg));
	if (rc < 0)
		pcrw_err("reserve: cannot look for events already using "
			 "counters (%s): not reserved",
			 strerror(-rc));
	else if (rc)
		pcrw_err("reserve: %d hardware event(s) of other processes "
			 "could use these counters: %s%s; close them and "
			 "reserve again",
			 rc, msg, rc > 4 ? ", ..." : "");
	return rc ? PCRW_EXIT_ERROR : 0;
}

/* Place @spec among the reservations in force and the module's held slots,
 * check the quota, and put it in force as @r, managed by the fresh cookie
 * @mgmt (the store keeps only its tag). 0, or the exit status, said. */
static int reserve_in_force(const struct resv_spec *spec, struct pcrw_resv *r,
			    __u64 *mgmt)
{
	static __u64 held[PCRW_MAX_CPUS];
	__u8 key[PCRW_COOKIE_KEY_LEN];
	struct resv_txn t;
	char err[ERRLEN];
	__u64 slots, id;
	int rc;

	rc = resv_txn_begin(&t, true);
	if (rc) {
		rc = resv_store_error("reserve", rc);
		goto out;
	}
	if (t.n >= PCRW_MAX_RESV) {
		pcrw_err("reserve: %d reservations already exist",
			 PCRW_MAX_RESV);
		rc = PCRW_EXIT_ERROR;
		goto out;
	}
	rc = arbiter_held_slots(held);
	if (rc) {
		pcrw_err("reserve: cannot read the slots the pcr_arbiter "
			 "module holds (%s): not reserved",
			 strerror(-rc));
		rc = PCRW_EXIT_ERROR;
		goto out;
	}
	if (resv_choose_slots(spec, t.all, t.n, false,
			      resv_general_counters(&t.cfg), held, &slots, err,
			      ERRLEN)) {
		pcrw_err("reserve: %s", err);
		rc = PCRW_EXIT_ERROR;
		goto out;
	}
	if (cookie_key_load(key, true)) {
		rc = PCRW_EXIT_ERROR;
		goto out;
	}
	*mgmt = resv_random_cookie();
	id = resv_next_id(t.all, t.n);
	resv_make(r, spec, id, slots, cookie_tag(key, id, *mgmt), 0);
	t.all[t.n] = *r;
	rc = quota_admit("reserve", &t.cfg, t.all, t.n + 1, r);
	if (!rc)
		rc = resv_txn_save(&t, r, "reserve");
	if (rc)
		goto out;
	rc = reserve_unhindered(r);
	if (rc && resv_txn_revert(&t, r->id))
		pcrw_err(
			"reserve: reservation %llu could not be taken back: it "
			"stays in force (pcrwatch detach --all removes it)",
			(unsigned long long)r->id);
out:
	resv_txn_end(&t);
	return rc;
}

int cmd_reserve(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "cpus", required_argument, NULL, 'c' },
		{ "counters", required_argument, NULL, 'n' },
		{ "for", required_argument, NULL, 'f' },
		{ "no-direct-msr", no_argument, NULL, 'M' },
		{ "layers", required_argument, NULL, 'L' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct resv_spec spec = { .control = RESV_CTL_DEFAULT };
	struct pcrw_resv r;
	const char *cpus = NULL;
	bool have_counters = false;
	char err[ERRLEN], buf[PCRW_CPULIST_LEN];
	__u64 mgmt = 0;
	int opt, rc;

	while ((opt = pcrw_getopt("reserve", argc, argv, "h", opts)) != -1) {
		switch (opt) {
		case 'c':
			cpus = optarg;
			break;
		case 'n':
			if (resv_parse_counters(optarg, &spec.nr_counters, err,
						ERRLEN))
				return pcrw_usage_error("reserve", "%s", err);
			have_counters = true;
			break;
		case 'f':
			if (resv_add_grant(&spec, optarg, err, sizeof(err)))
				return pcrw_usage_error("reserve", "%s", err);
			break;
		case 'M':
			spec.control &= ~PCR_CTL_DIRECT_MSR;
			break;
		case 'L':
			if (resv_add_layers(&spec, optarg, err, sizeof(err)))
				return pcrw_usage_error("reserve", "%s", err);
			break;
		case 'h':
			return reserve_usage(stdout, PCRW_EXIT_OK);
		default:
			return PCRW_EXIT_USAGE;
		}
	}
	if (optind < argc)
		return pcrw_usage_error("reserve", "unexpected argument '%s'",
					argv[optind]);
	if (!cpus || !have_counters || !spec.nr_grants)
		return pcrw_usage_error(
			"reserve", "--cpus, --counters and --for are required");
	if (resv_parse_cpus(cpus, pcrw_possible_cpus(), spec.cpus, err, ERRLEN))
		return pcrw_usage_error("reserve", "%s", err);
	rc = reserve_in_force(&spec, &r, &mgmt);
	if (rc)
		return rc;
	resv_format_cpus(r.cpus, buf, sizeof(buf));
	if (resv_whole_pmu(r.nr_counters))
		snprintf(err, sizeof(err), "the whole PMU");
	else
		snprintf(err, sizeof(err), "%u counter(s), slots 0x%llx",
			 r.nr_counters, (unsigned long long)r.slot_mask);
	printf("reservation %llu: CPUs %s, %s, granted to %s\n",
	       (unsigned long long)r.id, buf, err, r.label);
	printf("management cookie: %012llx\n", (unsigned long long)mgmt);
	fflush(stdout);
	fprintf(stderr,
		"pcrwatch: the cookie is shown only now: keep it to grant, "
		"change or release this reservation\n");
	warn_if_monitor_only();
	return PCRW_EXIT_OK;
}
