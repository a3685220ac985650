#!/usr/bin/env bats
# pcrwatch place on the arm64 guest's emulated PMU (7 counters per CPU):
# four CPU-bound cycle events on CPU 0 leave 3 counters there, so a busy
# process with four per-task events fits CPU 1 only. The advisor says so
# and --apply moves it (every kernel); on 7.x (CONFIG_SCHED_CLASS_EXT) the
# sched_ext scheduler runs it there, and when pcrwatch is killed the kernel
# is back on the default scheduler with every task running.

load ../helpers
load ../perf

SCX=/sys/kernel/sched_ext

teardown_tier() {
	[ -n "${SCHED_PID:-}" ] && kill -9 "$SCHED_PID" 2>/dev/null
	[ -n "${SPINNER:-}" ] && kill "$SPINNER" 2>/dev/null
	stop_holders
	return 0
}

# A CPU-bound holder on CPU 0 and a spinning tenant with per-task events.
start_tenant() {
	hold cpu0 -C 0 -n 4
	hold tenant -n 4 -s
	TENANT=$(cat "$TEST_TMP/tenant")
}

scx_state() {
	cat "$SCX/state"
}

state_is() {
	[ "$(scx_state)" = "$1" ]
}

# The CPU a task last ran on (field 39 of /proc/PID/stat).
last_cpu() {
	awk '{ print $39 }' "/proc/$1/stat"
}

# Its user CPU time so far, in ticks.
utime() {
	awk '{ print $14 }' "/proc/$1/stat"
}

runs_on() { # PID CPU: seen on CPU in 10 samples out of 10
	local i
	for i in 1 2 3 4 5 6 7 8 9 10; do
		[ "$(last_cpu "$1")" = "$2" ] || return 1
		sleep 0.1
	done
}

@test "place: the tenant's four events fit only CPU 1, and --apply moves it there" {
	skip_unless_guest
	start_tenant
	run_tool 0 place
	assert "$(grep '^0 ' <<<"$output")" =~ "^0 +7 +4 +0 +3$" "CPU 0: 4 of 7 counters CPU-bound"
	assert "$(grep '^1 ' <<<"$output")" =~ "^1 +7 +0 +0 +7$" "CPU 1: all free"
	assert "$(grep "^$TENANT " <<<"$output")" =~ "^$TENANT +perf_hold +4 +[0-9.]+ +- +cpus +1$" "the tenant goes to CPU 1"
	run_tool 0 place --apply
	assert "$output" =~ "pid $TENANT thread $TENANT: CPUs 0-1 -> 1" "the change is printed"
	assert "$(sed -n 's/^Cpus_allowed_list:\t//p' "/proc/$TENANT/status")" == 1 "the kernel has it"
}

@test "place --sched refuses where the kernel has no sched_ext" {
	skip_unless_guest
	[ -e "$SCX" ] && skip "this kernel has sched_ext ($(uname -r))"
	run_tool 3 place --sched
	assert "$output" =~ "this kernel has no sched_ext" "the reason"
}

@test "place --sched runs the tenant on CPU 1; kill -9 returns to the default scheduler" {
	skip_unless_guest
	[ -e "$SCX/state" ] || skip "no sched_ext on $(uname -r)"
	state_is disabled || skip "another sched_ext scheduler is loaded: $(scx_state)"
	start_tenant
	# a busy task without events bound to CPU 1: the default scheduler
	# then runs the tenant on CPU 0, where its events do not fit
	taskset -c 1 bash -c 'while :; do :; done' &
	SPINNER=$!
	wait_for 30 runs_on "$TENANT" 0
	"$PCRWATCH" place --sched --interval 0.5 >"$TEST_TMP/sched.out" 2>&1 &
	SCHED_PID=$!
	wait_for 120 state_is enabled || { cat "$TEST_TMP/sched.out" >&2; false; }
	if [ -e "$SCX/root/ops" ]; then # 6.12; 7.3 has no root/ folder
		assert "$(cat "$SCX/root/ops")" == pcrwatch_place "ours is the scheduler"
	fi
	assert "$(cat "$TEST_TMP/sched.out")" =~ "scheduler pcrwatch_place loaded \(state enabled\)" "ours is the scheduler"
	wait_for 60 grep -q "1 process placed by counter demand" "$TEST_TMP/sched.out" ||
		{ cat "$TEST_TMP/sched.out" >&2; false; }
	wait_for 10 runs_on "$TENANT" 1
	# no affinity was set: the scheduler did it
	assert "$(sed -n 's/^Cpus_allowed_list:\t//p' "/proc/$TENANT/status")" == 0-1 "affinity untouched"
	kill -9 "$SCHED_PID"
	wait "$SCHED_PID" 2>/dev/null || true
	SCHED_PID=
	wait_for 30 state_is disabled || { echo "state: $(scx_state)" >&2; false; }
	# no task stuck: the tenant still gets CPU time, a new process runs
	local before
	before=$(utime "$TENANT")
	wait_for 10 test "$(utime "$TENANT")" -gt "$before"
	run timeout 10 true
	assert "$status" == 0 "a new process runs"
}

@test "place --sched stops on SIGTERM, says so, and the kernel switches back" {
	skip_unless_guest
	[ -e "$SCX/state" ] || skip "no sched_ext on $(uname -r)"
	state_is disabled || skip "another sched_ext scheduler is loaded: $(scx_state)"
	"$PCRWATCH" place --sched >"$TEST_TMP/sched.out" 2>&1 &
	SCHED_PID=$!
	wait_for 120 state_is enabled || { cat "$TEST_TMP/sched.out" >&2; false; }
	run_tool 1 place --sched
	assert "$output" =~ "sched_ext is enabled: another scheduler is loaded" "one scheduler at a time"
	local rc=0
	kill -TERM "$SCHED_PID"
	wait "$SCHED_PID" || rc=$?
	SCHED_PID=
	assert "$rc" == 0 "exit 0"
	assert "$(cat "$TEST_TMP/sched.out")" =~ "place: enqueued [0-9]+ times on a CPU where the events fit, [1-9][0-9]* in the shared queue" "its counts: every task went through it"
	assert "$(cat "$TEST_TMP/sched.out")" =~ "place: sched_ext disabled: back on the default scheduler" "said"
	state_is disabled
}
