// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Probes of what this kernel allows. The attach probes load a two-instruction
 * program and attach it for real, because a verifier or an ftrace lockdown
 * (as on the build machine) can refuse what BTF says exists.
 */
#include <dirent.h>
#include <errno.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "kernel_probe.h"

static bool file_contains_word(const char *path, const char *word, char sep)
{
	char buf[512], *tok, *save;
	FILE *f = fopen(path, "r");
	bool found = false;
	char seps[3] = { sep, '\n', 0 };

	if (!f)
		return false;
	if (fgets(buf, sizeof(buf), f))
		for (tok = strtok_r(buf, seps, &save); tok && !found;
		     tok = strtok_r(NULL, seps, &save))
			found = !strcmp(tok, word);
	fclose(f);
	return found;
}

bool probe_bpf_lsm_active(void)
{
	return file_contains_word("/sys/kernel/security/lsm", "bpf", ',');
}

static struct btf *vmlinux_btf(void)
{
	static struct btf *btf;
	static bool tried;

	if (!tried) {
		tried = true;
		btf = btf__load_vmlinux_btf();
		if (libbpf_get_error(btf))
			btf = NULL;
	}
	return btf;
}

bool probe_btf_has_func(const char *func)
{
	struct btf *btf = vmlinux_btf();

	return btf && btf__find_by_name_kind(btf, func, BTF_KIND_FUNC) > 0;
}

/* The BTF id of function @func in a loaded module's BTF, and that BTF's
 * fd in @obj_fd; 0 when no module has it. */
static int module_func_btf(const char *func, int *obj_fd)
{
	struct btf *base = vmlinux_btf(), *mod;
	__u32 id = 0;
	int fd, tid = 0;

	while (base && !tid && !bpf_btf_get_next_id(id, &id)) {
		struct bpf_btf_info info = { 0 };
		__u32 len = sizeof(info);

		fd = bpf_btf_get_fd_by_id(id);
		if (fd < 0)
			continue;
		if (bpf_obj_get_info_by_fd(fd, &info, &len) ||
		    !info.kernel_btf) {
			close(fd);
			continue;
		}
		mod = btf__load_from_kernel_by_id_split(id, base);
		if (!libbpf_get_error(mod)) {
			tid = btf__find_by_name_kind(mod, func, BTF_KIND_FUNC);
			tid = tid > 0 ? tid : 0;
			btf__free(mod);
		}
		if (tid)
			*obj_fd = fd;
		else
			close(fd);
	}
	return tid;
}

/* Load "r0 = 0; exit" as a tracing or LSM program on @func (in vmlinux or,
 * for tracing, in a loaded module) and attach it. */
static bool try_attach(enum bpf_prog_type type, enum bpf_attach_type attach,
		       const char *func)
{
	const struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = attach);
	struct btf *btf = vmlinux_btf();
	int id, prog, link, obj_fd = -1;

	if (!btf)
		return false;
	id = btf__find_by_name_kind(btf, func, BTF_KIND_FUNC);
	if (id <= 0 && type == BPF_PROG_TYPE_TRACING)
		id = module_func_btf(func, &obj_fd);
	if (id <= 0)
		return false;
	opts.attach_btf_id = id;
	if (obj_fd >= 0)
		opts.attach_btf_obj_fd = obj_fd;
	prog = bpf_prog_load(type, NULL, "GPL", insns, 2, &opts);
	if (obj_fd >= 0)
		close(obj_fd);
	if (prog < 0)
		return false;
	link = bpf_raw_tracepoint_open(NULL, prog);
	close(prog);
	if (link < 0)
		return false;
	close(link);
	return true;
}

bool probe_lsm_can_attach(const char *hook)
{
	char func[128];

	if (!probe_bpf_lsm_active())
		return false;
	snprintf(func, sizeof(func), "bpf_lsm_%s", hook);
	return try_attach(BPF_PROG_TYPE_LSM, BPF_LSM_MAC, func);
}

bool probe_fentry_can_attach(const char *func)
{
	return try_attach(BPF_PROG_TYPE_TRACING, BPF_TRACE_FENTRY, func);
}

bool probe_tracepoint_exists(const char *category, const char *name)
{
	static const char *const roots[] = { "/sys/kernel/tracing",
					     "/sys/kernel/debug/tracing" };
	char path[256];
	size_t i;

	for (i = 0; i < sizeof(roots) / sizeof(roots[0]); i++) {
		snprintf(path, sizeof(path), "%s/events/%s/%s", roots[i],
			 category, name);
		if (access(path, F_OK) == 0)
			return true;
	}
	return false;
}

