#!/usr/bin/env bats
# The arm64 guest itself: the right kernel and its emulated PMU.

load ../helpers

@test "the guest runs the Debian kernel named for this tier" {
	skip_unless_guest
	case $PCRWATCH_VM in
	arm64-6.1) assert "$(uname -r)" =~ ^6\.1\.0-.*-arm64$ ;;
	arm64-6.12) assert "$(uname -r)" =~ ^6\.12\..*-arm64$ ;;
	arm64-7.x) assert "$(uname -r)" =~ '^7\.[0-9]+\.[0-9]+\+deb13-arm64$' ;;
	*) false ;;
	esac
}

@test "the emulated armv8 PMU is seen by pcrwatch selftest" {
	skip_unless_guest
	run_tool 0 selftest
	assert "$output" =~ "hardware PMU +yes"
	assert "$output" =~ "armv8_pmuv3"
}
