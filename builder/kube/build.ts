// The Kubernetes components from Go modules, built once per cache key into
// ${XDG_CACHE_HOME:-~/.cache}/k3os/kube/<key>/ (bin/, cni/, manifest.json); a warm run is a lookup.
// CLI: npx tsx builder/kube/build.ts   (prints the directory on stdout, progress on stderr)
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { lstat, mkdir, readdir, readFile, rm, stat, symlink, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { goBuildInputs, hashFiles, publishCacheDir } from "./cache-key.ts";
import { buildTarget, downloadModules, type GoBuildContext } from "./go-build.ts";
import { findGo } from "./go-tool.ts";
import { ensureDebianPackages } from "./prerequisites.ts";
import { applets, cniName, cniPlugins, goTargets, multicallName } from "./targets.ts";
import { generateUpstreamMains } from "./upstream-mains.ts";
import { checkGoMod, kubeDir, readVersions, versionOf, versionsPath, type Versions } from "./versions.ts";

export interface KubeComponents {
  /** The cache entry: bin/ (multi-call binary and its applet symlinks, shim, runc, coredns), cni/ (cni and its plugin symlinks). */
  dir: string;
  binDir: string;
  cniDir: string;
  key: string;
  /** The multi-call binary. */
  multicall: string;
  /** Every command and CNI plugin by name (applets and plugins are symlinks to their multi-call binary). */
  binaries: Record<string, string>;
  versions: Versions;
  /** True when this call built the entry, false when it was already cached. */
  built: boolean;
}

export interface EnsureOptions {
  /** Parent of the cache entries; default ${XDG_CACHE_HOME:-~/.cache}/k3os/kube. */
  cacheRoot?: string;
  log?: (msg: string) => void;
}

export function defaultCacheRoot(): string {
  return join(process.env.XDG_CACHE_HOME || join(homedir(), ".cache"), "k3os", "kube");
}

export async function ensureKubeComponents(opts: EnsureOptions = {}): Promise<KubeComponents> {
  const log = opts.log ?? ((m: string) => process.stderr.write(`kube: ${m}\n`));
  const versions = await readVersions();
  const goModProblems = checkGoMod(versions, await readFile(join(kubeDir, "go.mod"), "utf8"));
  if (goModProblems.length) throw new Error(`builder/kube/go.mod disagrees with builder/versions.json:\n${goModProblems.join("\n")}`);

  const key = await hashFiles(join(kubeDir, ".."), await goBuildInputs(kubeDir, versionsPath));
  const cacheRoot = opts.cacheRoot ?? defaultCacheRoot();
  const dir = join(cacheRoot, key);
  if (existsSync(join(dir, "manifest.json"))) return describe(dir, key, versions, false);

  const started = Date.now();
  log(`building the Kubernetes components (key ${key}) into ${dir}`);
  const targets = goTargets(versions);
  await ensureDebianPackages([...new Set(targets.flatMap((t) => t.debianBuildDeps))], log);
  const ctx: GoBuildContext = { go: findGo(), kubeDir, versions, multicallVersion: versionOf(versions, "kubernetes"), log };

  // Build beside the entry and rename it into place: an interrupted build never looks finished.
  await mkdir(cacheRoot, { recursive: true });
  const partial = `${dir}.partial-${process.pid}`;
  await rm(partial, { recursive: true, force: true });
  try {
    await downloadModules(ctx);
    await generateUpstreamMains(ctx);
    for (const target of targets) await buildTarget(ctx, target, partial);
    // Relative links: the image copies bin/ and cni/ with cp -a and they still point next door.
    for (const name of applets) await symlink(multicallName, join(partial, "bin", name));
    for (const name of cniPlugins) await symlink(cniName, join(partial, "cni", name));
    await writeManifest(partial, key, versions, (Date.now() - started) / 1000);
    await publishCacheDir(partial, dir);
  } catch (e) {
    await rm(partial, { recursive: true, force: true });
    throw e;
  }
  log(`built in ${((Date.now() - started) / 1000).toFixed(1)} s: ${dir}`);
  return describe(dir, key, versions, true);
}

async function describe(dir: string, key: string, versions: Versions, built: boolean): Promise<KubeComponents> {
  const binDir = join(dir, "bin");
  const cniDir = join(dir, "cni");
  const binaries: Record<string, string> = {};
  for (const d of [binDir, cniDir]) for (const f of await readdir(d)) binaries[f] = join(d, f);
  return { dir, binDir, cniDir, key, multicall: join(binDir, multicallName), binaries, versions, built };
}

/** manifest.json: what was built from which versions, each binary's size and sha256 (not the symlinks). */
async function writeManifest(dir: string, key: string, versions: Versions, seconds: number): Promise<void> {
  const files: Record<string, { bytes: number; sha256: string }> = {};
  for (const sub of ["bin", "cni"]) {
    for (const f of (await readdir(join(dir, sub))).sort()) {
      const p = join(dir, sub, f);
      if ((await lstat(p)).isSymbolicLink()) continue;
      const data = await readFile(p);
      files[`${sub}/${f}`] = { bytes: (await stat(p)).size, sha256: createHash("sha256").update(data).digest("hex") };
    }
  }
  const manifest = { key, buildSeconds: Math.round(seconds), versions, files };
  await writeFile(join(dir, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  ensureKubeComponents()
    .then((c) => {
      process.stdout.write(`${c.dir}\n`);
    })
    .catch((e: Error) => {
      process.stderr.write(`kube: error: ${e.message}\n`);
      process.exit(1);
    });
}
