#!/usr/bin/env bats
# pcrwatch as a fleet machine runs it: systemd as PID 1 in an amd64 guest,
# two boots of one disk. Runs on the host (tests/check's vm-amd64 tier starts
# it): it builds the Debian package from a copy of the tree, makes an empty
# ext4 image, and boots it twice with tools/vm/run --disk --systemd on one
# kernel ($VM_SYSTEMD_KERNEL, default 6.12). Boot 1 (guest-install) installs
# the package, writes /etc/pcrwatch/policy without reloading and enables the
# units; boot 2 (guest-after-reboot) finds what systemd started and runs an
# event storm beside two readers; boot 3 (guest-remove) removes and purges
# the package. Each guest
# script records what it saw into a folder of the checkout (shared with the
# guest); the tests below judge it. The guests write only to the image and
# that folder: the host's root, /boot and dpkg database are never touched.

load ../helpers

SD_KERNEL=${VM_SYSTEMD_KERNEL:-6.12}
DEB=pcrwatch_0.1_amd64.deb

setup_file() {
	local t missing=
	if [ -n "${PCRWATCH_VM:-}" ]; then
		echo "runs on the host: it boots its own guests" >"$BATS_FILE_TMPDIR/skip"
		return 0
	fi
	for t in qemu-system-x86_64 mkfs.ext4 dpkg-buildpackage dh prometheus curl jq; do
		command -v "$t" >/dev/null || missing+=" $t"
	done
	[ -x /lib/systemd/systemd ] || missing+=" systemd"
	[ -e /usr/share/perl5/Debian/Debhelper/Sequence/dkms.pm ] || missing+=" dh-dkms"
	if [ -n "$missing" ]; then
		echo "missing on the host:$missing (tools/deps installs them)" >"$BATS_FILE_TMPDIR/skip"
		return 0
	fi
	mkdir -p "$REPO/build/vm-systemd"
	WORK=$(mktemp -d "$REPO/build/vm-systemd/run.XXXXXX")
	echo "$WORK" >"$BATS_FILE_TMPDIR/work"
	# The package, from a copy: dpkg-buildpackage writes beside the source.
	local src=$BATS_FILE_TMPDIR/pkg/pcrwatch-0.1
	mkdir -p "$src"
	tar -C "$REPO" --exclude=./build --exclude=./.git -cf - . | tar -x -C "$src"
	(cd "$src" && timeout 900 dpkg-buildpackage -b -us -uc) >"$BATS_FILE_TMPDIR/pkg.log" 2>&1 || {
		tail -n 20 "$BATS_FILE_TMPDIR/pkg.log" >&2
		return 1
	}
	cp "$BATS_FILE_TMPDIR/pkg/$DEB" "$WORK/"
	rm -rf "$BATS_FILE_TMPDIR/pkg"
	truncate -s 1G "$BATS_FILE_TMPDIR/disk.img"
	mkfs.ext4 -q -F "$BATS_FILE_TMPDIR/disk.img"
}

teardown_file() {
	[ ! -f "$BATS_FILE_TMPDIR/work" ] || rm -rf "$(cat "$BATS_FILE_TMPDIR/work")"
	rm -f "$BATS_FILE_TMPDIR/disk.img"
	return 0
}

setup_tier() {
	[ ! -f "$BATS_FILE_TMPDIR/skip" ] || skip "$(cat "$BATS_FILE_TMPDIR/skip")"
	WORK=$(cat "$BATS_FILE_TMPDIR/work")
}

# boot N SCRIPT ARGS...: one guest boot of the disk, systemd as PID 1,
# running tests/vm-systemd/SCRIPT; its wall time goes to the TAP stream.
boot() {
	local n=$1 start=$SECONDS
	shift
	run bash -c 'cd "$1" && shift && exec timeout 900 "$@"' sh "$REPO" \
		tools/vm/run --arch amd64 --kernel "$SD_KERNEL" --timeout 600 \
		--disk "$BATS_FILE_TMPDIR/disk.img" --systemd -- "tests/vm-systemd/$@"
	echo "# boot $n ($SD_KERNEL): $((SECONDS - start))s wall; guest uptime at each step: $(
		tr '\n' ' ' <"$WORK/boot$n/times" 2>/dev/null)" >&3
	assert "$status" == 0 "the guest command: $output"
}

# file boot1|boot2 NAME: what a guest script recorded.
file() { cat "$WORK/$1/$2"; }

# veto COMM JQ: the journal entry of the veto of COMM's access satisfies JQ.
veto() {
	jq -se --arg c "$1" "[.[] | select(.PCRWATCH_COMM == \$c)] | length == 1 and (.[0] | $2)" \
		"$WORK/boot2/veto.json" >/dev/null || {
		echo "the journal's veto of $1 fails: $2" >&2
		cat "$WORK/boot2/veto.json" >&2
		return 1
	}
}

