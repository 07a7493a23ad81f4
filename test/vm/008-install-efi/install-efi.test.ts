// The unattended install from the live ISO on EFI (OVMF): the installer detects EFI and makes a
// GPT disk (ESP first, K3OS_STATE second) with GRUB as EFI/BOOT/BOOTX64.EFI; the disk then boots
// alone through OVMF and that GRUB ("k3os Current") with the config from config_url.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { assertBootedCurrent, CONFIG, HOSTNAME, PASSWORD, UnattendedInstall } from "../unattended-install.ts";

const run = new UnattendedInstall("008-install-efi", true);

before(async () => {
  await run.setUp();
});
after(async () => {
  await run.tearDown();
});

test("k3os.mode=install on EFI installs to /dev/vda unattended and powers off", async () => {
  const { seconds, vm } = await run.install(900_000);
  process.stdout.write(`# EFI live boot + unattended install + power off (${vm.accel}): ${seconds.toFixed(1)} s\n`);
  assert.deepEqual(run.requests, ["GET /config.yaml"]);
  assert.match(vm.text, /firmware: +EFI/);
  assert.match(vm.text, /installed k3os to \/dev\/vda in/);
});

test("the GPT disk boots alone through OVMF and its GRUB's k3os Current entry", async () => {
  const vm = await run.bootDisk();
  await vm.waitFor(/k3os Current/, 180_000);
  const seconds = await vm.login("rancher", PASSWORD, 600_000);
  process.stdout.write(`# installed EFI disk, firmware + GRUB + boot to login (${vm.accel}): ${seconds.toFixed(1)} s\n`);
  assertBootedCurrent((await vm.run("cat /proc/cmdline")).out);
  assert.equal((await vm.run("hostname")).out, HOSTNAME);
  assert.equal((await vm.run("sudo -n cat /k3os/system/config.yaml")).out, CONFIG.trimEnd());
  assert.match((await vm.run("grep ' /run/k3os/state ' /proc/mounts")).out, /^\/dev\/vda2 \/run\/k3os\/state ext4 rw/);
  assert.match((await vm.run("sudo -n sfdisk --dump /dev/vda")).out, /^label: gpt$/m);
});
