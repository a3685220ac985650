// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * pcrwatch enforce: attach and pin the vetoes, keep the policy in force
 * (reloaded on SIGHUP) and log each veto.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>

#include "pcrwatch.h"
#include "component.h"
#include "event_format.h"
#include "names.h"
#include "resv_cmd.h"
#include "resv_store.h"
#include "sanitize.h"
#include "veto.h"

extern const struct component veto_component;

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
	const struct resv_store_ops *s = resv_store();
	struct event_text_opts o = { .killed = veto_signal_active() };
	char label[PCRW_LABEL_LEN + 1], text[512];
	struct pcrw_resv r;

	if (size < sizeof(*e) ||
	    (e->kind != PCRW_EV_VETO && e->kind != PCRW_EV_AUDIT))
		return 0;
	if (e->reservation_id < PCRW_MODULE_RESV_BASE &&
	    s->get(e->reservation_id, &r) == 0)
		o.resv_label = san_term(label, sizeof(label), r.label,
					sizeof(r.label));
	event_format(text, sizeof(text), NULL, e, &o);
	printf("%s\n", text);
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
