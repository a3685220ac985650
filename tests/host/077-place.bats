#!/usr/bin/env bats
# pcrwatch place, the placement advisor, on injected state (the fixture
# source, user/model/fixture_source.c): the free counters of each CPU, where each
# task's per-task events fit, --json against its schema, and --apply on a
# real process of this host.

load ../helpers

# CPU 0: four CPU-bound events (perf stat -a) leave 3 of 7 counters;
# CPU 1: uid 1000 reserved 2 counters. pid $1 has four per-task events,
# uid 1000's pid 1002 two, and pid 1003 nine (more than any CPU has).
fixture() {
	cat <<FIXTURE
pmu name=armv8_pmuv3 type=10 counters=6 fixed=1 virtualized=1 hypervisor=QEMU%20TCG
cpus 2
rec cpu=0 hw_idx=0 slot=0 layer=user pid=900 tid=900 comm=perf event=cycles state=active
rec cpu=0 hw_idx=1 slot=1 layer=user pid=900 tid=900 comm=perf event=cycles state=active
rec cpu=0 hw_idx=2 slot=2 layer=user pid=900 tid=900 comm=perf event=cycles state=active
rec cpu=0 hw_idx=3 slot=3 layer=user pid=900 tid=900 comm=perf event=cycles state=inactive
resv id=5 cpu=1 slots=0x3 uid=1000 label=uid:1000
FIXTURE
	for i in 1 2 3 4; do
		echo "rec layer=user pid=$1 tid=$1 uid=0 comm=tenant-a event=cycles scope=task state=idle enabled=100 running=57"
	done
	for i in 1 2; do
		echo "rec layer=user pid=1002 tid=1002 uid=1000 comm=tenant-b event=cycles scope=task pinned=1 state=idle"
	done
	for i in 1 2 3 4 5 6 7 8 9; do
		echo "rec layer=user pid=1003 tid=1003 uid=0 comm=tenant-c event=cycles scope=task state=idle"
	done
}

setup_tier() {
	fixture 1001 >"$TEST_TMP/fixture"
	export PCRWATCH_FIXTURE=$TEST_TMP/fixture
}

teardown_tier() {
	[ -n "${SLEEPER:-}" ] && kill "$SLEEPER" 2>/dev/null
	return 0
}

@test "place --help documents its flags and what the columns mean" {
	run_tool 0 place --help
	assert "$output" =~ "--json" "json"
	assert "$output" =~ "--apply" "apply"
	assert "$output" =~ "--sched" "sched"
	assert "$output" =~ "nowhere" "the verdicts are explained"
	run_tool 2 place --apply --json
	assert "$output" =~ "drop --json" "apply prints text"
	run_tool 2 place extra
	run_tool 2 place --sched --json
	assert "$output" =~ "drop --json and --apply" "the scheduler prints no placement"
	run_tool 2 place --sched --interval 0
	assert "$output" =~ "--interval takes 0.1 to 3600 seconds, not '0'" "a bad interval"
}

@test "place: each CPU's counters less CPU-bound events less reservations" {
	run_tool 0 place
	assert "$output" =~ "2 CPUs, 7 counters each \(armv8_pmuv3\)" "header"
	assert "$(grep '^0 ' <<<"$output")" =~ "^0 +7 +4 +0 +3$" "CPU 0: a waiting CPU-bound event wants a counter too"
	assert "$(grep '^1 ' <<<"$output")" =~ "^1 +7 +0 +2 +5$" "CPU 1: two reserved"
}

@test "place: tasks go where their events fit, holders to their reservation" {
	run_tool 0 place
	assert "$(grep '^1001 ' <<<"$output")" =~ "^1001 +tenant-a +4 +0\.57 +- +cpus +1$" "4 events fit CPU 1 only"
	assert "$(grep '^1002 ' <<<"$output")" =~ "^1002 +tenant-b +2 +1\.00 +5 +cpus +1  pinned$" "the holder goes to its reserved counters"
	assert "$(grep '^1003 ' <<<"$output")" =~ "^1003 +tenant-c +9 +1\.00 +- +nowhere +-$" "9 events fit nowhere"
	assert "$output" =~ "note: pid 1003 needs 9 counters, at most 5 are free for it on any CPU" "said plainly"
	assert "$output" =~ "note: injected state from fixture" "the fixture is named"
}

