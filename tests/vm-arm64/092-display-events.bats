#!/usr/bin/env bats
# What the real clients leave on the screen (issue 23), second part: a
# stopped PAPI event set is off, not waiting; an owner change names the
# previous holder only while its event lived; a real perf veto reads the
# same from the ring buffer as from the agent's log, with its actor and
# only a perf event's fields. Clients as in 090-real-clients.bats.

load ../helpers
load ../perf

setup_file() {
	[ -n "${PCRWATCH_VM:-}" ] || return 0
	clients_root
	cat /proc/sys/kernel/perf_event_paranoid >"$BATS_FILE_TMPDIR/paranoid"
	sysctl -qw kernel.perf_event_paranoid=-1
	mkdir -p "$CLIENTS_ROOT/usr/lib/pcrwatch"
	cp "$TESTPROGS/papi_stopped.so" "$CLIENTS_ROOT/usr/lib/pcrwatch/"
}

teardown_file() {
	[ -n "${PCRWATCH_VM:-}" ] || return 0
	"$PCRWATCH" detach >/dev/null 2>&1
	rm -rf /sys/fs/bpf/pcrwatch
	sysctl -qw kernel.perf_event_paranoid="$(cat "$BATS_FILE_TMPDIR/paranoid")"
	return 0
}

setup_tier() {
	skip_unless_guest
	PIDS=()
}

teardown_tier() {
	stop_clients
	stop_holders
	stop_pids
	"$PCRWATCH" detach >/dev/null 2>&1 || true
	rm -rf /sys/fs/bpf/pcrwatch
}

# The perf_event_open veto attaches as BPF LSM: arm64 6.4 and later.
lsm_or_skip() {
	run_tool 0 selftest --json
	[[ $output =~ '"enforcement_possible":true' ]] ||
		skip "vetoes cannot attach on $(uname -r): 051-monitor-only.bats covers it"
}

# papi_off PID: who --json shows PID's two events, both off.
papi_off() {
	who_json || return 1
	[ "$(events_of "$1" | grep -c '"state":"off"')" = 2 ]
}

@test "a stopped PAPI event set: leader and member off, nothing waits, no task row" {
	# papi_stopped.so: PAPI_stop runs, then the task spins on CPU 1. Two
	# native events, a leader and a member (PAPI_TOT_CYC and CPU_CYCLES
	# are one event, 0x11, which PAPI opens once).
	bg_client papi -c 1 LD_PRELOAD=/usr/lib/pcrwatch/papi_stopped.so \
		LIBPFM_FORCE_PMU=arm_ac57 papi_command_line PAPI_TOT_CYC INST_RETIRED
	local pid ev
	pid=$(cat "$TEST_TMP/papi")
	wait_for 20 papi_off "$pid" ||
		{ echo "papi: $(cat "$TEST_TMP/papi.out")" >&2; events_of "$pid" >&2; false; }
	while read -r ev; do
		assert "$(field "$ev" scope)" == task "$ev"
		assert "$(field "$ev" waiting)" == false "$ev"
	done < <(events_of "$pid")
	run timeout 60 taskset -c 0 "$PCRWATCH" live --iterations 1
	assert "$status" == 0
	assert "$(grep -E '^task ' <<<"$output")" == "" "no task row: $output"
	assert "$(awk '/^CPU /{g=1; next} g && /^[0-9]+ /{print $3} /^\(|^events:/{g=0}' <<<"$output" | sort -u)" =~ ^0?$ "WAIT 0: $output"
	run_tool 0 who
	assert "$(grep -c "papi_command_li\[$pid\] .* off " <<<"$output")" == 2 "who: both off: $output"
	end_client papi
	assert "$output" =~ "PAPI_TOT_CYC :[[:space:]]+[1-9][0-9]*" "PAPI counted: $output"
	# QEMU counts retired instructions only under -icount: 0 here.
	assert "$output" =~ "INST_RETIRED :[[:space:]]+[0-9]+" "both read: $output"
}

