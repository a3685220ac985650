// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * msr_vwrite: write one MSR through /dev/cpu/N/msr the ways that are not a
 * plain pwrite(2): writev(2) at the file position (after lseek), pwritev(2),
 * or an io_uring IORING_OP_WRITE, which the kernel runs in an io-wq worker
 * thread of this process. Reports the result like msr_write.
 *   msr_vwrite writev|pwritev|uring CPU MSR VALUE
 * Exit status: 0 on success, else the errno.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/io_uring.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>

/* One IORING_OP_WRITE of @len bytes at @off, waited for: its result. */
static int uring_write(int fd, const void *buf, unsigned int len, __u64 off)
{
	struct io_uring_params p = { 0 };
	struct io_uring_sqe *sqe;
	struct io_uring_cqe *cqe;
	size_t sq_len, cq_len;
	unsigned int *tail, *array, *head;
	char *sq, *cq;
	int ring, res;

	ring = syscall(__NR_io_uring_setup, 1, &p);
	if (ring < 0)
		return -errno;
	sq_len = p.sq_off.array + p.sq_entries * sizeof(__u32);
	cq_len = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
	if (sq_len < cq_len)
		sq_len = cq_len; /* one mapping holds both (FEAT_SINGLE_MMAP) */
	sq = mmap(NULL, sq_len, PROT_READ | PROT_WRITE, MAP_SHARED, ring,
		  IORING_OFF_SQ_RING);
	sqe = mmap(NULL, p.sq_entries * sizeof(*sqe), PROT_READ | PROT_WRITE,
		   MAP_SHARED, ring, IORING_OFF_SQES);
	if (sq == MAP_FAILED || sqe == MAP_FAILED ||
	    !(p.features & IORING_FEAT_SINGLE_MMAP))
		return -ENOSYS;
	cq = sq;
	memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = IORING_OP_WRITE;
	sqe->fd = fd;
	sqe->addr = (__u64)(uintptr_t)buf;
	sqe->len = len;
	sqe->off = off;
	tail = (unsigned int *)(sq + p.sq_off.tail);
	array = (unsigned int *)(sq + p.sq_off.array);
	array[*tail & *(unsigned int *)(sq + p.sq_off.ring_mask)] = 0;
	__atomic_store_n(tail, *tail + 1, __ATOMIC_RELEASE);
	if (syscall(__NR_io_uring_enter, ring, 1, 1, IORING_ENTER_GETEVENTS,
		    NULL, 0) < 0)
		return -errno;
	head = (unsigned int *)(cq + p.cq_off.head);
	cqe = (struct io_uring_cqe *)(cq + p.cq_off.cqes) +
	      (*head & *(unsigned int *)(cq + p.cq_off.ring_mask));
	res = cqe->res;
	close(ring);
	return res;
}

int main(int argc, char **argv)
{
	uint64_t value;
	struct iovec iov = { &value, sizeof(value) };
	uint32_t msr;
	char path[64];
	int fd, rc;

	if (argc != 5) {
		fprintf(stderr, "usage: msr_vwrite writev|pwritev|uring CPU "
				"MSR VALUE\n");
		return 2;
	}
	msr = strtoul(argv[3], NULL, 0);
	value = strtoull(argv[4], NULL, 0);
	snprintf(path, sizeof(path), "/dev/cpu/%s/msr", argv[2]);
	fd = open(path, O_RDWR);
	if (fd < 0) {
		printf("open %s: error %d (%s)\n", path, errno,
		       strerror(errno));
		return 2;
	}
	errno = 0;
	if (!strcmp(argv[1], "writev")) {
		rc = lseek(fd, msr, SEEK_SET) < 0 ? -1
						  : (int)writev(fd, &iov, 1);
	} else if (!strcmp(argv[1], "pwritev")) {
		rc = pwritev(fd, &iov, 1, msr);
	} else if (!strcmp(argv[1], "uring")) {
		rc = uring_write(fd, &value, sizeof(value), msr);
		if (rc < 0) {
			errno = -rc;
			rc = -1;
		}
	} else {
		fprintf(stderr, "msr_vwrite: unknown method %s\n", argv[1]);
		return 2;
	}
	if (rc < 0) {
		int e = errno;

		printf("%s msr 0x%x: error %d (%s)\n", argv[1], msr, e,
		       strerror(e));
		return e;
	}
	printf("%s msr 0x%x: ok\n", argv[1], msr);
	return 0;
}
