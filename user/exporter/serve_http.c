// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * What the exporter makes of its input, apart from the HTTP library: the
 * --listen address and each request's method and path. Kept free of
 * libmicrohttpd so that tests/unit/fuzz_serve.c can drive it alone.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>

#include "serve.h"

/* "A.B.C.D:PORT" or "[V6]:PORT" into @ss; -EINVAL when malformed. */
int serve_parse_listen(const char *arg, struct sockaddr_storage *ss,
		       socklen_t *len)
{
	char host[INET6_ADDRSTRLEN + 2], *end;
	const char *colon;
	unsigned long port;
	size_t hl;

	colon = strrchr(arg, ':');
	if (!colon || !colon[1])
		return -EINVAL;
	/* Digits only: strtoul alone would take "+80", " 80" or "-1". */
	if (strspn(colon + 1, "0123456789") != strlen(colon + 1) ||
	    strlen(colon + 1) > 5)
		return -EINVAL;
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (errno || *end || port > 65535)
		return -EINVAL;
	hl = (size_t)(colon - arg);
	if (hl >= sizeof(host))
		return -EINVAL;
	memcpy(host, arg, hl);
	host[hl] = 0;
	memset(ss, 0, sizeof(*ss));
	/* ":PORT" is every address, as Prometheus exporters read it: the
	 * IPv6 wildcard, which serve opens dual-stack; "localhost" the IPv4
	 * loopback. No other name is resolved. */
	if (hl == 0)
		snprintf(host, sizeof(host), "[::]");
	else if (!strcmp(host, "localhost"))
		snprintf(host, sizeof(host), "127.0.0.1");
	hl = strlen(host);
	if (host[0] == '[') {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		if (hl < 3 || host[hl - 1] != ']')
			return -EINVAL;
		host[hl - 1] = 0;
		if (inet_pton(AF_INET6, host + 1, &s6->sin6_addr) != 1)
			return -EINVAL;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((unsigned short)port);
		*len = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

		if (inet_pton(AF_INET, host, &s4->sin_addr) != 1)
			return -EINVAL;
		s4->sin_family = AF_INET;
		s4->sin_port = htons((unsigned short)port);
		*len = sizeof(*s4);
	}
	return 0;
}

enum serve_route serve_route(const char *method, const char *url)
{
	if (!method || !url ||
	    (strcmp(method, "GET") && strcmp(method, "HEAD")))
		return SERVE_BAD_METHOD;
	if (!strcmp(url, "/"))
		return SERVE_INDEX;
	if (!strcmp(url, "/metrics"))
		return SERVE_METRICS;
	if (!strcmp(url, "/timeline"))
		return SERVE_TIMELINE;
	return SERVE_NOT_FOUND;
}
