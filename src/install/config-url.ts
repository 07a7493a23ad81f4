// config_url: fetched (http, https, file:// or a path under --root) with a size bound and
// validated by the config engine before anything is written, so that a typo in the config fails
// the install with its URL, line and key instead of an installed node that ignores it.
import { validateSource } from "../config/load.ts";
import { formatProblem } from "../config/problems.ts";
import { parseYamlSource } from "../config/sources.ts";
import { MAX_CONFIG_BYTES, readBodyBounded, readFileBounded } from "../system/bounded.ts";
import { httpGet, httpUrl, localPath } from "./url-source.ts";

export interface FetchedConfig {
  text: string;
  /** Error and warning lines, "URL:LINE: key: message". */
  problems: string[];
  ok: boolean;
}

async function fetchText(url: string, root: string): Promise<string> {
  const remote = httpUrl(url);
  if (remote) return (await readBodyBounded(await httpGet(remote, url), MAX_CONFIG_BYTES, url)).toString("utf8");
  const data = await readFileBounded(localPath(url, root), MAX_CONFIG_BYTES, { label: url });
  if (data === null) throw new Error(`${url}: no such file`);
  return data.toString("utf8");
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
