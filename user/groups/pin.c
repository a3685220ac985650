// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The pin folders every BPF program group keeps its links and maps in
 * (PCRW_PIN_ROOT/<group>/), opened and checked as descriptors.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "messages.h"
#include "pin.h"

/*
 * Pin folders are opened as file descriptors and checked there, never by
 * name twice: the pins are then made through /proc/self/fd/N/<name>, so
 * nothing another user does to the path between the check and the pin
 * reaches them. A folder is used only when it is a real directory (not a
 * symbolic link), owned by root and writable by nobody else: /sys/fs/bpf
 * is often mode 1777, and a folder another user made first would let that
 * user delete root's pins, or put their own objects in root's way.
 */
#define MAX_DIRS 8

static struct pin_dir {
	char name[32]; /* "" for PCRW_PIN_ROOT itself */
	int fd; /* or -PCRW_EUNSAFE: refused once, said once */
} dirs[MAX_DIRS];
static int nr_dirs;

/* 0 when @fd is a folder only root can change; else says why, -EPERM. */
static int check_dir(int fd, const char *path)
{
	char why[96];
	struct stat st;

	if (fstat(fd, &st))
		return -errno;
	if (!S_ISDIR(st.st_mode))
		snprintf(why, sizeof(why), "not a directory");
	else if (st.st_uid != 0)
		snprintf(why, sizeof(why), "owned by uid %u, not root",
			 (unsigned int)st.st_uid);
	else if (st.st_mode & (S_IWGRP | S_IWOTH))
		snprintf(why, sizeof(why), "writable by others (mode %04o)",
			 (unsigned int)(st.st_mode & 07777));
	else
		return 0;
	pcrw_err("%s: %s: refusing to use it as a pin folder (remove it, then "
		 "retry as root)",
		 path, why);
	return -PCRW_EUNSAFE;
}

/* Open (with @create: make, mode 0700) the folder @name under @parent. */
static int open_dir_at(int parent, const char *name, const char *path,
		       bool create)
{
	int fd, err;

	if (create && mkdirat(parent, name, 0700) && errno != EEXIST)
		return -errno;
	fd = openat(parent, name,
		    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		if (err == -ELOOP || err == -ENOTDIR) {
			pcrw_err("%s: a symbolic link or not a directory: "
				 "refusing to use it as a pin folder (remove "
				 "it, then retry as root)",
				 path);
			err = -PCRW_EUNSAFE;
		}
		return err;
	}
	err = check_dir(fd, path);
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}

/* A cached folder fd, unless its folder was removed since (detach). */
static int cached_dir(const char *name)
{
	struct stat st;
	int i;

	for (i = 0; i < nr_dirs; i++) {
		if (strcmp(dirs[i].name, name))
			continue;
		if (dirs[i].fd < 0)
			return dirs[i].fd;
		if (!fstat(dirs[i].fd, &st) && st.st_nlink > 0)
			return dirs[i].fd;
		close(dirs[i].fd);
		dirs[i] = dirs[--nr_dirs];
		return -1;
	}
	return -1;
}

static int remember_dir(const char *name, int fd)
{
	if ((fd < 0 && fd != -PCRW_EUNSAFE) || nr_dirs == MAX_DIRS ||
	    strlen(name) >= sizeof(dirs[0].name))
		return fd; /* still usable; opened again next time */
	snprintf(dirs[nr_dirs].name, sizeof(dirs[0].name), "%s", name);
	dirs[nr_dirs++].fd = fd;
	return fd;
}

int pcrw_pin_dir(const char *group, bool create)
{
	char path[256];
	int root, fd;

	if (!*group || strchr(group, '/') || !strcmp(group, ".") ||
	    !strcmp(group, ".."))
		return -EINVAL;
	fd = cached_dir(group);
	if (fd >= 0 || fd == -PCRW_EUNSAFE)
		return fd;
	root = cached_dir("");
	if (root == -1) {
		fd = open(PCRW_PIN_PARENT, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		root = open_dir_at(fd, PCRW_PIN_NAME, PCRW_PIN_ROOT, create);
		close(fd);
		remember_dir("", root);
	}
	if (root < 0)
		return root;
	snprintf(path, sizeof(path), "%s/%s", PCRW_PIN_ROOT, group);
	return remember_dir(group, open_dir_at(root, group, path, create));
}

/* /proc/self/fd/N/@name for the checked folder of @group. */
static int dir_path(char *buf, size_t len, const char *group, const char *name,
		    bool create)
{
	int fd = pcrw_pin_dir(group, create), n;

	if (fd < 0)
		return fd;
	n = snprintf(buf, len, "/proc/self/fd/%d/%s", fd, name);
	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	return 0;
}

int pcrw_pin_path(char *buf, size_t len, const char *group, const char *name)
{
	return dir_path(buf, len, group, name, true);
}

int pcrw_pin_root(char *buf, size_t len, const char *group)
{
	int err = pcrw_pin_path(buf, len, group, "x");

	if (!err)
		*strrchr(buf, '/') = 0;
	return err;
}

int pcrw_pin_link(struct bpf_link *l, const char *group, const char *name)
{
	char path[256];
	int err = pcrw_pin_path(path, sizeof(path), group, name);

	return err ? err : bpf_link__pin(l, path);
}

int pcrw_pin_map(struct bpf_map *m, const char *group, const char *name)
{
	char path[256];
	int err = pcrw_pin_path(path, sizeof(path), group, name);

	return err ? err : bpf_map__pin(m, path);
}

int pcrw_pin_prog(struct bpf_program *p, const char *group, const char *name)
{
	char path[256];
	int err = pcrw_pin_path(path, sizeof(path), group, name);

	return err ? err : bpf_program__pin(p, path);
}

int pcrw_obj_get(const char *group, const char *name)
{
	char path[256];
	int err = dir_path(path, sizeof(path), group, name, false);

	if (err) {
		errno = -err;
		return -1;
	}
	return bpf_obj_get(path);
}

bool pcrw_pinned(const char *group, const char *name)
{
	int fd = pcrw_pin_dir(group, false);

	return fd >= 0 && !faccessat(fd, name, F_OK, AT_SYMLINK_NOFOLLOW);
}

int pcrw_unpin(const char *group, const char *name)
{
	int fd = pcrw_pin_dir(group, false);

	if (fd == -ENOENT)
		return 0;
	if (fd < 0)
		return fd;
	return unlinkat(fd, name, 0) && errno != ENOENT ? -errno : 0;
}
