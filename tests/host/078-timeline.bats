#!/usr/bin/env bats
# pcrwatch timeline on the build host: the recorded log in
# tests/host/timeline-log (made by tools/gen-timeline-log from the record
# format, as the note there says: perf stat and a PAPI program, their
# counters multiplexed, a clobber by wrmsr, vetoes, a firmware-held
# counter, a module reservation, a process named with markup and control
# bytes) drawn as SVG and HTML, validated by xmllint, checked for its
# lanes, owners and marks, and rendered by headless Chromium to PNGs kept
# in build/timeline/ for a person to look at. A day of a 256-CPU machine
# stays under 5 MB (its time is measured by bench/73-timeline). --record
# takes the msr group's ring buffer with no agent; `serve` draws /timeline
# behind its TLS and basic auth.

load ../helpers

FIXTURE=$REPO/tests/host/timeline-log
PNG_DIR=$REPO/build/timeline

TR() { "$TESTPROGS/msr_testrun" "$@"; }

setup_tier() {
	command -v xmllint >/dev/null || { echo "xmllint missing: tools/deps" >&2; return 1; }
	SVG=$TEST_TMP/t.svg
}

teardown_tier() {
	if [ -n "${SERVE_PID:-}" ]; then
		kill "$SERVE_PID" 2>/dev/null || true
		wait "$SERVE_PID" 2>/dev/null || true
	fi
	if [ -n "${ATTACHED:-}" ]; then
		"$PCRWATCH" detach >/dev/null 2>&1 || true
		rm -rf /sys/fs/bpf/pcrwatch
	fi
}

# count XPATH: how many nodes of the drawn SVG match (namespace-blind).
count() {
	xmllint --xpath "count($1)" "$SVG"
}

# titles KIND: the <title> texts of the marks drawn with symbol KIND.
titles() {
	xmllint --xpath "//*[local-name()='use'][@href='#$1']/*[local-name()='title']/text()" "$SVG"
}

draw() {
	run_tool 0 timeline --log-dir "$FIXTURE" -o "$SVG" "$@"
	xmllint --noout "$SVG"
}

# chromium_png FILE PNG: render FILE headless; fail on any console message.
chromium_png() {
	command -v chromium >/dev/null || { echo "chromium missing: tools/deps" >&2; return 1; }
	run timeout 120 chromium --headless --no-sandbox --disable-gpu \
		--hide-scrollbars --enable-logging=stderr --v=0 \
		--user-data-dir="$TEST_TMP/chromium" --window-size=1600,420 \
		--screenshot="$2" "file://$1"
	[ -s "$2" ] || { echo "no screenshot: $output" >&2; return 1; }
	CONSOLE=$(grep ':CONSOLE' <<<"$output" || true)
}

@test "the committed log is what tools/gen-timeline-log writes" {
	"$REPO/tools/gen-timeline-log" "$TEST_TMP/log"
	diff -r "$FIXTURE" "$TEST_TMP/log"
	[ -f "$FIXTURE/events.jsonl.1" ] # rotated: the reader takes every file
}

