// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * agent_systemd.c - sd_notify(3) and the journal's native protocol spoken
 * directly: each is one AF_UNIX datagram of newline-separated KEY=value
 * assignments (systemd's "notify" and "native journal" protocols), so the
 * agent needs no libsystemd and the static arm64 build keeps it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "agent.h"

#define JOURNAL_SOCKET "/run/systemd/journal/socket"
#define JOURNAL_MAX 8192 /* far below the journal's datagram limit */

/* Fill @sa from @path; a leading '@' names an abstract socket. */
static int unix_addr(struct sockaddr_un *sa, socklen_t *len, const char *path)
{
	size_t n = strlen(path);

	if (n == 0 || n >= sizeof(sa->sun_path))
		return -EINVAL;
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	memcpy(sa->sun_path, path, n);
	if (path[0] == '@')
		sa->sun_path[0] = 0;
	*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
	return 0;
}

static int send_datagram(const char *path, const void *buf, size_t len)
{
	struct sockaddr_un sa;
	socklen_t salen;
	int fd, rc;

	rc = unix_addr(&sa, &salen, path);
	if (rc)
		return rc;
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	rc = sendto(fd, buf, len, MSG_NOSIGNAL, (struct sockaddr *)&sa, salen) <
			     0
		     ? -errno
		     : 0;
	close(fd);
	return rc;
}

int agent_notify(const char *state)
{
	const char *path = getenv("NOTIFY_SOCKET");

	if (!path || !*path)
		return 0;
	return send_datagram(path, state, strlen(state));
}

int agent_journal_send(const char *socket_path, const char *const *fields,
		       size_t nfields)
{
	char buf[JOURNAL_MAX];
	size_t used = 0, n, i;

	for (i = 0; i < nfields; i++) {
		n = strlen(fields[i]);
		if (strchr(fields[i], '\n') || used + n + 1 > sizeof(buf))
			return -EINVAL;
		memcpy(buf + used, fields[i], n);
		buf[used + n] = '\n';
		used += n + 1;
	}
	return send_datagram(socket_path ? socket_path : JOURNAL_SOCKET, buf,
			     used);
}
