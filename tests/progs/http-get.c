// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * http-get: a minimal HTTP/1.0 client for the exporter's tests and bench, so
 * they need no curl. Prints the body of GET http://HOST:PORT/PATH and exits
 * 0 on status 200, 1 on another status, 2 on a connection error. With
 * -n COUNT it fetches COUNT times and prints the latency of each fetch's
 * whole response in milliseconds: min, median, p99, max.
 *   http-get [-n COUNT] [-s] HOST:PORT PATH     (-s: status line to stderr)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* One GET; the whole response into a malloc'd *resp. */
static int fetch(const struct sockaddr_in *sa, const char *host,
		 const char *path, char **resp, size_t *len)
{
	char req[1024];
	size_t cap = 65536, n = 0;
	ssize_t got;
	char *buf;
	int fd, rl;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (const struct sockaddr *)sa, sizeof(*sa))) {
		close(fd);
		return -errno;
	}
	rl = snprintf(
		req, sizeof(req),
		"GET %s HTTP/1.0\r\nHost: %s\r\nConnection: close\r\n\r\n",
		path, host);
	if (write(fd, req, (size_t)rl) != rl) {
		close(fd);
		return -EIO;
	}
	buf = malloc(cap);
	while (buf && (got = read(fd, buf + n, cap - n - 1)) > 0) {
		n += (size_t)got;
		if (n + 1 == cap) {
			char *grown = realloc(buf, cap * 2);

			if (!grown) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = grown;
			cap *= 2;
		}
	}
	close(fd);
	if (!buf)
		return -ENOMEM;
	buf[n] = 0;
	*resp = buf;
	*len = n;
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	char host[64], *colon, *resp, *body;
	int opt, count = 0, i, status, err, show_status = 0;
	double *lat = NULL, t0;
	size_t len;

	while ((opt = getopt(argc, argv, "n:s")) != -1) {
		if (opt == 'n')
			count = atoi(optarg);
		else if (opt == 's')
			show_status = 1;
		else
			return 2;
	}
	if (argc - optind != 2 || strlen(argv[optind]) >= sizeof(host)) {
		fprintf(stderr,
			"usage: http-get [-n COUNT] [-s] HOST:PORT PATH\n");
		return 2;
	}
	strcpy(host, argv[optind]);
	colon = strrchr(host, ':');
	if (!colon)
		return 2;
	*colon = 0;
	sa.sin_port = htons((unsigned short)atoi(colon + 1));
	if (inet_pton(AF_INET, host, &sa.sin_addr) != 1)
		return 2;
	*colon = ':';

	if (count > 0) {
		lat = calloc((size_t)count, sizeof(*lat));
		if (!lat)
			return 2;
		for (i = 0; i < count; i++) {
			t0 = now_ms();
			err = fetch(&sa, host, argv[optind + 1], &resp, &len);
			if (err) {
				fprintf(stderr, "http-get: %s\n",
					strerror(-err));
				return 2;
			}
			lat[i] = now_ms() - t0;
			if (strncmp(resp, "HTTP/1.", 7) ||
			    strncmp(resp + 9, "200", 3)) {
				fprintf(stderr, "http-get: not 200\n");
				return 1;
			}
			free(resp);
		}
		qsort(lat, (size_t)count, sizeof(*lat), cmp_double);
		printf("fetches %d min_ms %.3f median_ms %.3f p99_ms %.3f "
		       "max_ms %.3f\n",
		       count, lat[0], lat[count / 2], lat[(count * 99) / 100],
		       lat[count - 1]);
		free(lat);
		return 0;
	}

	err = fetch(&sa, host, argv[optind + 1], &resp, &len);
	if (err) {
		fprintf(stderr, "http-get: %s\n", strerror(-err));
		return 2;
	}
	if (len < 12 || strncmp(resp, "HTTP/1.", 7)) {
		fprintf(stderr, "http-get: not an HTTP response\n");
		return 2;
	}
	status = atoi(resp + 9);
	if (show_status)
		fprintf(stderr, "%.*s\n", (int)strcspn(resp, "\r\n"), resp);
	body = strstr(resp, "\r\n\r\n");
	if (body)
		fputs(body + 4, stdout);
	free(resp);
	return status == 200 ? 0 : 1;
}
