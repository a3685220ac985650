// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * ringbuf_dump PINNED_RINGBUF - print the struct pcrw_event records waiting
 * in a pinned BPF ring buffer, one line each, and consume them. Raw bpf(2)
 * and mmap, no libbpf, so it builds as a plain test program.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <linux/bpf.h>

#include "pcrwatch.h"

static int bpf_call(int cmd, union bpf_attr *attr)
{
	return syscall(__NR_bpf, cmd, attr, sizeof(*attr));
}

static void print_event(const struct pcrw_event *e)
{
	printf("kind=%u cpu=%u slot=%u value=0x%llx old=0x%llx verdict=%u "
	       "layer=%u tgid=%u prev_layer=%u comm=%.16s resv=%llu\n",
	       e->kind, e->cpu, e->slot, (unsigned long long)e->value,
	       (unsigned long long)e->old_value, e->verdict, e->actor.layer,
	       e->actor.tgid, e->prev.layer, e->actor.comm,
	       (unsigned long long)e->reservation_id);
}

int main(int argc, char **argv)
{
	struct bpf_map_info info;
	union bpf_attr attr;
	unsigned long *cons, *prod, cpos, ppos, mask;
	long page = sysconf(_SC_PAGESIZE);
	unsigned char *data;
	int fd, n = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: ringbuf_dump PINNED_RINGBUF\n");
		return 2;
	}
	memset(&attr, 0, sizeof(attr));
	attr.pathname = (unsigned long)argv[1];
	fd = bpf_call(BPF_OBJ_GET, &attr);
	if (fd < 0) {
		fprintf(stderr, "ringbuf_dump: %s: %s\n", argv[1],
			strerror(errno));
		return 1;
	}
	memset(&info, 0, sizeof(info));
	memset(&attr, 0, sizeof(attr));
	attr.info.bpf_fd = fd;
	attr.info.info_len = sizeof(info);
	attr.info.info = (unsigned long)&info;
	if (bpf_call(BPF_OBJ_GET_INFO_BY_FD, &attr) ||
	    info.type != BPF_MAP_TYPE_RINGBUF) {
		fprintf(stderr, "ringbuf_dump: %s is not a ring buffer\n",
			argv[1]);
		return 1;
	}
	mask = info.max_entries - 1;
	cons = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	prod = mmap(NULL, page + 2 * (size_t)info.max_entries, PROT_READ,
		    MAP_SHARED, fd, page);
	if (cons == MAP_FAILED || prod == MAP_FAILED) {
		fprintf(stderr, "ringbuf_dump: mmap: %s\n", strerror(errno));
		return 1;
	}
	data = (unsigned char *)prod + page;
	cpos = __atomic_load_n(cons, __ATOMIC_ACQUIRE);
	ppos = __atomic_load_n(prod, __ATOMIC_ACQUIRE);
	while (cpos < ppos) {
		__u32 len = __atomic_load_n((__u32 *)(data + (cpos & mask)),
					    __ATOMIC_ACQUIRE);

		if (len & BPF_RINGBUF_BUSY_BIT)
			break;
		if (!(len & BPF_RINGBUF_DISCARD_BIT) &&
		    (len & ~BPF_RINGBUF_DISCARD_BIT) >=
			    sizeof(struct pcrw_event)) {
			print_event((
				const struct pcrw_event *)(data +
							   (cpos & mask) +
							   BPF_RINGBUF_HDR_SZ));
			n++;
		}
		len &= ~(BPF_RINGBUF_BUSY_BIT | BPF_RINGBUF_DISCARD_BIT);
		cpos += (len + BPF_RINGBUF_HDR_SZ + 7) & ~7UL;
		__atomic_store_n(cons, cpos, __ATOMIC_RELEASE);
	}
	printf("events=%d\n", n);
	return 0;
}
