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

# --- TLS, client certificates, basic auth and reloads (issues 20 and 22) ---

# make_pki DIR: a CA, a server certificate it signed (cert.pem, key.pem,
# for 127.0.0.1), a client certificate it signed (cli.pem, cli.key), and a
# self-signed stranger (rogue.pem, rogue.key). RSA, so that ECDHE-RSA suites
# apply.
make_pki() {
	local d=$1
	mkdir -p "$d" && chmod 0755 "$d"
	(
		cd "$d" || exit 1
		openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 -subj /CN=pcrwatch-test-ca
		openssl req -newkey rsa:2048 -nodes -keyout key.pem -out srv.csr -subj /CN=localhost
		printf 'subjectAltName=IP:127.0.0.1\n' >srv.ext
		openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out cert.pem -days 2 -extfile srv.ext
		openssl req -newkey rsa:2048 -nodes -keyout cli.key -out cli.csr -subj /CN=prometheus
		printf 'extendedKeyUsage=clientAuth\n' >cli.ext
		openssl x509 -req -in cli.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out cli.pem -days 2 -extfile cli.ext
		openssl req -x509 -newkey rsa:2048 -nodes -keyout rogue.key -out rogue.pem -days 2 -subj /CN=stranger
	) >/dev/null 2>&1
	[ -s "$d/cert.pem" ] && [ -s "$d/cli.pem" ] && [ -s "$d/rogue.pem" ]
}

# bcrypt_of PASSWORD (cost 10, as htpasswd -B makes it).
bcrypt_of() {
	python3 -W ignore -c 'import crypt, sys; print(crypt.crypt(sys.argv[1], crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=1024)))' "$1"
}

