// Size figures of a built cache entry, for the bench and the docs: each binary raw and as zstd -19
// (how the squashfs will store it), the node's image archives, and the module and build caches.
// CLI: npx tsx builder/kube/figures.ts  (JSON on stdout; builds first when the cache is cold)
import { lstat, readFile, readlink, stat } from "node:fs/promises";
import { join, relative } from "node:path";
import { isMain, parseNoArguments, runMain } from "../cli-args.ts";
import { ProcessRunner } from "../../src/exec/runner.ts";
import { ensureKubeComponents } from "./build.ts";
import { ensureNodeImages } from "./node-images.ts";

export interface KubeFigures {
  key: string;
  buildSeconds: number;
  binaries: Record<string, { bytes: number; zstd19Bytes: number }>;
  /** The names each binary answers to through symlinks (applets of k3os-kube, plugins of cni). */
  links: Record<string, string[]>;
  totalBytes: number;
  totalZstd19Bytes: number;
  /** Docker-archives of the node's images (uncompressed layers), by image name. */
  imageArchiveBytes: Record<string, number>;
  goModCacheBytes: number;
  goBuildCacheBytes: number;
}

const runner = new ProcessRunner();

async function zstdSize(path: string): Promise<number> {
  const r = await runner.run(["sh", "-c", 'zstd -19 -T0 -q -c "$1" | wc -c', "sh", path]);
  return Number(r.stdout.trim());
}

async function duBytes(dir: string): Promise<number> {
  const r = await runner.run(["du", "-sb", dir], { allowFailure: true });
  return Number(r.stdout.split("\t")[0] ?? 0);
}

async function goEnvPath(name: string): Promise<string> {
  return (await runner.run(["go", "env", name], { env: { PATH: `${process.env.PATH}:/usr/local/go/bin` } })).stdout.trim();
}

export async function measureKubeFigures(): Promise<KubeFigures> {
  const kube = await ensureKubeComponents();
  const manifest = JSON.parse(await readFile(join(kube.dir, "manifest.json"), "utf8")) as {
    buildSeconds: number;
    files: Record<string, { bytes: number }>;
  };
  const binaries: KubeFigures["binaries"] = {};
  for (const [file, { bytes }] of Object.entries(manifest.files)) {
    binaries[file] = { bytes, zstd19Bytes: await zstdSize(join(kube.dir, file)) };
  }
  const links: KubeFigures["links"] = {};
  for (const [name, path] of Object.entries(kube.binaries).sort()) {
    if (!(await lstat(path)).isSymbolicLink()) continue;
    const target = relative(kube.dir, join(path, "..", await readlink(path)));
    (links[target] ??= []).push(name);
  }
  const images = await ensureNodeImages({ kube });
  const imageArchiveBytes: Record<string, number> = {};
  for (const [name, img] of Object.entries(images.images)) imageArchiveBytes[name] = (await stat(img.archive)).size;
  const sum = (k: "bytes" | "zstd19Bytes") => Object.values(binaries).reduce((a, b) => a + b[k], 0);
  return {
    key: kube.key,
    buildSeconds: manifest.buildSeconds,
    binaries,
    links,
    totalBytes: sum("bytes"),
    totalZstd19Bytes: sum("zstd19Bytes"),
    imageArchiveBytes,
    goModCacheBytes: await duBytes(await goEnvPath("GOMODCACHE")),
    goBuildCacheBytes: await duBytes(await goEnvPath("GOCACHE")),
  };
}

if (isMain(import.meta.url)) {
  runMain(
    { name: "figures", usage: "usage: tsx builder/kube/figures.ts", details: "  Prints the Kubernetes components' figures (sizes, caches, build time) as JSON; builds them when the cache is cold." },
    async (args) => {
      parseNoArguments(args);
      process.stdout.write(`${JSON.stringify(await measureKubeFigures(), null, 2)}\n`);
    },
  );
}