@test "owner changes: a live holder is named, one whose event was closed is not" {
	run_tool 0 attach
	[[ $output =~ "placement: fentry" ]] ||
		skip "no placement tracking on $(uname -r) (fentry needs arm64 6.4 or later): $(grep perf <<<"$output")"
	# perf stat holds CPU 1's cycle counter, then exits.
	run client -c 0 perf stat -C 1 -x, -e cycles -- perl -e 'select(undef, undef, undef, 0.3)'
	assert "$status" == 0 "perf stat: $output"
	sleep 1
	# A holder that stays: it takes the counter perf left free.
	hold a -C 1 -n 1 -e cycles
	local a
	a=$(cat "$TEST_TMP/a")
	run_tool 0 events
	local took
	took=$(grep "owner-change cpu 1 slot 31: counter taken by perf_hold\[$a\]" <<<"$output")
	assert "$took" =~ "before: free \(its last holder had closed its event\)" "perf had exited: $output"
	assert "$output" =~ "counter taken by perf\[[0-9]+\] \(user, perf\) \(config 0x0\); before: (unknown|free)" "perf's own take: $output"
	assert "$(grep "owner-change cpu 1 slot 31: counter taken by perf_hold" <<<"$output")" !~ "before: perf\[" "never the exited perf: $output"
	# Eight cycle events on CPU 1 (seven counters): they rotate, and each
	# change names the live holder it took the counter from.
	hold b -C 1 -n 7 -e cycles
	local b
	b=$(cat "$TEST_TMP/b")
	sleep 1
	run_tool 0 events
	assert "$output" =~ "counter taken by perf_hold\[($a|$b)\] \(user, perf\) \(config 0x0\); before: perf_hold\[($a|$b)\] \(user, perf\)" "a live holder named: $output"
	assert "$output" !~ "owner-change .* nobody" "no nobody: $output"
}

# normalized: $output's perf veto lines without the time, pids and ids
# that differ from one run to the next.
normalized() {
	grep -E 'veto perf_event_open: ' <<<"$output" | sed -E 's/^[0-9T:.-]+Z //; s/pid [0-9]+/pid N/; s/reservation [0-9]+/reservation N/'
}

@test "a real perf veto: the same text from the ring buffer and from the agent's log, with its actor and no MSR fields" {
	lsm_or_skip
	run_tool 0 enforce --once
	run_tool 0 reserve --cpus 0 --counters all --for uid:1000
	run client perf stat -C 0 -x, -e cycles -- perl -e 1
	assert "$status" == 255 "perf is refused: $output"
	run_tool 0 events
	local ring
	ring=$(normalized)
	assert "$ring" == "veto veto perf_event_open: pid N (perf) uid 0: type 0 config 0x0 rule whole-pmu denied EBUSY by reservation N, held for uid 1000 on cpu 0" "the ring buffer's line: $output"
	assert "$output" !~ "veto perf_event_open: .*(msr|was 0x)" "no MSR fields on a perf veto"
	"$PCRWATCH" detach >/dev/null 2>&1
	rm -rf /sys/fs/bpf/pcrwatch
	# The agent, its policy the same reservation.
	export PCRWATCH_LOG_DIR=$TEST_TMP/log
	printf 'reserve cpus=0 counters=all for=uid:1000\n' >"$TEST_TMP/policy"
	"$PCRWATCH" agent --policy "$TEST_TMP/policy" --no-journal >"$TEST_TMP/agent.out" 2>&1 3>&- &
	PIDS+=($!)
	wait_for 300 grep -q "events   veto: logged" "$TEST_TMP/agent.out" ||
		{ cat "$TEST_TMP/agent.out" >&2; false; }
	local since=@$(date +%s)
	run client perf stat -C 0 -x, -e cycles -- perl -e 1
	assert "$status" == 255 "perf is refused under the agent: $output"
	wait_for 20 grep -q '"kind":"veto"' "$PCRWATCH_LOG_DIR/events.jsonl"
	run_tool 0 events --since "$since"
	assert "$(normalized)" == "$ring" "the log's line is the ring buffer's: $output"
	assert "$output" =~ "veto perf_event_open: pid [0-9]+ \(perf\) uid 0" "the actor: $output"
}
