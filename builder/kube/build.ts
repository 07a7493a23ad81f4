// The Kubernetes components from Go modules, built once per cache key into
// ${XDG_CACHE_HOME:-~/.cache}/k3os/kube/<key>/ (bin/, cni/, manifest.json); a warm run is a lookup.
// CLI: npx tsx builder/kube/build.ts   (prints the directory on stdout, progress on stderr)
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { lstat, readdir, readFile, stat, symlink } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic } from "../../src/system/atomic-write.ts";
import { cachedDir, hashFiles, listFiles, sharedCacheRoot } from "../cache.ts";
import { isMain, parseNoArguments, runMain } from "../cli-args.ts";
import { ensureDebianPackages } from "../host/prerequisites.ts";
import { buildTarget, downloadModules, type GoBuildContext } from "./go-build.ts";
import { findGo } from "./go-tool.ts";
import { applets, cniName, cniPlugins, goTargets, multicallName, upstreamDir } from "./targets.ts";
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
  /** Parent of the cache entries; default ${XDG_CACHE_HOME:-~/.cache}/k3os/kube (sharedCacheRoot). */
  cacheRoot?: string;
  log?: (msg: string) => void;
}

/**
 * Inputs of the Go build: versions.json, go.mod, go.sum, our Go sources and the build recipe. The
 * generated upstream packages are left out: go.mod/go.sum pin what they are copied from and
 * upstream-mains.ts how, and they exist only after a build, so hashing them would change the key.
 */
export async function goBuildInputs(kubeDir: string, versionsPath: string): Promise<string[]> {
  const recipe = new Set(["go.mod", "go.sum", "targets.ts", "ldflags.ts", "go-build.ts", "upstream-mains.ts"]);
  const files = (await listFiles(kubeDir)).filter(
    (rel) => !rel.startsWith(`${upstreamDir}/`) && (rel.endsWith(".go") || rel.startsWith("stub/") || recipe.has(rel)),
  );
  return [versionsPath, ...files.map((rel) => join(kubeDir, rel))];
}

export async function ensureKubeComponents(opts: EnsureOptions = {}): Promise<KubeComponents> {
  const log = opts.log ?? ((m: string) => process.stderr.write(`kube: ${m}\n`));
  const versions = await readVersions();
  const goModProblems = checkGoMod(versions, await readFile(join(kubeDir, "go.mod"), "utf8"));
  if (goModProblems.length) throw new Error(`builder/kube/go.mod disagrees with builder/versions.json:\n${goModProblems.join("\n")}`);

  const key = await hashFiles(join(kubeDir, ".."), await goBuildInputs(kubeDir, versionsPath));
  const dir = join(opts.cacheRoot ?? join(sharedCacheRoot(), "kube"), key);
  const started = Date.now();
  const { hit } = await cachedDir(
    dir,
    async (partial) => {
      log(`building the Kubernetes components (key ${key}) into ${dir}`);
      const targets = goTargets(versions);
      await ensureDebianPackages([...new Set(targets.flatMap((t) => t.debianBuildDeps))], { log });
      const ctx: GoBuildContext = { go: findGo(), kubeDir, versions, multicallVersion: versionOf(versions, "kubernetes"), log };
      await downloadModules(ctx);
      await generateUpstreamMains(ctx);
      for (const target of targets) await buildTarget(ctx, target, partial);
      // Relative links: the image copies bin/ and cni/ with cp -a and they still point next door.
      for (const name of applets) await symlink(multicallName, join(partial, "bin", name));
      for (const name of cniPlugins) await symlink(cniName, join(partial, "cni", name));
      await writeManifest(partial, key, versions, (Date.now() - started) / 1000);
    },
    { marker: "manifest.json" },
  );
  if (hit) return describe(dir, key, versions, false);
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
  await writeFileAtomic(join(dir, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);
}

if (isMain(import.meta.url)) {
  runMain(
    { name: "kube", usage: "usage: tsx builder/kube/build.ts", details: "  Builds the Kubernetes components once per input key (a warm run is a lookup); prints the cache entry." },
    async (args) => {
      parseNoArguments(args);
      process.stdout.write(`${(await ensureKubeComponents()).dir}\n`);
    },
  );
}
