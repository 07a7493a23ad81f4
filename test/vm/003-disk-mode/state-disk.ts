// A raw disk as an installed k3os node has it, made without loop devices or root-only tools: an
// MBR with one Linux partition, and in it an ext4 filesystem labelled K3OS_STATE that mkfs.ext4 -d
// fills with the rootfs tarball's /k3os/system (extracted with --strip-components=1, as the
// tarball is meant to be used).
import { execFile } from "node:child_process";
import { mkdtemp, open, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
const SECTOR = 512;
/** the partition starts at 1 MiB, as partitioning tools align it */
export const PARTITION_START = 1024 * 1024;

export interface StateDiskOptions {
  /** the rootfs tarball; none makes an empty K3OS_STATE (formatted, nothing installed) */
  tarball?: string;
  /** the raw disk file to create */
  path: string;
  diskBytes: number;
  partitionBytes: number;
  /** leave k3os/system/growpart, as the installer does for an image that is to fill its disk */
  growpart?: boolean;
}

/** The 512-byte MBR with one primary partition of type 0x83 (Linux) at LBA start, count sectors. */
export function renderMbr(startLba: number, sectors: number): Buffer {
  const mbr = Buffer.alloc(SECTOR);
  mbr.writeUInt32LE(0x6b336f73, 440); // disk identifier
  const entry = 446;
  mbr[entry] = 0x00; // not bootable: the kernel is given to QEMU directly
  mbr.set([0xfe, 0xff, 0xff], entry + 1); // CHS unused (LBA only)
  mbr[entry + 4] = 0x83;
  mbr.set([0xfe, 0xff, 0xff], entry + 5);
  mbr.writeUInt32LE(startLba, entry + 8);
  mbr.writeUInt32LE(sectors, entry + 12);
  mbr[510] = 0x55;
  mbr[511] = 0xaa;
  return mbr;
}

export async function makeStateDisk(o: StateDiskOptions): Promise<void> {
  const tree = await mkdtemp(join(o.path, "..", "k3os-state-tree-"));
  try {
    if (o.tarball) await run("tar", ["-xzf", o.tarball, "--strip-components=1", "-C", tree]);
    if (o.growpart) await writeFile(join(tree, "k3os/system/growpart"), "/dev/vda 1\n");
    const disk = await open(o.path, "w");
    try {
      await disk.truncate(o.diskBytes);
      await disk.write(renderMbr(PARTITION_START / SECTOR, o.partitionBytes / SECTOR), 0, SECTOR, 0);
    } finally {
      await disk.close();
    }
    // offset= writes the filesystem into the partition of the file; the size bounds it.
    await run("mkfs.ext4", [
      "-q", "-F", "-L", "K3OS_STATE", "-d", tree, "-E", `offset=${PARTITION_START}`,
      o.path, `${o.partitionBytes / 1024}k`,
    ]);
  } finally {
    await rm(tree, { recursive: true, force: true });
  }
}
