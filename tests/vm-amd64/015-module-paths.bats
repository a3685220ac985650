#!/usr/bin/env bats
# Issue 20: the pcr_arbiter module has no side door, no lockout and no
# window (docs/PCR-RULES.md, rule 7, "Module entry points"):
#  - every module operation that gives a slot (the claim ioctl, a write of
#    the management alias, a new management cookie, the private acquire,
#    emulated firmware's claims) asks pcrwatch's veto, judged on the task
#    that asks, not on whoever opened the file;
#  - a refused acquire marks nothing the vetoes read: root looping refused
#    acquires beside a holder writing its counter costs the holder nothing;
#  - a module loaded after `enforce` or the agent is mirrored without a
#    SIGHUP, and until it is, direct writes to PMU registers fail closed.
# Each attack is checked by its effect: the module's status, the mirror,
# the msr:write_msr tracepoint; a loop that did not run fails the test.

load ../helpers
load arbiter
bats_require_minimum_version 1.5.0

MW() { "$TESTPROGS/msr_write" "$@"; }
MB() { "$TESTPROGS/msr_bypass" "$@"; }
PINS=/sys/fs/bpf/pcrwatch
TRACE=/sys/kernel/tracing
# Slots 0 and 1's event selects (AMD's PERF_CTL0/1; the rulebook maps
# them to slots 0 and 1 on any CPU, and TCG takes the writes).
EVTSEL0=0xc0010000
EVTSEL1=0xc0010001
MGMT_ALIAS0=0x50435200 # PCR_MSR_MGMT_BASE + slot 0

# fresh: no pcrwatch state, msr.ko loaded, the module unloaded.
fresh() {
	modprobe msr 2>/dev/null || true
	[ -e /dev/cpu/1/msr ] || { echo "no /dev/cpu/1/msr (modprobe msr, -smp 2)" >&2; return 1; }
	arb_unload
	"$PCRWATCH" detach >/dev/null 2>&1 || true
	rm -rf $PINS
}

# start PARAM...: fresh, the module loaded with PARAM, every group attached.
start() {
	fresh
	arb_load "$@"
	run_tool 0 attach
	assert "$output" =~ "arbiter +attached: .*state of [1-9][0-9]* CPUs replayed" "the mirror: $output"
	assert "$output" =~ "arbiter module: decided on its slot for program, claim and acquire" "the module's paths: $output"
}

# reserve0: slot 0 of CPU 0 for uid:1000; root is no holder.
reserve0() {
	run_tool 0 reserve --cpus 0 --counters 1 --for uid:1000
	assert "$output" =~ "reservation 1: CPUs 0, 1 counter\(s\), slots 0x1," "$output"
}

# trace_msrs MSR...: record msr:write_msr for these registers, from now.
trace_msrs() {
	local f="" m
	mountpoint -q $TRACE || mount -t tracefs nodev $TRACE
	for m in "$@"; do f="${f:+$f || }msr == $m"; done
	echo 0 >$TRACE/tracing_on
	echo "$f" >$TRACE/events/msr/write_msr/filter
	echo 1 >$TRACE/events/msr/write_msr/enable
	echo >$TRACE/trace
	echo 1 >$TRACE/tracing_on
}

# traced CPU: the writes traced on CPU since trace_msrs, lost ones too.
traced() {
	local st=$TRACE/per_cpu/cpu$1/stats
	echo $(($(sed -n 's/^entries: //p' $st) + $(sed -n 's/^overrun: //p' $st)))
}

# held CPU: the mirror's bits of the slots the module holds on CPU (the
# formatted value: bpftool prints the raw bytes first).
held() {
	bpftool -j map lookup pinned $PINS/veto/arb_held key "$1" 0 0 0 |
		grep -o '"value":[0-9]\+' | tail -n1 | cut -d: -f2
}

