// Build cache: each stage's output lives under ${XDG_CACHE_HOME:-$HOME/.cache}/k3os/<stage>-<key>,
// the key a hash of everything that stage reads. A stage writes to a temp dir and renames it into
// place, so a half-finished build is never mistaken for a cached one.
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile, readdir, rename, rm, mkdir, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { homedir } from "node:os";

export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  // A second builder on this machine (another checkout, a test) keeps its stages apart with this.
  if (env.K3OS_IMAGE_CACHE) return env.K3OS_IMAGE_CACHE;
  const base = env.XDG_CACHE_HOME || join(env.HOME || homedir(), ".cache");
  return join(base, "k3os");
}

/** A stable key over strings and file contents; order matters and is the caller's. */
export class KeyBuilder {
  private readonly h = createHash("sha256");
  addString(label: string, value: string): this {
    this.h.update(`${label}\0${value.length}\0${value}\0`);
    return this;
  }
  async addFile(path: string, label = path): Promise<this> {
    const data = await readFile(path);
    this.h.update(`${label}\0${data.length}\0`).update(data);
    return this;
  }
  /** Every regular file under dir, in name order, labelled by its relative path and mode. */
  async addTree(dir: string, label = dir): Promise<this> {
    for (const rel of await listFiles(dir)) {
      const st = await stat(join(dir, rel));
      this.addString(`${label}:mode`, `${rel}:${(st.mode & 0o7777).toString(8)}`);
      await this.addFile(join(dir, rel), `${label}/${rel}`);
    }
    return this;
  }
  digest(len = 16): string {
    return this.h.digest("hex").slice(0, len);
  }
}

export async function listFiles(dir: string, prefix = ""): Promise<string[]> {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  const entries = (await readdir(join(dir, prefix), { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
  for (const e of entries) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await listFiles(dir, rel)));
    else out.push(rel);
  }
  return out;
}

/**
 * Returns the cached stage directory, building it with `make(tmpDir)` when absent.
 * `make` must leave a complete tree in tmpDir; it is renamed into place only on success.
 */
export async function cachedStage(
  root: string,
  name: string,
  key: string,
  make: (tmpDir: string) => Promise<void>,
): Promise<{ dir: string; hit: boolean }> {
  const dir = join(root, `${name}-${key}`);
  if (existsSync(dir)) return { dir, hit: true };
  const tmp = `${dir}.tmp`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(root, { recursive: true });
  await make(tmp);
  await rename(tmp, dir);
  return { dir, hit: false };
}

/**
 * Removes the entries of the named stages other than the ones this build used, so the cache holds
 * one base, one node tree and one image set (~1 GB) instead of one per change. Other entries in
 * the cache directory (other tools' own, e.g. kube/) are never touched.
 */
export async function pruneStages(root: string, keep: Readonly<Record<string, string>>): Promise<string[]> {
  const removed: string[] = [];
  if (!existsSync(root)) return removed;
  for (const name of await readdir(root)) {
    const m = /^([a-z]+)-([0-9a-f]{16})(\.tmp)?$/.exec(name);
    if (!m || !((m[1] as string) in keep)) continue;
    if (keep[m[1] as string] === m[2] && !m[3]) continue;
    await rm(join(root, name), { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}

/**
 * One build at a time per cache: a second build would prune the first one's entries from under
 * it. The lock file holds the owner's pid; a lock whose process is gone is taken over.
 */
export async function lockCache(root: string, isAlive = pidAlive): Promise<() => Promise<void>> {
  await mkdir(root, { recursive: true });
  const file = join(root, "build.lock");
  for (;;) {
    try {
      await writeFile(file, `${process.pid}\n`, { flag: "wx" });
      return () => rm(file, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      const owner = Number((await readFile(file, "utf8").catch(() => "")).trim());
      if (owner && isAlive(owner)) throw new Error(`another k3os image build (pid ${owner}) is using ${root}; wait for it or remove ${file}`);
      await rm(file, { force: true });
    }
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}
