/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * serve_auth.h - basic auth for the exporter without letting bcrypt starve
 * it. A credential is checked by bcrypt once: the result is cached (keyed
 * by an HMAC, with a per-process random key, of the user, the password and
 * the hash it was checked against), so a scrape with a known-good password
 * costs a hash, not a bcrypt. An unknown credential is checked on one
 * worker thread, one at a time, while its connection is suspended: the
 * HTTP thread never runs bcrypt, and a flood of wrong passwords uses one
 * core and waits in a bounded queue instead of delaying every scrape.
 */
#ifndef PCRW_SERVE_AUTH_H
#define PCRW_SERVE_AUTH_H

#include <stdbool.h>

#include "serve_web.h"

struct MHD_Connection;

/* What a job belongs to (a daemon): closing refuses its new jobs. */
struct serve_auth_owner {
	bool closing;
};

/* One credential to check; lives in the request until it is resumed. */
struct serve_auth_job {
	struct MHD_Connection *conn; /* resumed when decided */
	struct serve_auth_owner *owner;
	char user[64];
	char pass[128];
	char hash[128]; /* "" for an unknown user (checked all the same) */
	bool ok;
	struct serve_auth_job *next;
};

int serve_auth_init(void);
void serve_auth_exit(void);

/* Whether @user:@pass is known good or bad for @c, into @ok. */
bool serve_auth_cached(const struct serve_web_cfg *c, const char *user,
		       const char *pass, bool *ok);
/* Fill @job for @user:@pass of @c. */
void serve_auth_job_init(struct serve_auth_job *job,
			 const struct serve_web_cfg *c, const char *user,
			 const char *pass, struct MHD_Connection *conn,
			 struct serve_auth_owner *owner);
/* Queue @job, whose connection the caller has suspended: the worker
 * decides it and resumes the connection. False (@job->ok false, resumed
 * already) when the queue is full or the owner closing. */
bool serve_auth_queue(struct serve_auth_job *job);
/* Refuse @owner's queued jobs (resuming them) and wait for the one being
 * checked: after this nothing touches @owner's connections. */
void serve_auth_forget(struct serve_auth_owner *owner);

#endif
