// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Reading JSON back (json_read.h): the primitives every reader of the
 * agent's log shares. They take a bounded span, not a NUL-terminated
 * string, so the timeline's scanner runs them over its lines in place.
 */
#include <errno.h>
#include <string.h>

#include "json_read.h"

static int hex_digit(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	ch |= 0x20;
	return ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
}

size_t json_utf8_put(char out[4], unsigned int cp)
{
	if (!cp || (cp >= 0xd800 && cp <= 0xdfff))
		cp = 0xfffd;
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | cp >> 6);
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	out[0] = (char)(0xe0 | cp >> 12);
	out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[2] = (char)(0x80 | (cp & 0x3f));
	return 3;
}

size_t json_unescape(const char **p, const char *end, char out[4])
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	const char *s = *p, *hit;
	unsigned int cp = 0;
	int i, h;

	if (s >= end)
		return 0;
	if (*s != 'u') {
		hit = *s ? strchr(from, *s) : NULL;
		if (!hit)
			return 0;
		*p = s + 1;
		out[0] = to[hit - from];
		return 1;
	}
	if (end - s < 5)
		return 0;
	for (i = 1; i <= 4; i++) {
		h = hex_digit(s[i]);
		if (h < 0)
			return 0;
		cp = cp << 4 | (unsigned int)h;
	}
	*p = s + 5;
	return json_utf8_put(out, cp);
}

/* Past the string whose opening quote is at @p, or NULL: unterminated. */
static const char *skip_string(const char *p)
{
	for (p++; *p; p++) {
		if (*p == '\\' && p[1])
			p++;
		else if (*p == '"')
			return p + 1;
	}
	return NULL;
}

const char *json_member(const char *obj, const char *key)
{
	size_t klen = strlen(key);
	const char *p = obj + 1, *end;
	int depth = 1;

	while (p && *p && depth > 0) {
		if (*p == '"') {
			end = skip_string(p);
			if (end && depth == 1 && *end == ':' &&
			    (size_t)(end - p) == klen + 2 &&
			    !strncmp(p + 1, key, klen))
				return end + 1;
			p = end;
			continue;
		}
		if (*p == '{' || *p == '[')
			depth++;
		else if (*p == '}' || *p == ']')
			depth--;
		p++;
	}
	return NULL;
}
