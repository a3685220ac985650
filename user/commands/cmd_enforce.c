// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * pcrwatch enforce: attach and pin the vetoes and the pcr_arbiter module's
 * mirror (again when the module loads later), keep the policy in force
 * (reloaded on SIGHUP) and log each veto.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/libbpf.h>

#include "pcrwatch.h"
#include "policy_file.h"
#include "arbiter.h"
#include "component.h"
#include "event_log.h"
#include "event_stream.h"
#include "event_format.h"
#include "names.h"
#include "resv_cmd.h"
#include "resv_store.h"
#include "sanitize.h"
#include "veto.h"

extern const struct component veto_component;
extern const struct component arbiter_component;

static volatile sig_atomic_t exiting, reload;

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		reload = 1;
	else
		exiting = 1;
}

/* Each veto, in the words `events` uses (event_format.c), with the
 * reservation's label from the store. */
static int print_event(void *ctx, void *data, size_t size)
{
	const struct pcrw_event *e = data;
	struct event_text_opts o = { .killed = veto_signal_active() };
	char label[PCRW_LABEL_LEN + 1], text[512];
	struct pcrw_resv r;

	if (size < sizeof(*e) ||
	    (e->kind != PCRW_EV_VETO && e->kind != PCRW_EV_AUDIT))
		return 0;
	if (e->reservation_id < PCRW_MODULE_RESV_BASE &&
	    resv_store_get(e->reservation_id, &r) == 0)
		o.resv_label = san_term(label, sizeof(label), r.label,
					sizeof(r.label));
	event_format(text, sizeof(text), NULL, e, &o);
	printf("%s\n", text);
	fflush(stdout);
	return 0;
}

/*
 * The arbiter group mirrors the pcr_arbiter module's holds for the vetoes
 * (rule 7). Without the module: say what happens when it loads, which the
 * MSR veto's watch decides in the kernel (its holds unknown, direct writes
 * to PMU registers refused, until a mirror is attached).
 */
static void enforce_arbiter(const struct attach_opts *o, bool once)
{
	char how[256] = "";
	int err = arbiter_component.attach(o, how, sizeof(how));

	if (!err)
		printf("arbiter: %s\n", how);
	else if (err != -EOPNOTSUPP || !veto_msr_active())
		printf("arbiter: not attached: %s\n", how);
	else if (once)
		printf("arbiter: %s; if it loads later, direct writes to PMU "
		       "registers are refused until `pcrwatch attach` "
		       "mirrors it\n",
		       how);
	else
		printf("arbiter: %s; attached when it loads, direct writes to "
		       "PMU registers refused until then\n",
		       how);
	fflush(stdout);
}

/* The module appeared since: its paths for the MSR veto, then its mirror.
 * Tried again after 5 s if it did not take. */
static void enforce_module_appeared(const struct attach_opts *o)
{
	static struct timespec next;
	struct timespec now;
	char how[256];

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (now.tv_sec < next.tv_sec || !arbiter_needs_attach())
		return;
	if (!veto_component.attach(o, how, sizeof(how)))
		printf("veto: %s\n", how);
	enforce_arbiter(o, false);
	next.tv_sec = now.tv_sec + (arbiter_needs_attach() ? 5 : 0);
}

/* Each event, then a stop when a signal is pending: under a flood of
 * vetoes the ring never runs dry, and ring_buffer__poll() would not
 * return to reload the policy or exit. */
static int on_event(void *ctx, void *data, size_t size)
{
	print_event(ctx, data, size);
	return reload || exiting ? -EINTR : 0;
}

static void print_logged(void *ctx, const struct event_log_rec *r)
{
	print_event(ctx, (void *)&r->e, sizeof(r->e));
}

/* Where the vetoes come from: the agent's log while an agent runs (it
 * reads the rings), else the veto group's ring, read here. */
struct veto_source {
	int lock; /* the rings' lock, while this process reads them */
	int fd;
	struct ring_buffer *rb;
	struct event_log_reader log;
};

