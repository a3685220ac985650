#!/usr/bin/env bats
# Files pcrwatch obeys with root's authority (issue 20, item 3): a policy
# file, or a folder above it, that anyone but root could write, and a
# symlink through such a folder, are refused by `policy load` and by the
# agent's SIGHUP reload, naming the path; the policy in force stays. The
# same for cookie files. Files of another user are made with chown/chmod
# (root), and each attack is first shown to be set up.

load ../helpers

OTHER=2000

setup_tier() {
	require_root
	[ -n "${PCRWATCH_VM:-}" ] && skip "host tier"
	"$PCRWATCH" detach >/dev/null 2>&1 || true
	rm -rf /sys/fs/bpf/pcrwatch
	export PCRWATCH_LOG_DIR=$TEST_TMP/log
	export PCRWATCH_MSR_PMU=intel:4:3:4
	export PCRWATCH_COOKIE_KEY=$TEST_TMP/key/cookie.key
	PIDS=()
	chmod 0755 "$TEST_TMP"
	mkdir -m 0755 "$TEST_TMP/etc"
	printf 'reserve cpus=0 counters=1 for=uid:1000\n' >"$TEST_TMP/etc/policy"
	# What the attacker wants in force instead.
	EVIL='reserve cpus=1 counters=1 for=uid:2000'
}

teardown_tier() {
	stop_pids
	"$PCRWATCH" detach >/dev/null 2>&1 || true
	rm -rf /sys/fs/bpf/pcrwatch
	return 0
}

# in_force_is_the_old_one: uid 1000's reservation, none for the attacker.
in_force_is_the_old_one() {
	run_tool 0 list
	assert "$output" =~ "uid:1000 \(policy\)" "the old policy is in force"
	assert "$output" !~ "uid:2000" "nothing of the refused file"
}

# refused FILE OFFENDER REASON: policy load FILE is refused, naming
# OFFENDER (a path) and REASON, and the old policy stays.
refused() {
	run_tool 2 policy load "$1"
	assert "$output" =~ "$2: $3" "names $2 and why"
	assert "$output" =~ "the policy in force is unchanged"
	in_force_is_the_old_one
}

@test "policy load: a file another user owns, or its group or others can write, is refused" {
	run_tool 0 policy load "$TEST_TMP/etc/policy"
	echo "$EVIL" >"$TEST_TMP/etc/theirs"
	chown "$OTHER:$OTHER" "$TEST_TMP/etc/theirs"
	assert "$(stat -c %u "$TEST_TMP/etc/theirs")" == "$OTHER" "set up: another user's file"
	refused "$TEST_TMP/etc/theirs" "$TEST_TMP/etc/theirs" "file owned by uid $OTHER"
	echo "$EVIL" >"$TEST_TMP/etc/group-w"
	chmod 0664 "$TEST_TMP/etc/group-w"
	refused "$TEST_TMP/etc/group-w" "$TEST_TMP/etc/group-w" "file writable by its group \(mode 0664\)"
	echo "$EVIL" >"$TEST_TMP/etc/world-w"
	chmod 0646 "$TEST_TMP/etc/world-w"
	refused "$TEST_TMP/etc/world-w" "$TEST_TMP/etc/world-w" "file writable by others"
	# policy check says the same, and a good file still loads.
	run_tool 2 policy check "$TEST_TMP/etc/world-w"
	assert "$output" =~ "writable by others"
	run_tool 0 policy load "$TEST_TMP/etc/policy"
}

@test "policy load: a folder above the file that others can write, or another user owns, is refused" {
	run_tool 0 policy load "$TEST_TMP/etc/policy"
	mkdir -m 0777 "$TEST_TMP/open"
	chmod 0777 "$TEST_TMP/open"
	echo "$EVIL" >"$TEST_TMP/open/policy"
	refused "$TEST_TMP/open/policy" "$TEST_TMP/open" "directory writable by others \(mode 0777\) on the way to $TEST_TMP/open/policy"
	mkdir -m 0755 "$TEST_TMP/theirs.d"
	chown "$OTHER" "$TEST_TMP/theirs.d"
	echo "$EVIL" >"$TEST_TMP/theirs.d/policy"
	refused "$TEST_TMP/theirs.d/policy" "$TEST_TMP/theirs.d" "directory owned by uid $OTHER"
	# Two levels up, through a relative path.
	mkdir -p "$TEST_TMP/open/deep/er"
	echo "$EVIL" >"$TEST_TMP/open/deep/er/policy"
	cd "$TEST_TMP/open/deep"
	refused er/policy "$TEST_TMP/open" "directory writable by others"
}

