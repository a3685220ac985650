#!/usr/bin/env bats
# The msr group on the build host: the raw_tp programs on msr:write_msr and
# read_msr, driven through BPF_PROG_TEST_RUN with made-up MSR accesses for
# each register family of both vendors (the host has no PMU and no
# /dev/cpu/N/msr). PCRWATCH_MSR_PMU gives the programs the PMU shape under
# test; the pending map stands in for the msr driver's writer hooks
# (fentry on msr_write), which the host cannot have: it has no
# /dev/cpu/N/msr, so no program watches for its writers (tests/vm-amd64 has
# the real ones).

load ../helpers

TR() { "$TESTPROGS/msr_testrun" "$@"; }

# field NAME: the value of NAME= in $output
field() {
	local line
	while IFS= read -r line; do
		[[ $line == "$1="* ]] && { echo "${line#*=}"; return 0; }
	done <<<"$output"
	return 1
}

# attach_as SHAPE: a fresh msr group whose programs see a PMU of SHAPE
attach_as() {
	"$PCRWATCH" detach >/dev/null 2>&1 || true
	PCRWATCH_MSR_PMU=$1 run_tool 0 attach
	assert "$output" =~ "msr +attached: raw_tp on msr:write_msr" "raw_tp chosen on this host"
}

setup_tier() {
	require_root
	[ -n "${PCRWATCH_VM:-}" ] && skip "host tier: the guest has its own msr tests"
	[ -e /sys/kernel/tracing/events/msr/write_msr ] ||
		[ -e /sys/kernel/debug/tracing/events/msr/write_msr ] ||
		skip "this kernel has no msr tracepoints"
	[ -x "$TESTPROGS/msr_testrun" ] || { echo "not built: $TESTPROGS/msr_testrun" >&2; return 1; }
}

teardown_tier() {
	"$PCRWATCH" detach >/dev/null 2>&1 || true
}

@test "attach pins a raw_tp link on msr:write_msr and the msr maps" {
	attach_as intel:4:3:4
	for f in link_write_msr link_read_msr link_rdpmc prog_write_msr shadow cpu_state events event_counts; do
		[ -e /sys/fs/bpf/pcrwatch/msr/$f ] || { echo "missing pin $f" >&2; false; }
	done
	run bpftool link show pinned /sys/fs/bpf/pcrwatch/msr/link_write_msr
	assert "$output" =~ "raw_tracepoint" "a raw_tp link"
	assert "$output" =~ "write_msr" "on write_msr"
}

@test "no /dev/cpu/N/msr here: no program watches for its writers, no syscall tracepoint" {
	[ ! -e /dev/cpu/0/msr ] || skip "this host has an msr device"
	attach_as intel:4:3:4
	assert "$output" =~ "no msr writer to watch \(no /dev/cpu/N/msr\)" "said"
	for f in link_dev_write link_dev_write_exit link_dev_enter link_dev_exit; do
		[ ! -e /sys/fs/bpf/pcrwatch/msr/$f ] || { echo "pinned: $f" >&2; false; }
	done
	run bpftool -j prog list
	assert "$(jq '[.[] | select(.name == "msr_dev_enter" or .name == "msr_dev_exit")] | length' <<<"$output")" == 0 "no pwrite64 program loaded"
}

@test "a made-up write to 0x186 through BPF_PROG_TEST_RUN is counted and programs slot 0" {
	attach_as intel:4:3:4
	run TR cpu 0
	local before
	before=$(field nr_pmu_writes)
	run TR write 0 0x186 0x43003c
	assert "$status" == 0 "test run works: $output"
	run TR cpu 0
	assert "$(field nr_pmu_writes)" == "$((before + 1))" "counted"
	run TR slot 0 0
	assert "$(field owned)" == 1 "slot 0 owned"
	assert "$(field enabled)" == 1 "EN bit seen"
	assert "$(field evtsel)" == 0x43003c
	assert "$(field owner_path)" == 1 "no /dev/cpu/N/msr writer pending: the perf driver"
	assert "$(field owner_comm)" == perf
}

