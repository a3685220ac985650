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

@test "pcrwatch.8 documents the exit codes of user/util/messages.h" {
	local code man codes
	man=$(cat "$REPO/docs/pcrwatch.8")
	# The enum's values, a formatter's line breaks or not ("X =\n 2,").
	codes=$(tr '\n' ' ' <"$REPO/user/util/messages.h" | grep -oE 'PCRW_EXIT_[A-Z]+[[:space:]]*=[[:space:]]*[0-9]+' | grep -oE '[0-9]+$')
	for code in $codes; do
		assert "$man" =~ $'\n\\.B '"$code"$'\n' "exit code $code is in EXIT STATUS"
	done
	assert "$(echo $codes)" == "0 1 2 3 4" "the scrape found every exit code"
}

@test "every command is built into the amd64 binary, has --help (exit 0), and a bad flag is exit 2" {
	local c f all
	all=" $(echo $(commands)) "
	for f in "$REPO"/user/commands/cmd_*.c; do
		c=${f##*/cmd_} c=${c%.c}
		assert "$all" =~ " $c " "user/cmd_$c.c has a row in the command table: $all"
	done
	for c in $all; do
		run timeout 10 "$PCRWATCH" "$c" --help
		assert "$status" == 0 "'$c --help' exits 0 (3: not built in): $output"
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

help_flags() { # CMD: every flag its --help text names, one per line
	# (a `quoted command` is another command's flags)
	"$PCRWATCH" "$1" --help 2>/dev/null | sed 's/`[^`]*`//g' | grep -oE '(^|[][ ,|(])--?[a-zA-Z][a-zA-Z0-9.-]*[a-zA-Z0-9]' |
		sed 's/^[][ ,|(]*//' | sort -u
}

@test "every flag of every command's --help is in pcrwatch.8" {
	local c f man missing=
	man=$(cat "$REPO/docs/pcrwatch.8")
	for c in $(commands); do
		for f in $(help_flags "$c"); do
			# roff writes a dash as \-
			grep -qF -- "${f//-/\\-}" <<<"$man" || missing+=" $c:$f"
		done
	done
	assert "$missing" == "" "flags missing from the man page"
	# and the check itself sees flags: reserve has four of its own
	[ "$(help_flags reserve | grep -c -- '^--')" -ge 4 ] || { echo "no flags found in reserve --help" >&2; false; }
}

@test "every short flag a command takes is in its --help and its completion" {
	source "$REPO/tools/pcrwatch.bash-completion"
	local line c opts f n=0 missing=
	# Each command's getopt string, from its source (pcrw_getopt calls).
	while read -r c opts; do
		n=$((n + 1))
		for f in $(tr -d ':' <<<"$opts" | fold -w1 | grep -v h); do
			"$PCRWATCH" "$c" --help | grep -qE -- "(^|[ ,[])-$f([ ,]|$)" || missing+=" $c:-$f(help)"
			[[ " $(_pcrwatch_flags "$c") " == *" -$f "* ]] || missing+=" $c:-$f(completion)"
		done
	done < <(sed -n 's/.*pcrw_getopt("\([a-z]*\)", *argc, *argv, *"\([^"]*\)".*/\1 \2/p' "$REPO"/user/*/*.c)
	assert "$missing" == "" "short flags the binary takes but does not document"
	# and the scrape itself found the commands: at least the fifteen of now
	assert "$n" -ge 15 "getopt strings found"
}

@test "pcrwatch.8 has the policy grammar and every documented file" {
	local man
	man=$(cat "$REPO/docs/pcrwatch.8")
	assert "$man" =~ ".SH POLICY FILES" "a policy section"
	grep -qF 'reserve cpus=\fILIST\fB counters=' "$REPO/docs/pcrwatch.8"
	grep -qF 'direct\-msr=yes' "$REPO/docs/pcrwatch.8"
	assert "$man" =~ "/run/pcrwatch/cookie.key" "the cookie key"
	assert "$man" =~ "/sys/fs/bpf/pcrwatch/" "the pins"
	assert "$man" =~ "/sys/fs/cgroup/unified" "the cgroup2 folder of a hybrid host"
}

@test "bash completion offers exactly each command's flags, files after file flags" {
	source "$REPO/tools/pcrwatch.bash-completion"
	local c want got
	for c in $(commands); do
		want=$({ help_flags "$c" | grep -- '^--'; echo --help; } | sort -u | tr '\n' ' ')
		COMP_WORDS=(pcrwatch "$c" --) COMP_CWORD=2
		unset COMP_LINE
		_pcrwatch
		got=$(printf '%s\n' "${COMPREPLY[@]}" | sort -u | tr '\n' ' ')
		assert "$got" == "$want" "completion of '$c --'"
	done
	mkdir "$TEST_TMP/d" && touch "$TEST_TMP/d/cookie"
	for c in "release --cookie-file" "grant --cookie-file" "enforce --policy" "policy load"; do
		COMP_WORDS=(pcrwatch $c "$TEST_TMP/d/c") COMP_CWORD=3
		_pcrwatch
		assert "${COMPREPLY[*]}" == "$TEST_TMP/d/cookie" "$c completes a file"
	done
}

@test "bash completion of --listen survives the ':' in COMP_WORDBREAKS" {
	source "$REPO/tools/pcrwatch.bash-completion"
	COMP_WORDBREAKS=$' \t\n"\'><=;|&(:'
	COMP_LINE="pcrwatch serve --listen 127.0.0.1:97" COMP_POINT=${#COMP_LINE}
	# bash splits the line at ':' before calling the function
	COMP_WORDS=(pcrwatch serve --listen 127.0.0.1 : 97) COMP_CWORD=5
	_pcrwatch
	assert "${COMPREPLY[*]}" == "9733" "only the text after ':' is replaced"
	COMP_LINE="pcrwatch serve --listen 127.0.0.1:9733 --b" COMP_POINT=${#COMP_LINE}
	COMP_WORDS=(pcrwatch serve --listen 127.0.0.1 : 9733 --b) COMP_CWORD=6
	_pcrwatch
	assert "${COMPREPLY[*]}" == "--bpf-stats" "flags after the address"
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
