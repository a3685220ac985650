#!/usr/bin/env bats
# KVM's mediated vPMU (Linux 7.0+, x86) as pcrwatch sees it, from a fixture
# machine: a sysfs tree with kvm_intel's enable_mediated_pmu and a /proc tree
# with one QEMU/KVM VM (PCRWATCH_SYSFS_ROOT, PCRWATCH_PROC_ROOT). What needs
# real hardware (a mediated VM really refusing a host open) is not here:
# these tests check detection and the model; the explanation of EOPNOTSUPP
# and EBUSY is unit-tested (tests/unit/test_mediated.c).

load ../helpers

# fixture_machine Y|N|none: the fixture trees under $TEST_TMP.
fixture_machine() {
	local vm=$TEST_TMP/proc/4242
	mkdir -p "$TEST_TMP/sys/module/kvm_intel/parameters" "$vm/task/4243" \
		"$vm/task/4244" "$vm/fd"
	[ "$1" = none ] ||
		echo "$1" >"$TEST_TMP/sys/module/kvm_intel/parameters/enable_mediated_pmu"
	echo qemu-system-x86 >"$vm/comm"
	echo "CPU 0/KVM" >"$vm/task/4243/comm"
	echo "CPU 1/KVM" >"$vm/task/4244/comm"
	ln -s anon_inode:kvm-vm "$vm/fd/10"
	ln -s anon_inode:kvm-vcpu:0 "$vm/fd/11"
	ln -s /usr/bin/qemu-system-x86_64 "$vm/exe"
	export PCRWATCH_SYSFS_ROOT=$TEST_TMP/sys PCRWATCH_PROC_ROOT=$TEST_TMP/proc
}

@test "probe: a mediated VM running is named as the holder of the whole PMU" {
	fixture_machine Y
	run_tool 0 probe --batches 2
	assert "$output" =~ "guests here: +qemu-system-x86 pid 4242: 2 vCPUs, KVM" "the VM is found"
	assert "$output" =~ "mediated vPMU: +(on: VM qemu-system-x86\[4242\] holds the whole PMU|host cycles open failed \((Operation not supported|Device or resource busy)\): VM qemu-system-x86\[4242\])" "the mediated line names the VM"
	run_tool 0 probe --batches 2 --json
	assert "$output" =~ '"mediated_vpmu":\{"enabled":1,"module":"kvm_intel","vms":1,"vm_pid":4242' "JSON"
}

@test "probe: the parameter off or absent is said plainly" {
	fixture_machine N
	run_tool 0 probe --batches 2
	assert "$output" =~ "mediated vPMU: +off \(kvm_intel enable_mediated_pmu=N\), no mediated VM running"
	rm "$PCRWATCH_SYSFS_ROOT/module/kvm_intel/parameters/enable_mediated_pmu"
	run_tool 0 probe --batches 2
	assert "$output" =~ "mediated vPMU: +not available \(no kvm_intel/kvm_amd enable_mediated_pmu"
}

@test "who: every CPU's PMU is the mediated VM's, in the hypervisor layer, with a note" {
	fixture_machine Y
	run_tool 0 who --json
	local ncpu
	ncpu=$(grep -o '"cpus":[0-9]*' <<<"$output" | cut -d: -f2)
	assert "$(grep -o '"layer":"hypervisor","path":"kernel","attributed":true,"pid":4242,"tid":4243,"comm":"qemu-system-x86"' <<<"$output" | wc -l)" == "$ncpu" "one hypervisor record per CPU"
	assert "$output" =~ "mediated vPMU \(kvm_intel\): VM qemu-system-x86\[4242\] holds the whole PMU" "note names the VM"
	run_tool 0 who
	assert "$output" =~ $'\n''0 +- +- +hypervisor +qemu-system-x86\[4242\] +whole PMU \(mediated\)' "text grid row"
}

@test "who: with the parameter off, a KVM VM adds no whole-PMU owner" {
	fixture_machine N
	run_tool 0 who --json
	assert "$output" !~ "whole PMU" "no mediated record"
	assert "$output" !~ "mediated vPMU" "no mediated note"
}