@test "non-PMU MSRs are ignored: TSC deadline, SPEC_CTRL, x2APIC ICR, FS_BASE, AMD HWCR" {
	attach_as intel:4:3:4
	for m in 0x6e0 0x48 0x830 0xc0000100 0xc0010015 0x0 0xffffffff; do
		run TR write 0 $m 0x1
		assert "$status" == 0
	done
	run TR cpu 0
	assert "$(field nr_pmu_writes)" == 0 "no PMU write counted"
	run TR slot 0 0
	assert "$(field owned)" == 0
}

@test "Intel families: PMC, A_PMC, PERFEVTSEL, FIXED_CTR, FIXED_CTR_CTRL, GLOBAL_CTRL, OVF_CTRL" {
	attach_as intel:4:3:4
	TR write 1 0x187 0x4300c0 >/dev/null
	run TR slot 1 1
	assert "$(field evtsel)" == 0x4300c0 "PERFEVTSEL1 -> slot 1"
	TR write 1 0xc3 0x10 >/dev/null
	run TR slot 1 2
	assert "$(field owned)" == 1 "IA32_PMC2 -> slot 2"
	assert "$(field attempt_msr)" == 0xc3
	assert "$(field evtsel)" == 0x0 "a count, not an event select"
	TR write 1 0x4c4 0x10 >/dev/null
	run TR slot 1 3
	assert "$(field attempt_msr)" == 0x4c4 "IA32_A_PMC3 -> slot 3"
	TR write 1 0x30a 0x5 >/dev/null
	run TR slot 1 33
	assert "$(field attempt_msr)" == 0x30a "IA32_FIXED_CTR1 -> slot 33"
	TR write 1 0x38d 0xb0 >/dev/null
	run TR slot 1 33
	assert "$(field enabled)" == 1 "fixed 1 enabled by its FIXED_CTR_CTRL field"
	assert "$(field evtsel)" == 0xb
	run TR slot 1 32
	assert "$(field owned)" == 0 "fixed 0's field did not change"
	TR write 1 0x38f 0x700000003 >/dev/null
	TR write 1 0x390 0x1 >/dev/null
	run TR cpu 1
	assert "$(field global_ctrl)" == 0x700000003 "GLOBAL_CTRL shadowed"
	assert "$(field fixed_ctrl)" == 0xb0
	assert "$(field global_msr)" == 0x390 "OVF_CTRL writer recorded"
	assert "$(field nr_pmu_writes)" == 7
	assert "$(field nr_out_of_range)" == 0
}

@test "Intel counters past the discovered ones are out of range, not counters" {
	attach_as intel:4:3:4
	TR write 0 0x18a 0x43003c >/dev/null # PERFEVTSEL4, 4 counters
	TR write 0 0xc5 0x1 >/dev/null       # PMC4
	TR write 0 0x30c 0x1 >/dev/null      # FIXED_CTR3, 3 fixed
	run TR cpu 0
	assert "$(field nr_out_of_range)" == 3
	run TR slot 0 4
	assert "$(field owned)" == 0
	run TR slot 0 35
	assert "$(field owned)" == 0
	TR write 0 0x18e 0x1 >/dev/null # past the map: not a PMU MSR at all
	run TR cpu 0
	assert "$(field nr_pmu_writes)" == 3
}

