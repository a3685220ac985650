// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * serve_web.c - the exporter-toolkit web configuration file (serve_web.h).
 * The YAML read is the block-mapping subset that file uses: "key:" at
 * column 0 opens a section, indented "key: value" lines fill it, and an
 * indented "key:" with no value opens a list ("- item" lines, or "[a, b]"
 * on the key's line) or a map of deeper-indented "key: value" lines;
 * values plain or quoted, '#' comments.
 */
#include <crypt.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "serve_web.h"
#include "trusted_file.h"

#define WEB_MAX_FILE (1 << 20)

enum web_section { SEC_NONE, SEC_TLS, SEC_HTTP, SEC_USERS };
enum web_block { BLK_NONE, BLK_CIPHERS, BLK_HEADERS };

/* Where the parser is: the section, and the list or map an indented key
 * with no value opened (deeper lines than @blk_indent belong to it). */
struct web_parse {
	struct serve_web_cfg *c;
	const char *dir;
	enum web_section sec;
	enum web_block blk;
	size_t blk_indent;
	char *err;
	size_t len;
};

/* The whole of @path, NUL-terminated, from a file nobody but root could
 * have written; NULL with the reason in @err. */
static char *read_all(const char *path, char *err, size_t len)
{
	char why[384];
	FILE *f = trusted_fopen(path, why, sizeof(why));
	char *buf;
	size_t n;

	if (!f) {
		snprintf(err, len, "cannot read %s", why);
		return NULL;
	}
	buf = malloc(WEB_MAX_FILE + 1);
	n = buf ? fread(buf, 1, WEB_MAX_FILE + 1, f) : 0;
	fclose(f);
	if (!buf || n > WEB_MAX_FILE) {
		snprintf(err, len, "cannot read %s: %s", path,
			 strerror(buf ? EFBIG : ENOMEM));
		free(buf);
		return NULL;
	}
	buf[n] = 0;
	return buf;
}

/* Remember @path (as read now) for serve_web_changed(). */
static void stamp(struct serve_web_cfg *c, const char *path)
{
	struct serve_web_stamp *s;

	if (c->nr_files >= SERVE_WEB_MAX_FILES)
		return;
	s = &c->files[c->nr_files];
	s->path = strdup(path);
	if (s->path && !stat(path, &s->st))
		c->nr_files++;
	else
		free(s->path);
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

static int load_pem(struct web_parse *p, char **dst, const char *file)
{
	char path[4096];

	if (file[0] == '/' || !p->dir)
		snprintf(path, sizeof(path), "%s", file);
	else
		snprintf(path, sizeof(path), "%s/%s", p->dir, file);
	free(*dst);
	*dst = read_all(path, p->err, p->len);
	if (!*dst)
		return -EINVAL;
	stamp(p->c, path);
	return 0;
}

static bool bcrypt_hash(const char *h)
{
	return (!strncmp(h, "$2a$", 4) || !strncmp(h, "$2b$", 4) ||
		!strncmp(h, "$2y$", 4)) &&
	       strlen(h) == 60;
}

static int add_user(struct web_parse *p, const char *name, const char *hash)
{
	struct serve_web_cfg *c = p->c;
	struct serve_web_user *u;

	if (c->nr_users >= SERVE_WEB_MAX_USERS || !*name ||
	    strlen(name) >= sizeof(u->name)) {
		snprintf(p->err, p->len,
			 "basic_auth_users: too many users or a bad name");
		return -EINVAL;
	}
	if (!bcrypt_hash(hash)) {
		snprintf(p->err, p->len,
			 "basic_auth_users: %s: not a bcrypt hash", name);
		return -EINVAL;
	}
	u = &c->users[c->nr_users++];
	snprintf(u->name, sizeof(u->name), "%s", name);
	snprintf(u->hash, sizeof(u->hash), "%s", hash);
	return 0;
}

/* Header names are HTTP tokens; values are one line. The headers the HTTP
 * library writes itself cannot be set. */
static int add_header(struct web_parse *p, const char *name, const char *val)
{
	static const char *const own[] = {
		"Content-Length",    "Content-Type", "Connection",
		"Transfer-Encoding", "Date",	     "WWW-Authenticate"
	};
	struct serve_web_cfg *c = p->c;
	struct serve_web_header *h;
	size_t i;

	for (i = 0; i < sizeof(own) / sizeof(own[0]); i++)
		if (!strcasecmp(name, own[i])) {
			snprintf(p->err, p->len,
				 "http_server_config.headers: %s is the "
				 "server's own",
				 name);
			return -EINVAL;
		}
	if (c->nr_headers >= SERVE_WEB_MAX_HEADERS || !*name ||
	    strlen(name) >= sizeof(h->name) ||
	    strlen(val) >= sizeof(h->value) ||
	    strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			 "0123456789-!#$%&'*+.^_`|~") != strlen(name) ||
	    strpbrk(val, "\r\n")) {
		snprintf(p->err, p->len,
			 "http_server_config.headers: too many, or a bad "
			 "name or value: %.40s",
			 name);
		return -EINVAL;
	}
	h = &c->headers[c->nr_headers++];
	snprintf(h->name, sizeof(h->name), "%s", name);
	snprintf(h->value, sizeof(h->value), "%s", val);
	return 0;
}

/* Go's cipher suite names, as the GnuTLS key exchange, cipher and MAC
 * that make them. */
static const struct {
	const char *go, *kx, *cipher, *mac;
} suites[] = {
	{ "TLS_RSA_WITH_AES_128_CBC_SHA", "RSA", "AES-128-CBC", "SHA1" },
	{ "TLS_RSA_WITH_AES_256_CBC_SHA", "RSA", "AES-256-CBC", "SHA1" },
	{ "TLS_RSA_WITH_AES_128_GCM_SHA256", "RSA", "AES-128-GCM", "AEAD" },
	{ "TLS_RSA_WITH_AES_256_GCM_SHA384", "RSA", "AES-256-GCM", "AEAD" },
	{ "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", "ECDHE-ECDSA", "AES-128-CBC",
	  "SHA1" },
	{ "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", "ECDHE-ECDSA", "AES-256-CBC",
	  "SHA1" },
	{ "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", "ECDHE-RSA", "AES-128-CBC",
	  "SHA1" },
	{ "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", "ECDHE-RSA", "AES-256-CBC",
	  "SHA1" },
	{ "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "ECDHE-ECDSA",
	  "AES-128-GCM", "AEAD" },
	{ "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "ECDHE-ECDSA",
	  "AES-256-GCM", "AEAD" },
	{ "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "ECDHE-RSA", "AES-128-GCM",
	  "AEAD" },
	{ "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "ECDHE-RSA", "AES-256-GCM",
	  "AEAD" },
	{ "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305", "ECDHE-ECDSA",
	  "CHACHA20-POLY1305", "AEAD" },
	{ "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305", "ECDHE-RSA",
	  "CHACHA20-POLY1305", "AEAD" },
	{ "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-ECDSA",
	  "CHACHA20-POLY1305", "AEAD" },
	{ "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-RSA",
	  "CHACHA20-POLY1305", "AEAD" },
};

/* Append ":+@part" to the cipher parts unless it is there already. */
static int add_part(struct serve_web_cfg *c, const char *part)
{
	size_t have = c->cipher_parts ? strlen(c->cipher_parts) : 0;
	char item[40], *n;

	snprintf(item, sizeof(item), ":+%s", part);
	if (c->cipher_parts && strstr(c->cipher_parts, item))
		return 0;
	n = realloc(c->cipher_parts, have + strlen(item) + 1);
	if (!n)
		return -ENOMEM;
	memcpy(n + have, item, strlen(item) + 1);
	c->cipher_parts = n;
	return 0;
}

static int add_suite(struct web_parse *p, const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(suites) / sizeof(suites[0]); i++)
		if (!strcmp(suites[i].go, name))
			return add_part(p->c, suites[i].kx) ?:
			       add_part(p->c, suites[i].cipher) ?:
			       add_part(p->c, suites[i].mac);
	snprintf(p->err, p->len,
		 "tls_server_config.cipher_suites: %.60s: not supported by "
		 "pcrwatch",
		 name);
	return -EINVAL;
}

