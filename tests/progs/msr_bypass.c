// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * msr_bypass: write one MSR through /dev/cpu/N/msr by every way the kernel
 * offers, for tests/vm-amd64/060-bypass.bats.
 *   msr_bypass METHOD CPU MSR VALUE [ROUNDS]
 * METHOD: writev, pwritev2-cur (offset -1: the current position),
 * ia32-write, ia32-pwrite (int 0x80 from this 64-bit process), uring,
 * uring-sqpoll (IORING_OP_WRITE, raw syscalls), same (read the MSR and
 * write the value back), race-lseek, race-dup2, race-ioctl (a second
 * thread moves the position between MSR and MSR+1, swaps the fd between
 * CPU and CPU+1, or rewrites the WRMSR block's register, for ROUNDS
 * writes). Exit status: the last errno, 0 when the last write succeeded;
 * races print how many writes succeeded (the test reads the msr:write_msr
 * trace to see which register they reached).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/io_uring.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>

#ifndef __x86_64__
/* /dev/cpu/N/msr and int 0x80 are x86-64's: elsewhere say so. */
int main(void)
{
	fprintf(stderr, "msr_bypass: x86-64 only\n");
	return 2;
}
#else
#define X86_IOC_WRMSR_REGS _IOWR('c', 0xA1, uint32_t[8])
#define IA32_NR_WRITE 4
#define IA32_NR_PWRITE64 181

static int cpu_fd(int cpu)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/dev/cpu/%d/msr", cpu);
	fd = open(path, O_RDWR);
	if (fd < 0) {
		printf("open %s: %s\n", path, strerror(errno));
		exit(2);
	}
	return fd;
}

static int result(const char *how, long rc)
{
	int e = rc < 0 ? errno : 0;

	printf("%s: %s\n", how, e ? strerror(e) : "ok");
	return e;
}

/* int 0x80 with up to five arguments; -errno on failure, as the kernel
 * answers. Pointers must lie below 4 GiB. */
static long ia32_syscall(long nr, long a, long b, long c, long d, long e)
{
	long ret;

	asm volatile("int $0x80"
		     : "=a"(ret)
		     : "a"(nr), "b"(a), "c"(b), "d"(c), "S"(d), "D"(e)
		     : "memory");
	return ret;
}

static int ia32_write(int fd, uint32_t msr, uint64_t value, int positional)
{
	uint64_t *low = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
	long rc;

	if (low == MAP_FAILED)
		return result("mmap MAP_32BIT", -1);
	*low = value;
	if (positional) {
		rc = ia32_syscall(IA32_NR_PWRITE64, fd, (long)low, 8, msr, 0);
	} else {
		if (lseek(fd, msr, SEEK_SET) < 0)
			return result("lseek", -1);
		rc = ia32_syscall(IA32_NR_WRITE, fd, (long)low, 8, 0, 0);
	}
	if (rc < 0) {
		errno = -rc;
		rc = -1;
	}
	return result(positional ? "ia32 pwrite64" : "ia32 write", rc);
}

struct ring {
	int fd;
	unsigned int *sq_tail, *sq_flags, *sq_array, *cq_head, *cq_tail;
	unsigned int sq_mask, cq_mask;
	struct io_uring_sqe *sqes;
	struct io_uring_cqe *cqes;
};

static int ring_setup(struct ring *r, int sqpoll)
{
	struct io_uring_params p = { 0 };
	char *sq, *cq;

	if (sqpoll) {
		p.flags = IORING_SETUP_SQPOLL;
		p.sq_thread_idle = 1000;
	}
	r->fd = syscall(__NR_io_uring_setup, 4, &p);
	if (r->fd < 0)
		return -1;
	sq = mmap(NULL, p.sq_off.array + p.sq_entries * sizeof(unsigned int),
		  PROT_READ | PROT_WRITE, MAP_SHARED, r->fd,
		  IORING_OFF_SQ_RING);
	cq = mmap(NULL,
		  p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe),
		  PROT_READ | PROT_WRITE, MAP_SHARED, r->fd,
		  IORING_OFF_CQ_RING);
	r->sqes = mmap(NULL, p.sq_entries * sizeof(struct io_uring_sqe),
		       PROT_READ | PROT_WRITE, MAP_SHARED, r->fd,
		       IORING_OFF_SQES);
	if (sq == MAP_FAILED || cq == MAP_FAILED || r->sqes == MAP_FAILED)
		return -1;
	r->sq_tail = (unsigned int *)(sq + p.sq_off.tail);
	r->sq_flags = (unsigned int *)(sq + p.sq_off.flags);
	r->sq_array = (unsigned int *)(sq + p.sq_off.array);
	r->sq_mask = *(unsigned int *)(sq + p.sq_off.ring_mask);
	r->cq_head = (unsigned int *)(cq + p.cq_off.head);
	r->cq_tail = (unsigned int *)(cq + p.cq_off.tail);
	r->cq_mask = *(unsigned int *)(cq + p.cq_off.ring_mask);
	r->cqes = (struct io_uring_cqe *)(cq + p.cq_off.cqes);
	return 0;
}

