#!/usr/bin/env bats
# The kernel layer: a counter the kernel makes for itself. pcr_kperf
# (tests/kmod-arm64, built by make kmod-arm64) calls
# perf_event_create_kernel_counter() for a pinned cycles event on one CPU
# from its init, inside finit_module(2) and not perf_event_open(2), without
# exclude_host: what the NMI watchdog does, and what pcrwatch gives the
# kernel layer. A whole-PMU reservation that keeps that layer out refuses
# it and the veto names the kernel user; --layers admits it; a layer:kernel
# reservation keeps counters for it against host perf. The amd64 guests
# have no PMU and Debian's arm64 watchdog is the buddy detector, so this
# module is the kernel layer's only test.
# run-on-kernels: 6.12 7.x

load ../helpers

CPU=1
KMOD=$REPO/build/kmod-arm64-$(uname -r)
PARAMS=/sys/module/pcr_kperf/parameters
PO() { "$TESTPROGS/perf_open" "$@"; }

# The vetoes attached with no logger, so that `events` reads each veto
# from the ring buffer (a running `enforce` would consume it).
setup_file() {
	lsm_tier && [ -f "$KMOD/pcr_kperf.ko" ] || return 0
	"$BUILD/pcrwatch" enforce --once >"$BATS_FILE_TMPDIR/attach.log" 2>&1
	echo $? >"$BATS_FILE_TMPDIR/attach.rc"
}

teardown_file() {
	rmmod pcr_kperf 2>/dev/null
	"$BUILD/pcrwatch" detach >/dev/null 2>&1
	return 0
}

setup_tier() {
	skip_unless_guest
	lsm_tier || skip "arm64 6.1 cannot attach LSM programs (needs 6.4+)"
	[ -f "$KMOD/pcr_kperf.ko" ] ||
		skip "pcr_kperf not built for $(uname -r): $(cat "$KMOD/NOT-BUILT" 2>/dev/null || echo 'run make kmod-arm64')"
	[ "$(cat "$BATS_FILE_TMPDIR/attach.rc")" = 0 ] ||
		{ cat "$BATS_FILE_TMPDIR/attach.log"; false; }
	# Start from an empty ring: events prints and consumes.
	run_tool 0 events --json
}

teardown_tier() {
	rmmod pcr_kperf 2>/dev/null
	[ -f "$TEST_TMP/cookie" ] &&
		"$BUILD/pcrwatch" release --cookie - <"$TEST_TMP/cookie" >/dev/null
	return 0
}

# reserve ARGS...: a reservation, released by teardown_tier.
reserve() {
	run_tool 0 reserve "$@"
	sed -n 's/^management cookie: //p' <<<"$output" >"$TEST_TMP/cookie"
}

# kload: load pcr_kperf for $CPU; its pid in KPID, the creation's result
# (0 or -errno) in RESULT. A refused counter does not fail the load.
kload() {
	insmod "$KMOD/pcr_kperf.ko" cpu=$CPU config=cycles &
	KPID=$!
	wait "$KPID" || { echo "insmod failed"; return 1; }
	RESULT=$(cat "$PARAMS/result")
}

# counts: the kernel counter counts (two reads, each after 1 ms of work
# on its CPU, are above 0 and increasing).
counts() {
	local a b
	a=$(cat "$PARAMS/value") && b=$(cat "$PARAMS/value") || return 1
	[ "$a" -gt 0 ] && [ "$b" -gt "$a" ] || { echo "counts $a then $b"; return 1; }
}

@test "with no reservation the in-kernel counter is created and counts" {
	kload
	assert "$RESULT" == 0 "perf_event_create_kernel_counter succeeded"
	counts
}

@test "a whole-PMU reservation for a user keeps the kernel layer out: EBUSY, the veto names the kernel user" {
	reserve --cpus $CPU --counters all --for uid:1000
	kload
	assert "$RESULT" == -16 "the kernel counter is refused with EBUSY"
	run_tool 0 events --json
	assert "$output" =~ "\"kind\":\"veto\",\"cpu\":$CPU,[^{]*\"actor\":\{\"layer\":\"kernel\",\"path\":\"[a-z]+\",\"pid\":$KPID,\"tid\":$KPID,\"comm\":\"insmod\"" \
		"events --json: a veto on CPU $CPU whose actor is the kernel layer, made in insmod (pid $KPID)"
}

@test "--layers user,kernel admits the kernel counter" {
	reserve --cpus $CPU --counters all --for uid:1000 --layers user,kernel
	kload
	assert "$RESULT" == 0 "the kernel counter is admitted"
	counts
	run_tool 0 events --json
	assert "$output" !~ '"kind":"veto"' "no veto of the kernel counter"
}

@test "a layer:kernel reservation refuses host perf while the kernel counter counts" {
	reserve --cpus $CPU --counters all --for layer:kernel
	run PO --type hw --cpu $CPU
	assert "$status" == 16 "host perf is refused (EBUSY): $output"
	kload
	assert "$RESULT" == 0 "the kernel counter is admitted"
	counts
}

@test "who attributes the in-kernel counter to the kernel layer" {
	kload
	assert "$RESULT" == 0 "the kernel counter was created"
	run_tool 0 who --json
	assert "$output" =~ "\{\"cpu\":$CPU,\"hw_idx\":[0-9]+,\"slot\":[0-9]+,\"layer\":\"kernel\",\"path\":\"kernel\",\"attributed\":true,\"pid\":0,[^}]*\"event\":\"cycles\",\"scope\":\"cpu\",\"pinned\":true,\"exclusive\":false,\"state\":\"active\"" \
		"who --json: the active pinned cycles counter on CPU $CPU is the kernel layer's, no task's"
	run_tool 0 who
	grep -qE "^$CPU +[0-9]+ +[0-9]+ +kernel +kernel +cycles +active " <<<"$output" ||
		{ echo "who: no kernel-layer cycles counter owned by the kernel on CPU $CPU"; echo "$output"; false; }
}
