// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer target for what the exporter makes of its input
 * (user/exporter/serve_http.c). The first byte picks the part:
 *  - even: the rest is a --listen argument. An accepted one is IPv4 or
 *    IPv6 with the length of that family, and printing the address back
 *    ("A.B.C.D:PORT", "[V6]:PORT") parses to the very same bytes;
 *  - odd: the rest is "METHOD\0PATH", a request as the HTTP library hands
 *    it over. Only GET and HEAD of exactly "/metrics" scrape (and of
 *    "/timeline" draw); anything else is the index page, not found, or a
 *    refused method, and the route
 *    agrees with a plain reference.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "serve.h"

static void check(int cond)
{
	if (!cond)
		abort();
}

static void listen_case(const char *arg)
{
	struct sockaddr_storage ss, again;
	char addr[INET6_ADDRSTRLEN], text[INET6_ADDRSTRLEN + 16];
	socklen_t len, len2;
	unsigned int port;

	if (serve_parse_listen(arg, &ss, &len))
		return;
	check(strlen(arg) < sizeof(text));
	if (ss.ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)&ss;

		check(len == sizeof(*s4));
		check(inet_ntop(AF_INET, &s4->sin_addr, addr, sizeof(addr)) !=
		      NULL);
		port = ntohs(s4->sin_port);
		snprintf(text, sizeof(text), "%s:%u", addr, port);
	} else {
		const struct sockaddr_in6 *s6 =
			(const struct sockaddr_in6 *)&ss;

		check(ss.ss_family == AF_INET6 && len == sizeof(*s6));
		check(inet_ntop(AF_INET6, &s6->sin6_addr, addr, sizeof(addr)) !=
		      NULL);
		port = ntohs(s6->sin6_port);
		snprintf(text, sizeof(text), "[%s]:%u", addr, port);
	}
	check(port <= 65535);
	check(serve_parse_listen(text, &again, &len2) == 0);
	check(len2 == len && !memcmp(&ss, &again, len));
}

static void route_case(const char *method, const char *url)
{
	enum serve_route r = serve_route(method, url);
	int ok_method = !strcmp(method, "GET") || !strcmp(method, "HEAD");

	if (!ok_method)
		check(r == SERVE_BAD_METHOD);
	else if (!strcmp(url, "/metrics"))
		check(r == SERVE_METRICS);
	else if (!strcmp(url, "/timeline"))
		check(r == SERVE_TIMELINE);
	else if (!strcmp(url, "/"))
		check(r == SERVE_INDEX);
	else
		check(r == SERVE_NOT_FOUND);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf;
	size_t m;

	if (!size)
		return 0;
	buf = calloc(1, size + 1); /* the rest, NUL-terminated */
	if (!buf)
		return 0;
	memcpy(buf, data + 1, size - 1);
	if (!(data[0] & 1)) {
		listen_case(buf);
	} else {
		m = strlen(buf);
		route_case(buf, m < size - 1 ? buf + m + 1 : "");
	}
	free(buf);
	return 0;
}
