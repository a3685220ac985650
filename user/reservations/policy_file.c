// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Policy files: one reservation, cap or floor per line, parsed whole and
 * applied all or nothing in place of the reservations and the quota the
 * previous policy made (pcrwatch policy, enforce --policy, the agent).
 */
#include <ctype.h>
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arbiter.h"
#include "messages.h"
#include "policy_file.h"
#include "resv_cmd.h"
#include "resv_store.h"
#include "resv_txn.h"
#include "resv_text.h"
#include "map_size.h"
#include "trusted_file.h"
#include "policy_pending.h"

/* Longer lines are refused whole: no real policy line comes near it. */
#define POLICY_LINE_MAX 4096

/* One line "reserve cpus=LIST counters=N|all for=PRINCIPAL [for=...]
 * [direct-msr=yes|no] [layers=LIST]", "cap for=PRINCIPAL|layer=LAYER
 * counters=K" or "floor counters=F" (into @q), # comments: 1 when blank or
 * a cap or floor, 0 with @sp filled, or -EINVAL with "@path:@lineno: why"
 * in @err. */
static int parse_policy_line(char *line, const char *path, int lineno,
			     struct resv_spec *sp, struct policy_pending *pp,
			     struct pcrw_quota *q, char *err, size_t len)
{
	bool have_cpus = false, have_n = false;
	char e[ERRLEN / 2], *tok, *save;
	int rc;

