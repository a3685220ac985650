#!/usr/bin/env bats
# The arbiter module loads and unloads on this guest kernel.

load ../helpers

module_path() {
	echo "$REPO/build/module-$(uname -r)/pcr_arbiter.ko"
}

@test "the arbiter module built for this kernel loads and unloads" {
	skip_unless_guest
	[ -f "$(module_path)" ] || { echo "not built: $(module_path) (make module)" >&2; false; }
	run insmod "$(module_path)"
	assert "$status" == 0 "insmod succeeds: $output"
	grep -q '^pcr_arbiter ' /proc/modules
	run rmmod pcr_arbiter
	assert "$status" == 0 "rmmod succeeds: $output"
	! grep -q '^pcr_arbiter ' /proc/modules
}
