#!/usr/bin/env bats
# The arbiter module's life: CPU hotplug and unload/reload with reservations
# held, and pcrwatch mirroring the module's registers live.

load ../helpers
load arbiter

CPU1=/sys/devices/system/cpu/cpu1/online
ARB_REGS=/sys/fs/bpf/pcrwatch/veto/arb_regs # the mirror, beside the reservations

need_cpu1() {
	[ -f $CPU1 ] || skip "needs a second CPU that can go offline"
}

@test "offline and online a CPU with reservations held" {
	need_cpu1
	arb_load mode=minimal fixed_counters=3
	pcr_expect 0 -c 1 claim 33 $MGMT
	echo 0 >$CPU1
	wait_for 5 test ! -e /dev/cpu/1/pcr
	pcr_expect 0 -c 0 status 0
	assert "$output" =~ "flags=present,reserved,open" "CPU 0 unaffected"
	echo 1 >$CPU1
	wait_for 5 test -c /dev/cpu/1/pcr
	pcr_expect 0 -c 1 status 33 , status 0
	assert "$output" =~ "slot=33 flags=present,reserved control=0x1f holder_layer=3" "the claim survived"
	assert "$output" =~ "slot=0 flags=present,reserved,open control=0x1c holder_layer=2" "the arbiter's too"
	pcr_expect $EBUSY -c 1 program 33 counter 0 1
	pcr_expect 0 -c 1 release 33 $MGMT
}

@test "a CPU going offline under an open device refuses its ioctls, then serves again" {
	need_cpu1
	arb_load mode=none
	echo 0 >"$TEST_TMP/go"
	"$PCR_CLIENT" -c 1 -k info , await "$TEST_TMP/go" 1 , info , status 0 \
		>"$TEST_TMP/out" 2>&1 &
	local pid=$!
	wait_for 10 grep -q mode= "$TEST_TMP/out"
	echo 0 >$CPU1
	echo 1 >"$TEST_TMP/go"
	local rc=0
	wait $pid || rc=$?
	assert "$rc" == "$ENXIO" "ioctls on the offline CPU's open device: $(cat "$TEST_TMP/out")"
	assert "$(grep -c 'denied: No such device or address' "$TEST_TMP/out")" == 2
	echo 1 >$CPU1
	wait_for 5 test -c /dev/cpu/1/pcr
	pcr_expect 0 -c 1 info
}

@test "unload with reservations held, then reload clean" {
	arb_load mode=fully-enforcing fixed_counters=3
	pcr_expect 0 acquire 1 , claim 32 $MGMT , legacy reserve-perfctr 2 , legacy reserve-evntsel 2
	run rmmod pcr_arbiter
	assert "$status" == 0 "rmmod with reservations held: $output"
	! arb_loaded
	arb_load mode=fully-enforcing fixed_counters=3
	pcr_expect 0 status 1 , status 32 , status 2
	assert "$output" =~ "slot=1 flags=present,reserved control=0x1c holder_layer=2" "no private grant survives"
	assert "$output" =~ "slot=32 flags=present,open control=0x1f" "no user claim survives"
	assert "$output" =~ "slot=2 flags=present,reserved control" "legacy reservations were released at unload"
	pcr_expect 0 legacy reserve-perfctr 2 , legacy reserve-evntsel 2
	assert "$output" =~ "reserve-evntsel counter=2 result=1"
	pcr_expect 0 acquire 1
}

@test "pcrwatch mirrors module-held reservations live and counts denials" {
	[ -x "$PCRWATCH" ] || { echo "not built: $PCRWATCH" >&2; false; }
	command -v bpftool >/dev/null || skip "bpftool is not installed"
	arb_load mode=minimal
	run_tool 0 attach
	assert "$output" =~ "arbiter +attached: raw_tp on pcr_arbiter:pcr_reg_change and pcr_deny, state of [1-9][0-9]* CPUs replayed"
	# replayed: the arbiter's claim on CPU 0 slot 0 (key 0)
	run bpftool -j map lookup pinned $ARB_REGS key 0 0 0 0
	assert "$output" =~ '"holder_layer":2' "replayed by the module: held by the kernel arbiter"
	# live: a user claim of fixed... slot 32 does not exist here; use mode none
	arb_unload
	arb_load mode=none
	run_tool 0 attach
	pcr_expect 0 -c 0 claim 0 $MGMT
	run bpftool -j map lookup pinned $ARB_REGS key 0 0 0 0
	assert "$output" =~ '"flags":3,' "mirror shows slot 0 reserved (present|reserved, locked)"
	assert "$output" =~ '"holder_layer":3' "held by a user process"
	# The views list the claim as a module reservation held by that
	# process, beside any of pcrwatch's own: a reservation, not a row.
	run_tool 0 who --json
	assert "$output" =~ '"id":4294967296,"source":"module","label":"pcr_client","principals":\["pid:[1-9][0-9]*"\],"cpus":"0","whole_pmu":false,"slots":\[0\],"holder_events":0,"module_state":"locked","control":"0x' "who lists the user's claim as the module's reservation"
	assert "$output" !~ '"path":"arbiter"' "no owner row for a reservation"
	assert "$output" !~ "abcdef123456" "no cookie in who"
	run_tool 0 who
	assert "$output" =~ "module reservation 4294967296 \(pcr_client, locked\): slots 0, 0 holder events" "who's text names it the module's"
	pcr_expect $EBUSY program 0 evtsel 0 1
	run bpftool -j map lookup pinned $ARB_PINS/event_counts key 4 0 0 0
	assert "$output" =~ '"value":1[,}]' "one veto event"
	run bpftool -j map lookup pinned $ARB_PINS/event_counts key 7 0 0 0
	assert "$output" =~ '"value":[1-9]' "register events"
	pcr_expect 0 release 0 $MGMT
	run bpftool -j map lookup pinned $ARB_REGS key 0 0 0 0
	assert "$output" =~ '"flags":5,' "mirror shows the release (present|open)"
	run "$TESTPROGS/ringbuf_dump" $ARB_PINS/events
	assert "$status" == 0 "ringbuf_dump: $output"
	assert "$output" =~ "kind=7 cpu=0 slot=0 value=0x1f00000003 old=0x1f00000005 verdict=0 layer=3 tgid=[1-9][0-9]* prev_layer=15 comm=pcr_client resv=4294967296"$'\n' "the claim, as a PCR_REG event"
	assert "$output" =~ "kind=4 cpu=0 slot=0 value=0x5 old=0x0 verdict=1 layer=3 tgid=[1-9][0-9]* prev_layer=3 comm=pcr_client resv=4294967296"$'\n' "the denial, as a VETO event"
	assert "$output" =~ "kind=7 cpu=0 slot=0 value=0x1f00000005 old=0x1f00000003 verdict=4 " "the release"
	assert "$output" !~ "abcdef123456" "no cookie in any event"
}

