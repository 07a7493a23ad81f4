// The pure parts of an install: partition plans (as sfdisk input), partition device names,
// grub.cfg and its console arguments.
import assert from "node:assert/strict";
import { test } from "node:test";
import { consoleArgs, diskCmdline, renderInstalledGrubConfig } from "../../../src/install/grub-config.ts";
import { minDiskBytes, partitionDevice, planPartitions, renderSfdiskInput } from "../../../src/install/partition-plan.ts";

test("BIOS: an msdos table with one Linux partition from 1 MiB to the end, none marked bootable", () => {
  const plan = planPartitions("bios");
  assert.equal(plan.state, 1);
  assert.equal(plan.esp, undefined);
  assert.equal(renderSfdiskInput(plan), "label: dos\nunit: sectors\n\nstart=2048, type=83\n");
});

test("EFI: GPT with a 64 MiB ESP first, then K3OS_STATE to the end", () => {
  const plan = planPartitions("efi");
  assert.deepEqual([plan.esp, plan.state], [1, 2]);
  assert.equal(
    renderSfdiskInput(plan),
    [
      "label: gpt",
      "unit: sectors",
      "",
      'start=2048, size=131072, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, name="K3OS_GRUB"',
      'start=133120, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, name="K3OS_STATE"',
      "",
    ].join("\n"),
  );
});

test("the smallest disk leaves K3OS_STATE its 2 GiB after the gap, the ESP and GPT's backup", () => {
  const MIB = 1024 * 1024;
  assert.equal(minDiskBytes("bios"), 2048 * MIB + MIB);
  assert.equal(minDiskBytes("efi"), 2048 * MIB + 66 * MIB);
});

test("partition device names follow the kernel's rule: p before the number when the disk ends in a digit", () => {
  const table: [string, number, string][] = [
    ["/dev/vda", 1, "/dev/vda1"],
    ["/dev/sdb", 2, "/dev/sdb2"],
    ["/dev/xvda", 1, "/dev/xvda1"],
    ["/dev/nvme0n1", 2, "/dev/nvme0n1p2"],
    ["/dev/mmcblk0", 1, "/dev/mmcblk0p1"],
    ["/dev/loop7", 1, "/dev/loop7p1"],
  ];
  for (const [disk, n, want] of table) assert.equal(partitionDevice(disk, n), want);
});

test("console arguments: an explicit tty comes last after tty1; without one the live system's consoles stay", () => {
  const table: [string | undefined, string, string[]][] = [
    ["ttyS0", "", ["console=tty1", "console=ttyS0,115200"]],
    ["/dev/ttyS1", "", ["console=tty1", "console=ttyS1,115200"]],
    ["ttyS0,9600", "", ["console=tty1", "console=ttyS0,9600"]],
    ["tty1", "", ["console=tty1"]],
    ["hvc0", "", ["console=tty1", "console=hvc0"]],
    [undefined, "BOOT_IMAGE=/k console=ttyS0,115200 k3os.mode=install quiet", ["console=ttyS0,115200"]],
    [undefined, "k3os.mode=install", ["console=tty1", "console=ttyS0,115200"]],
    [undefined, "", ["console=tty1", "console=ttyS0,115200"]],
  ];
  for (const [tty, live, want] of table) assert.deepEqual(consoleArgs(tty, live), want, `${tty} / ${live}`);
});

test("grub.cfg: Current, Previous and Rescue boot the kernel component's links in disk mode from K3OS_STATE", () => {
  const cfg = renderInstalledGrubConfig({ consoles: ["console=tty1", "console=ttyS1,115200"] });
  assert.equal(
    cfg,
    [
      "# k3os installed system (written by `k3os install`). Kernel arguments added to the linux lines",
      "# (k3os.* config keys) apply at every boot.",
      "serial --unit=1 --speed=115200",
      "terminal_input console serial",
      "terminal_output console serial",
      "set default=0",
      "set timeout=5",
      "",
      'menuentry "k3os Current" {',
      "  search --no-floppy --set=root --label K3OS_STATE",
      "  linux /k3os/system/kernel/current/vmlinuz k3os.mode=disk console=tty1 console=ttyS1,115200 quiet panic=10",
      "  initrd /k3os/system/kernel/current/initrd",
      "}",
      "",
      'menuentry "k3os Previous" {',
      "  search --no-floppy --set=root --label K3OS_STATE",
      "  linux /k3os/system/kernel/previous/vmlinuz k3os.mode=disk console=tty1 console=ttyS1,115200 quiet panic=10",
      "  initrd /k3os/system/kernel/previous/initrd",
      "}",
      "",
      'menuentry "k3os Rescue" {',
      "  search --no-floppy --set=root --label K3OS_STATE",
      "  linux /k3os/system/kernel/current/vmlinuz k3os.mode=disk console=tty1 console=ttyS1,115200 quiet panic=10 rescue",
      "  initrd /k3os/system/kernel/current/initrd",
      "}",
      "",
    ].join("\n"),
  );
});

test("debug keeps the kernel's messages (no quiet); the serial unit defaults to 0", () => {
  assert.equal(diskCmdline({ consoles: ["console=tty1"], debug: true }), "k3os.mode=disk console=tty1 panic=10");
  assert.match(renderInstalledGrubConfig({ consoles: ["console=tty1"] }), /^serial --unit=0 /m);
});