# unmirrored: the MSR veto's mark that the module's holds are unknown.
unmirrored() {
	bpftool -j map lookup pinned $PINS/veto/arb_watch key 0 0 0 0 |
		grep -o '"unmirrored":[0-9]*' | cut -d: -f2
}

# count NAME FILE: NAME=N from a pcr_client -r line.
count() {
	sed -n "s/.*\b$1=\([0-9]*\).*/\1/p" "$2"
}

# Long-running pcrwatch processes this test started, stopped in teardown.
bg_start() {
	"$@" 3>&- &
	echo $! >>"$TEST_TMP/bg"
}

teardown_tier() {
	local p
	[ -n "${PCRWATCH_VM:-}" ] || return 0
	if [ -f "$TEST_TMP/bg" ]; then
		while read -r p; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done <"$TEST_TMP/bg"
	fi
	[ -d $TRACE/events/msr ] && echo 0 >$TRACE/events/msr/write_msr/enable
	arb_unload
	return 0
}

teardown_file() {
	[ -n "${PCRWATCH_VM:-}" ] || return 0
	"$PCRWATCH" detach >/dev/null 2>&1
	rm -rf $PINS
}

@test "a claim through /dev/cpu/N/pcr asks pcrwatch, judged on the task that asks" {
	start mode=none
	reserve0
	trace_msrs $EVTSEL0
	# root, without a grant: the claim ioctl, then a write of the
	# management alias (a claim too)
	pcr_expect $EBUSY -c 0 claim 0 $MGMT
	pcr_expect $EBUSY -c 0 write $MGMT_ALIAS0 $MGMT
	pcr_expect 0 -c 0 status 0
	assert "$output" =~ "slot=0 flags=present,open control=0x1f holder_layer=15 holder_tgid=0 " "nothing was claimed: $output"
	assert "$(held 0)" == 0 "the mirror holds nothing on CPU 0"
	pcr -c 0 -m -u 1000 msr-write $EVTSEL0 0x43003c
	assert "$status" != 16 "the holder still writes its counter: $output"
	assert "$(traced 0)" == 1 "the holder's write reached CPU 0"
	# CPU 1 is not reserved: no over-restriction
	pcr_expect 0 -c 1 claim 0 $MGMT , release 0 $MGMT
	# A file root opened, used by uid 2000: judged as uid 2000.
	pcr_expect $EBUSY -c 0 -u 2000 claim 0 $MGMT
	pcr_expect $EBUSY -c 0 -u 2000 write $MGMT_ALIAS0 $MGMT
	pcr_expect 0 -c 0 status 0
	assert "$output" =~ "slot=0 flags=present,open control=0x1f holder_layer=15 holder_tgid=0 " "uid 2000 claimed nothing: $output"
	# The same, used by the grantee: judged as uid 1000, not as root.
	pcr_expect 0 -c 0 -u 1000 claim 0 $MGMT
	pcr_expect 0 -c 0 status 0
	assert "$output" =~ "slot=0 flags=present,reserved control=0x[0-9a-f]+ holder_layer=3 holder_tgid=[1-9]" "uid 1000 holds it in the module: $output"
	run_tool 0 events --json --since 1h
	assert "$output" =~ '"kind":"veto","cpu":0,.*"path":"arbiter".*"uid":2000,.*"reservation_id":1,' "the veto of uid 2000's claim names reservation 1: $output"
	assert "$output" =~ '"kind":"veto","cpu":0,.*"path":"arbiter".*"uid":0,.*"reservation_id":1,' "the veto of root's claim: $output"
	pcr_expect 0 -c 0 release 0 $MGMT
}

