// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Unit tests of user/util/trusted_file.c: which files and directories it
 * refuses, that it names the offending path, and that it follows symlinks
 * only through directories nobody else controls. Run as root (the unit
 * tier is): files of another uid are made with chown.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "trusted_file.h"
#include "tap.h"

#define OTHER_UID 2000

static char base[64]; /* a fresh 0755 directory under /tmp, root's */
static char err[512];

static const char *at(const char *rel)
{
	static char p[4][256];
	static int i;

	i = (i + 1) % 4;
	snprintf(p[i], sizeof(p[i]), "%s/%s", base, rel);
	return p[i];
}

static void put(const char *rel, mode_t mode)
{
	FILE *f = fopen(at(rel), "w");

	if (!f) {
		printf("Bail out! cannot create %s\n", at(rel));
		exit(1);
	}
	fputs("content\n", f);
	fclose(f);
	chmod(at(rel), mode);
}

static void dir(const char *rel, mode_t mode)
{
	mkdir(at(rel), 0700);
	chmod(at(rel), mode);
}

/* trusted_open() of @rel: its result, the fd closed. */
static int try_open(const char *rel)
{
	int fd = trusted_open(at(rel), err, sizeof(err));

	if (fd >= 0)
		close(fd);
	return fd >= 0 ? 0 : fd;
}

TEST(test_root_file_opens)
{
	char buf[16] = "";
	FILE *f;

	put("ok", 0644);
	f = trusted_fopen(at("ok"), err, sizeof(err));
	CHECK(f != NULL);
	if (f) {
		CHECK(fgets(buf, sizeof(buf), f) != NULL);
		fclose(f);
	}
	CHECK(!strcmp(buf, "content\n"));
}

TEST(test_group_or_other_writable_file_refused)
{
	put("gw", 0664);
	CHECK_EQ(try_open("gw"), -EPERM);
	CHECK(strstr(err, at("gw")) != NULL);
	CHECK(strstr(err, "writable by its group") != NULL);
	put("ow", 0646);
	CHECK_EQ(try_open("ow"), -EPERM);
	CHECK(strstr(err, "writable by others") != NULL);
}

TEST(test_file_of_other_uid_refused)
{
	put("theirs", 0644);
	CHECK(!chown(at("theirs"), OTHER_UID, OTHER_UID));
	CHECK_EQ(try_open("theirs"), -EPERM);
	CHECK(strstr(err, "owned by uid 2000") != NULL);
	CHECK(strstr(err, at("theirs")) != NULL);
}

TEST(test_directory_above_refused)
{
	dir("open", 0777);
	put("open/f", 0644);
	CHECK_EQ(try_open("open/f"), -EPERM);
	/* The directory is named, and the file it leads to. */
	CHECK(strstr(err, at("open: directory writable by others")) != NULL);
	CHECK(strstr(err, at("open/f")) != NULL);
	dir("theirs.d", 0755);
	CHECK(!chown(at("theirs.d"), OTHER_UID, 0));
	put("theirs.d/f", 0644);
	CHECK_EQ(try_open("theirs.d/f"), -EPERM);
	CHECK(strstr(err, at("theirs.d: directory owned by uid 2000")) != NULL);
}

TEST(test_sticky_directory_allowed)
{
	dir("sticky", 01777);
	put("sticky/f", 0644);
	CHECK_EQ(try_open("sticky/f"), 0);
	/* ... but not an entry someone else owns there. */
	put("sticky/g", 0644);
	CHECK(!chown(at("sticky/g"), OTHER_UID, 0));
	CHECK_EQ(try_open("sticky/g"), -EPERM);
}

TEST(test_symlinks)
{
	dir("good", 0755);
	put("good/f", 0644);
	dir("bad", 0777);
	put("bad/f", 0644);
	/* Through a directory anyone can write. */
	CHECK(!symlink(at("good/f"), at("bad/link")));
	CHECK_EQ(try_open("bad/link"), -EPERM);
	CHECK(strstr(err, at("bad:")) != NULL);
	/* Into one. */
	CHECK(!symlink(at("bad/f"), at("good/tobad")));
	CHECK_EQ(try_open("good/tobad"), -EPERM);
	CHECK(strstr(err, at("bad:")) != NULL);
	/* A relative one between trusted directories works. */
	CHECK(!symlink("../good/f", at("good/rel")));
	CHECK_EQ(try_open("good/rel"), 0);
	/* A symlink someone else owns, in a sticky directory. */
	dir("sticky2", 01777);
	CHECK(!symlink(at("good/f"), at("sticky2/l")));
	CHECK(!lchown(at("sticky2/l"), OTHER_UID, 0));
	CHECK_EQ(try_open("sticky2/l"), -EPERM);
	CHECK(strstr(err, "symlink owned by uid 2000") != NULL);
	/* A loop ends. */
	CHECK(!symlink("loop", at("good/loop")));
	CHECK_EQ(try_open("good/loop"), -ELOOP);
}

TEST(test_not_a_regular_file)
{
	dir("d", 0755);
	CHECK_EQ(try_open("d"), -EISDIR);
	CHECK(!mkfifo(at("fifo"), 0600));
	CHECK_EQ(try_open("fifo"), -EPERM);
	CHECK(strstr(err, "not a regular file") != NULL);
	CHECK_EQ(try_open("missing"), -ENOENT);
	CHECK(strstr(err, at("missing")) != NULL);
}

TEST(test_relative_path)
{
	char cwd[PATH_MAX];
	int fd;

	put("rel", 0644);
	dir("sub", 0755);
	CHECK(getcwd(cwd, sizeof(cwd)) != NULL);
	CHECK(!chdir(at("sub")));
	fd = trusted_open("../rel", err, sizeof(err));
	CHECK(fd >= 0);
	if (fd >= 0)
		close(fd);
	CHECK(!chdir(cwd));
}

/* A user's own files are trusted when that user runs pcrwatch. */
TEST(test_own_files_of_the_user)
{
	int status = 1;
	pid_t pid;

	dir("home", 0755);
	CHECK(!chown(at("home"), OTHER_UID, OTHER_UID));
	put("home/f", 0600);
	CHECK(!chown(at("home/f"), OTHER_UID, OTHER_UID));
	pid = fork();
	if (pid == 0) {
		if (setresgid(OTHER_UID, OTHER_UID, OTHER_UID) ||
		    setresuid(OTHER_UID, OTHER_UID, OTHER_UID))
			_exit(2);
		_exit(try_open("home/f") ? 1 : 0);
	}
	CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

int main(void)
{
	char cmd[128];

	if (geteuid() != 0) {
		printf("Bail out! needs root, to make files of another uid\n");
		return 1;
	}
	snprintf(base, sizeof(base), "/tmp/pcrw-trusted.XXXXXX");
	if (!mkdtemp(base) || chmod(base, 0755)) {
		printf("Bail out! cannot make a folder under /tmp\n");
		return 1;
	}
	RUN(test_root_file_opens);
	RUN(test_group_or_other_writable_file_refused);
	RUN(test_file_of_other_uid_refused);
	RUN(test_directory_above_refused);
	RUN(test_sticky_directory_allowed);
	RUN(test_symlinks);
	RUN(test_not_a_regular_file);
	RUN(test_relative_path);
	RUN(test_own_files_of_the_user);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
	if (system(cmd))
		printf("# cannot remove %s\n", base);
	return TAP_DONE();
}
