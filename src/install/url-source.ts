// How the installer reaches what a URL names (config_url, iso_url, sha256sum.txt): http(s) with a
// timeout and errors that name the URL, or a local file (file:// or an absolute path) under --root.
import { inRoot } from "../system/paths.ts";

/** Slow mirrors are fine; a server that never answers is not. */
export const FETCH_TIMEOUT_MS = 60_000;

/** The URL when it is http or https; undefined for file:// and paths. Throws on other schemes. */
export function httpUrl(url: string): URL | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined; // a path
  }
  if (parsed.protocol === "http:" || parsed.protocol === "https:") return parsed;
  if (parsed.protocol === "file:") return undefined;
  throw new Error(`${url}: unsupported scheme ${parsed.protocol} (use http, https or file)`);
}

/** The file a file:// URL or an absolute path names, under root. */
export function localPath(url: string, root: string): string {
  const path = url.startsWith("file:") ? decodeURIComponent(new URL(url).pathname) : url;
  if (!path.startsWith("/")) throw new Error(`${url}: not a URL (http, https, file) nor an absolute path`);
  return inRoot(root, path);
}

/** GET with a timeout; a failure or a non-2xx status throws naming `label` (the URL). */
export async function httpGet(url: URL, label: string): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS), redirect: "follow" });
  } catch (e) {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    throw new Error(`${label}: cannot fetch (${cause?.code ?? cause?.message ?? (e as Error).message})`);
  }
  if (!res.ok) {
    await res.body?.cancel().catch(() => {});
    throw new Error(`${label}: HTTP ${res.status} ${res.statusText}`.trimEnd());
  }
  return res;
}
