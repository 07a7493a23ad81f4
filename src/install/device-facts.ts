// What the kernel says about the install device, read (never written) under --root: sysfs for
// its kind, size and partitions, mountinfo and swaps for whether anything on it is in use, and
// the ext4 superblock for a no_format partition's label. Preflight judges the facts (preflight.ts).
import { open, readFile, readdir, realpath, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { inRoot } from "../system/paths.ts";

export interface DeviceFacts {
  /** The device as the spec named it. */
  device: string;
  exists: boolean;
  isBlock: boolean;
  /** The kernel's name (vda, loop3p1), when sysfs knows it. */
  name?: string;
  /** Set when the device is a partition: its number and its disk's node. */
  partition?: { number: number; disk: string };
  sizeBytes?: number;
  readOnly: boolean;
  /** Partitions of a whole disk, by kernel name. */
  partitions: string[];
  /** "/dev/vda1 on /" for each mount of the device or one of its partitions. */
  mounts: string[];
  /** Swap areas, device-mapper or md holders using it. */
  inUse: string[];
  /** The ext4 label, when the device holds an ext4 filesystem. */
  ext4Label?: string;
}

/** A small text file trimmed (sysfs attributes, /run/k3os/mode); undefined when unreadable. */
export async function readText(path: string): Promise<string | undefined> {
  try {
    return (await readFile(path, "utf8")).trim();
  } catch {
    return undefined;
  }
}

async function listDir(path: string): Promise<string[]> {
  try {
    return await readdir(path);
  } catch {
    return [];
  }
}

/** ext4's superblock: 1 KiB in; magic 0xEF53 at +56, the 16-byte volume name at +120. */
export async function readExt4Label(path: string): Promise<string | undefined> {
  let fh;
  try {
    fh = await open(path, "r");
    const sb = Buffer.alloc(1024);
    const { bytesRead } = await fh.read(sb, 0, 1024, 1024);
    if (bytesRead < 136 || sb.readUInt16LE(56) !== 0xef53) return undefined;
    const name = sb.subarray(120, 136);
    const end = name.indexOf(0);
    return name.subarray(0, end === -1 ? 16 : end).toString("utf8");
  } catch {
    return undefined;
  } finally {
    await fh?.close();
  }
}

/** Mount points of devices whose major:minor is in `devs`, from /proc/self/mountinfo. */
export function mountsOf(mountinfo: string, devs: Map<string, string>): string[] {
  const out: string[] = [];
  for (const line of mountinfo.split("\n")) {
    const f = line.split(" ");
    const name = f[2] ? devs.get(f[2]) : undefined;
    if (name && f[4]) out.push(`/dev/${name} on ${f[4].replace(/\\040/g, " ")}`);
  }
  return out;
}

export async function readDeviceFacts(root: string, device: string): Promise<DeviceFacts> {
  const facts: DeviceFacts = { device, exists: false, isBlock: false, readOnly: false, partitions: [], mounts: [], inUse: [] };
  const path = inRoot(root, device);
  let real: string;
  try {
    real = await realpath(path);
    facts.isBlock = (await stat(real)).isBlockDevice();
    facts.exists = true;
  } catch {
    return facts;
  }
  const name = basename(real);
  const sys = inRoot(root, `/sys/class/block/${name}`);
  const size = await readText(join(sys, "size"));
  if (size === undefined) return facts;
  facts.name = name;
  facts.sizeBytes = Number(size) * 512;
  facts.readOnly = (await readText(join(sys, "ro"))) === "1";
  const partNo = await readText(join(sys, "partition"));
  if (partNo !== undefined) {
    const disk = basename(dirname(await realpath(sys)));
    facts.partition = { number: Number(partNo), disk: `/dev/${disk}` };
  } else {
    for (const child of await listDir(sys)) {
      if ((await readText(join(sys, child, "partition"))) !== undefined) facts.partitions.push(child);
    }
  }
  const devs = new Map<string, string>();
  for (const n of [name, ...facts.partitions]) {
    const dev = await readText(join(inRoot(root, `/sys/class/block/${n}`), "dev"));
    if (dev) devs.set(dev, n);
  }
  facts.mounts = mountsOf((await readText(inRoot(root, "/proc/self/mountinfo"))) ?? "", devs);
  const swaps = ((await readText(inRoot(root, "/proc/swaps"))) ?? "").split("\n").slice(1).map((l) => l.split(/\s+/)[0] ?? "");
  for (const n of [name, ...facts.partitions]) {
    if (swaps.includes(`/dev/${n}`)) facts.inUse.push(`/dev/${n} is a swap area`);
    for (const h of await listDir(inRoot(root, `/sys/class/block/${n}/holders`))) facts.inUse.push(`/dev/${n} is held by ${h}`);
  }
  if (facts.isBlock) {
    const label = await readExt4Label(real);
    if (label !== undefined) facts.ext4Label = label;
  }
  return facts;
}
