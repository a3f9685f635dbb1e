#!/usr/bin/env bash
# build-initramfs.sh OUT.cpio: the VM tier's initramfs, from the current
# build tree. Holds busybox (the guest's userland, /init is guest/init),
# runac and vm-probe from the build, jq, apparmor_parser, bpftool, the
# shared libraries `ldd` lists for them, the busybox container rootfs
# (tests/lib/make-rootfs.sh) with git and jq added at /vm/rootfs, and the
# guest scripts and tests at /vm. For the systemd boot modes (run-vm.sh
# with RUNAC_VM_SYSTEMD set, an image of its own) also systemd, systemctl,
# busctl, Debian's runc, containerd, its shim and ctr, a busybox image for
# ctr, and the units of guest/systemd/.
#
# Cached: everything is staged first (a copy, so a binary rebuilt meanwhile
# cannot end up half in the image), then the checksum of the staged tree is
# compared with OUT.stamp; OUT is repacked only when it differs.
#
# Env: RUNAC (runac binary), RUNAC_VM_PROBE (vm-probe binary), ESCAPE (the
#      adversarial tier's static program, put in the container rootfs),
#      RUNAC_VM_ROOTFS (container rootfs cache; default: next to OUT),
#      BUSYBOX (default /bin/busybox), JQ (default: jq on PATH),
#      APPARMOR_PARSER (default /usr/sbin/apparmor_parser), BPFTOOL
#      (default /usr/sbin/bpftool), GIT (default /usr/bin/git),
#      RUNAC_VM_SYSTEMD (non-empty: the systemd modes' image), SYSTEMD
#      (default /lib/systemd/systemd), RUNC (default /usr/sbin/runc).
set -euo pipefail

out=${1:?usage: build-initramfs.sh OUT.cpio}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
runac=${RUNAC:?set RUNAC to the runac binary}
probe=${RUNAC_VM_PROBE:?set RUNAC_VM_PROBE to the vm-probe binary}
escape=${ESCAPE:?set ESCAPE to the escape binary}
busybox=${BUSYBOX:-/bin/busybox}
jq=${JQ:-$(command -v jq || true)}
rootfs=${RUNAC_VM_ROOTFS:-$(dirname "$out")/rootfs}

systemd_mode=${RUNAC_VM_SYSTEMD:-}
systemd=$(command -v "${SYSTEMD:-/lib/systemd/systemd}" || true)
runc=$(command -v "${RUNC:-/usr/sbin/runc}" || true)

needed=("$runac" "$probe" "$escape" "$busybox" "$jq")
[[ -z $systemd_mode ]] || needed+=("$systemd" "$runc" /usr/bin/containerd /usr/bin/containerd-shim-runc-v2 /usr/bin/ctr)
for f in "${needed[@]}"; do
	[[ -n $f && -x $f ]] || { echo "build-initramfs: missing executable: '$f'" >&2; exit 1; }
done
command -v cpio >/dev/null || { echo "build-initramfs: cpio missing (apt-get install cpio)" >&2; exit 1; }

mkdir -p "$(dirname "$out")"
exec 9>"$out.lock"
flock 9 # one builder at a time per OUT

"$here/../lib/make-rootfs.sh" "$rootfs"

stage=$(mktemp -d "$out.stage.XXXXXX")
trap 'rm -rf "$stage"' EXIT
cd "$stage"
mkdir -p bin sbin usr/bin usr/sbin usr/local/bin dev proc sys run tmp root vm/tests vm/inject
chmod 1777 tmp
mknod -m 600 dev/console c 5 1

