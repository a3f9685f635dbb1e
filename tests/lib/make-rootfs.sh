#!/bin/bash
# make-rootfs.sh DEST: build a minimal busybox root filesystem in DEST.
#
# The rootfs is made at test time from Debian's busybox-static so that the
# tests need no image registry. Every applet is a symlink to the same
# /bin/busybox file: a test that needs distinct executables (an exec
# allowlist, for instance) must copy a binary under its own name instead.
#
# Idempotent: DEST/.runac-rootfs-stamp records the checksum of the busybox
# binary and of this script; when both still match, nothing is done.
# Env: BUSYBOX (default /bin/busybox).
set -euo pipefail

dest=$(realpath -m "${1:?usage: make-rootfs.sh DEST}") # absolute: the build cds
busybox=${BUSYBOX:-/bin/busybox}
[[ -x $busybox ]] || { echo "make-rootfs: $busybox missing (apt-get install busybox-static)" >&2; exit 1; }
# A dynamically linked busybox would need its libraries inside the rootfs.
if ldd "$busybox" >/dev/null 2>&1; then
	echo "make-rootfs: $busybox is not static (install busybox-static)" >&2
	exit 1
fi

stamp=$(cat "$busybox" "${BASH_SOURCE[0]}" | sha256sum | cut -d' ' -f1)
fresh() { [[ -f $dest/.runac-rootfs-stamp && $(<"$dest/.runac-rootfs-stamp") == "$stamp" ]]; }
fresh && exit 0

# Two runs sharing DEST (RUNAC_TEST_ROOTFS) build it once; the second waits.
mkdir -p "$(dirname "$dest")"
exec {lock}>"$dest.lock"
flock "$lock"
fresh && exit 0

# Build next to DEST and rename at the end, so an interrupted build never
# leaves (or is used as) a half-built rootfs.
tmp=$(mktemp -d "$dest.tmp.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

cd "$tmp"
mkdir -p bin sbin usr/bin usr/sbin etc root home/agent tmp var/tmp run proc sys dev
chmod 1777 tmp var/tmp
chmod 0700 root
cp "$busybox" bin/busybox
chmod 0755 bin/busybox

# Applets where busybox itself would install them (bin/, sbin/, usr/bin/...),
# as relative symlinks so they resolve the same on the host and inside.
while read -r applet; do
	case $applet in
	*/*) ;;         # has a directory: keep it
	*) continue ;;  # "linuxrc": not needed in a container
	esac
	[[ $applet == bin/busybox ]] && continue
	dir=${applet%/*}
	up=$(sed 's#[^/]*#..#g' <<<"$dir")
	ln -sf "$up/bin/busybox" "$applet"
done < <(bin/busybox --list-full)

cat >etc/passwd <<'EOF'
root:x:0:0:root:/root:/bin/sh
agent:x:1000:1000:agent:/home/agent:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOF
cat >etc/group <<'EOF'
root:x:0:
agent:x:1000:
nogroup:x:65534:
EOF
echo runac-test >etc/hostname
chown 1000:1000 home/agent

echo "$stamp" >.runac-rootfs-stamp
rm -rf "$dest"
mv "$tmp" "$dest"
chmod 0755 "$dest"   # mktemp made it 0700
trap - EXIT
