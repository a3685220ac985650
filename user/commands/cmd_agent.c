// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * pcrwatch agent: the long-running service (tools/pcrwatch.service). It
 * attaches every group this kernel allows, puts the policy file's
 * reservations in force (again on SIGHUP, and when the file changes on
 * disk, as a Kubernetes ConfigMap volume's does; a bad file keeps the old
 * ones), and is the one reader of every group's ring buffer: each event
 * goes to a rotated JSON-lines log that any number of `pcrwatch events`
 * readers follow, to the journal with structured fields, and optionally to
 * stdout (what `kubectl logs` reads). It tells systemd when it is ready
 * (Type=notify) without libsystemd (user/service/agent_systemd.c).
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <bpf/libbpf.h>

#include "pcrwatch.h"
#include "policy_file.h"
#include "agent.h"
#include "policy_pending.h"
#include "agent_state.h"
#include "arbiter.h"
#include "component.h"
#include "event_log.h"
#include "event_stream.h"
#include "resv_store.h"
#include "../../bpf/pcrwatch.h"

#define AGENT_POLICY "/etc/pcrwatch/policy"
#define AGENT_MAX_GROUPS 16

struct agent_cfg {
	const char *policy;
	bool policy_given; /* --policy: a missing file is an error */
	bool monitor_only;
	struct attach_opts attach;
	const char *log_dir;
	off_t log_size;
	int log_keep;
	const char *journal; /* NULL: no journal copies */
	bool events_stdout; /* each event's JSON line to stdout too */
};

struct agent_ring {
	char group[32];
	struct event_log *log;
};

/* The ring buffers the agent drains, one reader over every group's. */
struct agent_rings {
	struct agent_ring ring[AGENT_MAX_GROUPS];
	int fds[AGENT_MAX_GROUPS], nfds;
	struct ring_buffer *rb;
};

static volatile sig_atomic_t agent_exiting, agent_reload_asked;

static void agent_signal(int sig)
{
	if (sig == SIGHUP)
		agent_reload_asked = 1;
	else
		agent_exiting = 1;
}

static int agent_usage(FILE *f, int rc)
{
	fprintf(f,
		"Usage: pcrwatch agent [--policy FILE] [--monitor-only] "
		"[--audit]\n"
		"                      [--log-dir DIR] [--log-size BYTES] "
		"[--log-keep N]\n"
		"                      [--journal-socket PATH | "
		"--no-journal] [--events-stdout]\n\n"
		"Attach every group this kernel allows, put the policy's "
		"reservations\n"
		"in force (SIGHUP or a change to the file reloads it; a bad "
		"file keeps\n"
		"the old policy), and log every group's events to DIR/%s "
		"(rotated)\n"
		"and the journal.\n"
		"`pcrwatch events` then reads that log: every reader sees "
		"every event.\n\n"
		"  --policy FILE     default %s (absent: no policy)\n"
		"  --monitor-only    attach tracking only: no veto group, no "
		"policy\n"
		"  --audit           vetoes are logged, nothing is denied\n"
		"  --log-dir DIR     default $PCRWATCH_LOG_DIR or %s\n"
		"  --log-size BYTES  rotate at this size (default 10485760)\n"
		"  --log-keep N      rotated files kept (default 5)\n"
		"  --events-stdout   each event to stdout too, one JSON line "
		"(as in the log)\n",
		EVENT_LOG_FILE, AGENT_POLICY, EVENT_LOG_DIR);
	return rc;
}

/* Attach what loads; say what did not. Never fatal: a host without BPF
 * LSM still gets tracking, and says it enforces nothing. */
static void agent_attach(const struct agent_cfg *cfg)
{
	const struct component *const *c;
	char how[256];
	int err;

	for (c = components(); *c; c++) {
		if (cfg->monitor_only && !strcmp((*c)->name, PCRW_GROUP_VETO)) {
			printf("%-8s not attached: --monitor-only\n",
			       (*c)->name);
			continue;
		}
		how[0] = 0;
		err = (*c)->attach(&cfg->attach, how, sizeof(how));
		printf("%-8s %s%s%s\n", (*c)->name,
		       !err ? "attached"
		       : err == -EOPNOTSUPP
			       ? "not attached (this kernel cannot)"
			       : "FAILED",
		       how[0] ? ": " : "", how);
	}
	fflush(stdout);
}

