// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * serve_auth.c - cached, off-thread basic-auth checks (serve_auth.h).
 */
#include <errno.h>
#include <gnutls/crypto.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "serve_auth.h"

#define AUTH_QUEUE_MAX 64 /* credentials waiting for bcrypt */
#define AUTH_BAD_CACHE 64 /* wrong credentials remembered */
#define AUTH_MAC_LEN 32

struct auth_mac {
	unsigned char b[AUTH_MAC_LEN];
	bool used;
};

static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	pthread_t worker;
	bool started, stop;
	unsigned char key[32];
	struct serve_auth_job *head, *tail, *busy;
	unsigned int queued;
	struct auth_mac good[SERVE_WEB_MAX_USERS], bad[AUTH_BAD_CACHE];
	unsigned int next_good, next_bad;
} a = { .lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER };

/* HMAC-SHA256 of user, password and hash, NUL-separated. */
static void auth_mac(const char *user, const char *pass, const char *hash,
		     unsigned char out[AUTH_MAC_LEN])
{
	gnutls_hmac_hd_t h;

	memset(out, 0, AUTH_MAC_LEN);
	if (gnutls_hmac_init(&h, GNUTLS_MAC_SHA256, a.key, sizeof(a.key)))
		return;
	gnutls_hmac(h, user, strlen(user) + 1);
	gnutls_hmac(h, pass, strlen(pass) + 1);
	gnutls_hmac(h, hash, strlen(hash) + 1);
	gnutls_hmac_deinit(h, out);
}

/* Whether @m is in @set, compared in constant time per entry. */
static bool mac_in(const struct auth_mac *set, unsigned int n,
		   const unsigned char m[AUTH_MAC_LEN])
{
	unsigned char d;
	bool found = false;
	unsigned int i, j;

	for (i = 0; i < n; i++) {
		for (d = 0, j = 0; j < AUTH_MAC_LEN; j++)
			d |= set[i].b[j] ^ m[j];
		found |= set[i].used && !d;
	}
	return found;
}

bool serve_auth_cached(const struct serve_web_cfg *c, const char *user,
		       const char *pass, bool *ok)
{
	const struct serve_web_user *u = serve_web_user(c, user);
	unsigned char m[AUTH_MAC_LEN];
	bool hit;

	if (!user || !pass) {
		*ok = false;
		return true;
	}
	auth_mac(user, pass, u ? u->hash : "", m);
	pthread_mutex_lock(&a.lock);
	*ok = mac_in(a.good, SERVE_WEB_MAX_USERS, m);
	hit = *ok || mac_in(a.bad, AUTH_BAD_CACHE, m);
	pthread_mutex_unlock(&a.lock);
	return hit;
}

void serve_auth_job_init(struct serve_auth_job *job,
			 const struct serve_web_cfg *c, const char *user,
			 const char *pass, struct MHD_Connection *conn,
			 struct serve_auth_owner *owner)
{
	const struct serve_web_user *u = serve_web_user(c, user);

	memset(job, 0, sizeof(*job));
	job->conn = conn;
	job->owner = owner;
	snprintf(job->user, sizeof(job->user), "%s", user);
	snprintf(job->pass, sizeof(job->pass), "%s", pass);
	/* An unknown user costs one bcrypt too (against the first user's
	 * hash): no timing tells which names exist. */
	snprintf(job->hash, sizeof(job->hash), "%s",
		 u ? u->hash : c->users[0].hash);
	if (!u)
		job->user[0] = 0;
}

/* Decided: remember it, wake the connection. Under the lock. */
static void auth_done(struct serve_auth_job *job, bool ok, bool remember)
{
	unsigned char m[AUTH_MAC_LEN];
	struct auth_mac *slot;

	job->ok = ok && job->user[0];
	if (remember && job->user[0]) {
		auth_mac(job->user, job->pass, job->hash, m);
		slot = job->ok ? &a.good[a.next_good++ % SERVE_WEB_MAX_USERS]
			       : &a.bad[a.next_bad++ % AUTH_BAD_CACHE];
		memcpy(slot->b, m, AUTH_MAC_LEN);
		slot->used = true;
	}
	explicit_bzero(job->pass, sizeof(job->pass));
	MHD_resume_connection(job->conn);
}

static void *auth_worker(void *arg)
{
	struct serve_auth_job *job;
	bool ok;

	pthread_mutex_lock(&a.lock);
	for (;;) {
		while (!a.stop && !a.head)
			pthread_cond_wait(&a.cond, &a.lock);
		if (!a.head)
			break;
		job = a.head;
		a.head = job->next;
		if (!a.head)
			a.tail = NULL;
		a.queued--;
		a.busy = job;
		pthread_mutex_unlock(&a.lock);
		ok = serve_web_bcrypt_ok(job->hash, job->pass);
		pthread_mutex_lock(&a.lock);
		auth_done(job, ok, true);
		a.busy = NULL;
		pthread_cond_broadcast(&a.cond);
	}
	pthread_mutex_unlock(&a.lock);
	return NULL;
}

int serve_auth_init(void)
{
	int err;

	if (getrandom(a.key, sizeof(a.key), 0) != sizeof(a.key))
		return -EIO;
	err = pthread_create(&a.worker, NULL, auth_worker, NULL);
	if (err)
		return -err;
	a.started = true;
	return 0;
}

void serve_auth_exit(void)
{
	if (!a.started)
		return;
	pthread_mutex_lock(&a.lock);
	a.stop = true;
	pthread_cond_broadcast(&a.cond);
	pthread_mutex_unlock(&a.lock);
	pthread_join(a.worker, NULL);
	a.started = false;
}

bool serve_auth_queue(struct serve_auth_job *job)
{
	bool queued = false;

	pthread_mutex_lock(&a.lock);
	if (a.queued < AUTH_QUEUE_MAX && !job->owner->closing && !a.stop) {
		job->next = NULL;
		if (a.tail)
			a.tail->next = job;
		else
			a.head = job;
		a.tail = job;
		a.queued++;
		queued = true;
		pthread_cond_broadcast(&a.cond);
	} else {
		auth_done(job, false, false);
	}
	pthread_mutex_unlock(&a.lock);
	return queued;
}

void serve_auth_forget(struct serve_auth_owner *owner)
{
	struct serve_auth_job **pp, *job;

	pthread_mutex_lock(&a.lock);
	owner->closing = true;
	for (pp = &a.head; *pp;) {
		job = *pp;
		if (job->owner != owner) {
			a.tail = job;
			pp = &job->next;
			continue;
		}
		*pp = job->next;
		a.queued--;
		auth_done(job, false, false);
	}
	if (!a.head)
		a.tail = NULL;
	while (a.busy && a.busy->owner == owner)
		pthread_cond_wait(&a.cond, &a.lock);
	pthread_mutex_unlock(&a.lock);
}