	*sp = (struct resv_spec){ .control = RESV_CTL_DEFAULT };
	line[strcspn(line, "#\r\n")] = 0;
	tok = strtok_r(line, " \t", &save);
	if (!tok)
		return 1;
	if (!strcmp(tok, "cap") || !strcmp(tok, "floor")) {
		if (quota_parse_statement(tok, &save, q, e, sizeof(e)))
			goto bad_value;
		return 1;
	}
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
			if (resv_parse_cpus(tok + 5, pcrw_possible_cpus(),
					    sp->cpus, e, sizeof(e)))
				goto bad_value;
			have_cpus = true;
		} else if (!strncmp(tok, "counters=", 9)) {
			if (resv_parse_counters(tok + 9, &sp->nr_counters, e,
						sizeof(e)))
				goto bad_value;
			have_n = true;
		} else if (!strncmp(tok, "for=", 4)) {
			rc = resv_add_grant(sp, tok + 4, e, sizeof(e));
			/* A cgroup not made yet: the line waits for it. */
			if (rc == -ENOENT && !sp->pending) {
				sp->pending = true;
				snprintf(pp->cgroup, sizeof(pp->cgroup), "%s",
					 tok + 4 + strlen("cgroup:"));
			} else if (rc) {
				goto bad_value;
			}
		} else if (!strcmp(tok, "direct-msr=no")) {
			sp->control &= ~PCR_CTL_DIRECT_MSR;
		} else if (!strcmp(tok, "direct-msr=yes")) {
			sp->control |= PCR_CTL_DIRECT_MSR;
		} else if (!strncmp(tok, "layers=", 7)) {
			if (resv_add_layers(sp, tok + 7, e, sizeof(e)))
				goto bad_value;
		} else {
			snprintf(err, len, "%.40s:%d: unknown key '%.32s'",
				 path, lineno, tok);
			return -EINVAL;
		}
	}
	if (!have_cpus || !have_n || (!sp->nr_grants && !sp->pending)) {
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

/* Warnings for a line that parsed: a uid no user has, and the same
 * statement as an earlier line. @seen[i]: line i+1's words, one space
 * apart (NULL: blank or refused); this line's are put at @seen[@lineno-1].
 */
static void warn_line(const char *line, const char *path, int lineno,
		      char **seen)
{
	char copy[POLICY_LINE_MAX + 1], norm[POLICY_LINE_MAX + 1], *tok,
		*save = NULL;
	size_t off = 0;
	int i;

	snprintf(copy, sizeof(copy), "%s", line);
	copy[strcspn(copy, "#\r\n")] = 0;
	norm[0] = 0;
	for (tok = strtok_r(copy, " \t", &save); tok;
	     tok = strtok_r(NULL, " \t", &save)) {
		if (!strncmp(tok, "for=uid:", 8) &&
		    isdigit((unsigned char)tok[8]) &&
		    !getpwuid((uid_t)strtoul(tok + 8, NULL, 10)))
			pcrw_warn("policy: %.40s:%d: %s: no user has this uid "
				  "on this machine",
				  path, lineno, tok + 4);
		off += (size_t)snprintf(norm + off, sizeof(norm) - off, "%s%s",
					off ? " " : "", tok);
	}
	if (!norm[0])
		return;
	for (i = 0; i < lineno - 1; i++)
		if (seen[i] && !strcmp(seen[i], norm)) {
			pcrw_warn("policy: %.40s:%d: the same as line %d", path,
				  lineno, i + 1);
			break;
		}
	seen[lineno - 1] = strdup(norm);
}

/* One line read by getline (@got bytes): 0 with @sp (and @pp for a line
 * that waits for its cgroup) filled, 1 for no reservation (blank, cap,
 * floor), -EINVAL with @err. */
static int policy_line(char *line, ssize_t got, const char *path, int lineno,
		       struct resv_spec *sp, struct policy_pending *pp,
		       struct pcrw_quota *q, char *err, size_t len)
{
	if (got > POLICY_LINE_MAX) {
		snprintf(err, len, "%.40s: line %d too long (over %d bytes)",
			 path, lineno, POLICY_LINE_MAX);
		return -EINVAL;
	}
	if (strlen(line) != (size_t)got) {
		snprintf(err, len, "%.40s: line %d holds a NUL byte", path,
			 lineno);
		return -EINVAL;
	}
	return parse_policy_line(line, path, lineno, sp, pp, q, err, len);
}

/* The statement of a waiting line as written: no comment, no blanks
 * around it. */
static void pending_text(struct policy_pending *pp, const char *line)
{
	size_t n;

	line = line ? line + strspn(line, " \t") : "";
	n = strcspn(line, "#\r\n");
	while (n && (line[n - 1] == ' ' || line[n - 1] == '\t'))
		n--;
	snprintf(pp->text, sizeof(pp->text), "%.*s", (int)n, line);
}

/*
 * Every line of @f, each read whole (getline): a line that is too long or
 * holds a NUL byte is refused, never cut into two. Every bad line is said
 * with its number (all but the last here, the last in @err for the
 * caller), likely mistakes are warned about, and the file is refused if
 * any line is bad.
 */
int policy_parse_stream(FILE *f, const char *path, struct resv_spec *specs,
			size_t *n, struct policy_pending *pend, size_t *npend,
			struct pcrw_quota *q, char *err, size_t len)
{
	struct policy_pending pp;
	struct resv_spec sp;
	char *line = NULL, *orig = NULL, **seen = NULL, **grown;
	size_t cap = 0;
	ssize_t got;
	int lineno = 0, rc, bad = 0, i;
	bool unsaid = false; /* @err holds a bad line not printed yet */

	*n = *npend = 0;
	memset(q, 0, sizeof(*q));
	while ((got = getline(&line, &cap, f)) >= 0) {
		grown = realloc(seen, (size_t)(lineno + 1) * sizeof(*seen));
		if (!grown)
			break;
		seen = grown;
		seen[lineno++] = NULL;
		if (unsaid)
			pcrw_err("policy: %s", err); /* the one before */
		unsaid = false;
		/* A UTF-8 byte order mark (some editors write one) is no
		 * word. */
		if (lineno == 1 && !strncmp(line, "\xef\xbb\xbf", 3)) {
			memmove(line, line + 3, (size_t)got - 2);
			got -= 3;
		}
		/* the parser cuts the line into words: warn from a copy */
		free(orig);
		orig = strdup(line);
		rc = policy_line(line, got, path, lineno, &sp, &pp, q, err,
				 len);
		if (!rc && *n >= POLICY_MAX) {
			snprintf(err, len, "%.40s:%d: too many reservations",
				 path, lineno);
			rc = -EINVAL;
		}
		if (rc < 0) {
			bad++;
			unsaid = true;
			continue;
		}
		if (orig)
			warn_line(orig, path, lineno, seen);
		if (!rc && sp.pending) {
			pcrw_warn("policy: %.40s:%d: %s does not exist yet: "
				  "this line waits for it",
				  path, lineno, pp.cgroup);
			snprintf(pp.policy, sizeof(pp.policy), "%s", path);
			pending_text(&pp, orig);
			pp.line = lineno;
			pend[(*npend)++] = pp;
		}
		if (!rc) {
			sp.line = lineno;
			specs[(*n)++] = sp;
		}
	}
	for (i = 0; i < lineno; i++)
		free(seen[i]);
	free(seen);
	free(line);
	free(orig);
	if (!bad && ferror(f)) {
		snprintf(err, len, "%.40s: read error", path);
		return -EIO;
	}
	return bad ? -EINVAL : 0;
}

/* The policy is obeyed with root's authority: read only a file that
 * nobody else could have written (user/util/trusted_file.h). */
static int parse_policy(const char *path, struct resv_spec *specs, size_t *n,
			struct policy_pending *pend, size_t *npend,
			struct pcrw_quota *q, char *err, size_t len)
{
	FILE *f = trusted_fopen(path, err, len);
	int rc;

	*n = 0;
	if (!f)
		return -errno;
	rc = policy_parse_stream(f, path, specs, n, pend, npend, q, err, len);
	fclose(f);
	return rc;
}

/* Is @r what @sp asks for (CPUs, counters, grants, layers, label)? Then
 * a reload keeps it as it is: id, cookies, slots and veto counts. */
static bool spec_matches(const struct resv_spec *sp, const struct pcrw_resv *r)
{
	return (r->flags & PCRW_RESV_F_POLICY) &&
	       !memcmp(r->cpus, sp->cpus, sizeof(r->cpus)) &&
	       r->nr_counters == sp->nr_counters &&
	       r->nr_grants == sp->nr_grants &&
	       !memcmp(r->grants, sp->grants,
		       sp->nr_grants * sizeof(sp->grants[0])) &&
	       r->regs.control == sp->control && !strcmp(r->label, sp->label);
}

/* Errors of a policy's lines, each said with its line; the last one adds
 * that nothing changed (as for lines that do not parse). */
struct line_errors {
	const char *path;
	char pending[ERRLEN + 64];
	int n;
};

static void line_error(struct line_errors *le, int line, const char *err)
{
	if (le->n++)
		pcrw_err("%s", le->pending);
	snprintf(le->pending, sizeof(le->pending), "policy: %.40s:%d: %s",
		 le->path, line, err);
}

static int line_errors_end(struct line_errors *le)
{
	if (!le->n)
		return 0;
	pcrw_err("%s; the policy in force is unchanged", le->pending);
	return PCRW_EXIT_USAGE;
}

/* Append @r, made from line @line, to @mine (@k) if the quota @q admits
 * it there; else say why in @le. */
static void policy_append(struct line_errors *le, int line,
			  const struct pcrw_quota *q,
			  const struct pcrw_veto_cfg *cfg,
			  const struct pcrw_resv *r, struct pcrw_resv *mine,
			  size_t *k)
{
	char err[ERRLEN];

	mine[*k] = *r;
	if (quota_check(q, cfg, mine, *k + 1, &mine[*k], err, ERRLEN))
		line_error(le, line, err);
	else
		(*k)++;
}

/* resv_choose_slots()'s "CPU C: reservation ID already holds counters there"
 * names the line of this policy that made ID, when one did (@mine's first @k,
 * made from @specs: kept[] and the ids from @first on say which). */
static void name_line(char *err, const struct pcrw_resv *mine, size_t k,
		      const int *line_of)
{
	unsigned long long id;
	unsigned int cpu;
	size_t i;

	if (sscanf(err, "CPU %u: reservation %llu already holds", &cpu, &id) !=
	    2)
		return;
	for (i = 0; i < k; i++)
		if (mine[i].id == id && line_of[i]) {
			snprintf(err, ERRLEN,
				 "CPU %u: line %d already holds counters "
				 "there",
				 cpu, line_of[i]);
			return;
		}
}

/*
 * The state the policy would leave in @mine (@k): the reservations reserve
 * made (@all, @nall, less those of the previous policy), then the policy's
 * own (@specs, @n): first each one the previous policy already holds as
 * asked (kept whole), then the others, each placed against all before it,
 * every step within the quota @q. 0, or the exit status after saying why.
 */
static int build_policy(const char *path, const struct resv_spec *specs,
			size_t n, const struct pcrw_quota *q,
			const struct pcrw_veto_cfg *cfg,
			const struct pcrw_resv *all, size_t nall,
			const __u64 *held, struct pcrw_resv *mine, size_t *k)
{
	struct line_errors le = { .path = path };
	__u64 slots, id = resv_next_id(all, nall);
	struct pcrw_resv r;
	char err[ERRLEN];
	bool *kept, *used;
	int rc = 0, *line_of;
	size_t i, j;

	kept = calloc(n + 1, sizeof(*kept));
	used = calloc(nall + 1, sizeof(*used));
	line_of = calloc(nall + n + 1, sizeof(*line_of));
	if (!kept || !used || !line_of) {
		free(kept);
		free(used);
		free(line_of);
		return PCRW_EXIT_ERROR;
	}
	*k = 0;
	for (i = 0; i < nall; i++)
		if (!(all[i].flags & PCRW_RESV_F_POLICY))
			mine[(*k)++] = all[i];
	if (quota_check(q, cfg, mine, *k, NULL, err, ERRLEN)) {
		pcrw_err("policy: %s: the reservations made by reserve break "
			 "its quota: %s; the policy in force is unchanged",
			 path, err);
		rc = PCRW_EXIT_USAGE;
	}
	/* Every line that cannot be placed is said, not only the first. */
	for (i = 0; i < n && !rc; i++)
		for (j = 0; j < nall && !kept[i] && !specs[i].pending; j++)
			if (!used[j] && spec_matches(&specs[i], &all[j])) {
				used[j] = kept[i] = true;
				line_of[*k] = specs[i].line;
				policy_append(&le, specs[i].line, q, cfg,
					      &all[j], mine, k);
			}
	for (i = 0; i < n && !rc; i++) {
		if (kept[i] || specs[i].pending)
			continue;
		/* No management cookie: a random tag nobody holds the cookie
		 * of; only the next policy load replaces it. */
		if (resv_choose_slots(&specs[i], mine, *k, false,
				      resv_general_counters(cfg), held, &slots,
				      err, ERRLEN)) {
			name_line(err, mine, *k, line_of);
			line_error(&le, specs[i].line, err);
			continue;
		}
		resv_make(&r, &specs[i], id++, slots, resv_random_cookie(),
			  PCRW_RESV_F_POLICY);
		line_of[*k] = specs[i].line;
		policy_append(&le, specs[i].line, q, cfg, &r, mine, k);
	}
	rc = rc ?: line_errors_end(&le);
	free(kept);
	free(used);
	free(line_of);
	return rc;
}

static bool has_id(const struct pcrw_resv *set, size_t n, __u64 id)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (set[i].id == id)
			return true;
	return false;
}

