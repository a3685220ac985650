#!/usr/bin/env bats
# reserve, release, grant, list, policy: argument checking and the cookie
# rules, on the build host (no LSM here: the reservations are monitor-only).

load ../helpers

setup_tier() {
	store_setup
}

teardown_tier() {
	store_teardown
}

in_force_lines() { # FILE N: at least N "in force" lines
	[ "$(grep -c 'reservation(s) in force' "$1")" -ge "$2" ]
}

cookie_of() { sed -n 's/^management cookie: //p' <<<"$1"; }

# Leave no reservation or veto pinned behind for the files that follow.
teardown_file() {
	store_teardown_file
}

@test "reserve rejects bad arguments with exit 2 and creates nothing" {
	run_tool 2 reserve --cpus 0 --counters 2
	assert "$output" =~ "--for are required"
	run_tool 2 reserve --cpus 0-x --counters 2 --for uid:1000
	assert "$output" =~ "is not a CPU list"
	run_tool 2 reserve --cpus 4096 --counters 2 --for uid:1000
	assert "$output" =~ "does not exist"
	run_tool 2 reserve --cpus 0 --counters 0 --for uid:1000
	assert "$output" =~ "not a counter count"
	run_tool 2 reserve --cpus 0 --counters 1 --for user:bob
	assert "$output" =~ "is not a principal"
	run_tool 2 reserve --cpus 0 --counters 1 --for cgroup:/no/such/dir
	assert "$output" =~ "no such cgroup"
	[ ! -e "$VETO_PINS/resv" ]
}

@test "reserve prints the cookie once; list never shows it" {
	run_tool 0 reserve --cpus 0 --counters all --for uid:1000
	c=$(cookie_of "$output")
	assert "$c" =~ ^[0-9a-f]{12}$ "a 48-bit cookie"
	assert "$output" =~ "monitor-only" "no veto on this host is said"
	run_tool 0 list
	assert "$output" =~ "uid:1000"
	assert "$output" =~ "not active \(monitor-only\)"
	assert "$output" !~ "$c" "list does not show the cookie"
}

@test "a wrong management cookie cannot release or grant; the right one can" {
	run_tool 0 reserve --cpus 0 --counters 1 --for uid:1000
	c=$(cookie_of "$output")
	wrong=$(printf '%012x' $(( 0x$c ^ 1 )))
	run_tool 4 release --cookie "$wrong"
	run_tool 4 grant --cookie "$wrong" --for uid:7
	run_tool 2 release --cookie nothex
	run_tool 0 list
	assert "$output" =~ "uid:1000"
	run_tool 0 grant --cookie "$c" --for uid:7
	run_tool 0 list
	assert "$output" =~ "uid:1000,uid:7"
	run_tool 0 release --cookie - <<<"$c"
	run_tool 0 list
	assert "$output" =~ "no reservations"
}

@test "reservations cannot overlap a whole-PMU one" {
	run_tool 0 reserve --cpus 0-1 --counters all --for uid:1000
	run_tool 1 reserve --cpus 1 --counters 1 --for uid:7
	assert "$output" =~ "already holds counters"
}

@test "a bad policy file is a clear error and the policy in force stays" {
	printf 'reserve cpus=0 counters=1 for=uid:1000\n' >"$TEST_TMP/good"
	printf 'reserve cpus=0 counters=1 for=uid:1000\nreserve cpus=0 frobs=2\n' >"$TEST_TMP/bad"
	run_tool 0 policy load "$TEST_TMP/good"
	run_tool 2 policy load "$TEST_TMP/bad"
	assert "$output" =~ "bad:2: unknown key 'frobs=2'"
	assert "$output" =~ "unchanged"
	run_tool 0 list
	assert "$output" =~ "uid:1000 \(policy\)"
	run_tool 0 policy check "$TEST_TMP/good"
	assert "$output" =~ "valid"
}

@test "enforce on a kernel without BPF LSM says monitor-only" {
	run_tool 0 enforce --once
	assert "$output" =~ "monitor-only"
}

@test "enforce --policy reloads on SIGHUP; a bad file keeps the policy in force" {
	printf 'reserve cpus=0 counters=1 for=uid:1000\n' >"$TEST_TMP/p"
	"$PCRWATCH" enforce --policy "$TEST_TMP/p" >"$TEST_TMP/log" 2>&1 &
	ENFORCE_PID=$!
	wait_for 30 grep -q enforcing "$TEST_TMP/log"
	run_tool 0 list
	assert "$output" =~ "uid:1000 \(policy\)"
	printf 'reserve cpus=0 counters=2 for=uid:2000\n' >"$TEST_TMP/p"
	kill -HUP "$ENFORCE_PID"
	wait_for 10 in_force_lines "$TEST_TMP/log" 2
	run_tool 0 list
	assert "$output" =~ "uid:2000 \(policy\)"
	assert "$output" !~ "uid:1000"
	printf 'reserve cpus=0 counters=two for=uid:3000\n' >"$TEST_TMP/p"
	kill -HUP "$ENFORCE_PID"
	wait_for 10 grep -q "the policy in force is unchanged" "$TEST_TMP/log"
	run_tool 0 list
	assert "$output" =~ "uid:2000 \(policy\)"
}
