// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * msr_write32: a real 32-bit (i386) program that writes one MSR through
 * /dev/cpu/N/msr, for tests/vm-amd64/060-bypass.bats. Freestanding (no
 * 32-bit libc needed: built with gcc -m32 -nostdlib by `make all`).
 *   msr_write32 write|pwrite CPU MSR
 * writes 0 with _llseek + write, or pwrite64. Exit status: 0 or the errno.
 */
#define NR_exit 1
#define NR_write 4
#define NR_open 5
#define NR_llseek 140
#define NR_pwrite64 181
#define O_RDWR 2

static long sys5(long nr, long a, long b, long c, long d, long e)
{
	long ret;

	asm volatile("int $0x80"
		     : "=a"(ret)
		     : "a"(nr), "b"(a), "c"(b), "d"(c), "S"(d), "D"(e)
		     : "memory");
	return ret;
}

static unsigned long parse(const char *s)
{
	unsigned long v = 0;
	int base = 10;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	for (; *s; s++) {
		int d = *s >= '0' && *s <= '9'	 ? *s - '0'
			: *s >= 'a' && *s <= 'f' ? *s - 'a' + 10
			: *s >= 'A' && *s <= 'F' ? *s - 'A' + 10
						 : 99;

		if (d >= base)
			break;
		v = v * base + d;
	}
	return v;
}

static int run(int argc, char **argv)
{
	static char path[32] = "/dev/cpu/";
	unsigned long long value = 0, pos = 0;
	unsigned long msr;
	char *p = path + 9;
	const char *c;
	long fd, rc;

	if (argc != 4)
		return 2;
	for (c = argv[2]; *c && p < path + 20; c++)
		*p++ = *c;
	for (c = "/msr"; *c; c++)
		*p++ = *c;
	*p = 0;
	msr = parse(argv[3]);
	fd = sys5(NR_open, (long)path, O_RDWR, 0, 0, 0);
	if (fd < 0)
		return 2;
	if (argv[1][0] == 'p') {
		rc = sys5(NR_pwrite64, fd, (long)&value, 8, (long)msr, 0);
	} else {
		rc = sys5(NR_llseek, fd, 0, (long)msr, (long)&pos, 0);
		if (rc >= 0)
			rc = sys5(NR_write, fd, (long)&value, 8, 0, 0);
	}
	return rc < 0 ? (int)-rc : 0;
}

/* The kernel's entry: argc, then argv, on the stack. */
void start_c(long *sp);
void __attribute__((used)) start_c(long *sp)
{
	sys5(NR_exit, run((int)sp[0], (char **)(sp + 1)), 0, 0, 0, 0);
}

asm(".globl _start\n"
    "_start:\n"
    "	mov %esp, %eax\n"
    "	and $-16, %esp\n"
    "	sub $12, %esp\n"
    "	push %eax\n"
    "	call start_c\n"
    "	hlt\n");
