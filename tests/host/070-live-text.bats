#!/usr/bin/env bats
# pcrwatch live in plain text (stdout not a terminal) and `who` on injected
# state: the fixture source (user/model/fixture_source.c, tools/gen-fixture) puts
# known owners on known counters on a host that has no PMU.

load ../helpers

setup_tier() {
	FIX=$TEST_TMP/fixture
	cat >"$FIX" <<'FIXTURE'
# two CPUs, four counters, one conflict, one reservation, one waiting event
pmu name=armv8_pmuv3 type=10 counters=4 fixed=1 virtualized=1 hypervisor=QEMU%20TCG
cpus 2
rec cpu=0 hw_idx=0 slot=0 layer=user pid=4242 tid=4242 comm=perf event=cycles state=active enabled=100 running=100
rec cpu=0 hw_idx=2 slot=2 path=msr layer=user pid=77 tid=77 comm=likwid-perfctr event=raw%200x08 state=active enabled=100 running=50 conflicts=2
rec cpu=1 hw_idx=31 slot=31 layer=kernel comm=watchdog event=cycles pinned=1 state=active resv=9
rec cpu=1 layer=user pid=5000 tid=5001 comm=stress-ng event=instructions scope=task state=inactive enabled=100 running=0
events clobber=2 veto=1 lost=3
note a note from the fixture
FIXTURE
	export PCRWATCH_FIXTURE=$FIX
}

@test "live --help documents the keys, options and exit codes" {
	run_tool 0 live --help
	assert "$output" =~ "--interval SECONDS" "interval is documented"
	assert "$output" =~ "--iterations COUNT" "iterations is documented"
	assert "$output" =~ "q quit, f or space freeze" "keys are documented"
	assert "$output" =~ "Exit status: 0 ok, 1" "exit codes are documented"
}

@test "live in text mode puts the known owner on the known counter" {
	run_tool 0 live --iterations 1
	assert "$output" =~ "PMU armv8_pmuv3 \(type 10\)  2 CPUs" "the header names the PMU"
	# CPU 0: counter 0 perf[4242] cycles, counter 2 likwid with a conflict
	local cpu0 cpu1 hdr
	hdr=$(grep '^CPU ' <<<"$output")
	cpu0=$(grep '^0 ' <<<"$output")
	cpu1=$(grep '^1 ' <<<"$output")
	assert "$hdr" =~ "ctr0 .*ctr1 .*ctr2 .*ctr3 .*ctr31" "known counters and the cycle counter are columns"
	assert "$cpu0" =~ "^0 +0\.75 +0 +U perf\[4242\] cycles +- +U!~ likwid-perfctr\[77\] raw 0x08 +- +-$" "CPU 0 row"
	assert "$cpu1" =~ "^1 +0\.00 +1 +- +- +- +- +KR watchdog cycles$" "CPU 1 row: reserved kernel cycle counter, one waiting"
	assert "$output" =~ "events: clobber 2 veto 1 lost 3" "event counts"
	assert "$output" =~ "note: a note from the fixture" "notes are printed"
}

@test "live text mode repeats --iterations times, --interval apart" {
	local start end
	start=$(date +%s%N)
	run_tool 0 live --iterations 3 --interval 0.2
	end=$(date +%s%N)
	assert "$(grep -c '^== pcrwatch' <<<"$output")" == 3 "three blocks"
	# two sleeps of 0.2 s between three refreshes
	[ $(((end - start) / 1000000)) -ge 400 ] || { echo "took $(((end - start) / 1000000)) ms" >&2; false; }
}

@test "live --filter and --conflicts keep only matching CPUs" {
	run_tool 0 live -n 1 --filter watchdog
	assert "$output" =~ $'\n1 ' "CPU 1 has the watchdog"
	assert "$output" !~ $'\n0 ' "CPU 0 is filtered out"
	run_tool 0 live -n 1 --conflicts
	assert "$output" =~ $'\n0 ' "CPU 0 has the conflict"
	assert "$output" !~ $'\n1 ' "CPU 1 has none"
	run_tool 0 live -n 1 --filter nosuchowner
	assert "$output" =~ "no hardware counter is in use that matches" "empty result said plainly"
}

@test "live --sort busy puts the CPU with the most users first" {
	run_tool 0 live -n 1 --sort busy
	local first
	first=$(grep -A1 '^CPU ' <<<"$output" | tail -n1)
	assert "$first" =~ "^0 " "CPU 0 (two counters) before CPU 1"
}

@test "live: bad flags and values are usage errors (exit 2)" {
	run_tool 2 live --interval 0
	assert "$output" =~ "bad --interval '0'"
	run_tool 2 live --interval abc
	run_tool 2 live --iterations -1
	assert "$output" =~ "bad --iterations"
	run_tool 2 live --sort size
	assert "$output" =~ "bad --sort 'size'"
	run_tool 2 live --no-such-flag
	assert "$output" =~ "Usage: pcrwatch live"
	run_tool 2 live extra
	assert "$output" =~ "unexpected argument 'extra'"
}

@test "who reads the same injected state, text and JSON" {
	run_tool 0 who
	assert "$output" =~ "likwid-perfctr\[77\]" "owner listed"
	assert "$output" =~ "CONFLICT" "conflict flagged"
	run_tool 0 who --json
	run jq -r '.events[] | select(.hw_idx == 31) | "\(.layer) \(.comm) \(.reservation_id)"' <<<"$output"
	assert "$output" == "kernel watchdog 9" "JSON record of the cycle counter"
}

@test "a malformed fixture is an error that names the file and line" {
	printf 'cpus 2\nrec cpu=0 hw_idx=zero\n' >"$TEST_TMP/bad"
	PCRWATCH_FIXTURE=$TEST_TMP/bad run_tool 1 who
	assert "$output" =~ "line 2: bad value for 'hw_idx'" "the bad line is named"
	printf 'rec colour=red\n' >"$TEST_TMP/bad"
	PCRWATCH_FIXTURE=$TEST_TMP/bad run_tool 1 live -n 1
	assert "$output" =~ "unknown key 'colour'"
}

@test "tools/gen-fixture makes 256 CPUs x 8 counters that live and who read" {
	"$REPO/tools/gen-fixture" --cpus 256 --counters 8 >"$TEST_TMP/big"
	PCRWATCH_FIXTURE=$TEST_TMP/big run_tool 0 who --json
	run jq '[.events[] | select(.state == "active")] | length' <<<"$output"
	assert "$output" == 2048 "every counter of every CPU is held"
	PCRWATCH_FIXTURE=$TEST_TMP/big run_tool 0 live -n 1
	assert "$(grep -cE '^[0-9]+ ' <<<"$output")" == 256 "one row per CPU"
	run "$REPO/tools/gen-fixture" --cpus 0
	assert "$status" == 2 "bad generator argument is a usage error"
}