@test "the module cannot go while pcrwatch mirrors it; detach, then it can" {
	[ -x "$PCRWATCH" ] || { echo "not built: $PCRWATCH" >&2; false; }
	arb_load mode=minimal
	run_tool 0 attach
	run rmmod pcr_arbiter
	assert "$status" != 0 "rmmod refused while the tracepoints are attached"
	assert "$output" =~ "in use"
	run_tool 0 detach
	# The kernel drops a link's module reference when the link is freed,
	# which can come just after the unpin returns: a short, bounded wait.
	wait_for 10 rmmod pcr_arbiter || { lsmod | grep pcr_arbiter; false; }
}

@test "pcrwatch without the module says the arbiter has nothing to mirror" {
	[ -x "$PCRWATCH" ] || { echo "not built: $PCRWATCH" >&2; false; }
	arb_unload
	run_tool 0 attach
	assert "$output" =~ "arbiter +skipped: the pcr_arbiter module is not loaded"
	run_tool 0 detach
}

@test "pcrwatch's arbiter source lists the module's reservations, never a cookie" {
	arb_load mode=minimal firmware_slots=0x1
	pcr_expect 0 -c 0 info
	run "$TESTPROGS/arbiter_probe"
	assert "$status" == 0 "arbiter_probe: $output"
	assert "$output" =~ "note: pcr_arbiter loaded \(mode minimal\): its registers are the source of truth"
	assert "$output" =~ 'resv id=4294967296 source=1 cpus0=0x1 slots=0x1 principal=4:0 label=firmware flags=0x[0-9a-f]+ control=0x' "the firmware slot, held by the firmware layer"
	assert "$output" =~ 'resv id=4295032832 source=1 cpus0=0x1 slots=0x2 principal=4:2 label=pcr_arbiter flags=0x[0-9a-f]+ control=0x1c' "the OS slot, held by the kernel"
	local cpus
	cpus=$(printf '0x%x' $(((1 << $(nproc)) - 1)))
	assert "$output" =~ "merged id=4294967296 cpus0=$cpus"$'\n' "one reservation per slot over every CPU"
	assert "$output" =~ "records=0 reservations=" "reservations, never owner records"
	# The same through pcrwatch itself, the way users see them.
	run_tool 0 who --json
	assert "$output" =~ '"id":4294967296,"source":"module","label":"firmware","principals":\["layer:firmware"\],"cpus":"[0-9,-]+","whole_pmu":false,"slots":\[0\],"holder_events":0,"module_state":"locked firmware","control":"0x' "who lists the firmware slot as the module's reservation"
	assert "$output" =~ '"id":4295032832,"source":"module","label":"pcr_arbiter","principals":\["layer:kernel"\],"cpus":"[0-9,-]+","whole_pmu":false,"slots":\[1\],"holder_events":0,"module_state":"open","control":"0x1c"' "who lists the OS slot as the module's reservation"
	assert "$output" !~ '"path":"arbiter"' "no owner row for a reservation"
	assert "$output" =~ "pcr_arbiter loaded \(mode minimal\)" "who names the module as the source of truth"
	run_tool 0 live --iterations 1
	assert "$output" =~ "R free module" "live marks the module's free reserved counters"
	assert "$(grep -E '^[0-9]+ ' <<<"$output" | grep -vE '^[0-9]+ +([0-9.]+|-) +0 ')" == "" "a reservation is no waiting event: WAIT 0 on every CPU"
	arb_unload
	run "$TESTPROGS/arbiter_probe"
	assert "$output" =~ "records=0 reservations=0 present=0"
}

@test "all of the above left no kernel warning behind" {
	arb_load mode=fully-enforcing
	arb_unload
	run dmesg
	assert "$output" !~ "WARNING:|BUG:|Oops|general protection|list_del corruption|refcount_t" "a clean kernel log"
}
