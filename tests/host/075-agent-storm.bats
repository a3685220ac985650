#!/usr/bin/env bats
# One event stream (issue 22): exactly one process reads the ring buffers,
# whatever the agent's flags, and every other reader gets every event from
# the agent's log, none missing, none twice. Events are a storm of clobbers
# injected with BPF_PROG_TEST_RUN on the msr group (tests/progs/msr_storm):
# event N carries value N, so each reader's set of events is known exactly.
# The storms are paced (25 events, then 10 ms: 3000 in about 1.3 s) so that
# a busy shared host's agent keeps up; the last test bursts unpaced and
# checks that what the ring buffer drops is counted.

load ../helpers

setup_tier() {
	require_root
	[ -n "${PCRWATCH_VM:-}" ] && skip "host tier"
	[ -e /sys/kernel/tracing/events/msr/write_msr ] ||
		[ -e /sys/kernel/debug/tracing/events/msr/write_msr ] ||
		skip "this kernel has no msr tracepoints"
	"$PCRWATCH" detach >/dev/null 2>&1 || true
	rm -rf /sys/fs/bpf/pcrwatch
	# Not PCRWATCH_LOG_DIR: the agent's flag alone must be enough.
	unset PCRWATCH_LOG_DIR
	LOG=$TEST_TMP/agent-log
	export PCRWATCH_MSR_PMU=intel:4:3:4
	PIDS=()
}

teardown_tier() {
	stop_pids
	"$PCRWATCH" detach >/dev/null 2>&1 || true
	rm -rf /sys/fs/bpf/pcrwatch
	rm -f /run/pcrwatch/agent.log-dir /run/pcrwatch/rings.handover /run/pcrwatch/agent.state
}

storm() { "$TESTPROGS/msr_storm" "$@" >/dev/null; }

# start_agent ARGS...: the agent, logging to $LOG, until it reads the rings.
start_agent() {
	"$PCRWATCH" agent --no-journal --log-dir "$LOG" "$@" \
		>"$TEST_TMP/agent.out" 2>&1 3>&- &
	AGENT=$!
	PIDS+=($AGENT)
	wait_for 30 grep -q "events   msr: logged" "$TEST_TMP/agent.out" || {
		cat "$TEST_TMP/agent.out" >&2
		return 1
	}
}

# reader NAME ARGS...: `events --json --follow ARGS` into $TEST_TMP/NAME.
reader() {
	local name=$1
	shift
	"$PCRWATCH" events --json --follow "$@" >"$TEST_TMP/$name" \
		2>"$TEST_TMP/$name.err" 3>&- &
	PIDS+=($!)
}

# values FILE: the storm's event numbers in FILE (storm-b's clobbers), sorted.
values() {
	grep '"comm":"storm-b"' "$1" | grep -o '"value":"0x[0-9a-f]*"' |
		cut -d'"' -f4 | while read -r v; do echo $((v)); done | sort -n
}

# holds FILE N: FILE has storm events 1..N (wait up to 30 s for the last).
holds() {
	wait_for 30 bash -c "grep -q '\"value\":\"$(printf 0x%x "$2")\"' '$1'" || true
	values "$1" >"$1.values"
	seq 1 "$2" >"$TEST_TMP/want"
	diff -q "$TEST_TMP/want" "$1.values" >/dev/null || {
		echo "$1: $(wc -l <"$1.values") events, $(uniq -d "$1.values" | wc -l) twice," \
			"$(comm -23 <(sort "$TEST_TMP/want") <(sort "$1.values") | wc -l) missing, lost $(lost)" >&2
		return 1
	}
}

lost() {
	"$PCRWATCH" events --json --since 1s 2>/dev/null |
		grep '"type":"counts","group":"msr"' | grep -o '"lost":[0-9]*' | cut -d: -f2
}

@test "agent with --log-dir, two readers, a storm of 3000: every event in the log and in each reader, once" {
	start_agent
	reader r1
	reader r2 --since 1h
	wait_for 10 test -e "$TEST_TMP/r1"
	sleep 0.3 # both readers opened the log (they print nothing until then)
	local t0=$EPOCHREALTIME
	storm 0 3000 25 10000
	holds "$LOG/events.jsonl" 3000
	local t1=$EPOCHREALTIME
	holds "$TEST_TMP/r1" 3000
	holds "$TEST_TMP/r2" 3000
	assert "$(lost)" == 0 "the ring buffer lost nothing"
	assert "$(cat "$TEST_TMP/r1.err")" !~ "no agent" "reader 1 read the agent's log"
	assert "$(cat "$TEST_TMP/r1.err" "$TEST_TMP/r2.err")" !~ "lost" "no gap in the numbers"
	# the log's own numbers: consecutive, none repeated
	run bash -c "grep -o '\"seq\":[0-9]*' '$LOG/events.jsonl' | cut -d: -f2 | awk 'NR > 1 && \$1 != p + 1 { bad++ } { p = \$1 } END { print bad + 0 }'"
	assert "$output" == 0 "seq goes up by one"
	# the same records, byte for byte, in the log and in both readers
	assert "$(grep storm-b "$TEST_TMP/r1" | md5sum)" == "$(grep storm-b "$LOG/events.jsonl" | md5sum)" "reader 1 = log"
	assert "$(grep storm-b "$TEST_TMP/r2" | md5sum)" == "$(grep storm-b "$LOG/events.jsonl" | md5sum)" "reader 2 = log"
	echo "storm: 3000 events logged in $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }') s, each reader 3000, lost 0" >&3
}

