#!/usr/bin/env bats
# The operations side: the exporter's conventions (listen forms, bind
# errors, TLS and basic auth from an exporter-toolkit web config, build and
# component series), the shipped alert rules tested with promtool on series
# scraped from a real pcrwatch, the Grafana dashboard's queries against the
# metrics pcrwatch really exports, and the DaemonSet manifest.

load ../helpers

OPS=$REPO/ops
HTTP_GET=$TESTPROGS/http-get

TR() { "$TESTPROGS/msr_testrun" "$@"; }

setup_tier() {
	PIDS=()
	export PCRWATCH_MSR_PMU=intel:4:3:4
}

teardown_tier() {
	stop_pids
	# detach keeps the reservation maps: the next file starts with none.
	[ "$(id -u)" = 0 ] && "$PCRWATCH" detach >/dev/null 2>&1 &&
		rm -rf /sys/fs/bpf/pcrwatch
	return 0
}

need_msr_host() {
	require_root
	[ -n "${PCRWATCH_VM:-}" ] && skip "host tier"
	[ -e /sys/kernel/tracing/events/msr/write_msr ] ||
		[ -e /sys/kernel/debug/tracing/events/msr/write_msr ] ||
		skip "this kernel has no msr tracepoints"
}

# serve_on NAME ARGS...: start an exporter, its output in $TEST_TMP/NAME.out;
# sets URL to what it says it listens on.
serve_on() {
	local name=$1
	shift
	"$PCRWATCH" serve "$@" >"$TEST_TMP/$name.out" 2>&1 3>&- &
	PIDS+=($!)
	wait_for 10 grep -q 'listening on' "$TEST_TMP/$name.out" || {
		cat "$TEST_TMP/$name.out" >&2
		return 1
	}
	URL=$(sed -n 's|.*listening on \(.*\)$|\1|p' "$TEST_TMP/$name.out")
}

# A fixture state with multiplexing, a reservation and events.
fixture() { # MUX_RUNNING VETOES LOST
	cat >"$TEST_TMP/fixture" <<FIXTURE
pmu name=armv8_pmuv3 type=10 counters=6 fixed=1
cpus 2
rec cpu=0 hw_idx=3 slot=3 layer=user pid=4242 tid=4242 comm=perf event=cycles enabled=100 running=$1
rec cpu=1 hw_idx=0 slot=0 path=msr layer=user pid=77 tid=77 comm=likwid event=raw%200x08 resv=3
resv id=3 cpu=1 slots=0x1 pid=77 label=pid:77
events clobber=5 veto=$2 lost=$3
FIXTURE
}

