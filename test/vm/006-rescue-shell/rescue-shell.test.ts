// `rescue` and `debug` on the kernel cmdline drop to a shell in the initramfs: rescue before the
// system is looked for, debug once the root is built; leaving each shell carries the boot on.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { INITRD, KERNEL, Vm } from "../../../builder/vm/console.ts";
import { liveCmdline } from "../../../builder/vm/qemu-args.ts";

let vm: Vm;
// /init's own message, not its `set -x` trace (`+ echo '...'`, printed first under debug), then the
// shell's prompt: a command typed before the shell reads is echoed by the tty, not run as typed.
const SHELL_PROMPT = /^~ # /m;

before(async () => {
  vm = await Vm.boot({ name: "006-rescue-shell", kernel: KERNEL, initrd: INITRD, append: liveCmdline("rescue debug") });
});
after(async () => {
  await vm?.kill();
});

test("rescue drops to a shell in the initramfs before the system is mounted", async () => {
  await vm.waitFor(/^k3os-init: \[[\d.]+\] rescue requested; starting a shell/m, 180_000);
  await vm.waitFor(SHELL_PROMPT, 30_000);
  try {
    assert.match((await vm.run("cat /proc/cmdline")).out, /\brescue\b/);
    assert.equal((await vm.run("[ -e /newroot/usr/sbin/k3os ] && echo mounted || echo not-mounted")).out, "not-mounted");
  } finally {
    vm.send("exit\n"); // a failed check must not leave the boot held for the next test
  }
});

test("debug drops to a shell once the root is built, with the system under /newroot", async () => {
  await vm.waitFor(/^k3os-init: \[[\d.]+\] debug requested, root ready at \/newroot; starting a shell/m, 180_000);
  await vm.waitFor(SHELL_PROMPT, 30_000);
  try {
    assert.equal((await vm.run("[ -x /newroot/usr/sbin/k3os ] && echo ready")).out, "ready");
    // /dev and /proc have moved to /newroot by now: the shell still has the serial console as its
    // terminal (job control, Ctrl-C), not the console fd PID 1 was started with.
    assert.match((await vm.run("readlink /newroot/proc/self/fd/0")).out, /^\/dev\/ttyS0$/);
  } finally {
    vm.send("exit\n");
  }
});

test("leaving the shells carries the boot on to a login", async () => {
  const seconds = await vm.login("rancher", undefined, 420_000);
  process.stdout.write(`# boot to login through both shells (${vm.accel}): ${seconds.toFixed(1)} s\n`);
  assert.equal((await vm.run("id -un")).out, "rancher");
});

// A boot that fails in the initramfs: the shell it gives comes back each time it is left, since
// /init is PID 1 and its exit would panic the kernel. The quoted value also shows that /init
// reads the cmdline as the kernel passes it (quotes removed).
test("a failed step's shell comes back when it is left: no kernel panic", async () => {
  const failing = await Vm.boot({ name: "006-failed-step", kernel: KERNEL, initrd: INITRD, append: liveCmdline('k3os.mode="bogus"') });
  try {
    await failing.waitFor(/unknown k3os\.mode=bogus\n/, 180_000);
    await failing.waitFor(/failed \(exit 1\) in step: choose_mode/, 60_000);
    assert.equal((await failing.run("echo in-shell")).out, "in-shell");
    failing.send("exit\n");
    await failing.waitFor(/boot stopped at step choose_mode: starting the shell again/, 60_000);
    assert.equal((await failing.run("echo shell-again")).out, "shell-again");
    assert.doesNotMatch(failing.text, /Kernel panic|Attempted to kill init/);
  } finally {
    await failing.kill();
  }
});