/* What agent_policy() found. */
enum {
	AGENT_POLICY_IN_FORCE,
	AGENT_NO_POLICY, /* none to load (or --monitor-only) */
	AGENT_POLICY_FAILED,
};

static int agent_policy(const struct agent_cfg *cfg)
{
	if (cfg->monitor_only)
		return AGENT_NO_POLICY;
	if (access(cfg->policy, R_OK)) {
		if (cfg->policy_given || errno != ENOENT) {
			pcrw_err("agent: cannot read policy '%s': %s",
				 cfg->policy, strerror(errno));
			return AGENT_POLICY_FAILED;
		}
		printf("policy %s: none; no policy reservations\n",
		       cfg->policy);
		return AGENT_NO_POLICY;
	}
	return apply_policy(cfg->policy, false) ? AGENT_POLICY_FAILED
						: AGENT_POLICY_IN_FORCE;
}

/* What the exporter reads about the agent (user/service/agent_state.h). */
static struct agent_state agent_st;

/* After every load of the policy (start, SIGHUP): its state for the
 * exporter. A refused load leaves the last good one's time. */
static void agent_record_policy(const struct agent_cfg *cfg, int policy)
{
	long long now = (long long)time(NULL);

	snprintf(agent_st.policy, sizeof(agent_st.policy), "%s", cfg->policy);
	agent_st.last_attempt_s = now;
	agent_st.policy_state =
		policy == AGENT_POLICY_IN_FORCE ? AGENT_STATE_IN_FORCE
		: policy == AGENT_NO_POLICY	? AGENT_STATE_NO_POLICY
						: AGENT_STATE_REFUSED;
	if (policy != AGENT_POLICY_FAILED)
		agent_st.last_success_s = now;
	if (agent_state_write(&agent_st))
		pcrw_warn("agent: cannot write %s", AGENT_STATE_FILE);
}

/* The agent's periodic checks run on its loop's tick (200 ms at most):
 * whether @next (CLOCK_MONOTONIC) has come, and if so the next one
 * @period_s later. */
static bool agent_due(struct timespec *next, time_t period_s)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (now.tv_sec < next->tv_sec ||
	    (now.tv_sec == next->tv_sec && now.tv_nsec < next->tv_nsec))
		return false;
	*next = now;
	next->tv_sec += period_s;
	return true;
}

/* The log's counts for the exporter, at most once a second. */
static void agent_record_counts(const struct event_log *log)
{
	static struct timespec next;

	if ((agent_st.logged == log->written &&
	     agent_st.unlogged == log->write_errors) ||
	    !agent_due(&next, 1))
		return;
	agent_st.logged = log->written;
	agent_st.unlogged = log->write_errors;
	agent_state_write(&agent_st);
}

#define AGENT_RECHECK_S 5

/* Whether a policy reservation's cgroup principal was recreated: its path
 * (the label holds the first principal as written) is a cgroup again, but
 * not the one captured when the policy was loaded (a service restart
 * removes its cgroup and makes a new one). */
static bool agent_cgroup_recreated(void)
{
	struct pcrw_resv *all = NULL;
	bool found = false;
	struct stat st;
	size_t n = 0, i;

	if (resv_store_open(false) || resv_load_all(&all, &n))
		return false;
	for (i = 0; i < n && !found; i++)
		found = (all[i].flags & PCRW_RESV_F_POLICY) &&
			all[i].nr_grants &&
			all[i].grants[0].kind == PCR_PRINC_CGROUP &&
			!strncmp(all[i].label, "cgroup:", 7) &&
			!stat(all[i].label + 7, &st) &&
			(__u64)st.st_ino != all[i].grants[0].id;
	free(all);
	return found;
}

/* On the agent's tick, every AGENT_RECHECK_S seconds (a stat per policy
 * reservation and per waiting line): a recreated cgroup, or one a waiting
 * line names that exists now, gets the policy loaded again, so its
 * reservation follows the path the policy names. */
