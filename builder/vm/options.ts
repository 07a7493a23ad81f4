// `k3os-vm run` options → VmOptions. Parsing lives here (table-tested); the CLI only wires it up.
import { parseArgs } from "node:util";
import { join } from "node:path";
import { positiveInt, UsageError } from "../cli-args.ts";

export interface RunRequest {
  iso?: string;
  kernel?: string;
  initrd?: string;
  append?: string;
  memoryMb: number;
  cpus: number;
  disks: string[];
  efi: boolean;
  openNetwork: boolean;
  sshPort?: number;
  accel: "auto" | "kvm" | "tcg";
  headless: boolean;
}

export const RUN_USAGE = `usage: k3os-vm run [--iso FILE | --kernel FILE --initrd FILE [--append ARGS]] [--memory MB] [--cpus N]
                  [--disk FILE]... [--efi] [--ssh-port N] [--tcg | --kvm] [--headless] [--open-network]`;

export const RUN_DETAILS = `  Boots a k3os artifact in QEMU with the serial console on this terminal (Ctrl-A X quits).
  Default: dist/artifacts/k3os-amd64.iso (or $K3OS_ARTIFACTS/). With --kernel, that ISO stays attached as the live medium.
  Networking is QEMU user mode restricted to the host; --open-network lets the guest out.`;

export function parseRunArgs(args: string[], artifacts: string): RunRequest {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      iso: { type: "string" },
      kernel: { type: "string" },
      initrd: { type: "string" },
      append: { type: "string" },
      memory: { type: "string", default: "2048" },
      cpus: { type: "string", default: "2" },
      disk: { type: "string", multiple: true, default: [] },
      efi: { type: "boolean", default: false },
      "open-network": { type: "boolean", default: false },
      "ssh-port": { type: "string" },
      tcg: { type: "boolean", default: false },
      kvm: { type: "boolean", default: false },
      headless: { type: "boolean", default: false },
    },
  });
  const num = (name: string, v: string | undefined): number | undefined => (v === undefined ? undefined : positiveInt(`--${name}`, v));
  if (values.tcg && values.kvm) throw new UsageError("--tcg and --kvm exclude each other");
  if (values.append !== undefined && values.kernel === undefined) throw new UsageError("--append needs --kernel (an ISO boots its own GRUB menu)");
  const defaultIso = join(artifacts, "k3os-amd64.iso");
  const kernel = values.kernel;
  return {
    // A direct kernel boot still needs the medium labelled K3OS for the live system.
    iso: values.iso ?? defaultIso,
    kernel,
    initrd: values.initrd ?? (kernel ? join(artifacts, "k3os-initrd-amd64") : undefined),
    append: values.append,
    memoryMb: num("memory", values.memory) ?? 2048,
    cpus: num("cpus", values.cpus) ?? 2,
    disks: values.disk ?? [],
    efi: values.efi ?? false,
    openNetwork: values["open-network"] ?? false,
    sshPort: num("ssh-port", values["ssh-port"]),
    accel: values.tcg ? "tcg" : values.kvm ? "kvm" : "auto",
    headless: values.headless ?? false,
  };
}
