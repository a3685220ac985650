#!/usr/bin/env bats
# pcrwatch probe in the arm64 guest (QEMU TCG, emulated armv8_pmuv3): the
# cycle counter PMCCNTR_EL0 read through perf's user access against the
# generic timer CNTVCT_EL0, with the perf_user_access sysctl on and off.
# No jq in this guest: the JSON is checked with grep.

load ../helpers

SYSCTL=/proc/sys/kernel/perf_user_access

setup_tier() {
	skip_unless_guest
	[ -w "$SYSCTL" ] || skip "kernel has no $SYSCTL (arm64 user access needs 5.17+)"
	SAVED_ACCESS=$(cat "$SYSCTL")
}

teardown_tier() {
	[ -n "${SAVED_ACCESS:-}" ] && echo "$SAVED_ACCESS" >"$SYSCTL"
	return 0
}

# A table row with two measured numbers: NAME MIN MEDIAN RATIOx VERDICT
measured_row() {
	grep -E "^$1 +[0-9]+\.[0-9] +[0-9]+\.[0-9] +[0-9]+\.[0-9]x  [a-z]" <<<"$output"
}

@test "user access on: PMCCNTR_EL0 and CNTVCT_EL0 are both measured, with a verdict" {
	echo 1 >"$SYSCTL"
	run_tool 0 probe --batches 7
	measured_row cntvct_el0
	measured_row pmccntr_el0
	assert "$(measured_row pmccntr_el0)" =~ "cycle counter reads (trap|are slow|do not trap): [0-9.]+x the generic timer \(CNTVCT_EL0\)" \
		"counter verdict against the generic timer"
	assert "$output" =~ $'\n'"verdict: cycle counter reads" "final verdict is the counter's"
	# Numbers are real: the cheapest timer's ratio is exactly 1.0.
	assert "$(measured_row cntvct_el0)" =~ " 1\.0x  the cheapest time source" "CNTVCT_EL0 is the cheapest timer"
}

@test "user access on: --json names the counter register and its width" {
	echo 1 >"$SYSCTL"
	run_tool 0 probe --json --batches 5
	assert "$output" =~ '"name":"pmccntr_el0","what":"[^"]*","kind":"counter","available":true,"batches":5,' \
		"pmccntr_el0 measured in 5 batches"
	assert "$output" =~ '"detail":"cycles event, config1 0x[23], counter 31 \(PMCCNTR_EL0\), (64|32) bits"' \
		"the event sits on the cycle counter"
	assert "$output" =~ '"name":"cntvct_el0","what":"[^"]*","kind":"timer","available":true' "CNTVCT_EL0 measured"
	assert "$output" =~ '"cheapest_timer":"(cntvct_el0|vdso_clock_gettime)"'
	assert "$output" =~ '"median_ns":[1-9][0-9]*\.[0-9]+' "medians are positive numbers"
}

@test "user access off: probe says why it cannot read the counter" {
	echo 0 >"$SYSCTL"
	run_tool 0 probe --batches 3
	measured_row cntvct_el0
	assert "$output" =~ "pmccntr_el0 +- +- +- +cannot be read here: user access to PMCCNTR_EL0 is off: /proc/sys/kernel/perf_user_access is 0" \
		"the reason names the sysctl"
	assert "$output" =~ "verdict: cycle counter not readable from user space" "final verdict"
	run_tool 0 probe --json --batches 3
	assert "$output" =~ '"name":"pmccntr_el0","what":"[^"]*","kind":"counter","available":false,"reason":"user access to PMCCNTR_EL0 is off' \
		"JSON carries the reason"
}

@test "the emulated PMU and QEMU TCG are named honestly" {
	run_tool 0 probe --batches 1 --reads 1
	assert "$output" =~ "hardware PMU: +armv8_pmuv3" "the PMU is seen"
	midr=$(cat /sys/devices/system/cpu/cpu0/regs/identification/midr_el1)
	if [ $((midr >> 24 & 0xff)) = 0 ]; then
		assert "$output" =~ "hypervisor: +QEMU TCG" "TCG named"
		assert "$output" =~ "emulation, not KVM" "emulation said plainly"
		assert "$output" =~ "its PMU is emulated too: armv8_pmuv3, 7 counters" "counter count from the kernel"
	else
		assert "$output" =~ "PMU: +virtualized: .* gives this guest a vPMU" "a vPMU on a real core"
	fi
	run_tool 0 probe --json --batches 1 --reads 1
	assert "$output" =~ '"state":"virtualized","present":true,"vpmu":true,"name":"armv8_pmuv3"'
}
