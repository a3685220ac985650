# shellcheck shell=bash
# What the vm-amd64 files that write MSRs share: the msr driver loaded, no
# veto or reservation left from an earlier file, and msr:write_msr traced
# per CPU, the proof that a refused write never reached the CPU.

TRACE=/sys/kernel/tracing

# load_msr: modprobe, else insmod from the guest kernel cache (modprobe
# finds nothing where the host has no /lib/modules to mount over).
load_msr() {
	local ko d
	[ -e /dev/cpu/0/msr ] && return 0
	modprobe msr 2>/dev/null && return 0
	for d in "${PCRWATCH_CACHE:-}" "$HOME/.cache/pcrwatch" /root/.cache/pcrwatch; do
		ko=$(ls "$d"/kernels/amd64-*/lib/modules/"$(uname -r)"/kernel/arch/x86/kernel/msr.ko* 2>/dev/null | head -1)
		[ -n "$ko" ] && break
	done
	[ -n "$ko" ] || { echo "no msr.ko for $(uname -r)" >&2; return 1; }
	case $ko in
	*.xz) xz -dc "$ko" >"$BATS_FILE_TMPDIR/msr.ko" && ko=$BATS_FILE_TMPDIR/msr.ko ;;
	esac
	insmod "$ko" && wait_for 5 test -e /dev/cpu/1/msr
}

# clean_slate: no veto attached and no reservation left by an earlier file
# (detach keeps the reservation maps pinned).
clean_slate() {
	"$BUILD/pcrwatch" detach >/dev/null 2>&1
	rm -rf /sys/fs/bpf/pcrwatch/veto
}

# trace_msrs MSR...: record msr:write_msr for these registers, from now.
trace_msrs() {
	local f="" m
	for m in "$@"; do f="${f:+$f || }msr == $m"; done
	echo 0 >$TRACE/tracing_on
	echo "$f" >$TRACE/events/msr/write_msr/filter
	echo 1 >$TRACE/events/msr/write_msr/enable
	echo >$TRACE/trace
	echo 1 >$TRACE/tracing_on
}

# written CPU: how many traced writes reached that CPU.
written() {
	grep -c 'write_msr:' "$TRACE/per_cpu/cpu$1/trace" || true
}

# refused_unwritten CPU MSR STATUS OUTPUT: a refusal that left no trace.
refused_unwritten() {
	assert "$3" == 16 "EBUSY: $4"
	assert "$(written "$1")" == 0 "msr:write_msr never fired on CPU $1 for $2 ($4)"
}
