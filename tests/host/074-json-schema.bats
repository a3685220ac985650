#!/usr/bin/env bats
# Every --json output against its schema (docs/JSON.md, docs/schema/*.json),
# checked by tests/progs/json_schema.c: the same checker runs in the arm64
# guest (tests/vm-arm64/074-json-schema.bats), which has no python or jq.

load ../helpers

VETO_PINS=/sys/fs/bpf/pcrwatch/veto

setup_tier() {
	require_root
	[ -n "${PCRWATCH_VM:-}" ] && skip "host tier"
	CHECK=$BUILD/tests/json_schema
	SCHEMA=$REPO/docs/schema
}

teardown_file() {
	"$BUILD/pcrwatch" detach >/dev/null 2>&1
	rm -rf "$VETO_PINS"
	return 0
}

valid() { # SCHEMA-NAME FILE [--lines]: leaves $output alone
	local out
	out=$("$CHECK" "$SCHEMA/$1.json" "$2" ${3:-} 2>&1) ||
		{ echo "$1 output does not match docs/schema/$1.json: $out" >&2; false; }
}

@test "the checker refuses a document that breaks its schema" {
	echo '{"pmu":{},"cpus":"two","events":[{"cpu":0,"config":4}],"notes":[],"extra":1}' >"$TEST_TMP/bad"
	run "$CHECK" "$SCHEMA/who.json" "$TEST_TMP/bad"
	assert "$status" == 1 "invalid"
	assert "$output" =~ "\.cpus: wrong type" "a wrong type is named"
	assert "$output" =~ "missing field 'reservations'" "a missing field is named"
	assert "$output" =~ "\.extra: field not in the schema" "an unknown field is named"
	assert "$output" =~ "config: wrong type" "a register value must be a string"
}

@test "every schema is itself JSON the checker reads, with snake_case field names" {
	local f
	for f in "$SCHEMA"/*.json; do
		run "$CHECK" "$f" "$f"
		[ "$status" -le 1 ] || { echo "$f: $output" >&2; false; }
		# a field is a key whose value is an object: all but the keywords
		run bash -c "grep -oE '\"[^\"]+\": \\{' '$f' | grep -vE '\"(properties|items)\":' | grep -vE '^\"[a-z0-9_]+\":'"
		assert "$output" == "" "$f: snake_case fields only"
	done
}

@test "who --json: a live host and injected owners with a reservation" {
	run_tool 0 who --json --all
	echo "$output" >"$TEST_TMP/who"
	valid who "$TEST_TMP/who"
	cat >"$TEST_TMP/fixture" <<'FIXTURE'
pmu name=armv8_pmuv3 type=10 counters=6 fixed=1
cpus 2
rec cpu=0 hw_idx=1 slot=1 layer=user pid=42 tid=42 uid=1000 comm=perf event=cycles config=0x11 state=active
rec cpu=0 hw_idx=0 slot=31 layer=kernel comm=watchdog event=cycles pinned=1 state=active
rec cpu=1 layer=user pid=43 comm=sleep event=cycles scope=task state=idle
resv id=4 cpu=0 slots=0xf uid=1000 label=uid:1000
resv id=4294967296 source=module cpu=0 slots=0x10 layer=firmware label=firmware flags=0x43
resv id=4295294976 source=module cpu=1 slots=0x20 pid=43 label=sleep flags=0x27 control=0x1c
FIXTURE
	PCRWATCH_FIXTURE=$TEST_TMP/fixture run_tool 0 who --json
	echo "$output" >"$TEST_TMP/who-fixture"
	valid who "$TEST_TMP/who-fixture"
	assert "$output" =~ '"config":"0x11"' "a register value is a string"
	assert "$output" =~ '"reservations":\[\{"id":4,"source":"bpf",' "the reservation is listed, pcrwatch's own"
	assert "$output" =~ '"id":4294967296,"source":"module","label":"firmware","principals":\["layer:firmware"\]' "the module's firmware slot, as a reservation"
	assert "$output" =~ '"module_state":"open private","control":"0x1c"' "the module's state and control bits"
}

@test "list --json with and without reservations" {
	rm -rf "$VETO_PINS"
	run_tool 0 list --json
	echo "$output" >"$TEST_TMP/list0"
	valid list "$TEST_TMP/list0"
	run_tool 0 reserve --cpus 0 --counters 2 --for uid:1000
	run_tool 0 list --json
	echo "$output" >"$TEST_TMP/list1"
	valid list "$TEST_TMP/list1"
	assert "$output" =~ '"principals":\["uid:1000"\]' "the principal"
	assert "$output" =~ '"slot_mask":"0x3"' "slots as a register string"
	assert "$output" !~ "cookie" "never a cookie"
}

@test "selftest --json, as root and as nobody" {
	run_tool 0 selftest --json
	echo "$output" >"$TEST_TMP/st"
	valid selftest "$TEST_TMP/st"
	command -v setpriv >/dev/null || skip "no setpriv to drop root"
	run setpriv --reuid=65534 --regid=65534 --clear-groups "$PCRWATCH" selftest --json
	assert "$status" == 0
	echo "$output" >"$TEST_TMP/st-nobody"
	valid selftest "$TEST_TMP/st-nobody"
	assert "$output" =~ '"missing_capabilities":\["CAP_BPF","CAP_PERFMON","CAP_SYS_ADMIN"\]' "names the capabilities"
}

@test "probe --json" {
	run_tool 0 probe --json --batches 2 --reads 50
	echo "$output" >"$TEST_TMP/probe"
	valid probe "$TEST_TMP/probe"
}

@test "events --json: counts after attach" {
	run_tool 0 attach
	run_tool 0 events --json
	# standard error's notice (no agent) is not an event: the schema
	# covers standard output
	grep -v '^{"type":"notice"' <<<"$output" >"$TEST_TMP/events"
	valid events "$TEST_TMP/events" --lines
	assert "$output" =~ '"type":"counts"' "a counts line per group"
}
