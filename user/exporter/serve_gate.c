// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * serve_gate.c - the listening socket and the connections that have not
 * spoken yet (serve_gate.h), on one epoll loop.
 */
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "serve_gate.h"

#define TLS_HANDSHAKE 0x16 /* the first byte of a TLS record: handshake */

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* Forget waiting connection @i (its fd closed unless @keep). */
static void drop(struct serve_gate *g, unsigned int i, bool keep)
{
	epoll_ctl(g->epfd, EPOLL_CTL_DEL, g->pend[i].fd, NULL);
	if (!keep)
		close(g->pend[i].fd);
	g->pend[i] = g->pend[--g->npend];
}

static void accept_all(struct serve_gate *g)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP };
	struct serve_gate_conn c;
	unsigned int i, oldest;

	for (;;) {
		c.addrlen = sizeof(c.addr);
		c.fd = accept4(g->lfd, (struct sockaddr *)&c.addr, &c.addrlen,
			       SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (c.fd < 0)
			return; /* EAGAIN, or a connection gone already */
		if (g->npend == SERVE_GATE_PENDING) {
			for (oldest = 0, i = 1; i < g->npend; i++)
				if (g->pend[i].since_ms <
				    g->pend[oldest].since_ms)
					oldest = i;
			drop(g, oldest, false);
			g->evicted++;
		}
		c.since_ms = now_ms();
		ev.data.fd = c.fd;
		if (epoll_ctl(g->epfd, EPOLL_CTL_ADD, c.fd, &ev)) {
			close(c.fd);
			continue;
		}
		g->pend[g->npend++] = c;
	}
}

/* Plain HTTP on the TLS port: read what it sent, answer 400, close. */
static void refuse_plain(int fd)
{
	static const char reply[] =
		"HTTP/1.1 400 Bad Request\r\n"
		"Content-Type: text/plain; charset=utf-8\r\n"
		"Connection: close\r\n"
		"Content-Length: 48\r\n\r\n"
		"Client sent an HTTP request to an HTTPS server.\n";
	char buf[4096];

	while (read(fd, buf, sizeof(buf)) > 0)
		;
	if (write(fd, reply, sizeof(reply) - 1) < 0)
		return;
	shutdown(fd, SHUT_WR);
}

/* Waiting connection @i has something to say (or is gone). */
static void spoke(struct serve_gate *g, unsigned int i)
{
	struct serve_gate_conn c = g->pend[i];
	unsigned char first;
	ssize_t n;

	n = recv(c.fd, &first, 1, MSG_PEEK | MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	drop(g, i, n == 1);
	if (n != 1)
		return;
	pthread_mutex_lock(&g->lock);
	if (g->tls && first != TLS_HANDSHAKE) {
		g->plain_on_tls++;
		refuse_plain(c.fd);
		close(c.fd);
	} else {
		/* The library closes the socket when it cannot take it. */
		MHD_add_connection(g->daemon, c.fd,
				   (const struct sockaddr *)&c.addr, c.addrlen);
	}
	pthread_mutex_unlock(&g->lock);
}

/* Close the connections that said nothing in time; the next deadline's
 * epoll timeout in ms (-1: none waits). */
static int expire(struct serve_gate *g)
{
	long long now = now_ms(), left, next = -1;
	unsigned int i = 0;

	while (i < g->npend) {
		left = g->pend[i].since_ms + SERVE_GATE_FIRST_BYTE_S * 1000LL -
		       now;
		if (left <= 0) {
			drop(g, i, false);
			g->timed_out++;
			continue;
		}
		if (next < 0 || left < next)
			next = left;
		i++;
	}
	return (int)next;
}

static void *gate_loop(void *arg)
{
	struct serve_gate *g = arg;
	struct epoll_event evs[64];
	unsigned int j;
	int n, i;

	for (;;) {
		n = epoll_wait(g->epfd, evs, 64, expire(g));
		for (i = 0; i < n; i++) {
			if (evs[i].data.fd == g->stopfd)
				return NULL;
			if (evs[i].data.fd == g->lfd) {
				accept_all(g);
				continue;
			}
			for (j = 0; j < g->npend; j++)
				if (g->pend[j].fd == evs[i].data.fd) {
					spoke(g, j);
					break;
				}
		}
	}
}

int serve_gate_start(struct serve_gate *g, int lfd)
{
	struct epoll_event ev = { .events = EPOLLIN };
	int err;

	memset(g, 0, sizeof(*g));
	pthread_mutex_init(&g->lock, NULL);
	g->lfd = lfd;
	g->epfd = epoll_create1(EPOLL_CLOEXEC);
	g->stopfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (g->epfd < 0 || g->stopfd < 0)
		goto fail;
	ev.data.fd = lfd;
	if (epoll_ctl(g->epfd, EPOLL_CTL_ADD, lfd, &ev))
		goto fail;
	ev.data.fd = g->stopfd;
	if (epoll_ctl(g->epfd, EPOLL_CTL_ADD, g->stopfd, &ev))
		goto fail;
	/* accept4 must not block when a client left before it ran. */
	if (fcntl(lfd, F_SETFL, O_NONBLOCK))
		goto fail;
	err = pthread_create(&g->thread, NULL, gate_loop, g);
	if (!err)
		return 0;
	errno = err;
fail:
	err = -errno;
	if (g->epfd >= 0)
		close(g->epfd);
	if (g->stopfd >= 0)
		close(g->stopfd);
	return err;
}

void serve_gate_set(struct serve_gate *g, struct MHD_Daemon *d, bool tls)
{
	pthread_mutex_lock(&g->lock);
	g->daemon = d;
	g->tls = tls;
	pthread_mutex_unlock(&g->lock);
}

void serve_gate_stop(struct serve_gate *g)
{
	unsigned long long one = 1;

	if (write(g->stopfd, &one, sizeof(one)) == sizeof(one))
		pthread_join(g->thread, NULL);
	while (g->npend)
		drop(g, 0, false);
	close(g->stopfd);
	close(g->epfd);
	close(g->lfd);
	pthread_mutex_destroy(&g->lock);
}