# prom NAME JQ: the Prometheus query result saved as prom-NAME.json
# satisfies JQ (applied to its .data.result).
prom() {
	jq -e ".status == \"success\" and (.data.result | $2)" "$WORK/boot2/prom-$1.json" >/dev/null || {
		echo "Prometheus' $1 fails: $2" >&2
		cat "$WORK/boot2/prom-$1.json" >&2
		return 1
	}
}

@test "boot 1 (systemd as PID 1): the Debian package installs and starts the agent, the policy written is followed, the units are enabled" {
	boot 1 guest-install "$WORK/$DEB" "$WORK/boot1"
	assert "$(file boot1 pid1)" == systemd "PID 1"
	assert "$(file boot1 dpkg.rc)" == 0 "dpkg -i: $(file boot1 dpkg.log)"
	assert "$(file boot1 active)" == $'active\nactive' "the postinst started the agent and the exporter"
	assert "$(file boot1 perf.rc)" == 2 "no policy yet: the PMU lookup's ENOENT (no PMU), no veto"
	assert "$(file boot1 msr.rc)" != 16 "no policy yet: the MSR write is not vetoed"
	assert "$(file boot1 policy-check)" =~ "1 reservation\(s\), valid"
	assert "$(file boot1 enabled)" == $'enabled\nenabled' "both units enabled"
	assert "$(file boot1 perf-after-write.rc)" == 16 "written, not reloaded by hand: the agent follows the file, in force in this boot"
}

@test "boot 2 (the disk rebooted): systemd started the agent, which put the policy in force before it was ready" {
	grep -q '^end ' "$WORK/boot1/times" 2>/dev/null || {
		echo "boot 1 did not finish: nothing to reboot" >&2
		return 1
	}
	boot 2 guest-after-reboot "$WORK/boot2"
	assert "$(file boot2 pid1)" == systemd "PID 1"
	assert "$(file boot2 boot_id)" != "$(file boot1 boot_id)" "a second boot"
	assert "$(file boot2 dpkg-status)" == "install ok installed" "boot 1's install is on the disk"
	assert "$(file boot2 pcrwatch.active)" == active "pcrwatch.service: $(file boot2 agent.journal)"
	assert "$(file boot2 pcrwatch.show)" =~ $'StatusText=running; the policy is in force\n' "the agent's status: the policy in force"
	assert "$(file boot2 pcrwatch.show)" =~ $'NRestarts=0\n' "the first start was the good one"
	assert "$(file boot2 agent.journal)" =~ "policy /etc/pcrwatch/policy: 1 reservation\(s\) in force" \
		"the agent said so in the journal"
	assert "$(file boot2 agent.journal)" =~ "msr write veto: lsm \(msr driver: decided on the driver's register" \
		"modules-load.d loaded msr before the agent attached"
	assert "$(file boot2 list.rc)" == 0 "pcrwatch list: $(file boot2 list)"
	assert "$(file boot2 list)" =~ $'\n1 +0 +all +all +yes +user +[0-9]+ +uid:1000 \\(policy\\)' \
		"the policy's reservation: CPU 0, every counter, for uid 1000"
}

@test "boot 2: the reservation refuses CPU 0's counters to all but uid 1000 (perf_event_open, /dev/cpu/0/msr), and journald holds each veto with its fields" {
	assert "$(file boot2 perf.rc)" == 16 "a non-holder's hardware event on CPU 0: EBUSY"
	assert "$(file boot2 perf-holder.rc)" == 2 "uid 1000's goes on to the PMU lookup (ENOENT: no PMU)"
	assert "$(file boot2 msr.rc)" == 16 "a non-holder's write to IA32_PERFEVTSEL0 on CPU 0: EBUSY"
	local boot_id common
	boot_id=$(file boot2 boot_id | tr -d -)
	common='._SYSTEMD_UNIT == "pcrwatch.service" and .SYSLOG_IDENTIFIER == "pcrwatch"
		and .PRIORITY == "4" and .PCRWATCH_KIND == "veto" and .PCRWATCH_GROUP == "veto"
		and .PCRWATCH_CPU == "0" and .PCRWATCH_RESERVATION == "1"
		and .PCRWATCH_UNIT == "pcrwatch-vm-cmd.service"
		and (.PCRWATCH_TIME_NS | tonumber) > 1700000000000000000
		and ._BOOT_ID == "'$boot_id'"'
	veto perf_open "$common"
	veto msr_write "$common and .PCRWATCH_MSR == \"0x186\" and (.MESSAGE | test(\"msr 0x186 value 0x43003c\"))"
}