@test "AMD families: legacy CTL/CTR, core extension CTL/CTR, PerfMonV2 globals; Intel MSRs are not AMD's" {
	attach_as amd:6:2
	TR write 0 0xc0010001 0x430076 >/dev/null
	run TR slot 0 1
	assert "$(field evtsel)" == 0x430076 "legacy PERF_CTL1 -> slot 1"
	TR write 0 0xc0010204 0x4300c0 >/dev/null
	run TR slot 0 2
	assert "$(field evtsel)" == 0x4300c0 "PERF_CTL2 (0xC0010204) -> slot 2"
	TR write 0 0xc001020b 0x1 >/dev/null
	run TR slot 0 5
	assert "$(field attempt_msr)" == 0xc001020b "PERF_CTR5 -> slot 5"
	assert "$(field evtsel)" == 0x0 "a count, not an event select"
	TR write 0 0xc0010006 0x1 >/dev/null
	run TR slot 0 2
	assert "$(field attempt_msr)" == 0xc0010006 "legacy PERF_CTR2 -> slot 2"
	TR write 0 0xc0000301 0x3f >/dev/null
	run TR cpu 0
	assert "$(field global_ctrl)" == 0x3f "PerfCntrGlobalCtl"
	assert "$(field nr_pmu_writes)" == 5
	TR write 0 0x186 0x43003c >/dev/null
	TR write 0 0xc001020c 0x1 >/dev/null
	TR write 0 0x38f 0x1 >/dev/null
	run TR cpu 0
	assert "$(field nr_pmu_writes)" == 5 "0x186, 0x38F and 0xC001020C are not AMD PMU MSRs"
}

@test "AMD without the core extension has 4 counters: 0xC0010208 is out of range" {
	attach_as amd:4
	TR write 0 0xc0010208 0x43003c >/dev/null
	run TR cpu 0
	assert "$(field nr_out_of_range)" == 1
	run TR slot 0 4
	assert "$(field owned)" == 0
}

@test "two direct writers on one counter: one clobber event naming both" {
	attach_as intel:4:3:4
	TR pending 0 0x186 1111 tool-a >/dev/null
	TR write 0 0x186 0x43003c >/dev/null
	TR pending 0 0x186 2222 tool-b >/dev/null
	TR write 0 0x186 0x4300c0 >/dev/null
	TR clear 0 >/dev/null
	run TR slot 0 0
	assert "$(field owner_comm)" == tool-b
	assert "$(field owner_path)" == 2 "path msr"
	assert "$(field owner_layer)" == 3 "layer user"
	assert "$(field nr_clobbers)" == 1
	run_tool 0 events --json
	local clobbers
	clobbers=$(grep -c '"kind":"clobber"' <<<"$output")
	assert "$clobbers" == 1 "one clobber event"
	assert "$output" =~ '"kind":"clobber".*"actor":\{[^}]*"pid":2222,[^}]*"comm":"tool-b".*"prev":\{[^}]*"pid":1111,[^}]*"comm":"tool-a"' "names both"
	assert "$output" =~ '"type":"counts","group":"msr","clobber":1' "per-kind count"
}

@test "perf over a direct writer's enabled counter is a clobber; over a disabled one it is not" {
	attach_as intel:4:3:4
	TR pending 0 0x187 3333 tool-c >/dev/null
	TR write 0 0x187 0x43003c >/dev/null
	TR clear 0 >/dev/null
	TR write 0 0x187 0x4300c0 >/dev/null # perf takes it
	TR pending 0 0x188 4444 tool-d >/dev/null
	TR write 0 0x188 0x03003c >/dev/null # EN clear
	TR clear 0 >/dev/null
	TR write 0 0x188 0x4300c0 >/dev/null
	run_tool 0 events --json
	assert "$(grep -c '"kind":"clobber"' <<<"$output")" == 1 "only slot 1 was live"
	assert "$output" =~ '"kind":"clobber","cpu":0,[^{]*"slot":1,.*"actor":\{"layer":"kernel","path":"perf".*"prev":\{[^}]*"comm":"tool-c"'
	assert "$output" =~ '"kind":"owner-change",[^{]*"slot":2,.*"actor":\{"layer":"kernel","path":"perf".*"prev":\{[^}]*"comm":"tool-d"'
}

