#!/usr/bin/env bats
# The perf tracking group on the build host: no BPF LSM or fentry here
# (ftrace is locked) and no hardware PMU, so there is no hardware event to
# follow and no lifecycle program attaches; the perf_event_open syscall
# tracepoint, the last rung of the ladder, only when asked for. Placement
# falls back to snapshots. pcrwatch says which and why.

load ../helpers

setup_tier() {
	require_root
	[ -z "${PCRWATCH_VM:-}" ] || skip "host-only expectations"
}

teardown_tier() {
	[ -n "${HOLDER:-}" ] && { kill "$HOLDER"; wait "$HOLDER"; } 2>/dev/null
	"$PCRWATCH" detach >/dev/null 2>&1
	return 0
}

opened_at_least() {
	run "$PCRWATCH" who
	local n
	n=$(sed -n 's/.*perf tracking since attach: \([0-9]*\) opened.*/\1/p' <<<"$output")
	[ -n "$n" ] && [ "$n" -ge "$1" ]
}

@test "no hardware PMU here: no lifecycle program, no syscall tracepoint, and it says why" {
	run_tool 0 attach
	assert "$output" =~ "perf +attached: lifecycle: none, no hardware PMU to follow; placement: periodic snapshots"
	[ ! -e /sys/fs/bpf/pcrwatch/perf/link_track_open ]
	[ ! -e /sys/fs/bpf/pcrwatch/perf/link_track_alloc_fexit ]
	run_tool 0 who
	assert "$output" =~ "note: perf tracking: lifecycle: none, no hardware PMU to follow"
	run_tool 0 selftest
	assert "$output" =~ "monitor: perf lifecycle by +not needed \(no hardware PMU"
}

@test "asked for, the syscall tracepoint rung attaches, counts opens and says it is the last rung" {
	PCRWATCH_PERF_LIFECYCLE=tracepoint run_tool 0 attach
	assert "$output" =~ "perf +attached: lifecycle: perf_event_open tracepoint; placement: periodic snapshots; that syscall tracepoint is the last rung, used where no LSM or fentry attaches"
	run_tool 0 who
	assert "$output" =~ "note: perf tracking: lifecycle: perf_event_open tracepoint"
	"$TESTPROGS/perf_hold" -n 4 -e dummy -r "$TEST_TMP/r" >/dev/null &
	HOLDER=$!
	wait_for 20 test -s "$TEST_TMP/r"
	wait_for 20 opened_at_least 4
}

@test "the fentry rung is refused here as the LSM one is" {
	PCRWATCH_PERF_LIFECYCLE=fentry run_tool 0 attach
	assert "$output" =~ "perf +attached: lifecycle: none"
	[ ! -e /sys/fs/bpf/pcrwatch/perf/link_track_alloc_fexit ]
	"$PCRWATCH" detach >/dev/null
	PCRWATCH_PERF_LIFECYCLE=bogus run_tool 1 attach
	assert "$output" =~ "PCRWATCH_PERF_LIFECYCLE='bogus': expected lsm, fentry or tracepoint"
}

@test "the perf group keeps per-kind totals, which events prints" {
	run_tool 0 attach
	[ -e /sys/fs/bpf/pcrwatch/perf/event_counts ]
	run_tool 0 events --json
	assert "$output" =~ '"type":"counts","group":"perf","clobber":0,'
	run_tool 0 events
	assert "$output" =~ "perf +totals: clobber 0 "
}

@test "without the group attached, who says each refresh is a snapshot" {
	"$PCRWATCH" detach >/dev/null 2>&1 || true
	run_tool 0 who
	assert "$output" =~ "perf tracking not attached"
}
