// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * kvm_vpmu_guest: the smallest KVM guest that uses a vPMU, for the nested
 * test (an arm64 QEMU guest started with -M virt,virtualization=on runs KVM).
 * One vCPU, with KVM's PMUv3 emulation, runs a few dozen instructions at EL1
 * (MMU off): it enables the cycle counter, then times batches of CNTVCT_EL0
 * reads and of PMCCNTR_EL0 reads against CNTVCT_EL0 and reports each batch
 * with an MMIO write. KVM traps every guest PMU register access (MDCR_EL2.TPM)
 * and backs the counter with a host perf event it creates in the kernel on
 * this vCPU thread: the hypervisor layer's counter pcrwatch attributes.
 *
 *   kvm_vpmu_guest [-n READS] [-b BATCHES] [--hold]
 * Prints "nested guest: ..." lines with ns per read; with --hold keeps the VM
 * (and its vPMU event) alive after measuring, until SIGTERM or SIGINT.
 * The vCPU thread is named "CPU 0/KVM", as QEMU names it with debug-threads.
 * Exit 0 done, 1 KVM error, 2 usage, 77 not arm64 or no /dev/kvm.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>

#include "../../user/probe/readcost.h" /* the verdict thresholds */

#if defined(__aarch64__)
#include <linux/kvm.h>

#define GUEST_RAM 0x40000000ULL /* IPA of the guest's only memory */
#define GUEST_RAM_SIZE 0x10000
#define GUEST_MMIO 0x09000000ULL /* no memslot here: writes exit to us */
#define MAX_BATCHES 64

/* Guest code, position independent. x0 = reads per batch, x1 = MMIO base,
 * x2 = batches. Per batch: [x1+0] <- CNTVCT ticks for x0 CNTVCT reads,
 * [x1+8] <- ticks for x0 PMCCNTR reads; then [x1+16] <- final PMCCNTR and
 * [x1+24] <- 1 (done), then it spins. */
asm(".pushsection .rodata\n"
    ".balign 4\n"
    ".global vpmu_guest_code, vpmu_guest_code_end\n"
    "vpmu_guest_code:\n"
    "	mov	x9, #5\n"
    "	msr	pmcr_el0, x9\n" /* E: enable the counters, C: zero cycles */
    "	mov	x9, #(1 << 31)\n"
    "	msr	pmcntenset_el0, x9\n" /* the cycle counter */
    "	isb\n"
    "1:	mrs	x4, cntvct_el0\n"
    "	mov	x3, x0\n"
    "2:	mrs	x5, cntvct_el0\n"
    "	subs	x3, x3, #1\n"
    "	b.ne	2b\n"
    "	mrs	x6, cntvct_el0\n"
    "	sub	x6, x6, x4\n"
    "	str	x6, [x1]\n"
    "	mrs	x4, cntvct_el0\n"
    "	mov	x3, x0\n"
    "3:	mrs	x5, pmccntr_el0\n"
    "	subs	x3, x3, #1\n"
    "	b.ne	3b\n"
    "	mrs	x6, cntvct_el0\n"
    "	sub	x6, x6, x4\n"
    "	str	x6, [x1, #8]\n"
    "	subs	x2, x2, #1\n"
    "	b.ne	1b\n"
    "	mrs	x5, pmccntr_el0\n"
    "	str	x5, [x1, #16]\n"
    "	mov	x9, #1\n"
    "	str	x9, [x1, #24]\n"
    "4:	wfi\n"
    "	b	4b\n"
    "vpmu_guest_code_end:\n"
    ".popsection\n");
extern const unsigned char vpmu_guest_code[], vpmu_guest_code_end[];

#define CORE_REG(field)                                        \
	(KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_CORE | \
	 (offsetof(struct kvm_regs, field) / sizeof(__u32)))

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	stop = 1;
}

struct vm {
	int kvm, vm, vcpu;
	struct kvm_run *run;
	size_t run_size;
	unsigned long reads, batches;
	unsigned long long cnt[MAX_BATCHES], pmc[MAX_BATCHES], final_pmc;
	unsigned long nr_cnt, nr_pmc;
	int err;
	const char *failed;
	int done_fd; /* the vCPU thread writes one byte when it is done */
};

static int set_reg(int fd, __u64 id, __u64 val)
{
	struct kvm_one_reg reg = { .id = id,
				   .addr = (__u64)(unsigned long)&val };

	return ioctl(fd, KVM_SET_ONE_REG, &reg);
}

static int fail(struct vm *v, const char *what)
{
	v->err = errno;
	v->failed = what;
	return -1;
}

