// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * pcrwatch serve: a Prometheus exporter for counter ownership and
 * contention, on libmicrohttpd. The model is refreshed when a scrape
 * arrives, in the HTTP library's polling thread. Three more threads: the
 * gate keeps the listening socket and the connections that have not spoken
 * yet (serve_gate.c), one worker runs bcrypt (serve_auth.c), and this one
 * waits for signals and, once a second, stats the web configuration's
 * files: a change (a rotated certificate) or SIGHUP reads them again and
 * replaces the HTTP server without closing the listening socket
 * (serve_daemon.c). The metric names and their meaning are in
 * docs/METRICS.md; serve_metrics.c renders them.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "pcrwatch.h"
#include "serve.h"
#include "serve_daemon.h"
#include "serve_gate.h"
#include "serve_web.h"

#define SERVE_DEFAULT_LISTEN "127.0.0.1:9733"

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
		"      --web.config.file FILE  TLS, client certificates, "
		"headers and\n"
		"                          basic auth, in the exporter-toolkit "
		"format\n"
		"                          (tls_server_config, "
		"http_server_config,\n"
		"                          basic_auth_users); read again on "
		"SIGHUP\n"
		"                          or when one of its files changes\n"
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

static unsigned int ss_port(const struct sockaddr_storage *ss)
{
	return ntohs(ss->ss_family == AF_INET6
			     ? ((const struct sockaddr_in6 *)ss)->sin6_port
			     : ((const struct sockaddr_in *)ss)->sin_port);
}

static void print_listening(const struct sockaddr_storage *ss, int fd, bool tls)
{
	const char *scheme = tls ? "https" : "http";
	struct sockaddr_storage bound;
	socklen_t len = sizeof(bound);
	char addr[INET6_ADDRSTRLEN];
	unsigned int port = 0;

	if (!getsockname(fd, (struct sockaddr *)&bound, &len))
		port = ss_port(&bound);
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
 * for the gate, or a negative errno. The IPv6 wildcard (--listen :PORT)
 * takes IPv4 too. */
static int serve_socket(const struct sockaddr_storage *ss, socklen_t len)
{
	int fd, one = 1, zero = 0, err;

	fd = socket(ss->ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ss->ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	if (bind(fd, (const struct sockaddr *)ss, len) ||
	    listen(fd, SERVE_GATE_PENDING)) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

/* Read the web configuration @file again and, when it is good, serve it
 * in place of @old; a configuration that fails leaves @old in force. */
static struct serve_daemon *reload(struct serve_daemon *old, const char *file,
				   struct serve_gate *g)
{
	struct serve_web_cfg web;
	struct serve_daemon *sd = NULL;
	char why[512];

	if (!serve_web_load(file, &web, why, sizeof(why)))
		sd = serve_daemon_start(old->st, &web, why, sizeof(why));
	if (!sd) {
		pcrw_err("serve: --web.config.file %s: %s; the configuration "
			 "in force is unchanged",
			 file, why);
		serve_web_restamp(&old->web);
		return old;
	}
	serve_gate_set(g, sd->mhd, serve_daemon_tls(sd));
	serve_daemon_stop(old);
	printf("pcrwatch serve: web configuration %s read again (%s)\n", file,
	       serve_daemon_tls(sd) ? "https" : "http");
	fflush(stdout);
	return sd;
}

/* Until SIGINT or SIGTERM: SIGHUP, or a changed file, reloads @file. */
static void serve_wait(struct serve_daemon **sd, const char *file,
		       struct serve_gate *g, const sigset_t *set)
{
	const struct timespec tick = { .tv_sec = 1 };
	int sig;

	for (;;) {
		sig = sigtimedwait(set, NULL, &tick);
		if (sig == SIGINT || sig == SIGTERM)
			return;
		if (file && (sig == SIGHUP || serve_web_changed(&(*sd)->web)))
			*sd = reload(*sd, file, g);
	}
}

static int enable_stats(void)
{
	/* Held for the life of the exporter; the kernel turns the
	 * statistics off again when the last such fd closes. */
	int fd = bpf_enable_stats(BPF_STATS_RUN_TIME);

	if (fd >= 0)
		return fd;
	pcrw_err("serve: --bpf-stats: cannot enable BPF run-time statistics: "
		 "%s",
		 strerror(-fd));
	return fd == -EPERM || fd == -EACCES ? -PCRW_EXIT_DENIED
					     : -PCRW_EXIT_UNSUPPORTED;
}

/* Listen, serve until a signal stops it, stop. */
static int serve_run(const char *listen_arg, const struct sockaddr_storage *ss,
		     socklen_t sslen, struct serve_web_cfg *web,
		     const char *web_file, struct serve_state *st)
{
	struct serve_daemon *sd;
	struct serve_gate gate;
	char why[512];
	sigset_t set;
	int fd, err;

	/* The threads inherit this mask: only this thread takes signals. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	fd = serve_socket(ss, sslen);
	if (fd < 0) {
		pcrw_err("serve: cannot listen on %s: port %u: %s", listen_arg,
			 ss_port(ss), strerror(-fd));
		return PCRW_EXIT_ERROR;
	}
	err = serve_auth_init();
	sd = err ? NULL
		 : serve_daemon_start(st, web_file ? web : NULL, why,
				      sizeof(why));
	if (!sd) {
		pcrw_err("serve: on %s: %s", listen_arg,
			 err ? strerror(-err) : why);
		close(fd);
		serve_auth_exit();
		return PCRW_EXIT_ERROR;
	}
	print_listening(ss, fd, serve_daemon_tls(sd));
	err = serve_gate_start(&gate, fd);
	if (err) {
		pcrw_err("serve: %s", strerror(-err));
		close(fd);
	} else {
		serve_gate_set(&gate, sd->mhd, serve_daemon_tls(sd));
		serve_wait(&sd, web_file, &gate, &set);
		serve_gate_stop(&gate);
	}
	serve_daemon_stop(sd);
	serve_auth_exit();
	return err ? PCRW_EXIT_ERROR : PCRW_EXIT_OK;
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
	const char *listen_arg = SERVE_DEFAULT_LISTEN, *web_file = NULL;
	struct serve_web_cfg web = { 0 };
	struct sockaddr_storage ss;
	struct serve_state st;
	bool bpf_stats = false;
	int opt, stats_fd = -1, rc;
	char why[512];
	socklen_t sslen;

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
		stats_fd = enable_stats();
		if (stats_fd < 0) {
			serve_web_free(&web);
			return -stats_fd;
		}
	}
	serve_state_init(&st);
	st.stats_held = stats_fd >= 0;
	rc = serve_run(listen_arg, &ss, sslen, &web, web_file, &st);
	serve_state_free(&st);
	serve_web_free(&web);
	if (stats_fd >= 0)
		close(stats_fd);
	return rc;
}
