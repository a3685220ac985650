#!/usr/bin/env bats
# What the views say (issue 13), on the build host: injected state for the
# words and rows, the real host for the messages (BPF LSM active here, but
# its programs cannot attach) and the cgroup2 resolution of a hybrid host.
# tests/vm-arm64/075-views.bats checks the same on real counters.

load ../helpers

VETO_PINS=/sys/fs/bpf/pcrwatch/veto

setup_tier() {
	require_root
	[ -n "${PCRWATCH_VM:-}" ] && skip "host tier"
	FIX=$TEST_TMP/fixture
	cat >"$FIX" <<'FIXTURE'
pmu name=armv8_pmuv3 type=10 counters=6 fixed=1
cpus 2
rec cpu=0 hw_idx=1 slot=1 layer=user pid=42 tid=42 uid=1000 comm=holder event=cycles state=active
rec cpu=0 hw_idx=0 slot=31 layer=user pid=43 tid=43 uid=0 comm=perf event=cycles state=active
rec cpu=1 layer=user pid=44 comm=sleep event=cycles scope=task state=idle
rec cpu=1 hw_idx=2 slot=2 path=perf layer=firmware event=raw%200x11 state=active
resv id=7 cpu=0 slots=0xf uid=1000 label=uid:1000
resv id=7 cpu=1
FIXTURE
}

teardown_file() {
	"$BUILD/pcrwatch" detach >/dev/null 2>&1
	rm -rf "$VETO_PINS"
	rmdir /sys/fs/cgroup/unified/pcrw-075 2>/dev/null
	return 0
}

@test "a reservation is not waiting events nor kernel rows; its free counters carry R" {
	PCRWATCH_FIXTURE=$FIX run_tool 0 live --iterations 1 --all
	assert "$(grep -E '^1 ' <<<"$output")" =~ "^1 +([0-9.]+|-) +0 " "CPU 1: WAIT 0 (the idle task event and the reservation do not wait)"
	assert "$(grep -E '^1 ' <<<"$output")" =~ "R free resv 7" "CPU 1's reserved free counters carry R"
	assert "$(grep -E '^0 ' <<<"$output")" =~ "UR holder\[42\] cycles" "the holder's cell carries R"
	PCRWATCH_FIXTURE=$FIX run_tool 0 who
	assert "$output" !~ "reserved for" "no rows made of the reservation"
	assert "$output" =~ "reservation 7 \(uid:1000\): slots 0,1,2,3, 1 holder event" "the reservation, once"
	assert "$(grep 'holder\[42\]' <<<"$output")" =~ "R +resv 7 \(holder\)$" "the holder's event shows its reservation"
	assert "$(grep 'perf\[43\]' <<<"$output")" !~ "resv" "an event outside the reserved slots is not under it"
	PCRWATCH_FIXTURE=$FIX run_tool 0 who --json
	assert "$output" =~ '"comm":"holder"[^}]*"reservation_id":7,"holder":true' "reservation_id in JSON"
	assert "$output" =~ '"comm":"sleep"[^}]*"state":"idle"[^}]*"waiting":false' "idle is not waiting"
}

@test "the module's reservations are reservations beside pcrwatch's, not owner rows" {
	cat >"$TEST_TMP/module" <<'FIXTURE'
pmu name=cpu type=4 counters=4 fixed=3
cpus 2
rec cpu=0 hw_idx=1 slot=1 layer=user pid=42 tid=42 uid=1000 comm=pcr_client event=cycles state=active
resv id=4294967296 source=module cpu=0 slots=0x1 layer=firmware label=firmware flags=0x43
resv id=4294967296 cpu=1
resv id=4295032832 source=module cpu=0 slots=0x2 pid=42 label=pcr_client flags=0x03 control=0x1f
FIXTURE
	PCRWATCH_FIXTURE=$TEST_TMP/module run_tool 0 who
	assert "$output" =~ "module reservation 4294967296 \(firmware, locked firmware\): slots 0, 0 holder events" "the firmware's slot, as the module's reservation"
	assert "$(grep 'pcr_client\[42\]' <<<"$output")" =~ "R +resv 4295032832 \(holder\)$" "the holder's event carries R and the module's reservation"
	assert "$(grep -cE '^[0-9]+ ' <<<"$output")" == 1 "one owner row: the event, none for a reservation"
	PCRWATCH_FIXTURE=$TEST_TMP/module run_tool 0 live --iterations 1
	assert "$(grep -E '^1 ' <<<"$output")" =~ "^1 +- +0 +R free module " "CPU 1: no MUX (nothing on it runs), WAIT 0, the module's free reserved counter carries R"
	PCRWATCH_FIXTURE=$TEST_TMP/module run_tool 0 who --json
	assert "$output" =~ '"reservation_id":4295032832,"holder":true' "the holder's reservation_id"
	assert "$output" =~ '"id":4295032832,"source":"module","label":"pcr_client","principals":\["pid:42"\]' "the module's reservation in JSON"
}

