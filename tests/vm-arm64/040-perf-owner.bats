#!/usr/bin/env bats
# Perf-event ownership on the emulated armv8 PMU (7 counters: the cycle
# counter and 6 event counters): who holds each counter, where, and for how
# long it ran. Runs on both guest kernels (hw.idx numbering differs).

load ../helpers
load ../perf

setup_tier() {
	skip_unless_guest
}

teardown_tier() {
	stop_holders
	return 0
}

# who_json: `pcrwatch who --json` from CPU 0, so that it never displaces the
# task events of a holder running on CPU 1.
who_json() {
	run timeout 60 taskset -c 0 "$PCRWATCH" who --json
	[ "$status" = 0 ] || { echo "$output" >&2; return 1; }
}

field() { # OBJECT KEY
	sed -n "s/.*\"$2\":\"\{0,1\}\([^,\"}]*\).*/\1/p" <<<"$1"
}

@test "a hardware cycles event of a running task is on a real counter, with its owner" {
	hold one -n 1 -s -a 1
	local pid ev
	pid=$(cat "$TEST_TMP/one")
	# The spinner is off CPU 1 only while something else runs there (a
	# kworker, under a loaded host): snapshots until one shows it on,
	# bounded. An event that is never active still fails below.
	for _ in $(seq 20); do
		who_json
		ev=$(events_of "$pid")
		[ "$(field "$ev" state)" = active ] && break
	done
	assert "$(wc -l <<<"$ev")" == 1 "one event for the holder"
	assert "$(field "$ev" comm)" == perf_hold "owner comm"
	assert "$(field "$ev" layer)" == user
	assert "$(field "$ev" event)" == cycles
	assert "$(field "$ev" pmu)" == armv8_pmuv3
	assert "$(field "$ev" scope)" == task
	assert "$(field "$ev" state)" == active "a spinning task's event is active"
	assert "$(field "$ev" cpu)" == 1 "it runs on the holder's CPU"
	# The cycle counter: hw.idx 0 before 6.11, 31 from then; slot 31 both.
	case $PCRWATCH_VM in
	*-6.1) assert "$(field "$ev" hw_idx)" == 0 "6.1 numbers the cycle counter 0" ;;
	*) assert "$(field "$ev" hw_idx)" == 31 "6.12 numbers the cycle counter 31" ;;
	esac
	assert "$(field "$ev" slot)" == 31 "the cycle counter is PMCNTENSET bit 31"
}

# All nine events of PID report a running ratio below 1 (multiplexed).
all_multiplexed() {
	who_json || return 1
	local ev n=0
	while read -r ev; do
		[[ $(field "$ev" running_ratio) =~ ^0\.[0-9]+$ ]] || return 1
		n=$((n + 1))
	done < <(events_of "$1")
	[ "$n" = 9 ]
}

# A snapshot can fall inside a multiplexing rotation (the events being
# moved are briefly all off their counters): wait for one taken between two.
steady_nine() {
	all_multiplexed "$1" || return 1
	[ "$(events_of "$1" | grep -c '"state":"active"')" = 7 ]
}

@test "nine cycle events on one CPU: seven on counters, two waiting, multiplexed" {
	hold nine -n 9 -C 1
	local pid
	pid=$(cat "$TEST_TMP/nine")
	wait_for 30 steady_nine "$pid"
	local ev active=0 waiting=0 slots=()
	while read -r ev; do
		assert "$(field "$ev" comm)" == perf_hold
		assert "$(field "$ev" scope)" == cpu
		assert "$(field "$ev" cpu)" == 1
		case $(field "$ev" state) in
		active)
			active=$((active + 1))
			assert "$(field "$ev" hw_idx)" =~ ^[0-9]+$ "active has a counter"
			slots+=("$(field "$ev" slot)") ;;
		inactive)
			waiting=$((waiting + 1))
			assert "$(field "$ev" hw_idx)" == -1 "waiting has no counter" ;;
		*) false ;;
		esac
	done < <(events_of "$pid")
	assert "$active" == 7 "seven events on the seven counters"
	assert "$waiting" == 2 "two events waiting"
	local sorted
	sorted=$(printf '%s\n' "${slots[@]}" | sort -n | tr '\n' ' ')
	assert "$sorted" == "0 1 2 3 4 5 31 " "each counter slot once"
	run_tool 0 who
	assert "$output" =~ "perf_hold\[$pid\] +cycles +inactive +0\.[0-9]+" \
		"the text view shows the ratio below 1"
}

@test "a pinned group that cannot be scheduled shows the error state" {
	hold six -n 6 -C 1 -P
	hold group -n 2 -C 1 -P -g
	local pid
	pid=$(cat "$TEST_TMP/group")
	who_json
	local leader
	leader=$(events_of "$pid" | grep '"pinned":true')
	assert "$(wc -l <<<"$leader")" == 1 "one pinned group leader"
	assert "$(field "$leader" state)" == error "the leader is in error"
	assert "$(events_of "$pid" | grep -c '"state":"active"')" == 0 \
		"no event of the group is on a counter"
	assert "$(events_of "$(cat "$TEST_TMP/six")" | grep -c '"state":"active"')" == 6 \
		"the six pinned events keep their counters"
}

@test "two processes: each event attributed to its own; closing frees the slots" {
	hold a -n 3 -C 1
	hold b -n 2 -C 1
	local a b
	a=$(cat "$TEST_TMP/a")
	b=$(cat "$TEST_TMP/b")
	who_json
	assert "$(events_of "$a" | grep -c '"comm":"perf_hold"')" == 3 "A holds 3"
	assert "$(events_of "$b" | grep -c '"comm":"perf_hold"')" == 2 "B holds 2"
	assert "$(events_of "$a" | grep -c '"state":"active"')" == 3 "A on counters"
	kill "$a"
	wait "$a" || true
	who_json
	assert "$(events_of "$a" | wc -l)" == 0 "A's events are gone in the next refresh"
	assert "$(events_of "$b" | grep -c '"state":"active"')" == 2 "B keeps its counters"
	assert "$(grep -o '"slot":[0-9]*' <<<"$output" | wc -l)" == 2 \
		"only B's two counters are in use"
}

@test "inherited hardware events (no fd) in a child's context are found and attributed" {
	hold inh -n 2 -e cycles -i -f 1
	local pid
	pid=$(cat "$TEST_TMP/inh")
	who_json
	assert "$(events_of "$pid" | grep -c '"found":"fd"')" == 2 "the two originals"
	assert "$(events_of "$pid" | grep -c '"found":"inherited"')" == 2 \
		"two copies found in the child's context (6.1: its hardware context)"
	assert "$(events_of "$pid" | grep '"found":"inherited"' |
		grep -c '"pmu":"armv8_pmuv3"')" == 2 "on the hardware PMU"
	assert "$(events_of "$pid" | grep -c '"attributed":true')" == 4
}
