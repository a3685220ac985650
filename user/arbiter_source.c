// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The arbiter source: every slot the pcr_arbiter module holds reserved, per
 * online CPU, as an owner record (path PCRW_PATH_ARBITER). Read through the
 * module's status ioctl, which never returns a cookie.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arbiter.h"
#include "model.h"

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
	int fd, err = 0, cpu;

	/* Any online CPU's node answers; CPU 0 may be offline. */
	for (cpu = 0, fd = -ENOENT; cpu < PCRW_MAX_CPUS && fd < 0; cpu++)
		fd = arbiter_open_cpu(cpu);
	if (fd < 0)
		return fd;
	if (ioctl(fd, PCR_ARB_IOC_INFO, info))
		err = -errno;
	close(fd);
	return err;
}

static void slot_record(struct owner_record *r, int cpu,
			const struct pcr_arb_slot_status *st)
{
	memset(r, 0, sizeof(*r));
	r->id = ((__u64)cpu << 32) | 0x80000000ULL | st->slot;
	r->cpu = cpu;
	r->hw_idx = -1;
	r->slot = st->slot;
	r->path = PCRW_PATH_ARBITER;
	r->owner.layer = st->holder_layer;
	r->owner.tgid = st->holder_tgid;
	memcpy(r->owner.comm, st->holder_comm, sizeof(r->owner.comm));
	r->owner.comm[sizeof(r->owner.comm) - 1] = 0;
	r->attributed = true;
	snprintf(r->pmu, sizeof(r->pmu), "%s", PCR_ARB_MODULE);
	snprintf(r->event, sizeof(r->event), "reserved %s%s%s",
		 st->flags & PCR_ARB_SLOT_ACCESS_OPEN ? "open" : "locked",
		 st->flags & PCR_ARB_SLOT_PRIVATE ? " private" : "",
		 st->flags & PCR_ARB_SLOT_FIRMWARE ? " firmware" : "");
	r->config = st->control;
	r->state = SLOT_OFF;
	r->reservation_id = ((__u64)cpu << 8 | st->slot) + 1;
}

static int collect_cpu(struct model *m, int cpu, int fd)
{
	struct pcr_arb_slot_status st;
	struct owner_record r;
	__u32 slot;
	int err;

	for (slot = 0; slot < PCR_MAX_SLOTS; slot++) {
		memset(&st, 0, sizeof(st));
		st.slot = slot;
		if (ioctl(fd, PCR_ARB_IOC_STATUS, &st))
			return -errno;
		if (!(st.flags & PCR_ARB_SLOT_RESERVED))
			continue;
		slot_record(&r, cpu, &st);
		err = model_add(m, &r);
		if (err)
			return err;
	}
	return 0;
}

int arbiter_source_collect(struct model *m)
{
	struct pcr_arb_info info;
	int cpu, fd, err, seen = 0;

	if (!arbiter_module_present())
		return 0;
	err = arbiter_info(&info);
	if (err) {
		model_note(m,
			   "pcr_arbiter is loaded but its devices cannot be "
			   "read (%s)",
			   strerror(-err));
		return err;
	}
	model_note(m,
		   "pcr_arbiter loaded (mode %s): its registers are the source "
		   "of truth for reservations",
		   arbiter_mode_name(info.mode));
	for (cpu = 0; cpu < PCRW_MAX_CPUS; cpu++) {
		fd = arbiter_open_cpu(cpu);
		if (fd == -ENOENT || fd == -ENXIO)
			continue; /* offline or absent CPU */
		if (fd < 0)
			return fd;
		err = collect_cpu(m, cpu, fd);
		close(fd);
		if (err)
			return err;
		seen++;
	}
	return seen ? 0 : -ENODEV;
}