@test "slots are numbered as ARCHITECTURE.md says, the kernel's index beside" {
	PCRWATCH_FIXTURE=$FIX run_tool 0 who
	assert "$output" =~ $'\n'"CPU +SLOT +IDX " "both columns"
	assert "$output" =~ $'\n'"0 +31 +0 +user +perf\[43\]" "the arm64 cycle counter: slot 31, hw.idx 0"
	PCRWATCH_FIXTURE=$FIX run_tool 0 live --iterations 1
	assert "$output" =~ "ctr31" "a ctr31 column"
	assert "$(grep -E '^0 ' <<<"$output")" =~ "U perf\[43\] cycles$" "in the last column, ctr31"
}

@test "an owner that is nobody reads none, not firmware or kernel" {
	PCRWATCH_FIXTURE=$FIX run_tool 0 who
	assert "$output" =~ $'\n'"1 +2 +2 +none +nobody +raw 0x11" "layer none, owner nobody"
	PCRWATCH_FIXTURE=$FIX run_tool 0 who --json
	assert "$output" =~ '"layer":"none"' "none in JSON"
	PCRWATCH_FIXTURE=$FIX "$PCRWATCH" serve --listen 127.0.0.1:0 >"$TEST_TMP/serve.out" 2>&1 &
	local pid=$! port
	wait_for 20 grep -q 'listening on' "$TEST_TMP/serve.out"
	port=$(sed -n 's/.*listening on .*:\([0-9]*\).*/\1/p' "$TEST_TMP/serve.out" | head -1)
	run "$TESTPROGS/http-get" "127.0.0.1:$port" /metrics
	kill "$pid"
	assert "$output" =~ 'layer="none",owner="nobody"' "serve says the same words"
	assert "$output" =~ 'pcrwatch_slot_owner_info\{cpu="0",counter="31",hw_idx="0"' "serve numbers slots the same"
}

@test "reserve where the vetoes cannot attach says monitor-only and why, not enforce" {
	rm -rf "$VETO_PINS"
	run_tool 0 selftest --json
	[[ $output =~ '"enforcement_possible":false' ]] || skip "vetoes attach on this host"
	run_tool 0 reserve --cpus 0 --counters 1 --for uid:1000
	assert "$output" =~ "monitor-only: " "says monitor-only"
	assert "$output" !~ "pcrwatch enforce" "does not send the user to enforce"
}

@test "selftest: LSM active but not attaching is explained; a non-root user is told the capability" {
	run_tool 0 selftest
	if [[ $output =~ "BPF LSM in the kernel's LSM list +yes" && $output =~ "attaches +no" ]]; then
		assert "$output" =~ "BPF LSM is active but its programs cannot attach" "the pair explained"
	fi
	command -v setpriv >/dev/null || skip "no setpriv to drop root"
	run setpriv --reuid=65534 --regid=65534 --clear-groups "$PCRWATCH" selftest
	assert "$status" == 0
	assert "$output" =~ "lacks CAP_BPF, CAP_PERFMON, CAP_SYS_ADMIN" "names the capabilities"
	assert "$output" !~ "tracepoints +no" "no false 'no' for a permission problem"
	run setpriv --reuid=65534 --regid=65534 --clear-groups "$PCRWATCH" who
	assert "$output" !~ "no msr tracepoints" "who does not call a permission problem missing tracepoints"
	run setpriv --reuid=65534 --regid=65534 --clear-groups "$PCRWATCH" attach
	assert "$status" == 4 "denied"
	assert "$output" =~ "lacks CAP_BPF" "attach names the capability"
}

@test "a cgroup principal must be cgroup2: the unified folder on a hybrid host" {
	local v2=/sys/fs/cgroup
	[ -d $v2/unified ] && v2=$v2/unified
	[ "$(stat -f -c %T $v2)" = cgroup2fs ] || skip "no cgroup2 mount"
	mkdir -p "$v2/pcrw-075"
	rm -rf "$VETO_PINS"
	run_tool 0 reserve --cpus 0 --counters 1 --for "cgroup:$v2/pcrw-075"
	local v1
	v1=$(awk '$3 == "cgroup" { print $2; exit }' /proc/mounts)
	[ -n "$v1" ] || skip "no cgroup v1 hierarchy to refuse"
	run_tool 2 reserve --cpus 0 --counters 1 --for "cgroup:$v1"
	assert "$output" =~ "not in the cgroup2 hierarchy" "a v1 folder is refused, and why"
}
