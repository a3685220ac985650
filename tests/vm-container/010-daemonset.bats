#!/usr/bin/env bats
# The DaemonSet's image (make image) run by podman in an amd64 guest the
# way ops/kubernetes/pcrwatch-daemonset.yaml runs it: podman's flags are
# derived from the manifest here (securityContext, host PID namespace,
# mounts and their propagation, memory limit, image, args), so a manifest
# the image cannot run under fails this file. The policy volume is laid out
# as the kubelet lays out a ConfigMap (a `..data` symlink to a timestamped
# folder, `policy` -> `..data/policy`) and edited as it edits one.
#
# The guest's bpffs is taken away first and /sys/fs/bpf made a shared mount
# (what systemd makes every mount on a node): the agent mounts bpffs itself,
# and only Bidirectional propagation brings that mount, and the pins in it,
# back to the guest. Podman keeps its state under /tmp (the guest's tmpfs);
# the guest is thrown away after the tier.

load ../helpers

MANIFEST=$REPO/ops/kubernetes/pcrwatch-daemonset.yaml
PO() { "$TESTPROGS/perf_open" "$@"; }

# podman as the tier runs it: state on the guest's tmpfs, no systemd, no
# network setup (the pod's exporter is reached on the guest's loopback).
POD() {
	podman --root /tmp/podman/root --runroot /tmp/podman/run --storage-driver vfs \
		--cgroup-manager cgroupfs --events-backend file --runtime crun "$@"
}
export -f POD

# podman_args CONTAINER CONFIGMAP_DIR: one `podman run` argument a line,
# from the manifest's pod spec and that container: what Kubernetes would
# give it. A securityContext key, volume kind or propagation this does not
# know is an error, never silently dropped.
podman_args() {
	python3 - "$MANIFEST" "$1" "$2" <<'PY'
import sys, yaml
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
ds = next(d for d in docs if d["kind"] == "DaemonSet")
cms = {d["metadata"]["name"]: d for d in docs if d["kind"] == "ConfigMap"}
spec = ds["spec"]["template"]["spec"]
c = next(c for c in spec["containers"] if c["name"] == sys.argv[2])
out = ["--name", c["name"]]
if spec.get("hostPID"):
    out += ["--pid", "host"]
if spec.get("hostNetwork"):
    out += ["--network", "host"]
sc = dict(c.get("securityContext", {}))
if sc.pop("privileged", False):
    out.append("--privileged")
if sc.pop("readOnlyRootFilesystem", False):
    out.append("--read-only")
caps = sc.pop("capabilities", {})
for cap in caps.pop("drop", []):
    out += ["--cap-drop", cap]
for cap in caps.pop("add", []):
    out += ["--cap-add", cap]
assert not caps and not sc, "securityContext keys this test cannot run: %r %r" % (caps, sc)
mem = c.get("resources", {}).get("limits", {}).get("memory")
if mem:
    assert mem.endswith("Mi"), mem
    out += ["--memory", mem[:-2] + "m"]
vols = {v["name"]: v for v in spec["volumes"]}
prop = {None: "rprivate", "None": "rprivate", "HostToContainer": "rslave",
        "Bidirectional": "rshared"}
for m in c.get("volumeMounts", []):
    v = vols[m["name"]]
    if "hostPath" in v:
        src = v["hostPath"]["path"]
    elif "configMap" in v:
        assert v["configMap"]["name"] in cms, v
        src = sys.argv[3]
    else:
        raise SystemExit("volume kind this test cannot run: %r" % v)
    opts = [prop[m.get("mountPropagation")]]
    if m.get("readOnly"):
        opts.append("ro")
    out += ["-v", "%s:%s:%s" % (src, m["mountPath"], ",".join(opts))]
out.append(c["image"])
out += c.get("args", [])
print("\n".join(out))
PY
}

# configmap_swap NAME CONTENT: the kubelet's update of a ConfigMap volume:
# the new content in a new folder, then `..data` replaced by rename.
configmap_swap() {
	mkdir "$CM/$1"
	printf '%s\n' "$2" >"$CM/$1/policy"
	ln -s "$1" "$CM/..data_tmp"
	mv -T "$CM/..data_tmp" "$CM/..data"
}

