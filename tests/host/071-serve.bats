#!/usr/bin/env bats
# pcrwatch serve: the Prometheus exporter on injected state. promtool lints
# its real output; a real Prometheus server (Debian's package) scrapes it
# and its query API returns the ownership series.

load ../helpers

HTTP_GET=$TESTPROGS/http-get

setup_tier() {
	SERVE_PID= PROM_PID= PROG_PID=
	FIX=$TEST_TMP/fixture
	cat >"$FIX" <<'FIXTURE'
pmu name=armv8_pmuv3 type=10 counters=6 fixed=1
cpus 2
rec cpu=0 hw_idx=3 slot=3 layer=user pid=4242 tid=4242 comm=perf event=cycles enabled=100 running=80
rec cpu=1 hw_idx=0 slot=0 path=msr layer=user pid=77 tid=77 comm=likwid-perfctr event=raw%200x08 conflicts=1 resv=3
rec cpu=1 hw_idx=31 slot=31 layer=kernel comm=watchdog event=cycles
rec cpu=1 layer=user pid=5000 comm=stress-ng event=instructions scope=task state=inactive
rec cpu=0 hw_idx=1 attributed=0 event=raw%200x11
rec cpu=0 hw_idx=1 attributed=0 event=raw%200x11
resv id=3 cpu=1 slots=0x1 pid=77 label=pid:77
resv id=9 cpu=0 slots=0x20 uid=2000 label=uid:2000
resv id=4294967296 source=module cpu=0 slots=0x4 layer=firmware label=firmware flags=0x43
events clobber=5 veto=2 lost=7
FIXTURE
}

teardown_tier() {
	local p
	for p in $PROG_PID $PROM_PID $SERVE_PID; do
		kill "$p" 2>/dev/null || true
	done
	for p in $PROG_PID $PROM_PID $SERVE_PID; do
		# bounded: each exits on SIGTERM at once
		timeout 10 tail --pid="$p" -f /dev/null 2>/dev/null || kill -9 "$p" 2>/dev/null || true
	done
}

# Start the exporter on a free port; sets PORT.
start_serve() {
	PCRWATCH_FIXTURE=$FIX "$PCRWATCH" serve --listen 127.0.0.1:0 "$@" \
		>"$TEST_TMP/serve.out" 2>&1 &
	SERVE_PID=$!
	wait_for 10 grep -q 'listening on' "$TEST_TMP/serve.out" || {
		cat "$TEST_TMP/serve.out" >&2
		return 1
	}
	PORT=$(sed -n 's|.*http://127\.0\.0\.1:\([0-9]*\)/metrics|\1|p' "$TEST_TMP/serve.out")
	[ -n "$PORT" ]
}

@test "serve --help documents the listen address, metrics and exit codes" {
	run_tool 0 serve --help
	assert "$output" =~ "--listen ADDR:PORT" "listen flag"
	assert "$output" =~ "default 127.0.0.1:9733" "loopback by default"
	assert "$output" =~ "--bpf-stats" "bpf-stats flag"
	assert "$output" =~ "Exit status: 0" "exit codes"
}

@test "serve: bad flags and values are usage errors (exit 2)" {
	run_tool 2 serve --listen nonsense
	assert "$output" =~ "bad --listen 'nonsense'"
	run_tool 2 serve --listen 127.0.0.1:70000
	run_tool 2 serve --listen 127.0.0.1:
	run_tool 2 serve --listen 300.1.1.1:80
	run_tool 2 serve --listen '[::1:80'
	run_tool 2 serve --frobnicate
	assert "$output" =~ "Usage: pcrwatch serve"
	run_tool 2 serve extra
	assert "$output" =~ "unexpected argument 'extra'"
}

@test "serve: an address this machine does not have is a run-time error (exit 1)" {
	run_tool 1 serve --listen 192.0.2.1:9733
	assert "$output" =~ "cannot listen on 192.0.2.1:9733"
}

