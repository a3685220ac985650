// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * pcrwatch reserve | release | grant | list | policy | enforce: counter
 * reservations (PCR in software). Every change goes through the rules of
 * include/pcr_rules.h on the reservation's cookies; a management cookie is
 * printed once, by reserve, and nowhere else. Bad input changes nothing.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/random.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "pcrwatch.h"
#include "component.h"
#include "cookie.h"
#include "kernel_probe.h"
#include "list_json.h"
#include "resv_store.h"
#include "perf_snapshot.h"
#include "sanitize.h"
#include "veto.h"

#define ERRLEN 160

extern const struct component veto_component;

struct resv_spec {
	__u64 cpus[PCRW_CPU_WORDS];
	__u32 nr_counters;
	__u32 nr_grants;
	struct pcr_principal grants[PCRW_MAX_GRANTS];
	char label[PCRW_LABEL_LEN];
	__u32 control;
};

static int nr_cpus_now(void)
{
	int n = libbpf_num_possible_cpus();

	return n > 0 && n <= PCRW_MAX_CPUS ? n : PCRW_MAX_CPUS;
}

static int parse_counters(const char *s, __u32 *n, char *err, size_t len)
{
	char *end;
	unsigned long v;

	if (!strcmp(s, "all")) {
		*n = PCR_RESV_WHOLE_PMU;
		return 0;
	}
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || end == s || v == 0 || v > 32) {
		snprintf(err, len, "'%s' is not a counter count (1-32 or all)",
			 s);
		return -EINVAL;
	}
	*n = v;
	return 0;
}

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

static __u64 random_cookie(void)
{
	__u64 c = 0;

	do {
		if (getrandom(&c, sizeof(c), 0) != sizeof(c))
			c = 0;
		c &= PCR_COOKIE_MASK;
	} while (!pcr_cookie_valid(c));
	return c;
}

static bool whole(__u32 n)
{
	return n == PCR_RESV_WHOLE_PMU;
}

/* Reservations take general counters (pcr_rules.h rule 5): those of the
 * PMU's counters that are not cycles-only. 0: not known. */
static __u32 general_counters(const struct pcrw_veto_cfg *c)
{
	return c->nr_cycles_only < c->nr_counters
		       ? c->nr_counters - c->nr_cycles_only
		       : 0;
}

/*
 * Place @spec among the reservations @all (@n of them, @skip_policy: leave
 * out those a policy made): check capacity on each CPU and choose slots.
 */
static int place(const struct resv_spec *spec, const struct pcrw_resv *all,
		 size_t n, bool skip_policy, __u32 nr_counters, __u64 *slots,
		 char *err, size_t len)
{
	__u64 used = 0;
	__u32 cpu, sum, k;
	size_t i;

	for (cpu = 0; cpu < PCRW_MAX_CPUS; cpu++) {
		if (!((spec->cpus[cpu / 64] >> (cpu % 64)) & 1))
			continue;
		sum = 0;
		for (i = 0; i < n; i++) {
			if (skip_policy && (all[i].flags & PCRW_RESV_F_POLICY))
				continue;
			if (!resv_has_cpu(&all[i], cpu))
				continue;
			if (whole(all[i].nr_counters) ||
			    whole(spec->nr_counters)) {
				snprintf(err, len,
					 "CPU %u: reservation %llu already "
					 "holds counters there",
					 cpu, (unsigned long long)all[i].id);
				return -EBUSY;
			}
			sum += all[i].nr_counters;
			used |= all[i].slot_mask;
		}
		if (!whole(spec->nr_counters) && nr_counters &&
		    sum + spec->nr_counters > nr_counters) {
			snprintf(err, len,
				 "CPU %u: %u of %u general counters are "
				 "unreserved, %u asked for",
				 cpu, nr_counters - sum, nr_counters,
				 spec->nr_counters);
			return -EBUSY;
		}
	}
	if (whole(spec->nr_counters)) {
		*slots = ~0ULL;
		return 0;
	}
	*slots = 0;
	for (k = 0, cpu = 0; cpu < 32 && k < spec->nr_counters; cpu++)
		if (!((used >> cpu) & 1) &&
		    (!nr_counters || cpu < nr_counters)) {
			*slots |= 1ULL << cpu;
			k++;
		}
	if (k < spec->nr_counters) {
		snprintf(err, len, "no free counter slots left");
		return -EBUSY;
	}
	return 0;
}

