// Where config comes from, in merge order (later overrides earlier), all read under a root dir:
//   /k3os/system/config.yaml → /proc/cmdline k3os.* keys → /var/lib/rancher/k3os/config.yaml →
//   cloud metadata (/run/config/local_hostname, /run/config/ssh/authorized_keys) →
//   userdata (/run/config/userdata) → /var/lib/rancher/k3os/config.d/* in name order.
import { readdir } from "node:fs/promises";
import { cmdlineWordFor, parseCmdline } from "./cmdline.ts";
import type { PathSegment, Problem } from "./problems.ts";
import { MAX_CONFIG_BYTES, readFileBounded } from "../system/bounded.ts";
import { resolveInRoot } from "../system/paths.ts";
import { parseYamlSource } from "./yaml-source.ts";

export { parseYamlSource };

export const SYSTEM_CONFIG = "/k3os/system/config.yaml";
export const LOCAL_CONFIG = "/var/lib/rancher/k3os/config.yaml";
export const LOCAL_CONFIG_DIR = "/var/lib/rancher/k3os/config.d";
export const CMDLINE = "/proc/cmdline";
export const CLOUD_HOSTNAME = "/run/config/local_hostname";
export const CLOUD_SSH_KEYS = "/run/config/ssh/authorized_keys";
export const USERDATA = "/run/config/userdata";

export interface RawSource {
  /** Path inside the root, or "cmdline". */
  name: string;
  /** Parsed data; undefined when the source could not be parsed (its problems say why). */
  data: unknown;
  problems: Problem[];
  /** Line of a key, from the path as written in the source. */
  locate(rawPath: PathSegment[]): number | undefined;
  /** How a key is shown in messages when there is no line (the cmdline word). */
  describe?(rawPath: PathSegment[]): string;
}

/** A userdata file that is a script (`#!`, or binary) is run at runtime, not merged as config. */
export interface UserdataScript {
  content: Buffer;
}

/**
 * Reads one source file: symlinks resolved inside the root (an absolute link to outside is taken
 * inside, as the node would see it), FIFOs and devices refused, the size bounded. Null if absent.
 */
async function readOptional(root: string, path: string): Promise<Buffer | null | Error> {
  try {
    return await readFileBounded(await resolveInRoot(root, path), MAX_CONFIG_BYTES, { label: path, noFollow: true });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === "ENOENT" || err.code === "ENOTDIR") return null;
    return err;
  }
}

function unreadable(name: string, err: Error): RawSource {
  const code = (err as NodeJS.ErrnoException).code;
  // Errors of readFileBounded and resolveInRoot already say what is wrong; the file is named once.
  const message = err.message.startsWith(`${name}: `) ? err.message.slice(name.length + 2) : code ? `cannot read: ${code}` : err.message;
  return {
    name,
    data: undefined,
    problems: [{ severity: "error", source: name, path: "", message }],
    locate: () => undefined,
  };
}

async function readYamlFile(root: string, path: string): Promise<RawSource | null> {
  const content = await readOptional(root, path);
  if (content === null) return null;
  if (content instanceof Error) return unreadable(path, content);
  return parseYamlSource(path, content.toString("utf8"));
}

async function readCmdlineSource(root: string, isTopLevelKey: (k: string) => boolean): Promise<RawSource | null> {
  const content = await readOptional(root, CMDLINE);
  if (content === null) return null;
  if (content instanceof Error) return unreadable(CMDLINE, content);
  const { data, words } = parseCmdline(content.toString("utf8"), isTopLevelKey);
  return {
    name: "cmdline",
    data,
    problems: [],
    locate: () => undefined,
    describe: (rawPath) => cmdlineWordFor(words, rawPath),
  };
}

async function readCloudMetadata(root: string): Promise<RawSource | null> {
  const data: Record<string, unknown> = {};
  const problems: Problem[] = [];
  const hostname = await readOptional(root, CLOUD_HOSTNAME);
  if (hostname instanceof Error) return unreadable(CLOUD_HOSTNAME, hostname);
  if (hostname && hostname.toString().trim()) data.hostname = hostname.toString().trim();
  const keys = await readOptional(root, CLOUD_SSH_KEYS);
  if (keys instanceof Error) return unreadable(CLOUD_SSH_KEYS, keys);
  const lines = keys ? keys.toString().split("\n").map((l) => l.trim()).filter((l) => l && !l.startsWith("#")) : [];
  if (lines.length > 0) data.ssh_authorized_keys = lines;
  if (Object.keys(data).length === 0) return null;
  return { name: "cloud metadata (/run/config)", data, problems, locate: () => undefined };
}

export interface ReadSources {
  sources: RawSource[];
  userdataScript?: UserdataScript;
}

/** Reads every source that exists under root, in merge order. */
export async function readSources(root: string, isTopLevelKey: (k: string) => boolean): Promise<ReadSources> {
  const sources: RawSource[] = [];
  const push = (s: RawSource | null) => {
    if (s) sources.push(s);
  };
  push(await readYamlFile(root, SYSTEM_CONFIG));
  push(await readCmdlineSource(root, isTopLevelKey));
  push(await readYamlFile(root, LOCAL_CONFIG));
  push(await readCloudMetadata(root));

  let userdataScript: UserdataScript | undefined;
  const userdata = await readOptional(root, USERDATA);
  if (userdata instanceof Error) push(unreadable(USERDATA, userdata));
  else if (userdata && (userdata.includes(0) || userdata.subarray(0, 2).toString() === "#!")) userdataScript = { content: userdata };
  else if (userdata) push(parseYamlSource(USERDATA, userdata.toString("utf8")));

  let names: string[] = [];
  try {
    const entries = await readdir(await resolveInRoot(root, LOCAL_CONFIG_DIR), { withFileTypes: true });
    // Hidden files are editors' and atomic writers' temporaries, never config.
    names = entries.filter((e) => !e.name.startsWith(".") && !e.isDirectory()).map((e) => e.name).sort();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== "ENOENT" && code !== "ENOTDIR") push(unreadable(LOCAL_CONFIG_DIR, e as Error));
  }
  for (const n of names) push(await readYamlFile(root, `${LOCAL_CONFIG_DIR}/${n}`));
  return { sources, ...(userdataScript ? { userdataScript } : {}) };
}