setup_file() {
	skip_unless_guest
	local t
	for t in podman crun; do
		command -v $t >/dev/null || skip "$t is not installed (tools/deps installs it)"
	done
	# The image of this build: made here when missing or older than it.
	IMAGE_TAR=$REPO/build/pcrwatch-oci.tar
	if [ ! -e "$IMAGE_TAR" ] || [ "$IMAGE_TAR" -ot "$PCRWATCH" ] || [ "$IMAGE_TAR" -ot "$REPO/VERSION" ]; then
		command -v umoci >/dev/null || skip "umoci is not installed and $IMAGE_TAR is missing or stale (tools/deps, make image)"
		"$REPO/tools/image" >&3
	fi
	export IMAGE_TAR CM=/tmp/configmap STATE=/tmp/container-state
	mkdir -p "$STATE"
	# no pcrwatch pinned, and /sys/fs/bpf a shared mount with no bpffs
	"$PCRWATCH" detach --all >/dev/null 2>&1 || true
	while [ "$(stat -f -c %T /sys/fs/bpf)" = bpf_fs ]; do
		umount /sys/fs/bpf
	done
	mount --bind /sys/fs/bpf /sys/fs/bpf
	mount --make-shared /sys/fs/bpf
	sysctl -qw kernel.perf_event_paranoid=-1
	ip link set lo up
	bpftool -j link show | jq length >"$STATE/links"
	mkdir -p /var/log/pcrwatch /run/pcrwatch
	rm -f /var/log/pcrwatch/events.jsonl*
	# the manifest's own ConfigMap first
	mkdir -p "$CM"
	configmap_swap ..2026_01_01_00_00_00.1 "$(python3 -c '
import sys, yaml
print(next(d for d in yaml.safe_load_all(open(sys.argv[1])) if d and d["kind"] == "ConfigMap")["data"]["policy"].strip())
' "$MANIFEST")"
	ln -s ..data/policy "$CM/policy"
}

teardown_file() {
	[ -n "${PCRWATCH_VM:-}" ] || return 0
	POD rm -f --ignore -t 5 agent >/dev/null 2>&1 || true
	POD rm -f --ignore -t 5 exporter >/dev/null 2>&1 || true
	"$PCRWATCH" detach --all >/dev/null 2>&1 || true
	while grep -q ' /sys/fs/bpf ' /proc/self/mountinfo; do
		umount /sys/fs/bpf 2>/dev/null || break
	done
	mount -t bpf bpf /sys/fs/bpf 2>/dev/null || true
	# podman's own mounts under /tmp/podman go with the guest (its tmpfs)
	POD system reset -f >/dev/null 2>&1 || true
	rm -rf /tmp/podman "$CM" 2>/dev/null || true
}

# opens: root's cycles event on CPU 0 and uid 1000's, as exit statuses:
# 16 EBUSY (vetoed), 2 ENOENT (allowed: the guest has no PMU).
opens() { echo "$(PO --type hw --cpu 0 >/dev/null 2>&1; echo $?) $(PO --type hw --cpu 0 --uid 1000 >/dev/null 2>&1; echo $?)"; }
opens_are() { [ "$(opens)" = "$1" ]; }

# logs_have ERE: the agent container's output (kubectl logs) has a match.
logs_have() { POD logs agent 2>&1 | grep -qE -- "$1"; }

@test "the image loads under the manifest's name and the agent container attaches with the manifest's securityContext" {
	local version name
	version=$(cat "$REPO/VERSION")
	run POD load -i "$IMAGE_TAR"
	assert "$status" == 0 "$output"
	assert "$output" =~ "Loaded image: localhost/pcrwatch:$version" "the name the manifest uses"
	mapfile -t args < <(podman_args agent "$CM")
	[ "${#args[@]}" -gt 10 ] || { echo "no arguments from the manifest" >&2; false; }
	echo "# podman run ${args[*]}" >&3
	name=$(python3 -c 'import sys; a = sys.argv[1:]; print(a[a.index("--name") + 1])' "${args[@]}")
	assert "$name" == agent
	# as Kubernetes runs it: no TTY, stdout kept by the runtime; the pod's
	# own network is none here (the agent needs none; this guest kernel has
	# no bridge for podman's)
	run POD run -d --network none "${args[@]}"
	assert "$status" == 0 "podman run: $output"
	wait_for 240 logs_have 'events   veto: logged' || {
		POD logs agent >&2
		POD ps -a >&2
		false
	}
	run POD logs agent
	assert "$output" =~ "veto +attached: perf_event_open veto: lsm" "the LSM veto from inside the container: $output"
	assert "$output" =~ "policy /etc/pcrwatch/policy: 1 reservation\(s\) in force" "the ConfigMap's policy: $output"
	run_tool 0 list
	assert "$output" =~ "uid:0 \(policy\)" "in force on the guest: $output"
	touch "$STATE/agent-up"
}

# The tests after the first need its container: without it they fail at
# once instead of each waiting out its bounds.
agent_up() {
	[ -e "$STATE/agent-up" ] || { echo "the agent container did not start (the first test)" >&2; return 1; }
}

