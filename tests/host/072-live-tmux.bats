#!/usr/bin/env bats
# The full-screen live view, driven in tmux (send-keys, capture-pane) on
# injected state: the grid shows a known owner on a known counter, and the
# keys (freeze, sort, filter, conflicts, select, scroll, help, quit) work.

load ../helpers

setup_tier() {
	command -v tmux >/dev/null || skip "tmux is not installed (make deps installs it)"
	SOCK=$TEST_TMP/tmux.sock
	FIX=$TEST_TMP/fixture
	cat >"$FIX" <<'FIXTURE'
pmu name=armv8_pmuv3 type=10 counters=4 fixed=1
cpus 3
rec cpu=0 hw_idx=2 slot=2 layer=user pid=4242 tid=4242 comm=perf event=cycles
rec cpu=1 hw_idx=0 slot=0 path=msr layer=user pid=77 tid=77 comm=likwid-perfctr event=raw%200x08 conflicts=1
rec cpu=1 hw_idx=1 slot=1 layer=user pid=78 tid=78 comm=toplev event=instructions
rec cpu=2 hw_idx=31 slot=31 layer=kernel comm=watchdog event=cycles resv=4
resv id=4 cpu=2 slots=0x80000000 uid=0 label=uid:0
events clobber=1
FIXTURE
}

teardown_tier() {
	tmux -S "$SOCK" kill-server 2>/dev/null || true
}

# start_live ARGS...: pcrwatch ARGS in a 150x40 tmux pane; its exit status
# lands in $TEST_TMP/rc.
start_live() {
	tmux -S "$SOCK" new-session -d -x 150 -y 40 \
		"PCRWATCH_FIXTURE='$FIX' '$PCRWATCH' $*; echo \$? >'$TEST_TMP/rc'; sleep 60"
	wait_for 15 screen_has "pcrwatch  PMU "
}

screen() {
	tmux -S "$SOCK" capture-pane -p
}

screen_has() {
	screen | grep -qF -- "$1"
}

screen_lacks() {
	! screen | grep -qF -- "$1"
}

keys() {
	tmux -S "$SOCK" send-keys "$@"
}

# cell CPU COUNTER: the text of the grid cell, found under its column head.
cell() {
	local s head row col
	s=$(screen)
	head=$(grep -m1 -E '^  CPU +MUX +WAIT' <<<"$s")
	row=$(grep -m1 -E "^[ >] $1 " <<<"$s")
	# the head "ctrN", followed by a space or the end of the line
	col=$(awk -v h="$head " -v c="ctr$2 " 'BEGIN { print index(h, c) }')
	[ "$col" -gt 0 ] || return 1
	echo "${row:$((col - 1)):16}"
}

@test "bare pcrwatch on a terminal is the full-screen grid with a known owner on a known counter" {
	start_live
	run cell 0 2
	assert "$output" =~ "^U perf\[4242\] cy" "CPU 0 counter 2 is perf's"
	run cell 1 0
	assert "$output" =~ "^U! likwid" "CPU 1 counter 0 is likwid's, with its conflict flagged"
	run cell 2 31
	assert "$output" =~ "^KR watchdog" "the cycle counter is the kernel's, reserved"
	run cell 0 0
	assert "$output" =~ "^- " "a free counter shows -"
	assert "$(screen)" =~ "held 4  waiting 0  reserved 1  conflicts 1" "summary line"
	keys q
	wait_for 10 test -s "$TEST_TMP/rc"
	assert "$(cat "$TEST_TMP/rc")" == 0 "q quits with exit 0"
}

@test "keys: freeze holds the picture, f again resumes" {
	start_live live --interval 0.2
	keys f
	wait_for 5 screen_has "FROZEN at"
	sed -i 's/comm=perf /comm=hackme /' "$FIX"
	# The fixture changed: a refresh would show it within 0.2 s; frozen, the
	# picture must not change across several intervals.
	! wait_for 1 screen_has "hackme"
	keys f
	wait_for 5 screen_has "hackme"
	screen_lacks "FROZEN"
}

@test "keys: s cycles the sort, / filters, c shows conflicts only" {
	start_live live --interval 0.2
	keys s
	wait_for 5 screen_has "sort: busy"
	# busy: CPU 1 (two counters) first
	run bash -c "tmux -S '$SOCK' capture-pane -p | grep -m1 -E '^[ >] [0-9]+ +[0-9]\\.[0-9]{2} '"
	assert "$output" =~ "^[ >] 1 " "CPU 1 first"
	keys s s s
	wait_for 5 screen_has "sort: cpu"
	keys / w a t c h d o g Enter
	wait_for 5 screen_has "filter: watchdog"
	run bash -c "tmux -S '$SOCK' capture-pane -p | grep -cE '^[ >] [0-9]+ +[0-9]\\.[0-9]{2} '"
	assert "$output" == 1 "one CPU row left"
	assert "$(screen)" =~ "KR watchdog" "and it is the watchdog's"
	keys / Enter
	wait_for 5 screen_lacks "filter:"
	keys c
	wait_for 5 screen_has "conflicts only"
	run bash -c "tmux -S '$SOCK' capture-pane -p | grep -E '^[ >] [0-9]+ +[0-9]\\.[0-9]{2} '"
	assert "$output" =~ "^> 1 " "only CPU 1, which has the conflict"
	assert "$(grep -c . <<<"$output")" == 1 "one row"
}

@test "keys: j selects the next CPU and the detail pane follows; ? shows help" {
	start_live live --interval 0.2
	wait_for 5 screen_has " CPU 0 "
	keys j
	wait_for 5 screen_has " CPU 1 "
	assert "$(screen)" =~ "> 1 " "selection marker on CPU 1"
	assert "$(screen)" =~ "likwid-perfctr\[77\] +raw 0x08 +active .*!" "detail of CPU 1"
	keys '?'
	wait_for 5 screen_has "pcrwatch live: keys"
	keys x
	wait_for 5 screen_lacks "pcrwatch live: keys"
}

@test "256 CPUs scroll: End reaches CPU 255, Home returns to CPU 0" {
	"$REPO/tools/gen-fixture" --cpus 256 --counters 8 >"$FIX"
	start_live
	wait_for 5 screen_has "of 256"
	screen_lacks "255 "
	keys End
	wait_for 5 screen_has "> 255 "
	keys Home
	wait_for 5 screen_has "> 0 "
	keys NPage
	wait_for 5 screen_lacks "> 0 "
	keys q
	wait_for 10 test -s "$TEST_TMP/rc"
}

@test "a terminal curses does not know gets plain text and a warning, not a crash" {
	tmux -S "$SOCK" new-session -d -x 150 -y 40 \
		"TERM=no-such-terminal PCRWATCH_FIXTURE='$FIX' '$PCRWATCH' live -n 1; echo \$? >'$TEST_TMP/rc'; sleep 60"
	wait_for 10 test -s "$TEST_TMP/rc"
	assert "$(cat "$TEST_TMP/rc")" == 0 "exit 0"
	assert "$(screen)" =~ "unknown to curses: plain text instead" "said"
	assert "$(screen)" =~ "U perf\[4242\] cycles" "and the grid is there as text"
}
