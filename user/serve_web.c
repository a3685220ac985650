// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * serve_web.c - the exporter-toolkit web configuration file (serve_web.h).
 * The YAML read is the block-mapping subset that file uses: "key:" at
 * column 0 opens a section, indented "key: value" lines fill it, values
 * plain or quoted, '#' comments.
 */
#include <crypt.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "serve_web.h"

#define WEB_MAX_FILE (1 << 20)

enum web_section { SEC_NONE, SEC_TLS, SEC_USERS };

/* The whole of @path, NUL-terminated, or NULL (errno set). */
static char *read_all(const char *path)
{
	FILE *f = fopen(path, "re");
	char *buf;
	size_t n;

	if (!f)
		return NULL;
	buf = malloc(WEB_MAX_FILE + 1);
	n = buf ? fread(buf, 1, WEB_MAX_FILE + 1, f) : 0;
	fclose(f);
	if (buf && n > WEB_MAX_FILE) {
		free(buf);
		errno = EFBIG;
		return NULL;
	}
	if (buf)
		buf[n] = 0;
	return buf;
}

/* Strip blanks at both ends, one pair of quotes, and a " #" comment. */
static char *clean_value(char *v)
{
	char *e, *hash;
	size_t n;

	v += strspn(v, " \t");
	if (*v != '"' && *v != '\'') {
		hash = strstr(v, " #");
		if (hash)
			*hash = 0;
	}
	e = v + strlen(v);
	while (e > v && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = 0;
	n = strlen(v);
	if (n >= 2 && (v[0] == '"' || v[0] == '\'') && v[n - 1] == v[0]) {
		v[n - 1] = 0;
		v++;
	}
	return v;
}

static int load_pem(char **dst, const char *dir, const char *file, char *err,
		    size_t len)
{
	char path[4096];

	if (file[0] == '/' || !dir)
		snprintf(path, sizeof(path), "%s", file);
	else
		snprintf(path, sizeof(path), "%s/%s", dir, file);
	free(*dst);
	*dst = read_all(path);
	if (!*dst) {
		snprintf(err, len, "cannot read %.160s: %s", path,
			 strerror(errno));
		return -EINVAL;
	}
	return 0;
}

static bool bcrypt_hash(const char *h)
{
	return (!strncmp(h, "$2a$", 4) || !strncmp(h, "$2b$", 4) ||
		!strncmp(h, "$2y$", 4)) &&
	       strlen(h) == 60;
}

static int add_user(struct serve_web_cfg *c, const char *name, const char *hash,
		    char *err, size_t len)
{
	struct serve_web_user *u;

	if (c->nr_users >= SERVE_WEB_MAX_USERS || !*name ||
	    strlen(name) >= sizeof(u->name)) {
		snprintf(err, len,
			 "basic_auth_users: too many users or a bad name");
		return -EINVAL;
	}
	if (!bcrypt_hash(hash)) {
		snprintf(err, len, "basic_auth_users: %s: not a bcrypt hash",
			 name);
		return -EINVAL;
	}
	u = &c->users[c->nr_users++];
	snprintf(u->name, sizeof(u->name), "%s", name);
	snprintf(u->hash, sizeof(u->hash), "%s", hash);
	return 0;
}

/* One "key: value" line of section @sec. */
static int parse_entry(struct serve_web_cfg *c, enum web_section sec,
		       const char *dir, char *key, char *val, char *err,
		       size_t len)
{
	if (sec == SEC_USERS)
		return add_user(c, key, val, err, len);
	if (sec == SEC_TLS && !strcmp(key, "cert_file"))
		return load_pem(&c->cert_pem, dir, val, err, len);
	if (sec == SEC_TLS && !strcmp(key, "key_file"))
		return load_pem(&c->key_pem, dir, val, err, len);
	snprintf(err, len, "%s%s: not supported by pcrwatch",
		 sec == SEC_TLS ? "tls_server_config." : "", key);
	return -EINVAL;
}

static int parse_line(struct serve_web_cfg *c, enum web_section *sec,
		      const char *dir, char *line, char *err, size_t len)
{
	bool indented = line[0] == ' ' || line[0] == '\t';
	char *key = line + strspn(line, " \t"), *colon;

	if (!*key || *key == '#' || *key == '\r')
		return 0;
	colon = strchr(key, ':');
	if (!colon) {
		snprintf(err, len, "expected 'key: value': %.40s", key);
		return -EINVAL;
	}
	*colon = 0;
	key = clean_value(key);
	if (!indented) {
		if (*clean_value(colon + 1)) {
			snprintf(err, len, "%s: expected a section", key);
			return -EINVAL;
		}
		*sec = !strcmp(key, "tls_server_config")  ? SEC_TLS
		       : !strcmp(key, "basic_auth_users") ? SEC_USERS
							  : SEC_NONE;
		if (*sec == SEC_NONE) {
			snprintf(err, len, "%s: not supported by pcrwatch",
				 key);
			return -EINVAL;
		}
		return 0;
	}
	if (*sec == SEC_NONE) {
		snprintf(err, len, "%s: outside any section", key);
		return -EINVAL;
	}
	return parse_entry(c, *sec, dir, key, clean_value(colon + 1), err, len);
}

int serve_web_parse(const char *text, const char *dir, struct serve_web_cfg *c,
		    char *err, size_t len)
{
	enum web_section sec = SEC_NONE;
	char *copy = strdup(text), *line, *save = NULL;
	int rc = 0, lineno = 0;
	char why[256];

	memset(c, 0, sizeof(*c));
	if (!copy)
		return -ENOMEM;
	for (line = strtok_r(copy, "\n", &save); line && !rc;
	     line = strtok_r(NULL, "\n", &save)) {
		lineno++;
		rc = parse_line(c, &sec, dir, line, why, sizeof(why));
	}
	free(copy);
	if (!rc && !c->cert_pem != !c->key_pem) {
		snprintf(why, sizeof(why),
			 "tls_server_config needs both cert_file and key_file");
		rc = -EINVAL;
	}
	if (rc) {
		snprintf(err, len, "%s", why);
		serve_web_free(c);
	}
	return rc;
}

int serve_web_load(const char *path, struct serve_web_cfg *c, char *err,
		   size_t len)
{
	char *text = read_all(path), *dir, *slash;
	int rc;

	if (!text) {
		snprintf(err, len, "cannot read %s: %s", path, strerror(errno));
		return -EINVAL;
	}
	dir = strdup(path);
	slash = dir ? strrchr(dir, '/') : NULL;
	if (slash)
		*slash = 0;
	rc = serve_web_parse(text, slash ? dir : ".", c, err, len);
	free(dir);
	free(text);
	return rc;
}

void serve_web_free(struct serve_web_cfg *c)
{
	free(c->cert_pem);
	free(c->key_pem);
	memset(c, 0, sizeof(*c));
}

/* Equal in a time that does not depend on where they differ (the length
 * of a bcrypt hash is no secret). */
static bool same(const char *a, const char *b)
{
	size_t n = strlen(b), i;
	unsigned char d = 0;

	if (strlen(a) != n)
		return false;
	for (i = 0; i < n; i++)
		d |= (unsigned char)(a[i] ^ b[i]);
	return !d;
}

bool serve_web_auth_ok(const struct serve_web_cfg *c, const char *user,
		       const char *pass)
{
	struct crypt_data *data;
	const struct serve_web_user *u = NULL;
	const char *out;
	bool ok;
	size_t i;

	if (!user || !pass || !c->nr_users)
		return false;
	for (i = 0; i < c->nr_users; i++)
		if (!strcmp(c->users[i].name, user))
			u = &c->users[i];
	data = calloc(1, sizeof(*data));
	if (!data)
		return false;
	/* An unknown user costs one bcrypt too: no timing tells names. */
	out = crypt_r(pass, u ? u->hash : c->users[0].hash, data);
	ok = u && out && same(out, u->hash);
	free(data);
	return ok;
}
