// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * trusted_file.c - open the files pcrwatch obeys only when nobody else
 * could have written them (trusted_file.h). The path is walked one
 * component at a time from / (from the working directory's own path when
 * it is relative), each opened with O_PATH | O_NOFOLLOW relative to the
 * directory before it and checked by fstat of that fd; a symlink is read
 * through its own fd and its target walked the same way.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "trusted_file.h"

#define TRUST_MAX_LINKS 40 /* as the kernel's own limit */

struct trust_walk {
	const char *target; /* the path asked for, for messages */
	char cur[PATH_MAX]; /* where @dirfd is, "" for / */
	char todo[PATH_MAX]; /* what is left to walk */
	int dirfd;
	int links;
	char *err;
	size_t len;
};

static bool trusted_owner(const struct stat *st)
{
	return st->st_uid == 0 || st->st_uid == geteuid();
}

/* Whether @st (of @where) is one nobody else could change; say why not. */
static int trust_check(const struct trust_walk *w, const char *where,
		       const struct stat *st)
{
	const char *kind = S_ISDIR(st->st_mode)	  ? "directory"
			   : S_ISLNK(st->st_mode) ? "symlink"
						  : "file";
	const char *above = strcmp(where, w->target) ? " on the way to " : "";
	const char *to = *above ? w->target : "";
	bool writable = st->st_mode & (S_IWGRP | S_IWOTH);

	if (!trusted_owner(st)) {
		snprintf(w->err, w->len,
			 "%s: %s owned by uid %u, not root%s%s: refusing it",
			 where, kind, (unsigned int)st->st_uid, above, to);
		return -EPERM;
	}
	/* A symlink's own mode means nothing; a sticky directory lets
	 * nobody replace an entry it does not own. */
	if (S_ISLNK(st->st_mode) || !writable ||
	    (S_ISDIR(st->st_mode) && (st->st_mode & S_ISVTX)))
		return 0;
	snprintf(w->err, w->len,
		 "%s: %s writable by %s (mode %04o)%s%s: refusing it", where,
		 kind, st->st_mode & S_IWOTH ? "others" : "its group",
		 (unsigned int)(st->st_mode & 07777), above, to);
	return -EPERM;
}

/* The next component of @w->todo into @name (cut from todo); false at
 * the end. @last: nothing follows it. */
static bool next_name(struct trust_walk *w, char *name, size_t n, bool *last)
{
	char *p = w->todo + strspn(w->todo, "/");
	size_t k = strcspn(p, "/");

	if (!k)
		return false;
	snprintf(name, n, "%.*s", (int)(k < n ? k : n - 1), p);
	p += k;
	p += strspn(p, "/");
	memmove(w->todo, p, strlen(p) + 1);
	*last = !*w->todo;
	return true;
}

/* Move to the directory @fd (already checked), known as @where. */
static void enter(struct trust_walk *w, int fd, const char *where)
{
	close(w->dirfd);
	w->dirfd = fd;
	/* Never longer than cur: walk_one() refused longer names. */
	memcpy(w->cur, where, strnlen(where, sizeof(w->cur) - 1));
	w->cur[strnlen(where, sizeof(w->cur) - 1)] = 0;
}

/* The symlink @fd (@where, checked): walk its target, then the rest. */
static int follow(struct trust_walk *w, int fd, const char *where)
{
	char target[PATH_MAX], rest[PATH_MAX];
	ssize_t n;
	int root;

	if (++w->links > TRUST_MAX_LINKS) {
		snprintf(w->err, w->len, "%s: too many symlinks", w->target);
		return -ELOOP;
	}
	n = readlinkat(fd, "", target, sizeof(target) - 1);
	if (n < 0) {
		snprintf(w->err, w->len, "%s: %s", where, strerror(errno));
		return -errno;
	}
	target[n] = 0;
	snprintf(rest, sizeof(rest), "%s", w->todo);
	if ((size_t)snprintf(w->todo, sizeof(w->todo), "%s/%s", target, rest) >=
	    sizeof(w->todo)) {
		snprintf(w->err, w->len, "%s: path too long", w->target);
		return -ENAMETOOLONG;
	}
	if (target[0] != '/')
		return 0;
	root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return -errno;
	enter(w, root, "");
	return 0;
}