static __u64 next_id(const struct pcrw_resv *all, size_t n)
{
	__u64 id = 0;
	size_t i;

	for (i = 0; i < n; i++)
		if (all[i].id > id)
			id = all[i].id;
	return id + 1;
}

/* Make a reservation from @spec (rule 1, then 2a): @mgmt is what the map
 * keeps for the management cookie, its tag (cookie.h), never the cookie;
 * the access cookie is fresh and never leaves the map: the vetoes present
 * it for a task that matches a grant (pcr_presented_cookie). */
static void make_resv(struct pcrw_resv *r, const struct resv_spec *spec,
		      __u64 id, __u64 slots, __u64 mgmt, __u32 flags)
{
	memset(r, 0, sizeof(*r));
	r->id = id;
	pcr_slot_reset(&r->regs);
	pcr_claim(&r->regs, mgmt);
	pcr_set_access(&r->regs, mgmt, random_cookie());
	pcr_set_control(&r->regs, mgmt, spec->control);
	memcpy(r->cpus, spec->cpus, sizeof(r->cpus));
	r->slot_mask = slots;
	r->nr_counters = spec->nr_counters;
	r->nr_grants = spec->nr_grants;
	memcpy(r->grants, spec->grants, sizeof(r->grants));
	r->created_s = time(NULL);
	r->flags = flags;
	snprintf(r->label, sizeof(r->label), "%s", spec->label);
}

static int store_error(const char *what, int err)
{
	if (err == -EPERM || err == -EACCES) {
		pcrw_err("%s: permission denied (needs root: CAP_BPF)", what);
		return PCRW_EXIT_DENIED;
	}
	if (err == -ENOENT) {
		pcrw_err("%s: no reservations exist", what);
		return PCRW_EXIT_ERROR;
	}
	pcrw_err("%s: %s", what, strerror(-err));
	return PCRW_EXIT_ERROR;
}

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

/* Does a grant of @r name the process that holds @e? Its own cgroup only:
 * a descendant of a granted cgroup is not recognised here (errs towards
 * refusing). */
static bool held_by_grantee(const struct pcrw_resv *r,
			    const struct pcrw_perf_rec *e)
{
	struct pcr_caller c = { .uid = e->holder_uid,
				.tgid = e->holder_tgid,
				.cgroup_at_level = e->cgroup_id };
	__u32 i;

	if (resv_pid_start(e->holder_tgid, &c.start))
		c.start = ~0ULL;
	for (i = 0; i < r->nr_grants && i < PCRW_MAX_GRANTS; i++)
		if (pcr_principal_match(&r->grants[i], &c))
			return true;
	return false;
}

/*
 * Hardware events opened by processes @r does not grant that could use
 * counters @r reserves: CPU-bound ones on its CPUs, and every per-task
 * one. They were opened before the reservation, so rule 5 never charged
 * them for it, and they would keep the holder's counters. Kernel-made
 * counters (watchdog) are left out: counter discovery already found their
 * counters taken. Names up to four in @msg; returns how many, or -errno
 * when they cannot be looked for.
 */
static int events_in_the_way(const struct pcrw_resv *r, char *msg, size_t len)
{
	struct perf_snapshot snap;
	size_t i, off = 0;
	int err, n = 0;

	msg[0] = 0;
	err = perf_snapshot_open(&snap);
	if (!err)
		err = perf_snapshot_take(&snap);
	for (i = 0; !err && i < snap.nr; i++) {
		const struct pcrw_perf_rec *e = &snap.recs[i];

		if (!(e->flags & PCRW_PERF_HW) ||
		    (e->flags & PCRW_PERF_KERNEL_OWNER) ||
		    (e->how != PCRW_FOUND_FILE && e->how != PCRW_FOUND_CHILD))
			continue;
		if (e->cpu >= 0 && !resv_has_cpu(r, e->cpu))
			continue;
		if (held_by_grantee(r, e))
			continue;
		if (n++ < 4 && off < len) {
			char where[24] = "any CPU";

			if (e->cpu >= 0)
				snprintf(where, sizeof(where), "CPU %d",
					 e->cpu);
			off += snprintf(
				msg + off, len - off,
				"%spid %u (%.16s) %s event 0x%llx on %s",
				off ? ", " : "", e->holder_tgid, e->holder_comm,
				e->flags & PCRW_PERF_PINNED ? "pinned"
							    : "flexible",
				(unsigned long long)e->config, where);
		}
	}
	if (snap.skel)
		perf_snapshot_close(&snap);
	return err ? err : n;
}

