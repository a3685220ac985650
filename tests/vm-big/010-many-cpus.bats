#!/usr/bin/env bats
# A machine of more than 256 CPUs (tools/vm/run --cpus 300: 300 possible
# CPUs, the kernel boots two, the tests bring the last one online): every
# map, index and CPU list is sized from the possible CPUs, so a
# reservation on CPU 299 holds there as on CPU 0, `--cpus all` means all
# 300, and the views name the last CPU. Before, everything past CPU 255
# was silently admitted.

# file-timeout: 900 (a 300-CPU guest under TCG: attach alone takes 25 s)

load ../helpers
load ../vm-amd64/msr
bats_require_minimum_version 1.5.0

PO() { "$TESTPROGS/perf_open" "$@"; }

# step WHAT COMMAND...: run it, and say on the TAP stream how long it took
# (a 300-CPU guest under TCG is slow; this says where the time goes).
step() {
	local what=$1 start=$SECONDS rc=0
	shift
	"$@" || rc=$?
	echo "# step: $what: $((SECONDS - start))s (exit $rc)" >&3
	return $rc
}

setup_file() {
	[ -n "${PCRWATCH_VM:-}" ] || return 0
	LAST=$(($(sed 's/.*-//' /sys/devices/system/cpu/possible)))
	echo "$LAST" >"$BATS_FILE_TMPDIR/last"
	step "CPU $LAST online" sh -c "echo 1 >/sys/devices/system/cpu/cpu$LAST/online"
	step "msr driver" load_msr
	clean_slate
	mountpoint -q $TRACE || mount -t tracefs nodev $TRACE
	sysctl -qw kernel.perf_event_paranoid=-1
	step attach sh -c "'$BUILD/pcrwatch' attach >'$BATS_FILE_TMPDIR/monitor.log' 2>&1"
	step enforce start_enforce
}

teardown_file() {
	stop_enforce
	clean_slate
	[ -d $TRACE/events/msr ] && echo 0 >$TRACE/events/msr/write_msr/enable
	return 0
}

setup_tier() {
	skip_unless_guest
	LAST=$(cat "$BATS_FILE_TMPDIR/last")
	LOG=$BATS_FILE_TMPDIR/enforce.log
	[ "$LAST" -ge 256 ] || {
		echo "this guest has $((LAST + 1)) possible CPUs: the tier needs more than 256 (tools/vm/run --cpus 300)" >&2
		return 1
	}
	grep -q "^1" "/sys/devices/system/cpu/cpu$LAST/online" || {
		echo "CPU $LAST did not come online" >&2
		return 1
	}
	[ -e "/dev/cpu/$LAST/msr" ] || { echo "no /dev/cpu/$LAST/msr" >&2; return 1; }
}

cookie_of() { sed -n 's/^management cookie: //p' <<<"$1"; }

@test "selftest states the capacity from the possible CPUs" {
	run_tool 0 selftest
	assert "$output" =~ "capacity +yes +$((LAST + 1)) possible CPUs" "$output"
}

@test "reserve --cpus all covers every possible CPU, the last one included" {
	run_tool 0 reserve --cpus all --counters all --for uid:1000
	c=$(cookie_of "$output")
	run_tool 0 list
	assert "$output" =~ "0-$LAST" "list names CPUs 0-$LAST: $output"
	run_tool 0 list --json
	run jq -r '.reservations[0].cpus' <<<"$output"
	assert "$output" == "0-$LAST" "JSON cpus"
	run PO --cpu "$LAST"
	assert "$status" == 16 "a non-holder's open on CPU $LAST is refused: $output"
	run_tool 0 release --cookie "$c"
}

@test "a reservation on the last CPU refuses a non-holder's MSR write there, unwritten" {
	run_tool 0 reserve --cpus "$LAST" --counters all --for uid:1000
	c=$(cookie_of "$output")
	trace_msrs 0x186
	run "$TESTPROGS/msr_write" pwrite "$LAST" 0x186 0x43003c
	refused_unwritten "$LAST" 0x186 "$status" "pwrite on CPU $LAST: $output"
	run "$TESTPROGS/msr_write" pwrite 1 0x186 0x43003c
	assert "$status" != 16 "CPU 1 is not reserved: $output"
	assert "$(written 1)" == 1 "the write to CPU 1 reached it (the trace can see a write)"
	wait_for 10 grep -q "veto .*cpu $LAST" "$LOG"
	run_tool 0 release --cookie "$c"
}

@test "a reservation on the last CPU refuses a non-holder's opens there and per task, not the holder's" {
	run_tool 0 reserve --cpus "$LAST" --counters all --for uid:1000
	c=$(cookie_of "$output")
	run PO --cpu "$LAST"
	assert "$status" == 16 "non-holder on CPU $LAST: $output"
	run PO --cpu "$LAST" --uid 1000
	assert "$status" == 2 "the holder reaches the PMU lookup (ENOENT: no PMU under TCG): $output"
	run PO
	assert "$status" == 16 "a per-task event could run on CPU $LAST: refused: $output"
	run PO --cpu 0
	assert "$status" == 2 "CPU 0 is not reserved: $output"
	run_tool 0 release --cookie "$c"
}

@test "who, list, live and /metrics name the last CPU" {
	run_tool 0 reserve --cpus "$LAST" --counters all --for uid:0
	c=$(cookie_of "$output")
	# The holder programs counter 0 on the last CPU (PERF_CTL0 on AMD,
	# PERFEVTSEL0 on Intel: whichever this CPU's PMU has is tracked).
	run "$TESTPROGS/msr_write" pwrite "$LAST" 0xc0010000 0x43003c
	run "$TESTPROGS/msr_write" pwrite "$LAST" 0x186 0x43003c
	step list run_tool 0 list
	assert "$output" =~ [[:space:]]$LAST[[:space:]] "list names CPU $LAST: $output"
	step "who --json" run_tool 0 who --json
	assert "$output" =~ "\"cpu\":$LAST,\"hw_idx\":0,\"slot\":0,[^}]*\"path\":\"msr\"" "who: CPU $LAST's counter 0: $output"
	run jq -r '.cpus' <<<"$output"
	assert "$output" == "$((LAST + 1))" "who --json counts every possible CPU"
	step live run_tool 0 live --text -n 1 --cpu "$LAST"
	row=$'(^|\n)'"$LAST "
	assert "$output" =~ "$row" "live shows CPU $LAST's row: $output"
	# The guest boots with loopback down (tools/vm/run: -nic none).
	ip link set lo up
	"$BUILD/pcrwatch" serve --listen 127.0.0.1:0 >"$TEST_TMP/serve.out" 2>&1 3>&- &
	spid=$!
	wait_for 60 grep -q 'listening on' "$TEST_TMP/serve.out"
	url=$(sed -n 's|.*listening on http://\(.*\)/metrics$|\1|p' "$TEST_TMP/serve.out")
	step scrape run "$TESTPROGS/http-get" "$url" /metrics
	kill $spid
	wait $spid || true
	assert "$output" =~ "pcrwatch_cpus $((LAST + 1))" "/metrics: $output"
	assert "$output" =~ "pcrwatch_slot_owner_info\{cpu=\"$LAST\",counter=\"0\"" "/metrics: CPU $LAST's counter 0"
	run_tool 0 release --cookie "$c"
}