/*
 * Go from the reservations @from (@nfrom) to @to: put the quota @q and the
 * policy reservations @to[@first..@k) in place of those of @from, make
 * before break: the new ones are added, then one index switch puts the
 * new set in force, and only then do the old ones go (the store's commit).
 * One a reload keeps is not touched; with nothing to change, nothing is
 * written. The old quota back if that fails.
 */
static int commit_policy(struct resv_txn *t, const struct pcrw_quota *q,
			 const struct pcrw_resv *from, size_t nfrom,
			 const struct pcrw_resv *to, size_t first, size_t k)
{
	struct pcrw_quota old;
	bool changed = false;
	size_t i;
	int rc;

	rc = resv_store_get_quota(&old);
	if (!rc && memcmp(&old, q, sizeof(old)))
		rc = resv_store_set_quota(q);
	if (rc)
		return rc;
	for (i = first; i < k && !rc; i++)
		if (!has_id(from, nfrom, to[i].id)) {
			rc = resv_store_put(&to[i]);
			changed = true;
		}
	for (i = 0; i < nfrom && !rc; i++)
		if ((from[i].flags & PCRW_RESV_F_POLICY) &&
		    !has_id(to + first, k - first, from[i].id)) {
			rc = resv_store_del(from[i].id);
			changed = true;
		}
	if (!rc && changed)
		rc = resv_txn_commit(t);
	if (rc) {
		resv_store_abort();
		resv_store_set_quota(&old);
	}
	return rc;
}