/* The final component @name: open it for reading, and check that. */
static int open_last(struct trust_walk *w, const char *name, const char *where)
{
	struct stat st;
	int fd, err;

	/* O_NONBLOCK: a FIFO put there must not hang the open. */
	fd = openat(w->dirfd, name,
		    O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		snprintf(w->err, w->len, "%s: %s", where, strerror(errno));
		return err;
	}
	if (fstat(fd, &st)) {
		err = -errno;
	} else if (!S_ISREG(st.st_mode)) {
		snprintf(w->err, w->len, "%s: not a regular file", where);
		err = -EPERM;
	} else {
		err = trust_check(w, where, &st);
	}
	if (!err && fcntl(fd, F_SETFL, 0))
		err = -errno;
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}

/* One component @name of the walk; the file's fd into @fd when it was the
 * last one. 0, or a negative errno. */
static int walk_one(struct trust_walk *w, const char *name, bool last,
		    int *fd_out)
{
	char where[PATH_MAX + NAME_MAX + 2];
	struct stat st;
	int fd, err;

	if (!strcmp(name, "..")) {
		char *slash = strrchr(w->cur, '/');

		snprintf(where, sizeof(where), "%.*s",
			 slash ? (int)(slash - w->cur) : 0, w->cur);
	} else if ((size_t)snprintf(where, sizeof(where), "%s/%s", w->cur,
				    name) >= sizeof(w->cur)) {
		snprintf(w->err, w->len, "%s: path too long", w->target);
		return -ENAMETOOLONG;
	}
	fd = openat(w->dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st)) {
		err = -errno;
		snprintf(w->err, w->len, "%s: %s", *where ? where : "/",
			 strerror(errno));
		if (fd >= 0)
			close(fd);
		return err;
	}
	err = trust_check(w, *where ? where : "/", &st);
	if (!err && S_ISLNK(st.st_mode)) {
		err = follow(w, fd, where);
	} else if (!err && S_ISDIR(st.st_mode) && !last) {
		enter(w, fd, where);
		return 0;
	} else if (!err && (last != !S_ISDIR(st.st_mode))) {
		err = last ? -EISDIR : -ENOTDIR;
		snprintf(w->err, w->len, "%s: %s", *where ? where : "/",
			 strerror(-err));
	} else if (!err) {
		err = open_last(w, name, where);
		*fd_out = err;
		err = err < 0 ? err : 0;
	}
	close(fd);
	return err;
}

int trusted_open(const char *path, char *err, size_t len)
{
	struct trust_walk w = { .target = path, .err = err, .len = len };
	char name[NAME_MAX + 1], cwd[PATH_MAX];
	struct stat st;
	bool last = false;
	int rc = 0, fd = -1;

	err[0] = 0;
	if (path[0] != '/' && !getcwd(cwd, sizeof(cwd))) {
		snprintf(err, len, "%s: cannot find the working directory: %s",
			 path, strerror(errno));
		return -errno;
	}
	if ((size_t)snprintf(w.todo, sizeof(w.todo), "%s/%s",
			     path[0] == '/' ? "" : cwd,
			     path) >= sizeof(w.todo)) {
		snprintf(err, len, "%.64s...: path too long", path);
		return -ENAMETOOLONG;
	}
	w.dirfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (w.dirfd < 0 || fstat(w.dirfd, &st))
		return -errno;
	rc = trust_check(&w, "/", &st);
	while (!rc && fd < 0) {
		if (!next_name(&w, name, sizeof(name), &last) ||
		    (last && !strcmp(name, "."))) {
			snprintf(err, len, "%s: %s", path, strerror(EISDIR));
			rc = -EISDIR;
		} else if (strcmp(name, ".")) {
			rc = walk_one(&w, name, last, &fd);
		}
	}
	close(w.dirfd);
	return rc ? rc : fd;
}

FILE *trusted_fopen(const char *path, char *err, size_t len)
{
	int fd = trusted_open(path, err, len);
	FILE *f;

	if (fd < 0) {
		errno = -fd;
		return NULL;
	}
	f = fdopen(fd, "r");
	if (!f) {
		snprintf(err, len, "%s: %s", path, strerror(errno));
		close(fd);
	}
	return f;
}
