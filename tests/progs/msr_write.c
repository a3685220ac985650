// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * msr_write: write one MSR through /dev/cpu/N/msr by write(2) after lseek,
 * pwrite(2) or the X86_IOC_WRMSR_REGS ioctl, and report the errno.
 *   msr_write write|pwrite|ioctl CPU MSR VALUE
 * Exit status: 0 on success, else the errno (16: EBUSY, 5: EIO).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>

#define X86_IOC_WRMSR_REGS _IOWR('c', 0xA1, uint32_t[8])

int main(int argc, char **argv)
{
	uint32_t regs[8] = { 0 };
	uint64_t value;
	uint32_t msr;
	char path[64];
	int fd, rc;

	if (argc != 5) {
		fprintf(stderr,
			"usage: msr_write write|pwrite|ioctl CPU MSR VALUE\n");
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
	if (!strcmp(argv[1], "write")) {
		rc = lseek(fd, msr, SEEK_SET) < 0
			     ? -1
			     : (int)write(fd, &value, sizeof(value));
	} else if (!strcmp(argv[1], "pwrite")) {
		rc = pwrite(fd, &value, sizeof(value), msr);
	} else if (!strcmp(argv[1], "ioctl")) {
		regs[0] = (uint32_t)value;
		regs[1] = msr;
		regs[2] = value >> 32;
		rc = ioctl(fd, X86_IOC_WRMSR_REGS, regs);
	} else {
		fprintf(stderr, "msr_write: unknown method %s\n", argv[1]);
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