/* For reservations made without the refusal (policy files, enforce after
 * reserve): say which events could keep their counters. */
static void warn_in_the_way(const struct pcrw_resv *r)
{
	char msg[384];
	int n = events_in_the_way(r, msg, sizeof(msg));

	if (n > 0)
		pcrw_warn("reservation %llu is not guaranteed: %d hardware "
			  "event(s) "
			  "opened before it could use its counters: %s%s",
			  (unsigned long long)r->id, n, msg,
			  n > 4 ? ", ..." : "");
}

static int add_grant(struct resv_spec *s, const char *arg, char *err,
		     size_t len)
{
	if (s->nr_grants >= PCRW_MAX_GRANTS) {
		snprintf(err, len, "at most %d principals", PCRW_MAX_GRANTS);
		return -EINVAL;
	}
	if (resv_parse_principal(arg, &s->grants[s->nr_grants], err, len))
		return -EINVAL;
	if (!s->nr_grants)
		snprintf(s->label, sizeof(s->label), "%s", arg);
	s->nr_grants++;
	return 0;
}

static int reserve_usage(FILE *f, int rc)
{
	fprintf(f, "Usage: pcrwatch reserve --cpus LIST --counters N|all --for "
		   "PRINCIPAL\n"
		   "                        [--for PRINCIPAL...] "
		   "[--no-direct-msr]\n\n"
		   "Reserve N counters (or the whole PMU) on each CPU of LIST "
		   "(0-3,6 or all)\n"
		   "for PRINCIPAL: uid:N, pid:N or cgroup:/sys/fs/cgroup/PATH. "
		   "Everyone else\n"
		   "is denied those counters (EBUSY), root included. Prints "
		   "the management\n"
		   "cookie once: it is needed to grant, change or release the "
		   "reservation.\n");
	return rc;
}

