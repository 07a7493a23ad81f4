// The install as an ordered list of named steps, every system command through the runner.
// Crash safety comes from the order: the filesystem is made under a temporary label and named
// K3OS_STATE only once it holds a whole system, and GRUB (the only thing that makes the disk boot)
// is installed after that, then the msdos boot flag. A disk cut off at any step either does not
// boot at all or boots a complete system, and the next install over it starts from scratch.
import { copyFile, mkdir, rename, rm, stat, symlink } from "node:fs/promises";
import { join } from "node:path";
import { type Runner } from "../exec/runner.ts";
import type { Logger } from "../system/log.ts";
import { writeFileAtomic } from "../system/atomic-write.ts";
import { planCopy, type CopyOp } from "./copy-plan.ts";
import { consoleArgs, renderInstalledGrubConfig } from "./grub-config.ts";
import { renderSfdiskInput } from "./partition-plan.ts";
import type { PreparedInstall } from "./preflight.ts";

/** The label mkfs gives K3OS_STATE until the system is complete (at most 16 bytes). */
export const PENDING_LABEL = "K3OS_INSTALLING";

export interface InstallContext {
  runner: Runner;
  log: Logger;
  /** An empty directory K3OS_STATE is mounted on during the install. */
  target: string;
  /** The live system's kernel command line: its consoles are kept when no tty is given. */
  liveCmdline: string;
  /** Resolves once a partition's device node exists (the kernel adds it after sfdisk). */
  waitForDevice(path: string): Promise<void>;
}

export interface InstallStep {
  name: string;
  run(): Promise<void>;
}

