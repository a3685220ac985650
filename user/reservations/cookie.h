/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * cookie.h - management cookies are secrets: the reservation maps never
 * hold one. They hold a tag, a keyed hash (SipHash-2-4 truncated to the
 * cookie's 48 bits) of the reservation id and the cookie, under a per-host
 * key that only root can read. `bpftool map dump` then shows the tag, from
 * which the cookie cannot be found, and release and grant compare the tag
 * of what they are given in constant time (pcr_cookie_eq).
 *
 * The key lives in PCRW_COOKIE_KEY_PATH (PCRWATCH_COOKIE_KEY overrides it,
 * for tests): 16 random bytes, mode 0600, root's, on /run like the pins on
 * bpffs: both are gone at reboot, the reservations with them.
 */
#ifndef PCRW_COOKIE_H
#define PCRW_COOKIE_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#define PCRW_COOKIE_KEY_PATH "/run/pcrwatch/cookie.key"
#define PCRW_COOKIE_KEY_LEN 16

/* SipHash-2-4 of @len bytes of @data under @key. */
__u64 cookie_siphash(const __u8 key[PCRW_COOKIE_KEY_LEN], const void *data,
		     size_t len);

/* The tag stored for management cookie @cookie of reservation @id: 48
 * bits, never the default (0). */
__u64 cookie_tag(const __u8 key[PCRW_COOKIE_KEY_LEN], __u64 id, __u64 cookie);

/* Read the key; with @create, make it first when there is none. A key file
 * that is not a regular file of root's, readable by root alone, is refused.
 * 0 or a negative errno; a failure is said on stderr. */
int cookie_key_load(__u8 key[PCRW_COOKIE_KEY_LEN], bool create);

/* The text of a cookie argument into @buf, end of line removed: with
 * @is_file (--cookie-file) the first line of the file @arg; else "-" reads
 * one line from stdin and anything else is the value itself. 0 or a
 * negative errno. */
int cookie_arg_text(const char *arg, bool is_file, char *buf, size_t len);

#endif
