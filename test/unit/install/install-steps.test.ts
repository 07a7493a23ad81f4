// The install's commands and files, with a recording runner (exact argv, in order) and a dry-run
// runner (printed, nothing done). Mounts are recorded, not made: the files land in the target dir.
import assert from "node:assert/strict";
import { mkdtemp, readdir, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { DryRunner, RecordingRunner, type Runner } from "../../../src/exec/runner.ts";
import { readSourceSystem } from "../../../src/install/copy-plan.ts";
import { planInstallSteps, runInstallSteps, type InstallContext } from "../../../src/install/install-steps.ts";
import { planPartitions } from "../../../src/install/partition-plan.ts";
import type { PreparedInstall } from "../../../src/install/preflight.ts";
import { resolveInstallSpec, type Firmware } from "../../../src/install/spec.ts";
import { memoryLogger } from "../../../src/system/log.ts";
import { makeRoot, readTree } from "../../helpers/temp-root.ts";

async function prepare(firmware: Firmware): Promise<{ prepared: PreparedInstall; target: string }> {
  const source = await makeRoot({
    "/k3os/system/k3os/v1/k3os.squashfs": "usr",
    "/k3os/system/kernel/6.12/vmlinuz": "kernel",
    "/k3os/system/kernel/6.12/initrd": "initrd",
    "/k3os/system/kernel/6.12/kernel.squashfs": "modules",
  });
  await symlink("v1", join(source, "k3os/system/k3os/current"));
  await symlink("6.12", join(source, "k3os/system/kernel/current"));
  const spec = resolveInstallSpec({ device: "/dev/vdb", tty: "ttyS0" }, { source }, { efiFirmware: firmware === "efi" });
  const plan = planPartitions(firmware);
  const prepared: PreparedInstall = {
    spec,
    facts: { device: "/dev/vdb", exists: true, isBlock: true, name: "vdb", sizeBytes: 8 * 1024 ** 3, readOnly: false, partitions: [], mounts: [], inUse: [] },
    disk: "/dev/vdb",
    plan,
    stateDevice: firmware === "efi" ? "/dev/vdb2" : "/dev/vdb1",
    ...(firmware === "efi" ? { espDevice: "/dev/vdb1" } : {}),
    statePartition: plan.state,
    components: (await readSourceSystem(source)).components,
    config: "hostname: node1\n",
    warnings: [],
  };
  const target = await mkdtemp(join(tmpdir(), "k3os-target-"));
  return { prepared, target };
}

function context(runner: Runner, target: string): InstallContext & { log: ReturnType<typeof memoryLogger> } {
  return { runner, log: memoryLogger(), target, liveCmdline: "", waitForDevice: async () => {} };
}

test("BIOS: erase, partition, format under a pending label, copy, grub.cfg, relabel, GRUB, boot flag: in that order", async () => {
  const { prepared, target } = await prepare("bios");
  const runner = new RecordingRunner();
  const ctx = context(runner, target);
  await runInstallSteps(planInstallSteps(prepared, ctx), ctx);
  assert.deepEqual(runner.calls.map((c) => c.argv), [
    ["dd", "if=/dev/zero", "of=/dev/vdb", "bs=1M", "count=1", "conv=fsync"],
    ["sfdisk", "--wipe", "always", "--wipe-partitions", "always", "/dev/vdb"],
    ["partx", "--update", "/dev/vdb"],
    ["mkfs.ext4", "-F", "-q", "-L", "K3OS_INSTALLING", "/dev/vdb1"],
    ["mount", "-t", "ext4", "-o", "noatime", "/dev/vdb1", target],
    ["sync"],
    ["umount", target],
    ["tune2fs", "-L", "K3OS_STATE", "/dev/vdb1"],
    ["mount", "-t", "ext4", "-o", "noatime", "/dev/vdb1", target],
    ["grub-install", "--target=i386-pc", `--boot-directory=${target}/boot`, "/dev/vdb"],
    ["sync"],
    ["umount", target],
    ["sfdisk", "--activate", "/dev/vdb", "1"],
    ["sync"],
  ]);
  assert.equal(runner.calls[1]?.opts.input, "label: dos\nunit: sectors\n\nstart=2048, type=83\n");
  const tree = await readTree(target);
  assert.deepEqual(Object.keys(tree), [
    "/boot/grub/grub.cfg",
    "/k3os/system/config.yaml",
    "/k3os/system/growpart",
    "/k3os/system/k3os/current",
    "/k3os/system/k3os/v1/k3os.squashfs",
    "/k3os/system/kernel/6.12/initrd",
    "/k3os/system/kernel/6.12/kernel.squashfs",
    "/k3os/system/kernel/6.12/vmlinuz",
    "/k3os/system/kernel/current",
  ]);
  assert.equal(tree["/k3os/system/kernel/current"], "-> 6.12");
  assert.equal(tree["/k3os/system/growpart"], "/dev/vdb 1\n");
  assert.equal(tree["/k3os/system/config.yaml"], "hostname: node1\n");
  assert.match(tree["/boot/grub/grub.cfg"] ?? "", /console=tty1 console=ttyS0,115200 quiet panic=10\n/);
});

test("EFI: the ESP is formatted, mounted under boot/efi for grub-install --removable, and GRUB is last", async () => {
  const { prepared, target } = await prepare("efi");
  const runner = new RecordingRunner();
  const ctx = context(runner, target);
  await runInstallSteps(planInstallSteps(prepared, ctx), ctx);
  const argv = runner.calls.map((c) => c.argv.join(" "));
  assert.deepEqual(argv.slice(3, 5), ["mkfs.vfat -F 32 -n K3OS_GRUB /dev/vdb1", "mkfs.ext4 -F -q -L K3OS_INSTALLING /dev/vdb2"]);
  assert.deepEqual(argv.slice(-7), [
    `mount -t ext4 -o noatime /dev/vdb2 ${target}`,
    `mount -t vfat /dev/vdb1 ${target}/boot/efi`,
    `grub-install --target=x86_64-efi --efi-directory=${target}/boot/efi --boot-directory=${target}/boot --removable --no-nvram /dev/vdb`,
    "sync",
    `umount ${target}/boot/efi`,
    `umount ${target}`,
    "sync",
  ]);
  assert.ok(!argv.some((a) => a.includes("--activate")), "GPT has no msdos boot flag");
});

test("--dry-run prints every step, command and file, and does nothing", async () => {
  const { prepared, target } = await prepare("bios");
  const printed: string[] = [];
  const ctx = context(new DryRunner((l) => printed.push(l)), target);
  await runInstallSteps(planInstallSteps(prepared, ctx), ctx);
  const lines = [...ctx.log.lines, ...printed];
  for (const want of [
    "[1/12] erase the boot code and partition table of /dev/vdb",
    "[12/12] flush",
    "would copy " + join(prepared.spec.source, "k3os/system/k3os/v1/k3os.squashfs") + " to k3os/system/k3os/v1/k3os.squashfs",
    "would link k3os/system/kernel/current -> 6.12",
    "would write k3os/system/config.yaml (16 bytes, mode 600)",
    "would write boot/grub/grub.cfg (",
  ]) {
    assert.ok(lines.some((l) => l.includes(want)), `${want}\n${lines.join("\n")}`);
  }
  for (const cmd of ["would run: sfdisk --wipe always --wipe-partitions always /dev/vdb", "would run: grub-install --target=i386-pc", "would run: sfdisk --activate /dev/vdb 1"]) {
    assert.ok(printed.some((l) => l.startsWith(cmd)), cmd);
  }
  assert.deepEqual(await readdir(target), []);
});

test("a failing step is named with its number, and what the install mounted is unmounted", async () => {
  const { prepared, target } = await prepare("bios");
  const runner = new RecordingRunner((argv) => (argv[0] === "grub-install" ? { exitCode: 1, stderr: "grub-install: error: disk not found" } : {}));
  const ctx = context(runner, target);
  await assert.rejects(runInstallSteps(planInstallSteps(prepared, ctx), ctx), /^Error: install failed at step 10\/12 \(install GRUB \(i386-pc\) on \/dev\/vdb\): command failed: grub-install .*exit code 1\ngrub-install: error: disk not found$/s);
  const argv = runner.calls.map((c) => c.argv.join(" "));
  assert.deepEqual(argv.slice(-3), [`umount ${target}`, `umount ${target}/boot/efi`, `umount ${target}`]);
  assert.ok(!argv.some((a) => a.includes("--activate")), "never marked bootable");
});
