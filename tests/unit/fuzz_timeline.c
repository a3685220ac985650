// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer target for `pcrwatch timeline` (user/timeline_*.c): the input
 * is an agent log, one record per line, of any bytes (a process names
 * itself: comm is whatever it chose, escaped or not; keys may be missing,
 * repeated, nested or malformed). Each input is read, modelled and drawn,
 * and the SVG is checked by a strict reader of its own, written apart from
 * user/util/sanitize.c: valid UTF-8 with no control character but newline,
 * every
 * '<' opening a tag of lowercase letters, attribute values quoted with no
 * '<' or raw '&', only the five predefined entities, tags balanced under one
 * root. A comm that could open or close a tag fails it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "timeline.h"

#define MAX_DEPTH 16

static void check(int cond)
{
	if (!cond)
		abort();
}

/* A well-formed UTF-8 character at @p: its length (RFC 3629 table). */
static size_t utf8_len(const unsigned char *p, size_t n)
{
	unsigned char a = p[0], b = n > 1 ? p[1] : 0;
	size_t len, i;

	if (a < 0x80)
		return 1;
	if (a >= 0xc2 && a <= 0xdf)
		len = 2;
	else if (a >= 0xe0 && a <= 0xef)
		len = 3;
	else if (a >= 0xf0 && a <= 0xf4)
		len = 4;
	else
		return 0;
	if (len > n || (a == 0xe0 && b < 0xa0) || (a == 0xed && b > 0x9f) ||
	    (a == 0xf0 && b < 0x90) || (a == 0xf4 && b > 0x8f))
		return 0;
	for (i = 1; i < len; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	/* U+FFFE and U+FFFF are not XML characters. */
	if (a == 0xef && b == 0xbf && (p[2] == 0xbe || p[2] == 0xbf))
		return 0;
	return len;
}

static void check_text(const char *s, size_t n)
{
	size_t i, k;

	for (i = 0; i < n; i += k) {
		k = utf8_len((const unsigned char *)s + i, n - i);
		check(k);
		check((unsigned char)s[i] >= 0x20 || s[i] == '\n');
	}
}

/* An entity at @p (after '&'): its length including ';'. */
static size_t entity(const char *p)
{
	static const char *const ok[] = { "amp;", "lt;", "gt;", "quot;",
					  "apos;" };
	size_t i;

	for (i = 0; i < 5; i++)
		if (!strncmp(p, ok[i], strlen(ok[i])))
			return strlen(ok[i]);
	return 0;
}

/* Attributes up to '>' or "/>": name="value" pairs. Returns the end. */
static const char *attributes(const char *p)
{
	while (*p == ' ') {
		p++;
		check(*p >= 'a' && *p <= 'z');
		while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		       (*p >= '0' && *p <= '9') || *p == '-' || *p == ':')
			p++;
		check(p[0] == '=' && p[1] == '"');
		for (p += 2; *p != '"'; p++) {
			check(*p && *p != '<');
			if (*p == '&') {
				check(entity(p + 1));
				p += entity(p + 1);
			}
		}
		p++;
	}
	return p;
}

/* The SVG document after its prolog. */
static void check_svg(const char *p)
{
	const char *stack[MAX_DEPTH], *name;
	size_t len[MAX_DEPTH], n;
	int depth = 0, roots = 0;

	for (; *p; p++) {
		if (*p == '&') {
			n = entity(p + 1);
			check(n);
			p += n;
			continue;
		}
		check(*p != '>' || depth == 0);
		if (*p != '<')
			continue;
		if (p[1] == '/') {
			check(depth > 0);
			depth--;
			check(!strncmp(p + 2, stack[depth], len[depth]) &&
			      p[2 + len[depth]] == '>');
			p += 2 + len[depth];
			continue;
		}
		name = ++p;
		while (*p >= 'a' && *p <= 'z')
			p++;
		n = (size_t)(p - name);
		check(n > 0);
		p = attributes(p);
		if (p[0] == '/' && p[1] == '>') {
			p++;
		} else {
			check(*p == '>' && depth < MAX_DEPTH);
			roots += depth == 0;
			stack[depth] = name;
			len[depth++] = n;
		}
	}
	check(depth == 0 && roots == 1);
}

static void render_and_check(const struct tl_model *m, bool since)
{
	struct tl_cpu_range cpus[] = { { 0, 3 }, { 7, 7 } };
	struct tl_view v = { .source = "fuzz\x01<&>" };
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	const char *prolog = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";

	check(f != NULL);
	if (since) {
		v.since = m->first + (m->last - m->first) / 3;
		v.until = v.since + 1000;
		v.cpus = cpus;
		v.nr_cpus = 2;
	}
	check(tl_render(f, m, &v) == 0);
	check(fclose(f) == 0);
	check_text(out, len);
	check(!strncmp(out, prolog, strlen(prolog)));
	check_svg(out + strlen(prolog));
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1), *line, *nl;
	struct tl_model m;
	struct tl_log lg;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = 0;
	tl_log_init(&lg);
	for (line = buf; line < buf + size; line = nl + 1) {
		nl = memchr(line, '\n', (size_t)(buf + size - line));
		if (!nl)
			nl = buf + size;
		*nl = 0;
		tl_log_add_line(&lg, line, (size_t)(nl - line));
	}
	tl_log_sort(&lg);
	check(tl_model_build(&m, &lg) == 0);
	render_and_check(&m, false);
	render_and_check(&m, true);
	tl_model_free(&m);
	tl_log_free(&lg);
	free(buf);
	return 0;
}
