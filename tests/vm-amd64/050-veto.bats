#!/usr/bin/env bats
# Vetoes on amd64 guests (6.1, 6.12), which have BPF LSM but no PMU.
#  - lsm/perf_event_open: a whole-PMU reservation denies a non-holder's
#    PERF_TYPE_HARDWARE open with EBUSY before perf looks for a PMU, while
#    the holder's identical open goes on to the PMU lookup and gets ENOENT
#    (no PMU here). This proves the hook attached, reads the syscall's CPU,
#    matches principals (uid and cgroup) and returns EBUSY; it does not
#    prove counting (arm64 6.12 does, 050-perf-veto.bats there).
#  - /dev/cpu/N/msr: writes to a reserved counter's registers by a
#    non-holder are EBUSY through write, pwrite and the WRMSR ioctl; other
#    registers and CPUs get whatever the (emulated) CPU answers, except
#    through the ioctl on a reserved CPU, which fails closed (its register
#    block is out of the veto's sight; docs/PCR-RULES.md, rule 6).

load ../helpers
bats_require_minimum_version 1.5.0

PO() { "$TESTPROGS/perf_open" "$@"; }
MW() { "$TESTPROGS/msr_write" "$@"; }

setup_file() {
	[ -n "${PCRWATCH_VM:-}" ] || return 0
	start_enforce
	modprobe msr 2>/dev/null || true
	sysctl -qw kernel.perf_event_paranoid=-1
}

teardown_file() {
	stop_enforce
}

setup_tier() {
	skip_unless_guest
	LOG=$BATS_FILE_TMPDIR/enforce.log
}

cookie_of() { sed -n 's/^management cookie: //p' <<<"$1"; }

@test "both veto points attach with LSM" {
	assert "$(cat "$BATS_FILE_TMPDIR/attach.log")" =~ "perf_event_open veto: lsm, msr write veto: lsm"
}

# Verifiers before 6.7 checked a bpf_loop callback once, with the state of
# the first call they met, and dropped as dead code what that state could
# not reach (6.1 kept nothing of the per-task walk but "return 1": every
# per-task open was admitted). The walks' bodies must survive: each still
# calls the rule.
@test "the verifier kept the per-task walk's body in both perf vetoes" {
	local id name seen=0
	for name in veto_perf_open veto_perf_alloc; do
		# 6.12 loads veto_perf_open_type_only (its name may be cut).
		id=$(bpftool prog show | sed -n "s/^\([0-9]*\): lsm  name $name[a-z_]* .*/\1/p" | head -n1)
		assert "$id" != "" "$name is loaded"
		bpftool prog dump xlated id "$id" >"$TEST_TMP/$name"
		run awk '/^int admit_walk_cb/ { on = 1; next } /^int / { on = 0 } on && /call .*admit_rule/' "$TEST_TMP/$name"
		assert "$output" != "" "$name: admit_walk_cb calls admit_rule"
		seen=$((seen + 1))
	done
	assert "$seen" == 2
}

@test "lsm/perf_event_open: a non-holder's hardware event is EBUSY before the PMU is consulted" {
	mkdir -p /sys/fs/cgroup
	mountpoint -q /sys/fs/cgroup || mount -t cgroup2 none /sys/fs/cgroup
	mkdir -p /sys/fs/cgroup/prof
	run_tool 0 reserve --cpus 0 --counters all --for uid:1000 --for cgroup:/sys/fs/cgroup/prof
	c=$(cookie_of "$output")
	for t in "--type hw" "--type cache" "--type raw --config 0x3c"; do
		run PO $t --cpu 0
		assert "$status" == 16 "non-holder $t on CPU 0: $output"
		run PO $t --cpu 0 --uid 1000
		assert "$status" == 2 "holder uid:1000 $t reaches the PMU lookup (ENOENT: no PMU): $output"
	done
	run PO --cpu 0 --cgroup /sys/fs/cgroup/prof
	assert "$status" == 2 "holder by cgroup reaches the PMU lookup: $output"
	run PO --cpu 1
	assert "$status" == 2 "CPU 1 is not reserved: ENOENT as without pcrwatch: $output"
	run PO --type sw --cpu 0
	assert "$status" == 0 "software events are not vetoed: $output"
	run PO --inherit
	assert "$status" == 16 "per-task, inherit: $output"
	wait_for 5 grep -q "veto perf_event_open: .* uid 0: type 0 .* rule whole-pmu denied EBUSY by reservation 1 (uid:1000)" "$LOG"
	run_tool 0 release --cookie "$c"
}

