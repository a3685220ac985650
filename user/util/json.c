// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* A small JSON writer: commas here, escaping in sanitize.c, once. */
#include <math.h>

#include "json.h"
#include "sanitize.h"

void json_init(struct json *j, FILE *f)
{
	j->f = f;
	j->depth = 0;
	j->first[0] = true;
}

/* Separator and key before a value at the current depth. */
static void prefix(struct json *j, const char *key)
{
	if (!j->first[j->depth])
		fputc(',', j->f);
	j->first[j->depth] = false;
	if (key) {
		san_json_string(j->f, key, SAN_NUL);
		fputc(':', j->f);
	}
}

static void container_begin(struct json *j, const char *key, char c)
{
	prefix(j, key);
	fputc(c, j->f);
	if (j->depth + 1 < JSON_MAX_DEPTH)
		j->depth++;
	j->first[j->depth] = true;
}

static void container_end(struct json *j, char c)
{
	fputc(c, j->f);
	if (j->depth > 0)
		j->depth--;
}

void json_object_begin(struct json *j, const char *key)
{
	container_begin(j, key, '{');
}

void json_object_end(struct json *j)
{
	container_end(j, '}');
}

void json_array_begin(struct json *j, const char *key)
{
	container_begin(j, key, '[');
}

void json_array_end(struct json *j)
{
	container_end(j, ']');
}

void json_str(struct json *j, const char *key, const char *val)
{
	json_strn(j, key, val, SAN_NUL);
}

void json_strn(struct json *j, const char *key, const char *val, size_t max)
{
	prefix(j, key);
	san_json_string(j->f, val, max);
}

void json_u64(struct json *j, const char *key, __u64 val)
{
	prefix(j, key);
	fprintf(j->f, "%llu", (unsigned long long)val);
}

void json_i64(struct json *j, const char *key, long long val)
{
	prefix(j, key);
	fprintf(j->f, "%lld", val);
}

void json_double(struct json *j, const char *key, double val)
{
	prefix(j, key);
	if (isfinite(val))
		fprintf(j->f, "%.6g", val);
	else
		fputs("null", j->f);
}

void json_bool(struct json *j, const char *key, bool val)
{
	prefix(j, key);
	fputs(val ? "true" : "false", j->f);
}

void json_null(struct json *j, const char *key)
{
	prefix(j, key);
	fputs("null", j->f);
}

void json_hex(struct json *j, const char *key, __u64 val)
{
	prefix(j, key);
	fprintf(j->f, "\"0x%llx\"", (unsigned long long)val);
}
