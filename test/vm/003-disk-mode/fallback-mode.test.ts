// k3os.fallback_mode: a K3OS_STATE partition without a system (formatted, nothing installed) is no
// state to boot from, so the initramfs takes the fallback mode instead of disk mode; here live,
// from the ISO attached beside the disk.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import { INITRD, KERNEL, Vm } from "../../../builder/vm/console.ts";
import { makeStateDisk } from "./state-disk.ts";

const PASSWORD = "k3os-fallback-test";
const GiB = 2 ** 30;
let dir: string;
let vm: Vm | undefined;

before(async () => {
  dir = await mkdtemp("/var/tmp/k3os-vmtest-fallback-");
  await makeStateDisk({ path: join(dir, "empty-state.raw"), diskBytes: 1 * GiB, partitionBytes: 1 * GiB - 2 ** 20 });
});
after(async () => {
  await vm?.kill();
  if (dir) await rm(dir, { recursive: true, force: true });
});

test("an empty K3OS_STATE partition with k3os.fallback_mode=live boots the live system from the ISO", async () => {
  // no k3os.mode: the initramfs chooses
  vm = await Vm.boot({
    name: "003-fallback-mode",
    kernel: KERNEL,
    initrd: INITRD,
    append: `console=ttyS0,115200 quiet panic=10 k3os.fallback_mode=live k3os.password=${PASSWORD}`,
    disks: [join(dir, "empty-state.raw")],
  });
  await vm.waitFor(/K3OS_STATE holds no k3os system: fallback mode live/, 300_000);
  const seconds = await vm.login("rancher", PASSWORD, 600_000);
  process.stdout.write(`# fallback to live, boot to login (${vm.accel}): ${seconds.toFixed(1)} s\n`);
  assert.equal((await vm.run("cat /run/k3os/mode")).out, "live");
  assert.match((await vm.run("grep ' /run/k3os/media ' /proc/mounts")).out, /iso9660 ro/);
  assert.notEqual((await vm.run("grep -q ' /run/k3os/state ' /proc/mounts")).code, 0, "the state partition was let go");
});