static void agent_recheck_principals(const struct agent_cfg *cfg)
{
	static struct timespec next;
	const char *why;
	int policy;

	if (cfg->monitor_only || !agent_due(&next, AGENT_RECHECK_S))
		return;
	if (agent_st.policy_state != AGENT_STATE_IN_FORCE)
		return;
	if (policy_pending_ready())
		why = "a cgroup a waiting line names exists now";
	else if (agent_cgroup_recreated())
		why = "a cgroup it names was recreated";
	else
		return;
	policy = agent_policy(cfg);
	agent_record_policy(cfg, policy);
	printf("policy %s: %s: loaded it again\n", cfg->policy, why);
	fflush(stdout);
}

/* Tell systemd the agent is ready, and whether its policy is in force. */
static void agent_ready(int policy)
{
	agent_notify(policy == AGENT_POLICY_IN_FORCE
			     ? "READY=1\nSTATUS=running; the policy is in force"
		     : policy == AGENT_NO_POLICY
			     ? "READY=1\nSTATUS=running; no policy"
			     : "READY=1\nSTATUS=running; the policy is NOT in "
			       "force");
}

static int agent_on_event(void *ctx, void *data, size_t size)
{
	const struct agent_ring *r = ctx;

	if (size < sizeof(struct pcrw_event))
		return 0;
	if (event_log_write(r->log, r->group, data, event_log_clock_offset()))
		pcrw_warn("agent: event not written to %s/%s", r->log->dir,
			  EVENT_LOG_FILE);
	return 0;
}

/* One ring buffer reader over every group folder that pins "events". */
static void agent_rings_open(struct agent_rings *a, struct event_log *log)
{
	DIR *d = opendir(PCRW_PIN_ROOT);
	struct dirent *e;
	int fd;

	a->nfds = 0;
	a->rb = NULL;
	while (d && (e = readdir(d)) && a->nfds < AGENT_MAX_GROUPS) {
		if (e->d_name[0] == '.' ||
		    strlen(e->d_name) >= sizeof(a->ring[0].group))
			continue;
		fd = pcrw_obj_get(e->d_name, PCRW_EVENTS_RINGBUF);
		if (fd < 0)
			continue;
		snprintf(a->ring[a->nfds].group, sizeof(a->ring[0].group), "%s",
			 e->d_name);
		a->ring[a->nfds].log = log;
		if (!a->rb)
			a->rb = ring_buffer__new(fd, agent_on_event,
						 &a->ring[a->nfds], NULL);
		else if (ring_buffer__add(a->rb, fd, agent_on_event,
					  &a->ring[a->nfds]))
			pcrw_warn("agent: cannot read the %s ring buffer",
				  e->d_name);
		a->fds[a->nfds++] = fd;
		printf("events   %s: logged\n", e->d_name);
	}
	if (d)
		closedir(d);
	fflush(stdout);
}

static void agent_rings_close(struct agent_rings *a)
{
	int i;

	if (a->rb)
		ring_buffer__consume(a->rb); /* what is left, before going */
	ring_buffer__free(a->rb);
	a->rb = NULL;
	for (i = 0; i < a->nfds; i++)
		close(a->fds[i]);
	a->nfds = 0;
}

/* SIGHUP, or the policy file changed (@why says which): attach what the
 * kernel allows now (a group skipped at start, such as the pcr_arbiter
 * module's, loaded since), read its ring buffer too (events wait in the
 * pinned rings meanwhile), reload the policy. */
static void agent_reload(const struct agent_cfg *cfg, struct agent_rings *a,
			 struct event_log *log, const char *why)
{
	int policy;

	agent_notify("RELOADING=1\nSTATUS=reloading the policy");
	agent_attach(cfg);
	agent_rings_close(a);
	agent_rings_open(a, log);
	policy = agent_policy(cfg);
	agent_record_policy(cfg, policy);
	if (policy != AGENT_POLICY_FAILED) {
		agent_ready(policy);
		return;
	}
	pcrw_warn("%s: the policy in force is unchanged", why);
	agent_notify("READY=1\nSTATUS=running; the reloaded policy was "
		     "refused, the one before stays in force");
}

/* The pcr_arbiter module appeared since the groups were attached: attach
 * what it needs (the MSR veto's paths into it, its mirror) and read its
 * ring buffer, without touching the policy. Until then the MSR veto's
 * watch keeps direct writes to PMU registers refused (arbiter_component.c).
 * Looked at each time the loop wakes (200 ms at most); attached at most
 * once every 5 s, so one that did not take is tried again after 5 s. */
