#!/usr/bin/env bats
# The arm64 Debian package on arm64: the tool as pcrwatch_<VERSION>_arm64.deb
# ships it (dynamically linked, exporter included, unlike the static guest
# tool), with its dependencies as apt resolves them for arm64 bookworm, all
# unpacked on the host into build/deb/arm64/root (make deb-arm64-root;
# make check-vm-arm64 runs it) and chrooted into here. Its version is
# VERSION's, selftest sees the emulated PMU, and its exporter serves
# build_info with that version.

load ../helpers

PKGROOT=$REPO/build/deb/arm64/root

mounted() { grep -q " $1 " /proc/mounts; }

setup_tier() {
	skip_unless_guest
	[ -x "$PKGROOT/usr/sbin/pcrwatch" ] || skip "the arm64 package was not built: $(
		cat "$REPO/build/deb/arm64/NOT-BUILT" 2>/dev/null ||
			echo "no $PKGROOT (make deb-arm64-root on the host)")"
	local d
	for d in proc sys dev; do
		mounted "$PKGROOT/$d" || mount -o rbind "/$d" "$PKGROOT/$d"
	done
	PIDS=()
}

teardown_tier() {
	stop_pids
	return 0
}

teardown_file() {
	local d
	for d in dev sys proc; do
		! mounted "$PKGROOT/$d" || umount -l "$PKGROOT/$d"
	done
	return 0
}

# pkg ARGS...: the packaged pcrwatch, in its own root.
pkg() { timeout "${RUN_TOOL_TIMEOUT:-180}" chroot "$PKGROOT" /usr/sbin/pcrwatch "$@"; }

@test "the package's pcrwatch --version is VERSION's, linked against the package's dependencies" {
	run pkg --version
	assert "$status" == 0 "$output"
	assert "$output" == "pcrwatch $(cat "$REPO/VERSION")" "the version from VERSION"
	# The dynamic loader the binary names, from libc6:arm64, resolves
	# every library from the packages apt chose for its Depends.
	run chroot "$PKGROOT" /lib/ld-linux-aarch64.so.1 --list /usr/sbin/pcrwatch
	assert "$status" == 0 "$output"
	assert "$output" =~ "libmicrohttpd\.so\.12 => /" "the exporter's library"
	assert "$output" =~ "libbpf\.so\.1 => /" "libbpf"
	assert "$output" !~ "not found" "every library found"
}

@test "the package's selftest sees the emulated armv8 PMU" {
	run pkg selftest
	assert "$status" == 0 "$output"
	assert "$output" =~ "hardware PMU +yes"
	assert "$output" =~ "armv8_pmuv3"
}

@test "the package's exporter is built in and serves build_info with VERSION" {
	ip link set lo up
	pkg serve --listen 127.0.0.1:0 >"$TEST_TMP/serve.out" 2>&1 3>&- &
	PIDS+=($!)
	wait_for 60 grep -q 'listening on' "$TEST_TMP/serve.out" || {
		cat "$TEST_TMP/serve.out" >&2
		false
	}
	local hostport
	hostport=$(sed -n 's|.*listening on http://\([^/]*\)/.*|\1|p' "$TEST_TMP/serve.out")
	run "$TESTPROGS/http-get" "$hostport" /metrics
	assert "$status" == 0 "$output"
	assert "$output" =~ "pcrwatch_build_info\{version=\"$(cat "$REPO/VERSION")\"" "build_info"
}
