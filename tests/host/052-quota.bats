#!/usr/bin/env bats
# Quotas against greedy reservations (docs/PCR-RULES.md "Quotas and
# floors"): a policy's caps per principal and per layer and its floor,
# checked by reserve, grant and policy loads, shown by list. On the build
# host the reservation store is the pinned maps (no LSM needed); the PMU
# shape is written into veto_cfg, as counter discovery would find it (this
# host has no hardware PMU).

load ../helpers

setup_tier() {
	store_setup
	command -v bpftool >/dev/null || skip "no bpftool to set the PMU shape"
}

teardown_tier() {
	store_teardown
}

teardown_file() {
	store_teardown_file
}

le32() { printf '%d %d %d %d ' $(($1 & 255)) $(($1 >> 8 & 255)) 0 0; }

# set_pmu N C: N counters per CPU, C of them cycles-only (struct
# pcrw_veto_cfg: mode, nr_counters, nr_cpus, nr_hw_types, hw_types[4],
# nr_cycles_only, reserved0).
set_pmu() {
	local cpus
	cpus=$(($(sed 's/.*-//' /sys/devices/system/cpu/possible) + 1))
	# shellcheck disable=SC2046
	bpftool map update pinned "$VETO_PINS/veto_cfg" key 0 0 0 0 value \
		$(le32 0) $(le32 "$1") $(le32 "$cpus") $(le32 0) $(le32 0) \
		$(le32 0) $(le32 0) $(le32 0) $(le32 "$2") $(le32 0)
}

# policy LINE...: load a policy of these lines (it creates the store).
policy() {
	printf '%s\n' "$@" >"$TEST_TMP/policy"
	run_tool 0 policy load "$TEST_TMP/policy"
}

loads_with_a_cap() { # N: at least N loads with one cap in enforce's log
	[ "$(grep -c 'in force, 1 cap(s)' "$TEST_TMP/log")" -ge "$1" ]
}

cookie_of() { sed -n 's/^management cookie: //p' <<<"$1"; }

@test "a policy's caps and floor are listed with their use, text and JSON" {
	policy 'cap for=uid:1000 counters=2' 'cap layer=user counters=4' \
		'floor counters=1'
	assert "$output" =~ "0 reservation\(s\) in force, 2 cap\(s\), floor 1"
	set_pmu 7 1
	run_tool 0 reserve --cpus 0-1 --counters 2 --for uid:1000
	run_tool 0 reserve --cpus 1 --counters 1 --for uid:7
	run_tool 0 list
	assert "$output" =~ "floor counters=1: fewest unreserved 3 of 6 general \(CPU 1\)"
	assert "$output" =~ "cap for=uid:1000 counters=2: used 2 \(CPU 0-1\)"
	assert "$output" =~ "cap layer=user counters=4: used 3 \(CPU 1\)"
	run_tool 0 list --json
	echo "$output" >"$TEST_TMP/list.json"
	run "$BUILD/tests/json_schema" "$REPO/docs/schema/list.json" "$TEST_TMP/list.json"
	assert "$status" == 0 "list --json matches docs/schema/list.json: $output"
	run cat "$TEST_TMP/list.json"
	assert "$output" =~ '"quota":\{"floor":1,"fewest_free":3,"fewest_free_cpus":"1","caps":\['
	assert "$output" =~ '\{"kind":"principal","target":"uid:1000","counters":2,"used":2,"used_cpus":"0-1"\}'
	assert "$output" =~ '\{"kind":"layer","target":"user","counters":4,"used":3,"used_cpus":"1"\}'
}

@test "no policy: list says there is no quota" {
	run_tool 0 list --json
	assert "$output" =~ '"quota":\{"floor":0,"fewest_free":null,"fewest_free_cpus":"none","caps":\[\]\}'
	run_tool 0 reserve --cpus 0 --counters 1 --for uid:1
	run_tool 0 list
	assert "$output" =~ "quota: none"
}

