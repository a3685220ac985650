/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tracepoints of the pcr_arbiter module: one on every register change, one
 * on every denied access. They carry state, never a cookie, so that
 * pcrwatch's BPF side (bpf/arbiter_mirror.bpf.c, raw_tp) mirrors the
 * registers without polling. Arguments are plain integers: a raw_tp
 * program reads them as ctx[0..n].
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM pcr_arbiter

#if !defined(PCR_ARBITER_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define PCR_ARBITER_TRACE_H

#include <linux/tracepoint.h>

TRACE_EVENT(
	pcr_reg_change,
	TP_PROTO(int cpu, u32 slot, u32 op, u32 flags, u32 control,
		 u32 holder_layer, u32 holder_tgid, u32 seq),
	TP_ARGS(cpu, slot, op, flags, control, holder_layer, holder_tgid, seq),
	TP_STRUCT__entry(__field(int, cpu) __field(u32, slot) __field(u32, op)
				 __field(u32, flags) __field(u32, control)
					 __field(u32, holder_layer)
						 __field(u32, holder_tgid)
							 __field(u32, seq)),
	TP_fast_assign(__entry->cpu = cpu; __entry->slot = slot;
		       __entry->op = op; __entry->flags = flags;
		       __entry->control = control;
		       __entry->holder_layer = holder_layer;
		       __entry->holder_tgid = holder_tgid; __entry->seq = seq;),
	TP_printk("cpu=%d slot=%u op=%u flags=0x%x control=0x%x "
		  "holder_layer=%u holder_tgid=%u seq=%u",
		  __entry->cpu, __entry->slot, __entry->op, __entry->flags,
		  __entry->control, __entry->holder_layer, __entry->holder_tgid,
		  __entry->seq));

TRACE_EVENT(pcr_deny,
	    TP_PROTO(int cpu, u32 slot, u32 op, u32 verdict, u32 layer,
		     u32 tgid),
	    TP_ARGS(cpu, slot, op, verdict, layer, tgid),
	    TP_STRUCT__entry(__field(int, cpu) __field(u32, slot)
				     __field(u32, op) __field(u32, verdict)
					     __field(u32, layer)
						     __field(u32, tgid)),
	    TP_fast_assign(__entry->cpu = cpu; __entry->slot = slot;
			   __entry->op = op; __entry->verdict = verdict;
			   __entry->layer = layer; __entry->tgid = tgid;),
	    TP_printk("cpu=%d slot=%u op=%u verdict=%u layer=%u tgid=%u",
		      __entry->cpu, __entry->slot, __entry->op,
		      __entry->verdict, __entry->layer, __entry->tgid));

/* A user's counter programming around its lockdown check (done 0: before,
 * 1: after), with the CPU, slot and PMU register the module will write:
 * bpf/msr_veto.bpf.c decides the check from these values. */
TRACE_EVENT(pcr_user_program,
	    TP_PROTO(int cpu, u32 slot, u32 msr, u64 value, u32 done),
	    TP_ARGS(cpu, slot, msr, value, done),
	    TP_STRUCT__entry(__field(int, cpu) __field(u32, slot)
				     __field(u32, msr) __field(u64, value)
					     __field(u32, done)),
	    TP_fast_assign(__entry->cpu = cpu; __entry->slot = slot;
			   __entry->msr = msr; __entry->value = value;
			   __entry->done = done;),
	    TP_printk("cpu=%d slot=%u msr=0x%x value=0x%llx done=%u",
		      __entry->cpu, __entry->slot, __entry->msr,
		      (unsigned long long)__entry->value, __entry->done));

/* An operation that would make the caller a slot's holder, around its
 * lockdown check (done 0: before, 1: after): a claim or a new management
 * cookie on @cpu, a private acquire or an emulated firmware's claim on
 * every CPU (@cpu -1), with the caller's layer and the operation (enum
 * pcr_arb_regop): bpf/msr_veto.bpf.c answers the check from pcrwatch's
 * reservations (rule 7). */
TRACE_EVENT(pcr_hold, TP_PROTO(int cpu, u32 slot, u32 layer, u32 op, u32 done),
	    TP_ARGS(cpu, slot, layer, op, done),
	    TP_STRUCT__entry(__field(int, cpu) __field(u32, slot)
				     __field(u32, layer) __field(u32, op)
					     __field(u32, done)),
	    TP_fast_assign(__entry->cpu = cpu; __entry->slot = slot;
			   __entry->layer = layer; __entry->op = op;
			   __entry->done = done;),
	    TP_printk("cpu=%d slot=%u layer=%u op=%u done=%u", __entry->cpu,
		      __entry->slot, __entry->layer, __entry->op,
		      __entry->done));

#endif /* PCR_ARBITER_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE pcr_arbiter_trace
#include <trace/define_trace.h>
