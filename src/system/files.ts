// Writes files on the node under a root, atomically (temp file in the same dir, fsync, rename), or
// under --dry-run only says what it would write. Appliers never call fs write functions directly.
import { randomBytes } from "node:crypto";
import { chmod, chown, mkdir, open, readFile, rename, rm } from "node:fs/promises";
import { dirname } from "node:path";
import { inRoot, resolveInRoot } from "./paths.ts";

export interface WriteOptions {
  mode?: number;
  uid?: number;
  gid?: number;
  /** Mode of parent directories that must be created. Default 0755. */
  dirMode?: number;
}

export class NodeFiles {
  constructor(
    readonly root: string,
    readonly dryRun: boolean,
    private readonly print: (line: string) => void = (l) => process.stdout.write(`${l}\n`),
  ) {}

  /** The host path of a node path, following symlinks inside root. */
  resolve(path: string): Promise<string> {
    return resolveInRoot(this.root, path);
  }

  async read(path: string): Promise<Buffer | null> {
    try {
      return await readFile(await this.resolve(path));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
      throw e;
    }
  }

  async readText(path: string): Promise<string | null> {
    return (await this.read(path))?.toString("utf8") ?? null;
  }

  async write(path: string, content: string | Buffer, opts: WriteOptions = {}): Promise<void> {
    const mode = opts.mode ?? 0o644;
    if (this.dryRun) {
      const owner = opts.uid !== undefined ? `, owner ${opts.uid}:${opts.gid ?? opts.uid}` : "";
      this.print(`would write ${path} (${Buffer.byteLength(content)} bytes, mode ${mode.toString(8).padStart(4, "0")}${owner})`);
      return;
    }
    const target = await this.resolve(path);
    await mkdir(dirname(target), { recursive: true, mode: opts.dirMode ?? 0o755 });
    const tmp = `${dirname(target)}/.${target.split("/").pop()}.k3os-${randomBytes(4).toString("hex")}`;
    const fh = await open(tmp, "wx", mode);
    try {
      await fh.writeFile(content);
      await fh.chmod(mode); // the umask narrowed the mode given to open
      if (opts.uid !== undefined) await fh.chown(opts.uid, opts.gid ?? opts.uid);
      await fh.sync();
      await fh.close();
      await rename(tmp, target);
    } catch (e) {
      await fh.close().catch(() => {});
      await rm(tmp, { force: true });
      throw e;
    }
  }

  /** Writes a file the kernel owns (/proc/sys/...): in place, no temp file, no parent dirs on a live root. */
  async writeInPlace(path: string, content: string): Promise<void> {
    if (this.dryRun) {
      this.print(`would write ${path}: ${content.trimEnd()}`);
      return;
    }
    const target = inRoot(this.root, path);
    if (this.root !== "/") await mkdir(dirname(target), { recursive: true });
    const fh = await open(target, this.root === "/" ? "r+" : "w");
    try {
      await fh.writeFile(content);
    } finally {
      await fh.close();
    }
  }

  async chownPath(path: string, uid: number, gid: number): Promise<void> {
    if (this.dryRun) return;
    await chown(await this.resolve(path), uid, gid);
  }

  async mkdir(path: string, opts: WriteOptions = {}): Promise<void> {
    if (this.dryRun) {
      this.print(`would create directory ${path}`);
      return;
    }
    const target = await this.resolve(path);
    await mkdir(target, { recursive: true });
    await chmod(target, opts.mode ?? 0o755); // mkdir's mode is narrowed by the umask
    if (opts.uid !== undefined) await chown(target, opts.uid, opts.gid ?? opts.uid);
  }
}
