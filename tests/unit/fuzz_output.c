// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer target for the writers of `who --json` (user/commands/cmd_who.c
 * over user/util/json.c) and of /metrics (user/exporter/serve_metrics.c), fed
 * an ownership model whose strings are any bytes: process names fill their
 * whole array with no NUL, events, PMU names and notes hold quotes,
 * backslashes, newlines, escape sequences and invalid UTF-8. Each output is
 * parsed back here by a strict reader of its own, written apart from
 * user/util/sanitize.c:
 *  - the JSON document is one value per RFC 8259, valid UTF-8 throughout;
 *  - every /metrics line is a comment (# HELP / # TYPE) or a sample
 *    `name{label="value",...} number` whose values use only the escapes
 *    \\ \" \n, the whole text is valid UTF-8, and no series repeats.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "who.h"
#include "serve.h"

static void check(int cond)
{
	if (!cond)
		abort();
}

/* ---- valid UTF-8, by the table of RFC 3629 section 4 ---- */

static size_t utf8_char(const unsigned char *p, size_t n)
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
	if (n < len)
		return 0;
	if ((a == 0xe0 && b < 0xa0) || (a == 0xed && b > 0x9f) ||
	    (a == 0xf0 && b < 0x90) || (a == 0xf4 && b > 0x8f))
		return 0;
	for (i = 1; i < len; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	return len;
}

static void check_utf8(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t k;

	while (n) {
		k = utf8_char(p, n);
		check(k != 0);
		p += k;
		n -= k;
	}
}

/* ---- a strict JSON reader ---- */

struct rd {
	const char *p, *end;
	int depth;
};

static void ws(struct rd *r)
{
	while (r->p < r->end && strchr(" \t\r\n", *r->p) && *r->p)
		r->p++;
}

static void expect(struct rd *r, char c)
{
	check(r->p < r->end && *r->p == c);
	r->p++;
}

static void json_string_in(struct rd *r)
{
	unsigned char c;
	int i;

	expect(r, '"');
	for (;;) {
		check(r->p < r->end);
		c = (unsigned char)*r->p++;
		if (c == '"')
			return;
		check(c >= 0x20);
		if (c != '\\')
			continue;
		check(r->p < r->end);
		c = (unsigned char)*r->p++;
		if (c == 'u') {
			for (i = 0; i < 4; i++, r->p++)
				check(r->p < r->end &&
				      strchr("0123456789abcdefABCDEF", *r->p) &&
				      *r->p);
		} else {
			check(strchr("\"\\/bfnrt", c) && c);
		}
	}
}

static void json_number_in(struct rd *r)
{
	const char *s = r->p;

	if (r->p < r->end && *r->p == '-')
		r->p++;
	check(r->p < r->end && *r->p >= '0' && *r->p <= '9');
	while (r->p < r->end && strchr("0123456789.eE+-", *r->p) && *r->p)
		r->p++;
	check(r->p > s);
}

static void json_value_in(struct rd *r);

static void json_members_in(struct rd *r, char close, int keyed)
{
	r->p++;
	check(++r->depth < 64);
	ws(r);
	if (r->p < r->end && *r->p == close) {
		r->p++;
		r->depth--;
		return;
	}
	for (;;) {
		ws(r);
		if (keyed) {
			json_string_in(r);
			ws(r);
			expect(r, ':');
		}
		json_value_in(r);
		ws(r);
		check(r->p < r->end);
		if (*r->p == close)
			break;
		expect(r, ',');
	}
	r->p++;
	r->depth--;
}

static void json_value_in(struct rd *r)
{
	ws(r);
	check(r->p < r->end);
	if (*r->p == '{')
		json_members_in(r, '}', 1);
	else if (*r->p == '[')
		json_members_in(r, ']', 0);
	else if (*r->p == '"')
		json_string_in(r);
	else if (r->end - r->p >= 4 && !memcmp(r->p, "true", 4))
		r->p += 4;
	else if (r->end - r->p >= 5 && !memcmp(r->p, "false", 5))
		r->p += 5;
	else if (r->end - r->p >= 4 && !memcmp(r->p, "null", 4))
		r->p += 4;
	else
		json_number_in(r);
}

static void check_json(const char *doc, size_t len)
{
	struct rd r = { doc, doc + len, 0 };

	check_utf8(doc, len);
	json_value_in(&r);
	ws(&r);
	check(r.p == r.end);
}

/* ---- a strict reader of Prometheus' text format ---- */

static const char *name_in(const char *p, const char *first)
{
	check(strchr(first, *p) && *p);
	while (*p && strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWX"
			    "YZ0123456789_:",
			    *p))
		p++;
	return p;
}

