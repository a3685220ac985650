/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * place_scx.h - the sched_ext declarations bpf/place.bpf.c uses, which
 * vmlinux/<arch>/vmlinux.h lacks: it was generated from Debian's 6.12 BTF,
 * built without CONFIG_SCHED_CLASS_EXT. Taken from the BTF of Debian's
 * 7.3.4+deb13-arm64 kernel (vmlinux/arm64/SOURCE says how), and only what
 * this one program uses:
 *   - struct sched_ext_ops with the callbacks and fields it sets: libbpf
 *     matches a struct_ops type with the running kernel's by member name,
 *     so members left out and their offsets are the kernel's business;
 *   - struct scx_exit_info, read with CO-RE (the running kernel's offsets);
 *   - the kfuncs it calls (7.x names: scx_bpf_dsq_insert, not 6.12's
 *     scx_bpf_dispatch) and the built-in queue ids and flags, under PCRW_
 *     names so a vmlinux.h that gains sched_ext's enums does not clash.
 */
#ifndef PCRW_PLACE_SCX_H
#define PCRW_PLACE_SCX_H

#define PCRW_SCX_DSQ_GLOBAL 0x8000000000000001ULL /* SCX_DSQ_GLOBAL */
#define PCRW_SCX_DSQ_LOCAL 0x8000000000000002ULL /* SCX_DSQ_LOCAL */
#define PCRW_SCX_DSQ_LOCAL_ON 0xc000000000000000ULL /* | cpu */
#define PCRW_SCX_SLICE_DFL 20000000ULL /* SCX_SLICE_DFL, 20 ms */
#define PCRW_SCX_KICK_IDLE 1 /* SCX_KICK_IDLE */

/* An enum for CO-RE: libbpf relocates an enum field only into an enum. */
enum scx_exit_kind {
	PCRW_SCX_EXIT_NONE = 0,
};

struct scx_exit_info {
	enum scx_exit_kind kind;
	s64 exit_code;
	const char *reason;
	char *msg;
} __attribute__((preserve_access_index));

struct sched_ext_ops {
	s32 (*select_cpu)(struct task_struct *p, s32 prev_cpu, u64 wake_flags);
	void (*enqueue)(struct task_struct *p, u64 enq_flags);
	void (*dispatch)(s32 cpu, struct task_struct *prev);
	s32 (*init)(void);
	void (*exit)(struct scx_exit_info *ei);
	u64 flags;
	u32 timeout_ms;
	char name[128];
};

extern s32 scx_bpf_select_cpu_dfl(struct task_struct *p, s32 prev_cpu,
				  u64 wake_flags, bool *is_idle) __ksym;
extern void scx_bpf_dsq_insert(struct task_struct *p, u64 dsq_id, u64 slice,
			       u64 enq_flags) __ksym;
extern s32 scx_bpf_create_dsq(u64 dsq_id, s32 node) __ksym;
extern bool scx_bpf_dsq_move_to_local(u64 dsq_id) __ksym;
extern bool scx_bpf_test_and_clear_cpu_idle(s32 cpu) __ksym;
extern void scx_bpf_kick_cpu(s32 cpu, u64 flags) __ksym;
extern s32 scx_bpf_task_cpu(const struct task_struct *p) __ksym;
extern bool bpf_cpumask_test_cpu(u32 cpu, const struct cpumask *cpumask) __ksym;

#endif
