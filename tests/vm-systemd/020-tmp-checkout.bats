#!/usr/bin/env bats
# The README's order from a checkout anywhere: a copy of this tree under
# /tmp boots the systemd guest and its command runs from that checkout
# (the guest's tmpfs on /tmp used to hide it: "cd: /tmp/...: No such file
# or directory").

load ../helpers

SD_KERNEL=${VM_SYSTEMD_KERNEL:-6.12}

setup_tier() {
	[ -z "${PCRWATCH_VM:-}" ] || skip "runs on the host: it boots its own guest"
	command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 is not installed (tools/deps)"
	[ -x /lib/systemd/systemd ] || skip "systemd is not installed"
}

teardown_tier() {
	[ -z "${TMPCO:-}" ] || rm -rf "$TMPCO"
}

@test "a checkout under /tmp is the systemd guest's working folder" {
	TMPCO=$(mktemp -d /tmp/pcrwatch-checkout.XXXXXX)
	tar -C "$REPO" --exclude=./build --exclude=./.git -cf - . | tar -x -C "$TMPCO"
	run bash -c 'cd "$1" && exec timeout 600 tools/vm/run --arch amd64 --kernel "$2" --timeout 300 --systemd -- bash -c "pwd; cat /proc/1/comm; test -f tools/vm/init && echo seen"' sh "$TMPCO" "$SD_KERNEL"
	assert "$status" == 0 "the guest command: $output"
	assert "$output" =~ "$TMPCO"$'\n'"systemd"$'\n'"seen" "ran in the /tmp checkout, under systemd"
}