#define NAME_FIRST "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_:"

/* One sample line; returns where its value starts. */
static const char *sample_in(const char *p)
{
	p = name_in(p, NAME_FIRST);
	if (*p == '{') {
		p++;
		while (*p != '}') {
			p = name_in(p, NAME_FIRST);
			check(p[0] == '=' && p[1] == '"');
			for (p += 2; *p != '"'; p++) {
				check(*p && *p != '\n');
				if (*p == '\\') {
					p++;
					check(*p == '\\' || *p == '"' ||
					      *p == 'n');
				}
			}
			p++;
			if (*p == ',')
				p++;
			else
				check(*p == '}');
		}
		p++;
	}
	check(*p == ' ');
	return p + 1;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void check_metrics(char *text, size_t len)
{
	char *line, *save, *end, **series;
	size_t n = 0, i;

	check_utf8(text, len);
	check(len && text[len - 1] == '\n');
	series = calloc(len, sizeof(*series));
	check(series != NULL);
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(line, "# HELP ", 7) ||
		    !strncmp(line, "# TYPE ", 7)) {
			name_in(line + 7, NAME_FIRST);
			continue;
		}
		end = (char *)sample_in(line);
		strtod(end, &series[n]);
		check(series[n] > end && *series[n] == 0);
		end[-1] = 0; /* the series alone: name and labels */
		series[n++] = line;
	}
	qsort(series, n, sizeof(*series), cmp_str);
	for (i = 1; i < n; i++)
		check(strcmp(series[i - 1], series[i]));
	free(series);
}

/* ---- a model out of the fuzzer's bytes ---- */

struct in {
	const uint8_t *p;
	size_t n;
};

static void take(struct in *in, void *dst, size_t len)
{
	size_t k = len < in->n ? len : in->n;

	memset(dst, 0, len);
	memcpy(dst, in->p, k);
	in->p += k;
	in->n -= k;
}

static uint8_t take8(struct in *in)
{
	uint8_t v = 0;

	take(in, &v, 1);
	return v;
}

/* A record: every string field filled to its end, NUL or not. */
static void record(struct in *in, struct owner_record *r)
{
	uint8_t flags = take8(in);

	memset(r, 0, sizeof(*r));
	r->cpu = (int)(take8(in) % 5) - 1;
	r->hw_idx = (int)(take8(in) % 9) - 1;
	r->slot = r->hw_idx;
	r->state = (enum slot_state)(flags % 5);
	r->attributed = flags & 8;
	r->path = take8(in) % (PCRW_PATH_ARBITER + 2);
	r->owner.layer = take8(in) % 5;
	r->owner.tgid = flags & 16 ? 1234 : 0;
	take(in, r->owner.comm, sizeof(r->owner.comm));
	take(in, r->event, sizeof(r->event));
	take(in, r->pmu, sizeof(r->pmu));
	r->time_enabled = flags & 32 ? 1000 : 0;
	r->time_running = flags & 64 ? 500 : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct owner_record recs[8];
	struct in in = { data, size };
	struct model m;
	char *buf = NULL;
	size_t len = 0, i;
	FILE *f;

	memset(&m, 0, sizeof(m));
	m.nr_cpus = 4;
	m.pmu.present = true;
	take(&in, m.pmu.name, sizeof(m.pmu.name));
	take(&in, m.pmu.hypervisor, sizeof(m.pmu.hypervisor));
	m.nr_notes = take8(&in) % 3;
	for (i = 0; i < (size_t)m.nr_notes; i++)
		take(&in, m.notes[i], sizeof(m.notes[i]) - 1);
	for (i = 0; i < 8 && in.n; i++)
		record(&in, &recs[i]);
	m.recs = recs;
	m.nr_recs = i;

	f = open_memstream(&buf, &len);
	check(f != NULL);
	who_model_json(f, &m);
	check(fclose(f) == 0);
	check(len && buf[len - 1] == '\n');
	check_json(buf, len - 1);
	free(buf);

	buf = NULL;
	f = open_memstream(&buf, &len);
	check(f != NULL);
	serve_render_model(f, &m);
	check(fclose(f) == 0);
	check_metrics(buf, len);
	free(buf);
	return 0;
}
