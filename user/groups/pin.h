/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * pin.h - the pin folders under PCRW_PIN_ROOT, one per BPF program group
 * (user/groups/pin.c): checked once as descriptors, then every pin, lookup and
 * unpin goes through them.
 */
#ifndef PCRW_PIN_H
#define PCRW_PIN_H

#include <stdbool.h>
#include <stddef.h>
#include <errno.h>

#define PCRW_PIN_PARENT "/sys/fs/bpf"
#define PCRW_PIN_NAME "pcrwatch"
#define PCRW_PIN_ROOT PCRW_PIN_PARENT "/" PCRW_PIN_NAME

/* The program groups' folders under PCRW_PIN_ROOT (user/groups/component.h). */
#define PCRW_GROUP_MSR "msr"
#define PCRW_GROUP_PERF "perf"
#define PCRW_GROUP_VETO "veto"
#define PCRW_GROUP_ARBITER "arbiter"

/* What a refused pin folder gives: "File exists", and not ours to use. */
#define PCRW_EUNSAFE EEXIST

/*
 * The folder PCRW_PIN_ROOT/<group> as a file descriptor (cached: do not
 * close it), made mode 0700 when missing and @create. A folder that is a
 * symbolic link, not a directory, not root's or writable by others is
 * refused: said once on stderr, -PCRW_EUNSAFE. -ENOENT when missing and
 * not @create.
 */
int pcrw_pin_dir(const char *group, bool create);

/* Where to pin PCRW_PIN_ROOT/<group>/<name>, as a path through the checked
 * folder's descriptor (/proc/self/fd/N/<name>): valid while this process
 * runs. Creates the folders; a negative errno when refused. */
int pcrw_pin_path(char *buf, size_t len, const char *group, const char *name);
/* The folder itself, for libbpf's pin_root_path (pinning by name): the
 * same checked path without a name. */
int pcrw_pin_root(char *buf, size_t len, const char *group);
/* bpf_obj_get() of PCRW_PIN_ROOT/<group>/<name> in a checked folder: an fd,
 * or -1 with errno set. */
int pcrw_obj_get(const char *group, const char *name);

struct bpf_link;
struct bpf_map;
struct bpf_program;

/* Pin one object as PCRW_PIN_ROOT/<group>/<name>: 0 or a negative errno. */
int pcrw_pin_link(struct bpf_link *l, const char *group, const char *name);
int pcrw_pin_map(struct bpf_map *m, const char *group, const char *name);
int pcrw_pin_prog(struct bpf_program *p, const char *group, const char *name);
/* Whether PCRW_PIN_ROOT/<group>/<name> exists. */
bool pcrw_pinned(const char *group, const char *name);
/* Remove one pin; one already gone is success. 0 or a negative errno. */
int pcrw_unpin(const char *group, const char *name);

#endif
