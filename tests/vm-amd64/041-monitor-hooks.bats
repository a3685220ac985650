#!/usr/bin/env bats
# The always-on monitor's hooks in the amd64 guests, where LSM and fentry
# attach: perf lifecycle by LSM, else by fexit on security_perf_event_alloc
# (the kernel function around the same hook), and a syscall tracepoint only
# as the last rung, asked for here by PCRWATCH_PERF_LIFECYCLE.

load ../helpers

PINS=/sys/fs/bpf/pcrwatch/perf

setup_tier() {
	skip_unless_guest
	"$PCRWATCH" detach >/dev/null 2>&1 || true
}

teardown_tier() {
	"$PCRWATCH" detach >/dev/null 2>&1
	sysctl -qw kernel.bpf_stats_enabled=0
	return 0
}

# run_count PIN: how often the program behind a pinned link has run
run_count() {
	local id
	id=$(bpftool -j link show pinned "$1" | jq .prog_id)
	bpftool -j prog show id "$id" | jq '.run_cnt // 0'
}

@test "the fentry rung: fexit on security_perf_event_alloc runs for every event allocated" {
	PCRWATCH_PERF_LIFECYCLE=fentry run_tool 0 attach
	assert "$output" =~ "perf +attached: lifecycle: fexit security_perf_event_alloc, fentry perf_event_release_kernel;" "said"
	run bpftool link show pinned $PINS/link_track_alloc_fexit
	assert "$output" =~ "trace_fexit" "an fexit link"
	[ ! -e $PINS/link_track_open ] && [ ! -e $PINS/link_track_alloc ]
	sysctl -qw kernel.bpf_stats_enabled=1
	"$TESTPROGS/perf_open" --type sw >/dev/null
	[ "$(run_count $PINS/link_track_alloc_fexit)" -ge 1 ]
	[ "$(run_count $PINS/link_track_release)" -ge 1 ]
}

@test "the syscall tracepoint is only ever the last rung: asked for, it is said so" {
	PCRWATCH_PERF_LIFECYCLE=tracepoint run_tool 0 attach
	assert "$output" =~ "lifecycle: perf_event_open tracepoint; placement: fentry on the PMU driver's add/del; that syscall tracepoint is the last rung" "said"
	"$PCRWATCH" detach >/dev/null
	run_tool 0 attach
	assert "$output" =~ "perf +attached: lifecycle: LSM perf_event_alloc" "LSM first"
	run bpftool -j link list
	assert "$(jq '[.[] | select(.type == "perf_event" or (.type == "raw_tracepoint" and ((.tp_name // "") | test("^sys_"))))] | length' <<<"$output")" == 0 "no syscall tracepoint link"
	run_tool 0 selftest
	assert "$output" =~ "monitor: perf lifecycle by +LSM" "selftest says which rung"
}
