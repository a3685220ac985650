#!/usr/bin/env bats
# pcrwatch agent where BPF LSM attaches (amd64 guests, no PMU): the policy
# is enforced from the agent's start, again after everything pinned is gone
# (what a reboot leaves), each veto reaches the event log and the journal
# protocol with its fields, and the exporter reports the veto group's LSM
# link. The host tier (tests/host/075-agent.bats) covers the rest.

load ../helpers

PO() { "$TESTPROGS/perf_open" "$@"; }

setup_tier() {
	skip_unless_guest
	export PCRWATCH_LOG_DIR=$TEST_TMP/log
	PIDS=()
	"$PCRWATCH" detach >/dev/null 2>&1 || true
	rm -rf /sys/fs/bpf/pcrwatch
	sysctl -qw kernel.perf_event_paranoid=-1
}

teardown_tier() {
	stop_pids
	"$PCRWATCH" detach >/dev/null 2>&1 || true
	rm -rf /sys/fs/bpf/pcrwatch
}

start_agent() {
	"$PCRWATCH" agent "$@" >"$TEST_TMP/agent.out" 2>&1 3>&- &
	AGENT=$!
	PIDS+=($AGENT)
	wait_for 300 grep -q "events   veto: logged" "$TEST_TMP/agent.out" || {
		cat "$TEST_TMP/agent.out" >&2
		return 1
	}
}

@test "the agent enforces its policy, logs each veto with its fields, and again from a clean start" {
	python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "ab", buffering=0) as out:
    while True:
        out.write(s.recv(65536) + b"\n--\n")
' "$TEST_TMP/journal" "$TEST_TMP/journal.out" 3>&- &
	PIDS+=($!)
	wait_for 10 test -S "$TEST_TMP/journal"
	printf 'reserve cpus=0 counters=all for=uid:1000\n' >"$TEST_TMP/policy"
	start_agent --policy "$TEST_TMP/policy" --journal-socket "$TEST_TMP/journal"
	assert "$(cat "$TEST_TMP/agent.out")" =~ "veto +attached: perf_event_open veto: lsm" "LSM here"
	assert "$(cat "$TEST_TMP/agent.out")" =~ "in force" "policy loaded"
	run PO --type hw --cpu 0
	assert "$status" == 16 "a non-holder is EBUSY: $output"
	wait_for 10 grep -q '"kind":"veto"' "$PCRWATCH_LOG_DIR/events.jsonl"
	run_tool 0 events --json --since 1h
	assert "$output" =~ '"kind":"veto",.*"reservation_id":[1-9][0-9]*,"verdict":"' "logged with its verdict"
	wait_for 10 grep -q "PCRWATCH_KIND=veto" "$TEST_TMP/journal.out"
	assert "$(cat "$TEST_TMP/journal.out")" =~ "PRIORITY=4" "a veto is a warning"
	# the exporter: the veto group holds an LSM link (the guest has no
	# network but loopback, which starts down)
	ip link set lo up
	"$PCRWATCH" serve --listen 127.0.0.1:0 >"$TEST_TMP/serve.out" 2>&1 3>&- &
	local serve=$!
	PIDS+=($serve)
	wait_for 60 grep -q 'listening on' "$TEST_TMP/serve.out"
	local url
	url=$(sed -n 's|.*listening on http://\(.*\)/metrics$|\1|p' "$TEST_TMP/serve.out")
	run "$TESTPROGS/http-get" "$url" /metrics
	assert "$output" =~ 'pcrwatch_component_attached\{group="veto",method="[^"]*lsm_mac[^"]*"\} 1' "$output"
	# What a reboot leaves: nothing pinned. The next agent puts the policy
	# back before it says it is ready.
	kill "$AGENT" "$serve"
	wait "$AGENT" "$serve" || true
	"$PCRWATCH" detach >/dev/null 2>&1
	rm -rf /sys/fs/bpf/pcrwatch
	run PO --type hw --cpu 0
	assert "$status" == 2 "nothing enforced in between (ENOENT: no PMU): $output"
	start_agent --policy "$TEST_TMP/policy" --journal-socket "$TEST_TMP/journal"
	run PO --type hw --cpu 0
	assert "$status" == 16 "enforced again: $output"
	wait_for 10 test "$(grep -c '"kind":"veto"' "$PCRWATCH_LOG_DIR/events.jsonl")" -ge 2
}
