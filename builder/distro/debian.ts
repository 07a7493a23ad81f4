// Distro policy: which Debian, which packages, and how mmdebstrap makes the base tree.
// Output formats (squashfs, initrd, iso) live in builder/output/ and know nothing of Debian.

export const SUITE = "trixie";
export const ARCH = "amd64";

export const MIRRORS: readonly string[] = [
  `deb http://deb.debian.org/debian ${SUITE} main`,
  `deb http://deb.debian.org/debian ${SUITE}-updates main`,
  `deb http://deb.debian.org/debian-security ${SUITE}-security main`,
];

/** What a k3s node needs, nothing more. Each group says why it is here. */
export const PACKAGE_GROUPS: Readonly<Record<string, readonly string[]>> = {
  // OpenRC as init (as k3OS); sysvinit-core gives /sbin/init and getty handling through inittab.
  init: ["openrc", "sysvinit-core", "kmod", "procps"],
  // Debian's kernel and its free firmware; tiny-initramfs satisfies the kernel's initramfs-tool
  // dependency without initramfs-tools, whose 36 MB initrd nobody boots (we ship our own).
  kernel: ["linux-image-amd64", "tiny-initramfs", "firmware-linux-free"],
  // The node agent runs on Debian's Node.js.
  agent: ["nodejs"],
  network: ["connman", "iproute2", "iptables", "ipset", "conntrack", "ca-certificates", "curl", "ethtool"],
  // systemd-standalone-sysusers satisfies openssh-server's sysusers need without systemd itself.
  access: ["openssh-server", "sudo", "systemd-standalone-sysusers"],
  // The installer: partitions, filesystems, bootloader; sfdisk (fdisk) also grows K3OS_STATE at boot.
  install: ["e2fsprogs", "dosfstools", "fdisk", "grub2-common", "grub-pc-bin", "grub-efi-amd64-bin", "squashfs-tools"],
  // The initramfs takes busybox from the same build so the image has one source of binaries.
  tools: ["busybox-static", "less", "xz-utils", "zstd"],
};

export function listPackages(groups = PACKAGE_GROUPS): string[] {
  return [...new Set(Object.values(groups).flat())].sort();
}

export interface MmdebstrapOptions {
  target: string;
  packages: readonly string[];
  mirrors?: readonly string[];
  /** mmdebstrap's own hook directory (merged-usr without the usrmerge package and its perl). */
  hookDir?: string;
}

/** The mmdebstrap argv. Root mode: the builder runs as root and wants a plain directory it can chroot into. */
export function renderMmdebstrapArgv(o: MmdebstrapOptions): string[] {
  return [
    "mmdebstrap",
    "--mode=root",
    "--variant=minbase",
    `--architectures=${ARCH}`,
    "--format=directory",
    `--include=${o.packages.join(",")}`,
    `--hook-dir=${o.hookDir ?? "/usr/share/mmdebstrap/hooks/merged-usr"}`,
    // Recommends would bring systemd pieces, GUI bits and initramfs-tools back.
    "--aptopt=APT::Install-Recommends \"false\"",
    "--aptopt=APT::Install-Suggests \"false\"",
    // Docs, man pages and locales never reach the disk: smaller and faster than deleting them after.
    "--dpkgopt=path-exclude=/usr/share/man/*",
    "--dpkgopt=path-exclude=/usr/share/doc/*",
    "--dpkgopt=path-include=/usr/share/doc/*/copyright",
    "--dpkgopt=path-exclude=/usr/share/locale/*",
    "--dpkgopt=path-include=/usr/share/locale/locale.alias",
    "--dpkgopt=path-exclude=/usr/share/info/*",
    "--dpkgopt=path-exclude=/usr/share/lintian/*",
    SUITE,
    o.target,
    ...(o.mirrors ?? MIRRORS),
  ];
}