@test "a new management cookie makes a new holder and asks pcrwatch too" {
	start mode=none
	reserve0
	pcr_expect 0 -c 0 -u 1000 claim 0 $MGMT
	pcr_expect 0 -c 0 status 0
	local tgid
	tgid=$(sed -n 's/.* holder_tgid=\([0-9]*\) .*/\1/p' <<<"$output")
	[ -n "$tgid" ] && [ "$tgid" != 0 ] || { echo "no holder after the claim: $output" >&2; false; }
	# root knows the cookie but has no grant; uid 2000 neither
	pcr_expect $EBUSY -c 0 set-mgmt 0 $MGMT $MGMT2
	pcr_expect $EBUSY -c 0 -u 2000 set-mgmt 0 $MGMT $MGMT2
	pcr_expect 0 -c 0 status 0
	assert "$output" =~ " holder_tgid=$tgid " "the holder is unchanged: $output"
	pcr_expect $EPERM -c 0 release 0 $MGMT2
	# the grantee may hand it to itself under a new cookie
	pcr_expect 0 -c 0 -u 1000 set-mgmt 0 $MGMT $MGMT2
	pcr_expect 0 -c 0 status 0
	assert "$output" !~ " holder_tgid=$tgid " "a new holder: $output"
	pcr_expect 0 -c 0 release 0 $MGMT2
}

@test "root looping refused acquires beside a holder writing its counter: no holder refusal" {
	start mode=fully-enforcing
	reserve0
	trace_msrs $EVTSEL0
	local stop=$TEST_TMP/stop secs=${ACQUIRE_LOOP_SECONDS:-6}
	chmod 0711 "$TEST_TMP" # the holder, uid 1000, looks for the stop file
	"$PCR_CLIENT" -c 0 -m -u 1000 -r "$stop" msr-write $EVTSEL0 0x43003c >"$TEST_TMP/holder" 2>&1 3>&- &
	local holder=$!
	"$PCR_CLIENT" -c 0 -r "$stop" acquire 0 >"$TEST_TMP/attacker" 2>&1 3>&- &
	local attacker=$!
	sleep "$secs" # the length of the attack, not a wait for a condition
	touch "$stop"
	wait $holder
	wait $attacker
	local h a hb ho hx ab ao
	h=$(count rounds "$TEST_TMP/holder") hb=$(count busy "$TEST_TMP/holder")
	ho=$(count ok "$TEST_TMP/holder") hx=$(count other "$TEST_TMP/holder")
	a=$(count rounds "$TEST_TMP/attacker") ab=$(count busy "$TEST_TMP/attacker")
	ao=$(count ok "$TEST_TMP/attacker")
	echo "# $(uname -r): ${secs}s: attacker $a acquires ($ab refused EBUSY, $ao granted); holder $h writes ($hb refused EBUSY, $ho ok, $hx other), $(traced 0) traced on CPU 0" >&3
	[ "${a:-0}" -gt 0 ] || { echo "the attack never ran: $(cat "$TEST_TMP/attacker")" >&2; false; }
	[ "${h:-0}" -gt 0 ] || { echo "the holder never wrote: $(cat "$TEST_TMP/holder")" >&2; false; }
	assert "$ao" == 0 "no acquire was granted"
	assert "$ab" == "$a" "every acquire was refused by the reservation"
	assert "$hb" == 0 "the holder was never refused"
	assert "$(traced 0)" == "$((ho + hx))" "every write the holder made reached CPU 0"
	pcr_expect 0 -c 0 status 0
	assert "$output" !~ "private|pending" "slot 0 is neither private nor pending: $output"
	assert "$(held 0)" == 0 "the mirror never kept the slot held"
}

@test "emulated firmware's claims at load ask pcrwatch too" {
	fresh
	run_tool 0 enforce --once
	reserve0
	arb_load mode=minimal firmware_slots=0x1
	run dmesg
	assert "$output" =~ "firmware claim of slot 0 refused: -16" "the module says so"
	pcr_expect 0 -c 0 status 0
	assert "$output" !~ "firmware" "slot 0 is not the firmware's: $output"
}

