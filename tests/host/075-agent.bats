#!/usr/bin/env bats
# pcrwatch agent on the build host: it attaches what loads (no BPF LSM
# here: it says so and keeps going), keeps the policy across SIGHUP, and is
# the one reader of the ring buffers, writing every event to a rotated
# JSON-lines log that any number of `events` readers follow. Events are
# injected with BPF_PROG_TEST_RUN on the msr group (as in 030-msr.bats).
# Its systemd sides are spoken to real AF_UNIX datagram sockets bound here
# (tests/host/sock-listen below), the way systemd and journald bind theirs.

load ../helpers

TR() { "$TESTPROGS/msr_testrun" "$@"; }

setup_tier() {
	require_root
	[ -n "${PCRWATCH_VM:-}" ] && skip "host tier"
	[ -e /sys/kernel/tracing/events/msr/write_msr ] ||
		[ -e /sys/kernel/debug/tracing/events/msr/write_msr ] ||
		skip "this kernel has no msr tracepoints"
	"$PCRWATCH" detach >/dev/null 2>&1 || true
	export PCRWATCH_LOG_DIR=$TEST_TMP/log
	export PCRWATCH_MSR_PMU=intel:4:3:4
	PIDS=()
}

teardown_tier() {
	stop_pids
	"$PCRWATCH" detach >/dev/null 2>&1 || true
	# Policy reservations stay pinned by design; the next test starts clean.
	rm -rf /sys/fs/bpf/pcrwatch
	rm -f /run/pcrwatch/agent.state /run/pcrwatch/agent.log-dir /run/pcrwatch/policy.pending
	[ -z "${PEND_CG:-}" ] || rmdir "$PEND_CG" 2>/dev/null || true
	if [ -n "${CG:-}" ]; then
		rmdir "$CG" "$CG_POD" "$(dirname "$CG_POD")" 2>/dev/null || true
	fi
}

# sock_listen PATH OUT: record every datagram PATH receives into OUT.
sock_listen() {
	python3 -c '
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "ab", buffering=0) as out:
    while True:
        out.write(s.recv(65536) + b"\n--\n")
' "$1" "$2" 3>&- &
	PIDS+=($!)
	wait_for 10 test -S "$1"
}

# start_agent ARGS...: run the agent in the background until it logs.
start_agent() {
	"$PCRWATCH" agent "$@" >"$TEST_TMP/agent.out" 2>&1 3>&- &
	AGENT=$!
	PIDS+=($AGENT)
	wait_for 30 grep -q "events   msr: logged" "$TEST_TMP/agent.out" || {
		cat "$TEST_TMP/agent.out" >&2
		return 1
	}
}

stop_agent() {
	kill "$AGENT"
	wait "$AGENT" || true
}

# clobber CPU SLOT_MSR: two direct writers on one counter, one clobber.
clobber() {
	TR pending "$1" "$2" 1111 tool-a >/dev/null
	TR write "$1" "$2" 0x43003c >/dev/null
	TR clear "$1" >/dev/null
	TR write "$1" "$2" 0x4300c0 >/dev/null
}

logged() { grep -c "\"kind\":\"$1\"" "$PCRWATCH_LOG_DIR/events.jsonl"; }

@test "agent attaches what loads, says what did not, and tells systemd it is ready" {
	sock_listen "$TEST_TMP/notify" "$TEST_TMP/notify.out"
	NOTIFY_SOCKET=$TEST_TMP/notify start_agent --no-journal
	run cat "$TEST_TMP/agent.out"
	assert "$output" =~ "msr +attached: raw_tp" "tracking attached"
	assert "$output" =~ "veto +attached: .*monitor-only" "no LSM here: said"
	assert "$output" =~ "arbiter +not attached" "no module: said, not fatal"
	wait_for 10 grep -q "READY=1" "$TEST_TMP/notify.out"
	assert "$(cat "$TEST_TMP/notify.out")" =~ "STATUS=running; (no policy|the policy is in force)" "the status says the policy's state"
	stop_agent
	wait_for 10 grep -q "STOPPING=1" "$TEST_TMP/notify.out"
}