@test "--listen takes :PORT, HOST:PORT and [V6]:PORT; a bind error names the port and why" {
	serve_on any --listen :0
	assert "$URL" =~ '^http://\[::\]:[0-9]+/metrics$' "every address"
	local port=${URL##*:}
	port=${port%%/*}
	run curl -sf "http://127.0.0.1:$port/metrics"
	assert "$output" =~ "pcrwatch_up" "IPv4 on the wildcard"
	if [ -e /proc/net/if_inet6 ]; then
		run curl -sf "http://[::1]:$port/metrics"
		assert "$output" =~ "pcrwatch_up" "IPv6 on the wildcard"
	fi
	run_tool 1 serve --listen "127.0.0.1:$port"
	assert "$output" =~ "cannot listen on 127.0.0.1:$port: port $port: Address already in use" "port and reason"
	serve_on local --listen localhost:0
	assert "$URL" =~ '^http://127\.0\.0\.1:[0-9]+/metrics$' "localhost"
	run_tool 2 serve --listen 'example.org:80'
}

@test "TLS and basic auth from an exporter-toolkit web config; the wrong password is refused" {
	command -v openssl >/dev/null || skip "openssl is not installed"
	cd "$TEST_TMP"
	openssl req -x509 -newkey rsa:2048 -nodes -keyout key.pem -out cert.pem -days 2 \
		-subj /CN=localhost -addext "subjectAltName=IP:127.0.0.1" 2>/dev/null
	local hash
	hash=$(python3 -W ignore -c 'import crypt; print(crypt.crypt("s3cret", crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=1024)))')
	assert "$hash" =~ '^\$2b\$' "a bcrypt hash"
	printf 'tls_server_config:\n  cert_file: cert.pem\n  key_file: "key.pem"\nbasic_auth_users:\n  prom: %s\n' \
		"$hash" >web.yml
	serve_on tls --listen 127.0.0.1:0 --web.config.file web.yml
	assert "$URL" =~ '^https://' "says https"
	run curl -s -o /dev/null -w '%{http_code}' --cacert cert.pem "$URL"
	assert "$output" == 401 "no credentials: refused"
	run curl -s -o /dev/null -w '%{http_code}' --cacert cert.pem -u prom:wrong "$URL"
	assert "$output" == 401 "wrong password: refused"
	run curl -s -o /dev/null -w '%{http_code}' --cacert cert.pem -u nobody:s3cret "$URL"
	assert "$output" == 401 "unknown user: refused"
	run curl -sf --cacert cert.pem -u prom:s3cret "$URL"
	assert "$output" =~ "pcrwatch_up 1" "right password over verified TLS"
	run curl -s -o /dev/null -w '%{http_code}' "${URL/https/http}"
	assert "$output" != 200 "no plain HTTP"
	# A real Prometheus scrape with tls_config and basic_auth.
	command -v prometheus >/dev/null || skip "prometheus is not installed"
	local target=${URL#https://}
	target=${target%/metrics}
	printf 's3cret' >pass
	cat >prometheus.yml <<EOF2
global: { scrape_interval: 1s }
scrape_configs:
  - job_name: pcrwatch
    scheme: https
    tls_config: { ca_file: $TEST_TMP/cert.pem }
    basic_auth: { username: prom, password_file: $TEST_TMP/pass }
    static_configs: [ { targets: ['$target'] } ]
EOF2
	local try prom_port=
	for try in 1 2 3 4 5; do
		prom_port=$((20000 + RANDOM % 40000))
		prometheus --config.file=prometheus.yml --storage.tsdb.path=prom-data \
			--web.listen-address="127.0.0.1:$prom_port" --log.level=warn >prom.log 2>&1 3>&- &
		PIDS+=($!)
		wait_for 60 "$HTTP_GET" "127.0.0.1:$prom_port" /-/ready && break
		prom_port=
	done
	[ -n "$prom_port" ] || { cat prom.log >&2; false; }
	up() {
		curl -sf "http://127.0.0.1:$prom_port/api/v1/query?query=up" |
			jq -e '.data.result[] | select(.metric.job == "pcrwatch" and .value[1] == "1")'
	}
	wait_for 60 up || { curl -s "http://127.0.0.1:$prom_port/api/v1/targets" >&2; false; }
}

@test "a web config pcrwatch cannot honour is refused, naming what" {
	printf 'web_server_config:\n  http2: false\n' >"$TEST_TMP/w1"
	run_tool 2 serve --web.config.file "$TEST_TMP/w1"
	assert "$output" =~ "web_server_config: not supported" "unknown section"
	printf 'basic_auth_users:\n  prom: plaintext\n' >"$TEST_TMP/w2"
	run_tool 2 serve --web.config.file "$TEST_TMP/w2"
	assert "$output" =~ "prom: not a bcrypt hash" "only bcrypt"
	printf 'tls_server_config:\n  cert_file: /nonexistent.pem\n' >"$TEST_TMP/w3"
	run_tool 2 serve --web.config.file "$TEST_TMP/w3"
	assert "$output" =~ "cannot read /nonexistent.pem" "missing file"
	printf 'tls_server_config:\n  client_allowed_sans: [prom]\n' >"$TEST_TMP/w4"
	run_tool 2 serve --web.config.file "$TEST_TMP/w4"
	assert "$output" =~ "tls_server_config.client_allowed_sans: not supported" "never silently ignored"
}

@test "build_info and component_attached: the method is the kernel's link kind" {
	need_msr_host
	"$PCRWATCH" detach >/dev/null 2>&1 || true
	run_tool 0 attach
	serve_on host --listen 127.0.0.1:0
	run curl -sf "$URL"
	assert "$output" =~ 'pcrwatch_build_info\{version="[^"]+",libbpf="[0-9]+\.[0-9]+"\} 1'
	assert "$output" =~ 'pcrwatch_component_attached\{group="msr",method="[^"]*raw_tracepoint[^"]*"\} 1'
	assert "$output" =~ 'pcrwatch_component_attached\{group="veto",method="none"\} 0' "no LSM link here"
	assert "$output" =~ "# HELP pcrwatch_reserved_slots Counters, as \\(CPU, slot\\) pairs, that a reservation in force covers"
	assert "$output" =~ 'pcrwatch_reserved_slots\{source="module"\} 0' "no module here: none of its reservations"
	run promtool check metrics <<<"$output"
	assert "$status" == 0 "promtool lint: $output"
}

# scrape URL FILE: one scrape, kept.
scrape() { curl -sf "$1" >"$2"; }

@test "alert rules: promtool check, and promtool test on series scraped from a real pcrwatch" {
	command -v promtool >/dev/null || skip "promtool is not installed"
	need_msr_host
	run promtool check rules "$OPS/prometheus/pcrwatch-alerts.yml"
	assert "$status" == 0 "$output"
	# host: real BPF groups; a clobber injected, then tracking detached
	"$PCRWATCH" detach >/dev/null 2>&1 || true
	rm -rf /sys/fs/bpf/pcrwatch
	run_tool 0 attach
	serve_on host --listen 127.0.0.1:0
	scrape "$URL" "$TEST_TMP/h0"
	TR pending 0 0x186 1111 tool-a >/dev/null
	TR write 0 0x186 0x43003c >/dev/null
	TR clear 0 >/dev/null
	TR write 0 0x186 0x4300c0 >/dev/null
	scrape "$URL" "$TEST_TMP/h1"
	assert "$(cat "$TEST_TMP/h1")" =~ 'pcrwatch_events_total\{kind="clobber"\} 1' "the clobber is exported"
	# fixture: multiplexing, a reservation, a veto storm, lost events
	fixture 80 2 7
	PCRWATCH_FIXTURE=$TEST_TMP/fixture serve_on fix --listen 127.0.0.1:0
	scrape "$URL" "$TEST_TMP/f0"
	fixture 30 100000 10
	scrape "$URL" "$TEST_TMP/f1"
	assert "$(cat "$TEST_TMP/f1")" =~ 'pcrwatch_multiplexing_ratio\{cpu="0"\} 0.3' "fixture read per scrape"
	"$PCRWATCH" detach >/dev/null
	local hurl
	hurl=$(sed -n 's|.*listening on \(.*\)$|\1|p' "$TEST_TMP/host.out")
	scrape "$hurl" "$TEST_TMP/h2"
	assert "$(cat "$TEST_TMP/h2")" =~ 'pcrwatch_component_attached\{group="msr",method="none"\} 0' "detached"
	{
		cat <<EOF2
rule_files: [ $OPS/prometheus/pcrwatch-alerts.yml ]
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
EOF2
		"$REPO/tests/host/prom-series.py" host "$TEST_TMP/h0:10" "$TEST_TMP/h1:10" "$TEST_TMP/h2:20"
		"$REPO/tests/host/prom-series.py" fixture "$TEST_TMP/f0:10" "$TEST_TMP/f1:30"
		cat "$REPO/tests/host/076-ops.alerts.yml"
	} >"$TEST_TMP/test.yml"
	run promtool test rules "$TEST_TMP/test.yml"
	assert "$status" == 0 "promtool test rules: $output"
}

@test "the Grafana dashboard is valid JSON whose every query uses metrics pcrwatch exports" {
	local dash=$OPS/grafana/pcrwatch-dashboard.json
	jq -e '.title and .uid and (.panels | length > 5) and
		all(.panels[]; .gridPos and .type and (.targets | length > 0))' "$dash" >/dev/null
	# every metric name in every expression, against a real scrape
	fixture 80 2 7
	PCRWATCH_FIXTURE=$TEST_TMP/fixture serve_on fix --listen 127.0.0.1:0
	run curl -sf "$URL"
	local exported used name missing=
	exported=$(sed -n 's/^# TYPE \([a-z_]*\) .*/\1/p' <<<"$output" | sort -u)
	used=$(jq -r '.panels[].targets[].expr' "$dash" | grep -o 'pcrwatch_[a-z_]*' | sort -u)
	[ -n "$used" ]
	for name in $used; do
		grep -qx "$name" <<<"$exported" || missing="$missing $name"
	done
	assert "$missing" == "" "metrics the dashboard queries but pcrwatch does not export"
	# and each query parses as PromQL ($instance replaced)
	command -v promtool >/dev/null || skip "promtool is not installed"
	local e
	while IFS= read -r e; do
		printf 'groups: [ { name: d, rules: [ { record: d:x, expr: %s } ] } ]\n' \
			"$(jq -Rn --arg e "${e//\$instance/.*}" '$e')" >"$TEST_TMP/q.yml"
		run promtool check rules "$TEST_TMP/q.yml"
		assert "$status" == 0 "query '$e': $output"
	done < <(jq -r '.panels[].targets[].expr' "$dash")
}

@test "the DaemonSet manifest parses and runs the agent and the exporter with the BPF mounts" {
	run python3 -c '
import sys, yaml
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
kinds = [d["kind"] for d in docs]
assert kinds == ["Namespace", "ConfigMap", "DaemonSet", "Service"], kinds
pod = docs[2]["spec"]["template"]
ds = pod["spec"]
cs = {c["name"]: c for c in ds["containers"]}
assert cs["agent"]["args"][0] == "agent" and cs["exporter"]["args"][0] == "serve"
mounts = {m["mountPath"]: m for m in cs["agent"]["volumeMounts"]}
assert "/sys/fs/bpf" in mounts and "/etc/pcrwatch" in mounts, mounts
assert ds["hostPID"] is True
# the image `make image` builds, loaded on the node: no pull
for c in cs.values():
    assert c["image"] == "localhost/pcrwatch:" + sys.argv[2], c["image"]
    assert c["imagePullPolicy"] == "Never", c["name"]
# events reach kubectl logs; a bpffs the agent mounts reaches the node,
# which Kubernetes allows only to a privileged container
assert "--events-stdout" in cs["agent"]["args"], cs["agent"]["args"]
assert mounts["/sys/fs/bpf"]["mountPropagation"] == "Bidirectional"
assert cs["agent"]["securityContext"]["privileged"] is True
assert cs["agent"]["securityContext"]["readOnlyRootFilesystem"] is True
for c in cs.values():
    for m in c["volumeMounts"]:
        assert m.get("mountPropagation") != "Bidirectional" or \
            c["securityContext"].get("privileged") is True, (c["name"], m)
# no API access: no service-account token
assert ds["automountServiceAccountToken"] is False
# a Service for the exporter, selecting these pods, on its named port
svc = docs[3]
assert svc["metadata"]["namespace"] == docs[2]["metadata"]["namespace"]
assert all(pod["metadata"]["labels"].get(k) == v for k, v in svc["spec"]["selector"].items())
port = svc["spec"]["ports"][0]
names = {p["name"]: p["containerPort"] for p in cs["exporter"]["ports"]}
assert port["port"] == 9733 and names[port["targetPort"]] == 9733, port
assert cs["exporter"]["args"] == ["serve", "--listen", ":9733"]
# the exporter sees the agent: its state file and its log
emounts = {m["mountPath"] for m in cs["exporter"]["volumeMounts"]}
assert {"/sys/fs/bpf", "/run/pcrwatch", "/var/log/pcrwatch"} <= emounts, emounts
print(docs[1]["data"]["policy"].strip())
' "$OPS/kubernetes/pcrwatch-daemonset.yaml" "$(cat "$REPO/VERSION")"
	assert "$status" == 0 "$output"
	# the ConfigMap's policy is one pcrwatch accepts
	printf '%s\n' "$output" >"$TEST_TMP/policy"
	run_tool 0 policy check "$TEST_TMP/policy"
	assert "$output" =~ "valid"
}

# debs: both packages, built once per file with make deb (each from a copy
# of the tree, dpkg-buildpackage -b for amd64, -aarm64 -d -B for arm64)
# into $DEBS/<arch>/.
VERSION=$(cat "$REPO/VERSION")
debs() {
	DEBS=$BATS_FILE_TMPDIR/deb
	command -v dh >/dev/null && [ -e /usr/share/perl5/Debian/Debhelper/Sequence/dkms.pm ] ||
		skip "debhelper and dh-dkms are not installed (tools/deps)"
	command -v aarch64-linux-gnu-gcc >/dev/null || skip "no arm64 cross compiler (tools/deps)"
	[ -f "$DEBS/built" ] && return 0
	[ ! -f "$DEBS/failed" ] || { cat "$DEBS/failed" >&2; return 1; }
	mkdir -p "$DEBS"
	local start=$SECONDS
	run timeout 1200 make -C "$REPO" --no-print-directory deb DEB_DIR="$DEBS"
	echo "# make deb (amd64 and arm64): $((SECONDS - start))s" >&3
	[ "$status" = 0 ] || { echo "make deb: $output" | tee "$DEBS/failed" >&2; return 1; }
	touch "$DEBS/built"
}

# lintian_clean CHANGES: no error or warning; no hardening tag at
# --pedantic with the info tags shown.
lintian_clean() {
	command -v lintian >/dev/null || return 0
	run lintian "$1"
	assert "$(grep -E '^[EW]: ' <<<"$output")" == "" "no lintian errors or warnings"
	run lintian --pedantic -I -E "$1"
	assert "$(grep -E ' hardening-' <<<"$output")" == "" "no hardening tag"
}

@test "debian/ builds with dpkg-buildpackage, is lintian-clean, and its DKMS module builds against guest kernel headers" {
	debs
	local deb=$DEBS/amd64/pcrwatch_${VERSION}_amd64.deb
	run dpkg-deb -c "$deb"
	local f
	for f in ./usr/sbin/pcrwatch ./lib/systemd/system/pcrwatch.service \
		./lib/systemd/system/pcrwatch-exporter.service ./usr/share/man/man8/pcrwatch.8.gz \
		./usr/share/bash-completion/completions/pcrwatch ./usr/share/doc/pcrwatch/examples/policy; do
		assert "$output" =~ " $f" "the package has $f"
	done
	dpkg-deb --fsys-tarfile "$deb" |
		tar -xO ./lib/systemd/system/pcrwatch.service | grep -qx 'ExecStart=/usr/sbin/pcrwatch agent'
	assert "$(dpkg-deb -f "$deb" Version)" == "$VERSION" "the version from VERSION"
	mkdir -p "$TEST_TMP/x" && dpkg-deb -x "$deb" "$TEST_TMP/x"
	assert "$("$TEST_TMP/x/usr/sbin/pcrwatch" --version)" == "pcrwatch $VERSION" "the binary's version"
	lintian_clean "$DEBS/amd64/pcrwatch_${VERSION}_amd64.changes"
	# DKMS against each cached guest kernel's headers, in a private tree
	command -v dkms >/dev/null || skip "dkms is not installed"
	local hdrs=${PCRWATCH_CACHE:-$HOME/.cache/pcrwatch}/headers kver built=0
	mkdir -p "$TEST_TMP/dkms/src" "$TEST_TMP/dkms/tree" "$TEST_TMP/dkms/root"
	dpkg-deb -x "$DEBS/amd64/pcr-arbiter-dkms_${VERSION}_all.deb" "$TEST_TMP/dkms/root"
	cp -r "$TEST_TMP/dkms/root/usr/src/pcr_arbiter-$VERSION" "$TEST_TMP/dkms/src/"
	for kver in $(ls "$hdrs" 2>/dev/null); do
		[ -r "$hdrs/$kver/build" ] || continue
		run timeout 600 dkms --dkmstree "$TEST_TMP/dkms/tree" --sourcetree "$TEST_TMP/dkms/src" \
			build -m pcr_arbiter -v "$VERSION" -k "$kver" --kernelsourcedir "$(cat "$hdrs/$kver/build")"
		assert "$status" == 0 "dkms build for $kver: $output"
		[ -e "$TEST_TMP/dkms/tree/pcr_arbiter/$VERSION/$kver/x86_64/module/pcr_arbiter.ko" ]
		built=$((built + 1))
		break # one kernel is the proof; tools/vm builds the module for each
	done
	[ "$built" -gt 0 ] || skip "no guest kernel headers cached (tools/vm/fetch-headers)"
}

@test "the arm64 package cross-builds: arm64, VERSION, what the amd64 one ships, an aarch64 binary with the exporter, lintian-clean" {
	debs
	local deb=$DEBS/arm64/pcrwatch_${VERSION}_arm64.deb x=$TEST_TMP/x
	assert "$(dpkg-deb -f "$deb" Package)" == pcrwatch
	assert "$(dpkg-deb -f "$deb" Architecture)" == arm64
	assert "$(dpkg-deb -f "$deb" Version)" == "$VERSION" "the version from VERSION"
	# the same files as the amd64 package
	diff <(dpkg-deb -c "$DEBS/amd64/pcrwatch_${VERSION}_amd64.deb" | awk '{print $6}') \
		<(dpkg-deb -c "$deb" | awk '{print $6}')
	mkdir -p "$x" && dpkg-deb -x "$deb" "$x"
	run file "$x/usr/sbin/pcrwatch"
	assert "$output" =~ "ELF 64-bit LSB pie executable, ARM aarch64" "an aarch64 PIE"
	assert "$output" =~ "dynamically linked, interpreter /lib/ld-linux-aarch64\.so\.1" "linked as Debian ships it"
	assert "$(readelf -h "$x/usr/sbin/pcrwatch" | sed -n 's/^ *Machine: *//p')" == AArch64
	# hardening: full RELRO, fortified calls
	run readelf -dlW --dyn-syms "$x/usr/sbin/pcrwatch"
	assert "$output" =~ "GNU_RELRO" "RELRO"
	assert "$output" =~ "BIND_NOW" "bind now"
	assert "$output" =~ "__[a-z_]*_chk@" "fortified functions"
	assert "$output" =~ "MHD_start_daemon" "the exporter is built in"
	# Depends: every library the binary needs, by the arm64 package that
	# ships it in the sysroot it was built against, at a version from
	# that package's symbols file.
	local depends soname pkgdir found sysroot=${PCRWATCH_CACHE:-$HOME/.cache/pcrwatch}/sysroot-arm64-deb
	depends=$(dpkg-deb -f "$deb" Depends)
	for soname in $(readelf -d "$x/usr/sbin/pcrwatch" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
		found=
		for pkgdir in "$sysroot"/pkgs/*; do
			if [ -e "$pkgdir/lib/aarch64-linux-gnu/$soname" ] ||
				[ -e "$pkgdir/usr/lib/aarch64-linux-gnu/$soname" ]; then
				found=${pkgdir##*/}
				break
			fi
		done
		[ -n "$found" ] || { echo "no arm64 package in $sysroot ships $soname" >&2; false; }
		assert "$depends" =~ "(^|, )$found \(>= [^)]+\)" "Depends names $found for $soname"
	done
	lintian_clean "$DEBS/arm64/pcrwatch_${VERSION}_arm64.changes"
}
