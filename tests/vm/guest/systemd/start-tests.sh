#!/bin/sh
# The guest tests' start in the systemd boot mode (runac-vm-tests.service).
# systemd has mounted proc, sysfs, devtmpfs, devpts, /dev/shm, /run,
# securityfs, bpffs and cgroup2 (nsdelegate, memory_recursiveprot), set the
# hostname from /etc/hostname and brought up lo; it owns the cgroup tree, so
# the root's cgroup.subtree_control is left to it. What remains is done here.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

# mounted DIR: something is mounted on DIR (busybox has no mountpoint).
mounted() { awk -v m="$1" '$2 == m { f = 1 } END { exit !f }' /proc/self/mounts; }

mounted /sys/fs/bpf || mount -t bpf -o nosuid,nodev,noexec,mode=0700 bpf /sys/fs/bpf
mounted /run || mount -t tmpfs -o nosuid,nodev,mode=0755 run /run
mkdir -p /dev/mqueue
mounted /dev/mqueue || mount -t mqueue -o nosuid,nodev,noexec mqueue /dev/mqueue
chmod 1777 /tmp
# Kernel messages stay off the console the results are read from.
dmesg -n 1
ip link set lo up

sh /vm/runner.sh </dev/null
sync
poweroff -f
