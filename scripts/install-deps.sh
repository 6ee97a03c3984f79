#!/bin/sh
# install-deps.sh - install the Debian packages rempart needs to build and
# test, if any are missing.  Needs root for apt-get; otherwise prints the
# command to run.
#
#   scripts/install-deps.sh          build + test dependencies
#   scripts/install-deps.sh --bench  also restic, borg and the bench tools
set -eu

PKGS="build-essential pkg-config clang libclang-rt-14-dev libzstd-dev libsodium-dev libssl-dev
libcurl4-openssl-dev libmicrohttpd-dev libgnutls28-dev libarchive-dev libcmocka-dev
acl attr curl python3 python3-stdnum valgrind time zlib1g-dev chromium"
if [ "${1:-}" = "--bench" ]; then
	PKGS="$PKGS restic borgbackup zstd lz4 b3sum openssl wrk"
	# ransomware-detection scenarios (bench/detect): archiving and gpg tools
	PKGS="$PKGS zip p7zip-full xz-utils gnupg"
fi

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

echo "rempart: installing missing Debian packages:$missing"
if [ "$(id -u)" != 0 ]; then
	echo "rempart: not root; please run: sudo apt-get update && sudo apt-get install -y$missing" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing >/dev/null
echo "rempart: packages installed"
