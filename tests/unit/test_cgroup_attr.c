// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Unit tests of user/util/cgroup_attr.c: unit, container and pod from the
 * cgroup paths systemd, the kubelet's two drivers and the runtimes really make.
 */
#include <string.h>

#include "cgroup_attr.h"
#include "tap.h"

#define ID "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define UID "8a0c3b5e-1f2d-4c6b-9e7a-0b1c2d3e4f50"
#define UID_ "8a0c3b5e_1f2d_4c6b_9e7a_0b1c2d3e4f50"

static struct cgroup_attr a;

TEST(systemd_service)
{
	CHECK(cgroup_attr_parse("/system.slice/nginx.service", &a));
	CHECK(!strcmp(a.unit, "nginx.service"));
	CHECK(!a.container_id[0] && !a.pod_uid[0] && !a.runtime[0]);
}

TEST(user_session_scope_is_the_deepest_leaf)
{
	CHECK(cgroup_attr_parse("/user.slice/user-1000.slice/user@1000.service/"
				"app.slice/app-firefox-1234.scope",
				&a));
	CHECK(!strcmp(a.unit, "app-firefox-1234.scope"));
}

TEST(slice_only)
{
	CHECK(cgroup_attr_parse("/machine.slice", &a));
	CHECK(!strcmp(a.unit, "machine.slice"));
}

TEST(kubelet_systemd_driver_containerd)
{
	CHECK(cgroup_attr_parse("/kubepods.slice/kubepods-burstable.slice/"
				"kubepods-burstable-pod" UID_ ".slice/"
				"cri-containerd-" ID ".scope",
				&a));
	CHECK(!strcmp(a.pod_uid, UID));
	CHECK(!strcmp(a.container_id, ID));
	CHECK(!strcmp(a.runtime, "containerd"));
	CHECK(!strcmp(a.unit, "cri-containerd-" ID ".scope"));
}

TEST(kubelet_guaranteed_pod_and_crio)
{
	CHECK(cgroup_attr_parse("/kubepods.slice/kubepods-pod" UID_ ".slice/"
				"crio-" ID ".scope",
				&a));
	CHECK(!strcmp(a.pod_uid, UID));
	CHECK(!strcmp(a.runtime, "cri-o"));
}

TEST(kubelet_cgroupfs_driver)
{
	CHECK(cgroup_attr_parse("/kubepods/besteffort/pod" UID "/" ID, &a));
	CHECK(!strcmp(a.pod_uid, UID));
	CHECK(!strcmp(a.container_id, ID));
	CHECK(!a.runtime[0] && !a.unit[0]);
}

TEST(docker_and_podman)
{
	CHECK(cgroup_attr_parse("/system.slice/docker-" ID ".scope", &a));
	CHECK(!strcmp(a.runtime, "docker") && !strcmp(a.container_id, ID));
	CHECK(cgroup_attr_parse("/machine.slice/libpod-" ID ".scope/container",
				&a));
	CHECK(!strcmp(a.runtime, "podman") && !strcmp(a.container_id, ID));
	CHECK(cgroup_attr_parse("/docker/" ID, &a));
	CHECK(!strcmp(a.container_id, ID) && !a.runtime[0]);
}

TEST(near_misses_are_not_ids)
{
	/* 63 hex digits, an upper-case digit, a pod uid with a bad dash */
	CHECK(!cgroup_attr_parse("/docker/" ID "0", &a) || !a.container_id[0]);
	CHECK(!cgroup_attr_parse(
		"/kubepods/podXa0c3b5e-1f2d-4c6b-9e7a-0b1c2d3e4f50", &a));
	CHECK(!cgroup_attr_parse(
		"/kubepods/pod8a0c3b5e-1f2d-4c6b-9e7a_0b1c2d3e4f50", &a));
	CHECK(!a.pod_uid[0]);
	CHECK(!cgroup_attr_parse("/", &a) && !cgroup_attr_parse("", &a));
	CHECK(!cgroup_attr_parse("/system.slice/docker-" ID "x.scope", &a) ||
	      !a.container_id[0]);
}

int main(void)
{
	RUN(systemd_service);
	RUN(user_session_scope_is_the_deepest_leaf);
	RUN(slice_only);
	RUN(kubelet_systemd_driver_containerd);
	RUN(kubelet_guaranteed_pod_and_crio);
	RUN(kubelet_cgroupfs_driver);
	RUN(docker_and_podman);
	RUN(near_misses_are_not_ids);
	return TAP_DONE();
}