static int setup(struct vm *v, void *ram)
{
	struct kvm_userspace_memory_region mem = {
		.slot = 0,
		.guest_phys_addr = GUEST_RAM,
		.memory_size = GUEST_RAM_SIZE,
		.userspace_addr = (__u64)(unsigned long)ram,
	};
	struct kvm_device_attr pmu_init = {
		.group = KVM_ARM_VCPU_PMU_V3_CTRL,
		.attr = KVM_ARM_VCPU_PMU_V3_INIT,
	};
	struct kvm_vcpu_init init;
	int sz;

	v->kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (v->kvm < 0)
		return fail(v, "open /dev/kvm");
	v->vm = ioctl(v->kvm, KVM_CREATE_VM, 0);
	if (v->vm < 0)
		return fail(v, "KVM_CREATE_VM");
	if (ioctl(v->vm, KVM_SET_USER_MEMORY_REGION, &mem))
		return fail(v, "KVM_SET_USER_MEMORY_REGION");
	v->vcpu = ioctl(v->vm, KVM_CREATE_VCPU, 0);
	if (v->vcpu < 0)
		return fail(v, "KVM_CREATE_VCPU");
	if (ioctl(v->vm, KVM_ARM_PREFERRED_TARGET, &init))
		return fail(v, "KVM_ARM_PREFERRED_TARGET");
	init.features[0] |= 1U << KVM_ARM_VCPU_PMU_V3;
	if (ioctl(v->vcpu, KVM_ARM_VCPU_INIT, &init))
		return fail(v, "KVM_ARM_VCPU_INIT with PMUv3");
	/* No in-kernel GIC: KVM allows a vPMU without its overflow IRQ. */
	if (ioctl(v->vcpu, KVM_SET_DEVICE_ATTR, &pmu_init))
		return fail(v, "KVM_ARM_VCPU_PMU_V3_INIT");
	sz = ioctl(v->kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (sz <= 0)
		return fail(v, "KVM_GET_VCPU_MMAP_SIZE");
	v->run_size = sz;
	v->run = mmap(NULL, v->run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		      v->vcpu, 0);
	if (v->run == MAP_FAILED)
		return fail(v, "mmap kvm_run");
	if (set_reg(v->vcpu, CORE_REG(regs.pc), GUEST_RAM) ||
	    set_reg(v->vcpu, CORE_REG(regs.regs[0]), v->reads) ||
	    set_reg(v->vcpu, CORE_REG(regs.regs[1]), GUEST_MMIO) ||
	    set_reg(v->vcpu, CORE_REG(regs.regs[2]), v->batches))
		return fail(v, "KVM_SET_ONE_REG");
	return 0;
}

/* The vCPU thread: run until the guest writes "done". */
static void *vcpu_thread(void *arg)
{
	struct vm *v = arg;
	unsigned long long val;
	sigset_t block;

	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	pthread_sigmask(SIG_BLOCK, &block, NULL);
	prctl(PR_SET_NAME, "CPU 0/KVM");
	for (;;) {
		if (ioctl(v->vcpu, KVM_RUN, 0)) {
			if (errno == EINTR)
				continue;
			fail(v, "KVM_RUN");
			break;
		}
		if (v->run->exit_reason != KVM_EXIT_MMIO ||
		    !v->run->mmio.is_write) {
			errno = EIO;
			fail(v, "unexpected exit from the guest");
			fprintf(stderr, "exit reason %u\n",
				v->run->exit_reason);
			break;
		}
		memcpy(&val, v->run->mmio.data, sizeof(val));
		switch (v->run->mmio.phys_addr - GUEST_MMIO) {
		case 0:
			if (v->nr_cnt < MAX_BATCHES)
				v->cnt[v->nr_cnt++] = val;
			break;
		case 8:
			if (v->nr_pmc < MAX_BATCHES)
				v->pmc[v->nr_pmc++] = val;
			break;
		case 16:
			v->final_pmc = val;
			break;
		}
		if (v->run->mmio.phys_addr - GUEST_MMIO == 24)
			break;
	}
	/* Done or failed: wake main, then idle like a halted vCPU thread
	 * (its vPMU event stays alive) until main cancels it. */
	if (write(v->done_fd, "", 1) != 1)
		return NULL;
	for (;;)
		pause();
	return NULL;
}

static int cmp_ull(const void *a, const void *b)
{
	unsigned long long x = *(const unsigned long long *)a;
	unsigned long long y = *(const unsigned long long *)b;

	return x < y ? -1 : x > y;
}

static double ns_per_read(unsigned long long *ticks, unsigned long n,
			  unsigned long reads, double ns_per_tick, double *min)
{
	qsort(ticks, n, sizeof(*ticks), cmp_ull);
	*min = ticks[0] * ns_per_tick / reads;
	return ticks[n / 2] * ns_per_tick / reads;
}

static int run_guest(unsigned long reads, unsigned long batches, int hold)
{
	struct vm v = { .kvm = -1, .vm = -1, .vcpu = -1 };
	size_t code_len = vpmu_guest_code_end - vpmu_guest_code;
	double tick_ns, cnt_med, cnt_min, pmc_med, pmc_min, ratio;
	unsigned long long frq;
	int pfd[2];
	pthread_t th;
	void *ram;
	char c;

	v.reads = reads;
	v.batches = batches;
	ram = mmap(NULL, GUEST_RAM_SIZE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (ram == MAP_FAILED)
		return 1;
	memcpy(ram, vpmu_guest_code, code_len);
	__builtin___clear_cache(ram, (char *)ram + code_len);
	if (setup(&v, ram)) {
		fprintf(stderr, "kvm_vpmu_guest: %s: %s\n", v.failed,
			strerror(v.err));
		return v.err == ENOENT || v.err == ENODEV ? 77 : 1;
	}
	if (pipe(pfd))
		return 1;
	v.done_fd = pfd[1];
	if (pthread_create(&th, NULL, vcpu_thread, &v))
		return 1;
	while (read(pfd[0], &c, 1) < 0 && errno == EINTR)
		;
	if (v.failed) {
		fprintf(stderr, "kvm_vpmu_guest: %s: %s\n", v.failed,
			strerror(v.err));
		return 1;
	}
	asm volatile("mrs %0, cntfrq_el0" : "=r"(frq));
	tick_ns = 1e9 / (double)frq;
	cnt_med = ns_per_read(v.cnt, v.nr_cnt, reads, tick_ns, &cnt_min);
	pmc_med = ns_per_read(v.pmc, v.nr_pmc, reads, tick_ns, &pmc_min);
	ratio = cnt_med > 0 ? pmc_med / cnt_med : 0;
	printf("nested guest: %lu batches x %lu reads, timer %llu Hz\n",
	       batches, reads, frq);
	printf("nested guest: cntvct_el0 min %.1f ns median %.1f ns per read\n",
	       cnt_min, cnt_med);
	printf("nested guest: pmccntr_el0 min %.1f ns median %.1f ns per read "
	       "(final count %llu)\n",
	       pmc_min, pmc_med, v.final_pmc);
	if (cnt_med <= 0)
		printf("nested guest: verdict: CNTVCT_EL0 reads are below the "
		       "timer's resolution; raise -n\n");
	else if (ratio >= RC_TRAP_RATIO)
		printf("nested guest: verdict: cycle counter reads trap: %.0fx "
		       "the generic timer; use CNTVCT_EL0 for time\n",
		       ratio);
	else if (ratio >= RC_SLOW_RATIO)
		printf("nested guest: verdict: cycle counter reads are slow: "
		       "%.1fx the generic timer\n",
		       ratio);
	else
		printf("nested guest: verdict: cycle counter reads do not "
		       "trap: "
		       "%.1fx the generic timer\n",
		       ratio);
	fflush(stdout);
	if (hold) {
		signal(SIGTERM, on_signal);
		signal(SIGINT, on_signal);
		printf("nested guest: holding the VM (pid %d) until SIGTERM\n",
		       getpid());
		fflush(stdout);
		while (!stop)
			pause();
	}
	pthread_cancel(th);
	pthread_join(th, NULL);
	return 0;
}
#endif

int main(int argc, char **argv)
{
	unsigned long reads = 200, batches = 5;
	int hold = 0, i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--hold"))
			hold = 1;
		else if (!strcmp(argv[i], "-n") && i + 1 < argc)
			reads = strtoul(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "-b") && i + 1 < argc)
			batches = strtoul(argv[++i], NULL, 10);
		else {
			fprintf(stderr, "usage: kvm_vpmu_guest [-n READS] "
					"[-b BATCHES] [--hold]\n");
			return 2;
		}
	}
	if (!reads || !batches || batches > 64) {
		fprintf(stderr,
			"kvm_vpmu_guest: READS >= 1, 1 <= BATCHES <= 64\n");
		return 2;
	}
#if defined(__aarch64__)
	return run_guest(reads, batches, hold);
#else
	(void)hold;
	fprintf(stderr, "kvm_vpmu_guest: arm64 only\n");
	return 77;
#endif
}
