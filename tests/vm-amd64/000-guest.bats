#!/usr/bin/env bats
# The amd64 guest itself: the right kernel, and what it lets pcrwatch do.

load ../helpers

@test "the guest runs the Debian kernel named for this tier" {
	skip_unless_guest
	case $PCRWATCH_VM in
	amd64-6.1) assert "$(uname -r)" =~ ^6\.1\.0-.*-amd64$ ;;
	amd64-6.12) assert "$(uname -r)" =~ ^6\.12\..*-amd64$ ;;
	amd64-7.x) assert "$(uname -r)" =~ '^7\.[0-9]+\.[0-9]+\+deb13-amd64$' ;;
	*) false ;;
	esac
}

@test "BPF LSM programs attach in the amd64 guest" {
	skip_unless_guest
	run_tool 0 selftest
	assert "$output" =~ "lsm/perf_event_open attaches +yes"
}
