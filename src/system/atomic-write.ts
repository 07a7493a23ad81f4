// Atomic file writes, the one implementation: the data goes to a temp file beside the target
// (a unique name, created exclusively), is fsynced, gets its mode and owner, then is renamed over
// the target and the directory fsynced. A reader sees the old file or the new one, never half of
// one. A writer killed midway leaves only its temp file, named with TEMP_MARKER so that
// removeStaleTemps can sweep it at the next start.
import { randomBytes } from "node:crypto";
import {
  closeSync, fchmodSync, fchownSync, fsyncSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, writeSync,
} from "node:fs";
import { mkdir, open, readdir, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

/** Part of every temp file's name; nothing else we write contains it. */
export const TEMP_MARKER = ".k3os-tmp-";

export interface AtomicWriteOptions {
  /** File mode, applied exactly (setuid/setgid/sticky bits too). Default 0644. */
  mode?: number;
  uid?: number;
  gid?: number;
  /** Mode of parent directories that must be created. Default 0755. */
  dirMode?: number;
}

/** The owner to set: a uid alone sets its own gid too; a gid alone leaves the uid (-1). */
function ownerOf(opts: AtomicWriteOptions): { uid: number; gid: number } | undefined {
  if (opts.uid === undefined && opts.gid === undefined) return undefined;
  return { uid: opts.uid ?? -1, gid: opts.gid ?? opts.uid ?? -1 };
}

/** The temp file name used for `target`: hidden, beside it, unique per call. */
export function tempPathFor(target: string): string {
  return join(dirname(target), `.${basename(target)}${TEMP_MARKER}${process.pid}-${randomBytes(4).toString("hex")}`);
}

/** True for names tempPathFor makes. */
export function isTempName(name: string): boolean {
  return name.startsWith(".") && name.includes(TEMP_MARKER);
}

export async function writeFileAtomic(target: string, data: string | Uint8Array, opts: AtomicWriteOptions = {}): Promise<void> {
  const mode = opts.mode ?? 0o644;
  const dir = dirname(target);
  await mkdir(dir, { recursive: true, mode: opts.dirMode ?? 0o755 });
  const tmp = tempPathFor(target);
  const fh = await open(tmp, "wx", 0o600);
  try {
    await fh.writeFile(data);
    // chown first: chown(2) clears setuid/setgid bits, so the mode must come after it.
    const owner = ownerOf(opts);
    if (owner) await fh.chown(owner.uid, owner.gid);
    await fh.chmod(mode);
    await fh.sync();
    await fh.close();
    await rename(tmp, target);
  } catch (e) {
    await fh.close().catch(() => {});
    await rm(tmp, { force: true });
    throw e;
  }
  await syncDir(dir);
}

export function writeFileAtomicSync(target: string, data: string | Uint8Array, opts: AtomicWriteOptions = {}): void {
  const mode = opts.mode ?? 0o644;
  const dir = dirname(target);
  mkdirSync(dir, { recursive: true, mode: opts.dirMode ?? 0o755 });
  const tmp = tempPathFor(target);
  const fd = openSync(tmp, "wx", 0o600);
  try {
    const buf = typeof data === "string" ? Buffer.from(data) : data;
    for (let off = 0; off < buf.length; ) off += writeSync(fd, buf, off, buf.length - off);
    const owner = ownerOf(opts);
    if (owner) fchownSync(fd, owner.uid, owner.gid);
    fchmodSync(fd, mode);
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, target);
  } catch (e) {
    try { closeSync(fd); } catch { /* already closed */ }
    rmSync(tmp, { force: true });
    throw e;
  }
  syncDirSync(dir);
}

/** fsyncs a directory so a rename in it survives a power cut. Best effort: some filesystems refuse. */
export async function syncDir(dir: string): Promise<void> {
  try {
    const fh = await open(dir, "r");
    try { await fh.sync(); } finally { await fh.close(); }
  } catch { /* EINVAL/EISDIR on filesystems that do not sync directories */ }
}

function syncDirSync(dir: string): void {
  try {
    const fd = openSync(dir, "r");
    try { fsyncSync(fd); } finally { closeSync(fd); }
  } catch { /* as syncDir */ }
}

/** Removes temp files a killed writer left in `dir` (not recursive). Returns the names removed. */
export async function removeStaleTemps(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const stale = names.filter(isTempName);
  for (const name of stale) await rm(join(dir, name), { force: true });
  return stale;
}

export function removeStaleTempsSync(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const stale = names.filter(isTempName);
  for (const name of stale) rmSync(join(dir, name), { force: true });
  return stale;
}