static void source_from_agent(struct veto_source *v,
			      const struct rings_holder *h, __u64 from_seq)
{
	static char dir[sizeof(h->log_dir)];

	snprintf(dir, sizeof(dir), "%s", h->log_dir);
	v->log = (struct event_log_reader){
		.dir = dir,
		.follow = true,
		.from_seq = from_seq,
		.stop = &exiting,
		.fn = print_logged,
	};
	if (event_log_start(&v->log))
		pcrw_warn("enforce: cannot read the agent's log %s/%s", dir,
			  EVENT_LOG_FILE);
	else
		printf("vetoes from the agent's log %s/%s (pid %d reads the "
		       "ring buffers)\n",
		       dir, EVENT_LOG_FILE, (int)h->pid);
}

static void source_open(struct veto_source *v)
{
	struct rings_holder h;
	int rc;

	memset(v, 0, sizeof(*v));
	v->lock = v->fd = -1;
	if (rings_holder(&h) && !strcmp(h.role, "agent")) {
		source_from_agent(v, &h, 0);
		return;
	}
	rc = rings_take("enforce", NULL, 0, &v->lock, &h);
	if (rc == -EBUSY && !strcmp(h.role, "agent")) {
		source_from_agent(v, &h, 0);
		return;
	}
	if (rc) {
		pcrw_warn("enforce: vetoes are not printed here: %s",
			  rc == -EBUSY ? "another process reads the ring "
					 "buffers (start the agent)"
				       : strerror(-rc));
		return;
	}
	v->fd = pcrw_obj_get(PCRW_GROUP_VETO, PCRW_EVENTS_RINGBUF);
	if (v->fd >= 0)
		v->rb = ring_buffer__new(v->fd, on_event, NULL, NULL);
	if (!v->rb)
		pcrw_warn("enforce: cannot read %s/%s/%s", PCRW_PIN_ROOT,
			  PCRW_GROUP_VETO, PCRW_EVENTS_RINGBUF);
	printf("no agent is running: reading the veto ring buffer directly "
	       "(its events are consumed)\n");
}

static void source_close(struct veto_source *v)
{
	ring_buffer__free(v->rb);
	v->rb = NULL;
	if (v->fd >= 0)
		close(v->fd);
	v->fd = -1;
	rings_release(v->lock);
	v->lock = -1;
	event_log_end(&v->log);
}

/* An agent asked for the rings: drain, let go, follow its log from its
 * first record. */
static void source_hand_over(struct veto_source *v)
{
	struct rings_holder h;

	ring_buffer__consume(v->rb);
	source_close(v);
	if (rings_wait_for_agent(10000, &h))
		source_from_agent(v, &h, h.seq_start);
}

/* Print vetoes until told to stop; SIGHUP reloads @policy. */
static void enforce_follow(const char *policy, const struct attach_opts *o)
{
	struct veto_source v;
	int rc = 0;

	source_open(&v);
	fflush(stdout);
	while (!exiting && rc >= 0) {
		if (v.rb) {
			rc = ring_buffer__poll(v.rb, 200);
			rc = rc == -EINTR ? 0 : rc;
			if (rings_handover_asked())
				source_hand_over(&v);
		} else {
			usleep(200000);
			event_log_poll(&v.log);
		}
		enforce_module_appeared(o);
		if (reload) {
			reload = 0;
			if (!policy)
				pcrw_warn("SIGHUP: no policy file to reload");
			else if (apply_policy(policy, false))
				pcrw_warn("SIGHUP: the policy in force is "
					  "unchanged");
		}
	}
	source_close(&v);
}

/* Events opened while no veto was attached were never charged. */
static void warn_existing_events(void)
{
	struct pcrw_resv *all = NULL;
	size_t n = 0, i;

	if (resv_store_open(false) || resv_load_all(&all, &n))
		return;
	for (i = 0; i < n; i++)
		warn_in_the_way(&all[i]);
	free(all);
}

static int enforce_usage(void)
{
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
	const char *policy = NULL;
	bool once = false;
	char how[256];
	int opt, rc;

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
			return enforce_usage();
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
	enforce_arbiter(&o, once);
	if (policy && apply_policy(policy, false))
		return PCRW_EXIT_ERROR;
	fflush(stdout);
	if (once)
		return PCRW_EXIT_OK;

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);
	printf("enforcing; vetoes follow (SIGHUP reloads the policy)\n");
	fflush(stdout);
	enforce_follow(policy, &o);
	return PCRW_EXIT_OK;
}
