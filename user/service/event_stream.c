// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * event_stream.c - the one-consumer lock over the pinned ring buffers and
 * the agent's hand-over (user/service/event_stream.h).
 *
 * The lock is an open-file-description write lock (F_OFD_SETLK) on the
 * whole of RINGS_LOCK: the kernel drops it when its holder exits, however
 * it exits, and a probe (F_OFD_GETLK) takes nothing, so probing never
 * makes a holder fail. The file's text says who holds it; a holder empties
 * it before letting go, so text from a dead holder is never believed.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include "event_log.h"
#include "event_stream.h"

static void nap_ms(int ms)
{
	struct timespec t = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&t, NULL);
}

static int lock_whole(int fd, int cmd, short type)
{
	struct flock fl = { .l_type = type, .l_whence = SEEK_SET };

	return fcntl(fd, cmd, &fl);
}

static bool pid_alive(pid_t pid)
{
	return pid > 0 && (!kill(pid, 0) || errno == EPERM);
}

/* Parse the holder's text; false unless it names a live process. */
static bool read_holder(int fd, struct rings_holder *h)
{
	char buf[512], *line, *save = NULL;
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	memset(h, 0, sizeof(*h));
	if (n <= 0)
		return false;
	buf[n] = 0;
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(line, "pid=", 4))
			h->pid = (pid_t)atoi(line + 4);
		else if (!strncmp(line, "role=", 5))
			snprintf(h->role, sizeof(h->role), "%s", line + 5);
		else if (!strncmp(line, "log_dir=", 8))
			snprintf(h->log_dir, sizeof(h->log_dir), "%s",
				 line + 8);
		else if (!strncmp(line, "seq_start=", 10))
			h->seq_start = strtoull(line + 10, NULL, 10);
	}
	return pid_alive(h->pid) && h->role[0];
}

/* The lock is held by someone (not by this open file): who, waiting up to
 * a second for a new holder to write its name. */
static void holder_of(int fd, struct rings_holder *h)
{
	int i;

	for (i = 0; i < 50 && !read_holder(fd, h); i++)
		nap_ms(20);
}

int rings_take(const char *role, const char *log_dir, __u64 seq_start, int *fd,
	       struct rings_holder *h)
{
	int lfd, rc;

	rc = pcrw_run_dir_make();
	if (rc)
		return rc;
	lfd = open(RINGS_LOCK, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (lfd < 0)
		return -errno;
	if (lock_whole(lfd, F_OFD_SETLK, F_WRLCK)) {
		rc = errno == EAGAIN || errno == EACCES ? -EBUSY : -errno;
		if (rc == -EBUSY)
			holder_of(lfd, h);
		close(lfd);
		return rc;
	}
	if (ftruncate(lfd, 0) ||
	    dprintf(lfd, "pid=%d\nrole=%s\nlog_dir=%s\nseq_start=%llu\n",
		    (int)getpid(), role, log_dir ? log_dir : "",
		    (unsigned long long)seq_start) < 0) {
		rc = -errno;
		close(lfd);
		return rc;
	}
	*fd = lfd;
	return 0;
}

void rings_release(int fd)
{
	if (fd < 0)
		return;
	(void)!ftruncate(fd, 0); /* no stale name once let go */
	close(fd); /* drops the lock */
}

bool rings_holder(struct rings_holder *h)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	int fd = open(RINGS_LOCK, O_RDONLY | O_CLOEXEC);

	memset(h, 0, sizeof(*h));
	if (fd < 0)
		return false;
	if (fcntl(fd, F_OFD_GETLK, &fl) || fl.l_type == F_UNLCK) {
		close(fd);
		return false;
	}
	holder_of(fd, h);
	close(fd);
	return true;
}

bool rings_handover_asked(void)
{
	FILE *f = fopen(RINGS_HANDOVER, "re");
	int pid = 0;

	if (!f)
		return false;
	if (fscanf(f, "%d", &pid) != 1)
		pid = 0;
	fclose(f);
	return pid_alive(pid);
}

static void ask_handover(void)
{
	FILE *f = fopen(RINGS_HANDOVER, "we");

	if (!f)
		return;
	fprintf(f, "%d\n", (int)getpid());
	fclose(f);
}

int rings_take_for_agent(const char *log_dir, __u64 seq_start, int wait_ms,
			 int *fd, struct rings_holder *h)
{
	bool asked = false;
	int rc, waited = 0;

	for (;;) {
		rc = rings_take("agent", log_dir, seq_start, fd, h);
		if (rc != -EBUSY || !strcmp(h->role, "agent") ||
		    waited >= wait_ms)
			break;
		if (!asked) {
			ask_handover();
			printf("events   pid %d (pcrwatch %s) reads the ring "
			       "buffers: asked it to hand them over\n",
			       (int)h->pid, h->role[0] ? h->role : "?");
			fflush(stdout);
			asked = true;
		}
		nap_ms(50);
		waited += 50;
	}
	if (asked)
		unlink(RINGS_HANDOVER);
	if (!rc) {
		FILE *f = fopen(AGENT_LOG_DIR_FILE, "we");

		if (f) {
			fprintf(f, "%s\n", log_dir);
			fclose(f);
		}
	}
	return rc;
}

bool rings_wait_for_agent(int wait_ms, struct rings_holder *h)
{
	int waited;

	for (waited = 0; waited <= wait_ms; waited += 50) {
		if (rings_holder(h) && !strcmp(h->role, "agent"))
			return true;
		nap_ms(50);
	}
	return false;
}

void rings_last_log_dir(char *buf, size_t len)
{
	const char *env = getenv("PCRWATCH_LOG_DIR");
	FILE *f;

	if (env && *env) {
		snprintf(buf, len, "%s", env);
		return;
	}
	snprintf(buf, len, "%s", EVENT_LOG_DIR);
	f = fopen(AGENT_LOG_DIR_FILE, "re");
	if (!f)
		return;
	if (fgets(buf, (int)len, f))
		buf[strcspn(buf, "\n")] = 0;
	if (!buf[0])
		snprintf(buf, len, "%s", EVENT_LOG_DIR);
	fclose(f);
}