# start_web WEB.YML: serve with that web config; sets URL and PORT.
start_web() {
	PCRWATCH_FIXTURE=$FIX "$PCRWATCH" serve --listen 127.0.0.1:0 --web.config.file "$1" \
		>"$TEST_TMP/serve.out" 2>&1 &
	SERVE_PID=$!
	wait_for 10 grep -q 'listening on' "$TEST_TMP/serve.out" || {
		cat "$TEST_TMP/serve.out" >&2
		return 1
	}
	URL=$(sed -n 's|.*listening on \(https*://.*\)$|\1|p' "$TEST_TMP/serve.out")
	PORT=${URL##*:}
	PORT=${PORT%%/*}
}

# tls_auth_setup [TLS LINES...]: a PKI in $PKI, user prom with password
# s3cret, and $PKI/web.yml with the server certificate and the extra
# tls_server_config lines given.
tls_auth_setup() {
	PKI=$TEST_TMP/pki
	make_pki "$PKI"
	{
		printf 'tls_server_config:\n  cert_file: cert.pem\n  key_file: key.pem\n'
		local l
		for l in "$@"; do printf '  %s\n' "$l"; done
		printf 'basic_auth_users:\n  prom: %s\n' "$(bcrypt_of s3cret)"
	} >"$PKI/web.yml"
}

# code CURL-ARGS...: the HTTP status curl got (000: no HTTP answer).
code() { curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$@"; }

@test "serve: 70 idle loopback connections, and 300 (past the gate's budget), do not starve an authenticated scrape" {
	tls_auth_setup
	start_web "$PKI/web.yml"
	local n
	for n in 70 300; do
		python3 -c '
import socket, sys, time
s = [socket.create_connection(("127.0.0.1", int(sys.argv[1]))) for _ in range(int(sys.argv[2]))]
print("open", len(s), flush=True)
time.sleep(120)
' "$PORT" "$n" >"$TEST_TMP/idle.out" 2>&1 &
		PROG_PID=$!
		wait_for 20 grep -q "^open $n" "$TEST_TMP/idle.out" || { cat "$TEST_TMP/idle.out" >&2; false; }
		# Set up: the connections are there, established, sending nothing.
		[ "$(ss -Htn state established "( dport = :$PORT )" | wc -l)" -ge 70 ] ||
			{ echo "only $(ss -Htn state established "( dport = :$PORT )" | wc -l) idle connections" >&2; false; }
		run curl -s --max-time 5 -w '\n%{time_total}' --cacert "$PKI/ca.pem" -u prom:s3cret "$URL"
		assert "$status" == 0 "the scrape answered within 5 s beside $n idle connections"
		assert "$output" =~ "pcrwatch_up 1" "with the metrics"
		echo "# scrape beside $n idle connections: ${output##*$'\n'} s" >&3
		kill "$PROG_PID"
		wait "$PROG_PID" 2>/dev/null || true
		PROG_PID=
	done
}

@test "serve: 40 wrong passwords at once do not hold up a scrape whose password was checked once (within 2x of idle)" {
	tls_auth_setup
	start_web "$PKI/web.yml"
	local i t idle=() flood=() args=()
	[ "$(code --cacert "$PKI/ca.pem" -u prom:s3cret "$URL")" == 200 ]
	for i in 1 2 3 4 5 6 7; do
		idle+=("$(curl -s -o /dev/null -w '%{time_total}' --cacert "$PKI/ca.pem" -u prom:s3cret "$URL")")
	done
	# One client process, 40 different wrong passwords at once (a cache of
	# failures cannot answer them): 40 bcrypts, one after another.
	for i in $(seq 40); do
		args+=(--next -s -o /dev/null -w '%{http_code}\n' --cacert "$PKI/ca.pem" -u "prom:wrong$i" "$URL")
	done
	curl -Z --parallel-max 40 --parallel-immediate "${args[@]:1}" >"$TEST_TMP/flood.out" 2>&1 &
	PROG_PID=$!
	sleep 0.3 # the flood's handshakes are in; bcrypt is busy
	for i in 1 2 3 4 5 6 7; do
		t=$(curl -s -o "$TEST_TMP/scrape" -w '%{time_total}' --max-time 10 --cacert "$PKI/ca.pem" -u prom:s3cret "$URL")
		grep -q 'pcrwatch_up 1' "$TEST_TMP/scrape"
		flood+=("$t")
	done
	# Set up: the flood was still being checked when the scrapes ended.
	kill -0 "$PROG_PID" 2>/dev/null || { echo "the flood ended before the scrapes: no attack measured" >&2; false; }
	wait "$PROG_PID" || true
	PROG_PID=
	assert "$(grep -c '^401$' "$TEST_TMP/flood.out")" == 40 "every wrong password refused"
	median() { printf '%s\n' "$@" | sort -n | sed -n 4p; }
	local mi mf
	mi=$(median "${idle[@]}")
	mf=$(median "${flood[@]}")
	echo "# valid scrape latency: idle median $mi s (${idle[*]}), under 40 wrong passwords median $mf s (${flood[*]})" >&3
	# 2x, with 0.1 s for the noise of a shared 2-core machine.
	python3 -c "import sys; sys.exit(0 if $mf <= 2 * $mi + 0.1 else 1)" ||
		{ echo "scrape under the flood: $mf s, idle $mi s" >&2; false; }
}

@test "serve: plain HTTP to the TLS port gets a 400 that says so" {
	tls_auth_setup
	start_web "$PKI/web.yml"
	run curl -s --max-time 10 -w '\n%{http_code}' "http://127.0.0.1:$PORT/metrics"
	assert "${output##*$'\n'}" == 400 "400"
	assert "$output" =~ "Client sent an HTTP request to an HTTPS server" "and why"
	assert "$(code --cacert "$PKI/ca.pem" -u prom:s3cret "$URL")" == 200 "TLS still works"
}

@test "serve: client_auth_type RequireAndVerifyClientCert takes the CA's client certificate, refuses none and a stranger's" {
	tls_auth_setup "client_auth_type: RequireAndVerifyClientCert" "client_ca_file: ca.pem"
	start_web "$PKI/web.yml"
	cd "$PKI"
	run curl -sf --max-time 10 --cacert ca.pem --cert cli.pem --key cli.key -u prom:s3cret "$URL"
	assert "$output" =~ "pcrwatch_up 1" "the CA's client certificate: metrics"
	run curl -s --max-time 10 --cacert ca.pem -u prom:s3cret "$URL"
	assert "$status" != 0 "no client certificate: the handshake fails"
	assert "$output" !~ "pcrwatch_up" "and no metrics"
	run curl -s --max-time 10 --cacert ca.pem --cert rogue.pem --key rogue.key -u prom:s3cret "$URL"
	assert "$status" != 0 "a stranger's certificate: the handshake fails"
	assert "$output" !~ "pcrwatch_up" "and no metrics"
	# The password is still asked for.
	assert "$(code --cacert ca.pem --cert cli.pem --key cli.key "$URL")" == 401 "client certificate alone is not enough"
}

@test "serve: VerifyClientCertIfGiven, RequireAnyClientCert and RequestClientCert behave as Go's" {
	tls_auth_setup "client_auth_type: VerifyClientCertIfGiven" "client_ca_file: ca.pem"
	cd "$PKI"
	start_web web.yml
	assert "$(code --cacert ca.pem -u prom:s3cret "$URL")" == 200 "VerifyIfGiven: none is fine"
	assert "$(code --cacert ca.pem --cert cli.pem --key cli.key -u prom:s3cret "$URL")" == 200 "the CA's"
	assert "$(code --cacert ca.pem --cert rogue.pem --key rogue.key -u prom:s3cret "$URL")" == 403 "a stranger's is refused"
	kill "$SERVE_PID"
	wait "$SERVE_PID" || true
	sed -i 's/VerifyClientCertIfGiven/RequireAnyClientCert/' web.yml
	start_web web.yml
	assert "$(code --cacert ca.pem -u prom:s3cret "$URL")" == 000 "RequireAny: none fails the handshake"
	assert "$(code --cacert ca.pem --cert rogue.pem --key rogue.key -u prom:s3cret "$URL")" == 200 "any certificate"
	kill "$SERVE_PID"
	wait "$SERVE_PID" || true
	sed -i 's/RequireAnyClientCert/RequestClientCert/; /client_ca_file/d' web.yml
	start_web web.yml
	assert "$(code --cacert ca.pem -u prom:s3cret "$URL")" == 200 "Request: none"
	assert "$(code --cacert ca.pem --cert rogue.pem --key rogue.key -u prom:s3cret "$URL")" == 200 "or any"
}

@test "serve: min_version, max_version and cipher_suites are what the handshake allows" {
	tls_auth_setup "min_version: TLS13"
	cd "$PKI"
	start_web web.yml
	assert "$(code --tlsv1.3 --cacert ca.pem -u prom:s3cret "$URL")" == 200 "TLS 1.3"
	assert "$(code --tlsv1.2 --tls-max 1.2 --cacert ca.pem -u prom:s3cret "$URL")" == 000 "no TLS 1.2 under min_version TLS13"
	kill "$SERVE_PID"
	wait "$SERVE_PID" || true
	sed -i 's/min_version: TLS13/max_version: TLS12\n  cipher_suites:\n    - TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384/' web.yml
	start_web web.yml
	assert "$(code --tlsv1.3 --cacert ca.pem -u prom:s3cret "$URL")" == 000 "no TLS 1.3 over max_version TLS12"
	assert "$(code --tls-max 1.2 --ciphers ECDHE-RSA-AES256-GCM-SHA384 --cacert ca.pem -u prom:s3cret "$URL")" == 200 "the listed suite"
	assert "$(code --tls-max 1.2 --ciphers ECDHE-RSA-AES128-GCM-SHA256 --cacert ca.pem -u prom:s3cret "$URL")" == 000 "a suite not listed"
	run openssl s_client -connect "127.0.0.1:$PORT" -CAfile ca.pem -tls1_2 </dev/null
	assert "$output" =~ "Cipher is ECDHE-RSA-AES256-GCM-SHA384" "what was negotiated"
}

@test "serve: http_server_config.headers are on every answer" {
	tls_auth_setup
	printf 'http_server_config:\n  headers:\n    X-Frame-Options: deny\n    Strict-Transport-Security: "max-age=31536000"\n' >>"$PKI/web.yml"
	start_web "$PKI/web.yml"
	local how
	for how in "-u prom:s3cret $URL" "$URL" "-u prom:s3cret ${URL%/metrics}/nope"; do
		# shellcheck disable=SC2086
		run curl -s -D - -o /dev/null --max-time 10 --cacert "$PKI/ca.pem" $how
		assert "$output" =~ $'X-Frame-Options: deny\r' "on $how"
		assert "$output" =~ $'Strict-Transport-Security: max-age=31536000\r' "on $how"
	done
}

# served_fp: the SHA-256 fingerprint of the certificate serve shows.
served_fp() {
	openssl s_client -connect "127.0.0.1:$PORT" -CAfile "$PKI/ca.pem" </dev/null 2>/dev/null |
		openssl x509 -noout -fingerprint -sha256
}

@test "serve: a rotated certificate is served without a restart; a broken or untrusted one leaves the old in force" {
	tls_auth_setup
	cd "$PKI"
	start_web web.yml
	local old new
	old=$(served_fp)
	[ -n "$old" ]
	# Rotate as cert-manager or a ConfigMap does: new files renamed in.
	openssl req -newkey rsa:2048 -nodes -keyout key2.pem -out srv2.csr -subj /CN=localhost 2>/dev/null
	openssl x509 -req -in srv2.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out cert2.pem -days 2 -extfile srv.ext 2>/dev/null
	new=$(openssl x509 -in cert2.pem -noout -fingerprint -sha256)
	assert "$new" != "$old" "set up: a different certificate"
	mv key2.pem key.pem
	mv cert2.pem cert.pem
	wait_for 10 bash -c "[ \"\$(openssl s_client -connect 127.0.0.1:$PORT -CAfile ca.pem </dev/null 2>/dev/null | openssl x509 -noout -fingerprint -sha256)\" = '$new' ]" ||
		{ cat "$TEST_TMP/serve.out" >&2; false; }
	assert "$(code --cacert ca.pem -u prom:s3cret "$URL")" == 200 "scrapes go on"
	run cat "$TEST_TMP/serve.out"
	assert "$output" =~ "web configuration .*web.yml read again" "said"
	# A config naming a missing key, then SIGHUP: refused, the old stays.
	cp web.yml web.good
	sed -i 's/key_file: key.pem/key_file: missing.pem/' web.yml
	kill -HUP "$SERVE_PID"
	wait_for 10 grep -q "configuration in force is unchanged" "$TEST_TMP/serve.out"
	assert "$(served_fp)" == "$new" "the old certificate is still served"
	assert "$(code --cacert ca.pem -u prom:s3cret "$URL")" == 200 "and scrapes"
	# A key someone else could write: refused by name, the old stays.
	cp web.good web.yml
	chmod 0666 key.pem
	kill -HUP "$SERVE_PID"
	wait_for 10 grep -q "key.pem: file writable by others" "$TEST_TMP/serve.out" ||
		{ cat "$TEST_TMP/serve.out" >&2; false; }
	assert "$(code --cacert ca.pem -u prom:s3cret "$URL")" == 200 "still serving"
	kill -0 "$SERVE_PID"
}

@test "serve: a web config, or a file it names, that anyone but root could write is refused at start, naming it" {
	tls_auth_setup
	cd "$PKI"
	chmod 0664 web.yml
	run_tool 2 serve --listen 127.0.0.1:0 --web.config.file "$PKI/web.yml"
	assert "$output" =~ "$PKI/web.yml: file writable by its group" "the config"
	chmod 0644 web.yml
	chown 2000 cert.pem
	run_tool 2 serve --listen 127.0.0.1:0 --web.config.file "$PKI/web.yml"
	assert "$output" =~ "$PKI/cert.pem: file owned by uid 2000" "the certificate"
	chown 0 cert.pem
	chmod 0777 "$PKI"
	run_tool 2 serve --listen 127.0.0.1:0 --web.config.file "$PKI/web.yml"
	assert "$output" =~ "$PKI: directory writable by others" "the folder"
}

@test "serve: web config values pcrwatch cannot honour are refused, naming what" {
	tls_auth_setup
	cd "$PKI"
	w() { printf 'tls_server_config:\n  cert_file: cert.pem\n  key_file: key.pem\n%s\n' "$1" >w.yml; }
	w '  curve_preferences: [X25519]'
	run_tool 2 serve --web.config.file w.yml
	assert "$output" =~ "tls_server_config.curve_preferences: not supported" "an unknown key"
	w '  min_version: TLS14'
	run_tool 2 serve --web.config.file w.yml
	assert "$output" =~ "min_version: TLS14: want TLS10, TLS11, TLS12 or TLS13"
	w '  min_version: TLS13
  max_version: TLS12'
	run_tool 2 serve --web.config.file w.yml
	assert "$output" =~ "min_version is above max_version"
	w '  cipher_suites: [TLS_RSA_WITH_RC4_128_SHA]'
	run_tool 2 serve --web.config.file w.yml
	assert "$output" =~ "cipher_suites: TLS_RSA_WITH_RC4_128_SHA: not supported"
	w '  client_auth_type: RequireAndVerifyClientCert'
	run_tool 2 serve --web.config.file w.yml
	assert "$output" =~ "RequireAndVerifyClientCert needs client_ca_file"
	w '  client_ca_file: ca.pem'
	run_tool 2 serve --web.config.file w.yml
	assert "$output" =~ "client_ca_file without a client_auth_type"
	w 'http_server_config:
  http2: true'
	run_tool 2 serve --web.config.file w.yml
	assert "$output" =~ "http2: true: pcrwatch speaks HTTP/1.1 only"
	w 'http_server_config:
  headers:
    Content-Length: 5'
	run_tool 2 serve --web.config.file w.yml
	assert "$output" =~ "headers: Content-Length is the server's own"
}
