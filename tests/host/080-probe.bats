#!/usr/bin/env bats
# pcrwatch probe on the build host: a KVM guest with no hardware PMU. The
# expectations are derived from what this machine shows (CPUID flags in
# /proc/cpuinfo, perf's PMU list), not written in.

load ../helpers

host_only() {
	[ -z "${PCRWATCH_VM:-}" ] || skip "host-only expectations"
}

has_hw_pmu() {
	local d
	for d in /sys/bus/event_source/devices/*; do
		case ${d##*/} in
		cpu | cpu_core | cpu_atom | armv8_pmuv3* | armv7_cortex*) return 0 ;;
		esac
	done
	return 1
}

teardown_tier() {
	[ -n "${QEMU_PID:-}" ] && kill "$QEMU_PID" 2>/dev/null
	[ -n "${QEMU_PID:-}" ] && wait "$QEMU_PID" 2>/dev/null
	return 0
}

@test "probe names the hypervisor and says there is no hardware PMU" {
	require_root
	host_only
	grep -qw hypervisor /proc/cpuinfo || skip "this host reports no hypervisor bit"
	has_hw_pmu && skip "this host has a hardware PMU"
	run_tool 0 probe --batches 3
	assert "$output" =~ "PMU: +virtualized: [A-Za-z]+ gives this guest no vPMU" "PMU state line"
	assert "$output" =~ "hypervisor: +[A-Za-z]" "hypervisor line"
	assert "$output" !~ "hypervisor: +none seen" "a hypervisor is named"
	assert "$output" =~ "no hardware PMU" "absent PMU said plainly"
	assert "$output" =~ "CPUID 0x40000000 signature" "CPUID evidence shown"
	assert "$output" =~ "rdpmc +- +- +- +cannot be read here: no hardware PMU" "rdpmc says why not"
	assert "$output" =~ $'\n'"verdict: no hardware PMU here" "final verdict"
}

@test "probe --json parses and agrees with the text: hypervisor, absent PMU" {
	require_root
	host_only
	grep -qw hypervisor /proc/cpuinfo || skip "this host reports no hypervisor bit"
	has_hw_pmu && skip "this host has a hardware PMU"
	run_tool 0 probe --json --batches 3
	echo "$output" | jq -e . >/dev/null
	assert "$(jq -r .hypervisor.present <<<"$output")" == true
	assert "$(jq -r .hypervisor.name <<<"$output")" =~ "^[A-Za-z]" "named"
	assert "$(jq -r .pmu.state <<<"$output")" == virtualized
	assert "$(jq -r .pmu.present <<<"$output")" == false
	assert "$(jq -r .pmu.vpmu <<<"$output")" == false
	assert "$(jq -r '.sources[] | select(.name=="rdpmc") | .available' <<<"$output")" == false
	assert "$(jq -r '.sources[] | select(.name=="rdpmc") | .reason' <<<"$output")" =~ "no hardware PMU"
}

@test "timer costs are measured numbers greater than zero, ratios against the cheapest" {
	run_tool 0 probe --json --batches 5
	local j=$output name
	for name in rdtsc rdtscp vdso_clock_gettime syscall_clock_gettime perf_read; do
		[ "$(uname -m)" = x86_64 ] || case $name in rdtsc*) continue ;; esac
		assert "$(jq -r --arg n "$name" '.sources[] | select(.name==$n) | .available' <<<"$j")" == true "$name measured"
		jq -e --arg n "$name" '.sources[] | select(.name==$n) |
			.min_ns > 0 and .median_ns >= .min_ns and .ratio > 0 and
			.batches == 5 and .reads_per_batch >= 1 and (.verdict | length) > 0' <<<"$j" >/dev/null ||
			{ echo "bad numbers for $name: $(jq -c --arg n "$name" '.sources[] | select(.name==$n)' <<<"$j")"; false; }
	done
	# The cheapest timer has ratio 1, and no timer is cheaper than it.
	local cheap
	cheap=$(jq -r .cheapest_timer <<<"$j")
	assert "$cheap" != null "a cheapest timer is named"
	jq -e --arg c "$cheap" '(.sources[] | select(.name==$c) | .ratio) == 1' <<<"$j" >/dev/null
	jq -e '[.sources[] | select(.kind=="timer" and .available) | .ratio] | min == 1' <<<"$j" >/dev/null
	# A system call costs more than the vDSO path it is compared with.
	jq -e '(.sources[] | select(.name=="syscall_clock_gettime") | .median_ns) >
		(.sources[] | select(.name=="vdso_clock_gettime") | .median_ns)' <<<"$j" >/dev/null
}