/* "[A, B]" on the key's line. */
static int add_suite_list(struct web_parse *p, char *v)
{
	char *item, *save = NULL;
	size_t n = strlen(v);
	int rc = 0;

	if (n < 2 || v[0] != '[' || v[n - 1] != ']') {
		snprintf(p->err, p->len,
			 "tls_server_config.cipher_suites: expected a list");
		return -EINVAL;
	}
	v[n - 1] = 0;
	for (item = strtok_r(v + 1, ",", &save); item && !rc;
	     item = strtok_r(NULL, ",", &save))
		if (*clean_value(item))
			rc = add_suite(p, clean_value(item));
	return rc;
}

static int parse_version(struct web_parse *p, const char *key, const char *v,
			 unsigned int *out)
{
	static const char *const names[] = { "TLS10", "TLS11", "TLS12",
					     "TLS13" };
	unsigned int i;

	for (i = 0; i < 4; i++)
		if (!strcmp(v, names[i])) {
			*out = 10 + i;
			return 0;
		}
	snprintf(p->err, p->len,
		 "tls_server_config.%s: %.20s: want TLS10, TLS11, TLS12 or "
		 "TLS13",
		 key, v);
	return -EINVAL;
}

static int parse_client_auth(struct web_parse *p, const char *v)
{
	static const char *const names[] = {
		"NoClientCert",
		"RequestClientCert",
		"RequireAnyClientCert",
		"VerifyClientCertIfGiven",
		"RequireAndVerifyClientCert",
	};
	unsigned int i;

	for (i = 0; i < 5; i++)
		if (!strcmp(v, names[i])) {
			p->c->client_auth = (enum serve_client_auth)i;
			return 0;
		}
	snprintf(p->err, p->len,
		 "tls_server_config.client_auth_type: %.40s: not a Go "
		 "tls.ClientAuthType",
		 v);
	return -EINVAL;
}

