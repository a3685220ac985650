#!/usr/bin/env bats
# The arbiter module: load and unload, the device contract, cookie secrecy.

load ../helpers
load arbiter

@test "the arbiter module built for this kernel loads and unloads" {
	arb_load
	grep -q '^pcr_arbiter ' /proc/modules
	for c in /sys/devices/system/cpu/cpu[0-9]*; do
		n=${c##*cpu}
		[ -f "$c/online" ] && [ "$(cat "$c/online")" = 0 ] && continue
		[ -c "/dev/cpu/$n/pcr" ] || { echo "no /dev/cpu/$n/pcr" >&2; false; }
	done
	run rmmod pcr_arbiter
	assert "$status" == 0 "rmmod succeeds: $output"
	! grep -q '^pcr_arbiter ' /proc/modules
	[ ! -e /dev/cpu/0/pcr ]
}

@test "an unknown mode is refused at load and says why" {
	run insmod "$ARB_KO" mode=bogus
	assert "$status" != 0 "insmod with mode=bogus fails"
	! arb_loaded
	run dmesg
	assert "$output" =~ "unknown mode 'bogus'" "dmesg names the bad mode"
}

@test "opening the device needs CAP_SYS_RAWIO" {
	arb_load mode=none
	run setpriv --bounding-set=-sys_rawio --inh-caps=-sys_rawio "$PCR_CLIENT" info
	assert "$status" == "$EPERM" "open without CAP_SYS_RAWIO: $output"
	pcr_expect 0 info
}

@test "reads and writes are exactly 8 bytes at an alias address" {
	arb_load mode=none
	run dd if=/dev/cpu/0/pcr of=/dev/null bs=4 count=1 iflag=skip_bytes skip=$((0x50435400))
	assert "$status" != 0 "a 4-byte read fails: $output"
	assert "$output" =~ "Invalid argument"
	pcr_expect 0 read 0x50435400
	assert "$output" =~ "= 0x1f$" "slot 0 control reads its reset value"
	pcr_expect 5 read 0x50435500
	assert "$output" =~ "Input/output error" "an address outside the alias ranges is EIO"
	pcr_expect 5 read 0x504354ff
}

@test "a cookie register reads 1 or 0, never its cookie" {
	arb_load mode=none
	pcr_expect 0 read 0x50435200 , read 0x50435300
	assert "$output" =~ "0x50435200 = 0x0" "unclaimed management register reads 0"
	pcr_expect 0 claim 0 $MGMT , read 0x50435200 , read 0x50435300 , read 0x50435400
	assert "$output" =~ "0x50435200 = 0x1"$'\n' "claimed management register reads 1"
	assert "$output" =~ "0x50435300 = 0x1"$'\n' "locked access register reads 1"
	assert "$output" !~ "abcdef|123456" "no cookie bits in any read"
}

@test "cookies appear in neither dmesg nor tracepoints nor sysfs" {
	local t=/sys/kernel/tracing
	[ -d $t/events ] || t=/sys/kernel/debug/tracing
	arb_load mode=none
	echo >$t/trace
	echo 1 >$t/events/pcr_arbiter/enable
	pcr_expect 0 claim 0 $MGMT , set-access 0 $MGMT $ACC , set-mgmt 0 $MGMT $MGMT2
	pcr_expect $EBUSY program 0 evtsel $MGMT 0x43003c
	pcr_expect $EPERM release 0 $MGMT
	echo 0 >$t/events/pcr_arbiter/enable
	cp $t/trace "$TEST_TMP/trace"
	grep -q 'pcr_reg_change: cpu=0 slot=0 op=0' "$TEST_TMP/trace"
	grep -q 'pcr_deny: cpu=0 slot=0 op=5 verdict=1' "$TEST_TMP/trace"
	dmesg >"$TEST_TMP/dmesg"
	grep -q 'program denied (wrong access cookie)' "$TEST_TMP/dmesg"
	grep -r . /sys/module/pcr_arbiter/parameters >"$TEST_TMP/sysfs" 2>/dev/null || true
	for c in $MGMT $ACC $MGMT2; do
		for form in "${c#0x}" "$(printf %d "$c")" "$(printf %x "$c")"; do
			! grep -qi "$form" "$TEST_TMP/trace" "$TEST_TMP/dmesg" "$TEST_TMP/sysfs"
		done
	done
}

@test "denials are logged at a limited rate" {
	arb_load mode=none
	pcr_expect 0 claim 0 $MGMT
	local before after i args=()
	for i in $(seq 1 30); do
		args+=(program 0 evtsel 0 1 ,)
	done
	before=$(dmesg | grep -c 'program denied' || true)
	pcr_expect $EBUSY -k "${args[@]}"
	after=$(dmesg | grep -c 'program denied' || true)
	assert "$(denials cookie)" == 30 "every denial is counted"
	echo "logged $((after - before)) of 30" >&2
	[ $((after - before)) -ge 1 ] && [ $((after - before)) -le 10 ]
}