@test "/dev/cpu/N/msr: writes to a reserved counter's registers are EBUSY for a non-holder" {
	[ -e /dev/cpu/0/msr ] || { echo "no /dev/cpu/0/msr (modprobe msr failed)" >&2; false; }
	run_tool 0 reserve --cpus 0 --counters 1 --for uid:1000
	c=$(cookie_of "$output")
	echo "$c" >"$BATS_FILE_TMPDIR/msr"
	W=$(command -v wrmsr || echo /usr/sbin/wrmsr)
	[ -x "$W" ] || { echo "msr-tools' wrmsr is missing" >&2; false; }
	# msr-tools exits 127 on any pwrite error but EIO, and prints errno.
	run -127 "$W" -p 0 0x186 0x43003c
	assert "$output" =~ "busy" "with EBUSY: $output"
	for m in write pwrite ioctl; do
		run MW $m 0 0x186 0x43003c
		assert "$status" == 16 "$m IA32_PERFEVTSEL0: $output"
		run MW $m 0 0xc1 0
		assert "$status" == 16 "$m IA32_PMC0: $output"
		run MW $m 0 0x38f 0
		assert "$status" == 16 "$m GLOBAL_CTRL touches every slot: $output"
		run MW $m 0 0x187 0x43003c
		if [ $m = ioctl ]; then # its register block is not visible: fails closed
			assert "$status" == 16 "$m on a reserved CPU: $output"
		else
			assert "$status" != 16 "$m slot 1 is not reserved: $output"
		fi
		run MW $m 1 0x186 0x43003c
		assert "$status" != 16 "$m CPU 1 is not reserved: $output"
	done
	wait_for 5 grep -q "veto msr write: pid .* (wrmsr) uid 0: cpu 0 msr 0x186 value 0x43003c slot 0 denied EBUSY by reservation" "$LOG"
	# The exporter counts them (from the veto group's totals).
	ip link set lo up
	"$PCRWATCH" serve --listen 127.0.0.1:0 >"$TEST_TMP/serve.out" 2>&1 3>&- &
	local serve=$! url
	wait_for 60 grep -q 'listening on' "$TEST_TMP/serve.out"
	url=$(sed -n 's|.*listening on http://\(.*\)/metrics$|\1|p' "$TEST_TMP/serve.out")
	run "$TESTPROGS/http-get" "$url" /metrics
	kill "$serve"
	wait "$serve" || true
	assert "$output" =~ 'pcrwatch_events_total\{kind="veto"\} [1-9][0-9]*' "vetoes exported"
	assert "$output" =~ 'pcrwatch_events_lost_total 0' "none lost"
}

@test "the holder writes its counter's MSRs unless the direct-MSR bit is cleared" {
	c=$(cat "$BATS_FILE_TMPDIR/msr")
	run_tool 0 grant --cookie "$c" --for uid:0
	run MW pwrite 0 0x186 0x43003c
	assert "$status" != 16 "holder (uid:0 granted): $output"
	run_tool 0 grant --cookie "$c" --direct-msr no
	run MW pwrite 0 0x186 0x43003c
	assert "$status" == 16 "holder without the direct-MSR bit: $output"
	run_tool 0 grant --cookie "$c" --for uid:0 --revoke
	run_tool 0 grant --cookie "$c" --direct-msr yes
}

@test "audit mode lets MSR writes through and logs them" {
	run_tool 0 enforce --audit --once
	run MW pwrite 0 0x186 0x43003c
	assert "$status" != 16 "audit denies nothing: $output"
	wait_for 5 grep -q "audit msr write: .* msr 0x186 .* would be denied by reservation" "$LOG"
	run_tool 0 enforce --once
	run MW pwrite 0 0x186 0x43003c
	assert "$status" == 16 "enforcing again: $output"
}