int probe_pmu_type(const char *name)
{
	char path[256];
	FILE *f;
	int type = -1;

	snprintf(path, sizeof(path), "/sys/bus/event_source/devices/%s/type",
		 name);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%d", &type) != 1)
		type = -1;
	fclose(f);
	return type;
}

/* Core PMUs: x86 "cpu" (hybrid: "cpu_core", "cpu_atom"), arm "armv8_*". */
static bool is_core_pmu(const char *name)
{
	return !strcmp(name, "cpu") || !strncmp(name, "cpu_", 4) ||
	       !strncmp(name, "armv8_", 6) || !strncmp(name, "armv7_", 6);
}

bool probe_hw_pmu(char *buf, size_t len)
{
	DIR *d = opendir("/sys/bus/event_source/devices");
	struct dirent *e;
	bool found = false;

	if (!d)
		return false;
	while (!found && (e = readdir(d)))
		if (is_core_pmu(e->d_name)) {
			snprintf(buf, len, "%s", e->d_name);
			found = true;
		}
	closedir(d);
	return found;
}

/* Mount @type at @dir unless @probe_path already exists there. */
static void mount_if_missing(const char *type, const char *dir,
			     const char *probe_path)
{
	if (access(probe_path, F_OK) == 0)
		return;
	if (mount(type, dir, type, 0, NULL) && errno != EBUSY)
		return; /* not root, or not in this kernel: probes say no */
}

void ensure_kernel_fs(void)
{
	struct statfs st;

	mount_if_missing("tracefs", "/sys/kernel/tracing",
			 "/sys/kernel/tracing/events");
	mount_if_missing("securityfs", "/sys/kernel/security",
			 "/sys/kernel/security/lsm");
	/* Mode 0700: the kernel's default 1777 lets any user make folders
	 * in pcrwatch's way (user/groups/component.c refuses those). */
	if (statfs("/sys/fs/bpf", &st) == 0 && st.f_type != BPF_FS_MAGIC)
		mount("bpf", "/sys/fs/bpf", "bpf", 0, "mode=0700");
}

bool probe_raw_tp_can_attach(const char *name)
{
	const struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	int prog, link;

	prog = bpf_prog_load(BPF_PROG_TYPE_RAW_TRACEPOINT, NULL, "GPL", insns,
			     2, NULL);
	if (prog < 0)
		return false;
	link = bpf_raw_tracepoint_open(name, prog);
	close(prog);
	if (link < 0)
		return false;
	close(link);
	return true;
}

const char *probe_rung_name(enum probe_rung r)
{
	static const char *const names[] = {
		[RUNG_LSM] = "LSM",
		[RUNG_FENTRY] = "fentry",
		[RUNG_TRACEPOINT] = "syscall tracepoint",
		[RUNG_NONE] = "none",
		[RUNG_NOT_NEEDED] = "not needed",
	};

	return r <= RUNG_NOT_NEEDED ? names[r] : "?";
}

enum probe_rung probe_perf_lifecycle(enum probe_rung from, bool *release)
{
	char pmu[64];
	bool rel = probe_fentry_can_attach("perf_event_release_kernel");

	*release = false;
	if (from <= RUNG_LSM && probe_lsm_can_attach("perf_event_alloc")) {
		*release = !probe_lsm_can_attach("perf_event_free") && rel;
		return RUNG_LSM;
	}
	if (from <= RUNG_FENTRY && rel &&
	    probe_fentry_can_attach("security_perf_event_alloc")) {
		*release = true;
		return RUNG_FENTRY;
	}
	if (from < RUNG_TRACEPOINT && !probe_hw_pmu(pmu, sizeof(pmu)))
		return RUNG_NOT_NEEDED; /* no hardware event to follow */
	if (from <= RUNG_TRACEPOINT &&
	    probe_tracepoint_exists("syscalls", "sys_exit_perf_event_open"))
		return RUNG_TRACEPOINT;
	return RUNG_NONE;
}

static bool msr_device_present(void)
{
	glob_t g;
	bool found = glob("/dev/cpu/*/msr", 0, NULL, &g) == 0;

	if (found)
		globfree(&g);
	return found;
}

enum probe_rung probe_msr_writers(enum probe_rung from)
{
	if (!msr_device_present())
		return RUNG_NOT_NEEDED;
	if (from <= RUNG_FENTRY && probe_fentry_can_attach("msr_write"))
		return RUNG_FENTRY;
	if (probe_tracepoint_exists("syscalls", "sys_enter_pwrite64") &&
	    probe_tracepoint_exists("syscalls", "sys_exit_pwrite64"))
		return RUNG_TRACEPOINT;
	return RUNG_NONE;
}
