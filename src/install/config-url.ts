// config_url: fetched (http, https, file:// or a path under --root) with a size bound and
// validated by the config engine before anything is written, so that a typo in the config fails
// the install with its URL, line and key instead of an installed node that ignores it.
import { validateSource } from "../config/load.ts";
import { formatProblem } from "../config/problems.ts";
import { parseYamlSource } from "../config/sources.ts";
import { MAX_CONFIG_BYTES, readBodyBounded, readFileBounded } from "../system/bounded.ts";
import { inRoot } from "../system/paths.ts";

/** Slow mirrors are fine; a server that never answers is not. */
const FETCH_TIMEOUT_MS = 60_000;

export interface FetchedConfig {
  text: string;
  /** Error and warning lines, "URL:LINE: key: message". */
  problems: string[];
  ok: boolean;
}

async function fetchText(url: string, root: string): Promise<string> {
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (parsed === undefined || parsed.protocol === "file:") {
    const path = parsed ? decodeURIComponent(parsed.pathname) : url;
    if (!path.startsWith("/")) throw new Error(`${url}: not a URL (http, https, file) nor an absolute path`);
    const data = await readFileBounded(inRoot(root, path), MAX_CONFIG_BYTES, { label: url });
    if (data === null) throw new Error(`${url}: no such file`);
    return data.toString("utf8");
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new Error(`${url}: unsupported scheme ${parsed.protocol} (use http, https or file)`);
  }
  let res: Response;
  try {
    res = await fetch(parsed, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS), redirect: "follow" });
  } catch (e) {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    throw new Error(`${url}: cannot fetch (${cause?.code ?? cause?.message ?? (e as Error).message})`);
  }
  if (!res.ok) {
    await res.body?.cancel().catch(() => {});
    throw new Error(`${url}: HTTP ${res.status} ${res.statusText}`.trimEnd());
  }
  return (await readBodyBounded(res, MAX_CONFIG_BYTES, url)).toString("utf8");
}

/** Throws when the config cannot be fetched; returns its problems when it cannot be used. */
export async function fetchInstallConfig(url: string, root: string): Promise<FetchedConfig> {
  return checkInstallConfig(url, await fetchText(url, root));
}

/** Validates config text by the config engine; `name` (a URL, "answers") is where problems point. */
export function checkInstallConfig(name: string, text: string): FetchedConfig {
  const { data, problems } = validateSource(parseYamlSource(name, text));
  return {
    text,
    problems: problems.map(formatProblem),
    ok: data !== undefined && !problems.some((p) => p.severity === "error"),
  };
}