cp "$busybox" bin/busybox
while read -r applet; do
	case $applet in */*) ;; *) continue ;; esac
	[[ $applet == bin/busybox ]] && continue
	slashes=${applet//[^\/]/}
	up=..
	for ((i = 1; i < ${#slashes}; i++)); do up+=/..; done
	ln -s "$up/bin/busybox" "$applet"
done < <(bin/busybox --list-full)

# Dynamically linked programs with the libraries ldd names, at the same paths.
add_program() {
	local src=$1 dest=$2 lib
	cp -L "$src" "$dest"
	chmod 0755 "$dest"
	while read -r lib; do
		[[ -e .$lib ]] && continue
		mkdir -p ".$(dirname "$lib")"
		cp -L "$lib" ".$lib"
	done < <(ldd "$dest" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }')
}
add_program "$runac" usr/local/bin/runac
# What runac loads only when a command needs it: libsystemd (--systemd-cgroup).
add_library() {
	local lib
	# (awk reads to the end: an early exit would kill ldconfig with SIGPIPE)
	lib=$(ldconfig -p | awk -v n="$1" '$1 == n && /x86-64/ && !found { print $NF; found = 1 }')
	[[ -n $lib ]] || { echo "build-initramfs: library $1 not found" >&2; exit 1; }
	mkdir -p ".$(dirname "$lib")"
	add_program "$lib" ".$lib"
}
add_library libsystemd.so.0
add_program "$probe" usr/local/bin/vm-probe
add_program "$jq" usr/bin/jq
# AppArmor's profile compiler, for the guest tests that load a profile.
add_program "${APPARMOR_PARSER:-/usr/sbin/apparmor_parser}" usr/sbin/apparmor_parser
# What BPF programs are loaded and attached (tests/lsm.sh).
add_program "${BPFTOOL:-/usr/sbin/bpftool}" usr/sbin/bpftool

# The systemd boot modes' image (RUNAC_VM_SYSTEMD set): systemd as pid 1
# (guest/init execs it), its tools, Debian's runc to compare with under the
# same systemd, and containerd with its runc-v2 shim and ctr, whose busybox
# image is made here from the container rootfs. -.slice and system.slice are
# built into systemd 252; the only units are ours, with runac-vm.target as
# default.target.
if [[ -n $systemd_mode ]]; then
	mkdir -p lib/systemd etc/systemd/system
	add_program "$systemd" lib/systemd/systemd
	add_program /bin/systemctl bin/systemctl
	add_program /usr/bin/busctl usr/bin/busctl
	add_program "$runc" usr/sbin/runc
	for p in containerd containerd-shim-runc-v2 ctr; do add_program "/usr/bin/$p" "usr/bin/$p"; done
	"$here/../engines/make-oci-image.sh" "$rootfs" vm/busybox-image.tar docker.io/library/busybox:vm
	install -m 0644 "$here"/guest/systemd/*.target "$here"/guest/systemd/*.service etc/systemd/system/
	ln -s runac-vm.target etc/systemd/system/default.target
	install -m 0755 "$here/guest/systemd/start-tests.sh" vm/systemd-start-tests.sh
	# A fixed machine id: an empty one means a first boot (presets applied).
	echo 5f0c9d7ae1b44d3c8a6b2e7f90d1c4a8 >etc/machine-id
	cp -L /etc/os-release etc/os-release
	echo runac-vm >etc/hostname
fi

cp -a "$rootfs" vm/rootfs
rm -f vm/rootfs/.runac-rootfs-stamp
install -m 0755 "$escape" vm/rootfs/usr/bin/escape
# Dynamically linked programs in the container, with their libraries and
# the dynamic loader, for the exec and per-tool rules (tests/lsm.sh).
(cd vm/rootfs && add_program "${GIT:-/usr/bin/git}" usr/bin/git && add_program "$jq" usr/bin/jq)
install -m 0755 "$here/guest/init" init
install -m 0644 "$here/guest/runner.sh" "$here/guest/lib.sh" vm/
install -m 0644 "$here"/tests/*.sh vm/tests/
install -m 0644 "$here"/inject/*.sh vm/inject/

sum=$( (find . -type f -print0 | sort -z | xargs -0 sha256sum
	find . -printf '%p %y %m %U:%G %l\n' | sort) | sha256sum | cut -d' ' -f1)
if [[ -f $out && -f $out.stamp && $(<"$out.stamp") == "$sum" ]]; then
	echo "build-initramfs: $out is up to date" >&2
	exit 0
fi
find . -mindepth 1 -printf '%P\0' | sort -z | cpio --null --create --format=newc --quiet >"$out.tmp"
mv "$out.tmp" "$out"
echo "$sum" >"$out.stamp"
echo "build-initramfs: packed $out ($(du -h "$out" | cut -f1))" >&2