@test "reserve past a principal's cap is refused, names the cap and changes nothing" {
	policy 'cap for=uid:1000 counters=2'
	set_pmu 7 1
	run_tool 1 reserve --cpus 0 --counters 3 --for uid:1000
	assert "$output" =~ "refused by the policy's quota: cap for=uid:1000 counters=2: CPU 0 would have 3 counter\(s\) reserved for uid:1000; nothing changed"
	assert "$output" !~ "management cookie" "no cookie for a refused reservation"
	run_tool 0 list
	assert "$output" =~ "\(no reservations\)"
	run_tool 0 reserve --cpus 0 --counters 2 --for uid:1000
	# a second principal in the grant does not hide the first
	run_tool 1 reserve --cpus 0 --counters 1 --for uid:7 --for uid:1000
	assert "$output" =~ "cap for=uid:1000 counters=2: CPU 0 would have 3"
	run_tool 0 reserve --cpus 1 --counters 2 --for uid:1000 # per CPU
	run_tool 0 reserve --cpus 0 --counters 2 --for uid:7
}

@test "a layer cap counts each reservation of its layer, a whole-PMU one as every counter" {
	policy 'cap layer=user counters=4' 'cap layer=kernel counters=4'
	set_pmu 7 1
	run_tool 0 reserve --cpus 0 --counters 2 --for uid:1
	run_tool 0 reserve --cpus 0 --counters 2 --for pid:$$
	run_tool 1 reserve --cpus 0 --counters 1 --for uid:3
	assert "$output" =~ "cap layer=user counters=4: CPU 0 would have 5 counter\(s\) reserved for the user layer"
	run_tool 1 reserve --cpus 1 --counters all --for layer:kernel
	assert "$output" =~ "cap layer=kernel counters=4: CPU 1 would have 7 counter\(s\) reserved for the kernel layer"
	run_tool 0 reserve --cpus 1 --counters 2 --for layer:hypervisor # no cap on it
	run_tool 0 reserve --cpus 1 --counters 4 --for layer:kernel
}

@test "a layer cap binds every reservation that layer may use, whatever its grants" {
	policy 'cap layer=hypervisor counters=2'
	set_pmu 7 1
	run_tool 0 reserve --cpus 0 --counters 2 --for vm:$$
	run_tool 1 reserve --cpus 0 --counters 1 --for uid:9 --layers user,hypervisor
	assert "$output" =~ "cap layer=hypervisor counters=2: CPU 0 would have 3 counter\(s\) reserved for the hypervisor layer"
	run_tool 0 reserve --cpus 0 --counters 3 --for uid:9 # the user layer only
	run_tool 0 reserve --cpus 1 --counters 2 --for uid:9 --layers hypervisor
	run_tool 0 list
	assert "$output" =~ "cap layer=hypervisor counters=2: used 2 \(CPU 0-1\)"
}

@test "with the counters per CPU unknown, a whole-PMU reservation under a cap fails closed" {
	policy 'cap for=uid:1000 counters=4'
	set_pmu 0 0
	run_tool 1 reserve --cpus 0 --counters all --for uid:1000
	assert "$output" =~ "cap for=uid:1000 counters=4: a whole-PMU reservation for uid:1000 on CPU 0 counts as every counter, and the counters per CPU are not known \(fail closed\)"
	run_tool 0 reserve --cpus 0 --counters all --for uid:7
	run_tool 0 list
	assert "$output" =~ "cap for=uid:1000 counters=4: used 0 \(CPU none\)"
}

@test "the floor: no reservation takes the last F general counters" {
	policy 'floor counters=2'
	set_pmu 7 1
	run_tool 0 reserve --cpus 0 --counters 3 --for uid:1
	run_tool 1 reserve --cpus 0 --counters 2 --for uid:2
	assert "$output" =~ "floor counters=2: CPU 0 would keep 1 of 6 general counters unreserved"
	run_tool 1 reserve --cpus 1 --counters all --for uid:2
	assert "$output" =~ "floor counters=2: CPU 1 would keep 0 of 6 general counters unreserved"
	run_tool 0 reserve --cpus 0 --counters 1 --for uid:2
	run_tool 0 list
	assert "$output" =~ "floor counters=2: fewest unreserved 2 of 6 general \(CPU 0\)"
	set_pmu 0 0
	run_tool 1 reserve --cpus 1 --counters 1 --for uid:3
	assert "$output" =~ "floor counters=2: the counters per CPU are not known, so the floor cannot be kept \(fail closed\)"
}