static int parse_bool(struct web_parse *p, const char *key, const char *v,
		      bool *out)
{
	if (strcmp(v, "true") && strcmp(v, "false")) {
		snprintf(p->err, p->len, "%s: want true or false", key);
		return -EINVAL;
	}
	*out = !strcmp(v, "true");
	return 0;
}

static int parse_tls(struct web_parse *p, const char *key, char *val)
{
	struct serve_web_cfg *c = p->c;

	if (!strcmp(key, "cert_file"))
		return load_pem(p, &c->cert_pem, val);
	if (!strcmp(key, "key_file"))
		return load_pem(p, &c->key_pem, val);
	if (!strcmp(key, "client_ca_file"))
		return load_pem(p, &c->client_ca_pem, val);
	if (!strcmp(key, "client_auth_type"))
		return parse_client_auth(p, val);
	if (!strcmp(key, "min_version"))
		return parse_version(p, key, val, &c->min_version);
	if (!strcmp(key, "max_version"))
		return parse_version(p, key, val, &c->max_version);
	if (!strcmp(key, "cipher_suites"))
		return add_suite_list(p, val);
	if (!strcmp(key, "prefer_server_cipher_suites"))
		return parse_bool(p,
				  "tls_server_config.prefer_server_cipher_"
				  "suites",
				  val, &c->server_precedence);
	snprintf(p->err, p->len,
		 "tls_server_config.%s: not supported by "
		 "pcrwatch",
		 key);
	return -EINVAL;
}

static int parse_http(struct web_parse *p, const char *key, const char *val)
{
	bool h2;

	if (!strcmp(key, "http2")) {
		if (parse_bool(p, "http_server_config.http2", val, &h2))
			return -EINVAL;
		if (!h2)
			return 0;
		snprintf(p->err, p->len,
			 "http_server_config.http2: true: pcrwatch speaks "
			 "HTTP/1.1 only");
		return -EINVAL;
	}
	snprintf(p->err, p->len,
		 "http_server_config.%s: not supported by "
		 "pcrwatch",
		 key);
	return -EINVAL;
}