@test "policy load: a symlink through a folder others can write is refused; through root's folders it works" {
	run_tool 0 policy load "$TEST_TMP/etc/policy"
	mkdir -m 0777 "$TEST_TMP/open"
	chmod 0777 "$TEST_TMP/open"
	# A link in the open folder, to a good file: whoever can write the
	# folder can point it elsewhere.
	ln -s "$TEST_TMP/etc/policy" "$TEST_TMP/open/link"
	refused "$TEST_TMP/open/link" "$TEST_TMP/open" "directory writable by others"
	# A link in root's folder, into the open one.
	echo "$EVIL" >"$TEST_TMP/open/policy"
	ln -s ../open/policy "$TEST_TMP/etc/to-open"
	refused "$TEST_TMP/etc/to-open" "$TEST_TMP/open" "directory writable by others"
	# A link another user owns, in a sticky folder (as /tmp).
	mkdir -m 1777 "$TEST_TMP/sticky"
	chmod 1777 "$TEST_TMP/sticky"
	ln -s "$TEST_TMP/etc/policy" "$TEST_TMP/sticky/link"
	chown -h "$OTHER" "$TEST_TMP/sticky/link"
	refused "$TEST_TMP/sticky/link" "$TEST_TMP/sticky/link" "symlink owned by uid $OTHER"
	# Root's own links through root's folders are followed.
	printf 'reserve cpus=0 counters=2 for=uid:1001\n' >"$TEST_TMP/etc/policy2"
	ln -s policy2 "$TEST_TMP/etc/current"
	run_tool 0 policy load "$TEST_TMP/etc/current"
	run_tool 0 list
	assert "$output" =~ "uid:1001 \(policy\)" "a trusted symlink works"
}

@test "agent: a SIGHUP reload of a file another user can now write is refused; the policy stays in force" {
	[ -e /sys/kernel/tracing/events/msr/write_msr ] ||
		[ -e /sys/kernel/debug/tracing/events/msr/write_msr ] ||
		skip "this kernel has no msr tracepoints (the agent's start test needs them)"
	"$PCRWATCH" agent --no-journal --policy "$TEST_TMP/etc/policy" >"$TEST_TMP/agent.out" 2>&1 3>&- &
	local agent=$!
	PIDS+=($agent)
	wait_for 30 grep -q "events   msr: logged" "$TEST_TMP/agent.out" || {
		cat "$TEST_TMP/agent.out" >&2
		false
	}
	in_force_is_the_old_one
	# uid 2000 is handed the file, and rewrites it.
	chown "$OTHER" "$TEST_TMP/etc/policy"
	echo "$EVIL" >"$TEST_TMP/etc/policy"
	kill -HUP "$agent"
	wait_for 10 grep -q "SIGHUP: the policy in force is unchanged" "$TEST_TMP/agent.out"
	run cat "$TEST_TMP/agent.out"
	assert "$output" =~ "$TEST_TMP/etc/policy: file owned by uid $OTHER" "the path and why"
	in_force_is_the_old_one
	# Given back to root (and made group-writable): still refused.
	chown root "$TEST_TMP/etc/policy"
	chmod 0664 "$TEST_TMP/etc/policy"
	kill -HUP "$agent"
	wait_for 10 grep -q "writable by its group" "$TEST_TMP/agent.out"
	in_force_is_the_old_one
	# And an agent started on such a file loads nothing from it.
	kill "$agent"
	wait "$agent" || true
	rm -rf /sys/fs/bpf/pcrwatch
	run timeout 60 "$PCRWATCH" agent --no-journal --policy "$TEST_TMP/etc/policy"
	assert "$status" != 0 "the agent refuses to start on it"
	assert "$output" =~ "$TEST_TMP/etc/policy: file writable by its group"
}

@test "release --cookie-file: a cookie file others can write is refused" {
	run_tool 0 reserve --cpus 0 --counters 1 --for uid:1000
	c=$(sed -n 's/^management cookie: //p' <<<"$output")
	[ -n "$c" ]
	printf '%s\n' "$c" >"$TEST_TMP/etc/cookie"
	chmod 0666 "$TEST_TMP/etc/cookie"
	run_tool 2 release --cookie-file "$TEST_TMP/etc/cookie"
	assert "$output" =~ "$TEST_TMP/etc/cookie: file writable by others" "named, with why"
	run_tool 0 list
	assert "$output" =~ "uid:1000" "the reservation is still there"
	chmod 0600 "$TEST_TMP/etc/cookie"
	run_tool 0 release --cookie-file "$TEST_TMP/etc/cookie"
	assert "$output" =~ "released reservation"
}
