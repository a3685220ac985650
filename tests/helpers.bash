# shellcheck shell=bash
# Shared bats helpers: `load ../helpers` from any tier.

REPO=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
case $(uname -m) in
aarch64) ARCH_DIR=arm64 ;;
*) ARCH_DIR=amd64 ;;
esac
BUILD=$REPO/build/$ARCH_DIR
PCRWATCH=$BUILD/pcrwatch
TESTPROGS=$BUILD/tests

setup() {
	TEST_TMP=$(mktemp -d "${BATS_TMPDIR:-/tmp}/pcrwatch-test.XXXXXX")
	[ "$(type -t setup_tier)" = function ] && setup_tier
	return 0
}

teardown() {
	[ "$(type -t teardown_tier)" = function ] && teardown_tier
	rm -rf "$TEST_TMP"
	return 0
}

# run_tool EXPECTED_STATUS ARGS...: run pcrwatch with a time limit and check
# its exit status; $output and $status are set as bats' `run` sets them.
run_tool() {
	local want=$1
	shift
	# Loading BPF programs under TCG beside another guest can take minutes.
	run timeout "${RUN_TOOL_TIMEOUT:-180}" "$PCRWATCH" "$@"
	if [ "$status" != "$want" ]; then
		echo "pcrwatch $*: exit $status, expected $want" >&2
		echo "$output" >&2
		return 1
	fi
}

# assert VALUE =~|==|!=|-gt|-ge PATTERN WHAT (-gt, -ge: whole numbers)
assert() {
	local value=$1 op=$2 pattern=$3 what=${4:-}
	case $op in
	-gt | -ge)
		[[ $value =~ ^[0-9]+$ ]] && [ "$value" "$op" "$pattern" ] && return 0 ;;
	'=~') [[ $value =~ $pattern ]] && return 0 ;;
	'!~') [[ ! $value =~ $pattern ]] && return 0 ;;
	'==') [[ $value == "$pattern" ]] && return 0 ;;
	'!=') [[ $value != "$pattern" ]] && return 0 ;;
	*) echo "assert: unknown operator $op" >&2; return 1 ;;
	esac
	echo "FAIL: ${what:-assertion}" >&2
	echo "  expected: $op '$pattern'" >&2
	echo "  actual:   '$value'" >&2
	return 1
}

# wait_for SECONDS COMMAND...: poll a condition ten times a second, bounded.
wait_for() {
	local limit=$(($1 * 10))
	shift
	while [ "$limit" -gt 0 ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
		limit=$((limit - 1))
	done
	echo "timed out waiting for: $*" >&2
	return 1
}

# Stop the background processes a test recorded in PIDS, and reap them.
stop_pids() {
	local p
	for p in "${PIDS[@]}"; do
		kill "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
}

require_root() {
	[ "$(id -u)" = 0 ] || skip "needs root for BPF"
}

# A skip says why, so no tier passes silently on a kernel that cannot run it.
skip_unless_guest() {
	[ -n "${PCRWATCH_VM:-}" ] || skip "only in a test guest (tools/vm/run)"
}

# An arm64 guest whose kernel attaches BPF LSM programs (6.4 and later:
# the 6.12 and 7.x tiers); arm64 6.1 can only monitor.
lsm_tier() {
	case ${PCRWATCH_VM:-} in
	arm64-6.12 | arm64-7.x) return 0 ;;
	*) return 1 ;;
	esac
}

# For a file's vetoes: attach (loading takes a while under TCG), then log
# with `pcrwatch enforce` in the background into $BATS_FILE_TMPDIR/enforce.log
# (attach's output in attach.log); stop_enforce kills the logger and unpins
# the vetoes, so the next file starts with nothing attached.
start_enforce() {
	"$BUILD/pcrwatch" enforce --once >"$BATS_FILE_TMPDIR/attach.log" 2>&1
	"$BUILD/pcrwatch" enforce >"$BATS_FILE_TMPDIR/enforce.log" 2>&1 &
	echo $! >"$BATS_FILE_TMPDIR/pid"
	for _ in $(seq 600); do
		grep -q enforcing "$BATS_FILE_TMPDIR/enforce.log" && break
		sleep 0.1
	done
}

stop_enforce() {
	[ -f "$BATS_FILE_TMPDIR/pid" ] && kill "$(cat "$BATS_FILE_TMPDIR/pid")" 2>/dev/null
	"$BUILD/pcrwatch" detach >/dev/null 2>&1
	return 0
}

# Host files that drive the reservation store (pinned maps, no LSM needed):
# each test starts and ends with no store, and the file leaves nothing of
# pcrwatch's pinned on the host (detach keeps the reservation maps).
VETO_PINS=/sys/fs/bpf/pcrwatch/veto

store_setup() {
	require_root
	[ -n "${PCRWATCH_VM:-}" ] && skip "host tier"
	rm -rf "$VETO_PINS"
}

store_teardown() {
	[ -n "${ENFORCE_PID:-}" ] && kill "$ENFORCE_PID" 2>/dev/null
	rm -rf "$VETO_PINS"
	return 0
}

store_teardown_file() {
	"$BUILD/pcrwatch" detach >/dev/null 2>&1
	rm -rf /sys/fs/bpf/pcrwatch
	return 0
}
