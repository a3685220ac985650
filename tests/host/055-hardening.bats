#!/usr/bin/env bats
# State others can touch, untrusted strings and policy lines (issue 11,
# classes 8-10) on the build host: pin folders someone else made are
# refused, management cookies never sit in a map, hostile process names
# leave every output valid, and a long policy line is refused whole.

load ../helpers

VETO_PINS=/sys/fs/bpf/pcrwatch/veto
HTTP_GET=$TESTPROGS/http-get
# Bytes a process can put in its name: invalid UTF-8, an escape sequence
# (red text), a quote, a backslash, a newline.
HOSTILE=$'\xff\xfe\x1b[31m"\\\nX'

setup_tier() {
	require_root
	[ -n "${PCRWATCH_VM:-}" ] && skip "host tier"
	export PCRWATCH_COOKIE_KEY=$TEST_TMP/key/cookie.key
	HOLDER= SERVE_PID=
	return 0
}

teardown_tier() {
	local p
	for p in $HOLDER $SERVE_PID; do
		kill "$p" 2>/dev/null || true
		timeout 10 tail --pid="$p" -f /dev/null 2>/dev/null || kill -9 "$p" 2>/dev/null || true
	done
	"$PCRWATCH" detach >/dev/null 2>&1
	rm -rf "$VETO_PINS"
	return 0
}

# in_private_bpffs SCRIPT: run SCRIPT (bash) in a mount namespace of its own
# with an empty bpffs on /sys/fs/bpf, mode 1777 as the kernel makes it.
in_private_bpffs() {
	run timeout 60 unshare -m bash -c "mount -t bpf bpf /sys/fs/bpf && chmod 1777 /sys/fs/bpf && P='$PCRWATCH' && $1"
}

# contains TEXT LITERAL WHAT: TEXT holds LITERAL, byte for byte (no regex).
contains() {
	grep -qF -- "$2" <<<"$1" && return 0
	echo "FAIL: ${3:-} not found: '$2'" >&2
	echo "  in: '$1'" >&2
	return 1
}

# A strict JSON reader: the text must be UTF-8 and each line one document.
json_lines_valid() {
	python3 -c '
import json, sys
text = sys.stdin.buffer.read().decode("utf-8", errors="strict")
for line in text.splitlines():
    if line.strip():
        json.loads(line)
'
}

@test "pin folders pcrwatch makes are root's, mode 0700" {
	in_private_bpffs '$P reserve --cpus 0 --counters 1 --for uid:1000 >/dev/null &&
		stat -c "%U %a %F" /sys/fs/bpf/pcrwatch /sys/fs/bpf/pcrwatch/veto'
	assert "$status" == 0 "$output"
	assert "$(grep -c '^root 700 directory$' <<<"$output")" == 2 "both folders root 0700: $output"
}

@test "a pcrwatch folder another user made first is refused; nothing is pinned into it" {
	in_private_bpffs 'setpriv --reuid=65534 --regid=65534 --clear-groups mkdir -p /sys/fs/bpf/pcrwatch/veto /sys/fs/bpf/pcrwatch/msr &&
		{ $P attach; echo "attach=$?"; $P reserve --cpus 0 --counters 1 --for uid:1000; echo "reserve=$?";
		  echo "left: $(find /sys/fs/bpf/pcrwatch -mindepth 2 | wc -l)"; }'
	assert "$output" =~ "/sys/fs/bpf/pcrwatch: owned by uid 65534, not root: refusing" "said plainly"
	assert "$output" =~ "attach=1" "attach fails"
	assert "$output" =~ "reserve=1" "reserve fails"
	assert "$output" =~ "left: 0" "nothing pinned in the squatted folder"
}

@test "a group folder writable by others, or a symbolic link, is refused" {
	in_private_bpffs 'mkdir -m 0700 /sys/fs/bpf/pcrwatch && mkdir -m 0777 /sys/fs/bpf/pcrwatch/veto &&
		{ $P reserve --cpus 0 --counters 1 --for uid:1000; echo "reserve=$?";
		  echo "left: $(find /sys/fs/bpf/pcrwatch/veto -mindepth 1 | wc -l)";
		  rmdir /sys/fs/bpf/pcrwatch/veto; mkdir -m 0700 /sys/fs/bpf/elsewhere;
		  ln -s /sys/fs/bpf/elsewhere /sys/fs/bpf/pcrwatch/veto;
		  $P reserve --cpus 0 --counters 1 --for uid:1000; echo "link=$?";
		  echo "through link: $(find /sys/fs/bpf/elsewhere -mindepth 1 | wc -l)"; }'
	assert "$output" =~ "pcrwatch/veto: writable by others \(mode 0777\): refusing" "mode said"
	assert "$output" =~ "reserve=1"
	assert "$output" =~ "left: 0"
	assert "$output" =~ "a symbolic link or not a directory: refusing" "link said"
	assert "$output" =~ "link=1"
	assert "$output" =~ "through link: 0"
}

