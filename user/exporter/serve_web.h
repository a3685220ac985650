/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * serve_web.h - `pcrwatch serve --web.config.file`: the Prometheus
 * exporter-toolkit's web configuration file (YAML), the part of it pcrwatch
 * supports: tls_server_config (cert_file, key_file, client_auth_type,
 * client_ca_file, min_version, max_version, cipher_suites,
 * prefer_server_cipher_suites), http_server_config (headers, http2: false)
 * and basic_auth_users (user: bcrypt hash). Anything else in the file is
 * refused by name, so a setting is never silently ignored. The file and
 * every file it names are read only when nobody but root could have
 * written them (user/util/trusted_file.h).
 */
#ifndef PCRW_SERVE_WEB_H
#define PCRW_SERVE_WEB_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

#define SERVE_WEB_MAX_USERS 32
#define SERVE_WEB_MAX_HEADERS 16
#define SERVE_WEB_MAX_FILES 4 /* the config, certificate, key, client CA */

struct serve_web_user {
	char name[64];
	char hash[128]; /* $2a$, $2b$ or $2y$ bcrypt */
};

struct serve_web_header {
	char name[64];
	char value[256];
};

/* exporter-toolkit's client_auth_type, Go's tls.ClientAuthType. */
enum serve_client_auth {
	SERVE_NO_CLIENT_CERT,
	SERVE_REQUEST_CLIENT_CERT,
	SERVE_REQUIRE_ANY_CLIENT_CERT,
	SERVE_VERIFY_CLIENT_CERT_IF_GIVEN,
	SERVE_REQUIRE_AND_VERIFY_CLIENT_CERT,
};

/* A file the configuration was read from, as it was then: a change of
 * any of them (a rotated certificate) is a reason to read it all again. */
struct serve_web_stamp {
	char *path;
	struct stat st;
};

struct serve_web_cfg {
	char *cert_pem; /* NULL: plain HTTP */
	char *key_pem;
	char *client_ca_pem; /* NULL: none */
	enum serve_client_auth client_auth;
	unsigned int min_version, max_version; /* 10..13: TLS 1.0..1.3 */
	char *cipher_parts; /* ":+KX:+CIPHER:+MAC..." for GnuTLS, or NULL */
	bool server_precedence;
	struct serve_web_header headers[SERVE_WEB_MAX_HEADERS];
	size_t nr_headers;
	struct serve_web_user users[SERVE_WEB_MAX_USERS];
	size_t nr_users; /* 0: no authentication */
	struct serve_web_stamp files[SERVE_WEB_MAX_FILES];
	size_t nr_files;
};

/* Parse the YAML text @text (from a file in folder @dir: relative paths
 * are taken from there) into @c, reading the files it names. 0, or
 * -EINVAL with the reason in @err. */
int serve_web_parse(const char *text, const char *dir, struct serve_web_cfg *c,
		    char *err, size_t len);
/* Read and parse the file @path. */
int serve_web_load(const char *path, struct serve_web_cfg *c, char *err,
		   size_t len);
void serve_web_free(struct serve_web_cfg *c);
/* Whether a file @c was read from is not what it was (or is gone). */
bool serve_web_changed(const struct serve_web_cfg *c);
/* Take the files as they are now: after a reload that failed, only a
 * further change (or SIGHUP) tries again. */
void serve_web_restamp(struct serve_web_cfg *c);
/* The GnuTLS priority string of @c's versions and cipher suites, in @buf. */
void serve_web_priorities(const struct serve_web_cfg *c, char *buf, size_t len);

/* The user @user of @c, or NULL. */
const struct serve_web_user *serve_web_user(const struct serve_web_cfg *c,
					    const char *user);
/* Whether @pass matches @hash (bcrypt through crypt(3): slow on purpose).
 */
bool serve_web_bcrypt_ok(const char *hash, const char *pass);

#endif
