#!/usr/bin/env bats
# What users meet besides the views: the man page, --help of every command,
# bash completion, the systemd unit. Each is checked against the binary, so
# a command added or renamed without its documentation fails here.

load ../helpers

commands() { # the command names `pcrwatch --help` lists
	"$PCRWATCH" --help | sed -n '/^Commands:/,/^$/p' | awk 'NF > 1 { print $1 }'
}

@test "pcrwatch.8 renders without groff warnings and covers every command" {
	run groff -man -ww -z "$REPO/docs/pcrwatch.8"
	assert "$output" == "" "no groff warnings"
	local c man
	man=$(cat "$REPO/docs/pcrwatch.8")
	for c in $(commands); do
		assert "$man" =~ "\\.B(R)? $c|\\\\fB$c" "the man page documents '$c'"
	done
}

@test "pcrwatch.8 documents the exit codes of user/pcrwatch.h" {
	local code man
	man=$(cat "$REPO/docs/pcrwatch.8")
	for code in $(sed -n 's/.*PCRW_EXIT_[A-Z]* = \([0-9]\).*/\1/p' "$REPO/user/pcrwatch.h"); do
		assert "$man" =~ $'\n\\.B '"$code"$'\n' "exit code $code is in EXIT STATUS"
	done
}

@test "every command built in has --help (exit 0) and a bad flag is exit 2" {
	local c
	for c in $(commands); do
		run timeout 10 "$PCRWATCH" "$c" --help
		if [ "$status" = 3 ]; then
			continue # not in this build: said, exit 3, checked below
		fi
		assert "$status" == 0 "'$c --help' exits 0"
		assert "$output" =~ "Usage: pcrwatch" "'$c --help' prints usage"
		run timeout 10 "$PCRWATCH" "$c" --no-such-flag-xyz
		assert "$status" == 2 "'$c --no-such-flag-xyz' exits 2"
	done
}

@test "bash completion offers the commands of the binary and each one's flags" {
	source "$REPO/tools/pcrwatch.bash-completion"
	COMP_WORDS=(pcrwatch "") COMP_CWORD=1
	_pcrwatch
	assert "$(printf '%s\n' "${COMPREPLY[@]}" | sort)" == "$(commands | sort)" "same commands"
	COMP_WORDS=(pcrwatch serve --l) COMP_CWORD=2
	_pcrwatch
	assert "${COMPREPLY[*]}" == "--listen"
	COMP_WORDS=(pcrwatch live --sort "") COMP_CWORD=3
	_pcrwatch
	assert "${COMPREPLY[*]}" == "cpu busy conflicts mux"
	# every flag completion offers for live and serve is one the binary takes
	local f
	for f in -i --interval -n --iterations -s --sort -f --filter; do
		run_tool 2 live "$f"
	done
}

@test "the exporter unit runs serve on loopback and passes systemd-analyze" {
	local unit=$REPO/tools/pcrwatch-exporter.service
	run grep -E '^ExecStart=' "$unit"
	assert "$output" =~ "pcrwatch serve --listen 127\.0\.0\.1:" "serve on loopback"
	command -v systemd-analyze >/dev/null || skip "systemd-analyze is not installed"
	run systemd-analyze verify "$unit"
	# The binary is not installed on the build host; anything else is a fault.
	run grep -vE 'is not executable|man pcrwatch|^$' <<<"$output"
	assert "$output" == "" "no unit errors"
}
