// The live ISO boots to a login under BIOS and EFI, and the system it builds has the k3OS layout.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { Vm } from "../../../builder/vm/console.ts";

// TCG boots took 41-51 s without the agent and up to 210 s with it at load ~12: room for CI.
const LOGIN_TIMEOUT_MS = 420_000;

let vm: Vm;
let loginSeconds = 0;

before(async () => {
  vm = await Vm.boot({ name: "001-live-boot-bios", memoryMb: 2048 });
});
after(async () => {
  await vm?.kill();
});

test("the live ISO boots under BIOS to a login prompt and rancher logs in without a password", async () => {
  loginSeconds = await vm.login("rancher", undefined, LOGIN_TIMEOUT_MS);
  process.stdout.write(`# boot to login (${vm.accel}, BIOS): ${loginSeconds.toFixed(1)} s\n`);
  const { out } = await vm.run("id -un");
  assert.equal(out, "rancher");
});

test("/usr is the read-only squashfs and /etc is /usr/etc under a tmpfs that takes the changes", async () => {
  const usr = await vm.run("grep ' /usr ' /proc/mounts");
  assert.match(usr.out, /^\S+ \/usr squashfs ro[,\s]/m);
  assert.notEqual((await vm.run("touch /usr/k3os-test")).code, 0, "/usr refuses writes");
  const etc = await vm.run("grep ' /etc ' /proc/mounts");
  assert.match(etc.out, /^etc \/etc overlay rw,.*upperdir=\/run\/k3os\/etc\/upper/m);
  assert.match((await vm.run("grep ' /run/k3os/etc ' /proc/mounts")).out, /tmpfs/);
  assert.equal((await vm.run("sudo -n sh -c 'echo changed > /etc/k3os-probe' && cat /etc/k3os-probe")).out, "changed");
  assert.notEqual((await vm.run("test -e /usr/etc/k3os-probe")).code, 0, "/usr/etc is untouched");
  assert.equal((await vm.run("cmp /etc/inittab /usr/etc/inittab")).code, 0);
});

test("the node runs in live mode with its kernel modules and firmware from the kernel squashfs", async () => {
  assert.equal((await vm.run("cat /run/k3os/mode")).out, "live");
  assert.match((await vm.run("grep ' /usr/lib/modules ' /proc/mounts")).out, /squashfs ro/);
  assert.equal((await vm.run("ls /usr/lib/modules/$(uname -r)/modules.dep")).code, 0);
  assert.equal((await vm.run("test -d /k3os/system/kernel/current")).code, 0);
});

test("rancher has passwordless sudo and root's password is locked", async () => {
  assert.equal((await vm.run("sudo -n id -u")).out, "0");
  assert.match((await vm.run("sudo -n passwd -S root")).out, /^root L /);
});

test("OpenRC started connman, dbus and sshd, and no udev daemon runs", async () => {
  const { out } = await vm.run("sudo -n rc-status default --nocolor", 60_000);
  for (const s of ["dbus", "connman", "sshd"]) assert.match(out, new RegExp(`${s}\\s+\\[\\s+started`), `${s} started`);
  assert.notEqual((await vm.run("pgrep -x udevd || pgrep -x systemd-udevd")).code, 0);
});

test("the live ISO also boots under EFI (OVMF) to a login prompt", async () => {
  const efi = await Vm.boot({ name: "001-live-boot-efi", efi: true, memoryMb: 2048 });
  try {
    const seconds = await efi.login("rancher", undefined, LOGIN_TIMEOUT_MS);
    process.stdout.write(`# boot to login (${efi.accel}, EFI): ${seconds.toFixed(1)} s\n`);
    assert.equal((await efi.run("test -d /sys/firmware/efi && echo efi")).out, "efi");
  } finally {
    await efi.kill();
  }
});
