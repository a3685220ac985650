#!/usr/bin/env bats
# What the real clients leave on the screen (issue 23): Debian's perf and
# PAPI in the arm64 guest, chrooted from tools/vm/rootfs-arm64 as in
# 090-real-clients.bats. Who waits is what the kernel would schedule: a
# per-CPU copy of a task event off its task's CPU is idle; MUX only for
# what ran or could run, and no `~` where nothing competes. PAPI, owner
# changes and the event text: 092-display-events.bats.

load ../helpers
load ../perf

setup_file() {
	[ -n "${PCRWATCH_VM:-}" ] || return 0
	clients_root
	cat /proc/sys/kernel/perf_event_paranoid >"$BATS_FILE_TMPDIR/paranoid"
	sysctl -qw kernel.perf_event_paranoid=-1
}

teardown_file() {
	[ -n "${PCRWATCH_VM:-}" ] || return 0
	"$PCRWATCH" detach >/dev/null 2>&1
	sysctl -qw kernel.perf_event_paranoid="$(cat "$BATS_FILE_TMPDIR/paranoid")"
	return 0
}

setup_tier() {
	skip_unless_guest
}

teardown_tier() {
	stop_clients
}

# live_text: one plain-text refresh of every CPU, from CPU 0, in $output.
live_text() {
	run timeout 60 taskset -c 0 "$PCRWATCH" live --iterations 1 --all
	[ "$status" = 0 ] || { echo "$output" >&2; return 1; }
}

# row CPU: that CPU's line of the grid in $output ("task" for the task row).
row() {
	grep -E "^$1 " <<<"$output"
}

# active_on PID CPU: who --json shows an event of PID active on CPU.
active_on() {
	who_json || return 1
	events_of "$1" | grep '"state":"active"' | grep -q "\"cpu\":$2,"
}

# copy PID CPU: PID's event object for CPU from the last who --json.
copy() {
	events_of "$1" | grep "\"cpu\":$2,"
}

@test "perf record of a task on CPU 1: its copy for CPU 0 is idle, not waiting; the running one is not multiplexed" {
	bg_client rec -c 1 perf record -B -N --no-bpf-event -e cycles -c 100000 \
		-o /tmp/rec1.data -- perl -e "$(spin_until_stop)"
	local pid ev
	pid=$(cat "$TEST_TMP/rec")
	wait_for 40 active_on "$pid" 1
	ev=$(copy "$pid" 0)
	assert "$(field "$ev" scope)" == task "a copy of the task's event: $ev"
	assert "$(field "$ev" state)" == idle "the copy for CPU 0 is idle: $ev"
	assert "$(field "$ev" waiting)" == false "and not waiting"
	assert "$(field "$ev" mux_ratio)" == null "it never ran and cannot run: no ratio"
	ev=$(copy "$pid" 1)
	assert "$(field "$ev" mux_ratio)" =~ '^(1|0\.99[0-9]*)$' "the running copy is not multiplexed: $ev"
	run_tool 0 who
	assert "$(grep "perf\[$pid\]" <<<"$output" | grep ' active ')" !~ "~" "no ~ on the running copy: $output"
	assert "$(grep "perf\[$pid\]" <<<"$output" | grep ' idle ')" =~ "idle +- " "RUN - for the idle copy: $output"
	# perl shares CPU 1 with the guest's own tasks: a refresh taken while
	# it is switched out rightly shows its copy idle there. Up to five.
	local want="^1 +(1\.00|0\.99) +0 +.*U perf\[$pid\] cycles"
	for _ in 1 2 3 4 5; do
		live_text
		[[ "$(row 1)" =~ $want ]] && break
	done
	assert "$(row 0)" =~ "^0 +- +0 " "CPU 0: no MUX, WAIT 0: $output"
	assert "$(row 1)" =~ "$want" "CPU 1: MUX 1, WAIT 0, no ~: $output"
	end_client rec
	assert "$status" == 0 "perf record: $output"
}

@test "perf record of a task free to move: no copy waits, no ~, WAIT 0 on every CPU" {
	# The issue's case: the workload is not pinned and moves between CPUs.
	bg_client recm perf record -B -N --no-bpf-event -e cycles -c 100000 \
		-o /tmp/rec2.data -- perl -e "$(spin_until_stop)"
	local pid ev n=0
	pid=$(cat "$TEST_TMP/recm")
	wait_for 40 active_on "$pid" '[01]'
	sleep 2 # let it run (and move) for a while
	for _ in 1 2 3; do
		who_json
		assert "$(events_of "$pid" | grep -c '"waiting":true')" == 0 "no copy waits: $(events_of "$pid")"
		ev=$(events_of "$pid" | grep '"state":"active"') || continue
		assert "$(field "$ev" mux_ratio)" =~ '^(1|0\.9[89][0-9]*)$' "the running copy: $ev"
		n=$((n + 1))
	done
	[ "$n" -gt 0 ] || { echo "never saw the running copy" >&2; false; }
	live_text
	assert "$(awk '/^CPU /{g=1; next} g && /^[0-9]+ /{print $3} /^\(|^events:/{g=0}' <<<"$output" | sort -u)" == 0 "WAIT 0 everywhere: $output"
	assert "$(grep -cE "U[!R]*~ perf\[$pid\]" <<<"$output")" == 0 "no ~ on perf: $output"
	end_client recm
	assert "$status" == 0 "perf record: $output"
}

@test "perf record of a sleeping task: the CPU its task never ran on shows no MUX, not 0.00" {
	bg_client recs -c 1 perf record -B -N --no-bpf-event -e cycles \
		-o /tmp/rec3.data -- perl -e "$(idle_until_stop)" # sleeps: no sleep(1) in the clients' root
	local pid ev
	pid=$(cat "$TEST_TMP/recs")
	# perf enables its events when perl is exec'd: wait for that.
	wait_for 40 eval 'who_json && [ "$(events_of "$pid" | grep "\"cpu\":[01]," | grep -vc "\"state\":\"off\"")" = 2 ]'
	ev=$(copy "$pid" 0)
	assert "$(field "$ev" state)" == idle "$ev"
	assert "$(field "$ev" mux_ratio)" == null "never ran: $ev"
	live_text
	assert "$(row 0)" =~ "^0 +- +0 " "CPU 0: MUX -, WAIT 0: $output"
	assert "$(row 1)" =~ "^1 +([01]\.[0-9]{2}|-) +0 " "CPU 1: WAIT 0: $output"
	assert "$output" !~ $'\n[01] +0\\.00 ' "no 0.00 for a CPU where nothing could run: $output"
	stop_clients
}
