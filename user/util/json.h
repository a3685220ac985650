/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * json.h - a small JSON writer for pcrwatch's --json outputs: objects and
 * arrays with automatic commas, strings always valid JSON whatever bytes
 * they are given (user/util/sanitize.h). One line per document unless the
 * caller writes newlines itself.
 */
#ifndef PCRW_JSON_H
#define PCRW_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <linux/types.h>

#define JSON_MAX_DEPTH 16

struct json {
	FILE *f;
	int depth;
	bool first[JSON_MAX_DEPTH]; /* nothing written yet at this depth */
};

void json_init(struct json *j, FILE *f);
/* @key is NULL inside arrays and at the top level. */
void json_object_begin(struct json *j, const char *key);
void json_object_end(struct json *j);
void json_array_begin(struct json *j, const char *key);
void json_array_end(struct json *j);
/* Strings of any bytes: invalid UTF-8 becomes U+FFFD (sanitize.h). */
void json_str(struct json *j, const char *key, const char *val);
/* At most @max bytes of @val: a fixed field that may fill its array. */
void json_strn(struct json *j, const char *key, const char *val, size_t max);
void json_u64(struct json *j, const char *key, __u64 val);
/* A 64-bit register value as the string "0x...": jq reads numbers as
 * doubles and would round anything above 2^53. */
void json_hex(struct json *j, const char *key, __u64 val);
void json_i64(struct json *j, const char *key, long long val);
void json_double(struct json *j, const char *key, double val);
void json_bool(struct json *j, const char *key, bool val);
void json_null(struct json *j, const char *key);

#endif