@test "a second agent is refused whatever its --log-dir; plain events finds the first one's log" {
	start_agent
	run_tool 1 agent --no-journal --log-dir "$TEST_TMP/other"
	assert "$output" =~ "another agent is running \(pid $AGENT, log $LOG/events.jsonl\)" "names the running one"
	storm 0 5
	holds "$LOG/events.jsonl" 5
	run_tool 0 events --json
	assert "$output" !~ "no agent is running" "reads the agent's log"
	assert "$(values <(echo "$output") | tr '\n' ' ')" == "1 2 3 4 5 " "every event, from the log"
	# ... and consumed none: the log's readers still see them all
	run_tool 0 events --json
	assert "$(values <(echo "$output") | wc -l)" == 5 "again"
}

@test "a direct reader hands the rings over to an agent that starts, and goes on with its log" {
	run_tool 0 attach
	reader direct
	wait_for 10 grep -q "no agent is running" "$TEST_TMP/direct.err"
	storm 0 1000 25 10000
	holds "$TEST_TMP/direct" 1000
	run_tool 1 events --json
	assert "$output" =~ "reads the ring buffers directly" "a second direct reader is refused, not split"
	start_agent
	run cat "$TEST_TMP/agent.out"
	assert "$output" =~ "asked it to hand them over" "the agent asked"
	wait_for 10 grep -q "the agent now reads the ring buffers" "$TEST_TMP/direct.err"
	"$TESTPROGS/msr_testrun" pending 0 0xc1 2222 storm-b >/dev/null
	local i
	for i in $(seq 1001 1200); do
		"$TESTPROGS/msr_testrun" write 0 0xc1 $i >/dev/null
	done
	holds "$TEST_TMP/direct" 1200
	# the agent logged only what came after it took over
	values "$LOG/events.jsonl" >"$TEST_TMP/logged"
	assert "$(head -1 "$TEST_TMP/logged")-$(tail -1 "$TEST_TMP/logged")-$(wc -l <"$TEST_TMP/logged")" == "1001-1200-200" "the agent's part"
}

@test "--since reads the rotated files with the agent stopped; a gap in the numbers is reported as lost" {
	start_agent --log-size 65536 --log-keep 20
	storm 0 1500 25 10000
	wait_for 30 bash -c "cat '$LOG'/events.jsonl* | grep -c storm-b | grep -qx 1500"
	kill "$AGENT"
	wait "$AGENT" || true
	[ -e "$LOG/events.jsonl.3" ] # rotated
	run_tool 0 events --json --since 1h
	assert "$output" =~ "no agent is running" "says it consumes the rings"
	values <(echo "$output") >"$TEST_TMP/got"
	assert "$(wc -l <"$TEST_TMP/got")-$(sort -u "$TEST_TMP/got" | wc -l)" == "1500-1500" "all, once, from the rotated files"
	# the agent's last log is found with the agent gone: no --log-dir given
	assert "$(cat /run/pcrwatch/agent.log-dir)" == "$LOG" "remembered"
	# a record the log lost shows as a gap
	sed -i '5d' "$LOG/events.jsonl.3"
	run_tool 0 events --json --since 1h
	assert "$output" =~ '"type":"notice","lost":1' "the missing record is counted"
}

@test "enforce with an agent running reads the agent's log and leaves the rings to it" {
	start_agent
	"$PCRWATCH" enforce >"$TEST_TMP/enforce.out" 2>&1 3>&- &
	PIDS+=($!)
	wait_for 30 grep -q "vetoes from the agent's log $LOG/events.jsonl (pid $AGENT" "$TEST_TMP/enforce.out" || {
		cat "$TEST_TMP/enforce.out" >&2
		false
	}
	storm 0 500 25 10000
	holds "$LOG/events.jsonl" 500
}

@test "a burst faster than the agent: what the ring buffer lost is counted, the rest logged once" {
	start_agent
	storm 0 20000
	wait_for 30 bash -c "sleep 1; [ \"\$(grep -c storm-b '$LOG/events.jsonl')\" = \"\$(sleep 1; grep -c storm-b '$LOG/events.jsonl')\" ]"
	values "$LOG/events.jsonl" >"$TEST_TMP/logged"
	local logged lost_n
	logged=$(wc -l <"$TEST_TMP/logged")
	lost_n=$(lost)
	assert "$(sort -u "$TEST_TMP/logged" | wc -l)" == "$logged" "none twice"
	assert "$((logged + lost_n))" == 20000 "logged $logged + lost $lost_n"
	echo "burst: 20000 injected, $logged logged, $lost_n counted lost" >&3
}

@test "events as non-root says it needs root" {
	id nobody >/dev/null 2>&1 || skip "no user nobody"
	run setpriv --reuid=nobody --regid=nogroup --clear-groups "$PCRWATCH" events
	assert "$status" == 4 "denied: $output"
	assert "$output" =~ "events needs root" "why"
}
