// Debian packages the build needs (gcc and libseccomp-dev for runc; umoci and skopeo for image
// archives): checked with dpkg, installed with apt-get when missing so a fresh machine works.
import { ProcessRunner, type Runner } from "../../src/exec/runner.ts";

export async function missingDebianPackages(packages: string[], runner: Runner = new ProcessRunner()): Promise<string[]> {
  const missing: string[] = [];
  for (const pkg of packages) {
    const r = await runner.run(["dpkg-query", "-W", "-f=${Status}", pkg], { allowFailure: true });
    if (r.exitCode !== 0 || !r.stdout.includes("install ok installed")) missing.push(pkg);
  }
  return missing;
}

export async function ensureDebianPackages(
  packages: string[],
  log: (msg: string) => void,
  runner: Runner = new ProcessRunner(),
): Promise<void> {
  const missing = await missingDebianPackages(packages, runner);
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0) {
    throw new Error(`missing Debian packages: ${missing.join(" ")} (run: sudo apt-get install -y ${missing.join(" ")})`);
  }
  log(`installing Debian packages: ${missing.join(" ")}`);
  const env = { DEBIAN_FRONTEND: "noninteractive" };
  const install = ["apt-get", "install", "-y", "--no-install-recommends", ...missing];
  const first = await runner.run(install, { env, allowFailure: true });
  if (first.exitCode === 0) return;
  // A fresh machine may have no package lists yet.
  await runner.run(["apt-get", "update"], { env });
  await runner.run(install, { env });
}
