/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * trusted_file.h - open a file that pcrwatch obeys (a policy, the exporter's
 * web configuration and the TLS and password files it names, a cookie file)
 * only when nobody but root, or the user running pcrwatch, could have
 * written it: the file and every directory and symlink on the way to it,
 * from /, are owned by root or by the effective uid, and no directory or
 * file is writable by its group or by others. A directory writable by
 * everyone with the sticky bit (/tmp) is allowed: there only an entry's
 * owner can replace it, and its entries are held to the same rules.
 *
 * The walk opens each component relative to the directory before it
 * (openat, O_NOFOLLOW) and checks what it opened (fstat), and resolves
 * symlinks itself, so a name swapped after the check is never followed.
 */
#ifndef PCRW_TRUSTED_FILE_H
#define PCRW_TRUSTED_FILE_H

#include <stddef.h>
#include <stdio.h>

/* Open @path read-only after the checks above: an fd, or a negative errno
 * with the reason, naming the offending path, in @err. -EPERM: a file or
 * directory someone else could change; other errors: as open(2). */
int trusted_open(const char *path, char *err, size_t len);

/* trusted_open() as a stdio stream; NULL with errno set and @err filled. */
FILE *trusted_fopen(const char *path, char *err, size_t len);

#endif
