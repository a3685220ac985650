#!/usr/bin/env bats
# The pinned perf tracking group: lifecycle through BPF LSM (6.12) or the
# perf_event_open tracepoint (6.1: LSM and fentry do not attach on arm64
# before 6.4), placement through fentry on armpmu_add/del (6.12) or the
# snapshot alone (6.1); what it saw shows in who's notes.

load ../helpers
load ../perf

setup_tier() {
	skip_unless_guest
	run_tool 0 attach
	ATTACH_OUT=$output
}

teardown_tier() {
	stop_holders
	"$PCRWATCH" detach >/dev/null 2>&1
	return 0
}

@test "attach picks the lifecycle and placement method this kernel allows" {
	case $PCRWATCH_VM in
	*-6.1)
		assert "$ATTACH_OUT" =~ "perf +attached: lifecycle: perf_event_open tracepoint; placement: periodic snapshots" ;;
	*)
		assert "$ATTACH_OUT" =~ "perf +attached: lifecycle: LSM perf_event_alloc(/free|, fentry perf_event_release_kernel); placement: fentry on the PMU driver.s add/del" ;;
	esac
	[ -e /sys/fs/bpf/pcrwatch/perf/events ]
	[ -e /sys/fs/bpf/pcrwatch/perf/slots ]
}

# tracked STAT N: who's tracking note reports at least N for STAT.
tracked() {
	run "$PCRWATCH" who
	local n
	n=$(sed -n "s/.*perf tracking since attach:.* \([0-9]*\) $1.*/\1/p" <<<"$output")
	[ -n "$n" ] && [ "$n" -ge "$2" ]
}

@test "the tracking programs see events come, take counters and go" {
	hold three -n 3 -C 1
	case $PCRWATCH_VM in
	*-6.1)
		wait_for 20 tracked opened 3 ;;
	*)
		wait_for 20 tracked "hardware allocated" 3
		wait_for 20 tracked "counter owner changes" 1
		kill "${HOLDERS[0]}"
		wait "${HOLDERS[0]}" || true
			wait_for 20 tracked freed 3 ;;
	esac
}

@test "detach removes the pins, and a second attach works again" {
	run_tool 0 detach
	[ ! -e /sys/fs/bpf/pcrwatch/perf ]
	run_tool 0 attach
	assert "$output" =~ "perf +attached"
	run_tool 0 attach
	assert "$output" =~ "perf +attached" "attaching twice is not an error"
}
