#!/usr/bin/env bats
# Ways around the perf veto, one test per class of issue 11, on the
# emulated armv8 PMU (6 event counters and the cycle counter) of arm64
# 6.12. Every test looks at what counted (values, time_running), not only
# at errnos. arm64 6.1 cannot attach LSM programs (no ftrace direct calls
# before 6.4): there is no veto to get around, 051 checks monitor-only.

# vcpus: parallel (racing pinned opens on real counters)

load ../helpers
load ../perf

PO() { "$TESTPROGS/perf_open" "$@"; }

setup_file() {
	lsm_tier || return 0
	# Start with nothing reserved: detach keeps the reservation maps, and
	# earlier files in this guest may have left reservations in them.
	"$BUILD/pcrwatch" detach >/dev/null 2>&1
	rm -rf /sys/fs/bpf/pcrwatch/veto
	sysctl -qw kernel.perf_event_paranoid=-1
	"$BUILD/pcrwatch" enforce --once >"$BATS_FILE_TMPDIR/attach.log" 2>&1
}

teardown_file() {
	"$BUILD/pcrwatch" detach >/dev/null 2>&1
	return 0
}

setup_tier() {
	lsm_tier ||
		skip "arm64 6.1 cannot attach LSM programs (needs 6.4+)"
	assert "$(cat "$BATS_FILE_TMPDIR/attach.log")" =~ "perf_event_open veto: lsm" "veto attached"
}

teardown_tier() {
	stop_holders
	release_all
}

cookie_of() { sed -n 's/^management cookie: //p' <<<"$1"; }

# reserve ARGS...: a reservation released by teardown.
reserve() {
	run_tool 0 reserve "$@"
	cookie_of "$output" >>"$TEST_TMP/cookies"
}

release_all() {
	local c
	[ -f "$TEST_TMP/cookies" ] || return 0
	while read -r c; do
		"$PCRWATCH" release --cookie - <<<"$c" >/dev/null 2>&1
	done <"$TEST_TMP/cookies"
}

# all_counted N: $output has N "count" lines, each with a value above 0
# and time_running == time_enabled (never multiplexed out).
all_counted() {
	local want=$1 n=0 v e r
	while read -r _ _ v _ e _ r; do
		[ "$v" -gt 0 ] || { echo "count $v is 0: $output" >&2; return 1; }
		[ "$e" = "$r" ] || { echo "enabled $e != running $r: $output" >&2; return 1; }
		n=$((n + 1))
	done < <(grep '^count ' <<<"$output")
	assert "$n" == "$want" "events read"
}

@test "class 6: racing pinned opens never take more than the unreserved counters" {
	reserve --cpus 1 --counters 6 --for uid:1000
	# Only the cycle counter is left: one cycles event fits, at any race.
	run "$TESTPROGS/perf_race" --cpu 1 --threads 4 --rounds 40 --max 1
	assert "$status" == 0 "no double admission: $output"
	assert "$output" =~ "most admitted in one round 1" "one always fits: $output"
	run "$TESTPROGS/perf_race" --cpu 1 --threads 4 --rounds 40 --max 1 --per-task 2
	assert "$status" == 0 "per-task and CPU racers: $output"
	run_tool 0 list
	assert "$output" =~ "events charged \(general\+cycles\): per-task=0\+0" "every charge taken back"
}

@test "class 6: the cycle counter takes only cycles; the holder keeps its 6 general counters" {
	reserve --cpus 1 --counters 6 --for uid:1000
	run PO --cpu 1 --type raw --config 0x8
	assert "$status" == 16 "a non-cycles event needs a general counter: $output"
	run PO --cpu 1 --type raw --config 0x11 --pinned --work 10
	assert "$status" == 0 "a cycles event fits the cycle counter: $output"
	all_counted 1
	hold cyc -C 1 -P -e cycles
	run PO --cpu 1 --type hw
	assert "$status" == 16 "the cycle counter is charged now: $output"
	run PO --uid 1000 --cpu 1 --count 6 --pinned --type raw --config 0x11 --work 20
	assert "$status" == 0 "the holder's 6: $output"
	all_counted 6
	run PO --cpu 0 --type raw --config 0x8 --work 5
	assert "$status" == 0 "CPU 0 is not reserved: $output"
}

@test "class 6: a group whose leader is charged is admitted when it fits, and counts" {
	reserve --cpus 1 --counters 4 --for uid:1000
	# 2 general counters and the cycle counter are free: a pinned group of
	# 3 cycles events fits, each member charged once.
	run PO --cpu 1 --group 3 --pinned --type raw --config 0x11 --work 10
	assert "$status" == 0 "group of 3 fits 3 free counters: $output"
	all_counted 3
	run PO --cpu 1 --group 4 --pinned --type raw --config 0x11
	assert "$status" == 16 "a fourth member does not fit: $output"
	assert "$output" =~ "open 3: ok" "the first three were admitted"
}

@test "class 5: a pid grant dies with its process; a new process with the same pid is refused" {
	"$TESTPROGS/perf_open" --wait "$TEST_TMP/go" --cpu 1 --pinned --work 10 >"$TEST_TMP/holder" &
	holder=$!
	reserve --cpus 1 --counters all --for pid:$holder
	touch "$TEST_TMP/go"
	st=0
	wait "$holder" || st=$?
	assert "$st" == 0 "the process granted opened: $(cat "$TEST_TMP/holder")"
	output=$(cat "$TEST_TMP/holder")
	all_counted 1
	run_tool 0 list
	assert "$output" =~ "pid:$holder: expired \(process exited\)" "list says expired"
	for _ in 1 2 3 4 5; do
		run PO --as-pid "$holder" --cpu 1 --pinned --work 10
		[ "$status" != 3 ] && break
	done
	assert "$output" =~ "pid $holder" "the new process got the same pid: $output"
	assert "$status" == 16 "a recycled pid is not the holder: $output"
	assert "$output" !~ "count 1" "nothing counted"
}

@test "class 7: events from before the reservation make reserve refuse and name them" {
	hold early -C 1 -e cycles
	run_tool 1 reserve --cpus 1 --counters 2 --for uid:1000
	assert "$output" =~ "pid $(cat "$TEST_TMP/early") \(perf_hold\) flexible event 0x0 on CPU 1" "names the event: $output"
	run_tool 0 list
	assert "$output" =~ "no reservations" "nothing reserved"
	reserve --cpus 0 --counters 2 --for uid:1000
	stop_holders
	reserve --cpus 1 --counters 2 --for uid:1000
}

@test "class 7: a non-holder's flexible events are charged; the holder's flexible events always count" {
	reserve --cpus 1 --counters 6 --for uid:1000
	hold flex -C 1 -e cycles
	run PO --cpu 1 --type hw --work 5
	assert "$status" == 16 "a second flexible event of a non-holder: $output"
	run PO --uid 1000 --cpu 1 --count 6 --type raw --config 0x11 --work 50
	assert "$status" == 0 "the holder's flexible events: $output"
	all_counted 6
}

@test "class 2: 32-bit (compat) callers" {
	skip "no AArch32 test binary is built (no armhf toolchain); the alloc hook decides from event->attr, which is the same for every ABI (amd64 061 runs int 0x80)"
}