/* An indented "key: value" of the section (@indent: its column). */
static int parse_entry(struct web_parse *p, size_t indent, char *key, char *val)
{
	p->blk = BLK_NONE;
	if (!*val && p->sec == SEC_TLS && !strcmp(key, "cipher_suites"))
		p->blk = BLK_CIPHERS;
	else if (!*val && p->sec == SEC_HTTP && !strcmp(key, "headers"))
		p->blk = BLK_HEADERS;
	if (p->blk != BLK_NONE) {
		p->blk_indent = indent;
		return 0;
	}
	switch (p->sec) {
	case SEC_USERS:
		return add_user(p, key, val);
	case SEC_TLS:
		return parse_tls(p, key, val);
	case SEC_HTTP:
		return parse_http(p, key, val);
	case SEC_NONE:
		break;
	}
	snprintf(p->err, p->len, "%s: outside any section", key);
	return -EINVAL;
}

/* "- item" of a list, or "key: value" of a map, in the open block. */
static int parse_block_line(struct web_parse *p, char *item)
{
	char *colon;

	if (p->blk == BLK_CIPHERS) {
		if (item[0] != '-') {
			snprintf(p->err, p->len,
				 "tls_server_config.cipher_suites: expected "
				 "'- NAME': %.40s",
				 item);
			return -EINVAL;
		}
		return add_suite(p, clean_value(item + 1));
	}
	colon = strchr(item, ':');
	if (!colon) {
		snprintf(p->err, p->len, "expected 'key: value': %.40s", item);
		return -EINVAL;
	}
	*colon = 0;
	return add_header(p, clean_value(item), clean_value(colon + 1));
}

static int open_section(struct web_parse *p, const char *key)
{
	p->blk = BLK_NONE;
	p->sec = !strcmp(key, "tls_server_config")    ? SEC_TLS
		 : !strcmp(key, "http_server_config") ? SEC_HTTP
		 : !strcmp(key, "basic_auth_users")   ? SEC_USERS
						      : SEC_NONE;
	if (p->sec != SEC_NONE)
		return 0;
	snprintf(p->err, p->len, "%s: not supported by pcrwatch", key);
	return -EINVAL;
}

static int parse_line(struct web_parse *p, char *line)
{
	size_t indent = strspn(line, " \t");
	char *key = line + indent, *colon;

	if (!*key || *key == '#' || *key == '\r')
		return 0;
	if (indent && p->blk != BLK_NONE && indent > p->blk_indent)
		return parse_block_line(p, key);
	colon = strchr(key, ':');
	if (!colon) {
		snprintf(p->err, p->len, "expected 'key: value': %.40s", key);
		return -EINVAL;
	}
	*colon = 0;
	key = clean_value(key);
	if (indent)
		return parse_entry(p, indent, key, clean_value(colon + 1));
	if (*clean_value(colon + 1)) {
		snprintf(p->err, p->len, "%s: expected a section", key);
		return -EINVAL;
	}
	return open_section(p, key);
}

/* What the settings need of each other, as exporter-toolkit asks it. */
static int check_cfg(struct web_parse *p)
{
	const struct serve_web_cfg *c = p->c;
	bool verify = c->client_auth == SERVE_VERIFY_CLIENT_CERT_IF_GIVEN ||
		      c->client_auth == SERVE_REQUIRE_AND_VERIFY_CLIENT_CERT;

	if (!c->cert_pem != !c->key_pem) {
		snprintf(p->err, p->len,
			 "tls_server_config needs both cert_file and key_file");
		return -EINVAL;
	}
	if ((c->client_auth || c->client_ca_pem || c->cipher_parts) &&
	    !c->cert_pem) {
		snprintf(p->err, p->len,
			 "tls_server_config: client certificates and cipher "
			 "suites need cert_file and key_file");
		return -EINVAL;
	}
	if (verify && !c->client_ca_pem) {
		snprintf(p->err, p->len,
			 "tls_server_config: client_auth_type %s needs "
			 "client_ca_file",
			 c->client_auth == SERVE_VERIFY_CLIENT_CERT_IF_GIVEN
				 ? "VerifyClientCertIfGiven"
				 : "RequireAndVerifyClientCert");
		return -EINVAL;
	}
	if (c->client_ca_pem && c->client_auth == SERVE_NO_CLIENT_CERT) {
		snprintf(p->err, p->len,
			 "tls_server_config: client_ca_file without a "
			 "client_auth_type");
		return -EINVAL;
	}
	if (c->min_version > c->max_version) {
		snprintf(p->err, p->len,
			 "tls_server_config: min_version is above "
			 "max_version");
		return -EINVAL;
	}
	return 0;
}

