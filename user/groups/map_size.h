/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * map_size.h - the per-CPU maps of every BPF object, sized at load from
 * the CPUs the running kernel can have, never from a compile-time table.
 */
#ifndef PCRW_MAP_SIZE_H
#define PCRW_MAP_SIZE_H

struct bpf_object;

#include "possible_cpus.h"

/* Size the per-CPU maps of @obj, opened and not yet loaded: 0 or -errno
 * (the object must then not be loaded: its maps would name too few CPUs). */
int pcrw_size_maps(struct bpf_object *obj);

#endif
