// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * pcrwatch place --sched: load the sched_ext scheduler (bpf/place.bpf.c)
 * through a struct_ops link, then keep its place_cpus map equal to the
 * placement of the ownership model (user/placement/place.h), refreshed every
 * interval, until a signal or until the kernel ejects the scheduler. The
 * link is the scheduler's life: when it closes, by exit or by kill -9,
 * sched_ext puts every task back on the default scheduler.
 *
 * Debian 12's libbpf (1.1) knows no ".struct_ops.link" section: the map is
 * made a link map (BPF_F_LINK) before load, filled by
 * bpf_map__attach_struct_ops (which, for such a map, only stores the
 * callbacks), and enabled by creating the link with the bpf syscall.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include "messages.h"
#include "model.h"
#include "place.h"
#include "../../bpf/place_sched.h"
#include "place.skel.h"

#define SCX_STATE "/sys/kernel/sched_ext/state"
#define PCRW_BPF_F_LINK (1U << 13) /* BPF_F_LINK, uapi since 6.4 */
#define PCRW_BPF_STRUCT_OPS 44 /* enum bpf_attach_type BPF_STRUCT_OPS */

static volatile sig_atomic_t place_stop;

static void place_on_signal(int sig)
{
	(void)sig;
	place_stop = 1;
}

/* /sys/kernel/sched_ext/state into @buf ("enabled", "disabled", ...). */
static int scx_state(char *buf, size_t len)
{
	FILE *f = fopen(SCX_STATE, "r");

	if (!f)
		return -errno;
	if (!fgets(buf, (int)len, f))
		buf[0] = 0;
	fclose(f);
	buf[strcspn(buf, "\n")] = 0;
	return 0;
}

/* Create the struct_ops link that enables the scheduler; its fd. */
static int link_struct_ops(int map_fd)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.link_create.prog_fd = map_fd; /* map_fd shares this slot */
	attr.link_create.attach_type = PCRW_BPF_STRUCT_OPS;
	return (int)syscall(__NR_bpf, BPF_LINK_CREATE, &attr, sizeof(attr));
}

/* Make the place_cpus map equal to @p's 'cpus' processes; how many. */
static int sync_map(int fd, const struct placement *p)
{
	__u32 key, next, *prev = NULL, stale[256];
	struct pcrw_place_entry e;
	int i, n = 0, nr_stale = 0;
	size_t t;

	for (t = 0; t < p->nr_tasks; t++) {
		if (p->task[t].verdict != PLACE_CPUS)
			continue;
		memset(&e, 0, sizeof(e));
		memcpy(e.cpus, p->task[t].cpus, sizeof(e.cpus));
		e.demand = (__u32)p->task[t].demand;
		if (!bpf_map_update_elem(fd, &p->task[t].tgid, &e, BPF_ANY))
			n++;
	}
	while (!bpf_map_get_next_key(fd, prev, &next) && nr_stale < 256) {
		for (t = 0; t < p->nr_tasks; t++)
			if (p->task[t].tgid == next &&
			    p->task[t].verdict == PLACE_CPUS)
				break;
		if (t == p->nr_tasks)
			stale[nr_stale++] = next;
		key = next;
		prev = &key;
	}
	for (i = 0; i < nr_stale; i++)
		bpf_map_delete_elem(fd, &stale[i]);
	return n;
}

/* One refresh: the model, its placement, the map. -errno on failure. */
static int refresh(int fd, int *placed)
{
	struct placement p;
	struct model m;
	int err;

	model_init(&m);
	err = model_collect(&m);
	if (!err)
		err = place_compute(&m, &p);
	if (!err) {
		int n = sync_map(fd, &p);

		if (n != *placed)
			printf("place: %d process%s placed by counter demand, "
			       "%zu counted by per-task events\n",
			       n, n == 1 ? "" : "es", p.nr_tasks);
		*placed = n;
		place_free(&p);
	}
	model_free(&m);
	return err;
}

static void sleep_interval(double s)
{
	struct timespec ts = { (time_t)s, (long)((s - (time_t)s) * 1e9) };

	nanosleep(&ts, NULL);
}

