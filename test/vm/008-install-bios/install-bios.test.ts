// The unattended BIOS install from the live ISO: k3os.mode=install with the k3os.install.* keys
// on the cmdline, config_url over the test's HTTP server, power_off; then the blank virtio disk it
// installed to boots alone through its GRUB (msdos, "k3os Current"): the config applied, and across
// a power cycle /var is kept while /etc is rebuilt from the image. (A power cycle, as in 003: a warm
// `reboot` under TCG hung after GRUB's "Booting `k3os Current'" with no kernel output.)
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Vm } from "../../../builder/vm/console.ts";
import { assertBootedCurrent, CONFIG, HOSTNAME, PASSWORD, UnattendedInstall } from "../unattended-install.ts";

const BOOT_TIMEOUT_MS = 600_000;
const run = new UnattendedInstall("008-install-bios", false);
let disk: Vm;

before(async () => {
  await run.setUp();
});
after(async () => {
  await run.tearDown();
});

test("k3os.mode=install installs to /dev/vda unattended and powers off", async () => {
  const { seconds, vm } = await run.install(900_000);
  process.stdout.write(`# live boot + unattended install + power off (${vm.accel}): ${seconds.toFixed(1)} s\n`);
  assert.deepEqual(run.requests, ["GET /config.yaml"], "config_url was fetched through guestfwd");
  assert.match(vm.text, /Installing k3os \(k3os\.mode=install\) on \/dev\/ttyS0/);
  assert.doesNotMatch(vm.text, /k3os install failed/);
  assert.doesNotMatch(vm.text, /login: /, "no getty on the installer's console");
});

test("the disk boots alone through its GRUB's k3os Current entry, with the config from config_url", async () => {
  disk = await run.bootDisk();
  await disk.waitFor(/k3os Current/, 120_000);
  const seconds = await disk.login("rancher", PASSWORD, BOOT_TIMEOUT_MS);
  process.stdout.write(`# installed disk, firmware + GRUB + boot to login (${disk.accel}): ${seconds.toFixed(1)} s\n`);
  assertBootedCurrent((await disk.run("cat /proc/cmdline")).out);
  assert.equal((await disk.run("cat /run/k3os/mode")).out, "disk");
  assert.equal((await disk.run("hostname")).out, HOSTNAME);
  assert.equal((await disk.run("sudo -n cat /k3os/system/config.yaml")).out, CONFIG.trimEnd());
  assert.match((await disk.run("sudo -n cat /etc/rancher/k3s/config.yaml.d/10-k3os.yaml")).out, /installed-by=unattended/);
  assert.match((await disk.run("grep ' /run/k3os/state ' /proc/mounts")).out, /^\/dev\/vda1 \/run\/k3os\/state ext4 rw/);
});

test("after a power cycle through GRUB a file under /var is kept and a change in /etc is gone", async () => {
  assert.equal((await disk.run("sudo -n sh -c 'echo kept > /var/lib/k3os-vmtest; echo gone > /etc/k3os-vmtest; sync'")).code, 0);
  assert.equal((await disk.run("cat /etc/k3os-vmtest")).out, "gone");
  disk.send("sudo -n poweroff\n");
  const down = await disk.waitForExit(180_000);
  process.stdout.write(`# installed disk, power on to power off (${disk.accel}): ${down.toFixed(1)} s\n`);
  const again = await run.bootDisk("disk-again");
  await again.waitFor(/k3os Current/, 120_000);
  const seconds = await again.login("rancher", PASSWORD, BOOT_TIMEOUT_MS);
  process.stdout.write(`# second boot of the installed disk to login (${again.accel}): ${seconds.toFixed(1)} s\n`);
  assertBootedCurrent((await again.run("cat /proc/cmdline")).out);
  assert.equal((await again.run("cat /var/lib/k3os-vmtest")).out, "kept");
  assert.notEqual((await again.run("test -e /etc/k3os-vmtest")).code, 0, "/etc is rebuilt from the image at every boot");
});
