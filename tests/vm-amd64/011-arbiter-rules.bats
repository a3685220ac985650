#!/usr/bin/env bats
# One test per rule of the rulebook (include/pcr_rules.h), enforced by the
# module's registers with no arbiter loaded (mode=none), from userspace.
# The rules are the module's own code, the same on every kernel:
# make check runs them on 6.12 (010 and 013 load the module and take it
# through CPU hotplug and unload on every series).
# run-on-kernels: 6.12

load ../helpers
load arbiter


@test "rule 0: an unreserved slot lets everyone program it (legacy default cookie)" {
	arb_load mode=none
	pcr_expect 0 status 0
	assert "$output" =~ "flags=present,open control=0x1f" "reset state"
	pcr_expect 0 program 0 evtsel 0 0x43003c
	assert "$output" =~ "program slot=0 allowed msr=0x[0-9a-f]+ (written|refused-by-cpu)"
	pcr_expect 0 program 0 counter 0x42 0
}

@test "rule 1: anyone may claim a free slot with a valid 48-bit cookie, once" {
	arb_load mode=none
	pcr_expect $EINVAL claim 0 0
	assert "$output" =~ "verdict=invalid" "the default cookie is not a management cookie"
	pcr_expect $EINVAL claim 0 0x1000000000000
	assert "$output" =~ "verdict=invalid" "49 bits are refused"
	pcr_expect 0 claim 0 $MGMT
	pcr_expect $EBUSY claim 0 $MGMT2
	assert "$output" =~ "verdict=busy" "a managed slot cannot be claimed again"
	pcr_expect 0 status 0
	assert "$output" =~ "flags=present,reserved " "reserved, access locked"
	assert "$output" =~ "holder_layer=3 holder_tgid=[1-9][0-9]* holder=pcr_client" "holder recorded"
}

@test "rule 1a: a plain 8-byte write to the management alias is a claim" {
	arb_load mode=none
	pcr_expect 0 write 0x50435201 $MGMT , status 1
	assert "$output" =~ "slot=1 flags=present,reserved "
	pcr_expect $EBUSY write 0x50435201 $MGMT2
}

@test "rule 1b: a fresh claim locks legacy (default-cookie) access out" {
	arb_load mode=none
	pcr_expect 0 claim 0 $MGMT
	pcr_expect $EBUSY program 0 evtsel 0 0x43003c
	assert "$output" =~ "verdict=cookie"
	pcr_expect 0 program 0 evtsel $MGMT 0x43003c
}

@test "rule 2: only the management cookie sets access, control, management or releases" {
	arb_load mode=none
	pcr_expect 0 claim 0 $MGMT
	for op in set-access set-control set-mgmt; do
		pcr_expect $EPERM $op 0 $MGMT2 1
		assert "$output" =~ "verdict=mgmt" "$op with a wrong cookie"
	done
	pcr_expect $EPERM release 0 $MGMT2
	pcr_expect $EPERM release 0 0
	pcr_expect 0 status 0
	assert "$output" =~ "control=0x1f" "nothing changed"
}

@test "rule 2: nobody manages an unmanaged slot, even with the default cookie" {
	arb_load mode=none
	pcr_expect $EPERM set-access 0 0 $ACC
	pcr_expect $EPERM release 0 0
	pcr_expect $EPERM write 0x50435300 $ACC
	assert "$output" =~ "write 0x50435300 denied" "plain write to the access alias presents no cookie"
	pcr_expect $EPERM write 0x50435400 0
}

@test "rule 2a: the manager grants access with an access cookie; the default reopens to legacy users" {
	arb_load mode=none
	pcr_expect 0 claim 0 $MGMT , set-access 0 $MGMT $ACC
	pcr_expect $EBUSY program 0 evtsel $MGMT 1
	pcr_expect 0 program 0 evtsel $ACC 1
	pcr_expect $EINVAL set-access 0 $MGMT 0x1000000000000
	pcr_expect 0 set-access 0 $MGMT 0 , status 0
	assert "$output" =~ "flags=present,reserved,open " "access open"
	pcr_expect 0 program 0 evtsel 0 1
}

