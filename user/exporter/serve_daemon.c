// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * serve_daemon.c - the exporter's HTTP(S) server for one web configuration
 * (serve_daemon.h): the request handler, basic auth through serve_auth.c
 * (a connection waiting for bcrypt is suspended, not its thread), client
 * certificates, the configured response headers, and the TLS settings
 * given to GnuTLS.
 */
#include <errno.h>
#include <gnutls/gnutls.h>
#include <microhttpd.h>
#include <stdlib.h>
#include <string.h>

#include "serve_daemon.h"
#include "event_log.h"
#include "timeline.h"

/* What /timeline draws: the agent log's last minutes. */
#define SERVE_TIMELINE_MINUTES 15

/* What a request carries between the library's calls. */
struct serve_req {
	bool waiting; /* its credential went to the bcrypt worker */
	struct serve_auth_job job;
};

static enum MHD_Result queue(struct serve_daemon *sd,
			     struct MHD_Connection *conn, unsigned int code,
			     struct MHD_Response *resp, bool auth_fail)
{
	enum MHD_Result ret;
	size_t i;

	if (!resp)
		return MHD_NO;
	for (i = 0; i < sd->web.nr_headers; i++)
		MHD_add_response_header(resp, sd->web.headers[i].name,
					sd->web.headers[i].value);
	ret = auth_fail ? MHD_queue_basic_auth_fail_response(conn, "pcrwatch",
							     resp)
			: MHD_queue_response(conn, code, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result reply(struct serve_daemon *sd,
			     struct MHD_Connection *conn, unsigned int code,
			     const char *type, char *body, size_t len,
			     bool must_free)
{
	struct MHD_Response *resp;

	resp = MHD_create_response_from_buffer(
		len, body,
		must_free ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
	if (!resp && must_free)
		free(body);
	if (resp)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
					type);
	return queue(sd, conn, code, resp, false);
}

static enum MHD_Result text(struct serve_daemon *sd,
			    struct MHD_Connection *conn, unsigned int code,
			    const char *msg)
{
	return reply(sd, conn, code, "text/plain; charset=utf-8", (char *)msg,
		     strlen(msg), false);
}

static enum MHD_Result refuse(struct serve_daemon *sd,
			      struct MHD_Connection *conn)
{
	static char body[] = "unauthorized\n";

	return queue(sd, conn, MHD_HTTP_UNAUTHORIZED,
		     MHD_create_response_from_buffer(sizeof(body) - 1, body,
						     MHD_RESPMEM_PERSISTENT),
		     true);
}

static gnutls_session_t tls_session(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *info;

	info = MHD_get_connection_info(conn,
				       MHD_CONNECTION_INFO_GNUTLS_SESSION);
	return info ? info->tls_session : NULL;
}

/* Why @conn's client certificate is not good enough, or NULL. */
static const char *client_cert_refusal(const struct serve_daemon *sd,
				       struct MHD_Connection *conn)
{
	enum serve_client_auth ca = sd->web.client_auth;
	gnutls_session_t s;
	unsigned int n = 0, status = 0;

	if (ca <= SERVE_REQUEST_CLIENT_CERT)
		return NULL;
	s = tls_session(conn);
	if (!s)
		return "no TLS session\n";
	if (!gnutls_certificate_get_peers(s, &n) || !n)
		return ca == SERVE_VERIFY_CLIENT_CERT_IF_GIVEN
			       ? NULL
			       : "a client certificate is required\n";
	if (ca == SERVE_REQUIRE_ANY_CLIENT_CERT)
		return NULL;
	if (gnutls_certificate_verify_peers2(s, &status) || status)
		return "the client certificate is not trusted\n";
	return NULL;
}

/* Basic auth: MHD_YES with *@done false to go on, or the library's answer
 * with *@done true (refused, or waiting for the bcrypt worker). */
static enum MHD_Result check_auth(struct serve_daemon *sd,
				  struct MHD_Connection *conn,
				  struct serve_req *r, bool *done)
{
	char *user, *pass = NULL;
	bool ok, hit;

	*done = true;
	if (r->waiting)
		return r->job.ok ? (*done = false, MHD_YES) : refuse(sd, conn);
	user = MHD_basic_auth_get_username_password(conn, &pass);
	hit = serve_auth_cached(&sd->web, user, pass, &ok);
	if (!hit) {
		serve_auth_job_init(&r->job, &sd->web, user, pass, conn,
				    &sd->auth);
		r->waiting = true;
	}
	if (pass)
		explicit_bzero(pass, strlen(pass));
	MHD_free(user);
	MHD_free(pass);
	if (!hit) {
		/* Suspended first, so the worker's resume always follows. */
		MHD_suspend_connection(conn);
		serve_auth_queue(&r->job);
		return MHD_YES;
	}
	if (!ok)
		return refuse(sd, conn);
	*done = false;
	return MHD_YES;
}

/* /timeline: the agent log's last minutes as the timeline's HTML page. */
static enum MHD_Result reply_timeline(struct serve_daemon *sd,
				      struct MHD_Connection *conn)
{
	char *body = NULL;
	size_t len = 0;

	if (tl_page_recent(event_log_dir(), SERVE_TIMELINE_MINUTES, &body,
			   &len))
		return text(sd, conn, MHD_HTTP_INTERNAL_SERVER_ERROR,
			    "cannot draw the timeline\n");
	return reply(sd, conn, MHD_HTTP_OK, "text/html; charset=utf-8", body,
		     len, true);
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn,
			      const char *url, const char *method,
			      const char *version, const char *upload,
			      size_t *upload_len, void **req_ctx)
{
	static char index_page[] =
		"<html><head><title>pcrwatch exporter</title></head><body>"
		"<h1>pcrwatch exporter</h1><p><a href=\"/metrics\">Metrics</a>"
		"</p><p><a href=\"/timeline\">Timeline</a></p></body></html>\n";
	struct serve_daemon *sd = cls;
	struct serve_req *r = *req_ctx;
	const char *why;
	enum MHD_Result ret;
	bool done;
	char *body;
	size_t len;
	int err;

	/* The first call only announces the request headers. */
	if (!r) {
		*req_ctx = calloc(1, sizeof(*r));
		return *req_ctx ? MHD_YES : MHD_NO;
	}
	why = client_cert_refusal(sd, conn);
	if (why)
		return text(sd, conn, MHD_HTTP_FORBIDDEN, why);
	if (sd->web.nr_users) {
		ret = check_auth(sd, conn, r, &done);
		if (done)
			return ret;
	}
	switch (serve_route(method, url)) {
	case SERVE_BAD_METHOD:
		return text(sd, conn, MHD_HTTP_METHOD_NOT_ALLOWED,
			    "only GET and HEAD\n");
	case SERVE_INDEX:
		return reply(sd, conn, MHD_HTTP_OK, "text/html; charset=utf-8",
			     index_page, sizeof(index_page) - 1, false);
	case SERVE_NOT_FOUND:
		return text(sd, conn, MHD_HTTP_NOT_FOUND,
			    "not found: try /metrics\n");
	case SERVE_TIMELINE:
		return reply_timeline(sd, conn);
	case SERVE_METRICS:
		break;
	}
	pthread_mutex_lock(&sd->st->lock);
	err = serve_scrape(sd->st, &body, &len);
	pthread_mutex_unlock(&sd->st->lock);
	if (err)
		return text(sd, conn, MHD_HTTP_INTERNAL_SERVER_ERROR,
			    "cannot render the metrics (out of memory)\n");
	return reply(sd, conn, MHD_HTTP_OK,
		     "text/plain; version=0.0.4; charset=utf-8", body, len,
		     true);
}

static void request_done(void *cls, struct MHD_Connection *conn, void **req_ctx,
			 enum MHD_RequestTerminationCode why)
{
	free(*req_ctx);
	*req_ctx = NULL;
}

/* A new TLS connection: ask for the client's certificate as configured;
 * with RequireAny/RequireAndVerify fail the handshake without one, with
 * RequireAndVerify with one the client CA did not sign. */
static void conn_started(void *cls, struct MHD_Connection *conn,
			 void **sock_ctx, enum MHD_ConnectionNotificationCode c)
{
	struct serve_daemon *sd = cls;
	enum serve_client_auth ca = sd->web.client_auth;
	gnutls_session_t s;

	if (c != MHD_CONNECTION_NOTIFY_STARTED || ca == SERVE_NO_CLIENT_CERT)
		return;
	s = tls_session(conn);
	/* GnuTLS's own check fails the handshake; it would fail one with no
	 * certificate too, so VerifyClientCertIfGiven is checked by
	 * client_cert_refusal() instead. */
	if (s && ca == SERVE_REQUIRE_AND_VERIFY_CLIENT_CERT)
		gnutls_session_set_verify_cert(s, NULL, 0);
	if (s)
		gnutls_certificate_server_set_request(
			s,
			ca == SERVE_REQUIRE_ANY_CLIENT_CERT ||
					ca == SERVE_REQUIRE_AND_VERIFY_CLIENT_CERT
				? GNUTLS_CERT_REQUIRE
				: GNUTLS_CERT_REQUEST);
}

/* Whether GnuTLS takes @sd's priority string; the reason in @why if not. */
static bool priorities_ok(struct serve_daemon *sd, char *why, size_t len)
{
	gnutls_priority_t p;
	const char *at = NULL;
	int err;

	serve_web_priorities(&sd->web, sd->priorities, sizeof(sd->priorities));
	err = gnutls_priority_init(&p, sd->priorities, &at);
	if (!err) {
		gnutls_priority_deinit(p);
		return true;
	}
	snprintf(why, len, "GnuTLS refuses the TLS settings '%s'%s%.40s: %s",
		 sd->priorities, at ? " at " : "", at ? at : "",
		 gnutls_strerror(err));
	return false;
}

static struct MHD_Daemon *start_mhd(struct serve_daemon *sd)
{
	const struct serve_web_cfg *w = &sd->web;
	struct MHD_OptionItem ops[] = {
		{ MHD_OPTION_CONNECTION_LIMIT, SERVE_CONN_LIMIT, NULL },
		{ MHD_OPTION_PER_IP_CONNECTION_LIMIT, SERVE_CONN_PER_IP, NULL },
		{ MHD_OPTION_CONNECTION_TIMEOUT, SERVE_IDLE_S, NULL },
		{ MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)request_done, NULL },
		{ MHD_OPTION_NOTIFY_CONNECTION, (intptr_t)conn_started, sd },
		{ MHD_OPTION_END, 0, NULL }, /* TLS key, when asked for */
		{ MHD_OPTION_END, 0, NULL }, /* TLS certificate */
		{ MHD_OPTION_END, 0, NULL }, /* TLS priorities */
		{ MHD_OPTION_END, 0, NULL }, /* client CA */
		{ MHD_OPTION_END, 0, NULL },
	};
	unsigned int flags = MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG |
			     MHD_USE_NO_LISTEN_SOCKET |
			     MHD_ALLOW_SUSPEND_RESUME;

	if (w->cert_pem) {
		flags |= MHD_USE_TLS;
		ops[5] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_KEY, 0,
						  w->key_pem };
		ops[6] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_CERT, 0,
						  w->cert_pem };
		ops[7] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_PRIORITIES,
						  0, sd->priorities };
	}
	if (w->client_ca_pem)
		ops[8] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_TRUST, 0,
						  w->client_ca_pem };
	return MHD_start_daemon(flags, 0, NULL, NULL, handle, sd,
				MHD_OPTION_ARRAY, ops, MHD_OPTION_END);
}

struct serve_daemon *serve_daemon_start(struct serve_state *st,
					struct serve_web_cfg *web, char *why,
					size_t len)
{
	struct serve_daemon *sd = calloc(1, sizeof(*sd));

	if (!sd) {
		snprintf(why, len, "%s", strerror(ENOMEM));
		return NULL;
	}
	sd->st = st;
	if (web) {
		sd->web = *web;
		memset(web, 0, sizeof(*web));
	}
	if (sd->web.cert_pem && !priorities_ok(sd, why, len))
		goto fail;
	sd->mhd = start_mhd(sd);
	if (sd->mhd)
		return sd;
	snprintf(why, len, "cannot start the HTTP%s server",
		 sd->web.cert_pem ? "S (check the key and certificate)" : "");
fail:
	serve_web_free(&sd->web);
	free(sd);
	return NULL;
}

void serve_daemon_stop(struct serve_daemon *sd)
{
	serve_auth_forget(&sd->auth);
	MHD_stop_daemon(sd->mhd);
	serve_web_free(&sd->web);
	free(sd);
}
