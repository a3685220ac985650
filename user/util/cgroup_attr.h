/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * cgroup_attr.h - who a cgroup v2 path belongs to, from the path alone: the
 * systemd unit, the container id and runtime, the Kubernetes pod uid. Pod
 * and container views then need no Kubernetes or container-runtime API.
 * The names are those systemd, the kubelet (systemd and cgroupfs drivers),
 * containerd, CRI-O, Docker and Podman give their cgroups.
 */
#ifndef PCRW_CGROUP_ATTR_H
#define PCRW_CGROUP_ATTR_H

#include <stdbool.h>

struct cgroup_attr {
	char unit[128]; /* deepest .service or .scope, else .slice; "" */
	char container_id[65]; /* 64 hex digits; "" */
	char runtime[16]; /* containerd, cri-o, docker, podman; "" */
	char pod_uid[37]; /* 8-4-4-4-12 with dashes; "" */
};

/* Fill @a from @path ("/kubepods.slice/.../cri-containerd-<id>.scope").
 * Returns true when anything was recognised. */
bool cgroup_attr_parse(const char *path, struct cgroup_attr *a);

#endif