@test "a faulted write (#GP) is an attempt of its writer, not programming, not a clobber" {
	attach_as intel:4:3:4
	TR write 0 0x186 0x43003c >/dev/null # perf owns slot 0
	TR pending 0 0x186 5555 tool-e >/dev/null
	TR write 0 0x186 0x4300c0 1 >/dev/null
	TR clear 0 >/dev/null
	run TR slot 0 0
	assert "$(field owner_comm)" == perf "owner unchanged"
	assert "$(field evtsel)" == 0x43003c "event select unchanged"
	assert "$(field attempt_comm)" == tool-e "attempt attributed"
	assert "$(field attempt_failed)" == 1
	assert "$(field nr_failed)" == 1
	assert "$(field nr_clobbers)" == 0
	run TR cpu 0
	assert "$(field nr_failed)" == 1
	run_tool 0 who --json
	assert "$output" =~ '"comm":"tool-e"[^}]*"event":"#GP on wrmsr 0x186"[^}]*"state":"error"' "who shows the attempt"
	run_tool 0 events --json
	assert "$output" =~ '"clobber":0,'
}

@test "firmware-held: the start-up marker records firmware as owner, and perf taking it is a clobber" {
	attach_as intel:4:3:4
	run TR held 1 2 0x43003c 0x188
	assert "$(field retval)" == 1
	run TR held 1 2 0x43003c 0x188
	assert "$(field retval)" == 0 "an owned slot is not marked twice"
	run TR slot 1 2
	assert "$(field owner_path)" == 4 "path firmware"
	assert "$(field owner_layer)" == 0 "layer firmware"
	TR write 1 0x188 0x4300c0 >/dev/null
	run_tool 0 events --json
	assert "$output" =~ '"kind":"firmware-held","cpu":1,[^{]*"slot":2,'
	assert "$output" =~ '"kind":"clobber","cpu":1,.*"prev":\{"layer":"firmware","path":"firmware"'
	assert "$output" =~ '"firmware_held":1,'
}

@test "inuse-mismatch: GLOBAL_INUSE claiming an unowned counter is reported once" {
	attach_as intel:4:3:4
	TR write 0 0x186 0x43003c >/dev/null           # slot 0 owned and enabled
	TR read 0 0x392 0x0000000200000001 >/dev/null  # slot 0 (owned) and fixed 1 (not)
	TR read 0 0x392 0x0000000200000001 >/dev/null  # same again: no new event
	TR read 0 0x392 0x0000000000000008 >/dev/null  # slot 3: new
	run_tool 0 events --json
	assert "$(grep -c '"kind":"inuse-mismatch"' <<<"$output")" == 2
	assert "$output" =~ '"kind":"inuse-mismatch","cpu":0,[^{]*"slot":33,'
	assert "$output" =~ '"kind":"inuse-mismatch","cpu":0,[^{]*"slot":3,'
	assert "$output" =~ '"inuse_mismatch":2,'
	run TR read 0 0x393 0x1
	run TR cpu 0
	assert "$(field global_inuse)" == 0x8
}

@test "who shows MSR owners with layer, path and identity" {
	attach_as intel:4:3:4
	TR pending 0 0x186 6666 tool-f >/dev/null
	TR write 0 0x186 0x43003c >/dev/null
	TR clear 0 >/dev/null
	run_tool 0 who --json
	assert "$output" =~ '"cpu":0,"hw_idx":0,"slot":0,"layer":"user","path":"msr","attributed":true,"pid":6666,[^}]*"comm":"tool-f"'
	assert "$output" =~ '"config":"0x43003c","event":"event=0x3c,umask=0x00"'
	run_tool 0 who
	assert "$output" =~ "tool-f\[6666\]"
	TR write 0 0x187 0x03003c >/dev/null # perf, EN clear
	run_tool 0 who --json
	assert "$output" !~ '"slot":1,' "a counter perf switched off is not listed"
	TR write 0 0x187 0x43003c >/dev/null
	run_tool 0 who --json
	assert "$output" =~ '"slot":1,"layer":"kernel","path":"perf",[^}]*"comm":"perf"' "an enabled one is"
}

