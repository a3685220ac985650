#!/usr/bin/env bats
# Cross-layer reservations in the nested-KVM boot (arm64 with EL2): the
# nested VM's vPMU cycle counter is a host perf event that KVM makes in the
# vCPU thread, the hypervisor layer's. A reservation that keeps that layer
# out stops it counting, and the veto names the VM; --layers admits it; a
# layer:hypervisor reservation keeps counters for guests against host perf.
# Runs in the EL2 boot tests/check makes for 081/082.

load ../helpers

VMM=$TESTPROGS/kvm_vpmu_guest
PO() { "$TESTPROGS/perf_open" "$@"; }

setup_file() {
	[ -c /dev/kvm ] && lsm_tier || return 0
	sysctl -qw kernel.perf_event_paranoid=-1
	start_enforce
}

teardown_file() {
	stop_enforce
}

setup_tier() {
	skip_unless_guest
	[ -c /dev/kvm ] || skip "no /dev/kvm: runs in the EL2 boot (VM_QEMU_ARGS=\"-M virtualization=on,gic-version=3\")"
	lsm_tier || skip "arm64 6.1 cannot attach LSM programs (needs 6.4+)"
	[ -x "$VMM" ] || skip "$VMM not built (make arm64)"
	LOG=$BATS_FILE_TMPDIR/enforce.log
}

cookie_of() { sed -n 's/^management cookie: //p' <<<"$1"; }

# run_vm: the nested VM once; its pid in VM_PID, its final cycle count in
# FINAL (what PMCCNTR_EL0 read in the guest after its read loops).
run_vm() {
	"$VMM" -n 200 -b 2 >"$TEST_TMP/vm.out" 2>&1 &
	VM_PID=$!
	wait "$VM_PID" || { cat "$TEST_TMP/vm.out"; return 1; }
	FINAL=$(sed -n 's/.*(final count \([0-9]*\)).*/\1/p' "$TEST_TMP/vm.out")
	[ -n "$FINAL" ] || { cat "$TEST_TMP/vm.out"; return 1; }
}

release() { "$BUILD/pcrwatch" release --cookie - <<<"$1" >/dev/null; }

@test "with no reservation the guest's cycle counter counts" {
	run_vm
	[ "$FINAL" -gt 0 ] || { echo "final count $FINAL"; false; }
}

@test "a whole-PMU reservation keeps the hypervisor layer out: the guest's counter stops, the veto names the VM" {
	run_tool 0 reserve --cpus all --counters all --for uid:1000
	c=$(cookie_of "$output")
	run_vm
	release "$c"
	assert "$FINAL" == 0 "the refused vPMU counter does not count"
	wait_for 10 grep -qE "veto KVM vPMU counter of VM pid $VM_PID \(kvm_vpmu_guest\) vCPU thread [0-9]+ .* denied EBUSY by reservation" "$LOG" ||
		{ cat "$LOG"; false; }
}

@test "--layers user,hypervisor admits the guest's counter" {
	run_tool 0 reserve --cpus all --counters all --for uid:1000 --layers user,hypervisor
	c=$(cookie_of "$output")
	n=$(grep -c "KVM vPMU" "$LOG" || true)
	run_vm
	release "$c"
	[ "$FINAL" -gt 0 ] || { echo "final count $FINAL"; false; }
	assert "$(grep -c "KVM vPMU" "$LOG" || true)" == "$n" "no new veto of the VM"
}

@test "a layer:hypervisor reservation refuses host perf while the VM counts" {
	run_tool 0 reserve --cpus all --counters all --for layer:hypervisor
	c=$(cookie_of "$output")
	run PO --type hw --cpu 0
	host=$status
	run_vm
	release "$c"
	assert "$host" == 16 "host perf is refused (EBUSY)"
	[ "$FINAL" -gt 0 ] || { echo "final count $FINAL"; false; }
}