@test "two events --follow readers and the exporter each see the same injected event" {
	start_agent --no-journal
	local since=@$(date +%s)
	"$PCRWATCH" events --json --follow --since "$since" >"$TEST_TMP/r1" 2>&1 3>&- &
	PIDS+=($!)
	"$PCRWATCH" events --json --follow --since "$since" >"$TEST_TMP/r2" 2>&1 3>&- &
	PIDS+=($!)
	clobber 0 0x186
	wait_for 10 grep -q '"kind":"clobber"' "$TEST_TMP/r1"
	wait_for 10 grep -q '"kind":"clobber"' "$TEST_TMP/r2"
	assert "$(grep -c '"kind":"clobber"' "$TEST_TMP/r1")" == 1 "reader 1: once"
	assert "$(grep -c '"kind":"clobber"' "$TEST_TMP/r2")" == 1 "reader 2: once"
	assert "$(grep '"kind":"clobber"' "$TEST_TMP/r1")" == "$(grep '"kind":"clobber"' "$TEST_TMP/r2")" "the same record"
	assert "$(cat "$TEST_TMP/r1")" =~ '"time":"20[0-9-]+T[0-9:.]+Z","ts_unix_ns":[0-9]+' "wall-clock time"
	grep '"kind":"clobber"' "$TEST_TMP/r1" >"$TEST_TMP/r1-event"
	run "$BUILD/tests/json_schema" "$REPO/docs/schema/events.json" "$TEST_TMP/r1-event" --lines
	assert "$status" == 0 "a logged event read back is what docs/schema/events.json says: $output"
	assert "$(cat "$TEST_TMP/r1-event")" =~ '"value":"0x[0-9a-f]+","old_value":"0x[0-9a-f]+"' "register values are strings, as without an agent"
	# the record's wall-clock time is now, within a minute
	local ns
	ns=$(grep -o '"ts_unix_ns":[0-9]*' "$TEST_TMP/r1" | tail -1 | cut -d: -f2)
	[ $((ns / 1000000000 - $(date +%s))) -le 60 ] && [ $(($(date +%s) - ns / 1000000000)) -le 60 ]
	# a reader that is not following reads it too: nothing was consumed
	run_tool 0 events --since "$since"
	assert "$output" =~ "msr +clobber +cpu 0" "a third reader"
	"$PCRWATCH" serve --listen 127.0.0.1:0 >"$TEST_TMP/serve.out" 2>&1 3>&- &
	PIDS+=($!)
	wait_for 10 grep -q 'listening on' "$TEST_TMP/serve.out"
	local port
	port=$(sed -n 's|.*http://127\.0\.0\.1:\([0-9]*\)/metrics|\1|p' "$TEST_TMP/serve.out")
	run curl -sf "http://127.0.0.1:$port/metrics"
	assert "$output" =~ 'pcrwatch_events_total\{kind="clobber"\} 1' "the exporter counts it"
}

@test "events survive an agent restart, and one written while it was down is drained" {
	start_agent --no-journal
	clobber 0 0x186
	wait_for 10 grep -q '"kind":"clobber"' "$PCRWATCH_LOG_DIR/events.jsonl"
	stop_agent
	run_tool 0 events --json
	assert "$output" =~ "no agent is running" "says it reads the ring buffer"
	clobber 1 0x187 # into the ring buffer, with no agent
	# ... which that `events` consumed nothing of: it ran before
	start_agent --no-journal
	wait_for 10 test "$(logged clobber)" -ge 2
	run_tool 0 events --json --since 1h
	assert "$(grep -c '"kind":"clobber"' <<<"$output")" == 2 "both, across the restart"
	assert "$output" =~ '"kind":"clobber","cpu":1' "the one from while it was down"
	assert "$output" !~ "no agent is running" "the agent's log is read"
}

