// Writes files on the node under a root, atomically (atomic-write.ts), or under --dry-run only says
// what it would write. Appliers never call fs write functions directly. Every path, read or written,
// is resolved inside the root first (resolveInRoot): a symlink on the node that points outside the
// root is followed as the node would follow it, so it lands inside the root, never on the host.
import { constants } from "node:fs";
import { chmod, chown, lstat, mkdir, open, readdir } from "node:fs/promises";
import { dirname } from "node:path";
import { writeFileAtomic } from "./atomic-write.ts";
import { MAX_CONFIG_BYTES, readFileBounded } from "./bounded.ts";
import { resolveInRoot } from "./paths.ts";

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
    /** Largest file read back (/etc/passwd, /etc/hosts...): a FIFO or /dev/zero there must not hang us. */
    private readonly readLimit: number = MAX_CONFIG_BYTES,
  ) {
    // An empty root would be the host's `/` through path joining: refuse it where it enters.
    if (root === "") throw new Error("the root directory must not be empty");
  }

  /** The host path of a node path, following symlinks inside root. */
  resolve(path: string): Promise<string> {
    return resolveInRoot(this.root, path);
  }

  async read(path: string): Promise<Buffer | null> {
    // The resolved path has no symlink left: O_NOFOLLOW catches one swapped in meanwhile.
    return readFileBounded(await this.resolve(path), this.readLimit, { label: path, noFollow: true });
  }

  async readText(path: string): Promise<string | null> {
    return (await this.read(path))?.toString("utf8") ?? null;
  }

  /** The names in a node directory, sorted; [] when it is absent or not a directory. */
  async list(path: string): Promise<string[]> {
    try {
      return (await readdir(await this.resolve(path))).sort();
    } catch {
      return [];
    }
  }

  async write(path: string, content: string | Buffer, opts: WriteOptions = {}): Promise<void> {
    const mode = opts.mode ?? 0o644;
    if (this.dryRun) {
      const owner = opts.uid !== undefined ? `, owner ${opts.uid}:${opts.gid ?? opts.uid}` : "";
      this.print(`would write ${path} (${Buffer.byteLength(content)} bytes, mode ${mode.toString(8).padStart(4, "0")}${owner})`);
      return;
    }
    const target = await this.resolve(path);
    // The root itself or a directory: the temp file would go beside it (above the root for `/`).
    if (target === this.root || (await isDirectory(target))) throw new Error(`${path}: is a directory`);
    await writeFileAtomic(target, content, opts);
  }

  /** Writes a file the kernel owns (/proc/sys/...): in place, no temp file, no parent dirs on a live root. */
  async writeInPlace(path: string, content: string): Promise<void> {
    if (this.dryRun) {
      this.print(`would write ${path}: ${content.trimEnd()}`);
      return;
    }
    const target = await this.resolve(path);
    if (this.root !== "/") await mkdir(dirname(target), { recursive: true });
    // O_NONBLOCK: a FIFO planted there fails (ENXIO) instead of waiting for a reader forever.
    const create = this.root === "/" ? 0 : constants.O_CREAT | constants.O_TRUNC;
    const fh = await open(target, constants.O_WRONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK | create, 0o644);
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

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await lstat(path)).isDirectory();
  } catch {
    return false;
  }
}
