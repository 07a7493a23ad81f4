// Bounded reads of anything that came from outside: config files, userdata, decompressed content,
// HTTP bodies. Each refuses what is not a regular file (a FIFO would block forever, /dev/zero never
// ends) and stops at a size limit with an error that names the source and the limit.
import { constants, type Stats } from "node:fs";
import { open } from "node:fs/promises";
import { gunzipSync } from "node:zlib";

/** Default limit for one config source or userdata document. */
export const MAX_CONFIG_BYTES = 4 * 1024 * 1024;

export class LimitError extends Error {
  constructor(
    readonly source: string,
    readonly limit: number,
    what = "is larger than",
  ) {
    super(`${source}: ${what} the limit of ${formatBytes(limit)}`);
    this.name = "LimitError";
  }
}

export function formatBytes(n: number): string {
  if (n >= 1024 * 1024 && n % (1024 * 1024) === 0) return `${n / (1024 * 1024)} MiB`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024} KiB`;
  return `${n} bytes`;
}

function kindOf(st: Stats): string {
  if (st.isFIFO()) return "a FIFO";
  if (st.isCharacterDevice()) return "a character device";
  if (st.isBlockDevice()) return "a block device";
  if (st.isSocket()) return "a socket";
  if (st.isDirectory()) return "a directory";
  return "not a regular file";
}

/**
 * Reads a regular file of at most `limit` bytes. `path` is opened without following a final
 * symlink when `noFollow` is set (callers resolve links inside their root first). `label` names
 * the file in errors (the node path, not the host path under --root). Returns null if absent.
 */
export async function readFileBounded(
  path: string,
  limit: number,
  opts: { label?: string; noFollow?: boolean } = {},
): Promise<Buffer | null> {
  const label = opts.label ?? path;
  let fh;
  try {
    // O_NONBLOCK: opening a FIFO for reading must not wait for a writer.
    fh = await open(path, constants.O_RDONLY | constants.O_NONBLOCK | (opts.noFollow ? constants.O_NOFOLLOW : 0));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return null;
    if (code === "ELOOP") throw new Error(`${label}: is a symbolic link, not a regular file`);
    throw e;
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new Error(`${label}: is ${kindOf(st)}, not a regular file`);
    if (st.size > limit) throw new LimitError(label, limit);
    // Read one byte past the limit: a file that grows while we read is caught too.
    const buf = Buffer.alloc(Math.min(st.size, limit) + 1);
    let off = 0;
    for (;;) {
      const { bytesRead } = await fh.read(buf, off, buf.length - off, off);
      if (bytesRead === 0) break;
      off += bytesRead;
      if (off > limit) throw new LimitError(label, limit);
      if (off === buf.length) break;
    }
    return buf.subarray(0, off);
  } finally {
    await fh.close();
  }
}

/** gunzip with an output limit: a small bomb fails fast instead of filling memory. */
export function gunzipBounded(data: Uint8Array, limit: number, label: string): Buffer {
  try {
    return gunzipSync(data, { maxOutputLength: limit });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE" || (e as Error).name === "RangeError") {
      throw new LimitError(label, limit, "decompresses to more than");
    }
    throw new Error(`${label}: not valid gzip data (${(e as Error).message})`);
  }
}

/** Reads an HTTP response body up to `limit` bytes; `label` is usually the URL. */
export async function readBodyBounded(res: Response, limit: number, label: string): Promise<Buffer> {
  const declared = Number(res.headers.get("content-length") ?? NaN);
  if (Number.isFinite(declared) && declared > limit) throw new LimitError(label, limit);
  if (!res.body) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  let total = 0;
  const reader = res.body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > limit) throw new LimitError(label, limit);
      chunks.push(Buffer.from(value));
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  return Buffer.concat(chunks, total);
}
