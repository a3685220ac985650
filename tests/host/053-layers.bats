#!/usr/bin/env bats
# Cross-layer reservations on the build host: --layers, the layer and vm
# principals, their policy keys and how list shows them. What the kernel
# then refuses is tested in the nested-KVM guest (vm-arm64/082).

load ../helpers

setup_tier() {
	store_setup
}

teardown_tier() {
	store_teardown
}

teardown_file() {
	store_teardown_file
}

@test "bad layers and layer principals are usage errors that create nothing" {
	run_tool 2 reserve --cpus 0 --counters 1 --for uid:1000 --layers bogus
	assert "$output" =~ "'bogus' is not a layer: use user, hypervisor or kernel"
	run_tool 2 reserve --cpus 0 --counters 1 --for uid:1000 --layers user,firmware
	assert "$output" =~ "'firmware' is not a layer" "firmware cannot be vetoed"
	run_tool 2 reserve --cpus 0 --counters 1 --for uid:1000 --layers ,
	assert "$output" =~ "'' is not a layer" "an empty name"
	run_tool 2 reserve --cpus 0 --counters 1 --for uid:1000 --layers ""
	assert "$output" =~ "needs at least one layer"
	run_tool 2 reserve --cpus 0 --counters 1 --for layer:firmware
	assert "$output" =~ "layer:hypervisor or layer:kernel"
	run_tool 2 reserve --cpus 0 --counters 1 --for vm:999999999
	assert "$output" =~ "'vm:999999999': bad number|'vm:999999999': no such process"
	[ ! -e "$VETO_PINS/resv" ]
}

@test "a reservation admits only its holders' layer unless --layers says more" {
	run_tool 0 reserve --cpus 0 --counters 1 --for uid:1000
	run_tool 0 reserve --cpus 1 --counters 1 --for uid:1001 --layers user,hypervisor
	run_tool 0 list --json
	[ "$(jq -r '.reservations[] | select(.label == "uid:1000") | .layers' <<<"$output")" = user ]
	[ "$(jq -r '.reservations[] | select(.label == "uid:1001") | .layers' <<<"$output")" = user,hypervisor ]
	run_tool 0 list
	assert "$output" =~ "LAYERS"
	assert "$output" =~ "user,hypervisor +[0-9]+ +uid:1001"
}

@test "layer:hypervisor and vm:PID keep counters for guests; the layer is admitted" {
	sleep 600 &
	local vmm=$!
	run_tool 0 reserve --cpus 0 --counters 1 --for layer:hypervisor
	run_tool 0 reserve --cpus 1 --counters 1 --for vm:$vmm --for layer:kernel
	kill $vmm
	run_tool 0 list --json
	[ "$(jq -r '.reservations[] | select(.label == "layer:hypervisor") | .layers' <<<"$output")" = user,hypervisor ]
	[ "$(jq -r '.reservations[] | select(.label == "vm:'$vmm'") | .principals | join(" ")' <<<"$output")" = "vm:$vmm layer:kernel" ]
	[ "$(jq -r '.reservations[] | select(.label == "vm:'$vmm'") | .layers' <<<"$output")" = user,hypervisor,kernel ]
}

@test "policy layers= admits layers; a bad one keeps the policy in force" {
	printf 'reserve cpus=0 counters=1 for=uid:1000 layers=kernel\n' >"$TEST_TMP/good"
	printf 'reserve cpus=0 counters=1 for=uid:1000 layers=kernel,guests\n' >"$TEST_TMP/bad"
	run_tool 0 policy load "$TEST_TMP/good"
	run_tool 2 policy load "$TEST_TMP/bad"
	assert "$output" =~ "bad:1: 'guests' is not a layer"
	assert "$output" =~ "unchanged"
	run_tool 0 list --json
	[ "$(jq -r '.reservations[0].layers' <<<"$output")" = user,kernel ]
}

@test "grant of a layer principal admits its layer; revoking the last one closes it" {
	run_tool 0 reserve --cpus 0 --counters 1 --for uid:1000
	c=$(sed -n 's/^management cookie: //p' <<<"$output")
	run_tool 0 grant --cookie - --for layer:kernel <<<"$c"
	run_tool 0 list --json
	[ "$(jq -r '.reservations[0].layers' <<<"$output")" = user,kernel ]
	run_tool 0 grant --cookie - --for layer:kernel --revoke <<<"$c"
	run_tool 0 list --json
	[ "$(jq -r '.reservations[0].layers' <<<"$output")" = user ]
	[ "$(jq -r '.reservations[0].principals | join(" ")' <<<"$output")" = uid:1000 ]
}