@test "boot 2: a real Prometheus server scrapes pcrwatch-exporter.service: up is 1, the veto group's LSM link, the policy's reservation and both vetoes" {
	assert "$(file boot2 pcrwatch-exporter.active)" == active "pcrwatch-exporter.service"
	prom up 'length == 1 and .[0].metric.job == "pcrwatch" and .[0].value[1] == "1"'
	prom attached 'any(.metric.group == "veto" and (.metric.method | test("lsm_mac")) and .value[1] == "1")'
	prom attached 'any(.metric.group == "perf" and .value[1] == "1")'
	prom reservation 'length == 1 and .[0].metric.label == "uid:1000" and .[0].metric.slots == "all"
		and .[0].metric.source == "bpf" and .[0].value[1] == "1"'
	prom vetoes 'length == 1 and (.[0].value[1] | tonumber) >= 2'
}

# storm_values FILE: the storm's event numbers in FILE, one a line, sorted.
storm_values() {
	grep '"comm":"storm-b"' "$1" | grep -o '"value":"0x[0-9a-f]*"' | cut -d'"' -f4 |
		while read -r v; do echo $((v)); done | sort -n
}

@test "boot 2: the unit's agent and two events --follow readers under a storm of 3000 events: the same 3000 in the log and in each reader, once each" {
	grep -q '^storm-read ' "$WORK/boot2/times" 2>/dev/null || {
		echo "the storm did not finish: $(file boot2 times)" >&2
		return 1
	}
	seq 1 3000 >"$BATS_FILE_TMPDIR/want"
	local f
	for f in storm-log storm-r1 storm-r2; do
		storm_values "$WORK/boot2/$f" >"$BATS_FILE_TMPDIR/$f.values"
		assert "$(diff "$BATS_FILE_TMPDIR/want" "$BATS_FILE_TMPDIR/$f.values" | head -5)" == "" \
			"$f: events 1..3000, each once ($(wc -l <"$BATS_FILE_TMPDIR/$f.values") read)"
	done
	assert "$(grep storm-b "$WORK/boot2/storm-r1" | md5sum)" == "$(grep storm-b "$WORK/boot2/storm-log" | md5sum)" "reader 1 = the log, byte for byte"
	assert "$(file boot2 storm-r1.err)" !~ "no agent|lost" "reader 1 read the agent's log, no gap"
	assert "$(file boot2 storm-counts)" =~ '"type":"counts","group":"msr".*"lost":0' "the ring buffer lost nothing"
	assert "$(file boot2 rings.lock)" =~ "pid=$(file boot2 agent.pid)"$'\n'"role=agent"$'\n'"log_dir=/var/log/pcrwatch" "the unit's agent holds the rings"
	local t0 t1
	t0=$(awk '$1 == "storm-start" { print $2 }' "$WORK/boot2/times")
	t1=$(awk '$1 == "storm-read" { print $2 }' "$WORK/boot2/times")
	echo "# storm in the systemd guest: 3000 events, log 3000, readers 3000 + 3000, lost 0; $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s from start to both readers done" >&3
}

@test "boot 3: apt-get remove lifts enforcement (no pin left, a non-holder's open goes on), keeps the logs; purge leaves nothing" {
	grep -q '^end ' "$WORK/boot2/times" 2>/dev/null || {
		echo "boot 2 did not finish" >&2
		return 1
	}
	boot 3 guest-remove "$WORK/boot3"
	assert "$(file boot3 active-before)" == active "the agent ran"
	assert "$(file boot3 list-before)" =~ "uid:1000 \(policy\)" "the policy's reservation"
	assert "$(file boot3 perf-before.rc)" == 16 "enforced before removal"
	assert "$(file boot3 remove.rc)" == 0 "apt-get remove: $(file boot3 remove.log)"
	assert "$(file boot3 remove.log)" =~ "removing /sys/fs/bpf/pcrwatch/veto/resv \(map\)" "prerm said what it removes"
	assert "$(file boot3 perf-after-remove.rc)" == 2 "a non-holder's open goes on to the PMU lookup (ENOENT): no veto"
	assert "$(file boot3 msr-after-remove.rc)" != 16 "nor on the MSR write"
	assert "$(file boot3 left-after-remove)" == $'/var/log/pcrwatch\n/etc/pcrwatch' "remove: only the logs and the configuration are left"
	assert "$(file boot3 active-after-remove)" != active "the agent is stopped"
	assert "$(file boot3 purge.rc)" == 0 "apt-get purge: $(file boot3 purge.log)"
	assert "$(file boot3 left-after-purge)" == "" "purge: nothing left"
}