@test "every event goes to the journal with structured fields" {
	sock_listen "$TEST_TMP/journal" "$TEST_TMP/journal.out"
	start_agent --journal-socket "$TEST_TMP/journal"
	clobber 0 0x186
	wait_for 10 grep -q "PCRWATCH_KIND=clobber" "$TEST_TMP/journal.out"
	run cat "$TEST_TMP/journal.out"
	assert "$output" =~ "MESSAGE=msr clobber cpu 0 slot 0: perf \(kernel, perf\) wrote 0x4300c0 to msr 0x186 over 0x43003c, what the counter's holder tool-a\[1111\] \(user, msr\) had programmed" "a message, as events prints it"
	assert "$output" =~ "PCRWATCH_CPU=0" "the CPU"
	assert "$output" =~ "PCRWATCH_RESERVATION=0" "no reservation"
	assert "$output" =~ "PCRWATCH_GROUP=msr" "the group"
	assert "$output" =~ "SYSLOG_IDENTIFIER=pcrwatch" "who"
}

@test "an event reads the same from the ring buffer and from the agent's log" {
	# Without an agent: the ring buffer, consumed by this reader.
	PCRWATCH_MSR_PMU=intel:4:3:4 run_tool 0 attach
	clobber 0 0x186
	run_tool 0 events
	local ring
	ring=$(grep -E '^msr (owner-change|clobber) ' <<<"$output")
	assert "$(grep -c . <<<"$ring")" == 2 "an owner change and a clobber: $output"
	"$PCRWATCH" detach >/dev/null
	# With one: its log, read back by events --since.
	start_agent --no-journal
	local since=@$(date +%s)
	clobber 0 0x186
	wait_for 10 test "$(logged clobber)" -ge 1
	run_tool 0 events --since "$since"
	assert "$(sed -E 's/^[0-9T:.-]+Z //' <<<"$output" | grep -E '^msr (owner-change|clobber) ')" == "$ring" "the same lines, after the log's time: $output"
	assert "$output" =~ "msr clobber cpu 0 slot 0: perf \(kernel, perf\) wrote 0x4300c0 to msr 0x186 over 0x43003c, what the counter's holder tool-a\[1111\] \(user, msr\) had programmed" "the clobber explains value and was: $output"
	assert "$output" =~ "owner-change cpu 0 slot 0: msr 0x186 programmed 0x43003c by tool-a\[1111\] \(user, msr\)" "the actor is named: $output"
}

@test "the log rotates by size, keeps N files, and readers read across them" {
	start_agent --no-journal --log-size 4096 --log-keep 2
	local i
	for i in $(seq 1 12); do clobber 0 0x186; done
	wait_for 20 test -e "$PCRWATCH_LOG_DIR/events.jsonl.2"
	[ ! -e "$PCRWATCH_LOG_DIR/events.jsonl.3" ]
	local f
	for f in "$PCRWATCH_LOG_DIR"/events.jsonl*; do
		[ "$(stat -c %s "$f")" -le 4096 ] || { echo "$f too big" >&2; false; }
	done
	run_tool 0 events --json --since 1h
	assert "$(grep -c '"type":"event"' <<<"$output")" == \
		"$(cat "$PCRWATCH_LOG_DIR"/events.jsonl* | grep -c '"type":"event"')" "every kept record"
}

@test "the agent loads the policy, keeps it across a bad SIGHUP and takes a good one" {
	printf 'reserve cpus=0 counters=1 for=uid:1000\n' >"$TEST_TMP/policy"
	start_agent --no-journal --policy "$TEST_TMP/policy"
	run_tool 0 list
	assert "$output" =~ "uid:1000 \(policy\)"
	printf 'reserve cpus=0 frobs=2\n' >"$TEST_TMP/policy"
	kill -HUP "$AGENT"
	wait_for 10 grep -q "SIGHUP: the policy in force is unchanged" "$TEST_TMP/agent.out"
	run cat "$TEST_TMP/agent.out"
	assert "$output" =~ "unknown key 'frobs=2'" "why"
	run_tool 0 list
	assert "$output" =~ "uid:1000 \(policy\)" "the old policy stays"
	printf 'reserve cpus=0 counters=2 for=uid:2000\n' >"$TEST_TMP/policy"
	kill -HUP "$AGENT"
	wait_for 10 bash -c "[ \$(grep -c 'in force' '$TEST_TMP/agent.out') -ge 2 ]"
	# Make before break: the new reservation is in before the old one
	# goes, so another process may see both for a moment.
	wait_for 10 bash -c "! '$PCRWATCH' list | grep -q uid:1000"
	run_tool 0 list
	assert "$output" =~ "uid:2000 \(policy\)"
	assert "$output" !~ "uid:1000"
	# a restart puts it in force again (after reboot: the same path)
	stop_agent
	rm -rf /sys/fs/bpf/pcrwatch
	start_agent --no-journal --policy "$TEST_TMP/policy"
	run_tool 0 list
	assert "$output" =~ "uid:2000 \(policy\)" "re-applied at start"
}