@test "rule 2b: control bits exclude layers and raw MSR writes; unknown bits are refused" {
	arb_load mode=none
	pcr_expect 0 claim 0 $MGMT , set-access 0 $MGMT 0
	pcr_expect $EINVAL set-control 0 $MGMT 0x20
	pcr_expect $EINVAL set-control 0 $MGMT 0x100000000
	pcr_expect 0 set-control 0 $MGMT 0x04 , read 0x50435400
	assert "$output" =~ "= 0x4$" "kernel layer only"
	pcr_expect $EBUSY program 0 evtsel 0 1
	assert "$output" =~ "verdict=layer" "the user layer is excluded"
	pcr_expect 0 set-control 0 $MGMT 0x08
	pcr_expect 0 program 0 evtsel 0 1
}

@test "rule 2c: management hands over to a new cookie; the old one loses it" {
	arb_load mode=none
	pcr_expect 0 claim 0 $MGMT , set-mgmt 0 $MGMT $MGMT2
	pcr_expect $EPERM set-access 0 $MGMT 0
	pcr_expect $EINVAL set-mgmt 0 $MGMT2 0
	pcr_expect 0 set-access 0 $MGMT2 0
}

@test "rule 3: release returns the slot to its reset state" {
	arb_load mode=none
	pcr_expect 0 claim 0 $MGMT , set-control 0 $MGMT 0x4 , release 0 $MGMT , status 0
	assert "$output" =~ "slot=0 flags=present,open control=0x1f holder_layer=15" "reset"
	pcr_expect 0 program 0 evtsel 0 1
	pcr_expect 0 claim 0 $MGMT2
}

@test "rule 4: a wrong access cookie is denied, counted and traced" {
	local t=/sys/kernel/tracing before
	[ -d $t/events ] || t=/sys/kernel/debug/tracing
	arb_load mode=none
	pcr_expect 0 claim 2 $MGMT , set-access 2 $MGMT $ACC
	before=$(denials cookie)
	echo >$t/trace
	echo 1 >$t/events/pcr_arbiter/pcr_deny/enable
	pcr_expect $EBUSY program 2 counter $MGMT2 0
	echo 0 >$t/events/pcr_arbiter/pcr_deny/enable
	assert "$(denials cookie)" == $((before + 1)) "one more cookie denial"
	grep -q 'pcr_deny: cpu=0 slot=2 op=5 verdict=1 layer=3' $t/trace
}

@test "slots the CPU does not have are refused as invalid" {
	arb_load mode=none gp_counters=2 fixed_counters=0
	pcr_expect $EINVAL claim 2 $MGMT
	pcr_expect $EINVAL program 32 evtsel 0 1
	pcr_expect 0 status 2
	assert "$output" =~ "slot=2 flags=none"
}

@test "fixed slots take claims and checked programming too" {
	arb_load mode=none fixed_counters=3
	pcr_expect 0 claim 33 $MGMT , set-access 33 $MGMT $ACC
	pcr_expect $EBUSY program 33 counter 0 1
	pcr_expect 0 program 33 counter $ACC 1
	assert "$output" =~ "msr=0x30a (written|refused-by-cpu)" "fixed counter 1 is MSR 0x30a"
}

@test "registers are per CPU: a claim on CPU 1 leaves CPU 0 free" {
	arb_load mode=none
	[ -c /dev/cpu/1/pcr ] || skip "needs a second online CPU"
	pcr_expect 0 -c 1 claim 0 $MGMT
	pcr_expect 0 -c 0 status 0
	assert "$output" =~ "flags=present,open"
	pcr_expect $EBUSY -c 1 program 0 evtsel 0 1
	pcr_expect 0 -c 0 program 0 evtsel 0 1
}
