// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * json_schema SCHEMA FILE [--lines]: check FILE (one JSON document, or one
 * per line with --lines) against SCHEMA, a JSON Schema using only the
 * keywords docs/schema/ uses: type (a name or a list), properties,
 * required, additionalProperties (false), items, enum, pattern (POSIX
 * ERE), minimum. Static and dependency-free, so it runs in the arm64 guest
 * where there is no python or jq. Exit 0 valid, 1 invalid, 2 bad input.
 */
#include <ctype.h>
#include <regex.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum kind { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ };

struct val {
	enum kind k;
	bool b, integer;
	double n;
	char *s; /* J_STR; key in an object member */
	char *key;
	struct val *kids; /* J_ARR items, J_OBJ members */
	size_t nkids;
};

static const char *p;
static int errors;

static void fail(const char *path, const char *what)
{
	fprintf(stderr, "invalid at %s: %s\n", path[0] ? path : "$", what);
	errors++;
}

static void ws(void)
{
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
}

static bool parse(struct val *v);

static bool parse_str(char **out)
{
	size_t cap = 16, n = 0;
	char *s = malloc(cap);

	if (*p++ != '"')
		return false;
	while (*p && *p != '"') {
		char c = *p++;

		if ((unsigned char)c < 0x20)
			return false;
		if (c == '\\') {
			c = *p++;
			if (c == 'u') {
				int i;

				for (i = 0; i < 4; i++)
					if (!isxdigit((unsigned char)*p++))
						return false;
				c = '?';
			} else if (!strchr("\"\\/bfnrt", c) || !c) {
				return false;
			}
		}
		if (n + 2 > cap)
			s = realloc(s, cap *= 2);
		s[n++] = c;
	}
	if (*p++ != '"')
		return false;
	s[n] = 0;
	*out = s;
	return true;
}

static bool parse_list(struct val *v, char close, bool members)
{
	p++;
	ws();
	if (*p == close) {
		p++;
		return true;
	}
	for (;;) {
		struct val *kid;

		v->kids = realloc(v->kids, (v->nkids + 1) * sizeof(*v->kids));
		kid = &v->kids[v->nkids++];
		memset(kid, 0, sizeof(*kid));
		ws();
		if (members) {
			if (!parse_str(&kid->key))
				return false;
			ws();
			if (*p++ != ':')
				return false;
		}
		if (!parse(kid))
			return false;
		ws();
		if (*p == close) {
			p++;
			return true;
		}
		if (*p++ != ',')
			return false;
	}
}

static bool parse(struct val *v)
{
	char *end;

	ws();
	if (*p == '{') {
		v->k = J_OBJ;
		return parse_list(v, '}', true);
	}
	if (*p == '[') {
		v->k = J_ARR;
		return parse_list(v, ']', false);
	}
	if (*p == '"') {
		v->k = J_STR;
		return parse_str(&v->s);
	}
	if (!strncmp(p, "true", 4) || !strncmp(p, "false", 5)) {
		v->k = J_BOOL;
		v->b = *p == 't';
		p += v->b ? 4 : 5;
		return true;
	}
	if (!strncmp(p, "null", 4)) {
		v->k = J_NULL;
		p += 4;
		return true;
	}
	if (*p != '-' && !isdigit((unsigned char)*p))
		return false;
	v->k = J_NUM;
	v->n = strtod(p, &end);
	v->integer = !memchr(p, '.', (size_t)(end - p)) &&
		     !memchr(p, 'e', (size_t)(end - p)) &&
		     !memchr(p, 'E', (size_t)(end - p));
	p = end;
	return true;
}

static const struct val *member(const struct val *o, const char *key)
{
	size_t i;

	if (!o || o->k != J_OBJ)
		return NULL;
	for (i = 0; i < o->nkids; i++)
		if (!strcmp(o->kids[i].key, key))
			return &o->kids[i];
	return NULL;
}

static bool type_is(const struct val *v, const char *t)
{
	if (!strcmp(t, "integer"))
		return v->k == J_NUM && v->integer;
	return (!strcmp(t, "null") && v->k == J_NULL) ||
	       (!strcmp(t, "boolean") && v->k == J_BOOL) ||
	       (!strcmp(t, "number") && v->k == J_NUM) ||
	       (!strcmp(t, "string") && v->k == J_STR) ||
	       (!strcmp(t, "array") && v->k == J_ARR) ||
	       (!strcmp(t, "object") && v->k == J_OBJ);
}

