// The build cache, one module for every cached output: the image stages (base tree, node tree,
// images) as <root>/<stage>-<key>, the Kubernetes components and node images as
// <shared root>/kube/<key> and <shared root>/images/<key>. A key is a hash of everything the
// output is made from; an entry is built beside its place and renamed into it, so a half-finished
// build is never mistaken for a cached one.
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile, readdir, rename, rm, mkdir, stat, writeFile } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import { homedir } from "node:os";

/**
 * ${XDG_CACHE_HOME:-$HOME/.cache}/k3os: outputs addressed by their key alone (the Kubernetes
 * components, the node images, the accelerator verdict), which every checkout on the machine shares.
 */
export function sharedCacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CACHE_HOME || join(env.HOME || homedir(), ".cache");
  return join(base, "k3os");
}

/** Where the image stages live: the shared root, or K3OS_IMAGE_CACHE. */
export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  // A second builder on this machine (another checkout, a test) keeps its stages apart with this:
  // image stages are pruned and locked per root, unlike the key-addressed shared entries.
  return env.K3OS_IMAGE_CACHE || sharedCacheRoot(env);
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
  /**
   * Files by their path relative to base, in path order whatever the order given, then plain
   * strings. (The Kubernetes components' and node images' keys were made this way first: keeping
   * the encoding keeps their cache entries valid.)
   */
  async addFilesByPath(base: string, files: readonly string[], extra: readonly string[] = []): Promise<this> {
    for (const f of [...files].sort()) {
      this.h.update(`${relative(base, f)}\0`);
      this.h.update(await readFile(f));
      this.h.update("\0");
    }
    for (const e of extra) this.h.update(`${e}\0`);
    return this;
  }
  digest(len = 16): string {
    return this.h.digest("hex").slice(0, len);
  }
}

/** Every file under dir (symlinks included, directories not), by path relative to dir, in name order. */
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

/** sha256 over the named files (by path relative to base, then content) and strings, 16 hex digits. */
export async function hashFiles(base: string, files: readonly string[], extra: readonly string[] = []): Promise<string> {
  return (await new KeyBuilder().addFilesByPath(base, files, extra)).digest();
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

export interface CachedDirOptions {
  /** A file the entry must hold to count as complete (default: the directory existing is enough). */
  marker?: string;
}

/**
 * Returns the cache entry `dir`, building it with `make(partialDir)` when absent: make must leave
 * a complete tree in partialDir (which does not exist yet); it is renamed into place only on
 * success and removed on failure.
 */
export async function cachedDir(dir: string, make: (partialDir: string) => Promise<void>, o: CachedDirOptions = {}): Promise<{ dir: string; hit: boolean }> {
  if (existsSync(o.marker ? join(dir, o.marker) : dir)) return { dir, hit: true };
  const partial = `${dir}.partial-${process.pid}`;
  await rm(partial, { recursive: true, force: true });
  await mkdir(dirname(dir), { recursive: true });
  try {
    await make(partial);
    await publishCacheDir(partial, dir);
  } catch (e) {
    await rm(partial, { recursive: true, force: true });
    throw e;
  }
  return { dir, hit: false };
}

/** An image stage's entry, <root>/<name>-<key>, built by cachedDir. */
export function cachedStage(
  root: string,
  name: string,
  key: string,
  make: (tmpDir: string) => Promise<void>,
): Promise<{ dir: string; hit: boolean }> {
  return cachedDir(join(root, `${name}-${key}`), make);
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
    // .tmp: half-built entries of builds before cachedDir named them .partial-<pid>
    const m = /^([a-z]+)-([0-9a-f]{16})(\.tmp|\.partial-\d+)?$/.exec(name);
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
