// The node's services and root layout. OpenRC's sysinit, boot and default runlevels hold exactly
// the services below: Debian's LSB scripts (mountkernfs.sh, checkroot.sh, udev, ...) are dropped
// from them because under TCG their shell cost tens of seconds, and k3os's initramfs already did
// most of their work. The shutdown side (runlevel off) stays Debian's.

export const RUNLEVELS = ["sysinit", "boot", "default"] as const;
export type Runlevel = (typeof RUNLEVELS)[number];

/** [service, runlevel]: the complete set, all native openrc-run scripts from image/rootfs or OpenRC. */
export const SERVICES: readonly (readonly [string, Runlevel])[] = [
  // no sysinit services: /usr/lib/k3os/sysinit replaces `openrc sysinit` (see there)
  ["k3os-mounts", "boot"],
  ["k3os-coldplug", "boot"],
  ["cgroups", "boot"],
  ["k3os-sysctl", "boot"],
  ["k3os-boot", "boot"],
  ["dbus", "default"],
  ["connman", "default"],
  ["sshd", "default"],
  ["cloud-config", "default"],
  ["k3os-runtime", "default"],
  ["k3os-install", "default"],
  ["k3s-service", "default"],
];

/** Debian LSB scripts removed because a native service above replaces them under another name. */
export const REPLACED_LSB_SCRIPTS: readonly string[] = ["ssh"];

/** Empty directories of the root skeleton that something is mounted on or created in at boot. */
export const ROOT_MOUNTPOINTS: readonly string[] = ["usr", "etc", "k3os", "proc", "sys", "dev", "run", "tmp", "mnt", "media", "opt", "srv"];
