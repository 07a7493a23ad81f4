// The seed's "Remastering ISO" recipe, run as written (but for the mount point) on the built ISO:
// copy /k3os and grub.cfg, add a cmdline key to grub.cfg, grub-mkrescue a new ISO; the new ISO
// boots and the node takes the key.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ISO, Vm } from "../../../builder/vm/console.ts";

// Some kernels (this CI host's among them) cannot mount iso9660: xorriso then copies the same files.
const RECIPE = `set -eu
mkdir -p iso/boot/grub
if grep -qw iso9660 /proc/filesystems || modprobe -q isofs 2>/dev/null; then
  mount -o loop,ro "$ISO" mnt
  cp -rf mnt/k3os iso/
  cp mnt/boot/grub/grub.cfg iso/boot/grub/
  umount mnt
else
  xorriso -osirrox on -indev "$ISO" -extract /k3os iso/k3os -extract /boot/grub/grub.cfg iso/boot/grub/grub.cfg 2>/dev/null
fi
# Edit iso/boot/grub/grub.cfg
sed -i 's/k3os.mode=live /k3os.mode=live hostname=k3os-remastered /' iso/boot/grub/grub.cfg
grub-mkrescue -o k3os-new.iso iso/ -- -volid K3OS
`;

let dir = "";
let vm: Vm | undefined;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "k3os-remaster-"));
  execFileSync("mkdir", ["mnt"], { cwd: dir });
  try {
    execFileSync("bash", ["-c", RECIPE], { cwd: dir, env: { ...process.env, ISO }, stdio: ["ignore", "ignore", "pipe"] });
  } finally {
    execFileSync("bash", ["-c", "mountpoint -q mnt && umount mnt || true"], { cwd: dir });
  }
});
after(async () => {
  await vm?.kill();
  if (dir) await rm(dir, { recursive: true, force: true });
});

test("the remastered grub.cfg carries the added key on the live entry", async () => {
  const cfg = await readFile(join(dir, "iso/boot/grub/grub.cfg"), "utf8");
  assert.match(cfg, /k3os\.mode=live hostname=k3os-remastered /);
});

test("the remastered ISO boots to a login and the node takes the key from its grub.cfg", async () => {
  vm = await Vm.boot({ name: "007-remaster", iso: join(dir, "k3os-new.iso") });
  const seconds = await vm.login("rancher", undefined, 420_000);
  process.stdout.write(`# remastered ISO: boot to login (${vm.accel}, BIOS): ${seconds.toFixed(1)} s\n`);
  assert.equal((await vm.run("hostname")).out, "k3os-remastered");
});
