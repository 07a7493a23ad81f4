// The interactive install from the live system, typed on the serial console: k3os.mode=install
// without k3os.install.silent runs `k3os install` on the console's terminal as its controlling
// terminal, and its questions (docs/install.md, "Interactive") are answered there: no config file,
// no SSH keys, a password typed twice, no wifi, a server with a generated token, then the erase
// confirmation. power_off is on the cmdline (a warm reboot hangs under TCG on this host). The disk
// then boots alone through its GRUB and the typed password logs rancher in.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Vm } from "../../../builder/vm/console.ts";
import { assertBootedCurrent, UnattendedInstall } from "../unattended-install.ts";

const TYPED_PASSWORD = "typed-on-ttyS0";
const run = new UnattendedInstall("008-install-interactive", false);

before(async () => {
  await run.setUp();
});
after(async () => {
  await run.tearDown();
});

/** Waits for a question, then types the answer (a pause first: the prompt must be listening). */
async function answer(vm: Vm, question: RegExp, keys: string): Promise<void> {
  await vm.waitFor(question, 300_000);
  await new Promise((r) => setTimeout(r, 700));
  vm.send(keys);
}

test("the questions on the serial console install the answered config, then power off", async () => {
  const vm = await run.startInstall("k3os.mode=install k3os.install.device=/dev/vda k3os.install.power_off=true", 900_000);
  await answer(vm, /Configure the system from a config file/, "n\r");
  await answer(vm, /Authorize GitHub users or SSH keys/, "n\r");
  await answer(vm, /Password for rancher/, `${TYPED_PASSWORD}\r`);
  await answer(vm, /The same password again/, `${TYPED_PASSWORD}\r`);
  await answer(vm, /Configure wifi\?/, "n\r");
  await answer(vm, /Run as a server or an agent\?/, "\r");
  await answer(vm, /Token or cluster secret \(empty: made by the server\)/, "\r");
  await answer(vm, /Everything on \/dev\/vda will be erased/, "y\r");
  const seconds = await vm.waitForExit(600_000);
  process.stdout.write(`# interactive install typed on ttyS0, QEMU start to power off (${vm.accel}): ${seconds.toFixed(1)} s\n`);
  assert.match(vm.text, /installed k3os to \/dev\/vda in/);
  assert.deepEqual(run.requests, [], "no config_url");
});

test("the installed disk boots through GRUB and the typed password logs rancher in", async () => {
  const vm = await run.bootDisk();
  await vm.waitFor(/k3os Current/, 120_000);
  const seconds = await vm.login("rancher", TYPED_PASSWORD, 600_000);
  process.stdout.write(`# installed disk to login (${vm.accel}): ${seconds.toFixed(1)} s\n`);
  assertBootedCurrent((await vm.run("cat /proc/cmdline")).out);
  assert.match((await vm.run("sudo -n cat /k3os/system/config.yaml")).out, /password: "?\$6\$/);
});
