// `rescue` and `debug` on the kernel cmdline drop to a shell in the initramfs: rescue before the
// system is looked for, debug once the root is built; leaving each shell carries the boot on.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { INITRD, KERNEL, Vm } from "../../../builder/vm/console.ts";
import { liveCmdline } from "../../../builder/vm/qemu-args.ts";

let vm: Vm;

before(async () => {
  vm = await Vm.boot({ name: "006-rescue-shell", kernel: KERNEL, initrd: INITRD, append: liveCmdline("rescue debug") });
});
after(async () => {
  await vm?.kill();
});

test("rescue drops to a shell in the initramfs before the system is mounted", async () => {
  await vm.waitFor(/rescue requested; starting a shell/, 180_000);
  assert.match((await vm.run("cat /proc/cmdline")).out, /\brescue\b/);
  assert.equal((await vm.run("[ -e /newroot/usr/sbin/k3os ] && echo mounted || echo not-mounted")).out, "not-mounted");
  vm.send("exit\n");
});

test("debug drops to a shell once the root is built, with the system under /newroot", async () => {
  await vm.waitFor(/debug requested, root ready at \/newroot; starting a shell/, 180_000);
  assert.equal((await vm.run("[ -x /newroot/usr/sbin/k3os ] && echo ready")).out, "ready");
  vm.send("exit\n");
});

test("leaving the shells carries the boot on to a login", async () => {
  const seconds = await vm.login("rancher", undefined, 420_000);
  process.stdout.write(`# boot to login through both shells (${vm.accel}): ${seconds.toFixed(1)} s\n`);
  assert.equal((await vm.run("id -un")).out, "rancher");
});
