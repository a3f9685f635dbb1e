#!/usr/bin/env bash
# Installs the Debian packages runac needs to build, test and benchmark.
# Runs apt only when something is missing, so repeated runs cost nothing.
set -euo pipefail

packages=(
  # build
  meson ninja-build pkg-config g++
  libseccomp-dev libcap-dev libyajl-dev libspdlog-dev libfmt-dev libbpf-dev
  libapparmor-dev libcurl4-openssl-dev libssl-dev libsystemd-dev doctest-dev
  clang llvm bpftool
  # tests: busybox rootfs fixture, the reference runtimes, the test runner
  busybox-static runc crun bats jq iproute2 python3 time
  # HTTPS stand-ins of the secret stores and their test CA; openssl(1) for signatures
  python3-cryptography openssl
  # holds runac at a chosen system call (tests/integration/kills.bats)
  strace
  # a Debian rootfs with node, python3 and git for the agents' scripted sessions
  mmdebstrap
  # engines driving runac (tests/engines)
  docker.io containerd podman catatonit
  # the Debian package (debian/) and its round trip (tests/engines/package.bats);
  # no fakeroot: the tests run as root and debian/control says Rules-Requires-Root: no
  dpkg-dev debhelper lintian
  # a CRI client of the tests' own (tests/engines/cri): kubelet's side of containerd
  python3-grpcio python3-protobuf protobuf-compiler
  # Podman's own network backend (its bridge, as Podman 4 sets it up)
  netavark
  # the default seccomp profile of Podman (the same rules as Docker's)
  golang-github-containers-common
  # kernel VM tier (tests/vm): qemu (TCG), Debian's cloud kernel, initramfs packing
  qemu-system-x86 linux-image-cloud-amd64 cpio
  # ... and AppArmor's parser, to load test profiles in the guest
  apparmor
  # ... and systemd, pid 1 of its systemd mode (RUNAC_VM_SYSTEMD=1)
  systemd
  # benchmarks
  hyperfine
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
