#!/usr/bin/env bats
# `who` and `live` on a machine of hundreds of CPUs (issue 21): rows that
# differ only in their CPU print once with their CPUs as a list (past 16
# CPUs, or with --collapse; --per-cpu prints every one); who's --cpu,
# --pid, --uid and --cgroup choose the events, in the text and in --json;
# live's --cpu its rows. Injected state (user/model/fixture_source.c) of a
# 384-CPU machine.

load ../helpers

setup_tier() {
	FIX=$TEST_TMP/fixture
	{
		echo "pmu name=cpu type=4 counters=8 fixed=3"
		echo "cpus 384"
		for c in $(seq 0 383); do
			echo "rec cpu=$c hw_idx=33 slot=33 path=perf layer=kernel comm=watchdog event=cycles pinned=1 state=active"
			echo "rec cpu=$c hw_idx=0 slot=0 layer=user pid=500 tid=500 uid=0 cgroup=77 comm=perf event=instructions state=active"
		done
		echo "rec cpu=100 hw_idx=1 slot=1 layer=user pid=600 tid=600 uid=1000 cgroup=88 comm=tenant event=cache-misses state=active"
		echo "rec cpu=-1 layer=user pid=700 tid=700 uid=1000 cgroup=88 comm=app event=cycles scope=task state=idle"
	} >"$FIX"
}

who_fix() { PCRWATCH_FIXTURE=$FIX run_tool 0 who "$@"; }

@test "384 CPUs: the watchdog and perf stat -a take a line each, the odd event its own" {
	who_fix
	assert "$(grep -c watchdog <<<"$output")" == 1 "one watchdog line: $output"
	assert "$output" =~ $'\n0-383 +33 +33 +kernel +watchdog +cycles' "its CPUs as a range: $output"
	assert "$output" =~ $'\n0-383 +0 +0 +user +perf\\[500\\] +instructions' "perf's line: $output"
	assert "$output" =~ $'\n100 +1 +1 +user +tenant\\[600\\]' "the odd event on its CPU: $output"
	assert "$output" =~ $'\ntask +- +- +user +app\\[700\\]' "a per-task event is never merged: $output"
	assert "$(grep -cE '^(task|[0-9])' <<<"$output")" == 4 "four rows in all: $output"
	who_fix --per-cpu
	assert "$(grep -cE '^(task|[0-9])' <<<"$output")" == $((384 * 2 + 2)) "--per-cpu: a row each"
	assert "$output" =~ $'\n383 +33 +33 +kernel +watchdog' "the last CPU's own row"
}

@test "--cpu, --pid, --uid and --cgroup choose the events, text and JSON alike" {
	who_fix --cpu 100
	assert "$(grep -cE '^100 ' <<<"$output")" == 3 "CPU 100's three: $output"
	assert "$output" !~ "app\\[700\\]" "an idle per-task event is on no CPU"
	who_fix --cpu 200-201 --per-cpu
	assert "$(grep -cE '^20[01] ' <<<"$output")" == 4 "two CPUs, two rows each: $output"
	who_fix --pid 600
	assert "$(grep -cE '^(task|[0-9])' <<<"$output")" == 1 "pid 600's one event: $output"
	who_fix --uid 1000
	assert "$(grep -cE '^(task|[0-9])' <<<"$output")" == 2 "uid 1000's two: $output"
	who_fix --cgroup 77
	assert "$output" =~ $'\n0-383 +0 +0 +user +perf\\[500\\]' "cgroup 77: perf: $output"
	assert "$(grep -cE '^(task|[0-9])' <<<"$output")" == 1 "only perf: $output"
	who_fix --uid 1000 --cpu 100
	assert "$(grep -cE '^(task|[0-9])' <<<"$output")" == 1 "filters combine: $output"
	who_fix --uid 4242
	assert "$output" =~ "no hardware counter user matches the filters" "$output"
	who_fix --json --pid 500
	assert "$(jq '.events | length' <<<"$output")" == 384 "JSON: perf's 384 events"
	assert "$(jq '[.events[] | select(.pid != 500)] | length' <<<"$output")" == 0 "nobody else's"
	assert "$(jq '.cpus' <<<"$output")" == 384 "the machine's size is still the machine's"
}

@test "bad filters: a clear message and exit 2" {
	PCRWATCH_FIXTURE=$FIX run_tool 2 who --cpu 384
	assert "$output" =~ "CPU 384 does not exist \\(CPUs 0-383\\)"
	PCRWATCH_FIXTURE=$FIX run_tool 2 who --cpu 3-1
	PCRWATCH_FIXTURE=$FIX run_tool 2 who --pid -5
	assert "$output" =~ "--pid takes a number"
	PCRWATCH_FIXTURE=$FIX run_tool 2 who --uid 99999999999
	PCRWATCH_FIXTURE=$FIX run_tool 2 who --cgroup /no/such/cgroup
	assert "$output" =~ "--cgroup: '/no/such/cgroup': no such cgroup directory"
	PCRWATCH_FIXTURE=$FIX run_tool 2 who --cgroup abc
}

@test "up to 16 CPUs a row for each CPU, unless --collapse" {
	printf 'pmu name=cpu type=4 counters=4 fixed=0\ncpus 2\n' >"$TEST_TMP/small"
	for c in 0 1; do
		echo "rec cpu=$c hw_idx=0 slot=0 layer=kernel comm=watchdog event=cycles state=active" >>"$TEST_TMP/small"
	done
	PCRWATCH_FIXTURE=$TEST_TMP/small run_tool 0 who
	assert "$(grep -cE '^[01] +0 +0 +kernel +watchdog' <<<"$output")" == 2 "per CPU: $output"
	PCRWATCH_FIXTURE=$TEST_TMP/small run_tool 0 who --collapse
	assert "$output" =~ $'\n0-1 +0 +0 +kernel +watchdog' "collapsed: $output"
}

@test "live: neighbouring CPUs that read the same share a row, the odd one keeps its own" {
	PCRWATCH_FIXTURE=$FIX run_tool 0 live --iterations 1
	assert "$(grep -cE '^[0-9]' <<<"$output")" == 3 "three rows: $output"
	assert "$output" =~ $'\n0-99 +1.00 +0 +U perf\\[500\\] instructions +- ' "CPUs 0-99: $output"
	assert "$output" =~ $'\n100 +1.00 +0 +U perf\\[500\\] instructions +U tenant\\[600\\]' "CPU 100: $output"
	assert "$output" =~ $'\n101-383 ' "CPUs 101-383: $output"
	PCRWATCH_FIXTURE=$FIX run_tool 0 live --iterations 1 --per-cpu
	assert "$(grep -cE '^[0-9]' <<<"$output")" == 384 "--per-cpu: a row each"
	PCRWATCH_FIXTURE=$FIX run_tool 0 live --iterations 1 --cpu 383
	assert "$(grep -cE '^[0-9]' <<<"$output")" == 1 "--cpu 383: one row: $output"
	assert "$output" =~ $'\n383 ' "$output"
	PCRWATCH_FIXTURE=$FIX run_tool 2 live --iterations 1 --cpu 384
	assert "$output" =~ "CPU 384 does not exist"
}
