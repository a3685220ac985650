# shellcheck shell=bash
# Helpers for tests that hold perf events: `load ../perf` after ../helpers.
# Holders started with `hold` are killed by stop_holders (call it from
# teardown_tier).

HOLDERS=()

# hold NAME ARGS...: start tests/progs/perf_hold with ARGS and wait until its
# events are open; its pid is then in $TEST_TMP/NAME.
hold() {
	local name=$1
	shift
	"$TESTPROGS/perf_hold" -r "$TEST_TMP/$name" "$@" >/dev/null &
	HOLDERS+=($!)
	wait_for 20 test -s "$TEST_TMP/$name"
	[ "$(cat "$TEST_TMP/$name")" = "$!" ]
}

stop_holders() {
	local p
	for p in "${HOLDERS[@]}"; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	HOLDERS=()
	return 0
}

# who_json: `pcrwatch who --json` from CPU 0, so that it never displaces the
# task events of a holder running on CPU 1.
who_json() {
	run timeout 60 taskset -c 0 "$PCRWATCH" who --json
	[ "$status" = 0 ] || { echo "$output" >&2; return 1; }
}

# field OBJECT KEY: one value of a flat JSON object.
field() {
	sed -n "s/.*\"$2\":\"\{0,1\}\([^,\"}]*\).*/\1/p" <<<"$1"
}

# events_of PID: the JSON event objects in $output (who --json) owned by PID.
events_of() {
	grep -o '{"cpu":[^}]*}' <<<"$output" | grep "\"pid\":$1,"
}

# Real clients (arm64 guest): Debian's perf and PAPI from tools/vm/rootfs-arm64,
# unpacked into a tmpfs (9p page-ins make them start 5-20x slower) and run
# chrooted there with the guest's /proc, /sys and /dev.
CLIENTS_ROOT=/run/pcrwatch-clients
CLIENTS=()

# clients_root: unpack the clients once per boot; on failure say why.
clients_root() {
	local r=$CLIENTS_ROOT
	local tgz=/host${PCRWATCH_CACHE:-/root/.cache/pcrwatch}/rootfs-arm64.tar.gz
	[ -f "$r/.ready" ] && return 0
	[ -f "$tgz" ] || {
		echo "no $tgz: tools/vm/rootfs-arm64 (make deps) builds it"
		return 1
	}
	mkdir -p "$r" && mount -t tmpfs tmpfs "$r" && tar -xzf "$tgz" -C "$r" &&
		mkdir -p "$r/proc" "$r/sys" "$r/dev" "$r/tmp" &&
		mount --bind /proc "$r/proc" && mount -o rbind /sys "$r/sys" &&
		mount -o rbind /dev "$r/dev" && mount -t tmpfs tmpfs "$r/tmp" &&
		touch "$r/.ready"
}

# client [-c CPU] [VAR=VALUE...] PROGRAM ARGS...: run PROGRAM from the
# clients' root with a clean environment, pinned to CPU if given.
client() {
	client_argv "$@"
	"${ARGV[@]}"
}

# client_argv: the command line client runs, in ARGV; taskset, env and chroot
# each exec the next, so a client started with exec keeps its pid.
client_argv() {
	ARGV=()
	if [ "$1" = -c ]; then
		ARGV=(taskset -c "$2")
		shift 2
	fi
	ARGV+=(env -i HOME=/tmp PATH=/usr/bin:/bin)
	while [[ $1 == *=* ]]; do
		ARGV+=("$1")
		shift
	done
	ARGV+=(chroot "$CLIENTS_ROOT" "$@")
}

# A perl workload in the clients' root that ends when /tmp/stop appears
# there (stop_clients) or after 60 s: spin keeps its CPU busy, idle sleeps.
spin_until_stop() {
	echo 'my $t = time; until (-e "/tmp/stop" || time - $t > 60) { 1 for 1 .. 20000 }'
}
idle_until_stop() {
	echo 'for (1 .. 1200) { last if -e "/tmp/stop"; select(undef, undef, undef, 0.05) }'
}

# bg_client NAME [-c CPU] ARGS...: `client ARGS` in the background, output in
# $TEST_TMP/NAME.out, its pid in $TEST_TMP/NAME.
bg_client() {
	local name=$1
	shift
	client_argv "$@"
	(exec "${ARGV[@]}" >"$TEST_TMP/$name.out" 2>&1 3>&-) &
	CLIENTS+=($!)
	echo $! >"$TEST_TMP/$name"
}

# exited PID: PID has ended (a zombie not yet reaped counts as ended).
exited() {
	[ ! -e "/proc/$1/stat" ] || [ "$(sed 's/.*) //' "/proc/$1/stat" | cut -c1)" = Z ]
}

# end_client NAME: end the workloads, wait (bounded) for client NAME to exit;
# its exit status is then in $status and its output in $output.
end_client() {
	local p
	p=$(cat "$TEST_TMP/$1")
	touch "$CLIENTS_ROOT/tmp/stop"
	wait_for 30 exited "$p" || kill -9 "$p"
	status=0
	wait "$p" || status=$?
	output=$(cat "$TEST_TMP/$1.out")
	rm -f "$CLIENTS_ROOT/tmp/stop"
}

# stop_clients: end the workloads, then kill whatever client is left.
stop_clients() {
	local p
	[ ${#CLIENTS[@]} -gt 0 ] || return 0
	touch "$CLIENTS_ROOT/tmp/stop"
	for p in "${CLIENTS[@]}"; do
		wait_for 20 exited "$p" || kill -9 "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	CLIENTS=()
	rm -f "$CLIENTS_ROOT/tmp/stop"
	return 0
}