@test "a policy's own reservations are held to its quota, all or nothing" {
	policy 'cap for=uid:1000 counters=1'
	set_pmu 7 1
	printf '%s\n' 'cap for=uid:1000 counters=1' 'floor counters=1' \
		'reserve cpus=0 counters=1 for=uid:1000' \
		'reserve cpus=0 counters=1 for=uid:1000' >"$TEST_TMP/p"
	run_tool 2 policy load "$TEST_TMP/p"
	assert "$output" =~ "p:4: cap for=uid:1000 counters=1: CPU 0 would have 2 counter\(s\) reserved for uid:1000; the policy in force is unchanged"
	run_tool 2 policy check "$TEST_TMP/p"
	printf '%s\n' 'floor counters=1' 'reserve cpus=0 counters=all for=uid:1' >"$TEST_TMP/p"
	run_tool 2 policy load "$TEST_TMP/p"
	assert "$output" =~ "p:2: floor counters=1: CPU 0 would keep 0 of 6"
	# policy reservations are placed against each other too, each line
	# that cannot be is said, the one it clashes with named by its line
	printf '%s\n' 'reserve cpus=0 counters=all for=uid:1' 'reserve cpus=0 counters=all for=uid:2' \
		'reserve cpus=1 counters=all for=uid:1' 'reserve cpus=1 counters=1 for=uid:2' >"$TEST_TMP/p"
	run_tool 2 policy load "$TEST_TMP/p"
	assert "$output" =~ "p:2: CPU 0: line 1 already holds counters there"$'\n' "$output"
	assert "$output" =~ "p:4: CPU 1: line 3 already holds counters there; the policy in force is unchanged" "$output"
	run_tool 0 list
	assert "$output" =~ "quota \(from the policy\):"$'\n'"  cap for=uid:1000 counters=1: used 0" "the first policy's cap, alone, still in force"
	assert "$output" =~ "\(no reservations\)"
}

@test "a bad policy file keeps the caps in force" {
	policy 'cap for=uid:1000 counters=2' 'floor counters=1'
	set_pmu 7 1
	for bad in 'cap for=uid:1000 counters=65' 'cap layer=firmware counters=1' \
		'cap for=user:bob counters=1' 'floor counters=1 extra' \
		'cap counters=2' 'cap for=uid:1 counters=1 for=uid:2'; do
		printf '%s\n' 'cap for=uid:1 counters=1' "$bad" >"$TEST_TMP/bad"
		run_tool 2 policy load "$TEST_TMP/bad"
		assert "$output" =~ "bad:2: .*; the policy in force is unchanged" "$bad"
	done
	printf '%s\n' 'cap for=uid:7 counters=1' 'cap for=uid:7 counters=3' >"$TEST_TMP/bad"
	run_tool 2 policy load "$TEST_TMP/bad"
	assert "$output" =~ "bad:2: a second cap for=uid:7"
	printf '%s\n' 'floor counters=1' 'floor counters=2' >"$TEST_TMP/bad"
	run_tool 2 policy load "$TEST_TMP/bad"
	assert "$output" =~ "bad:2: a second floor"
	run_tool 0 list
	assert "$output" =~ "floor counters=1:"
	assert "$output" =~ "cap for=uid:1000 counters=2:"
	assert "$output" !~ "uid:1 counters"
	run_tool 1 reserve --cpus 0 --counters 3 --for uid:1000
	assert "$output" =~ "cap for=uid:1000 counters=2"
}