@test "serve: /metrics passes promtool check metrics and shows the injected owners" {
	start_serve
	"$HTTP_GET" "127.0.0.1:$PORT" /metrics >"$TEST_TMP/metrics"
	run promtool check metrics <"$TEST_TMP/metrics"
	assert "$status" == 0 "promtool is happy: $output"
	run cat "$TEST_TMP/metrics"
	assert "$output" =~ 'pcrwatch_slot_owner_info\{cpu="0",counter="3",hw_idx="3",layer="user",owner="perf",path="perf",event="cycles",reservation="0"\} 1' "perf owns counter 3 of CPU 0"
	assert "$output" =~ 'pcrwatch_slot_owner_info\{cpu="1",counter="0",hw_idx="0",layer="user",owner="likwid-perfctr",path="msr",event="raw 0x08",reservation="3"\} 1' "the MSR writer"
	assert "$output" =~ 'pcrwatch_slot_owner_info\{cpu="0",counter="1",hw_idx="1",layer="unattributed",owner="unattributed"' "unattributed is said"
	assert "$(grep -c 'pcrwatch_slot_owner_info{cpu="0",counter="1"' <<<"$output")" == 1 "a doubled slot is exported once"
	assert "$output" =~ 'pcrwatch_slots\{layer="user",state="active"\} 2' "slots by layer and state"
	assert "$output" =~ 'pcrwatch_slots\{layer="unattributed",state="active"\} 2' "both unattributed records counted"
	assert "$output" =~ 'pcrwatch_slots\{layer="user",state="inactive"\} 1' "the waiting event"
	assert "$output" =~ 'pcrwatch_slots\{layer="kernel",state="active"\} 1' "the kernel's counter"
	assert "$output" =~ 'pcrwatch_reserved_slots\{source="bpf"\} 2' "reserved slots: pcrwatch's two"
	assert "$output" =~ 'pcrwatch_reserved_slots\{source="module"\} 1' "and the module's one, apart"
	assert "$output" =~ 'pcrwatch_reservation_holder_events\{reservation="3"\} 1' "the holder's event"
	assert "$output" =~ 'pcrwatch_reservation_info\{reservation="9",source="bpf",label="uid:2000",slots="5"\} 1' "a reservation with no holder is a reservation"
	assert "$output" =~ 'pcrwatch_reservation_holder_events\{reservation="9"\} 0' "with no holder event"
	assert "$output" =~ 'pcrwatch_reservation_info\{reservation="4294967296",source="module",label="firmware",slots="2"\} 1' "the module's reservation, said to be the module's"
	assert "$output" =~ 'pcrwatch_slots\{layer="firmware",state="active"\} 0' "no reservation counted as an owner record"
	assert "$(grep -E '^pcrwatch_[a-z_]+\{[^}]*owner="' <<<"$output" | grep -vE '^pcrwatch_[a-z_]+_info\{')" == "" "owner series end in _info"
	assert "$(grep -c '^# HELP pcrwatch_slot_owner_info ' <<<"$output")" == 1 "the owner series is pcrwatch_slot_owner_info"
	assert "$(grep '^# HELP' <<<"$output" | grep -i 'counter users')" == "" "no HELP calls a reservation counter users"
	assert "$output" =~ 'pcrwatch_events_total\{kind="clobber"\} 5' "clobbers"
	assert "$output" =~ 'pcrwatch_events_total\{kind="veto"\} 2' "vetoes"
	assert "$output" =~ 'pcrwatch_events_lost_total 7' "lost events"
	assert "$output" =~ 'pcrwatch_multiplexing_ratio\{cpu="0"\} 0.8' "multiplexing per CPU"
	assert "$output" =~ 'pcrwatch_up 1' "up"
	assert "$output" =~ 'pcrwatch_scrape_duration_seconds [0-9.]+' "scrape duration"
	assert "$output" =~ '# HELP pcrwatch_bpf_prog_runs_total .*kernel.bpf_stats_enabled=1' "HELP says when BPF stats count"
	assert "$output" !~ 'pid=' "no pid label anywhere"
}

@test "serve: the model is read per scrape (a changed fixture shows at once)" {
	start_serve
	run "$HTTP_GET" "127.0.0.1:$PORT" /metrics
	assert "$output" =~ 'owner="perf"'
	sed -i 's/comm=perf /comm=toplev /' "$FIX"
	run "$HTTP_GET" "127.0.0.1:$PORT" /metrics
	assert "$output" =~ 'owner="toplev"' "the next scrape sees the change"
	assert "$output" !~ 'owner="perf"'
}

@test "serve: a broken fixture makes pcrwatch_up 0, not a dead exporter" {
	start_serve
	echo "rec cpu=banana" >>"$FIX"
	run "$HTTP_GET" "127.0.0.1:$PORT" /metrics
	assert "$status" == 0 "still answers"
	assert "$output" =~ 'pcrwatch_up 0' "up is 0"
	assert "$output" =~ 'pcrwatch_model_notes 1' "and the note is counted"
}

@test "serve: other paths are 404, the index links to /metrics" {
	start_serve
	run "$HTTP_GET" -s "127.0.0.1:$PORT" /nope
	assert "$status" == 1 "not 200"
	assert "$output" =~ "404 Not Found"
	run "$HTTP_GET" "127.0.0.1:$PORT" /
	assert "$output" =~ 'href="/metrics"'
}

@test "serve: SIGTERM stops it with exit 0" {
	start_serve
	local rc=0
	kill -TERM "$SERVE_PID"
	wait "$SERVE_PID" || rc=$?
	assert "$rc" == 0 "clean exit on SIGTERM"
	SERVE_PID=
}

@test "a real Prometheus scrapes serve and its query API returns the ownership series" {
	command -v prometheus >/dev/null || skip "prometheus is not installed (make deps installs it)"
	start_serve
	local try prom_port=
	cat >"$TEST_TMP/prometheus.yml" <<EOF2
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: pcrwatch
    static_configs:
      - targets: ['127.0.0.1:$PORT']
EOF2
	# A free port for Prometheus: try a few at random, bounded.
	for try in 1 2 3 4 5; do
		prom_port=$((20000 + RANDOM % 40000))
		prometheus --config.file="$TEST_TMP/prometheus.yml" \
			--storage.tsdb.path="$TEST_TMP/prom-data" \
			--web.listen-address="127.0.0.1:$prom_port" \
			--log.level=warn >"$TEST_TMP/prom.log" 2>&1 &
		PROM_PID=$!
		if wait_for 60 "$HTTP_GET" "127.0.0.1:$prom_port" /-/ready; then
			break
		fi
		kill "$PROM_PID" 2>/dev/null || true
		wait "$PROM_PID" 2>/dev/null || true
		PROM_PID= prom_port=
	done
	[ -n "$prom_port" ] || { cat "$TEST_TMP/prom.log" >&2; false; }

	q() { "$HTTP_GET" "127.0.0.1:$prom_port" "/api/v1/query?query=$1"; }
	has_owner() {
		q pcrwatch_slot_owner_info | jq -e '.data.result[] |
			select(.metric.cpu == "0" and .metric.counter == "3" and
			       .metric.owner == "perf" and .metric.job == "pcrwatch")' >/dev/null
	}
	wait_for 60 has_owner || { q pcrwatch_slot_owner_info >&2; cat "$TEST_TMP/prom.log" >&2; false; }
	run q pcrwatch_up
	assert "$(jq -r '.data.result[0].value[1]' <<<"$output")" == 1 "pcrwatch_up through Prometheus"
	run q up
	assert "$(jq -r '.data.result[0].value[1]' <<<"$output")" == 1 "Prometheus' own up for the target"
	run q pcrwatch_slots
	assert "$(jq -r '.data.result[] | select(.metric.layer == "kernel" and .metric.state == "active") | .value[1]' <<<"$output")" == 1 "slots by layer and state"
}

@test "serve --bpf-stats: a named program's run count and time" {
	require_root
	[ -r /proc/sys/kernel/bpf_stats_enabled ] || skip "kernel has no kernel.bpf_stats_enabled"
	local prog_id
	start_serve --bpf-stats
	run "$HTTP_GET" "127.0.0.1:$PORT" /metrics
	assert "$output" =~ $'\npcrwatch_bpf_stats_enabled 1\n' "stats are on while serving"
	# "arbiter_" makes it one of pcrwatch's programs by name; run 7 times
	# while statistics are on.
	"$TESTPROGS/bpf-stats-prog" arbiter_t7stat 7 60 >"$TEST_TMP/prog.out" 2>&1 &
	PROG_PID=$!
	wait_for 10 grep -q '^ready' "$TEST_TMP/prog.out" || { cat "$TEST_TMP/prog.out" >&2; false; }
	prog_id=$(awk '/^ready/ { print $2 }' "$TEST_TMP/prog.out")
	run "$HTTP_GET" "127.0.0.1:$PORT" /metrics
	assert "$output" =~ "pcrwatch_bpf_prog_runs_total\{group=\"arbiter\",prog=\"arbiter_t7stat\",id=\"$prog_id\"\} 7" "run count"
	assert "$output" =~ "pcrwatch_bpf_prog_run_seconds_total\{group=\"arbiter\",prog=\"arbiter_t7stat\",id=\"$prog_id\"\} 0\.0*[1-9]" "some run time"
	kill "$PROG_PID"
	# The statistics are held by the exporter's BPF_ENABLE_STATS fd: the
	# kernel turns them off when the process is gone, so it must be gone.
	local rc=0
	kill -TERM "$SERVE_PID"
	wait "$SERVE_PID" || rc=$?
	assert "$rc" == 0 "the exporter exits cleanly, releasing the statistics"
	SERVE_PID=
}

@test "serve without --bpf-stats leaves the sysctl alone and still lists the program" {
	require_root
	[ "$(cat /proc/sys/kernel/bpf_stats_enabled 2>/dev/null)" = 0 ] ||
		skip "BPF statistics are on already (sysctl or another holder)"
	start_serve
	"$TESTPROGS/bpf-stats-prog" arbiter_t7stat 3 60 >"$TEST_TMP/prog.out" 2>&1 &
	PROG_PID=$!
	wait_for 10 grep -q '^ready' "$TEST_TMP/prog.out"
	run "$HTTP_GET" "127.0.0.1:$PORT" /metrics
	assert "$output" =~ $'\npcrwatch_bpf_stats_enabled 0\n' "stats stay off"
	assert "$output" =~ 'pcrwatch_bpf_prog_runs_total\{group="arbiter",prog="arbiter_t7stat",id="[0-9]+"\} 0' "listed, with 0 runs: nothing counts them"
	assert "$output" !~ 'prog="[a-z]*_t7stat",id="[0-9]+"\} [1-9]' "no count without stats"
}

@test "serve --bpf-stats without the privilege is 'denied' (exit 4), not a crash" {
	require_root
	command -v setpriv >/dev/null || skip "setpriv (util-linux) is not installed"
	setpriv --reuid=nobody --regid=nogroup --clear-groups test -x "$PCRWATCH" ||
		skip "the build folder is not readable by user nobody"
	run timeout 10 setpriv --reuid=nobody --regid=nogroup --clear-groups \
		--inh-caps=-all "$PCRWATCH" serve --bpf-stats --listen 127.0.0.1:0
	assert "$status" == 4 "exit 4"
	assert "$output" =~ "cannot enable BPF run-time statistics" "said"
}
