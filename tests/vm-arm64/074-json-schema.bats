#!/usr/bin/env bats
# Every --json output on a kernel with a real PMU, against docs/schema/
# (docs/JSON.md), checked by tests/progs/json_schema: the guest has no
# python or jq. The host tier checks the same schemas on the build host.

load ../helpers
load ../perf

setup_tier() {
	skip_unless_guest
	CHECK=$BUILD/tests/json_schema
	SCHEMA=$REPO/docs/schema
}

teardown_tier() {
	stop_holders
	"$PCRWATCH" detach >/dev/null 2>&1
	rm -rf /sys/fs/bpf/pcrwatch/veto
	return 0
}

valid() { # SCHEMA-NAME FILE [--lines]: leaves $output alone
	local out
	out=$("$CHECK" "$SCHEMA/$1.json" "$2" ${3:-} 2>&1) ||
		{ echo "$1 output does not match docs/schema/$1.json: $out" >&2; false; }
}

@test "who, list, events with holders, a reservation and tracking attached" {
	run_tool 0 attach
	hold a -C 0 -n 3
	# b starts after the reservation: reserve refuses while another
	# process's events could use the counters (docs/PCR-RULES.md, rule 5)
	run_tool 0 reserve --cpus 0 --counters 2 --for "pid:$(cat "$TEST_TMP/a")"
	hold b -n 1 -g
	run_tool 0 who --json
	echo "$output" >"$TEST_TMP/who"
	valid who "$TEST_TMP/who"
	assert "$output" =~ '"pmu":"armv8_pmuv3' "real events are in it"
	run_tool 0 list --json
	echo "$output" >"$TEST_TMP/list"
	valid list "$TEST_TMP/list"
	stop_holders
	run_tool 0 events --json
	# standard error's notice (no agent) is not an event: the schema
	# covers standard output
	grep -v '^{"type":"notice"' <<<"$output" >"$TEST_TMP/events"
	valid events "$TEST_TMP/events" --lines
	assert "$output" =~ '"type":"event"' "an event was recorded"
}

@test "probe and selftest" {
	run_tool 0 probe --json --batches 2 --reads 50
	echo "$output" >"$TEST_TMP/probe"
	valid probe "$TEST_TMP/probe"
	assert "$output" =~ '"present":true' "the PMU is present"
	run_tool 0 selftest --json
	echo "$output" >"$TEST_TMP/selftest"
	valid selftest "$TEST_TMP/selftest"
}