static bool same(const struct val *a, const struct val *b)
{
	return a->k == b->k &&
	       ((a->k == J_STR && !strcmp(a->s, b->s)) ||
		(a->k == J_NUM && a->n == b->n) ||
		(a->k == J_BOOL && a->b == b->b) || a->k == J_NULL);
}

static void check(const struct val *s, const struct val *v, const char *path);

static void check_type(const struct val *t, const struct val *v,
		       const char *path)
{
	size_t i;

	if (t->k == J_STR && type_is(v, t->s))
		return;
	for (i = 0; t->k == J_ARR && i < t->nkids; i++)
		if (type_is(v, t->kids[i].s))
			return;
	fail(path, "wrong type");
}

static void check_object(const struct val *s, const struct val *v,
			 const char *path)
{
	const struct val *props = member(s, "properties"),
			 *req = member(s, "required"),
			 *extra = member(s, "additionalProperties");
	char sub[512];
	size_t i;

	for (i = 0; req && i < req->nkids; i++)
		if (!member(v, req->kids[i].s)) {
			snprintf(sub, sizeof(sub), "missing field '%s'",
				 req->kids[i].s);
			fail(path, sub);
		}
	for (i = 0; i < v->nkids; i++) {
		const struct val *ps = member(props, v->kids[i].key);

		snprintf(sub, sizeof(sub), "%s.%s", path, v->kids[i].key);
		if (ps)
			check(ps, &v->kids[i], sub);
		else if (extra && extra->k == J_BOOL && !extra->b)
			fail(sub, "field not in the schema");
	}
}

static void check(const struct val *s, const struct val *v, const char *path)
{
	const struct val *t = member(s, "type"), *e = member(s, "enum"),
			 *pat = member(s, "pattern"),
			 *min = member(s, "minimum"),
			 *items = member(s, "items");
	char sub[512];
	size_t i;

	if (t)
		check_type(t, v, path);
	if (e) {
		for (i = 0; i < e->nkids && !same(&e->kids[i], v); i++)
			;
		if (i == e->nkids)
			fail(path, "not one of the enum values");
	}
	if (pat && v->k == J_STR) {
		regex_t re;

		if (regcomp(&re, pat->s, REG_EXTENDED | REG_NOSUB)) {
			fail(path, "bad pattern in the schema");
		} else {
			if (regexec(&re, v->s, 0, NULL, 0))
				fail(path, "does not match the pattern");
			regfree(&re);
		}
	}
	if (min && v->k == J_NUM && v->n < min->n)
		fail(path, "below the minimum");
	if (v->k == J_OBJ)
		check_object(s, v, path);
	for (i = 0; items && v->k == J_ARR && i < v->nkids; i++) {
		snprintf(sub, sizeof(sub), "%s[%zu]", path, i);
		check(items, &v->kids[i], sub);
	}
}

static char *slurp(const char *file)
{
	FILE *f = fopen(file, "r");
	size_t cap = 1 << 16, n = 0, r;
	char *buf = malloc(cap);

	if (!f)
		return NULL;
	while ((r = fread(buf + n, 1, cap - n - 1, f)) > 0) {
		n += r;
		if (n + 1 == cap)
			buf = realloc(buf, cap *= 2);
	}
	fclose(f);
	buf[n] = 0;
	return buf;
}

static bool parse_doc(const char *text, struct val *v)
{
	memset(v, 0, sizeof(*v));
	p = text;
	if (!parse(v))
		return false;
	ws();
	return !*p;
}

int main(int argc, char **argv)
{
	bool lines = argc > 3 && !strcmp(argv[3], "--lines");
	char *schema_text, *doc, *line, *save;
	struct val schema, v;
	int docs = 0;

	if (argc < 3) {
		fprintf(stderr, "usage: json_schema SCHEMA FILE [--lines]\n");
		return 2;
	}
	schema_text = slurp(argv[1]);
	doc = slurp(argv[2]);
	if (!schema_text || !doc || !parse_doc(schema_text, &schema)) {
		fprintf(stderr, "cannot read %s or %s\n", argv[1], argv[2]);
		return 2;
	}
	for (line = lines ? strtok_r(doc, "\n", &save) : doc; line;
	     line = lines ? strtok_r(NULL, "\n", &save) : NULL) {
		docs++;
		if (!parse_doc(line, &v)) {
			fprintf(stderr, "document %d is not JSON\n", docs);
			return 1;
		}
		check(&schema, &v, "");
	}
	if (!docs) {
		fprintf(stderr, "no document in %s\n", argv[2]);
		return 1;
	}
	printf("%d document%s checked, %d error%s\n", docs,
	       docs == 1 ? "" : "s", errors, errors == 1 ? "" : "s");
	return errors ? 1 : 0;
}
