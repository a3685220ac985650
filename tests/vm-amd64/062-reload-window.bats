#!/usr/bin/env bats
# Make before break (docs/PCR-RULES.md, "Reloads"): while a policy is
# reloaded, by `policy load` or by SIGHUP to `enforce --policy`, a
# non-holder hammering the reserved counter is refused every time. Each
# reload switches the vetoes' index in one step, new reservations in
# before old ones go: no write reaches the CPU (msr:write_msr on CPU 1
# never fires for IA32_PERFEVTSEL0) and no open is admitted. An unchanged
# policy changes nothing, reservation ids included.

# vcpus: parallel (a non-holder hammers while the policy reloads)

load ../helpers
load ../hammer
load msr
bats_require_minimum_version 1.5.0

setup_file() {
	[ -n "${PCRWATCH_VM:-}" ] || return 0
	load_msr
	clean_slate
	mountpoint -q $TRACE || mount -t tracefs nodev $TRACE
	"$BUILD/pcrwatch" enforce --once >"$BATS_FILE_TMPDIR/attach.log" 2>&1
}

teardown_file() {
	clean_slate
	[ -d $TRACE/events/msr ] && echo 0 >$TRACE/events/msr/write_msr/enable
	return 0
}

setup_tier() {
	skip_unless_guest
	[ -e /dev/cpu/1/msr ] || { echo "no /dev/cpu/1/msr (modprobe msr, -smp 2)" >&2; return 1; }
	grep -q "msr write veto: lsm" "$BATS_FILE_TMPDIR/attach.log" ||
		{ cat "$BATS_FILE_TMPDIR/attach.log" >&2; return 1; }
	# Two policies that both keep CPU 1 for uid:1000 and differ, so that
	# every reload between them replaces the reservation (a new id).
	printf 'reserve cpus=1 counters=all for=uid:1000\n' >"$TEST_TMP/a"
	printf 'reserve cpus=0-1 counters=all for=uid:1000\n' >"$TEST_TMP/b"
}

teardown_tier() {
	touch "$TEST_TMP/stop" "$TEST_TMP/stop.go"
	: >"$TEST_TMP/empty" # /dev/null is refused: writable by others
	"$BUILD/pcrwatch" policy load "$TEST_TMP/empty" >/dev/null 2>&1
	return 0
}

@test "an unchanged policy reloaded changes nothing, reservation ids included" {
	run_tool 0 policy load "$TEST_TMP/a"
	before=$(ids)
	assert "$before" =~ '^"id":[0-9]+ $' "one reservation: $before"
	for _ in 1 2 3; do run_tool 0 policy load "$TEST_TMP/a"; done
	assert "$(ids)" == "$before" "the same id after three reloads"
	run_tool 0 policy load "$TEST_TMP/b"
	assert "$(ids)" != "$before" "a changed policy replaces it"
}

# The rows of the index in force, one per line: the key's four bytes, then
# the row's nr and next (hex, little-endian). The newest resv_rows map is
# the one in force: every change makes a new one.
index_rows() {
	local id
	id=$(bpftool map show -j | jq '[.[] | select(.name == "resv_rows") | .id] | max')
	bpftool map dump id "$id" -j |
		jq -r '.[] | [.key[0:4], .value[0:8]] | flatten | map(ltrimstr("0x")) | join(" ")'
}

@test "every row of the index points above its CPU: a walk a reload overtakes only climbs" {
	run_tool 0 policy load "$TEST_TMP/a"
	rows=$(index_rows)
	echo "$rows"
	n=0
	while read -r k0 k1 k2 k3 _ _ _ _ x0 x1 x2 x3; do
		key=$((16#$k3$k2$k1$k0)) next=$((16#$x3$x2$x1$x0)) n=$((n + 1))
		if [ "$key" = 0 ]; then
			assert "$next" == 1 "the head points at CPU 1, the one covered"
		else
			# CPU 0 is not covered: its row is still written, and
			# points at CPU 1 (a zero there sent a walk round CPU 0).
			assert "$next" -gt $((key - 1)) "CPU $((key - 1)) points above itself: $next"
		fi
	done <<<"$rows"
	assert "$n" -ge 3 "the head and a row per CPU: $rows"
}

@test "policy reloads in a loop: no non-holder write reaches the reserved CPU" {
	run_tool 0 policy load "$TEST_TMP/a"
	trace_msrs 0x186
	hammer_start msr 1 0x186
	sleep 1
	for i in $(seq 6); do
		run_tool 0 policy load "$TEST_TMP/b"
		run_tool 0 policy load "$TEST_TMP/a"
	done
	tally=$(hammer_stop)
	echo "$tally"
	read -r _ tries _ admitted _ busy _ other _ <<<"$tally"
	assert "$tries" -gt 100 "the attack ran: $tally"
	assert "$admitted" == 0 "no write admitted across 12 reloads: $tally"
	assert "$other" == 0 "every refusal is the veto's EBUSY: $tally"
	assert "$(written 1)" == 0 "msr:write_msr never fired on CPU 1 for 0x186"
}

@test "policy reloads in a loop: no non-holder open is admitted, per CPU or per task" {
	run_tool 0 policy load "$TEST_TMP/a"
	for cpu in 1 -1; do
		rm -f "$TEST_TMP/stop" "$TEST_TMP/stop.go"
		hammer_start perf "$cpu"
		sleep 1
		for i in $(seq 3); do
			run_tool 0 policy load "$TEST_TMP/b"
			run_tool 0 policy load "$TEST_TMP/a"
		done
		tally=$(hammer_stop)
		echo "cpu $cpu: $tally"
		read -r _ tries _ admitted _ busy _ other _ <<<"$tally"
		assert "$tries" -gt 50 "the attack ran (cpu $cpu): $tally"
		# No PMU under TCG: an open the veto let through would get
		# ENOENT from the PMU lookup, counted as other.
		assert "$admitted" == 0 "cpu $cpu: $tally"
		assert "$other" == 0 "cpu $cpu: every open refused by the veto: $tally"
	done
}

@test "SIGHUP reloads of enforce --policy: no non-holder write reaches the reserved CPU" {
	cp "$TEST_TMP/a" "$TEST_TMP/policy"
	"$BUILD/pcrwatch" enforce --policy "$TEST_TMP/policy" >"$TEST_TMP/enforce.log" 2>&1 &
	epid=$!
	wait_for 60 grep -q enforcing "$TEST_TMP/enforce.log"
	trace_msrs 0x186
	hammer_start msr 1 0x186
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
	echo "$tally"
	reloads=$(grep -c "reservation(s) in force" "$TEST_TMP/enforce.log" || true)
	assert "$reloads" -ge 6 "enforce reloaded: $(cat "$TEST_TMP/enforce.log")"
	read -r _ tries _ admitted _ busy _ other _ <<<"$tally"
	assert "$tries" -gt 100 "the attack ran: $tally"
	assert "$admitted" == 0 "no write admitted across the SIGHUPs: $tally"
	assert "$(written 1)" == 0 "msr:write_msr never fired on CPU 1 for 0x186"
}
