// KVM is used only when a guest really runs under it: here /dev/kvm exists and SeaBIOS even runs,
// yet a Linux guest never prints a line. So the probe boots the k3os kernel and initramfs with
// `k3os.probe` (the initramfs prints a marker and powers off) and waits for the marker.
// The verdict is cached per host kernel; `k3os-vm probe` runs it again.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { writeFileAtomic } from "../../src/system/atomic-write.ts";
import { join } from "node:path";
import { release } from "node:os";

export const PROBE_MARKER = "K3OS-PROBE-OK";

export interface AccelVerdict {
  kvm: boolean;
  host: string;
  probedAt: string;
  reason: string;
}

export function renderKvmProbeArgv(kernel: string, initrd: string): string[] {
  return [
    "qemu-system-x86_64", "-accel", "kvm", "-cpu", "host", "-machine", "pc", "-m", "256",
    "-display", "none", "-vga", "none", "-nodefaults", "-no-reboot", "-serial", "stdio", "-monitor", "none",
    "-netdev", "user,id=n,restrict=on", "-device", "virtio-net-pci,netdev=n",
    "-kernel", kernel, "-initrd", initrd, "-append", "console=ttyS0 quiet k3os.probe",
  ];
}

/** Boots the kernel under KVM for at most timeoutMs; KVM works if the initramfs printed the marker. */
export async function probeKvm(kernel: string, initrd: string, timeoutMs = 30_000): Promise<{ ok: boolean; reason: string }> {
  if (!existsSync("/dev/kvm")) return { ok: false, reason: "no /dev/kvm" };
  const argv = renderKvmProbeArgv(kernel, initrd);
  const child = spawn(argv[0] as string, argv.slice(1), { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const started = Date.now();
  const done = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    child.stdout.on("data", () => {
      if (out.includes(PROBE_MARKER)) {
        clearTimeout(timer);
        resolve(true);
      }
    });
    child.on("close", () => {
      clearTimeout(timer);
      resolve(out.includes(PROBE_MARKER));
    });
  });
  child.kill("SIGKILL");
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  if (done) return { ok: true, reason: `a kernel booted under KVM in ${secs} s` };
  const why = stderr.trim().split("\n").pop();
  return { ok: false, reason: why ? `qemu: ${why}` : `no guest output within ${timeoutMs / 1000} s` };
}

/** KVM or TCG for this host; without a kernel to probe with, TCG (not cached). */
export async function chooseAccel(
  cacheDir: string,
  probe: { kernel: string; initrd: string } | undefined,
  opts: { reprobe?: boolean } = {},
): Promise<AccelVerdict> {
  const file = join(cacheDir, "accel.json");
  const host = release();
  if (!opts.reprobe && existsSync(file)) {
    const cached = JSON.parse(await readFile(file, "utf8")) as AccelVerdict;
    if (cached.host === host) return cached;
  }
  if (!probe || !existsSync(probe.kernel) || !existsSync(probe.initrd)) {
    return { kvm: false, host, probedAt: new Date().toISOString(), reason: "no kernel to probe KVM with: TCG" };
  }
  const r = await probeKvm(probe.kernel, probe.initrd);
  const verdict: AccelVerdict = { kvm: r.ok, host, probedAt: new Date().toISOString(), reason: r.reason };
  // atomic: VM tests and benchmarks started together read it while one of them writes it
  await writeFileAtomic(file, `${JSON.stringify(verdict, null, 2)}\n`);
  return verdict;
}
