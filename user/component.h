/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * component.h - the BPF program groups pcrwatch keeps attached. Each group
 * pins its links and maps under PCRW_PIN_ROOT/<name>/ so that state and
 * enforcement outlive any one pcrwatch process (`pcrwatch attach`), and any
 * later command reads the same maps. Each group picks its attach method by
 * probing (user/kernel_probe.h) and reports which it got.
 */
#ifndef PCRW_COMPONENT_H
#define PCRW_COMPONENT_H

#include <stdbool.h>
#include <stddef.h>
#include <errno.h>

#define PCRW_PIN_PARENT "/sys/fs/bpf"
#define PCRW_PIN_NAME "pcrwatch"
#define PCRW_PIN_ROOT PCRW_PIN_PARENT "/" PCRW_PIN_NAME

struct attach_opts {
	bool audit; /* vetoes log but deny nothing */
	bool signal_enforce; /* no LSM: bpf_send_signal, asked for explicitly */
};

struct component {
	const char *name; /* pin folder and `pcrwatch attach` line */
	/* Attach and pin; idempotent: already pinned is success. Writes one
	 * line about the method chosen (or why none) into @how. Returns 0,
	 * -EOPNOTSUPP when this kernel cannot run the group (said, not an
	 * error), or another negative errno. */
	int (*attach)(const struct attach_opts *o, char *how, size_t len);
	/* Unpin (the programs detach when nothing holds them). */
	int (*detach)(void);
	/* True when pinned and attached now. */
	bool (*attached)(void);
};

/* Every component this build has (user/component.c). */
const struct component *const *components(void);

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
