#!/usr/bin/env bats
# The PCR paper's three Linux arbiters, one mode= each.
# The modes' kretprobes on the kernel's legacy reservation API depend on
# the kernel: make check runs them on 6.12 and 7.x (6.1 passed them in every
# earlier run; 010 and 013 load the module on every series).
# run-on-kernels: 6.12 7.x

load ../helpers
load arbiter

@test "minimal: every general-purpose slot is the OS's, open to legacy users" {
	arb_load mode=minimal
	pcr_expect 0 info
	assert "$output" =~ "mode=minimal mirror=off gp=([0-9]+) " "mode reported"
	local gp=${BASH_REMATCH[1]} s
	for s in $(seq 0 $((gp - 1))); do
		pcr_expect 0 status "$s"
		assert "$output" =~ "flags=present,reserved,open control=0x1c holder_layer=2 holder_tgid=0 holder=pcr_arbiter" "slot $s"
	done
	pcr_expect 0 program 0 evtsel 0 0x43003c
	pcr_expect $EBUSY claim 0 $MGMT
	assert "$output" =~ "verdict=busy" "the arbiter manages it"
}

@test "minimal: the control bits keep firmware and hypervisor off the OS's slots" {
	arb_load mode=minimal
	pcr_expect 0 read 0x50435400
	assert "$output" =~ "= 0x1c$" "kernel|user|direct MSR, no firmware (0x1) or hypervisor (0x2)"
}

@test "minimal: slots firmware holds at load are partitioned away from the OS" {
	arb_load mode=minimal firmware_slots=0x2
	pcr_expect 0 info
	assert "$output" =~ "firmware=0x2 os=0x[0-9a-f]*d " "slot 1 is firmware's, 0,2,3 the OS's"
	pcr_expect 0 status 1
	assert "$output" =~ "flags=present,reserved,firmware control=0x11 holder_layer=0" "firmware-only control bits"
	pcr_expect $EBUSY program 1 evtsel 0 0x43003c
	assert "$output" =~ "verdict=layer" "the user layer may not program a firmware counter"
	pcr_expect 0 legacy reserve-perfctr 1
	assert "$output" =~ "result=0" "the kernel's legacy allocator sees counter 1 as taken"
	pcr_expect 0 legacy reserve-perfctr 0 , legacy release-perfctr 0
	assert "$output" =~ "reserve-perfctr counter=0 result=1" "counter 0 is free for the OS"
}

@test "minimal: a legacy release of a reservation the caller never made is refused" {
	arb_load mode=minimal firmware_slots=0x2
	pcr_expect $EPERM legacy release-perfctr 1
}

# With mirror=kretprobe the ioctl only calls reserve_*_nmi(): the flags and
# the access cookie change because the kretprobes saw the call.
@test "minimal-enforcing: slots are locked until both legacy reservations are held" {
	arb_load mode=minimal-enforcing
	pcr_expect 0 info
	assert "$output" =~ "mode=minimal-enforcing mirror=kretprobe" "reserve_*_nmi mirrored by kretprobes"
	pcr_expect 0 status 0
	assert "$output" =~ "flags=present,reserved control=0x1c" "locked with the secret"
	pcr_expect $EBUSY program 0 evtsel 0 1
	assert "$output" =~ "verdict=cookie"
	pcr_expect 0 legacy reserve-perfctr 0 , status 0
	assert "$output" =~ "flags=present,reserved,legacy-perfctr control" "perfctr alone keeps it locked"
	pcr_expect $EBUSY program 0 evtsel 0 1
	pcr_expect 0 legacy reserve-evntsel 0 , status 0
	assert "$output" =~ "flags=present,reserved,open,legacy-perfctr,legacy-evntsel" "both: pcr_update_lock opens it"
	pcr_expect 0 program 0 evtsel 0 1
	pcr_expect 0 -c 1 program 0 evtsel 0 1
	pcr_expect 0 legacy release-evntsel 0 , status 0
	assert "$output" =~ "flags=present,reserved,legacy-perfctr control" "release locks it again"
	pcr_expect $EBUSY program 0 evtsel 0 1
	pcr_expect 0 legacy release-perfctr 0
}

@test "minimal-enforcing: firmware's slots show the legacy reservations made for them at load" {
	# The arbiter reserves firmware's counters through reserve_*_nmi() before
	# the mirror starts; the mirror finds them taken by trying them.
	arb_load mode=minimal-enforcing firmware_slots=0x8
	pcr_expect 0 status 3
	assert "$output" =~ "flags=present,reserved,legacy-perfctr,legacy-evntsel,firmware" "found reserved at load"
	pcr_expect $EBUSY program 3 evtsel 0 1
	assert "$output" =~ "verdict=layer" "still firmware's"
}

@test "fully-enforcing: private acquire gives one holder a fresh access cookie" {
	arb_load mode=fully-enforcing
	pcr_expect 0 acquire 1 , status 1 , program 1 evtsel grant 0x43003c
	assert "$output" =~ "flags=present,reserved,private control=0x1c holder_layer=3 holder_tgid=[1-9]" "privately held"
	assert "$output" =~ "program slot=1 allowed"
	pcr_expect $EBUSY program 1 evtsel 0 1
	assert "$output" =~ "verdict=cookie" "legacy access is locked out"
	pcr_expect $EBUSY acquire 1
	assert "$output" =~ "verdict=busy" "one holder at a time"
}

@test "fully-enforcing: release needs the private cookie; a wrong one is denied and counted" {
	arb_load mode=fully-enforcing
	local before
	before=$(denials cookie)
	pcr_expect $EBUSY acquire 2 , ungrant 2 $MGMT
	assert "$output" =~ "ungrant slot=2 denied: .* verdict=cookie"
	assert "$(denials cookie)" == $((before + 1)) "counted"
	pcr_expect 0 acquire 0 , ungrant 0 grant , status 0
	assert "$output" =~ "slot=0 flags=present,reserved control=0x1c holder_layer=2 holder_tgid=0 holder=pcr_arbiter" "back to the arbiter, locked"
}

@test "fully-enforcing: a slot held through the legacy API cannot be acquired privately" {
	arb_load mode=fully-enforcing
	pcr_expect 0 legacy reserve-perfctr 2 , legacy reserve-evntsel 2
	pcr_expect $EBUSY acquire 2
	pcr_expect 0 program 2 evtsel 0 1
	pcr_expect 0 legacy release-perfctr 2 , legacy release-evntsel 2 , acquire 2
}

@test "private acquire exists only in fully-enforcing mode" {
	arb_load mode=minimal-enforcing
	pcr_expect $EOPNOTSUPP acquire 0
	arb_load mode=minimal
	pcr_expect $EOPNOTSUPP acquire 0
}
