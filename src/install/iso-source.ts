// iso_url: the install source when the system was booted from vmlinuz + initrd without the ISO.
// The ISO is downloaded (http, https) or read (file://, a path) with progress, its sha256 checked
// against the sha256sum.txt published beside it (the artifacts' own file), then mounted read-only;
// its /k3os/system is what gets installed. Nothing is written to the install device meanwhile.
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { open } from "node:fs/promises";
import { basename, join } from "node:path";
import { LimitError, MAX_CONFIG_BYTES, readBodyBounded, readFileBounded } from "../system/bounded.ts";
import { httpGet, httpUrl, localPath } from "./url-source.ts";

/** The k3os ISO is ~250 MB; a few GiB bounds a wrong URL (a disk image, an endless stream). */
export const MAX_ISO_BYTES = 4 * 1024 ** 3;
const PROGRESS_STEP = 0.1;

/** The sum sha256sum.txt gives for `name` ("HEX  name" or "HEX *name" lines); pure. */
export function findSha256(sums: string, name: string): string | undefined {
  for (const line of sums.split("\n")) {
    const m = /^([0-9a-fA-F]{64}) [ *](.+)$/.exec(line.trim());
    if (m && (m[2] === name || basename(m[2] ?? "") === name)) return m[1]?.toLowerCase();
  }
  return undefined;
}

/** "downloading http://x/k3os.iso: 120.0 of 240.0 MiB (50%)"; pure. */
export function formatProgress(label: string, done: number, total?: number): string {
  const mib = (n: number) => (n / 1024 ** 2).toFixed(1);
  return total ? `${label}: ${mib(done)} of ${mib(total)} MiB (${Math.floor((done / total) * 100)}%)` : `${label}: ${mib(done)} MiB`;
}

/** sha256sum.txt beside the ISO, and the sum it gives for the ISO's file name. */
export async function expectedIsoSum(isoUrl: string, root: string): Promise<string> {
  const remote = httpUrl(isoUrl);
  const name = basename(remote ? remote.pathname : localPath(isoUrl, root));
  const sumsUrl = remote ? new URL("sha256sum.txt", remote).toString() : join(localPath(isoUrl, root), "..", "sha256sum.txt");
  const text = remote
    ? (await readBodyBounded(await httpGet(new URL(sumsUrl), sumsUrl), MAX_CONFIG_BYTES, sumsUrl)).toString("utf8")
    : (await readFileBounded(sumsUrl, MAX_CONFIG_BYTES))?.toString("utf8");
  if (text === undefined) throw new Error(`${sumsUrl}: no such file (the ISO's sha256 is checked against it)`);
  const sum = findSha256(text, name);
  if (!sum) throw new Error(`${sumsUrl}: no sha256 for ${name}`);
  return sum;
}

export interface IsoFile {
  path: string;
  sha256: string;
  bytes: number;
  /** True when downloaded to `path` (to be removed after the install). */
  downloaded: boolean;
}

/** Downloads (or reads in place) the ISO, hashing as it goes and reporting progress every 10%. */
export async function fetchIso(isoUrl: string, root: string, dir: string, progress: (line: string) => void): Promise<IsoFile> {
  const hash = createHash("sha256");
  const remote = httpUrl(isoUrl);
  if (!remote) {
    const path = localPath(isoUrl, root);
    let bytes = 0;
    try {
      for await (const chunk of createReadStream(path)) {
        hash.update(chunk as Buffer);
        bytes += (chunk as Buffer).length;
      }
    } catch (e) {
      throw new Error(`${isoUrl}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    return { path, sha256: hash.digest("hex"), bytes, downloaded: false };
  }
  const res = await httpGet(remote, isoUrl);
  const total = Number(res.headers.get("content-length") ?? NaN);
  if (Number.isFinite(total) && total > MAX_ISO_BYTES) throw new LimitError(isoUrl, MAX_ISO_BYTES);
  const path = join(dir, basename(remote.pathname) || "k3os.iso");
  const fh = await open(path, "wx", 0o600);
  let bytes = 0;
  let nextReport = PROGRESS_STEP;
  try {
    const reader = res.body?.getReader();
    for (;;) {
      const chunk = reader ? await reader.read() : { done: true as const, value: undefined };
      if (chunk.done) break;
      bytes += chunk.value.byteLength;
      if (bytes > MAX_ISO_BYTES) {
        await reader?.cancel().catch(() => {});
        throw new LimitError(isoUrl, MAX_ISO_BYTES);
      }
      hash.update(chunk.value);
      await fh.write(chunk.value);
      if (Number.isFinite(total) && bytes / total >= nextReport) {
        progress(formatProgress(`downloading ${isoUrl}`, bytes, total));
        while (bytes / total >= nextReport) nextReport += PROGRESS_STEP;
      }
    }
  } finally {
    await fh.close();
  }
  if (!Number.isFinite(total)) progress(formatProgress(`downloaded ${isoUrl}`, bytes));
  return { path, sha256: hash.digest("hex"), bytes, downloaded: true };
}
