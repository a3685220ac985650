/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * json_read.h - the small pieces for reading back the JSON pcrwatch writes
 * (json.h is the writer): one string with its escapes, one escape, one code
 * point as UTF-8, and the member of an object by key. The agent's log is
 * read with them by the service layer (event_log_decode) and by the
 * timeline's streaming scanner, so a record's strings read the same in both.
 */
#ifndef PCRW_JSON_READ_H
#define PCRW_JSON_READ_H

#include <errno.h>
#include <stddef.h>
#include <string.h>

/*
 * Code point @cp (below 0x10000) as UTF-8 into @out: its length, 1 to 3.
 * NUL and surrogates become U+FFFD: a decoded string never ends early at
 * an escaped NUL, and never holds a lone half of a pair (a pair reads as
 * two U+FFFD; pcrwatch writes none, it writes UTF-8 as is).
 */
size_t json_utf8_put(char out[4], unsigned int cp);

/*
 * The escape after a backslash, at *@p (before @end), as UTF-8 into @out:
 * its length, or 0 when it is no JSON escape (\uXXXX needs four hex
 * digits). *@p is moved past the escape.
 */
size_t json_unescape(const char **p, const char *end, char out[4]);

/*
 * The string whose opening quote is at *@p, up to @end, unescaped into
 * @buf (cut to @len - 1 bytes and always terminated; NULL: only skipped).
 * 0 with *@p past its closing quote, or -EINVAL for a bad escape or no
 * closing quote before @end ("" in @buf then). Inline: the timeline's
 * scanner reads every key of every record with it.
 */
static inline int json_read_str(const char **p, const char *end, char *buf,
				size_t len)
{
	const char *s = *p;
	size_t n = 0, k;
	char tmp[4];

	if (buf && len)
		buf[0] = 0;
	if (s >= end || *s != '"')
		return -EINVAL;
	for (s++; s < end && *s != '"';) {
		if (*s != '\\') { /* the common case: a byte as it is */
			if (buf && n + 1 < len)
				buf[n++] = *s;
			s++;
			continue;
		}
		s++;
		k = json_unescape(&s, end, tmp);
		if (!k)
			goto bad;
		if (buf && n + k < len) {
			memcpy(buf + n, tmp, k);
			n += k;
		}
	}
	if (s >= end)
		goto bad;
	if (buf && len)
		buf[n] = 0;
	*p = s + 1;
	return 0;
bad:
	if (buf && len)
		buf[0] = 0;
	return -EINVAL;
}

/*
 * The value of @key among the members of the NUL-terminated object whose
 * '{' is at @obj, or NULL: only the object's own keys match, nested
 * objects, arrays and strings are stepped over whole.
 */
const char *json_member(const char *obj, const char *key);

#endif
