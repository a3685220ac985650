/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* serve.h - the Prometheus exporter's parts (user/serve*.c only: the arm64
 * build has no libmicrohttpd and leaves those files out). */
#ifndef PCRW_SERVE_H
#define PCRW_SERVE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/socket.h>

#include "model.h"

struct serve_state {
	pthread_mutex_t lock; /* one scrape at a time (two daemons may
			       * run for a moment during a reload) */
	struct model m; /* reused between scrapes: one allocation */
	unsigned long long scrapes;
	bool stats_held; /* --bpf-stats: this process keeps BPF stats on */
};

void serve_state_init(struct serve_state *st);
void serve_state_free(struct serve_state *st);

/* Refresh the model and render every metric into a malloc'd @body (the
 * caller holds @st->lock). */
int serve_scrape(struct serve_state *st, char **body, size_t *len);

/* The metrics of @m in Prometheus' text format 0.0.4. */
void serve_render_model(FILE *f, const struct model *m);
/* Run time and count of each loaded pcrwatch BPF program. */
void serve_render_bpf(FILE *f, bool stats_held);
/* pcrwatch_build_info and pcrwatch_component_attached (serve_info.c). */
void serve_render_info(FILE *f);
/* The agent (running, its policy's state, its log's counts) and the
 * reservations whose principals no longer resolve. */
void serve_render_agent(FILE *f, const struct model *m);

/* "A.B.C.D:PORT" or "[V6]:PORT" into @ss; -EINVAL when malformed. */
int serve_parse_listen(const char *arg, struct sockaddr_storage *ss,
		       socklen_t *len);

/* What a request gets: the path is compared whole (the HTTP library has
 * cut the query string off); only GET and HEAD are served. */
enum serve_route {
	SERVE_METRICS,
	SERVE_TIMELINE, /* the agent log's last minutes (user/views/timeline.h)
			 */
	SERVE_INDEX,
	SERVE_NOT_FOUND,
	SERVE_BAD_METHOD,
};
enum serve_route serve_route(const char *method, const char *url);

#endif
