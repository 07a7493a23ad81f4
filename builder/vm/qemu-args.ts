// The QEMU command line for a k3os VM, as data: the runner, the VM tests and the benchmark share it.
// User networking is restricted (no way out of the host) unless openNetwork is asked for; SSH is
// forwarded from a local port; virtio-rng because sshd otherwise waits ~50 s for entropy.

export const OVMF_CODE = "/usr/share/OVMF/OVMF_CODE_4M.fd";
export const OVMF_VARS = "/usr/share/OVMF/OVMF_VARS_4M.fd";

export interface VmOptions {
  accel: "kvm" | "tcg";
  memoryMb: number;
  cpus: number;
  iso?: string;
  /** more CD-ROMs after the ISO (e.g. a NoCloud `cidata` disc) */
  cdroms?: readonly string[];
  kernel?: string;
  initrd?: string;
  append?: string;
  disks: readonly string[];
  /** writable copy of OVMF_VARS for this VM; EFI boot when set */
  efiVars?: string;
  sshPort?: number;
  /** QEMU guestfwd rules, e.g. `tcp:10.0.2.100:80-cmd:PROGRAM` (a test's server, reached from a restricted network) */
  guestfwd?: readonly string[];
  openNetwork: boolean;
  /** serial console on stdio (the terminal, or the test harness's pipes) */
  serial: "stdio" | "mon:stdio";
  /** no screen at all (tests, CI) */
  headless: boolean;
}

export function renderNetdev(o: Pick<VmOptions, "openNetwork" | "sshPort" | "guestfwd">): string {
  const parts = ["user", "id=net0"];
  if (!o.openNetwork) parts.push("restrict=on");
  if (o.sshPort) parts.push(`hostfwd=tcp:127.0.0.1:${o.sshPort}-:22`);
  // QEMU's option syntax: a comma inside a value is written twice
  for (const rule of o.guestfwd ?? []) parts.push(`guestfwd=${rule.replaceAll(",", ",,")}`);
  return parts.join(",");
}

function diskFormat(path: string): string {
  return path.endsWith(".qcow2") ? "qcow2" : "raw";
}

export function renderQemuArgv(o: VmOptions): string[] {
  if (!o.iso && !o.kernel && o.disks.length === 0) throw new Error("nothing to boot: give an ISO, a kernel or a disk");
  if (o.kernel && !o.initrd) throw new Error("a kernel needs its initrd (--initrd)");
  if (o.append && !o.kernel) throw new Error("--append needs --kernel: an ISO boots its own GRUB menu");
  const argv = [
    "qemu-system-x86_64",
    "-accel", o.accel,
    "-machine", "pc",
    "-cpu", o.accel === "kvm" ? "host" : "max",
    "-smp", String(o.cpus),
    "-m", String(o.memoryMb),
    "-serial", o.serial,
    "-device", "virtio-rng-pci",
    "-netdev", renderNetdev(o),
    "-device", "virtio-net-pci,netdev=net0",
  ];
  if (o.headless) argv.push("-display", "none", "-vga", "none");
  if (o.serial === "stdio") argv.push("-monitor", "none");
  if (o.efiVars) {
    argv.push(
      "-drive", `if=pflash,format=raw,unit=0,readonly=on,file=${OVMF_CODE}`,
      "-drive", `if=pflash,format=raw,unit=1,file=${o.efiVars}`,
    );
  }
  if (o.iso) argv.push("-drive", `file=${o.iso},media=cdrom,readonly=on,if=ide,index=2`);
  (o.cdroms ?? []).forEach((c, i) => argv.push("-drive", `file=${c},media=cdrom,readonly=on,if=ide,index=${3 + i}`));
  if (o.kernel) {
    argv.push("-kernel", o.kernel, "-initrd", o.initrd as string);
    if (o.append) argv.push("-append", o.append);
  }
  o.disks.forEach((d, i) => argv.push("-drive", `file=${d},format=${diskFormat(d)},if=virtio,index=${i}`));
  return argv;
}

/** The kernel arguments for a direct -kernel boot of the live system (the ISO stays attached). */
export function liveCmdline(extra?: string): string {
  return ["k3os.mode=live", "console=ttyS0,115200", "quiet", "panic=10", extra].filter(Boolean).join(" ");
}