@test "the management cookie is in no map: bpftool map dump shows a tag" {
	run_tool 0 reserve --cpus 0 --counters 1 --for uid:1000
	c=$(sed -n 's/^management cookie: //p' <<<"$output")
	assert "$c" =~ ^[0-9a-f]{12}$
	[ "$(stat -c '%a %U' "$PCRWATCH_COOKIE_KEY")" = "600 root" ]
	run bpftool map dump pinned "$VETO_PINS/resv"
	assert "$status" == 0
	assert "$output" =~ "mgmt_cookie" "the dump has the field"
	assert "$output" !~ "$((16#$c))" "not the cookie in decimal"
	run bpftool -j map dump pinned "$VETO_PINS/resv"
	assert "$output" !~ "$((16#$c))" "not in JSON"
	hexbytes=$(printf '%012x' $((16#$c)) | sed 's/../0x& /g; s/ $//')
	run bpftool map dump pinned "$VETO_PINS/resv" --no-btf 2>/dev/null
	assert "$output" !~ "$hexbytes" "not as raw bytes"
}

@test "release and grant take the cookie from a file or stdin; on the command line it warns" {
	run_tool 0 reserve --cpus 0 --counters 1 --for uid:1000
	c=$(sed -n 's/^management cookie: //p' <<<"$output")
	printf '%s\n' "$c" >"$TEST_TMP/cookie"
	run_tool 0 grant --cookie-file "$TEST_TMP/cookie" --for uid:7
	assert "$output" !~ "warning" "no warning for a file"
	run_tool 0 grant --cookie "$c" --for uid:8
	assert "$output" =~ "warning: --cookie VALUE shows the cookie to every user" "warned"
	printf '%012x\n' $((16#$c ^ 1)) >"$TEST_TMP/wrong"
	run_tool 4 release --cookie-file "$TEST_TMP/wrong"
	run_tool 2 release --cookie-file "$TEST_TMP/missing"
	run_tool 0 release --cookie - <<<"$c"
	assert "$output" =~ "released reservation"
	run_tool 0 list
	assert "$output" =~ "no reservations"
}

@test "a cookie key readable by others is refused and reserve makes nothing" {
	mkdir -p "$(dirname "$PCRWATCH_COOKIE_KEY")"
	head -c 16 /dev/urandom >"$PCRWATCH_COOKIE_KEY"
	chmod 0644 "$PCRWATCH_COOKIE_KEY"
	run_tool 1 reserve --cpus 0 --counters 1 --for uid:1000
	assert "$output" =~ "refusing it"
	run_tool 0 list
	assert "$output" =~ "no reservations"
}

@test "a policy line longer than the parser allows is refused; the policy in force stays" {
	printf 'reserve cpus=0 counters=1 for=uid:1000\n' >"$TEST_TMP/good"
	run_tool 0 policy load "$TEST_TMP/good"
	# 520 blanks put "counters=all" past byte 511, where a 512-byte line
	# buffer used to cut it off into a second, whole-PMU reservation.
	{ printf 'reserve cpus=0 counters=1 for=uid:2000'; printf '%520s' ''; printf 'counters=all\n'; } >"$TEST_TMP/split"
	run_tool 2 policy load "$TEST_TMP/split"
	assert "$output" =~ "'counters' given twice" "read whole, refused"
	{ printf 'reserve cpus=0 counters=1 for=uid:3000'; printf '%5000s' ''; printf '\n'; } >"$TEST_TMP/long"
	run_tool 2 policy load "$TEST_TMP/long"
	assert "$output" =~ "line 1 too long" "said with its line"
	assert "$output" =~ "the policy in force is unchanged"
	run_tool 0 list
	assert "$output" =~ "uid:1000 \(policy\)" "the old policy"
	assert "$output" !~ "uid:2000|uid:3000|all " "nothing of the refused files"
}

@test "a hostile process name: who --json stays valid JSON, who text has no escape byte" {
	ln -s "$TESTPROGS/perf_hold" "$TEST_TMP/$HOSTILE"
	"$TEST_TMP/$HOSTILE" -n 1 -e cpu-clock -r "$TEST_TMP/ready" >/dev/null &
	HOLDER=$!
	wait_for 20 test -s "$TEST_TMP/ready"
	[ "$(head -c 6 /proc/$HOLDER/comm | od -An -tx1 | tr -d ' ')" = "fffe1b5b3331" ]
	run_tool 0 who --all --json
	json_lines_valid <<<"$output"
	contains "$output" '"comm":"'$'\xef\xbf\xbd\xef\xbf\xbd''\u001b[31m\"\\\nX"' "replaced and escaped"
	run_tool 0 who --all
	contains "$output" "???[31m\"\\?X[$HOLDER]" "shown as ps would"
	assert "$output" !~ $'\x1b' "no ESC byte"
}

@test "a hostile name in an event: events --json stays valid, events text has no escape byte" {
	[ -e /sys/kernel/tracing/events/msr/write_msr ] || skip "this kernel has no msr tracepoints"
	PCRWATCH_MSR_PMU=intel:4:3:4 run_tool 0 attach
	"$TESTPROGS/msr_testrun" pending 0 0x186 1111 "$HOSTILE" >/dev/null
	"$TESTPROGS/msr_testrun" write 0 0x186 0x43003c >/dev/null
	"$TESTPROGS/msr_testrun" pending 0 0x186 2222 tool-b >/dev/null
	"$TESTPROGS/msr_testrun" write 0 0x186 0x4300c0 >/dev/null
	"$TESTPROGS/msr_testrun" clear 0 >/dev/null
	run_tool 0 events --json
	json_lines_valid <<<"$output"
	assert "$output" =~ '"kind":"clobber"' "the event is there"
	contains "$output" '"comm":"'$'\xef\xbf\xbd\xef\xbf\xbd''\u001b[31m\"\\\nX"' "its name sanitized"
	"$TESTPROGS/msr_testrun" pending 0 0x186 3333 "$HOSTILE" >/dev/null
	"$TESTPROGS/msr_testrun" write 0 0x186 0x43003c >/dev/null
	"$TESTPROGS/msr_testrun" clear 0 >/dev/null
	run_tool 0 events
	assert "$output" =~ "clobber" "an event in text"
	assert "$output" !~ $'\x1b' "no ESC byte"
}

# An owner record with the hostile name and event, for the views that show
# hardware counters only (none exist on this host).
hostile_fixture() {
	cat >"$TEST_TMP/fixture" <<'FIXTURE'
pmu name=cpu%1b[2J type=4 counters=4 fixed=3
cpus 2
rec cpu=0 hw_idx=0 slot=0 layer=user pid=4242 tid=4242 comm=%ff%fe%1b[31m%22%5c%0aX event=cyc%22les%5c%0a%ff enabled=100 running=100
rec cpu=1 hw_idx=1 slot=1 layer=user pid=4243 tid=4243 comm=%c2%9b2J%e2%80%aeabc event=%1b]0;title%07 enabled=100 running=50
note a note with %1b[5m blinking text
FIXTURE
}

@test "hostile names through /metrics pass promtool" {
	command -v promtool >/dev/null || { echo "promtool missing (tools/deps installs it)" >&2; return 1; }
	hostile_fixture
	PCRWATCH_FIXTURE=$TEST_TMP/fixture "$PCRWATCH" serve --listen 127.0.0.1:0 >"$TEST_TMP/serve.out" 2>&1 &
	SERVE_PID=$!
	wait_for 10 grep -q 'listening on' "$TEST_TMP/serve.out"
	port=$(sed -n 's|.*http://127\.0\.0\.1:\([0-9]*\)/metrics|\1|p' "$TEST_TMP/serve.out")
	"$HTTP_GET" "127.0.0.1:$port" /metrics >"$TEST_TMP/metrics"
	run promtool check metrics <"$TEST_TMP/metrics"
	assert "$status" == 0 "promtool accepts it: $output"
	assert "$output" !~ "error|invalid|unexpected" "promtool accepts it: $output"
	run grep -c 'pcrwatch_slot_owner_info{' "$TEST_TMP/metrics"
	assert "$output" == 2 "both owners exported"
	contains "$(cat "$TEST_TMP/metrics")" 'owner="'$'\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd''[31m\"\\\nX"' "the name, escaped as the format asks"
	python3 -c 'import sys; sys.stdin.buffer.read().decode("utf-8")' <"$TEST_TMP/metrics"
}

@test "hostile names in the live text view: no escape or control byte reaches the terminal" {
	hostile_fixture
	PCRWATCH_FIXTURE=$TEST_TMP/fixture run_tool 0 live --iterations 1
	assert "$output" =~ "user" "the grid is drawn"
	contains "$output" "???[31m" "the name as ps shows it"
	assert "$output" !~ $'[\x01-\x08\x0b-\x1f\x7f]' "no control byte"
	assert "$output" !~ $'\xc2\x9b|\xe2\x80\xae' "no C1 control or bidi override"
	PCRWATCH_FIXTURE=$TEST_TMP/fixture run_tool 0 who
	assert "$output" !~ $'[\x01-\x08\x0b-\x1f\x7f]' "who text: no control byte"
}