/* One IORING_OP_WRITE of @value at offset @msr; its completion's result. */
static int uring_write(int fd, uint32_t msr, uint64_t *value, int sqpoll)
{
	struct ring r;
	struct io_uring_sqe *sqe;
	unsigned int tail, flags = IORING_ENTER_GETEVENTS;
	int res;

	if (ring_setup(&r, sqpoll))
		return result(sqpoll ? "io_uring_setup sqpoll"
				     : "io_uring_setup",
			      -1);
	tail = *r.sq_tail;
	sqe = &r.sqes[tail & r.sq_mask];
	memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = IORING_OP_WRITE;
	sqe->fd = fd;
	sqe->addr = (uintptr_t)value;
	sqe->len = sizeof(*value);
	sqe->off = msr;
	r.sq_array[tail & r.sq_mask] = tail & r.sq_mask;
	atomic_store_explicit((_Atomic unsigned int *)r.sq_tail, tail + 1,
			      memory_order_release);
	if (sqpoll && (atomic_load((_Atomic unsigned int *)r.sq_flags) &
		       IORING_SQ_NEED_WAKEUP))
		flags |= IORING_ENTER_SQ_WAKEUP;
	if (syscall(__NR_io_uring_enter, r.fd, sqpoll ? 0 : 1, 1, flags, NULL,
		    0) < 0)
		return result("io_uring_enter", -1);
	while (atomic_load_explicit((_Atomic unsigned int *)r.cq_tail,
				    memory_order_acquire) == *r.cq_head)
		;
	res = r.cqes[*r.cq_head & r.cq_mask].res;
	if (res < 0)
		errno = -res;
	return result(sqpoll ? "io_uring sqpoll write" : "io_uring write",
		      res < 0 ? -1 : res);
}

/* The racing thread's target and what it flips. */
static struct {
	int fd, alt_fd, target;
	uint32_t msr;
	uint32_t *regs;
	atomic_int stop, started;
	const char *how;
} race;

static void *racer(void *arg)
{
	atomic_store(&race.started, 1);
	while (!atomic_load(&race.stop)) {
		if (!strcmp(race.how, "race-lseek")) {
			lseek(race.fd, race.msr, SEEK_SET);
			lseek(race.fd, race.msr + 1, SEEK_SET);
		} else if (!strcmp(race.how, "race-dup2")) {
			dup2(race.fd, race.target);
			dup2(race.alt_fd, race.target);
		} else {
			((volatile uint32_t *)race.regs)[1] = race.msr;
			((volatile uint32_t *)race.regs)[1] = race.msr + 1;
		}
	}
	return NULL;
}

static int race_writes(const char *how, int cpu, uint32_t msr, uint64_t value,
		       long rounds)
{
	uint32_t regs[8] = { (uint32_t)value, msr, value >> 32 };
	pthread_t t;
	long i, ok = 0;
	int rc, e = 0;

	race.how = how;
	race.fd = cpu_fd(cpu);
	race.alt_fd = cpu_fd(cpu + 1);
	race.target = 100;
	race.msr = msr;
	race.regs = regs;
	dup2(race.fd, race.target);
	if (pthread_create(&t, NULL, racer, NULL))
		return result("pthread_create", -1);
	while (!atomic_load(&race.started)) /* race from the first write */
		;
	for (i = 0; i < rounds; i++) {
		if (!strcmp(how, "race-lseek"))
			rc = write(race.fd, &value, sizeof(value));
		else if (!strcmp(how, "race-dup2"))
			rc = pwrite(race.target, &value, sizeof(value), msr);
		else
			rc = ioctl(race.fd, X86_IOC_WRMSR_REGS, regs);
		if (rc >= 0)
			ok++;
		else
			e = errno;
	}
	atomic_store(&race.stop, 1);
	pthread_join(t, NULL);
	printf("%s: %ld of %ld writes succeeded, last error %s\n", how, ok,
	       rounds, e ? strerror(e) : "none");
	return e;
}

static int plain_write(const char *how, int fd, uint32_t msr, uint64_t value)
{
	struct iovec iov = { &value, sizeof(value) };

	if (!strcmp(how, "writev")) {
		if (lseek(fd, msr, SEEK_SET) < 0)
			return result("lseek", -1);
		return result(how, writev(fd, &iov, 1));
	}
	if (lseek(fd, msr, SEEK_SET) < 0)
		return result("lseek", -1);
	return result(how, pwritev2(fd, &iov, 1, -1, 0));
}

int main(int argc, char **argv)
{
	const char *how;
	uint64_t value;
	uint32_t msr;
	int cpu, fd;

	if (argc < 5) {
		fprintf(stderr,
			"usage: msr_bypass METHOD CPU MSR VALUE [ROUNDS]\n");
		return 2;
	}
	how = argv[1];
	cpu = atoi(argv[2]);
	msr = strtoul(argv[3], NULL, 0);
	value = strtoull(argv[4], NULL, 0);
	if (!strncmp(how, "race-", 5))
		return race_writes(how, cpu, msr, value,
				   argc > 5 ? atol(argv[5]) : 2000);
	fd = cpu_fd(cpu);
	if (!strcmp(how, "writev") || !strcmp(how, "pwritev2-cur"))
		return plain_write(how, fd, msr, value);
	if (!strcmp(how, "ia32-write") || !strcmp(how, "ia32-pwrite"))
		return ia32_write(fd, msr, value, !strcmp(how, "ia32-pwrite"));
	if (!strcmp(how, "uring") || !strcmp(how, "uring-sqpoll"))
		return uring_write(fd, msr, &value,
				   !strcmp(how, "uring-sqpoll"));
	if (!strcmp(how, "same")) {
		if (pread(fd, &value, sizeof(value), msr) != sizeof(value))
			value = 0;
		return result("write back",
			      pwrite(fd, &value, sizeof(value), msr));
	}
	fprintf(stderr, "msr_bypass: unknown method %s\n", how);
	return 2;
}
#endif
