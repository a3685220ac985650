/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * serve_web.h - `pcrwatch serve --web.config.file`: the Prometheus
 * exporter-toolkit's web configuration file (YAML), the part of it pcrwatch
 * supports: tls_server_config (cert_file, key_file) and basic_auth_users
 * (user: bcrypt hash). Anything else in the file is refused by name, so a
 * setting is never silently ignored.
 */
#ifndef PCRW_SERVE_WEB_H
#define PCRW_SERVE_WEB_H

#include <stdbool.h>
#include <stddef.h>

#define SERVE_WEB_MAX_USERS 32

struct serve_web_user {
	char name[64];
	char hash[128]; /* $2a$, $2b$ or $2y$ bcrypt */
};

struct serve_web_cfg {
	char *cert_pem; /* NULL: plain HTTP */
	char *key_pem;
	struct serve_web_user users[SERVE_WEB_MAX_USERS];
	size_t nr_users; /* 0: no authentication */
};

/* Parse the YAML text @text (from a file in folder @dir: relative paths
 * are taken from there) into @c, reading the certificate and key. 0, or
 * -EINVAL with the reason in @err. */
int serve_web_parse(const char *text, const char *dir, struct serve_web_cfg *c,
		    char *err, size_t len);
/* Read and parse the file @path. */
int serve_web_load(const char *path, struct serve_web_cfg *c, char *err,
		   size_t len);
void serve_web_free(struct serve_web_cfg *c);

/* Whether @user with @pass matches a user of @c (bcrypt through crypt(3)). */
bool serve_web_auth_ok(const struct serve_web_cfg *c, const char *user,
		       const char *pass);

#endif