@test "--reads and --batches are honoured" {
	run_tool 0 probe --json --batches 4 --reads 100
	jq -e '[.sources[] | select(.available)] | length > 0 and
		all(.batches == 4 and .reads_per_batch == 100)' <<<"$output" >/dev/null
}

@test "the verdict uses the documented thresholds" {
	run_tool 0 probe --json --batches 3
	jq -e '.thresholds.trap_ratio == 10 and .thresholds.slow_ratio == 3' <<<"$output" >/dev/null
	run_tool 0 probe --help
	assert "$output" =~ ">= 10x traps" "help states the trap threshold"
	assert "$output" =~ "JSON fields" "help documents the JSON fields"
}

@test "bad flags and values are usage errors (exit 2)" {
	run_tool 2 probe --no-such-flag
	assert "$output" =~ "unknown option '--no-such-flag'"
	run_tool 2 probe --batches 0
	assert "$output" =~ "--batches wants a number"
	run_tool 2 probe --reads abc
	run_tool 2 probe --reads
	assert "$output" =~ "needs a value"
	run_tool 2 probe extra
	assert "$output" =~ "unexpected argument 'extra'"
}

@test "a QEMU TCG guest running here is listed, and not as the hypervisor layer" {
	host_only
	command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 not installed"
	# Paused at reset (-S): it runs no guest code, but its vCPU thread exists.
	qemu-system-x86_64 -accel tcg -S -nodefaults -display none -m 32 -smp 2 \
		-name pcrw-probe-test,debug-threads=on </dev/null >/dev/null 2>&1 &
	QEMU_PID=$!
	wait_for 20 bash -c "cat /proc/$QEMU_PID/task/*/comm | grep -qx 'CPU 1/TCG'"
	run_tool 0 probe --json --batches 1 --reads 1
	jq -e --argjson p "$QEMU_PID" '.guests[] | select(.pid == $p) |
		.accel == "TCG" and .vcpus == 2 and .layer == "none"' <<<"$output" >/dev/null ||
		{ echo "guests: $(jq -c .guests <<<"$output")"; false; }
	run_tool 0 probe --batches 1 --reads 1
	assert "$output" =~ "pid $QEMU_PID: 2 vCPUs, TCG: emulated PMU, holds no host counter"
}

@test "a QEMU without thread names is still found, by its executable, vCPUs from -smp" {
	require_root
	host_only
	command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 not installed"
	qemu-system-x86_64 -accel tcg -S -nodefaults -display none -m 32 \
		</dev/null >/dev/null 2>&1 &
	QEMU_PID=$!
	wait_for 20 test -e /proc/$QEMU_PID/task
	wait_for 20 bash -c "[ \$(ls /proc/$QEMU_PID/task | wc -l) -gt 1 ]"
	run_tool 0 probe --json --batches 1 --reads 1
	jq -e --argjson p "$QEMU_PID" '.guests[] | select(.pid == $p) |
		.accel == "TCG" and .vcpus == 1 and .vcpu_pid == null and .layer == "none"' <<<"$output" >/dev/null ||
		{ echo "guests: $(jq -c .guests <<<"$output")"; false; }
}
