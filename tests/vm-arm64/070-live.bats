#!/usr/bin/env bats
# The live view in text mode on the arm64 guest's emulated PMU: a known
# owner (demo-tenant, holding cycle counters on CPU 0) on the grid.

load ../helpers

TENANT=$TESTPROGS/demo-tenant

teardown_tier() {
	[ -n "${TENANT_PID:-}" ] && kill "$TENANT_PID" 2>/dev/null
	return 0
}

@test "live text mode on the guest names the emulated PMU" {
	skip_unless_guest
	run_tool 0 live --iterations 1
	assert "$output" =~ "== pcrwatch .* PMU armv8_pmuv3[_0-9]* \(type [0-9]+\)  2 CPUs" "header names the PMU"
	assert "$output" =~ "legend: " "a full block"
}

@test "live text mode shows demo-tenant on a counter of CPU 0 while it holds it" {
	skip_unless_guest
	"$TENANT" -N tenant-a -c 0 -n 2 -t 30 >"$TEST_TMP/tenant.out" 2>&1 &
	TENANT_PID=$!
	wait_for 10 grep -q ready "$TEST_TMP/tenant.out"
	run_tool 0 live --iterations 1
	if [[ $output =~ "note: perf source not in this build" ]]; then
		skip "the perf source is not in this build: no owner to show"
	fi
	local row
	row=$(grep -E '^0 ' <<<"$output")
	assert "$row" =~ "tenant-a\[$TENANT_PID\] cycles" "tenant-a owns a counter on CPU 0"
	assert "$(grep -o "tenant-a\[$TENANT_PID\]" <<<"$row" | wc -l)" == 2 "both of its events are on counters"
}
