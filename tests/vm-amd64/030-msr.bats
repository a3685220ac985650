#!/usr/bin/env bats
# Direct MSR programming in the amd64 guest: msr-tools' wrmsr through
# /dev/cpu/N/msr, seen by the msr group and attributed to the process.
# The guest's CPU (QEMU TCG, -cpu max) says AuthenticAMD and has no vPMU:
# CPUID discovery gives the AMD legacy counters, and the Intel registers of
# the issue (0x186, 0xC1, 0x38F) are tested with PCRWATCH_MSR_PMU telling
# the programs to model an Intel PMU. TCG accepts PMU MSR writes without
# #GP and keeps no value.

load ../helpers

TR() { "$TESTPROGS/msr_testrun" "$@"; }

field() {
	local line
	while IFS= read -r line; do
		[[ $line == "$1="* ]] && { echo "${line#*=}"; return 0; }
	done <<<"$output"
	return 1
}

attach_as() { # SHAPE (empty: CPUID)
	"$PCRWATCH" detach >/dev/null 2>&1 || true
	PCRWATCH_MSR_PMU=$1 run_tool 0 attach
	assert "$output" =~ "msr +attached: raw_tp" "attached with raw_tp"
}

# tool NAME: a copy of wrmsr whose comm is NAME
tool() {
	[ -x "$TEST_TMP/$1" ] || cp "$(command -v wrmsr)" "$TEST_TMP/$1"
	echo "$TEST_TMP/$1"
}

# as_pid PIDFILE CMD...: run CMD as a process whose pid lands in PIDFILE
as_pid() {
	local f=$1
	shift
	bash -c 'echo $$ >"$0"; exec "$@"' "$f" "$@"
}

setup_tier() {
	skip_unless_guest
	[ -e /dev/cpu/0/msr ] || modprobe msr || skip "no msr module in this guest kernel"
	command -v wrmsr >/dev/null || skip "msr-tools not installed (make deps)"
}

teardown_tier() {
	"$PCRWATCH" detach >/dev/null 2>&1 || true
}

@test "CPUID discovery: the AMD guest's PERF_CTL0 written by a named process is attributed to it" {
	attach_as ""
	assert "$output" =~ "PMU amd \(CPUID AuthenticAMD\), 4 general" "discovered, not assumed"
	as_pid "$TEST_TMP/pid" "$(tool pcrw-amd)" -p 0 0xc0010000 0x43003c
	run_tool 0 who --json
	assert "$output" =~ "\"cpu\":0,\"hw_idx\":0,\"slot\":0,\"layer\":\"user\",\"path\":\"msr\",\"attributed\":true,\"pid\":$(cat "$TEST_TMP/pid"),[^}]*\"comm\":\"pcrw-amd\"" "who names the writer"
	run TR cpu 0
	assert "$(field nr_direct)" == 1
	wrmsr -p 0 0x186 0x43003c
	run TR cpu 0
	assert "$(field nr_pmu_writes)" == 1 "0x186 is no PMU register on this AMD CPU"
}

@test "wrmsr on 0x186, 0xC1 and 0x38F is attributed to the writing process" {
	attach_as intel:4:3:4
	as_pid "$TEST_TMP/p1" "$(tool pcrw-sel)" -p 0 0x186 0x43003c
	as_pid "$TEST_TMP/p2" "$(tool pcrw-sel)" -p 0 0xc1 0x0
	as_pid "$TEST_TMP/p3" "$(tool pcrw-glob)" -p 0 0x38f 0x1
	run TR slot 0 0
	assert "$(field owner_comm)" == pcrw-sel
	assert "$(field owner_tgid)" == "$(cat "$TEST_TMP/p1")" "0x186 programmed by the first process"
	assert "$(field owner_path)" == 2 "path msr"
	assert "$(field attempt_msr)" == 0xc1
	assert "$(field attempt_tgid)" == "$(cat "$TEST_TMP/p2")" "0xC1 written by the second"
	run TR cpu 0
	assert "$(field global_msr)" == 0x38f
	assert "$(field global_tgid)" == "$(cat "$TEST_TMP/p3")" "0x38F written by the third"
	assert "$(field global_comm)" == pcrw-glob
	assert "$(field nr_direct)" == 3
	run_tool 0 who
	assert "$output" =~ "pcrw-glob\[$(cat "$TEST_TMP/p3")\] +global msr 0x38f"
}

@test "two processes programming the same counter: one clobber event naming both" {
	attach_as intel:4:3:4
	as_pid "$TEST_TMP/a" "$(tool pcrw-tool-a)" -p 0 0x186 0x43003c
	as_pid "$TEST_TMP/b" "$(tool pcrw-tool-b)" -p 0 0x186 0x4300c0
	run_tool 0 events --json
	assert "$(grep -c '"kind":"clobber"' <<<"$output")" == 1 "exactly one clobber"
	assert "$output" =~ "\"kind\":\"clobber\",\"cpu\":0,[^{]*\"slot\":0,\"msr\":390,.*\"actor\":\\{[^}]*\"pid\":$(cat "$TEST_TMP/b"),[^}]*\"comm\":\"pcrw-tool-b\".*\"prev\":\\{[^}]*\"pid\":$(cat "$TEST_TMP/a"),[^}]*\"comm\":\"pcrw-tool-a\"" "actor b, previous owner a"
	assert "$output" =~ '"type":"counts","group":"msr","clobber":1,'
}

@test "a write to another CPU's msr device runs there from an IPI and is still attributed" {
	[ "$(nproc)" -ge 2 ] || skip "needs two CPUs"
	attach_as intel:4:3:4
	as_pid "$TEST_TMP/p" taskset -c 0 "$(tool pcrw-remote)" -p 1 0x187 0x43003c
	run TR slot 1 1
	assert "$(field owner_comm)" == pcrw-remote
	assert "$(field owner_tgid)" == "$(cat "$TEST_TMP/p")"
	run TR slot 0 1
	assert "$(field owned)" == 0 "nothing on CPU 0"
}

@test "the tracepoint fallback reads the same record: a direct write is attributed" {
	"$PCRWATCH" detach >/dev/null 2>&1 || true
	PCRWATCH_MSR_ATTACH=tracepoint run_tool 0 attach
	assert "$output" =~ "msr +attached: tracepoint on msr:write_msr"
	as_pid "$TEST_TMP/p" "$(tool pcrw-tp)" -p 0 0xc0010002 0x43003c
	run TR slot 0 2
	assert "$(field owner_comm)" == pcrw-tp
	assert "$(field owner_tgid)" == "$(cat "$TEST_TMP/p")"
	assert "$(field evtsel)" == 0x43003c
	assert "$(field enabled)" == 1
}

@test "the start-up scan reads every CPU's event selects through /dev/cpu/N/msr" {
	"$PCRWATCH" detach >/dev/null 2>&1 || true
	wrmsr -p 0 0xc0010001 0x43003c
	if [ "$(rdmsr -p 0 0xc0010001)" = 0 ]; then
		attach_as ""
		assert "$output" =~ "$(nproc) CPUs scanned, 0 counters firmware-held" "scan ran"
		skip "TCG keeps no PMU MSR value: nothing can be found enabled at start-up here"
	fi
	attach_as ""
	assert "$output" =~ "1 counters firmware-held"
	run_tool 0 events --json
	assert "$output" =~ '"kind":"firmware-held","cpu":0,[^{]*"slot":1,'
}
