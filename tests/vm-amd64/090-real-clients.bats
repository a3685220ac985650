#!/usr/bin/env bats
# Real clients in the amd64 guest. QEMU TCG has no x86 PMU, so the tools
# that program it (likwid, PCM) cannot run here; msr-tools is the real
# direct-MSR client: wrmsr and rdmsr on a reserved counter's control
# register, the kernel's msr:write_msr tracepoint deciding whether the
# register was written.

load ../helpers

HOLDER_CG=/sys/fs/cgroup/pcrw-msr-holder
TRACE=/sys/kernel/tracing/instances/pcrw-real-clients

# Counter 0's control register on this guest's CPU vendor.
ctl0() {
	if grep -q GenuineIntel /proc/cpuinfo; then
		echo 0x186
	else
		echo 0xc0010000
	fi
}

setup_file() {
	[ -n "${PCRWATCH_VM:-}" ] || return 0
	modprobe msr 2>/dev/null || true
	"$PCRWATCH" enforce --once >"$BATS_FILE_TMPDIR/attach.log" 2>&1
	mkdir -p "$HOLDER_CG" "$TRACE"
	echo "msr == $(($(ctl0)))" >"$TRACE/events/msr/write_msr/filter"
	echo 1 >"$TRACE/events/msr/write_msr/enable"
}

teardown_file() {
	[ -n "${PCRWATCH_VM:-}" ] || return 0
	# Later files expect a machine where nothing is reserved.
	"$PCRWATCH" detach >/dev/null 2>&1
	rmdir "$TRACE" "$HOLDER_CG" 2>/dev/null
	return 0
}

setup_tier() {
	skip_unless_guest
}

@test "likwid and PCM cannot run here: QEMU TCG offers no x86 PMU" {
	local vendor
	vendor=$(sed -n 's/^vendor_id[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
	if [ -e /sys/bus/event_source/devices/cpu ]; then
		skip "this $vendor guest has a core PMU, but likwid and PCM are not part of these tests"
	fi
	skip "likwid and PCM find the core PMU through CPUID and program it through /dev/cpu/N/msr or perf; in this QEMU TCG guest ($vendor, -cpu max) the kernel registered no 'cpu' PMU and TCG keeps no counter value, so they have nothing to count; msr-tools is the direct-MSR client tested instead"
}

# written_on CPU: how often the kernel wrote the test value to the counter
# register on CPU since the trace was cleared. The msr driver writes on the
# target CPU (an IPI), so the line carries that CPU, not the writer's comm.
written_on() {
	grep -c "\[00$1\] .* write_msr: ${MSR#0x}, value 43003c" "$TRACE/trace"
}

# reserved: counter 0 of CPU 0 for the holder cgroup; the veto must be on.
reserved() {
	assert "$(cat "$BATS_FILE_TMPDIR/attach.log")" =~ "msr write veto: lsm" "the MSR veto attached"
	[ -e /dev/cpu/0/msr ] || modprobe msr ||
		skip "no /dev/cpu/0/msr: modprobe msr failed in this guest (as 030-msr.bats skips)"
	[ -e /dev/cpu/0/msr ] || skip "no /dev/cpu/0/msr after modprobe msr"
	MSR=$(ctl0)
	run_tool 0 reserve --cpus 0 --counters 1 --for "cgroup:$HOLDER_CG"
	sed -n 's/^management cookie: //p' <<<"$output" >"$TEST_TMP/cookie"
	: >"$TRACE/trace"
}

release() {
	run_tool 0 release --cookie "$(cat "$TEST_TMP/cookie")"
}

@test "wrmsr by a non-holder: refused with EBUSY, exit 127, the register not written; rdmsr reads" {
	reserved
	run wrmsr -p 0 "$MSR" 0x43003c
	assert "$status" == 127 "msr-tools' exit on a pwrite error other than EIO: $output"
	assert "$output" =~ "Device or resource busy" "the kernel's EBUSY: $output"
	run wrmsr -p 1 "$MSR" 0x43003c
	assert "$status" == 0 "CPU 1 is not reserved: $output"
	assert "$(written_on 0)" == 0 "CPU 0's register not written: $(cat "$TRACE/trace")"
	assert "$(written_on 1)" == 1 "CPU 1's written: $(cat "$TRACE/trace")"
	# Reading programs nothing: rule 6 vetoes writes only.
	run rdmsr -p 0 "$MSR"
	assert "$status" == 0 "rdmsr of the reserved register: $output"
	assert "$output" =~ ^[0-9a-f]+$ "a value"
	release
}

@test "wrmsr by the holder writes the reserved register; after release anyone does" {
	reserved
	run sh -c 'echo $$ >"$0/cgroup.procs" && exec wrmsr -p 0 "$1" 0x43003c' "$HOLDER_CG" "$MSR"
	assert "$status" == 0 "holder: $output"
	assert "$(written_on 0)" == 1 "the holder's write reached the register: $(cat "$TRACE/trace")"
	run wrmsr -p 0 "$MSR" 0x43003c
	assert "$status" == 127 "still refused to others: $output"
	assert "$(written_on 0)" == 1 "and not written"
	release
	run wrmsr -p 0 "$MSR" 0x43003c
	assert "$status" == 0 "released: $output"
	assert "$(written_on 0)" == 2 "written after release"
}
