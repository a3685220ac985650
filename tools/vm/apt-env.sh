# shellcheck shell=bash
# Private apt setups for guest kernels: own sources, lists and cache under
# $PCRWATCH_CACHE, so fetching kernels never changes the machine's apt state.
# Sourced by tools/vm/fetch-kernels, fetch-headers, arm64-sysroot and tools/deps.
#   apt_env_init           bookworm (+ -updates, -security, -backports) in $PCRWATCH_CACHE/apt
#   apt_env_init trixie    trixie and trixie-backports in $PCRWATCH_CACHE/apt-trixie
# The two are kept apart so that a bookworm lookup (libraries, 6.x kernels)
# never resolves to a newer trixie package.

PCRWATCH_CACHE=${PCRWATCH_CACHE:-${XDG_CACHE_HOME:-${HOME:-/root}/.cache}/pcrwatch}
APT_DIR=$PCRWATCH_CACHE/apt
export PCRWATCH_CACHE

# The keyring that verifies the suites' Release files. Bookworm's
# debian-archive-keyring (2023.3+deb12u2 and later) carries trixie's keys;
# an older one lacks them, and then trixie's keyring package, fetched and
# verified through bookworm-backports or bookworm's own signed lists, is
# unpacked privately: signatures are always checked.
apt_keyring() { # suite
	local sys=/usr/share/keyrings/debian-archive-keyring.gpg priv
	priv=$PCRWATCH_CACHE/keyring/usr/share/keyrings/debian-archive-keyring.gpg
	if [ "$1" = bookworm ] || [ -f /usr/share/keyrings/debian-archive-trixie-stable.gpg ]; then
		echo "$sys"
	elif [ -f "$priv" ]; then
		echo "$priv"
	else
		(
			apt_env_init bookworm
			apt_lists_ready
			cd "$APT_DIR/archives" &&
				apt-get download -q -t bookworm-backports debian-archive-keyring >/dev/null 2>&1 ||
				apt-get download -q debian-archive-keyring >/dev/null
			dpkg-deb -x "$(ls debian-archive-keyring_*.deb | sort -V | tail -n 1)" "$PCRWATCH_CACHE/keyring"
		) >&2
		echo "$priv"
	fi
}

apt_env_init() { # [bookworm|trixie]
	local suite=${1:-bookworm} key mirror=http://deb.debian.org/debian
	APT_DIR=$PCRWATCH_CACHE/apt
	[ "$suite" = bookworm ] || APT_DIR=$PCRWATCH_CACHE/apt-$suite
	mkdir -p "$APT_DIR/lists/partial" "$APT_DIR/archives/partial" \
		"$APT_DIR/sources.list.d" "$APT_DIR/preferences.d"
	key=$(apt_keyring "$suite")
	local opts="[arch=amd64,arm64 signed-by=$key]"
	case $suite in
	bookworm)
		cat >"$APT_DIR/sources.list" <<SRC
deb $opts $mirror bookworm main
deb $opts $mirror bookworm-updates main
deb $opts http://deb.debian.org/debian-security bookworm-security main
deb $opts $mirror bookworm-backports main
SRC
		;;
	trixie)
		cat >"$APT_DIR/sources.list" <<SRC
deb $opts $mirror trixie main
deb $opts $mirror trixie-backports main
SRC
		;;
	*) echo "apt-env: unknown suite '$suite'" >&2; return 2 ;;
	esac
	cat >"$APT_DIR/apt.conf" <<CONF
Dir::Etc::SourceList "$APT_DIR/sources.list";
Dir::Etc::SourceParts "$APT_DIR/sources.list.d";
Dir::Etc::Preferences "";
Dir::Etc::PreferencesParts "$APT_DIR/preferences.d";
Dir::State::Lists "$APT_DIR/lists";
Dir::State::status "/dev/null";
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
