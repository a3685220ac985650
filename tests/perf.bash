# shellcheck shell=bash
# Helpers for tests that hold perf events: `load ../perf` after ../helpers.
# Holders started with `hold` are killed by stop_holders (call it from
# teardown_tier).

HOLDERS=()

# hold NAME ARGS...: start tests/progs/perf_hold with ARGS and wait until its
# events are open; its pid is then in $TEST_TMP/NAME.
hold() {
	local name=$1
	shift
	"$TESTPROGS/perf_hold" -r "$TEST_TMP/$name" "$@" >/dev/null &
	HOLDERS+=($!)
	wait_for 20 test -s "$TEST_TMP/$name"
	[ "$(cat "$TEST_TMP/$name")" = "$!" ]
}

stop_holders() {
	local p
	for p in "${HOLDERS[@]}"; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	HOLDERS=()
	return 0
}

# events_of PID: the JSON event objects in $output (who --json) owned by PID.
events_of() {
	grep -o '{"cpu":[^}]*}' <<<"$output" | grep "\"pid\":$1,"
}
