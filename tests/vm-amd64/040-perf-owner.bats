#!/usr/bin/env bats
# Perf-event ownership in the amd64 guests: no PMU under TCG ("PMU not
# available due to virtualization"), so software events go through the
# x86 build of the same programs, and the tracking group attaches with
# BPF LSM and fentry on x86_pmu_add/del.

load ../helpers
load ../perf

setup_tier() {
	skip_unless_guest
}

teardown_tier() {
	stop_holders
	"$PCRWATCH" detach >/dev/null 2>&1
	return 0
}

@test "no hardware PMU: who says so; software events and their copies are listed" {
	hold sw -n 2 -e cpu-clock -i -f 1
	local pid
	pid=$(cat "$TEST_TMP/sw")
	run_tool 0 who
	assert "$output" =~ "No hardware PMU on this machine"
	run_tool 0 who --all --json
	assert "$(events_of "$pid" | grep -c '"found":"fd"')" == 2
	assert "$(events_of "$pid" | grep -c '"found":"inherited"')" == 2 \
		"copies in the child (6.1: its software context)"
	assert "$(events_of "$pid" | grep -c '"event":"cpu-clock"')" == 4
}

@test "the tracking group attaches with BPF LSM and fentry on x86_pmu_add/del" {
	run_tool 0 attach
	assert "$output" =~ "perf +attached: lifecycle: LSM perf_event_alloc(/free|, fentry perf_event_release_kernel); placement: fentry on the PMU driver's add/del"
	run_tool 0 who
	assert "$output" =~ "note: perf tracking since attach"
	run_tool 0 detach
	[ ! -e /sys/fs/bpf/pcrwatch/perf ]
}
