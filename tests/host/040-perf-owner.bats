#!/usr/bin/env bats
# Perf-event ownership on the build host: no hardware PMU, so software
# events go through the same snapshot path, and pcrwatch says plainly that
# there is no hardware counter instead of printing an empty table alone.

load ../helpers
load ../perf

setup_tier() {
	require_root
}

teardown_tier() {
	stop_holders
	return 0
}

no_pmu_host() {
	[ -z "${PCRWATCH_VM:-}" ] || skip "host-only expectation"
	[ ! -e /sys/bus/event_source/devices/cpu ] ||
		skip "this host has a hardware PMU"
	ls /sys/bus/event_source/devices | grep -q '^armv' &&
		skip "this host has a hardware PMU"
	return 0
}

@test "who on a host without a PMU says so, in text and JSON" {
	no_pmu_host
	run_tool 0 who
	assert "$output" =~ "No hardware PMU on this machine" "text says it"
	assert "$output" =~ "note: no hardware PMU" "and the note explains it"
	run_tool 0 who --json
	assert "$output" =~ '"pmu":\{"present":false' "JSON says it"
	assert "$output" =~ '"notes":\[[^]]*no hardware PMU' "JSON note"
}

@test "software events go through the same snapshot path (who --all)" {
	hold sw -n 3 -e cpu-clock
	local pid
	pid=$(cat "$TEST_TMP/sw")
	run_tool 0 who --all --json
	assert "$(events_of "$pid" | wc -l)" == 3 "three events for the holder"
	local ev
	ev=$(events_of "$pid" | head -n1)
	assert "$ev" =~ '"comm":"perf_hold"' "owner comm"
	assert "$ev" =~ '"event":"cpu-clock"' "decoded name"
	assert "$ev" =~ '"found":"fd"' "found through its fd"
	assert "$ev" =~ '"scope":"task"' "a task event"
	assert "$ev" =~ "\"target_pid\":$pid[,}]" "counting its own process"
	assert "$ev" =~ '"cgroup_id":[1-9]' "with the holder's cgroup"
	run_tool 0 who --all
	assert "$output" =~ "perf_hold\[$pid\] +cpu-clock" "text view"
}

@test "software events hold no counter and are left out of who without --all" {
	no_pmu_host
	hold sw -n 2 -e dummy
	local pid
	pid=$(cat "$TEST_TMP/sw")
	run_tool 0 who --json
	assert "$(events_of "$pid" | wc -l)" == 0 "not listed by default"
	assert "$output" =~ 'software perf event\(s\) seen' "but counted in a note"
}

@test "an event whose fd is shared by a forked child is listed once" {
	hold fork -n 2 -e dummy -f 2
	local pid
	pid=$(cat "$TEST_TMP/fork")
	run_tool 0 who --all --json
	assert "$(events_of "$pid" | wc -l)" == 2 "two events, not six"
	assert "$(grep -o '{"cpu":[^}]*"event":"dummy"[^}]*}' <<<"$output" |
		grep -c '"comm":"perf_hold"')" == 2 "no copies under the children"
}

@test "closing the events removes them in the next refresh" {
	hold gone -n 4 -e cpu-clock
	local pid
	pid=$(cat "$TEST_TMP/gone")
	run_tool 0 who --all --json
	assert "$(events_of "$pid" | wc -l)" == 4
	kill "$pid"
	wait "$pid" || true
	run_tool 0 who --all --json
	assert "$(events_of "$pid" | wc -l)" == 0 "gone"
}

@test "who with a stray argument is a usage error (exit 2)" {
	run_tool 2 who --all extra
	assert "$output" =~ "unexpected argument 'extra'"
}

@test "inherited copies, which have no fd, are attributed to the fd holder" {
	hold inh -n 2 -e cpu-clock -i -f 2
	local pid
	pid=$(cat "$TEST_TMP/inh")
	run_tool 0 who --all --json
	assert "$(events_of "$pid" | grep -c '"found":"fd"')" == 2 "two with an fd"
	assert "$(events_of "$pid" | grep -c '"found":"inherited"')" == 4 \
		"two copies in each of the two children"
	local kids
	kids=$(events_of "$pid" | grep '"found":"inherited"' |
		grep -o '"target_pid":[0-9]*' | sort -u | wc -l)
	assert "$kids" == 2 "the copies count for the two children"
	assert "$(events_of "$pid" | grep -c '"attributed":true')" == 6
	assert "$(events_of "$pid" | grep -c '"event":"cpu-clock"')" == 6 \
		"copies are named as their parent (the kernel rewrote their type)"
}

@test "a kernel-created event with no fd (ptrace breakpoint) is found and owned" {
	[ "$(uname -m)" = x86_64 ] || skip "bp_hold sets x86 debug registers"
	"$TESTPROGS/bp_hold" "$TEST_TMP/bp" &
	HOLDERS+=($!)
	wait_for 20 test -s "$TEST_TMP/bp"
	local child
	child=$(cut -d' ' -f2 "$TEST_TMP/bp")
	run_tool 0 who --all --json
	local ev
	ev=$(events_of "$child")
	assert "$(wc -l <<<"$ev")" == 1 "one event in the traced child"
	assert "$ev" =~ '"found":"task-context"' "found by walking its context"
	assert "$ev" =~ '"event":"breakpoint"'
	assert "$ev" =~ '"layer":"kernel"' "the kernel's, not a process's fd"
	assert "$ev" =~ '"path":"kernel"'
	assert "$ev" =~ '"attributed":true'
}

@test "a context with more fileless events than one walk lists says so" {
	hold many -n 200 -e dummy -i -f 1
	local pid
	pid=$(cat "$TEST_TMP/many")
	run_tool 0 who --all --json
	assert "$(events_of "$pid" | grep -c '"found":"fd"')" == 200 "every fd"
	assert "$(events_of "$pid" | grep -c '"found":"inherited"')" == 64 \
		"the first 64 inherited copies"
	assert "$output" =~ "more fileless events than one walk lists" \
		"and a note says the rest are not listed"
}
