// /usr/lib/k3os/grow-partition, which /init runs from the new root when k3os/system/growpart is
// there: on a real disk image (loop device, partition table by sfdisk, ext4 mounted as at boot)
// written smaller than its disk, the K3OS_STATE partition grows to the disk's end and its ext4 with it.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const SCRIPT = join(import.meta.dirname, "../../image/rootfs/usr/lib/k3os/grow-partition");
const MiB = 1024 * 1024;
const skip = process.getuid?.() !== 0 ? "needs root (loop devices, mount)" : false;
const sh = (cmd: string, input?: string) => execFileSync("sh", ["-c", cmd], { input, encoding: "utf8" });

const cleanups: (() => void)[] = [];
after(() => {
  for (const c of cleanups.reverse()) {
    try {
      c();
    } catch {
      // best effort: the next cleanup still runs
    }
  }
});

/** A 64 MiB image with the state partition as partition 2 (16 MiB), then the disk made 128 MiB. */
function smallImageOnBigDisk(label: "gpt" | "dos"): { disk: string; part: string; mnt: string } {
  const dir = mkdtempSync(join(tmpdir(), "k3os-grow-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const img = join(dir, "disk.img");
  sh(`truncate -s 64M ${img}`);
  sh(`sfdisk -q ${img}`, `label: ${label}\nsize=8MiB\nsize=16MiB\n`);
  sh(`truncate -s 128M ${img}`);
  const disk = sh(`losetup --show -f -P ${img}`).trim();
  cleanups.push(() => sh(`losetup -d ${disk}`));
  // No udev here (and a container's kernel may not scan loop devices): the test adds the
  // partitions and their nodes itself, as devtmpfs does in the initramfs.
  const part = `${disk}p2`;
  sh(`partx -a ${disk}; [ -b ${part} ] || mknod ${part} b $(tr : ' ' < /sys/class/block/${part.replace("/dev/", "")}/dev)`);
  cleanups.push(() => sh(`partx -d ${disk} || true; rm -f ${disk}p1 ${disk}p2`));
  sh(`mkfs.ext4 -q -L K3OS_STATE ${part}`);
  const mnt = join(dir, "mnt");
  sh(`mkdir -p ${mnt} && mount ${part} ${mnt}`);
  cleanups.push(() => sh(`umount ${mnt}`));
  return { disk, part, mnt };
}

function sectors(dev: string): number {
  return Number(readFileSync(`/sys/class/block/${dev.replace("/dev/", "")}/size`, "utf8"));
}

function fsBytes(mnt: string): number {
  const [blocks, size] = sh(`stat -f -c '%b %S' ${mnt}`).trim().split(" ").map(Number);
  return (blocks ?? 0) * (size ?? 0);
}

// Growing a mounted ext4 needs CAP_SYS_RESOURCE, which a container may not grant (VM case 003
// grows one on a booted node). Without it the script must fail, saying why, and not pass silently.
const canResizeOnline = (BigInt(`0x${readFileSync("/proc/self/status", "utf8").match(/^CapEff:\s*(\w+)/m)?.[1] ?? "0"}`) & (1n << 24n)) !== 0n;

function runGrow(disk: string, part: string): void {
  const r = spawnSync(SCRIPT, [disk, "2", part], { encoding: "utf8" });
  if (canResizeOnline) assert.equal(r.status, 0, r.stdout + r.stderr);
  else assert.match(`${r.status} ${r.stderr}`, /^1 .*resize2fs: Permission denied/s, "resize2fs's failure is the script's");
}

describe("grow-partition", { skip }, () => {
  for (const label of ["gpt", "dos"] as const) {
    it(`grows a mounted ${label} state partition and its ext4 to the end of the disk, and does nothing the second time`, () => {
      const { disk, part, mnt } = smallImageOnBigDisk(label);
      assert.equal(sectors(part) * 512, 16 * MiB);
      const before = fsBytes(mnt);
      runGrow(disk, part);
      const grown = sectors(part) * 512;
      // the partition ends at the disk's end, but for GPT's backup table (33 sectors) and alignment
      assert.ok(grown > 118 * MiB && grown <= 120 * MiB, `partition is ${grown / MiB} MiB`);
      assert.equal(Number(sh(`blockdev --getsize64 ${part}`)), grown, "the kernel knows the new size");
      if (canResizeOnline) assert.ok(fsBytes(mnt) > before + 100 * MiB, `ext4 is ${fsBytes(mnt) / MiB} MiB`);
      assert.match(sh(`sfdisk -d ${disk}`), new RegExp(`label: ${label}`));
      if (label === "gpt") assert.doesNotMatch(sh(`sfdisk -V ${disk} 2>&1 || true`), /backup|not on the end/i, "the GPT backup header is at the disk's end");
      const fsAfter = fsBytes(mnt);
      runGrow(disk, part);
      assert.equal(sectors(part) * 512, grown, "the second run leaves the partition");
      assert.equal(fsBytes(mnt), fsAfter, "and the filesystem");
      sh(`umount ${mnt} && e2fsck -fn ${part} >/dev/null && mount ${part} ${mnt}`);
    });
  }
});