@test "a module loaded after enforce --once fails closed until attach mirrors it" {
	fresh
	run_tool 0 enforce --once
	assert "$output" =~ "arbiter module: not loaded, watched for" "$output"
	assert "$output" =~ "arbiter: the pcr_arbiter module is not loaded, nothing to mirror; if it loads later, direct writes to PMU registers are refused until .pcrwatch attach. mirrors it" "$output"
	arb_load mode=fully-enforcing
	assert "$(unmirrored)" == 1 "the watch saw the module arrive"
	trace_msrs $EVTSEL1 0x48
	run MW pwrite 0 $EVTSEL1 0x43003c
	assert "$status" == 16 "any slot may be the module's: $output"
	pcr_expect $EBUSY -c 0 acquire 1
	run MB same 0 0x48 0
	assert "$status" != 16 "SPEC_CTRL is no PMU register: $output"
	assert "$(traced 0)" == 1 "only SPEC_CTRL reached CPU 0"
	run_tool 0 attach
	assert "$output" =~ "arbiter +attached: .*state of [1-9][0-9]* CPUs replayed" "$output"
	assert "$(unmirrored)" == 0 "mirrored"
	run MW pwrite 0 $EVTSEL1 0x43003c
	assert "$status" != 16 "slot 1 is nobody's: $output"
	pcr_expect 0 -c 0 acquire 1
	run MW pwrite 1 $EVTSEL1 0x43003c
	assert "$status" == 16 "the module holds slot 1 now: $output"
	assert "$(traced 0)" == 2 "one write of slot 1 reached CPU 0, before the acquire"
	assert "$(traced 1)" == 0 "none reached CPU 1"
}

# mirrored_live LOG PATTERN: after the module loads with pcrwatch already
# running, the mirror is attached without a SIGHUP and protects its hold.
mirrored_live() {
	arb_load mode=fully-enforcing
	wait_for 180 grep -qE "$2" "$1" || { cat "$1" >&2; false; }
	assert "$(unmirrored)" == 0 "the watch's mark is down"
	pcr_expect 0 -c 0 acquire 1
	trace_msrs $EVTSEL1
	run MW pwrite 1 $EVTSEL1 0x43003c
	assert "$status" == 16 "the module's hold on slot 1: $output"
	assert "$(traced 1)" == 0 "never written"
	assert "$(cat "$1")" !~ "SIGHUP:" "no reload"
}

@test "a module loaded after enforce is mirrored without SIGHUP" {
	fresh
	bg_start "$PCRWATCH" enforce >"$TEST_TMP/enforce.out" 2>&1
	wait_for 300 grep -q "^enforcing;" "$TEST_TMP/enforce.out" || { cat "$TEST_TMP/enforce.out" >&2; false; }
	assert "$(cat "$TEST_TMP/enforce.out")" =~ "arbiter: the pcr_arbiter module is not loaded, nothing to mirror; attached when it loads, direct writes to PMU registers refused until then"
	mirrored_live "$TEST_TMP/enforce.out" "^arbiter: raw_tp on pcr_arbiter:pcr_reg_change and pcr_deny, state of [1-9][0-9]* CPUs replayed"
}

@test "a module loaded after the agent is mirrored without SIGHUP" {
	fresh
	export PCRWATCH_LOG_DIR=$TEST_TMP/log
	bg_start "$PCRWATCH" agent --no-journal >"$TEST_TMP/agent.out" 2>&1
	wait_for 300 grep -q "events   veto: logged" "$TEST_TMP/agent.out" || { cat "$TEST_TMP/agent.out" >&2; false; }
	assert "$(cat "$TEST_TMP/agent.out")" =~ "arbiter +not attached \(this kernel cannot\)"
	mirrored_live "$TEST_TMP/agent.out" "^arbiter +attached: raw_tp on pcr_arbiter"
	wait_for 30 grep -q "events   arbiter: logged" "$TEST_TMP/agent.out"
	wait_for 10 grep -qE '"kind":"veto".*"reservation_id":4295032833,' "$PCRWATCH_LOG_DIR/events.jsonl"
}