int cmd_reserve(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "cpus", required_argument, NULL, 'c' },
		{ "counters", required_argument, NULL, 'n' },
		{ "for", required_argument, NULL, 'f' },
		{ "no-direct-msr", no_argument, NULL, 'M' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct resv_store_ops *s = resv_store();
	struct resv_spec spec = { .control = PCR_CTL_DEFAULT };
	struct pcrw_veto_cfg cfg;
	struct pcrw_resv *all = NULL, r;
	const char *cpus = NULL;
	bool have_counters = false;
	char err[ERRLEN], buf[128], msg[384];
	__u8 key[PCRW_COOKIE_KEY_LEN];
	__u64 slots, mgmt, id;
	size_t n = 0;
	int opt, rc;

	while ((opt = pcrw_getopt("reserve", argc, argv, "h", opts)) != -1) {
		switch (opt) {
		case 'c':
			cpus = optarg;
			break;
		case 'n':
			if (parse_counters(optarg, &spec.nr_counters, err,
					   ERRLEN))
				return pcrw_usage_error("reserve", "%s", err);
			have_counters = true;
			break;
		case 'f':
			if (add_grant(&spec, optarg, err, sizeof(err)))
				return pcrw_usage_error("reserve", "%s", err);
			break;
		case 'M':
			spec.control &= ~PCR_CTL_DIRECT_MSR;
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
	if (resv_parse_cpus(cpus, nr_cpus_now(), spec.cpus, err, ERRLEN))
		return pcrw_usage_error("reserve", "%s", err);

	rc = s->open(true);
	if (rc)
		return store_error("reserve", rc);
	rc = s->lock();
	if (rc)
		return store_error("reserve", rc);
	rc = s->get_cfg(&cfg);
	if (!rc)
		rc = resv_load_all(&all, &n);
	if (rc) {
		rc = store_error("reserve", rc);
		goto out;
	}
	if (n >= PCRW_MAX_RESV) {
		pcrw_err("reserve: %d reservations already exist",
			 PCRW_MAX_RESV);
		rc = PCRW_EXIT_ERROR;
		goto out;
	}
	if (place(&spec, all, n, false, general_counters(&cfg), &slots, err,
		  ERRLEN)) {
		pcrw_err("reserve: %s", err);
		rc = PCRW_EXIT_ERROR;
		goto out;
	}
	if (cookie_key_load(key, true)) {
		rc = PCRW_EXIT_ERROR;
		goto out;
	}
	/* The map keeps the cookie's tag; the cookie is printed, once. */
	mgmt = random_cookie();
	id = next_id(all, n);
	make_resv(&r, &spec, id, slots, cookie_tag(key, id, mgmt), 0);
	rc = s->put(&r);
	if (!rc)
		rc = s->commit();
	if (rc) {
		s->del(r.id);
		s->commit();
		rc = store_error("reserve", rc);
		goto out;
	}
	/* In force from here: later opens are charged. Earlier ones are
	 * not; while one could use these counters, refuse. */
	rc = events_in_the_way(&r, msg, sizeof(msg));
	if (rc) {
		s->del(r.id);
		s->commit();
		if (rc < 0)
			pcrw_err(
				"reserve: cannot look for events already using "
				"counters (%s): not reserved",
				strerror(-rc));
		else
			pcrw_err("reserve: %d hardware event(s) of other "
				 "processes "
				 "could use these counters: %s%s; close them "
				 "and "
				 "reserve again",
				 rc, msg, rc > 4 ? ", ..." : "");
		rc = PCRW_EXIT_ERROR;
		goto out;
	}
	resv_format_cpus(r.cpus, buf, sizeof(buf));
	if (whole(r.nr_counters))
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
	rc = PCRW_EXIT_OK;
out:
	free(all);
	s->unlock();
	return rc;
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
		return store_error(cmd, err);
	err = s->lock();
	if (err)
		return store_error(cmd, err);
	if (find_by_cookie(cookie, r, tag)) {
		s->unlock();
		pcrw_err("%s: no reservation has that management cookie", cmd);
		return PCRW_EXIT_DENIED;
	}
	return PCRW_EXIT_OK;
}

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

int cmd_grant(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "cookie", required_argument, NULL, 'k' },
		{ "cookie-file", required_argument, NULL, 'K' },
		{ "for", required_argument, NULL, 'f' },
		{ "revoke", no_argument, NULL, 'r' },
		{ "direct-msr", required_argument, NULL, 'M' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct resv_store_ops *s = resv_store();
	struct resv_spec add = { 0 };
	struct pcrw_resv r;
	const char *ck = NULL, *msr = NULL;
	bool revoke = false, ck_file = false;
	char err[ERRLEN], who[64];
	__u64 cookie, tag;
	__u32 i, j;
	int opt, rc;

	while ((opt = pcrw_getopt("grant", argc, argv, "h", opts)) != -1) {
		switch (opt) {
		case 'k':
		case 'K':
			ck = optarg;
			ck_file = opt == 'K';
			break;
		case 'f':
			if (add_grant(&add, optarg, err, sizeof(err)))
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
	if (!ck || (!add.nr_grants && !msr))
		return pcrw_usage_error("grant",
					"--cookie-file (or --cookie) and --for "
					"or --direct-msr are required");
	if (msr && strcmp(msr, "yes") && strcmp(msr, "no"))
		return pcrw_usage_error("grant",
					"--direct-msr takes yes or no");
	if (parse_cookie(ck, ck_file, &cookie, err, ERRLEN))
		return pcrw_usage_error("grant", "%s", err);
	rc = cookie_cmd_open("grant", cookie, &r, &tag);
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
	if (r.nr_grants)
		resv_format_principal(&r.grants[0], who, sizeof(who));
	rc = s->put(&r);
	if (rc) {
		rc = store_error("grant", rc);
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

static const char *mode_name(__u32 mode)
{
	switch (mode) {
	case PCRW_VETO_ENFORCE:
		return "enforce";
	case PCRW_VETO_AUDIT:
		return "audit";
	case PCRW_VETO_SIGNAL:
		return "signal";
	default:
		return "?";
	}
}

/* The charge words of rule 5: general+cycles demand of admitted events of
 * restricted tasks, per CPU where any, and per task. */
static void print_charges(const struct pcrw_veto_cfg *cfg)
{
	__u32 k, nr = cfg->nr_cpus < PCRW_MAX_CPUS ? cfg->nr_cpus
						   : PCRW_MAX_CPUS;
	__u64 v;
	int fd;

	fd = pcrw_obj_get(PCRW_VETO_GROUP, "hw_charge");
	printf("events charged (general+cycles):");
	for (k = 0; fd >= 0 && k < nr; k++)
		if (bpf_map_lookup_elem(fd, &k, &v) == 0 && v)
			printf(" cpu%u=%u+%u", k, pcr_charge_general(v),
			       pcr_charge_cycles(v));
	k = PCRW_CHARGE_TASK;
	if (fd >= 0 && bpf_map_lookup_elem(fd, &k, &v) == 0)
		printf(" per-task=%u+%u", pcr_charge_general(v),
		       pcr_charge_cycles(v));
	printf("\n");
	if (fd >= 0)
		close(fd);
}

/* Grants of @r whose process has exited, for list. */
static void print_expired(const struct pcrw_resv *r)
{
	__u32 j;

	for (j = 0; j < r->nr_grants && j < PCRW_MAX_GRANTS; j++)
		if (resv_principal_expired(&r->grants[j]))
			printf("     pid:%llu: expired (process exited): "
			       "matches no one\n",
			       (unsigned long long)r->grants[j].id);
}

int cmd_list(int argc, char **argv)
{
	const struct resv_store_ops *s = resv_store();
	struct pcrw_resv *all = NULL;
	struct pcrw_veto_cfg cfg;
	char cpus[128], who[160], state[160];
	size_t n = 0, i;
	__u32 j;
	int rc;

	bool json;

	rc = list_args(argc, argv, &json); /* user/list_json.c */
	if (rc >= 0)
		return rc;
	if (json)
		return list_json();
	veto_describe(state, sizeof(state));
	rc = s->open(false);
	if (rc == -ENOENT) {
		printf("no reservations\n%s\n", state);
		return PCRW_EXIT_OK;
	}
	if (rc)
		return store_error("list", rc);
	if (s->get_cfg(&cfg))
		memset(&cfg, 0, sizeof(cfg));
	rc = resv_load_all(&all, &n);
	if (rc)
		return store_error("list", rc);
	printf("%-4s %-10s %-9s %-12s %-6s %-7s %s\n", "ID", "CPUS", "COUNTERS",
	       "SLOTS", "MSR", "VETOES", "GRANTED TO");
	for (i = 0; i < n; i++) {
		struct pcrw_resv *r = &all[i];
		char cnt[16], slots[24];
		size_t off;

		resv_format_cpus(r->cpus, cpus, sizeof(cpus));
		if (whole(r->nr_counters)) {
			snprintf(cnt, sizeof(cnt), "all");
			snprintf(slots, sizeof(slots), "all");
		} else {
			snprintf(cnt, sizeof(cnt), "%u", r->nr_counters);
			snprintf(slots, sizeof(slots), "0x%llx",
				 (unsigned long long)r->slot_mask);
		}
		san_term(who, sizeof(who), r->label, sizeof(r->label));
		for (j = 1; j < r->nr_grants; j++) {
			off = strlen(who);
			who[off] = ',';
			resv_format_principal(&r->grants[j], who + off + 1,
					      sizeof(who) - off - 1);
		}
		if (!r->nr_grants)
			snprintf(who, sizeof(who), "nobody");
		printf("%-4llu %-10s %-9s %-12s %-6s %-7llu %s%s\n",
		       (unsigned long long)r->id, cpus, cnt, slots,
		       r->regs.control & PCR_CTL_DIRECT_MSR ? "yes" : "no",
		       (unsigned long long)s->vetoes(r->id), who,
		       r->flags & PCRW_RESV_F_POLICY ? " (policy)" : "");
		print_expired(r);
	}
	if (!n)
		printf("(no reservations)\n");
	printf("%s; mode %s; %u counters per CPU%s\n", state,
	       mode_name(cfg.mode), cfg.nr_counters,
	       cfg.nr_counters ? "" : " (unknown: fail closed)");
	if (cfg.nr_counters)
		printf("  %u general (reservable), %u cycles-only\n",
		       general_counters(&cfg), cfg.nr_cycles_only);
	print_charges(&cfg);
	printf("vetoes %llu, audited %llu\n",
	       (unsigned long long)s->total(PCRW_EV_VETO),
	       (unsigned long long)s->total(PCRW_EV_AUDIT));
	free(all);
	return PCRW_EXIT_OK;
}

/* ---- policy files ---- */

#define MAX_POLICY PCRW_MAX_RESV

/* Longer lines are refused whole: no real policy line comes near it. */
#define POLICY_LINE_MAX 4096

/* One line "reserve cpus=LIST counters=N|all for=PRINCIPAL [for=...]
 * [direct-msr=yes|no]", # comments: 1 when blank, 0 with @sp filled, or
 * -EINVAL with "@path:@lineno: why" in @err. */
static int parse_policy_line(char *line, const char *path, int lineno,
			     struct resv_spec *sp, char *err, size_t len)
{
	bool have_cpus = false, have_n = false;
	char e[ERRLEN / 2], *tok, *save;

	*sp = (struct resv_spec){ .control = PCR_CTL_DEFAULT };
	line[strcspn(line, "#\r\n")] = 0;
	tok = strtok_r(line, " \t", &save);
	if (!tok)
		return 1;
	if (strcmp(tok, "reserve")) {
		snprintf(err, len, "%.40s:%d: unknown statement '%.32s'", path,
			 lineno, tok);
		return -EINVAL;
	}
	while ((tok = strtok_r(NULL, " \t", &save))) {
		if ((!strncmp(tok, "cpus=", 5) && have_cpus) ||
		    (!strncmp(tok, "counters=", 9) && have_n)) {
			snprintf(err, len, "%.40s:%d: '%.*s' given twice", path,
				 lineno, (int)strcspn(tok, "="), tok);
			return -EINVAL;
		}
		if (!strncmp(tok, "cpus=", 5)) {
			if (resv_parse_cpus(tok + 5, nr_cpus_now(), sp->cpus, e,
					    sizeof(e)))
				goto bad_value;
			have_cpus = true;
		} else if (!strncmp(tok, "counters=", 9)) {
			if (parse_counters(tok + 9, &sp->nr_counters, e,
					   sizeof(e)))
				goto bad_value;
			have_n = true;
		} else if (!strncmp(tok, "for=", 4)) {
			if (add_grant(sp, tok + 4, e, sizeof(e)))
				goto bad_value;
		} else if (!strcmp(tok, "direct-msr=no")) {
			sp->control &= ~PCR_CTL_DIRECT_MSR;
		} else if (!strcmp(tok, "direct-msr=yes")) {
			sp->control |= PCR_CTL_DIRECT_MSR;
		} else {
			snprintf(err, len, "%.40s:%d: unknown key '%.32s'",
				 path, lineno, tok);
			return -EINVAL;
		}
	}
	if (!have_cpus || !have_n || !sp->nr_grants) {
		snprintf(err, len,
			 "%.40s:%d: cpus=, counters= and for= are required",
			 path, lineno);
		return -EINVAL;
	}
	return 0;
bad_value:
	snprintf(err, len, "%.40s:%d: %s", path, lineno, e);
	return -EINVAL;
}

/* Every line of @f, each read whole (getline): a line that is too long or
 * holds a NUL byte is refused, never cut into two. */
static int parse_policy_stream(FILE *f, const char *path,
			       struct resv_spec *specs, size_t *n, char *err,
			       size_t len)
{
	struct resv_spec sp;
	char *line = NULL;
	size_t cap = 0;
	ssize_t got;
	int lineno = 0, rc = 0;

	*n = 0;
	while (!rc && (got = getline(&line, &cap, f)) >= 0) {
		lineno++;
		if (got > POLICY_LINE_MAX) {
			snprintf(err, len,
				 "%.40s: line %d too long (over %d bytes)",
				 path, lineno, POLICY_LINE_MAX);
			rc = -EINVAL;
		} else if (strlen(line) != (size_t)got) {
			snprintf(err, len, "%.40s: line %d holds a NUL byte",
				 path, lineno);
			rc = -EINVAL;
		} else if (!(rc = parse_policy_line(line, path, lineno, &sp,
						    err, len))) {
			if (*n >= MAX_POLICY) {
				snprintf(err, len,
					 "%.40s:%d: too many reservations",
					 path, lineno);
				rc = -EINVAL;
			} else {
				specs[(*n)++] = sp;
			}
		} else if (rc == 1) {
			rc = 0;
		}
	}
	if (!rc && ferror(f)) {
		snprintf(err, len, "%.40s: read error", path);
		rc = -EIO;
	}
	free(line);
	return rc;
}

static int parse_policy(const char *path, struct resv_spec *specs, size_t *n,
			char *err, size_t len)
{
	FILE *f = fopen(path, "re");
	int rc;

	*n = 0;
	if (!f) {
		rc = -errno;
		snprintf(err, len, "%s: %s", path, strerror(errno));
		return rc;
	}
	rc = parse_policy_stream(f, path, specs, n, err, len);
	fclose(f);
	return rc;
}

/* Replace the policy-made reservations by those of @path, all or nothing. */
int apply_policy(const char *path, bool check_only)
{
	const struct resv_store_ops *s = resv_store();
	struct resv_spec *specs;
	struct pcrw_resv *all = NULL, *mine;
	struct pcrw_veto_cfg cfg;
	char err[ERRLEN];
	size_t n = 0, nall = 0, i, k;
	__u64 slots, id;
	int rc;

	specs = calloc(MAX_POLICY, sizeof(*specs));
	mine = calloc(PCRW_MAX_RESV * 2, sizeof(*mine));
	if (!specs || !mine) {
		free(specs);
		free(mine);
		return PCRW_EXIT_ERROR;
	}
	if (parse_policy(path, specs, &n, err, ERRLEN)) {
		pcrw_err("policy: %s; the policy in force is unchanged", err);
		rc = PCRW_EXIT_USAGE;
		goto free_specs;
	}
	rc = s->open(!check_only);
	if (rc == -ENOENT && check_only) {
		printf("policy %s: %zu reservation(s), valid\n", path, n);
		rc = PCRW_EXIT_OK;
		goto free_specs;
	}
	if (rc) {
		rc = store_error("policy", rc);
		goto free_specs;
	}
	rc = s->lock();
	if (!rc)
		rc = s->get_cfg(&cfg);
	if (!rc)
		rc = resv_load_all(&all, &nall);
	if (rc) {
		rc = store_error("policy", rc);
		goto unlock;
	}
	/* Place each new one against the others and the new ones before it. */
	memcpy(mine, all, nall * sizeof(*all));
	k = nall;
	id = next_id(all, nall);
	for (i = 0; i < n; i++) {
		if (place(&specs[i], mine, k, true, general_counters(&cfg),
			  &slots, err, ERRLEN)) {
			pcrw_err("policy: %s: reservation %zu: %s; the policy "
				 "in force is unchanged",
				 path, i + 1, err);
			rc = PCRW_EXIT_USAGE;
			goto unlock;
		}
		/* No management cookie: a random tag nobody holds the cookie
		 * of; only the next policy load replaces it. */
		make_resv(&mine[k], &specs[i], id++, slots, random_cookie(),
			  PCRW_RESV_F_POLICY);
		mine[k].flags |= PCRW_RESV_F_POLICY;
		k++;
	}
	if (check_only) {
		printf("policy %s: %zu reservation(s), valid\n", path, n);
		rc = PCRW_EXIT_OK;
		goto unlock;
	}
	for (i = 0; i < nall; i++)
		if (all[i].flags & PCRW_RESV_F_POLICY)
			s->del(all[i].id);
	for (i = nall; i < k && !rc; i++)
		rc = s->put(&mine[i]);
	if (!rc)
		rc = s->commit();
	if (rc) {
		rc = store_error("policy", rc);
		goto unlock;
	}
	printf("policy %s: %zu reservation(s) in force\n", path, n);
	fflush(stdout);
	for (i = nall; i < k; i++)
		warn_in_the_way(&mine[i]);
unlock:
	s->unlock();
	free(all);
free_specs:
	free(specs);
	free(mine);
	return rc;
}

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

/* ---- enforce: attach, keep the policy, log vetoes ---- */

static volatile sig_atomic_t exiting, reload;

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		reload = 1;
	else
		exiting = 1;
}

static const char *const rule_names[] = {
	"ok",	 "whole-pmu", "unknown-capacity", "exclusive",
	"group", "pinned",    "flexible",
};

static int print_event(void *ctx, void *data, size_t size)
{
	const struct pcrw_event *e = data;
	const struct resv_store_ops *s = resv_store();
	struct pcrw_resv r;
	char who[PCRW_LABEL_LEN + 8] = "?", comm[sizeof(e->actor.comm) + 1];
	__u32 rule;

	if (size < sizeof(*e) ||
	    (e->kind != PCRW_EV_VETO && e->kind != PCRW_EV_AUDIT))
		return 0;
	if (s->get(e->reservation_id, &r) == 0)
		san_term(who, sizeof(who), r.label, sizeof(r.label));
	san_term(comm, sizeof(comm), e->actor.comm, sizeof(e->actor.comm));
	printf("%s ", e->kind == PCRW_EV_VETO ? "veto" : "audit");
	if (e->actor_path == PCRW_PATH_MSR_DEV) {
		printf("msr write: pid %u (%s) uid %u: cpu %u msr 0x%x value "
		       "0x%llx slot %u",
		       e->actor.tgid, comm, e->actor.uid, e->cpu, e->msr,
		       (unsigned long long)e->value, e->slot);
	} else {
		rule = PCRW_VETO_RULE(e->old_value);
		printf("perf_event_open: pid %u (%s) uid %u: type %u config "
		       "0x%llx rule %s",
		       e->actor.tgid, comm, e->actor.uid,
		       PCRW_VETO_TYPE(e->old_value),
		       (unsigned long long)e->value,
		       rule < PCR_NR_ADMIT_RULES ? rule_names[rule] : "?");
	}
	printf(" %s reservation %llu (%s)\n",
	       e->kind == PCRW_EV_AUDIT ? "would be denied by"
	       : veto_signal_active()	? "killed (SIGKILL) for"
					: "denied EBUSY by",
	       (unsigned long long)e->reservation_id, who);
	fflush(stdout);
	return 0;
}

/* Events opened while no veto was attached were never charged. */
static void warn_existing_events(void)
{
	struct pcrw_resv *all = NULL;
	size_t n = 0, i;

	if (resv_store()->open(false) || resv_load_all(&all, &n))
		return;
	for (i = 0; i < n; i++)
		warn_in_the_way(&all[i]);
	free(all);
}

int cmd_enforce(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "audit", no_argument, NULL, 'a' },
		{ "signal-enforce", no_argument, NULL, 's' },
		{ "policy", required_argument, NULL, 'p' },
		{ "once", no_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct attach_opts o = { 0 };
	struct ring_buffer *rb = NULL;
	const char *policy = NULL;
	bool once = false;
	char how[256], path[256];
	int opt, rc, fd;

	while ((opt = pcrw_getopt("enforce", argc, argv, "h", opts)) != -1) {
		switch (opt) {
		case 'a':
			o.audit = true;
			break;
		case 's':
			o.signal_enforce = true;
			break;
		case 'p':
			policy = optarg;
			break;
		case 'o':
			once = true;
			break;
		case 'h':
			printf("Usage: pcrwatch enforce [--audit] [--policy "
			       "FILE] [--once]\n"
			       "                        [--signal-enforce]\n\n"
			       "Attach and pin the vetoes, load FILE (again on "
			       "SIGHUP) and log each\n"
			       "veto. Enforcement goes on after pcrwatch exits "
			       "or is killed: the\n"
			       "programs and reservations stay pinned until "
			       "`pcrwatch detach`.\n"
			       "  --audit   log would-be vetoes, deny nothing\n"
			       "  --once    attach, load, and exit without "
			       "logging\n");
			return PCRW_EXIT_OK;
		default:
			return PCRW_EXIT_USAGE;
		}
	}
	if (optind < argc)
		return pcrw_usage_error("enforce", "unexpected argument '%s'",
					argv[optind]);
	if (policy && access(policy, R_OK))
		return pcrw_usage_error("enforce",
					"cannot read policy '%s': %s", policy,
					strerror(errno));
	if (geteuid() != 0) {
		pcrw_err("enforce needs root (CAP_BPF, CAP_MAC_ADMIN)");
		return PCRW_EXIT_DENIED;
	}
	if (policy) {
		rc = apply_policy(policy, true);
		if (rc)
			return rc;
	}
	rc = veto_component.attach(&o, how, sizeof(how));
	printf("veto: %s\n", how);
	if (rc)
		return PCRW_EXIT_ERROR;
	if (!veto_perf_active() && !veto_msr_active() && !veto_signal_active())
		printf("monitor-only: BPF LSM cannot attach on this kernel; "
		       "reservations "
		       "are recorded and listed but nothing is denied\n");
	else
		warn_existing_events();
	if (policy && apply_policy(policy, false))
		return PCRW_EXIT_ERROR;
	fflush(stdout);
	if (once)
		return PCRW_EXIT_OK;

	snprintf(path, sizeof(path), "%s/%s/events", PCRW_PIN_ROOT,
		 PCRW_VETO_GROUP);
	fd = pcrw_obj_get(PCRW_VETO_GROUP, "events");
	if (fd >= 0)
		rb = ring_buffer__new(fd, print_event, NULL, NULL);
	if (!rb) {
		pcrw_err("enforce: cannot read %s", path);
		return PCRW_EXIT_ERROR;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);
	printf("enforcing; vetoes follow (SIGHUP reloads the policy)\n");
	fflush(stdout);
	while (!exiting) {
		rc = ring_buffer__poll(rb, 200);
		if (rc < 0 && rc != -EINTR)
			break;
		if (reload) {
			reload = 0;
			if (!policy)
				pcrw_warn("SIGHUP: no policy file to reload");
			else if (apply_policy(policy, false))
				pcrw_warn("SIGHUP: the policy in force is "
					  "unchanged");
		}
	}
	ring_buffer__free(rb);
	close(fd);
	return PCRW_EXIT_OK;
}
