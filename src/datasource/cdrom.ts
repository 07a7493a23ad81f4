// A config disc: a NoCloud volume labelled cidata (files meta-data and user-data at its top) or an
// OpenStack config drive labelled config-2 (openstack/latest/meta_data.json and user_data). Found
// by label under <root>/dev/disk/by-label and by blkid (udev may not have made the links yet),
// mounted read-only on a fresh directory under <root>/run, read bounded, always unmounted.
import { mkdir, mkdtemp, realpath, rmdir } from "node:fs/promises";
import { join } from "node:path";
import { parse } from "yaml";
import { MAX_CONFIG_BYTES, readFileBounded } from "../system/bounded.ts";
import { parseOpenstackMetadata } from "./openstack-metadata.ts";
import type { Datasource, Found, ProbeContext, ProbeResult } from "./types.ts";
import { hostnameOf, stringsOf } from "./values.ts";

type Kind = "nocloud" | "config-2";
// Both spellings: vfat labels are often upper case, and blkid matches labels exactly.
const LABELS: { label: string; kind: Kind }[] = [
  { label: "cidata", kind: "nocloud" },
  { label: "CIDATA", kind: "nocloud" },
  { label: "config-2", kind: "config-2" },
  { label: "CONFIG-2", kind: "config-2" },
];
const COMMAND_TIMEOUT_MS = 15_000;

/** blkid and mount get what is left of the total deadline, so a stuck drive cannot hold the boot. */
function commandTimeout(ctx: ProbeContext): number {
  return Math.max(1, Math.min(COMMAND_TIMEOUT_MS, ctx.remainingMs()));
}

async function devicesLabelled(ctx: ProbeContext, label: string): Promise<string[]> {
  const found: string[] = [];
  try {
    found.push(await realpath(join(ctx.root, "dev/disk/by-label", label)));
  } catch { /* no udev link */ }
  // -c /dev/null: read the devices, not a cache that may predate the disc. Exit 2: none has it.
  const res = await ctx.runner.run(["blkid", "-c", "/dev/null", "-o", "device", "-t", `LABEL=${label}`], { allowFailure: true, timeoutMs: commandTimeout(ctx) });
  if (res.exitCode !== 0 && res.exitCode !== 2) ctx.log.warn(`blkid for LABEL=${label}: exit ${res.exitCode ?? res.signal}: ${res.stderr.trim()}`);
  if (res.exitCode === 0) found.push(...res.stdout.split("\n").map((l) => l.trim()).filter(Boolean));
  return [...new Set(found)];
}

async function readOptional(dir: string, file: string, device: string): Promise<Buffer | undefined> {
  return (await readFileBounded(join(dir, file), MAX_CONFIG_BYTES, { label: `${device}:/${file}`, noFollow: true })) ?? undefined;
}

/** NoCloud meta-data: YAML (JSON is YAML too) with local-hostname and public-keys. */
export function parseNocloudMetadata(body: Buffer, label: string): Omit<Found, "userdata"> {
  let data: unknown;
  try {
    data = parse(body.toString("utf8"), { maxAliasCount: 100 });
  } catch (e) {
    throw new Error(`${label}: not valid YAML (${(e as Error).message.split("\n")[0]})`);
  }
  if (data === null || data === undefined) return { sshKeys: [] };
  if (typeof data !== "object" || Array.isArray(data)) throw new Error(`${label}: expected a map`);
  const d = data as Record<string, unknown>;
  const hostname = hostnameOf(d["local-hostname"]) ?? hostnameOf(d.hostname);
  return { ...(hostname ? { hostname } : {}), sshKeys: [...new Set(stringsOf(d["public-keys"]))] };
}

async function readDisc(dir: string, kind: Kind, device: string): Promise<Found> {
  if (kind === "nocloud") {
    const meta = await readOptional(dir, "meta-data", device);
    const userdata = await readOptional(dir, "user-data", device);
    return { ...(meta ? parseNocloudMetadata(meta, `${device}:/meta-data`) : { sshKeys: [] }), ...(userdata?.length ? { userdata } : {}) };
  }
  const metaFile = "openstack/latest/meta_data.json";
  const meta = await readOptional(dir, metaFile, device);
  const userdata = await readOptional(dir, "openstack/latest/user_data", device);
  return { ...(meta ? parseOpenstackMetadata(meta, `${device}:/${metaFile}`) : { sshKeys: [] }), ...(userdata?.length ? { userdata } : {}) };
}

async function readMounted(ctx: ProbeContext, device: string, kind: Kind): Promise<Found> {
  await mkdir(join(ctx.root, "run"), { recursive: true });
  const dir = await mkdtemp(join(ctx.root, "run", "k3os-cdrom-"));
  let mounted = false;
  try {
    await ctx.runner.run(["mount", "-o", "ro,nosuid,nodev,noexec", device, dir], { timeoutMs: commandTimeout(ctx) });
    mounted = true;
    return await readDisc(dir, kind, device);
  } finally {
    let unmounted = !mounted;
    if (mounted) {
      try {
        // Unmounting is not cut short by the deadline: a disc must never stay mounted.
        await ctx.runner.run(["umount", dir], { timeoutMs: COMMAND_TIMEOUT_MS });
        unmounted = true;
      } catch (e) {
        ctx.log.error(`cannot unmount ${device} from ${dir}: ${(e as Error).message}`);
      }
    }
    // rmdir, never a recursive remove: if the unmount failed the disc's files are still there.
    if (unmounted) await rmdir(dir).catch(() => {});
  }
}

export const cdrom: Datasource = {
  name: "cdrom",
  async probe(ctx): Promise<ProbeResult> {
    // The first disc found is the config disc, as with k3OS: a second one is not merged in.
    for (const { label, kind } of LABELS) {
      const [device] = await devicesLabelled(ctx, label);
      if (device === undefined) continue;
      ctx.log.debug(`cdrom: ${device} is labelled ${label} (${kind})`);
      return await readMounted(ctx, device, kind);
    }
    return "absent";
  },
};