@test "place --json matches docs/schema/place.json" {
	run_tool 0 place --json
	echo "$output" >"$TEST_TMP/place.json"
	run "$BUILD/tests/json_schema" "$REPO/docs/schema/place.json" "$TEST_TMP/place.json"
	assert "$status" == 0 "valid: $output"
	assert "$(cat "$TEST_TMP/place.json")" =~ '\{"pid":1001,"comm":"tenant-a","demand":4,"pinned":false,"exclusive":false,"reservation":0,"running_ratio":0.57,"place":"cpus","fits":"1","cpus":"1","best_free":5\}' "task 1001"
	assert "$(cat "$TEST_TMP/place.json")" =~ '"cpu":1,"counters":7,"cpu_bound":0,"reserved":2,"free":5' "CPU 1"
}

@test "place --apply moves a real process where its events fit, and says so" {
	[ "$(nproc)" -ge 2 ] || skip "needs 2 CPUs, this host has $(nproc)"
	sleep 600 &
	SLEEPER=$!
	taskset -pc 0-1 "$SLEEPER" >/dev/null
	# the sleeper alone: pid 1002 is no process here (1003 fits nowhere)
	fixture "$SLEEPER" | grep -v pid=1002 >"$PCRWATCH_FIXTURE"
	run_tool 0 place --apply
	assert "$output" =~ "pid $SLEEPER thread $SLEEPER: CPUs 0-1 -> 1" "the change is printed"
	assert "$(sed -n 's/^Cpus_allowed_list:\t//p' /proc/$SLEEPER/status)" == 1 "the kernel has it"
	run_tool 0 place --apply
	assert "$output" =~ "pid $SLEEPER thread $SLEEPER: already on CPUs 1" "a second run changes nothing"
	# a process gone before --apply: said, and the exit status says so
	for i in 1 2 3 4; do
		echo "rec layer=user pid=999999 tid=999999 uid=0 comm=gone event=cycles scope=task state=idle"
	done >>"$PCRWATCH_FIXTURE"
	run_tool 1 place --apply
	assert "$output" =~ "pid 999999: not changed: No such file or directory" "a gone process is named"
}

@test "place --sched refuses plainly where the kernel has no sched_ext" {
	[ -e /sys/kernel/sched_ext ] && skip "this kernel has sched_ext"
	run_tool 3 place --sched
	assert "$output" =~ "this kernel has no sched_ext" "the reason"
	assert "$output" =~ "without --sched advises" "the way out"
}

@test "place without a hardware PMU says so, exit 3" {
	unset PCRWATCH_FIXTURE
	run_tool 0 who --json
	[[ $output =~ '"pmu":{"present":false' ]] || skip "this host has a hardware PMU"
	run_tool 3 place
	assert "$output" =~ "no hardware PMU here" "the reason"
}

@test "who and the live view show the placement; serve exports it without a pid label" {
	run_tool 0 who
	assert "$output" =~ "placement: pid 1001 \(tenant-a\): 4 per-task events fit only on CPUs 1: run it there"
	assert "$output" =~ "placement: pid 1003 \(tenant-c\): needs 9 counters, at most 5 free on any CPU"
	run_tool 0 who --json
	[ "$(jq -r '.placement[] | select(.pid == 1001) | .place + " " + .cpus' <<<"$output")" = "cpus 1" ]
	run_tool 0 live --iterations 1
	assert "$output" =~ "placement: pid 1002 \(tenant-b\): 2 per-task events fit only on CPUs 1"
	"$PCRWATCH" serve --listen 127.0.0.1:0 >"$TEST_TMP/serve.out" 2>&1 &
	SLEEPER=$!
	wait_for 10 grep -q 'listening on' "$TEST_TMP/serve.out"
	url=$(sed -n 's|.*listening on http://\(.*\)/metrics$|\1|p' "$TEST_TMP/serve.out")
	run "$TESTPROGS/http-get" "$url" /metrics
	assert "$output" =~ 'pcrwatch_placement_processes\{place="cpus"\} 2'
	assert "$output" =~ 'pcrwatch_placement_processes\{place="nowhere"\} 1'
	assert "$output" =~ 'pcrwatch_placement_processes\{place="any"\} 0'
	assert "$output" =~ 'pcrwatch_task_events_multiplexed_seconds 1.72e-07' "4 events x 43 ns not running"
	assert "$output" !~ 'pcrwatch_placement[^\n]*pid=' "no pid label"
}
