// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Untrusted strings made safe per output kind (sanitize.h says which). */
#include <stdbool.h>
#include <string.h>

#include "sanitize.h"

#define REPLACEMENT "\xef\xbf\xbd" /* U+FFFD in UTF-8 */

size_t san_utf8_next(const unsigned char *p, size_t n, uint32_t *cp)
{
	uint32_t c, min;
	size_t len, i;

	if (!n)
		return 0;
	c = p[0];
	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2, c &= 0x1f, min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3, c &= 0x0f, min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4, c &= 0x07, min = 0x10000;
	} else {
		return 0; /* continuation byte, or a lead that no form allows */
	}
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (p[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

static size_t bounded_len(const char *s, size_t max)
{
	return s ? strnlen(s, max) : 0;
}

/* Write @s escaped for a double-quoted JSON string (@json) or Prometheus
 * label value: quote and backslash escaped, newline as \n; other controls
 * as \uXXXX in JSON (and tab as \t), as U+FFFD in a label, which has no
 * other escape; invalid UTF-8 as U+FFFD in both. */
static void san_escaped(FILE *f, const char *s, size_t max, bool json)
{
	const unsigned char *p = (const unsigned char *)s, *run = p;
	size_t n = bounded_len(s, max), k;
	uint32_t cp;

	while (n) {
		k = san_utf8_next(p, n, &cp);
		if (k && cp >= 0x20 && cp != 0x7f && cp != '"' && cp != '\\') {
			/* plain: written with its neighbours, in one call */
			p += k;
			n -= k;
			continue;
		}
		fwrite(run, 1, (size_t)(p - run), f);
		if (!k) {
			fputs(REPLACEMENT, f);
			k = 1;
		} else if (cp == '"' || cp == '\\') {
			fputc('\\', f);
			fputc((int)cp, f);
		} else if (cp == '\n') {
			fputs("\\n", f);
		} else if (json && cp == '\t') {
			fputs("\\t", f);
		} else if (json) {
			fprintf(f, "\\u%04x", (unsigned int)cp);
		} else {
			fputs(REPLACEMENT, f);
		}
		p += k;
		n -= k;
		run = p;
	}
	fwrite(run, 1, (size_t)(p - run), f);
}

void san_json_string(FILE *f, const char *s, size_t max)
{
	fputc('"', f);
	san_escaped(f, s, max, true);
	fputc('"', f);
}

void san_prom_label(FILE *f, const char *s, size_t max)
{
	san_escaped(f, s, max, false);
}

/* Code points a terminal acts on or shows misleadingly: C0 and C1
 * controls, DEL, and the bidirectional embeddings, overrides and isolates
 * that reorder what follows them. */
static int term_unsafe(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp < 0xa0) ||
	       (cp >= 0x202a && cp <= 0x202e) ||
	       (cp >= 0x2066 && cp <= 0x2069) || cp == 0x200e || cp == 0x200f ||
	       cp == 0x061c;
}

/* XML 1.0 allows neither the C0 controls (tab and newline aside: they
 * would still break a label, so they go too) nor U+FFFE and U+FFFF. */
static int xml_unsafe(uint32_t cp)
{
	return term_unsafe(cp) || cp == 0xfffe || cp == 0xffff;
}

void san_xml(FILE *f, const char *s, size_t max)
{
	static const char special[] = "&<>\"'";
	static const char *const entity[] = { "&amp;", "&lt;", "&gt;", "&quot;",
					      "&apos;" };
	const unsigned char *p = (const unsigned char *)s;
	size_t n = bounded_len(s, max), k;
	const char *hit;
	uint32_t cp;

	while (n) {
		k = san_utf8_next(p, n, &cp);
		if (!k || xml_unsafe(cp))
			fputs(REPLACEMENT, f);
		else if (cp < 0x80 && (hit = strchr(special, (int)cp)) && cp)
			fputs(entity[hit - special], f);
		else
			fwrite(p, 1, k, f);
		p += k ? k : 1;
		n -= k ? k : 1;
	}
}

char *san_term(char *buf, size_t len, const char *s, size_t max)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = bounded_len(s, max), k, out = 0, i;
	uint32_t cp;

	if (!len)
		return buf;
	while (n) {
		k = san_utf8_next(p, n, &cp);
		if (k && term_unsafe(cp))
			k = 0;
		if (out + (k ? k : 1) >= len)
			break;
		if (!k) {
			buf[out++] = '?';
			k = 1;
		} else {
			for (i = 0; i < k; i++)
				buf[out++] = (char)p[i];
		}
		p += k;
		n -= k;
	}
	buf[out] = 0;
	return buf;
}
