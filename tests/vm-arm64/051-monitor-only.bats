#!/usr/bin/env bats
# arm64 6.1 cannot attach LSM programs (no ftrace direct calls before 6.4):
# pcrwatch must say monitor-only, not pass silently.

load ../helpers

setup_tier() {
	[ "${PCRWATCH_VM:-}" = arm64-6.1 ] || skip "only arm64 6.1 lacks LSM attach"
}

# Leave no reservation or veto pinned behind for the files that follow.
teardown_file() {
	"$BUILD/pcrwatch" detach >/dev/null 2>&1
	return 0
}

@test "enforce reports monitor-only and reservations deny nothing" {
	run_tool 0 enforce --once
	assert "$output" =~ "perf_event_open veto: monitor-only \(lsm programs cannot attach"
	assert "$output" =~ "nothing is denied"
	run_tool 0 reserve --cpus 0 --counters all --for uid:1000
	assert "$output" =~ "monitor-only"
	run_tool 0 list
	assert "$output" =~ "perf_event_open veto not active \(monitor-only\)"
	run "$TESTPROGS/perf_open" --cpu 0
	assert "$status" == 0 "not enforced, as reported: $output"
}

@test "--signal-enforce: SIGKILL after the fact, with a warning, only when asked" {
	run_tool 0 enforce --signal-enforce --once
	assert "$output" =~ "perf_event_open veto: signal \(SIGKILL after the fact\)"
	assert "$output" =~ "may already have been opened" "the warning says the open happened"
	run_tool 0 reserve --cpus 1 --counters all --for uid:1000
	run "$TESTPROGS/perf_open" --cpu 1
	assert "$status" == 137 "killed by SIGKILL: $output"
	run "$TESTPROGS/perf_open" --type sw --cpu 1
	assert "$status" == 0 "software events are left alone: $output"
	run_tool 0 list
	assert "$output" =~ "signal only"
	assert "$output" =~ "vetoes [1-9]"
	run_tool 0 enforce --once
	assert "$output" =~ "monitor-only"
	run "$TESTPROGS/perf_open" --cpu 1
	assert "$status" == 0 "not asked for: nothing enforced: $output"
}
