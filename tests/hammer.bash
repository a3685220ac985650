# shellcheck shell=bash
# A non-holder hammering a reserved counter (tests/progs/hammer.c) while a
# test changes the reservations: the reload-window files of vm-amd64 and
# vm-arm64 share these. Each test has its own $TEST_TMP.

HAMMER=$TESTPROGS/hammer

# The ids of the reservations in force, one line (no jq in the arm64 guest).
ids() { "$BUILD/pcrwatch" list --json | grep -o '"id":[0-9]*' | tr '\n' ' '; }

# hammer_start KIND ARGS...: a non-holder (root) looping on the counter in
# the background; its tally goes to $TEST_TMP/tally once stop exists.
hammer_start() {
	"$HAMMER" "$@" "$TEST_TMP/stop" >"$TEST_TMP/tally" 2>&1 &
	echo $! >"$TEST_TMP/hammer.pid"
	touch "$TEST_TMP/stop.go"
}

hammer_stop() {
	touch "$TEST_TMP/stop"
	wait "$(cat "$TEST_TMP/hammer.pid")"
	cat "$TEST_TMP/tally"
}
