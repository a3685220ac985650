// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The pcr_arbiter module's devices: whether it is loaded, its mode, and
 * the slots it holds for someone (pcr_rules.h rule 7), which `reserve` and
 * policy loads leave to it. Status ioctls only: a cookie never comes back.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arbiter.h"
#include "map_size.h"

#define ARBITER_SYSFS "/sys/module/" PCR_ARB_MODULE

bool arbiter_module_present(void)
{
	struct stat st;

	return !stat(ARBITER_SYSFS, &st);
}

int arbiter_open_cpu(int cpu)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), PCR_ARB_DEV_FMT, cpu);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

const char *arbiter_mode_name(__u32 mode)
{
	static const char *const names[] = { "none", "minimal",
					     "minimal-enforcing",
					     "fully-enforcing" };

	return mode < sizeof(names) / sizeof(names[0]) ? names[mode] : "?";
}

int arbiter_info(struct pcr_arb_info *info)
{
	int fd, err = 0, cpu, nr = pcrw_possible_cpus();

	/* Any online CPU's node answers; CPU 0 may be offline. */
	for (cpu = 0, fd = -ENOENT; cpu < nr && fd < 0; cpu++)
		fd = arbiter_open_cpu(cpu);
	if (fd < 0)
		return fd;
	if (ioctl(fd, PCR_ARB_IOC_INFO, info))
		err = -errno;
	close(fd);
	return err;
}

static int each_slot_of(int cpu, int fd, arbiter_slot_fn *fn, void *ctx)
{
	struct pcr_arb_slot_status st;
	__u32 slot;
	int err;

	for (slot = 0; slot < PCR_MAX_SLOTS; slot++) {
		memset(&st, 0, sizeof(st));
		st.slot = slot;
		if (ioctl(fd, PCR_ARB_IOC_STATUS, &st))
			return -errno;
		err = fn(cpu, &st, ctx);
		if (err)
			return err;
	}
	return 0;
}

int arbiter_each_slot(arbiter_slot_fn *fn, void *ctx)
{
	int cpu, fd, err, seen = 0, nr = pcrw_possible_cpus();

	for (cpu = 0; cpu < nr; cpu++) {
		fd = arbiter_open_cpu(cpu);
		if (fd == -ENOENT || fd == -ENXIO)
			continue; /* offline or absent CPU */
		if (fd < 0)
			return fd;
		err = each_slot_of(cpu, fd, fn, ctx);
		close(fd);
		if (err)
			return err;
		seen++;
	}
	return seen;
}

static int add_held(int cpu, const struct pcr_arb_slot_status *st, void *held)
{
	if (pcr_module_slot_taken(st->flags, st->holder_tgid))
		((__u64 *)held)[cpu] |= 1ULL << st->slot;
	return 0;
}

int arbiter_held_slots(__u64 held[PCRW_MAX_CPUS])
{
	int err;

	memset(held, 0, PCRW_MAX_CPUS * sizeof(held[0]));
	if (!arbiter_module_present())
		return 0;
	err = arbiter_each_slot(add_held, held);
	return err < 0 ? err : 0;
}
