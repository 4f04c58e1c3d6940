# Shared by scripts/run, scripts/test and bench/: the Debian packages Tern
# needs, and installing only those that are missing. Source it from bash.

# What building and running ternd needs.
TERN_BUILD_PACKAGES=(
	meson ninja-build pkg-config gcc python3
	libmicrohttpd-dev libjson-c-dev libssl-dev libxml2-dev libical-dev
	libsqlite3-dev libpcre2-dev libgmime-3.0-dev libevent-dev libcrypt-dev
	libconfig-dev zlib1g-dev libunbound-dev libpsl-dev
)

# What the tests need on top: cmocka for the unit tests, pytest for the
# integration tests, openssl and iproute2 (ss) that they call, and the
# real clients they drive: isync (mbsync) for IMAP, fetchmail for POP3,
# python3-caldav, vdirsyncer and litmus for DAV; swaks for SMTP, with
# python3-aiosmtpd as the remote server outbound mail goes to and
# python3-dkim to verify our signatures independently.
TERN_TEST_PACKAGES=(libcmocka-dev python3-pytest python3-websockets openssl iproute2 isync
	fetchmail python3-caldav vdirsyncer litmus swaks python3-aiosmtpd python3-dkim)

tern_missing_packages() {
	local pkg
	for pkg in "$@"; do
		if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
			printf '%s\n' "$pkg"
		fi
	done
}

# Installs the packages given that are not installed yet; apt-get update
# runs only when something is missing.
tern_need_packages() {
	local missing
	missing=$(tern_missing_packages "$@")
	[ -z "$missing" ] && return 0
	# shellcheck disable=SC2086
	echo "installing:" $missing >&2
	if [ "$(id -u)" -ne 0 ]; then
		echo "error: these packages are missing and installing them needs root:" $missing >&2
		return 1
	fi
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing
}

# meson setup, or reconfigure with the given options when the directory
# was configured before (a half-made directory is set up afresh).
tern_meson_setup() {
	local dir=$1
	shift
	if [ -f "$dir/meson-private/coredata.dat" ]; then
		meson setup --reconfigure "$dir" "$@"
	else
		rm -rf "$dir"
		meson setup "$dir" "$@"
	fi
}