@test "a ConfigMap update is in force within seconds without a restart; a bad one keeps the policy" {
	agent_up
	local started
	started=$(POD inspect -f '{{.State.StartedAt}}' agent)
	configmap_swap ..2026_01_01_00_00_01.2 'reserve cpus=0 counters=all for=uid:1000'
	wait_for 60 opens_are "16 2" || { opens >&2; POD logs agent >&2; false; }
	run POD logs agent
	assert "$output" =~ "policy /etc/pcrwatch/policy: changed on disk: reloading" "$output"
	# a bad edit: said, and the policy in force stays
	configmap_swap ..2026_01_01_00_00_02.3 'reserve cpus=0 frobs=2'
	wait_for 60 logs_have 'policy file changed: the policy in force is unchanged' ||
		{ POD logs agent >&2; false; }
	assert "$(POD logs agent 2>&1)" =~ "unknown key 'frobs=2'" "why, in kubectl logs"
	assert "$(opens)" == "16 2" "the old policy stays"
	# and the holder swapped: root's open goes through, uid 1000's does not
	configmap_swap ..2026_01_01_00_00_03.4 'reserve cpus=0 counters=all for=uid:0'
	wait_for 60 opens_are "2 16" || { opens >&2; POD logs agent >&2; false; }
	assert "$(POD inspect -f '{{.State.StartedAt}} {{.RestartCount}}' agent)" == "$started 0" "the same container, never restarted"
}

@test "a veto is a JSON line on the container's stdout (kubectl logs) and in the node's log file" {
	agent_up
	PO --type hw --cpu 0 --uid 1000 >/dev/null 2>&1 || true
	wait_for 30 logs_have '"uid":1000.*"verdict"' ||
		{ POD logs agent >&2; false; }
	run bash -c "set -o pipefail; POD logs agent 2>/dev/null | grep '^{' | jq -c 'select(.kind == \"veto\" and .actor.uid == 1000)' | tail -1"
	assert "$output" =~ '"group":"veto","kind":"veto"' "$output"
	assert "$output" =~ '"comm":"perf_open"' "the actor: $output"
	local seq
	seq=$(jq -r .seq <<<"$output")
	# the same record in /var/log/pcrwatch on the node, read by `pcrwatch events`
	run_tool 0 events --json --since 1h
	assert "$(jq -c "select(.seq == $seq)" <<<"$output")" != "" "seq $seq in the node's log"
}

@test "the agent's bpffs mount and its pins reach the guest (Bidirectional), where the exporter container reads them" {
	agent_up
	assert "$(stat -f -c %T /sys/fs/bpf)" == bpf_fs "the agent's bpffs, seen on the guest"
	[ -d /sys/fs/bpf/pcrwatch/veto ]
	mapfile -t args < <(podman_args exporter "$CM")
	# the pod's network is the guest's here: the port the Service targets
	run POD run -d --network host "${args[@]}"
	assert "$status" == 0 "$output"
	local port
	port=$(python3 -c '
import sys, yaml
svc = next(d for d in yaml.safe_load_all(open(sys.argv[1])) if d and d["kind"] == "Service")
print(svc["spec"]["ports"][0]["port"])' "$MANIFEST")
	wait_for 120 "$TESTPROGS/http-get" "127.0.0.1:$port" /metrics || { POD logs exporter >&2; false; }
	run "$TESTPROGS/http-get" "127.0.0.1:$port" /metrics
	assert "$output" =~ 'pcrwatch_component_attached\{group="veto",method="[^"]*lsm_mac[^"]*"\} 1' "the exporter reads the agent's pins: $output"
	assert "$output" =~ $'\n''pcrwatch_agent_running 1' "the agent seen through /run/pcrwatch: $output"
	assert "$output" =~ $'\n''pcrwatch_policy_in_force 1' "its policy: $output"
}

@test "stopped and detached from the guest, nothing is left attached" {
	agent_up
	run POD stop -t 20 agent exporter
	assert "$status" == 0 "$output"
	assert "$(POD inspect -f '{{.State.ExitCode}}' agent)" == 0 "the agent stops cleanly on SIGTERM"
	# the pins outlive the pod (a restarted pod finds them) ...
	assert "$(opens)" == "2 16" "still enforced after the pod stopped"
	run_tool 0 detach --all
	# ... until detach: nothing pinned, no pcrwatch link, nothing enforced
	assert "$(find /sys/fs/bpf/pcrwatch -type f 2>/dev/null | wc -l)" == 0 "no pins"
	assert "$(bpftool -j link show | jq length)" == "$(cat "$STATE/links")" "no link left: $(bpftool link show)"
	assert "$(opens)" == "2 2" "nothing vetoed"
	POD rm agent exporter >/dev/null
	assert "$(POD ps -aq)" == "" "no container left"
}
