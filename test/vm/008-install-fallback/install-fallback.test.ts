// k3os.fallback_mode=install: one kernel command line that installs when the machine has no
// installed system and boots the installed one afterwards (docs/install.md). The same cmdline (the
// live medium attached, the install keys on it) boots twice: the first boot finds no K3OS_STATE,
// installs and powers off; the second finds the installed K3OS_STATE and boots disk mode from it.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { HOSTNAME, INSTALL_ARGS, PASSWORD, UnattendedInstall } from "../unattended-install.ts";

const ARGS = INSTALL_ARGS.replace("k3os.mode=install", "k3os.fallback_mode=install");
const run = new UnattendedInstall("008-install-fallback", false);

before(async () => {
  await run.setUp();
});
after(async () => {
  await run.tearDown();
});

test("without an installed system, k3os.fallback_mode=install installs and powers off", async () => {
  const vm = await run.startInstall(ARGS, 900_000);
  const seconds = await vm.waitForExit(900_000);
  process.stdout.write(`# fallback_mode=install, QEMU start to power off (${vm.accel}): ${seconds.toFixed(1)} s\n`);
  assert.match(vm.text, /Installing k3os \(k3os\.mode=install\)/);
  assert.match(vm.text, /installed k3os to \/dev\/vda in/);
});

test("with the installed system, the same cmdline boots disk mode and installs nothing", async () => {
  const vm = await run.startInstall(ARGS, 900_000, "again");
  const seconds = await vm.login("rancher", PASSWORD, 600_000);
  process.stdout.write(`# fallback_mode=install over the installed disk, boot to login (${vm.accel}): ${seconds.toFixed(1)} s\n`);
  assert.equal((await vm.run("cat /run/k3os/mode")).out, "disk");
  assert.equal((await vm.run("hostname")).out, HOSTNAME);
  assert.doesNotMatch(vm.text, /Installing k3os/);
  assert.deepEqual(run.requests, ["GET /config.yaml"], "config_url fetched once, by the install");
});
