#!/usr/bin/env bats
# The agent's policy file as users write it (issue 22): uid:NAME through
# NSS, every bad line reported with its number, warnings for duplicate
# lines and uids no user has, a UTF-8 byte order mark taken cleanly, and
# the example policy the package ships is valid.

load ../helpers

@test "policy check: every error with its line, duplicates and unknown uids warned, BOM and uid:NAME taken" {
	printf '\xef\xbb\xbfreserve cpus=0 counters=1 for=uid:root\nreserve cpus=0 frobs=1\nreserve  cpus=0 counters=1   for=uid:root # again\nreserve cpus=0 counters=1 for=uid:4242999\nreserve cpus=0 counters=1 for=uid:no-such-user-x\n' \
		>"$TEST_TMP/p"
	run_tool 2 policy check "$TEST_TMP/p"
	assert "$output" =~ "p:2: unknown key 'frobs=1'" "the first error, with its line"
	assert "$output" =~ "p:5: 'uid:no-such-user-x': no such user; the policy in force is unchanged" "and the last"
	assert "$output" =~ "warning: policy: .*p:3: the same as line 1" "a duplicate"
	assert "$output" =~ "warning: policy: .*p:4: uid:4242999: no user has this uid" "an unknown uid"
	assert "$output" !~ $'\xef\xbb\xbf' "no invisible character in any message"
	printf '\xef\xbb\xbfreserve cpus=0 counters=1 for=uid:root\n' >"$TEST_TMP/ok"
	run_tool 0 policy check "$TEST_TMP/ok"
	assert "$output" =~ "1 reservation\(s\), valid" "BOM and uid:NAME"
}

@test "the example policy shipped in /usr/share/doc is valid, each example line uncommented" {
	sed -n 's/^# reserve /reserve /p' "$REPO/ops/examples/policy" >"$TEST_TMP/example"
	[ "$(wc -l <"$TEST_TMP/example")" -ge 2 ]
	run_tool 0 policy check "$TEST_TMP/example"
	assert "$output" =~ "valid"
}
