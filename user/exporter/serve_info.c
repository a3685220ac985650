// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * serve_info.c - the exporter's series about pcrwatch itself:
 * pcrwatch_build_info, and pcrwatch_component_attached per BPF group with
 * the attach method as the kernel reports it for the group's pinned links
 * (bpf_obj_get_info_by_fd), not as pcrwatch intended it.
 */
#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/utsname.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "component.h"
#include "serve.h"

#ifndef PCRWATCH_VERSION
#define PCRWATCH_VERSION "unknown"
#endif

#define METHOD_LEN 128

/* The kernel's name for one pinned link: "lsm_mac", "raw_tracepoint", ... */
static const char *link_method(int fd)
{
	struct bpf_link_info info;
	__u32 len = sizeof(info);
	const char *s;

	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return NULL;
	if (info.type == BPF_LINK_TYPE_TRACING) {
		s = libbpf_bpf_attach_type_str(info.tracing.attach_type);
		return s ? s : "tracing";
	}
	s = libbpf_bpf_link_type_str(info.type);
	return s ? s : "unknown";
}

/* Add @m to the '+'-separated set @buf unless it is there already. */
static void method_add(char *buf, size_t len, const char *m)
{
	const char *p = buf;
	size_t n = strlen(m);

	while ((p = strstr(p, m))) {
		if ((p == buf || p[-1] == '+') && (p[n] == '+' || !p[n]))
			return;
		p += n;
	}
	if (buf[0] && strlen(buf) + 1 < len)
		strcat(buf, "+");
	strncat(buf, m, len - strlen(buf) - 1);
}

/* The methods of the links pinned in @group's folder ("" when none). */
static void group_methods(const char *group, char *buf, size_t len)
{
	char path[256];
	struct dirent *e;
	const char *m;
	DIR *d;
	int fd;

	buf[0] = 0;
	snprintf(path, sizeof(path), "%s/%s", PCRW_PIN_ROOT, group);
	d = opendir(path);
	if (!d)
		return;
	while ((e = readdir(d))) {
		if (strncmp(e->d_name, "link", 4))
			continue;
		fd = pcrw_obj_get(group, e->d_name);
		if (fd < 0)
			continue;
		m = link_method(fd);
		if (m)
			method_add(buf, len, m);
		close(fd);
	}
	closedir(d);
}

/* Whether group @name can exist on this machine: the msr group watches
 * x86 model-specific registers, which other architectures do not have. */
static bool group_can_exist(const char *name)
{
	struct utsname u;

	if (strcmp(name, PCRW_GROUP_MSR) || uname(&u))
		return true;
	return !strcmp(u.machine, "x86_64") || !strncmp(u.machine, "i", 1);
}

void serve_render_info(FILE *f)
{
	const struct component *const *c;
	char method[METHOD_LEN];
	bool on;

	fprintf(f,
		"# HELP pcrwatch_build_info Always 1; the labels say which "
		"pcrwatch build and libbpf version this exporter is.\n"
		"# TYPE pcrwatch_build_info gauge\n"
		"pcrwatch_build_info{version=\"%s\",libbpf=\"%u.%u\"} 1\n",
		PCRWATCH_VERSION, libbpf_major_version(),
		libbpf_minor_version());
	fprintf(f, "# HELP pcrwatch_component_attached Per BPF program group "
		   "(and the arbiter module): 1 when attached now, else 0; "
		   "method names the kind of each link the kernel holds for "
		   "it (none: attached without a link, e.g. a veto group that "
		   "can deny nothing on this kernel; module: the arbiter).\n"
		   "# TYPE pcrwatch_component_attached gauge\n");
	for (c = components(); *c; c++) {
		if (!group_can_exist((*c)->name))
			continue; /* no series, so no alert, for what cannot be
				   */
		on = (*c)->attached();
		group_methods((*c)->name, method, sizeof(method));
		/* Linkless: the arbiter is a module; anything else holds
		 * no link, so the kernel runs nothing for it. */
		if (!method[0])
			snprintf(method, sizeof(method), "%s",
				 on && !strcmp((*c)->name, PCRW_GROUP_ARBITER)
					 ? "module"
					 : "none");
		fprintf(f,
			"pcrwatch_component_attached{group=\"%s\",method=\"%"
			"s\"} %d\n",
			(*c)->name, method, on ? 1 : 0);
	}
}
