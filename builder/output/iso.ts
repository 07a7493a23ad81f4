// The live ISO: grub-mkrescue over a directory laid out as k3OS's (/k3os/system/..., /boot/grub),
// BIOS and EFI in one hybrid image, volume id K3OS (the initramfs finds the medium by it).
import type { Runner } from "../../src/exec/runner.ts";

export const ISO_VOLUME_ID = "K3OS";

export function renderMkrescueArgv(isoDir: string, target: string): string[] {
  return ["grub-mkrescue", "-o", target, isoDir, "--", "-volid", ISO_VOLUME_ID];
}

export async function makeIso(runner: Runner, isoDir: string, target: string, epoch: number): Promise<void> {
  // xorriso and mformat read SOURCE_DATE_EPOCH for volume dates and serials.
  const r = await runner.run(renderMkrescueArgv(isoDir, target), { env: { SOURCE_DATE_EPOCH: String(epoch) } });
  // grub-mkrescue may exit 0 without an image when a platform directory is missing.
  if (!runner.dryRun) {
    const { existsSync } = await import("node:fs");
    if (!existsSync(target)) throw new Error(`grub-mkrescue wrote no ${target}:\n${r.stderr}`);
  }
}