/* In force now: if the pcr_arbiter module took one of the new slots
 * meanwhile (an acquire racing the load, rule 7), put the previous
 * policy back and say so. 0, or the exit status. */
static int module_took(struct resv_txn *t, const char *path,
		       const struct pcrw_quota *old_q,
		       const struct pcrw_resv *all, size_t nall,
		       const struct pcrw_resv *mine, size_t first, size_t k)
{
	char msg[160];
	size_t i;
	int rc = 0;

	for (i = first; i < k && !rc; i++)
		if (!has_id(all, nall, mine[i].id))
			rc = resv_module_in_the_way(&mine[i], msg, sizeof(msg));
	if (!rc)
		return 0;
	commit_policy(t, old_q, mine, k, all, 0, nall);
	if (rc < 0)
		pcrw_err("policy: %s: cannot read the pcr_arbiter module's "
			 "slots (%s); the previous policy is back in force",
			 path, strerror(-rc));
	else
		pcrw_err("policy: %s: %s; the previous policy is back in "
			 "force",
			 path, msg);
	return PCRW_EXIT_ERROR;
}

/* ", 2 cap(s), floor 1" for a quota, "" for none. */
static void quota_summary(const struct pcrw_quota *q, char *buf, size_t len)
{
	int off = 0;

	buf[0] = 0;
	if (q->nr_caps)
		off = snprintf(buf, len, ", %u cap(s)", q->nr_caps);
	if (q->floor && off >= 0 && (size_t)off < len)
		snprintf(buf + off, len - off, ", floor %u", q->floor);
}

