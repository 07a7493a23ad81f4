// The interactive install (k3OS's questions): which disk (not asked when there is one), the config
// from a URL or answered here (SSH from GitHub users or keys, the rancher password, wifi, server or
// agent), then a confirmation that names the disk it erases. Answers become a config that the
// config engine validates like any config_url.
import { readdir } from "node:fs/promises";
import { confirm, input, password, select } from "@inquirer/prompts";
import { stringify } from "yaml";
import { hashPassword } from "../apply/password.ts";
import { inRoot } from "../system/paths.ts";
import { readText } from "./device-facts.ts";
import { formatSize } from "./preflight.ts";

export interface PromptStreams {
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
}

export interface DiskChoice {
  device: string;
  sizeBytes: number;
  model?: string;
}

/** Kernel names that are never an install target: memory, loop, optical, floppy, mapped and network disks. */
const NOT_A_DISK = /^(loop|ram|zram|sr|fd|dm-|md|nbd)/;

/** The machine's whole disks from /sys/block under root (partitions are not listed there). */
export async function listDisks(root: string): Promise<DiskChoice[]> {
  let names: string[] = [];
  try {
    names = await readdir(inRoot(root, "/sys/block"));
  } catch {
    return [];
  }
  const disks: DiskChoice[] = [];
  for (const name of names.filter((n) => !NOT_A_DISK.test(n)).sort()) {
    const size = Number((await readText(inRoot(root, `/sys/block/${name}/size`))) ?? 0) * 512;
    if (size === 0) continue; // an empty slot (no medium)
    const model = await readText(inRoot(root, `/sys/block/${name}/device/model`));
    disks.push({ device: `/dev/${name}`, sizeBytes: size, ...(model ? { model } : {}) });
  }
  return disks;
}

export interface ConfigAnswers {
  /** `github:USER` entries or whole public keys. */
  sshKeys: string[];
  /** A crypt hash, never the clear text. */
  passwordHash?: string;
  wifi: { name: string; passphrase: string }[];
  serverUrl?: string;
  token?: string;
}

/** The answers as config.yaml; pure. */
export function renderAnsweredConfig(a: ConfigAnswers): string {
  const k3os: Record<string, unknown> = {};
  if (a.passwordHash) k3os.password = a.passwordHash;
  if (a.wifi.length > 0) k3os.wifi = a.wifi;
  if (a.serverUrl) k3os.server_url = a.serverUrl;
  if (a.token) k3os.token = a.token;
  const config: Record<string, unknown> = {};
  if (a.sshKeys.length > 0) config.ssh_authorized_keys = a.sshKeys;
  if (Object.keys(k3os).length > 0) config.k3os = k3os;
  return Object.keys(config).length > 0 ? stringify(config) : "{}\n";
}

/** "alice, ssh-ed25519 AAAA... me@host" → github:alice and the key as written. */
export function parseSshAnswer(text: string): string[] {
  return text
    .split(/[,\n]/)
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => (/^(ssh-|ecdsa-|sk-)/.test(s) || s.startsWith("github:") ? s : `github:${s}`));
}

const required = (what: string) => (v: string) => (v.trim() ? true : `${what} is required`);

async function askConfigAnswers(s: PromptStreams): Promise<ConfigAnswers> {
  const a: ConfigAnswers = { sshKeys: [], wifi: [] };
  if (await confirm({ message: "Authorize GitHub users or SSH keys to log in as rancher?", default: false }, s)) {
    a.sshKeys = parseSshAnswer(await input({ message: "GitHub users or public keys (comma separated):", validate: required("an entry") }, s));
  }
  for (;;) {
    const first = await password({ message: "Password for rancher (empty: none, log in with a key):", mask: "*" }, s);
    if (!first) break;
    if ((await password({ message: "The same password again:", mask: "*" }, s)) === first) {
      a.passwordHash = hashPassword(first);
      break;
    }
    s.output.write("The passwords differ; again.\n");
  }
  while (await confirm({ message: a.wifi.length === 0 ? "Configure wifi?" : "Configure another wifi network?", default: false }, s)) {
    const name = await input({ message: "Wifi network name (SSID):", validate: required("the name") }, s);
    const passphrase = await password({ message: "Wifi passphrase:", mask: "*" }, s);
    a.wifi.push({ name, passphrase });
  }
  const role = await select({ message: "Run as a server or an agent?", choices: [{ name: "server", value: "server" }, { name: "agent", value: "agent" }] }, s);
  if (role === "agent") {
    a.serverUrl = await input({ message: "URL of the server (https://HOST:6443):", validate: (v) => (/^https:\/\/\S+$/.test(v.trim()) ? true : "an https:// URL") }, s);
    a.token = await input({ message: "Token or cluster secret:", validate: required("the token") }, s);
  } else {
    const token = await input({ message: "Token or cluster secret (empty: made by the server):" }, s);
    if (token.trim()) a.token = token.trim();
  }
  return a;
}

export interface InstallAnswers {
  device: string;
  configUrl?: string;
  /** Config text answered here (when no URL). */
  config?: string;
}

/** Asks what the front ends left open: the disk unless one was named, the config unless a URL was given. */
export async function askInstall(s: PromptStreams, preset: { device: string; configUrl?: string }, disks: DiskChoice[]): Promise<InstallAnswers> {
  let device = preset.device;
  if (!device) {
    if (disks.length === 0) throw new Error("no disk to install to (none in /sys/block)");
    const only = disks.length === 1 ? disks[0] : undefined;
    device = only
      ? only.device
      : await select({
          message: "Install to which disk? (it is erased)",
          choices: disks.map((d) => ({ name: `${d.device} ${formatSize(d.sizeBytes)}${d.model ? ` ${d.model}` : ""}`, value: d.device })),
        }, s);
    if (only) s.output.write(`Installing to ${only.device}, the only disk.\n`);
  }
  if (preset.configUrl) return { device, configUrl: preset.configUrl };
  if (await confirm({ message: "Configure the system from a config file (URL or path)?", default: false }, s)) {
    return { device, configUrl: await input({ message: "Config URL (http, https, file) or path:", validate: required("a URL") }, s) };
  }
  return { device, config: renderAnsweredConfig(await askConfigAnswers(s)) };
}

export async function confirmErase(s: PromptStreams, device: string, noFormat = false): Promise<boolean> {
  const message = noFormat
    ? `k3os will be installed into ${device} (not formatted; its k3os/system and boot/grub replaced). Continue?`
    : `Everything on ${device} will be erased and k3os installed on it. Continue?`;
  return confirm({ message, default: false }, s);
}
