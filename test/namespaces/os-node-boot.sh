#!/bin/sh
# PID 1 of an OS node's PID namespace, in its own mount, UTS and IPC namespaces inside a lab
# host's network namespace (os-node.ts starts it). It does what the initramfs's live mode does,
# with the namespace in place of the machine: it mounts the system as /init's mount_live does and
# runs the initramfs's own assemble-root.sh (taken from the built initramfs), then hands PID 1
# to the image's own /sbin/init:
#   usage: os-node-boot.sh WORK ASSEMBLE_ROOT
#   WORK/media/k3os  the medium's /k3os (system/config.yaml, system/k3os/current/...)
#   WORK/cmdline     the node's kernel command line (the host's /proc/cmdline is not this node's)
#   WORK/etc         files laid on the node's /etc before the config runs: what the namespace,
#                    not the OS config, decides (the kubelet's cgroup root; see os-node.ts)
#   WORK/root        where the root is assembled (a tmpfs, as in the initramfs)
#   ASSEMBLE_ROOT    the built initramfs's /lib/k3os/assemble-root.sh
# The host's kernel runs the node: the image's kernel and its modules squashfs are not used.
set -eu
WORK=$1
ASSEMBLE_ROOT=$2
SQUASHFS=$WORK/media/k3os/system/k3os/current/k3os.squashfs
R=$WORK/root
BASE=$R/run/k3os

say() { echo "os-node-boot: $*"; }

on_exit() {
	rc=$?
	[ "$rc" -eq 0 ] || say "failed (exit $rc) in step: ${STEP:-start}"
}
trap on_exit EXIT

# The root, /run and what the initramfs keeps under /run/k3os (media, usr, etc), as in live mode.
mount_system() {
	mkdir -p "$R"
	mount -t tmpfs -o mode=0755 root "$R"
	mkdir -p "$R/run"
	mount -t tmpfs -o mode=0755,nosuid,nodev run "$R/run"
	mkdir -p "$BASE/media" "$BASE/usr"
	mount --bind "$WORK/media" "$BASE/media"
	mount -o remount,bind,ro "$BASE/media"
	mount -t squashfs -o ro,loop "$SQUASHFS" "$BASE/usr"
}

# The initramfs's step, then what the namespace adds to /etc before the config runs.
build_root() {
	sh "$ASSEMBLE_ROOT" live "$R" "$BASE"
	if [ -d "$WORK/etc" ]; then cp -a "$WORK/etc/." "$R/etc/"; fi
}

# /proc of this PID namespace; /sys of this network namespace. /sys/fs/cgroup is the node's own
# tmpfs holding binds of the host's hierarchies (cgroup v1 here), so nothing the node makes at
# its top lands on the host's; the kubelet's cgroup root in each hierarchy is os-node.ts's.
mount_kernel_fs() {
	mount -t proc -o nosuid,nodev,noexec proc "$R/proc"
	mount --bind "$WORK/cmdline" "$R/proc/cmdline"
	mount -t sysfs -o nosuid,nodev,noexec sysfs "$R/sys"
	mount -t tmpfs -o mode=0755,nosuid,nodev,noexec cgroup "$R/sys/fs/cgroup"
	for h in /sys/fs/cgroup/*; do
		mountpoint -q "$h" || continue
		mkdir -p "$R$h"
		mount --bind "$h" "$R$h"
	done
}

# A container's /dev (as LXC makes it): the usual character devices, /dev/kmsg for the kubelet's
# OOM watcher, and the console on the pty this script runs on (os-node.ts reads its output).
make_dev() {
	mount -t tmpfs -o mode=0755,nosuid dev "$R/dev"
	for d in "null 666 1 3" "zero 666 1 5" "full 666 1 7" "random 666 1 8" "urandom 666 1 9" \
		"tty 666 5 0" "ptmx 666 5 2" "kmsg 644 1 11"; do
		set -- $d
		mknod -m "$2" "$R/dev/$1" c "$3" "$4"
	done
	: > "$R/dev/console"
	mount --bind "$(tty)" "$R/dev/console"
	ln -s /proc/self/fd "$R/dev/fd"
	ln -s /proc/self/fd/0 "$R/dev/stdin"
	ln -s /proc/self/fd/1 "$R/dev/stdout"
	ln -s /proc/self/fd/2 "$R/dev/stderr"
}

# As the initramfs: the config's initrd phase runs in the new root before init starts.
run_config_initrd() {
	chroot "$R" /usr/bin/env -i PATH=/usr/sbin:/usr/bin /usr/sbin/k3os config --initrd ||
		say "k3os config --initrd failed; continuing"
}

# switch_root's part: the assembled root becomes / and the host's tree is let go.
enter_root() {
	mkdir -p "$BASE/host"
	cd "$R"
	pivot_root . run/k3os/host
	cd /
	umount -l /run/k3os/host
	rmdir /run/k3os/host
}

STEP=mount_system; mount_system
STEP=build_root; build_root
STEP=mount_kernel_fs; mount_kernel_fs
STEP=make_dev; make_dev
STEP=run_config_initrd; run_config_initrd
STEP=enter_root; enter_root
say "root ready; starting /sbin/init"
trap - EXIT
# `container=NAME` in PID 1's environment is how a container manager tells the OS it runs in a
# container (systemd's container interface; OpenRC reads it as rc_sys). This runner keeps
# systemd-nspawn's part of that contract: it mounts /proc, /sys, a minimal /dev and the cgroup
# hierarchies, and runs the OS's init as PID 1. For SYSTEMD-NSPAWN OpenRC leaves cgroups to the
# manager (no `cgroups` service, no per-service cgroups) and leaves out the services marked
# `keyword -systemd-nspawn`. As LXC it would mount cgroup2 over the host's cgroup v1 hierarchies.
exec /usr/bin/env -i container=systemd-nspawn TERM=linux PATH=/usr/sbin:/usr/bin /sbin/init
