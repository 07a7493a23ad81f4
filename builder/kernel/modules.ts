// Kernel module policy: which modules the initramfs loads, which trees the node never needs,
// and dependency order from modules.dep (parsed here, not in the boot shell).

/** What the initramfs loads first: disk controllers of VMs and most machines, the ISO and the squashfs. */
export const INITRD_MODULES: readonly string[] = [
  "ata_piix", "ahci", "virtio_pci", "virtio_blk", "virtio_scsi", "nvme", "sd_mod", "sr_mod",
  "isofs", "loop", "squashfs", "overlay",
];

/**
 * Loaded only when the first set did not find the medium (USB sticks) or for the state partition:
 * each insmod costs about 0.2 s under TCG, and a VM booting its ISO needs none of these.
 */
export const INITRD_EXTRA_MODULES: readonly string[] = [
  "xhci_pci", "ehci_pci", "uhci_hcd", "ohci_pci", "usb_storage", "uas",
  // crc32c_generic: ext4 made by a default mkfs.ext4 (metadata checksums) does not mount without it
  "ext4", "crc32c_generic", "vfat", "nls_cp437", "nls_iso8859_1",
];

/** Module subtrees (relative to kernel/) a k3s node never loads: GPUs, media, sound, HPC fabrics. */
export const PRUNED_MODULE_DIRS: readonly string[] = [
  "drivers/gpu",
  "drivers/media",
  "sound",
  "drivers/infiniband",
  "drivers/staging",
  "drivers/iio",
  "drivers/isdn",
  "drivers/comedi",
  "drivers/hid/amd-sfh-hid",
  "drivers/input/joystick",
  "drivers/input/touchscreen",
  "drivers/net/wireless/ath",
  "drivers/net/wireless/intel",
  "drivers/net/wireless/mediatek",
  "drivers/net/wireless/realtek",
  "drivers/net/wireless/broadcom",
  "drivers/net/wireless/marvell",
  "drivers/net/wireless/ti",
  "drivers/net/wireless/quantenna",
  "drivers/bluetooth",
  "net/bluetooth",
];

/** The module name as the kernel knows it: file stem, dashes as underscores. */
export function moduleName(path: string): string {
  const base = path.slice(path.lastIndexOf("/") + 1);
  return base.replace(/\.ko(\.(xz|zst|gz))?$/, "").replaceAll("-", "_");
}

export interface ModuleIndex {
  /** module name → path relative to /lib/modules/<kver> */
  path: Map<string, string>;
  /** module name → names of the modules it needs */
  deps: Map<string, string[]>;
}

/** Parses modules.dep: "kernel/fs/isofs/isofs.ko.xz: kernel/x.ko.xz ..." one module per line. */
export function parseModulesDep(text: string): ModuleIndex {
  const path = new Map<string, string>();
  const deps = new Map<string, string[]>();
  for (const line of text.split("\n")) {
    const colon = line.indexOf(":");
    if (colon < 0) continue;
    const file = line.slice(0, colon).trim();
    const name = moduleName(file);
    path.set(name, file);
    deps.set(name, line.slice(colon + 1).trim().split(/\s+/).filter(Boolean).map(moduleName));
  }
  return { path, deps };
}

/** Names from modules.builtin (paths, one a line). */
export function parseModulesBuiltin(text: string): Set<string> {
  return new Set(text.split("\n").map((l) => l.trim()).filter(Boolean).map(moduleName));
}

/**
 * The modules to insmod, dependencies first, each once. A wanted module built into the kernel
 * is skipped; one that is neither a module nor built in is an error (a renamed driver would
 * otherwise silently leave the initramfs unable to find its disk).
 */
export function resolveLoadOrder(wanted: readonly string[], index: ModuleIndex, builtin: Set<string>): string[] {
  const order: string[] = [];
  const seen = new Set<string>();
  const visit = (name: string, chain: string[]): void => {
    if (seen.has(name)) return;
    if (chain.includes(name)) throw new Error(`module dependency cycle: ${[...chain, name].join(" -> ")}`);
    const deps = index.deps.get(name);
    if (deps === undefined) {
      if (builtin.has(name)) return;
      throw new Error(`kernel module ${name} is neither a module nor built in`);
    }
    for (const d of deps) visit(d, [...chain, name]);
    seen.add(name);
    order.push(name);
  };
  for (const w of wanted) visit(w.replaceAll("-", "_"), []);
  return order;
}
