/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * serve_daemon.h - one HTTP(S) server of the exporter, for one web
 * configuration, on libmicrohttpd; it takes its connections from the gate
 * (serve_gate.h). A reload starts a new one beside it, points the gate at
 * the new one, and stops the old one.
 */
#ifndef PCRW_SERVE_DAEMON_H
#define PCRW_SERVE_DAEMON_H

#include "serve.h"
#include "serve_auth.h"
#include "serve_web.h"

/* The HTTP library's budget: connections that have spoken (the gate keeps
 * the silent ones), per client address at most half of it, each closed
 * after SERVE_IDLE_S seconds without traffic. */
#define SERVE_CONN_LIMIT 256
#define SERVE_CONN_PER_IP (SERVE_CONN_LIMIT / 2)
#define SERVE_IDLE_S 10

struct MHD_Daemon;

struct serve_daemon {
	struct MHD_Daemon *mhd;
	struct serve_state *st;
	struct serve_web_cfg web; /* all zero: no --web.config.file */
	struct serve_auth_owner auth;
	char priorities[512]; /* GnuTLS's, when TLS */
};

/* A daemon for @web (taken over and zeroed; NULL: none); NULL with the
 * reason in @why. */
struct serve_daemon *serve_daemon_start(struct serve_state *st,
					struct serve_web_cfg *web, char *why,
					size_t len);
/* Stop @sd: its waiting credential checks refused, its connections closed.
 */
void serve_daemon_stop(struct serve_daemon *sd);
/* Whether @sd speaks TLS. */
static inline bool serve_daemon_tls(const struct serve_daemon *sd)
{
	return sd->web.cert_pem != NULL;
}

#endif