/* The scheduler's run: refresh until a signal or the kernel's exit. */
static int serve_scheduler(struct place_bpf *skel, double interval)
{
	int fd = bpf_map__fd(skel->maps.place_cpus), placed = -1, err;

	while (!place_stop && !skel->bss->exit_info.kind) {
		err = refresh(fd, &placed);
		if (err == -ENODEV) {
			pcrw_err("place --sched: no hardware PMU here");
			return PCRW_EXIT_UNSUPPORTED;
		}
		if (err)
			pcrw_warn("place --sched: refresh: %s", strerror(-err));
		fflush(stdout);
		sleep_interval(interval);
	}
	if (!skel->bss->exit_info.kind)
		return PCRW_EXIT_OK;
	printf("place: the kernel ended the scheduler: %s%s%s (kind %lld)\n",
	       skel->bss->exit_info.reason,
	       skel->bss->exit_info.msg[0] ? ": " : "",
	       skel->bss->exit_info.msg, (long long)skel->bss->exit_info.kind);
	return skel->bss->exit_info.kind >= 1024 ? PCRW_EXIT_ERROR
						 : PCRW_EXIT_OK;
}

/* Wait (bounded) for sched_ext to have left, and say where we are. */
static void report_disabled(void)
{
	char state[32] = "";
	int i;

	for (i = 0; i < 50; i++) {
		if (scx_state(state, sizeof(state)) ||
		    !strcmp(state, "disabled"))
			break;
		sleep_interval(0.1);
	}
	printf("place: sched_ext %s: %s\n", state,
	       strcmp(state, "disabled") ? "still switching back"
					 : "back on the default scheduler");
}

static struct place_bpf *load_scheduler(void)
{
	struct place_bpf *skel = place_bpf__open();
	int err;

	if (!skel)
		return NULL;
	skel->rodata->nr_cpus = (__u32)libbpf_num_possible_cpus();
	err = bpf_map__set_map_flags(
		skel->maps.pcrw_place_ops,
		bpf_map__map_flags(skel->maps.pcrw_place_ops) |
			PCRW_BPF_F_LINK);
	if (!err) /* scx_bpf_create_dsq sleeps; libbpf 1.1 has no .s section */
		err = bpf_program__set_flags(skel->progs.pcrw_init,
					     BPF_F_SLEEPABLE);
	if (!err)
		err = place_bpf__load(skel);
	if (err) {
		pcrw_err("place --sched: loading the scheduler failed: %s "
			 "(-v shows the verifier's log)",
			 strerror(err < 0 ? -err : err));
		place_bpf__destroy(skel);
		return NULL;
	}
	return skel;
}

int place_sched_run(double interval)
{
	struct bpf_link *filled = NULL;
	struct place_bpf *skel;
	char state[32] = "";
	int link_fd = -1, rc = PCRW_EXIT_ERROR;

	if (!scx_state(state, sizeof(state)) && strcmp(state, "disabled")) {
		pcrw_err("place --sched: sched_ext is %s: another scheduler "
			 "is loaded (see /sys/kernel/sched_ext/root/ops)",
			 state);
		return PCRW_EXIT_ERROR;
	}
	pcrw_setup_libbpf_log();
	skel = load_scheduler();
	if (!skel)
		return PCRW_EXIT_ERROR;
	filled = bpf_map__attach_struct_ops(skel->maps.pcrw_place_ops);
	if (filled)
		link_fd =
			link_struct_ops(bpf_map__fd(skel->maps.pcrw_place_ops));
	if (link_fd < 0) {
		pcrw_err("place --sched: enabling the scheduler failed: %s",
			 strerror(errno));
		goto out;
	}
	signal(SIGINT, place_on_signal);
	signal(SIGTERM, place_on_signal);
	scx_state(state, sizeof(state));
	printf("place: sched_ext scheduler pcrwatch_place loaded (state %s)\n",
	       state);
	fflush(stdout);
	rc = serve_scheduler(skel, interval);
	printf("place: enqueued %llu times on a CPU where the events fit, "
	       "%llu in the shared queue, %llu with no fitting CPU allowed\n",
	       (unsigned long long)skel->bss->stats.placed,
	       (unsigned long long)skel->bss->stats.fair,
	       (unsigned long long)skel->bss->stats.unplaceable);
	close(link_fd);
	report_disabled();
out:
	bpf_link__destroy(filled);
	place_bpf__destroy(skel);
	return rc;
}
