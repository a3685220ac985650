#!/usr/bin/env bats
# Monitoring that tells the truth (issue 22): the alert rules for the
# exporter gone (up == 0, absent()), the policy not in force, the agent
# down and a reservation whose principal no longer resolves, each tested
# with promtool on series scraped from a real agent and exporter on this
# host (a policy in force, its cgroup recreated and then followed by the
# agent, a bad reload, the agent stopped); `up` is Prometheus' own series, so it is given as input. And
# the exporter exports only groups that can exist on the machine.

load ../helpers

OPS=$REPO/ops

setup_tier() {
	require_root
	[ -n "${PCRWATCH_VM:-}" ] && skip "host tier"
	command -v promtool >/dev/null || skip "promtool is not installed (tools/deps)"
	[ -e /sys/kernel/tracing/events/msr/write_msr ] ||
		[ -e /sys/kernel/debug/tracing/events/msr/write_msr ] ||
		skip "this kernel has no msr tracepoints"
	export PCRWATCH_MSR_PMU=intel:4:3:4
	export PCRWATCH_LOG_DIR=$TEST_TMP/log
	"$PCRWATCH" detach --all >/dev/null 2>&1 || true
	PIDS=()
}

teardown_tier() {
	stop_pids
	"$PCRWATCH" detach --all >/dev/null 2>&1 || true
	[ -z "${CG:-}" ] || rmdir "$CG" 2>/dev/null || true
	rm -f /run/pcrwatch/agent.state /run/pcrwatch/agent.log-dir
}

scrape() { curl -sf "$URL" >"$TEST_TMP/$1"; }

@test "alerts for the exporter gone, the policy not in force, the agent down and an unresolved principal: promtool on real scrapes" {
	run promtool check rules "$OPS/prometheus/pcrwatch-alerts.yml"
	assert "$status" == 0 "$output"
	local root
	root=$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
	[ -n "$root" ] || skip "no cgroup2 mount"
	CG=$(mktemp -d "$root/pcrwatch-fleet.XXXXXX")
	printf 'reserve cpus=0 counters=1 for=cgroup:%s\n' "$CG" >"$TEST_TMP/policy"
	"$PCRWATCH" agent --no-journal --policy "$TEST_TMP/policy" >"$TEST_TMP/agent.out" 2>&1 3>&- &
	local agent=$!
	PIDS+=($agent)
	wait_for 30 grep -q "events   msr: logged" "$TEST_TMP/agent.out"
	"$PCRWATCH" serve --listen 127.0.0.1:0 >"$TEST_TMP/serve.out" 2>&1 3>&- &
	PIDS+=($!)
	wait_for 10 grep -q 'listening on' "$TEST_TMP/serve.out"
	URL=$(sed -n 's|.*listening on \(.*\)$|\1|p' "$TEST_TMP/serve.out")
	scrape a0
	assert "$(cat "$TEST_TMP/a0")" =~ $'\npcrwatch_policy_in_force 1\n' "in force"
	assert "$(cat "$TEST_TMP/a0")" =~ $'\npcrwatch_agent_running 1\n' "the agent runs"
	local id t
	id=$(sed -n 's/^pcrwatch_reservation_principals_unresolved{reservation="\([0-9]*\)"} 0$/\1/p' "$TEST_TMP/a0")
	[ -n "$id" ] || { grep unresolved "$TEST_TMP/a0" >&2; false; }
	t=$(sed -n 's/^pcrwatch_policy_last_reload_success_timestamp_seconds \([0-9]*\)$/\1/p' "$TEST_TMP/a0")
	[ "$((t - $(date +%s)))" -le 5 ] && [ "$(($(date +%s) - t))" -le 60 ]
	# the service restarts: its cgroup is removed and made again
	rmdir "$CG" && mkdir "$CG"
	scrape a1
	assert "$(cat "$TEST_TMP/a1")" =~ "pcrwatch_reservation_principals_unresolved\{reservation=\"$id\"\} 1" "recreated: another cgroup now"
	# ... which the agent notices on its tick and follows: the policy again
	wait_for 15 grep -q "a cgroup it names was recreated: loaded it again" "$TEST_TMP/agent.out"
	scrape a1b
	assert "$(grep -c '^pcrwatch_reservation_principals_unresolved{.*} 0$' "$TEST_TMP/a1b")" == 1 "resolved again"
	assert "$(cat "$TEST_TMP/a1b")" !~ "unresolved\{reservation=\"$id\"\}" "in a new reservation"
	t=$(sed -n 's/^pcrwatch_policy_last_reload_success_timestamp_seconds \([0-9]*\)$/\1/p' "$TEST_TMP/a1b")
	printf 'reserve cpus=0 frobs=1\n' >"$TEST_TMP/policy"
	kill -HUP "$agent"
	wait_for 10 grep -q "SIGHUP: the policy in force is unchanged" "$TEST_TMP/agent.out"
	scrape a2
	assert "$(cat "$TEST_TMP/a2")" =~ $'\npcrwatch_policy_in_force 0\n' "refused"
	assert "$(cat "$TEST_TMP/a2")" =~ $'\npcrwatch_policy_last_reload_success_timestamp_seconds '"$t"$'\n' "the last good load's time stays"
	kill "$agent"
	wait "$agent" || true
	scrape a3
	assert "$(cat "$TEST_TMP/a3")" =~ $'\npcrwatch_agent_running 0\n' "stopped"
	run promtool check metrics <"$TEST_TMP/a3"
	assert "$status" == 0 "promtool lint: $output"
	{
		cat <<EOF2
rule_files: [ $OPS/prometheus/pcrwatch-alerts.yml ]
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
      - series: 'up{instance="host",job="pcrwatch"}'
        values: '1x9 0x20'
EOF2
		"$REPO/tests/host/prom-series.py" host "$TEST_TMP/a0:10" "$TEST_TMP/a1:10" \
			"$TEST_TMP/a2:10" "$TEST_TMP/a3:10"
		sed "s/@RESV@/$id/g" "$REPO/tests/host/076-ops-fleet.alerts.yml"
	} >"$TEST_TMP/test.yml"
	run promtool test rules "$TEST_TMP/test.yml"
	assert "$status" == 0 "promtool test rules: $output"
}

@test "the exporter exports only groups that can exist here: no msr group off x86" {
	"$PCRWATCH" serve --listen 127.0.0.1:0 >"$TEST_TMP/serve.out" 2>&1 3>&- &
	PIDS+=($!)
	wait_for 10 grep -q 'listening on' "$TEST_TMP/serve.out"
	URL=$(sed -n 's|.*listening on \(.*\)$|\1|p' "$TEST_TMP/serve.out")
	scrape m
	case $(uname -m) in
	x86_64 | i?86) assert "$(cat "$TEST_TMP/m")" =~ 'pcrwatch_component_attached\{group="msr"' "x86: the msr group is exported" ;;
	*) assert "$(cat "$TEST_TMP/m")" !~ 'group="msr"' "no msr group here" ;;
	esac
	assert "$(cat "$TEST_TMP/m")" =~ 'pcrwatch_component_attached\{group="perf"' "perf everywhere"
}
