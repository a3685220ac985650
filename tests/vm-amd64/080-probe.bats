#!/usr/bin/env bats
# pcrwatch probe in the amd64 guest: QEMU TCG gives it no PMU ("PMU not
# available due to virtualization"); the TSC and the vDSO are measured.

load ../helpers

@test "no PMU in the amd64 guest: probe says so, and names QEMU TCG" {
	skip_unless_guest
	run_tool 0 probe --batches 3
	assert "$output" =~ "hardware PMU: +absent" "absent PMU"
	assert "$output" =~ "no hardware PMU" "said plainly"
	assert "$output" =~ "rdpmc +- +- +- +cannot be read here: no hardware PMU" "rdpmc says why not"
	if grep -q TCGTCGTCGTCG <<<"$output"; then
		assert "$output" =~ "hypervisor: +QEMU TCG" "TCG named"
		assert "$output" =~ "emulation, not KVM" "emulation said plainly"
	fi
	assert "$output" =~ "kernel says: +\"Performance Events: PMU not available due to virtualization" \
		"the kernel's own words"
}

@test "TSC and vDSO are measured in the amd64 guest" {
	skip_unless_guest
	run_tool 0 probe --json --batches 5
	echo "$output" | jq -e . >/dev/null
	local name
	for name in rdtsc rdtscp vdso_clock_gettime; do
		jq -e --arg n "$name" '.sources[] | select(.name==$n) |
			.available and .kind == "timer" and .min_ns > 0 and
			.median_ns >= .min_ns and .ratio >= 1' <<<"$output" >/dev/null ||
			{ echo "$name: $(jq -c --arg n "$name" '.sources[] | select(.name==$n)' <<<"$output")"; false; }
	done
	jq -e '.pmu.state == "virtualized" and .pmu.present == false and .hypervisor.present' <<<"$output" >/dev/null
	jq -e '.summary | startswith("no hardware PMU here")' <<<"$output" >/dev/null
}
