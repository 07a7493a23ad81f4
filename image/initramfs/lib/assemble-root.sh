#!/bin/sh
# The new root, assembled from the mounted system: the skeleton on a tmpfs root, /usr the squashfs,
# /etc an overlay of a tmpfs on /usr/etc, the kernel's modules and firmware, /k3os (the medium's,
# or in disk mode what persists on K3OS_STATE). /init runs it in the initramfs; the namespaces
# tier (test/namespaces/os-node-boot.sh) runs this same file, taken from the built initramfs.
#   usage: assemble-root.sh MODE NEWROOT BASE
#   NEWROOT          a tmpfs, mounted
#   BASE/usr         the /usr squashfs, mounted
#   BASE/kernel      the kernel squashfs, mounted (none when the host's kernel runs the node)
#   BASE/media/k3os  live: the medium's /k3os
#   BASE/state       disk: the K3OS_STATE filesystem, mounted
set -eu
MODE=$1
NEWROOT=$2
BASE=$3
STATE=$BASE/state

lay_skeleton() {
  cp -a "$BASE/usr/lib/k3os/skel/." "$NEWROOT/"
  mount --bind "$BASE/usr" "$NEWROOT/usr"
}

# /etc: the defaults in /usr/etc under a tmpfs that takes every change and forgets it at
# shutdown. An overlay instead of a copy: copying its ~800 files took seconds under TCG.
mount_etc() {
  mkdir -p "$BASE/etc"
  mount -t tmpfs -o mode=0755 etc-rw "$BASE/etc"
  mkdir -p "$BASE/etc/upper" "$BASE/etc/work"
  mount -t overlay -o "lowerdir=$NEWROOT/usr/etc,upperdir=$BASE/etc/upper,workdir=$BASE/etc/work" etc "$NEWROOT/etc"
}

bind_kernel() {
  [ -d "$BASE/kernel/modules" ] || return 0
  mount --bind "$BASE/kernel/modules" "$NEWROOT/usr/lib/modules"
  mount --bind "$BASE/kernel/firmware" "$NEWROOT/usr/lib/firmware"
}

# Disk mode keeps on K3OS_STATE what k3OS kept there (its root was that partition): /var (and so
# /usr/local -> /var/local), /home, /opt and /k3os. The first boot seeds them from the skeleton;
# a copy is renamed into place so that an interrupted one is redone.
bind_state() {
  for dir in var home opt; do
    if [ ! -d "$STATE/$dir" ]; then
      rm -rf "$STATE/.$dir.new"
      cp -a "$NEWROOT/$dir" "$STATE/.$dir.new"
      mv "$STATE/.$dir.new" "$STATE/$dir"
    fi
    mount --bind "$STATE/$dir" "$NEWROOT/$dir"
  done
  mkdir -p "$STATE/k3os/data"
  mount --bind "$STATE/k3os" "$NEWROOT/k3os"
  # As k3OS: the components are read-only; an upgrade remounts /k3os/system read-write.
  mount --bind "$STATE/k3os/system" "$NEWROOT/k3os/system"
  mount -o remount,bind,ro "$NEWROOT/k3os/system"
}

bind_k3os() {
  if [ "$MODE" = disk ]; then
    bind_state
  else
    mount --bind "$BASE/media/k3os" "$NEWROOT/k3os"
  fi
  # As k3OS: the live system has no password for rancher (disk mode keeps it locked); a config
  # password replaces it in `k3os config --initrd`.
  if [ "$MODE" = live ]; then chroot "$NEWROOT" passwd -d rancher >/dev/null; fi
  echo "$MODE" > "$BASE/mode"
}

lay_skeleton
mount_etc
bind_kernel
bind_k3os