@test "a policy whose caps the reservations in force would break is refused" {
	policy '# no quota'
	set_pmu 7 1
	run_tool 0 reserve --cpus 0 --counters 3 --for uid:1000
	printf '%s\n' 'cap for=uid:1000 counters=2' >"$TEST_TMP/tight"
	run_tool 2 policy load "$TEST_TMP/tight"
	assert "$output" =~ "the reservations made by reserve break its quota: cap for=uid:1000 counters=2: CPU 0 would have 3"
	run_tool 0 list
	assert "$output" =~ "quota: none"
	# a new policy replaces the quota of the previous one
	policy 'cap for=uid:1000 counters=3'
	policy 'reserve cpus=1 counters=1 for=uid:5'
	run_tool 0 list
	assert "$output" =~ "quota: none"
}

@test "grant cannot put a reservation over a cap" {
	policy 'cap for=uid:1000 counters=2' 'cap layer=user counters=6'
	set_pmu 7 1
	run_tool 0 reserve --cpus 0 --counters 2 --for uid:1000
	run_tool 0 reserve --cpus 0 --counters 2 --for uid:7
	c=$(cookie_of "$output")
	run_tool 1 grant --cookie - --for uid:1000 <<<"$c"
	assert "$output" =~ "grant: refused by the policy's quota: cap for=uid:1000 counters=2: CPU 0 would have 4"
	run_tool 0 list
	assert "$output" =~ "uid:7"$'\n' "the grant was not added"
	assert "$output" !~ "uid:7,uid:1000"
	run_tool 0 grant --cookie - --for uid:8 <<<"$c"
}

@test "caps live and go with the reservations: kept by detach, gone with the store" {
	policy 'cap for=uid:1000 counters=1'
	set_pmu 7 1
	run_tool 0 reserve --cpus 0 --counters 1 --for uid:1000
	run_tool 0 detach
	run_tool 0 list
	assert "$output" =~ "uid:1000"
	assert "$output" =~ "cap for=uid:1000 counters=1: used 1"
	run_tool 1 reserve --cpus 0 --counters 1 --for uid:1000
	assert "$output" =~ "cap for=uid:1000 counters=1"
	# what reboot does to bpffs: the store goes, and the caps with it
	rm -rf "$VETO_PINS"
	run_tool 0 reserve --cpus 0 --counters 2 --for uid:1000
	run_tool 0 list
	assert "$output" =~ "quota: none"
}

@test "the quota map is refused when it is not pcrwatch's layout" {
	policy '# no quota'
	rm -f "$VETO_PINS/resv_quota"
	bpftool map create "$VETO_PINS/resv_quota" type array key 4 value 8 entries 1 name resv_quota
	run_tool 1 reserve --cpus 0 --counters 1 --for uid:1
	assert "$output" =~ "cannot read the policy's quota \(Protocol error\): nothing changed"
	run_tool 0 list
	assert "$output" =~ "quota: cannot be read"
}

@test "enforce --policy: its caps bind other processes; a bad reload keeps them, a good one replaces them" {
	printf '%s\n' 'cap for=uid:1000 counters=1' >"$TEST_TMP/p"
	"$PCRWATCH" enforce --policy "$TEST_TMP/p" >"$TEST_TMP/log" 2>&1 &
	ENFORCE_PID=$!
	wait_for 30 grep -q enforcing "$TEST_TMP/log"
	run_tool 1 reserve --cpus 0 --counters 2 --for uid:1000
	assert "$output" =~ "cap for=uid:1000 counters=1: CPU 0 would have 2"
	printf '%s\n' 'cap for=uid:1000 counters=3' 'cap layer=users counters=1' >"$TEST_TMP/p"
	kill -HUP "$ENFORCE_PID"
	wait_for 10 grep -q "the policy in force is unchanged" "$TEST_TMP/log"
	run_tool 1 reserve --cpus 0 --counters 2 --for uid:1000
	printf '%s\n' 'cap for=uid:1000 counters=3' >"$TEST_TMP/p"
	kill -HUP "$ENFORCE_PID"
	wait_for 10 loads_with_a_cap 2
	run_tool 0 reserve --cpus 0 --counters 2 --for uid:1000
}