static void agent_module_appeared(const struct agent_cfg *cfg,
				  struct agent_rings *a, struct event_log *log)
{
	static struct timespec next;

	if (!arbiter_needs_attach() || !agent_due(&next, 5))
		return;
	printf("pcr_arbiter module loaded: attaching\n");
	agent_attach(cfg);
	agent_rings_close(a);
	agent_rings_open(a, log);
}

/*
 * What the policy path resolves to, to see it change: a Kubernetes
 * ConfigMap volume replaces its files by pointing the `..data` symlink at
 * a new folder, so the path's file (stat follows the links) gets another
 * inode, while an editor in place changes its size or times.
 */
struct agent_file_id {
	bool present;
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtim, ctim;
};

static struct agent_file_id agent_policy_id;

static struct agent_file_id agent_file_id(const char *path)
{
	struct agent_file_id id = { 0 };
	struct stat st;

	if (stat(path, &st))
		return id;
	id.present = true;
	id.dev = st.st_dev;
	id.ino = st.st_ino;
	id.size = st.st_size;
	id.mtim = st.st_mtim;
	id.ctim = st.st_ctim;
	return id;
}

static bool agent_file_id_eq(const struct agent_file_id *x,
			     const struct agent_file_id *y)
{
	return x->present == y->present && x->dev == y->dev &&
	       x->ino == y->ino && x->size == y->size &&
	       x->mtim.tv_sec == y->mtim.tv_sec &&
	       x->mtim.tv_nsec == y->mtim.tv_nsec &&
	       x->ctim.tv_sec == y->ctim.tv_sec &&
	       x->ctim.tv_nsec == y->ctim.tv_nsec;
}

#define AGENT_WATCH_S 1

/* One stat of the policy path a second at most, on the agent's tick: when
 * what it resolves to changed, the SIGHUP reload runs (a bad file keeps
 * the policy in force). Each change is tried once: a refused file is
 * loaded again only when it changes again or on SIGHUP. */
static bool agent_policy_changed(const struct agent_cfg *cfg)
{
	static struct timespec next;
	struct agent_file_id id;

	if (cfg->monitor_only || !agent_due(&next, AGENT_WATCH_S))
		return false;
	id = agent_file_id(cfg->policy);
	if (agent_file_id_eq(&id, &agent_policy_id))
		return false;
	agent_policy_id = id;
	printf("policy %s: changed on disk: reloading\n", cfg->policy);
	fflush(stdout);
	return true;
}

static int agent_parse(struct agent_cfg *cfg, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "policy", required_argument, NULL, 'p' },
		{ "monitor-only", no_argument, NULL, 'm' },
		{ "audit", no_argument, NULL, 'a' },
		{ "log-dir", required_argument, NULL, 'd' },
		{ "log-size", required_argument, NULL, 'S' },
		{ "log-keep", required_argument, NULL, 'k' },
		{ "journal-socket", required_argument, NULL, 'j' },
		{ "no-journal", no_argument, NULL, 'J' },
		{ "events-stdout", no_argument, NULL, 'E' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	int opt;

	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'p':
			cfg->policy = optarg;
			cfg->policy_given = true;
			break;
		case 'm':
			cfg->monitor_only = true;
			break;
		case 'a':
			cfg->attach.audit = true;
			break;
		case 'd':
			cfg->log_dir = optarg;
			break;
		case 'S':
			cfg->log_size = strtoll(optarg, &end, 10);
			if (*end || cfg->log_size < 4096)
				return pcrw_usage_error(
					"agent",
					"--log-size: at least 4096 bytes");
			break;
		case 'k':
			cfg->log_keep = (int)strtol(optarg, &end, 10);
			if (*end || cfg->log_keep < 1 || cfg->log_keep > 99)
				return pcrw_usage_error("agent",
							"--log-keep: 1 to 99");
			break;
		case 'j':
			cfg->journal = optarg;
			break;
		case 'J':
			cfg->journal = NULL;
			break;
		case 'E':
			cfg->events_stdout = true;
			break;
		case 'h':
			agent_usage(stdout, PCRW_EXIT_OK);
			return -1; /* done: nothing to run */
		default:
			return agent_usage(stderr, PCRW_EXIT_USAGE);
		}
	}
	if (optind < argc)
		return pcrw_usage_error("agent", "unexpected argument '%s'",
					argv[optind]);
	return PCRW_EXIT_OK;
}

