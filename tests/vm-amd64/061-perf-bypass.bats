#!/usr/bin/env bats
# Ways around the perf veto on amd64 guests (6.1, 6.12), which have BPF LSM
# but no PMU: lsm/perf_event_open is the veto point. A non-holder's
# hardware open must end in EBUSY; where the veto lets one through, perf
# answers ENOENT (no PMU), so ENOENT from a non-holder is a bypass. Each
# decision must come from the kernel's copy of the attr (6.1: the hook's
# argument; 6.12: perf_copy_attr()'s), for every syscall ABI.

# vcpus: parallel (a thread rewrites the attr while the veto reads it)

load ../helpers

PO() { "$TESTPROGS/perf_open" "$@"; }

setup_file() {
	[ -n "${PCRWATCH_VM:-}" ] || return 0
	# Start with nothing reserved: detach keeps the reservation maps, and
	# earlier files in this guest may have left reservations in them.
	"$BUILD/pcrwatch" detach >/dev/null 2>&1
	rm -rf /sys/fs/bpf/pcrwatch/veto
	sysctl -qw kernel.perf_event_paranoid=-1
	"$BUILD/pcrwatch" enforce --once >"$BATS_FILE_TMPDIR/attach.log" 2>&1
}

teardown_file() {
	"$BUILD/pcrwatch" detach >/dev/null 2>&1
	return 0
}

setup_tier() {
	skip_unless_guest
	assert "$(cat "$BATS_FILE_TMPDIR/attach.log")" =~ "perf_event_open veto: lsm" "veto attached"
}

teardown_tier() {
	local c
	[ -f "$TEST_TMP/cookies" ] || return 0
	while read -r c; do
		"$PCRWATCH" release --cookie - <<<"$c" >/dev/null 2>&1
	done <"$TEST_TMP/cookies"
}

reserve() {
	run_tool 0 reserve "$@"
	sed -n 's/^management cookie: //p' <<<"$output" >>"$TEST_TMP/cookies"
}

# compat_works: the kernel runs int 0x80 system calls (IA32 emulation).
compat_works() {
	run PO --compat --type sw --cpu 0
	[ "$status" = 0 ]
}

@test "class 2: a thread rewriting the attr cannot steer the decision" {
	reserve --cpus 0 --counters all --for uid:1000
	run "$TESTPROGS/perf_flip" --cpu 0 --rounds 3000
	assert "$status" == 0 "every hardware copy refused, every software one admitted: $output"
	assert "$output" =~ "ENOENT 0," "no hardware open reached the PMU lookup"
}

@test "class 2: a 32-bit caller (int 0x80) is decided as a 64-bit one" {
	compat_works || skip "this kernel runs no int 0x80 system calls (IA32 emulation off): $output"
	reserve --cpus 0 --counters all --for uid:1000
	for t in "--type hw" "--type raw --config 0x3c" "--type cache"; do
		run PO --compat $t --cpu 0
		assert "$status" == 16 "compat non-holder $t: $output"
		run PO --compat $t --cpu 0 --uid 1000
		assert "$status" == 2 "compat holder $t reaches the PMU lookup: $output"
	done
	run PO --compat --cpu 1
	assert "$status" == 2 "CPU 1 is not reserved: $output"
	run "$TESTPROGS/perf_flip" --compat --cpu 0 --rounds 3000
	assert "$status" == 0 "compat and a racing thread: $output"
}

@test "class 5: a pid grant dies with its process; a new process with the same pid is refused" {
	"$TESTPROGS/perf_open" --wait "$TEST_TMP/go" --cpu 0 >"$TEST_TMP/holder" &
	holder=$!
	reserve --cpus 0 --counters all --for pid:$holder
	touch "$TEST_TMP/go"
	st=0
	wait "$holder" || st=$?
	assert "$st" == 2 "the process granted reaches the PMU lookup: $(cat "$TEST_TMP/holder")"
	run_tool 0 list
	assert "$output" =~ "pid:$holder: expired \(process exited\)" "list says expired"
	for _ in 1 2 3 4 5; do
		run PO --as-pid "$holder" --cpu 0
		[ "$status" != 3 ] && break
	done
	assert "$output" =~ "pid $holder" "the new process got the same pid: $output"
	assert "$status" == 16 "a recycled pid is not the holder: $output"
	run PO --as-pid "$holder" --type sw --cpu 0
	[ "$status" = 3 ] || assert "$status" == 0 "software events stay open to it: $output"
}

@test "class 6: no PMU: a counted reservation fails closed for hardware, not for software" {
	reserve --cpus 0 --counters 1 --for uid:1000
	run PO --cpu 0
	assert "$status" == 16 "capacity unknown: fail closed: $output"
	run PO --cpu 0 --uid 1000
	assert "$status" == 2 "the holder: $output"
	run PO --type sw --cpu 0 --work 5
	assert "$status" == 0 "software: $output"
	assert "$output" =~ "count 1: [1-9]" "the software event counted"
}
