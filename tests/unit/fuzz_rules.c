// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer target for the rulebook (include/pcr_rules.h): the input is a
 * program of register operations on four slots; after each one the
 * rulebook's invariants are checked, and any break aborts:
 *  - a refused operation changes nothing;
 *  - an unreserved slot is in its reset state and lets everyone program;
 *  - cookies stay within 48 bits and control within the valid mask;
 *  - only the current management cookie changes a managed slot;
 *  - a granted program presented the access cookie from an allowed layer
 *    and path;
 *  - cookie comparison and verdict errnos agree with a plain reference;
 *  - perf admission (rule 5) admits only demand that fits, is monotonic,
 *    and its charges undo exactly (check_admission).
 * Built with -fsanitize=fuzzer,address,undefined; tests/check runs it for
 * FUZZ_SECONDS (15 by default).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pcr_rules.h"
#include "fuzz_reader.h"

#define NR 4

/* A cookie to present: often one the slot really has, to reach deep states. */
static __u64 pick_cookie(struct reader *r, const struct pcr_slot_regs *s)
{
	switch (take8(r) & 7) {
	case 0:
		return s->mgmt_cookie;
	case 1:
		return s->access_cookie;
	case 2:
		return PCR_DEFAULT_COOKIE;
	case 3:
		return s->mgmt_cookie ^ (1ULL << (take8(r) % 64));
	case 4:
		return (take8(r) & 3) + 1;
	default:
		return take64(r);
	}
}

static void check(int cond)
{
	if (!cond)
		abort();
}

static void check_invariants(const struct pcr_slot_regs *s)
{
	__u32 l;

	check((s->mgmt_cookie >> PCR_COOKIE_BITS) == 0);
	check((s->access_cookie >> PCR_COOKIE_BITS) == 0);
	check((s->control & ~PCR_CTL_VALID_MASK) == 0);
	check(s->reserved0 == 0);
	if (!pcr_slot_reserved(s)) {
		check(s->access_cookie == PCR_DEFAULT_COOKIE);
		check(s->control == PCR_CTL_DEFAULT);
		for (l = 0; l <= PCR_NR_LAYERS; l++)
			check(pcr_check_program(s, l, 0x5a5a, 1) == PCR_OK);
	}
}

static void check_program(const struct pcr_slot_regs *s, __u32 layer,
			  __u64 access, int direct)
{
	enum pcr_verdict v = pcr_check_program(s, layer, access, direct);

	check(v == PCR_OK || v == PCR_DENY_LAYER || v == PCR_DENY_DIRECT ||
	      v == PCR_DENY_COOKIE);
	if (v == PCR_OK && pcr_slot_reserved(s)) {
		check(access == s->access_cookie);
		check(layer < PCR_NR_LAYERS &&
		      (s->control & PCR_CTL_LAYER(layer)));
		check(!direct || (s->control & PCR_CTL_DIRECT_MSR));
	}
	check(pcr_verdict_errno(v) == (v == PCR_OK ? 0 : -PCR_EBUSY));
}

static void check_cookie_eq(__u64 a, __u64 b)
{
	int want = a == b && (a >> PCR_COOKIE_BITS) == 0;

	check(!!pcr_cookie_eq(a, b) == want);
	check(!!pcr_cookie_valid(a) == (a && (a >> PCR_COOKIE_BITS) == 0));
}

