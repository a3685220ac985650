# shellcheck shell=bash
# Private apt setup for guest kernels: its own sources, lists and cache under
# $PCRWATCH_CACHE, so fetching kernels never changes the machine's apt state.
# Sourced by tools/vm/fetch-kernels and tools/deps.

PCRWATCH_CACHE=${PCRWATCH_CACHE:-${XDG_CACHE_HOME:-${HOME:-/root}/.cache}/pcrwatch}
APT_DIR=$PCRWATCH_CACHE/apt
export PCRWATCH_CACHE

apt_env_init() {
	mkdir -p "$APT_DIR/lists/partial" "$APT_DIR/archives/partial" \
		"$APT_DIR/sources.list.d" "$APT_DIR/preferences.d"
	cat >"$APT_DIR/sources.list" <<SRC
deb [arch=amd64,arm64 signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bookworm main
deb [arch=amd64,arm64 signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bookworm-updates main
deb [arch=amd64,arm64 signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian-security bookworm-security main
deb [arch=amd64,arm64 signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bookworm-backports main
SRC
	cat >"$APT_DIR/apt.conf" <<CONF
Dir::Etc::SourceList "$APT_DIR/sources.list";
Dir::Etc::SourceParts "$APT_DIR/sources.list.d";
Dir::Etc::Preferences "";
Dir::Etc::PreferencesParts "$APT_DIR/preferences.d";
Dir::State::Lists "$APT_DIR/lists";
Dir::Cache "$APT_DIR";
Dir::Cache::Archives "$APT_DIR/archives";
APT::Architectures { "amd64"; "arm64"; };
APT::Get::Assume-Yes "true";
APT::Sandbox::User "root";
Acquire::Languages "none";
CONF
	export APT_CONFIG=$APT_DIR/apt.conf
}

# Newest package whose name matches an extended regex, by version sort.
apt_newest() {
	apt-cache search --names-only "$1" | awk '{print $1}' | sort -V | tail -n 1
}

# Download the package lists of the private setup once (apt_env_init first).
apt_lists_ready() {
	ls "$APT_DIR/lists"/*Packages* >/dev/null 2>&1 || apt-get -q update >/dev/null
}