/** Polls for a device node: without udev the kernel's devtmpfs adds it a moment after sfdisk. */
export async function waitForDeviceNode(path: string, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      if ((await stat(path)).isBlockDevice()) return;
    } catch {
      /* not there yet */
    }
    if (Date.now() > until) throw new Error(`${path} did not appear within ${timeoutMs / 1000} s after partitioning`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function applyCopyOp(op: CopyOp, target: string, ctx: InstallContext): Promise<void> {
  const at = (p: string) => join(target, p);
  if (ctx.runner.dryRun) {
    const what =
      op.kind === "mkdir" ? `make directory ${op.path}` :
      op.kind === "copy" ? `copy ${op.from} to ${op.to}` :
      op.kind === "link" ? `link ${op.path} -> ${op.target}` :
      `write ${op.path} (${Buffer.byteLength(op.content)} bytes, mode ${op.mode.toString(8)})`;
    ctx.log.info(`would ${what}`);
    return;
  }
  switch (op.kind) {
    case "mkdir":
      await mkdir(at(op.path), { recursive: true, mode: 0o755 });
      return;
    case "copy":
      ctx.log.debug(`copy ${op.from} -> ${op.to}`);
      await copyFile(op.from, at(op.to));
      return;
    case "link": {
      // a temp link renamed over the old one: `current` is never missing, even over an old install
      const tmp = `${at(op.path)}.new`;
      await rm(tmp, { force: true });
      await symlink(op.target, tmp);
      await rename(tmp, at(op.path));
      return;
    }
    case "write":
      await writeFileAtomic(at(op.path), op.content, { mode: op.mode });
      return;
  }
}

export function planInstallSteps(p: PreparedInstall, ctx: InstallContext): InstallStep[] {
  const { runner, target } = ctx;
  const run = (argv: string[], input?: string) => runner.run(argv, input === undefined ? {} : { input }).then(() => {});
  const steps: InstallStep[] = [];
  const step = (name: string, fn: () => Promise<void>) => steps.push({ name, run: fn });
  const efi = p.spec.firmware === "efi";
  const bootDir = join(target, "boot");
  const espDir = join(bootDir, "efi");

  if (p.plan) {
    const plan = p.plan;
    // The old boot code and GRUB core in the first MiB go first: nothing of an old install boots.
    step(`erase the boot code and partition table of ${p.disk}`, () => run(["dd", "if=/dev/zero", `of=${p.disk}`, "bs=1M", "count=1", "conv=fsync"]));
    step(`partition ${p.disk} (${plan.label === "gpt" ? "GPT with an ESP" : "msdos"})`, () =>
      run(["sfdisk", "--wipe", "always", "--wipe-partitions", "always", p.disk], renderSfdiskInput(plan)),
    );
    // sfdisk asks the kernel to re-read the table; partx tells it each partition through BLKPG,
    // which also works where the kernel cannot parse partition tables (no CONFIG_MSDOS_PARTITION)
    // or a partition of the old table was busy
    step("wait for the partitions", async () => {
      await run(["partx", "--update", p.disk]);
      if (runner.dryRun) return;
      await ctx.waitForDevice(p.stateDevice);
      if (p.espDevice) await ctx.waitForDevice(p.espDevice);
    });
    if (p.espDevice) step(`format the ESP ${p.espDevice}`, () => run(["mkfs.vfat", "-F", "32", "-n", "K3OS_GRUB", p.espDevice as string]));
    step(`format ${p.stateDevice} (ext4, labelled K3OS_STATE once complete)`, () => run(["mkfs.ext4", "-F", "-q", "-L", PENDING_LABEL, p.stateDevice]));
  }
  step(`mount ${p.stateDevice}`, () => run(["mount", "-t", "ext4", "-o", "noatime", p.stateDevice, target]));
  const ops = planCopy({
    source: p.spec.source,
    components: p.components,
    ...(p.config !== undefined ? { config: p.config } : {}),
    // as k3OS: disk mode grows the partition to its disk's end at the first boot
    ...(p.plan ? { growpart: `${p.disk} ${p.statePartition}` } : {}),
  });
  step("copy the system", async () => {
    for (const op of ops) await applyCopyOp(op, target, ctx);
  });
  const grubCfg = renderInstalledGrubConfig({ consoles: consoleArgs(p.spec.tty, ctx.liveCmdline), debug: p.spec.debug });
  step("write boot/grub/grub.cfg", () =>
    applyCopyOp({ kind: "write", path: "boot/grub/grub.cfg", content: grubCfg, mode: 0o644 }, target, ctx),
  );
  step("flush and unmount", async () => {
    await run(["sync"]);
    await run(["umount", target]);
  });
  if (p.plan) step(`label ${p.stateDevice} K3OS_STATE`, () => run(["tune2fs", "-L", "K3OS_STATE", p.stateDevice]));
  step(`install GRUB (${efi ? "x86_64-efi" : "i386-pc"}) on ${p.disk}`, async () => {
    await run(["mount", "-t", "ext4", "-o", "noatime", p.stateDevice, target]);
    try {
      if (efi) {
        if (!runner.dryRun) await mkdir(espDir, { recursive: true });
        await run(["mount", "-t", "vfat", p.espDevice as string, espDir]);
        try {
          // --removable: EFI/BOOT/BOOTX64.EFI, found by any firmware without an NVRAM entry
          await run(["grub-install", "--target=x86_64-efi", `--efi-directory=${espDir}`, `--boot-directory=${bootDir}`, "--removable", "--no-nvram", p.disk]);
          await run(["sync"]);
        } finally {
          await run(["umount", espDir]);
        }
      } else {
        await run(["grub-install", "--target=i386-pc", `--boot-directory=${bootDir}`, p.disk]);
        await run(["sync"]);
      }
    } finally {
      await run(["umount", target]);
    }
  });
  if (p.plan?.label === "dos") step(`mark partition ${p.statePartition} bootable`, () => run(["sfdisk", "--activate", p.disk, String(p.statePartition)]));
  step("flush", () => run(["sync"]));
  return steps;
}

/** Runs the steps in order; on a failure unmounts what the install mounted and rethrows. */
export async function runInstallSteps(steps: InstallStep[], ctx: InstallContext): Promise<void> {
  let n = 0;
  try {
    for (const s of steps) {
      ctx.log.info(`[${++n}/${steps.length}] ${s.name}`);
      await s.run();
    }
  } catch (e) {
    if (!ctx.runner.dryRun) {
      // whatever is still mounted under the target; each may already be gone
      for (const dir of [join(ctx.target, "boot/efi"), ctx.target]) {
        await ctx.runner.run(["umount", dir], { allowFailure: true }).catch(() => {});
      }
    }
    throw new Error(`install failed at step ${n}/${steps.length} (${steps[n - 1]?.name}): ${(e as Error).message}`);
  }
}