int serve_web_parse(const char *text, const char *dir, struct serve_web_cfg *c,
		    char *err, size_t len)
{
	char *copy = strdup(text), *line, *save = NULL, why[320];
	struct web_parse p = {
		.c = c, .dir = dir, .err = why, .len = sizeof(why)
	};
	int rc = 0;

	memset(c, 0, sizeof(*c));
	c->min_version = 12; /* exporter-toolkit's defaults */
	c->max_version = 13;
	c->server_precedence = true;
	if (!copy)
		return -ENOMEM;
	for (line = strtok_r(copy, "\n", &save); line && !rc;
	     line = strtok_r(NULL, "\n", &save))
		rc = parse_line(&p, line);
	free(copy);
	if (!rc)
		rc = check_cfg(&p);
	if (rc) {
		snprintf(err, len, "%s", why);
		serve_web_free(c);
	}
	return rc;
}

int serve_web_load(const char *path, struct serve_web_cfg *c, char *err,
		   size_t len)
{
	char *text = read_all(path, err, len), *dir, *slash;
	int rc;

	if (!text)
		return -EINVAL;
	dir = strdup(path);
	slash = dir ? strrchr(dir, '/') : NULL;
	if (slash)
		*slash = 0;
	rc = serve_web_parse(text, slash ? dir : ".", c, err, len);
	if (!rc)
		stamp(c, path);
	free(dir);
	free(text);
	return rc;
}

void serve_web_free(struct serve_web_cfg *c)
{
	size_t i;

	free(c->cert_pem);
	free(c->key_pem);
	free(c->client_ca_pem);
	free(c->cipher_parts);
	for (i = 0; i < c->nr_files; i++)
		free(c->files[i].path);
	memset(c, 0, sizeof(*c));
}

bool serve_web_changed(const struct serve_web_cfg *c)
{
	const struct stat *a;
	struct stat b;
	size_t i;

	for (i = 0; i < c->nr_files; i++) {
		a = &c->files[i].st;
		if (stat(c->files[i].path, &b) || a->st_dev != b.st_dev ||
		    a->st_ino != b.st_ino || a->st_size != b.st_size ||
		    a->st_mtim.tv_sec != b.st_mtim.tv_sec ||
		    a->st_mtim.tv_nsec != b.st_mtim.tv_nsec ||
		    a->st_ctim.tv_sec != b.st_ctim.tv_sec ||
		    a->st_ctim.tv_nsec != b.st_ctim.tv_nsec)
			return true;
	}
	return false;
}

void serve_web_restamp(struct serve_web_cfg *c)
{
	size_t i;

	for (i = 0; i < c->nr_files; i++)
		if (stat(c->files[i].path, &c->files[i].st))
			memset(&c->files[i].st, 0, sizeof(c->files[i].st));
}

void serve_web_priorities(const struct serve_web_cfg *c, char *buf, size_t len)
{
	static const char *const vers[] = { "TLS1.0", "TLS1.1", "TLS1.2",
					    "TLS1.3" };
	size_t n = 0;
	unsigned int v;

	n += snprintf(buf + n, len - n, "NORMAL:-VERS-ALL");
	for (v = c->min_version; v <= c->max_version && n < len; v++)
		n += snprintf(buf + n, len - n, ":+VERS-%s", vers[v - 10]);
	if (c->cipher_parts && n < len)
		n += snprintf(buf + n, len - n,
			      ":-KX-ALL:-CIPHER-ALL:-MAC-ALL%s",
			      c->cipher_parts);
	if (c->server_precedence && n < len)
		snprintf(buf + n, len - n, ":%%SERVER_PRECEDENCE");
}

const struct serve_web_user *serve_web_user(const struct serve_web_cfg *c,
					    const char *user)
{
	size_t i;

	for (i = 0; user && i < c->nr_users; i++)
		if (!strcmp(c->users[i].name, user))
			return &c->users[i];
	return NULL;
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

bool serve_web_bcrypt_ok(const char *hash, const char *pass)
{
	struct crypt_data *data = calloc(1, sizeof(*data));
	const char *out;
	bool ok;

	if (!data)
		return false;
	out = crypt_r(pass, hash, data);
	ok = out && same(out, hash);
	free(data);
	return ok;
}
