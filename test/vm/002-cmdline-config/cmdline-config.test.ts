// Config keys on the kernel cmdline reach the node through the initramfs's `k3os config --initrd`:
// a password given as k3os.password logs rancher in, and `k3os config --dump` shows the keys.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { INITRD, KERNEL, Vm } from "../../../builder/vm/console.ts";
import { liveCmdline } from "../../../builder/vm/qemu-args.ts";

const PASSWORD = "k3os-vm-test";
let vm: Vm;

before(async () => {
  // The ISO stays attached as the live medium; the kernel is booted directly to pass the keys.
  vm = await Vm.boot({
    name: "002-cmdline-config",
    kernel: KERNEL,
    initrd: INITRD,
    append: liveCmdline(`k3os.password=${PASSWORD} hostname=k3os-vmtest k3os.labels.role=test`),
  });
});
after(async () => {
  await vm?.kill();
});

test("rancher logs in on the console with the password given as k3os.password", async () => {
  const seconds = await vm.login("rancher", PASSWORD, 420_000);
  process.stdout.write(`# boot to login (${vm.accel}, direct kernel): ${seconds.toFixed(1)} s\n`);
  assert.equal((await vm.run("id -un")).out, "rancher");
});

test("k3os config --dump shows the keys from the kernel cmdline", async () => {
  const { out, code } = await vm.run("sudo -n k3os config --dump", 120_000);
  assert.equal(code, 0, out);
  assert.match(out, /hostname: k3os-vmtest/);
  assert.match(out, /role: test/);
});

test("the hostname from the cmdline is set at the initrd phase", async () => {
  assert.equal((await vm.run("hostname")).out, "k3os-vmtest");
});
