/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * resv_cmd.h - what the reservation commands (reserve, release, grant,
 * list, policy, enforce: user/cmd_<name>.c) share. Every change goes
 * through the rules of include/pcr_rules.h on the reservation's cookies;
 * a management cookie is printed once, by reserve, and nowhere else. Bad
 * input changes nothing.
 */
#ifndef PCRW_RESV_CMD_H
#define PCRW_RESV_CMD_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "../../bpf/pcrwatch.h" /* struct pcrw_resv, pcrw_veto_cfg */

/* Room for one error message of a parser or a placement. */
#define ERRLEN 160

/* A reservation as asked for (command line or policy line), before it is
 * placed and given an id and cookies. */
/*
 * The control bits a new reservation gets: the user layer, with a grant,
 * and its raw MSR writes. Counters the kernel makes for itself (KVM's
 * vPMU, the NMI watchdog) are kept off it unless --layers or a layer
 * principal admits their layer.
 */
#define RESV_CTL_DEFAULT (PCR_CTL_LAYER(PCR_LAYER_USER) | PCR_CTL_DIRECT_MSR)

struct resv_spec {
	__u64 cpus[PCRW_CPU_WORDS];
	__u32 nr_counters;
	__u32 nr_grants;
	struct pcr_principal grants[PCRW_MAX_GRANTS];
	char label[PCRW_LABEL_LEN];
	__u32 control;
	int line; /* a policy file's line it came from, 0 for reserve */
	bool pending; /* a policy line waiting for its cgroup: not placed */
};

/* Does @n counters mean the whole PMU? */
static inline bool resv_whole_pmu(__u32 n)
{
	return n == PCR_RESV_WHOLE_PMU;
}

/* ---- user/reservations/resv_cmd.c: the words of a spec, store errors ---- */

/* "1"-"32" or "all" (PCR_RESV_WHOLE_PMU) into @n; else -EINVAL, why in
 * @err. */
int resv_parse_counters(const char *s, __u32 *n, char *err, size_t len);

/* Add principal @arg to @s's grants (the first one is its label); else
 * -EINVAL, or -ENOENT for a cgroup directory that does not exist, why in
 * @err. */
int resv_add_grant(struct resv_spec *s, const char *arg, char *err, size_t len);

/* Admit the layers of @arg ("hypervisor,kernel"; "user" is always in) to
 * @s's counters: -EINVAL with the reason in @err on an unknown name. */
int resv_add_layers(struct resv_spec *s, const char *arg, char *err,
		    size_t len);

/* The layers @control admits, as "user,hypervisor". */
void resv_format_layers(__u32 control, char *buf, size_t len);

/* Report the store's -errno @err for command @what; the exit status. */
int resv_store_error(const char *what, int err);

/* ---- user/reservations/resv_slots.c: building a reservation ---- */

/* A fresh random cookie that pcr_cookie_valid accepts. */
__u64 resv_random_cookie(void);

/* The PMU's reservable counters per CPU, 0 when not known. */
__u32 resv_general_counters(const struct pcrw_veto_cfg *c);

/* Place @spec among @all (@n of them; @skip_policy leaves out those a
 * policy made) and the slots the pcr_arbiter module holds on each CPU
 * (@held, rule 7; NULL: none), on @nr_counters general counters: its
 * slots into @slots, or -EBUSY with why in @err. */
int resv_choose_slots(const struct resv_spec *spec, const struct pcrw_resv *all,
		      size_t n, bool skip_policy, __u32 nr_counters,
		      const __u64 *held, __u64 *slots, char *err, size_t len);

/* After a reservation is in force: does the module hold one of its slots
 * now (an acquire that raced it)? 0, 1 with where in @msg, or -errno. */
int resv_module_in_the_way(const struct pcrw_resv *r, char *msg, size_t len);

/* The id after the highest of @all. */
__u64 resv_next_id(const struct pcrw_resv *all, size_t n);

/* Fill @r from @spec: management tag @mgmt, a fresh access cookie. */
void resv_make(struct pcrw_resv *r, const struct resv_spec *spec, __u64 id,
	       __u64 slots, __u64 mgmt, __u32 flags);

/* ---- user/reservations/resv_quota.c: caps and a floor (pcr_rules.h quotas)
 * ---- */

struct pcrw_quota;

/* The rest of a "cap ..." or "floor ..." policy line (@word: its first
 * word; strtok_r state @save) into @q; else -EINVAL, why in @err. */
int quota_parse_statement(const char *word, char **save, struct pcrw_quota *q,
			  char *err, size_t len);

/* Check @q on the reservations @set (@n of them: the state a change would
 * leave), on the CPUs of @changed (NULL: every CPU): 0, or -EDQUOT with
 * the cap or floor, its limit and the use it would reach in @err. */
int quota_check(const struct pcrw_quota *q, const struct pcrw_veto_cfg *cfg,
		const struct pcrw_resv *set, size_t n,
		const struct pcrw_resv *changed, char *err, size_t len);

/* The same check on the quota in force, for command @cmd: PCRW_EXIT_OK,
 * or the exit status after saying which cap or floor refuses. */
int quota_admit(const char *cmd, const struct pcrw_veto_cfg *cfg,
		const struct pcrw_resv *set, size_t n,
		const struct pcrw_resv *changed);

/* Cap @c as its policy line reads: "cap for=uid:1000 counters=2". */
void quota_format_cap(const struct pcr_cap *c, char *buf, size_t len);

/* Counters the reservations @c binds use on @cpu (PCR_QUOTA_UNKNOWN and
 * over: a whole-PMU one on a PMU of unknown size). */
__u64 quota_cap_use(const struct pcr_cap *c, __u32 nr_counters,
		    const struct pcrw_resv *set, size_t n, __u32 cpu);

/* Unreserved general counters on @cpu; the reserved ones into @reserved,
 * a whole-PMU reservation there into @whole_pmu. */
__u32 quota_free(__u32 nr_general, const struct pcrw_resv *set, size_t n,
		 __u32 cpu, __u64 *reserved, int *whole_pmu);

/* ---- user/reservations/resv_cookie_arg.c: the cookie of release and grant
 * ---- */

/* The --cookie VALUE|- and --cookie-file FILE options of release and
 * grant: their entries in an option table (kept on one line each: the
 * formatter would split them), and what getopt saw. */
/* clang-format off */
#define COOKIE_OPT { "cookie", required_argument, NULL, 'k' }
#define COOKIE_FILE_OPT { "cookie-file", required_argument, NULL, 'K' }
/* clang-format on */

struct cookie_arg {
	const char *arg; /* NULL: neither option given */
	bool is_file; /* --cookie-file */
};

/* Keep getopt's @opt if it is one of those two: true when it was. */
bool cookie_arg_take(struct cookie_arg *c, int opt, const char *arg);

struct resv_txn;

/* After the options: the cookie given (none or a malformed one is a usage
 * error for @cmd), then the transaction @t begun and the reservation the
 * cookie manages found in it (@r points into @t's), its tag of the cookie
 * into @tag. 0, or the exit status for @cmd; resv_txn_end either way. */
int cookie_arg_open(const char *cmd, const struct cookie_arg *c,
		    struct resv_txn *t, struct pcrw_resv **r, __u64 *tag);

/* ---- user/reservations/resv_in_the_way.c: events opened before a reservation
 * ---- */

/* Hardware events of processes @r does not grant that could use its
 * counters: how many (up to four named in @msg), or -errno. */
int events_in_the_way(const struct pcrw_resv *r, char *msg, size_t len);

/* Warn of those events, for reservations made without the refusal. */
void warn_in_the_way(const struct pcrw_resv *r);

#endif
