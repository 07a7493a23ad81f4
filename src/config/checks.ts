// The checks of config values that a type alone cannot express, each returning what is wrong (or
// undefined). The schema runs them as refinements, so --dump reports them with file, line and YAML
// path; resolve.ts runs them again as a guard, so an applier never acts on a value they refuse.
import { isIP } from "node:net";
import { parseToken, TokenFormatError } from "../k3s/layout/token-format.ts";

const HOSTNAME_RE = /^(?=.{1,64}$)[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/;
const SYSCTL_RE = /^[A-Za-z0-9_.\-/*]+$/;
const DATA_SOURCE_RE = /^[a-z0-9_-]+$/i;
const ENV_NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;
// Permissions up to four octal digits: the setuid, setgid and sticky bits are kept.
const OCTAL_MODE_RE = /^(0o)?[0-7]{1,4}$/i;
// A POSIX-ish account name (Debian's adduser allows a trailing $ for machine accounts) or a number.
const ACCOUNT_RE = /^([a-z_][a-z0-9_.-]*\$?|\d+)$/i;
// Control characters end a line in connman's key files: a value with one would add keys.
const CONTROL_RE = /[\u0000-\u001f\u007f]/;

export function hostnameProblem(name: string): string | undefined {
  return HOSTNAME_RE.test(name) ? undefined : `"${name}" is not a valid hostname (letters, digits, '-', '.', at most 64)`;
}

export function sysctlNameProblem(key: string): string | undefined {
  const ok = SYSCTL_RE.test(key) && !key.split(/[./]/).some((p) => p === ".." || p === "");
  return ok ? undefined : `invalid sysctl name "${key}"`;
}

/** /proc/sys/<key with dots as slashes>, for a name sysctlNameProblem accepts. */
export function sysctlPath(key: string): string {
  return `/proc/sys/${key.replaceAll(".", "/")}`;
}

export function dataSourceProblem(name: string): string | undefined {
  return DATA_SOURCE_RE.test(name) ? undefined : `invalid data source name "${name}"`;
}

/**
 * The data sources `k3os datasource` knows (src/datasource/probe.ts's DATASOURCES, which imports
 * config: a test keeps the two lists equal). k3OS accepted unknown names silently; the probe logs
 * one as failed and goes on.
 */
export const KNOWN_DATA_SOURCES = ["aws", "gcp", "openstack", "packet", "scaleway", "vultr", "hetzner", "cdrom"] as const;

/** A warning, not an error: the name is kept (k3OS accepted any), and the probe goes on past it. */
export function unknownDataSourceWarning(name: string): string | undefined {
  return (KNOWN_DATA_SOURCES as readonly string[]).includes(name) ? undefined : `unknown data source "${name}" (known: ${KNOWN_DATA_SOURCES.join(", ")})`;
}

export function envNameProblem(name: string): string | undefined {
  return ENV_NAME_RE.test(name) ? undefined : `invalid variable name "${name}"`;
}

export function writePathProblem(path: string): string | undefined {
  if (!path.startsWith("/")) return `"${path}" is not an absolute path`;
  if (path.endsWith("/") || /\/\.{1,2}$/.test(path)) return `"${path}" is a directory, not a file`;
  if (path.includes("\0")) return "contains a NUL character";
  return undefined;
}

export function permissionsProblem(raw: string): string | undefined {
  return OCTAL_MODE_RE.test(raw.trim()) ? undefined : `"${raw}" is not an octal mode such as "0644" or "4755"`;
}

/** The mode of an octal string permissionsProblem accepts; empty means 0644. */
export function parsePermissions(raw: string | undefined): number {
  if (raw === undefined || raw.trim() === "") return 0o644;
  return Number.parseInt(raw.trim().replace(/^0o/i, ""), 8);
}

export interface OwnerName {
  user: string;
  group?: string;
}

/** Splits `user`, `user:group`, `uid:gid` (or k3OS's `user.group`); undefined when malformed. */
export function parseOwner(raw: string): OwnerName | undefined {
  const parts = raw.includes(":") ? raw.split(":") : raw.split(".");
  if (parts.length > 2 || !parts.every((p) => ACCOUNT_RE.test(p))) return undefined;
  const [user, group] = parts as [string, string | undefined];
  return group === undefined ? { user } : { user, group };
}

export function ownerProblem(raw: string): string | undefined {
  return raw === "" || parseOwner(raw) ? undefined : `"${raw}" is not \`user\`, \`user:group\` or \`uid:gid\``;
}

export function nameserverProblem(address: string): string | undefined {
  return isIP(address) ? undefined : `"${address}" is not an IP address`;
}

export function timeserverProblem(server: string): string | undefined {
  return isIP(server) || HOSTNAME_RE.test(server) ? undefined : `"${server}" is not a host name or IP address`;
}

export function oneLineProblem(value: string): string | undefined {
  return value === "" || CONTROL_RE.test(value) ? "must be one line without control characters" : undefined;
}

// Kubernetes label syntax: a key is a qualified name (an optional DNS subdomain prefix and '/',
// then a name of at most 63 characters); a value is empty or such a name.
const LABEL_NAME_RE = /^(?=.{1,63}$)[A-Za-z0-9]([A-Za-z0-9_.-]*[A-Za-z0-9])?$/;
const DNS_SUBDOMAIN_RE = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/;
const LABEL_NAME_RULE = "at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit";
export const TAINT_EFFECTS = ["NoSchedule", "PreferNoSchedule", "NoExecute"] as const;
export const NODE_ROLES = ["server", "agent"] as const;

export function labelKeyProblem(key: string): string | undefined {
  const slash = key.indexOf("/");
  const [prefix, name] = slash < 0 ? [undefined, key] : [key.slice(0, slash), key.slice(slash + 1)];
  const ok = LABEL_NAME_RE.test(name) && (prefix === undefined || DNS_SUBDOMAIN_RE.test(prefix));
  return ok ? undefined : `"${key}" is not a valid label key (an optional DNS prefix and '/', then ${LABEL_NAME_RULE})`;
}

export function labelValueProblem(value: string): string | undefined {
  return value === "" || LABEL_NAME_RE.test(value) ? undefined : `"${value}" is not a valid label value (empty, or ${LABEL_NAME_RULE})`;
}

/** A node taint as k3s's --node-taint takes it: `key[=value]:Effect`. */
export function taintProblem(taint: string): string | undefined {
  const colon = taint.lastIndexOf(":");
  if (colon < 0) return `"${taint}" is not a taint \`key[=value]:Effect\`: the effect is missing`;
  const effect = taint.slice(colon + 1);
  if (!(TAINT_EFFECTS as readonly string[]).includes(effect)) {
    return `"${taint}": the taint's effect "${effect}" is not one of ${TAINT_EFFECTS.join(", ")}`;
  }
  const keyValue = taint.slice(0, colon);
  const eq = keyValue.indexOf("=");
  const [key, value] = eq < 0 ? [keyValue, ""] : [keyValue.slice(0, eq), keyValue.slice(eq + 1)];
  const problem = labelKeyProblem(key) ?? labelValueProblem(value);
  return problem ? `"${taint}": ${problem.replace("label", "taint")}` : undefined;
}

/** k3s_args: the first word is the k3s command, server or agent (checked at the list's first item). */
export function k3sCommandProblem(first: string): string | undefined {
  return (NODE_ROLES as readonly string[]).includes(first) ? undefined : `the first argument must be "server" or "agent", got "${first}"`;
}

export function serverUrlProblem(url: string): string | undefined {
  let parsed: URL | undefined;
  try {
    parsed = /\s/.test(url) ? undefined : new URL(url);
  } catch {
    parsed = undefined;
  }
  const ok = parsed !== undefined && (parsed.protocol === "https:" || parsed.protocol === "http:") && parsed.hostname !== "";
  return ok ? undefined : `"${url}" is not an https:// (or http://) URL with a host, such as https://myserver:6443`;
}

/**
 * k3s's own token parser decides (a K10 token must be `K10<CA hash>::<credentials>`, as k3s refuses
 * it otherwise); the messages never repeat the token: it is a secret, and --dump output is logged.
 */
export function tokenProblem(token: string): string | undefined {
  if (token === "" || /\s/.test(token)) return "must be one word: not empty, no spaces or line breaks";
  try {
    parseToken(token);
  } catch (e) {
    if (!(e instanceof TokenFormatError)) throw e;
    return `${e.message}; k3s's full token is K10<CA hash: 64 lower-case hex digits>::<user>:<password>`;
  }
  return undefined;
}
