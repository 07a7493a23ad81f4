// SSH with a key given on the kernel cmdline: the live system (ISO attached as the medium, kernel
// booted directly to pass the keys) lets rancher in with the key, and sshd refuses passwords even
// when rancher has one (as k3OS: keys only over the network).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { promisify } from "node:util";
import { INITRD, KERNEL, Vm } from "../../../builder/vm/console.ts";
import { sshRun, waitForSsh, type SshOptions } from "../ssh.ts";
import { liveCmdline } from "../../../builder/vm/qemu-args.ts";

const run = promisify(execFile);
const PASSWORD = "k3os-ssh-test";
const BOOT_TIMEOUT_MS = 420_000;

let dir: string;
let vm: Vm;
let withKey: SshOptions;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "k3os-vmtest-ssh-"));
  await run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "k3os-vmtest", "-f", join(dir, "id_ed25519")]);
  const publicKey = (await readFile(join(dir, "id_ed25519.pub"), "utf8")).trim();
  withKey = { args: ["-i", join(dir, "id_ed25519"), "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes"] };
  // The kernel keeps the double quotes in /proc/cmdline; the config engine reads the key with its spaces.
  vm = await Vm.boot({
    name: "004-ssh-key",
    kernel: KERNEL,
    initrd: INITRD,
    append: liveCmdline(`ssh_authorized_keys="${publicKey}" k3os.password=${PASSWORD}`),
  });
});
after(async () => {
  await vm?.kill();
  if (dir) await rm(dir, { recursive: true, force: true });
});

test("rancher logs in over SSH with the key from the kernel cmdline and has passwordless sudo", async () => {
  const seconds = await waitForSsh(vm, "rancher", withKey, BOOT_TIMEOUT_MS);
  process.stdout.write(`# live boot to SSH login with a key (${vm.accel}): ${seconds.toFixed(1)} s\n`);
  const id = await sshRun(vm.sshPort, "rancher", "id -un", withKey);
  assert.deepEqual([id.code, id.out], [0, "rancher"], id.err);
  const sudo = await sshRun(vm.sshPort, "rancher", "sudo -n true && echo sudo-ok", withKey);
  assert.deepEqual([sudo.code, sudo.out], [0, "sudo-ok"], sudo.err);
  const keys = await sshRun(vm.sshPort, "rancher", "stat -c '%a %U' ~/.ssh ~/.ssh/authorized_keys", withKey);
  assert.deepEqual(keys.out.split("\n"), ["700 rancher", "600 rancher"]);
});

test("sshd refuses rancher's password, which logs in on the console", async () => {
  // The password is valid: the console takes it.
  await vm.login("rancher", PASSWORD, BOOT_TIMEOUT_MS);
  assert.equal((await vm.run("id -un")).out, "rancher");
  // The same password over SSH, given by an askpass program: only publickey may be offered.
  const askpass = join(dir, "askpass");
  await writeFile(askpass, `#!/bin/sh\necho '${PASSWORD}'\n`, { mode: 0o700 });
  const attempt = await sshRun(vm.sshPort, "rancher", "id -un", {
    args: ["-o", "PubkeyAuthentication=no", "-o", "PreferredAuthentications=password,keyboard-interactive", "-o", "NumberOfPasswordPrompts=1"],
    env: { SSH_ASKPASS: askpass, SSH_ASKPASS_REQUIRE: "force", DISPLAY: ":0" },
  });
  assert.notEqual(attempt.code, 0, `a password logged in over SSH: ${attempt.out}`);
  assert.match(attempt.err, /Permission denied \(publickey\)/);
});
