#!/usr/bin/env bats
# The command line itself: help, version, usage errors, exit codes.

load ../helpers

@test "pcrwatch --help lists the commands and exit codes" {
	run_tool 0 --help
	assert "$output" =~ "Commands:" "help has a command list"
	assert "$output" =~ "selftest" "selftest is listed"
	assert "$output" =~ "2 usage" "exit codes are documented"
}

@test "an unknown command is a usage error (exit 2)" {
	run_tool 2 frobnicate
	assert "$output" =~ "unknown command 'frobnicate'"
}

@test "an unknown global flag is a usage error (exit 2)" {
	run_tool 2 --no-such-flag
}

@test "selftest with an argument is a usage error (exit 2)" {
	run_tool 2 selftest extra
	assert "$output" =~ "unexpected argument 'extra'"
}

@test "selftest on the build host states that there is no hardware PMU" {
	require_root
	[ -n "${PCRWATCH_VM:-}" ] && skip "host-only expectation"
	run_tool 0 selftest
	assert "$output" =~ "hardware PMU +no" "no PMU is said plainly"
}
