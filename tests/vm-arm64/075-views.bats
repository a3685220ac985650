#!/usr/bin/env bats
# What the views say about real counters on the arm64 guest's emulated PMU
# (issue 13): a reservation with nothing running is not waiting events nor
# kernel-owned rows; reserved counters carry R; a holder's events carry
# their reservation; a per-task event whose task sleeps is idle, not
# waiting; slots are numbered as docs/ARCHITECTURE.md says (cycle counter:
# slot 31, whatever hw.idx the kernel gives it); a veto names the
# reservation it enforced; on 6.1 reserve says monitor-only and why.

load ../helpers
load ../perf

VETO_PINS=/sys/fs/bpf/pcrwatch/veto

setup_tier() {
	skip_unless_guest
	"$PCRWATCH" detach >/dev/null 2>&1
	rm -rf "$VETO_PINS"
}

teardown_tier() {
	stop_holders
	"$PCRWATCH" detach >/dev/null 2>&1
	rm -rf "$VETO_PINS"
	return 0
}

# The WAIT column of every CPU row of a live text block in $output.
wait_column() {
	awk '/^CPU /{g=1; next} g && /^[0-9]+ /{print $3} /^\(|^events:|^legend:/{g=0}' <<<"$output"
}

@test "a reservation with nothing running: no WAIT, R on its counters, no kernel rows" {
	run_tool 0 reserve --cpus all --counters 4 --for uid:1000
	run_tool 0 live --iterations 1 --all
	assert "$(wait_column | sort -u)" == "0" "nothing waits: $output"
	assert "$output" =~ "R free resv 1" "the reserved free counters carry R and the reservation"
	assert "$(grep -cE '^[01] ' <<<"$output")" == 2 "both CPUs are rows"
	run_tool 0 who
	assert "$output" !~ "reserved for" "no owner rows made of the reservation"
	assert "$output" !~ $'\n'"[01] +[-0-9]+ +- +kernel" "no kernel-owned row from it"
	assert "$output" =~ "reservation 1 \(uid:1000\): slots 0,1,2,3" "the reservation is said once"
	run_tool 0 who --json
	assert "$output" =~ '"events":\[\]' "no events"
	assert "$output" =~ '"reservations":\[\{"id":1,' "the reservation"
}

@test "a holder's events show their reservation and the R flag" {
	hold h -C 0 -n 2
	local pid
	pid=$(cat "$TEST_TMP/h")
	run_tool 0 reserve --cpus 0 --counters 2 --for "pid:$pid"
	run_tool 0 who --json
	local ev
	ev=$(events_of "$pid")
	assert "$(grep -c '"reservation_id":1,"holder":true' <<<"$ev")" == 2 "both events carry reservation 1: $ev"
	run_tool 0 who
	assert "$(grep "\[$pid\]" <<<"$output" | grep -cE 'R~? +resv 1 \(holder\)')" == 2 "R and resv 1 in who: $output"
	run_tool 0 live --iterations 1
	assert "$(grep -E '^0 ' <<<"$output")" =~ "UR~? perf_hold\[$pid\]" "R in the live cell"
}

@test "a per-task event whose task sleeps is idle, not waiting" {
	hold t -n 1
	local pid
	pid=$(cat "$TEST_TMP/t")
	run_tool 0 who --json
	assert "$(events_of "$pid")" =~ '"state":"idle"' "idle: $(events_of "$pid")"
	assert "$(events_of "$pid")" =~ '"waiting":false' "not waiting"
	run_tool 0 live --iterations 1 --all
	assert "$(wait_column | sort -u)" == "0" "no CPU shows it waiting: $output"
}

@test "the cycle counter is slot 31 with the kernel's index beside" {
	hold c -C 0 -n 1 -e cycles
	local pid idx
	pid=$(cat "$TEST_TMP/c")
	run_tool 0 who --json
	assert "$(events_of "$pid")" =~ '"hw_idx":(0|31),"slot":31,' "slot 31: $(events_of "$pid")"
	idx=$(events_of "$pid" | sed -n 's/.*"hw_idx":\([0-9]*\).*/\1/p')
	case $(uname -r) in
	6.1.*) assert "$idx" == 0 "6.1 gives the cycle counter hw.idx 0" ;;
	*) assert "$idx" == 31 "6.12 gives it hw.idx 31" ;;
	esac
	run_tool 0 who
	assert "$output" =~ $'\n'"0 +31 +$idx +user +perf_hold\[$pid\] +cycles" "who: SLOT 31, IDX $idx"
	run_tool 0 live --iterations 1
	assert "$output" =~ "ctr31" "a ctr31 column"
	assert "$output" !~ "ctr0 .*ctr0" "one column per slot"
}

@test "a free counter's owner reads none, never firmware or kernel" {
	run_tool 0 attach
	hold f -C 0 -n 1
	stop_holders
	run_tool 0 events
	assert "$output" !~ "held by kernel \(firmware" "no firmware-kernel for nobody: $output"
	run_tool 0 events --json
	assert "$output" !~ '"layer":"firmware","path":"perf"' "no firmware layer on a perf event's empty owner"
}

@test "a veto names the reservation it enforced" {
	run_tool 0 selftest --json
	[[ $output =~ '"enforcement_possible":true' ]] || skip "vetoes cannot attach on $(uname -r)"
	run_tool 0 enforce --once
	run_tool 0 reserve --cpus 0 --counters all --for uid:1000
	run "$TESTPROGS/perf_open" --cpu 0
	assert "$status" == 16 "denied with EBUSY: $output"
	run_tool 0 events
	assert "$output" =~ "veto .*denied EBUSY by reservation 1" "the veto line names reservation 1: $output"
	assert "$output" !~ "veto .*held by nobody" "not nobody"
}

@test "6.1: reserve says monitor-only and why, and selftest explains LSM active but not attaching" {
	[ "${PCRWATCH_VM:-}" = arm64-6.1 ] || skip "only arm64 6.1 has BPF LSM active without attach"
	run_tool 0 reserve --cpus 0 --counters 1 --for uid:1000
	assert "$output" =~ "monitor-only: BPF LSM is active, but LSM programs cannot attach" "says why"
	assert "$output" !~ "pcrwatch enforce" "does not send the user to enforce"
	run_tool 0 selftest
	assert "$output" =~ "lsm/perf_event_open attaches +no +BPF LSM is active but its programs cannot attach" "explains the pair"
	assert "$output" =~ "enforcement: no, reservations are monitor-only here" "the verdict"
}
