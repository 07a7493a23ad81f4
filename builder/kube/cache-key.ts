// The cache key of a build: a hash of every input that changes its output, so a warm run is a
// directory lookup and any change to a pin, go.mod/go.sum, our Go sources or the recipe rebuilds.
import { createHash } from "node:crypto";
import { readdir, readFile, rename, rm } from "node:fs/promises";
import { join, relative } from "node:path";
import { upstreamDir } from "./targets.ts";

async function listFiles(dir: string, accept: (path: string) => boolean): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listFiles(p, accept)));
    else if (entry.isFile() && accept(p)) out.push(p);
  }
  return out;
}

/** sha256 over the named files (by path relative to base, then content), first 16 hex digits. */
export async function hashFiles(base: string, files: string[], extra: string[] = []): Promise<string> {
  const h = createHash("sha256");
  for (const f of [...files].sort()) {
    h.update(`${relative(base, f)}\0`);
    h.update(await readFile(f));
    h.update("\0");
  }
  for (const e of extra) h.update(`${e}\0`);
  return h.digest("hex").slice(0, 16);
}

/**
 * Inputs of the Go build: versions.json, go.mod, go.sum, our Go sources and the build recipe. The
 * generated upstream packages are left out: go.mod/go.sum pin what they are copied from and
 * upstream-mains.ts how, and they exist only after a build, so hashing them would change the key.
 */
export async function goBuildInputs(kubeDir: string, versionsPath: string): Promise<string[]> {
  const recipe = new Set(["go.mod", "go.sum", "targets.ts", "ldflags.ts", "go-build.ts", "upstream-mains.ts"]);
  const files = await listFiles(kubeDir, (p) => {
    const rel = relative(kubeDir, p);
    if (rel.startsWith(`${upstreamDir}/`)) return false;
    return rel.endsWith(".go") || rel.startsWith("stub/") || recipe.has(rel);
  });
  return [versionsPath, ...files];
}

/**
 * Moves a finished build from `partial` to its cache dir. When another build of the same key got
 * there first, its result is as good as ours: ours is discarded.
 */
export async function publishCacheDir(partial: string, dir: string): Promise<void> {
  try {
    await rename(partial, dir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== "ENOTEMPTY" && code !== "EEXIST") throw e;
    await rm(partial, { recursive: true, force: true });
  }
}
