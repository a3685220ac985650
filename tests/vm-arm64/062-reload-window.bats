#!/usr/bin/env bats
# Make before break on real counters (docs/PCR-RULES.md, "Reloads"): while
# the policy that keeps CPU 1 for uid:1000 is reloaded, by `policy load`
# and by SIGHUP to `enforce --policy`, a non-holder opening cycles events
# in a loop, on CPU 1 and per task, is refused every time. Here an open
# the veto let through would be admitted by the PMU and counted.

load ../helpers
load ../hammer
bats_require_minimum_version 1.5.0

setup_file() {
	lsm_tier || return 0
	sysctl -qw kernel.perf_event_paranoid=-1
	"$BUILD/pcrwatch" detach >/dev/null 2>&1
	rm -rf /sys/fs/bpf/pcrwatch/veto
	"$BUILD/pcrwatch" enforce --once >"$BATS_FILE_TMPDIR/attach.log" 2>&1
}

teardown_file() {
	lsm_tier || return 0
	"$BUILD/pcrwatch" detach >/dev/null 2>&1
	rm -rf /sys/fs/bpf/pcrwatch/veto
	return 0
}

setup_tier() {
	lsm_tier ||
		skip "arm64 6.1 cannot attach LSM programs (needs 6.4+): 051 checks monitor-only there"
	grep -q "perf_event_open veto: lsm" "$BATS_FILE_TMPDIR/attach.log" ||
		{ cat "$BATS_FILE_TMPDIR/attach.log" >&2; return 1; }
	printf 'reserve cpus=1 counters=all for=uid:1000\n' >"$TEST_TMP/a"
	printf 'reserve cpus=0-1 counters=all for=uid:1000\n' >"$TEST_TMP/b"
}

teardown_tier() {
	touch "$TEST_TMP/stop" "$TEST_TMP/stop.go"
	: >"$TEST_TMP/empty" # /dev/null is refused: writable by others
	"$BUILD/pcrwatch" policy load "$TEST_TMP/empty" >/dev/null 2>&1
	return 0
}

# tally_clean TALLY WHAT: the attack ran, and every try was refused by the
# veto (EBUSY), none admitted.
tally_clean() {
	local tries admitted other
	read -r _ tries _ admitted _ _ _ other _ <<<"$1"
	assert "$tries" -gt 50 "the attack ran ($2): $1"
	assert "$admitted" == 0 "no open admitted ($2): $1"
	assert "$other" == 0 "every refusal is the veto's EBUSY ($2): $1"
}

@test "without a reservation the same opens are admitted (the attack can succeed)" {
	hammer_start perf 1
	sleep 1
	tally=$(hammer_stop)
	read -r _ tries _ admitted _ <<<"$tally"
	assert "$admitted" -gt 0 "opens on CPU 1 are admitted with no reservation: $tally"
}

@test "an unchanged policy reloaded changes nothing, reservation ids included" {
	run_tool 0 policy load "$TEST_TMP/a"
	before=$(ids)
	for _ in 1 2 3; do run_tool 0 policy load "$TEST_TMP/a"; done
	assert "$(ids)" == "$before" "the same id after three reloads"
}

@test "policy reloads in a loop: no non-holder open is admitted, on CPU 1 or per task" {
	run_tool 0 policy load "$TEST_TMP/a"
	for cpu in 1 -1; do
		rm -f "$TEST_TMP/stop" "$TEST_TMP/stop.go"
		hammer_start perf "$cpu"
		sleep 1
		for _ in $(seq 6); do
			run_tool 0 policy load "$TEST_TMP/b"
			run_tool 0 policy load "$TEST_TMP/a"
		done
		tally_clean "$(hammer_stop)" "cpu $cpu"
	done
}

@test "SIGHUP reloads of enforce --policy: no non-holder open is admitted" {
	cp "$TEST_TMP/a" "$TEST_TMP/policy"
	"$BUILD/pcrwatch" enforce --policy "$TEST_TMP/policy" >"$TEST_TMP/enforce.log" 2>&1 &
	epid=$!
	wait_for 60 grep -q enforcing "$TEST_TMP/enforce.log"
	hammer_start perf 1
	sleep 1
	for i in $(seq 12); do
		# Replaced whole (as a ConfigMap or an editor's save does): a
		# reload still reading the file never sees it half written.
		if [ $((i % 2)) = 0 ]; then cp "$TEST_TMP/a" "$TEST_TMP/policy.new"; else cp "$TEST_TMP/b" "$TEST_TMP/policy.new"; fi
		mv "$TEST_TMP/policy.new" "$TEST_TMP/policy"
		kill -HUP $epid
		sleep 0.5
	done
	tally=$(hammer_stop)
	kill $epid
	wait $epid || true
	reloads=$(grep -c "reservation(s) in force" "$TEST_TMP/enforce.log" || true)
	assert "$reloads" -ge 6 "enforce reloaded: $(tail -5 "$TEST_TMP/enforce.log")"
	tally_clean "$tally" "SIGHUP"
}
