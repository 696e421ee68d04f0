#!/bin/sh
# Install the Debian packages proptrack needs to build and to run its tests, when missing.
set -e
PKGS="build-essential pkg-config clang clang-format libclang-rt-14-dev bc libldns-dev libncurses-dev libcmocka-dev nsd unbound dnsmasq-base tmux ldnsutils python3 python3-aiosmtpd iproute2 procps python3-dnspython bind9-dnsutils linux-perf libidn2-dev libjansson-dev cppcheck clang-tidy libcurl4-openssl-dev libssl-dev openssl strace python3-unbound time"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && { echo "deps: all installed"; exit 0; }
echo "deps: installing$missing"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
$SUDO apt-get update
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends $missing