@test "one agent per log folder; --monitor-only attaches no veto group and loads no policy" {
	start_agent --no-journal
	run_tool 1 agent --no-journal
	assert "$output" =~ "another agent is running"
	stop_agent
	"$PCRWATCH" detach >/dev/null 2>&1
	rm -rf /sys/fs/bpf/pcrwatch
	printf 'reserve cpus=0 counters=1 for=uid:1000\n' >"$TEST_TMP/policy"
	start_agent --no-journal --monitor-only --policy "$TEST_TMP/policy"
	run cat "$TEST_TMP/agent.out"
	assert "$output" =~ "veto +not attached: --monitor-only"
	assert "$output" !~ "in force"
	run_tool 2 agent --log-keep 0
	run_tool 0 agent --help
	assert "$output" =~ "--monitor-only"
}

@test "the units: agent Type=notify, installed prefix substituted, exposure 3.0 or lower" {
	command -v systemd-analyze >/dev/null || skip "systemd-analyze is not installed"
	run grep -E '^(Type|ExecStart)=' "$REPO/tools/pcrwatch.service"
	assert "$output" =~ "Type=notify" "notify"
	assert "$output" =~ "ExecStart=/usr/local/sbin/pcrwatch agent" "the agent"
	local u score
	for u in pcrwatch pcrwatch-monitor pcrwatch-exporter; do
		run systemd-analyze verify "$REPO/tools/$u.service"
		run grep -vE 'is not executable|man pcrwatch|^$' <<<"$output"
		assert "$output" == "" "$u: no unit errors"
		run systemd-analyze security --offline=yes "$REPO/tools/$u.service"
		score=$(sed -n 's/.*Overall exposure level for .*: \([0-9.]*\) .*/\1/p' <<<"$output")
		echo "$u exposure $score" >&3
		awk -v s="$score" 'BEGIN { exit !(s != "" && s <= 3.0) }' || {
			echo "$u: exposure '$score' above 3.0" >&2
			false
		}
	done
	make -C "$REPO" -s install DESTDIR="$TEST_TMP/inst" PREFIX=/usr >/dev/null
	run grep -h '^ExecStart=' "$TEST_TMP"/inst/usr/lib/systemd/system/*.service
	assert "$output" !~ "/usr/local" "no hard-coded prefix"
	assert "$output" =~ "ExecStart=/usr/sbin/pcrwatch agent" "PREFIX=/usr"
}

@test "a run-time reservation outlives an agent restart (docs/SERVICE.md: until reboot)" {
	start_agent --no-journal
	run_tool 0 reserve --cpus 0 --counters 1 --for uid:4321
	stop_agent
	start_agent --no-journal
	run_tool 0 list
	assert "$output" =~ "uid:4321" "still in force"
	assert "$output" !~ "uid:4321 \(policy\)" "and not a policy one"
}

@test "an event's actor is named by its unit, container and pod from its cgroup path" {
	local root uid=8a0c3b5e-1f2d-4c6b-9e7a-0b1c2d3e4f50 \
		id=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
	root=$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
	[ -n "$root" ] || skip "no cgroup2 mount"
	CG_POD=$root/kubepods.slice/kubepods-pod${uid//-/_}.slice
	CG=$CG_POD/cri-containerd-$id.scope
	mkdir -p "$CG" || skip "cannot make cgroups under $root"
	sleep 60 3>&- &
	local pid=$!
	PIDS+=($pid)
	echo "$pid" >"$CG/cgroup.procs"
	sock_listen "$TEST_TMP/journal" "$TEST_TMP/journal.out"
	start_agent --journal-socket "$TEST_TMP/journal"
	TR pending 0 0x186 "$pid" worker "$(stat -c %i "$CG")" >/dev/null
	TR write 0 0x186 0x43003c >/dev/null
	TR clear 0 >/dev/null
	# the same pid, but a cgroup id that is not its cgroup's: no name
	TR pending 1 0x186 "$pid" worker 999999 >/dev/null
	TR write 1 0x186 0x43003c >/dev/null
	TR clear 1 >/dev/null
	wait_for 10 grep -q '"cpu":1' "$PCRWATCH_LOG_DIR/events.jsonl"
	run grep '"cpu":0' "$PCRWATCH_LOG_DIR/events.jsonl"
	assert "$output" =~ "\"actor_cgroup\":\{\"path\":\"/kubepods.slice/kubepods-pod${uid//-/_}.slice/cri-containerd-$id.scope\",\"unit\":\"cri-containerd-$id.scope\",\"container_id\":\"$id\",\"runtime\":\"containerd\",\"pod_uid\":\"$uid\"\}"
	run grep '"cpu":1' "$PCRWATCH_LOG_DIR/events.jsonl"
	assert "$output" !~ "actor_cgroup" "a cgroup id that does not match names nothing"
	wait_for 10 grep -q "PCRWATCH_POD_UID=$uid" "$TEST_TMP/journal.out" || { cat "$TEST_TMP/journal.out" >&2; false; }
	grep -q "PCRWATCH_CONTAINER_ID=$id" "$TEST_TMP/journal.out"
}

@test "a policy line for a cgroup not made yet waits for it: list, /metrics, then in force once it exists" {
	local root
	root=$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
	[ -n "$root" ] || skip "no cgroup2 mount"
	PEND_CG=$root/pcrw-pending-$$
	rmdir "$PEND_CG" 2>/dev/null || true
	printf '%s\n' 'reserve cpus=0 counters=1 for=uid:1000' \
		"reserve cpus=1 counters=2 for=cgroup:$PEND_CG # the service" >"$TEST_TMP/policy"
	run_tool 0 policy check "$TEST_TMP/policy"
	assert "$output" =~ "policy:2: $PEND_CG does not exist yet: this line waits for it" "$output"
	assert "$output" =~ "1 reservation\(s\), 1 waiting for their cgroup, valid" "$output"
	# Only a path that would be a cgroup2 directory may wait: anyone could
	# make one elsewhere.
	printf 'reserve cpus=1 counters=2 for=cgroup:%s/nope/x\n' "$TEST_TMP" >"$TEST_TMP/elsewhere"
	run_tool 2 policy check "$TEST_TMP/elsewhere"
	assert "$output" =~ "no such cgroup directory; the policy in force is unchanged" "$output"
	start_agent --no-journal --policy "$TEST_TMP/policy"
	run_tool 0 list
	assert "$output" =~ "uid:1000 \(policy\)" "the line that can be is in force: $output"
	assert "$output" =~ "waiting for their cgroup \(not in force\):"$'\n'"  $TEST_TMP/policy:2: reserve cpus=1 counters=2 for=cgroup:$PEND_CG \($PEND_CG does not exist yet\)" "$output"
	run_tool 0 list --json
	assert "$(jq -r '.pending[0] | "\(.line) \(.cgroup)"' <<<"$output")" == "2 $PEND_CG"
	printf '%s\n' "$output" >"$TEST_TMP/list.json"
	run "$TESTPROGS/json_schema" "$REPO/docs/schema/list.json" "$TEST_TMP/list.json"
	assert "$status" == 0 "list --json matches its schema: $output"
	serve_metric_pending 1
	# The service starts: the agent's next tick puts the line in force.
	mkdir "$PEND_CG"
	wait_for 30 grep -q "a cgroup a waiting line names exists now: loaded it again" "$TEST_TMP/agent.out" ||
		{ cat "$TEST_TMP/agent.out" >&2; false; }
	run_tool 0 list
	assert "$output" =~ "cgroup:$PEND_CG \(policy\)" "in force: $output"
	assert "$output" !~ "waiting for their cgroup" "nothing waits: $output"
	serve_metric_pending 0
}

# serve_metric_pending N: /metrics says N policy lines wait.
serve_metric_pending() {
	"$PCRWATCH" serve --listen 127.0.0.1:0 >"$TEST_TMP/serve.out" 2>&1 3>&- &
	local spid=$! url
	wait_for 10 grep -q listening "$TEST_TMP/serve.out"
	url=$(sed -n 's|.*listening on \(.*\)$|\1|p' "$TEST_TMP/serve.out")
	run curl -sf "$url"
	kill "$spid"
	wait "$spid" 2>/dev/null || true
	assert "$output" =~ $'\n'"pcrwatch_policy_pending_lines $1"$'\n' "pending lines in /metrics"
}

# configmap_swap DIR NAME CONTENT: what the kubelet does to a ConfigMap
# volume: the new content in a new folder, then the `..data` symlink
# replaced by rename (the `policy` entry points through it).
configmap_swap() {
	mkdir "$1/$2"
	printf '%s\n' "$3" >"$1/$2/policy"
	ln -s "$2" "$1/..data_tmp"
	mv -T "$1/..data_tmp" "$1/..data"
}

@test "a policy file swapped as a ConfigMap volume swaps it is reloaded without SIGHUP; a bad one keeps the old policy" {
	local cm=$TEST_TMP/cm
	mkdir "$cm"
	configmap_swap "$cm" ..2026_01_01_00_00_00.1 'reserve cpus=0 counters=1 for=uid:1000'
	ln -s ..data/policy "$cm/policy"
	start_agent --no-journal --policy "$cm/policy"
	run_tool 0 list
	assert "$output" =~ "uid:1000 \(policy\)"
	configmap_swap "$cm" ..2026_01_01_00_00_00.2 'reserve cpus=0 counters=2 for=uid:2000'
	wait_for 10 bash -c "'$PCRWATCH' list | grep -q 'uid:2000 (policy)'" || { cat "$TEST_TMP/agent.out" >&2; false; }
	wait_for 10 bash -c "! '$PCRWATCH' list | grep -q uid:1000"
	assert "$(cat "$TEST_TMP/agent.out")" =~ "policy $cm/policy: changed on disk: reloading" "said why"
	# a bad edit: refused, the policy in force stays
	configmap_swap "$cm" ..2026_01_01_00_00_00.3 'reserve cpus=0 frobs=2'
	wait_for 10 grep -q "policy file changed: the policy in force is unchanged" "$TEST_TMP/agent.out" ||
		{ cat "$TEST_TMP/agent.out" >&2; false; }
	assert "$(cat "$TEST_TMP/agent.out")" =~ "unknown key 'frobs=2'" "why"
	run_tool 0 list
	assert "$output" =~ "uid:2000 \(policy\)" "the old policy stays"
	# tried once per change: no reload loop on the same bad file
	sleep 2.5
	assert "$(grep -c 'policy file changed: the policy in force is unchanged' "$TEST_TMP/agent.out")" == 1 "one try per change"
	# and an edit in place (same inode) is seen too
	printf 'reserve cpus=0 counters=1 for=uid:3000\n' >"$cm/..2026_01_01_00_00_00.3/policy"
	wait_for 10 bash -c "'$PCRWATCH' list | grep -q 'uid:3000 (policy)'" || { cat "$TEST_TMP/agent.out" >&2; false; }
	kill -0 "$AGENT" # the same agent throughout
}

@test "--events-stdout writes each event to stdout as the log's JSON line" {
	start_agent --no-journal --events-stdout
	clobber 0 0x186
	wait_for 10 grep -q '"kind":"clobber"' "$TEST_TMP/agent.out" || { cat "$TEST_TMP/agent.out" >&2; false; }
	wait_for 10 grep -q '"kind":"clobber"' "$PCRWATCH_LOG_DIR/events.jsonl"
	assert "$(grep '^{' "$TEST_TMP/agent.out")" == "$(cat "$PCRWATCH_LOG_DIR/events.jsonl")" "the same lines as the log"
	grep '^{' "$TEST_TMP/agent.out" | jq -e 'select(.type == "event")' >/dev/null
	stop_agent
	# without the flag, stdout has the agent's messages only
	start_agent --no-journal
	clobber 0 0x186
	wait_for 10 test "$(logged clobber)" -ge 2
	run grep -c '^{' "$TEST_TMP/agent.out"
	assert "$output" == 0 "no JSON lines without --events-stdout"
}