@test "events and who without the msr group say so" {
	"$PCRWATCH" detach >/dev/null 2>&1 || true
	# detach keeps reservation maps (and the veto ring) by design: a test
	# of "nothing attached" starts from an empty pin folder.
	rm -rf /sys/fs/bpf/pcrwatch
	run_tool 1 events
	assert "$output" =~ "run 'pcrwatch attach'"
	run_tool 0 who
	assert "$output" =~ "MSR tracking is not attached"
}

@test "events: bad flag is a usage error, --help works" {
	run_tool 2 events --bogus
	run_tool 2 events extra
	assert "$output" =~ "unexpected argument 'extra'"
	run_tool 0 events --help
	assert "$output" =~ "--follow"
}

@test "a bad PCRWATCH_MSR_PMU is refused with a clear message and attaches nothing" {
	"$PCRWATCH" detach >/dev/null 2>&1 || true
	PCRWATCH_MSR_PMU=intel:99:3 run_tool 1 attach
	assert "$output" =~ "PCRWATCH_MSR_PMU='intel:99:3': expected"
	[ ! -e /sys/fs/bpf/pcrwatch/msr/link_write_msr ]
}

@test "PCRWATCH_MSR_ATTACH=tracepoint takes the fallback rung: classic tracepoint links" {
	"$PCRWATCH" detach >/dev/null 2>&1 || true
	PCRWATCH_MSR_ATTACH=tracepoint run_tool 0 attach
	assert "$output" =~ "msr +attached: tracepoint on msr:write_msr"
	run bpftool link show pinned /sys/fs/bpf/pcrwatch/msr/link_write_msr
	assert "$output" =~ "perf_event" "a tracepoint (perf_event) link, not raw_tracepoint"
	[ ! -e /sys/fs/bpf/pcrwatch/msr/prog_write_msr ]
	"$PCRWATCH" detach
	PCRWATCH_MSR_ATTACH=sometimes run_tool 1 attach
	assert "$output" =~ "expected raw_tp or tracepoint"
}

@test "events --follow prints events as they happen, and the totals when stopped" {
	attach_as intel:4:3:4
	"$PCRWATCH" events --json --follow >"$TEST_TMP/follow" 2>&1 &
	local pid=$!
	TR pending 0 0x186 7777 tool-g >/dev/null
	TR write 1 0x186 0x43003c >/dev/null
	TR write 0 0x186 0x43003c >/dev/null
	TR clear 0 >/dev/null
	wait_for 10 grep -q '"comm":"tool-g"' "$TEST_TMP/follow"
	kill -TERM "$pid"
	wait "$pid"
	run cat "$TEST_TMP/follow"
	assert "$output" =~ '"kind":"owner-change","cpu":1,' "perf on CPU 1"
	assert "$output" =~ '"kind":"owner-change","cpu":0,.*"actor":\{"layer":"user","path":"msr","pid":7777,' "tool-g on CPU 0"
	assert "$output" =~ '"type":"counts","group":"msr","clobber":0,"firmware_held":0,"inuse_mismatch":0,"veto":0,"audit":0,"owner_change":2,'
}

@test "detach returns once the kernel has freed the links" {
	attach_as intel:4:3:4
	run bpftool link show pinned /sys/fs/bpf/pcrwatch/msr/link_write_msr
	id=$(sed -n 's/^\([0-9]*\): .*/\1/p' <<<"$output")
	prog=$(sed -n 's/.* prog \([0-9]*\).*/\1/p' <<<"$output" | head -n1)
	[ -n "$id" ] && [ -n "$prog" ] || { echo "$output"; false; }
	run_tool 0 detach
	assert "$output" !~ "still held" "no other process holds a link"
	run bpftool link show id "$id"
	assert "$status" != 0 "link $id is gone when detach returns: $output"
	run bpftool prog show id "$prog"
	assert "$status" != 0 "its program $prog too: $output"
}
