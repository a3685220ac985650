// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Management cookie tags and the per-host key (cookie.h says why). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/random.h>
#include <sys/stat.h>

#include "cookie.h"
#include "messages.h"
#include "pcr_rules.h"
#include "trusted_file.h"

#define ROTL(x, b) (((x) << (b)) | ((x) >> (64 - (b))))

static __u64 le64(const __u8 *p)
{
	__u64 v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static void sip_round(__u64 v[4])
{
	v[0] += v[1];
	v[1] = ROTL(v[1], 13) ^ v[0];
	v[0] = ROTL(v[0], 32);
	v[2] += v[3];
	v[3] = ROTL(v[3], 16) ^ v[2];
	v[0] += v[3];
	v[3] = ROTL(v[3], 21) ^ v[0];
	v[2] += v[1];
	v[1] = ROTL(v[1], 17) ^ v[2];
	v[2] = ROTL(v[2], 32);
}

static void sip_absorb(__u64 v[4], __u64 m)
{
	v[3] ^= m;
	sip_round(v);
	sip_round(v);
	v[0] ^= m;
}

__u64 cookie_siphash(const __u8 key[PCRW_COOKIE_KEY_LEN], const void *data,
		     size_t len)
{
	const __u8 *p = data;
	__u64 k0 = le64(key), k1 = le64(key + 8), last;
	__u64 v[4] = { k0 ^ 0x736f6d6570736575ULL, k1 ^ 0x646f72616e646f6dULL,
		       k0 ^ 0x6c7967656e657261ULL, k1 ^ 0x7465646279746573ULL };
	size_t i, tail = len % 8;

	for (i = 0; i + 8 <= len; i += 8)
		sip_absorb(v, le64(p + i));
	last = (__u64)(len & 0xff) << 56;
	for (i = 0; i < tail; i++)
		last |= (__u64)p[len - tail + i] << (8 * i);
	sip_absorb(v, last);
	v[2] ^= 0xff;
	for (i = 0; i < 4; i++)
		sip_round(v);
	return v[0] ^ v[1] ^ v[2] ^ v[3];
}

__u64 cookie_tag(const __u8 key[PCRW_COOKIE_KEY_LEN], __u64 id, __u64 cookie)
{
	__u8 msg[16];
	__u64 t;
	int i;

	for (i = 0; i < 8; i++) {
		msg[i] = (__u8)(id >> (8 * i));
		msg[8 + i] = (__u8)(cookie >> (8 * i));
	}
	t = cookie_siphash(key, msg, sizeof(msg)) & PCR_COOKIE_MASK;
	return t ? t : 1; /* 0 is the default cookie: "not reserved" */
}

static const char *key_path(void)
{
	const char *p = getenv("PCRWATCH_COOKIE_KEY");

	return p && *p ? p : PCRW_COOKIE_KEY_PATH;
}

/* Make a new key file: its folder (0700) if missing, then the file itself
 * with O_EXCL, so an existing file or link is never written through. */
static int key_create(const char *path)
{
	__u8 key[PCRW_COOKIE_KEY_LEN];
	char dir[512], *slash;
	int fd, err = 0;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = 0;
		if (mkdir(dir, 0700) && errno != EEXIST)
			return -errno;
	}
	if (getrandom(key, sizeof(key), 0) != sizeof(key))
		return -EIO;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		  0600);
	if (fd < 0)
		return errno == EEXIST ? 0 : -errno; /* another made it */
	if (write(fd, key, sizeof(key)) != sizeof(key) || fsync(fd))
		err = -EIO;
	close(fd);
	if (err)
		unlink(path);
	return err;
}

/* The key, from a file and folders nobody else could have written
 * (user/util/trusted_file.h) that is this user's own, 0600. */
static int key_read(const char *path, __u8 key[PCRW_COOKIE_KEY_LEN])
{
	char why[320];
	struct stat st;
	int fd, err = 0;

	/* The key itself is never a link (as it was opened O_NOFOLLOW);
	 * trusted_open() checks the folders that could swap one in. */
	if (!lstat(path, &st) && S_ISLNK(st.st_mode))
		return -EPERM;
	fd = trusted_open(path, why, sizeof(why));
	if (fd == -EPERM || fd == -ELOOP)
		pcrw_err("cookie key %s", why);
	if (fd < 0)
		return fd == -ELOOP ? -EPERM : fd;
	if (fstat(fd, &st))
		err = -errno;
	else if (!S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
		 (st.st_mode & 077) || st.st_size != PCRW_COOKIE_KEY_LEN)
		err = -EPERM;
	else if (read(fd, key, PCRW_COOKIE_KEY_LEN) != PCRW_COOKIE_KEY_LEN)
		err = -EIO;
	close(fd);
	return err;
}

int cookie_key_load(__u8 key[PCRW_COOKIE_KEY_LEN], bool create)
{
	const char *path = key_path();
	int err = create ? key_create(path) : 0;

	if (!err)
		err = key_read(path, key);
	if (err == -EPERM)
		pcrw_err("cookie key %s: not a regular file of this user's, "
			 "mode 0600, %d bytes: refusing it",
			 path, PCRW_COOKIE_KEY_LEN);
	else if (err)
		pcrw_err("cookie key %s: %s", path, strerror(-err));
	return err;
}

int cookie_arg_text(const char *arg, bool is_file, char *buf, size_t len)
{
	char why[320];
	FILE *f = stdin;
	bool ok;

	if (!is_file && strcmp(arg, "-")) {
		snprintf(buf, len, "%s", arg);
		return 0;
	}
	if (is_file) {
		/* A cookie releases a reservation: read it only from a
		 * file nobody else could have written. */
		f = trusted_fopen(arg, why, sizeof(why));
		if (!f) {
			pcrw_err("cookie file %s", why);
			return -errno;
		}
	}
	ok = fgets(buf, (int)len, f) != NULL;
	if (is_file)
		fclose(f);
	if (!ok)
		buf[0] = 0;
	buf[strcspn(buf, "\r\n")] = 0;
	return 0;
}
