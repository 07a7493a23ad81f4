// Debian packages the builders need, checked with dpkg and installed with apt-get when missing so
// a fresh machine works: the image builder's and VM runner's host tools (HOST_PACKAGES), and what
// the Kubernetes build and the image archives ask for (gcc and libseccomp-dev for runc, umoci and
// skopeo). A package per tool, never a guess from PATH alone: grub's platform files and OVMF are
// data files with no command to probe.
import { ProcessRunner, type Runner } from "../../src/exec/runner.ts";
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

export interface EnsurePackagesOptions {
  runner?: Runner;
  log?: (msg: string) => void;
}

/**
 * Installs whichever of `wanted` dpkg does not report installed; returns them. One dpkg-query for
 * all; then one install without recommends, and `apt-get update` only when that install fails
 * (a fresh machine may have no package lists yet).
 */
export async function ensureDebianPackages(wanted: readonly string[], o: EnsurePackagesOptions = {}): Promise<string[]> {
  const runner = o.runner ?? new ProcessRunner();
  const log = o.log ?? (() => {});
  if (wanted.length === 0) return [];
  // dpkg-query exits 1 when a package is unknown to dpkg: that is an answer, not a failure.
  const q = await runner.run(["dpkg-query", "-W", "-f", "${Package} ${Status}\n", ...wanted], { allowFailure: true });
  const missing = findMissingPackages(wanted, q.stdout);
  if (missing.length === 0) return [];
  if (process.getuid?.() !== 0 && !runner.dryRun) {
    throw new Error(`missing Debian packages: ${missing.join(" ")} (run as root, or: sudo apt-get install -y ${missing.join(" ")})`);
  }
  log(`installing Debian packages: ${missing.join(" ")}`);
  const env = { DEBIAN_FRONTEND: "noninteractive" };
  const install = ["apt-get", "install", "-y", "--no-install-recommends", ...missing];
  const first = await runner.run(install, { env, allowFailure: true });
  if (first.exitCode !== 0) {
    await runner.run(["apt-get", "update"], { env });
    await runner.run(install, { env });
  }
  return missing;
}

/** The image builder's and VM runner's host tools (`k3os-image prereqs`). */
export function ensureHostPackages(runner: Runner, log: Logger, wanted = HOST_PACKAGES): Promise<string[]> {
  return ensureDebianPackages(wanted, { runner, log: (m) => log.info(m) });
}
