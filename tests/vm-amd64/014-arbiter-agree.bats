#!/usr/bin/env bats
# The pcr_arbiter module and pcrwatch's reservations are one system
# (docs/PCR-RULES.md, rule 7), on amd64 guests with BPF LSM:
#  - a slot the module holds privately is kept from /dev/cpu/N/msr writers
#    on every CPU, and `reserve` and policy loads leave it to the module;
#  - the module refuses a private acquire of a slot a reservation holds on
#    any CPU, through pcrwatch's MSR veto, and the veto event names the
#    reservation;
#  - a private slot taken through the module's kernel API (pcr_kclient, a
#    test module) is a kernel-layer reservation `list` and the vetoes see;
#    the kernel API is refused a reserved slot unless the reservation
#    admits the kernel layer (reserve --layers user,kernel);
#  - after `detach` neither side enforces the other's holds.
# A module loaded after the agent or `enforce`, and every module path that
# gives a slot: 015-module-paths.bats.
# run-on-kernels: 6.12 7.x

load ../helpers
load arbiter

MW() { "$TESTPROGS/msr_write" "$@"; }
PO() { "$TESTPROGS/perf_open" "$@"; }
PINS=/sys/fs/bpf/pcrwatch
HELD1=4295032832 # the module's reservation id of slot 1, CPU 0
HELD2=4295098368 # slot 2, CPU 0
KCLIENT_KO=${ARB_KO%/*}/kclient/pcr_kclient.ko
KCLIENT_RESULT=/sys/module/pcr_kclient/parameters/result

# kclient SLOT: load the kernel API client; its acquire's answer in $output.
kclient() {
	[ -f "$KCLIENT_KO" ] || { echo "not built: $KCLIENT_KO (make module)" >&2; return 1; }
	kclient_unload
	run insmod "$KCLIENT_KO" slot="$1"
	assert "$status" == 0 "insmod pcr_kclient slot=$1: $output"
	output=$(cat $KCLIENT_RESULT)
}

kclient_unload() {
	if grep -q '^pcr_kclient ' /proc/modules; then rmmod pcr_kclient; fi
}

# A fresh store, the module in @mode, every group attached.
agree_start() {
	modprobe msr 2>/dev/null || true
	arb_load "$@"
	"$PCRWATCH" detach >/dev/null 2>&1 || true
	rm -rf $PINS
	run_tool 0 attach
	assert "$output" =~ "arbiter +attached: .*state of [1-9][0-9]* CPUs replayed" "the mirror: $output"
	assert "$output" =~ "msr write veto: lsm" "the MSR veto: $output"
}

teardown_file() {
	[ -n "${PCRWATCH_VM:-}" ] || return 0
	"$PCRWATCH" detach >/dev/null 2>&1
	rm -rf $PINS
}

@test "a slot the module holds privately is kept from MSR writers and from reserve" {
	agree_start mode=fully-enforcing
	run PO --type hw --cpu 0
	assert "$status" == 2 "nothing held: perf looks for a PMU (ENOENT: none here): $output"
	pcr_expect 0 acquire 1
	# The perf veto counts the held counter as someone else's; with the
	# PMU's size unknown here (no PMU) it fails closed, naming the hold.
	run PO --type hw --cpu 1
	assert "$status" == 16 "perf on a CPU where the module holds a counter: $output"
	run MW pwrite 0 0x187 0x43003c
	assert "$status" == 16 "IA32_PERFEVTSEL1 of the module's private slot 1: $output"
	run MW write 1 0xc2 0
	assert "$status" == 16 "IA32_PMC1 on CPU 1: held there too: $output"
	run MW pwrite 0 0x186 0x43003c
	assert "$status" != 16 "slot 0 is not held: $output"
	run_tool 0 events --json --since 1h
	assert "$output" =~ "\"kind\":\"veto\".*\"reservation_id\":$HELD1," "the MSR veto names the module's slot: $output"
	assert "$output" =~ "\"kind\":\"veto\".*\"path\":\"perf\".*\"reservation_id\":4295032833," "the perf veto names it on CPU 1: $output"
	run_tool 1 reserve --cpus 0 --counters all --for uid:1000
	assert "$output" =~ "CPU 0: the pcr_arbiter module holds slot 1 there"
	run_tool 0 reserve --cpus 0 --counters 2 --for uid:1000
	assert "$output" =~ "2 counter\(s\), slots 0x5," "slot 1 is left to the module"
	run_tool 0 list
	assert "$output" =~ "$HELD1 +0-1 +1 +0x2 .* pid:[1-9][0-9]* \(module: pcr_client, " "list shows the module's hold beside pcrwatch's: $output"
	run_tool 0 list --json
	assert "$output" =~ '"module_reservations":\[\{"id":'"$HELD1"',"cpus":"0-1","slot_mask":"0x2",' "$output"
	printf '%s\n' "$output" >"$TEST_TMP/list.json"
	run "$TESTPROGS/json_schema" "$REPO/docs/schema/list.json" "$TEST_TMP/list.json"
	assert "$status" == 0 "list --json matches its schema: $output"
	printf 'reserve cpus=1 counters=all for=uid:1000\n' >"$TEST_TMP/policy"
	run_tool 2 policy load "$TEST_TMP/policy"
	assert "$output" =~ "CPU 1: the pcr_arbiter module holds slot 1 there; the policy in force is unchanged"
}

@test "the module refuses a private acquire of a slot a reservation holds on any CPU" {
	agree_start mode=fully-enforcing
	run_tool 0 reserve --cpus 1 --counters 1 --for uid:1000
	assert "$output" =~ "reservation 1: CPUs 1, 1 counter\(s\), slots 0x1," "$output"
	pcr_expect $EBUSY acquire 0
	pcr_expect 0 -c 0 status 0
	assert "$output" !~ "private" "the refused acquire left slot 0 as it was: $output"
	pcr_expect 0 acquire 1
	run_tool 0 events --json --since 1h
	assert "$output" =~ '"kind":"veto".*"actor":\{"layer":"user","path":"arbiter","pid":[1-9][0-9]*,"tid":[0-9]+,"comm":"pcr_client".*"reservation_id":1,' "the acquire's veto names reservation 1: $output"
	run dmesg
	assert "$output" =~ "acquire of slot 0 by pcr_client refused: -16" "the module says so"
	# Detached, pcrwatch decides nothing: the module alone grants.
	run_tool 0 detach
	pcr_expect 0 acquire 0
}

@test "a slot taken through the kernel API is a kernel-layer reservation list and the vetoes see" {
	agree_start mode=fully-enforcing
	kclient 2
	assert "$output" == 0 "the kernel API's acquire of a free slot"
	run_tool 0 list
	assert "$output" =~ "$HELD2 +0-1 +1 +0x4 .* layer:kernel \(module: kernel, " "list names the kernel layer: $output"
	run MW pwrite 1 0x188 0x43003c
	assert "$status" == 16 "IA32_PERFEVTSEL2 of the kernel's slot: $output"
	run_tool 0 reserve --cpus 0 --counters 2 --for uid:1000
	assert "$output" =~ "slots 0x3," "slot 2 is left to the kernel"
	kclient_unload
	run MW pwrite 1 0x188 0x43003c
	assert "$status" != 16 "released with the client: $output"
}

@test "the kernel API gets a reserved slot only where the reservation admits the kernel layer" {
	agree_start mode=fully-enforcing
	run_tool 0 reserve --cpus 0 --counters 1 --for uid:1000
	assert "$output" =~ "reservation 1: .*slots 0x1," "$output"
	local mgmt
	mgmt=$(sed -n 's/^management cookie: //p' <<<"$output")
	kclient 0
	assert "$output" == -16 "refused: the reservation keeps the kernel layer off"
	run_tool 0 events --json --since 1h
	assert "$output" =~ '"kind":"veto".*"actor":\{"layer":"kernel","path":"arbiter",.*"reservation_id":1,' "the veto names the kernel layer and reservation 1: $output"
	kclient_unload
	run_tool 0 release --cookie "$mgmt"
	run_tool 0 reserve --cpus 0 --counters 1 --for uid:1000 --layers user,kernel
	assert "$output" =~ "slots 0x1," "$output"
	kclient 0
	assert "$output" == 0 "admitted: the reservation lets the kernel layer use its counter"
	kclient_unload
}

@test "with the module unloaded, its holds are forgotten at the next attach" {
	agree_start mode=fully-enforcing
	pcr_expect 0 acquire 1
	run MW pwrite 0 0x187 0x43003c
	assert "$status" == 16 "held: $output"
	arb_unload
	run_tool 0 attach
	assert "$output" =~ "arbiter +skipped: the pcr_arbiter module is not loaded"
	run MW pwrite 0 0x187 0x43003c
	assert "$status" != 16 "no module, no hold: $output"
}
