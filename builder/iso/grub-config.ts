// The ISO's GRUB menu: live, install, rescue (as k3OS), on the serial console and the screen.
// Paths name the version directory rather than `current`, so the menu never depends on GRUB
// following Rock Ridge symlinks; remastering (seed: "Remastering ISO") edits only this file.

export interface GrubMenuOptions {
  kernelDir: string; // e.g. /k3os/system/kernel/6.12.1
  /** extra kernel arguments for every entry */
  append?: string;
  timeout?: number;
}

export const BASE_CMDLINE = "console=tty1 console=ttyS0,115200 quiet panic=10";

export function renderGrubConfig(o: GrubMenuOptions): string {
  const extra = o.append ? ` ${o.append}` : "";
  const entry = (title: string, args: string) =>
    [
      `menuentry "${title}" {`,
      "  search --no-floppy --set=root --label K3OS",
      `  linux ${o.kernelDir}/vmlinuz ${args} ${BASE_CMDLINE}${extra}`,
      `  initrd ${o.kernelDir}/initrd`,
      "}",
    ].join("\n");
  return [
    "# k3os live medium. Add kernel arguments (k3os.* config keys) to the linux lines to remaster.",
    "serial --unit=0 --speed=115200",
    "terminal_input console serial",
    "terminal_output console serial",
    "set default=0",
    `set timeout=${o.timeout ?? 2}`,
    "",
    entry("k3os live", "k3os.mode=live"),
    "",
    entry("k3os install", "k3os.mode=install"),
    "",
    entry("k3os rescue shell", "k3os.mode=live rescue"),
    "",
  ].join("\n");
}
