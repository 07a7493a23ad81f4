// grub.cfg of an installed disk: k3OS's entries (Current, Previous, Rescue) booting the kernel
// component's `current` or `previous` version from K3OS_STATE in disk mode. GRUB's ext2 driver
// follows the component symlinks, so an upgrade switches versions without rewriting this file.
import { tokenizeCmdline } from "../config/cmdline.ts";

/** As the live medium's entries (builder/iso/grub-config.ts): the screen and the first serial port. */
const DEFAULT_CONSOLES = ["console=tty1", "console=ttyS0,115200"];

/**
 * The console= arguments of the installed system. An explicit tty becomes the last console (the
 * one /dev/console and init write to), after tty1 for the screen; without one, the consoles the
 * live system was booted with are kept, as k3OS did.
 */
export function consoleArgs(tty: string | undefined, liveCmdline = ""): string[] {
  if (tty !== undefined) {
    const name = tty.replace(/^\/dev\//, "");
    const withSpeed = /^ttyS\d+$/.test(name) ? `${name},115200` : name;
    return name === "tty1" ? ["console=tty1"] : ["console=tty1", `console=${withSpeed}`];
  }
  const live = tokenizeCmdline(liveCmdline).filter((w) => w.startsWith("console="));
  return live.length > 0 ? live : DEFAULT_CONSOLES;
}

export interface InstalledGrubOptions {
  consoles: string[];
  /** More kernel messages on the installed system (no `quiet`). */
  debug?: boolean;
  timeout?: number;
}

/** The kernel command line disk mode needs (image/initramfs/init reads k3os.mode). */
export function diskCmdline(o: InstalledGrubOptions): string {
  return ["k3os.mode=disk", ...o.consoles, ...(o.debug ? [] : ["quiet"]), "panic=10"].join(" ");
}

function serialUnit(consoles: string[]): number {
  for (const c of consoles) {
    const m = /^console=ttyS(\d+)/.exec(c);
    if (m) return Number(m[1]);
  }
  return 0;
}

export function renderInstalledGrubConfig(o: InstalledGrubOptions): string {
  const cmdline = diskCmdline(o);
  const entry = (title: string, version: "current" | "previous", extra = "") =>
    [
      `menuentry "${title}" {`,
      "  search --no-floppy --set=root --label K3OS_STATE",
      `  linux /k3os/system/kernel/${version}/vmlinuz ${cmdline}${extra}`,
      `  initrd /k3os/system/kernel/${version}/initrd`,
      "}",
    ].join("\n");
  return [
    "# k3os installed system (written by `k3os install`). Kernel arguments added to the linux lines",
    "# (k3os.* config keys) apply at every boot.",
    `serial --unit=${serialUnit(o.consoles)} --speed=115200`,
    "terminal_input console serial",
    "terminal_output console serial",
    "set default=0",
    `set timeout=${o.timeout ?? 5}`,
    "",
    entry("k3os Current", "current"),
    "",
    entry("k3os Previous", "previous"),
    "",
    entry("k3os Rescue", "current", " rescue"),
    "",
  ].join("\n");
}
