// Writes what the winning datasource gave where the config engine reads it (config/sources.ts):
// the hostname to /run/config/local_hostname, SSH keys to /run/config/ssh/authorized_keys, the
// userdata to /run/config/userdata. These are the paths k3OS's metadata service wrote. A `#!`
// userdata is a script the runtime phase runs, so it is written executable; YAML (with or without
// a #cloud-config first line, a YAML comment) is config and is left as served. Userdata may hold
// a join token: only root reads it.
import { hostnameProblem } from "../config/checks.ts";
import { CLOUD_HOSTNAME, CLOUD_SSH_KEYS, USERDATA } from "../config/sources.ts";
import { gunzipBounded, MAX_CONFIG_BYTES } from "../system/bounded.ts";
import type { NodeFiles } from "../system/files.ts";
import type { Found } from "./types.ts";

/** EC2 and others accept gzip-compressed userdata and serve it as given. */
export function decodeUserdata(raw: Buffer, source: string): Buffer {
  if (raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b) return gunzipBounded(raw, MAX_CONFIG_BYTES, `${source} userdata`);
  return raw;
}

export function isScript(userdata: Buffer): boolean {
  return userdata.subarray(0, 2).toString("latin1") === "#!";
}

// One line each: a newline inside a value would smuggle a second key or a second hostname.
function oneLine(value: string, what: string): string {
  if (/[\0\r\n]/.test(value)) throw new Error(`${what} contains a line break or NUL: ${JSON.stringify(value.slice(0, 80))}`);
  return value;
}

/**
 * The hostname the config engine will take: a cloud's FQDN can pass its 64-character limit
 * (GCP's instance.c.project.internal), and a refused hostname would make it drop the whole cloud
 * metadata source, SSH keys too. Then the first label is used, as the kernel's hostname would be.
 */
export function acceptedHostname(name: string): string | undefined {
  if (!hostnameProblem(name)) return name;
  const short = name.split(".")[0] ?? "";
  return hostnameProblem(short) ? undefined : short;
}

/** Returns the node paths written (or that would be, under --dry-run). */
export async function writeFound(files: NodeFiles, source: string, found: Found, warn: (m: string) => void = () => {}): Promise<string[]> {
  const written: string[] = [];
  const hostname = found.hostname === undefined ? undefined : acceptedHostname(oneLine(found.hostname, `${source} hostname`));
  if (found.hostname !== undefined && hostname !== found.hostname) {
    warn(`${source} hostname ${JSON.stringify(found.hostname)} is not a valid hostname; ${hostname ? `using ${hostname}` : "left out"}`);
  }
  if (hostname) {
    await files.write(CLOUD_HOSTNAME, `${hostname}\n`, { mode: 0o644 });
    written.push(CLOUD_HOSTNAME);
  }
  if (found.sshKeys.length > 0) {
    const keys = found.sshKeys.map((k) => oneLine(k, `${source} ssh key`));
    await files.write(CLOUD_SSH_KEYS, `${keys.join("\n")}\n`, { mode: 0o600 });
    written.push(CLOUD_SSH_KEYS);
  }
  if (found.userdata) {
    const userdata = decodeUserdata(found.userdata, source);
    await files.write(USERDATA, userdata, { mode: isScript(userdata) ? 0o700 : 0o600 });
    written.push(USERDATA);
  }
  return written;
}
