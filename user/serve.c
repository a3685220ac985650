// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * pcrwatch serve: a Prometheus exporter for counter ownership and
 * contention, on libmicrohttpd. The model is refreshed when a scrape
 * arrives, in the HTTP library's one polling thread: between scrapes the
 * process sleeps in epoll/poll and sigwait, nothing polls. The metric names
 * and their meaning are in docs/METRICS.md; serve_metrics.c renders them.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "pcrwatch.h"
#include "serve.h"
#include "serve_web.h"
#include "event_log.h"
#include "timeline.h"

#define SERVE_DEFAULT_LISTEN "127.0.0.1:9733"
#define SERVE_TIMELINE_MINUTES 15

static int serve_usage(FILE *f, int rc)
{
	fprintf(f,
		"Usage: pcrwatch serve [--listen ADDR:PORT] [--bpf-stats]\n"
		"                      [--web.config.file FILE]\n\n"
		"Prometheus exporter: counter slots by owner layer and state, "
		"who\n"
		"owns each counter, reservations, conflicts and vetoes by "
		"kind,\n"
		"multiplexing per CPU, lost events, the run time of pcrwatch's "
		"BPF\n"
		"programs. The ownership model is read when a scrape "
		"arrives.\n\n"
		"  -l, --listen ADDR:PORT  where to listen (default %s;\n"
		"                          [IPV6]:PORT for IPv6, :PORT for "
		"every\n"
		"                          address, port 0 picks a free one)\n"
		"      --web.config.file FILE  TLS and basic auth, in the "
		"exporter-\n"
		"                          toolkit format (tls_server_config, "
		"basic_auth_users)\n"
		"      --bpf-stats         turn on the kernel's BPF run-time "
		"statistics\n"
		"                          while serving (off again on exit); "
		"without it\n"
		"                          run time and count read 0 unless\n"
		"                          sysctl kernel.bpf_stats_enabled=1\n"
		"  -h, --help              this text\n\n"
		"Metrics on http://ADDR:PORT/metrics; see docs/METRICS.md.\n"
		"Exit status: 0 stopped by SIGINT/SIGTERM, 1 cannot listen,\n"
		"2 bad flag or value, 3 --bpf-stats not supported by this "
		"kernel,\n"
		"4 --bpf-stats not permitted (needs CAP_SYS_ADMIN).\n",
		SERVE_DEFAULT_LISTEN);
	return rc;
}

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned int code,
			     const char *type, char *body, size_t len,
			     bool must_free)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;

	resp = MHD_create_response_from_buffer(
		len, body,
		must_free ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
	if (!resp) {
		if (must_free)
			free(body);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	ret = MHD_queue_response(conn, code, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* /timeline: the agent log's last minutes as the timeline's HTML page. */
static enum MHD_Result reply_timeline(struct MHD_Connection *conn)
{
	static char failed[] = "cannot draw the timeline\n";
	char *body = NULL;
	size_t len = 0;

	if (tl_page_recent(event_log_dir(), SERVE_TIMELINE_MINUTES, &body,
			   &len))
		return reply(conn, MHD_HTTP_INTERNAL_SERVER_ERROR,
			     "text/plain; charset=utf-8", failed,
			     sizeof(failed) - 1, false);
	return reply(conn, MHD_HTTP_OK, "text/html; charset=utf-8", body, len,
		     true);
}

static bool authorized(struct MHD_Connection *conn,
		       const struct serve_web_cfg *web)
{
	char *pass = NULL, *user;
	bool ok;

	user = MHD_basic_auth_get_username_password(conn, &pass);
	ok = serve_web_auth_ok(web, user, pass);
	MHD_free(user);
	MHD_free(pass);
	return ok;
}

static enum MHD_Result refuse(struct MHD_Connection *conn)
{
	static char body[] = "unauthorized\n";
	struct MHD_Response *resp;
	enum MHD_Result ret;

	resp = MHD_create_response_from_buffer(sizeof(body) - 1, body,
					       MHD_RESPMEM_PERSISTENT);
	if (!resp)
		return MHD_NO;
	ret = MHD_queue_basic_auth_fail_response(conn, "pcrwatch", resp);
	MHD_destroy_response(resp);
	return ret;
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
	static char not_found[] = "not found: try /metrics\n";
	static char bad_method[] = "only GET and HEAD\n";
	static char failed[] = "cannot render the metrics (out of memory)\n";
	static int first_call;
	struct serve_state *st = cls;
	char *body;
	size_t len;

	/* The first call only announces the request headers. */
	if (*req_ctx != &first_call) {
		*req_ctx = &first_call;
		return MHD_YES;
	}
	if (st->web && st->web->nr_users && !authorized(conn, st->web))
		return refuse(conn);
	switch (serve_route(method, url)) {
	case SERVE_BAD_METHOD:
		return reply(conn, MHD_HTTP_METHOD_NOT_ALLOWED,
			     "text/plain; charset=utf-8", bad_method,
			     sizeof(bad_method) - 1, false);
	case SERVE_INDEX:
		return reply(conn, MHD_HTTP_OK, "text/html; charset=utf-8",
			     index_page, sizeof(index_page) - 1, false);
	case SERVE_NOT_FOUND:
		return reply(conn, MHD_HTTP_NOT_FOUND,
			     "text/plain; charset=utf-8", not_found,
			     sizeof(not_found) - 1, false);
	case SERVE_TIMELINE:
		return reply_timeline(conn);
	case SERVE_METRICS:
		break;
	}
	if (serve_scrape(st, &body, &len))
		return reply(conn, MHD_HTTP_INTERNAL_SERVER_ERROR,
			     "text/plain; charset=utf-8", failed,
			     sizeof(failed) - 1, false);
	return reply(conn, MHD_HTTP_OK,
		     "text/plain; version=0.0.4; charset=utf-8", body, len,
		     true);
}

static void print_listening(struct MHD_Daemon *d,
			    const struct sockaddr_storage *ss, bool tls)
{
	const char *scheme = tls ? "https" : "http";
	const union MHD_DaemonInfo *info;
	char addr[INET6_ADDRSTRLEN];
	unsigned int port = 0;

	info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	if (info)
		port = info->port;
	if (ss->ss_family == AF_INET6) {
		inet_ntop(AF_INET6,
			  &((const struct sockaddr_in6 *)ss)->sin6_addr, addr,
			  sizeof(addr));
		printf("pcrwatch serve: listening on %s://[%s]:%u/metrics\n",
		       scheme, addr, port);
	} else {
		inet_ntop(AF_INET, &((const struct sockaddr_in *)ss)->sin_addr,
			  addr, sizeof(addr));
		printf("pcrwatch serve: listening on %s://%s:%u/metrics\n",
		       scheme, addr, port);
	}
	fflush(stdout);
}

/* Bind and listen on @ss ourselves, so that a failure says why: an fd
 * for MHD_OPTION_LISTEN_SOCKET, or a negative errno. The IPv6 wildcard
 * (--listen :PORT) takes IPv4 too. */
static int serve_socket(const struct sockaddr_storage *ss, socklen_t len)
{
	int fd, one = 1, zero = 0, err;

	fd = socket(ss->ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ss->ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	if (bind(fd, (const struct sockaddr *)ss, len) || listen(fd, 64)) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

static unsigned int ss_port(const struct sockaddr_storage *ss)
{
	return ntohs(ss->ss_family == AF_INET6
			     ? ((const struct sockaddr_in6 *)ss)->sin6_port
			     : ((const struct sockaddr_in *)ss)->sin_port);
}

/* Start the HTTP(S) daemon on the listening socket @fd. */
static struct MHD_Daemon *serve_start(int fd, struct serve_state *st,
				      const struct serve_web_cfg *web)
{
	struct MHD_OptionItem ops[] = {
		{ MHD_OPTION_LISTEN_SOCKET, fd, NULL },
		{ MHD_OPTION_CONNECTION_LIMIT, 64, NULL },
		{ MHD_OPTION_CONNECTION_TIMEOUT, 10, NULL },
		{ MHD_OPTION_END, 0, NULL }, /* TLS key, when asked for */
		{ MHD_OPTION_END, 0, NULL }, /* TLS certificate */
		{ MHD_OPTION_END, 0, NULL },
	};
	unsigned int flags = MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG;

	if (web && web->cert_pem) {
		flags |= MHD_USE_TLS;
		ops[3] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_KEY, 0,
						  web->key_pem };
		ops[4] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_CERT, 0,
						  web->cert_pem };
	}
	return MHD_start_daemon(flags, 0, NULL, NULL, handle, st,
				MHD_OPTION_ARRAY, ops, MHD_OPTION_END);
}

int cmd_serve(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "bpf-stats", no_argument, NULL, 'B' },
		{ "web.config.file", required_argument, NULL, 'W' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *listen_arg = SERVE_DEFAULT_LISTEN;
	struct sockaddr_storage ss;
	struct serve_state st;
	struct MHD_Daemon *d = NULL;
	struct serve_web_cfg web = { 0 };
	const char *web_file = NULL;
	bool bpf_stats = false;
	int opt, sig, stats_fd = -1, fd, rc = PCRW_EXIT_OK;
	char why[256];
	socklen_t sslen;
	sigset_t set;

	while ((opt = pcrw_getopt("serve", argc, argv, "l:h", opts)) != -1) {
		switch (opt) {
		case 'l':
			listen_arg = optarg;
			break;
		case 'B':
			bpf_stats = true;
			break;
		case 'W':
			web_file = optarg;
			break;
		case 'h':
			return serve_usage(stdout, PCRW_EXIT_OK);
		default:
			return PCRW_EXIT_USAGE;
		}
	}
	if (optind < argc)
		return pcrw_usage_error("serve", "unexpected argument '%s'",
					argv[optind]);
	if (serve_parse_listen(listen_arg, &ss, &sslen))
		return pcrw_usage_error("serve",
					"bad --listen '%s': want ADDR:PORT, "
					"e.g. 127.0.0.1:9733 or [::1]:9733",
					listen_arg);
	if (web_file && serve_web_load(web_file, &web, why, sizeof(why)))
		return pcrw_usage_error("serve", "--web.config.file %s: %s",
					web_file, why);

	if (bpf_stats) {
		/* Held for the life of the exporter; the kernel turns the
		 * statistics off again when the last such fd closes. */
		stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
		if (stats_fd < 0) {
			pcrw_err("serve: --bpf-stats: cannot enable BPF "
				 "run-time "
				 "statistics: %s",
				 strerror(-stats_fd));
			return stats_fd == -EPERM || stats_fd == -EACCES
				       ? PCRW_EXIT_DENIED
				       : PCRW_EXIT_UNSUPPORTED;
		}
	}

	serve_state_init(&st);
	st.stats_held = stats_fd >= 0;
	/* The HTTP thread inherits this mask: only this thread takes signals.
	 */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	fd = serve_socket(&ss, sslen);
	if (fd < 0) {
		pcrw_err("serve: cannot listen on %s: port %u: %s", listen_arg,
			 ss_port(&ss), strerror(-fd));
		rc = PCRW_EXIT_ERROR;
		goto cleanup;
	}
	st.web = web_file ? &web : NULL;
	d = serve_start(fd, &st, st.web);
	if (!d) {
		close(fd);
		pcrw_err("serve: cannot start the HTTP%s server on %s",
			 web.cert_pem ? "S (check the key and certificate)"
				      : "",
			 listen_arg);
		rc = PCRW_EXIT_ERROR;
		goto cleanup;
	}
	print_listening(d, &ss, web.cert_pem != NULL);

	for (;;) {
		if (sigwait(&set, &sig))
			break;
		if (sig != SIGHUP)
			break;
	}

cleanup:
	if (d)
		MHD_stop_daemon(d);
	serve_state_free(&st);
	serve_web_free(&web);
	if (stats_fd >= 0)
		close(stats_fd);
	return rc;
}