@test "the recorded log is drawn as valid SVG with its lanes, owners and layers" {
	draw
	assert "$(head -c 5 "$SVG")" == "<?xml" "an SVG document"
	assert "$(count "//*[local-name()='svg']")" == 1
	local labels
	labels=$(xmllint --xpath "//*[local-name()='text'][@class='ll']/text()" "$SVG")
	# The watchdog's identical lanes on four CPUs share one row.
	for lane in "cpu 0-3 slot 33" "cpu 1 slot 2" "cpu 2 slot 0" "cpu 3 slot 1" \
		"cpu 3 no counter" "cpu 0 slot 2"; do
		assert "$labels" =~ "$lane" "lane $lane"
	done
	assert "$(grep -c '' <<<"$labels")" == 11 "one row per changed lane, merged"
	[ "$(count "//*[local-name()='rect'][@class='lu']")" -ge 8 ] # user bars
	[ "$(count "//*[local-name()='rect'][@class='lk']")" -ge 1 ] # the watchdog
	[ "$(count "//*[local-name()='rect'][@class='lf']")" -ge 1 ] # firmware
	run xmllint --xpath "//*[local-name()='rect'][@class='lu']/*[local-name()='title']/text()" "$SVG"
	assert "$output" =~ "cpu 1 slot 0: papi_cost\[2102\] \(user, perf, uid 1000\)" "PAPI's bar names it"
	assert "$output" =~ "cpu 0,3 slot 0: perf\[2001\]" "perf stat on CPUs 0 and 3"
	assert "$output" =~ "took it by a clobber of perf \(kernel, perf\)" "wrmsr's bar says how"
	assert "$(cat "$SVG")" =~ 'class="bl" x="[0-9]+" y="14">papi_cost<' "labelled on the bar"
}

@test "marks: clobber, vetoes with the refused process, firmware-held, multiplexing, reservations" {
	draw
	run titles k1
	assert "$output" =~ "clobber at .*wrmsr\[2300\] \(user, msr, uid 0\) wrote msr 0x186 = 0x4300c0 over the live counter of perf" "clobber names both"
	run titles k4
	assert "$(grep -c '^cpu 3 no counter: veto at' <<<"$output")" == 3 "three vetoes"
	assert "$output" =~ "perf-refused\[2400\] \(user, perf, uid 1002\) refused by reservation 1 \(already-reserved\)" "names the refused process"
	assert "$(cat "$SVG")" =~ 'class="ml"[^>]*>perf-refus<' "the refused process beside the mark"
	run titles k2
	assert "$output" =~ "cpu 3 slot 1: firmware-held at .*enabled \(0x53412e\) with no OS owner" "firmware-held"
	run titles k3
	assert "$output" =~ "inuse-mismatch" "inuse-mismatch"
	run xmllint --xpath "//*[local-name()='rect'][@class='mx']/*[local-name()='title']/text()" "$SVG"
	assert "$output" =~ "cpu 1 slot 2: multiplexed, 2[0-9][0-9] turns among papi_cost\[2102\].*perf-record\[2203\]" "a multiplexing episode"
	run xmllint --xpath "//*[local-name()='rect'][@class='bs']/*[local-name()='title']/text()" "$SVG"
	assert "$output" =~ "reservation 1 seen in force .*named by 3 vetoes" "the policy reservation's band"
	run xmllint --xpath "//*[local-name()='rect'][@class='bd']/*[local-name()='title']/text()" "$SVG"
	assert "$output" =~ "cpu 0 slot 2: reservation 4295098368 held by the module .*\(12.0 s\)" "the module's hold, exact"
}

@test "a process name with markup and control bytes is escaped, never markup" {
	draw
	local svg
	svg=$(cat "$SVG")
	assert "$svg" =~ "&lt;b&gt;x&lt;/b&gt;&amp;" "escaped in label and title"
	assert "$svg" !~ "<b>" "no markup from a comm"
	run grep -c -F $'\x07' "$SVG"
	assert "$output" == 0 "no control byte"
	run grep -c -F $'\xe2\x80\xae' "$SVG"
	assert "$output" == 0 "no bidirectional override"
	local fffd=$'\xef\xbf\xbd'
	assert "$svg" =~ "&lt;b&gt;x&lt;/b&gt;&amp;$fffd$fffd&quot;&apos;" "each replaced by U+FFFD"
}

@test "--cpu and --since/--until: only those lanes, the rest counted with who held them" {
	# 40 s to 41 s of the log: cpu 1's multiplexing alone changed there.
	local t0=1796000040
	draw --since @$t0 --until @$((t0 + 1)) --cpu 1-2
	local labels
	labels=$(xmllint --xpath "//*[local-name()='text'][@class='ll']/text()" "$SVG")
	assert "$labels" == "cpu 1 slot 2" "the one lane that changed"
	assert "$(cat "$SVG")" =~ "6 lanes did not change in this window: " "counted"
	assert "$(cat "$SVG")" =~ "2 held throughout by papi_cost\[2102\]" "with the holder"
	assert "$(cat "$SVG")" =~ "2 held throughout by kernel \(kernel, perf\)" "the watchdog too"
	draw --cpu 3
	labels=$(xmllint --xpath "//*[local-name()='text'][@class='ll']/text()" "$SVG")
	assert "$labels" !~ "cpu [0-2] " "no other CPU"
	assert "$labels" =~ "cpu 3 no counter" "cpu 3's vetoes"
}

@test "an HTML page holds the same SVG: no script, no network" {
	run_tool 0 timeline --log-dir "$FIXTURE" -o "$TEST_TMP/t.html"
	local page
	page=$(cat "$TEST_TMP/t.html")
	assert "$page" =~ "^<!DOCTYPE html>" "a page"
	assert "$page" =~ "Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\"" "CSP forbids fetching anything"
	assert "$page" !~ "<script" "no script"
	assert "$(grep -o 'https\?://[^"]*' <<<"$page" | sort -u)" == "http://www.w3.org/2000/svg" "no address but the namespace"
	sed -n '/^<svg/,/<\/svg>/p' "$TEST_TMP/t.html" >"$SVG"
	xmllint --noout "$SVG"
}

@test "headless Chromium draws the SVG and the page with no console message (PNGs in build/timeline)" {
	mkdir -p "$PNG_DIR"
	draw
	chromium_png "$SVG" "$PNG_DIR/timeline.png"
	assert "$CONSOLE" == "" "no console message for the SVG"
	run_tool 0 timeline --log-dir "$FIXTURE" -o "$TEST_TMP/t.html"
	chromium_png "$TEST_TMP/t.html" "$PNG_DIR/timeline-html.png"
	assert "$CONSOLE" == "" "no console message for the page"
	# The check can fail: a script and an image in the page are refused
	# by its policy, and Chromium says so on the console.
	sed 's|<body style="margin:0">|&<script>1</script><img src="http://192.0.2.1/x.png">|' \
		"$TEST_TMP/t.html" >"$TEST_TMP/bad.html"
	chromium_png "$TEST_TMP/bad.html" "$TEST_TMP/bad.png"
	assert "$CONSOLE" =~ "Content Security Policy" "a refused script is seen"
	[ "$(stat -c %s "$PNG_DIR/timeline.png")" -gt 20000 ] # not blank
}

@test "bad input: a clear message, exit 2, an earlier picture kept" {
	echo keep >"$SVG"
	run_tool 2 timeline --log-dir "$FIXTURE" --cpu 3-1 -o "$SVG"
	assert "$output" =~ "--cpu '3-1': expected a list such as 0-3,8"
	run_tool 2 timeline --log-dir "$FIXTURE" --since yesterday -o "$SVG"
	assert "$output" =~ "--since 'yesterday': expected @UNIX_SECONDS"
	run_tool 2 timeline --log-dir "$FIXTURE" --since @20 --until @10 -o "$SVG"
	assert "$output" =~ "--until must be later than --since"
	run_tool 2 timeline --record 0
	assert "$output" =~ "--record '0': expected 1 to 86400 seconds"
	run_tool 1 timeline --log-dir "$TEST_TMP/none" -o "$SVG"
	assert "$output" =~ "no event log in $TEST_TMP/none: is the agent running\? \(without one, --record SECONDS\)"
	run_tool 1 timeline --log-dir "$FIXTURE" -o "$TEST_TMP/no/such/dir/t.svg"
	assert "$output" =~ "writing $TEST_TMP/no/such/dir/t.svg: No such file or directory"
	assert "$(cat "$SVG")" == keep "the earlier file is untouched"
}

@test "lines that are not records are skipped and counted, the rest drawn" {
	mkdir "$TEST_TMP/log"
	cp "$FIXTURE"/* "$TEST_TMP/log/"
	{
		echo '{"type":"event","kind":"clobber"'
		echo 'not json'
		echo '{"type":"notice","message":"x"}'
		printf '{"type":"event","ts_unix_ns":1796000050000000000,"group":"msr","kind":"clobber","cpu":9,"slot":1,"msr":391,"value":"0x1","actor":{"layer":"user","path":"msr","pid":7,"comm":"late","uid":0,"future":[1,{"a":null}]},"prev":null,"reservation_id":0,"id":42}\n'
	} >>"$TEST_TMP/log/events.jsonl"
	run_tool 0 timeline --log-dir "$TEST_TMP/log" -o "$SVG"
	xmllint --noout "$SVG"
	assert "$(cat "$SVG")" =~ "2 lines not understood, skipped" "bad lines counted; a notice is no event"
	run titles k1
	assert "$output" =~ "cpu 9 slot 1: clobber at .*late\[7\]" "a record with unknown keys is read"
}

@test "a day of a 256-CPU machine: under 5 MB, identical lanes merged" {
	"$REPO/tools/gen-timeline-log" --day "$TEST_TMP/day"
	run_tool 0 timeline --log-dir "$TEST_TMP/day" -o "$SVG"
	xmllint --noout "$SVG"
	local size
	size=$(stat -c %s "$SVG")
	echo "day: $(cat "$TEST_TMP"/day/* | wc -l) events, SVG $size bytes" >&3
	[ "$size" -lt $((5 * 1024 * 1024)) ]
	assert "$(cat "$SVG")" =~ ">cpu 0-255 slot 33<" "the watchdog's 256 lanes in one row"
}

@test "--record with no agent: the msr group's ring buffer recorded, then drawn" {
	require_root
	[ -n "${PCRWATCH_VM:-}" ] && skip "host tier"
	[ -e /sys/kernel/tracing/events/msr/write_msr ] ||
		[ -e /sys/kernel/debug/tracing/events/msr/write_msr ] ||
		skip "this kernel has no msr tracepoints"
	export PCRWATCH_LOG_DIR=$TEST_TMP/agentlog # no agent there
	run_tool 1 timeline --record 1 -o "$SVG"
	assert "$output" =~ "no pcrwatch group is attached" "said when nothing is attached"
	"$PCRWATCH" detach >/dev/null 2>&1 || true
	ATTACHED=1
	PCRWATCH_MSR_PMU=intel:4:3:4 run_tool 0 attach
	assert "$output" =~ "msr +attached" "the msr group"
	# Recorded events wait in the ring buffer until the recorder reads it.
	TR pending 0 0x186 1111 rec-a >/dev/null
	TR write 0 0x186 0x43003c >/dev/null
	TR pending 0 0x186 2222 rec-b >/dev/null
	TR write 0 0x186 0x4300c0 >/dev/null
	TR clear 0 >/dev/null
	local before
	before=$(ls -d /tmp/pcrwatch-timeline.* 2>/dev/null | wc -l)
	run_tool 0 timeline --record 2 -o "$SVG"
	assert "$output" =~ "no agent is running: recording 2 s" "says it consumes"
	xmllint --noout "$SVG"
	run titles k1
	assert "$output" =~ "cpu 0 slot 0: clobber at .*rec-b\[2222\].*over the live counter of rec-a\[1111\]" "the injected clobber"
	assert "$(cat "$SVG")" =~ "recorded by pcrwatch timeline --record" "says where it came from"
	assert "$(ls -d /tmp/pcrwatch-timeline.* 2>/dev/null | wc -l)" == "$before" "the private log is gone"
}

@test "serve: /timeline draws the log's last minutes under the same TLS and basic auth as /metrics" {
	command -v openssl >/dev/null || skip "openssl is not installed"
	cd "$TEST_TMP"
	openssl req -x509 -newkey rsa:2048 -nodes -keyout key.pem -out cert.pem -days 2 \
		-subj /CN=localhost -addext "subjectAltName=IP:127.0.0.1" 2>/dev/null
	local hash now
	hash=$(python3 -W ignore -c 'import crypt; print(crypt.crypt("s3cret", crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=1024)))')
	printf 'tls_server_config:\n  cert_file: cert.pem\n  key_file: key.pem\nbasic_auth_users:\n  prom: %s\n' \
		"$hash" >web.yml
	# An owner that took a counter a minute ago, in the agent's log.
	mkdir log
	now=$(date +%s)
	printf '{"type":"event","ts_unix_ns":%d000000000,"group":"perf","kind":"owner-change","cpu":5,"slot":1,"actor":{"layer":"user","path":"perf","pid":31337,"comm":"served<x>","uid":0},"prev":null,"reservation_id":0}\n' \
		$((now - 60)) >log/events.jsonl
	PCRWATCH_LOG_DIR=$TEST_TMP/log \
		"$PCRWATCH" serve --listen 127.0.0.1:0 --web.config.file web.yml >serve.out 2>&1 3>&- &
	SERVE_PID=$!
	wait_for 10 grep -q 'listening on' serve.out || { cat serve.out >&2; false; }
	local url
	url=$(sed -n 's|.*listening on \(https://[^/]*\)/metrics$|\1|p' serve.out)
	run curl -s -o /dev/null -w '%{http_code}' --cacert cert.pem "$url/timeline"
	assert "$output" == 401 "no credentials: refused"
	run curl -s -o /dev/null -w '%{http_code}' --cacert cert.pem -u prom:wrong "$url/timeline"
	assert "$output" == 401 "wrong password: refused"
	run curl -sf -D headers --cacert cert.pem -u prom:s3cret "$url/timeline"
	assert "$(cat headers)" =~ "text/html" "an HTML page"
	assert "$output" =~ "Content-Security-Policy" "that fetches nothing"
	assert "$output" =~ ">cpu 5 slot 1<" "the lane"
	assert "$output" =~ "served&lt;x&gt;\[31337\]" "the owner, escaped"
	sed -n '/^<svg/,/<\/svg>/p' <<<"$output" >"$SVG"
	xmllint --noout "$SVG"
}
