// The resolve step: a validated config in, the values appliers act on out, with every default in
// this one place (mode 0644, owner root:root, DNS 8.8.8.8). Pure: no files are read; what needs the
// node (an owner's uid in /etc/passwd) is left to the applier. The checks run again here as a guard,
// so an applier never acts on a value the schema would refuse, even when handed an unvalidated config.
// One function per section, so each applier (and the k3s-service applier) takes only its part.
import * as checks from "./checks.ts";
import { decodeContent } from "./content.ts";
import { formatPath, type PathSegment } from "./problems.ts";
import type { Config, WriteFile } from "./schema.ts";

/** Throws `path: message` when a check fails; the same message --dump would show. */
function must(message: string | undefined, path: PathSegment[]): void {
  if (message) throw new Error(`${formatPath(path)}: ${message}`);
}

export const DEFAULT_MODE = 0o644;
export const DEFAULT_OWNER: checks.OwnerName = { user: "root", group: "root" };
export const DEFAULT_NAMESERVERS = ["8.8.8.8"];

export interface ResolvedWriteFile {
  /** Where it came from, for messages: `write_files[2]`. */
  where: string;
  path: string;
  mode: number;
  owner: checks.OwnerName;
  /** Decodes the content (bounded); called by the applier one file at a time, so they are never all in memory. */
  content(): Buffer;
}

/** One write_files entry; `i` is its index, for messages. */
export function resolveWriteFile(file: WriteFile, i: number): ResolvedWriteFile {
  const at = (key: string) => ["write_files", i, key];
  must(checks.writePathProblem(file.path), at("path"));
  must(file.permissions === undefined ? undefined : checks.permissionsProblem(file.permissions), at("permissions"));
  must(file.owner === undefined ? undefined : checks.ownerProblem(file.owner), at("owner"));
  return {
    where: formatPath(["write_files", i]),
    path: file.path,
    mode: file.permissions === undefined ? DEFAULT_MODE : checks.parsePermissions(file.permissions),
    owner: file.owner ? (checks.parseOwner(file.owner) as checks.OwnerName) : DEFAULT_OWNER,
    content: () => {
      try {
        return decodeContent(file.content ?? "", file.encoding);
      } catch (e) {
        throw new Error(`${formatPath(at("content"))}: ${(e as Error).message}`);
      }
    },
  };
}

export function resolveWriteFiles(config: Config): ResolvedWriteFile[] {
  return (config.write_files ?? []).map(resolveWriteFile);
}

/** The configured hostname, or undefined (the applier then keeps or picks one). */
export function resolveHostname(config: Config): string | undefined {
  if (config.hostname === undefined || config.hostname === "") return undefined;
  must(checks.hostnameProblem(config.hostname), ["hostname"]);
  return config.hostname;
}

export interface ResolvedSysctl {
  key: string;
  /** The node path under /proc/sys. */
  path: string;
  value: string;
}

export function resolveSysctl(key: string, value: string): ResolvedSysctl {
  must(checks.sysctlNameProblem(key), ["k3os", "sysctls", key]);
  return { key, path: checks.sysctlPath(key), value };
}

export function resolveSysctls(config: Config): ResolvedSysctl[] {
  return Object.entries(config.k3os?.sysctls ?? {}).map(([key, value]) => resolveSysctl(key, value));
}

export function resolveDataSources(config: Config): string[] {
  const sources = config.k3os?.data_sources ?? [];
  sources.forEach((s, i) => must(checks.dataSourceProblem(s), ["k3os", "data_sources", i]));
  return sources;
}

/** k3os.environment, names checked: for /etc/environment and the k3s service's settings. */
export function resolveEnvironment(config: Config): Record<string, string> {
  const env = config.k3os?.environment ?? {};
  for (const name of Object.keys(env)) must(checks.envNameProblem(name), ["k3os", "environment", name]);
  return { ...env };
}

export interface ResolvedConnman {
  dns: string[];
  ntp: string[];
  wifi: { name: string; passphrase: string }[];
}

export function resolveConnman(config: Config): ResolvedConnman {
  const k = config.k3os ?? {};
  const dns = k.dns_nameservers ?? [];
  const ntp = k.ntp_servers ?? [];
  const wifi = k.wifi ?? [];
  dns.forEach((d, i) => must(checks.nameserverProblem(d), ["k3os", "dns_nameservers", i]));
  ntp.forEach((n, i) => must(checks.timeserverProblem(n), ["k3os", "ntp_servers", i]));
  wifi.forEach((w, i) => {
    must(checks.oneLineProblem(w.name), ["k3os", "wifi", i, "name"]);
    must(checks.oneLineProblem(w.passphrase), ["k3os", "wifi", i, "passphrase"]);
  });
  return { dns: dns.length > 0 ? [...dns] : DEFAULT_NAMESERVERS, ntp: [...ntp], wifi: wifi.map((w) => ({ ...w })) };
}

export interface ResolvedK3sService {
  /** k3s's command line: k3s_args as given, or `agent` when server_url is set, else `server`. */
  args: string[];
  role: (typeof checks.NODE_ROLES)[number];
  labels: Record<string, string>;
  taints: string[];
  server_url?: string;
  token?: string;
  environment: Record<string, string>;
}

export function resolveK3sService(config: Config): ResolvedK3sService {
  const k = config.k3os ?? {};
  const args = k.k3s_args?.length ? [...k.k3s_args] : [k.server_url ? "agent" : "server"];
  must(checks.k3sCommandProblem(args[0] as string), ["k3os", "k3s_args", 0]);
  const labels = { ...(k.labels ?? {}) };
  for (const [key, value] of Object.entries(labels)) must(checks.labelKeyProblem(key) ?? checks.labelValueProblem(value), ["k3os", "labels", key]);
  const taints = [...(k.taints ?? [])];
  taints.forEach((t, i) => must(checks.taintProblem(t), ["k3os", "taints", i]));
  if (k.server_url !== undefined) must(checks.serverUrlProblem(k.server_url), ["k3os", "server_url"]);
  if (k.token !== undefined) must(checks.tokenProblem(k.token), ["k3os", "token"]);
  return {
    args,
    role: args[0] as ResolvedK3sService["role"],
    labels,
    taints,
    ...(k.server_url !== undefined ? { server_url: k.server_url } : {}),
    ...(k.token !== undefined ? { token: k.token } : {}),
    environment: resolveEnvironment(config),
  };
}
