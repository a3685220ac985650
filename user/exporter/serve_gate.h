/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * serve_gate.h - the exporter's listening socket, kept by pcrwatch's own
 * thread. A connection is handed to the HTTP library only once it has sent
 * its first byte: until then it waits here, at most SERVE_GATE_FIRST_BYTE_S
 * seconds, and when SERVE_GATE_PENDING connections wait at once the oldest
 * is closed to make room. So clients that connect and send nothing cannot
 * fill the HTTP library's connection budget, and a new scrape always gets
 * in. On a TLS port, a first byte that does not start a TLS handshake gets
 * an HTTP 400 in plain text, as Go's servers answer.
 */
#ifndef PCRW_SERVE_GATE_H
#define PCRW_SERVE_GATE_H

#include <pthread.h>
#include <stdbool.h>
#include <sys/socket.h>

#define SERVE_GATE_PENDING 256
#define SERVE_GATE_FIRST_BYTE_S 10

struct MHD_Daemon;

struct serve_gate_conn {
	int fd;
	struct sockaddr_storage addr;
	socklen_t addrlen;
	long long since_ms;
};

struct serve_gate {
	int lfd, epfd, stopfd;
	pthread_t thread;
	pthread_mutex_t lock; /* the daemon and tls below */
	struct MHD_Daemon *daemon;
	bool tls;
	struct serve_gate_conn pend[SERVE_GATE_PENDING];
	unsigned int npend;
	unsigned long long evicted, timed_out, plain_on_tls;
};

/* Keep the listening socket @lfd (taken over) on a new thread. */
int serve_gate_start(struct serve_gate *g, int lfd);
/* Hand new connections to @d from now on (@tls: it speaks TLS). */
void serve_gate_set(struct serve_gate *g, struct MHD_Daemon *d, bool tls);
/* Stop the thread; close the listening and waiting sockets. */
void serve_gate_stop(struct serve_gate *g);

#endif