static void agent_loop(const struct agent_cfg *cfg, struct agent_rings *a,
		       struct event_log *log)
{
	int err;

	while (!agent_exiting) {
		err = a->rb ? ring_buffer__poll(a->rb, 200)
			    : (usleep(200000), 0);
		if (err < 0 && err != -EINTR) {
			pcrw_err("agent: reading events: %s", strerror(-err));
			break;
		}
		agent_record_counts(log);
		agent_recheck_principals(cfg);
		if (agent_reload_asked) {
			agent_reload_asked = 0;
			/* what SIGHUP loads is the file as it is now */
			agent_policy_id = agent_file_id(cfg->policy);
			agent_reload(cfg, a, log, "SIGHUP");
		} else if (agent_policy_changed(cfg)) {
			agent_reload(cfg, a, log, "policy file changed");
		}
		agent_module_appeared(cfg, a, log);
	}
}

/*
 * Become the one reader of the ring buffers, whatever the log folder: a
 * `pcrwatch events` or `enforce` reading them directly is asked to hand
 * over, a second agent is refused. The lock's fd, or -1 (said why).
 */
static int agent_take_rings(const struct event_log *log)
{
	struct rings_holder h;
	int rc, fd = -1;

	rc = rings_take_for_agent(log->dir, log->seq, 10000, &fd, &h);
	if (!rc)
		return fd;
	if (rc != -EBUSY)
		pcrw_err("agent: %s: %s", RINGS_LOCK, strerror(-rc));
	else if (!strcmp(h.role, "agent"))
		pcrw_err("agent: another agent is running (pid %d, log %s/%s)",
			 (int)h.pid, h.log_dir, EVENT_LOG_FILE);
	else
		pcrw_err("agent: pid %d (pcrwatch %s) reads the ring buffers "
			 "and did not hand them over",
			 (int)h.pid, h.role[0] ? h.role : "?");
	return -1;
}

int cmd_agent(int argc, char **argv)
{
	struct agent_cfg cfg = {
		.policy = AGENT_POLICY,
		.log_dir = event_log_dir(),
		.log_size = 10 << 20,
		.log_keep = 5,
		.journal = "/run/systemd/journal/socket",
	};
	struct agent_rings rings;
	struct event_log log;
	int rc, rings_fd;
	int policy;

	rc = agent_parse(&cfg, argc, argv);
	if (rc)
		return rc < 0 ? PCRW_EXIT_OK : rc;
	if (geteuid() != 0) {
		pcrw_err("agent needs root (CAP_BPF, CAP_PERFMON, "
			 "CAP_MAC_ADMIN)");
		return PCRW_EXIT_DENIED;
	}
	rc = event_log_open(&log, cfg.log_dir, cfg.log_size, cfg.log_keep);
	if (rc) {
		pcrw_err("agent: %s/%s: %s", cfg.log_dir, EVENT_LOG_FILE,
			 strerror(-rc));
		return PCRW_EXIT_ERROR;
	}
	rings_fd = agent_take_rings(&log);
	if (rings_fd < 0) {
		event_log_close(&log);
		return PCRW_EXIT_ERROR;
	}
	log.journal = cfg.journal;
	log.to_stdout = cfg.events_stdout;
	/* A reader of stdout going away must not stop the enforcer. */
	if (cfg.events_stdout)
		signal(SIGPIPE, SIG_IGN);
	signal(SIGINT, agent_signal);
	signal(SIGTERM, agent_signal);
	signal(SIGHUP, agent_signal);
	agent_attach(&cfg);
	/* before the load: a change while it loads is seen on the tick */
	agent_policy_id = agent_file_id(cfg.policy);
	policy = agent_policy(&cfg);
	agent_record_policy(&cfg, policy);
	agent_rings_open(&rings, &log);
	if (!rings.rb)
		pcrw_warn(
			"agent: no group has a ring buffer: no events to log");
	agent_ready(policy);
	agent_loop(&cfg, &rings, &log);
	agent_notify("STOPPING=1");
	agent_rings_close(&rings);
	rings_release(rings_fd);
	event_log_close(&log);
	return PCRW_EXIT_OK;
}
