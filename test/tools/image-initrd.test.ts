// The initramfs builder on real tools: busybox, cpio and zstd, and a module tree laid out like the
// kernel's (tiny files stand in for .ko: only names, order and packing are under test here).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, mkdir, writeFile, readFile, readdir } from "node:fs/promises";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { ProcessRunner } from "../../src/exec/runner.ts";
import { makeInitrd } from "../../builder/output/initrd.ts";
import { sha256File } from "../../builder/output/checksums.ts";

async function fakeKernel(dir: string): Promise<string> {
  const mods = join(dir, "lib/modules/6.0.0");
  await mkdir(join(mods, "kernel/fs"), { recursive: true });
  await writeFile(join(mods, "kernel/fs/isofs.ko"), "isofs");
  await writeFile(join(mods, "kernel/fs/cdrom.ko"), "cdrom");
  await writeFile(join(mods, "kernel/fs/sr_mod.ko"), "sr_mod");
  // a compressed one, as Debian ships them
  await writeFile(join(mods, "kernel/fs/ext4.ko"), "ext4");
  execFileSync("xz", ["-f", join(mods, "kernel/fs/ext4.ko")]);
  await writeFile(join(mods, "modules.dep"), "kernel/fs/isofs.ko:\nkernel/fs/sr_mod.ko: kernel/fs/cdrom.ko\nkernel/fs/cdrom.ko:\nkernel/fs/ext4.ko.xz:\n");
  await writeFile(join(mods, "modules.builtin"), "kernel/fs/squashfs.ko\n");
  return mods;
}

async function build(dir: string, name: string, mods: string): Promise<string> {
  const target = join(dir, `${name}.zst`);
  await makeInitrd(new ProcessRunner(), {
    stage: join(dir, `${name}-stage`),
    target,
    busybox: "/bin/busybox",
    init: join(import.meta.dirname, "../../image/initramfs/init"),
    modulesDir: mods,
    modules: ["sr_mod", "isofs", "squashfs"],
    extraModules: ["ext4", "cdrom"],
    epoch: 1700000000,
  });
  return target;
}

test("the initramfs holds /init, busybox with its applets, and the modules in load order", async () => {
  const dir = await mkdtemp(join(tmpdir(), "k3os-initrd-"));
  const target = await build(dir, "a", await fakeKernel(dir));
  const list = execFileSync("sh", ["-c", `zstd -dc '${target}' | cpio -t --quiet`]).toString().split("\n");
  for (const f of ["init", "bin/busybox", "bin/switch_root", "bin/findfs", "dev/console", "lib/k3os/cmdline.sh", "lib/modules/sr_mod.ko", "lib/modules/ext4.ko", "etc/k3os/modules"]) {
    assert.ok(list.includes(f), `${f} is in the initramfs`);
  }
  const out = join(dir, "x");
  await mkdir(out);
  execFileSync("sh", ["-c", `zstd -dc '${target}' | cpio -id --quiet`], { cwd: out });
  assert.equal(await readFile(join(out, "etc/k3os/modules"), "utf8"), "cdrom\nsr_mod\nisofs\n");
  assert.equal(await readFile(join(out, "etc/k3os/modules-extra"), "utf8"), "ext4\n", "cdrom is not loaded twice");
  assert.equal(await readFile(join(out, "lib/modules/ext4.ko"), "utf8"), "ext4", "xz modules are stored decompressed");
});

test("two builds with the same epoch give the same initramfs bytes", async () => {
  const dir = await mkdtemp(join(tmpdir(), "k3os-initrd-"));
  const mods = await fakeKernel(dir);
  const a = await build(dir, "a", mods);
  await new Promise((r) => setTimeout(r, 1100));
  const b = await build(dir, "b", mods);
  assert.equal(await sha256File(a), await sha256File(b));
});

test("the initramfs /init and its library are valid POSIX shell; /init is set -eu", async () => {
  const init = join(import.meta.dirname, "../../image/initramfs/init");
  execFileSync("sh", ["-n", init]);
  assert.match(await readFile(init, "utf8"), /^set -eu$/m);
  const lib = join(import.meta.dirname, "../../image/initramfs/lib");
  for (const f of await readdir(lib)) execFileSync("sh", ["-n", join(lib, f)]);
});
