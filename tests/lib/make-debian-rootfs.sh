#!/bin/bash
# make-debian-rootfs.sh [DEST]: a Debian 12 root filesystem with node,
# python3 and git, from Debian's archive (mmdebstrap), for the scripted
# agent sessions of tests/adversarial/sessions.bats: what an agent's image
# has, as the agents' own binaries are not in Debian.
#
# Cached outside the clone (default /var/cache/runac-tests/debian-agents):
# DEST/.runac-rootfs-stamp records the checksum of this script; when it
# still matches, nothing is done. The container never writes to it: an
# agent policy makes the rootfs read-only, and the sessions' writable paths
# are mounts of the test's own.
set -euo pipefail

dest=$(realpath -m "${1:-/var/cache/runac-tests/debian-agents}")
packages=nodejs,python3,git,ca-certificates
stamp=$(sha256sum "${BASH_SOURCE[0]}" | cut -d' ' -f1)
fresh() { [[ -f $dest/.runac-rootfs-stamp && $(<"$dest/.runac-rootfs-stamp") == "$stamp" ]]; }
fresh && exit 0
command -v mmdebstrap >/dev/null || { echo "make-debian-rootfs: mmdebstrap missing (scripts/deps.sh)" >&2; exit 1; }

mkdir -p "$(dirname "$dest")"
exec {lock}>"$dest.lock"
flock "$lock"
fresh && exit 0

# Built next to DEST and renamed at the end: an interrupted build never
# leaves (or is used as) a half-built rootfs.
tmp=$(mktemp -d "$dest.tmp.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
# Documentation, manuals and translations are a third of it and unused.
mmdebstrap --quiet --variant=minbase --include="$packages" \
	--dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*' \
	--dpkgopt='path-exclude=/usr/share/locale/*' bookworm "$tmp/root"
# Mount points of the sessions' own: the workspace, the session scripts,
# the test's resolv.conf.
mkdir -p "$tmp/root/workspace" "$tmp/root/opt/session"
rm -f "$tmp/root/etc/resolv.conf"
touch "$tmp/root/etc/resolv.conf"
echo "$stamp" >"$tmp/root/.runac-rootfs-stamp"
rm -rf "$dest"
mv "$tmp/root" "$dest"
chmod 0755 "$dest"
