#!/usr/bin/env bats
# One style everywhere: `make format` must change nothing in the tree.

load ../helpers

@test "every C file is formatted as .clang-format says (make format-check)" {
	command -v clang-format >/dev/null || skip "clang-format is not installed (tools/deps installs it)"
	run make -s -C "$REPO" format-check
	assert "$status" == 0 "files that make format would change: $output"
}
