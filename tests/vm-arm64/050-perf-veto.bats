#!/usr/bin/env bats
# perf_event_open vetoes on the emulated armv8 PMU (arm64 6.12): every
# event type that reaches the PMU, groups, inherit, per-CPU and per-task;
# cookies; restart; audit. arm64 6.1 cannot attach LSM programs: see
# 051-monitor-only.bats.

load ../helpers

PO() { "$TESTPROGS/perf_open" "$@"; }

setup_file() {
	lsm_tier || return 0
	sysctl -qw kernel.perf_event_paranoid=-1
	start_enforce
}

teardown_file() {
	stop_enforce
}

setup_tier() {
	lsm_tier ||
		skip "arm64 6.1 cannot attach LSM programs (needs 6.4+): 051 checks monitor-only there"
	LOG=$BATS_FILE_TMPDIR/enforce.log
}

cookie_of() { sed -n 's/^management cookie: //p' <<<"$1"; }

@test "enforce attaches the perf veto with LSM" {
	assert "$(cat "$BATS_FILE_TMPDIR/attach.log")" =~ "perf_event_open veto: lsm" "attach method"
	run_tool 0 list
	assert "$output" =~ "perf_event_open veto active"
	assert "$output" =~ "7 counters per CPU" "counters discovered"
}

@test "whole-PMU reservation: every hardware event type of a non-holder is EBUSY, the holder counts" {
	run_tool 0 reserve --cpus 0 --counters all --for uid:1000
	c=$(cookie_of "$output")
	echo "$c" >"$BATS_FILE_TMPDIR/whole"
	for t in "--type hw" "--type raw --config 0x11" "--type pmu --config 0x11"; do
		run PO $t --cpu 0
		assert "$status" == 16 "non-holder $t per-CPU: $output"
		run PO $t --uid 1000 --cpu 0 --work 20
		assert "$status" == 0 "holder $t per-CPU: $output"
		assert "$output" =~ "count 1: [1-9]" "holder $t counts"
	done
	# QEMU's PMU has no cache events: perf refuses them (ENOENT) before
	# they could use a counter, for holder and non-holder alike; the amd64
	# guests check the HW_CACHE veto itself (no PMU: the open hook decides).
	run PO --type cache --cpu 0
	assert "$status" == 2 "no such event on this PMU: $output"
	run PO --type hw
	assert "$status" == 16 "per-task event could run on CPU 0: $output"
	run PO --type hw --inherit
	assert "$status" == 16 "inherit: $output"
	run PO --type hw --cpu 1 --work 10
	assert "$status" == 0 "CPU 1 is not reserved: $output"
	run PO --type sw --cpu 0
	assert "$status" == 0 "software events are not vetoed: $output"
	wait_for 5 grep -q "veto perf_event_open: pid .* (perf_open) uid 0: type 4 .* denied EBUSY by reservation 1 (uid:1000)" "$LOG"
}

@test "a wrong management cookie cannot release; the right one can" {
	c=$(cat "$BATS_FILE_TMPDIR/whole")
	run_tool 4 release --cookie "$(printf '%012x' $(( 0x$c ^ 0x10 )))"
	run PO --cpu 0
	assert "$status" == 16 "still reserved"
	run_tool 0 release --cookie "$c"
	run PO --cpu 0
	assert "$status" == 0 "released: $output"
}

@test "counted reservation: groups, pinned and exclusive against unreserved counters" {
	run_tool 0 reserve --cpus 1 --counters 6 --for uid:1000
	echo "$(cookie_of "$output")" >"$BATS_FILE_TMPDIR/counted"
	run PO --cpu 1 --work 10
	assert "$status" == 0 "one flexible event fits the 1 unreserved counter: $output"
	run PO --cpu 1 --group 2
	assert "$status" == 16 "a group of 2 cannot fit: $output"
	assert "$output" =~ "open 1: ok"
	run PO --cpu 1 --count 2 --pinned
	assert "$status" == 16 "second pinned event exceeds unreserved: $output"
	assert "$output" =~ "open 1: ok"
	run PO --cpu 1 --exclusive
	assert "$status" == 16 "exclusive: $output"
	run PO --group 2
	assert "$status" == 16 "per-task group of 2 could land on CPU 1: $output"
	run PO --uid 1000 --cpu 1 --group 6 --work 20
	assert "$status" == 0 "the holder's group of 6: $output"
	assert "$output" =~ "count 6: [1-9]"
	wait_for 5 grep -q "rule group denied" "$LOG"
	wait_for 5 grep -q "rule pinned denied" "$LOG"
	wait_for 5 grep -q "rule exclusive denied" "$LOG"
}

@test "kill -9 pcrwatch: the reservation is listed and still enforced; restart keeps it" {
	kill -9 "$(cat "$BATS_FILE_TMPDIR/pid")"
	run PO --cpu 1 --group 2
	assert "$status" == 16 "enforced with no pcrwatch running: $output"
	run_tool 0 list
	assert "$output" =~ "uid:1000"
	"$BUILD/pcrwatch" enforce >"$LOG" 2>&1 &
	echo $! >"$BATS_FILE_TMPDIR/pid"
	wait_for 60 grep -q enforcing "$LOG"
	assert "$(cat "$LOG")" =~ "already pinned"
	run PO --cpu 1 --group 2
	assert "$status" == 16 "after restart: $output"
}

@test "audit mode denies nothing and logs the same decisions" {
	run_tool 0 enforce --audit --once
	run PO --cpu 1 --group 2
	assert "$status" == 0 "audit denies nothing: $output"
	run PO --cpu 1 --exclusive
	assert "$status" == 0 "audit denies nothing: $output"
	wait_for 5 grep -q "audit perf_event_open: .* rule group would be denied by reservation" "$LOG"
	wait_for 5 grep -q "audit perf_event_open: .* rule exclusive would be denied" "$LOG"
	run_tool 0 list
	assert "$output" =~ "audited [1-9]"
	run_tool 0 enforce --once
	run PO --cpu 1 --group 2
	assert "$status" == 16 "back to enforce"
}