/* Put the parsed policy of @path in force in @t: @n reservations placed
 * and @npend waiting for their cgroup (@specs), quota @q, said with @sum;
 * with @check_only, only say whether it could be. PCRW_EXIT_OK, or the
 * exit status, said, with the policy in force unchanged. */
static int policy_put(struct resv_txn *t, const char *path,
		      const struct resv_spec *specs, size_t n,
		      const struct policy_pending *pend, size_t npend,
		      const struct pcrw_quota *q, const char *sum,
		      bool check_only)
{
	static __u64 held[PCRW_MAX_CPUS];
	struct pcrw_quota old_q;
	struct pcrw_resv *mine;
	size_t i, k, first;
	int rc;

	rc = arbiter_held_slots(held);
	if (rc) {
		pcrw_err("policy: cannot read the slots the pcr_arbiter module "
			 "holds (%s); the policy in force is unchanged",
			 strerror(-rc));
		return PCRW_EXIT_ERROR;
	}
	mine = calloc(PCRW_STORE_ENTRIES + POLICY_MAX, sizeof(*mine));
	if (!mine)
		return PCRW_EXIT_ERROR;
	rc = build_policy(path, specs, n + npend, q, &t->cfg, t->all, t->n,
			  held, mine, &k);
	if (rc)
		goto out;
	first = k - n;
	if (check_only) {
		printf("policy %s: %zu reservation(s)%s, valid\n", path, n,
		       sum);
		goto out;
	}
	rc = resv_store_get_quota(&old_q);
	if (!rc)
		rc = commit_policy(t, q, t->all, t->n, mine, first, k);
	if (rc) {
		rc = resv_store_error("policy", rc);
		goto out;
	}
	rc = module_took(t, path, &old_q, t->all, t->n, mine, first, k);
	if (rc)
		goto out;
	rc = policy_pending_write(pend, npend);
	if (rc) /* in force all the same: only the record is missing */
		pcrw_warn("policy: cannot record the lines waiting for their "
			  "cgroup in %s: %s",
			  POLICY_PENDING_FILE, strerror(-rc));
	rc = PCRW_EXIT_OK;
	printf("policy %s: %zu reservation(s) in force%s\n", path, n, sum);
	fflush(stdout);
	for (i = first; i < k; i++)
		warn_in_the_way(&mine[i]);
out:
	free(mine);
	return rc;
}

/* Replace the policy-made reservations and quota by those of @path, all or
 * nothing. */
int apply_policy(const char *path, bool check_only)
{
	struct policy_pending *pend;
	struct resv_spec *specs;
	struct pcrw_quota q;
	char err[ERRLEN], sum[96];
	size_t n = 0, npend = 0;
	struct resv_txn t;
	int rc, off;

	specs = calloc(POLICY_MAX, sizeof(*specs));
	pend = calloc(POLICY_MAX, sizeof(*pend));
	if (!specs || !pend) {
		rc = PCRW_EXIT_ERROR;
		goto free_specs;
	}
	if (parse_policy(path, specs, &n, pend, &npend, &q, err, ERRLEN)) {
		pcrw_err("policy: %s; the policy in force is unchanged", err);
		rc = PCRW_EXIT_USAGE;
		goto free_specs;
	}
	/* Said as placed: those waiting for their cgroup are not. */
	n -= npend;
	quota_summary(&q, sum, sizeof(sum));
	off = (int)strlen(sum);
	if (npend)
		snprintf(sum + off, sizeof(sum) - off,
			 ", %zu waiting for their cgroup", npend);
	rc = resv_txn_begin(&t, !check_only);
	if (rc == -ENOENT && check_only) {
		printf("policy %s: %zu reservation(s)%s, valid\n", path, n,
		       sum);
		rc = PCRW_EXIT_OK;
	} else if (rc) {
		rc = resv_store_error("policy", rc);
	} else {
		rc = policy_put(&t, path, specs, n, pend, npend, &q, sum,
				check_only);
	}
	resv_txn_end(&t);
free_specs:
	free(specs);
	free(pend);
	return rc;
}
