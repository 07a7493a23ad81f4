// Host tools the image builder and the VM runner need, installed with apt when missing.
// The table is the single list: a package per tool, never a guess from PATH alone, because
// grub's platform files and OVMF are data files with no command to probe.
import type { Runner } from "../../src/exec/runner.ts";
import type { Logger } from "../../src/system/log.ts";

export const HOST_PACKAGES: readonly string[] = [
  "mmdebstrap",
  "qemu-system-x86",
  "qemu-utils",
  "squashfs-tools",
  "xorriso",
  "grub-pc-bin",
  "grub-efi-amd64-bin",
  "grub-common",
  "mtools",
  "ovmf",
  "busybox-static",
  "cpio",
  "zstd",
  "xz-utils",
  "e2fsprogs",
  "dosfstools",
  "kmod",
];

/** Reads `dpkg-query` output ("name install ok installed" lines) and returns the packages not installed. */
export function findMissingPackages(wanted: readonly string[], dpkgQueryOutput: string): string[] {
  const installed = new Set<string>();
  for (const line of dpkgQueryOutput.split("\n")) {
    const [name, ...status] = line.trim().split(/\s+/);
    if (name && status.join(" ") === "install ok installed") installed.add(name.replace(/:.*$/, ""));
  }
  return wanted.filter((p) => !installed.has(p));
}

/** Installs whatever HOST_PACKAGES lacks: one `apt-get update`, then one install without recommends. */
export async function ensureHostPackages(runner: Runner, log: Logger, wanted = HOST_PACKAGES): Promise<string[]> {
  // dpkg-query exits 1 when a package is unknown to dpkg: that is an answer, not a failure.
  const q = await runner.run(["dpkg-query", "-W", "-f", "${Package} ${Status}\n", ...wanted], { allowFailure: true });
  const missing = findMissingPackages(wanted, q.stdout);
  if (missing.length === 0) {
    log.debug("host packages: all present");
    return [];
  }
  if (process.getuid?.() !== 0 && !runner.dryRun) {
    throw new Error(`missing host packages (run as root to install them): ${missing.join(" ")}`);
  }
  log.info(`installing host packages: ${missing.join(" ")}`);
  const env = { DEBIAN_FRONTEND: "noninteractive" };
  await runner.run(["apt-get", "update"], { env });
  await runner.run(["apt-get", "install", "-y", "--no-install-recommends", ...missing], { env });
  return missing;
}
