# shellcheck shell=bash
# Helpers for the pcr_arbiter tests: `load arbiter` after `load ../helpers`.

ARB_KO=$REPO/build/module-$(uname -r)/pcr_arbiter.ko
PCR_CLIENT=$TESTPROGS/pcr_client
ARB_PINS=/sys/fs/bpf/pcrwatch/arbiter
# Cookies the tests present; the secrecy test looks for them everywhere.
MGMT=0xabcdef123456
MGMT2=0x0fedcba98765
ACC=0x0badc0ffee01

setup_tier() {
	skip_unless_guest
	local why=${ARB_KO%/*}/NOT-BUILT
	[ ! -f "$why" ] || skip "module not built for $(uname -r): $(cat "$why")"
	[ -f "$ARB_KO" ] || { echo "not built: $ARB_KO (make module)" >&2; return 1; }
	[ -x "$PCR_CLIENT" ] || { echo "not built: $PCR_CLIENT (make)" >&2; return 1; }
	arb_unload
}

teardown_tier() {
	[ -n "${PCRWATCH_VM:-}" ] || return 0
	local online=/sys/devices/system/cpu/cpu1/online
	[ -f $online ] && [ "$(cat $online)" = 0 ] && echo 1 >$online
	arb_unload
}

arb_loaded() {
	grep -q '^pcr_arbiter ' /proc/modules
}

# arb_load PARAM...: load the module fresh with these parameters.
arb_load() {
	arb_unload
	run insmod "$ARB_KO" "$@"
	assert "$status" == 0 "insmod $*: $output"
	wait_for 5 test -c /dev/cpu/0/pcr
}

arb_unload() {
	[ -e $ARB_PINS ] && "$PCRWATCH" detach >/dev/null 2>&1
	# the tests' kernel API client (014) holds a reference on the module
	if grep -q '^pcr_kclient ' /proc/modules; then rmmod pcr_kclient; fi
	if arb_loaded; then rmmod pcr_arbiter; fi
	! arb_loaded
}

# pcr [-c CPU] CMD...: run pcr_client; sets $status and $output.
pcr() {
	run timeout 20 "$PCR_CLIENT" "$@"
}

# pcr_expect STATUS [-c CPU] CMD...: run pcr_client, check its exit status.
pcr_expect() {
	local want=$1
	shift
	pcr "$@"
	if [ "$status" != "$want" ]; then
		echo "pcr_client $*: exit $status, expected $want" >&2
		echo "$output" >&2
		return 1
	fi
}

# denials VERDICT: the module's count of refusals with that verdict.
denials() {
	"$PCR_CLIENT" info | tr ' ,' '\n\n' | sed -n "s/^$1:\([0-9]*\)$/\1/p"
}

EBUSY=16 EPERM=1 EINVAL=22 ENXIO=6 EOPNOTSUPP=95
