// What both QEMU launchers (`k3os-vm run` and the console driver of the VM tests and benchmarks) do
// before they spawn QEMU: check the files to boot exist, choose the accelerator, take a free port
// for SSH, and give the VM a temp dir with its own copy of the EFI variables (OVMF writes to it).
import { existsSync } from "node:fs";
import { copyFile, mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cacheRoot } from "../cache.ts";
import { chooseAccel } from "./accel.ts";
import { findFreePort } from "./ports.ts";
import { OVMF_VARS } from "./qemu-args.ts";

export interface QemuPrepOptions {
  /** files QEMU is given (undefined entries are skipped) */
  files: (string | undefined)[];
  accel: "auto" | "kvm" | "tcg";
  /** the kernel and initrd the KVM probe boots (when the cached verdict is stale) */
  probeWith: { kernel: string; initrd: string };
  efi: boolean;
  sshPort?: number;
  /** names the temp dir, e.g. "k3os-vm-" */
  tmpPrefix: string;
}

export interface QemuPrep {
  accel: "kvm" | "tcg";
  sshPort: number;
  /** the VM's temp dir: the caller removes it once QEMU has exited */
  tmp: string;
  efiVars?: string;
}

export async function prepareQemu(o: QemuPrepOptions): Promise<QemuPrep> {
  for (const f of o.files) {
    if (f && !existsSync(f)) throw new Error(`${f} does not exist: build the image first (npm run image)`);
  }
  const accel = o.accel === "auto" ? ((await chooseAccel(cacheRoot(), o.probeWith)).kvm ? "kvm" : "tcg") : o.accel;
  const sshPort = o.sshPort ?? (await findFreePort());
  const tmp = await mkdtemp(join(tmpdir(), o.tmpPrefix));
  let efiVars: string | undefined;
  if (o.efi) {
    efiVars = join(tmp, "OVMF_VARS.fd");
    await copyFile(OVMF_VARS, efiVars);
  }
  return { accel, sshPort, tmp, efiVars };
}