/* One operation on one slot; the whole slot array is checked after. */
static void step(struct reader *r, struct pcr_slot_regs *slots)
{
	uint8_t op = take8(r);
	struct pcr_slot_regs *s = &slots[op >> 4 & (NR - 1)], before = *s;
	__u64 presented = pick_cookie(r, s), value;
	enum pcr_verdict v;
	int was_manager = pcr_slot_reserved(s) && presented == s->mgmt_cookie;

	switch (op & 7) {
	case 0:
		v = pcr_claim(s,
			      value = take64(r) &
				      (take8(r) & 1 ? PCR_COOKIE_MASK : ~0ULL));
		check(v != PCR_OK || (!pcr_slot_reserved(&before) &&
				      s->access_cookie == value));
		break;
	case 1:
		value = pick_cookie(r, s);
		v = pcr_set_access(s, presented, value);
		break;
	case 2:
		v = pcr_set_control(s, presented, take8(r) & 0x3f);
		break;
	case 3:
		value = pick_cookie(r, s);
		v = pcr_set_mgmt(s, presented, value);
		break;
	case 4:
		v = pcr_release(s, presented);
		break;
	case 5:
		check_program(s, take8(r) & 0x1f, presented, take8(r) & 1);
		v = PCR_OK;
		break;
	case 6:
		check_cookie_eq(presented, pick_cookie(r, s));
		v = PCR_OK;
		break;
	default:
		value = take8(r);
		check(pcr_legacy_access_cookie(value & 1, value & 2, 0x77) ==
		      ((value & 3) == 3 ? PCR_DEFAULT_COOKIE : 0x77));
		v = PCR_OK;
		break;
	}
	check(v < PCR_NR_VERDICTS);
	check(pcr_verdict_errno(v) <= 0 &&
	      (pcr_verdict_errno(v) == 0) == (v == PCR_OK));
	if (v != PCR_OK)
		check(!memcmp(&before, s, sizeof(before)));
	else if ((op & 7) >= 1 && (op & 7) <= 4)
		check(was_manager);
}

/*
 * Rule 5 on a fuzzed CPU: an admitted demand fits the unreserved general
 * counters plus the cycles-only ones, more demand is never admitted where
 * less was refused, and a charge and its undo leave the word as it was.
 */
static void check_admission(struct reader *r)
{
	struct pcr_demand d = {
		.nr_general = take8(r) & 15,
		.nr_cycles_only = take8(r) & 3,
		.reserved_other = take8(r) & 31,
		.whole_other = take8(r) & 1,
		.used_general = take8(r),
		.used_cycles = take8(r),
		.exclusive = take8(r) & 1,
	};
	__u64 word = take64(r), before = word, demand;
	__u32 u;
	enum pcr_admit_rule v = pcr_admit(&d);

	if (v == PCR_ADMIT_OK && (d.reserved_other || d.whole_other)) {
		u = d.reserved_other < d.nr_general
			    ? d.nr_general - d.reserved_other
			    : 0;
		if (d.whole_other || d.exclusive || d.used_general > u ||
		    d.used_general + d.used_cycles > u + d.nr_cycles_only)
			abort();
	}
	if (v != PCR_ADMIT_OK) {
		d.used_general++;
		if (pcr_admit(&d) == PCR_ADMIT_OK)
			abort();
	}
	demand = pcr_charge_pack(take8(r) & 3, take8(r) & 3);
	pcr_charge_add(&word, demand);
	pcr_charge_undo(&word, demand);
	if (word != before)
		abort();
}

/*
 * Rule 7 on fuzzed slot flags: a slot the module does not hold keeps no
 * one off; a held one whose access is not open keeps every layer off; a
 * raw MSR write is never let through where a driver's write is not.
 */
static void check_module_slot(struct reader *r)
{
	__u32 flags = take8(r), control = take8(r), tgid = take8(r) & 1;
	__u32 layer = take8(r) & 3;
	int held = pcr_module_slot_held(flags, tgid);
	int drv = pcr_module_slot_restricts(flags, control, tgid, layer, 0);
	int raw = pcr_module_slot_restricts(flags, control, tgid, layer, 1);

	if (!held && (drv || raw))
		abort();
	if (held && !(flags & PCR_MOD_SLOT_ACCESS_OPEN) && !(drv && raw))
		abort();
	if (drv && !raw)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pcr_slot_regs slots[NR];
	struct reader r = { data, size };
	int i;

	for (i = 0; i < NR; i++)
		pcr_slot_reset(&slots[i]);
	if (r.n && (*r.p & 0x80)) { /* half the inputs test rule 5 */
		take8(&r);
		while (r.n)
			check_admission(&r);
		return 0;
	}
	if (r.n && (*r.p & 0x40)) { /* a quarter, rule 7 */
		take8(&r);
		while (r.n)
			check_module_slot(&r);
		return 0;
	}
	while (r.n) {
		step(&r, slots);
		for (i = 0; i < NR; i++)
			check_invariants(&slots[i]);
	}
	return 0;
}
