/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * agent.h - what `pcrwatch agent` (user/commands/cmd_agent.c) uses to talk to
 * systemd without libsystemd: the service manager's notify datagram and the
 * journal's native datagram protocol (user/service/agent_systemd.c). Both are
 * plain AF_UNIX datagrams of "KEY=value\n" lines, so the static arm64 build has
 * them too.
 */
#ifndef PCRW_AGENT_H
#define PCRW_AGENT_H

#include <stddef.h>

/* Send @state ("READY=1\nSTATUS=...") to $NOTIFY_SOCKET. 0 when sent or
 * when not run by systemd (no NOTIFY_SOCKET), else a negative errno. */
int agent_notify(const char *state);

/* One journal entry of @nfields "KEY=value" strings (MESSAGE= among them)
 * to @socket_path (NULL: /run/systemd/journal/socket). Values must hold no
 * newline. 0, -ENOENT with no journal there, or a negative errno. */
int agent_journal_send(const char *socket_path, const char *const *fields,
		       size_t nfields);

#endif
